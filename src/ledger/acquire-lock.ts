import { ConditionalCheckFailedException, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GroupLockedError } from '../errors.ts';
import { type GroupLock, lockFromItem, lockItem, readGroupLock } from './lock-item.ts';
import { epochSeconds, isoOf, LEDGER_KEY, LEDGER_TTL_ATTRIBUTE, type Ledger, tableOf } from './table.ts';

export interface AcquireGroupLockOptions {
  asgName: string;
  runId: string;
  /** How long the lock holds before it lapses (lockLifetimeSeconds). */
  lifetimeSeconds: number;
  now: Date;
}

export interface AcquiredGroupLock {
  acquiredAt: string;
  /** ISO time the lock lapses, unless released first. */
  expiresAt: string;
  /** The run whose lapsed lock this one replaced, and when that lapsed. */
  tookOverFrom?: { runId: string; expiredAt: string };
}

/**
 * Takes the group's lock for `runId`: one conditional PutItem that succeeds when no lock exists, when
 * the lock is this run's own, or when it has lapsed. Idempotent for the same run: a retry after a
 * lost answer (the SDK's, or the state machine's after a Lambda error) finds the run's own lock and
 * takes it again, so a lost answer never locks a run out of its group.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
 * @throws GroupLockedError (another run holds an unlapsed lock), LedgerNotConfiguredError
 */
export async function acquireGroupLock(
  ledger: Ledger,
  options: AcquireGroupLockOptions,
): Promise<AcquiredGroupLock> {
  const { asgName, runId, now } = options;
  const lock: GroupLock = {
    asgName,
    runId,
    acquiredAt: now.toISOString(),
    expiresAt: epochSeconds(now) + options.lifetimeSeconds,
  };
  let holder: GroupLock | undefined;
  // A lock released or lapsed between the refused PutItem and the read is tried again (twice at most).
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const { Attributes } = await ledger.client.send(
        new PutItemCommand({
          TableName: tableOf(ledger),
          Item: lockItem(lock),
          ConditionExpression: 'attribute_not_exists(#pk) OR #runId = :runId OR #expiresAt < :now',
          ExpressionAttributeNames: {
            '#pk': LEDGER_KEY.partition,
            '#runId': 'runId',
            '#expiresAt': LEDGER_TTL_ATTRIBUTE,
          },
          ExpressionAttributeValues: { ':runId': { S: runId }, ':now': { N: String(epochSeconds(now)) } },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const previous = lockFromItem(asgName, Attributes);
      return {
        acquiredAt: lock.acquiredAt,
        expiresAt: isoOf(lock.expiresAt),
        ...(previous && previous.runId !== runId
          ? { tookOverFrom: { runId: previous.runId, expiredAt: isoOf(previous.expiresAt) } }
          : {}),
      };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      holder = await readGroupLock(ledger, asgName);
      if (holder && holder.runId !== runId && holder.expiresAt >= epochSeconds(now)) {
        throw new GroupLockedError(
          {
            asgName,
            heldBy: holder.runId,
            acquiredAt: holder.acquiredAt,
            expiresAt: isoOf(holder.expiresAt),
          },
          { cause: error },
        );
      }
    }
  }
  throw new GroupLockedError({ asgName });
}

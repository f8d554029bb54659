/**
 * A group's lock item (`GROUP#<asgName>` / `LOCK`): the run that holds the group, since when, and
 * until when (`expiresAt`, epoch seconds, the table's TTL attribute).
 *
 * DynamoDB deletes an expired item only in the background, typically within a few days, and until
 * then reads and conditions still see it
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ttl-expired-items.html). So a
 * lock counts as held only while `expiresAt` is in the future: the conditions compare it with the
 * time of the call, and TTL only tidies up.
 */
import { type AttributeValue, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { groupItemKey, LEDGER_TTL_ATTRIBUTE, type Ledger, tableOf } from './table.ts';

export interface GroupLock {
  asgName: string;
  runId: string;
  /** ISO time the run took it. */
  acquiredAt: string;
  /** When it lapses, in epoch seconds (the TTL attribute). */
  expiresAt: number;
}

export function lockItem(lock: GroupLock): Record<string, AttributeValue> {
  return {
    ...groupItemKey(lock.asgName, 'LOCK'),
    runId: { S: lock.runId },
    acquiredAt: { S: lock.acquiredAt },
    [LEDGER_TTL_ATTRIBUTE]: { N: String(lock.expiresAt) },
  };
}

/** The lock an item holds, or undefined when the item is not a well-formed lock. */
export function lockFromItem(
  asgName: string,
  item: Record<string, AttributeValue> | undefined,
): GroupLock | undefined {
  const runId = item?.runId?.S;
  const acquiredAt = item?.acquiredAt?.S;
  const expiresAt = Number(item?.[LEDGER_TTL_ATTRIBUTE]?.N);
  if (!runId || !acquiredAt || !Number.isFinite(expiresAt)) return undefined;
  return { asgName, runId, acquiredAt, expiresAt };
}

/** The group's lock item as it is now (a strongly consistent read), lapsed or not; undefined when there is none. */
export async function readGroupLock(ledger: Ledger, asgName: string): Promise<GroupLock | undefined> {
  const { Item } = await ledger.client.send(
    new GetItemCommand({
      TableName: tableOf(ledger),
      Key: groupItemKey(asgName, 'LOCK'),
      ConsistentRead: true,
    }),
  );
  return lockFromItem(asgName, Item);
}

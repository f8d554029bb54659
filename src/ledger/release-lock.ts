import { ConditionalCheckFailedException, DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { type GroupLock, readGroupLock } from './lock-item.ts';
import { groupItemKey, type Ledger, tableOf } from './table.ts';

/**
 * `released`: this run's lock is gone (deleted now, or by an earlier try of the same call).
 * `takenOver`: another run holds the group now: this run's lock lapsed while it still worked on the
 * group, and that run took it over.
 */
export type LockRelease = { outcome: 'released' } | { outcome: 'takenOver'; by: GroupLock };

/**
 * Releases the group's lock if `runId` holds it: a DeleteItem conditioned on the holder, so a lock
 * another run took over is never deleted. Idempotent: a retry finds nothing of this run's to delete.
 * @throws LedgerNotConfiguredError (AWS errors propagate)
 */
export async function releaseGroupLock(
  ledger: Ledger,
  lock: { asgName: string; runId: string },
): Promise<LockRelease> {
  try {
    await ledger.client.send(
      new DeleteItemCommand({
        TableName: tableOf(ledger),
        Key: groupItemKey(lock.asgName, 'LOCK'),
        ConditionExpression: '#runId = :runId',
        ExpressionAttributeNames: { '#runId': 'runId' },
        ExpressionAttributeValues: { ':runId': { S: lock.runId } },
      }),
    );
    return { outcome: 'released' };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const holder = await readGroupLock(ledger, lock.asgName);
    return holder && holder.runId !== lock.runId
      ? { outcome: 'takenOver', by: holder }
      : { outcome: 'released' };
  }
}

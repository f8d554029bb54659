/**
 * A group's last patched versions (`GROUP#<asgName>` / `PATCHED`): what its last Successful
 * refresh rolled out, by which run and when. Kept (no TTL), one item per group, the newest wins.
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { groupItemKey, type Ledger, tableOf } from './table.ts';

export interface LastPatched {
  asgName: string;
  runId: string;
  /** ISO time the refresh ended Successful. */
  patchedAt: string;
  /** The plan's action: `patch` (new versions) or `refreshOnly` (lagging instances brought onto current sources). */
  action: 'patch' | 'refreshOnly';
  /** Per spec of the group: the template and the version its instances now run. */
  launchTemplates: { slot: 'main' | number; launchTemplateId: string; version: number }[];
}

/**
 * Writes the group's last patched versions, unless the item already holds a later refresh (a
 * later run's): conditioned on `patchedAt`, so a late retry never puts an older record back.
 * @returns `recorded`, or `newerKept` when a later record was there
 * @throws LedgerNotConfiguredError (AWS errors propagate)
 */
export async function recordLastPatched(
  ledger: Ledger,
  record: LastPatched,
): Promise<'recorded' | 'newerKept'> {
  try {
    await ledger.client.send(
      new PutItemCommand({
        TableName: tableOf(ledger),
        Item: {
          ...groupItemKey(record.asgName, 'PATCHED'),
          runId: { S: record.runId },
          patchedAt: { S: record.patchedAt },
          action: { S: record.action },
          launchTemplates: {
            L: record.launchTemplates.map((lt) => ({
              M: {
                slot: { S: String(lt.slot) },
                launchTemplateId: { S: lt.launchTemplateId },
                version: { N: String(lt.version) },
              },
            })),
          },
        },
        ConditionExpression: 'attribute_not_exists(#patchedAt) OR #patchedAt <= :patchedAt',
        ExpressionAttributeNames: { '#patchedAt': 'patchedAt' },
        ExpressionAttributeValues: { ':patchedAt': { S: record.patchedAt } },
      }),
    );
    return 'recorded';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'newerKept';
    throw error;
  }
}

/** The group's last patched versions, or undefined when none was recorded. */
export async function readLastPatched(ledger: Ledger, asgName: string): Promise<LastPatched | undefined> {
  const { Item } = await ledger.client.send(
    new GetItemCommand({
      TableName: tableOf(ledger),
      Key: groupItemKey(asgName, 'PATCHED'),
      ConsistentRead: true,
    }),
  );
  return Item ? lastPatchedFromItem(asgName, Item) : undefined;
}

function lastPatchedFromItem(asgName: string, item: Record<string, AttributeValue>): LastPatched | undefined {
  const runId = item.runId?.S;
  const patchedAt = item.patchedAt?.S;
  const action = item.action?.S;
  if (!runId || !patchedAt || (action !== 'patch' && action !== 'refreshOnly')) return undefined;
  const launchTemplates = (item.launchTemplates?.L ?? []).flatMap((entry) => {
    const slot = entry.M?.slot?.S;
    const launchTemplateId = entry.M?.launchTemplateId?.S;
    const version = Number(entry.M?.version?.N);
    if (!slot || !launchTemplateId || !Number.isInteger(version)) return [];
    return [{ slot: slot === 'main' ? ('main' as const) : Number(slot), launchTemplateId, version }];
  });
  return { asgName, runId, patchedAt, action, launchTemplates };
}

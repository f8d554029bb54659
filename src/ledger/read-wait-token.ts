import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import * as checks from '../contracts/validators.generated.mjs';
import type { RefreshProgress } from '../schemas.ts';
import { type Ledger, tableOf } from './table.ts';
import { type WaitToken, waitKey } from './wait-tokens.ts';

/** The token registered for the refresh (a strongly consistent read), or undefined when none is. */
export async function readWaitToken(
  ledger: Ledger,
  instanceRefreshId: string,
): Promise<WaitToken | undefined> {
  const { Item } = await ledger.client.send(
    new GetItemCommand({ TableName: tableOf(ledger), Key: waitKey(instanceRefreshId), ConsistentRead: true }),
  );
  const taskToken = Item?.taskToken?.S;
  const runId = Item?.runId?.S;
  const asgName = Item?.asgName?.S;
  const registeredAt = Item?.registeredAt?.S;
  const refresh = parseProgress(Item?.refresh?.S);
  if (!taskToken || !runId || !asgName || !registeredAt || !refresh) return undefined;
  return { taskToken, runId, asgName, instanceRefreshId, refresh, registeredAt };
}

function parseProgress(text: string | undefined): RefreshProgress | undefined {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return checks.RefreshProgress(value) ? (value as RefreshProgress) : undefined;
  } catch {
    return undefined;
  }
}

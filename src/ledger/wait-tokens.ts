/**
 * The event-driven refresh wait's task tokens (`REFRESH#<instanceRefreshId>` / `WAIT`): AwaitRefreshEvent
 * registers the token of the wait in progress, OnRefreshEvent reads it when AWS reports the refresh
 * ended. Keyed by the refresh id, because an event carries only that and the group's name. The item
 * also holds the refresh's progress as the wait loop last knew it, so whoever completes the token
 * answers the RefreshProgress the state machine expects. A later wait of the same refresh (after a
 * backstop) replaces the item; `expiresAt` (TTL) is a day after the wait's backstop: the token is
 * useless by then, and only the TTL deletes the item (a completed token answers TaskTimedOut again,
 * which is harmless).
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import * as checks from '../contracts/validators.generated.mjs';
import type { RefreshProgress } from '../schemas.ts';
import { epochSeconds } from './lock-item.ts';
import { LEDGER_KEY, LEDGER_TTL_ATTRIBUTE, type Ledger, tableOf } from './table.ts';

/** How long a token's item outlives its wait's backstop. */
const KEEP_AFTER_BACKSTOP_SECONDS = 24 * 3600;

export interface WaitToken {
  taskToken: string;
  runId: string;
  asgName: string;
  instanceRefreshId: string;
  /** The progress the wait began with (what the completion updates). */
  refresh: RefreshProgress;
  registeredAt: string;
}

function waitKey(instanceRefreshId: string): Record<string, { S: string }> {
  return {
    [LEDGER_KEY.partition]: { S: `REFRESH#${instanceRefreshId}` },
    [LEDGER_KEY.sort]: { S: 'WAIT' },
  };
}

/** Registers (or replaces) the token waiting on the refresh. One PutItem: a retry writes the same. */
export async function registerWaitToken(
  ledger: Ledger,
  token: WaitToken,
  options: { backstopSeconds: number; now: Date },
): Promise<void> {
  await ledger.client.send(
    new PutItemCommand({
      TableName: tableOf(ledger),
      Item: {
        ...waitKey(token.instanceRefreshId),
        taskToken: { S: token.taskToken },
        runId: { S: token.runId },
        asgName: { S: token.asgName },
        refresh: { S: JSON.stringify(token.refresh) },
        registeredAt: { S: token.registeredAt },
        [LEDGER_TTL_ATTRIBUTE]: {
          N: String(epochSeconds(options.now) + options.backstopSeconds + KEEP_AFTER_BACKSTOP_SECONDS),
        },
      },
    }),
  );
}

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

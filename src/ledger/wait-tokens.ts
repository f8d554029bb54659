/**
 * The event-driven refresh wait's task tokens (`REFRESH#<instanceRefreshId>` / `WAIT`): AwaitRefreshEvent
 * registers the token of the wait in progress (register-wait-token.ts), OnRefreshEvent reads it when
 * AWS reports the refresh ended (read-wait-token.ts; one module per call, so each role holds only
 * its own action). Keyed by the refresh id, because an event carries only that and the group's name.
 * The item also holds the refresh's progress as the wait loop last knew it, so whoever completes the
 * token answers the RefreshProgress the state machine expects. A later wait of the same refresh
 * (after a backstop) replaces the item; `expiresAt` (TTL) is a day after the wait's backstop: the
 * token is useless by then, and only the TTL deletes the item (a completed token answers
 * TaskTimedOut again, which is harmless).
 */
import type { RefreshProgress } from '../schemas.ts';
import { LEDGER_KEY } from './table.ts';

/** How long a token's item outlives its wait's backstop. */
export const KEEP_AFTER_BACKSTOP_SECONDS = 24 * 3600;

export interface WaitToken {
  taskToken: string;
  runId: string;
  asgName: string;
  instanceRefreshId: string;
  /** The progress the wait began with (what the completion updates). */
  refresh: RefreshProgress;
  registeredAt: string;
}

export function waitKey(instanceRefreshId: string): Record<string, { S: string }> {
  return {
    [LEDGER_KEY.partition]: { S: `REFRESH#${instanceRefreshId}` },
    [LEDGER_KEY.sort]: { S: 'WAIT' },
  };
}

import type { SFNClient } from '@aws-sdk/client-sfn';
import type { AwsDeps } from '../clients.ts';
import { registerWaitToken } from '../ledger/register-wait-token.ts';
import type { LedgerDeps } from '../ledger/table.ts';
import type { AwaitRefreshEventInput, RefreshStatus } from '../schemas.ts';
import { completeWait } from './lib/complete-wait.ts';
import { describeRefresh, observeRefresh } from './lib/refresh-progress.ts';

export interface AwaitRefreshEventDeps extends Pick<AwsDeps, 'autoScaling'>, LedgerDeps {
  sfn: SFNClient;
  now: () => Date;
}

export interface AwaitRefreshEventResult {
  /** The status of the one read after registering. */
  status: RefreshStatus;
  /** True when that read found the refresh ended and this call completed the wait itself. */
  completed: boolean;
}

/**
 * The event-driven wait's start (the AwaitRefreshEvent Task, `.waitForTaskToken`): registers the Task's
 * token for the refresh in the ledger, THEN reads the refresh once. A refresh that ended before the
 * token was registered sent its event to nobody (OnRefreshEvent found no token), so this read
 * completes the wait itself. In that order, every end is seen by one of the two: the event after
 * registration, or this read. Safe to repeat: the PutItem writes the same item, and a second
 * completion answers TaskTimedOut, which is ignored.
 * @throws InstanceRefreshFailedError (AWS no longer lists the refresh), LedgerNotConfiguredError
 */
export async function awaitRefreshEvent(
  input: AwaitRefreshEventInput,
  deps: AwaitRefreshEventDeps,
): Promise<AwaitRefreshEventResult> {
  const { instanceRefreshId } = input.refresh;
  const now = deps.now();
  await registerWaitToken(
    deps.ledger,
    {
      taskToken: input.taskToken,
      runId: input.runId,
      asgName: input.asgName,
      instanceRefreshId,
      refresh: input.refresh,
      registeredAt: now.toISOString(),
    },
    { backstopSeconds: input.backstopSeconds, now },
  );
  const refresh = await describeRefresh(input.asgName, instanceRefreshId, deps);
  // Not a poll of the loop's count: maxPolls counts backstops, each a whole interval of time.
  const progress = observeRefresh(input.refresh, refresh, input.refresh.pollCount);
  if (!progress.terminal) return { status: progress.status, completed: false };
  const completed = await completeWait(deps.sfn, input.taskToken, progress);
  return { status: progress.status, completed };
}

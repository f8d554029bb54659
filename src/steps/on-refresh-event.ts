import type { SFNClient } from '@aws-sdk/client-sfn';
import type { AwsDeps } from '../clients.ts';
import { InstanceRefreshFailedError } from '../errors.ts';
import { readWaitToken } from '../ledger/read-wait-token.ts';
import type { LedgerDeps } from '../ledger/table.ts';
import type { OnRefreshEventInput, RefreshStatus } from '../schemas.ts';
import { completeWait } from './lib/complete-wait.ts';
import { failWait } from './lib/fail-wait.ts';
import { describeRefresh, observeRefresh } from './lib/refresh-progress.ts';

export interface OnRefreshEventDeps extends Pick<AwsDeps, 'autoScaling'>, LedgerDeps {
  sfn: SFNClient;
}

export interface OnRefreshEventResult {
  instanceRefreshId: string;
  /**
   * `completed`: this event ended the wait. `alreadyEnded`: the wait had ended (a duplicate event,
   * AwaitRefreshEvent's own read, or the backstop). `noWaiter`: no run waits on this refresh (not
   * ours, or not registered yet: AwaitRefreshEvent's read after registering sees the end).
   * `notEnded`: AWS does not report it ended (an event out of order); the wait goes on.
   */
  outcome: 'completed' | 'alreadyEnded' | 'noWaiter' | 'notEnded';
  status?: RefreshStatus;
}

/**
 * The EventBridge rule's target: an instance refresh ended. The event carries only ids, so the
 * refresh is read (for its status and reason) and the token waiting on it is completed with the
 * same progress PollInstanceRefresh would report. Idempotent under EventBridge's retries and
 * duplicate events: a completed token answers TaskTimedOut, which is no error.
 * A refresh AWS no longer lists fails the wait with InstanceRefreshFailedError, as a poll would.
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-eventbridge-events.html
 * @throws LedgerNotConfiguredError
 */
export async function onRefreshEvent(
  input: OnRefreshEventInput,
  deps: OnRefreshEventDeps,
): Promise<OnRefreshEventResult> {
  const { InstanceRefreshId: instanceRefreshId, AutoScalingGroupName: asgName } = input.detail;
  const waiting = await readWaitToken(deps.ledger, instanceRefreshId);
  if (!waiting) return { instanceRefreshId, outcome: 'noWaiter' };
  let progress: ReturnType<typeof observeRefresh>;
  try {
    const refresh = await describeRefresh(asgName, instanceRefreshId, deps);
    progress = observeRefresh(waiting.refresh, refresh, waiting.refresh.pollCount);
  } catch (error) {
    if (!(error instanceof InstanceRefreshFailedError)) throw error;
    const failed = await failWait(deps.sfn, waiting.taskToken, error);
    return { instanceRefreshId, outcome: failed ? 'completed' : 'alreadyEnded' };
  }
  if (!progress.terminal) return { instanceRefreshId, outcome: 'notEnded', status: progress.status };
  const completed = await completeWait(deps.sfn, waiting.taskToken, progress);
  return { instanceRefreshId, outcome: completed ? 'completed' : 'alreadyEnded', status: progress.status };
}

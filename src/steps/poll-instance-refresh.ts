import { DescribeInstanceRefreshesCommand, type InstanceRefresh } from '@aws-sdk/client-auto-scaling';
import type { AwsDeps } from '../clients.ts';
import * as checks from '../contracts/validators.generated.mjs';
import { InstanceRefreshFailedError, RefreshTimedOutError } from '../errors.ts';
import type { PollInstanceRefreshInput, RefreshProgress, RefreshStatus } from '../schemas.ts';
import { TERMINAL_REFRESH_STATUSES } from './lib/refresh-status.ts';
import { stopRefresh } from './lib/stop-refresh.ts';

/**
 * The refresh wait: one DescribeInstanceRefreshes of the group's refresh, returned as the updated
 * progress (terminal once it ended, however it ended: the settle phase reads the outcome). On the
 * poll that reaches maxWaitSeconds it asks AWS to roll the refresh back, or to cancel it where AWS
 * refuses a rollback, and goes on polling until that has ended too: nothing is settled while a
 * refresh this run started still runs. A rollback or cancellation that outlasts another
 * maxWaitSeconds is a RefreshTimedOutError, which the restore then waits out.
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeInstanceRefreshes.html
 * @throws InstanceRefreshFailedError (the refresh is gone), RefreshTimedOutError
 */
export async function pollInstanceRefresh(
  input: PollInstanceRefreshInput,
  deps: Pick<AwsDeps, 'autoScaling'>,
): Promise<RefreshProgress> {
  const pollCount = input.refresh.pollCount + 1;
  let progress = observe(input, await describeRefresh(input, deps), pollCount);
  if (progress.terminal) return progress;
  if (!progress.stopRequested && pollCount >= input.refresh.maxPolls) {
    const stopRequested = await stopRefresh(input.asgName, deps);
    progress = {
      ...observe(input, await describeRefresh(input, deps), pollCount),
      ...(stopRequested ? { stopRequested } : {}),
    };
    if (progress.terminal) return progress;
  }
  if (progress.stopRequested && pollCount >= 2 * input.refresh.maxPolls) {
    throw new RefreshTimedOutError(
      input.asgName,
      input.refresh.instanceRefreshId,
      progress.stopRequested,
      input.refresh.maxPolls * input.pollIntervalSeconds,
    );
  }
  return progress;
}

function observe(
  input: PollInstanceRefreshInput,
  refresh: InstanceRefresh,
  pollCount: number,
): RefreshProgress {
  const status = refreshStatus(refresh.Status);
  const terminal = TERMINAL_REFRESH_STATUSES.includes(status);
  const { statusReason: _previous, finishedAt: _unfinished, ...rest } = input.refresh;
  return {
    ...rest,
    // AWS's own start time (StartInstanceRefresh answers only the id), so durations are AWS's.
    ...(refresh.StartTime ? { startedAt: refresh.StartTime.toISOString() } : {}),
    status,
    terminal,
    ...(refresh.StatusReason ? { statusReason: refresh.StatusReason } : {}),
    percentageComplete: refresh.PercentageComplete ?? 0,
    pollCount,
    ...(terminal ? { finishedAt: (refresh.EndTime ?? new Date()).toISOString() } : {}),
  };
}

async function describeRefresh(
  input: PollInstanceRefreshInput,
  deps: Pick<AwsDeps, 'autoScaling'>,
): Promise<InstanceRefresh> {
  const { instanceRefreshId } = input.refresh;
  const response = await deps.autoScaling.send(
    new DescribeInstanceRefreshesCommand({
      AutoScalingGroupName: input.asgName,
      InstanceRefreshIds: [instanceRefreshId],
    }),
  );
  const refresh = response.InstanceRefreshes?.find((item) => item.InstanceRefreshId === instanceRefreshId);
  if (!refresh) {
    throw new InstanceRefreshFailedError(
      input.asgName,
      instanceRefreshId,
      'NotFound',
      'DescribeInstanceRefreshes does not list it (refreshes are kept six weeks)',
    );
  }
  return refresh;
}

/** The status AWS reported, one of those the API reference lists (a new one fails the poll, loudly). */
function refreshStatus(status: string | undefined): RefreshStatus {
  if (checks.RefreshStatus(status)) return status as RefreshStatus;
  throw new Error(`DescribeInstanceRefreshes reported the status ${status}, which asg-patcher does not know`);
}

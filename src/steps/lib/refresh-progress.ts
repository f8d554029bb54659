/**
 * A refresh as AWS reports it, turned into the wait loop's RefreshProgress: shared by the poll
 * (PollInstanceRefresh) and the event-driven wait (AwaitRefreshEvent, OnRefreshEvent), so every way
 * of learning a refresh's status records it the same way.
 */
import { DescribeInstanceRefreshesCommand, type InstanceRefresh } from '@aws-sdk/client-auto-scaling';
import type { AwsDeps } from '../../clients.ts';
import * as checks from '../../contracts/validators.generated.mjs';
import { InstanceRefreshFailedError } from '../../errors.ts';
import type { RefreshProgress, RefreshStatus } from '../../schemas.ts';
import { TERMINAL_REFRESH_STATUSES } from './refresh-status.ts';

/** `previous` updated with what AWS reported; `pollCount` is the number of reads the loop has made. */
export function observeRefresh(
  previous: RefreshProgress,
  refresh: InstanceRefresh,
  pollCount: number,
): RefreshProgress {
  const status = refreshStatus(refresh.Status);
  const terminal = TERMINAL_REFRESH_STATUSES.includes(status);
  const { statusReason: _previous, finishedAt: _unfinished, ...rest } = previous;
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

/**
 * One DescribeInstanceRefreshes of the group's refresh.
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeInstanceRefreshes.html
 * @throws InstanceRefreshFailedError (AWS no longer lists it)
 */
export async function describeRefresh(
  asgName: string,
  instanceRefreshId: string,
  deps: Pick<AwsDeps, 'autoScaling'>,
): Promise<InstanceRefresh> {
  const response = await deps.autoScaling.send(
    new DescribeInstanceRefreshesCommand({
      AutoScalingGroupName: asgName,
      InstanceRefreshIds: [instanceRefreshId],
    }),
  );
  const refresh = response.InstanceRefreshes?.find((item) => item.InstanceRefreshId === instanceRefreshId);
  if (!refresh) {
    throw new InstanceRefreshFailedError(
      asgName,
      instanceRefreshId,
      'NotFound',
      'DescribeInstanceRefreshes does not list it (refreshes are kept six weeks)',
    );
  }
  return refresh;
}

/** The status AWS reported, one of those the API reference lists (a new one fails the read, loudly). */
function refreshStatus(status: string | undefined): RefreshStatus {
  if (checks.RefreshStatus(status)) return status as RefreshStatus;
  throw new Error(`DescribeInstanceRefreshes reported the status ${status}, which asg-patcher does not know`);
}

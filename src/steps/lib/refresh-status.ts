import { DescribeInstanceRefreshesCommand, type InstanceRefresh } from '@aws-sdk/client-auto-scaling';
import type { AwsDeps } from '../../clients.ts';
import type { RefreshStatus } from '../../schemas.ts';

/**
 * Statuses of a refresh that still owns the group, and the ones it ends in
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_InstanceRefresh.html).
 */
const ACTIVE_REFRESH_STATUSES: readonly RefreshStatus[] = [
  'Pending',
  'InProgress',
  'Cancelling',
  'RollbackInProgress',
  'Baking',
];
export const TERMINAL_REFRESH_STATUSES: readonly RefreshStatus[] = [
  'Successful',
  'Failed',
  'Cancelled',
  'RollbackSuccessful',
  'RollbackFailed',
];

/** The group's active instance refresh, if any. Only one can be active and it is the newest, so the first page is enough. */
export async function describeActiveRefresh(
  asgName: string,
  deps: Pick<AwsDeps, 'autoScaling'>,
): Promise<InstanceRefresh | undefined> {
  return (await listRefreshes(asgName, deps)).find((refresh) => isActiveRefresh(refresh.Status));
}

/** The group's newest refreshes (the first page, newest first: a run's own are among them). */
export async function listRefreshes(
  asgName: string,
  deps: Pick<AwsDeps, 'autoScaling'>,
): Promise<InstanceRefresh[]> {
  const response = await deps.autoScaling.send(
    new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: asgName }),
  );
  return response.InstanceRefreshes ?? [];
}

export function isActiveRefresh(status: string | undefined): boolean {
  return ACTIVE_REFRESH_STATUSES.some((active) => active === status);
}

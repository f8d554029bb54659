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
  const response = await deps.autoScaling.send(
    new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: asgName }),
  );
  return response.InstanceRefreshes?.find((refresh) =>
    ACTIVE_REFRESH_STATUSES.some((active) => active === refresh.Status),
  );
}

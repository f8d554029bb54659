import {
  CancelInstanceRefreshCommand,
  DescribeInstanceRefreshesCommand,
  type InstanceRefresh,
  RollbackInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import type { AwsDeps } from '../../clients.ts';
import type { RefreshStatus } from '../../schemas.ts';
import { isAwsError } from './aws-errors.ts';

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

/**
 * Stops the group's active refresh. RollbackInstanceRefresh first: it also replaces the instances
 * already updated. AWS refuses it (ValidationError / IrreversibleInstanceRefresh) when there is no
 * desired configuration, the template uses an SSM parameter for its AMI, or the group uses
 * $Latest/$Default (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RollbackInstanceRefresh.html);
 * then CancelInstanceRefresh stops it where it is. ActiveInstanceRefreshNotFound can mean our own
 * earlier request worked and its answer was lost (the refresh is already rolling back or
 * cancelling), so the outcome is read from the refresh, not from the error. Undefined: nothing was
 * left to stop (the refresh had ended by itself).
 */
export async function stopRefresh(
  asgName: string,
  deps: Pick<AwsDeps, 'autoScaling'>,
): Promise<'rollback' | 'cancel' | undefined> {
  try {
    await deps.autoScaling.send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: asgName }));
    return 'rollback';
  } catch (error) {
    if (isAwsError(error, 'ActiveInstanceRefreshNotFound')) return stoppingAs(asgName, deps);
    if (!isAwsError(error, 'ValidationError', 'IrreversibleInstanceRefresh')) throw error;
  }
  try {
    await deps.autoScaling.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: asgName }));
    return 'cancel';
  } catch (error) {
    if (isAwsError(error, 'ActiveInstanceRefreshNotFound')) return stoppingAs(asgName, deps);
    throw error;
  }
}

async function stoppingAs(
  asgName: string,
  deps: Pick<AwsDeps, 'autoScaling'>,
): Promise<'rollback' | 'cancel' | undefined> {
  const status = (await describeActiveRefresh(asgName, deps))?.Status;
  if (status === 'RollbackInProgress') return 'rollback';
  if (status === 'Cancelling') return 'cancel';
  return undefined;
}

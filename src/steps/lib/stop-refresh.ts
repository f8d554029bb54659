/**
 * Stopping a refresh, apart from reading one (./refresh-status.ts): a step that only reads refreshes
 * imports no RollbackInstanceRefresh or CancelInstanceRefresh, so its role is granted neither (the
 * package test derives each role's actions from the commands its handler's modules import).
 */
import { CancelInstanceRefreshCommand, RollbackInstanceRefreshCommand } from '@aws-sdk/client-auto-scaling';
import type { AwsDeps } from '../../clients.ts';
import { isAwsError } from './aws-errors.ts';
import { describeActiveRefresh } from './refresh-status.ts';

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

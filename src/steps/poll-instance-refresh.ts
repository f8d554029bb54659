import {
  CancelInstanceRefreshCommand,
  DescribeInstanceRefreshesCommand,
  type InstanceRefresh,
  RollbackInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import type { AwsDeps } from '../clients.ts';
import { InstanceRefreshFailedError, RefreshTimedOutError } from '../errors.ts';
import { type PollInstanceRefreshInput, type PollInstanceRefreshOutput, RefreshStatus } from '../schemas.ts';
import { isAwsError } from './lib/aws-errors.ts';
import { TERMINAL_REFRESH_STATUSES } from './lib/refresh-status.ts';

/**
 * One poll of the refresh (DescribeInstanceRefreshes). Successful: returns it (terminal). Another
 * terminal status: throws. Still running on the last allowed poll (`pollCount + 1 >= maxPolls`): asks
 * AWS to roll it back, or to cancel it when AWS refuses a rollback, then throws. Otherwise returns the
 * status with `pollCount + 1` so the state machine waits and polls again.
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeInstanceRefreshes.html
 * @throws InstanceRefreshFailedError (Failed, Cancelled, RollbackSuccessful, RollbackFailed, or the
 *   refresh is gone), RefreshTimedOutError (after RollbackInstanceRefresh or CancelInstanceRefresh)
 */
export async function pollInstanceRefresh(
  input: PollInstanceRefreshInput,
  deps: Pick<AwsDeps, 'autoScaling'>,
): Promise<PollInstanceRefreshOutput> {
  const pollCount = input.pollCount + 1;
  const refresh = await describeRefresh(input, deps);
  const output = toOutput(refresh, pollCount);
  if (output.terminal) return settle(input, refresh, output);
  if (pollCount < input.maxPolls) return output;

  // Past the maximum wait. A refresh AWS is already rolling back or cancelling needs no request.
  const action =
    output.status === 'RollbackInProgress'
      ? 'rollback'
      : output.status === 'Cancelling'
        ? 'cancel'
        : await stopRefresh(input, deps);
  if (action === 'finished') {
    // It ended between our describe and the stop request: report how it ended instead.
    const final = await describeRefresh(input, deps);
    const finalOutput = toOutput(final, pollCount);
    if (finalOutput.terminal) return settle(input, final, finalOutput);
    throw new InstanceRefreshFailedError(
      input.asgName,
      input.instanceRefreshId,
      finalOutput.status,
      'past the maximum wait, and AWS found no active refresh to stop',
    );
  }
  throw new RefreshTimedOutError(
    input.asgName,
    input.instanceRefreshId,
    action,
    input.maxPolls * input.pollIntervalSeconds,
  );
}

function toOutput(refresh: InstanceRefresh, pollCount: number): PollInstanceRefreshOutput {
  const status = RefreshStatus.parse(refresh.Status);
  return {
    status,
    terminal: TERMINAL_REFRESH_STATUSES.includes(status),
    percentageComplete: refresh.PercentageComplete ?? 0,
    instancesToUpdate: refresh.InstancesToUpdate ?? 0,
    pollCount,
  };
}

/** A terminal refresh: Successful is returned, any other end is an InstanceRefreshFailedError. */
function settle(
  input: PollInstanceRefreshInput,
  refresh: InstanceRefresh,
  output: PollInstanceRefreshOutput,
): PollInstanceRefreshOutput {
  if (output.status === 'Successful') return output;
  throw new InstanceRefreshFailedError(
    input.asgName,
    input.instanceRefreshId,
    output.status,
    refresh.StatusReason,
  );
}

async function describeRefresh(
  input: PollInstanceRefreshInput,
  deps: Pick<AwsDeps, 'autoScaling'>,
): Promise<InstanceRefresh> {
  const response = await deps.autoScaling.send(
    new DescribeInstanceRefreshesCommand({
      AutoScalingGroupName: input.asgName,
      InstanceRefreshIds: [input.instanceRefreshId],
    }),
  );
  const refresh = response.InstanceRefreshes?.find(
    (item) => item.InstanceRefreshId === input.instanceRefreshId,
  );
  if (!refresh) {
    throw new InstanceRefreshFailedError(
      input.asgName,
      input.instanceRefreshId,
      'NotFound',
      'DescribeInstanceRefreshes does not list it (refreshes are kept six weeks)',
    );
  }
  return refresh;
}

/**
 * RollbackInstanceRefresh first: it also replaces the instances already updated. AWS refuses it
 * (ValidationError / IrreversibleInstanceRefresh) when there is no desired configuration, the
 * template uses an SSM parameter for its AMI, or the group uses $Latest/$Default
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RollbackInstanceRefresh.html);
 * then CancelInstanceRefresh stops it where it is. `finished`: neither had an active refresh to stop.
 */
async function stopRefresh(
  input: PollInstanceRefreshInput,
  deps: Pick<AwsDeps, 'autoScaling'>,
): Promise<'rollback' | 'cancel' | 'finished'> {
  try {
    await deps.autoScaling.send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: input.asgName }));
    return 'rollback';
  } catch (error) {
    if (isAwsError(error, 'ActiveInstanceRefreshNotFound')) return 'finished';
    if (!isAwsError(error, 'ValidationError', 'IrreversibleInstanceRefresh')) throw error;
  }
  try {
    await deps.autoScaling.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: input.asgName }));
    return 'cancel';
  } catch (error) {
    if (isAwsError(error, 'ActiveInstanceRefreshNotFound')) return 'finished';
    throw error;
  }
}

import type { AwsDeps } from '../clients.ts';
import { RefreshTimedOutError } from '../errors.ts';
import type { PollInstanceRefreshInput, RefreshProgress } from '../schemas.ts';
import { describeRefresh, observeRefresh } from './lib/refresh-progress.ts';
import { stopRefresh } from './lib/stop-refresh.ts';

/**
 * The refresh wait: one DescribeInstanceRefreshes of the group's refresh, returned as the updated
 * progress (terminal once it ended, however it ended: the settle phase reads the outcome). On the
 * poll that reaches maxWaitSeconds it asks AWS to roll the refresh back, or to cancel it where AWS
 * refuses a rollback, and goes on polling until that has ended too: nothing is settled while a
 * refresh this run started still runs. A rollback or cancellation that outlasts another
 * maxWaitSeconds is a RefreshTimedOutError, which the restore then waits out. In `events` mode it is
 * the backstop: it runs only when a whole backstopSeconds passed without an end event, so its count
 * of reads (maxPolls = maxWaitSeconds / backstopSeconds) still measures time.
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeInstanceRefreshes.html
 * @throws InstanceRefreshFailedError (the refresh is gone), RefreshTimedOutError
 */
export async function pollInstanceRefresh(
  input: PollInstanceRefreshInput,
  deps: Pick<AwsDeps, 'autoScaling'>,
): Promise<RefreshProgress> {
  const pollCount = input.refresh.pollCount + 1;
  const read = async () =>
    observeRefresh(
      input.refresh,
      await describeRefresh(input.asgName, input.refresh.instanceRefreshId, deps),
      pollCount,
    );
  let progress = await read();
  if (progress.terminal) return progress;
  if (!progress.stopRequested && pollCount >= input.refresh.maxPolls) {
    const stopRequested = await stopRefresh(input.asgName, deps);
    progress = {
      ...(await read()),
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

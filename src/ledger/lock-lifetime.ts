/**
 * How long a group's lock holds before it lapses. A run holds its groups' locks until Summarize, so
 * the lifetime is the run's worst case, bounded from the settings it has: a lock that lapsed under a
 * run still at work would let a second run take the group in the middle of a refresh. A run that
 * dies (an execution stopped by hand) holds its groups until the lifetime ends, or until someone
 * deletes the lock item (GroupLockedError's message says how).
 *
 * - RefreshGroups and RestoreAutoScalingGroups take `maxConcurrency` groups at a time: at most
 *   ceil(groups / maxConcurrency) waves, each as long as its longest group.
 * - A refresh is polled for at most `maxWaitSeconds`; past that PollInstanceRefresh asks AWS to roll
 *   it back (or cancel it) and waits as long again for that to end: 2 × (maxWaitSeconds + one poll).
 * - A restore waits out a rollback with RefreshStillActiveError, retried 120 times at up to 60 s: 2 h.
 * - One hour for the rest: the plan, pins, versions, promotion, clean-up, and Lambda retries.
 *
 * `maxWaitSeconds` is the larger of the run's and the group's own `asg-patcher:max-wait-seconds`; a
 * longer tag on another group of the same wave is not seen from here.
 */
const HOUR = 3600;
/** RestoreAutoScalingGroup's RefreshStillActiveError retry: 120 attempts, at most 60 s apart. */
const RESTORE_WAIT_SECONDS = 120 * 60;

export function lockLifetimeSeconds(run: {
  groupCount: number;
  maxConcurrency: number;
  maxWaitSeconds: number;
  pollIntervalSeconds: number;
}): number {
  const waves = Math.max(1, Math.ceil(run.groupCount / Math.max(1, run.maxConcurrency)));
  const refresh = 2 * (run.maxWaitSeconds + run.pollIntervalSeconds);
  return waves * (refresh + RESTORE_WAIT_SECONDS) + HOUR;
}

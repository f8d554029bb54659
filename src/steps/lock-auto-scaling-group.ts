import { acquireGroupLock } from '../ledger/acquire-lock.ts';
import { lockLifetimeSeconds } from '../ledger/lock-lifetime.ts';
import type { LedgerDeps } from '../ledger/table.ts';
import type { LockAutoScalingGroupInput, LockResult } from '../schemas.ts';

/**
 * Takes the group's lock in the run ledger for this run, after the plan and before anything about
 * the group changes (PinAutoScalingGroup comes next), so a group that another run holds fails alone,
 * unchanged, while the other groups go on. The lock lasts the run's worst case
 * (src/ledger/lock-lifetime.ts) and Summarize releases it. Taking it again for the same run is a
 * no-op, so a retry after a lost answer proceeds.
 * @throws GroupLockedError (another run holds the group), LedgerNotConfiguredError
 */
export async function lockAutoScalingGroup(
  input: LockAutoScalingGroupInput,
  deps: LedgerDeps,
  clock: { now: () => Date } = { now: () => new Date() },
): Promise<LockResult> {
  const { group, settings, groupCount } = input;
  const lifetimeSeconds = lockLifetimeSeconds({
    groupCount,
    maxConcurrency: settings.maxConcurrency,
    maxWaitSeconds: Math.max(settings.maxWaitSeconds, group.preferences?.maxWaitSeconds ?? 0),
    pollIntervalSeconds: settings.pollIntervalSeconds,
  });
  return acquireGroupLock(deps.ledger, {
    asgName: group.asgName,
    runId: settings.runId,
    lifetimeSeconds,
    now: clock.now(),
  });
}

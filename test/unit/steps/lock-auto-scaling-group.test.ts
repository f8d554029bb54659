import { describe, expect, it } from 'vitest';
import { GroupLockedError } from '../../../src/errors.ts';
import { readGroupLock } from '../../../src/ledger/lock-item.ts';
import { lockAutoScalingGroup } from '../../../src/steps/lock-auto-scaling-group.ts';
import { buildRecord, buildSettings } from '../../support/builders.ts';
import { useLocalLedger } from '../../support/ledger.ts';

const NOW = new Date('2026-03-01T03:00:00.000Z');
const clock = { now: () => NOW };
const hoursAfter = (hours: number) => new Date(NOW.getTime() + hours * 3_600_000).toISOString();

describe('lockAutoScalingGroup', () => {
  const ledger = useLocalLedger();

  it("holds the group for the run's worst case: its waves of refresh, rollback and restore, plus an hour", async () => {
    // 12 groups, 4 at a time: 3 waves of 2 * (1 h + 60 s) + 2 h, plus 1 h.
    const settings = buildSettings({
      runId: 'run-a',
      maxConcurrency: 4,
      maxWaitSeconds: 3_600,
      pollIntervalSeconds: 60,
    });

    const lock = await lockAutoScalingGroup(
      { group: buildRecord(), settings, groupCount: 12 },
      ledger().deps,
      clock,
    );

    const seconds = 3 * (2 * (3_600 + 60) + 7_200) + 3_600;
    expect(lock).toEqual({
      acquiredAt: NOW.toISOString(),
      expiresAt: new Date(NOW.getTime() + seconds * 1000).toISOString(),
    });
    expect(await readGroupLock(ledger().deps.ledger, 'web')).toMatchObject({ runId: 'run-a' });
  });

  it("takes the group's own asg-patcher:max-wait-seconds when it is longer than the run's", async () => {
    const settings = buildSettings({ maxConcurrency: 5, maxWaitSeconds: 300, pollIntervalSeconds: 60 });
    const group = buildRecord({ preferences: { maxWaitSeconds: 7_140 } });

    const lock = await lockAutoScalingGroup({ group, settings, groupCount: 1 }, ledger().deps, clock);

    // One wave of 2 * (7,140 + 60) + 7,200 seconds (6 h), plus 1 h.
    expect(lock.expiresAt).toBe(hoursAfter(7));
  });

  it('refuses a group another run holds with GroupLockedError, leaving that lock alone', async () => {
    const group = buildRecord();
    await lockAutoScalingGroup(
      { group, settings: buildSettings({ runId: 'run-a' }), groupCount: 1 },
      ledger().deps,
      clock,
    );

    const error = await lockAutoScalingGroup(
      { group, settings: buildSettings({ runId: 'run-b' }), groupCount: 1 },
      ledger().deps,
      clock,
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GroupLockedError);
    expect((error as Error).message).toMatch(/^Auto Scaling group web is held by run run-a \(locked at /);
    expect(await readGroupLock(ledger().deps.ledger, 'web')).toMatchObject({ runId: 'run-a' });
  });
});

/**
 * A fleet run with the simulated account's token buckets on (src/fake/token-buckets.ts), bursts
 * small enough that the run is really throttled: the SDK's adaptive retry (and, past it, the state
 * machine's Retry) absorbs every throttle, no group fails, and the invariants hold.
 */
import { describe, expect, it } from 'vitest';
import { FakeAccount } from '../../src/fake/account.ts';
import { buildInput, buildTemplateData, run } from './helpers.ts';

/** `groups` groups over `templates` templates, half following `$Default`, half pinned to version 1. */
function throttledFleet(groups: number, templates: number): { account: FakeAccount; names: string[] } {
  const account = new FakeAccount({
    tokenBuckets: {
      // 20 simulated seconds per wall second: the buckets below refill 20 times faster than written.
      scale: 20,
      autoScaling: { burst: 10, refill: 10 },
      ec2: {
        CreateLaunchTemplateVersion: { burst: 2, refill: 2 },
        ModifyLaunchTemplate: { burst: 2, refill: 2 },
        DescribeLaunchTemplates: { burst: 3, refill: 10 },
        DescribeLaunchTemplateVersions: { burst: 3, refill: 10 },
        DeleteLaunchTemplateVersions: { burst: 2, refill: 2 },
      },
    },
  });
  const ids = Array.from(
    { length: templates },
    (_, t) =>
      account.addLaunchTemplate({ name: `shared-${t}`, versions: [{ data: buildTemplateData() }] }).id,
  );
  const names = Array.from({ length: groups }, (_, i) => `tenant-${String(i).padStart(2, '0')}`);
  names.forEach((name, i) => {
    account.addAutoScalingGroup({
      name,
      launchTemplate: { LaunchTemplateId: ids[i % templates], Version: i % 2 === 0 ? '$Default' : '1' },
    });
  });
  return { account, names };
}

describe('a fleet under the token buckets', () => {
  it('absorbs the throttles: every group succeeds and each template gets one patched version, made the default', async () => {
    const { account, names } = throttledFleet(24, 8);

    const result = await run(account, buildInput({ targets: { asgNames: names }, maxConcurrency: 40 }));

    expect(result.status).toBe('SUCCEEDED');
    expect(result.summary?.counts).toMatchObject({ total: 24, succeeded: 24, failed: 0 });
    const throttled = account.calls.filter((c) => c.throttled);
    expect(throttled.length).toBeGreaterThan(0);
    // Both services were throttled, each with its own answer.
    expect(new Set(throttled.map((c) => `${c.service}:${c.error}`))).toEqual(
      new Set(['autoscaling:Throttling', 'ec2:RequestLimitExceeded']),
    );
    const created = account.callsOf('CreateLaunchTemplateVersion').filter((c) => !c.throttled && !c.error);
    expect(created).toHaveLength(8);
    for (const template of account.snapshot().launchTemplates) {
      expect(template).toMatchObject({ defaultVersion: 2, latestVersion: 2 });
    }
  });
});

describe("the state machine's Retry under the token buckets", () => {
  it('pauses each retrier its IntervalSeconds on the scaled clock: a throttle past the SDK waits 5 s / k', async () => {
    const account = new FakeAccount({ tokenBuckets: { scale: 100 } });
    account.addAutoScalingGroup({ name: 'lone', launchConfigurationName: 'legacy-lc' });
    const attempts: number[] = [];

    await run(account, buildInput({ targets: { asgNames: ['lone'] } }), {
      handlerOverrides: {
        ResolveTargets: async (input, next) => {
          attempts.push(performance.now());
          if (attempts.length === 1) throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
          return next(input);
        },
      },
    });

    // The throttling retrier's IntervalSeconds is 5: 50 ms at scale 100 (0 ms without buckets).
    expect(attempts).toHaveLength(2);
    expect((attempts[1] as number) - (attempts[0] as number)).toBeGreaterThanOrEqual(45);
  });
});

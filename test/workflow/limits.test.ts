/**
 * Step Functions' payload quota (256 KiB per state input and output) holds for the fleet sizes the
 * input allows, and the local runner enforces it as AWS does: `States.DataLimitExceeded` is terminal,
 * caught by no `States.ALL`.
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 */
import { describe, expect, it } from 'vitest';
import { PAYLOAD_LIMIT_BYTES } from '../../src/local/runner.ts';
import { MAX_TARGETS } from '../../src/steps/resolve-targets.ts';
import { buildInput, FakeAccount, run, seedGroup, templateOf } from './helpers.ts';

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

describe('payload quota', () => {
  it('keeps every state of a 40-group run well under the quota', async () => {
    const account = new FakeAccount();
    const names = Array.from({ length: 40 }, (_, i) => `production-service-autoscaling-group-${i}`);
    names.forEach((name, i) => {
      seedGroup(account, name, {
        mixedInstances: i % 2 === 0,
        group: { refresh: i % 5 === 0 ? 'rollback' : 'succeed' },
      });
    });

    const result = await run(account, buildInput({ targets: { asgNames: names }, maxConcurrency: 10 }));

    expect(result.summary?.counts).toMatchObject({ total: 40, succeeded: 32, failed: 8 });
    const largestState = Math.max(
      ...result.events.filter((e) => e.type === 'exited').map((e) => bytes(e.output)),
    );
    expect(largestState).toBeLessThan(PAYLOAD_LIMIT_BYTES / 4);
  });

  it(`refuses more than ${MAX_TARGETS} tagged groups in ResolveTargets (TooManyTargetsError), before the Map and any change`, async () => {
    const account = new FakeAccount();
    for (let i = 0; i <= MAX_TARGETS; i++) {
      seedGroup(account, `production-service-autoscaling-group-${String(i).padStart(3, '0')}`, {
        group: { tags: { 'asg-patcher': 'enabled' } },
      });
    }
    const before = account.snapshot();

    const result = await run(
      account,
      buildInput({ targets: { tags: [{ key: 'asg-patcher', values: ['enabled'] }] } }),
    );

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('TooManyTargetsError');
    expect(result.cause).toContain(
      `${MAX_TARGETS + 1} Auto Scaling groups match the tags asg-patcher=enabled`,
    );
    expect(result.cause).toContain('split the targets by tag or names');
    expect(result.events.filter((e) => e.type === 'entered').map((e) => e.state)).toEqual(['ResolveTargets']);
    expect(result.events.filter((e) => e.type === 'retried')).toEqual([]);
    expect(account.mutatingCalls()).toEqual([]);
    expect(account.snapshot()).toEqual(before);
  });

  it(`fits the records of ${MAX_TARGETS} groups on their own templates that all fail (rolled back, long names) under the quota`, async () => {
    const account = new FakeAccount();
    const names = Array.from(
      { length: MAX_TARGETS },
      (_, i) => `production-service-autoscaling-group-${String(i).padStart(3, '0')}`,
    );
    for (const name of names) seedGroup(account, name, { group: { refresh: 'rollback' } });

    const result = await run(account, buildInput({ targets: { asgNames: names }, maxConcurrency: 40 }));

    expect(result.summary?.counts).toMatchObject({ total: MAX_TARGETS, failed: MAX_TARGETS });
    const largestState = Math.max(
      ...result.events.filter((e) => e.type === 'exited').map((e) => bytes(e.output)),
    );
    expect(largestState).toBeLessThan(PAYLOAD_LIMIT_BYTES);
  }, 60_000);

  it('fails the run with States.DataLimitExceeded, past every Catch, when a Task result is over the quota', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'web');

    const result = await run(account, buildInput({ targets: { asgNames: ['web'] } }), {
      handlerOverrides: {
        LookupLaunchTemplate: async (input, next) => {
          const plan = (await next(input)) as Record<string, unknown>;
          return { ...plan, padding: 'A'.repeat(PAYLOAD_LIMIT_BYTES) };
        },
      },
    });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.DataLimitExceeded');
    expect(result.cause).toContain('LookupLaunchTemplate');
    expect(result.events.filter((e) => e.type === 'caught' || e.type === 'retried')).toEqual([]);
    expect(templateOf(account, templateId).versions).toHaveLength(1);
  });

  it('fails the run with States.DataLimitExceeded when a Map output is over the quota', async () => {
    const account = new FakeAccount();
    for (const name of ['a', 'b', 'c']) seedGroup(account, name);

    // Each group's pin fails with a 100 KB message, which its record carries: 300 KB of records.
    const result = await run(account, buildInput({ targets: { asgNames: ['a', 'b', 'c'] } }), {
      handlerOverrides: {
        PinAutoScalingGroup: async () => {
          throw new Error('x'.repeat(100 * 1024));
        },
      },
    });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.DataLimitExceeded');
    // AWS stops at the Map's output; locally non-Task outputs are checked from the event stream, so
    // the run may get as far as the next Task's input.
    expect(result.cause).toMatch(
      /^The (output of PinAutoScalingGroups|input of CreatePatchedVersion) is \d+ bytes, over the 262144-byte/,
    );
    expect(account.mutatingCalls()).toEqual([]);
  });
});

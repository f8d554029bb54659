/**
 * Step Functions' payload quota (256 KiB per state input and output) holds for the fleet sizes the
 * input allows, and the local runner enforces it as AWS does: `States.DataLimitExceeded` is terminal,
 * caught by no `States.ALL`.
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 */
import { describe, expect, it } from 'vitest';
import { PAYLOAD_LIMIT_BYTES } from '../../src/local/runner.ts';
import { ExecutionInput } from '../../src/schemas.ts';
import { MAX_TARGETS } from '../../src/steps/resolve-targets.ts';
import { buildInput, FakeAccount, run, seedGroup, templateOf } from './helpers.ts';

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

describe('payload quota', () => {
  it('keeps every state of a 40-group run far under the quota, and the summary of 500 groups fits', async () => {
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
    expect(largestState).toBeLessThan(PAYLOAD_LIMIT_BYTES / 8);
    // The Map's output and the summary grow linearly with the groups; the input allows 500 names.
    const maxNames = 500;
    const namesInput = (n: number) => ({
      targets: { asgNames: Array.from({ length: n }, (_, i) => `g${i}`) },
    });
    expect(ExecutionInput.safeParse(namesInput(maxNames)).success).toBe(true);
    expect(ExecutionInput.safeParse(namesInput(maxNames + 1)).success).toBe(false);
    const largest = (status: string) =>
      Math.max(...(result.summary?.groups ?? []).filter((g) => g.status === status).map(bytes));
    expect(largest('succeeded') * maxNames).toBeLessThan(PAYLOAD_LIMIT_BYTES);
    // A failed result carries its cause and note (about 600 bytes): 400 of them fit, not 500. A run of
    // 500 groups that all fail would end in States.DataLimitExceeded after the Map.
    expect(largest('failed') * 400).toBeLessThan(PAYLOAD_LIMIT_BYTES);
  });

  it('refuses more than 300 tagged groups in ResolveTargets (TooManyTargetsError), before the Map and any change', async () => {
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
    expect(result.cause).toContain('301 Auto Scaling groups match the tags asg-patcher=enabled');
    expect(result.cause).toContain('split the targets by tag or names');
    expect(result.events.filter((e) => e.type === 'entered').map((e) => e.state)).toEqual(['ResolveTargets']);
    expect(result.events.filter((e) => e.type === 'retried')).toEqual([]);
    expect(account.mutatingCalls()).toEqual([]);
    expect(account.snapshot()).toEqual(before);
  });

  it('fits the results of 300 groups that all fail (rolled back, long names) under the quota', async () => {
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
          const target = (await next(input)) as Record<string, unknown>;
          return { ...target, userData: 'A'.repeat(PAYLOAD_LIMIT_BYTES) };
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

    // Each group fails with a 100 KB message, which its failed result carries: 300 KB of results.
    const result = await run(account, buildInput({ targets: { asgNames: ['a', 'b', 'c'] } }), {
      handlerOverrides: {
        LookupLaunchTemplate: async () => {
          throw new Error('x'.repeat(100 * 1024));
        },
      },
    });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.DataLimitExceeded');
    // AWS stops at the Map's output; locally non-Task outputs are checked from the event stream, so
    // the run may get as far as the next Task's input (Summarize, which changes nothing).
    expect(result.cause).toMatch(
      /^The (output of PatchGroups|input of Summarize) is \d+ bytes, over the 262144-byte/,
    );
    expect(account.mutatingCalls()).toEqual([]);
  });
});

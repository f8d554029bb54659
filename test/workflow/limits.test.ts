/**
 * Step Functions' payload quota (256 KiB per state input and output) holds for the fleet sizes the
 * input allows, and the local runner enforces it as AWS does: `States.DataLimitExceeded` is terminal,
 * caught by no `States.ALL`.
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 */
import { describe, expect, it } from 'vitest';
import { PAYLOAD_LIMIT_BYTES } from '../../src/local/runner.ts';
import { SUMMARY_BYTES } from '../../src/steps/lib/fit-summary.ts';
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

  it('patches 400 tagged groups over 100 templates with no cap, every parent state under 4 KiB (the records live in the ledger)', async () => {
    const account = new FakeAccount();
    const name = (i: number) => `production-service-autoscaling-group-${String(i).padStart(3, '0')}`;
    const tags = { 'asg-patcher': 'enabled' };
    for (let t = 0; t < 100; t++) {
      const { templateId } = seedGroup(account, name(t * 4), { group: { tags } });
      for (let g = 1; g < 4; g++) {
        account.addAutoScalingGroup({
          name: name(t * 4 + g),
          launchTemplate: { LaunchTemplateId: templateId, Version: '$Default' },
          tags,
        });
      }
    }

    const result = await run(
      account,
      buildInput({ targets: { tags: [{ key: 'asg-patcher', values: ['enabled'] }] }, maxConcurrency: 40 }),
    );

    expect(result.status).toBe('SUCCEEDED');
    expect(result.summary?.counts).toMatchObject({ total: 400, succeeded: 400, failed: 0 });
    // Per group, no describe is repeated within one invocation (its answer is in hand), and the
    // groups are described 100 names a call (DescribeAutoScalingGroups' most).
    const describes = account.calls.filter((c) => c.command.startsWith('Describe') && !c.error);
    const keys = describes.map((c) => `${c.invocation} ${c.command} ${JSON.stringify(c.input)}`);
    expect(describes.every((c) => c.invocation !== undefined)).toBe(true);
    expect(keys.length - new Set(keys).size).toBe(0);
    const named = account
      .callsOf('DescribeAutoScalingGroups')
      .map((c) => (c.input as { AutoScalingGroupNames?: string[] }).AutoScalingGroupNames?.length ?? 0);
    expect(Math.max(...named)).toBeLessThanOrEqual(100);
    // The plan lists the 400 tagged groups in 4 pages of 100 (tag filters), then every group of the
    // Region for the untargeted followers (4 pages, no filter), and describes none by name again.
    const lookup = account.calls.filter(
      (c) => c.invocation?.startsWith('LookupLaunchTemplate#') && c.command === 'DescribeAutoScalingGroups',
    );
    expect(lookup.map((c) => ('Filters' in (c.input as object) ? 'tags' : 'all'))).toEqual([
      ...Array(4).fill('tags'),
      ...Array(4).fill('all'),
    ]);
    // The output holds what fits; the whole report (every group) is read back from the ledger.
    expect(bytes(result.output)).toBeLessThanOrEqual(SUMMARY_BYTES);
    expect(result.summary?.groups).toHaveLength(400);
    expect(result.summary?.omitted).toBeUndefined();
    const parentStates = new Set([
      'LookupLaunchTemplate',
      'CheckDryRun',
      'PinGroupPages',
      'CreateVersionPages',
      'RefreshGroupPages',
      'PromoteTemplatePages',
      'RestoreGroupPages',
      'CleanUpTemplatePages',
    ]);
    const parentOutputs = result.events.filter((e) => e.type === 'exited' && parentStates.has(e.state ?? ''));
    expect(parentOutputs).toHaveLength(parentStates.size);
    expect(Math.max(...parentOutputs.map((e) => bytes(e.output)))).toBeLessThan(4096);
    const largestState = Math.max(
      ...result.events.filter((e) => e.type === 'exited').map((e) => bytes(e.output)),
    );
    // The largest is Summarize's output, which fitSummary holds to SUMMARY_BYTES.
    expect(largestState).toBeLessThanOrEqual(SUMMARY_BYTES);
  }, 120_000);

  it('fits 300 groups on their own templates that all fail (rolled back, long names): every state under the quota, the output cut to the failed groups that fit, the whole report in the ledger', async () => {
    const account = new FakeAccount();
    const names = Array.from(
      { length: 300 },
      (_, i) => `production-service-autoscaling-group-${String(i).padStart(3, '0')}`,
    );
    for (const name of names) seedGroup(account, name, { group: { refresh: 'rollback' } });

    const result = await run(account, buildInput({ targets: { asgNames: names }, maxConcurrency: 40 }));

    expect(result.summary?.counts).toMatchObject({ total: 300, failed: 300 });
    expect(result.summary?.groups).toHaveLength(300);
    const output = result.events.find((e) => e.type === 'exited' && e.state === 'Summarize')?.output as {
      groups: unknown[];
      omitted?: { groups: number };
    };
    expect(output.omitted?.groups).toBeGreaterThan(0);
    expect(output.groups.length + (output.omitted?.groups ?? 0)).toBe(300);
    const largestState = Math.max(
      ...result.events.filter((e) => e.type === 'exited').map((e) => bytes(e.output)),
    );
    expect(largestState).toBeLessThan(PAYLOAD_LIMIT_BYTES);
  }, 120_000);

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
      /^The (output of PinAutoScalingGroups|input of SavePinPage) is \d+ bytes, over the 262144-byte/,
    );
    expect(account.mutatingCalls()).toEqual([]);
  });
});

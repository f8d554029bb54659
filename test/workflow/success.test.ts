/**
 * The real state machine, handlers and fake account: one group of each shape is patched end to end,
 * and the account ends with the new version as default, the group on its reference style, and the
 * refresh Successful on a numbered version.
 */
import { describe, expect, it } from 'vitest';
import { composeUserData } from '../../src/userdata/compose.ts';
import {
  APP_USER_DATA,
  b64,
  buildInput,
  buildTemplateData,
  FakeAccount,
  groupOf,
  pathOf,
  referenceOf,
  refreshesOf,
  resultOf,
  run,
  seedGroup,
  templateOf,
} from './helpers.ts';

const DEFAULT_PATCH = { updates: 'security', timeSync: true } as const;
// The states that carry the group's record; the plan and the per-template states are run-level.
const HAPPY_PATH = [
  'ShouldPin',
  'LockAutoScalingGroup',
  'PinAutoScalingGroup',
  'ShouldRefresh',
  'StartInstanceRefresh',
  // Picks the wait of the run's mode (polling here).
  'CheckRefreshStatus',
  // The fake's `succeed` refresh shows Pending, InProgress, then Successful: three polls.
  ...['WaitForRefresh', 'PollInstanceRefresh', 'CheckRefreshStatus'],
  ...['WaitForRefresh', 'PollInstanceRefresh', 'CheckRefreshStatus'],
  ...['WaitForRefresh', 'PollInstanceRefresh', 'CheckRefreshStatus'],
  'RefreshEnded',
  'ShouldRestore',
  'RestoreAutoScalingGroup',
];

describe('a successful run', () => {
  it('patches a group on a numbered version: new version from it, made default, group on the new number', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'web', { reference: '1' });

    const result = await run(account, buildInput({ targets: { asgNames: ['web'] } }));

    expect(result.status).toBe('SUCCEEDED');
    const template = templateOf(account, templateId);
    expect(template.versions.map((v) => v.versionNumber)).toEqual([1, 2]);
    expect(template.defaultVersion).toBe(2);
    // SourceVersion inheritance: everything but UserData is version 1's; UserData is the composed archive.
    expect(template.versions[1]?.data).toEqual({
      ...buildTemplateData(),
      UserData: composeUserData(b64(APP_USER_DATA), DEFAULT_PATCH).base64,
    });
    expect(referenceOf(account, 'web')).toBe('2');
    const [refresh] = refreshesOf(account, 'web');
    expect(refresh?.status).toBe('Successful');
    expect(refresh?.desiredConfiguration).toEqual({
      LaunchTemplate: { LaunchTemplateId: templateId, LaunchTemplateName: 'web-lt', Version: '2' },
    });
    expect(refresh?.preferences).toMatchObject({
      MinHealthyPercentage: 90,
      InstanceWarmup: 300,
      AutoRollback: true,
      SkipMatching: true,
    });
    expect(resultOf(result, 'web')).toMatchObject({
      status: 'succeeded',
      launchTemplates: [
        { slot: 'main', launchTemplateId: templateId, fromVersion: 1, toVersion: 2, reference: '2' },
      ],
      instanceRefreshId: refresh?.id,
    });
    expect(result.summary?.counts).toEqual({
      total: 1,
      succeeded: 1,
      refreshed: 0,
      alreadyCurrent: 0,
      skipped: 0,
      dryRun: 0,
      failed: 0,
    });
    expect(result.output).toEqual(result.summary);
    expect(pathOf(result, 'web')).toEqual(HAPPY_PATH);
  });

  it('patches a $Default group from the default (not the latest), pins it for the refresh, returns it to $Default', async () => {
    const account = new FakeAccount();
    const canary = buildTemplateData({ InstanceType: 't3.large' });
    const { templateId } = seedGroup(account, 'api', {
      versions: [buildTemplateData(), canary],
      defaultVersion: 1,
      reference: '$Default',
    });

    const result = await run(account, buildInput({ targets: { asgNames: ['api'] } }));

    expect(result.status).toBe('SUCCEEDED');
    const template = templateOf(account, templateId);
    expect(template.defaultVersion).toBe(3);
    expect(template.versions[2]?.data.InstanceType).toBe('t3.micro');
    expect(referenceOf(account, 'api')).toBe('$Default');
    // Pinned to the resolved number before the refresh (AWS rolls back only to a number), then back.
    const updates = account.callsOf('UpdateAutoScalingGroup').map((c) => c.input);
    expect(updates).toEqual([
      expect.objectContaining({ LaunchTemplate: expect.objectContaining({ Version: '1' }) }),
      expect.objectContaining({ LaunchTemplate: expect.objectContaining({ Version: '$Default' }) }),
    ]);
    expect(refreshesOf(account, 'api')[0]?.desiredConfiguration?.LaunchTemplate?.Version).toBe('3');
    expect(resultOf(result, 'api')).toMatchObject({
      status: 'succeeded',
      launchTemplates: [{ fromVersion: 1, toVersion: 3, reference: '$Default' }],
    });
  });

  it('patches a $Latest group from the latest version and returns it to $Latest; the default (another source) stays', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'jobs', {
      versions: [buildTemplateData(), buildTemplateData({ InstanceType: 't3.small' })],
      defaultVersion: 1,
      reference: '$Latest',
    });

    const result = await run(account, buildInput({ targets: { asgNames: ['jobs'] } }));

    expect(result.status).toBe('SUCCEEDED');
    const template = templateOf(account, templateId);
    // Only a patched copy of the default's own source may become the default: $Default followers
    // would otherwise launch version 2's settings.
    expect(template.defaultVersion).toBe(1);
    expect(template.versions[2]?.data.InstanceType).toBe('t3.small');
    expect(referenceOf(account, 'jobs')).toBe('$Latest');
    expect(refreshesOf(account, 'jobs')[0]?.desiredConfiguration?.LaunchTemplate?.Version).toBe('3');
    expect(resultOf(result, 'jobs')).toMatchObject({
      status: 'succeeded',
      launchTemplates: [{ fromVersion: 2, toVersion: 3, reference: '$Latest' }],
    });
  });

  it('patches a mixed-instances group: the refresh carries the whole policy with only the version replaced', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'spot', { mixedInstances: true, reference: '$Default' });
    const policyBefore = groupOf(account, 'spot').mixedInstancesPolicy;

    const result = await run(account, buildInput({ targets: { asgNames: ['spot'] } }));

    expect(result.status).toBe('SUCCEEDED');
    expect(templateOf(account, templateId).defaultVersion).toBe(2);
    const desired = refreshesOf(account, 'spot')[0]?.desiredConfiguration;
    expect(desired?.LaunchTemplate).toBeUndefined();
    expect(desired?.MixedInstancesPolicy?.LaunchTemplate?.Overrides).toEqual(
      policyBefore?.LaunchTemplate?.Overrides,
    );
    expect(desired?.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification?.Version).toBe('2');
    // Back on $Default, the rest of the policy untouched.
    expect(groupOf(account, 'spot').mixedInstancesPolicy).toEqual(policyBefore);
    expect(referenceOf(account, 'spot')).toBe('$Default');
  });

  it('patches a group that names its launch template instead of giving the id', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'named', { byName: true, reference: '1' });

    const result = await run(account, buildInput({ targets: { asgNames: ['named'] } }));

    expect(result.status).toBe('SUCCEEDED');
    expect(templateOf(account, templateId).defaultVersion).toBe(2);
    expect(groupOf(account, 'named').launchTemplate).toMatchObject({
      LaunchTemplateName: 'named-lt',
      Version: '2',
    });
    expect(resultOf(result, 'named')).toMatchObject({
      status: 'succeeded',
      launchTemplates: [{ launchTemplateId: templateId }],
    });
  });

  it('streams each stage with its group name through onEvent, as it happens', async () => {
    const account = new FakeAccount();
    seedGroup(account, 'web', { reference: '1' });
    const seen: string[] = [];

    await run(account, buildInput({ targets: { asgNames: ['web'] } }), {
      onEvent: (event) => {
        if (event.type === 'exited') seen.push(`${event.asgName ?? '-'}:${event.state}`);
      },
    });

    expect(seen[0]).toBe('-:ResolveTargets');
    expect(seen).toContain('web:RestoreAutoScalingGroup');
    expect(seen.slice(-4)).toEqual([
      '-:CleanUpTemplatePages',
      '-:Summarize',
      '-:CheckForFailedGroups',
      '-:Done',
    ]);
  });
});

describe('concurrency', () => {
  // The refresh phase: one child execution per group.
  const REFRESH_STATES = new Set([
    'StartInstanceRefresh',
    'WaitForRefresh',
    'PollInstanceRefresh',
    'CheckRefreshStatus',
    'RefreshEnded',
  ]);
  const groupOrder = (events: { type: string; asgName?: string; state?: string }[]) =>
    events
      .filter((e) => e.type === 'entered' && e.asgName !== undefined && REFRESH_STATES.has(e.state ?? ''))
      .map((e) => e.asgName);

  it('patches one group at a time with maxConcurrency 1 (MaxConcurrencyPath), and side by side with more', async () => {
    const names = ['g1', 'g2', 'g3'];
    const sequential = new FakeAccount();
    const parallel = new FakeAccount();
    for (const name of names) {
      seedGroup(sequential, name);
      seedGroup(parallel, name);
    }

    const one = await run(sequential, buildInput({ targets: { asgNames: names }, maxConcurrency: 1 }));
    const three = await run(parallel, buildInput({ targets: { asgNames: names }, maxConcurrency: 3 }));

    expect([one.status, three.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    // Sequential: each group's states form one unbroken run of events.
    const order = groupOrder(one.events);
    expect(order.filter((name, i) => name !== order[i - 1])).toEqual(names);
    expect(groupOrder(three.events).slice(0, 3)).toEqual(names);
    expect(one.summary?.groups.map((g) => g.asgName)).toEqual(names);
  });
});

describe('a run with nothing to do', () => {
  it('leaves an already current group alone: a second run creates and refreshes nothing', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'web', { reference: '$Default' });
    expect((await run(account, buildInput({ targets: { asgNames: ['web'] } }))).status).toBe('SUCCEEDED');
    const before = account.snapshot();
    const callsBefore = account.calls.length;

    const second = await run(account, buildInput({ targets: { asgNames: ['web'] } }));

    expect(second.status).toBe('SUCCEEDED');
    expect(account.snapshot()).toEqual(before);
    expect(account.calls.slice(callsBefore).filter((c) => c.mutating)).toEqual([]);
    expect(resultOf(second, 'web')).toMatchObject({
      status: 'alreadyCurrent',
      launchTemplates: [{ launchTemplateId: templateId, fromVersion: 2 }],
    });
    expect(second.summary?.counts).toMatchObject({ total: 1, alreadyCurrent: 1, failed: 0 });
  });

  it('patches an already current group again when forced', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'web', { reference: '$Default' });
    await run(account, buildInput({ targets: { asgNames: ['web'] } }));

    const forced = await run(account, buildInput({ targets: { asgNames: ['web'] }, force: true }));

    expect(forced.status).toBe('SUCCEEDED');
    expect(templateOf(account, templateId).defaultVersion).toBe(3);
    expect(refreshesOf(account, 'web').map((r) => r.status)).toEqual(['Successful', 'Successful']);
  });

  it('changes nothing on a dry run and reports what it would do', async () => {
    const account = new FakeAccount();
    seedGroup(account, 'web', { reference: '1' });
    seedGroup(account, 'api', { reference: '$Latest', mixedInstances: true });
    const before = account.snapshot();

    const result = await run(account, buildInput({ targets: { asgNames: ['web', 'api'] }, dryRun: true }));

    expect(result.status).toBe('SUCCEEDED');
    expect(account.snapshot()).toEqual(before);
    expect(account.mutatingCalls()).toEqual([]);
    expect(result.summary?.dryRun).toBe(true);
    expect(result.summary?.counts).toMatchObject({ total: 2, dryRun: 2, succeeded: 0, failed: 0 });
    expect(resultOf(result, 'web')).toMatchObject({ status: 'dryRun', action: 'patch' });
    expect(
      result.summary?.plan?.templates.map((t) => [
        t.launchTemplateName,
        t.creates.map((c) => c.sourceVersion),
      ]),
    ).toEqual([
      ['web-lt', [1]],
      ['api-lt', [1]],
    ]);
  });
});

describe('tag targeting', () => {
  it('patches exactly the groups carrying the tag, and never touches the others', async () => {
    const account = new FakeAccount();
    const weekly = { group: { tags: { patch: 'weekly', team: 'a' } } };
    const a = seedGroup(account, 'tagged-a', weekly);
    const b = seedGroup(account, 'tagged-b', { ...weekly, mixedInstances: true });
    const other = seedGroup(account, 'other-value', { group: { tags: { patch: 'never' } } });
    const untagged = seedGroup(account, 'untagged');

    const result = await run(
      account,
      buildInput({ targets: { tags: [{ key: 'patch', values: ['weekly'] }] } }),
    );

    expect(result.status).toBe('SUCCEEDED');
    expect(result.summary?.groups.map((g) => g.asgName).sort()).toEqual(['tagged-a', 'tagged-b']);
    expect(templateOf(account, a.templateId).defaultVersion).toBe(2);
    expect(templateOf(account, b.templateId).defaultVersion).toBe(2);
    for (const untouched of [other, untagged]) {
      expect(templateOf(account, untouched.templateId).versions).toHaveLength(1);
    }
    expect(refreshesOf(account, 'other-value')).toEqual([]);
    expect(refreshesOf(account, 'untagged')).toEqual([]);
    // Listed server-side with a tag filter (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Filter.html).
    expect(account.callsOf('DescribeAutoScalingGroups')[0]?.input).toMatchObject({
      Filters: [{ Name: 'tag:patch', Values: ['weekly'] }],
    });
  });

  it('fails with NoTargetsFoundError, before any change, when no group carries the tag', async () => {
    const account = new FakeAccount();
    seedGroup(account, 'web', { group: { tags: { patch: 'never' } } });

    const result = await run(
      account,
      buildInput({ targets: { tags: [{ key: 'patch', values: ['weekly'] }] } }),
    );

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('NoTargetsFoundError');
    expect(result.cause).toContain('patch=weekly');
    expect(account.mutatingCalls()).toEqual([]);
  });
});

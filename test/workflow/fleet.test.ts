/**
 * Fleets that share launch templates, run through the real state machine, handlers and fake
 * account: the run plans per template, refreshes per group and settles per template, and every
 * run keeps invariants I1 to I7 (test/support/invariants.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeAccount } from '../../src/fake/account.ts';
import { accountFromScenario } from '../../src/fake/scenario.ts';
import { PatchOptions } from '../../src/schemas.ts';
import { composeUserData } from '../../src/userdata/compose.ts';
import { runChecked } from '../support/run-checked.ts';
import { applySeed } from '../userdata/fixtures/index.ts';
import { b64, buildTemplateData, groupOf, resultOf, templateOf } from './helpers.ts';

const FAST = { pollIntervalSeconds: 5, maxWaitSeconds: 60 };

function fleetOnOneTemplate(
  names: string[],
  reference = '$Default',
  tags: Record<string, Record<string, string>> = {},
): { account: FakeAccount; templateId: string } {
  const account = new FakeAccount();
  const { id } = account.addLaunchTemplate({ name: 'shared-lt', versions: [{ data: buildTemplateData() }] });
  for (const name of names) {
    account.addAutoScalingGroup({
      name,
      launchTemplate: { LaunchTemplateId: id, Version: reference },
      tags: tags[name] ?? {},
    });
  }
  return { account, templateId: id };
}

const template = templateOf;
const group = groupOf;
const instanceVersions = (account: FakeAccount, name: string) => [
  ...new Set(
    group(account, name).instances.map(
      (i) => `${i.launchTemplate?.LaunchTemplateName}:${i.launchTemplate?.Version}`,
    ),
  ),
];

describe('N groups on one launch template', () => {
  const names = ['tenant-a', 'tenant-b', 'tenant-c', 'tenant-d', 'tenant-e', 'tenant-f'];
  for (const maxConcurrency of [1, 40]) {
    it(`creates one version, refreshes all ${names.length} groups onto it and makes it the default (maxConcurrency ${maxConcurrency})`, async () => {
      const { account, templateId } = fleetOnOneTemplate(names);

      const result = await runChecked(account, { ...FAST, maxConcurrency, targets: { asgNames: names } });

      expect(result.violations).toEqual([]);
      expect(result.status).toBe('SUCCEEDED');
      expect(result.summary?.groups.map((g) => g.status)).toEqual(names.map(() => 'succeeded'));
      expect(result.mutations.CreateLaunchTemplateVersion).toBe(1);
      expect(template(account, templateId)).toMatchObject({ defaultVersion: 2, latestVersion: 2 });
      for (const name of names) {
        expect(group(account, name).launchTemplate?.Version).toBe('$Default');
        expect(instanceVersions(account, name)).toEqual(['shared-lt:2']);
      }
    });
  }

  it('reports every group alreadyCurrent on a second run, with not one call that changes anything', async () => {
    const { account } = fleetOnOneTemplate(names);
    await runChecked(account, { ...FAST, targets: { asgNames: names } });

    const second = await runChecked(account, { ...FAST, targets: { asgNames: names } });

    expect(second.violations).toEqual([]);
    expect(second.summary?.counts).toMatchObject({ total: 6, alreadyCurrent: 6 });
    expect(second.mutations).toEqual({});
  });

  it('refreshes a sibling targeted the next day instead of reporting it current', async () => {
    const { account } = fleetOnOneTemplate(['monday', 'tuesday']);
    // Monday's run accepts that tuesday (same $Default) will launch the new default.
    await runChecked(
      account,
      { ...FAST, targets: { asgNames: ['monday'] }, untargetedSharers: 'accept' },
      { runId: 'monday' },
    );

    const tuesday = await runChecked(
      account,
      { ...FAST, targets: { asgNames: ['tuesday'] } },
      { runId: 'tuesday' },
    );

    expect(tuesday.violations).toEqual([]);
    expect(tuesday.summary?.groups[0]).toMatchObject({
      asgName: 'tuesday',
      status: 'refreshed',
      action: 'refreshOnly',
    });
    expect(tuesday.mutations.CreateLaunchTemplateVersion).toBeUndefined();
    expect(instanceVersions(account, 'tuesday')).toEqual(['shared-lt:2']);
  });
});

describe('$Latest and $Default groups on one template', () => {
  it('creates one version per source, the $Latest source last, and puts both groups back on their style', async () => {
    const account = new FakeAccount();
    const { id } = account.addLaunchTemplate({
      name: 'web-lt',
      versions: [
        { data: buildTemplateData() },
        { data: buildTemplateData({ ImageId: 'ami-0fedcba9876543210' }) },
      ],
      defaultVersion: 1,
    });
    account.addAutoScalingGroup({
      name: 'stable',
      launchTemplate: { LaunchTemplateId: id, Version: '$Default' },
    });
    account.addAutoScalingGroup({
      name: 'canary',
      launchTemplate: { LaunchTemplateId: id, Version: '$Latest' },
    });

    const result = await runChecked(account, { ...FAST, targets: { asgNames: ['stable', 'canary'] } });

    expect(result.violations).toEqual([]);
    expect(result.summary?.counts).toMatchObject({ succeeded: 2, failed: 0 });
    const after = template(account, id);
    expect(after.versions.map((v) => [v.versionNumber, v.description])).toEqual([
      [1, undefined],
      [2, undefined],
      [3, 'asg-patcher run test-run (from version 1)'],
      [4, 'asg-patcher run test-run (from version 2)'],
    ]);
    expect(after).toMatchObject({ defaultVersion: 3, latestVersion: 4 });
    expect(group(account, 'stable').launchTemplate?.Version).toBe('$Default');
    expect(group(account, 'canary').launchTemplate?.Version).toBe('$Latest');
    expect(instanceVersions(account, 'stable')).toEqual(['web-lt:3']);
    expect(instanceVersions(account, 'canary')).toEqual(['web-lt:4']);
  });

  it('puts a $Latest group back on $Latest although a numbered sibling on an older version is patched too', async () => {
    const account = new FakeAccount();
    const { id } = account.addLaunchTemplate({
      name: 'web-lt',
      versions: [{ data: buildTemplateData() }, { data: buildTemplateData() }],
    });
    account.addAutoScalingGroup({ name: 'old', launchTemplate: { LaunchTemplateId: id, Version: '1' } });
    account.addAutoScalingGroup({
      name: 'latest',
      launchTemplate: { LaunchTemplateId: id, Version: '$Latest' },
    });

    const result = await runChecked(account, { ...FAST, targets: { asgNames: ['old', 'latest'] } });

    expect(result.violations).toEqual([]);
    expect(resultOf(result, 'latest')).toMatchObject({ status: 'succeeded' });
    expect(resultOf(result, 'latest').note).toBeUndefined();
    expect(group(account, 'latest').launchTemplate?.Version).toBe('$Latest');
    expect(group(account, 'old').launchTemplate?.Version).toBe('3');
    expect(template(account, id)).toMatchObject({ latestVersion: 4, defaultVersion: 3 });
  });
});

describe('one group succeeds while its sibling fails', () => {
  for (const ending of ['fail', 'rollback'] as const) {
    it(`keeps the default where it is when a $Default sibling's refresh ends ${ending}`, async () => {
      const { account, templateId } = fleetOnOneTemplate(['good', 'bad']);
      account.setRefreshScript('bad', ending);

      const result = await runChecked(account, { ...FAST, targets: { asgNames: ['good', 'bad'] } });

      expect(result.violations).toEqual([]);
      expect(result.status).toBe('FAILED');
      expect(resultOf(result, 'good')).toMatchObject({ status: 'succeeded' });
      expect(resultOf(result, 'good').note).toContain('left on version 2');
      expect(resultOf(result, 'bad')).toMatchObject({ status: 'failed', stage: 'PollInstanceRefresh' });
      // The default never moves onto a version that failed on a $Default group.
      expect(template(account, templateId).defaultVersion).toBe(1);
      // good runs version 2 and stays on it (numbered); version 2 is kept because it runs.
      expect(group(account, 'good').launchTemplate?.Version).toBe('2');
      expect(instanceVersions(account, 'good')).toEqual(['shared-lt:2']);
    });
  }

  it('deletes the unproven version when the only group rolls back, and puts it back on $Latest', async () => {
    const { account, templateId } = fleetOnOneTemplate(['solo'], '$Latest');
    account.setRefreshScript('solo', 'rollback');

    const result = await runChecked(account, { ...FAST, targets: { asgNames: ['solo'] } });

    expect(result.violations).toEqual([]);
    expect(template(account, templateId).versions.map((v) => v.versionNumber)).toEqual([1]);
    expect(group(account, 'solo').launchTemplate?.Version).toBe('$Latest');
    expect(result.summary?.launchTemplates[0]).toMatchObject({
      created: [{ sourceVersion: 1, newVersion: 2 }],
      deleted: [2],
      defaultMoved: false,
    });
  });
});

describe('override templates of a mixed-instances group', () => {
  it('patches the main template and every override template, and rolls all of them out in one refresh', async () => {
    const account = new FakeAccount();
    const main = account.addLaunchTemplate({ name: 'x86-lt', versions: [{ data: buildTemplateData() }] });
    const arm = account.addLaunchTemplate({
      name: 'arm-lt',
      versions: [{ data: buildTemplateData({ ImageId: 'ami-0aaaaaaaaaaaaaaaa' }) }],
    });
    account.addAutoScalingGroup({
      name: 'mixed',
      desiredCapacity: 4,
      mixedInstancesPolicy: {
        LaunchTemplate: {
          LaunchTemplateSpecification: { LaunchTemplateId: main.id, Version: '$Default' },
          Overrides: [
            { InstanceType: 't3.micro' },
            {
              InstanceType: 't4g.micro',
              LaunchTemplateSpecification: { LaunchTemplateId: arm.id, Version: '$Default' },
            },
          ],
        },
        InstancesDistribution: { OnDemandBaseCapacity: 1 },
      },
    });

    const result = await runChecked(account, { ...FAST, targets: { asgNames: ['mixed'] } });

    expect(result.violations).toEqual([]);
    expect(resultOf(result, 'mixed')).toMatchObject({
      status: 'succeeded',
      launchTemplates: [
        { slot: 'main', launchTemplateId: main.id, fromVersion: 1, toVersion: 2, reference: '$Default' },
        { slot: 1, launchTemplateId: arm.id, fromVersion: 1, toVersion: 2, reference: '$Default' },
      ],
    });
    const [refresh] = account.snapshot().instanceRefreshes;
    expect(refresh?.desiredConfiguration?.MixedInstancesPolicy?.LaunchTemplate).toMatchObject({
      LaunchTemplateSpecification: { LaunchTemplateId: main.id, Version: '2' },
      Overrides: [
        { InstanceType: 't3.micro' },
        {
          InstanceType: 't4g.micro',
          LaunchTemplateSpecification: { LaunchTemplateId: arm.id, Version: '2' },
        },
      ],
    });
    expect(instanceVersions(account, 'mixed').sort()).toEqual(['arm-lt:2', 'x86-lt:2']);
    expect(template(account, arm.id).defaultVersion).toBe(2);
  });
});

describe('an untargeted group that follows a planned template', () => {
  function sharedFleet(): { account: FakeAccount; templateId: string } {
    const { account, templateId } = fleetOnOneTemplate(['targeted']);
    account.addAutoScalingGroup({
      name: 'bystander',
      launchTemplate: { LaunchTemplateId: templateId, Version: '$Latest' },
    });
    return { account, templateId };
  }

  it('refuses the template by default with UntargetedSharersError naming the follower, before any change', async () => {
    const { account, templateId } = sharedFleet();

    const result = await runChecked(account, { ...FAST, targets: { asgNames: ['targeted'] } });

    expect(result.violations).toEqual([]);
    expect(result.mutations).toEqual({});
    expect(resultOf(result, 'targeted')).toMatchObject({
      status: 'failed',
      stage: 'LookupLaunchTemplate',
      error: 'UntargetedSharersError',
    });
    expect(resultOf(result, 'targeted').cause).toContain('bystander (not targeted, on $Latest)');
    expect(resultOf(result, 'targeted').cause).toContain('"untargetedSharers"');
    expect(template(account, templateId).versions).toHaveLength(1);
  });

  it('adds the follower to the run with untargetedSharers: include', async () => {
    const { account } = sharedFleet();

    const result = await runChecked(account, {
      ...FAST,
      targets: { asgNames: ['targeted'] },
      untargetedSharers: 'include',
    });

    expect(result.violations).toEqual([]);
    expect(result.summary?.groups.map((g) => [g.asgName, g.status])).toEqual([
      ['targeted', 'succeeded'],
      ['bystander', 'succeeded'],
    ]);
    expect(group(account, 'bystander').launchTemplate?.Version).toBe('$Latest');
  });

  it('leaves the follower alone with untargetedSharers: accept, and it then launches the new version', async () => {
    const { account, templateId } = sharedFleet();

    const result = await runChecked(account, {
      ...FAST,
      targets: { asgNames: ['targeted'] },
      untargetedSharers: 'accept',
    });

    expect(result.violations).toEqual([]);
    expect(result.summary?.groups.map((g) => g.asgName)).toEqual(['targeted']);
    expect(account.snapshot().instanceRefreshes.map((r) => r.asgName)).toEqual(['targeted']);
    const [launched] = account.launchInstances('bystander', 1);
    expect(launched?.launchTemplate?.Version).toBe(String(template(account, templateId).latestVersion));
  });
});

describe('instances that lag a current template', () => {
  it('refreshes the group without creating a version (refreshed)', async () => {
    const account = new FakeAccount();
    await patchedTemplate(account);
    account.addAutoScalingGroup({
      name: 'laggard',
      launchTemplate: { LaunchTemplateName: 'web-lt', Version: '2' },
      instances: [{ version: 1 }, { version: 2 }],
    });

    const result = await runChecked(account, { ...FAST, targets: { asgNames: ['laggard'] } });

    expect(result.violations).toEqual([]);
    expect(resultOf(result, 'laggard')).toMatchObject({ status: 'refreshed', action: 'refreshOnly' });
    expect(result.mutations.CreateLaunchTemplateVersion).toBeUndefined();
    expect(instanceVersions(account, 'laggard')).toEqual(['web-lt:2']);
  });

  it('never reports alreadyCurrent while an instance runs an unpatched version', async () => {
    const account = new FakeAccount();
    await patchedTemplate(account);
    account.addAutoScalingGroup({
      name: 'half',
      launchTemplate: { LaunchTemplateName: 'web-lt', Version: '$Default' },
      instances: [{ version: 1 }],
    });

    const dry = await runChecked(account, { ...FAST, dryRun: true, targets: { asgNames: ['half'] } });

    expect(dry.violations).toEqual([]);
    expect(dry.summary?.plan?.groups).toEqual([
      { asgName: 'half', action: 'refreshOnly', reason: expect.stringContaining('1 of 1 instances') },
    ]);
    expect(dry.mutations).toEqual({});
  });
});

describe('snapshots in block device mappings', () => {
  it('names the snapshot again in the new version, as CreateLaunchTemplateVersion requires', async () => {
    const account = new FakeAccount();
    const mappings = [
      {
        DeviceName: '/dev/xvda',
        Ebs: { SnapshotId: 'snap-0123456789abcdef0', VolumeSize: 20, VolumeType: 'gp3' },
      },
    ];
    const { id } = account.addLaunchTemplate({
      name: 'snap-lt',
      versions: [{ data: buildTemplateData({ BlockDeviceMappings: mappings }) }],
    });
    account.addAutoScalingGroup({
      name: 'snap',
      launchTemplate: { LaunchTemplateId: id, Version: '$Default' },
    });

    const result = await runChecked(account, { ...FAST, targets: { asgNames: ['snap'] } });

    expect(result.violations).toEqual([]);
    const create = account.callsOf('CreateLaunchTemplateVersion')[0]?.input as {
      LaunchTemplateData: Record<string, unknown>;
    };
    expect(create.LaunchTemplateData.BlockDeviceMappings).toEqual(mappings);
    expect(account.versionData(id, 2)?.BlockDeviceMappings).toEqual(mappings);
  });
});

describe('a numbered group whose refresh outlasts maxWaitSeconds', () => {
  it('rolls the refresh back, waits for the rollback to end, then deletes the version', async () => {
    const { account, templateId } = fleetOnOneTemplate(['slow'], '1');
    account.setRefreshScript('slow', 'stuck');

    const result = await runChecked(account, {
      pollIntervalSeconds: 5,
      maxWaitSeconds: 60,
      targets: { asgNames: ['slow'] },
    });

    expect(result.violations).toEqual([]);
    expect(resultOf(result, 'slow')).toMatchObject({
      status: 'failed',
      error: 'RefreshTimedOutError',
      refreshStatus: 'RollbackSuccessful',
    });
    const [refresh] = account.snapshot().instanceRefreshes;
    expect(refresh?.status).toBe('RollbackSuccessful');
    expect(template(account, templateId).versions.map((v) => v.versionNumber)).toEqual([1]);
    expect(group(account, 'slow').launchTemplate?.Version).toBe('1');
  });
});

/** A template whose version 2 already carries today's script (made by a run on a throwaway group). */
async function patchedTemplate(account: FakeAccount): Promise<void> {
  account.addLaunchTemplate({
    name: 'web-lt',
    versions: [{ data: buildTemplateData({ UserData: b64('#!/bin/bash\necho app\n') }) }],
  });
  account.addAutoScalingGroup({
    name: 'first',
    launchTemplate: { LaunchTemplateName: 'web-lt', Version: '1' },
  });
  await runChecked(account, { ...FAST, targets: { asgNames: ['first'] } });
}

describe('the demo scenario', () => {
  it('ends as its expect says, with one version for the two api groups, the GPU override template patched, and every invariant kept', async () => {
    const path = join(import.meta.dirname, '../../examples/demo-scenario.json');
    // The run's input and expectation sit beside the account, as `asg-patcher run --scenario` reads them.
    const { input, expect: expected, description: _, ...scenario } = JSON.parse(readFileSync(path, 'utf8'));
    const account = accountFromScenario(scenario);

    const result = await runChecked(account, input);

    expect(result.violations).toEqual([]);
    expect(result.summary?.groups.filter((g) => g.status === 'failed').map((g) => g.asgName)).toEqual(
      expected.failed,
    );
    const created = (name: string) =>
      result.summary?.launchTemplates.find((t) => t.launchTemplateName === name)?.created;
    expect(created('api')).toHaveLength(1);
    expect(created('batch-gpu')).toEqual([{ sourceVersion: 1, newVersion: 2 }]);
    expect(result.summary?.groups.map((g) => g.asgName)).not.toContain('sandbox');
  });
});

describe("a group's own tags", () => {
  it('override the run for that group only: minimum healthy percentage, warmup and the maximum wait', async () => {
    const { account } = fleetOnOneTemplate(['tuned', 'plain'], '$Default', {
      tuned: { 'asg-patcher:min-healthy-percentage': '50', 'asg-patcher:instance-warmup': '30' },
    });
    account.addAutoScalingGroup({
      name: 'slow',
      launchTemplate: { LaunchTemplateName: 'shared-lt', Version: '1' },
      refresh: 'stuck',
      tags: { 'asg-patcher:max-wait-seconds': '60' },
    });

    const result = await runChecked(account, {
      pollIntervalSeconds: 5,
      maxWaitSeconds: 3600,
      targets: { asgNames: ['tuned', 'plain', 'slow'] },
    });

    expect(result.violations).toEqual([]);
    const preferences = (name: string) =>
      account.snapshot().instanceRefreshes.find((r) => r.asgName === name)?.preferences;
    expect(preferences('tuned')).toMatchObject({ MinHealthyPercentage: 50, InstanceWarmup: 30 });
    expect(preferences('plain')).toMatchObject({ MinHealthyPercentage: 90, InstanceWarmup: 300 });
    // 60 s at a 5 s interval: rolled back after 12 polls, not after the run's hour.
    expect(resultOf(result, 'slow')).toMatchObject({ status: 'failed', error: 'RefreshTimedOutError' });
    const polls = account.callsOf('DescribeInstanceRefreshes').filter((c) => {
      const input = c.input as { AutoScalingGroupName?: string; InstanceRefreshIds?: string[] };
      return input.AutoScalingGroupName === 'slow' && input.InstanceRefreshIds;
    });
    expect(polls.length).toBeLessThan(40);
  });

  it('asg-patcher:skip=true keeps the group out of the run (skipped), changing nothing of it', async () => {
    const { account } = fleetOnOneTemplate(['kept-out'], '1', { 'kept-out': { 'asg-patcher:skip': 'true' } });

    const result = await runChecked(account, { ...FAST, targets: { asgNames: ['kept-out'] } });

    expect(result.violations).toEqual([]);
    expect(resultOf(result, 'kept-out')).toMatchObject({ status: 'skipped', action: 'skipped' });
    expect(result.mutations).toEqual({});
    expect(result.status).toBe('SUCCEEDED');
  });

  it.each([
    ['asg-patcher:min-healthy-percentage', '150'],
    ['asg-patcher:instance-warmup', 'soon'],
    ['asg-patcher:max-wait-seconds', '10'],
    ['asg-patcher:skip', 'yes'],
  ])('refuse the group when %s holds %s (InvalidGroupTagError), before any change', async (key, value) => {
    const { account } = fleetOnOneTemplate(['mistagged'], '1', { mistagged: { [key]: value } });

    const result = await runChecked(account, { ...FAST, targets: { asgNames: ['mistagged'] } });

    expect(result.violations).toEqual([]);
    expect(resultOf(result, 'mistagged')).toMatchObject({
      status: 'failed',
      stage: 'LookupLaunchTemplate',
      error: 'InvalidGroupTagError',
    });
    expect(resultOf(result, 'mistagged').cause).toContain(`${key}="${value}"`);
    expect(result.mutations).toEqual({});
  });
});

describe('user data the seed script wrapped around our own archive', () => {
  it('is migrated: the new version carries the customer content once, our script once, and a second run finds it current', async () => {
    const account = new FakeAccount();
    const customer = Buffer.from('#!/bin/bash\nsystemctl start my-app\n');
    const ours = composeUserData(customer.toString('base64'), PatchOptions.parse({}));
    // Someone ran the original one-shot script again over what asg-patcher had composed.
    const wrapped = applySeed(ours.raw);
    const { id } = account.addLaunchTemplate({
      name: 'seeded-lt',
      versions: [{ data: buildTemplateData({ UserData: wrapped.toString('base64') }) }],
    });
    account.addAutoScalingGroup({
      name: 'seeded',
      launchTemplate: { LaunchTemplateId: id, Version: '$Default' },
    });

    const first = await runChecked(
      account,
      { ...FAST, targets: { asgNames: ['seeded'] } },
      { runId: 'first' },
    );

    expect(first.violations).toEqual([]);
    expect(resultOf(first, 'seeded')).toMatchObject({ status: 'succeeded', action: 'patch' });
    // Exactly what composing the customer's own content gives: no seed block, nothing stacked.
    expect(account.versionData(id, 2)?.UserData).toBe(ours.base64);
    const second = await runChecked(
      account,
      { ...FAST, targets: { asgNames: ['seeded'] } },
      { runId: 'second' },
    );
    expect(resultOf(second, 'seeded')).toMatchObject({ status: 'alreadyCurrent' });
    expect(second.mutations).toEqual({});
  });
});

import { StartInstanceRefreshCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateVersionCommand, ModifyLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { RefreshScript } from '../../../src/fake/account.ts';
import type { RunPlan } from '../../../src/schemas.ts';
import { deleteUnusedVersions } from '../../../src/steps/delete-unused-versions.ts';
import { versionDescription } from '../../../src/steps/lib/run-versions.ts';
import { startInstanceRefresh } from '../../../src/steps/start-instance-refresh.ts';
import {
  buildSettings,
  buildTemplateData,
  buildTemplateRecord,
  deps,
  inputsOf,
  seedGroup,
  seedTemplate,
  seedVersionHistory,
  templateOf,
  useFakeAccount,
  versionsOf,
} from '../../support/builders.ts';
import {
  prepare,
  promoteAll,
  refreshed,
  restoreAll,
  startInput,
  templateRecord,
} from '../../support/stages.ts';

describe('deleteUnusedVersions', () => {
  const account = useFakeAccount();
  const settings = buildSettings();

  /** `web` on `reference`, run through every phase before the cleanup. */
  async function settled(reference: string, refresh: RefreshScript = 'succeed') {
    const { templateId } = seedGroup(account(), 'web', {
      versions: [buildTemplateData(), buildTemplateData()],
      reference,
      group: { refresh },
    });
    const run: RunPlan = await restoreAll(await promoteAll(await refreshed(['web'])));
    return { templateId, template: templateRecord(run, templateId) };
  }

  it('deletes the run’s version that nothing runs after a rolled-back refresh; the default untouched', async () => {
    // Prepare
    const { templateId, template } = await settled('$Default', 'rollback');
    expect(versionsOf(account(), templateId)).toEqual([1, 2, 3]);

    // Act
    const result = await deleteUnusedVersions({ template, settings }, deps);

    // Assess
    expect(result).toEqual({ deleted: [3], kept: [] });
    expect(inputsOf(account(), 'DeleteLaunchTemplateVersions')).toEqual([
      { LaunchTemplateId: templateId, Versions: ['3'] },
    ]);
    expect(versionsOf(account(), templateId)).toEqual([1, 2]);
    expect(templateOf(account(), templateId).defaultVersion).toBe(1);
  });

  it('keeps the run’s version that became the default, silently, and deletes nothing', async () => {
    const { templateId, template } = await settled('$Default');

    const result = await deleteUnusedVersions({ template, settings }, deps);

    expect(result).toEqual({ deleted: [], kept: [] });
    expect(account().callsOf('DeleteLaunchTemplateVersions')).toEqual([]);
    expect(versionsOf(account(), templateId)).toEqual([1, 2, 3]);
  });

  it('keeps a version a group names or its instances run, saying which', async () => {
    // web is on $Latest (2): its patched version 3 is not the default (1), but web runs it.
    const { templateId, template } = await settled('$Latest');

    const result = await deleteUnusedVersions({ template, settings }, deps);

    expect(result).toEqual({ deleted: [], kept: [{ version: 3, why: 'instances of web run it' }] });
    expect(versionsOf(account(), templateId)).toEqual([1, 2, 3]);
  });

  it('never deletes a version someone else created during the run', async () => {
    const { templateId, template } = await settled('$Default', 'rollback');
    await deps.ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: templateId,
        SourceVersion: '1',
        VersionDescription: 'made by hand',
        LaunchTemplateData: {},
      }),
    );

    const result = await deleteUnusedVersions({ template, settings }, deps);

    expect(result.deleted).toEqual([3]);
    expect(versionsOf(account(), templateId)).toEqual([1, 2, 4]);
  });

  it('keeps a version an active refresh of a follower rolls out (its wait failed, the restore has not stopped it yet)', async () => {
    const { templateId } = seedGroup(account(), 'web', { group: { refresh: ['Pending'] } });
    const run = await prepare(['web']);
    const refresh = await startInstanceRefresh(startInput(run, 'web'), deps);

    const result = await deleteUnusedVersions({ template: templateRecord(run, templateId), settings }, deps);

    expect(result).toEqual({
      deleted: [],
      kept: [{ version: 2, why: `instance refresh ${refresh.instanceRefreshId} of web rolls it out` }],
    });
    expect(versionsOf(account(), templateId)).toEqual([1, 2]);
  });

  it('deletes at most 200 versions per call (the API’s limit)', async () => {
    const description = versionDescription('run-0001', 1);
    const template = account().addLaunchTemplate({
      name: 'busy-lt',
      versions: [
        { data: buildTemplateData() },
        ...Array.from({ length: 201 }, () => ({ data: buildTemplateData(), description })),
      ],
    });
    const record = buildTemplateRecord({
      launchTemplateId: template.id,
      launchTemplateName: 'busy-lt',
      followers: [],
      users: [],
    });

    const result = await deleteUnusedVersions({ template: record, settings }, deps);

    expect(inputsOf(account(), 'DeleteLaunchTemplateVersions').map((i) => i.Versions?.length)).toEqual([
      200, 1,
    ]);
    expect(result.deleted).toHaveLength(201);
    expect(versionsOf(account(), template.id)).toEqual([1]);
  });

  it('a template that no longer exists: nothing to do', async () => {
    const template = buildTemplateRecord({ launchTemplateId: 'lt-0000000000000abcd' });

    expect(await deleteUnusedVersions({ template, settings }, deps)).toEqual({
      deleted: [],
      kept: [],
    });
    expect(account().mutatingCalls()).toEqual([]);
  });
});

describe('deleteUnusedVersions with pruneVersions', () => {
  const account = useFakeAccount();
  const ours = (count: number): 'ours'[] => Array.from({ length: count }, () => 'ours' as const);

  /** The template record of a template the run changes but created nothing in (its answer aside). */
  function recordOf(template: { id: string; name: string }, followers: string[] = []) {
    const latest = Math.max(...versionsOf(account(), template.id));
    return buildTemplateRecord({
      launchTemplateId: template.id,
      launchTemplateName: template.name,
      defaultVersion: templateOf(account(), template.id).defaultVersion,
      latestVersion: latest,
      followers: followers.map((asgName) => ({ asgName, reference: '$Default' })),
      users: followers,
    });
  }
  const pruning = (keep: number) => buildSettings({ pruneVersions: { keep } });

  it('keeps the newest N of this tool’s versions and deletes the older ones; the customer’s are never touched', async () => {
    // Prepare: 1 and 8 are the customer's (1 the default), 2 to 7 from six earlier runs.
    const template = seedVersionHistory(account(), 'app-lt', ['theirs', ...ours(6), 'theirs']);

    // Act
    const result = await deleteUnusedVersions({ template: recordOf(template), settings: pruning(2) }, deps);

    // Assess
    expect(versionsOf(account(), template.id)).toEqual([1, 6, 7, 8]);
    expect(result).toEqual({ deleted: [], kept: [], pruned: [2, 3, 4, 5], pruneKept: [] });
    expect(inputsOf(account(), 'DeleteLaunchTemplateVersions')).toEqual([
      { LaunchTemplateId: template.id, Versions: ['2', '3', '4', '5'] },
    ]);
    expect(templateOf(account(), template.id).defaultVersion).toBe(1);
  });

  it('never prunes the default version, even one of this tool’s beyond the newest N', async () => {
    const template = seedVersionHistory(account(), 'app-lt', ['theirs', ...ours(5)], 3);

    const result = await deleteUnusedVersions({ template: recordOf(template), settings: pruning(1) }, deps);

    expect(versionsOf(account(), template.id)).toEqual([1, 3, 6]);
    expect(result.pruned).toEqual([2, 4, 5]);
    expect(templateOf(account(), template.id).defaultVersion).toBe(3);
    // The default is kept by design: no note for it.
    expect(result.pruneKept).toEqual([]);
  });

  it('keeps what any group of the Region uses: untargeted numbers, overrides, $Default/$Latest, and what instances run', async () => {
    // Prepare: versions 2 to 9 are this tool's; keep the newest one (9).
    const template = seedVersionHistory(account(), 'app-lt', ['theirs', ...ours(8)]);
    const other = seedTemplate(account(), 'other-lt');
    // None of these groups is in the run (no follower, no user in the record).
    account().addAutoScalingGroup({
      name: 'batch',
      launchTemplate: { LaunchTemplateId: template.id, Version: '2' },
      desiredCapacity: 0,
    });
    account().addAutoScalingGroup({
      name: 'spot',
      desiredCapacity: 0,
      mixedInstancesPolicy: {
        LaunchTemplate: {
          LaunchTemplateSpecification: { LaunchTemplateId: other.id, Version: '1' },
          Overrides: [
            { InstanceType: 't3.micro' },
            {
              InstanceType: 'g5.xlarge',
              LaunchTemplateSpecification: { LaunchTemplateName: 'app-lt', Version: '3' },
            },
          ],
        },
      },
    });
    // Its instances lag on 5 while the group names 4.
    account().addAutoScalingGroup({
      name: 'legacy',
      launchTemplate: { LaunchTemplateId: template.id, Version: '4' },
      instances: [{ version: 5 }, { version: 5 }],
    });
    await deps.ec2.send(
      new ModifyLaunchTemplateCommand({ LaunchTemplateId: template.id, DefaultVersion: '6' }),
    );
    account().addAutoScalingGroup({
      name: 'follows-default',
      launchTemplate: { LaunchTemplateId: template.id, Version: '$Default' },
      desiredCapacity: 0,
    });

    // Act
    const result = await deleteUnusedVersions({ template: recordOf(template), settings: pruning(1) }, deps);

    // Assess: 7 and 8 go; 9 is the newest (and $Latest).
    expect(versionsOf(account(), template.id)).toEqual([1, 2, 3, 4, 5, 6, 9]);
    expect(result.pruned).toEqual([7, 8]);
    expect(result.pruneKept).toEqual([
      { version: 2, why: 'group batch launches it' },
      { version: 3, why: 'group spot launches it (override 1)' },
      { version: 4, why: 'group legacy launches it' },
      { version: 5, why: 'instances of legacy run it' },
    ]);
  });

  it('keeps the version an active refresh rolls out before any instance runs it (a rollback by hand to an old version)', async () => {
    // Prepare: canary launches 5 and has no instances; someone else's refresh takes it back to 2.
    const template = seedVersionHistory(account(), 'app-lt', ['theirs', ...ours(4)]);
    account().addAutoScalingGroup({
      name: 'canary',
      launchTemplate: { LaunchTemplateId: template.id, Version: '5' },
      refresh: 'stuck',
      desiredCapacity: 0,
    });
    await deps.autoScaling.send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: 'canary',
        DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: template.id, Version: '2' } },
      }),
    );

    // Act
    const result = await deleteUnusedVersions({ template: recordOf(template), settings: pruning(1) }, deps);

    // Assess
    expect(versionsOf(account(), template.id)).toEqual([1, 2, 5]);
    expect(result.pruned).toEqual([3, 4]);
    expect(result.pruneKept).toEqual([
      { version: 2, why: expect.stringMatching(/^instance refresh .+ of canary rolls it out$/) },
    ]);
  });

  it('a template at AWS’s 10,000-version limit: read in pages of 200, pruned in calls of at most 200', async () => {
    // Prepare: the customer's version 1, then 9,999 of this tool's.
    const template = seedVersionHistory(account(), 'busy-lt', ['theirs', ...ours(9_999)]);

    // Act
    const result = await deleteUnusedVersions({ template: recordOf(template), settings: pruning(5) }, deps);

    // Assess
    expect(versionsOf(account(), template.id)).toEqual([1, 9_996, 9_997, 9_998, 9_999, 10_000]);
    expect(result.pruned).toHaveLength(9_994);
    const deletes = inputsOf(account(), 'DeleteLaunchTemplateVersions').map((i) => i.Versions?.length);
    expect(deletes).toEqual([...Array.from({ length: 49 }, () => 200), 194]);
    const reads = inputsOf(account(), 'DescribeLaunchTemplateVersions').filter((i) => !i.MinVersion);
    expect(reads).toHaveLength(50);
    expect(reads.every((i) => i.MaxResults === 200)).toBe(true);
  });

  it('a lost answer: the SDK sends the delete again, and versions already gone count as pruned', async () => {
    const template = seedVersionHistory(account(), 'app-lt', ['theirs', ...ours(4)]);
    account().planFaults({ command: 'DeleteLaunchTemplateVersions', kind: 'lose-response', nth: 1 });

    const result = await deleteUnusedVersions({ template: recordOf(template), settings: pruning(1) }, deps);

    expect(versionsOf(account(), template.id)).toEqual([1, 5]);
    expect(result.pruned).toEqual([2, 3, 4]);
    const calls = account().callsOf('DeleteLaunchTemplateVersions');
    expect(calls.map((c) => c.fault)).toEqual(['lose-response', undefined]);
  });

  it('run again after a lost invocation (the state machine’s Retry): the same end state, nothing more deleted', async () => {
    const template = seedVersionHistory(account(), 'app-lt', ['theirs', ...ours(4)]);
    const input = { template: recordOf(template), settings: pruning(1) };
    await deleteUnusedVersions(input, deps);

    const again = await deleteUnusedVersions(input, deps);

    expect(versionsOf(account(), template.id)).toEqual([1, 5]);
    // What the first invocation pruned is gone without a trace of who deleted it: not listed again.
    expect(again).toEqual({ deleted: [], kept: [], pruned: [], pruneKept: [] });
    expect(account().callsOf('DeleteLaunchTemplateVersions')).toHaveLength(1);
  });

  it('counts the run’s own surviving version among the newest N, and never prunes it', async () => {
    // Prepare: web on $Default = 3 (this tool's, from an earlier run); the run patches 3 into 4,
    // which becomes the default.
    const template = seedVersionHistory(account(), 'web-lt', ['theirs', ...ours(2)], 3);
    account().addAutoScalingGroup({ name: 'web', launchTemplate: { LaunchTemplateId: template.id } });
    const run = await restoreAll(await promoteAll(await refreshed(['web'], pruning(1))));

    // Act
    const result = await deleteUnusedVersions(
      { template: templateRecord(run, template.id), settings: run.settings },
      deps,
    );

    // Assess: 4 is the run's (default now, the newest of this tool's): 2 and 3 go.
    expect(templateOf(account(), template.id).defaultVersion).toBe(4);
    expect(versionsOf(account(), template.id)).toEqual([1, 4]);
    expect(result).toEqual({ deleted: [], kept: [], pruned: [2, 3], pruneKept: [] });
  });

  it('without pruneVersions nothing older is deleted, and the result has no pruning fields', async () => {
    const template = seedVersionHistory(account(), 'app-lt', ['theirs', ...ours(4)]);

    const result = await deleteUnusedVersions(
      { template: recordOf(template), settings: buildSettings() },
      deps,
    );

    expect(result).toEqual({ deleted: [], kept: [] });
    expect(versionsOf(account(), template.id)).toEqual([1, 2, 3, 4, 5]);
    expect(account().mutatingCalls()).toEqual([]);
  });
});

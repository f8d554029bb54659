import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CLIENT_CONFIG } from '../../../src/clients.ts';
import { NoTargetsFoundError } from '../../../src/errors.ts';
import { planRun } from '../../../src/steps/lookup-launch-template.ts';
import {
  b64,
  buildCurrentTemplateData,
  buildSettings,
  buildTemplateData,
  deps,
  seedGroup,
  seedTemplate,
  useFakeAccount,
} from '../../support/builders.ts';
import { groupRecord, plan, templateRecord } from '../../support/stages.ts';

describe('planRun (LookupLaunchTemplate)', () => {
  const account = useFakeAccount();

  it('plans a $Default group: its spec resolved to the default number, that source to be patched; read-only', async () => {
    // Prepare
    const { templateId } = seedGroup(account(), 'web', {
      versions: [buildTemplateData(), buildTemplateData(), buildTemplateData()],
      defaultVersion: 2,
    });

    // Act
    const run = await planRun({ settings: buildSettings(), targets: { asgNames: ['web'] } }, deps);

    // Assess
    expect(run.settings).toEqual(buildSettings());
    expect(run.groups).toEqual([
      {
        asgName: 'web',
        action: 'patch',
        reason: expect.stringContaining(`${templateId} version 2 lacks today's patch script`),
        specs: [{ slot: 'main', launchTemplateId: templateId, reference: '$Default', version: 2 }],
        rollbackPossible: true,
      },
    ]);
    expect(run.templates).toEqual([
      {
        launchTemplateId: templateId,
        launchTemplateName: 'web-lt',
        defaultVersion: 2,
        latestVersion: 3,
        // What the version would hold is for dry runs only: the state stays small.
        sources: [{ version: 2, action: 'create' }],
        changes: true,
        followers: [{ asgName: 'web', reference: '$Default' }],
        users: ['web'],
        acceptedSharers: [],
      },
    ]);
    expect(account().mutatingCalls()).toEqual([]);
  });

  it('a dry run plans the same and says what each new version would hold', async () => {
    const { templateId } = seedGroup(account(), 'web');

    const run = await plan(['web'], buildSettings({ dryRun: true }));

    expect(templateRecord(run, templateId).sources).toEqual([
      { version: 1, action: 'create', summary: expect.stringContaining('asg-patcher script') },
    ]);
    expect(account().mutatingCalls()).toEqual([]);
  });

  it.each([
    ['$Latest', 3],
    ['1', 1],
  ])('resolves a %s reference to version %i', async (reference, version) => {
    const { templateId } = seedGroup(account(), 'web', {
      versions: [buildTemplateData(), buildTemplateData(), buildTemplateData()],
      reference,
    });

    const run = await plan(['web']);

    expect(groupRecord(run, 'web').specs).toEqual([
      { slot: 'main', launchTemplateId: templateId, reference, version },
    ]);
    expect(templateRecord(run, templateId).sources.map((s) => s.version)).toEqual([version]);
  });

  it('finds a template the group names by name, and records it by id', async () => {
    const { templateId } = seedGroup(account(), 'web', { byName: true });

    const run = await plan(['web']);

    expect(groupRecord(run, 'web').specs[0]?.launchTemplateId).toBe(templateId);
    expect(run.templates.map((t) => t.launchTemplateId)).toEqual([templateId]);
  });

  it('plans every template of a mixed-instances group: the main spec and an override with its own template', async () => {
    const main = seedTemplate(account(), 'main-lt', [buildTemplateData(), buildTemplateData()]);
    const gpu = seedTemplate(account(), 'gpu-lt');
    account().addAutoScalingGroup({
      name: 'mixed',
      mixedInstancesPolicy: {
        LaunchTemplate: {
          LaunchTemplateSpecification: { LaunchTemplateId: main.id, Version: '$Latest' },
          Overrides: [
            { InstanceType: 't3.micro' },
            {
              InstanceType: 'g5.xlarge',
              LaunchTemplateSpecification: { LaunchTemplateId: gpu.id, Version: '$Default' },
            },
          ],
        },
      },
    });

    const run = await plan(['mixed']);

    expect(groupRecord(run, 'mixed').specs).toEqual([
      { slot: 'main', launchTemplateId: main.id, reference: '$Latest', version: 2 },
      { slot: 1, launchTemplateId: gpu.id, reference: '$Default', version: 1 },
    ]);
    expect(
      run.templates.map((t) => [t.launchTemplateName, t.sources.map((s) => [s.version, s.action])]),
    ).toEqual([
      ['main-lt', [[2, 'create']]],
      ['gpu-lt', [[1, 'create']]],
    ]);
    expect(account().mutatingCalls()).toEqual([]);
  });

  it('reads each (template, version) once, however many groups use it', async () => {
    const { templateId } = seedGroup(account(), 'web-a');
    for (const name of ['web-b', 'web-c'])
      account().addAutoScalingGroup({ name, launchTemplate: { LaunchTemplateId: templateId, Version: '1' } });

    await plan(['web-a', 'web-b', 'web-c']);

    expect(account().callsOf('DescribeLaunchTemplates')).toHaveLength(1);
    expect(
      account()
        .callsOf('DescribeLaunchTemplateVersions')
        .map((c) => c.input),
    ).toEqual([{ LaunchTemplateId: templateId, Versions: ['1'] }]);
  });

  it('alreadyCurrent: the source and every instance carry today’s script; nothing to create', async () => {
    const { templateId } = seedGroup(account(), 'web', { versions: [buildCurrentTemplateData()] });

    const run = await plan(['web']);

    expect(groupRecord(run, 'web')).toMatchObject({ action: 'alreadyCurrent' });
    expect(templateRecord(run, templateId)).toMatchObject({ changes: false, sources: [], followers: [] });
  });

  it('refreshOnly: the source is current but instances run an older version', async () => {
    const { templateId } = seedGroup(account(), 'web', {
      versions: [buildTemplateData(), buildCurrentTemplateData()],
      defaultVersion: 2,
      group: { instances: [{ version: 1 }, { version: 2 }] },
    });

    const run = await plan(['web']);

    expect(groupRecord(run, 'web')).toMatchObject({
      action: 'refreshOnly',
      reason: expect.stringContaining(`1 of 2 instances run older versions (${templateId}:1)`),
    });
    expect(templateRecord(run, templateId)).toMatchObject({
      changes: false,
      sources: [{ version: 2, action: 'current' }],
      followers: [{ asgName: 'web', reference: '$Default' }],
    });
  });

  it('force: patches a source that is already current', async () => {
    const { templateId } = seedGroup(account(), 'web', { versions: [buildCurrentTemplateData()] });

    const run = await plan(['web'], buildSettings({ force: true }));

    expect(groupRecord(run, 'web')).toMatchObject({
      action: 'patch',
      reason: expect.stringMatching(/^forced/),
    });
    expect(templateRecord(run, templateId)).toMatchObject({
      changes: true,
      sources: [{ version: 1, action: 'create' }],
    });
  });

  it('an AMI from an SSM parameter makes the refresh impossible to roll back (AutoRollback is refused)', async () => {
    seedGroup(account(), 'web', {
      versions: [
        buildTemplateData({
          ImageId: 'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
        }),
      ],
    });

    const run = await plan(['web']);

    expect(groupRecord(run, 'web').rollbackPossible).toBe(false);
  });

  describe('untargeted groups that follow a changing template through $Default/$Latest', () => {
    const seedSharers = () => {
      const { templateId } = seedGroup(account(), 'web');
      account().addAutoScalingGroup({
        name: 'other',
        launchTemplate: { LaunchTemplateId: templateId, Version: '$Latest' },
      });
      account().addAutoScalingGroup({
        name: 'fixed',
        launchTemplate: { LaunchTemplateId: templateId, Version: '1' },
      });
      return templateId;
    };

    it('refuse (the default): the template is left as it is and its groups are refused with UntargetedSharersError', async () => {
      const templateId = seedSharers();

      const run = await plan(['web']);

      expect(groupRecord(run, 'web')).toMatchObject({
        action: 'refused',
        refusal: {
          error: 'UntargetedSharersError',
          message: expect.stringContaining('other (not targeted, on $Latest)'),
        },
      });
      // A group on a number launches the same whatever the template gains: no conflict.
      expect(groupRecord(run, 'web').refusal?.message).not.toContain('fixed');
      expect(templateRecord(run, templateId)).toMatchObject({
        changes: false,
        refusal: { error: 'UntargetedSharersError' },
      });
      expect(templateRecord(run, templateId).users).toEqual(['fixed', 'other', 'web']);
      expect(account().mutatingCalls()).toEqual([]);
    });

    it('include: the follower joins the run as a target', async () => {
      seedSharers();

      const run = await plan(['web'], buildSettings({ untargetedSharers: 'include' }));

      expect(run.groups.map((g) => [g.asgName, g.action])).toEqual([
        ['web', 'patch'],
        ['other', 'patch'],
      ]);
    });

    it('accept: the follower stays out and is listed as accepted', async () => {
      const templateId = seedSharers();

      const run = await plan(['web'], buildSettings({ untargetedSharers: 'accept' }));

      expect(groupRecord(run, 'web').action).toBe('patch');
      expect(templateRecord(run, templateId)).toMatchObject({ changes: true, acceptedSharers: ['other'] });
    });
  });

  describe('pre-flight: each refusal recorded with its named error, no mutating call', () => {
    const refusalOf = async (asgName: string) => {
      const run = await plan([asgName]);
      expect(account().mutatingCalls()).toEqual([]);
      const record = groupRecord(run, asgName);
      expect(record.action).toBe('refused');
      return record.refusal;
    };

    it('AsgNotFoundError for a group that does not exist, beside one that does (none at all: NoTargetsFoundError)', async () => {
      seedGroup(account(), 'web');
      const run = await plan(['gone', 'web']);
      expect(groupRecord(run, 'web').action).toBe('patch');
      expect(groupRecord(run, 'gone').refusal).toMatchObject({
        error: 'AsgNotFoundError',
        message: expect.stringContaining('gone'),
      });
      await expect(plan(['gone'])).rejects.toThrow(NoTargetsFoundError);
      expect(account().mutatingCalls()).toEqual([]);
    });

    it('LaunchConfigurationNotSupportedError for a launch-configuration group', async () => {
      account().addAutoScalingGroup({ name: 'legacy', launchConfigurationName: 'legacy-lc' });
      expect(await refusalOf('legacy')).toMatchObject({ error: 'LaunchConfigurationNotSupportedError' });
    });

    it('InstanceRefreshSuspendedError when the InstanceRefresh process is suspended (others do not block)', async () => {
      seedGroup(account(), 'web', { group: { suspendedProcesses: ['InstanceRefresh'] } });
      seedGroup(account(), 'api', { group: { suspendedProcesses: ['AZRebalance'] } });
      expect(await refusalOf('web')).toMatchObject({ error: 'InstanceRefreshSuspendedError' });
      expect(groupRecord(await plan(['api']), 'api').action).toBe('patch');
    });

    it('RefreshAlreadyActiveError when someone else’s refresh is active (a finished one does not block)', async () => {
      seedGroup(account(), 'web');
      seedGroup(account(), 'api');
      account().addInstanceRefresh('web', 'stuck');
      account().addInstanceRefresh('api', ['Successful']);
      expect(await refusalOf('web')).toMatchObject({ error: 'RefreshAlreadyActiveError' });
      expect(groupRecord(await plan(['api']), 'api').action).toBe('patch');
    });

    it('LaunchTemplateNotFoundError when the template the group names does not exist', async () => {
      account().addAutoScalingGroup({
        name: 'orphan',
        launchTemplate: { LaunchTemplateName: 'deleted-lt', Version: '$Default' },
        desiredCapacity: 0,
      });
      expect(await refusalOf('orphan')).toMatchObject({
        error: 'LaunchTemplateNotFoundError',
        message: expect.stringContaining('deleted-lt'),
      });
    });

    it('LaunchTemplateNotFoundError when the version the group names does not exist', async () => {
      seedGroup(account(), 'web', { reference: '9', group: { desiredCapacity: 0 } });
      expect(await refusalOf('web')).toMatchObject({
        error: 'LaunchTemplateNotFoundError',
        message: expect.stringContaining(':9'),
      });
    });

    it('WindowsUserDataError for <powershell> user data', async () => {
      seedGroup(account(), 'win', {
        versions: [
          buildTemplateData({
            UserData: b64('<powershell>\nInstall-WindowsFeature Web-Server\n</powershell>\n'),
          }),
        ],
      });
      expect(await refusalOf('win')).toMatchObject({ error: 'WindowsUserDataError' });
    });

    it('UnsupportedUserDataError for binary user data that is neither gzip nor text', async () => {
      const binary = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x81, 0x9f, 0xc3, 0x28, 0xa0, 0xa1]).toString(
        'base64',
      );
      seedGroup(account(), 'bin', { versions: [buildTemplateData({ UserData: binary })] });
      expect(await refusalOf('bin')).toMatchObject({ error: 'UnsupportedUserDataError' });
    });

    it('UserDataTooLargeError when the composed user data would pass 16 KB even gzipped', async () => {
      // Hex of hashes barely compresses: 40 KB of it stays over 16 KB after gzip.
      const noise = Array.from({ length: 640 }, (_, i) =>
        createHash('sha256').update(String(i)).digest('hex'),
      ).join('\n');
      seedGroup(account(), 'big', {
        versions: [buildTemplateData({ UserData: b64(`#!/bin/bash\n: <<'EOF'\n${noise}\nEOF\n`) })],
      });
      expect(await refusalOf('big')).toMatchObject({ error: 'UserDataTooLargeError' });
    });
  });

  it('a throttled describe is not mistaken for a missing template: it propagates for the Retry', async () => {
    seedGroup(account(), 'web');
    // Every attempt the SDK's own retry makes.
    account().failNext('DescribeLaunchTemplates', 'RequestLimitExceeded', CLIENT_CONFIG.maxAttempts);

    await expect(plan(['web'])).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
    expect(account().mutatingCalls()).toEqual([]);
  });
});

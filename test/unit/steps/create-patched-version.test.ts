import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  TemplateNotPreparedError,
  UnsupportedUserDataError,
  UserDataTooLargeError,
  WindowsUserDataError,
} from '../../../src/errors.ts';
import { createPatchedVersion } from '../../../src/steps/create-patched-version.ts';
import { clientToken, versionDescription } from '../../../src/steps/lib/run-versions.ts';
import { composeUserData } from '../../../src/userdata/compose.ts';
import {
  APP_USER_DATA,
  b64,
  buildSettings,
  buildTemplateData,
  buildTemplateRecord,
  deps,
  inputsOf,
  seedGroup,
  templateOf,
  useFakeAccount,
  versionsOf,
} from '../../support/builders.ts';
import { pinAll, plan, templateRecord } from '../../support/stages.ts';

const PATCH = { updates: 'security', timeSync: true } as const;

describe('createPatchedVersion', () => {
  const account = useFakeAccount();
  const settings = buildSettings();

  /** Plan and pin `names`, then the record of their template. */
  const preparedTemplate = async (names: string[], templateId: string) =>
    templateRecord(await pinAll(await plan(names, settings)), templateId);

  it('creates one version from the source number, sending only UserData: it inherits everything else', async () => {
    // Prepare
    const { templateId } = seedGroup(account(), 'web', {
      versions: [buildTemplateData(), buildTemplateData({ ImageId: 'ami-0fedcba9876543210' })],
    });
    const template = await preparedTemplate(['web'], templateId);

    // Act
    const created = await createPatchedVersion({ template, settings }, deps);

    // Assess
    expect(created).toEqual([{ sourceVersion: 1, newVersion: 3 }]);
    expect(
      account()
        .callsOf('CreateLaunchTemplateVersion')
        .map((c) => c.input),
    ).toEqual([
      {
        LaunchTemplateId: templateId,
        SourceVersion: '1',
        VersionDescription: 'asg-patcher run run-0001 (from version 1)',
        LaunchTemplateData: { UserData: composeUserData(b64(APP_USER_DATA), PATCH).base64 },
        ClientToken: clientToken('run-0001', templateId, 1),
      },
    ]);
    const { UserData: oldUserData, ...inherited } = account().versionData(templateId, 1) ?? {};
    const { UserData: newUserData, ...copied } = account().versionData(templateId, 3) ?? {};
    expect(copied).toEqual(inherited);
    expect(newUserData).not.toEqual(oldUserData);
    // Nothing else changed: the default and the group stay where they were.
    expect(templateOf(account(), templateId).defaultVersion).toBe(1);
  });

  it('sends the block device mappings again when the source names a snapshot (AWS drops inherited snapshots)', async () => {
    const mappings = [
      {
        DeviceName: '/dev/xvda',
        Ebs: {
          SnapshotId: 'snap-0123456789abcdef0',
          VolumeSize: 30,
          VolumeType: 'gp3',
          DeleteOnTermination: true,
        },
      },
      { DeviceName: '/dev/xvdb', Ebs: { VolumeSize: 100, VolumeType: 'gp3' } },
    ];
    const { templateId } = seedGroup(account(), 'web', {
      versions: [buildTemplateData({ BlockDeviceMappings: mappings })],
    });
    const template = await preparedTemplate(['web'], templateId);

    await createPatchedVersion({ template, settings }, deps);

    const [input] = inputsOf(account(), 'CreateLaunchTemplateVersion');
    expect(input?.LaunchTemplateData).toEqual({
      UserData: expect.any(String),
      BlockDeviceMappings: mappings,
    });
    expect(account().versionData(templateId, 2)?.BlockDeviceMappings).toEqual(mappings);
  });

  it('sends no block device mappings without a snapshot, and AWS copies them', async () => {
    const mappings = [
      { DeviceName: '/dev/xvda', Ebs: { VolumeSize: 30, VolumeType: 'gp3', Encrypted: true } },
    ];
    const { templateId } = seedGroup(account(), 'web', {
      versions: [buildTemplateData({ BlockDeviceMappings: mappings })],
    });
    const template = await preparedTemplate(['web'], templateId);

    await createPatchedVersion({ template, settings }, deps);

    const [input] = inputsOf(account(), 'CreateLaunchTemplateVersion');
    expect(input?.LaunchTemplateData).not.toHaveProperty('BlockDeviceMappings');
    expect(account().versionData(templateId, 2)?.BlockDeviceMappings).toEqual(mappings);
  });

  it('a retry after a lost answer gets the same version back (ClientToken), not a second one', async () => {
    const { templateId } = seedGroup(account(), 'web');
    const template = await preparedTemplate(['web'], templateId);
    await createPatchedVersion({ template, settings }, deps);

    const again = await createPatchedVersion({ template, settings }, deps);

    expect(again).toEqual([{ sourceVersion: 1, newVersion: 2 }]);
    expect(versionsOf(account(), templateId)).toEqual([1, 2]);
  });

  it('one version per source, the latest source last, so a $Latest group’s patched version is the latest', async () => {
    const { templateId } = seedGroup(account(), 'web', {
      versions: [buildTemplateData(), buildTemplateData(), buildTemplateData()],
      reference: '$Latest',
    });
    account().addAutoScalingGroup({
      name: 'api',
      launchTemplate: { LaunchTemplateId: templateId, Version: '$Default' },
    });
    account().addAutoScalingGroup({
      name: 'batch',
      launchTemplate: { LaunchTemplateId: templateId, Version: '2' },
    });
    const template = await preparedTemplate(['web', 'api', 'batch'], templateId);

    const created = await createPatchedVersion({ template, settings }, deps);

    expect(created).toEqual([
      { sourceVersion: 1, newVersion: 4 },
      { sourceVersion: 2, newVersion: 5 },
      { sourceVersion: 3, newVersion: 6 },
    ]);
    expect(
      templateOf(account(), templateId)
        .versions.slice(3)
        .map((v) => v.description),
    ).toEqual([1, 2, 3].map((n) => versionDescription('run-0001', n)));
  });

  it('a source without user data gets our script alone', async () => {
    const { templateId } = seedGroup(account(), 'web', { versions: [{ ImageId: 'ami-00000000000000001' }] });
    const template = await preparedTemplate(['web'], templateId);

    await createPatchedVersion({ template, settings }, deps);

    expect(account().versionData(templateId, 2)).toEqual({
      ImageId: 'ami-00000000000000001',
      UserData: composeUserData(undefined, PATCH).base64,
    });
  });

  describe('named errors, before any version is created', () => {
    it('TemplateNotPreparedError when a $Default/$Latest follower was not pinned', async () => {
      const { templateId } = seedGroup(account(), 'web');
      const template = templateRecord(await plan(['web'], settings), templateId);

      const error = await createPatchedVersion({ template, settings }, deps).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(TemplateNotPreparedError);
      expect((error as Error).message).toContain('web still follow $Default/$Latest');
      expect(versionsOf(account(), templateId)).toEqual([1]);
      expect(account().mutatingCalls()).toEqual([]);
    });

    it('TemplateNotPreparedError when a source version no longer exists', async () => {
      const { templateId } = seedGroup(account(), 'web', { reference: '1' });
      const template = buildTemplateRecord({
        launchTemplateId: templateId,
        sources: [{ version: 7, action: 'create', summary: '' }],
        followers: [{ asgName: 'web', reference: '1' }],
      });

      await expect(createPatchedVersion({ template, settings }, deps)).rejects.toThrow(
        /version 7 no longer exists/,
      );
      expect(account().mutatingCalls()).toEqual([]);
    });

    // The plan refuses such sources; composing again here keeps a bad one from being created anyway.
    const noise = Array.from({ length: 640 }, (_, i) =>
      createHash('sha256').update(String(i)).digest('hex'),
    ).join('\n');
    it.each([
      [
        'WindowsUserDataError',
        WindowsUserDataError,
        b64('<powershell>\nInstall-WindowsFeature Web-Server\n</powershell>\n'),
      ],
      [
        'UnsupportedUserDataError',
        UnsupportedUserDataError,
        Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x81, 0x9f, 0xc3, 0x28]).toString('base64'),
      ],
      ['UserDataTooLargeError', UserDataTooLargeError, b64(`#!/bin/bash\n: <<'EOF'\n${noise}\nEOF\n`)],
    ])('%s for one source: no version of any source is created', async (_name, ErrorClass, userData) => {
      const { templateId } = seedGroup(account(), 'web', {
        versions: [buildTemplateData(), buildTemplateData({ UserData: userData })],
        reference: '1',
      });
      const template = buildTemplateRecord({
        launchTemplateId: templateId,
        latestVersion: 2,
        sources: [
          { version: 1, action: 'create', summary: '' },
          { version: 2, action: 'create', summary: '' },
        ],
        followers: [{ asgName: 'web', reference: '1' }],
      });

      await expect(createPatchedVersion({ template, settings }, deps)).rejects.toThrow(ErrorClass);
      expect(versionsOf(account(), templateId)).toEqual([1, 2]);
      expect(account().mutatingCalls()).toEqual([]);
    });
  });
});

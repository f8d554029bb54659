import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  UnsupportedUserDataError,
  UserDataTooLargeError,
  WindowsUserDataError,
} from '../../../src/errors.ts';
import { createPatchedVersion, versionDescription } from '../../../src/steps/create-patched-version.ts';
import { lookupLaunchTemplate } from '../../../src/steps/lookup-launch-template.ts';
import { composeUserData } from '../../../src/userdata/compose.ts';
import {
  base64,
  buildVersionData,
  CUSTOMER_SCRIPT,
  deps,
  PATCH,
  seedGroup,
  template,
  useFakeAccount,
  versionNumbers,
} from './support/fixtures.ts';

describe('createPatchedVersion', () => {
  const account = useFakeAccount();
  const flags = { runId: 'run-0001', dryRun: false, force: false, patch: PATCH };

  it('creates a version from the resolved one that inherits everything but UserData (SourceVersion)', async () => {
    // Prepare: the group is on version 1 while default is 2 and latest 3, so the source must be 1
    const { templateId } = seedGroup(account(), { version: '1' });
    const target = await lookupLaunchTemplate({ asgName: 'web' }, deps);
    const source = account().versionData(templateId, 1);

    // Act
    const output = await createPatchedVersion({ target, ...flags }, deps);

    // Assess: version 4 exists with the source's fields and the composed user data
    const composed = composeUserData(base64(CUSTOMER_SCRIPT), PATCH);
    expect(output).toEqual({
      outcome: 'created',
      newVersion: 4,
      userDataBytesBefore: composed.bytesBefore,
      userDataBytesAfter: composed.bytesAfter,
      summary: expect.stringContaining('created version 4 of web-lt from version 1'),
    });
    const created = account().versionData(templateId, 4);
    expect(created).toEqual({ ...source, UserData: composed.base64 });
    expect(created).toMatchObject({
      ImageId: 'ami-00000000000000001',
      NetworkInterfaces: source?.NetworkInterfaces,
      BlockDeviceMappings: source?.BlockDeviceMappings,
      TagSpecifications: source?.TagSpecifications,
    });
    // Nothing else moved: the default stays, no group changed
    expect(template(account(), templateId)).toMatchObject({ defaultVersion: 2, latestVersion: 4 });
    expect(
      account()
        .mutatingCalls()
        .map((call) => call.command),
    ).toEqual(['CreateLaunchTemplateVersion']);
  });

  it('sends only UserData, the numbered SourceVersion and a description naming the tool and run', async () => {
    const { templateId } = seedGroup(account(), { version: '$Latest' });
    const target = await lookupLaunchTemplate({ asgName: 'web' }, deps);

    await createPatchedVersion({ target, ...flags }, deps);

    const [call] = account().callsOf('CreateLaunchTemplateVersion');
    expect(call?.input).toEqual({
      LaunchTemplateId: templateId,
      SourceVersion: '3',
      VersionDescription: 'asg-patcher run run-0001 (from version 3)',
      LaunchTemplateData: { UserData: composeUserData(base64(CUSTOMER_SCRIPT), PATCH).base64 },
      ClientToken: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(template(account(), templateId).versions.at(-1)?.description).toBe(
      'asg-patcher run run-0001 (from version 3)',
    );
  });

  it('keeps the description within EC2s 255 characters for a long run id', () => {
    const description = versionDescription('x'.repeat(300), 12);
    expect(description).toHaveLength(255);
    expect(description.startsWith('asg-patcher run xxx')).toBe(true);
  });

  it('already current: creates nothing when the source already carries what we compose', async () => {
    const current = composeUserData(base64(CUSTOMER_SCRIPT), PATCH).base64;
    const { templateId } = seedGroup(account(), {
      version: '$Default',
      versions: [buildVersionData(), buildVersionData({ UserData: current })],
    });
    const target = await lookupLaunchTemplate({ asgName: 'web' }, deps);

    const output = await createPatchedVersion({ target, ...flags }, deps);

    expect(output.outcome).toBe('alreadyCurrent');
    expect(output).not.toHaveProperty('newVersion');
    expect(versionNumbers(account(), templateId)).toEqual([1, 2]);
    expect(account().mutatingCalls()).toEqual([]);
  });

  it('force: creates a version even when already current', async () => {
    const current = composeUserData(base64(CUSTOMER_SCRIPT), PATCH).base64;
    const { templateId } = seedGroup(account(), {
      version: '$Default',
      versions: [buildVersionData(), buildVersionData({ UserData: current })],
    });
    const target = await lookupLaunchTemplate({ asgName: 'web' }, deps);

    const output = await createPatchedVersion({ target, ...flags, force: true }, deps);

    expect(output).toMatchObject({ outcome: 'created', newVersion: 3 });
    expect(versionNumbers(account(), templateId)).toEqual([1, 2, 3]);
    expect(account().versionData(templateId, 3)?.UserData).toBe(current);
  });

  it('dry run: reports the sizes of what it would create and creates nothing', async () => {
    const { templateId } = seedGroup(account());
    const target = await lookupLaunchTemplate({ asgName: 'web' }, deps);
    const composed = composeUserData(account().versionData(templateId, 2)?.UserData as string, PATCH);

    const output = await createPatchedVersion({ target, ...flags, dryRun: true }, deps);

    expect(output).toEqual({
      outcome: 'dryRun',
      userDataBytesBefore: Buffer.byteLength(CUSTOMER_SCRIPT),
      userDataBytesAfter: composed.bytesAfter,
      summary: expect.stringContaining('dry run: would create a version of web-lt from version 2'),
    });
    expect(versionNumbers(account(), templateId)).toEqual([1, 2, 3]);
    expect(account().mutatingCalls()).toEqual([]);
  });

  it('a version without user data gets ours alone', async () => {
    const { templateId } = seedGroup(account(), {
      versions: [{ ImageId: 'ami-00000000000000001' }],
      version: '1',
    });
    const target = await lookupLaunchTemplate({ asgName: 'web' }, deps);

    const output = await createPatchedVersion({ target, ...flags }, deps);

    expect(output).toMatchObject({ outcome: 'created', newVersion: 2, userDataBytesBefore: 0 });
    expect(account().versionData(templateId, 2)).toEqual({
      ImageId: 'ami-00000000000000001',
      UserData: composeUserData(undefined, PATCH).base64,
    });
  });

  describe('named errors from composing, before any mutating call', () => {
    it('WindowsUserDataError for <powershell> user data', async () => {
      const { templateId } = seedGroup(account(), {
        versions: [
          buildVersionData({
            UserData: base64('<powershell>\nInstall-WindowsFeature Web-Server\n</powershell>\n'),
          }),
        ],
        version: '1',
      });
      const target = await lookupLaunchTemplate({ asgName: 'web' }, deps);

      await expect(createPatchedVersion({ target, ...flags }, deps)).rejects.toThrow(WindowsUserDataError);
      expect(versionNumbers(account(), templateId)).toEqual([1]);
      expect(account().mutatingCalls()).toEqual([]);
    });

    it('UnsupportedUserDataError for binary user data that is neither gzip nor text', async () => {
      const binary = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x81, 0x9f, 0xc3, 0x28, 0xa0, 0xa1]).toString(
        'base64',
      );
      const { templateId } = seedGroup(account(), {
        versions: [buildVersionData({ UserData: binary })],
        version: '1',
      });
      const target = await lookupLaunchTemplate({ asgName: 'web' }, deps);

      await expect(createPatchedVersion({ target, ...flags }, deps)).rejects.toThrow(
        UnsupportedUserDataError,
      );
      expect(versionNumbers(account(), templateId)).toEqual([1]);
      expect(account().mutatingCalls()).toEqual([]);
    });

    it('UserDataTooLargeError when the result would pass 16 KB even gzipped', async () => {
      // Hex of hashes barely compresses: 40 KB of it stays over 16 KB after gzip.
      const noise = Array.from({ length: 640 }, (_, index) =>
        createHash('sha256').update(String(index)).digest('hex'),
      ).join('\n');
      const { templateId } = seedGroup(account(), {
        versions: [buildVersionData({ UserData: base64(`#!/bin/bash\n: <<'EOF'\n${noise}\nEOF\n`) })],
        version: '1',
      });
      const target = await lookupLaunchTemplate({ asgName: 'web' }, deps);

      await expect(createPatchedVersion({ target, ...flags }, deps)).rejects.toThrow(UserDataTooLargeError);
      expect(versionNumbers(account(), templateId)).toEqual([1]);
      expect(account().mutatingCalls()).toEqual([]);
    });
  });
});

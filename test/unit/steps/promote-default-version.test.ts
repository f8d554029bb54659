import { ModifyLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { promoteDefaultVersion } from '../../../src/steps/promote-default-version.ts';
import {
  buildTemplateData,
  buildTemplateRecord,
  deps,
  inputsOf,
  seedGroup,
  templateOf,
  useFakeAccount,
} from '../../support/builders.ts';
import { refreshed, templateRecord } from '../../support/stages.ts';

describe('promoteDefaultVersion', () => {
  const account = useFakeAccount();

  /** `web` on `$Default` (and `api` following the same template as given), refreshed by the run. */
  async function settleReady(
    options: {
      web?: 'succeed' | 'fail' | 'rollback';
      api?: { reference: string; refresh: 'succeed' | 'fail' };
    } = {},
  ) {
    const { templateId } = seedGroup(account(), 'web', {
      versions: [buildTemplateData(), buildTemplateData()],
      group: { refresh: options.web ?? 'succeed' },
    });
    const names = ['web'];
    if (options.api) {
      account().addAutoScalingGroup({
        name: 'api',
        launchTemplate: { LaunchTemplateId: templateId, Version: options.api.reference },
        refresh: options.api.refresh,
      });
      names.push('api');
    }
    const run = await refreshed(names);
    return { templateId, template: templateRecord(run, templateId) };
  }

  it('moves the default to the patched version of its own source once a refresh onto it ended Successful', async () => {
    // Prepare
    const { templateId, template } = await settleReady();
    expect(template.created).toEqual([{ sourceVersion: 1, newVersion: 3 }]);

    // Act
    const result = await promoteDefaultVersion({ template }, deps);

    // Assess
    expect(result).toEqual({ defaultVersion: 3, moved: true });
    expect(inputsOf(account(), 'ModifyLaunchTemplate')).toEqual([
      // The SDK fills in ModifyLaunchTemplate's idempotency token itself.
      { LaunchTemplateId: templateId, DefaultVersion: '3', ClientToken: expect.any(String) },
    ]);
    expect(templateOf(account(), templateId).defaultVersion).toBe(3);
  });

  it('a retry after a lost answer finds the default moved and sends nothing', async () => {
    const { template } = await settleReady();
    await promoteDefaultVersion({ template }, deps);

    const again = await promoteDefaultVersion({ template }, deps);

    expect(again).toEqual({ defaultVersion: 3, moved: true });
    expect(account().callsOf('ModifyLaunchTemplate')).toHaveLength(1);
  });

  it('stays, with a note, when the refresh of a $Default follower onto the version failed', async () => {
    const { templateId, template } = await settleReady({ web: 'rollback' });

    const result = await promoteDefaultVersion({ template }, deps);

    expect(result).toEqual({
      defaultVersion: 1,
      moved: false,
      note: 'default stays 1: version 3 did not refresh successfully on web, which follow $Default',
    });
    expect(account().callsOf('ModifyLaunchTemplate')).toEqual([]);
    expect(templateOf(account(), templateId).defaultVersion).toBe(1);
  });

  it('stays when it failed on a $Default follower even though it succeeded on a numbered one', async () => {
    const { template } = await settleReady({ web: 'fail', api: { reference: '1', refresh: 'succeed' } });

    const result = await promoteDefaultVersion({ template }, deps);

    expect(result).toMatchObject({
      moved: false,
      note: expect.stringContaining('on web, which follow $Default'),
    });
    expect(account().callsOf('ModifyLaunchTemplate')).toEqual([]);
  });

  it('moves when the only failure is on a group pinned to a number: no $Default follower launches it', async () => {
    const { template } = await settleReady({ api: { reference: '1', refresh: 'fail' } });

    expect(await promoteDefaultVersion({ template }, deps)).toEqual({ defaultVersion: 3, moved: true });
  });

  it('never makes a version from another source the default', async () => {
    // The default is 2; the only group is on 1, so the run patched 1.
    const { templateId } = seedGroup(account(), 'web', {
      versions: [buildTemplateData(), buildTemplateData()],
      defaultVersion: 2,
      reference: '1',
    });
    const template = templateRecord(await refreshed(['web']), templateId);
    expect(template.created).toEqual([{ sourceVersion: 1, newVersion: 3 }]);

    const result = await promoteDefaultVersion({ template }, deps);

    expect(result).toEqual({ defaultVersion: 2, moved: false });
    expect(account().callsOf('ModifyLaunchTemplate')).toEqual([]);
  });

  it('stays, with a note, when no refresh onto the version succeeded (none was started)', async () => {
    const { template } = await settleReady();
    // As if every follower's refresh had failed to start: the version exists, nothing proved it.
    const unproven = { ...template, followers: [] };

    const result = await promoteDefaultVersion({ template: unproven }, deps);

    expect(result).toEqual({
      defaultVersion: 1,
      moved: false,
      note: 'default stays 1: no refresh onto version 3 succeeded',
    });
    expect(account().callsOf('ModifyLaunchTemplate')).toEqual([]);
  });

  it('stays, with a note, when someone changed the default during the run', async () => {
    const { templateId, template } = await settleReady();
    await deps.ec2.send(
      new ModifyLaunchTemplateCommand({ LaunchTemplateId: templateId, DefaultVersion: '2' }),
    );

    const result = await promoteDefaultVersion({ template }, deps);

    expect(result).toEqual({
      defaultVersion: 2,
      moved: false,
      note: 'default stays 2: it was changed to 2 during the run, so version 3 was not made the default',
    });
    expect(templateOf(account(), templateId).defaultVersion).toBe(2);
  });

  it('a template that no longer exists stays as it is, with a note', async () => {
    const template = buildTemplateRecord({
      launchTemplateId: 'lt-0000000000000abcd',
      created: [{ sourceVersion: 1, newVersion: 2 }],
    });

    expect(await promoteDefaultVersion({ template }, deps)).toEqual({
      defaultVersion: 1,
      moved: false,
      note: 'launch template lt-0000000000000abcd no longer exists',
    });
    expect(account().mutatingCalls()).toEqual([]);
  });
});

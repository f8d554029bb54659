import { DescribeInstanceRefreshesCommand } from '@aws-sdk/client-auto-scaling';
import { ModifyLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { RestoreAutoScalingGroupInput } from '../../../src/schemas.ts';
import { restoreAutoScalingGroup } from '../../../src/steps/restore-auto-scaling-group.ts';
import {
  buildSettings,
  deps,
  groupSpec,
  seedGroup,
  template,
  useFakeAccount,
  versionNumbers,
} from './support/fixtures.ts';
import { pollToEnd, prepareGroup, prepareRefresh } from './support/prepare.ts';
import { runGroup } from './support/run-group.ts';

const lambdaError = (name: string, message: string) => ({
  Error: name,
  Cause: JSON.stringify({ errorType: name, errorMessage: message, trace: [] }),
});

describe('restoreAutoScalingGroup', () => {
  const account = useFakeAccount();

  it('pinned $Default group: back on $Default, the unproven version deleted, the default untouched', async () => {
    // Prepare: lookup, create (version 4), pin to 2, then a refresh that failed
    const prepared = await prepareRefresh(account(), { version: '$Default', refresh: 'fail' });
    const { target, newVersion, pinned, templateId } = prepared;
    expect(await pollToEnd(prepared)).toBe('InstanceRefreshFailedError');
    expect(groupSpec(account(), 'web')).toMatchObject({ Version: '2' });

    // Act
    const result = await restoreAutoScalingGroup(
      {
        asgName: 'web',
        stage: 'PollInstanceRefresh',
        error: lambdaError('InstanceRefreshFailedError', 'Instance refresh x of web ended Failed'),
        target,
        newVersion,
        pinned,
      },
      deps,
    );

    // Assess: the account is as it was before the run
    expect(result).toEqual({
      asgName: 'web',
      status: 'failed',
      stage: 'PollInstanceRefresh',
      error: 'InstanceRefreshFailedError',
      cause: 'Instance refresh x of web ended Failed',
      launchTemplateId: templateId,
      oldVersion: 2,
      newVersion: 4,
      finishedAt: expect.any(String),
      note: 'group put back on $Default; version 4 deleted',
    });
    expect(groupSpec(account(), 'web')).toMatchObject({ LaunchTemplateId: templateId, Version: '$Default' });
    expect(template(account(), templateId)).toMatchObject({ defaultVersion: 2, latestVersion: 3 });
    expect(versionNumbers(account(), templateId)).toEqual([1, 2, 3]);
    expect(account().callsOf('ModifyLaunchTemplate')).toEqual([]);
  });

  it('nothing to undo when LookupLaunchTemplate failed: no AWS call at all', async () => {
    seedGroup(account());
    const input: RestoreAutoScalingGroupInput = {
      asgName: 'gone',
      stage: 'LookupLaunchTemplate',
      error: lambdaError('AsgNotFoundError', 'Auto Scaling group gone was not found'),
    };

    const result = await restoreAutoScalingGroup(input, deps);

    expect(result).toEqual({
      asgName: 'gone',
      status: 'failed',
      stage: 'LookupLaunchTemplate',
      error: 'AsgNotFoundError',
      cause: 'Auto Scaling group gone was not found',
      finishedAt: expect.any(String),
    });
    expect(account().calls).toEqual([]);
  });

  it('CreatePatchedVersion failed: nothing was changed, so no AWS call', async () => {
    const { target } = await prepareGroup(account(), { version: '$Default' });
    const callsBefore = account().calls.length;

    const result = await restoreAutoScalingGroup(
      {
        asgName: 'web',
        stage: 'CreatePatchedVersion',
        error: lambdaError('WindowsUserDataError', 'Windows'),
        target,
      },
      deps,
    );

    expect(result).toMatchObject({
      status: 'failed',
      stage: 'CreatePatchedVersion',
      cause: 'Windows',
      oldVersion: 2,
    });
    expect(result).not.toHaveProperty('note');
    expect(account().calls).toHaveLength(callsBefore);
  });

  it('never deletes a version the group still refers to (another refresh holds the group)', async () => {
    const { target, newVersion, pinned, templateId } = await prepareRefresh(account(), {
      version: '1',
      refresh: ['Successful'],
    });
    await deps.autoScaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'web' }));
    account().addInstanceRefresh('web', 'stuck');

    const result = await restoreAutoScalingGroup(
      {
        asgName: 'web',
        stage: 'PromoteDefaultVersion',
        error: { Error: 'Throttling' },
        target,
        newVersion,
        pinned,
      },
      deps,
    );

    expect(result.note).toMatch(
      /^group left on version 4 \(what it ran after the refresh\) while .*; version 4 kept: the group still refers to it$/,
    );
    expect(groupSpec(account(), 'web')).toMatchObject({ Version: '4' });
    expect(versionNumbers(account(), templateId)).toEqual([1, 2, 3, 4]);
    expect(account().callsOf('UpdateAutoScalingGroup')).toEqual([]);
    expect(account().callsOf('DeleteLaunchTemplateVersions')).toEqual([]);
  });

  it('numbered group, pin skipped: leaves the group, deletes the version created', async () => {
    const { target, newVersion, pinned, templateId } = await prepareGroup(account(), { version: '1' });

    const result = await restoreAutoScalingGroup(
      {
        asgName: 'web',
        stage: 'StartInstanceRefresh',
        error: { Error: 'States.Timeout' },
        target,
        newVersion,
        pinned,
      },
      deps,
    );

    expect(result).toMatchObject({ status: 'failed', error: 'States.Timeout', note: 'version 4 deleted' });
    expect(result).not.toHaveProperty('cause');
    expect(groupSpec(account(), 'web')).toMatchObject({ Version: '1' });
    expect(versionNumbers(account(), templateId)).toEqual([1, 2, 3]);
    expect(account().callsOf('UpdateAutoScalingGroup')).toEqual([]);
  });

  it('refresh succeeded but promotion failed: the group leaves the new version before it is deleted', async () => {
    // Prepare: a numbered group whose refresh succeeded, so AWS saved version 4 on it
    const { target, newVersion, pinned, templateId } = await prepareRefresh(account(), {
      version: '1',
      refresh: ['Successful'],
    });
    // AWS saves the desired configuration once it reports Successful
    await deps.autoScaling.send(
      new DescribeInstanceRefreshesCommand({
        AutoScalingGroupName: 'web',
      }),
    );
    expect(groupSpec(account(), 'web')).toMatchObject({ Version: '4' });

    const result = await restoreAutoScalingGroup(
      {
        asgName: 'web',
        stage: 'PromoteDefaultVersion',
        error: { Error: 'Throttling', Cause: 'Rate exceeded' },
        target,
        newVersion,
        pinned,
      },
      deps,
    );

    expect(result).toMatchObject({ cause: 'Rate exceeded', note: 'group put back on 1; version 4 deleted' });
    expect(groupSpec(account(), 'web')).toMatchObject({ Version: '1' });
    expect(versionNumbers(account(), templateId)).toEqual([1, 2, 3]);
  });

  it('keeps the new version when it already is the default (AWS cannot delete a default)', async () => {
    const { target, newVersion, pinned, templateId } = await prepareGroup(account(), { version: '$Latest' });
    await deps.ec2.send(
      new ModifyLaunchTemplateCommand({
        LaunchTemplateId: templateId,
        DefaultVersion: '4',
      }),
    );

    const result = await restoreAutoScalingGroup(
      {
        asgName: 'web',
        stage: 'PromoteDefaultVersion',
        error: { Error: 'Throttling' },
        target,
        newVersion,
        pinned,
      },
      deps,
    );

    expect(result.note).toBe(
      'group put back on $Latest; version 4 kept: it is already the default (its refresh succeeded before the failure)',
    );
    expect(versionNumbers(account(), templateId)).toEqual([1, 2, 3, 4]);
    expect(account().callsOf('DeleteLaunchTemplateVersions')).toEqual([]);
  });

  it('notes a group that no longer exists instead of failing', async () => {
    const { target, newVersion, templateId } = await prepareGroup(account(), { version: '2' });

    const result = await restoreAutoScalingGroup(
      {
        asgName: 'web',
        stage: 'StartInstanceRefresh',
        error: { Error: 'X' },
        target: { ...target, asgName: 'deleted' },
        newVersion,
        pinned: true,
      },
      deps,
    );

    expect(result.note).toBe('the group no longer exists; version 4 deleted');
    expect(versionNumbers(account(), templateId)).toEqual([1, 2, 3]);
  });

  describe('whole run of one group, in state-machine order', () => {
    it.each([
      ['$Default', 'fail'],
      ['$Latest', 'fail'],
      ['$Default', 'rollback'],
      ['$Latest', 'rollback'],
    ] as const)('%s group, refresh script %s: restored, never promoted', async (version, refresh) => {
      const { templateId } = seedGroup(account(), { version, refresh });
      const before = template(account(), templateId);

      const result = await runGroup('web', buildSettings(), deps);

      expect(result).toMatchObject({
        status: 'failed',
        stage: 'PollInstanceRefresh',
        error: 'InstanceRefreshFailedError',
      });
      expect(groupSpec(account(), 'web')).toMatchObject({ Version: version });
      expect(template(account(), templateId)).toEqual(before);
      expect(account().callsOf('ModifyLaunchTemplate')).toEqual([]);
    });

    it('$Default group whose refresh times out: rollback started, group left pinned while it runs, version deleted', async () => {
      const { templateId } = seedGroup(account(), { version: '$Default', refresh: 'stuck' });

      const result = await runGroup('web', buildSettings({ maxPolls: 3 }), deps);

      expect(result).toMatchObject({
        status: 'failed',
        stage: 'PollInstanceRefresh',
        error: 'RefreshTimedOutError',
      });
      expect(account().callsOf('RollbackInstanceRefresh')).toHaveLength(1);
      const polls = account()
        .callsOf('DescribeInstanceRefreshes')
        .filter((call) => 'InstanceRefreshIds' in (call.input as object));
      expect(polls).toHaveLength(3);
      // The rollback owns the group until it ends and restores the pinned number, what the group ran before
      expect(account().snapshot().instanceRefreshes[0]?.history).toContain('RollbackInProgress');
      expect(account().callsOf('UpdateAutoScalingGroup')).toHaveLength(1);
      expect(groupSpec(account(), 'web')).toMatchObject({ Version: '2' });
      expect(result.note).toMatch(
        /^group left on version 2 .* while instance refresh \S+ is RollbackInProgress; set it back to \$Default once that ends; version 4 deleted$/,
      );
      expect(versionNumbers(account(), templateId)).toEqual([1, 2, 3]);
      expect(template(account(), templateId)).toMatchObject({ defaultVersion: 2 });
    });

    it('a throttled pin: the created version is deleted again and the group untouched', async () => {
      const { templateId } = seedGroup(account(), { version: '$Latest' });
      account().failNext('UpdateAutoScalingGroup', 'Throttling');

      const result = await runGroup('web', buildSettings(), deps);

      expect(result).toMatchObject({
        status: 'failed',
        stage: 'PinAutoScalingGroup',
        error: 'Throttling',
        cause: 'Rate exceeded',
      });
      expect(groupSpec(account(), 'web')).toMatchObject({ Version: '$Latest' });
      expect(versionNumbers(account(), templateId)).toEqual([1, 2, 3]);
    });
  });
});

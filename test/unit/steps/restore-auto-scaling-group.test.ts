import {
  DescribeInstanceRefreshesCommand,
  RollbackInstanceRefreshCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { ModifyLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { RefreshStillActiveError } from '../../../src/errors.ts';
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
import { type Prepared, pollToEnd, prepareGroup, prepareRefresh } from './support/prepare.ts';
import { runGroup } from './support/run-group.ts';

const lambdaError = (name: string, message: string) => ({
  Error: name,
  Cause: JSON.stringify({ errorType: name, errorMessage: message, trace: [] }),
});

/** The failure branch's input for group `web` after `stage` failed, with what the prepared run got to. */
const restoreInput = (
  { target, newVersion, pinned }: Pick<Prepared, 'target' | 'newVersion' | 'pinned'>,
  stage: string,
  error: RestoreAutoScalingGroupInput['error'],
): RestoreAutoScalingGroupInput => ({ asgName: 'web', stage, error, target, newVersion, pinned });

describe('restoreAutoScalingGroup', () => {
  const account = useFakeAccount();

  it('pinned $Default group: back on $Default, the unproven version deleted, the default untouched', async () => {
    // Prepare: lookup, create (version 4), pin to 2, then a refresh that failed
    const prepared = await prepareRefresh(account(), { version: '$Default', refresh: 'fail' });
    const { templateId } = prepared;
    expect(await pollToEnd(prepared)).toBe('InstanceRefreshFailedError');
    expect(groupSpec(account(), 'web')).toMatchObject({ Version: '2' });

    // Act
    const result = await restoreAutoScalingGroup(
      restoreInput(
        prepared,
        'PollInstanceRefresh',
        lambdaError('InstanceRefreshFailedError', 'Instance refresh x of web ended Failed'),
      ),
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

  it('throws RefreshStillActiveError, with no mutating call, while a rollback still owns a pinned group; restores once it ended', async () => {
    // Prepare: a pinned $Default group whose refresh AWS is rolling back (the timeout case)
    const prepared = await prepareRefresh(account(), { version: '$Default', refresh: 'stuck' });
    const { templateId, instanceRefreshId } = prepared;
    await deps.autoScaling.send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: 'web' }));
    const input: RestoreAutoScalingGroupInput = {
      ...restoreInput(
        prepared,
        'PollInstanceRefresh',
        lambdaError('RefreshTimedOutError', `Instance refresh ${instanceRefreshId} of web did not finish`),
      ),
      instanceRefreshId,
    };
    const before = account().snapshot();
    const callsBefore = account().calls.length;

    // Act: the first attempt finds the rollback running
    const error = await restoreAutoScalingGroup(input, deps).catch((e: unknown) => e);

    // Assess: named error, what it waits for, and nothing changed (the version is still there)
    expect(error).toBeInstanceOf(RefreshStillActiveError);
    expect((error as Error).name).toBe('RefreshStillActiveError');
    expect((error as Error).message).toBe(
      `Auto Scaling group web left on version 2 because the rollback (instance refresh ${instanceRefreshId}, RollbackInProgress) was still running; set it back to $Default once it ends and delete launch template version 4. AWS refuses launch template changes while a refresh with a desired configuration is active, so RestoreAutoScalingGroup waits for that refresh to end`,
    );
    expect(
      account()
        .calls.slice(callsBefore)
        .filter((call) => call.mutating),
    ).toEqual([]);
    expect(account().snapshot().launchTemplates).toEqual(before.launchTemplates);
    expect(account().snapshot().autoScalingGroups).toEqual(before.autoScalingGroups);

    // Act again, as the state machine's retry does, once the rollback has ended
    expect(account().snapshot().instanceRefreshes[0]?.status).toBe('RollbackSuccessful');
    const result = await restoreAutoScalingGroup(input, deps);

    expect(result).toMatchObject({
      status: 'failed',
      error: 'RefreshTimedOutError',
      instanceRefreshId,
      note: 'group put back on $Default; version 4 deleted',
    });
    expect(groupSpec(account(), 'web')).toMatchObject({ Version: '$Default' });
    expect(versionNumbers(account(), templateId)).toEqual([1, 2, 3]);
    expect(template(account(), templateId)).toMatchObject({ defaultVersion: 2 });
  });

  it('AWS itself refuses the group update while the rollback runs (what the step avoids calling)', async () => {
    const { target } = await prepareRefresh(account(), { version: '$Latest', refresh: 'stuck' });
    await deps.autoScaling.send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: 'web' }));

    const refused = await deps.autoScaling
      .send(
        new UpdateAutoScalingGroupCommand({
          AutoScalingGroupName: 'web',
          LaunchTemplate: { LaunchTemplateId: target.launchTemplateId, Version: '$Latest' },
        }),
      )
      .catch((e: unknown) => e);

    expect((refused as Error).name).toBe('ValidationError');
    expect(groupSpec(account(), 'web')).toMatchObject({ Version: '3' });
  });

  it('waits for any active refresh on a group it must change, even one started by someone else', async () => {
    const prepared = await prepareRefresh(account(), { version: '1', refresh: ['Successful'] });
    await deps.autoScaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'web' }));
    const other = account().addInstanceRefresh('web', 'stuck');
    const callsBefore = account().calls.length;

    const error = await restoreAutoScalingGroup(
      restoreInput(prepared, 'PromoteDefaultVersion', { Error: 'Throttling' }),
      deps,
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RefreshStillActiveError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Auto Scaling group web left on version 4 because the instance refresh \\(instance refresh ${other}, InProgress\\) was still running; set it back to 1 once it ends and delete launch template version 4\\.`,
      ),
    );
    expect(
      account()
        .calls.slice(callsBefore)
        .filter((call) => call.mutating),
    ).toEqual([]);
    expect(groupSpec(account(), 'web')).toMatchObject({ Version: '4' });
    expect(versionNumbers(account(), prepared.templateId)).toEqual([1, 2, 3, 4]);
  });

  it('a group it need not change is not held up by a rollback: the numbered group keeps its number, the version goes', async () => {
    const prepared = await prepareRefresh(account(), { version: '1', refresh: 'stuck' });
    const { pinned, templateId } = prepared;
    await deps.autoScaling.send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: 'web' }));

    const result = await restoreAutoScalingGroup(
      restoreInput(prepared, 'PollInstanceRefresh', { Error: 'RefreshTimedOutError' }),
      deps,
    );

    expect(pinned).toBe(false);
    expect(result.note).toBe('version 4 deleted');
    expect(groupSpec(account(), 'web')).toMatchObject({ Version: '1' });
    expect(versionNumbers(account(), templateId)).toEqual([1, 2, 3]);
    expect(account().callsOf('UpdateAutoScalingGroup')).toEqual([]);
  });

  it('numbered group, pin skipped: leaves the group, deletes the version created', async () => {
    const prepared = await prepareGroup(account(), { version: '1' });
    const { templateId } = prepared;

    const result = await restoreAutoScalingGroup(
      restoreInput(prepared, 'StartInstanceRefresh', { Error: 'States.Timeout' }),
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
    const prepared = await prepareRefresh(account(), { version: '1', refresh: ['Successful'] });
    const { templateId } = prepared;
    // AWS saves the desired configuration once it reports Successful
    await deps.autoScaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'web' }));
    expect(groupSpec(account(), 'web')).toMatchObject({ Version: '4' });

    const result = await restoreAutoScalingGroup(
      restoreInput(prepared, 'PromoteDefaultVersion', { Error: 'Throttling', Cause: 'Rate exceeded' }),
      deps,
    );

    expect(result).toMatchObject({ cause: 'Rate exceeded', note: 'group put back on 1; version 4 deleted' });
    expect(groupSpec(account(), 'web')).toMatchObject({ Version: '1' });
    expect(versionNumbers(account(), templateId)).toEqual([1, 2, 3]);
  });

  it('keeps the new version when it already is the default (AWS cannot delete a default)', async () => {
    const prepared = await prepareGroup(account(), { version: '$Latest' });
    const { templateId } = prepared;
    await deps.ec2.send(
      new ModifyLaunchTemplateCommand({ LaunchTemplateId: templateId, DefaultVersion: '4' }),
    );

    const result = await restoreAutoScalingGroup(
      restoreInput(prepared, 'PromoteDefaultVersion', { Error: 'Throttling' }),
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
      restoreInput(
        { target: { ...target, asgName: 'deleted' }, newVersion, pinned: true },
        'StartInstanceRefresh',
        {
          Error: 'X',
        },
      ),
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

    it.each(['$Default', '$Latest'])(
      '%s group whose refresh times out: rollback started, the restore waits for it, then the group is back and the version deleted',
      async (version) => {
        const { templateId } = seedGroup(account(), { version, refresh: 'stuck' });

        const result = await runGroup('web', buildSettings({ maxPolls: 3 }), deps);

        expect(result).toMatchObject({
          status: 'failed',
          stage: 'PollInstanceRefresh',
          error: 'RefreshTimedOutError',
          instanceRefreshId: account().snapshot().instanceRefreshes[0]?.id,
          note: `group put back on ${version}; version 4 deleted`,
        });
        expect(account().callsOf('RollbackInstanceRefresh')).toHaveLength(1);
        const polls = account()
          .callsOf('DescribeInstanceRefreshes')
          .filter((call) => 'InstanceRefreshIds' in (call.input as object));
        expect(polls).toHaveLength(3);
        expect(account().snapshot().instanceRefreshes[0]?.history).toEqual([
          'InProgress',
          'RollbackInProgress',
          'RollbackSuccessful',
        ]);
        // Two restore attempts: the first found the rollback running and threw, the retry found it ended
        const calls = account().calls;
        const afterRollback = calls.slice(
          calls.findIndex((call) => call.command === 'RollbackInstanceRefresh'),
        );
        const restoreReads = afterRollback.filter(
          (call) =>
            call.command === 'DescribeInstanceRefreshes' && !('InstanceRefreshIds' in (call.input as object)),
        );
        expect(restoreReads).toHaveLength(2);
        // Pin, then the restore once the rollback had ended: never while it ran
        expect(account().callsOf('UpdateAutoScalingGroup')).toHaveLength(2);
        expect(
          account()
            .callsOf('UpdateAutoScalingGroup')
            .every((call) => call.error === undefined),
        ).toBe(true);
        expect(groupSpec(account(), 'web')).toMatchObject({ Version: version });
        expect(versionNumbers(account(), templateId)).toEqual([1, 2, 3]);
        expect(template(account(), templateId)).toMatchObject({ defaultVersion: 2, latestVersion: 3 });
      },
    );

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

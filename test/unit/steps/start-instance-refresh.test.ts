import { UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import {
  AsgNotFoundError,
  GroupChangedError,
  RefreshAlreadyActiveError,
  TemplateNotPreparedError,
} from '../../../src/errors.ts';
import type { RunPlan } from '../../../src/schemas.ts';
import { startInstanceRefresh } from '../../../src/steps/start-instance-refresh.ts';
import {
  buildCurrentTemplateData,
  buildPreferences,
  buildRecord,
  buildTemplateData,
  deps,
  gpuMixedPolicy,
  inputsOf,
  refreshesOf,
  seedGroup,
  seedTemplate,
  useFakeAccount,
} from '../../support/builders.ts';
import { caught, pinAll, plan, prepare, startInput } from '../../support/stages.ts';

describe('startInstanceRefresh', () => {
  const account = useFakeAccount();
  const refreshPreferences = buildPreferences();

  const start = (run: RunPlan, asgName: string, preferences = refreshPreferences) =>
    startInstanceRefresh({ ...startInput(run, asgName), refreshPreferences: preferences }, deps);

  it('rolls out the patched version by number, with the preference defaults in the API spelling', async () => {
    // Prepare
    const { templateId } = seedGroup(account(), 'web');
    const run = await prepare(['web']);

    // Act
    const progress = await start(run, 'web');

    // Assess
    expect(
      account()
        .callsOf('StartInstanceRefresh')
        .map((c) => c.input),
    ).toEqual([
      {
        AutoScalingGroupName: 'web',
        Strategy: 'Rolling',
        DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: templateId, Version: '2' } },
        Preferences: {
          MinHealthyPercentage: 90,
          InstanceWarmup: 300,
          AutoRollback: true,
          SkipMatching: true,
        },
      },
    ]);
    const [refresh] = refreshesOf(account(), 'web');
    expect(progress).toEqual({
      instanceRefreshId: refresh?.id,
      startedAt: expect.any(String),
      desired: [{ slot: 'main', launchTemplateId: templateId, version: 2 }],
      status: 'Pending',
      terminal: false,
      percentageComplete: 0,
      pollCount: 0,
      // The group's own poll budget (settings.maxPolls unless its tag says otherwise).
      maxPolls: 5,
    });
  });

  it('passes the optional preferences through, and asks no AutoRollback where AWS refuses it (SSM-parameter AMI)', async () => {
    seedGroup(account(), 'web', { versions: [buildTemplateData({ ImageId: 'resolve:ssm:/golden/ami' })] });
    const run = await prepare(['web']);
    const preferences = buildPreferences({
      minHealthyPercentage: 50,
      maxHealthyPercentage: 150,
      checkpointPercentages: [50, 100],
      checkpointDelay: 600,
      alarmSpecification: { alarms: ['web-5xx'] },
      bakeTime: 300,
      scaleInProtectedInstances: 'Wait',
      standbyInstances: 'Terminate',
    });

    await start(run, 'web', preferences);

    const [input] = inputsOf(account(), 'StartInstanceRefresh');
    expect(input?.Preferences).toEqual({
      MinHealthyPercentage: 50,
      MaxHealthyPercentage: 150,
      InstanceWarmup: 300,
      AutoRollback: false,
      SkipMatching: true,
      CheckpointPercentages: [50, 100],
      CheckpointDelay: 600,
      AlarmSpecification: { Alarms: ['web-5xx'] },
      BakeTime: 300,
      ScaleInProtectedInstances: 'Wait',
      StandbyInstances: 'Terminate',
    });
  });

  it('mixed instances: the whole policy, each override template on its new number, the rest as it was', async () => {
    const main = seedTemplate(account(), 'main-lt');
    const gpu = seedTemplate(account(), 'gpu-lt');
    const distribution = { OnDemandBaseCapacity: 1, SpotAllocationStrategy: 'price-capacity-optimized' };
    account().addAutoScalingGroup({
      name: 'mixed',
      mixedInstancesPolicy: gpuMixedPolicy(main.id, '$Default', gpu.id, '$Latest', distribution, {
        weighted: true,
      }),
    });
    const run = await prepare(['mixed']);

    const progress = await start(run, 'mixed');

    const [input] = inputsOf(account(), 'StartInstanceRefresh');
    expect(input?.DesiredConfiguration).toEqual({
      MixedInstancesPolicy: {
        LaunchTemplate: {
          LaunchTemplateSpecification: { LaunchTemplateId: main.id, Version: '2' },
          Overrides: [
            { InstanceType: 't3.micro', WeightedCapacity: '1' },
            {
              InstanceType: 'g5.xlarge',
              LaunchTemplateSpecification: { LaunchTemplateId: gpu.id, Version: '2' },
            },
          ],
        },
        InstancesDistribution: distribution,
      },
    });
    expect(progress.desired).toEqual([
      { slot: 'main', launchTemplateId: main.id, version: 2 },
      { slot: 1, launchTemplateId: gpu.id, version: 2 },
    ]);
  });

  it('refreshOnly: rolls out the current sources themselves, nothing created', async () => {
    const { templateId } = seedGroup(account(), 'web', {
      versions: [buildTemplateData(), buildCurrentTemplateData()],
      defaultVersion: 2,
      group: { instances: [{ version: 1 }, { version: 1 }] },
    });
    const run = await prepare(['web']);

    const progress = await start(run, 'web');

    expect(progress.desired).toEqual([{ slot: 'main', launchTemplateId: templateId, version: 2 }]);
    expect(account().callsOf('CreateLaunchTemplateVersion')).toEqual([]);
  });

  it('adopts its own refresh when AWS answers InstanceRefreshInProgress to a resend (the first answer was lost)', async () => {
    seedGroup(account(), 'web');
    const run = await prepare(['web']);
    const first = await start(run, 'web');

    const again = await start(run, 'web');

    expect(again.instanceRefreshId).toBe(first.instanceRefreshId);
    expect(refreshesOf(account(), 'web')).toHaveLength(1);
  });

  describe('named errors, no refresh started', () => {
    it('RefreshAlreadyActiveError when someone else’s refresh took the group since the plan', async () => {
      seedGroup(account(), 'web');
      const run = await prepare(['web']);
      const theirs = account().addInstanceRefresh('web', 'stuck');

      const error = await start(run, 'web').catch((e: unknown) => e);

      expect(error).toBeInstanceOf(RefreshAlreadyActiveError);
      expect((error as Error).cause).toMatchObject({ name: 'InstanceRefreshInProgressFault' });
      expect(refreshesOf(account(), 'web').map((r) => r.id)).toEqual([theirs]);
    });

    it('TemplateNotPreparedError when the template’s version was not created; no AWS call at all', async () => {
      seedGroup(account(), 'web');
      const pinned = await pinAll(await plan(['web']));
      const run = {
        ...pinned,
        templates: pinned.templates.map((t) => ({ ...t, createError: caught(new Error('boom')) })),
      };
      const before = account().calls.length;

      await expect(start(run, 'web')).rejects.toThrow(TemplateNotPreparedError);
      expect(account().calls.slice(before)).toEqual([]);
    });

    it('TemplateNotPreparedError when the group still follows $Default (not pinned)', async () => {
      // refreshOnly: nothing to create, so only the pin stands between the plan and the refresh.
      seedGroup(account(), 'web', {
        versions: [buildTemplateData(), buildCurrentTemplateData()],
        defaultVersion: 2,
        group: { instances: [{ version: 1 }] },
      });
      const run = await plan(['web']);
      const before = account().mutatingCalls().length;

      await expect(start(run, 'web')).rejects.toThrow(/still follows \$Default: it was not pinned/);
      expect(account().mutatingCalls()).toHaveLength(before);
      expect(refreshesOf(account(), 'web')).toEqual([]);
    });

    it('GroupChangedError when the group names another number than the plan pinned', async () => {
      const { templateId } = seedGroup(account(), 'web', {
        versions: [buildTemplateData(), buildTemplateData()],
        reference: '1',
      });
      const run = await prepare(['web']);
      await deps.autoScaling.send(
        new UpdateAutoScalingGroupCommand({
          AutoScalingGroupName: 'web',
          LaunchTemplate: { LaunchTemplateId: templateId, Version: '2' },
        }),
      );

      await expect(start(run, 'web')).rejects.toThrow(GroupChangedError);
      expect(refreshesOf(account(), 'web')).toEqual([]);
    });

    it('AsgNotFoundError when the group is gone', async () => {
      const group = buildRecord({ asgName: 'gone', action: 'refreshOnly' });

      await expect(
        startInstanceRefresh(
          { group, templates: [], refreshPreferences, maxPolls: 5, pollIntervalSeconds: 60 },
          deps,
        ),
      ).rejects.toThrow(AsgNotFoundError);
      expect(account().mutatingCalls()).toEqual([]);
    });
  });
});

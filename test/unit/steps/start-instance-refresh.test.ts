import { describe, expect, it } from 'vitest';
import { RefreshAlreadyActiveError } from '../../../src/errors.ts';
import { startInstanceRefresh } from '../../../src/steps/start-instance-refresh.ts';
import type { GroupFixture } from './support/fixtures.ts';
import {
  buildPreferences,
  deps,
  groupSpec,
  MIXED_DISTRIBUTION,
  MIXED_OVERRIDES,
  useFakeAccount,
} from './support/fixtures.ts';
import { prepareGroup } from './support/prepare.ts';

describe('startInstanceRefresh', () => {
  const account = useFakeAccount();

  const prepare = (fixture: GroupFixture = {}) => prepareGroup(account(), fixture);

  it('sends the new number as DesiredConfiguration with the preference defaults', async () => {
    // Prepare
    const { target, newVersion, templateId } = await prepare({ version: '$Default' });

    // Act
    const output = await startInstanceRefresh(
      { target, newVersion, refreshPreferences: buildPreferences() },
      deps,
    );

    // Assess: the exact request, and the group still on the pinned number until the refresh succeeds
    expect(account().callsOf('StartInstanceRefresh')[0]?.input).toEqual({
      AutoScalingGroupName: 'web',
      Strategy: 'Rolling',
      DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: templateId, Version: '4' } },
      Preferences: { MinHealthyPercentage: 90, InstanceWarmup: 300, AutoRollback: true, SkipMatching: true },
    });
    expect(newVersion).toBe(4);
    const [refresh] = account().snapshot().instanceRefreshes;
    expect(output).toEqual({ instanceRefreshId: refresh?.id, startedAt: expect.any(String) });
    expect(Number.isNaN(Date.parse(output.startedAt))).toBe(false);
    expect(groupSpec(account(), 'web')).toMatchObject({ Version: '2' });
  });

  it('passes the optional preferences through in the API spelling', async () => {
    const { target, newVersion } = await prepare();
    const refreshPreferences = buildPreferences({
      minHealthyPercentage: 100,
      maxHealthyPercentage: 150,
      instanceWarmup: 120,
      checkpointPercentages: [20, 50, 100],
      checkpointDelay: 600,
      alarmSpecification: { alarms: ['web-5xx', 'web-latency'] },
      bakeTime: 900,
      scaleInProtectedInstances: 'Wait',
      standbyInstances: 'Terminate',
      autoRollback: false,
      skipMatching: false,
    });

    await startInstanceRefresh({ target, newVersion, refreshPreferences }, deps);

    expect(account().callsOf('StartInstanceRefresh')[0]?.input).toMatchObject({
      Preferences: {
        MinHealthyPercentage: 100,
        MaxHealthyPercentage: 150,
        InstanceWarmup: 120,
        CheckpointPercentages: [20, 50, 100],
        CheckpointDelay: 600,
        AlarmSpecification: { Alarms: ['web-5xx', 'web-latency'] },
        BakeTime: 900,
        ScaleInProtectedInstances: 'Wait',
        StandbyInstances: 'Terminate',
        AutoRollback: false,
        SkipMatching: false,
      },
    });
  });

  it('mixed-instances group: its own policy with only the spec version replaced', async () => {
    const { target, newVersion, templateId } = await prepare({ mixedInstances: true, version: '$Latest' });

    await startInstanceRefresh({ target, newVersion, refreshPreferences: buildPreferences() }, deps);

    expect(account().callsOf('StartInstanceRefresh')[0]?.input).toMatchObject({
      DesiredConfiguration: {
        MixedInstancesPolicy: {
          LaunchTemplate: {
            LaunchTemplateSpecification: { LaunchTemplateId: templateId, Version: '4' },
            Overrides: MIXED_OVERRIDES,
          },
          InstancesDistribution: MIXED_DISTRIBUTION,
        },
      },
    });
    const sent = account().callsOf('StartInstanceRefresh')[0]?.input as { DesiredConfiguration: object };
    expect(sent.DesiredConfiguration).not.toHaveProperty('LaunchTemplate');
  });

  it('RefreshAlreadyActiveError when AWS answers InstanceRefreshInProgress; nothing new started', async () => {
    const { target, newVersion } = await prepare();
    account().addInstanceRefresh('web', 'stuck');

    const error = await startInstanceRefresh(
      { target, newVersion, refreshPreferences: buildPreferences() },
      deps,
    ).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RefreshAlreadyActiveError);
    expect((error as Error).cause).toMatchObject({ name: 'InstanceRefreshInProgressFault' });
    expect(account().snapshot().instanceRefreshes).toHaveLength(1);
    expect(groupSpec(account(), 'web')).toMatchObject({ Version: '2' });
  });
});

import { describe, expect, it } from 'vitest';
import { AsgNotFoundError, GroupChangedError } from '../../../src/errors.ts';
import { pinAutoScalingGroup } from '../../../src/steps/pin-auto-scaling-group.ts';
import {
  buildRecord,
  buildTemplateData,
  deps,
  gpuMixedPolicy,
  groupOf,
  instanceVersionsOf,
  refreshesOf,
  seedGroup,
  seedTemplate,
  useFakeAccount,
} from '../../support/builders.ts';
import { groupRecord, plan } from '../../support/stages.ts';

describe('pinAutoScalingGroup', () => {
  const account = useFakeAccount();
  const threeVersions = [buildTemplateData(), buildTemplateData(), buildTemplateData()];

  it('pins a $Default group to the number $Default resolved to; no refresh, no instance replaced', async () => {
    // Prepare
    const { templateId } = seedGroup(account(), 'web', { versions: threeVersions, defaultVersion: 2 });
    const group = groupRecord(await plan(['web']), 'web');
    const instances = groupOf(account(), 'web').instances;

    // Act
    const result = await pinAutoScalingGroup({ group }, deps);

    // Assess
    expect(result).toEqual({ pinned: true });
    expect(
      account()
        .mutatingCalls()
        .map((c) => [c.command, c.input]),
    ).toEqual([
      [
        'UpdateAutoScalingGroup',
        { AutoScalingGroupName: 'web', LaunchTemplate: { LaunchTemplateId: templateId, Version: '2' } },
      ],
    ]);
    expect(groupOf(account(), 'web').launchTemplate).toMatchObject({
      LaunchTemplateId: templateId,
      Version: '2',
    });
    expect(groupOf(account(), 'web').instances).toEqual(instances);
    expect(refreshesOf(account(), 'web')).toEqual([]);
  });

  it('pins a $Latest group to the latest number', async () => {
    const { templateId } = seedGroup(account(), 'web', { versions: threeVersions, reference: '$Latest' });
    const group = groupRecord(await plan(['web']), 'web');

    await pinAutoScalingGroup({ group }, deps);

    expect(groupOf(account(), 'web').launchTemplate).toMatchObject({
      LaunchTemplateId: templateId,
      Version: '3',
    });
  });

  it('leaves a numbered group alone: no AWS call at all', async () => {
    seedGroup(account(), 'web', { versions: threeVersions, reference: '1' });
    const group = groupRecord(await plan(['web']), 'web');
    const before = account().calls.length;

    const result = await pinAutoScalingGroup({ group }, deps);

    expect(result).toEqual({ pinned: false });
    expect(account().calls.slice(before)).toEqual([]);
  });

  it('a retry after a lost answer sees the pin made and sends nothing', async () => {
    seedGroup(account(), 'web');
    const group = groupRecord(await plan(['web']), 'web');
    await pinAutoScalingGroup({ group }, deps);

    const again = await pinAutoScalingGroup({ group }, deps);

    expect(again).toEqual({ pinned: true });
    expect(account().callsOf('UpdateAutoScalingGroup')).toHaveLength(1);
  });

  it('pins a mixed-instances group inside its policy, each override template too; instance types and distribution kept', async () => {
    const main = seedTemplate(account(), 'main-lt', threeVersions, 2);
    const gpu = seedTemplate(account(), 'gpu-lt', [buildTemplateData(), buildTemplateData()]);
    const distribution = { OnDemandBaseCapacity: 1, SpotAllocationStrategy: 'price-capacity-optimized' };
    account().addAutoScalingGroup({
      name: 'mixed',
      mixedInstancesPolicy: gpuMixedPolicy(main.id, '$Default', gpu.id, '$Latest', distribution, {
        weighted: true,
      }),
    });
    const group = groupRecord(await plan(['mixed']), 'mixed');

    await pinAutoScalingGroup({ group }, deps);

    const [update] = account().callsOf('UpdateAutoScalingGroup');
    expect(update?.input).toEqual({
      AutoScalingGroupName: 'mixed',
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
    const policy = groupOf(account(), 'mixed').mixedInstancesPolicy;
    expect(policy?.LaunchTemplate?.LaunchTemplateSpecification?.Version).toBe('2');
    expect(policy?.LaunchTemplate?.Overrides?.[1]?.LaunchTemplateSpecification?.Version).toBe('2');
    expect(policy?.InstancesDistribution).toMatchObject(distribution);
    expect(instanceVersionsOf(account(), 'mixed')).toHaveLength(2);
  });

  describe('named errors, before any mutating call', () => {
    it('GroupChangedError when the group names another reference than the plan read', async () => {
      seedGroup(account(), 'web', { versions: threeVersions });
      const planned = groupRecord(await plan(['web']), 'web');
      const group = {
        ...planned,
        specs: planned.specs.map((s) => ({ ...s, reference: '$Latest', version: 3 })),
      };

      await expect(pinAutoScalingGroup({ group }, deps)).rejects.toThrow(GroupChangedError);
      expect(account().mutatingCalls()).toEqual([]);
    });

    it('GroupChangedError when the group gained or lost override templates since the plan', async () => {
      const { templateId } = seedGroup(account(), 'web');
      const planned = groupRecord(await plan(['web']), 'web');
      const group = {
        ...planned,
        specs: [
          ...planned.specs,
          { slot: 1, launchTemplateId: templateId, reference: '$Default', version: 1 },
        ],
      };

      await expect(pinAutoScalingGroup({ group }, deps)).rejects.toThrow(/overrides changed/);
      expect(account().mutatingCalls()).toEqual([]);
    });

    it('AsgNotFoundError when the group is gone', async () => {
      await expect(pinAutoScalingGroup({ group: buildRecord({ asgName: 'gone' }) }, deps)).rejects.toThrow(
        AsgNotFoundError,
      );
      expect(account().mutatingCalls()).toEqual([]);
    });
  });
});

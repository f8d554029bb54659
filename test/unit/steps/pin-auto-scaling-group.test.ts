import { describe, expect, it } from 'vitest';
import { lookupLaunchTemplate } from '../../../src/steps/lookup-launch-template.ts';
import { pinAutoScalingGroup } from '../../../src/steps/pin-auto-scaling-group.ts';
import { deps, groupSpec, mixedPolicy, seedGroup, template, useFakeAccount } from './support/fixtures.ts';

describe('pinAutoScalingGroup', () => {
  const account = useFakeAccount();

  it('pins a $Default group to the number $Default resolved to, without starting a refresh', async () => {
    // Prepare
    const { templateId } = seedGroup(account(), { version: '$Default' });
    const target = await lookupLaunchTemplate({ asgName: 'web' }, deps);

    // Act
    const output = await pinAutoScalingGroup({ target }, deps);

    // Assess
    expect(output).toEqual({ pinned: true });
    expect(groupSpec(account(), 'web')).toMatchObject({ LaunchTemplateId: templateId, Version: '2' });
    expect(account().snapshot().instanceRefreshes).toEqual([]);
    expect(template(account(), templateId)).toMatchObject({ defaultVersion: 2, latestVersion: 3 });
  });

  it('pins a $Latest group to the latest number', async () => {
    seedGroup(account(), { version: '$Latest' });
    const target = await lookupLaunchTemplate({ asgName: 'web' }, deps);

    await expect(pinAutoScalingGroup({ target }, deps)).resolves.toEqual({ pinned: true });
    expect(groupSpec(account(), 'web')).toMatchObject({ Version: '3' });
  });

  it('leaves a numbered group alone', async () => {
    seedGroup(account(), { version: '1' });
    const target = await lookupLaunchTemplate({ asgName: 'web' }, deps);

    await expect(pinAutoScalingGroup({ target }, deps)).resolves.toEqual({ pinned: false });
    expect(groupSpec(account(), 'web')).toMatchObject({ Version: '1' });
    expect(account().mutatingCalls()).toEqual([]);
  });

  it('pins a mixed-instances group inside its policy, keeping overrides and distribution', async () => {
    const { templateId } = seedGroup(account(), { mixedInstances: true, version: '$Latest' });
    const target = await lookupLaunchTemplate({ asgName: 'web' }, deps);

    await pinAutoScalingGroup({ target }, deps);

    const group = account().snapshot().autoScalingGroups[0];
    expect(group?.launchTemplate).toBeUndefined();
    expect(group?.mixedInstancesPolicy).toEqual(mixedPolicy(templateId, '3'));
  });
});

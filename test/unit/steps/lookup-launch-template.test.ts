import { describe, expect, it } from 'vitest';
import {
  AsgNotFoundError,
  InstanceRefreshSuspendedError,
  LaunchConfigurationNotSupportedError,
  LaunchTemplateNotFoundError,
  RefreshAlreadyActiveError,
} from '../../../src/errors.ts';
import { lookupLaunchTemplate } from '../../../src/steps/lookup-launch-template.ts';
import { base64, CUSTOMER_SCRIPT, deps, mixedPolicy, seedGroup, useFakeAccount } from './support/fixtures.ts';

describe('lookupLaunchTemplate', () => {
  const account = useFakeAccount();

  it('resolves $Default to the default version number and reads its user data', async () => {
    // Prepare: versions 1..3, default 2
    const { templateId } = seedGroup(account(), { version: '$Default' });

    // Act
    const target = await lookupLaunchTemplate({ asgName: 'web' }, deps);

    // Assess
    expect(target).toEqual({
      asgName: 'web',
      launchTemplateId: templateId,
      launchTemplateName: 'web-lt',
      source: 'LaunchTemplate',
      originalVersion: '$Default',
      resolvedVersion: 2,
      defaultVersion: 2,
      latestVersion: 3,
    });
    expect(account().mutatingCalls()).toEqual([]);
  });

  it('resolves $Latest to the latest version number', async () => {
    seedGroup(account(), { version: '$Latest' });
    const target = await lookupLaunchTemplate({ asgName: 'web' }, deps);
    expect(target).toMatchObject({ originalVersion: '$Latest', resolvedVersion: 3 });
  });

  it('keeps a numbered reference as it is', async () => {
    seedGroup(account(), { version: '1' });
    const target = await lookupLaunchTemplate({ asgName: 'web' }, deps);
    expect(target).toMatchObject({
      originalVersion: '1',
      resolvedVersion: 1,
      defaultVersion: 2,
      latestVersion: 3,
    });
  });

  it('finds a template the group references by name', async () => {
    const { templateId } = seedGroup(account(), { byName: true, version: '$Latest' });
    const target = await lookupLaunchTemplate({ asgName: 'web' }, deps);
    expect(target).toMatchObject({
      launchTemplateId: templateId,
      launchTemplateName: 'web-lt',
      resolvedVersion: 3,
    });
  });

  it('finds the template of a mixed-instances group and keeps its policy for the refresh', async () => {
    const { templateId } = seedGroup(account(), { mixedInstances: true, version: '$Default' });

    const target = await lookupLaunchTemplate({ asgName: 'web' }, deps);

    expect(target).toMatchObject({
      source: 'MixedInstancesPolicy',
      launchTemplateId: templateId,
      resolvedVersion: 2,
    });
    expect(target.mixedInstancesPolicy).toEqual(mixedPolicy(templateId, '$Default'));
  });

  it('never puts the user data in its output (the state): it may hold secrets', async () => {
    seedGroup(account(), { version: '1' });
    const target = await lookupLaunchTemplate({ asgName: 'web' }, deps);
    expect(target).not.toHaveProperty('userData');
    expect(JSON.stringify(target)).not.toContain(base64(CUSTOMER_SCRIPT));
  });

  it('is not blocked by refreshes that have finished', async () => {
    seedGroup(account());
    account().addInstanceRefresh('web', ['Successful']);
    account().addInstanceRefresh('web', ['RollbackSuccessful']);
    await expect(lookupLaunchTemplate({ asgName: 'web' }, deps)).resolves.toMatchObject({
      resolvedVersion: 2,
    });
  });

  describe('pre-flight: each named error before any mutating call', () => {
    it('AsgNotFoundError for a group that does not exist', async () => {
      seedGroup(account(), { name: 'other' });
      await expect(lookupLaunchTemplate({ asgName: 'web' }, deps)).rejects.toThrow(AsgNotFoundError);
      expect(account().mutatingCalls()).toEqual([]);
    });

    it('LaunchConfigurationNotSupportedError for a launch-configuration group', async () => {
      account().addAutoScalingGroup({ name: 'legacy', launchConfigurationName: 'legacy-lc' });
      await expect(lookupLaunchTemplate({ asgName: 'legacy' }, deps)).rejects.toThrow(
        LaunchConfigurationNotSupportedError,
      );
      expect(account().mutatingCalls()).toEqual([]);
    });

    it.each(['Pending', 'InProgress', 'Cancelling', 'RollbackInProgress', 'Baking'] as const)(
      'RefreshAlreadyActiveError while a refresh is %s',
      async (status) => {
        seedGroup(account());
        account().addInstanceRefresh('web', [status]);
        await expect(lookupLaunchTemplate({ asgName: 'web' }, deps)).rejects.toThrow(
          RefreshAlreadyActiveError,
        );
        expect(account().mutatingCalls()).toEqual([]);
      },
    );

    it('InstanceRefreshSuspendedError when the InstanceRefresh process is suspended', async () => {
      seedGroup(account(), { suspendedProcesses: ['AZRebalance', 'InstanceRefresh'] });
      await expect(lookupLaunchTemplate({ asgName: 'web' }, deps)).rejects.toThrow(
        InstanceRefreshSuspendedError,
      );
      expect(account().mutatingCalls()).toEqual([]);
    });

    it('other suspended processes do not block', async () => {
      seedGroup(account(), { suspendedProcesses: ['AZRebalance'] });
      await expect(lookupLaunchTemplate({ asgName: 'web' }, deps)).resolves.toMatchObject({ asgName: 'web' });
    });

    it('LaunchTemplateNotFoundError (AWS error as cause) when the template was deleted', async () => {
      account().addAutoScalingGroup({
        name: 'web',
        launchTemplate: { LaunchTemplateId: 'lt-0000000000000dead', Version: '$Default' },
      });

      const error = await lookupLaunchTemplate({ asgName: 'web' }, deps).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(LaunchTemplateNotFoundError);
      expect((error as Error).cause).toMatchObject({ name: 'InvalidLaunchTemplateId.NotFound' });
      expect(account().mutatingCalls()).toEqual([]);
    });

    it('LaunchTemplateNotFoundError when a template referenced by name was deleted', async () => {
      account().addAutoScalingGroup({
        name: 'web',
        launchTemplate: { LaunchTemplateName: 'gone', Version: '1' },
      });
      const error = await lookupLaunchTemplate({ asgName: 'web' }, deps).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(LaunchTemplateNotFoundError);
      expect((error as Error).cause).toMatchObject({ name: 'InvalidLaunchTemplateName.NotFoundException' });
      expect(account().mutatingCalls()).toEqual([]);
    });

    it('LaunchTemplateNotFoundError when the referenced version was deleted', async () => {
      seedGroup(account(), { version: '9' });
      const error = await lookupLaunchTemplate({ asgName: 'web' }, deps).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(LaunchTemplateNotFoundError);
      expect((error as Error).cause).toMatchObject({ name: 'InvalidLaunchTemplateId.VersionNotFound' });
      expect(account().mutatingCalls()).toEqual([]);
    });

    it('a throttled describe is not mistaken for a missing template (left to the Retry)', async () => {
      seedGroup(account());
      account().failNext('DescribeLaunchTemplates', 'RequestLimitExceeded');
      await expect(lookupLaunchTemplate({ asgName: 'web' }, deps)).rejects.toMatchObject({
        name: 'RequestLimitExceeded',
      });
    });
  });
});

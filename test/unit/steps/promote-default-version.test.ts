import { CreateLaunchTemplateVersionCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { promoteDefaultVersion } from '../../../src/steps/promote-default-version.ts';
import {
  buildSettings,
  deps,
  groupSpec,
  mixedPolicy,
  seedGroup,
  template,
  useFakeAccount,
  versionNumbers,
} from './support/fixtures.ts';
import { pollToEnd, prepareRefresh } from './support/prepare.ts';
import { runGroup } from './support/run-group.ts';

describe('promoteDefaultVersion', () => {
  const account = useFakeAccount();

  /** Start a refresh that succeeds and poll it to Successful. */
  async function refreshed(fixture: Parameters<typeof prepareRefresh>[1]) {
    const prepared = await prepareRefresh(account(), { ...fixture, refresh: ['InProgress', 'Successful'] });
    expect(await pollToEnd(prepared)).toBe('Successful');
    return prepared;
  }

  it('$Default group: the new version becomes the default and the group goes back to $Default', async () => {
    // Prepare
    const { target, newVersion, templateId } = await refreshed({ version: '$Default' });

    // Act
    const output = await promoteDefaultVersion({ target, newVersion }, deps);

    // Assess
    expect(output).toEqual({ defaultVersion: 4, reference: '$Default' });
    expect(template(account(), templateId)).toMatchObject({ defaultVersion: 4, latestVersion: 4 });
    expect(groupSpec(account(), 'web')).toMatchObject({ LaunchTemplateId: templateId, Version: '$Default' });
    expect(account().callsOf('ModifyLaunchTemplate')[0]?.input).toEqual({
      LaunchTemplateId: templateId,
      DefaultVersion: '4',
    });
  });

  it('$Latest group: back to $Latest while the new version is still the latest', async () => {
    const { target, newVersion, templateId } = await refreshed({ version: '$Latest' });

    const output = await promoteDefaultVersion({ target, newVersion }, deps);

    expect(output).toEqual({ defaultVersion: 4, reference: '$Latest' });
    expect(template(account(), templateId)).toMatchObject({ defaultVersion: 4 });
    expect(groupSpec(account(), 'web')).toMatchObject({ Version: '$Latest' });
  });

  it('$Latest group: stays on the number, with a note, when someone created a later version meanwhile', async () => {
    const { target, newVersion, templateId } = await refreshed({ version: '$Latest' });
    await deps.ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: templateId,
        SourceVersion: '1',
        LaunchTemplateData: { InstanceType: 't3.large' },
      }),
    );

    const output = await promoteDefaultVersion({ target, newVersion }, deps);

    expect(output).toEqual({
      defaultVersion: 4,
      reference: '4',
      note: expect.stringContaining('latest version is now 5'),
    });
    expect(groupSpec(account(), 'web')).toMatchObject({ Version: '4' });
    expect(template(account(), templateId)).toMatchObject({ defaultVersion: 4, latestVersion: 5 });
  });

  it('numbered group: stays on the new number (the refresh saved it); the default moves too', async () => {
    const { target, newVersion, templateId } = await refreshed({ version: '1' });

    const output = await promoteDefaultVersion({ target, newVersion }, deps);

    expect(output).toEqual({ defaultVersion: 4, reference: '4' });
    expect(groupSpec(account(), 'web')).toMatchObject({ Version: '4' });
    expect(template(account(), templateId)).toMatchObject({ defaultVersion: 4 });
    expect(account().callsOf('UpdateAutoScalingGroup')).toHaveLength(0);
  });

  it('mixed-instances $Default group: back to $Default inside the policy, overrides kept', async () => {
    const { target, newVersion, templateId } = await refreshed({ mixedInstances: true, version: '$Default' });

    await promoteDefaultVersion({ target, newVersion }, deps);

    const group = account().snapshot().autoScalingGroups[0];
    expect(group?.mixedInstancesPolicy).toEqual(mixedPolicy(templateId, '$Default'));
    expect(template(account(), templateId)).toMatchObject({ defaultVersion: 4 });
  });

  describe('whole run of one group, in state-machine order', () => {
    it.each(['$Default', '$Latest'])(
      '%s group: pinned during the refresh, restored after success',
      async (version) => {
        const { templateId } = seedGroup(account(), { version });

        const result = await runGroup('web', buildSettings(), deps);

        expect(result).toMatchObject({
          status: 'succeeded',
          oldVersion: version === '$Default' ? 2 : 3,
          newVersion: 4,
        });
        // Pinned to the resolved number before the refresh, then back to its original style
        const updates = account()
          .callsOf('UpdateAutoScalingGroup')
          .map((call) => call.input);
        expect(updates).toEqual([
          {
            AutoScalingGroupName: 'web',
            LaunchTemplate: { LaunchTemplateId: templateId, Version: version === '$Default' ? '2' : '3' },
          },
          { AutoScalingGroupName: 'web', LaunchTemplate: { LaunchTemplateId: templateId, Version: version } },
        ]);
        expect(groupSpec(account(), 'web')).toMatchObject({ Version: version });
        expect(template(account(), templateId)).toMatchObject({ defaultVersion: 4, latestVersion: 4 });
        expect(versionNumbers(account(), templateId)).toEqual([1, 2, 3, 4]);
      },
    );

    it('mixed-instances group referring to its template by name: patched end to end', async () => {
      const { templateId } = seedGroup(account(), { mixedInstances: true, byName: true, version: '$Latest' });

      const result = await runGroup('web', buildSettings(), deps);

      expect(result).toMatchObject({ status: 'succeeded', oldVersion: 3, newVersion: 4 });
      const group = account().snapshot().autoScalingGroups[0];
      expect(group?.mixedInstancesPolicy).toEqual(mixedPolicy(templateId, '$Latest'));
      expect(template(account(), templateId)).toMatchObject({ defaultVersion: 4, latestVersion: 4 });
      // Every reference we sent names the template by id only (AWS wants one of id or name)
      const sent = [
        ...account()
          .callsOf('UpdateAutoScalingGroup')
          .map((call) => call.input),
        ...account()
          .callsOf('StartInstanceRefresh')
          .map((call) => (call.input as { DesiredConfiguration: unknown }).DesiredConfiguration),
      ];
      expect(JSON.stringify(sent)).not.toContain('LaunchTemplateName');
      expect(account().versionData(templateId, 4)).toMatchObject({ ImageId: 'ami-00000000000000003' });
    });

    it('an already-current group: nothing created, nothing refreshed, nothing changed', async () => {
      const settings = buildSettings();
      const { templateId } = seedGroup(account(), { version: '$Default' });
      await runGroup('web', settings, deps);
      const before = account().snapshot();
      const mutationsBefore = account().mutatingCalls().length;

      const second = await runGroup('web', { ...settings, runId: 'run-0002' }, deps);

      expect(second).toMatchObject({ status: 'alreadyCurrent', oldVersion: 4 });
      expect(account().mutatingCalls()).toHaveLength(mutationsBefore);
      expect(account().snapshot()).toEqual(before);
      expect(template(account(), templateId).versions).toHaveLength(4);
    });

    it('dry run: nothing mutating is called', async () => {
      const { templateId } = seedGroup(account(), { version: '$Latest' });
      const before = account().snapshot();

      const result = await runGroup('web', buildSettings({ dryRun: true }), deps);

      expect(result).toMatchObject({ status: 'dryRun' });
      expect(account().mutatingCalls()).toEqual([]);
      expect(account().snapshot()).toEqual(before);
      expect(template(account(), templateId).versions).toHaveLength(3);
    });
  });
});

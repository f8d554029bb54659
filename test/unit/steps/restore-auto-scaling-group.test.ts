import { CreateLaunchTemplateVersionCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { RefreshStillActiveError } from '../../../src/errors.ts';
import type { RefreshScript } from '../../../src/fake/account.ts';
import type { RunPlan } from '../../../src/schemas.ts';
import { restoreAutoScalingGroup } from '../../../src/steps/restore-auto-scaling-group.ts';
import { startInstanceRefresh } from '../../../src/steps/start-instance-refresh.ts';
import {
  buildRecord,
  buildTemplateData,
  deps,
  gpuMixedPolicy,
  groupOf,
  inputsOf,
  instanceVersionsOf,
  referenceOf,
  seedGroup,
  seedTemplate,
  useFakeAccount,
} from '../../support/builders.ts';
import {
  caught,
  groupRecord,
  prepare,
  promoteAll,
  refreshed,
  restoreAll,
  startInput,
} from '../../support/stages.ts';

describe('restoreAutoScalingGroup', () => {
  const account = useFakeAccount();
  const twoVersions = () => [buildTemplateData(), buildTemplateData()];

  /** `web` seeded with `options`, run through every phase before the restore. */
  async function settled(
    reference: string,
    refresh: RefreshScript = 'succeed',
  ): Promise<{ run: RunPlan; templateId: string }> {
    const { templateId } = seedGroup(account(), 'web', {
      versions: twoVersions(),
      reference,
      group: { refresh },
    });
    return { run: await promoteAll(await refreshed(['web'])), templateId };
  }
  const restore = (run: RunPlan, asgName = 'web') =>
    restoreAutoScalingGroup(
      { group: groupRecord(run, asgName), templates: run.templates, runId: run.settings.runId },
      deps,
    );

  it('puts a $Default group back on $Default once the default is the version its instances run', async () => {
    // Prepare
    const { run, templateId } = await settled('$Default');
    // The Successful refresh saved its desired configuration (the new number) on the group.
    expect(referenceOf(account(), 'web')).toBe('3');

    // Act
    const result = await restore(run);

    // Assess
    expect(result).toEqual({
      references: [{ slot: 'main', launchTemplateId: templateId, reference: '$Default' }],
      notes: [],
    });
    expect(inputsOf(account(), 'UpdateAutoScalingGroup').at(-1)).toEqual({
      AutoScalingGroupName: 'web',
      LaunchTemplate: { LaunchTemplateId: templateId, Version: '$Default' },
    });
    expect(referenceOf(account(), 'web')).toBe('$Default');
    expect(instanceVersionsOf(account(), 'web')).toEqual(['3', '3']);
  });

  it('puts a $Latest group back on $Latest when the run’s version is the latest', async () => {
    const { run } = await settled('$Latest');

    const result = await restore(run);

    expect(result.references.map((r) => r.reference)).toEqual(['$Latest']);
    expect(referenceOf(account(), 'web')).toBe('$Latest');
    expect(instanceVersionsOf(account(), 'web')).toEqual(['3', '3']);
  });

  it('leaves a $Latest group on the number, with a note, when someone created a later version meanwhile', async () => {
    const { run, templateId } = await settled('$Latest');
    await deps.ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: templateId,
        SourceVersion: '1',
        LaunchTemplateData: {},
      }),
    );
    const updates = account().callsOf('UpdateAutoScalingGroup').length;

    const result = await restore(run);

    expect(result.references.map((r) => r.reference)).toEqual(['3']);
    expect(result.notes).toEqual([
      expect.stringMatching(
        new RegExp(
          `^left on version 3 of ${templateId} instead of \\$Latest: \\$Latest resolves to 4, which its instances \\(version 3\\) do not run; `,
        ),
      ),
    ]);
    expect(account().callsOf('UpdateAutoScalingGroup')).toHaveLength(updates);
    expect(referenceOf(account(), 'web')).toBe('3');
  });

  it('after a rolled-back refresh, a $Default group goes back on $Default: the default still is what it runs', async () => {
    const { run, templateId } = await settled('$Default', 'rollback');
    expect(groupRecord(run, 'web').refresh?.status).toBe('RollbackSuccessful');

    const result = await restore(run);

    expect(result).toEqual({
      references: [{ slot: 'main', launchTemplateId: templateId, reference: '$Default' }],
      notes: [],
    });
    expect(instanceVersionsOf(account(), 'web')).toEqual(['1', '1']);
  });

  it('a numbered group stays on the new number its refresh saved: no update', async () => {
    const { run } = await settled('1');
    const updates = account().callsOf('UpdateAutoScalingGroup').length;

    const result = await restore(run);

    expect(result.references.map((r) => r.reference)).toEqual(['3']);
    expect(account().callsOf('UpdateAutoScalingGroup')).toHaveLength(updates);
  });

  it('mixed instances: every spec settled inside the policy, the override template back on $Default too', async () => {
    const main = seedTemplate(account(), 'main-lt');
    const gpu = seedTemplate(account(), 'gpu-lt');
    const distribution = { OnDemandBaseCapacity: 1, SpotAllocationStrategy: 'price-capacity-optimized' };
    account().addAutoScalingGroup({
      name: 'mixed',
      mixedInstancesPolicy: gpuMixedPolicy(main.id, '$Default', gpu.id, '$Default', distribution),
    });
    const run = await promoteAll(await refreshed(['mixed']));

    const result = await restore(run, 'mixed');

    expect(result.references).toEqual([
      { slot: 'main', launchTemplateId: main.id, reference: '$Default' },
      { slot: 1, launchTemplateId: gpu.id, reference: '$Default' },
    ]);
    expect(inputsOf(account(), 'UpdateAutoScalingGroup').at(-1)).toEqual({
      AutoScalingGroupName: 'mixed',
      MixedInstancesPolicy: {
        LaunchTemplate: {
          LaunchTemplateSpecification: { LaunchTemplateId: main.id, Version: '$Default' },
          Overrides: [
            { InstanceType: 't3.micro' },
            {
              InstanceType: 'g5.xlarge',
              LaunchTemplateSpecification: { LaunchTemplateId: gpu.id, Version: '$Default' },
            },
          ],
        },
        InstancesDistribution: distribution,
      },
    });
    expect(groupOf(account(), 'mixed').mixedInstancesPolicy?.InstancesDistribution).toMatchObject(
      distribution,
    );
  });

  it('instances left on two versions (a cancelled refresh): stays on the number, with a note saying what to do', async () => {
    const { templateId } = seedGroup(account(), 'web', {
      versions: twoVersions(),
      group: { instances: [{ version: 1 }, { version: 2 }] },
    });
    const run = await prepare(['web']);

    const result = await restore(run);

    expect(result.references.map((r) => r.reference)).toEqual(['1']);
    expect(result.notes).toEqual([
      expect.stringMatching(new RegExp(`^instances run versions? 1 and 2 of ${templateId}`)),
    ]);
  });

  it('notes a group that no longer exists instead of failing', async () => {
    const result = await restoreAutoScalingGroup(
      { group: buildRecord({ asgName: 'gone' }), templates: [], runId: 'run-0001' },
      deps,
    );

    expect(result).toEqual({ references: [], notes: ['the group no longer exists'] });
    expect(account().mutatingCalls()).toEqual([]);
  });

  describe('RefreshStillActiveError, the group untouched, while a refresh owns it', () => {
    it('someone else’s refresh: waited for, not stopped', async () => {
      const { run } = await settled('$Default');
      const theirs = account().addInstanceRefresh('web', 'stuck');
      const before = account().mutatingCalls().length;

      const error = await restore(run).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(RefreshStillActiveError);
      expect((error as Error).message).toContain(`instance refresh ${theirs}, InProgress`);
      expect(account().mutatingCalls()).toHaveLength(before);
    });

    it('the run’s own refresh still running (its wait failed): rolled back once, waited out, then restored', async () => {
      const { templateId } = seedGroup(account(), 'web', {
        versions: twoVersions(),
        group: { refresh: 'stuck' },
      });
      const prepared = await prepare(['web']);
      const group = groupRecord(prepared, 'web');
      const refresh = await startInstanceRefresh(startInput(prepared, 'web'), deps);
      const run = {
        ...prepared,
        groups: [{ ...group, refresh, refreshError: caught(new Error('Lambda.Unknown')) }],
      };
      const updates = account().callsOf('UpdateAutoScalingGroup').length;

      // Act: the first attempt stops the refresh and throws; the state machine retries.
      await expect(restore(run)).rejects.toThrow(RefreshStillActiveError);
      expect(account().callsOf('RollbackInstanceRefresh')).toHaveLength(1);
      expect(account().callsOf('UpdateAutoScalingGroup')).toHaveLength(updates);
      const settledRun = await restoreAll(run);

      // Assess
      expect(account().callsOf('RollbackInstanceRefresh')).toHaveLength(1);
      expect(groupRecord(settledRun, 'web').restore?.references).toEqual([
        { slot: 'main', launchTemplateId: templateId, reference: '$Default' },
      ]);
      expect(instanceVersionsOf(account(), 'web')).toEqual(['1', '1']);
    });
  });
});

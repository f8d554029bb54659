// The fake's instance refresh lifecycle, exercised through the real AutoScalingClient.
import {
  ActiveInstanceRefreshNotFoundFault,
  AutoScalingClient,
  CancelInstanceRefreshCommand,
  DescribeInstanceRefreshesCommand,
  InstanceRefreshInProgressFault,
  IrreversibleInstanceRefreshFault,
  RollbackInstanceRefreshCommand,
  StartInstanceRefreshCommand,
  type StartInstanceRefreshCommandInput,
  UpdateAutoScalingGroupCommand,
  type UpdateAutoScalingGroupCommandInput,
} from '@aws-sdk/client-auto-scaling';
import { beforeEach, describe, expect, test } from 'vitest';
import {
  ACTIVE_REFRESH_UPDATE_MESSAGE,
  type AutoScalingGroupSeed,
  FakeAccount,
  type RefreshScript,
} from '../../../src/fake/account.ts';
import { installFakeAccount } from '../../../src/fake/install.ts';

let account: FakeAccount;
let templateId: string;
const autoScaling = new AutoScalingClient({ region: 'eu-west-1' });

beforeEach(() => {
  account = new FakeAccount();
  templateId = account.addLaunchTemplate({
    name: 'web',
    versions: [{ data: { ImageId: 'ami-1' } }, { data: { ImageId: 'ami-2' } }],
  }).id;
  return installFakeAccount(account).restore;
});

function addGroup(refresh: RefreshScript, overrides: Partial<AutoScalingGroupSeed> = {}): void {
  account.addAutoScalingGroup({
    name: 'g',
    launchTemplate: { LaunchTemplateId: templateId, Version: '1' },
    desiredCapacity: 4,
    refresh,
    ...overrides,
  });
}

function start(overrides: Partial<StartInstanceRefreshCommandInput> = {}): Promise<string> {
  return autoScaling
    .send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: 'g',
        DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: templateId, Version: '2' } },
        Preferences: {
          MinHealthyPercentage: 90,
          InstanceWarmup: 300,
          AutoRollback: true,
          SkipMatching: true,
        },
        ...overrides,
      }),
    )
    .then((out) => out.InstanceRefreshId ?? '');
}

async function poll(id: string) {
  const out = await autoScaling.send(
    new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'g', InstanceRefreshIds: [id] }),
  );
  const r = out.InstanceRefreshes?.[0];
  return {
    status: r?.Status,
    percentage: r?.PercentageComplete,
    toUpdate: r?.InstancesToUpdate,
    version: account.snapshot().autoScalingGroups[0]?.launchTemplate?.Version,
  };
}

async function statuses(id: string, polls: number): Promise<(string | undefined)[]> {
  const seen: (string | undefined)[] = [];
  for (let i = 0; i < polls; i += 1) seen.push((await poll(id)).status);
  return seen;
}

describe('refresh scripts: one status per DescribeInstanceRefreshes (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeInstanceRefreshes.html)', () => {
  test('succeed: Pending -> InProgress -> Successful; the desired configuration is saved on the group when it succeeds (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_StartInstanceRefresh.html)', async () => {
    addGroup('succeed');
    const id = await start();
    const state = () => {
      const snapshot = account.snapshot();
      return [snapshot.instanceRefreshes[0]?.status, snapshot.autoScalingGroups[0]?.launchTemplate?.Version];
    };

    const atStart = state();
    const first = await poll(id);
    const afterFirst = state();
    const second = await poll(id);
    const afterSecond = state();
    const third = await poll(id);

    expect([first, second, third].map((p) => p.status)).toEqual(['Pending', 'InProgress', 'Successful']);
    // The account's own state: the group moves to version 2 exactly when the refresh reaches Successful.
    expect(atStart).toEqual(['Pending', '1']);
    expect(afterFirst).toEqual(['InProgress', '1']);
    expect(afterSecond).toEqual(['Successful', '2']);
    expect([first.percentage, first.toUpdate]).toEqual([0, 4]);
    expect(second.percentage).toBeGreaterThan(0);
    expect(second.percentage).toBeLessThan(100);
    expect([third.percentage, third.toUpdate]).toEqual([100, 0]);
    expect(account.snapshot().instanceRefreshes[0]).toMatchObject({
      status: 'Successful',
      history: ['Pending', 'InProgress', 'Successful'],
      desiredConfiguration: { LaunchTemplate: { LaunchTemplateId: templateId, Version: '2' } },
      preferences: { AutoRollback: true, MinHealthyPercentage: 90 },
      endTime: expect.any(String),
    });
  });

  test('a refresh can succeed between a poll and a rollback request: the rollback is then refused', async () => {
    addGroup(['InProgress', 'Successful']);
    const id = await start();

    expect((await poll(id)).status).toBe('InProgress');
    await expect(
      autoScaling.send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: 'g' })),
    ).rejects.toBeInstanceOf(ActiveInstanceRefreshNotFoundFault);
    expect(account.snapshot().autoScalingGroups[0]?.launchTemplate?.Version).toBe('2');
  });

  test.each([
    ['fail', ['Pending', 'InProgress', 'Failed', 'Failed']],
    ['rollback', ['Pending', 'InProgress', 'RollbackInProgress', 'RollbackSuccessful']],
    ['stuck', ['InProgress', 'InProgress', 'InProgress', 'InProgress']],
  ] as const)('%s: %j, and the group keeps its configuration', async (preset, expected) => {
    addGroup(preset);
    const id = await start();

    expect(await statuses(id, 4)).toEqual(expected);
    expect(account.snapshot().autoScalingGroups[0]?.launchTemplate?.Version).toBe('1');
  });

  test('a scripted automatic rollback needs AutoRollback on: without it the refresh fails (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html)', async () => {
    addGroup('rollback');
    const id = await start({ Preferences: { AutoRollback: false } });

    expect(await statuses(id, 4)).toEqual(['Pending', 'InProgress', 'Failed', 'Failed']);
    expect(account.snapshot().instanceRefreshes[0]?.statusReason).toMatch(/health checks/);
  });

  test('an explicit list of statuses, ending with Baking then Successful', async () => {
    addGroup(['Pending', 'InProgress', 'InProgress', 'Baking', 'Successful']);
    const id = await start();

    expect(await statuses(id, 6)).toEqual([
      'Pending',
      'InProgress',
      'InProgress',
      'Baking',
      'Successful',
      'Successful',
    ]);
  });

  test('a mixed instances desired configuration replaces the policy on success', async () => {
    const policy = {
      LaunchTemplate: {
        LaunchTemplateSpecification: { LaunchTemplateId: templateId, Version: '2' },
        Overrides: [{ InstanceType: 'm5.large' }],
      },
      InstancesDistribution: { OnDemandPercentageAboveBaseCapacity: 50 },
    };
    addGroup('succeed', {
      launchTemplate: undefined,
      mixedInstancesPolicy: {
        ...policy,
        LaunchTemplate: {
          ...policy.LaunchTemplate,
          LaunchTemplateSpecification: { LaunchTemplateId: templateId, Version: '1' },
        },
      },
    });
    const id = await start({ DesiredConfiguration: { MixedInstancesPolicy: policy } });

    await statuses(id, 3);

    expect(account.snapshot().autoScalingGroups[0]?.mixedInstancesPolicy?.LaunchTemplate).toEqual({
      LaunchTemplateSpecification: { LaunchTemplateId: templateId, LaunchTemplateName: 'web', Version: '2' },
      Overrides: [{ InstanceType: 'm5.large' }],
    });
  });

  test('only the refreshes asked for advance; without ids, most recent first', async () => {
    addGroup('fail');
    const first = await start();
    await statuses(first, 3);
    account.setRefreshScript('g', 'succeed');
    const second = await start();

    const all = await autoScaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'g' }));

    expect(all.InstanceRefreshes?.map((r) => [r.InstanceRefreshId, r.Status])).toEqual([
      [second, 'Pending'],
      [first, 'Failed'],
    ]);
    expect((await poll(second)).status).toBe('InProgress');
  });
});

describe('one active refresh per group', () => {
  test('StartInstanceRefresh during an active refresh is InstanceRefreshInProgress; after it ends a new one starts', async () => {
    addGroup('succeed');
    const id = await start();

    const error = await start().catch((e: unknown) => e);
    await statuses(id, 3);
    const next = await start();

    expect(error).toBeInstanceOf(InstanceRefreshInProgressFault);
    expect(next).not.toBe(id);
  });

  test('a refresh seeded as already running blocks a new one', async () => {
    addGroup('succeed');
    account.addInstanceRefresh('g', 'stuck');

    await expect(start()).rejects.toBeInstanceOf(InstanceRefreshInProgressFault);
  });
});

describe('RollbackInstanceRefresh and CancelInstanceRefresh', () => {
  test('rollback moves an active refresh to RollbackInProgress then RollbackSuccessful; the group keeps version 1 (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RollbackInstanceRefresh.html)', async () => {
    addGroup('stuck');
    const id = await start();
    await statuses(id, 2);

    const out = await autoScaling.send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: 'g' }));

    expect(out.InstanceRefreshId).toBe(id);
    expect(await statuses(id, 3)).toEqual(['RollbackInProgress', 'RollbackSuccessful', 'RollbackSuccessful']);
    expect(account.snapshot().autoScalingGroups[0]?.launchTemplate?.Version).toBe('1');
  });

  test('rollback or cancel with no active refresh is ActiveInstanceRefreshNotFound', async () => {
    addGroup('fail');
    const id = await start();
    await statuses(id, 3);

    await expect(
      autoScaling.send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: 'g' })),
    ).rejects.toBeInstanceOf(ActiveInstanceRefreshNotFoundFault);
    await expect(
      autoScaling.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: 'g' })),
    ).rejects.toBeInstanceOf(ActiveInstanceRefreshNotFoundFault);
  });

  test('a group on $Latest cannot be rolled back (IrreversibleInstanceRefresh, https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html); cancel still works', async () => {
    addGroup('stuck', { launchTemplate: { LaunchTemplateId: templateId, Version: '$Latest' } });
    const id = await start({ Preferences: { AutoRollback: false } });

    const error = await autoScaling
      .send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: 'g' }))
      .catch((e: unknown) => e);
    await autoScaling.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: 'g' }));

    expect(error).toBeInstanceOf(IrreversibleInstanceRefreshFault);
    expect(await statuses(id, 2)).toEqual(['Cancelling', 'Cancelled']);
    expect(account.snapshot().autoScalingGroups[0]?.launchTemplate?.Version).toBe('$Latest');
  });

  test('without a desired configuration a refresh cannot be rolled back', async () => {
    addGroup('stuck');
    await start({ DesiredConfiguration: undefined, Preferences: {} });

    await expect(
      autoScaling.send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: 'g' })),
    ).rejects.toBeInstanceOf(IrreversibleInstanceRefreshFault);
  });

  test('AutoRollback with the group on $Default is a ValidationError and starts nothing', async () => {
    addGroup('succeed', { launchTemplate: { LaunchTemplateId: templateId, Version: '$Default' } });

    const error = await start().catch((e: unknown) => e);

    expect((error as Error).name).toBe('ValidationError');
    expect(account.snapshot().instanceRefreshes).toEqual([]);
  });

  test('AutoRollback with the desired configuration on $Latest is a ValidationError and starts nothing', async () => {
    addGroup('succeed');

    const error = await start({
      DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: templateId, Version: '$Latest' } },
    }).catch((e: unknown) => e);

    expect((error as Error).name).toBe('ValidationError');
    expect(account.snapshot().instanceRefreshes).toEqual([]);
  });
});

describe('"Update restriction" (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-overview.html)', () => {
  const update = (overrides: Partial<UpdateAutoScalingGroupCommandInput>) =>
    autoScaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'g', ...overrides }));
  const backToDefault = () => ({ LaunchTemplate: { LaunchTemplateId: templateId, Version: '$Default' } });

  test("while a refresh with a desired configuration rolls back, a launch template change is a ValidationError with AWS's message and changes nothing; once it ends the change goes through", async () => {
    addGroup('stuck');
    const id = await start();
    await autoScaling.send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: 'g' }));
    const before = account.snapshot();

    const refused = await update(backToDefault()).catch((e: unknown) => e);
    const refusedPolicy = await update({
      MixedInstancesPolicy: {
        LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateId: templateId, Version: '1' } },
      },
    }).catch((e: unknown) => e);
    const refusedConfig = await update({ LaunchConfigurationName: 'old-lc' }).catch((e: unknown) => e);

    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).name).toBe('ValidationError');
    expect((refused as Error).message).toBe(ACTIVE_REFRESH_UPDATE_MESSAGE);
    expect((refusedPolicy as Error).name).toBe('ValidationError');
    expect((refusedConfig as Error).name).toBe('ValidationError');
    expect(account.snapshot()).toEqual(before);

    expect(await statuses(id, 2)).toEqual(['RollbackInProgress', 'RollbackSuccessful']);
    await update(backToDefault());
    expect(account.snapshot().autoScalingGroups[0]?.launchTemplate?.Version).toBe('$Default');
  });

  test.each(['Pending', 'InProgress', 'Cancelling', 'RollbackInProgress', 'Baking'] as const)(
    'applies while the refresh is %s',
    async (status) => {
      addGroup([status]);
      await start();

      await expect(update(backToDefault())).rejects.toThrow(ACTIVE_REFRESH_UPDATE_MESSAGE);
    },
  );

  test('capacity changes still go through during the refresh', async () => {
    addGroup('stuck');
    await start();

    await update({ DesiredCapacity: 6, MaxSize: 8 });

    expect(account.snapshot().autoScalingGroups[0]).toMatchObject({ desiredCapacity: 6, maxSize: 8 });
  });

  test('a refresh without a desired configuration does not restrict the group', async () => {
    addGroup('succeed');
    account.addInstanceRefresh('g', 'stuck');

    await update(backToDefault());

    expect(account.snapshot().autoScalingGroups[0]?.launchTemplate?.Version).toBe('$Default');
  });
});

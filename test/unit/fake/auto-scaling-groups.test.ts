// The fake's Auto Scaling group model, exercised through the real AutoScalingClient and its paginator.
import {
  AutoScalingClient,
  AutoScalingServiceException,
  DescribeAutoScalingGroupsCommand,
  paginateDescribeAutoScalingGroups,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { beforeEach, describe, expect, test } from 'vitest';
import { FakeAccount } from '../../../src/fake/account.ts';
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

async function names(filters: { Name: string; Values: string[] }[], pageSize: number): Promise<string[]> {
  const found: string[] = [];
  for await (const page of paginateDescribeAutoScalingGroups(
    { client: autoScaling, pageSize },
    { Filters: filters },
  )) {
    for (const g of page.AutoScalingGroups ?? []) found.push(g.AutoScalingGroupName ?? '');
  }
  return found;
}

describe('DescribeAutoScalingGroups (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html)', () => {
  beforeEach(() => {
    for (let i = 0; i < 7; i += 1)
      account.addAutoScalingGroup({
        name: `asg-${i}`,
        launchTemplate: { LaunchTemplateId: templateId, Version: '1' },
        tags: i % 2 === 0 ? { 'patch-group': 'weekly', env: i < 4 ? 'prod' : 'dev' } : { env: 'prod' },
      });
  });

  test('tag filters (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Filter.html) through the SDK paginator, 2 per page', async () => {
    expect(await names([{ Name: 'tag:patch-group', Values: ['weekly'] }], 2)).toEqual([
      'asg-0',
      'asg-2',
      'asg-4',
      'asg-6',
    ]);
    expect(await names([{ Name: 'tag-key', Values: ['patch-group'] }], 3)).toHaveLength(4);
    expect(await names([{ Name: 'tag-value', Values: ['dev'] }], 1)).toEqual(['asg-4', 'asg-6']);
    // Filters are ANDed; values within one filter are ORed.
    expect(
      await names(
        [
          { Name: 'tag:patch-group', Values: ['weekly'] },
          { Name: 'tag:env', Values: ['prod', 'staging'] },
        ],
        2,
      ),
    ).toEqual(['asg-0', 'asg-2']);
  });

  test('the paginator really pages: one call per page with NextToken', async () => {
    await names([], 3);

    const inputs = account.callsOf('DescribeAutoScalingGroups').map((c) => c.input);
    expect(inputs).toHaveLength(3);
    expect(inputs[0]).toEqual({ Filters: [], MaxRecords: 3 });
    expect(inputs[1]).toMatchObject({ MaxRecords: 3, NextToken: expect.any(String) });
  });

  test('unknown names are left out, not an error; the group carries tags, suspended processes and its reference', async () => {
    account.addAutoScalingGroup({
      name: 'by-name',
      launchTemplate: { LaunchTemplateName: 'web' },
      suspendedProcesses: ['InstanceRefresh'],
      desiredCapacity: 3,
    });

    const out = await autoScaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['by-name', 'missing'] }),
    );

    expect(out.AutoScalingGroups).toHaveLength(1);
    const group = out.AutoScalingGroups?.[0];
    // AWS returns both the id and the name of the template, and $Default when no version was given.
    expect(group?.LaunchTemplate).toEqual({
      LaunchTemplateId: templateId,
      LaunchTemplateName: 'web',
      Version: '$Default',
    });
    expect(group?.SuspendedProcesses?.map((p) => p.ProcessName)).toEqual(['InstanceRefresh']);
    expect(group?.Instances).toHaveLength(3);
    expect(group?.DesiredCapacity).toBe(3);
  });

  test('MaxRecords above 100 is a ValidationError', async () => {
    const error = await autoScaling
      .send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 101 }))
      .catch((e) => e);

    expect(error).toBeInstanceOf(AutoScalingServiceException);
    expect(error.name).toBe('ValidationError');
  });
});

describe('UpdateAutoScalingGroup (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_UpdateAutoScalingGroup.html)', () => {
  test('pins a $Latest group to a number and back', async () => {
    account.addAutoScalingGroup({
      name: 'g',
      launchTemplate: { LaunchTemplateId: templateId, Version: '$Latest' },
    });

    await autoScaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: 'g',
        LaunchTemplate: { LaunchTemplateId: templateId, Version: '2' },
      }),
    );
    const pinned = account.snapshot().autoScalingGroups[0]?.launchTemplate;
    await autoScaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: 'g',
        LaunchTemplate: { LaunchTemplateName: 'web', Version: '$Latest' },
      }),
    );

    expect(pinned).toEqual({ LaunchTemplateId: templateId, LaunchTemplateName: 'web', Version: '2' });
    expect(account.snapshot().autoScalingGroups[0]?.launchTemplate?.Version).toBe('$Latest');
  });

  test('a mixed instances policy keeps its overrides and distribution when only the specification changes', async () => {
    account.addAutoScalingGroup({
      name: 'mixed',
      mixedInstancesPolicy: {
        LaunchTemplate: {
          LaunchTemplateSpecification: { LaunchTemplateName: 'web', Version: '$Default' },
          Overrides: [{ InstanceType: 'm5.large' }],
        },
        InstancesDistribution: { OnDemandPercentageAboveBaseCapacity: 50 },
      },
    });

    await autoScaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: 'mixed',
        MixedInstancesPolicy: {
          LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateId: templateId, Version: '1' } },
        },
      }),
    );

    expect(account.snapshot().autoScalingGroups[0]?.mixedInstancesPolicy).toEqual({
      LaunchTemplate: {
        LaunchTemplateSpecification: {
          LaunchTemplateId: templateId,
          LaunchTemplateName: 'web',
          Version: '1',
        },
        Overrides: [{ InstanceType: 'm5.large' }],
      },
      InstancesDistribution: { OnDemandPercentageAboveBaseCapacity: 50 },
    });
  });

  test('an unknown group or a missing version is a ValidationError and changes nothing', async () => {
    account.addAutoScalingGroup({
      name: 'g',
      launchTemplate: { LaunchTemplateId: templateId, Version: '1' },
    });
    const before = account.snapshot();

    const missingGroup = await autoScaling
      .send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'nope', MinSize: 1 }))
      .catch((e) => e);
    const missingVersion = await autoScaling
      .send(
        new UpdateAutoScalingGroupCommand({
          AutoScalingGroupName: 'g',
          LaunchTemplate: { LaunchTemplateId: templateId, Version: '9' },
        }),
      )
      .catch((e) => e);

    expect(missingGroup.name).toBe('ValidationError');
    expect(missingVersion.name).toBe('ValidationError');
    expect(account.snapshot()).toEqual(before);
  });
});

describe('DescribeAutoScalingGroups names per call', () => {
  test('takes 50 names by default and up to MaxRecords (100); more is a ValidationError, as AWS words it', async () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => `g-${i}`);
    const describeNames = (n: number, MaxRecords?: number) =>
      autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: many(n), MaxRecords }));

    await expect(describeNames(50)).resolves.toMatchObject({ AutoScalingGroups: [] });
    await expect(describeNames(100, 100)).resolves.toMatchObject({ AutoScalingGroups: [] });
    await expect(describeNames(51)).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'The number of group names that may be passed in is limited to 50',
    });
    await expect(describeNames(101, 100)).rejects.toBeInstanceOf(AutoScalingServiceException);
  });
});

// Instances in the fake's Auto Scaling groups: what they run, how scale-outs and instance refreshes
// change them, mixed-instances overrides with their own templates, and AWS's refusals of bad specs.
import {
  AutoScalingClient,
  AutoScalingServiceException,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeInstanceRefreshesCommand,
  type MixedInstancesPolicy,
  StartInstanceRefreshCommand,
  type StartInstanceRefreshCommandInput,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateVersionCommand, EC2Client } from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, test } from 'vitest';
import { type AutoScalingGroupSeed, FakeAccount, type InstanceSnapshot } from '../../../src/fake/account.ts';
import { installFakeAccount } from '../../../src/fake/install.ts';

let account: FakeAccount;
let web: string;
let gpu: string;
const autoScaling = new AutoScalingClient({ region: 'eu-west-1' });
const ec2 = new EC2Client({ region: 'eu-west-1' });

beforeEach(() => {
  account = new FakeAccount();
  web = account.addLaunchTemplate({
    name: 'web',
    versions: [
      { data: { ImageId: 'ami-1', InstanceType: 't3.micro' } },
      { data: { ImageId: 'ami-2', InstanceType: 't3.micro' } },
      { data: { ImageId: 'ami-3', InstanceType: 't3.micro' } },
    ],
    defaultVersion: 2,
  }).id;
  gpu = account.addLaunchTemplate({
    name: 'gpu',
    versions: [{ data: { ImageId: 'ami-g1' } }, { data: { ImageId: 'ami-g2' } }],
  }).id;
  return installFakeAccount(account).restore;
});

const group = (name = 'g') => account.snapshot().autoScalingGroups.find((g) => g.name === name);
const versions = (name = 'g') => group(name)?.instances.map((i) => i.launchTemplate?.Version);
const ids = (name = 'g') => group(name)?.instances.map((i) => i.instanceId) ?? [];

function add(overrides: Partial<AutoScalingGroupSeed> = {}): void {
  account.addAutoScalingGroup({
    name: 'g',
    launchTemplate: { LaunchTemplateId: web, Version: '1' },
    desiredCapacity: 4,
    ...overrides,
  });
}

/** A mixed policy: two m5 types on the main template, a g5 on the gpu template (version as given). */
function mixedPolicy(gpuVersion?: string, webVersion = '1'): MixedInstancesPolicy {
  return {
    LaunchTemplate: {
      LaunchTemplateSpecification: { LaunchTemplateId: web, Version: webVersion },
      Overrides: [
        { InstanceType: 'm5.large' },
        { InstanceType: 'm6i.large' },
        {
          InstanceType: 'g5.xlarge',
          LaunchTemplateSpecification: {
            LaunchTemplateName: 'gpu',
            ...(gpuVersion !== undefined ? { Version: gpuVersion } : {}),
          },
        },
      ],
    },
  };
}

function start(input: Partial<StartInstanceRefreshCommandInput> = {}) {
  return autoScaling.send(
    new StartInstanceRefreshCommand({
      AutoScalingGroupName: 'g',
      DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: web, Version: '3' } },
      ...input,
    }),
  );
}

/** Polls the refresh `times` times; returns the instance versions after each poll. */
async function pollVersions(times: number): Promise<(string | undefined)[][]> {
  const seen: (string | undefined)[][] = [];
  for (let i = 0; i < times; i += 1) {
    await autoScaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'g' }));
    seen.push(versions() ?? []);
  }
  return seen;
}

async function failure(promise: Promise<unknown>): Promise<AutoScalingServiceException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AutoScalingServiceException);
  return error as AutoScalingServiceException;
}

describe('instances (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Instance.html)', () => {
  test('a group launches desiredCapacity instances, each recording the NUMBER its reference resolved to', async () => {
    add({
      name: 'latest',
      launchTemplate: { LaunchTemplateName: 'web', Version: '$Latest' },
      desiredCapacity: 2,
    });
    add({ name: 'default', launchTemplate: { LaunchTemplateId: web }, desiredCapacity: 1 });

    expect(group('latest')?.instances).toEqual([
      {
        instanceId: 'i-00000000000000001',
        instanceType: 't3.micro',
        launchTemplate: { LaunchTemplateId: web, LaunchTemplateName: 'web', Version: '3' },
      },
      {
        instanceId: 'i-00000000000000002',
        instanceType: 't3.micro',
        launchTemplate: { LaunchTemplateId: web, LaunchTemplateName: 'web', Version: '3' },
      },
    ]);
    expect(versions('default')).toEqual(['2']);
    // The group keeps its reference style; only the instances carry numbers.
    const out = await autoScaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['latest'] }),
    );
    const described = out.AutoScalingGroups?.[0];
    expect(described?.LaunchTemplate?.Version).toBe('$Latest');
    expect(
      described?.Instances?.map((i) => [i.InstanceId, i.InstanceType, i.LaunchTemplate?.Version]),
    ).toEqual([
      ['i-00000000000000001', 't3.micro', '3'],
      ['i-00000000000000002', 't3.micro', '3'],
    ]);
    expect(described?.Instances?.[0]).toMatchObject({
      AvailabilityZone: 'eu-west-1a',
      LifecycleState: 'InService',
      HealthStatus: 'Healthy',
      LaunchTemplate: { LaunchTemplateId: web, LaunchTemplateName: 'web', Version: '3' },
    });
  });

  test('instance ids are valid EC2 ids (i- and 17 hex digits) and deterministic', () => {
    add();
    expect(ids()).toHaveLength(4);
    for (const id of ids()) expect(id).toMatch(/^i-[0-9a-f]{17}$/);
    const again = new FakeAccount();
    again.addLaunchTemplate({ name: 'web', versions: [{ data: {} }] });
    again.addAutoScalingGroup({
      name: 'g',
      launchTemplate: { LaunchTemplateName: 'web' },
      desiredCapacity: 4,
    });
    expect(again.snapshot().autoScalingGroups[0]?.instances.map((i) => i.instanceId)).toEqual(ids());
  });

  test('seeded instances say exactly what runs (lagging versions, another template, an instance type)', () => {
    add({
      mixedInstancesPolicy: mixedPolicy('1'),
      launchTemplate: undefined,
      desiredCapacity: undefined,
      instances: [
        { version: 1 },
        { version: 2, instanceType: 'm6i.large' },
        { version: 1, launchTemplateName: 'gpu' },
      ],
    });

    expect(group()?.desiredCapacity).toBe(3);
    expect(
      group()?.instances.map((i) => [
        i.instanceType,
        i.launchTemplate?.LaunchTemplateName,
        i.launchTemplate?.Version,
      ]),
    ).toEqual([
      ['m5.large', 'web', '1'],
      ['m6i.large', 'web', '2'],
      ['g5.xlarge', 'gpu', '1'],
    ]);
    expect(() => add({ name: 'bad', desiredCapacity: 2, instances: [{ version: 1 }] })).toThrow(
      /desiredCapacity 2/,
    );
  });

  test('DescribeAutoScalingInstances reports the same instances with their group', async () => {
    add({ desiredCapacity: 2 });
    const out = await autoScaling.send(
      new DescribeAutoScalingInstancesCommand({ InstanceIds: [ids()[1] ?? ''] }),
    );
    expect(out.AutoScalingInstances).toEqual([
      expect.objectContaining({
        InstanceId: ids()[1],
        AutoScalingGroupName: 'g',
        InstanceType: 't3.micro',
        LaunchTemplate: { LaunchTemplateId: web, LaunchTemplateName: 'web', Version: '1' },
      }),
    ]);
  });
});

describe('mixed instances: overrides with their own launch template (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-mixed-instances-groups-launch-template-overrides.html)', () => {
  test('instances spread round-robin over the override types; an override spec launches from its template, $Default when Version is omitted', () => {
    add({ launchTemplate: undefined, mixedInstancesPolicy: mixedPolicy(undefined), desiredCapacity: 6 });

    expect(
      group()?.instances.map(
        (i) => `${i.instanceType}:${i.launchTemplate?.LaunchTemplateName}:${i.launchTemplate?.Version}`,
      ),
    ).toEqual([
      'm5.large:web:1',
      'm6i.large:web:1',
      'g5.xlarge:gpu:1',
      'm5.large:web:1',
      'm6i.large:web:1',
      'g5.xlarge:gpu:1',
    ]);
  });

  test('override specs are stored like the main spec: id, name and Version', () => {
    add({ launchTemplate: undefined, mixedInstancesPolicy: mixedPolicy(undefined) });
    expect(group()?.mixedInstancesPolicy?.LaunchTemplate?.Overrides?.[2]).toEqual({
      InstanceType: 'g5.xlarge',
      LaunchTemplateSpecification: { LaunchTemplateId: gpu, LaunchTemplateName: 'gpu', Version: '$Default' },
    });
  });

  test("a successful refresh leaves each instance type on its own template's desired number", async () => {
    add({ launchTemplate: undefined, mixedInstancesPolicy: mixedPolicy('1'), desiredCapacity: 3 });

    await start({ DesiredConfiguration: { MixedInstancesPolicy: mixedPolicy('2', '3') } });
    await pollVersions(3);

    expect(
      group()?.instances.map(
        (i) => `${i.instanceType}:${i.launchTemplate?.LaunchTemplateName}:${i.launchTemplate?.Version}`,
      ),
    ).toEqual(['m5.large:web:3', 'm6i.large:web:3', 'g5.xlarge:gpu:2']);
  });
});

describe('launchInstances (a scale-out)', () => {
  test('launches from the current configuration resolved now: a $Latest group picks up a new version', async () => {
    add({
      name: 'follower',
      launchTemplate: { LaunchTemplateId: web, Version: '$Latest' },
      desiredCapacity: 1,
      maxSize: 4,
    });
    await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: web,
        SourceVersion: '3',
        LaunchTemplateData: { ImageId: 'ami-4' },
      }),
    );

    const launched = account.launchInstances('follower', 2);

    expect(launched.map((i: InstanceSnapshot) => i.launchTemplate?.Version)).toEqual(['4', '4']);
    expect(versions('follower')).toEqual(['3', '4', '4']);
    expect(group('follower')?.desiredCapacity).toBe(3);
  });

  test('UpdateAutoScalingGroup DesiredCapacity scales out from the current configuration and in from the mismatched first', async () => {
    add({ instances: [{ version: 2 }, { version: 1 }], desiredCapacity: undefined });

    await autoScaling.send(
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 3 }),
    );
    expect(versions()).toEqual(['2', '1', '1']);
    await autoScaling.send(
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 2 }),
    );
    expect(versions()).toEqual(['1', '1']);
  });
});

describe('instance refresh effects on instances (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-overview.html)', () => {
  test('succeed: half replaced at InProgress, all on the desired number at Successful (new instance ids)', async () => {
    add();
    const before = ids();

    await start();
    // Pending was entered at start; each poll moves one step.
    expect(versions()).toEqual(['1', '1', '1', '1']);
    expect(await pollVersions(2)).toEqual([
      ['3', '3', '1', '1'],
      ['3', '3', '3', '3'],
    ]);
    expect(ids().some((id) => before.includes(id))).toBe(false);
    expect(group()?.launchTemplate?.Version).toBe('3');
  });

  test('every InProgress step replaces at least one instance while some remain', async () => {
    add({
      desiredCapacity: 2,
      refresh: ['Pending', 'InProgress', 'InProgress', 'InProgress', 'InProgress', 'Successful'],
    });
    await start();
    const seen = await pollVersions(5);
    expect(seen.map((v) => v.filter((x) => x === '3').length)).toEqual([1, 2, 2, 2, 2]);
  });

  test("rollback: back on the group's saved (pinned) configuration at RollbackSuccessful", async () => {
    add({ refresh: 'rollback' });
    await start({ Preferences: { AutoRollback: true } });

    const seen = await pollVersions(3);

    expect(seen[1]).toContain('3'); // RollbackInProgress: some replaced instances still on the new version
    expect(seen[2]).toEqual(['1', '1', '1', '1']);
    expect(group()?.launchTemplate?.Version).toBe('1');
  });

  test('failed and cancelled refreshes leave what they replaced on the new version (mixed)', async () => {
    add({ refresh: 'fail' });
    await start();
    await pollVersions(2);
    expect(versions()).toEqual(['3', '3', '1', '1']);
    expect(group()?.launchTemplate?.Version).toBe('1');
  });

  test('SkipMatching (off by default: https://docs.aws.amazon.com/autoscaling/ec2/userguide/understand-instance-refresh-default-values.html) keeps matching instances', async () => {
    add({
      instances: [{ version: 3 }, { version: 1 }, { version: 3 }, { version: 1 }],
      desiredCapacity: undefined,
    });
    const [a, b, c, d] = ids();

    await start({ Preferences: { SkipMatching: true } });
    await pollVersions(2);

    expect(versions()).toEqual(['3', '3', '3', '3']);
    expect(ids()[0]).toBe(a);
    expect(ids()[2]).toBe(c);
    expect(ids()[1]).not.toBe(b);
    expect(ids()[3]).not.toBe(d);
  });

  test('without SkipMatching every instance is replaced, even one already matching', async () => {
    add({ instances: [{ version: 3 }, { version: 1 }], desiredCapacity: undefined });
    const before = ids();
    await start();
    await pollVersions(2);
    expect(ids().filter((id) => before.includes(id))).toEqual([]);
  });

  test('SkipMatching with nothing to replace succeeds at once (https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-instance-refresh-skip-matching.html)', async () => {
    add({ instances: [{ version: 3 }, { version: 3 }], desiredCapacity: undefined, refresh: 'fail' });
    const before = ids();
    const { InstanceRefreshId } = await start({ Preferences: { SkipMatching: true } });
    expect(account.snapshot().instanceRefreshes.find((r) => r.id === InstanceRefreshId)?.status).toBe(
      'Successful',
    );
    expect(ids()).toEqual(before);
  });

  test("a refresh without desired configuration replaces instances with the group's current configuration", async () => {
    add({
      launchTemplate: { LaunchTemplateId: web, Version: '$Default' },
      instances: [{ version: 1 }, { version: 1 }],
      desiredCapacity: undefined,
    });
    await start({ DesiredConfiguration: undefined });
    await pollVersions(2);
    expect(versions()).toEqual(['2', '2']);
    expect(group()?.launchTemplate?.Version).toBe('$Default');
  });
});

describe('AWS refuses malformed launch template specifications (ValidationError)', () => {
  const both = { LaunchTemplateId: 'lt-00000000000000001', LaunchTemplateName: 'web', Version: '1' };

  test('UpdateAutoScalingGroup: a spec naming both id and name, main or override', async () => {
    add();
    const main = await failure(
      autoScaling.send(
        new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'g', LaunchTemplate: both }),
      ),
    );
    expect(main).toMatchObject({
      name: 'ValidationError',
      message: 'Valid requests must contain either launchTemplateId or LaunchTemplateName',
    });
    const policy = mixedPolicy('1');
    const override = policy.LaunchTemplate?.Overrides?.[2];
    if (override)
      override.LaunchTemplateSpecification = { ...both, LaunchTemplateId: gpu, LaunchTemplateName: 'gpu' };
    const inOverride = await failure(
      autoScaling.send(
        new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'g', MixedInstancesPolicy: policy }),
      ),
    );
    expect(inOverride.name).toBe('ValidationError');
    expect(group()?.launchTemplate).toEqual({
      LaunchTemplateId: web,
      LaunchTemplateName: 'web',
      Version: '1',
    });
  });

  test('a Version that is not $Latest, $Default or a positive number', async () => {
    add();
    for (const Version of ['abc', '0', '-1', '1.5', '$latest']) {
      const error = await failure(
        autoScaling.send(
          new UpdateAutoScalingGroupCommand({
            AutoScalingGroupName: 'g',
            LaunchTemplate: { LaunchTemplateId: web, Version },
          }),
        ),
      );
      expect(error).toMatchObject({
        name: 'ValidationError',
        message:
          "Invalid launch template version: either '$Default', '$Latest', or a numeric version are allowed.",
      });
    }
  });

  test('StartInstanceRefresh DesiredConfiguration: the same checks, main spec and overrides; no refresh starts', async () => {
    add();
    const main = await failure(start({ DesiredConfiguration: { LaunchTemplate: both } }));
    expect(main.name).toBe('ValidationError');
    const badVersion = await failure(
      start({ DesiredConfiguration: { MixedInstancesPolicy: mixedPolicy('abc') } }),
    );
    expect(badVersion.message).toMatch(/^Invalid launch template version/);
    expect(account.snapshot().instanceRefreshes).toEqual([]);
  });
});

describe('snapshot and resolveReference', () => {
  test('refreshes keep their desired configuration; resolveReference gives the number that exists now', async () => {
    add();
    await start();
    expect(account.snapshot().instanceRefreshes[0]?.desiredConfiguration).toEqual({
      LaunchTemplate: { LaunchTemplateId: web, LaunchTemplateName: 'web', Version: '3' },
    });
    expect(account.resolveReference(web, '$Default')).toBe(2);
    expect(account.resolveReference('web', '$Latest')).toBe(3);
    expect(account.resolveReference('gpu', '2')).toBe(2);
    expect(account.resolveReference('gpu', '7')).toBeUndefined();
    expect(account.resolveReference('nope', '$Default')).toBeUndefined();
    expect(account.versionData('web', 3)).toEqual({ ImageId: 'ami-3', InstanceType: 't3.micro' });
  });
});

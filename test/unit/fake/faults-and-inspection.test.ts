// Fault injection, the call log and snapshots, through the real SDK clients.
import {
  AutoScalingClient,
  AutoScalingServiceException,
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  ResourceContentionFault,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  EC2ServiceException,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { FakeAccount } from '../../../src/fake/account.ts';
import { installFakeAccount, UnmodelledCommandError } from '../../../src/fake/install.ts';

let account: FakeAccount;
let restore: () => void;
let templateId: string;
const autoScaling = new AutoScalingClient({ region: 'eu-west-1' });
const ec2 = new EC2Client({ region: 'eu-west-1' });

beforeEach(() => {
  account = new FakeAccount();
  templateId = account.addLaunchTemplate({ name: 'web', versions: [{ data: { ImageId: 'ami-1' } }] }).id;
  account.addAutoScalingGroup({ name: 'g', launchTemplate: { LaunchTemplateId: templateId, Version: '1' } });
  ({ restore } = installFakeAccount(account));
});
afterEach(() => restore());

const describeGroup = () =>
  autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['g'] }));

// Clients that do not retry show each injected error as it reaches the SDK; the default ones (3
// attempts, standard mode) show the SDK's retries absorbing it (sdk-retries.test.ts has more).
const autoScalingOnce = new AutoScalingClient({ region: 'eu-west-1', maxAttempts: 1 });
const ec2Once = new EC2Client({ region: 'eu-west-1', maxAttempts: 1 });
const describeGroupOnce = () =>
  autoScalingOnce.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['g'] }));

describe('failNext', () => {
  test('Auto Scaling throttling is "Throttling" / "Rate exceeded" (https://repost.aws/knowledge-center/autoscaling-api-calls-throttled), twice, then the call succeeds', async () => {
    account.failNext('DescribeAutoScalingGroups', 'Throttling', 2);

    const first = await describeGroupOnce().catch((e: unknown) => e);
    const second = await describeGroupOnce().catch((e: unknown) => e);
    const third = await describeGroupOnce();

    expect(first).toBeInstanceOf(AutoScalingServiceException);
    expect(first).toMatchObject({
      name: 'Throttling',
      message: 'Rate exceeded',
      $fault: 'client',
      $metadata: { httpStatusCode: 400, attempts: 1 },
    });
    expect((second as Error).name).toBe('Throttling');
    expect(third.AutoScalingGroups).toHaveLength(1);
    expect(account.callsOf('DescribeAutoScalingGroups').map((c) => c.error)).toEqual([
      'Throttling',
      'Throttling',
      undefined,
    ]);
  });

  test('through a retrying client the SDK absorbs the same two throttles: one call, three attempts', async () => {
    account.failNext('DescribeAutoScalingGroups', 'Throttling', 2);

    const out = await describeGroup();

    expect(out.AutoScalingGroups).toHaveLength(1);
    expect(out.$metadata.attempts).toBe(3);
    expect(account.callsOf('DescribeAutoScalingGroups')).toHaveLength(3);
  });

  test('EC2 throttling is RequestLimitExceeded (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html) and a failed mutating call changes nothing', async () => {
    account.failNext('CreateLaunchTemplateVersion', 'RequestLimitExceeded');

    const error = await ec2Once
      .send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateId: templateId,
          SourceVersion: '1',
          LaunchTemplateData: {},
        }),
      )
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EC2ServiceException);
    expect((error as Error).name).toBe('RequestLimitExceeded');
    expect(account.snapshot().launchTemplates[0]?.latestVersion).toBe(1);
  });

  test('modelled Auto Scaling faults come as the SDK classes, by wire code or class name', async () => {
    account.failNext('UpdateAutoScalingGroup', 'ResourceContention');
    account.failNext('UpdateAutoScalingGroup', 'ResourceContentionFault');

    const update = () =>
      autoScalingOnce.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'g', MinSize: 0 }));

    // ResourceContention is a server fault (500), so a retrying client would retry it.
    await expect(update()).rejects.toMatchObject({ $fault: 'server', $metadata: { httpStatusCode: 500 } });
    await expect(update()).rejects.toBeInstanceOf(ResourceContentionFault);
    await update();
  });
});

describe('throttleEveryCallOnce', () => {
  test('every distinct call fails once with its service throttling error, then succeeds when retried', async () => {
    account.throttleEveryCallOnce();
    const versions = (client: EC2Client) =>
      client.send(
        new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId, Versions: ['1'] }),
      );

    await expect(describeGroupOnce()).rejects.toMatchObject({ name: 'Throttling' });
    await expect(versions(ec2Once)).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
    expect((await describeGroupOnce()).AutoScalingGroups).toHaveLength(1);
    expect((await versions(ec2Once)).LaunchTemplateVersions).toHaveLength(1);
  });

  test('a retrying client sees no error: the SDK retries once', async () => {
    account.throttleEveryCallOnce();

    const out = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId, Versions: ['1'] }),
    );

    expect(out.$metadata.attempts).toBe(2);
    expect(account.callsOf('DescribeLaunchTemplateVersions').map((c) => c.error)).toEqual([
      'RequestLimitExceeded',
      undefined,
    ]);
  });
});

describe('calls and snapshot', () => {
  test('calls log every command with its input; mutatingCalls() keeps the changes', async () => {
    await describeGroup();
    await autoScaling.send(
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 3 }),
    );

    expect(account.calls).toEqual([
      {
        service: 'autoscaling',
        command: 'DescribeAutoScalingGroups',
        input: { AutoScalingGroupNames: ['g'] },
        mutating: false,
      },
      {
        service: 'autoscaling',
        command: 'UpdateAutoScalingGroup',
        input: { AutoScalingGroupName: 'g', DesiredCapacity: 3 },
        mutating: true,
      },
    ]);
    expect(account.mutatingCalls().map((c) => c.command)).toEqual(['UpdateAutoScalingGroup']);
  });

  test('snapshot() is plain JSON (survives a JSON round trip) with deterministic ids and times', () => {
    const snapshot = account.snapshot();

    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(snapshot.launchTemplates[0]).toMatchObject({
      id: 'lt-00000000000000001',
      defaultVersion: 1,
      latestVersion: 1,
      versions: [{ versionNumber: 1, createdAt: '2026-01-05T03:00:01.000Z', data: { ImageId: 'ami-1' } }],
    });
    expect(snapshot.autoScalingGroups[0]).toMatchObject({
      name: 'g',
      launchTemplate: { LaunchTemplateId: 'lt-00000000000000001', LaunchTemplateName: 'web', Version: '1' },
    });
  });

  test('an injectable clock stamps creation times', () => {
    const other = new FakeAccount({ now: () => new Date('2030-06-01T00:00:00Z') });
    other.addLaunchTemplate({ name: 'x', versions: [{ data: {} }] });

    expect(other.snapshot().launchTemplates[0]?.versions[0]?.createdAt).toBe('2030-06-01T00:00:00.000Z');
  });

  test('a command the fake does not model fails with a clear error', async () => {
    const error = await autoScaling.send(new DescribeScalingActivitiesCommand({})).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnmodelledCommandError);
    expect((error as Error).message).toMatch(/does not model Auto Scaling DescribeScalingActivities/);
  });

  test('restore() gives the SDK clients back', async () => {
    restore();
    const other = installFakeAccount(new FakeAccount());

    const out = await describeGroup();

    expect(out.AutoScalingGroups).toEqual([]);
    other.restore();
  });
});

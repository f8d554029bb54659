// The simulated account's request token buckets (src/fake/token-buckets.ts): their arithmetic on the
// scaled clock, the answers an empty bucket gives through the real SDK clients, and the SDK's own
// adaptive retry, waiting on the same scaled clock, absorbing the throttles.
import {
  AutoScalingClient,
  AutoScalingServiceException,
  DescribeAutoScalingGroupsCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplatesCommand,
  EC2Client,
  EC2ServiceException,
} from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, test } from 'vitest';
import { FakeAccount, type FakeAccountOptions } from '../../../src/fake/account.ts';
import { installFakeAccount } from '../../../src/fake/install.ts';
import { ScaledClock, TokenBucket, TokenBuckets } from '../../../src/fake/token-buckets.ts';

/** A clock the test moves by hand, in simulated seconds. */
const handClock = () => {
  const clock = { now: 0, seconds: () => clock.now };
  return clock;
};

describe('TokenBucket', () => {
  test('starts full, gives burst tokens at once, then refill per simulated second, never above burst', () => {
    const clock = handClock();
    const bucket = new TokenBucket({ burst: 3, refill: 2 }, clock);

    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    clock.now = 0.4; // 0.8 tokens: not yet one
    expect(bucket.take()).toBe(false);
    clock.now = 0.5; // 1 token
    expect(bucket.take()).toBe(true);
    clock.now = 100; // long idle: capped at the burst
    expect(bucket.available()).toBe(3);
  });

  test('a refusal takes no token: refused calls do not delay the next token', () => {
    const clock = handClock();
    const bucket = new TokenBucket({ burst: 1, refill: 1 }, clock);
    bucket.take();

    for (let i = 0; i < 10; i++) expect(bucket.take()).toBe(false);
    clock.now = 1;

    expect(bucket.take()).toBe(true);
  });
});

describe('ScaledClock', () => {
  test('k simulated seconds per wall second, and a sleep of d simulated ms lasts d / k wall ms', async () => {
    const clock = new ScaledClock(100);
    const started = performance.now();

    await clock.sleep(5_000); // 5 simulated seconds: 50 wall ms

    const wallMs = performance.now() - started;
    expect(wallMs).toBeGreaterThanOrEqual(45);
    expect(wallMs).toBeLessThan(1_000);
    expect(clock.seconds()).toBeGreaterThanOrEqual(4.5);
    expect(clock.seconds()).toBeCloseTo((wallMs / 1000) * 100, 0);
  });

  test('a bucket on the scaled clock refills refill * k tokens per wall second', async () => {
    const buckets = new TokenBuckets({ scale: 1_000, autoScaling: { burst: 1, refill: 1 } });
    expect(buckets.take('autoscaling', 'DescribeAutoScalingGroups')).toBe(true);
    expect(buckets.take('autoscaling', 'DescribeAutoScalingGroups')).toBe(false);

    await new Promise((resolve) => setTimeout(resolve, 5)); // 5 simulated seconds

    expect(buckets.take('autoscaling', 'DescribeAutoScalingGroups')).toBe(true);
  });

  test('refuses a scale that is not a positive number', () => {
    expect(() => new ScaledClock(0)).toThrow(/positive/);
  });
});

let restore: (() => void) | undefined;
afterEach(() => restore?.());

function accountWith(tokenBuckets: FakeAccountOptions['tokenBuckets']): {
  account: FakeAccount;
  templateId: string;
} {
  const account = new FakeAccount({ tokenBuckets });
  const templateId = account.addLaunchTemplate({
    name: 'web',
    versions: [{ data: { ImageId: 'ami-1' } }],
  }).id;
  account.addAutoScalingGroup({ name: 'g', launchTemplate: { LaunchTemplateId: templateId, Version: '1' } });
  ({ restore } = installFakeAccount(account));
  return { account, templateId };
}

/** One CreateLaunchTemplateVersion from version 1 of the template, per call of the returned function. */
const creates = (client: EC2Client, templateId: string) => () =>
  client.send(
    new CreateLaunchTemplateVersionCommand({
      LaunchTemplateId: templateId,
      SourceVersion: '1',
      LaunchTemplateData: {},
    }),
  );

/** Settles every promise, keeping each outcome. */
const settle = (calls: Promise<unknown>[]) => Promise.allSettled(calls);
/** Practically no refill within a test. */
const NO_REFILL = 1e-6;

describe('an empty bucket answers as AWS does, through the real SDK clients', () => {
  test('EC2: a burst of 5 CreateLaunchTemplateVersion on a 3-token bucket: 3 succeed, 2 are RequestLimitExceeded (503) and create nothing', async () => {
    const { account, templateId } = accountWith({
      ec2: { CreateLaunchTemplateVersion: { burst: 3, refill: NO_REFILL } },
    });
    const once = new EC2Client({ region: 'eu-west-1', maxAttempts: 1 });
    const create = creates(once, templateId);

    const outcomes = await settle(Array.from({ length: 5 }, create));

    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
    ]);
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    for (const error of refused) {
      expect(error).toBeInstanceOf(EC2ServiceException);
      expect(error).toMatchObject({
        name: 'RequestLimitExceeded',
        message: 'Request limit exceeded.',
        $fault: 'server',
        $metadata: { httpStatusCode: 503, attempts: 1 },
      });
    }
    expect(account.snapshot().launchTemplates[0]?.latestVersion).toBe(4);
    expect(account.callsOf('CreateLaunchTemplateVersion').map((c) => c.throttled ?? false)).toEqual([
      false,
      false,
      false,
      true,
      true,
    ]);
  });

  test('EC2: each action has its own bucket, so an empty CreateLaunchTemplateVersion bucket leaves Describe* alone', async () => {
    const { account, templateId } = accountWith({
      ec2: { CreateLaunchTemplateVersion: { burst: 1, refill: NO_REFILL } },
    });
    const once = new EC2Client({ region: 'eu-west-1', maxAttempts: 1 });
    const create = creates(once, templateId);
    await create();
    await expect(create()).rejects.toMatchObject({ name: 'RequestLimitExceeded' });

    const described = await once.send(
      new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [templateId] }),
    );

    expect(described.LaunchTemplates).toHaveLength(1);
    expect(account.calls.filter((c) => c.throttled).map((c) => c.command)).toEqual([
      'CreateLaunchTemplateVersion',
    ]);
  });

  test('Auto Scaling: every call shares one bucket; over it the answer is Throttling "Rate exceeded" (400)', async () => {
    const { account } = accountWith({ autoScaling: { burst: 2, refill: NO_REFILL } });
    const once = new AutoScalingClient({ region: 'eu-west-1', maxAttempts: 1 });

    await once.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['g'] }));
    await once.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 3 }));
    const error = await once
      .send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 4 }))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AutoScalingServiceException);
    expect(error).toMatchObject({
      name: 'Throttling',
      message: 'Rate exceeded',
      $fault: 'client',
      $metadata: { httpStatusCode: 400, attempts: 1 },
    });
    // The refused update changed nothing.
    expect(account.snapshot().autoScalingGroups[0]?.desiredCapacity).toBe(3);
    expect(account.calls.map((c) => [c.command, c.error])).toEqual([
      ['DescribeAutoScalingGroups', undefined],
      ['UpdateAutoScalingGroup', undefined],
      ['UpdateAutoScalingGroup', 'Throttling'],
    ]);
  });
});

describe('the SDK, in adaptive mode with its waits on the scaled clock, absorbs throttling', () => {
  test('60 concurrent describes on a 10-token bucket refilling 20/s all succeed, paced no faster than the bucket allows', async () => {
    // scale 50: the (60 - 10) / 20 = 2.5 simulated seconds the bucket needs take 50 wall ms.
    const { account, templateId } = accountWith({
      scale: 50,
      ec2: { DescribeLaunchTemplates: { burst: 10, refill: 20 } },
    });
    const client = new EC2Client({ region: 'eu-west-1', retryMode: 'adaptive', maxAttempts: 5 });

    const outcomes = await settle(
      Array.from({ length: 60 }, () =>
        client.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [templateId] })),
      ),
    );

    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    const calls = account.callsOf('DescribeLaunchTemplates');
    const served = calls.filter((c) => !c.throttled);
    expect(served).toHaveLength(60);
    expect(calls.filter((c) => c.throttled).length).toBeGreaterThan(0);
    const times = served.map((c) => c.atSeconds ?? Number.NaN);
    // The 50 calls past the burst could not be served in less than 50 / 20 simulated seconds.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(2.4);
  });

  test('standard mode sleeps the SDK backoff divided by the scale: 4 throttled retries cost milliseconds, not seconds', async () => {
    // A token every 100 simulated seconds: at scale 1,000, one per 100 wall ms, longer than the retries.
    const { account, templateId } = accountWith({
      scale: 1_000,
      ec2: { DescribeLaunchTemplates: { burst: 1, refill: 0.01 } },
    });
    const client = new EC2Client({ region: 'eu-west-1', retryMode: 'standard', maxAttempts: 5 });
    const describe = () =>
      client.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [templateId] }));
    await describe();
    const started = performance.now();

    const error = await describe().catch((e: unknown) => e);

    // The SDK's throttling backoff (full jitter on 1, 2, 4, 8 s) is at most 15 s; scaled, 15 ms.
    expect(error).toMatchObject({ name: 'RequestLimitExceeded', $metadata: { attempts: 5 } });
    expect(
      (error as { $metadata: { totalRetryDelay: number } }).$metadata.totalRetryDelay,
    ).toBeLessThanOrEqual(15);
    expect(performance.now() - started).toBeLessThan(100);
    expect(account.callsOf('DescribeLaunchTemplates').filter((c) => c.throttled)).toHaveLength(5);
  });
});

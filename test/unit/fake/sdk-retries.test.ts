// The fake account inside the SDK clients' middleware stack: the SDK's own retry strategy runs
// against it (attempts, adaptive mode, classification), and a per-call fault plan injects throttles,
// 5xx errors before the effect, and lost responses after it.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AutoScalingClient,
  AutoScalingServiceException,
  DescribeAutoScalingGroupsCommand,
  InstanceRefreshInProgressFault,
  StartInstanceRefreshCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplatesCommand,
  EC2Client,
  EC2ServiceException,
} from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, test } from 'vitest';
import { FakeAccount } from '../../../src/fake/account.ts';
import { FAKE_ACCOUNT_MIDDLEWARE, installFakeAccount } from '../../../src/fake/install.ts';

let account: FakeAccount;
let templateId: string;
let restore: () => void;

beforeEach(() => {
  account = new FakeAccount();
  templateId = account.addLaunchTemplate({
    name: 'web',
    versions: [{ data: { ImageId: 'ami-1' } }, { data: { ImageId: 'ami-2' } }],
  }).id;
  account.addAutoScalingGroup({ name: 'g', launchTemplate: { LaunchTemplateId: templateId, Version: '1' } });
  ({ restore } = installFakeAccount(account));
  return restore;
});

/** Clients as src/clients/*.ts builds them: adaptive, 5 attempts, and (at module scope) no Region. */
const adaptive = () => new AutoScalingClient({ retryMode: 'adaptive', maxAttempts: 5 });
const describeGroup = (client: AutoScalingClient) =>
  client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['g'] }));

async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error & Record<string, unknown>;
}

describe('the SDK retry strategy runs against the fake', () => {
  test('a throttle on the first attempt is absorbed: the account logs two attempts, $metadata.attempts is 2', async () => {
    account.planFaults({ command: 'DescribeAutoScalingGroups', nth: 1, kind: 'throttle' });

    const out = await describeGroup(new AutoScalingClient({ region: 'eu-west-1' }));

    expect(out.AutoScalingGroups?.map((g) => g.AutoScalingGroupName)).toEqual(['g']);
    expect(out.$metadata).toMatchObject({ httpStatusCode: 200, attempts: 2 });
    expect(account.callsOf('DescribeAutoScalingGroups')).toEqual([
      expect.objectContaining({ error: 'Throttling', fault: 'throttle' }),
      expect.not.objectContaining({ error: expect.anything() }),
    ]);
  });

  test('adaptive mode, maxAttempts 5: throttled on every attempt, the SDK gives up after 5, with no real backoff', async () => {
    account.planFaults({ command: 'DescribeAutoScalingGroups', when: () => true, kind: 'throttle' });
    const started = Date.now();

    const error = await rejection(describeGroup(adaptive()));

    expect(error).toBeInstanceOf(AutoScalingServiceException);
    expect(error).toMatchObject({ name: 'Throttling', $metadata: { attempts: 5, totalRetryDelay: 0 } });
    expect(account.callsOf('DescribeAutoScalingGroups')).toHaveLength(5);
    // The SDK's throttling backoff starts at 1 s (Retry.throttlingDelay); the simulated one is 0 ms.
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('a client error is not retried and comes as the SDK class the deserializer would build', async () => {
    await account.handle('autoscaling', 'StartInstanceRefresh', { AutoScalingGroupName: 'g' });

    const error = await rejection(
      adaptive().send(new StartInstanceRefreshCommand({ AutoScalingGroupName: 'g' })),
    );

    expect(error).toBeInstanceOf(InstanceRefreshInProgressFault);
    expect(error).toMatchObject({ $fault: 'client', $metadata: { httpStatusCode: 400, attempts: 1 } });
  });

  test('an EC2 error is EC2ServiceException with the wire code as its name', async () => {
    const error = await rejection(
      new EC2Client({ region: 'eu-west-1' }).send(
        new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['nope'] }),
      ),
    );

    expect(error).toBeInstanceOf(EC2ServiceException);
    expect(error).toMatchObject({
      name: 'InvalidLaunchTemplateName.NotFoundException',
      $fault: 'client',
      $metadata: { attempts: 1 },
    });
  });
});

describe('fault plan', () => {
  test('fail-before: a 5xx (InternalFailure) with nothing changed; the SDK retries it as transient', async () => {
    account.planFaults({ command: 'UpdateAutoScalingGroup', nth: 1, kind: 'fail-before' });
    const once = new AutoScalingClient({ region: 'eu-west-1', maxAttempts: 1 });

    const error = await rejection(
      once.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 3 })),
    );
    expect(error).toMatchObject({
      name: 'InternalFailure',
      $fault: 'server',
      $metadata: { httpStatusCode: 500 },
    });
    expect(account.snapshot().autoScalingGroups[0]?.desiredCapacity).toBe(2);

    account.planFaults({
      command: 'UpdateAutoScalingGroup',
      nth: 2,
      kind: 'fail-before',
      errorName: 'ServiceUnavailable',
    });
    const out = await adaptive().send(
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 3 }),
    );
    expect(out.$metadata.attempts).toBe(2);
    expect(account.snapshot().autoScalingGroups[0]?.desiredCapacity).toBe(3);
    expect(account.callsOf('UpdateAutoScalingGroup').map((c) => [c.fault, c.error])).toEqual([
      ['fail-before', 'InternalFailure'],
      ['fail-before', 'ServiceUnavailable'],
      [undefined, undefined],
    ]);
  });

  test('EC2 fail-before is InternalError by default', async () => {
    account.planFaults({ command: 'DescribeLaunchTemplates', nth: 1, kind: 'fail-before' });
    const error = await rejection(
      new EC2Client({ region: 'eu-west-1', maxAttempts: 1 }).send(new DescribeLaunchTemplatesCommand({})),
    );
    expect(error).toBeInstanceOf(EC2ServiceException);
    expect(error).toMatchObject({ name: 'InternalError', $metadata: { httpStatusCode: 500 } });
  });

  test("lose-response: the change is applied, then the caller gets the node HTTP handler's socket error", async () => {
    account.planFaults({ command: 'UpdateAutoScalingGroup', nth: 1, kind: 'lose-response' });
    const once = new AutoScalingClient({ region: 'eu-west-1', maxAttempts: 1 });

    const error = await rejection(
      once.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 4 })),
    );

    expect(error).toMatchObject({ name: 'TimeoutError', code: 'ECONNRESET', message: 'socket hang up' });
    expect(account.snapshot().autoScalingGroups[0]?.desiredCapacity).toBe(4);
    expect(account.calls.at(-1)).toMatchObject({ fault: 'lose-response', error: 'TimeoutError' });
  });

  test('lose-response on CreateLaunchTemplateVersion: the SDK retries with the ClientToken it generated, so one version is created', async () => {
    account.planFaults({
      command: 'CreateLaunchTemplateVersion',
      nth: 1,
      kind: 'lose-response',
      network: 'timeout',
    });

    const out = await new EC2Client({ maxAttempts: 3 }).send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: templateId,
        SourceVersion: '2',
        LaunchTemplateData: { ImageId: 'ami-3' },
      }),
    );

    expect(out.LaunchTemplateVersion?.VersionNumber).toBe(3);
    expect(out.$metadata.attempts).toBe(2);
    expect(account.snapshot().launchTemplates[0]?.latestVersion).toBe(3);
    const tokens = account
      .callsOf('CreateLaunchTemplateVersion')
      .map((c) => (c.input as { ClientToken?: string }).ClientToken);
    expect(tokens[0]).toEqual(expect.any(String));
    expect(tokens[1]).toBe(tokens[0]);
  });

  test('lose-response on StartInstanceRefresh: the SDK retry meets InstanceRefreshInProgress, and the refresh exists', async () => {
    account.planFaults({ command: 'StartInstanceRefresh', nth: 1, kind: 'lose-response' });

    const error = await rejection(
      adaptive().send(new StartInstanceRefreshCommand({ AutoScalingGroupName: 'g' })),
    );

    expect(error).toBeInstanceOf(InstanceRefreshInProgressFault);
    expect(error).toMatchObject({ $metadata: { attempts: 2 } });
    expect(account.snapshot().instanceRefreshes).toHaveLength(1);
  });

  test('a predicate picks calls by input, at most `times` of them', async () => {
    account.planFaults({
      command: 'DescribeAutoScalingGroups',
      when: ({ input }) => JSON.stringify(input).includes('"g"'),
      times: 2,
      kind: 'throttle',
    });
    const client = adaptive();

    await client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['other'] }));
    const out = await describeGroup(client);

    expect(out.$metadata.attempts).toBe(3);
    expect(account.callsOf('DescribeAutoScalingGroups').map((c) => c.fault ?? null)).toEqual([
      null,
      'throttle',
      'throttle',
      null,
    ]);
  });

  test('a plan entry gives exactly one of nth and when', () => {
    expect(() => account.planFaults({ command: 'DescribeAutoScalingGroups', kind: 'throttle' })).toThrow(
      /exactly one of nth and when/,
    );
  });
});

describe('installation', () => {
  test('the middleware is added lazily to each client and removed on restore', async () => {
    const client = new AutoScalingClient({ region: 'eu-west-1' });
    expect(client.middlewareStack.identify().join()).not.toContain(FAKE_ACCOUNT_MIDDLEWARE);

    await describeGroup(client);
    expect(client.middlewareStack.identify().join()).toContain(FAKE_ACCOUNT_MIDDLEWARE);

    restore();
    expect(client.middlewareStack.identify().join()).not.toContain(FAKE_ACCOUNT_MIDDLEWARE);
  });

  test('installing again replaces the previous account', async () => {
    const client = new AutoScalingClient({ region: 'eu-west-1' });
    await describeGroup(client);
    const other = installFakeAccount(new FakeAccount());

    expect((await describeGroup(client)).AutoScalingGroups).toEqual([]);
    other.restore();
  });

  test('asg-patcher run does not load aws-sdk-client-mock: no module reachable from src/cli/run.ts imports it', () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const [, spec] of source.matchAll(
        /(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]/g,
      )) {
        if (!spec) continue;
        if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
        else packages.add(spec);
      }
    };
    visit(resolve(root, 'src/cli/run.ts'));

    expect(seen.has(resolve(root, 'src/fake/install.ts'))).toBe(true);
    expect([...packages].filter((p) => p.startsWith('aws-sdk-client-mock'))).toEqual([]);
  });
});

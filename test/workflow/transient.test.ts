/**
 * Transient errors are the state machine's Retry's job: throttling from EC2 / Auto Scaling (the
 * fake answers like AWS: `Throttling` "Rate exceeded", `RequestLimitExceeded`) and Lambda service
 * errors. The run ends exactly as it would have without them.
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 */
import { describe, expect, it } from 'vitest';
import {
  buildInput,
  FakeAccount,
  referenceOf,
  refreshesOf,
  resultOf,
  run,
  seedGroup,
  templateOf,
} from './helpers.ts';

/** A Lambda service error as the Step Functions Lambda integration names it. */
class LambdaServiceException extends Error {
  override readonly name = 'Lambda.ServiceException';
}

describe('transient errors', () => {
  it('survives throttling of every single AWS call once, ending in the same state as an unthrottled run', async () => {
    const account = new FakeAccount();
    const web = seedGroup(account, 'web', { reference: '$Default' });
    const spot = seedGroup(account, 'spot', { reference: '1', mixedInstances: true });
    account.throttleEveryCallOnce();

    const result = await run(account, buildInput({ targets: { asgNames: ['web', 'spot'] } }));

    expect(result.status).toBe('SUCCEEDED');
    expect(templateOf(account, web.templateId).versions.map((v) => v.versionNumber)).toEqual([1, 2]);
    expect(templateOf(account, web.templateId).defaultVersion).toBe(2);
    expect(templateOf(account, spot.templateId).defaultVersion).toBe(2);
    expect(referenceOf(account, 'web')).toBe('$Default');
    expect(referenceOf(account, 'spot')).toBe('2');
    expect(refreshesOf(account, 'web').map((r) => r.status)).toEqual(['Successful']);
    const throttled = account.calls.filter((c) => c.error !== undefined);
    expect(new Set(throttled.map((c) => c.error))).toEqual(new Set(['Throttling', 'RequestLimitExceeded']));
    // Every command the run used was throttled at least once; the SDK's own retry (inside the
    // client, against the fake) absorbed each one, so the state machine never had to retry.
    expect(new Set(throttled.map((c) => c.command))).toEqual(new Set(account.calls.map((c) => c.command)));
    expect(result.events.filter((e) => e.type === 'retried')).toEqual([]);
  });

  it("hands a throttle that outlasts the SDK's attempts to the state machine's Retry, which recovers", async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'web', { reference: '$Default' });
    // CLIENT_CONFIG.maxAttempts (5) throttles in a row: the SDK gives up, the Task fails with Throttling.
    account.planFaults({ command: 'UpdateAutoScalingGroup', when: () => true, times: 5, kind: 'throttle' });

    const result = await run(account, buildInput({ targets: { asgNames: ['web'] } }));

    expect(result.status).toBe('SUCCEEDED');
    expect(result.events.filter((e) => e.type === 'retried').map((e) => [e.state, e.attempt])).toEqual([
      ['PinAutoScalingGroup', 1],
    ]);
    expect(templateOf(account, templateId).defaultVersion).toBe(2);
    expect(referenceOf(account, 'web')).toBe('$Default');
  });

  it('retries a Lambda.ServiceException and creates exactly one version', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'web', { reference: '1' });
    let failures = 0;

    const result = await run(account, buildInput({ targets: { asgNames: ['web'] } }), {
      handlerOverrides: {
        CreatePatchedVersion: async (input, next) => {
          if (failures === 0) {
            failures += 1;
            throw new LambdaServiceException('Lambda was unable to run the function (simulated)');
          }
          return next(input);
        },
      },
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(failures).toBe(1);
    expect(
      result.events.filter((e) => e.type === 'retried').map((e) => [e.asgName, e.state, e.attempt]),
    ).toEqual([[undefined, 'CreatePatchedVersion', 1]]);
    expect(templateOf(account, templateId).versions.map((v) => v.versionNumber)).toEqual([1, 2]);
    expect(resultOf(result, 'web')).toMatchObject({
      status: 'succeeded',
      launchTemplates: [{ toVersion: 2 }],
    });
  });

  it('gives up after the retry budget and restores the group (a Lambda that keeps failing)', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'web', { reference: '$Default' });

    const result = await run(account, buildInput({ targets: { asgNames: ['web'] } }), {
      handlerOverrides: {
        StartInstanceRefresh: async () => {
          throw new LambdaServiceException('Lambda is down (simulated)');
        },
      },
    });

    expect(result.status).toBe('FAILED');
    expect(resultOf(result, 'web')).toMatchObject({
      status: 'failed',
      stage: 'StartInstanceRefresh',
      error: 'Lambda.ServiceException',
    });
    const retries = result.events.filter((e) => e.type === 'retried' && e.state === 'StartInstanceRefresh');
    expect(retries.length).toBeGreaterThanOrEqual(3);
    expect(templateOf(account, templateId)).toMatchObject({ defaultVersion: 1, latestVersion: 1 });
    expect(referenceOf(account, 'web')).toBe('$Default');
    expect(refreshesOf(account, 'web')).toEqual([]);
  });

  it('retries Auto Scaling ResourceContention (the SDK names it ResourceContentionFault) on a mutating call', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'web', { reference: '$Default' });
    account.failNext('UpdateAutoScalingGroup', 'ResourceContention', 2);
    // Absorbed by the SDK (a 500 as the SDK models it), like throttling.

    const result = await run(account, buildInput({ targets: { asgNames: ['web'] } }));

    expect(result.status).toBe('SUCCEEDED');
    const contended = account.calls.filter((c) => c.error !== undefined);
    expect(contended.map((c) => [c.command, c.error])).toEqual([
      ['UpdateAutoScalingGroup', 'ResourceContentionFault'],
      ['UpdateAutoScalingGroup', 'ResourceContentionFault'],
    ]);
    expect(templateOf(account, templateId).defaultVersion).toBe(2);
    expect(referenceOf(account, 'web')).toBe('$Default');
  });
});

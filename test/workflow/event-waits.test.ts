/**
 * The event-driven refresh wait (waitMode `events`) through the real state machine: AwaitRefreshEvent
 * registers the task token in the run ledger (dynalite) and reads the refresh once; the simulated
 * account sends AWS's EventBridge events when a refresh ends, and the runner delivers them to the real
 * OnRefreshEvent handler as the rule would, unless the test drops, duplicates or pre-empts them.
 */
import { describe, expect, it } from 'vitest';
import type { FakeRefreshStatus } from '../../src/fake/account.ts';
import type { RunStateMachineResult } from '../../src/local/runner.ts';
import { buildInput, FakeAccount, pathOf, refreshesOf, resultOf, run, seedGroup } from './helpers.ts';

/** A refresh of `minutes` one-minute steps (the runner's default refreshStepSeconds is 60) that ends `end`. */
function refreshOf(minutes: number, end: FakeRefreshStatus = 'Successful'): FakeRefreshStatus[] {
  return ['Pending', ...Array.from({ length: minutes - 2 }, () => 'InProgress' as const), end];
}

function seeded(script: FakeRefreshStatus[] | 'stuck' = refreshOf(5)): FakeAccount {
  const account = new FakeAccount();
  seedGroup(account, 'web', { reference: '1' });
  account.setRefreshScript('web', script);
  return account;
}

const events = (overrides: Record<string, unknown> = {}) =>
  buildInput({
    targets: { asgNames: ['web'] },
    waitMode: 'events',
    backstopSeconds: 600,
    maxWaitSeconds: 7200,
    ...overrides,
  });

const count = (result: RunStateMachineResult, state: string) =>
  pathOf(result, 'web').filter((name) => name === state).length;
const invocations = (result: RunStateMachineResult, asgName = 'web') =>
  result.lambdaInvocations.filter((i) => i.asgName === asgName);
const outcomes = (result: RunStateMachineResult) =>
  result.lambdaInvocations
    .filter((i) => i.functionName === 'OnRefreshEvent')
    .map((i) => (i.result as { outcome?: string }).outcome);

describe('waiting on refresh events (waitMode events)', () => {
  it('ends the wait when the end event arrives: no backstop poll, fewer transitions and invocations than polling', async () => {
    // Prepare: the same 30-minute refresh, once per mode
    const eventsAccount = seeded(refreshOf(30));
    const pollingAccount = seeded(refreshOf(30));

    // Act
    const withEvents = await run(eventsAccount, events({ backstopSeconds: 3600 }));
    const polling = await run(
      pollingAccount,
      buildInput({ targets: { asgNames: ['web'] }, pollIntervalSeconds: 60, maxWaitSeconds: 7200 }),
    );

    // Assess: both succeed on the account; the event wait never polled
    for (const [result, account] of [
      [withEvents, eventsAccount],
      [polling, pollingAccount],
    ] as const) {
      expect(resultOf(result, 'web').status).toBe('succeeded');
      expect(refreshesOf(account, 'web').map((r) => r.status)).toEqual(['Successful']);
    }
    expect(count(withEvents, 'AwaitRefreshEvent')).toBe(1);
    expect(count(withEvents, 'PollInstanceRefresh')).toBe(0);
    expect(outcomes(withEvents)).toEqual(['completed']);
    expect(pathOf(withEvents, 'web').length).toBeLessThan(pathOf(polling, 'web').length);
    expect(invocations(withEvents).length).toBeLessThan(invocations(polling).length);
    expect(invocations(withEvents).map((i) => i.functionName)).toEqual([
      'LockAutoScalingGroup',
      'PinAutoScalingGroup',
      'StartInstanceRefresh',
      'AwaitRefreshEvent',
      'OnRefreshEvent',
      'RestoreAutoScalingGroup',
    ]);
    expect(resultOf(withEvents, 'web').refreshStatus).toBe('Successful');
  });

  it('finds the end within one backstop when the event is lost: one DescribeInstanceRefreshes, then done', async () => {
    // Prepare: a 15-minute refresh, a 10-minute backstop, and every event lost
    const account = seeded(refreshOf(15));

    // Act
    const result = await run(account, events(), { refreshEvents: () => 'drop' });

    // Assess: the first backstop found it running, the second poll found it ended
    expect(resultOf(result, 'web').status).toBe('succeeded');
    expect(refreshesOf(account, 'web').map((r) => r.status)).toEqual(['Successful']);
    expect(outcomes(result)).toEqual([]);
    expect(count(result, 'AwaitRefreshEvent')).toBe(2);
    expect(count(result, 'PollInstanceRefresh')).toBe(2);
    expect(pathOf(result, 'web').at(-3)).toBe('RefreshEnded');
  });

  it('completes the wait from its own read when the refresh ended before the token was registered', async () => {
    // Prepare: a refresh that ends as it starts (nothing to replace); its event is delivered when
    // the wait starts, before AwaitRefreshEvent registers the token, so to nobody
    const account = seeded(['Successful']);

    // Act
    const result = await run(account, events());

    // Assess: OnRefreshEvent found no token; AwaitRefreshEvent's read completed it; no backstop
    expect(outcomes(result)).toEqual(['noWaiter']);
    expect(resultOf(result, 'web').status).toBe('succeeded');
    expect(count(result, 'PollInstanceRefresh')).toBe(0);
    expect(refreshesOf(account, 'web').map((r) => r.status)).toEqual(['Successful']);
  });

  it('takes a duplicate event as already done', async () => {
    // Prepare
    const account = seeded(refreshOf(5));

    // Act
    const result = await run(account, events(), { refreshEvents: () => 'duplicate' });

    // Assess: the first delivery completed the wait, the second found it ended; one wait, no poll
    expect(outcomes(result)).toEqual(['completed', 'alreadyEnded']);
    expect(resultOf(result, 'web').status).toBe('succeeded');
    expect(count(result, 'AwaitRefreshEvent')).toBe(1);
  });

  it('ends a refresh that outlasts maxWaitSeconds in a rollback, counting backstops as time', async () => {
    // Prepare: a refresh that never ends by itself; maxWaitSeconds is two backstops
    const account = seeded('stuck');

    // Act
    const result = await run(account, events({ maxWaitSeconds: 1200 }));

    // Assess: two backstops (20 minutes), then the rollback asked for. The fake's rollback ended
    // between the poll and the next wait: its event found the old (timed-out) token, and the new
    // wait's own read saw the end
    const [refresh] = refreshesOf(account, 'web');
    expect(refresh?.status).toBe('RollbackSuccessful');
    expect(account.callsOf('RollbackInstanceRefresh')).toHaveLength(1);
    expect(count(result, 'PollInstanceRefresh')).toBe(2);
    expect(count(result, 'AwaitRefreshEvent')).toBe(3);
    expect(outcomes(result)).toEqual(['alreadyEnded']);
    const group = resultOf(result, 'web');
    expect(group.status).toBe('failed');
    expect(group.error).toBe('RefreshTimedOutError');
  });

  it('reports a refresh that fails, from its event', async () => {
    // Prepare
    const account = seeded(refreshOf(4, 'Failed'));

    // Act
    const result = await run(account, events());

    // Assess
    expect(outcomes(result)).toEqual(['completed']);
    const group = resultOf(result, 'web');
    expect(group.status).toBe('failed');
    expect(group.error).toBe('InstanceRefreshFailedError');
    expect(refreshesOf(account, 'web').map((r) => r.status)).toEqual(['Failed']);
  });

  it('retries AwaitRefreshEvent after a Lambda error that came after its work: a new token, registered again', async () => {
    // Prepare: the first invocation registers and reads, then its Lambda fails (a timeout after the work)
    const account = seeded(refreshOf(5));
    let calls = 0;
    const handlerOverrides = {
      AwaitRefreshEvent: async (event: unknown, next: (input: unknown) => Promise<unknown>) => {
        calls += 1;
        const output = await next(event);
        if (calls === 1)
          throw Object.assign(new Error('Task timed out after the work'), { name: 'Lambda.Unknown' });
        return output;
      },
    };

    // Act
    const result = await run(account, events(), { handlerOverrides });

    // Assess: retried once (two tokens), the second wait completed by the end event
    expect(resultOf(result, 'web').status).toBe('succeeded');
    expect(calls).toBe(2);
    expect(result.events.filter((e) => e.type === 'retried' && e.state === 'AwaitRefreshEvent')).toHaveLength(
      1,
    );
    expect(outcomes(result)).toEqual(['completed']);
  });
});

/**
 * AwaitRefreshEvent and OnRefreshEvent on the simulated account (Auto Scaling, and Step Functions'
 * task tokens inside the real SFNClient) and a real dynalite ledger: the token registered before
 * the read, the race closed by that read, completion with the progress CheckRefreshStatus reads,
 * duplicates and expired tokens taken as done, a lost answer resent by the SDK.
 */
import { StartInstanceRefreshCommand } from '@aws-sdk/client-auto-scaling';
import { describe, expect, it } from 'vitest';
import { autoScaling } from '../../../src/clients/auto-scaling.ts';
import { sfn } from '../../../src/clients/sfn.ts';
import type { RefreshEvent } from '../../../src/fake/account.ts';
import { readWaitToken } from '../../../src/ledger/read-wait-token.ts';
import type { RefreshProgress } from '../../../src/schemas.ts';
import { awaitRefreshEvent } from '../../../src/steps/await-refresh-event.ts';
import { onRefreshEvent } from '../../../src/steps/on-refresh-event.ts';
import { seedGroup, useFakeAccount } from '../../support/builders.ts';
import { useLocalLedger } from '../../support/ledger.ts';

describe('the event-driven refresh wait', () => {
  const account = useFakeAccount();
  const ledger = useLocalLedger();
  const deps = () => ({ autoScaling, sfn, ...ledger().deps, now: () => new Date('2026-12-03T12:00:00Z') });

  /** Starts a refresh of `web` with the given script; returns the progress StartInstanceRefresh would. */
  async function started(script: Parameters<ReturnType<typeof account>['setRefreshScript']>[1]) {
    seedGroup(account(), 'web', { reference: '1' });
    account().setRefreshScript('web', script);
    const { InstanceRefreshId = '' } = await autoScaling.send(
      new StartInstanceRefreshCommand({ AutoScalingGroupName: 'web' }),
    );
    const refresh: RefreshProgress = {
      instanceRefreshId: InstanceRefreshId,
      startedAt: '2026-12-03T11:00:00.000Z',
      desired: [],
      status: 'Pending',
      terminal: false,
      percentageComplete: 0,
      pollCount: 0,
      maxPolls: 4,
    };
    return refresh;
  }
  const eventFor = (refresh: RefreshProgress): RefreshEvent => ({
    version: '0',
    id: 'e-1',
    'detail-type': 'EC2 Auto Scaling Instance Refresh Succeeded',
    source: 'aws.autoscaling',
    account: '123456789012',
    time: '2026-12-03T12:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: { InstanceRefreshId: refresh.instanceRefreshId, AutoScalingGroupName: 'web' },
  });
  const waitInput = (refresh: RefreshProgress, taskToken = 'token-1') => ({
    taskToken,
    runId: 'run-1',
    asgName: 'web',
    refresh,
    backstopSeconds: 3600,
  });

  it('registers the token, then reads once; a running refresh leaves the token waiting', async () => {
    // Prepare
    const refresh = await started('stuck');
    const settled = account().taskTokens.issue('token-1');

    // Act
    const result = await awaitRefreshEvent(waitInput(refresh), deps());

    // Assess: the ledger holds the token and the progress; the refresh was read once, after the write
    expect(result).toEqual({ status: 'InProgress', completed: false });
    expect(await readWaitToken(ledger().deps.ledger, refresh.instanceRefreshId)).toMatchObject({
      taskToken: 'token-1',
      asgName: 'web',
      runId: 'run-1',
      refresh,
    });
    expect(account().callsOf('DescribeInstanceRefreshes')).toHaveLength(1);
    expect(account().taskTokens.outcome('token-1')).toBeUndefined();
    void settled;
  });

  it('completes the token itself when the refresh ended before registration (the event found no one)', async () => {
    // Prepare: the refresh ends at once, and its event arrives before the wait registers
    const refresh = await started(['Successful']);
    account().taskTokens.issue('token-1');
    const early = await onRefreshEvent(eventFor(refresh), deps());

    // Act
    const result = await awaitRefreshEvent(waitInput(refresh), deps());

    // Assess: SendTaskSuccess carried the progress CheckRefreshStatus reads
    expect(early).toEqual({ instanceRefreshId: refresh.instanceRefreshId, outcome: 'noWaiter' });
    expect(result).toEqual({ status: 'Successful', completed: true });
    const outcome = account().taskTokens.outcome('token-1');
    expect(outcome?.kind).toBe('succeeded');
    const output = JSON.parse(outcome?.kind === 'succeeded' ? outcome.output : 'null') as RefreshProgress;
    expect(output).toMatchObject({
      instanceRefreshId: refresh.instanceRefreshId,
      status: 'Successful',
      terminal: true,
    });
    expect(account().callsOf('SendTaskSuccess')).toHaveLength(1);
  });

  it('OnRefreshEvent completes the registered token once; a duplicate or a retry finds it done', async () => {
    // Prepare: a registered wait on a refresh that then ends
    const refresh = await started(['Pending', 'InProgress', 'Successful']);
    account().taskTokens.issue('token-1');
    await awaitRefreshEvent(waitInput(refresh), deps());
    account().advanceRefresh('web');

    // Act
    const first = await onRefreshEvent(eventFor(refresh), deps());
    const duplicate = await onRefreshEvent(eventFor(refresh), deps());

    // Assess
    expect(first).toMatchObject({ outcome: 'completed', status: 'Successful' });
    expect(duplicate).toMatchObject({ outcome: 'alreadyEnded', status: 'Successful' });
    expect(
      account()
        .callsOf('SendTaskSuccess')
        .map((c) => c.error),
    ).toEqual([undefined, 'TaskTimedOut']);
  });

  it('leaves a refresh AWS still reports running alone, and takes a token timed out into the backstop as done', async () => {
    // Prepare: a registered wait on a refresh still running
    const refresh = await started(['Pending', 'InProgress', 'InProgress', 'Successful']);
    account().taskTokens.issue('token-1');
    await awaitRefreshEvent(waitInput(refresh), deps());

    // Act: an event out of order, then the end after the wait's backstop passed
    const running = await onRefreshEvent(eventFor(refresh), deps());
    account().taskTokens.timeOut('token-1');
    account().advanceRefresh('web');
    const late = await onRefreshEvent(eventFor(refresh), deps());

    // Assess: nothing completed for a running refresh; the late completion answered TaskTimedOut
    expect(running).toMatchObject({ outcome: 'notEnded', status: 'InProgress' });
    expect(late).toMatchObject({ outcome: 'alreadyEnded', status: 'Successful' });
    expect(account().taskTokens.outcome('token-1')).toEqual({ kind: 'timedOut' });
    expect(
      account()
        .callsOf('SendTaskSuccess')
        .map((c) => c.error),
    ).toEqual(['TaskTimedOut']);
  });

  it('completes the token despite a lost SendTaskSuccess answer: the SDK resends, TaskTimedOut is done', async () => {
    // Prepare
    const refresh = await started(['Successful']);
    account().taskTokens.issue('token-1');
    account().planFaults({ command: 'SendTaskSuccess', nth: 1, kind: 'lose-response' });

    // Act
    const result = await awaitRefreshEvent(waitInput(refresh), deps());

    // Assess: the first call took effect; the SDK's retry found the token completed
    expect(account().taskTokens.outcome('token-1')?.kind).toBe('succeeded');
    expect(
      account()
        .callsOf('SendTaskSuccess')
        .map((c) => c.error),
    ).toEqual([expect.any(String), 'TaskTimedOut']);
    expect(result).toEqual({ status: 'Successful', completed: false });
  });

  it('ignores an event for a refresh no run waits on', async () => {
    const refresh = await started('succeed');

    const result = await onRefreshEvent(eventFor(refresh), deps());

    expect(result).toEqual({ instanceRefreshId: refresh.instanceRefreshId, outcome: 'noWaiter' });
    expect(account().callsOf('DescribeInstanceRefreshes')).toHaveLength(0);
  });
});

import { describe, expect, it } from 'vitest';
import { InstanceRefreshFailedError, RefreshTimedOutError } from '../../../src/errors.ts';
import type { PollInstanceRefreshInput } from '../../../src/schemas.ts';
import { pollInstanceRefresh } from '../../../src/steps/poll-instance-refresh.ts';
import { deps, groupSpec, seedGroup, useFakeAccount } from './support/fixtures.ts';
import { prepareRefresh } from './support/prepare.ts';

describe('pollInstanceRefresh', () => {
  const account = useFakeAccount();
  const poll = (instanceRefreshId: string, overrides: Partial<PollInstanceRefreshInput> = {}) =>
    pollInstanceRefresh(
      {
        asgName: 'web',
        instanceRefreshId,
        pollCount: 0,
        maxPolls: 10,
        pollIntervalSeconds: 60,
        ...overrides,
      },
      deps,
    );

  it('reports each status with pollCount + 1 until Successful, which is terminal', async () => {
    // Prepare: the refresh shows Pending, InProgress, then Successful
    const { instanceRefreshId, newVersion } = await prepareRefresh(account(), { refresh: 'succeed' });

    // Act
    const first = await poll(instanceRefreshId);
    const second = await poll(instanceRefreshId, { pollCount: first.pollCount });
    const third = await poll(instanceRefreshId, { pollCount: second.pollCount });

    // Assess
    expect(first).toMatchObject({ status: 'Pending', terminal: false, pollCount: 1, percentageComplete: 0 });
    expect(second).toMatchObject({ status: 'InProgress', terminal: false, pollCount: 2 });
    expect(third).toMatchObject({
      status: 'Successful',
      terminal: true,
      pollCount: 3,
      percentageComplete: 100,
    });
    expect(third.instancesToUpdate).toBe(0);
    // AWS saved the desired configuration on the group when the refresh succeeded
    expect(groupSpec(account(), 'web')).toMatchObject({ Version: String(newVersion) });
    expect(
      account()
        .mutatingCalls()
        .map((call) => call.command),
    ).not.toContain('RollbackInstanceRefresh');
  });

  it.each([
    ['fail', 'Failed'],
    ['rollback', 'RollbackSuccessful'],
  ] as const)('script %s: InstanceRefreshFailedError with the status %s', async (script, status) => {
    const { instanceRefreshId } = await prepareRefresh(account(), { refresh: script });

    let pollCount = 0;
    const error = await (async () => {
      for (;;) pollCount = (await poll(instanceRefreshId, { pollCount })).pollCount;
    })().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(InstanceRefreshFailedError);
    expect(error).toMatchObject({ status, instanceRefreshId });
    // The group never took the new version
    expect(groupSpec(account(), 'web')).toMatchObject({ Version: '2' });
  });

  it('still running before the last poll: returns without stopping anything', async () => {
    const { instanceRefreshId } = await prepareRefresh(account(), { refresh: 'stuck' });
    const before = account().mutatingCalls().length;

    const output = await poll(instanceRefreshId, { pollCount: 1, maxPolls: 3 });

    expect(output).toMatchObject({ status: 'InProgress', terminal: false, pollCount: 2 });
    expect(account().mutatingCalls()).toHaveLength(before);
  });

  it('timeout: on the last poll it rolls the refresh back and throws RefreshTimedOutError', async () => {
    const { instanceRefreshId } = await prepareRefresh(account(), { refresh: 'stuck' });

    const error = await poll(instanceRefreshId, { pollCount: 2, maxPolls: 3, pollIntervalSeconds: 30 }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(RefreshTimedOutError);
    expect(error).toMatchObject({ action: 'rollback', instanceRefreshId });
    expect((error as Error).message).toContain('within 90s');
    expect(
      account()
        .callsOf('RollbackInstanceRefresh')
        .map((call) => call.input),
    ).toEqual([{ AutoScalingGroupName: 'web' }]);
    expect(account().callsOf('CancelInstanceRefresh')).toEqual([]);
    expect(account().snapshot().instanceRefreshes[0]?.status).toBe('RollbackInProgress');
  });

  it('timeout while AWS is already rolling back (auto rollback): no request, RefreshTimedOutError', async () => {
    const { instanceRefreshId } = await prepareRefresh(account(), {
      refresh: ['InProgress', 'RollbackInProgress'],
    });

    const first = await poll(instanceRefreshId, { pollCount: 0, maxPolls: 2 });
    const error = await poll(instanceRefreshId, { pollCount: first.pollCount, maxPolls: 2 }).catch(
      (caught: unknown) => caught,
    );

    expect(first.status).toBe('InProgress');
    expect(error).toMatchObject({ name: 'RefreshTimedOutError', action: 'rollback' });
    expect(account().callsOf('RollbackInstanceRefresh')).toEqual([]);
    expect(account().callsOf('CancelInstanceRefresh')).toEqual([]);
  });

  it('timeout where AWS refuses a rollback (IrreversibleInstanceRefresh): cancels instead', async () => {
    // A refresh without a desired configuration cannot be rolled back (API_RollbackInstanceRefresh)
    seedGroup(account(), { version: '2' });
    const instanceRefreshId = account().addInstanceRefresh('web', 'stuck');

    const error = await poll(instanceRefreshId, { pollCount: 4, maxPolls: 5 }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(RefreshTimedOutError);
    expect(error).toMatchObject({ action: 'cancel' });
    expect(account().callsOf('RollbackInstanceRefresh')[0]?.error).toBe('IrreversibleInstanceRefreshFault');
    expect(
      account()
        .callsOf('CancelInstanceRefresh')
        .map((call) => call.input),
    ).toEqual([{ AutoScalingGroupName: 'web' }]);
    expect(account().snapshot().instanceRefreshes[0]?.status).toBe('Cancelling');
  });

  it('timeout where AWS answers ValidationError to the rollback: cancels instead', async () => {
    const { instanceRefreshId } = await prepareRefresh(account(), { refresh: 'stuck' });
    account().failNext('RollbackInstanceRefresh', 'ValidationError');

    const error = await poll(instanceRefreshId, { pollCount: 0, maxPolls: 1 }).catch(
      (caught: unknown) => caught,
    );

    expect(error).toMatchObject({ name: 'RefreshTimedOutError', action: 'cancel' });
    expect(account().snapshot().instanceRefreshes[0]?.status).toBe('Cancelling');
  });

  it('a refresh that succeeds between the last poll and the rollback is reported Successful', async () => {
    // Describe shows InProgress; the refresh ends before the rollback arrives, so AWS answers
    // ActiveInstanceRefreshNotFound, and the next describe shows Successful
    const { instanceRefreshId, newVersion } = await prepareRefresh(account(), {
      refresh: ['InProgress', 'Successful'],
    });
    account().failNext('RollbackInstanceRefresh', 'ActiveInstanceRefreshNotFound');

    const output = await poll(instanceRefreshId, { pollCount: 0, maxPolls: 1 });

    expect(output).toMatchObject({ status: 'Successful', terminal: true, pollCount: 1 });
    expect(account().callsOf('RollbackInstanceRefresh')[0]?.error).toBe('ActiveInstanceRefreshNotFoundFault');
    expect(account().callsOf('CancelInstanceRefresh')).toEqual([]);
    expect(groupSpec(account(), 'web')).toMatchObject({ Version: String(newVersion) });
  });

  it('InstanceRefreshFailedError when the refresh id is unknown', async () => {
    seedGroup(account());
    await expect(poll('00000000-0000-4000-8000-00000000dead')).rejects.toMatchObject({
      name: 'InstanceRefreshFailedError',
      status: 'NotFound',
    });
  });
});

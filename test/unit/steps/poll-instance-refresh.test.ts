import { describe, expect, it } from 'vitest';
import { InstanceRefreshFailedError, RefreshTimedOutError } from '../../../src/errors.ts';
import type { RefreshScript } from '../../../src/fake/account.ts';
import type { RefreshProgress } from '../../../src/schemas.ts';
import { pollInstanceRefresh } from '../../../src/steps/poll-instance-refresh.ts';
import { startInstanceRefresh } from '../../../src/steps/start-instance-refresh.ts';
import {
  buildTemplateData,
  deps,
  instanceVersionsOf,
  refreshesOf,
  seedGroup,
  useFakeAccount,
} from '../../support/builders.ts';
import { prepare, startInput } from '../../support/stages.ts';

describe('pollInstanceRefresh', () => {
  const account = useFakeAccount();

  /** A group `web` whose refresh follows `script`, started by the run. */
  async function started(script: RefreshScript, data = buildTemplateData()): Promise<RefreshProgress> {
    seedGroup(account(), 'web', { versions: [data], group: { refresh: script } });
    const run = await prepare(['web']);
    return startInstanceRefresh(startInput(run, 'web'), deps);
  }
  /** One poll; `maxPolls` is the group's, carried in its refresh progress. */
  const poll = (refresh: RefreshProgress, maxPolls = 5) =>
    pollInstanceRefresh({ asgName: 'web', refresh: { ...refresh, maxPolls }, pollIntervalSeconds: 60 }, deps);

  it('reports each status with the poll count until Successful, which is terminal and carries the end time', async () => {
    // Prepare
    let refresh = await started(['Pending', 'InProgress', 'Successful']);
    const seen: [string, boolean, number][] = [];

    // Act
    do {
      refresh = await poll(refresh);
      seen.push([refresh.status, refresh.terminal, refresh.pollCount]);
    } while (!refresh.terminal);

    // Assess
    expect(seen).toEqual([
      ['Pending', false, 1],
      ['InProgress', false, 2],
      ['Successful', true, 3],
    ]);
    expect(refresh).toMatchObject({
      percentageComplete: 100,
      finishedAt: refreshesOf(account(), 'web')[0]?.endTime,
    });
    expect(instanceVersionsOf(account(), 'web')).toEqual(['2', '2']);
    // Only reads: the refresh ended by itself.
    expect(
      account()
        .mutatingCalls()
        .map((c) => c.command),
    ).not.toContain('RollbackInstanceRefresh');
  });

  it.each(['Failed', 'RollbackSuccessful', 'Cancelled'] as const)(
    'a refresh that ended %s is returned terminal, not thrown: the settle phase reads the outcome',
    async (status) => {
      const refresh = await poll(await started([status]));
      expect(refresh).toMatchObject({ status, terminal: true });
    },
  );

  it('before the last poll a running refresh is left alone', async () => {
    const refresh = await poll(await started('stuck'), 5);

    expect(refresh).toMatchObject({ status: 'InProgress', terminal: false, pollCount: 1 });
    expect(refresh).not.toHaveProperty('stopRequested');
    expect(account().callsOf('RollbackInstanceRefresh')).toEqual([]);
  });

  it('at maxWaitSeconds it asks AWS to roll back, keeps polling until that ends, and the end is terminal', async () => {
    let refresh = await started(['InProgress']);
    refresh = { ...refresh, pollCount: 4 };

    refresh = await poll(refresh, 5);

    expect(
      account()
        .callsOf('RollbackInstanceRefresh')
        .map((c) => c.input),
    ).toEqual([{ AutoScalingGroupName: 'web' }]);
    expect(refresh).toMatchObject({
      status: 'RollbackInProgress',
      terminal: false,
      stopRequested: 'rollback',
      pollCount: 5,
    });
    refresh = await poll(refresh, 5);
    expect(refresh).toMatchObject({
      status: 'RollbackSuccessful',
      terminal: true,
      stopRequested: 'rollback',
    });
    expect(account().callsOf('RollbackInstanceRefresh')).toHaveLength(1);
  });

  it('cancels instead where AWS refuses the rollback (IrreversibleInstanceRefresh: AMI from an SSM parameter)', async () => {
    let refresh = await started(['InProgress'], buildTemplateData({ ImageId: 'resolve:ssm:/golden/ami' }));

    refresh = await poll({ ...refresh, pollCount: 4 }, 5);

    expect(account().callsOf('RollbackInstanceRefresh')[0]?.error).toBe('IrreversibleInstanceRefreshFault');
    expect(account().callsOf('CancelInstanceRefresh')).toHaveLength(1);
    expect(refresh).toMatchObject({ status: 'Cancelling', stopRequested: 'cancel' });
  });

  it('a refresh that succeeds between the last poll and the rollback is reported Successful, nothing stopped', async () => {
    // The poll sees InProgress, the rollback finds no active refresh (it just succeeded).
    let refresh = await started(['InProgress', 'Successful']);

    refresh = await poll({ ...refresh, pollCount: 4 }, 5);

    expect(account().callsOf('RollbackInstanceRefresh')[0]?.error).toBe('ActiveInstanceRefreshNotFoundFault');
    expect(refresh).toMatchObject({ status: 'Successful', terminal: true });
    expect(refresh).not.toHaveProperty('stopRequested');
  });

  describe('named errors', () => {
    it('RefreshTimedOutError when the rollback it asked for outlasts another maxWaitSeconds; no second stop', async () => {
      const refresh = await started('stuck');
      // A rollback that never ends, in place of the refresh the run started.
      seedGroup(account(), 'api');
      const rollingBack = account().addInstanceRefresh('api', ['RollbackInProgress']);
      const stopped = {
        ...refresh,
        instanceRefreshId: rollingBack,
        stopRequested: 'rollback' as const,
        pollCount: 9,
      };

      const error = await pollInstanceRefresh(
        { asgName: 'api', refresh: { ...stopped, maxPolls: 5 }, pollIntervalSeconds: 60 },
        deps,
      ).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(RefreshTimedOutError);
      expect((error as Error).message).toContain('did not finish within 300s; asked AWS to rollback it');
      expect(
        account()
          .mutatingCalls()
          .map((c) => c.command),
      ).not.toContain('RollbackInstanceRefresh');
      expect(
        account()
          .mutatingCalls()
          .map((c) => c.command),
      ).not.toContain('CancelInstanceRefresh');
    });

    it('InstanceRefreshFailedError when the refresh id is unknown; nothing changed', async () => {
      const refresh = await started('stuck');

      await expect(poll({ ...refresh, instanceRefreshId: 'no-such-refresh' })).rejects.toThrow(
        InstanceRefreshFailedError,
      );
      expect(account().callsOf('RollbackInstanceRefresh')).toEqual([]);
    });
  });
});

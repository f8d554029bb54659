/**
 * The run ledger in whole runs: the real ASL and handlers, the simulated account, and a real
 * dynalite that every run of a test shares (as executions share the deployed table). A group another
 * run holds fails alone at LockAutoScalingGroup with GroupLockedError and nothing about it changes;
 * a run's own lock survives a retry after a lost answer; a lapsed lock is taken over; a Successful
 * refresh is recorded as the group's last patched versions, a failed one is not; every lock the run
 * took is released at Summarize.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import type { AutoScalingGroupSnapshot } from '../../src/fake/account.ts';
import { acquireGroupLock } from '../../src/ledger/acquire-lock.ts';
import { readLastPatched } from '../../src/ledger/last-patched.ts';
import { readGroupLock } from '../../src/ledger/lock-item.ts';
import { type RunStateMachineResult, runStateMachine } from '../../src/local/runner.ts';
import { useLocalLedger } from '../support/ledger.ts';
import {
  buildInput,
  callsFor,
  FakeAccount,
  groupOf,
  LambdaUnknown,
  pathOf,
  referenceOf,
  resultOf,
  run,
  seedGroup,
  templateOf,
} from './helpers.ts';

describe('the run ledger', () => {
  const ledger = useLocalLedger();
  const hold = (
    asgName: string,
    runId: string,
    options: { sinceSeconds?: number; lifetimeSeconds?: number } = {},
  ) =>
    acquireGroupLock(ledger().deps.ledger, {
      asgName,
      runId,
      lifetimeSeconds: options.lifetimeSeconds ?? 3_600,
      now: new Date(Date.now() - (options.sinceSeconds ?? 0) * 1000),
    });

  it('refuses a group that a run still at work holds: the second run fails it alone with GroupLockedError and changes nothing about it; the first run then finishes it', async () => {
    // Prepare: run A patches web. While A's refresh of web is being started (A holds web and has
    // pinned it), run B is started on web too.
    const account = new FakeAccount();
    const web = seedGroup(account, 'web');
    let second: RunStateMachineResult | undefined;
    let webBefore: AutoScalingGroupSnapshot | undefined;
    let webAfter: AutoScalingGroupSnapshot | undefined;
    let callsOnWebDuringB: unknown[] = [];

    // Act
    const first = await run(account, buildInput({ targets: { asgNames: ['web'] } }), {
      runId: 'run-a',
      localLedger: ledger().local,
      handlerOverrides: {
        StartInstanceRefresh: async (input, next) => {
          if (!second) {
            webBefore = groupOf(account, 'web');
            const callsBefore = account.calls.length;
            // B: the same account and ledger (A's are installed and routed), its own execution.
            second = await runStateMachine({
              input: buildInput({ targets: { asgNames: ['web'] } }),
              runId: 'run-b',
              ledgerTable: ledger().local.tableName,
              waitMs: 0,
              retryMs: 0,
            });
            webAfter = groupOf(account, 'web');
            callsOnWebDuringB = callsFor(account, 'web').filter(
              (call) => call.mutating && account.calls.indexOf(call) >= callsBefore,
            );
          }
          return next(input);
        },
      },
    });

    // Assess: B refused web, naming A, before pinning, refreshing or restoring it.
    expect(second?.status).toBe('FAILED');
    expect(second?.error).toBe('GroupsFailedError');
    expect(resultOf(second as RunStateMachineResult, 'web')).toMatchObject({
      status: 'failed',
      stage: 'LockAutoScalingGroup',
      error: 'GroupLockedError',
      cause: expect.stringMatching(
        /^Auto Scaling group web is held by run run-a \(locked at \S+, until \S+\), so this run left it alone; re-run for it once run run-a has ended/,
      ),
    });
    expect(pathOf(second as RunStateMachineResult, 'web')).toEqual([
      'ShouldPin',
      'LockAutoScalingGroup',
      'LockFailed',
      'ShouldRefresh',
      'RefreshSkipped',
      'ShouldRestore',
      'RestoreSkipped',
    ]);
    expect(webAfter).toEqual(webBefore);
    expect(callsOnWebDuringB).toEqual([]);
    // A went on as if B had never run, and released web at its Summarize.
    expect(first.status).toBe('SUCCEEDED');
    expect(resultOf(first, 'web')).toMatchObject({ status: 'succeeded' });
    expect(referenceOf(account, 'web')).toBe('$Default');
    expect(templateOf(account, web.templateId).defaultVersion).toBe(2);
    expect(await readGroupLock(ledger().deps.ledger, 'web')).toBeUndefined();
    expect(await readLastPatched(ledger().deps.ledger, 'web')).toMatchObject({ runId: 'run-a' });
  });

  it('fails only the held group: the other groups of the run are patched', async () => {
    const account = new FakeAccount();
    seedGroup(account, 'web', { reference: '$Latest' });
    seedGroup(account, 'api');
    await hold('web', 'run-other');
    const webBefore = groupOf(account, 'web');

    const result = await run(account, buildInput({ targets: { asgNames: ['api', 'web'] } }), {
      runId: 'run-b',
      localLedger: ledger().local,
    });

    expect(result.summary?.groups.map((g) => [g.asgName, g.status, g.stage, g.error])).toEqual([
      ['api', 'succeeded', undefined, undefined],
      ['web', 'failed', 'LockAutoScalingGroup', 'GroupLockedError'],
    ]);
    expect(groupOf(account, 'web')).toEqual(webBefore);
    expect(callsFor(account, 'web').filter((call) => call.mutating)).toEqual([]);
    // The other run's lock is left as it was; this run's is released.
    expect(await readGroupLock(ledger().deps.ledger, 'web')).toMatchObject({ runId: 'run-other' });
    expect(await readGroupLock(ledger().deps.ledger, 'api')).toBeUndefined();
  });

  it('proceeds when the answer to its own lock is lost (the Lambda timed out after the PutItem): the retry finds the run holds the group', async () => {
    const account = new FakeAccount();
    seedGroup(account, 'web');
    let invocations = 0;

    const result = await run(account, buildInput({ targets: { asgNames: ['web'] } }), {
      localLedger: ledger().local,
      handlerOverrides: {
        LockAutoScalingGroup: async (input, next) => {
          const output = await next(input);
          invocations += 1;
          if (invocations === 1)
            throw new LambdaUnknown('Task timed out after 60.00 seconds (after the lock was taken)');
          return output;
        },
      },
    });

    expect(invocations).toBe(2);
    expect(result.status).toBe('SUCCEEDED');
    expect(resultOf(result, 'web')).toMatchObject({ status: 'succeeded' });
    expect(result.events.filter((e) => e.type === 'retried').map((e) => e.state)).toEqual([
      'LockAutoScalingGroup',
    ]);
    expect(await readGroupLock(ledger().deps.ledger, 'web')).toBeUndefined();
  });

  it('takes over a lock that lapsed (its run died before its Summarize), and says so', async () => {
    const account = new FakeAccount();
    seedGroup(account, 'web');
    await hold('web', 'run-dead', { sinceSeconds: 7_200, lifetimeSeconds: 3_600 });

    const result = await run(account, buildInput({ targets: { asgNames: ['web'] } }), {
      localLedger: ledger().local,
    });

    expect(resultOf(result, 'web')).toMatchObject({
      status: 'succeeded',
      note: expect.stringMatching(/^this run took over the lock of run run-dead, which had lapsed at \S+$/),
    });
    expect(await readGroupLock(ledger().deps.ledger, 'web')).toBeUndefined();
  });

  it('records the versions of a Successful refresh as the group’s last patched, not those of a failed one', async () => {
    const account = new FakeAccount();
    const web = seedGroup(account, 'web');
    seedGroup(account, 'reports', { group: { refresh: 'rollback' } });

    const result = await run(account, buildInput({ targets: { asgNames: ['reports', 'web'] } }), {
      runId: 'run-c',
      localLedger: ledger().local,
    });

    expect(result.summary?.groups.map((g) => [g.asgName, g.status])).toEqual([
      ['reports', 'failed'],
      ['web', 'succeeded'],
    ]);
    const patched = await readLastPatched(ledger().deps.ledger, 'web');
    expect(patched).toEqual({
      asgName: 'web',
      runId: 'run-c',
      patchedAt: resultOf(result, 'web').finishedAt,
      action: 'patch',
      launchTemplates: [{ slot: 'main', launchTemplateId: web.templateId, version: 2 }],
    });
    expect(await readLastPatched(ledger().deps.ledger, 'reports')).toBeUndefined();
    // Written to dynalite over the wire (read here by a client of its own), never to the fake account.
    const { Item } = await ledger().local.client.send(
      new GetItemCommand({
        TableName: ledger().local.tableName,
        Key: { pk: { S: 'GROUP#web' }, sk: { S: 'PATCHED' } },
      }),
    );
    expect(Item?.runId).toEqual({ S: 'run-c' });
    expect(account.calls.every((call) => !/Item|Table/.test(call.command))).toBe(true);
    expect(await readGroupLock(ledger().deps.ledger, 'web')).toBeUndefined();
    expect(await readGroupLock(ledger().deps.ledger, 'reports')).toBeUndefined();
  });
});

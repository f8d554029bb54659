/**
 * A group's lock in the run ledger, against a real dynalite over HTTP (test/support/ledger.ts): taken
 * when free, again by its own run (a retry after a lost answer), over when lapsed, refused with
 * GroupLockedError when another run holds it; released only by its holder.
 */
import { GetItemCommand, type ServiceInputTypes, type ServiceOutputTypes } from '@aws-sdk/client-dynamodb';
import type { DeserializeMiddleware } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { GroupLockedError, LedgerNotConfiguredError } from '../../../src/errors.ts';
import { acquireGroupLock } from '../../../src/ledger/acquire-lock.ts';
import { dynamodb } from '../../../src/ledger/client.ts';
import { readGroupLock } from '../../../src/ledger/lock-item.ts';
import { lockLifetimeSeconds } from '../../../src/ledger/lock-lifetime.ts';
import { releaseGroupLock } from '../../../src/ledger/release-lock.ts';
import { epochSeconds } from '../../../src/ledger/table.ts';
import { NO_LEDGER, useLocalLedger } from '../../support/ledger.ts';

const NOW = new Date('2026-03-01T03:00:00.000Z');
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

describe('the group lock', () => {
  const ledger = useLocalLedger();
  const acquire = (runId: string, now = NOW, asgName = 'web') =>
    acquireGroupLock(ledger().deps.ledger, { asgName, runId, lifetimeSeconds: 600, now });

  it('takes a free group for the run, until now + its lifetime', async () => {
    const lock = await acquire('run-a');

    expect(lock).toEqual({ acquiredAt: NOW.toISOString(), expiresAt: at(600).toISOString() });
    expect(await readGroupLock(ledger().deps.ledger, 'web')).toEqual({
      asgName: 'web',
      runId: 'run-a',
      acquiredAt: NOW.toISOString(),
      expiresAt: epochSeconds(NOW) + 600,
    });
  });

  it('refuses a group another run holds with GroupLockedError naming that run, and leaves its lock as it was', async () => {
    await acquire('run-a');

    const error = await acquire('run-b', at(60)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GroupLockedError);
    expect(error).toMatchObject({
      name: 'GroupLockedError',
      lock: { asgName: 'web', heldBy: 'run-a', expiresAt: at(600).toISOString() },
    });
    expect((error as Error).message).toBe(
      `Auto Scaling group web is held by run run-a (locked at ${NOW.toISOString()}, until ${at(600).toISOString()}), so this run left it alone; re-run for it once run run-a has ended. If that run is no longer running (its execution in Step Functions has ended), delete the group's lock from the ledger table (pk GROUP#web, sk LOCK) or wait until ${at(600).toISOString()}`,
    );
    expect(await readGroupLock(ledger().deps.ledger, 'web')).toMatchObject({
      runId: 'run-a',
      acquiredAt: NOW.toISOString(),
    });
  });

  it('takes it again for the same run (a retry of the state after a lost answer), never locking the run out', async () => {
    await acquire('run-a');

    const again = await acquire('run-a', at(30));

    expect(again).toEqual({ acquiredAt: at(30).toISOString(), expiresAt: at(630).toISOString() });
    expect(again).not.toHaveProperty('tookOverFrom');
    expect(await readGroupLock(ledger().deps.ledger, 'web')).toMatchObject({ runId: 'run-a' });
  });

  it('proceeds when the answer to its own PutItem is lost and the SDK sends it again', async () => {
    // Prepare: the first PutItem reaches dynalite and takes effect, then its answer is lost (as a
    // request timeout would lose it); the SDK's retry sends it again.
    let puts = 0;
    const loseFirstAnswer: DeserializeMiddleware<ServiceInputTypes, ServiceOutputTypes> =
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'PutItemCommand' && ++puts === 1)
          throw Object.assign(new Error('Request timed out (simulated, after the item was written)'), {
            name: 'TimeoutError',
          });
        return result;
      };
    dynamodb.middlewareStack.add(loseFirstAnswer, {
      step: 'deserialize',
      priority: 'low',
      name: 'loseFirstAnswer',
    });
    try {
      // Act
      const lock = await acquire('run-a');

      // Assess: two PutItems arrived, the second found the run's own lock and took it again.
      expect(puts).toBe(2);
      expect(lock).toEqual({ acquiredAt: NOW.toISOString(), expiresAt: at(600).toISOString() });
      expect(await readGroupLock(ledger().deps.ledger, 'web')).toMatchObject({ runId: 'run-a' });
    } finally {
      dynamodb.middlewareStack.remove('loseFirstAnswer');
    }
  });

  it('takes over a lock that lapsed (its run died), saying whose', async () => {
    await acquire('run-a');

    const lock = await acquire('run-b', at(601));

    expect(lock).toEqual({
      acquiredAt: at(601).toISOString(),
      expiresAt: at(1201).toISOString(),
      tookOverFrom: { runId: 'run-a', expiredAt: at(600).toISOString() },
    });
    expect(await readGroupLock(ledger().deps.ledger, 'web')).toMatchObject({ runId: 'run-b' });
  });

  it('treats a lapsed lock that TTL has not deleted yet as free, but one lapsing this second as held', async () => {
    await acquire('run-a');

    await expect(acquire('run-b', at(600))).rejects.toBeInstanceOf(GroupLockedError);
    await expect(acquire('run-b', at(601))).resolves.toMatchObject({ tookOverFrom: { runId: 'run-a' } });
  });

  it('locks each group on its own', async () => {
    await acquire('run-a', NOW, 'web');

    await expect(acquire('run-b', NOW, 'api')).resolves.toMatchObject({ acquiredAt: NOW.toISOString() });
    expect(await readGroupLock(ledger().deps.ledger, 'web')).toMatchObject({ runId: 'run-a' });
    expect(await readGroupLock(ledger().deps.ledger, 'api')).toMatchObject({ runId: 'run-b' });
  });

  it('is released by its holder, and releasing again is a no-op', async () => {
    await acquire('run-a');

    expect(await releaseGroupLock(ledger().deps.ledger, { asgName: 'web', runId: 'run-a' })).toEqual({
      outcome: 'released',
    });
    expect(await readGroupLock(ledger().deps.ledger, 'web')).toBeUndefined();
    expect(await releaseGroupLock(ledger().deps.ledger, { asgName: 'web', runId: 'run-a' })).toEqual({
      outcome: 'released',
    });
    // Free again: the next run takes it without a takeover.
    await expect(acquire('run-b', at(1))).resolves.not.toHaveProperty('tookOverFrom');
  });

  it('is never released by a run that does not hold it: a run whose lock was taken over is told by whom', async () => {
    await acquire('run-a');
    await acquire('run-b', at(601));

    const release = await releaseGroupLock(ledger().deps.ledger, { asgName: 'web', runId: 'run-a' });

    expect(release).toEqual({
      outcome: 'takenOver',
      by: {
        asgName: 'web',
        runId: 'run-b',
        acquiredAt: at(601).toISOString(),
        expiresAt: epochSeconds(at(1201)),
      },
    });
    expect(await readGroupLock(ledger().deps.ledger, 'web')).toMatchObject({ runId: 'run-b' });
  });

  it('stores the item under the group key, with the TTL attribute in epoch seconds', async () => {
    await acquire('run-a');

    const { Item } = await ledger().local.client.send(
      new GetItemCommand({
        TableName: ledger().local.tableName,
        Key: { pk: { S: 'GROUP#web' }, sk: { S: 'LOCK' } },
      }),
    );
    expect(Item).toEqual({
      pk: { S: 'GROUP#web' },
      sk: { S: 'LOCK' },
      runId: { S: 'run-a' },
      acquiredAt: { S: NOW.toISOString() },
      expiresAt: { N: String(epochSeconds(NOW) + 600) },
    });
  });
});

describe('the group lock without a ledger table', () => {
  it('fails LedgerNotConfiguredError before any call', async () => {
    await expect(
      acquireGroupLock(NO_LEDGER.ledger, { asgName: 'web', runId: 'r', lifetimeSeconds: 60, now: NOW }),
    ).rejects.toBeInstanceOf(LedgerNotConfiguredError);
  });
});

describe('lockLifetimeSeconds', () => {
  it('covers every wave of the run: twice the wait (refresh, then its rollback), the restore, plus an hour', () => {
    // 1 group: one wave of 2 * (14,400 + 60) + 7,200, plus 3,600.
    expect(
      lockLifetimeSeconds({
        groupCount: 1,
        maxConcurrency: 5,
        maxWaitSeconds: 14_400,
        pollIntervalSeconds: 60,
      }),
    ).toBe(36_120 + 3_600);
    // 11 groups, 5 at a time: three waves.
    expect(
      lockLifetimeSeconds({
        groupCount: 11,
        maxConcurrency: 5,
        maxWaitSeconds: 14_400,
        pollIntervalSeconds: 60,
      }),
    ).toBe(3 * 36_120 + 3_600);
  });
});

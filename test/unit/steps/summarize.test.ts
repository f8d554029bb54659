import { describe, expect, it } from 'vitest';
import { acquireGroupLock } from '../../../src/ledger/acquire-lock.ts';
import { readLastPatched } from '../../../src/ledger/last-patched.ts';
import { readGroupLock } from '../../../src/ledger/lock-item.ts';
import type { RefreshProgress, RunPlan } from '../../../src/schemas.ts';
import { Summary } from '../../../src/schemas.ts';
import { summarizePlan } from '../../../src/steps/summarize.ts';
import {
  buildCurrentTemplateData,
  buildRecord,
  buildSettings,
  buildTemplateData,
  buildTemplateRecord,
  seedGroup,
  useFakeAccount,
} from '../../support/builders.ts';
import { NO_LEDGER, useLocalLedger } from '../../support/ledger.ts';
import { caught, plan, wholeRun } from '../../support/stages.ts';

const refresh = (overrides: Partial<RefreshProgress> = {}): RefreshProgress => ({
  instanceRefreshId: 'refresh-1',
  startedAt: '2026-01-05T03:00:00.000Z',
  desired: [{ slot: 'main', launchTemplateId: 'lt-00000000000000001', version: 2 }],
  status: 'Successful',
  terminal: true,
  percentageComplete: 100,
  pollCount: 3,
  maxPolls: 5,
  finishedAt: '2026-01-05T03:12:34.000Z',
  ...overrides,
});

const runOf = (overrides: Partial<RunPlan> = {}): RunPlan => ({
  settings: buildSettings(),
  groups: [],
  templates: [],
  ...overrides,
});

describe('summarize', () => {
  const account = useFakeAccount();

  it('reports a whole run: each group once with its versions and outcome, each template with what the run did to it', async () => {
    // Prepare: a patched group, a group whose refresh rolls back, a lagging one, a current one, a skipped one.
    const web = seedGroup(account(), 'web');
    const reports = seedGroup(account(), 'reports', { group: { refresh: 'rollback' } });
    const lagging = seedGroup(account(), 'lagging', {
      versions: [buildTemplateData(), buildCurrentTemplateData()],
      defaultVersion: 2,
      group: { instances: [{ version: 1 }, { version: 2 }] },
    });
    seedGroup(account(), 'bastion', { versions: [buildCurrentTemplateData()] });
    seedGroup(account(), 'legacy', { group: { tags: { 'asg-patcher:skip': 'true' } } });
    const run = await wholeRun(['web', 'reports', 'lagging', 'bastion', 'legacy']);

    // Act
    const summary = await summarizePlan(run, NO_LEDGER);

    // Assess
    expect(Summary.parse(summary)).toEqual(summary);
    expect(summary.counts).toEqual({
      total: 5,
      succeeded: 1,
      refreshed: 1,
      alreadyCurrent: 1,
      skipped: 1,
      dryRun: 0,
      failed: 1,
    });
    expect(summary.groups.map((g) => [g.asgName, g.status, g.stage, g.error])).toEqual([
      ['web', 'succeeded', undefined, undefined],
      ['reports', 'failed', 'PollInstanceRefresh', 'InstanceRefreshFailedError'],
      ['lagging', 'refreshed', undefined, undefined],
      ['bastion', 'alreadyCurrent', undefined, undefined],
      ['legacy', 'skipped', undefined, undefined],
    ]);
    expect(summary.groups[0]).toMatchObject({
      action: 'patch',
      launchTemplates: [
        {
          slot: 'main',
          launchTemplateId: web.templateId,
          fromVersion: 1,
          toVersion: 2,
          reference: '$Default',
        },
      ],
      refreshStatus: 'Successful',
      durationSeconds: expect.any(Number),
    });
    expect(summary.groups[1]).toMatchObject({
      launchTemplates: [{ fromVersion: 1, reference: '$Default' }],
      cause: expect.stringContaining('ended RollbackSuccessful'),
      note: expect.stringContaining('default stays 1'),
    });
    expect(summary.groups[1]?.launchTemplates[0]).not.toHaveProperty('toVersion');
    expect(summary.launchTemplates).toEqual([
      {
        launchTemplateId: web.templateId,
        launchTemplateName: 'web-lt',
        created: [{ sourceVersion: 1, newVersion: 2 }],
        defaultVersion: 2,
        defaultMoved: true,
        deleted: [],
      },
      {
        launchTemplateId: reports.templateId,
        launchTemplateName: 'reports-lt',
        created: [{ sourceVersion: 1, newVersion: 2 }],
        defaultVersion: 1,
        defaultMoved: false,
        deleted: [2],
        note: expect.stringContaining('default stays 1'),
      },
      {
        launchTemplateId: lagging.templateId,
        launchTemplateName: 'lagging-lt',
        created: [],
        defaultVersion: 2,
        defaultMoved: false,
        deleted: [],
      },
      expect.objectContaining({ launchTemplateName: 'bastion-lt', created: [], defaultMoved: false }),
    ]);
    expect(summary).not.toHaveProperty('plan');
  });

  it('a dry run: every group that would change is dryRun, and the plan is reported', async () => {
    const web = seedGroup(account(), 'web');
    const run = await plan(['web'], buildSettings({ dryRun: true }));

    const summary = await summarizePlan(run, NO_LEDGER);

    expect(summary.groups.map((g) => g.status)).toEqual(['dryRun']);
    expect(summary.counts).toMatchObject({ total: 1, dryRun: 1 });
    expect(summary.plan).toEqual({
      templates: [
        {
          launchTemplateId: web.templateId,
          launchTemplateName: 'web-lt',
          creates: [expect.objectContaining({ sourceVersion: 1 })],
          followers: ['web'],
          acceptedSharers: [],
        },
      ],
      groups: [{ asgName: 'web', action: 'patch', reason: expect.any(String) }],
    });
    expect(account().mutatingCalls()).toEqual([]);
  });

  describe('a failed group names the stage, the error and its message', () => {
    const error = (name: string, message: string) => caught(Object.assign(new Error(message), { name }));

    it.each([
      [
        'refused by the plan',
        buildRecord({ action: 'refused', refusal: { error: 'AsgNotFoundError', message: 'not found' } }),
        ['LookupLaunchTemplate', 'AsgNotFoundError', 'not found'],
      ],
      [
        'held by another run',
        buildRecord({ lockError: error('GroupLockedError', 'Auto Scaling group web is held by run run-a') }),
        ['LockAutoScalingGroup', 'GroupLockedError', 'Auto Scaling group web is held by run run-a'],
      ],
      [
        'pin failed',
        buildRecord({ pinError: error('GroupChangedError', 'it changed') }),
        ['PinAutoScalingGroup', 'GroupChangedError', 'it changed'],
      ],
      [
        'refresh not started',
        buildRecord({ pin: { pinned: true }, refreshError: error('RefreshAlreadyActiveError', 'busy') }),
        ['StartInstanceRefresh', 'RefreshAlreadyActiveError', 'busy'],
      ],
      [
        'wait failed',
        buildRecord({
          refresh: refresh({ status: 'InProgress', terminal: false }),
          refreshError: error('Lambda.Unknown', 'lost'),
        }),
        ['PollInstanceRefresh', 'Lambda.Unknown', 'lost'],
      ],
      [
        'timed out and rolled back',
        buildRecord({ refresh: refresh({ status: 'RollbackSuccessful', stopRequested: 'rollback' }) }),
        [
          'PollInstanceRefresh',
          'RefreshTimedOutError',
          'instance refresh refresh-1 ended RollbackSuccessful, after this run asked AWS to rollback it at maxWaitSeconds',
        ],
      ],
      [
        'never refreshed',
        buildRecord({ pin: { pinned: true } }),
        ['StartInstanceRefresh', 'NotStarted', 'the group was not refreshed'],
      ],
    ])('%s', async (_case, record, [stage, name, cause]) => {
      const summary = await summarizePlan(
        runOf({
          groups: [record],
          templates: [buildTemplateRecord({ created: [{ sourceVersion: 1, newVersion: 2 }] })],
        }),
        NO_LEDGER,
      );

      expect(summary.groups).toEqual([
        expect.objectContaining({ asgName: 'web', status: 'failed', stage, error: name, cause }),
      ]);
      expect(summary.counts).toMatchObject({ total: 1, failed: 1 });
    });

    it('its template could not be created: CreatePatchedVersion', async () => {
      const template = buildTemplateRecord({ createError: error('UserDataTooLargeError', 'too large') });

      const summary = await summarizePlan(
        runOf({ groups: [buildRecord({ pin: { pinned: true } })], templates: [template] }),
        NO_LEDGER,
      );

      expect(summary.groups[0]).toMatchObject({
        status: 'failed',
        stage: 'CreatePatchedVersion',
        error: 'UserDataTooLargeError',
        cause: 'too large',
      });
      expect(summary.launchTemplates[0]?.note).toBe('creating its versions failed: UserDataTooLargeError');
    });
  });

  it('the restore’s notes and the template’s kept versions reach the report', async () => {
    const group = buildRecord({
      refresh: refresh(),
      restore: {
        references: [{ slot: 'main', launchTemplateId: 'lt-00000000000000001', reference: '2' }],
        notes: ['left on version 2'],
      },
    });
    const template = buildTemplateRecord({
      created: [{ sourceVersion: 1, newVersion: 2 }],
      promotion: { defaultVersion: 1, moved: false, note: 'default stays 1' },
      cleanup: { deleted: [], kept: [{ version: 2, why: 'instances of web run it' }] },
    });

    const summary = await summarizePlan(runOf({ groups: [group], templates: [template] }), NO_LEDGER);

    expect(summary.groups[0]).toMatchObject({
      status: 'succeeded',
      launchTemplates: [{ fromVersion: 1, toVersion: 2, reference: '2' }],
      note: 'left on version 2; default stays 1',
      durationSeconds: 754,
    });
    expect(summary.launchTemplates[0]).toMatchObject({
      defaultVersion: 1,
      defaultMoved: false,
      note: 'default stays 1; version 2 kept: instances of web run it',
    });
  });

  it('ignores an end before the start instead of reporting a negative duration', async () => {
    const group = buildRecord({ refresh: refresh({ finishedAt: '2026-01-05T02:59:00.000Z' }) });

    const summary = await summarizePlan(
      runOf({
        groups: [group],
        templates: [buildTemplateRecord({ created: [{ sourceVersion: 1, newVersion: 2 }] })],
      }),
      NO_LEDGER,
    );

    expect(summary.groups[0]).not.toHaveProperty('durationSeconds');
  });

  it('no groups at all: zero counts, still a Summary', async () => {
    const summary = await summarizePlan(runOf(), NO_LEDGER);

    expect(summary).toEqual({
      runId: 'run-0001',
      dryRun: false,
      counts: { total: 0, succeeded: 0, refreshed: 0, alreadyCurrent: 0, skipped: 0, dryRun: 0, failed: 0 },
      groups: [],
      launchTemplates: [],
    });
  });

  describe('in the run ledger', () => {
    const ledger = useLocalLedger();
    const LOCK = { acquiredAt: '2026-01-05T02:59:00.000Z', expiresAt: '2026-01-06T02:59:00.000Z' };
    const template = buildTemplateRecord({ created: [{ sourceVersion: 1, newVersion: 2 }] });
    const hold = (asgName: string, runId = 'run-0001') =>
      acquireGroupLock(ledger().deps.ledger, {
        asgName,
        runId,
        lifetimeSeconds: 86_400,
        now: new Date(LOCK.acquiredAt),
      });

    it('records the versions of each held group whose refresh ended Successful, not of the one that rolled back, and releases every lock it holds', async () => {
      // Prepare: both groups held by this run; web's refresh succeeded, reports' rolled back.
      await hold('web');
      await hold('reports');
      const web = buildRecord({ lock: LOCK, pin: { pinned: true }, refresh: refresh() });
      const reports = buildRecord({
        asgName: 'reports',
        lock: LOCK,
        pin: { pinned: true },
        refresh: refresh({ status: 'RollbackSuccessful' }),
      });

      // Act
      const summary = await summarizePlan(
        runOf({ groups: [web, reports], templates: [template] }),
        ledger().deps,
      );

      // Assess
      expect(summary.groups.map((g) => [g.asgName, g.status, g.note])).toEqual([
        ['web', 'succeeded', undefined],
        ['reports', 'failed', undefined],
      ]);
      expect(await readLastPatched(ledger().deps.ledger, 'web')).toEqual({
        asgName: 'web',
        runId: 'run-0001',
        patchedAt: '2026-01-05T03:12:34.000Z',
        action: 'patch',
        launchTemplates: [{ slot: 'main', launchTemplateId: 'lt-00000000000000001', version: 2 }],
      });
      expect(await readLastPatched(ledger().deps.ledger, 'reports')).toBeUndefined();
      expect(await readGroupLock(ledger().deps.ledger, 'web')).toBeUndefined();
      expect(await readGroupLock(ledger().deps.ledger, 'reports')).toBeUndefined();
    });

    it("leaves alone the lock of a group it does not hold (another run's), and records nothing for it", async () => {
      await hold('web', 'run-other');
      const refused = buildRecord({ lockError: caught(new Error('held')), refresh: refresh() });

      await summarizePlan(runOf({ groups: [refused], templates: [template] }), ledger().deps);

      expect(await readGroupLock(ledger().deps.ledger, 'web')).toMatchObject({ runId: 'run-other' });
      expect(await readLastPatched(ledger().deps.ledger, 'web')).toBeUndefined();
    });

    it('says so on the group when its lock was taken over, by this run or from it', async () => {
      // This run took web over from a run whose lock had lapsed; api's lock lapsed and run-late took it.
      await hold('web');
      await hold('api', 'run-late');
      const web = buildRecord({
        lock: { ...LOCK, tookOverFrom: { runId: 'run-dead', expiredAt: '2026-01-04T00:00:00.000Z' } },
        refresh: refresh(),
      });
      const api = buildRecord({ asgName: 'api', lock: LOCK, refresh: refresh() });

      const summary = await summarizePlan(
        runOf({ groups: [web, api], templates: [template] }),
        ledger().deps,
      );

      expect(summary.groups[0]?.note).toBe(
        'this run took over the lock of run run-dead, which had lapsed at 2026-01-04T00:00:00.000Z',
      );
      expect(summary.groups[1]?.note).toBe(
        `run run-late took this group's lock over while this run still held it (this run's lock lapsed at ${LOCK.expiresAt}); that run may have changed the group as well`,
      );
      expect(await readGroupLock(ledger().deps.ledger, 'api')).toMatchObject({ runId: 'run-late' });
    });

    it('still reports when the ledger cannot be reached: each held group gets a note, its status stays', async () => {
      const web = buildRecord({ lock: LOCK, pin: { pinned: true }, refresh: refresh() });
      await ledger().local.stop();

      const summary = await summarizePlan(runOf({ groups: [web], templates: [template] }), ledger().deps);

      expect(summary.groups[0]).toMatchObject({ asgName: 'web', status: 'succeeded' });
      expect(summary.groups[0]?.note).toMatch(
        /^its last patched versions were not recorded in the run ledger \(\S+: .+\); its lock in the run ledger was not released \(\S+: .+\); it lapses at 2026-01-06T02:59:00.000Z, or delete it from the ledger table \(pk GROUP#web, sk LOCK\)$/,
      );
    }, 15_000);
  });
});

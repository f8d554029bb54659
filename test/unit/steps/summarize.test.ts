import { describe, expect, it } from 'vitest';
import type { GroupResult } from '../../../src/schemas.ts';
import { summarize } from '../../../src/steps/summarize.ts';
import { deps, useFakeAccount } from './support/fixtures.ts';

const buildResult = (overrides: Partial<GroupResult> = {}): GroupResult => ({
  asgName: 'web',
  status: 'succeeded',
  launchTemplateId: 'lt-00000000000000001',
  oldVersion: 2,
  newVersion: 4,
  instanceRefreshId: 'r-1',
  startedAt: '2026-01-05T03:00:00.000Z',
  finishedAt: '2026-01-05T03:12:30.000Z',
  ...overrides,
});

describe('summarize', () => {
  const account = useFakeAccount();

  it('counts every outcome and gives each group its duration when start and end are known', async () => {
    // Prepare
    const results = [
      buildResult(),
      buildResult({
        asgName: 'api',
        status: 'alreadyCurrent',
        newVersion: undefined,
        startedAt: undefined,
        finishedAt: undefined,
      }),
      buildResult({
        asgName: 'jobs',
        status: 'failed',
        stage: 'PollInstanceRefresh',
        error: 'RefreshTimedOutError',
        startedAt: undefined,
      }),
      buildResult({
        asgName: 'batch',
        status: 'failed',
        stage: 'LookupLaunchTemplate',
        error: 'AsgNotFoundError',
      }),
    ];

    // Act
    const summary = await summarize({ runId: 'run-0001', dryRun: false, results }, deps);

    // Assess
    expect(summary.counts).toEqual({ total: 4, succeeded: 1, alreadyCurrent: 1, dryRun: 0, failed: 2 });
    expect(summary.groups.map((group) => [group.asgName, group.durationSeconds])).toEqual([
      ['web', 750],
      ['api', undefined],
      ['jobs', undefined],
      ['batch', 750],
    ]);
    expect(summary.groups[2]).toMatchObject({ stage: 'PollInstanceRefresh', error: 'RefreshTimedOutError' });
    expect(summary).toMatchObject({ runId: 'run-0001', dryRun: false });
    expect(account().calls).toEqual([]);
  });

  it('returns the summary (does not throw) when groups failed: the state machine decides', async () => {
    const summary = await summarize(
      { runId: 'r', dryRun: false, results: [buildResult({ status: 'failed', error: 'X' })] },
      deps,
    );
    expect(summary.counts.failed).toBe(1);
  });

  it('a dry run with no groups', async () => {
    const summary = await summarize({ runId: 'r', dryRun: true, results: [] }, deps);
    expect(summary).toEqual({
      runId: 'r',
      dryRun: true,
      counts: { total: 0, succeeded: 0, alreadyCurrent: 0, dryRun: 0, failed: 0 },
      groups: [],
    });
  });

  it('ignores an end before the start instead of reporting a negative duration', async () => {
    const summary = await summarize(
      { runId: 'r', dryRun: false, results: [buildResult({ finishedAt: '2026-01-05T02:00:00.000Z' })] },
      deps,
    );
    expect(summary.groups[0]).not.toHaveProperty('durationSeconds');
  });
});

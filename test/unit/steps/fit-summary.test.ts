import { describe, expect, it } from 'vitest';
import type { GroupResult, Summary } from '../../../src/schemas.ts';
import { fitSummary, SUMMARY_BYTES } from '../../../src/steps/lib/fit-summary.ts';

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

function summaryOf(groups: number, failedEvery: number): Summary {
  const results: GroupResult[] = Array.from({ length: groups }, (_, i) => ({
    asgName: `production-service-autoscaling-group-${String(i).padStart(4, '0')}`,
    status: i % failedEvery === 0 ? 'failed' : 'succeeded',
    action: 'patch',
    reason: 'its launch templates lack today’s script',
    launchTemplates: [
      { slot: 'main', launchTemplateId: `lt-${String(i).padStart(17, '0')}`, fromVersion: 3, toVersion: 4 },
    ],
    ...(i % failedEvery === 0
      ? { stage: 'PollInstanceRefresh', error: 'InstanceRefreshFailedError', cause: 'ended Failed' }
      : {}),
  }));
  const failed = results.filter((g) => g.status === 'failed').length;
  return {
    runId: 'run-1',
    dryRun: false,
    counts: {
      total: groups,
      succeeded: groups - failed,
      refreshed: 0,
      alreadyCurrent: 0,
      skipped: 0,
      dryRun: 0,
      failed,
    },
    groups: results,
    launchTemplates: results.map((g, i) => ({
      launchTemplateId: g.launchTemplates[0]?.launchTemplateId ?? '',
      launchTemplateName: `template-${i}`,
      created: [{ sourceVersion: 3, newVersion: 4 }],
      defaultVersion: 4,
      defaultMoved: true,
      deleted: [],
      ...(i % 7 === 0 ? { note: 'version 3 kept: a group launches it' } : {}),
    })),
  };
}

describe('fitSummary (Summarize)', () => {
  it('returns a summary that fits as it is', () => {
    const summary = summaryOf(10, 3);
    expect(fitSummary(summary)).toBe(summary);
  });

  it('cuts a large one to the limit: counts whole, every failed group first, templates with a note first, and says what it left out and where', () => {
    const summary = summaryOf(2000, 5);
    expect(bytes(summary)).toBeGreaterThan(SUMMARY_BYTES);

    const fitted = fitSummary(summary);

    expect(bytes(fitted)).toBeLessThanOrEqual(SUMMARY_BYTES);
    expect(fitted.counts).toEqual(summary.counts);
    const failed = summary.groups.filter((g) => g.status === 'failed');
    expect(fitted.groups.slice(0, failed.length)).toEqual(failed);
    expect(fitted.groups.length + (fitted.omitted?.groups ?? 0)).toBe(2000);
    expect(fitted.launchTemplates.length + (fitted.omitted?.launchTemplates ?? 0)).toBe(2000);
    const noted = fitted.launchTemplates.findIndex((t) => !t.note);
    expect(fitted.launchTemplates.slice(noted).every((t) => !t.note)).toBe(true);
    expect(fitted.omitted?.where).toContain('RUN#run-1');
    expect(fitted.omitted?.where).toContain('SUMMARY#');
  });
});

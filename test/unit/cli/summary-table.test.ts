/** The launch-template lines under the summary table: what a run created, deleted and pruned. */
import { describe, expect, it } from 'vitest';
import { printSummary } from '../../../src/cli/summary-table.ts';
import type { Summary } from '../../../src/schemas.ts';

function summaryWith(template: Partial<Summary['launchTemplates'][number]>): Summary {
  return {
    runId: 'r',
    dryRun: false,
    counts: { total: 0, succeeded: 0, refreshed: 0, alreadyCurrent: 0, skipped: 0, dryRun: 0, failed: 0 },
    groups: [],
    launchTemplates: [
      {
        launchTemplateId: 'lt-00000000000000001',
        launchTemplateName: 'app-lt',
        created: [{ sourceVersion: 7, newVersion: 9 }],
        defaultVersion: 9,
        defaultMoved: true,
        deleted: [],
        ...template,
      },
    ],
  };
}

function templateLine(summary: Summary): string | undefined {
  const lines: string[] = [];
  printSummary(summary, { log: (line) => lines.push(line), error: () => {} });
  return lines.find((line) => line.startsWith('  app-lt'));
}

describe('printSummary, per launch template', () => {
  it('names the versions pruned when the run pruned, and says none when it found nothing to prune', () => {
    expect(templateLine(summaryWith({ pruned: [2, 6] }))).toBe(
      '  app-lt (lt-00000000000000001): created v9 (from v7); default -> v9; deleted none; pruned v2, v6',
    );
    expect(templateLine(summaryWith({ pruned: [] }))).toMatch(/; deleted none; pruned none$/);
  });

  it('says nothing about pruning when the run was not asked to prune', () => {
    expect(templateLine(summaryWith({}))).toBe(
      '  app-lt (lt-00000000000000001): created v9 (from v7); default -> v9; deleted none',
    );
  });
});

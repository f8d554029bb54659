/**
 * The summary as Summarize returns it: whole when it fits, else cut to what fits the execution's
 * output, failed groups first. Step Functions caps a state's output at 256 KiB
 * (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html); a run of thousands of
 * groups reports more than that, and every group's record stays in the run ledger's pages anyway.
 */
import type { Summary } from '../../schemas.ts';

/** Below the 256 KiB quota, with room for the Fail state's cause that lists the failed groups. */
export const SUMMARY_BYTES = 160 * 1024;

const size = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

/**
 * `summary` itself when it fits in `limit` bytes. Otherwise: the counts, then as many group entries
 * as fit (every failed group before the others), then templates with a note before the others, then
 * the dry-run plan's entries; `omitted` says how many of each were left out and where they all are.
 */
export function fitSummary(summary: Summary, limit = SUMMARY_BYTES): Summary {
  if (size(summary) <= limit) return summary;
  const where = `the whole report is in the run ledger table, partition key RUN#${summary.runId}, items SUMMARY#<part> (asg-patcher reads it back), and every record in items GROUPS#<page> and TEMPLATE#<id>`;
  const fitted: Summary = {
    ...summary,
    groups: [],
    launchTemplates: [],
    ...(summary.plan ? { plan: { templates: [], groups: [] } } : {}),
    omitted: { groups: 0, launchTemplates: 0, planGroups: 0, planTemplates: 0, where },
  };
  let used = size(fitted);
  const take = <T>(items: T[], into: T[]): number => {
    let left = 0;
    for (const item of items) {
      const add = size(item) + 1;
      if (used + add > limit) left += 1;
      else {
        into.push(item);
        used += add;
      }
    }
    return left;
  };
  const failedFirst = [
    ...summary.groups.filter((g) => g.status === 'failed'),
    ...summary.groups.filter((g) => g.status !== 'failed'),
  ];
  const notedFirst = [
    ...summary.launchTemplates.filter((t) => t.note),
    ...summary.launchTemplates.filter((t) => !t.note),
  ];
  const omitted = {
    groups: take(failedFirst, fitted.groups),
    launchTemplates: take(notedFirst, fitted.launchTemplates),
    planTemplates: summary.plan && fitted.plan ? take(summary.plan.templates, fitted.plan.templates) : 0,
    planGroups: summary.plan && fitted.plan ? take(summary.plan.groups, fitted.plan.groups) : 0,
    where,
  };
  return { ...fitted, omitted };
}

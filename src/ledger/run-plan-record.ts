/** LookupLaunchTemplate's part of the run's pages: the plan, written as pages (see run-items.ts). */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { GroupRecord, RunPages, RunPlan, TemplateRecord } from '../schemas.ts';
import { batchWrite } from './batch-write.ts';
import {
  PAGE_BYTES,
  PAGE_GROUPS,
  PAGE_TEMPLATES,
  pageSk,
  runItemExpiry,
  runKey,
  templateItem,
} from './run-items.ts';
import type { Ledger } from './table.ts';

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** Splits `items` into pages of at most `max` items and about PAGE_BYTES, in order. */
function paginate<T>(items: T[], max: number, size: (item: T, page: T[]) => number): T[][] {
  const pages: T[][] = [];
  let page: T[] = [];
  let used = 0;
  for (const item of items) {
    let add = size(item, page);
    if (page.length > 0 && (page.length >= max || used + add > PAGE_BYTES)) {
      pages.push(page);
      page = [];
      used = 0;
      add = size(item, page);
    }
    page.push(item);
    used += add;
  }
  if (page.length > 0) pages.push(page);
  return pages;
}

/** The ids of the planned templates a group launches from, in its specs' order. */
function templateIdsOf(group: GroupRecord, planned: Map<string, TemplateRecord>): string[] {
  return [...new Set(group.specs.map((s) => s.launchTemplateId))].filter((id) => planned.has(id));
}

/**
 * Writes the plan as pages and returns their numbers. Idempotent: a retried LookupLaunchTemplate
 * writes the same items again.
 */
export async function recordRunPlan(ledger: Ledger, plan: RunPlan, now: Date): Promise<RunPages> {
  const planned = new Map(plan.templates.map((t) => [t.launchTemplateId, t]));
  const groupPages = paginate(plan.groups, PAGE_GROUPS, (group, page) => {
    const onPage = new Set(page.flatMap((g) => templateIdsOf(g, planned)));
    const added = templateIdsOf(group, planned).filter((id) => !onPage.has(id));
    return bytes(group) + added.reduce((sum, id) => sum + bytes(planned.get(id)), 0);
  });
  const templatePages = paginate(plan.templates, PAGE_TEMPLATES, (template) => bytes(template));
  const runId = plan.settings.runId;
  const writes: Record<string, AttributeValue>[] = [
    ...groupPages.map((groups, page) => ({
      ...runKey(runId, pageSk('groups', page)),
      groups: { S: JSON.stringify(groups) },
      templateIds: { S: JSON.stringify([...new Set(groups.flatMap((g) => templateIdsOf(g, planned)))]) },
      ...runItemExpiry(now),
    })),
    ...templatePages.map((templates, page) => ({
      ...runKey(runId, pageSk('templates', page)),
      templateIds: { S: JSON.stringify(templates.map((t) => t.launchTemplateId)) },
      ...runItemExpiry(now),
    })),
    ...plan.templates.map((t) => templateItem(runId, t, now)),
  ];
  await batchWrite(ledger, writes);
  return {
    groupCount: plan.groups.length,
    templateCount: plan.templates.length,
    groupPages: groupPages.map((_, page) => page),
    templatePages: templatePages.map((_, page) => page),
  };
}

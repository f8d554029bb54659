/**
 * A run's plan and results, in the run ledger under `RUN#<runId>`, in pages: the execution's own
 * state then carries only the page numbers, whatever the number of groups (Step Functions caps a
 * state at 256 KiB; https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
 *
 * | sk | what |
 * | --- | --- |
 * | `GROUPS#<page>` | the page's group records (JSON), and the ids of the templates they launch from |
 * | `TEMPLATES#<page>` | the ids of the page's templates, in plan order |
 * | `TEMPLATE#<launchTemplateId>` | one template's record (JSON) |
 * | `SUMMARY#<part>` | Summarize's whole report (JSON, in parts of at most SUMMARY_PART_CHARS) |
 *
 * Each phase of the state machine loads a page (LoadRunPage), runs its per-group or per-template
 * states on it, and saves it back (SaveRunPage): a group page with the records of its templates as
 * they are then (a group's refresh needs its templates' created versions), a template page with its
 * templates. Phases run one after another and each page is written by one child at a time, so a
 * write never races another; each write replaces what it writes, so a retried save is harmless.
 * Summarize reads every page (readRunPlan). Every item expires RUN_ITEM_DAYS after the plan.
 *
 * This file: the items' keys and sizes. One file per use, so each function's role grants exactly
 * the calls it makes (test/package/cloudformation.test.ts): run-plan-record.ts (LookupLaunchTemplate),
 * run-page-load.ts (LoadRunPage), run-page-save.ts (SaveRunPage), run-read.ts and run-summary.ts (Summarize).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { LedgerBatchUnprocessedError } from '../errors.ts';
import type { PageKind, TemplateRecord } from '../schemas.ts';
import { epochSeconds, LEDGER_KEY, LEDGER_TTL_ATTRIBUTE } from './table.ts';

/** How long a run's items stay: long enough to read a run's results weeks later. */
export const RUN_ITEM_DAYS = 30;
/**
 * A page's size: at most this many groups (or templates), and about this many bytes of records, so
 * a loaded page and its results stay far below the 256 KiB state quota and DynamoDB's 400 KB item.
 * A record larger than that on its own gets a page to itself.
 */
export const PAGE_GROUPS = 40;
export const PAGE_TEMPLATES = 100;
export const PAGE_BYTES = 96 * 1024;

export const runKey = (runId: string, sk: string): Record<string, AttributeValue> => ({
  [LEDGER_KEY.partition]: { S: `RUN#${runId}` },
  [LEDGER_KEY.sort]: { S: sk },
});
/** The sort-key prefix of each kind of run item (the table in this file's comment). */
export const RUN_ITEM_PREFIX = {
  groups: 'GROUPS#',
  templates: 'TEMPLATES#',
  template: 'TEMPLATE#',
  summary: 'SUMMARY#',
} as const;
/** Zero-padded, so a Query returns pages in order. */
export const pageSk = (kind: PageKind, page: number) =>
  `${RUN_ITEM_PREFIX[kind]}${String(page).padStart(6, '0')}`;
export const templateSk = (id: string) => `${RUN_ITEM_PREFIX.template}${id}`;

/** The TTL attribute of a run's items written now. */
export const runItemExpiry = (now: Date): Record<string, AttributeValue> => ({
  [LEDGER_TTL_ATTRIBUTE]: { N: String(epochSeconds(now) + RUN_ITEM_DAYS * 86_400) },
});

export function templateItem(
  runId: string,
  template: TemplateRecord,
  now: Date,
): Record<string, AttributeValue> {
  return {
    ...runKey(runId, templateSk(template.launchTemplateId)),
    record: { S: JSON.stringify(template) },
    ...runItemExpiry(now),
  };
}

/**
 * Before asking again for what a batch left unprocessed (DynamoDB throttled part of it): AWS's advice
 * is an exponential backoff (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html).
 * 8 attempts, then the error goes to the state's Retry.
 */
export async function backOff(attempt: number): Promise<void> {
  if (attempt === 0) return;
  if (attempt >= 8) throw new LedgerBatchUnprocessedError();
  await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
}

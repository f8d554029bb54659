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
 *
 * Each phase of the state machine loads a page (LoadRunPage), runs its per-group or per-template
 * states on it, and saves it back (SaveRunPage): a group page with the records of its templates as
 * they are then (a group's refresh needs its templates' created versions), a template page with its
 * templates. Phases run one after another and each page is written by one child at a time, so a
 * write never races another; each write replaces what it writes, so a retried save is harmless.
 * Summarize reads every page (readRunPlan). Every item expires RUN_ITEM_DAYS after the plan.
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  GetItemCommand,
  type KeysAndAttributes,
  QueryCommand,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { LedgerBatchUnprocessedError, RunPageMissingError } from '../errors.ts';
import type { GroupRecord, RunPages, RunPlan, TemplateRecord } from '../schemas.ts';
import { epochSeconds } from './lock-item.ts';
import { LEDGER_KEY, LEDGER_TTL_ATTRIBUTE, type Ledger, tableOf } from './table.ts';

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
/** BatchGetItem reads at most 100 items a call; BatchWriteItem writes at most 25. */
const BATCH_GET = 100;
const BATCH_WRITE = 25;

export type PageKind = 'groups' | 'templates';

/** A page as the state machine works on it. */
export interface LoadedPage {
  groups?: GroupRecord[];
  templates: TemplateRecord[];
}

const runKey = (runId: string, sk: string): Record<string, AttributeValue> => ({
  [LEDGER_KEY.partition]: { S: `RUN#${runId}` },
  [LEDGER_KEY.sort]: { S: sk },
});
/** Zero-padded, so a Query returns pages in order. */
const pageSk = (kind: PageKind, page: number) =>
  `${kind === 'groups' ? 'GROUPS' : 'TEMPLATES'}#${String(page).padStart(6, '0')}`;
const templateSk = (id: string) => `TEMPLATE#${id}`;
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
  const expiresAt = { N: String(epochSeconds(now) + RUN_ITEM_DAYS * 86_400) };
  const runId = plan.settings.runId;
  const writes: Record<string, AttributeValue>[] = [
    ...groupPages.map((groups, page) => ({
      ...runKey(runId, pageSk('groups', page)),
      groups: { S: JSON.stringify(groups) },
      templateIds: { S: JSON.stringify([...new Set(groups.flatMap((g) => templateIdsOf(g, planned)))]) },
      [LEDGER_TTL_ATTRIBUTE]: expiresAt,
    })),
    ...templatePages.map((templates, page) => ({
      ...runKey(runId, pageSk('templates', page)),
      templateIds: { S: JSON.stringify(templates.map((t) => t.launchTemplateId)) },
      [LEDGER_TTL_ATTRIBUTE]: expiresAt,
    })),
    ...plan.templates.map((t) => templateItem(runId, t, expiresAt)),
  ];
  await batchWrite(ledger, writes);
  return {
    groupCount: plan.groups.length,
    templateCount: plan.templates.length,
    groupPages: groupPages.map((_, page) => page),
    templatePages: templatePages.map((_, page) => page),
  };
}

function templateItem(
  runId: string,
  template: TemplateRecord,
  expiresAt: AttributeValue,
): Record<string, AttributeValue> {
  return {
    ...runKey(runId, templateSk(template.launchTemplateId)),
    record: { S: JSON.stringify(template) },
    [LEDGER_TTL_ATTRIBUTE]: expiresAt,
  };
}

/**
 * One page: a group page's records with its templates' records, or a template page's records.
 * @throws RunPageMissingError when the plan wrote no such page (AWS errors propagate)
 */
export async function loadRunPage(
  ledger: Ledger,
  runId: string,
  kind: PageKind,
  page: number,
): Promise<LoadedPage> {
  const { Item } = await ledger.client.send(
    new GetItemCommand({
      TableName: tableOf(ledger),
      Key: runKey(runId, pageSk(kind, page)),
      ConsistentRead: true,
    }),
  );
  const ids = Item?.templateIds?.S;
  if (!ids) throw new RunPageMissingError(runId, kind, page);
  const templates = await readTemplates(ledger, runId, JSON.parse(ids) as string[]);
  if (kind === 'templates') return { templates };
  return { groups: JSON.parse(Item.groups?.S ?? '[]') as GroupRecord[], templates };
}

/**
 * Saves a page's records as a phase left them: a group page's groups (its templates are the
 * template phases' to write), or a template page's templates.
 */
export async function saveRunPage(
  ledger: Ledger,
  runId: string,
  kind: PageKind,
  page: number,
  records: LoadedPage,
  now: Date,
): Promise<void> {
  if (kind === 'groups') {
    await ledger.client.send(
      new UpdateItemCommand({
        TableName: tableOf(ledger),
        Key: runKey(runId, pageSk(kind, page)),
        UpdateExpression: 'SET #groups = :groups',
        // Only a page the plan wrote: a save never creates a page without its template ids.
        ConditionExpression: 'attribute_exists(templateIds)',
        ExpressionAttributeNames: { '#groups': 'groups' },
        ExpressionAttributeValues: { ':groups': { S: JSON.stringify(records.groups ?? []) } },
      }),
    );
    return;
  }
  const expiresAt = { N: String(epochSeconds(now) + RUN_ITEM_DAYS * 86_400) };
  await batchWrite(
    ledger,
    records.templates.map((t) => templateItem(runId, t, expiresAt)),
  );
}

/** The whole run as its pages hold it now: every group and template, in plan order. */
export async function readRunPlan(
  ledger: Ledger,
  runId: string,
): Promise<{ groups: GroupRecord[]; templates: TemplateRecord[] }> {
  const groupPages = await queryPrefix(ledger, runId, 'GROUPS#');
  const templatePages = await queryPrefix(ledger, runId, 'TEMPLATES#');
  const ids = templatePages.flatMap((item) => JSON.parse(item.templateIds?.S ?? '[]') as string[]);
  const records = new Map(
    (await queryPrefix(ledger, runId, 'TEMPLATE#')).map((item) => {
      const record = JSON.parse(item.record?.S ?? 'null') as TemplateRecord;
      return [record.launchTemplateId, record];
    }),
  );
  return {
    groups: groupPages.flatMap((item) => JSON.parse(item.groups?.S ?? '[]') as GroupRecord[]),
    templates: ids.flatMap((id) => records.get(id) ?? []),
  };
}

async function queryPrefix(
  ledger: Ledger,
  runId: string,
  prefix: string,
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const response = await ledger.client.send(
      new QueryCommand({
        TableName: tableOf(ledger),
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': LEDGER_KEY.partition, '#sk': LEDGER_KEY.sort },
        ExpressionAttributeValues: { ':pk': { S: `RUN#${runId}` }, ':prefix': { S: prefix } },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(response.Items ?? []));
    start = response.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The records of these templates, in this order (BatchGetItem, 100 a call, unprocessed keys asked again). */
async function readTemplates(ledger: Ledger, runId: string, ids: string[]): Promise<TemplateRecord[]> {
  const table = tableOf(ledger);
  const found = new Map<string, TemplateRecord>();
  for (let i = 0; i < ids.length; i += BATCH_GET) {
    let request: Record<string, KeysAndAttributes> | undefined = {
      [table]: {
        Keys: ids.slice(i, i + BATCH_GET).map((id) => runKey(runId, templateSk(id))),
        ConsistentRead: true,
      },
    };
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
      await backOff(attempt);
      const response: BatchGetItemCommandOutput = await ledger.client.send(
        new BatchGetItemCommand({ RequestItems: request }),
      );
      for (const item of response.Responses?.[table] ?? []) {
        const record = JSON.parse(item.record?.S ?? 'null') as TemplateRecord;
        found.set(record.launchTemplateId, record);
      }
      request = response.UnprocessedKeys;
    }
  }
  return ids.flatMap((id) => found.get(id) ?? []);
}

/** PutRequests, 25 a call (BatchWriteItem's limit), unprocessed items sent again. */
async function batchWrite(ledger: Ledger, items: Record<string, AttributeValue>[]): Promise<void> {
  const table = tableOf(ledger);
  for (let i = 0; i < items.length; i += BATCH_WRITE) {
    let requests: WriteRequest[] | undefined = items
      .slice(i, i + BATCH_WRITE)
      .map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests && requests.length > 0; attempt++) {
      await backOff(attempt);
      const response: BatchWriteItemCommandOutput = await ledger.client.send(
        new BatchWriteItemCommand({ RequestItems: { [table]: requests } }),
      );
      requests = response.UnprocessedItems?.[table];
    }
  }
}

/**
 * Before asking again for what a batch left unprocessed (DynamoDB throttled part of it): AWS's advice
 * is an exponential backoff (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html).
 * 8 attempts, then the error goes to the state's Retry.
 */
async function backOff(attempt: number): Promise<void> {
  if (attempt === 0) return;
  if (attempt >= 8) throw new LedgerBatchUnprocessedError();
  await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
}

/** LoadRunPage's part of the run's pages (see run-items.ts): one page, read. */
import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  GetItemCommand,
  type KeysAndAttributes,
} from '@aws-sdk/client-dynamodb';
import { RunPageMissingError } from '../errors.ts';
import type { GroupRecord, PageKind, RunPage, TemplateRecord } from '../schemas.ts';
import { backOff, pageSk, runKey, templateSk } from './run-items.ts';
import { type Ledger, tableOf } from './table.ts';

/** BatchGetItem reads at most 100 items a call. */
const BATCH_GET = 100;

/**
 * One page: a group page's records with its templates' records, or a template page's records.
 * @throws RunPageMissingError when the plan wrote no such page (AWS errors propagate)
 */
export async function loadRunPage(
  ledger: Ledger,
  runId: string,
  kind: PageKind,
  page: number,
): Promise<RunPage> {
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

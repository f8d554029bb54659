/** Reading a whole run back from its pages (see run-items.ts): Summarize, and the runner for the whole report. */
import { type AttributeValue, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { GroupRecord, TemplateRecord } from '../schemas.ts';
import { RUN_ITEM_PREFIX } from './run-items.ts';
import { LEDGER_KEY, type Ledger, tableOf } from './table.ts';

/** The whole run as its pages hold it now: every group and template, in plan order. */
export async function readRunPlan(
  ledger: Ledger,
  runId: string,
): Promise<{ groups: GroupRecord[]; templates: TemplateRecord[] }> {
  const groupPages = await queryPrefix(ledger, runId, RUN_ITEM_PREFIX.groups);
  const templatePages = await queryPrefix(ledger, runId, RUN_ITEM_PREFIX.templates);
  const ids = templatePages.flatMap((item) => JSON.parse(item.templateIds?.S ?? '[]') as string[]);
  const records = new Map(
    (await queryPrefix(ledger, runId, RUN_ITEM_PREFIX.template)).map((item) => {
      const record = JSON.parse(item.record?.S ?? 'null') as TemplateRecord;
      return [record.launchTemplateId, record];
    }),
  );
  return {
    groups: groupPages.flatMap((item) => JSON.parse(item.groups?.S ?? '[]') as GroupRecord[]),
    templates: ids.flatMap((id) => records.get(id) ?? []),
  };
}

/** Summarize's whole report of a run, or undefined when it wrote none (yet). */
export async function readRunSummary(ledger: Ledger, runId: string): Promise<unknown> {
  const parts = await queryPrefix(ledger, runId, RUN_ITEM_PREFIX.summary);
  if (parts.length === 0) return undefined;
  return JSON.parse(parts.map((item) => item.text?.S ?? '').join(''));
}

export async function queryPrefix(
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

/** SaveRunPage's part of the run's pages (see run-items.ts): one page, written back. */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { PageKind, RunPage } from '../schemas.ts';
import { batchWrite } from './batch-write.ts';
import { pageSk, runKey, templateItem } from './run-items.ts';
import { type Ledger, tableOf } from './table.ts';

/**
 * Saves a page's records as a phase left them: a group page's groups (its templates are the
 * template phases' to write), or a template page's templates.
 */
export async function saveRunPage(
  ledger: Ledger,
  runId: string,
  kind: PageKind,
  page: number,
  records: RunPage,
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
  await batchWrite(
    ledger,
    records.templates.map((t) => templateItem(runId, t, now)),
  );
}

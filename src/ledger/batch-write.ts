/** BatchWriteItem for the run's items: 25 a call, what DynamoDB leaves unprocessed sent again. */
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { backOff } from './run-items.ts';
import { type Ledger, tableOf } from './table.ts';

/** BatchWriteItem writes at most 25 items a call. */
const BATCH_WRITE = 25;

/** PutRequests, 25 a call (BatchWriteItem's limit), unprocessed items sent again. */
export async function batchWrite(ledger: Ledger, items: Record<string, AttributeValue>[]): Promise<void> {
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

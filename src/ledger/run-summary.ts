/** Summarize's whole report, kept in the run's items when the output holds only part of it (see run-items.ts). */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Summary } from '../schemas.ts';
import { batchWrite } from './batch-write.ts';
import { RUN_ITEM_PREFIX, runItemExpiry, runKey } from './run-items.ts';
import type { Ledger } from './table.ts';

/** An item holds at most 400 KB; a part of the report stays well under it. */
const SUMMARY_PART_CHARS = 300_000;

/**
 * Keeps Summarize's whole report, which the execution's output may hold only in part: in parts, in
 * order. A retried Summarize writes the same parts again (a report never shrinks between retries of
 * one run, as it lists every group of the plan).
 */
export async function recordRunSummary(ledger: Ledger, summary: Summary, now: Date): Promise<void> {
  const text = JSON.stringify(summary);
  const parts: Record<string, AttributeValue>[] = [];
  for (let start = 0, part = 0; start < text.length; start += SUMMARY_PART_CHARS, part++) {
    parts.push({
      ...runKey(summary.runId, `${RUN_ITEM_PREFIX.summary}${String(part).padStart(4, '0')}`),
      text: { S: text.slice(start, start + SUMMARY_PART_CHARS) },
      ...runItemExpiry(now),
    });
  }
  await batchWrite(ledger, parts);
}

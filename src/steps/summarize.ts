import type { AwsDeps } from '../clients.ts';
import type { SummarizeInput, Summary } from '../schemas.ts';

/**
 * Counts the groups by outcome and lists each with its duration (when its start and end are known).
 * Returns the summary; the state machine fails the execution after the Map when `counts.failed > 0`.
 * @throws nothing
 */
export async function summarize(input: SummarizeInput, _deps: Pick<AwsDeps, never>): Promise<Summary> {
  const counts = { total: input.results.length, succeeded: 0, alreadyCurrent: 0, dryRun: 0, failed: 0 };
  for (const result of input.results) counts[result.status] += 1;
  const groups = input.results.map((result) => {
    const durationSeconds = duration(result.startedAt, result.finishedAt);
    return durationSeconds === undefined ? result : { ...result, durationSeconds };
  });
  return { runId: input.runId, dryRun: input.dryRun, counts, groups };
}

function duration(startedAt: string | undefined, finishedAt: string | undefined): number | undefined {
  if (!startedAt || !finishedAt) return undefined;
  const seconds = (Date.parse(finishedAt) - Date.parse(startedAt)) / 1000;
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds) : undefined;
}

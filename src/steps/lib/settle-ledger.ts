/**
 * Summarize's part in the run ledger, for every group this run holds (its record has `lock`): the
 * last patched versions when its refresh ended Successful, then the lock released. A ledger that
 * fails does not cost the run its report: each failure becomes a note on the group (the lock then
 * lapses by itself). Safe to repeat: the record is conditioned on its time, the release on the holder.
 */
import { recordLastPatched } from '../../ledger/last-patched.ts';
import { releaseGroupLock } from '../../ledger/release-lock.ts';
import type { LedgerDeps } from '../../ledger/table.ts';
import type { GroupRecord } from '../../schemas.ts';

/** Groups settled at once: bounds Summarize's time on a large run without a burst on the table. */
const CONCURRENCY = 10;

/** The notes per group name (only groups that got one). */
export async function settleLedger(
  runId: string,
  groups: GroupRecord[],
  deps: LedgerDeps,
): Promise<Map<string, string[]>> {
  const notes = new Map<string, string[]>();
  const held = groups.filter((g) => g.lock);
  for (let start = 0; start < held.length; start += CONCURRENCY) {
    await Promise.all(
      held.slice(start, start + CONCURRENCY).map(async (group) => {
        const groupNotes = await settleGroup(runId, group, deps);
        if (groupNotes.length > 0) notes.set(group.asgName, groupNotes);
      }),
    );
  }
  return notes;
}

async function settleGroup(runId: string, group: GroupRecord, deps: LedgerDeps): Promise<string[]> {
  const notes: string[] = [];
  const { lock, refresh } = group;
  if (lock?.tookOverFrom) {
    notes.push(
      `this run took over the lock of run ${lock.tookOverFrom.runId}, which had lapsed at ${lock.tookOverFrom.expiredAt}`,
    );
  }
  if (refresh?.status === 'Successful' && (group.action === 'patch' || group.action === 'refreshOnly')) {
    try {
      await recordLastPatched(deps.ledger, {
        asgName: group.asgName,
        runId,
        patchedAt: refresh.finishedAt ?? new Date().toISOString(),
        action: group.action,
        launchTemplates: refresh.desired.map((d) => ({
          slot: d.slot,
          launchTemplateId: d.launchTemplateId,
          version: d.version,
        })),
      });
    } catch (error) {
      notes.push(`its last patched versions were not recorded in the run ledger (${describe(error)})`);
    }
  }
  try {
    const release = await releaseGroupLock(deps.ledger, { asgName: group.asgName, runId });
    if (release.outcome === 'takenOver') {
      notes.push(
        `run ${release.by.runId} took this group's lock over while this run still held it (this run's lock lapsed at ${lock?.expiresAt}); that run may have changed the group as well`,
      );
    }
  } catch (error) {
    notes.push(
      `its lock in the run ledger was not released (${describe(error)}); it lapses at ${lock?.expiresAt}, or delete it from the ledger table (pk GROUP#${group.asgName}, sk LOCK)`,
    );
  }
  return notes;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

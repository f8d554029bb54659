import type { AwsDeps } from '../clients.ts';
import type { CleanupResult, DeleteUnusedVersionsInput } from '../schemas.ts';
import { deleteVersions, pruneToolVersions } from './lib/version-pruning.ts';
import { readVersionUsage } from './lib/version-usage.ts';

/**
 * Deletes the versions this run created (found by their description) that nothing uses once the
 * groups are settled: not the default, not named by any group, run by no instance, rolled out by
 * no active refresh. A retry after a lost answer finds them gone: `launchTemplateVersionDoesNotExist`
 * for a version this run just asked to delete is reported as deleted, not as a failure.
 * With `pruneVersions` in the settings it then prunes the older versions this tool created in
 * earlier runs, keeping the newest `keep` and every version something uses (lib/version-pruning.ts).
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteLaunchTemplateVersions.html
 * @throws nothing of its own (AWS errors propagate for the state machine's Retry)
 */
export async function deleteUnusedVersions(
  input: DeleteUnusedVersionsInput,
  deps: AwsDeps,
): Promise<CleanupResult> {
  const { template, settings } = input;
  const { runId, pruneVersions } = settings;
  const usage = await readVersionUsage(template, runId, deps);
  const pruning = async (): Promise<Pick<CleanupResult, 'pruned' | 'pruneKept'>> =>
    pruneVersions
      ? pruneToolVersions(
          {
            launchTemplateId: template.launchTemplateId,
            runId,
            keep: pruneVersions.keep,
            followers: [...new Set(template.followers.map((f) => f.asgName))],
          },
          deps,
        )
      : {};
  if (!usage) return { deleted: [], kept: [], ...(pruneVersions ? { pruned: [], pruneKept: [] } : {}) };
  const { deleted, failed } = await deleteVersions(template.launchTemplateId, usage.unused, deps);
  const kept: CleanupResult['kept'] = failed;
  // A version the run created that no longer exists was deleted already: by this step's own
  // earlier attempt whose answer was lost, most likely. Reported as deleted, since it is gone.
  for (const { newVersion } of template.created ?? []) {
    if (!usage.runVersions.includes(newVersion) && !deleted.includes(newVersion)) deleted.push(newVersion);
  }
  for (const version of usage.runVersions) {
    const why = usage.inUse.get(version);
    // The default is kept by design; the rest is worth a line in the summary.
    if (why && version !== usage.defaultVersion) kept.push({ version, why });
  }
  return {
    deleted: deleted.sort((a, b) => a - b),
    kept: kept.sort((a, b) => a.version - b.version),
    // After the run's own: what they leave decides which are the newest and what $Latest is.
    ...(await pruning()),
  };
}

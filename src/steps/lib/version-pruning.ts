/**
 * `pruneVersions`: the older launch-template versions this tool created (any run's, found by the
 * description it writes) that nothing uses, beyond the newest `keep`. Everything is read from the
 * account at the moment of pruning, never from flags carried in the state:
 * - the template's default and latest (DescribeLaunchTemplates);
 * - every version and its description (DescribeLaunchTemplateVersions, paged: a template holds up
 *   to 10,000 versions, 200 a page);
 * - every Auto Scaling group of the Region (DescribeAutoScalingGroups, targeted or not): its specs,
 *   main and overrides, by number or through `$Default`/`$Latest`, and what its instances run;
 * - the active refresh of every group that launches from the template, and of the run's followers
 *   (DescribeInstanceRefreshes): the versions its desired configuration names. A rollback returns
 *   to "the configuration last saved on the group", which is its specs, already read above
 *   (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html).
 */
import {
  DeleteLaunchTemplateVersionsCommand,
  paginateDescribeLaunchTemplateVersions,
} from '@aws-sdk/client-ec2';
import type { AwsDeps } from '../../clients.ts';
import type { CleanupResult } from '../../schemas.ts';
import { chunk, listGroups } from './describe-group.ts';
import { instanceVersions, readSpecs } from './launch-template-ref.ts';
import { describeTemplateById } from './launch-template-versions.ts';
import { describeActiveRefresh } from './refresh-status.ts';
import { runOfToolVersion } from './run-versions.ts';

/** "You can specify up to 200 launch template version numbers" per call (API_DeleteLaunchTemplateVersions). */
export const DELETE_BATCH = 200;

/**
 * Deletes `versions` of a template, 200 a call. This API reports per-version failures in its answer
 * instead of throwing; a version already gone (`launchTemplateVersionDoesNotExist`: most likely our
 * own earlier attempt, whose answer was lost) counts as deleted.
 * @throws nothing of its own (AWS errors propagate for the state machine's Retry)
 */
export async function deleteVersions(
  launchTemplateId: string,
  versions: readonly number[],
  deps: Pick<AwsDeps, 'ec2'>,
): Promise<{ deleted: number[]; failed: { version: number; why: string }[] }> {
  const deleted: number[] = [];
  const failed: { version: number; why: string }[] = [];
  for (const batch of chunk([...versions], DELETE_BATCH)) {
    const response = await deps.ec2.send(
      new DeleteLaunchTemplateVersionsCommand({
        LaunchTemplateId: launchTemplateId,
        Versions: batch.map(String),
      }),
    );
    for (const ok of response.SuccessfullyDeletedLaunchTemplateVersions ?? [])
      if (ok.VersionNumber) deleted.push(ok.VersionNumber);
    for (const failure of response.UnsuccessfullyDeletedLaunchTemplateVersions ?? []) {
      if (!failure.VersionNumber) continue;
      if (failure.ResponseError?.Code === 'launchTemplateVersionDoesNotExist')
        deleted.push(failure.VersionNumber);
      else
        failed.push({
          version: failure.VersionNumber,
          why: `not deleted: ${failure.ResponseError?.Code}: ${failure.ResponseError?.Message}`,
        });
    }
  }
  return { deleted, failed };
}

/** "This value can be between 1 and 200" (MaxResults, API_DescribeLaunchTemplateVersions). */
const PAGE_SIZE = 200;

export type Pruning = Required<Pick<CleanupResult, 'pruned' | 'pruneKept'>>;

/**
 * Deletes this tool's versions of the template that are older than its newest `keep`, are not this
 * run's (DeleteUnusedVersions settles those), and that nothing uses. A version asked to be deleted
 * that is already gone (`launchTemplateVersionDoesNotExist`: this call's own first attempt, whose
 * answer was lost) counts as pruned.
 * @throws nothing of its own (AWS errors propagate for the state machine's Retry)
 */
export async function pruneToolVersions(
  options: { launchTemplateId: string; runId: string; keep: number; followers: readonly string[] },
  deps: AwsDeps,
): Promise<Pruning> {
  const { launchTemplateId, runId, keep } = options;
  const template = await describeTemplateById(launchTemplateId, deps);
  if (!template) return { pruned: [], pruneKept: [] };

  const ours: number[] = [];
  const thisRun: number[] = [];
  const pages = paginateDescribeLaunchTemplateVersions(
    { client: deps.ec2, pageSize: PAGE_SIZE },
    { LaunchTemplateId: launchTemplateId },
  );
  for await (const page of pages) {
    for (const version of page.LaunchTemplateVersions ?? []) {
      const run = runOfToolVersion(version.VersionDescription);
      if (!version.VersionNumber || run === undefined) continue;
      // This run's own versions are DeleteUnusedVersions' to settle, never pruned; those that
      // survived it count among the newest `keep`, since they are this tool's too.
      (run === runId ? thisRun : ours).push(version.VersionNumber);
    }
  }
  const newest = new Set([...ours, ...thisRun].sort((a, b) => b - a).slice(0, keep));
  const older = ours.filter((v) => !newest.has(v)).sort((a, b) => a - b);
  if (older.length === 0) return { pruned: [], pruneKept: [] };

  const inUse = await usedVersions(template, options.followers, deps);
  const pruneKept: Pruning['pruneKept'] = [];
  const candidates: number[] = [];
  for (const version of older) {
    const why = inUse.get(version);
    if (!why) candidates.push(version);
    // The default and the latest are kept by design; the rest is worth a line in the summary.
    else if (version !== template.DefaultVersionNumber && version !== template.LatestVersionNumber)
      pruneKept.push({ version, why });
  }

  const { deleted: pruned, failed } = await deleteVersions(launchTemplateId, candidates, deps);
  pruneKept.push(...failed);
  return {
    pruned: [...new Set(pruned)].sort((a, b) => a - b),
    pruneKept: pruneKept.sort((a, b) => a.version - b.version),
  };
}

/** Every version of the template something uses now, each with why (the first reason found). */
async function usedVersions(
  template: {
    LaunchTemplateId?: string;
    LaunchTemplateName?: string;
    DefaultVersionNumber?: number;
    LatestVersionNumber?: number;
  },
  followers: readonly string[],
  deps: AwsDeps,
): Promise<Map<number, string>> {
  const inUse = new Map<number, string>();
  const use = (version: number | undefined, why: string): void => {
    if (version !== undefined && !inUse.has(version)) inUse.set(version, why);
  };
  const { DefaultVersionNumber: defaultVersion, LatestVersionNumber: latest } = template;
  use(defaultVersion, 'it is the default version');
  // Deleting the latest would move $Latest for every group that follows it.
  use(latest, 'it is the latest version ($Latest)');
  const isThis = (spec: { LaunchTemplateId?: string; LaunchTemplateName?: string }): boolean =>
    spec.LaunchTemplateId !== undefined
      ? spec.LaunchTemplateId === template.LaunchTemplateId
      : spec.LaunchTemplateName === template.LaunchTemplateName;
  const byReference = (version: string): number | undefined => {
    if (version === '$Default') return defaultVersion;
    if (version === '$Latest') return latest;
    return /^\d+$/.test(version) ? Number(version) : undefined;
  };

  const groups = await listGroups(deps);
  const exists = new Set(groups.map((group) => group.AutoScalingGroupName));
  // A follower deleted since the plan has no refresh to read (DescribeInstanceRefreshes refuses it).
  const launchers = new Set(followers.filter((name) => exists.has(name)));
  for (const group of groups) {
    const name = group.AutoScalingGroupName ?? '?';
    for (const { slot, spec } of readSpecs(group) ?? []) {
      if (!isThis(spec)) continue;
      launchers.add(name);
      const where = slot === 'main' ? '' : ` (override ${slot})`;
      use(byReference(spec.Version), `group ${name} launches it${where}`);
    }
    for (const instance of instanceVersions(group)) {
      if (instance.launchTemplateId !== template.LaunchTemplateId) continue;
      launchers.add(name);
      use(byReference(instance.version), `instances of ${name} run it`);
    }
  }
  for (const asgName of launchers) {
    const active = await describeActiveRefresh(asgName, deps);
    if (!active) continue;
    for (const { spec } of readSpecs({ ...active.DesiredConfiguration }) ?? []) {
      if (isThis(spec))
        use(
          byReference(spec.Version),
          `instance refresh ${active.InstanceRefreshId} of ${asgName} rolls it out`,
        );
    }
  }
  return inUse;
}

/**
 * Which of a run's versions of a template something still uses, read from the account (never from
 * flags carried in the state): the template's default, every numbered reference and every instance
 * of every group that launches from the template, and the desired configuration of any active
 * refresh of the run's groups. The rest of the run's versions are what DeleteUnusedVersions deletes,
 * and what `$Latest` resolves to once they are gone is what RestoreAutoScalingGroup puts a `$Latest`
 * group back on. Nothing here deletes a version an active refresh or a group's instances use.
 */
import type { AwsDeps } from '../../clients.ts';
import type { TemplateRecord } from '../../schemas.ts';
import { listGroups } from './describe-group.ts';
import { instanceVersions, readSpecs } from './launch-template-ref.ts';
import { describeTemplateById } from './launch-template-versions.ts';
import { describeActiveRefresh } from './refresh-status.ts';
import { versionsSincePlan } from './run-versions.ts';

export interface VersionUsage {
  defaultVersion: number;
  /** This run's versions of the template (found by description), ascending. */
  runVersions: number[];
  /** Versions something uses, each with why. */
  inUse: Map<number, string>;
  /** This run's versions that nothing uses and that are not the default. */
  unused: number[];
  /** What `$Latest` resolves to once the unused ones are deleted. */
  latestAfterCleanup: number;
}

/** Undefined when the template no longer exists. */
export async function readVersionUsage(
  template: TemplateRecord,
  runId: string,
  deps: AwsDeps,
): Promise<VersionUsage | undefined> {
  const found = await describeTemplateById(template.launchTemplateId, deps);
  if (!found) return undefined;
  const defaultVersion = found.DefaultVersionNumber ?? template.defaultVersion;
  const latest = found.LatestVersionNumber ?? template.latestVersion;
  const { runVersions, otherVersions } = await versionsSincePlan(template, runId, deps);

  const inUse = new Map<number, string>();
  const use = (version: number, why: string): void => {
    if (!inUse.has(version)) inUse.set(version, why);
  };
  use(defaultVersion, 'it is the default version');
  for (const group of await listGroups(deps, { AutoScalingGroupNames: template.users })) {
    const name = group.AutoScalingGroupName ?? '?';
    for (const { spec } of readSpecs(group) ?? []) {
      if (spec.LaunchTemplateId === template.launchTemplateId && /^\d+$/.test(spec.Version))
        use(Number(spec.Version), `group ${name} launches it`);
    }
    for (const instance of instanceVersions(group)) {
      if (instance.launchTemplateId === template.launchTemplateId)
        use(Number(instance.version), `instances of ${name} run it`);
    }
  }
  for (const asgName of new Set(template.followers.map((f) => f.asgName))) {
    const active = await describeActiveRefresh(asgName, deps);
    for (const { spec } of readSpecs({ ...active?.DesiredConfiguration }) ?? []) {
      if (spec.LaunchTemplateId === template.launchTemplateId && /^\d+$/.test(spec.Version)) {
        use(Number(spec.Version), `instance refresh ${active?.InstanceRefreshId} of ${asgName} rolls it out`);
      }
    }
  }
  const unused = runVersions.filter((v) => !inUse.has(v));
  const survivors = [
    ...runVersions.filter((v) => inUse.has(v)),
    ...otherVersions,
    ...(unused.includes(latest) ? [] : [latest]),
  ];
  const latestAfterCleanup = Math.max(
    template.latestVersion,
    ...survivors.filter((v) => !unused.includes(v)),
  );
  return { defaultVersion, runVersions, inUse, unused, latestAfterCleanup };
}

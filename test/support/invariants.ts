/**
 * The run invariants of DESIGN.md (I1 to I6) and I7 (pruneVersions, docs/how-a-run-works.md), checked on the simulated account's end state against
 * its state before the run and the run's summary. Every workflow test and the fault-injection
 * suite call `checkInvariants` and expect no violation.
 */
import type {
  AccountSnapshot,
  AutoScalingGroupSnapshot,
  DesiredConfigurationShape,
  LaunchTemplateReference,
} from '../../src/fake/account.ts';
import { PatchOptions, type Summary } from '../../src/schemas.ts';
import { composeUserData } from '../../src/userdata/compose.ts';

export interface InvariantContext {
  before: AccountSnapshot;
  after: AccountSnapshot;
  /** The Summarize output; undefined when the run failed before it (then nothing may have changed). */
  summary: Summary | undefined;
  /** The groups the run was asked to patch (every one must be reported exactly once). */
  targets: readonly string[];
  /** Untargeted groups the input accepted to launch new versions (`untargetedSharers: accept`). */
  acceptUntargeted?: boolean;
  patch?: Partial<PatchOptions>;
  runId?: string;
  /** The input's `pruneVersions.keep`; undefined when the run was not asked to prune. */
  pruneKeep?: number;
}

/** The description this tool writes on every version it creates (CreatePatchedVersion), any run. */
const TOOL_VERSION = /^asg-patcher run (.+) \(from version \d+\)$/;

interface Spec {
  slot: string;
  ref: LaunchTemplateReference;
}

const ACTIVE = new Set(['Pending', 'InProgress', 'Cancelling', 'RollbackInProgress', 'Baking']);

/** Every violation, as `I<n> <what>`; empty when the run kept every invariant. */
export function checkInvariants(context: InvariantContext): string[] {
  const { before, after, summary } = context;
  const violations: string[] = [];
  const newRefreshes = after.instanceRefreshes.filter(
    (r) => !before.instanceRefreshes.some((b) => b.id === r.id),
  );
  // An invalid patch option fails the run before anything changes; the defaults then do.
  const parsedPatch = PatchOptions.safeParse(context.patch ?? {});
  const patch = parsedPatch.success ? parsedPatch.data : PatchOptions.parse({});
  const current = (templateId: string | undefined, version: number | undefined): boolean => {
    const template = after.launchTemplates.find((t) => t.id === templateId);
    const data = template?.versions.find((v) => v.versionNumber === version)?.data;
    if (!data) return false;
    try {
      return composeUserData(typeof data.UserData === 'string' ? data.UserData : undefined, patch)
        .alreadyCurrent;
    } catch {
      return false;
    }
  };

  // I1: a default moves only to a version a Successful refresh of this run rolled out.
  for (const template of after.launchTemplates) {
    const was = before.launchTemplates.find((t) => t.id === template.id);
    if (!was || was.defaultVersion === template.defaultVersion) continue;
    const proven = newRefreshes.some(
      (r) =>
        r.status === 'Successful' &&
        namesVersion(r.desiredConfiguration, template.id, template.defaultVersion),
    );
    if (!proven)
      violations.push(
        `I1 ${template.name}: default moved ${was.defaultVersion} -> ${template.defaultVersion} without a Successful refresh onto it`,
      );
  }

  const results = new Map((summary?.groups ?? []).map((g) => [g.asgName, g]));
  const touched = new Set(
    (summary?.groups ?? [])
      .filter((g) => g.action === 'patch' || g.action === 'refreshOnly')
      .map((g) => g.asgName),
  );

  // I2: every group in the run launches what its instances run.
  for (const group of after.autoScalingGroups) {
    if (!touched.has(group.name) || context.summary?.dryRun) continue;
    for (const { slot, ref } of specsOf(group)) {
      const resolved = resolve(after, ref);
      const templateId = templateIdOf(after, ref);
      const running = [
        ...new Set(
          group.instances
            .filter(
              (i) =>
                i.launchTemplate?.LaunchTemplateId === templateId && slotOf(group, i.instanceType) === slot,
            )
            .map((i) => Number(i.launchTemplate?.Version)),
        ),
      ];
      if (running.length === 0) continue;
      const result = results.get(group.name);
      // A refresh that ended Failed or Cancelled without a rollback leaves replaced instances on the
      // new version, as AWS does: allowed only where the group is reported failed and the note says so.
      const mixedReported =
        result?.status === 'failed' && (result.note ?? '').includes('instances run version');
      // A refresh still running (reported under I5) owns the instances until it ends.
      const stillRunning = newRefreshes.some((r) => r.asgName === group.name && ACTIVE.has(r.status));
      if (mixedReported || stillRunning) continue;
      if (running.length > 1 || running[0] !== resolved) {
        violations.push(
          `I2 ${group.name} spec ${slot}: ${ref.Version} resolves to ${resolved}, instances run ${running.join(', ')}`,
        );
      }
    }
  }

  // I3: at most one new version per (template, source), and none left that nothing uses.
  for (const template of after.launchTemplates) {
    const was = before.launchTemplates.find((t) => t.id === template.id);
    const created = template.versions.filter(
      (v) => !was?.versions.some((w) => w.versionNumber === v.versionNumber),
    );
    const bySource = new Map<string, number[]>();
    for (const version of created) {
      const source = /\(from version (\d+)\)$/.exec(version.description ?? '')?.[1] ?? '?';
      bySource.set(source, [...(bySource.get(source) ?? []), version.versionNumber]);
    }
    for (const [source, versions] of bySource) {
      if (versions.length > 1)
        violations.push(
          `I3 ${template.name}: ${versions.length} new versions from source ${source}: ${versions.join(', ')}`,
        );
    }
    for (const version of created) {
      const n = version.versionNumber;
      if (!usedAfter(after, template.id, n))
        violations.push(`I3 ${template.name}: version ${n} survives but nothing uses it`);
    }
  }

  // I7: a version that existed before the run is deleted only by pruneVersions, only if this tool
  // made it, only beyond the newest `keep` of this tool's versions, and only if nothing uses it
  // after the run (a group's number, an instance, an active refresh). Where the summary says the
  // pruning ran, nothing prunable is left; what it lists as pruned is gone.
  for (const template of after.launchTemplates) {
    const was = before.launchTemplates.find((t) => t.id === template.id);
    if (!was) continue;
    const exists = new Set(template.versions.map((v) => v.versionNumber));
    const gone = was.versions.filter((v) => !exists.has(v.versionNumber));
    const tools = template.versions
      .filter((v) => TOOL_VERSION.test(v.description ?? ''))
      .map((v) => v.versionNumber)
      .sort((a, b) => b - a);
    const keep = context.pruneKeep;
    for (const version of gone) {
      const n = version.versionNumber;
      if (keep === undefined) {
        violations.push(
          `I7 ${template.name}: version ${n} existed before the run and was deleted without pruneVersions`,
        );
        continue;
      }
      if (!TOOL_VERSION.test(version.description ?? ''))
        violations.push(
          `I7 ${template.name}: version ${n} (not this tool's: "${version.description ?? ''}") was deleted`,
        );
      const newer = tools.filter((v) => v > n).length;
      if (newer < keep)
        violations.push(
          `I7 ${template.name}: version ${n} pruned, but only ${newer} newer version(s) of this tool's are left (keep ${keep})`,
        );
      if (usedAfter(after, template.id, n, { byReference: true }))
        violations.push(
          `I7 ${template.name}: version ${n} was pruned but a group, an instance or an active refresh uses it`,
        );
    }
    const reported = summary?.launchTemplates.find((t) => t.launchTemplateId === template.id)?.pruned;
    for (const n of reported ?? []) {
      if (!gone.some((v) => v.versionNumber === n))
        violations.push(
          `I7 ${template.name}: reported version ${n} pruned, but it was not a version from before the run that is now gone`,
        );
    }
    if (keep === undefined || reported === undefined) continue;
    const createdNow = new Set(
      template.versions
        .filter((v) => !was.versions.some((w) => w.versionNumber === v.versionNumber))
        .map((v) => v.versionNumber),
    );
    for (const n of tools.slice(keep)) {
      if (createdNow.has(n) || n === template.defaultVersion || n === template.latestVersion) continue;
      if (!usedAfter(after, template.id, n, { byReference: true }))
        violations.push(
          `I7 ${template.name}: version ${n} is older than this tool's newest ${keep} and unused, but was not pruned`,
        );
    }
  }

  // I4: every target reported once, with a status the account agrees with.
  const reported = (summary?.groups ?? []).map((g) => g.asgName);
  const expected = [...new Set(context.targets)];
  if (summary) {
    for (const name of expected) {
      const count = reported.filter((r) => r === name).length;
      if (count !== 1) violations.push(`I4 ${name}: reported ${count} times`);
    }
  }
  for (const result of summary?.groups ?? []) {
    const group = after.autoScalingGroups.find((g) => g.name === result.asgName);
    const was = before.autoScalingGroups.find((g) => g.name === result.asgName);
    if (!group) continue;
    if (
      result.status === 'succeeded' ||
      result.status === 'refreshed' ||
      result.status === 'alreadyCurrent'
    ) {
      const stale = group.instances.filter(
        (i) => !current(i.launchTemplate?.LaunchTemplateId, Number(i.launchTemplate?.Version)),
      );
      if (stale.length > 0) {
        violations.push(
          `I4 ${result.asgName}: reported ${result.status} but ${stale.length} instance(s) run a version without today's script (${stale.map((i) => i.launchTemplate?.Version).join(', ')})`,
        );
      }
    }
    if (
      result.status === 'succeeded' &&
      !newRefreshes.some((r) => r.asgName === result.asgName && r.status === 'Successful')
    ) {
      violations.push(`I4 ${result.asgName}: reported succeeded without a Successful refresh`);
    }
    if (result.status === 'failed' && result.refreshStatus === 'Successful' && !result.note) {
      violations.push(`I4 ${result.asgName}: failed after a Successful refresh without a note`);
    }
    const untouched =
      result.status === 'alreadyCurrent' ||
      result.status === 'dryRun' ||
      result.status === 'skipped' ||
      result.action === 'refused';
    if (untouched && was && !sameLaunch(before, was, after, group)) {
      violations.push(
        `I4 ${result.asgName}: reported ${result.status}/${result.action} but its launch template references or instances changed`,
      );
    }
    if (untouched && newRefreshes.some((r) => r.asgName === result.asgName)) {
      violations.push(
        `I4 ${result.asgName}: reported ${result.status}/${result.action} but a refresh was started`,
      );
    }
  }
  if (!summary) {
    // No summary (bad input, or the run failed before Summarize): nothing may have changed.
    for (const group of after.autoScalingGroups) {
      const was = before.autoScalingGroups.find((g) => g.name === group.name);
      if (was && !sameLaunch(before, was, after, group))
        violations.push(`I4 ${group.name}: changed by a run that reported nothing`);
    }
    if (newRefreshes.length > 0)
      violations.push(`I4 ${newRefreshes.length} refresh(es) started by a run that reported nothing`);
  }

  // I5: no refresh of this run left running, unless the report says so.
  for (const refresh of newRefreshes) {
    if (!ACTIVE.has(refresh.status)) continue;
    const note = `${results.get(refresh.asgName)?.note ?? ''} ${results.get(refresh.asgName)?.cause ?? ''}`;
    if (!note.includes(refresh.id))
      violations.push(
        `I5 ${refresh.asgName}: refresh ${refresh.id} left ${refresh.status} and the report does not say so`,
      );
  }

  // I6: untargeted groups launch what they launched before.
  if (!context.acceptUntargeted) {
    for (const group of after.autoScalingGroups) {
      if (results.has(group.name) || expected.includes(group.name)) continue;
      const was = before.autoScalingGroups.find((g) => g.name === group.name);
      if (!was) continue;
      const launchedBefore = specsOf(was)
        .map(({ ref }) => `${templateIdOf(before, ref)}:${resolve(before, ref)}`)
        .join(',');
      const launchesNow = specsOf(group)
        .map(({ ref }) => `${templateIdOf(after, ref)}:${resolve(after, ref)}`)
        .join(',');
      if (launchedBefore !== launchesNow)
        violations.push(
          `I6 ${group.name} (untargeted): launched ${launchedBefore}, now launches ${launchesNow}`,
        );
    }
  }
  return violations;
}

/**
 * Whether anything uses version `n` of the template after the run: the default, a group's number
 * (with `byReference`, also what a group's `$Default`/`$Latest` resolves to), an instance, or the
 * desired configuration of an active refresh.
 */
function usedAfter(
  after: AccountSnapshot,
  templateId: string,
  n: number,
  options: { byReference?: boolean } = {},
): boolean {
  const template = after.launchTemplates.find((t) => t.id === templateId);
  return (
    template?.defaultVersion === n ||
    after.autoScalingGroups.some(
      (g) =>
        specsOf(g).some(
          ({ ref }) =>
            templateIdOf(after, ref) === templateId &&
            (ref.Version === String(n) || (options.byReference === true && resolve(after, ref) === n)),
        ) ||
        g.instances.some(
          (i) => i.launchTemplate?.LaunchTemplateId === templateId && i.launchTemplate.Version === String(n),
        ),
    ) ||
    after.instanceRefreshes.some(
      (r) => ACTIVE.has(r.status) && namesVersion(r.desiredConfiguration, templateId, n),
    )
  );
}

/** The spec an instance launched from: the override with its own template for its type, else main. */
function slotOf(group: AutoScalingGroupSnapshot, instanceType: string): string {
  const overrides = group.mixedInstancesPolicy?.LaunchTemplate?.Overrides ?? [];
  const index = overrides.findIndex(
    (o) =>
      (o as { LaunchTemplateSpecification?: unknown }).LaunchTemplateSpecification &&
      o.InstanceType === instanceType,
  );
  return index >= 0 ? String(index) : 'main';
}

function specsOf(group: Pick<AutoScalingGroupSnapshot, 'launchTemplate' | 'mixedInstancesPolicy'>): Spec[] {
  if (group.launchTemplate) return [{ slot: 'main', ref: group.launchTemplate }];
  const lt = group.mixedInstancesPolicy?.LaunchTemplate;
  if (!lt?.LaunchTemplateSpecification) return [];
  const specs: Spec[] = [{ slot: 'main', ref: lt.LaunchTemplateSpecification }];
  (lt.Overrides ?? []).forEach((override, index) => {
    const spec = (override as { LaunchTemplateSpecification?: LaunchTemplateReference })
      .LaunchTemplateSpecification;
    if (spec) specs.push({ slot: String(index), ref: spec });
  });
  return specs;
}

function templateIdOf(snapshot: AccountSnapshot, ref: LaunchTemplateReference): string | undefined {
  return snapshot.launchTemplates.find(
    (t) => t.id === ref.LaunchTemplateId || t.name === ref.LaunchTemplateName,
  )?.id;
}

function resolve(snapshot: AccountSnapshot, ref: LaunchTemplateReference): number | undefined {
  const template = snapshot.launchTemplates.find(
    (t) => t.id === ref.LaunchTemplateId || t.name === ref.LaunchTemplateName,
  );
  if (!template) return undefined;
  const version = ref.Version ?? '$Default';
  if (version === '$Default') return template.defaultVersion;
  if (version === '$Latest') return template.latestVersion;
  return Number(version);
}

function namesVersion(
  configuration: DesiredConfigurationShape | undefined,
  templateId: string,
  version: number,
): boolean {
  if (!configuration) return false;
  return specsOf({
    launchTemplate: configuration.LaunchTemplate,
    mixedInstancesPolicy: configuration.MixedInstancesPolicy,
  }).some(({ ref }) => ref.LaunchTemplateId === templateId && ref.Version === String(version));
}

/** The same references (as written) and the same instances on the same versions. */
function sameLaunch(
  beforeSnap: AccountSnapshot,
  was: AutoScalingGroupSnapshot,
  afterSnap: AccountSnapshot,
  now: AutoScalingGroupSnapshot,
): boolean {
  const refs = (s: AccountSnapshot, g: AutoScalingGroupSnapshot) =>
    specsOf(g)
      .map(({ ref }) => `${templateIdOf(s, ref)}:${ref.Version ?? '$Default'}`)
      .join(',');
  const instances = (g: AutoScalingGroupSnapshot) =>
    g.instances
      .map((i) => `${i.instanceId}:${i.launchTemplate?.Version}`)
      .sort()
      .join(',');
  return refs(beforeSnap, was) === refs(afterSnap, now) && instances(was) === instances(now);
}

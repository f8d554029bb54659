/**
 * The plan's decisions, from what PlanFacts read (no AWS call here). Per group: refused (with the
 * named error), patch, refreshOnly or alreadyCurrent. Per template: which source versions get a
 * patched version. Then the shared-template rule: a template that changes must not change what a
 * group outside the refresh launches, so groups that follow it through `$Default`/`$Latest` without
 * taking part are refused, included or accepted as `untargetedSharers` says, until nothing moves.
 */
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import {
  AsgNotFoundError,
  AsgPatcherError,
  GroupNotOptedInError,
  InstanceRefreshSuspendedError,
  LaunchConfigurationNotSupportedError,
  LaunchTemplateNotFoundError,
  RefreshAlreadyActiveError,
  UntargetedSharersError,
} from '../../errors.ts';
import type {
  GroupAction,
  GroupPreferences,
  GroupRecord,
  GroupSpec,
  Refusal,
  RunPlan,
  RunSettings,
  TemplateRecord,
  TemplateSource,
} from '../../schemas.ts';
import { composeUserData } from '../../userdata/compose.ts';
import { readGroupTags, SKIP_TAG } from './group-tags.ts';
import { instanceVersions, isFloatingReference, readSpecs } from './launch-template-ref.ts';
import type { PlanFacts } from './plan-facts.ts';

export type PlanStep = { plan: RunPlan } | { needAllGroups: true } | { include: string[] };

/** The tag a group must carry to be changed (the deployed service's opt-in boundary); none: every group may. */
export interface PlanOptions {
  optInTag?: { key: string; value: string } | undefined;
}

interface Draft {
  asgName: string;
  refusal?: Refusal;
  /** The group's own asg-patcher:skip=true. */
  skip?: boolean;
  preferences?: GroupPreferences;
  specs: GroupSpec[];
  rollbackPossible: boolean;
  /** Instances whose version lacks today's script, as `<template>:<version>` labels. */
  laggingInstances: string[];
  instanceCount: number;
}

interface SourceVerdict {
  current: boolean;
  summary: string;
  refusal?: Refusal;
}

const key = (templateId: string, version: number): string => `${templateId}:${version}`;

function refusalOf(error: AsgPatcherError): Refusal {
  return { error: error.name, message: error.message };
}

export function decidePlan(
  settings: RunSettings,
  targets: readonly string[],
  facts: PlanFacts,
  options: PlanOptions = {},
): PlanStep {
  const sources = new Map<string, SourceVerdict>();
  const verdict = (templateId: string, version: number): SourceVerdict => {
    const k = key(templateId, version);
    let found = sources.get(k);
    if (!found) {
      found = judgeVersion(facts, templateId, version, settings);
      sources.set(k, found);
    }
    return found;
  };
  const drafts = targets.map((name) => draftGroup(name, facts, verdict, options));
  const templateRefusals = new Map<string, Refusal>();
  const accepted = new Map<string, Set<string>>();

  for (;;) {
    const actions = new Map(drafts.map((d) => [d.asgName, actionOf(d, verdict, settings, templateRefusals)]));
    const creates = createsOf(drafts, actions, verdict, settings);
    if (creates.size > 0 && !facts.allGroups) return { needAllGroups: true };

    const participating = new Set(
      [...actions].filter(([, a]) => a.action === 'patch' || a.action === 'refreshOnly').map(([n]) => n),
    );
    const toInclude = new Set<string>();
    let refusedMore = false;
    accepted.clear();
    for (const [templateId, created] of creates) {
      if (templateRefusals.has(templateId)) continue;
      const template = facts.template(templateId);
      if (!template) continue;
      const outsiders = conflictingFollowers(
        facts,
        templateId,
        template.defaultVersion,
        created,
        targets,
        participating,
      );
      if (outsiders.length === 0) continue;
      const untargeted = outsiders.filter((o) => !o.targeted).map((o) => o.asgName);
      const targetedOut = outsiders.filter((o) => o.targeted).map((o) => o.asgName);
      if (settings.untargetedSharers === 'accept') {
        accepted.set(templateId, new Set(outsiders.map((o) => o.asgName)));
      } else if (settings.untargetedSharers === 'include' && targetedOut.length === 0) {
        for (const name of untargeted) toInclude.add(name);
      } else {
        const labels = outsiders.map((o) => `${o.asgName} (${o.why})`);
        templateRefusals.set(
          templateId,
          refusalOf(new UntargetedSharersError(`${template.name} (${templateId})`, labels)),
        );
        refusedMore = true;
      }
    }
    if (toInclude.size > 0) return { include: [...toInclude].sort() };
    if (refusedMore) continue;
    return {
      plan: buildPlan(settings, drafts, actions, creates, verdict, facts, templateRefusals, accepted),
    };
  }
}

function draftGroup(
  asgName: string,
  facts: PlanFacts,
  verdict: (templateId: string, version: number) => SourceVerdict,
  options: PlanOptions,
): Draft {
  const draft: Draft = { asgName, specs: [], rollbackPossible: true, laggingInstances: [], instanceCount: 0 };
  const refuse = (error: AsgPatcherError): Draft => ({ ...draft, specs: [], refusal: refusalOf(error) });
  const group = facts.groups.get(asgName);
  if (!group) return refuse(new AsgNotFoundError(asgName));
  const optIn = options.optInTag;
  if (optIn && !group.Tags?.some((tag) => tag.Key === optIn.key && tag.Value === optIn.value)) {
    return refuse(new GroupNotOptedInError(asgName, optIn.key, optIn.value));
  }
  const specs = readSpecs(group);
  if (!specs) {
    if (group.LaunchConfigurationName) return refuse(new LaunchConfigurationNotSupportedError(asgName));
    return refuse(new LaunchTemplateNotFoundError(asgName, '(none: the group names no launch template)'));
  }
  const tags = readGroupTags(group);
  if ('error' in tags) return refuse(tags.error);
  if (tags.skip) return { ...draft, skip: true };
  if (Object.keys(tags.preferences).length > 0) draft.preferences = tags.preferences;
  if (group.SuspendedProcesses?.some((p) => p.ProcessName === 'InstanceRefresh')) {
    return refuse(new InstanceRefreshSuspendedError(asgName));
  }
  const active = facts.activeRefresh.get(asgName);
  if (active) {
    return refuse(new RefreshAlreadyActiveError(asgName, { cause: new Error(`instance refresh ${active}`) }));
  }
  for (const { slot, spec } of specs) {
    const label = spec.LaunchTemplateId ?? spec.LaunchTemplateName ?? '(unnamed)';
    const template = facts.template(spec.LaunchTemplateId ?? spec.LaunchTemplateName);
    if (!template) return refuse(new LaunchTemplateNotFoundError(asgName, label));
    const version = facts.resolve(template, spec.Version);
    const data = facts.version(template.id, version);
    if (!data)
      return refuse(
        new LaunchTemplateNotFoundError(asgName, `${label}:${spec.Version} (version ${version})`),
      );
    const judged = verdict(template.id, version);
    if (judged.refusal) return { ...draft, specs: [], refusal: judged.refusal };
    if (String(data.LaunchTemplateData?.ImageId ?? '').startsWith('resolve:ssm:'))
      draft.rollbackPossible = false;
    draft.specs.push({ slot, launchTemplateId: template.id, reference: spec.Version, version });
  }
  const instances = instanceVersions(group);
  draft.instanceCount = instances.length;
  for (const instance of instances) {
    const version = Number(instance.version);
    const current =
      Number.isInteger(version) && version > 0 && !verdict(instance.launchTemplateId, version).refusal
        ? verdict(instance.launchTemplateId, version).current
        : false;
    if (!current) draft.laggingInstances.push(`${instance.launchTemplateId}:${instance.version}`);
  }
  return draft;
}

/** Whether a version carries today's script (composing again changes nothing). */
function judgeVersion(
  facts: PlanFacts,
  templateId: string,
  version: number,
  settings: RunSettings,
): SourceVerdict {
  const data = facts.version(templateId, version);
  if (!data) return { current: false, summary: 'version not found' };
  try {
    const composed = composeUserData(data.LaunchTemplateData?.UserData, settings.patch);
    return { current: composed.alreadyCurrent, summary: composed.summary };
  } catch (error) {
    if (error instanceof AsgPatcherError)
      return { current: false, summary: error.message, refusal: refusalOf(error) };
    throw error;
  }
}

function actionOf(
  draft: Draft,
  verdict: (templateId: string, version: number) => SourceVerdict,
  settings: RunSettings,
  templateRefusals: Map<string, Refusal>,
): { action: GroupAction; reason: string; refusal?: Refusal } {
  if (draft.refusal) return { action: 'refused', reason: draft.refusal.message, refusal: draft.refusal };
  if (draft.skip)
    return { action: 'skipped', reason: `its own ${SKIP_TAG}=true tag keeps it out of this run` };
  const stale = draft.specs.filter((s) => settings.force || !verdict(s.launchTemplateId, s.version).current);
  const blocked = stale.find((s) => templateRefusals.has(s.launchTemplateId));
  if (blocked) {
    const refusal = templateRefusals.get(blocked.launchTemplateId) as Refusal;
    return { action: 'refused', reason: refusal.message, refusal };
  }
  if (stale.length > 0) {
    const what = stale.map((s) => `${s.launchTemplateId} version ${s.version}`).join(', ');
    return {
      action: 'patch',
      reason: settings.force ? `forced: new versions of ${what}` : `${what} lacks today's patch script`,
    };
  }
  if (draft.laggingInstances.length > 0) {
    return {
      action: 'refreshOnly',
      reason: `its launch templates carry today's script, but ${draft.laggingInstances.length} of ${draft.instanceCount} instances run older versions (${[...new Set(draft.laggingInstances)].join(', ')})`,
    };
  }
  return {
    action: 'alreadyCurrent',
    reason: "every launch template and every instance already carries today's patch script",
  };
}

/** Per template: the source versions that get a patched version (from the groups that patch). */
function createsOf(
  drafts: Draft[],
  actions: Map<string, { action: GroupAction }>,
  verdict: (templateId: string, version: number) => SourceVerdict,
  settings: RunSettings,
): Map<string, Set<number>> {
  const creates = new Map<string, Set<number>>();
  for (const draft of drafts) {
    if (actions.get(draft.asgName)?.action !== 'patch') continue;
    for (const spec of draft.specs) {
      if (!settings.force && verdict(spec.launchTemplateId, spec.version).current) continue;
      const set = creates.get(spec.launchTemplateId) ?? new Set<number>();
      set.add(spec.version);
      creates.set(spec.launchTemplateId, set);
    }
  }
  return creates;
}

/**
 * Groups that do not take part in the run but would launch something else once the template
 * changes: a `$Latest` follower as soon as a version is created, a `$Default` follower when the
 * default's own source is patched (that new version may become the default).
 */
function conflictingFollowers(
  facts: PlanFacts,
  templateId: string,
  defaultVersion: number,
  created: Set<number>,
  targets: readonly string[],
  participating: Set<string>,
): { asgName: string; targeted: boolean; why: string }[] {
  const targeted = new Set(targets);
  const everyone = new Map<string, AutoScalingGroup>();
  for (const group of facts.allGroups ?? [])
    if (group.AutoScalingGroupName) everyone.set(group.AutoScalingGroupName, group);
  for (const name of targets) {
    const group = facts.groups.get(name);
    if (group) everyone.set(name, group);
  }
  const found: { asgName: string; targeted: boolean; why: string }[] = [];
  for (const [name, group] of [...everyone].sort(([a], [b]) => a.localeCompare(b))) {
    if (participating.has(name)) continue;
    const follows = (readSpecs(group) ?? []).find(({ spec }) => {
      const template = facts.template(spec.LaunchTemplateId ?? spec.LaunchTemplateName);
      if (template?.id !== templateId || !isFloatingReference(spec.Version)) return false;
      return spec.Version === '$Latest' || created.has(defaultVersion);
    });
    if (!follows) continue;
    const why = targeted.has(name)
      ? `targeted but not refreshed, on ${follows.spec.Version}`
      : `not targeted, on ${follows.spec.Version}`;
    found.push({ asgName: name, targeted: targeted.has(name), why });
  }
  return found;
}

function buildPlan(
  settings: RunSettings,
  drafts: Draft[],
  actions: Map<string, { action: GroupAction; reason: string; refusal?: Refusal }>,
  creates: Map<string, Set<number>>,
  verdict: (templateId: string, version: number) => SourceVerdict,
  facts: PlanFacts,
  templateRefusals: Map<string, Refusal>,
  accepted: Map<string, Set<string>>,
): RunPlan {
  const groups: GroupRecord[] = drafts.map((draft) => {
    const decided = actions.get(draft.asgName) as { action: GroupAction; reason: string; refusal?: Refusal };
    return {
      asgName: draft.asgName,
      action: decided.action,
      reason: decided.reason,
      ...(decided.refusal ? { refusal: decided.refusal } : {}),
      specs: draft.specs,
      rollbackPossible: draft.rollbackPossible,
      ...(draft.preferences ? { preferences: draft.preferences } : {}),
    };
  });

  const templateIds = [...new Set(drafts.flatMap((d) => d.specs.map((s) => s.launchTemplateId)))];
  const templates: TemplateRecord[] = templateIds.flatMap((templateId) => {
    const template = facts.template(templateId);
    if (!template) return [];
    const followers = groups
      .filter((g) => g.action === 'patch' || g.action === 'refreshOnly')
      .flatMap((g) =>
        g.specs
          .filter((s) => s.launchTemplateId === templateId)
          .map((s) => ({ asgName: g.asgName, reference: s.reference, version: s.version })),
      );
    const created = creates.get(templateId) ?? new Set<number>();
    const sourceVersions = [...new Set(followers.map((f) => f.version))].sort((a, b) => a - b);
    const sources: TemplateSource[] = sourceVersions.map((version) => ({
      version,
      action: created.has(version) ? 'create' : 'current',
      // The parts and sizes are for the dry run's plan; a real run keeps its state small.
      ...(settings.dryRun ? { summary: verdict(templateId, version).summary } : {}),
    }));
    const refusal = templateRefusals.get(templateId);
    return [
      {
        launchTemplateId: templateId,
        launchTemplateName: template.name,
        defaultVersion: template.defaultVersion,
        latestVersion: template.latestVersion,
        sources,
        changes: !refusal && created.size > 0,
        followers: dedupe(followers.map(({ asgName, reference }) => ({ asgName, reference }))),
        users: usersOf(facts, templateId),
        acceptedSharers: [...(accepted.get(templateId) ?? [])],
        ...(refusal ? { refusal } : {}),
      },
    ];
  });
  return { settings, groups, templates };
}

/** Every group known to launch from the template, through a spec or an instance. */
function usersOf(facts: PlanFacts, templateId: string): string[] {
  const users = new Set<string>();
  const groups = [...(facts.allGroups ?? []), ...[...facts.groups.values()].filter((g) => g !== null)];
  for (const group of groups) {
    const name = group.AutoScalingGroupName;
    if (!name) continue;
    const bySpec = (readSpecs(group) ?? []).some(
      ({ spec }) => facts.template(spec.LaunchTemplateId ?? spec.LaunchTemplateName)?.id === templateId,
    );
    const byInstance = instanceVersions(group).some((i) => i.launchTemplateId === templateId);
    if (bySpec || byInstance) users.add(name);
  }
  return [...users].sort();
}

function dedupe<T>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = JSON.stringify(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

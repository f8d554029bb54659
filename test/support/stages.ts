/**
 * The state machine's phases in-process, on the real steps: each phase hands every record to its
 * step and writes the result back into the record (or the error into `<stage>Error`), as the Map
 * states of statemachine/asg-patcher.asl.json do. Step tests use it to reach the state the step under
 * test starts from; test/workflow runs the real ASL. The run ledger is left out (no LockAutoScalingGroup,
 * so records carry no `lock` and Summarize makes no ledger call): the step tests' groups are never
 * contended, and test/unit/ledger, test/unit/steps/lock-auto-scaling-group.test.ts and
 * test/workflow/ledger.test.ts cover it.
 */
import type {
  CaughtError,
  GroupRecord,
  RunPlan,
  RunSettings,
  StartInstanceRefreshInput,
} from '../../src/schemas.ts';
import { createPatchedVersion } from '../../src/steps/create-patched-version.ts';
import { deleteUnusedVersions } from '../../src/steps/delete-unused-versions.ts';
import { planRun } from '../../src/steps/lookup-launch-template.ts';
import { pinAutoScalingGroup } from '../../src/steps/pin-auto-scaling-group.ts';
import { pollInstanceRefresh } from '../../src/steps/poll-instance-refresh.ts';
import { promoteDefaultVersion } from '../../src/steps/promote-default-version.ts';
import { restoreAutoScalingGroup } from '../../src/steps/restore-auto-scaling-group.ts';
import { startInstanceRefresh } from '../../src/steps/start-instance-refresh.ts';
import { buildSettings, deps } from './builders.ts';

/** What a Catch writes: the error name and the Lambda runtime's JSON error document. */
export function caught(error: unknown): CaughtError {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return { Error: name, Cause: JSON.stringify({ errorType: name, errorMessage: message }) };
}

const takesPart = (group: GroupRecord): boolean => group.action === 'patch' || group.action === 'refreshOnly';

/** LookupLaunchTemplate on these names. */
export function plan(asgNames: string[], settings: RunSettings = buildSettings()): Promise<RunPlan> {
  return planRun({ settings, targets: { asgNames } }, deps);
}

/** PinAutoScalingGroups: every group that takes part. */
export async function pinAll(run: RunPlan): Promise<RunPlan> {
  const groups: GroupRecord[] = [];
  for (const group of run.groups) {
    if (!takesPart(group)) groups.push(group);
    else {
      try {
        groups.push({ ...group, pin: await pinAutoScalingGroup({ group }, deps) });
      } catch (error) {
        groups.push({ ...group, pinError: caught(error) });
      }
    }
  }
  return { ...run, groups };
}

/** CreatePatchedVersions: every template that changes. */
export async function createAll(run: RunPlan): Promise<RunPlan> {
  const templates = [];
  for (const template of run.templates) {
    if (!template.changes) templates.push(template);
    else {
      try {
        templates.push({
          ...template,
          created: await createPatchedVersion({ template, settings: run.settings }, deps),
        });
      } catch (error) {
        templates.push({ ...template, createError: caught(error) });
      }
    }
  }
  return { ...run, templates };
}

/** RefreshGroups: start, then poll until the refresh ends (the Wait is skipped). */
export async function refreshAll(run: RunPlan): Promise<RunPlan> {
  const { settings } = run;
  const groups: GroupRecord[] = [];
  for (const group of run.groups) {
    if (!takesPart(group) || group.pinError) {
      groups.push(group);
      continue;
    }
    let record = group;
    try {
      record = {
        ...record,
        refresh: await startInstanceRefresh(
          {
            group,
            templates: run.templates,
            refreshPreferences: settings.refreshPreferences,
            maxPolls: settings.maxPolls,
            pollIntervalSeconds: settings.pollIntervalSeconds,
          },
          deps,
        ),
      };
      for (let polls = 0; record.refresh && !record.refresh.terminal; polls += 1) {
        if (polls > 100) throw new Error(`the refresh of ${group.asgName} never ended`);
        record = {
          ...record,
          refresh: await pollInstanceRefresh(
            {
              asgName: group.asgName,
              refresh: record.refresh,
              pollIntervalSeconds: settings.pollIntervalSeconds,
            },
            deps,
          ),
        };
      }
    } catch (error) {
      record = { ...record, refreshError: caught(error) };
    }
    groups.push(record);
  }
  return { ...run, groups };
}

/** PromoteDefaultVersions: every template with created versions. */
export async function promoteAll(run: RunPlan): Promise<RunPlan> {
  const templates = [];
  for (const template of run.templates) {
    if (!template.created) templates.push(template);
    else {
      try {
        templates.push({ ...template, promotion: await promoteDefaultVersion({ template }, deps) });
      } catch (error) {
        templates.push({ ...template, promoteError: caught(error) });
      }
    }
  }
  return { ...run, templates };
}

/** How often the ASL retries RefreshStillActiveError on RestoreAutoScalingGroup. */
const RESTORE_ATTEMPTS = 120;

/** RestoreAutoScalingGroups: every group that takes part, RefreshStillActiveError retried. */
export async function restoreAll(run: RunPlan): Promise<RunPlan> {
  const groups: GroupRecord[] = [];
  for (const group of run.groups) {
    if (!takesPart(group)) {
      groups.push(group);
      continue;
    }
    for (let attempt = 0; ; attempt += 1) {
      try {
        const restore = await restoreAutoScalingGroup(
          { group, templates: run.templates, runId: run.settings.runId },
          deps,
        );
        groups.push({ ...group, restore });
        break;
      } catch (error) {
        if (error instanceof Error && error.name === 'RefreshStillActiveError' && attempt < RESTORE_ATTEMPTS)
          continue;
        groups.push({ ...group, restoreError: caught(error) });
        break;
      }
    }
  }
  return { ...run, groups };
}

/** CleanUpVersions: every template with created versions. */
export async function cleanUpAll(run: RunPlan): Promise<RunPlan> {
  const templates = [];
  for (const template of run.templates) {
    if (!template.created) templates.push(template);
    else {
      try {
        templates.push({
          ...template,
          cleanup: await deleteUnusedVersions({ template, settings: run.settings }, deps),
        });
      } catch (error) {
        templates.push({ ...template, cleanupError: caught(error) });
      }
    }
  }
  return { ...run, templates };
}

/** StartInstanceRefresh's input for a group of the run, as the RefreshGroups Map hands it over. */
export function startInput(run: RunPlan, asgName: string): StartInstanceRefreshInput {
  const { settings } = run;
  return {
    group: groupRecord(run, asgName),
    templates: run.templates,
    refreshPreferences: settings.refreshPreferences,
    maxPolls: settings.maxPolls,
    pollIntervalSeconds: settings.pollIntervalSeconds,
  };
}

/** Plan, pin and create: the state StartInstanceRefresh starts from. */
export async function prepare(asgNames: string[], settings?: RunSettings): Promise<RunPlan> {
  return createAll(await pinAll(await plan(asgNames, settings)));
}

/** Every phase up to the settle (the state PromoteDefaultVersion starts from). */
export async function refreshed(asgNames: string[], settings?: RunSettings): Promise<RunPlan> {
  return refreshAll(await prepare(asgNames, settings));
}

/** Every phase, up to and including CleanUpVersions (what Summarize reads). */
export async function wholeRun(asgNames: string[], settings?: RunSettings): Promise<RunPlan> {
  return cleanUpAll(await restoreAll(await promoteAll(await refreshed(asgNames, settings))));
}

export function groupRecord(run: RunPlan, asgName: string): GroupRecord {
  const found = run.groups.find((g) => g.asgName === asgName);
  if (!found) throw new Error(`no record of ${asgName}`);
  return found;
}

export function templateRecord(run: RunPlan, launchTemplateId: string): RunPlan['templates'][number] {
  const found = run.templates.find((t) => t.launchTemplateId === launchTemplateId);
  if (!found) throw new Error(`no record of template ${launchTemplateId}`);
  return found;
}

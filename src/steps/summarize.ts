import { readRunPlan } from '../ledger/run-read.ts';
import { recordRunSummary } from '../ledger/run-summary.ts';
import type { LedgerDeps } from '../ledger/table.ts';
import type {
  GroupRecord,
  GroupResult,
  PlannedRun,
  PlanReport,
  RunPlan,
  Summary,
  TemplateRecord,
} from '../schemas.ts';
import { fitSummary } from './lib/fit-summary.ts';
import { settleLedger } from './lib/settle-ledger.ts';

/**
 * Summarize: reads every group's and template's record from the run ledger's pages, summarizes them
 * (summarizePlan), and returns what fits the execution's output (fitSummary: every failed group first);
 * when that is only part of it, the whole report goes to the ledger too (`SUMMARY#<part>`).
 * @throws LedgerNotConfiguredError (AWS errors propagate for the state's Retry)
 */
export async function summarize(
  input: PlannedRun,
  deps: LedgerDeps,
  now: () => Date = () => new Date(),
): Promise<Summary> {
  const { groups, templates } = await readRunPlan(deps.ledger, input.settings.runId);
  const summary = await summarizePlan({ settings: input.settings, groups, templates }, deps);
  const fitted = fitSummary(summary);
  // The whole report stays readable (asg-patcher and the runner read it back) when the output holds part of it.
  if (fitted.omitted) await recordRunSummary(deps.ledger, summary, now());
  return fitted;
}

/**
 * Every targeted group exactly once, with its outcome as its record shows it, plus what the run
 * did to each template; for a dry run, also the plan. The state machine fails the execution after
 * this when `counts.failed > 0`. In the run ledger, for every group this run holds: its last
 * patched versions when its refresh ended Successful, then its lock released (a ledger failure is
 * a note on the group, not a failure of the report).
 * @throws nothing
 */
export async function summarizePlan(input: RunPlan, deps: LedgerDeps): Promise<Summary> {
  const { settings } = input;
  const ledgerNotes = await settleLedger(settings.runId, input.groups, deps);
  const groups = input.groups.map((record) =>
    groupResult(record, input.templates, settings.dryRun, ledgerNotes.get(record.asgName) ?? []),
  );
  const counts = {
    total: groups.length,
    succeeded: 0,
    refreshed: 0,
    alreadyCurrent: 0,
    skipped: 0,
    dryRun: 0,
    failed: 0,
  };
  for (const group of groups) counts[group.status] += 1;
  const launchTemplates = input.templates.map((t) => {
    const notes = [
      t.refusal?.message,
      t.createError && `creating its versions failed: ${t.createError.Error}`,
      t.promotion?.note,
      t.promoteError && `settling its default failed: ${t.promoteError.Error}`,
      ...(t.cleanup?.kept ?? []).map((k) => `version ${k.version} kept: ${k.why}`),
      ...(t.cleanup?.pruneKept ?? []).map((k) => `version ${k.version} not pruned: ${k.why}`),
      t.cleanupError &&
        `deleting its unused versions failed: ${t.cleanupError.Error}; delete this run's versions that nothing uses by hand${settings.pruneVersions ? ' (the pruning of older ones resumes on the next run that changes the template)' : ''}`,
    ].filter((n): n is string => Boolean(n));
    return {
      launchTemplateId: t.launchTemplateId,
      launchTemplateName: t.launchTemplateName,
      created: t.created ?? [],
      defaultVersion: t.promotion?.defaultVersion ?? t.defaultVersion,
      defaultMoved: t.promotion?.moved ?? false,
      deleted: t.cleanup?.deleted ?? [],
      ...(t.cleanup?.pruned ? { pruned: t.cleanup.pruned } : {}),
      ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
    };
  });
  return {
    runId: settings.runId,
    dryRun: settings.dryRun,
    counts,
    groups,
    launchTemplates,
    ...(settings.dryRun ? { plan: planReport(input) } : {}),
  };
}

function groupResult(
  record: GroupRecord,
  templates: TemplateRecord[],
  dryRun: boolean,
  ledgerNotes: string[],
): GroupResult {
  const { refresh } = record;
  const succeeded = refresh?.status === 'Successful';
  const result: GroupResult = {
    asgName: record.asgName,
    status: 'failed',
    action: record.action,
    reason: record.reason,
    launchTemplates: record.specs.map((spec) => {
      const to = succeeded ? refresh.desired.find((d) => d.slot === spec.slot)?.version : undefined;
      const reference = record.restore?.references.find((r) => r.slot === spec.slot)?.reference;
      return {
        slot: spec.slot,
        launchTemplateId: spec.launchTemplateId,
        fromVersion: spec.version,
        ...(to !== undefined ? { toVersion: to } : {}),
        ...(reference ? { reference } : {}),
      };
    }),
  };
  if (refresh) {
    result.instanceRefreshId = refresh.instanceRefreshId;
    result.refreshStatus = refresh.status;
    result.startedAt = refresh.startedAt;
    if (refresh.finishedAt) {
      result.finishedAt = refresh.finishedAt;
      const seconds = (Date.parse(refresh.finishedAt) - Date.parse(refresh.startedAt)) / 1000;
      if (Number.isFinite(seconds) && seconds >= 0) result.durationSeconds = Math.round(seconds);
    }
  }
  const notes = [...(record.restore?.notes ?? [])];
  if (record.restoreError) notes.push(errorText(record.restoreError));
  for (const spec of record.specs) {
    const note = templates.find((t) => t.launchTemplateId === spec.launchTemplateId)?.promotion?.note;
    if (note && !notes.includes(note)) notes.push(note);
  }
  notes.push(...ledgerNotes);

  const fail = (stage: string, error: string, cause?: string): GroupResult => ({
    ...result,
    status: 'failed',
    stage,
    error,
    ...(cause ? { cause } : {}),
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  });
  const done = (status: GroupResult['status']): GroupResult => ({
    ...result,
    status,
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  });

  if (record.action === 'refused')
    return fail('LookupLaunchTemplate', record.refusal?.error ?? 'Refused', record.refusal?.message);
  if (record.action === 'alreadyCurrent') return done('alreadyCurrent');
  if (record.action === 'skipped') return done('skipped');
  if (dryRun) return done('dryRun');
  if (record.lockError)
    return fail('LockAutoScalingGroup', record.lockError.Error, errorText(record.lockError));
  if (record.pinError) return fail('PinAutoScalingGroup', record.pinError.Error, errorText(record.pinError));
  // A template this group needed could not be prepared or settled: say where, not only that the
  // refresh could not start (or that the group was left on a number).
  const needed = templates.filter((t) => record.specs.some((s) => s.launchTemplateId === t.launchTemplateId));
  const unprepared = needed.find((t) => t.createError && t.sources.some((s) => s.action === 'create'));
  if (unprepared?.createError)
    return fail('CreatePatchedVersion', unprepared.createError.Error, errorText(unprepared.createError));
  const unsettled = needed.find((t) => t.promoteError);
  if (unsettled?.promoteError) {
    notes.push(`the default of ${unsettled.launchTemplateName} was not settled, see that template's note`);
    return fail('PromoteDefaultVersion', unsettled.promoteError.Error, errorText(unsettled.promoteError));
  }
  if (record.refreshError) {
    return fail(
      refresh ? 'PollInstanceRefresh' : 'StartInstanceRefresh',
      record.refreshError.Error,
      errorText(record.refreshError),
    );
  }
  if (!refresh) return fail('StartInstanceRefresh', 'NotStarted', 'the group was not refreshed');
  // The instances are patched, but the group could not be settled: the operator has to act.
  if (succeeded && record.restoreError) {
    notes.unshift(`its instances run the patched versions; the group still names them by number`);
    return fail('RestoreAutoScalingGroup', record.restoreError.Error, errorText(record.restoreError));
  }
  if (succeeded) return done(record.action === 'patch' ? 'succeeded' : 'refreshed');
  const why = `instance refresh ${refresh.instanceRefreshId} ended ${refresh.status}${refresh.statusReason ? `: ${refresh.statusReason}` : ''}`;
  if (refresh.stopRequested) {
    return fail(
      'PollInstanceRefresh',
      'RefreshTimedOutError',
      `${why}, after this run asked AWS to ${refresh.stopRequested} it at maxWaitSeconds`,
    );
  }
  return fail('PollInstanceRefresh', 'InstanceRefreshFailedError', why);
}

/** The failed Lambda's own message when Cause is its JSON error document; else Cause or the name. */
function errorText(error: { Error: string; Cause?: string | undefined }): string {
  if (!error.Cause) return error.Error;
  try {
    const document: unknown = JSON.parse(error.Cause);
    if (
      typeof document === 'object' &&
      document !== null &&
      'errorMessage' in document &&
      typeof document.errorMessage === 'string'
    ) {
      return document.errorMessage;
    }
  } catch {
    // Not JSON: a States.* error's plain text.
  }
  return error.Cause;
}

function planReport(input: RunPlan): PlanReport {
  return {
    templates: input.templates.map((t) => ({
      launchTemplateId: t.launchTemplateId,
      launchTemplateName: t.launchTemplateName,
      creates: t.changes
        ? t.sources
            .filter((s) => s.action === 'create')
            .map((s) => ({ sourceVersion: s.version, summary: s.summary }))
        : [],
      followers: [...new Set(t.followers.map((f) => f.asgName))],
      acceptedSharers: t.acceptedSharers,
      ...(t.refusal ? { refusal: t.refusal } : {}),
    })),
    groups: input.groups.map((g) => ({ asgName: g.asgName, action: g.action, reason: g.reason })),
  };
}

/**
 * The progress lines `asg-patcher run` prints as the state machine runs: one per Task state a group,
 * a launch template (named in the group column) or the run finishes, fails or retries, with what it
 * did read from the state data it hands on.
 */

import { PAGE_STATES } from '../local/definition.ts';
import type { StageEvent } from '../local/runner.ts';
import {
  type GroupAction,
  GroupRecord,
  PlannedRun,
  ResolveTargetsOutput,
  type SpecSlot,
  Summary,
  TemplateRecord,
} from '../schemas.ts';
import { describeTagFilter } from '../steps/lib/list-targets.ts';
import { isRecord } from './input.ts';
import { errorMessageOf } from './summary-table.ts';

const COLUMNS = { time: 9, group: 22, state: 24 };

export function formatProgressHeader(): string {
  return [
    'time'.padEnd(COLUMNS.time),
    'group'.padEnd(COLUMNS.group),
    'state'.padEnd(COLUMNS.state),
    'outcome',
  ].join(' ');
}

/**
 * Formats the run's events: one line per Task state a group (or the run) finishes, fails or
 * retries; null for everything else. Stateful: a state whose error was caught also "exits" with
 * the caught error in its data, which would repeat its last result, so that exit is left out.
 */
export function createProgressFormatter(): (event: StageEvent) => string | null {
  const caught = new Set<string>();
  return (event) => {
    if (event.stateType !== 'Task' || !event.state) return null;
    // Per-group states name their group, per-template states their template; run-level states neither.
    const subject = event.asgName ?? event.launchTemplate ?? '(run)';
    const key = `${subject}/${event.state}`;
    let outcome: string | null;
    switch (event.type) {
      case 'exited':
        if (caught.delete(key)) return null;
        // A page loaded or saved is bookkeeping (12 per page); only its failures and retries show.
        if (event.state in PAGE_STATES) return null;
        outcome = describeOutput(event.state, event.output);
        break;
      case 'failed':
        outcome = `FAILED ${event.error ?? 'Error'}: ${errorMessageOf(event.cause)}`;
        break;
      case 'retried':
        outcome = `retrying (attempt ${event.attempt ?? '?'})`;
        break;
      case 'caught':
        caught.add(key);
        outcome = `caught: recorded on the ${event.asgName ? 'group' : 'template'}, the run goes on`;
        break;
      default:
        outcome = null;
    }
    if (outcome === null) return null;
    return [
      `+${(event.atMs / 1000).toFixed(2)}s`.padEnd(COLUMNS.time),
      subject.padEnd(COLUMNS.group),
      event.state.padEnd(COLUMNS.state),
      outcome,
    ].join(' ');
  };
}

/** `v7`, or `override 2 v7` / `main v7` when the group has several specs. */
function specLabel(slot: SpecSlot, several: boolean): string {
  if (!several) return '';
  return slot === 'main' ? 'main ' : `override ${slot} `;
}

/** What a finished state did, read from the state data it hands on (the record its stage wrote into). */
function describeOutput(state: string, output: unknown): string {
  const data = isRecord(output) ? output : {};
  switch (state) {
    case 'ResolveTargets': {
      const parsed = ResolveTargetsOutput.safeParse(output);
      if (!parsed.success) return 'done';
      const { targets } = parsed.data;
      return 'asgNames' in targets
        ? `targets: ${targets.asgNames.length} name(s)`
        : `targets: the groups tagged ${targets.tags.map(describeTagFilter).join(' and ')}`;
    }
    case 'LookupLaunchTemplate': {
      const parsed = PlannedRun.safeParse(output);
      if (!parsed.success) return 'done';
      const { actions, changing, changingTemplates } = parsed.data.overview;
      const groups = parsed.data.pages.groupCount;
      const more = changingTemplates - changing.length;
      return [
        `${groups} group(s): ${actions.patch} patch, ${actions.refreshOnly} refresh only, ${actions.alreadyCurrent} already current, ${actions.skipped} skipped, ${actions.refused} refused`,
        changingTemplates > 0
          ? `templates that change: ${changing.join(', ')}${more > 0 ? ` and ${more} more` : ''}`
          : 'no template changes',
      ].join('; ');
    }
    case 'LockAutoScalingGroup': {
      const parsed = GroupRecord.safeParse(data.group);
      const lock = parsed.success ? parsed.data.lock : undefined;
      if (!lock) return 'done';
      const took = lock.tookOverFrom ? ` (took over run ${lock.tookOverFrom.runId}'s lapsed lock)` : '';
      return `locked for this run until ${lock.expiresAt}${took}`;
    }
    case 'PinAutoScalingGroup': {
      const parsed = GroupRecord.safeParse(output);
      if (!parsed.success) return 'done';
      const { specs, pin } = parsed.data;
      if (!pin?.pinned) return 'on version numbers already: nothing to pin';
      const several = specs.length > 1;
      const moved = specs
        .filter((s) => s.reference === '$Default' || s.reference === '$Latest')
        .map((s) => `${specLabel(s.slot, several)}${s.reference} -> v${s.version}`);
      return `pinned ${moved.join(', ')}`;
    }
    case 'CreatePatchedVersion': {
      const parsed = TemplateRecord.safeParse(output);
      if (!parsed.success) return 'done';
      const created = parsed.data.created ?? [];
      return created.length > 0
        ? `created ${created.map((c) => `v${c.sourceVersion} -> v${c.newVersion}`).join(', ')}`
        : 'nothing created';
    }
    case 'StartInstanceRefresh':
    case 'PollInstanceRefresh': {
      const parsed = GroupRecord.safeParse(data.group);
      const refresh = parsed.success ? parsed.data.refresh : undefined;
      if (!refresh) return 'done';
      if (state === 'PollInstanceRefresh') {
        const stop = refresh.stopRequested ? `, ${refresh.stopRequested} requested` : '';
        return `${refresh.status} ${refresh.percentageComplete}% (poll ${refresh.pollCount}${stop})`;
      }
      const templates = Array.isArray(data.templates) ? data.templates : [];
      const nameOf = (id: string): string => {
        const found = templates.find((t) => isRecord(t) && t.launchTemplateId === id);
        return isRecord(found) && typeof found.launchTemplateName === 'string'
          ? found.launchTemplateName
          : id;
      };
      const desired = refresh.desired.map((d) => `${nameOf(d.launchTemplateId)} v${d.version}`);
      return `refresh ${refresh.instanceRefreshId} started to ${desired.join(', ')}`;
    }
    case 'PromoteDefaultVersion': {
      const parsed = TemplateRecord.safeParse(output);
      const promotion = parsed.success ? parsed.data.promotion : undefined;
      if (!promotion) return 'done';
      const moved = promotion.moved
        ? `default -> v${promotion.defaultVersion}`
        : `default stays v${promotion.defaultVersion}`;
      return promotion.note ? `${moved} (${promotion.note})` : moved;
    }
    case 'RestoreAutoScalingGroup': {
      const parsed = GroupRecord.safeParse(output);
      const restore = parsed.success ? parsed.data.restore : undefined;
      if (!restore) return 'done';
      const several = restore.references.length > 1;
      const references = restore.references.map((r) => {
        const reference = /^\d+$/.test(r.reference) ? `v${r.reference}` : r.reference;
        return `${specLabel(r.slot, several)}${reference}`;
      });
      const on = references.length > 0 ? `on ${references.join(', ')}` : 'nothing to restore';
      return [on, ...restore.notes].join('; ');
    }
    case 'DeleteUnusedVersions': {
      const parsed = TemplateRecord.safeParse(output);
      const cleanup = parsed.success ? parsed.data.cleanup : undefined;
      if (!cleanup) return 'done';
      const deleted =
        cleanup.deleted.length > 0
          ? `deleted ${cleanup.deleted.map((v) => `v${v}`).join(', ')}`
          : 'nothing deleted';
      const pruned = cleanup.pruned?.length
        ? [`pruned ${cleanup.pruned.map((v) => `v${v}`).join(', ')}`]
        : [];
      return [deleted, ...cleanup.kept.map((k) => `kept v${k.version} (${k.why})`), ...pruned].join('; ');
    }
    case 'Summarize': {
      const parsed = Summary.safeParse(output);
      if (!parsed.success) return 'done';
      const { total, succeeded, refreshed, alreadyCurrent, skipped, dryRun, failed } = parsed.data.counts;
      return `${total} group(s): ${succeeded} succeeded, ${refreshed} refreshed, ${alreadyCurrent} already current, ${skipped} skipped, ${dryRun} dry run, ${failed} failed`;
    }
    default:
      return 'done';
  }
}

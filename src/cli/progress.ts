/**
 * The progress lines `asg-patcher run` prints as the state machine runs: one per Task state a group
 * (or the run) finishes, fails or retries, with what it did read from the state data it hands on.
 */
import type { StageEvent } from '../local/runner.ts';
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
    const key = `${event.asgName ?? ''}/${event.state}`;
    let outcome: string | null;
    switch (event.type) {
      case 'exited':
        if (caught.delete(key)) return null;
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
        outcome = 'caught: on to RestoreAutoScalingGroup';
        break;
      default:
        outcome = null;
    }
    if (outcome === null) return null;
    return [
      `+${(event.atMs / 1000).toFixed(2)}s`.padEnd(COLUMNS.time),
      (event.asgName ?? '(run)').padEnd(COLUMNS.group),
      event.state.padEnd(COLUMNS.state),
      outcome,
    ].join(' ');
  };
}

/** What a finished state did, read from the state data it hands on. */
function describeOutput(state: string, output: unknown): string {
  const data = isRecord(output) ? output : {};
  const get = (path: string): unknown =>
    path.split('.').reduce<unknown>((value, key) => (isRecord(value) ? value[key] : undefined), data);
  switch (state) {
    case 'ResolveTargets': {
      const names = get('asgNames');
      return Array.isArray(names) ? `${names.length} group(s): ${names.join(', ')}` : 'done';
    }
    case 'LookupLaunchTemplate':
      return `${get('target.launchTemplateName')} (${get('target.launchTemplateId')}) ${get('target.originalVersion')} = v${get('target.resolvedVersion')}; default v${get('target.defaultVersion')}, latest v${get('target.latestVersion')}`;
    case 'CreatePatchedVersion': {
      const outcome = get('patched.outcome');
      const bytes = `${get('patched.userDataBytesBefore')} -> ${get('patched.userDataBytesAfter')} bytes of user data`;
      if (outcome === 'created') return `created v${get('patched.newVersion')} (${bytes})`;
      if (outcome === 'dryRun') return `dry run: would create a version (${bytes})`;
      return 'already current: nothing to create';
    }
    case 'PinAutoScalingGroup':
      return get('pin.pinned') === true
        ? `pinned from ${get('target.originalVersion')} to v${get('target.resolvedVersion')}`
        : 'already on a version number: nothing to pin';
    case 'StartInstanceRefresh':
      return `refresh ${get('refresh.instanceRefreshId')} started to v${get('patched.newVersion')}`;
    case 'PollInstanceRefresh':
      return `${get('refresh.poll.status')} ${get('refresh.poll.percentageComplete')}% (poll ${get('refresh.poll.pollCount')})`;
    case 'PromoteDefaultVersion': {
      const note = get('promotion.note');
      return `default -> v${get('promotion.defaultVersion')}, group on ${get('promotion.reference')}${typeof note === 'string' ? ` (${note})` : ''}`;
    }
    case 'RestoreAutoScalingGroup':
      return `put back after ${get('stage')} failed: ${get('error')}`;
    case 'Summarize': {
      const counts = get('counts');
      return isRecord(counts)
        ? `${counts.total} group(s): ${counts.succeeded} succeeded, ${counts.alreadyCurrent} already current, ${counts.dryRun} dry run, ${counts.failed} failed`
        : 'done';
    }
    default:
      return 'done';
  }
}

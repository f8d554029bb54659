/**
 * The Summarize output as a table (one row per group, a version line per launch template it uses),
 * the notes under it and a short section per launch template (created, default, deleted); shared by
 * `asg-patcher run` (local runs) and `asg-patcher start --follow` (executions in AWS).
 */
import Table from 'cli-table3';
import type { Summary } from '../schemas.ts';
import type { Output } from './exit.ts';

/** The table and the lines under it, between blank lines; nothing but those when there is no summary. */
export function printSummary(summary: Summary | undefined, output: Output): void {
  output.log('');
  if (summary) {
    output.log(formatSummaryTable(summary));
    for (const line of summaryFootnotes(summary)) output.log(line);
    const templates = templateLines(summary);
    if (templates.length > 0) {
      output.log('');
      for (const line of templates) output.log(line);
    }
    const { omitted } = summary;
    if (omitted)
      output.log(
        `Not shown: ${omitted.groups} group(s) and ${omitted.launchTemplates} template(s) (the execution's output holds what fits, every failed group first); ${omitted.where}.`,
      );
  }
  output.log('');
}

/** The final table: one row per group. Built with cli-table3. */
function formatSummaryTable(summary: Summary): string {
  const table = new Table({
    head: ['group', 'version', 'refresh', 'status', 'failed at / error', 'duration'],
    style: { head: [], border: [] },
  });
  const nameOf = (id: string): string =>
    summary.launchTemplates.find((t) => t.launchTemplateId === id)?.launchTemplateName ?? id;
  for (const group of summary.groups) {
    // One line per launch template the group uses (main spec first, then override templates), each
    // named when there are several.
    const several = group.launchTemplates.length > 1;
    const version =
      group.launchTemplates
        .map((t) => {
          const versions =
            t.toVersion === undefined || t.toVersion === t.fromVersion
              ? `v${t.fromVersion}`
              : `v${t.fromVersion} -> v${t.toVersion}`;
          return several ? `${nameOf(t.launchTemplateId)} ${versions}` : versions;
        })
        .join('\n') || '-';
    table.push([
      group.asgName,
      version,
      group.instanceRefreshId ?? '-',
      group.status,
      group.stage ? `${group.stage}: ${group.error ?? ''}` : '-',
      formatDuration(group.durationSeconds),
    ]);
  }
  return table.toString();
}

function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined) return '-';
  if (seconds < 1) return '<1s';
  const m = Math.floor(seconds / 60);
  return m > 0 ? `${m}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
}

/** Notes and failure causes under the table (too long for a cell). */
function summaryFootnotes(summary: Summary): string[] {
  const lines: string[] = [];
  for (const group of summary.groups) {
    if (group.cause) lines.push(`${group.asgName}: ${errorMessageOf(group.cause)}`);
    // The first line says it; the rest (e.g. the user data's parts) is in the --out file.
    if (group.note) lines.push(`${group.asgName}: ${group.note.split('\n')[0]}`);
  }
  return lines;
}

/**
 * What the run did to each launch template, one line each: the versions it created (from their
 * source), where the default ended, what it deleted (and pruned); its note on the next line. A dry run has no
 * such section (nothing was done), and neither does a template the run left alone.
 */
function templateLines(summary: Summary): string[] {
  if (summary.dryRun) return [];
  const touched = summary.launchTemplates.filter((t) => t.created.length > 0 || t.note);
  if (touched.length === 0) return [];
  const lines = ['Launch templates:'];
  for (const t of touched) {
    const created =
      t.created.length > 0
        ? `created ${t.created.map((c) => `v${c.newVersion} (from v${c.sourceVersion})`).join(', ')}`
        : 'created nothing';
    const defaultVersion = t.defaultVersion === undefined ? '' : `v${t.defaultVersion}`;
    const moved = t.defaultMoved ? `default -> ${defaultVersion}` : `default stays ${defaultVersion}`;
    const deleted =
      t.deleted.length > 0 ? `deleted ${t.deleted.map((v) => `v${v}`).join(', ')}` : 'deleted none';
    // Only when the run was asked to prune (pruneVersions).
    const pruned =
      t.pruned === undefined
        ? ''
        : `; ${t.pruned.length > 0 ? `pruned ${t.pruned.map((v) => `v${v}`).join(', ')}` : 'pruned none'}`;
    lines.push(
      `  ${t.launchTemplateName} (${t.launchTemplateId}): ${created}; ${moved}; ${deleted}${pruned}`,
    );
    if (t.note) lines.push(`    ${t.note.split('\n')[0]}`);
  }
  return lines;
}

/** A Lambda error's Cause is its JSON error document; show just the message. */
export function errorMessageOf(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed: unknown = JSON.parse(cause);
    if (typeof parsed === 'object' && parsed !== null && 'errorMessage' in parsed) {
      const { errorMessage } = parsed;
      if (typeof errorMessage === 'string') return errorMessage;
    }
  } catch {
    // not JSON: the cause is the message itself
  }
  return cause;
}

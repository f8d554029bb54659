/**
 * `asg-patcher run`: the real state machine, run locally (aws-local-stepfunctions, the real
 * handlers) against a simulated account seeded from a scenario file. Prints each stage as it
 * happens, then one table row per group; `--out` writes the summary and the account's end state.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Table from 'cli-table3';
import { type Command, InvalidArgumentError } from 'commander';
import type { FakeAccount } from '../fake/account.ts';
import { accountFromScenario } from '../fake/scenario.ts';
import type { RunStateMachineResult, StageEvent } from '../local/runner.ts';
import { runStateMachine } from '../local/runner.ts';
import type { Summary } from '../schemas.ts';

/** Exit codes: the execution succeeded (or matched the scenario's expectation), failed, bad usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Bad command line or scenario: exit code 2, message only (no stack). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface RunCommandOptions {
  scenario: string;
  out?: string;
  /** Execution input as JSON text or a path to a JSON file; overrides the scenario's `input`. */
  input?: string;
  /** Exit 0 when the outcome matches the scenario's `expect` block, 1 when it does not. */
  checkExpected?: boolean;
  /** Milliseconds each WaitForRefresh pauses (default 0). */
  waitMs?: number;
}

/** Where the command writes; tests pass arrays. */
export interface Output {
  log: (line: string) => void;
  error: (line: string) => void;
}

/** What the scenario says the run should end as: the groups that fail (none when omitted). */
interface Expectation {
  failed: string[];
}

/** `asg-patcher run --scenario FILE [--out FILE] [--input JSON-or-FILE] [--check-expected]`. */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description(
      'run the real state machine locally against a simulated account seeded from a scenario file (no AWS, no credentials)',
    )
    .requiredOption('--scenario <file>', 'scenario JSON: launch templates, groups, refresh behaviour, input')
    .option('--out <file>', 'write { summary, account } (the simulated account end state) as JSON')
    .option(
      '--input <json-or-file>',
      "execution input as JSON or a JSON file; overrides the scenario's input",
    )
    .option(
      '--check-expected',
      "exit 0 when the run ends as the scenario's `expect` block says (e.g. a group meant to fail did fail)",
    )
    .option('--wait-ms <ms>', 'pause of each WaitForRefresh state in milliseconds', parseNonNegativeInt, 0)
    .action(async (options: RunCommandOptions) => {
      process.exitCode = await runCommand(options, { log: console.log, error: console.error });
    });
}

function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a whole number of milliseconds');
  return n;
}

/** Runs one scenario; resolves to the process exit code. */
export async function runCommand(options: RunCommandOptions, output: Output): Promise<number> {
  let loaded: LoadedScenario;
  try {
    loaded = loadScenario(options);
  } catch (error) {
    output.error(`asg-patcher run: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.usage;
  }
  const { account, input, expectation, description } = loaded;

  output.log(`Scenario ${options.scenario}: ${describeAccount(account)}`);
  if (description) output.log(description);
  output.log(`Input: ${JSON.stringify(input)}`);
  output.log('');
  output.log(formatProgressHeader());
  const progress = createProgressFormatter();
  const result = await runStateMachine({
    input,
    account,
    waitMs: options.waitMs ?? 0,
    onEvent: (event) => {
      const line = progress(event);
      if (line) output.log(line);
    },
  });

  output.log('');
  if (result.summary) output.log(formatSummaryTable(result.summary));
  for (const line of footnotes(result.summary)) output.log(line);
  output.log('');
  output.log(formatVerdict(result));

  if (options.out) {
    const document = {
      execution: {
        status: result.status,
        runId: result.runId,
        ...(result.error ? { error: result.error, cause: result.cause } : {}),
        stateTransitions: result.stateTransitions,
      },
      summary: result.summary ?? null,
      account: account.snapshot(),
    };
    mkdirSync(dirname(options.out), { recursive: true });
    writeFileSync(options.out, `${JSON.stringify(document, null, 2)}\n`);
    output.log(`Wrote ${options.out}`);
  }

  if (options.checkExpected) {
    const problems = checkExpectation(result, expectation);
    if (problems.length > 0) {
      output.error(`Not what ${options.scenario} expects:`);
      for (const problem of problems) output.error(`  - ${problem}`);
      return EXIT.failed;
    }
    output.log(
      expectation.failed.length > 0
        ? `As the scenario expects: the execution failed because ${expectation.failed.join(', ')} failed, and no other group did.`
        : 'As the scenario expects: no group failed.',
    );
    return EXIT.ok;
  }
  return result.status === 'SUCCEEDED' ? EXIT.ok : EXIT.failed;
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

interface LoadedScenario {
  account: FakeAccount;
  input: unknown;
  expectation: Expectation;
  description?: string;
}

function loadScenario(options: RunCommandOptions): LoadedScenario {
  const json = readJsonFile(options.scenario, 'scenario');
  if (!isRecord(json)) throw new UsageError(`${options.scenario}: a scenario is a JSON object`);
  // `input` and `expect` are about the run; the rest describes the simulated account.
  const { input: scenarioInput, expect: expectBlock, ...scenario } = json;
  const expectation = parseExpectation(expectBlock, options.scenario);
  let account: FakeAccount;
  try {
    account = accountFromScenario(scenario);
  } catch (error) {
    throw new UsageError(`${options.scenario}: ${errorText(error)}`);
  }
  const input = options.input !== undefined ? parseInputOption(options.input) : scenarioInput;
  if (input === undefined) {
    throw new UsageError(`${options.scenario} has no "input"; pass the execution input with --input`);
  }
  return {
    account,
    input,
    expectation,
    ...(typeof scenario.description === 'string' ? { description: scenario.description } : {}),
  };
}

function parseExpectation(value: unknown, file: string): Expectation {
  if (value === undefined) return { failed: [] };
  const failed = isRecord(value) ? value.failed : undefined;
  if (
    !isRecord(value) ||
    Object.keys(value).some((k) => k !== 'failed') ||
    (failed !== undefined && !(Array.isArray(failed) && failed.every((x) => typeof x === 'string')))
  ) {
    throw new UsageError(`${file}: "expect" must be { "failed": ["group", ...] }`);
  }
  return { failed: (failed as string[] | undefined) ?? [] };
}

function parseInputOption(value: string): unknown {
  const trimmed = value.trim();
  if (trimmed.startsWith('{')) {
    try {
      return JSON.parse(trimmed);
    } catch (error) {
      throw new UsageError(`--input is not valid JSON: ${errorText(error)}`);
    }
  }
  return readJsonFile(value, '--input');
}

function readJsonFile(path: string, what: string): unknown {
  if (!existsSync(path)) throw new UsageError(`${what} file ${path} does not exist`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`${what} file ${path} is not valid JSON: ${errorText(error)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

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

/** The final table: one row per group. Built with cli-table3. */
export function formatSummaryTable(summary: Summary): string {
  const table = new Table({
    head: ['group', 'version', 'refresh', 'status', 'failed at / error', 'duration'],
    style: { head: [], border: [] },
  });
  for (const group of summary.groups) {
    const version =
      group.oldVersion === undefined
        ? '-'
        : group.newVersion === undefined
          ? `v${group.oldVersion}`
          : `v${group.oldVersion} -> v${group.newVersion}`;
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
function footnotes(summary: Summary | undefined): string[] {
  if (!summary) return [];
  const lines: string[] = [];
  for (const group of summary.groups) {
    if (group.cause) lines.push(`${group.asgName}: ${errorMessageOf(group.cause)}`);
    // The first line says it; the rest (e.g. the user data's parts) is in the --out file.
    if (group.note) lines.push(`${group.asgName}: ${group.note.split('\n')[0]}`);
  }
  return lines;
}

function formatVerdict(result: RunStateMachineResult): string {
  if (result.status === 'SUCCEEDED') {
    return `Execution SUCCEEDED (run ${result.runId}, ${result.stateTransitions} state transitions)`;
  }
  return `Execution FAILED with ${result.error}: ${errorMessageOf(result.cause)} (run ${result.runId}, ${result.stateTransitions} state transitions)`;
}

function checkExpectation(result: RunStateMachineResult, expectation: Expectation): string[] {
  const problems: string[] = [];
  if (!result.summary) {
    return [
      `the run never reached Summarize (${result.error ?? 'no error'}: ${errorMessageOf(result.cause)})`,
    ];
  }
  const failed = result.summary.groups.filter((g) => g.status === 'failed').map((g) => g.asgName);
  const expected = new Set(expectation.failed);
  for (const name of failed) if (!expected.has(name)) problems.push(`${name} failed, expected it not to`);
  for (const name of expected)
    if (!failed.includes(name)) problems.push(`${name} was expected to fail, it did not`);
  const wantStatus = expected.size > 0 ? 'FAILED' : 'SUCCEEDED';
  if (result.status !== wantStatus) problems.push(`the execution ${result.status}, expected ${wantStatus}`);
  return problems;
}

function describeAccount(account: FakeAccount): string {
  const snapshot = account.snapshot();
  return `${snapshot.autoScalingGroups.length} Auto Scaling group(s), ${snapshot.launchTemplates.length} launch template(s) (simulated)`;
}

/** A Lambda error's Cause is its JSON error document; show just the message. */
function errorMessageOf(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed: unknown = JSON.parse(cause);
    if (isRecord(parsed) && typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: the cause is the message itself
  }
  return cause;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

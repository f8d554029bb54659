/**
 * `asg-patcher run`: the real state machine, run locally (aws-local-stepfunctions, the real
 * handlers) against a simulated account seeded from a scenario file, or with `--live` against the
 * operator's own account (real SDK clients, real Wait durations). Prints each stage as it happens,
 * then one table row per group; `--out` writes the summary (and the simulated account's end state).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { FakeAccount } from '../fake/account.ts';
import type { RunStateMachineResult } from '../local/runner.ts';
import { EXIT, type Output, UsageError } from './exit.ts';
import { buildExecutionInput, errorText, isRecord, parseInputOption, readJsonFile } from './input.ts';
import { createProgressFormatter, formatProgressHeader } from './progress.ts';
import { errorMessageOf, printSummary } from './summary-table.ts';

export interface RunCommandOptions {
  /** The simulated account (required unless `live`). */
  scenario?: string;
  /** Run against the account and Region of the default credentials instead of a scenario. */
  live?: boolean;
  /** With `live`: the targets (by name or by tag) and a dry run. */
  asgName?: string[];
  tag?: string[];
  dryRun?: boolean;
  /** With `live`: confirms a run that is not a dry run (it changes the account). */
  yes?: boolean;
  out?: string;
  /** Execution input as JSON text or a path to a JSON file; overrides the scenario's `input`. */
  input?: string;
  /** Exit 0 when the outcome matches the scenario's `expect` block, 1 when it does not. */
  checkExpected?: boolean;
  /** Milliseconds each WaitForRefresh pauses (default 0 for a scenario; live: the definition's wait). */
  waitMs?: number;
  /** With `live`: the deployed run ledger's table (else ASG_PATCHER_LEDGER_TABLE); a scenario run has its own. */
  ledgerTable?: string;
}

/** What the scenario says the run should end as: the groups that fail (none when omitted). */
interface Expectation {
  failed: string[];
}

/**
 * `asg-patcher run --scenario FILE [--out FILE] [--input JSON-or-FILE] [--check-expected]`, or
 * `asg-patcher run --live (--asg-name NAME... | --tag KEY[=VALUE[,VALUE]]...) [--dry-run] [--yes]`.
 */
export function registerRunCommand(program: Command, output: Output, exit: (code: number) => void): void {
  program
    .command('run')
    .description(
      'run the real state machine locally: against a simulated account seeded from a scenario file (no AWS, no credentials), or with --live against your own account',
    )
    .option('--scenario <file>', 'scenario JSON: launch templates, groups, refresh behaviour, input')
    .addOption(
      new Option(
        '--live',
        'run against the account and Region of your AWS credentials (real SDK clients, real waits)',
      ).conflicts(['scenario', 'checkExpected']),
    )
    .addOption(
      new Option('--asg-name <name...>', 'with --live: patch these Auto Scaling groups').conflicts('tag'),
    )
    .option(
      '--tag <key=values...>',
      'with --live: patch the groups carrying a tag: KEY, KEY=VALUE or KEY=V1,V2',
    )
    .option('--dry-run', 'with --live: report what would change; change nothing')
    .addOption(
      new Option(
        '--ledger-table <name>',
        'with --live: the run ledger table of your deployment (its LedgerTableName output), where each group is locked for the run; default $ASG_PATCHER_LEDGER_TABLE. A scenario run starts a local one',
      ).conflicts('scenario'),
    )
    .option('--yes', 'with --live: go ahead with a run that changes the account (not needed for --dry-run)')
    .option(
      '--out <file>',
      'write { execution, summary, account } as JSON (account: the simulated end state)',
    )
    .option(
      '--input <json-or-file>',
      "execution input as JSON or a JSON file; overrides the scenario's input (with --live, the flags override its fields)",
    )
    .option(
      '--check-expected',
      "exit 0 when the run ends as the scenario's `expect` block says (e.g. a group meant to fail did fail)",
    )
    .option(
      '--wait-ms <ms>',
      "pause of each WaitForRefresh state in milliseconds (default 0 with --scenario; with --live, the input's pollIntervalSeconds)",
      parseNonNegativeInt,
    )
    .action(async (options: RunCommandOptions) => {
      exit(await runCommand(options, output));
    });
}

function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a whole number of milliseconds');
  return n;
}

/** Runs one scenario, or a live run; resolves to the process exit code. */
export async function runCommand(options: RunCommandOptions, output: Output): Promise<number> {
  if (options.live) return liveRunCommand(options, output);
  let loaded: LoadedScenario;
  try {
    loaded = await loadScenario(options);
  } catch (error) {
    output.error(`asg-patcher run: ${errorText(error)}`);
    return EXIT.usage;
  }
  const { scenario, account, input, expectation, description } = loaded;

  output.log(`Scenario ${scenario}: ${describeAccount(account)}`);
  if (description) output.log(description);
  const result = await runAndReport({ input, account, waitMs: options.waitMs }, options.out, output);

  if (options.checkExpected) {
    const problems = checkExpectation(result, expectation);
    if (problems.length > 0) {
      output.error(`Not what ${scenario} expects:`);
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

/**
 * `run --live`: no fake installed, so the handlers' module-scope SDK clients call the account of the
 * default credential chain in the SDK's configured Region. The input is checked before any call; a
 * run that is not a dry run prints where it acts and needs `--yes` (exit 2, nothing called, without).
 */
async function liveRunCommand(options: RunCommandOptions, output: Output): Promise<number> {
  let input: Record<string, unknown>;
  let region: string;
  try {
    input = buildExecutionInput(options);
    region = await configuredRegion();
  } catch (error) {
    output.error(`asg-patcher run: ${errorText(error)}`);
    return EXIT.usage;
  }
  const dryRun = input.dryRun === true;
  const ledgerTable = options.ledgerTable ?? (process.env.ASG_PATCHER_LEDGER_TABLE || undefined);
  if (dryRun) {
    output.log(`Live dry run in Region ${region}: reads only, changes nothing.`);
  } else {
    if (!options.yes) {
      output.error(
        `WARNING: this changes launch templates and refreshes instances in the account of your AWS credentials, Region ${region}.`,
      );
      output.error(
        'asg-patcher run: a live run that is not a dry run needs --yes (or add --dry-run to see what would change)',
      );
      return EXIT.usage;
    }
    if (!ledgerTable) {
      output.error(
        "asg-patcher run: a live run that is not a dry run locks each group in the run ledger: pass --ledger-table NAME (your stack's LedgerTableName output) or set ASG_PATCHER_LEDGER_TABLE",
      );
      return EXIT.usage;
    }
    const accountId = await credentialsAccountId();
    output.log(
      `WARNING: this changes launch templates and refreshes instances in ${accountId ? `account ${accountId}` : 'the account of your AWS credentials'}, Region ${region}.`,
    );
  }
  const result = await runAndReport({ input, waitMs: options.waitMs, ledgerTable }, options.out, output);
  return result.status === 'SUCCEEDED' ? EXIT.ok : EXIT.failed;
}

/** The Region the SDK clients use (AWS_REGION, the profile's region...); reads config only, calls nothing. */
async function configuredRegion(): Promise<string> {
  const { autoScaling } = await import('../clients/auto-scaling.ts');
  try {
    return await autoScaling.config.region();
  } catch (error) {
    throw new UsageError(
      `no AWS Region configured (set AWS_REGION or a profile's region): ${errorText(error)}`,
    );
  }
}

/** The account id, when the credential provider reports one (SSO, AWS_ACCOUNT_ID...); no API call. */
async function credentialsAccountId(): Promise<string | undefined> {
  const { autoScaling } = await import('../clients/auto-scaling.ts');
  try {
    return (await autoScaling.config.credentials()).accountId;
  } catch {
    // The run's first call will say what is wrong with the credentials.
    return undefined;
  }
}

/**
 * Runs the state machine, a progress line per stage as it happens, then prints the table and the
 * verdict; `out` gets the result (and the simulated account's end state).
 */
async function runAndReport(
  run: {
    input: unknown;
    account?: FakeAccount;
    waitMs?: number | undefined;
    ledgerTable?: string | undefined;
  },
  out: string | undefined,
  output: Output,
): Promise<RunStateMachineResult> {
  output.log(`Input: ${JSON.stringify(run.input)}`);
  output.log('');
  output.log(formatProgressHeader());
  const progress = createProgressFormatter();
  const { runStateMachine } = await import('../local/runner.ts');
  const result = await runStateMachine({
    ...run,
    onEvent: (event) => {
      const line = progress(event);
      if (line) output.log(line);
    },
  });
  printSummary(result.summary, output);
  output.log(formatVerdict(result));
  if (out) writeOut(out, result, run.account, output);
  return result;
}

function writeOut(
  path: string,
  result: RunStateMachineResult,
  account: FakeAccount | undefined,
  output: Output,
): void {
  const document = {
    execution: {
      status: result.status,
      runId: result.runId,
      ...(result.error ? { error: result.error, cause: result.cause } : {}),
      stateTransitions: result.stateTransitions,
    },
    summary: result.summary ?? null,
    ...(account ? { account: account.snapshot() } : {}),
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`);
  output.log(`Wrote ${path}`);
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

interface LoadedScenario {
  scenario: string;
  account: FakeAccount;
  input: unknown;
  expectation: Expectation;
  description?: string;
}

// The simulated account and the local runner (aws-local-stepfunctions, the handlers, the SDK) load
// when a run needs them, so `user-data` and `--help` start in about half the time.
async function loadScenario(options: RunCommandOptions): Promise<LoadedScenario> {
  if (options.scenario === undefined) {
    throw new UsageError(
      "required option '--scenario <file>' not specified (a simulated account); or give --live to run against your own account",
    );
  }
  const liveOnly = [
    options.asgName && '--asg-name',
    options.tag && '--tag',
    options.dryRun && '--dry-run',
    options.yes && '--yes',
  ].filter((flag): flag is string => typeof flag === 'string');
  if (liveOnly.length > 0) {
    throw new UsageError(
      `${liveOnly.join(', ')} go with --live; for a scenario, put the targets and dryRun in --input`,
    );
  }
  const json = readJsonFile(options.scenario, 'scenario');
  if (!isRecord(json)) throw new UsageError(`${options.scenario}: a scenario is a JSON object`);
  // `input` and `expect` are about the run; the rest describes the simulated account.
  const { input: scenarioInput, expect: expectBlock, ...scenario } = json;
  const expectation = parseExpectation(expectBlock, options.scenario);
  let account: FakeAccount;
  try {
    const { accountFromScenario } = await import('../fake/scenario.ts');
    account = accountFromScenario(scenario);
  } catch (error) {
    throw new UsageError(`${options.scenario}: ${errorText(error)}`);
  }
  const input = options.input !== undefined ? parseInputOption(options.input) : scenarioInput;
  if (input === undefined) {
    throw new UsageError(`${options.scenario} has no "input"; pass the execution input with --input`);
  }
  return {
    scenario: options.scenario,
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

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

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

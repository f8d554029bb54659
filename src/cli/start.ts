/**
 * `asg-patcher start`: starts an execution of the deployed state machine (StartExecution, the same
 * thing as "Start execution" in the Step Functions console), for groups by name or by tag. The input
 * is checked against `ExecutionInput` before any AWS call. `--follow` polls DescribeExecution until
 * the execution ends and prints the Summarize output as the table `asg-patcher run` prints.
 * Exit codes: 0 started (with --follow: succeeded), 1 could not start, or failed / aborted / timed
 * out, 2 bad usage (bad ARN, name or input; nothing was called).
 */

import { setTimeout as sleep } from 'node:timers/promises';
import type { DescribeExecutionCommandOutput, SFNClient } from '@aws-sdk/client-sfn';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { Summary } from '../schemas.ts';
import { EXIT, type Output, UsageError } from './exit.ts';
import { buildExecutionInput, errorText, type InputFlags } from './input.ts';
import { errorMessageOf, printSummary } from './summary-table.ts';

export interface StartCommandOptions extends InputFlags {
  stateMachineArn: string;
  /** The execution name, which is the run id; Step Functions makes one up when omitted. */
  name?: string;
  follow?: boolean;
  /** Seconds between two DescribeExecution calls with `follow` (default 15). */
  interval?: number;
}

/** `asg-patcher start --state-machine-arn ARN (--asg-name NAME... | --tag KEY[=VALUE[,VALUE]]...) ...`. */
export function registerStartCommand(program: Command, output: Output, exit: (code: number) => void): void {
  program
    .command('start')
    .description(
      'start an execution of the deployed state machine in AWS (your credentials; Region from the ARN), optionally following it to the end',
    )
    .requiredOption('--state-machine-arn <arn>', 'the stack output StateMachineArn')
    .addOption(new Option('--asg-name <name...>', 'patch these Auto Scaling groups').conflicts('tag'))
    .option('--tag <key=values...>', 'patch the groups carrying a tag: KEY, KEY=VALUE or KEY=V1,V2')
    .option('--dry-run', 'report what would change; change nothing')
    .option('--name <run>', 'execution name (the run id in each new version description)')
    .option('--input <json-or-file>', 'execution input as JSON or a JSON file; the flags override its fields')
    .option('--follow', 'wait for the execution to end, then print the table of groups')
    .option('--interval <seconds>', 'with --follow: seconds between two polls', parseSeconds, 15)
    .action(async (options: StartCommandOptions) => {
      exit(await startCommand(options, output));
    });
}

function parseSeconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError('a number of seconds');
  return n;
}

/** A state machine ARN (or a version/alias ARN, which StartExecution also takes). */
const STATE_MACHINE_ARN = /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):stateMachine:[^:\s]+(:[^:\s]+)?$/;

/**
 * Execution names: 1-80 characters, none of whitespace, brackets, wildcards or these punctuation
 * marks, no control characters (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
 */
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]{1,80}$/u;

/** Starts (and with `follow`, follows) one execution; resolves to the exit code. */
export async function startCommand(options: StartCommandOptions, output: Output): Promise<number> {
  let input: Record<string, unknown>;
  let region: string;
  let partition: string;
  try {
    const arn = STATE_MACHINE_ARN.exec(options.stateMachineArn);
    if (!arn?.[1] || !arn[2]) {
      throw new UsageError(
        `--state-machine-arn ${options.stateMachineArn} is not a state machine ARN (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME)`,
      );
    }
    [partition, region] = [arn[1], arn[2]];
    if (options.name !== undefined && !EXECUTION_NAME.test(options.name)) {
      throw new UsageError(
        `--name ${JSON.stringify(options.name)}: 1 to 80 characters, no spaces, brackets, wildcards or any of "#%\\^|~\`$&,;:/`,
      );
    }
    input = buildExecutionInput(options);
  } catch (error) {
    output.error(`asg-patcher start: ${errorText(error)}`);
    return EXIT.usage;
  }

  // Loaded here, not at start-up: the other commands do not need the Step Functions client.
  const { DescribeExecutionCommand, SFNClient, StartExecutionCommand } = await import('@aws-sdk/client-sfn');
  // Credentials from the default provider chain; the Region is the state machine's own.
  const sfn = new SFNClient({ region });
  let executionArn: string;
  try {
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: options.stateMachineArn,
        ...(options.name !== undefined ? { name: options.name } : {}),
        input: JSON.stringify(input),
      }),
    );
    if (!started.executionArn) throw new Error('StartExecution returned no executionArn');
    executionArn = started.executionArn;
  } catch (error) {
    output.error(`asg-patcher start: could not start the execution: ${describeSdkError(error)}`);
    return EXIT.failed;
  }
  output.log(`Started ${executionArn}`);
  if (partition === 'aws') {
    output.log(
      `Console: https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`,
    );
  }
  output.log(`Input: ${JSON.stringify(input)}`);
  if (!options.follow) return EXIT.ok;

  const intervalMs = (options.interval ?? 15) * 1000;
  let execution: DescribeExecutionCommandOutput;
  let lastStatus: string | undefined;
  const startedAt = Date.now();
  try {
    for (;;) {
      execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      const status = execution.status ?? 'UNKNOWN';
      if (status !== lastStatus) {
        output.log(`+${Math.round((Date.now() - startedAt) / 1000)}s ${status}`);
        lastStatus = status;
      }
      // PENDING_REDRIVE: a redrive was requested and the execution is about to run again.
      if (status !== 'RUNNING' && status !== 'PENDING_REDRIVE') break;
      await sleep(intervalMs);
    }
  } catch (error) {
    output.error(`asg-patcher start: could not follow ${executionArn}: ${describeSdkError(error)}`);
    return EXIT.failed;
  }

  const summary = await findSummary(sfn, execution, output);
  printSummary(summary, output);
  if (execution.status === 'SUCCEEDED') {
    output.log(`Execution SUCCEEDED (${executionArn})`);
    return EXIT.ok;
  }
  const why = execution.error ? ` with ${execution.error}: ${errorMessageOf(execution.cause)}` : '';
  output.log(`Execution ${execution.status ?? 'ended'}${why} (${executionArn})`);
  return EXIT.failed;
}

/**
 * The Summarize output: a succeeded execution's output is it (Summarize -> Choice -> Succeed pass it
 * on); a failed one has no output, so it is read from the history's Summarize exit, when it got there.
 */
async function findSummary(
  sfn: SFNClient,
  execution: DescribeExecutionCommandOutput,
  output: Output,
): Promise<Summary | undefined> {
  if (execution.status === 'SUCCEEDED' && execution.output) {
    const summary = parseSummary(execution.output);
    if (summary) return summary;
  }
  try {
    const { paginateGetExecutionHistory } = await import('@aws-sdk/client-sfn');
    const pages = paginateGetExecutionHistory(
      { client: sfn },
      { executionArn: execution.executionArn, reverseOrder: true, includeExecutionData: true },
    );
    for await (const page of pages) {
      for (const event of page.events ?? []) {
        const exited = event.stateExitedEventDetails;
        if (exited?.name === 'Summarize' && exited.output) return parseSummary(exited.output);
      }
    }
  } catch (error) {
    output.error(`asg-patcher start: could not read the execution history: ${describeSdkError(error)}`);
  }
  return undefined;
}

function parseSummary(json: string): Summary | undefined {
  const parsed = Summary.safeParse(JSON.parse(json));
  return parsed.success ? parsed.data : undefined;
}

function describeSdkError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

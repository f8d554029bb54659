/**
 * Local runs of the real state machine: the ASL file as deployed, executed by aws-local-stepfunctions,
 * each Task state bound to its real Lambda handler (src/handlers), every AWS call answered by the
 * simulated account (src/fake), whose Waits and retry pauses are shortened; nothing else is changed.
 * Without an account (`asg-patcher run --live`) the handlers' real SDK clients call the operator's
 * own account, with the definition's real Wait durations and retry intervals.
 */
import '../polyfills.ts';
import {
  ExecutionAbortedError,
  ExecutionError,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import type * as z from 'zod/mini';
import type { FakeAccount, RefreshEvent } from '../fake/account.ts';
import { installFakeAccount } from '../fake/install.ts';
import { asInvocation } from '../fake/invocation.ts';
import { dynamodb } from '../ledger/client.ts';
import { readRunSummary } from '../ledger/run-read.ts';
import { Summary, type WaitMode } from '../schemas.ts';
import {
  allStates,
  type EventFunctionName,
  PAGE_STATES,
  type PageFunctionName,
  type PageStateName,
  readLocalDefinition,
  TASK_STATES,
  type TaskStateName,
} from './definition.ts';
import type { LocalLedger } from './ledger.ts';

/** A Lambda handler as the runner calls it (a middy handler fits). */
export type LocalHandler = (event: unknown, context: LocalLambdaContext) => Promise<unknown>;

/**
 * Replaces one Task state's handler for a run. `next` is the real handler, so an override can
 * fail once and then delegate (how the tests inject a Lambda service error).
 */
export type HandlerOverride = (
  input: unknown,
  next: (input: unknown) => Promise<unknown>,
) => Promise<unknown>;

export interface LocalLambdaContext {
  functionName: string;
  awsRequestId: string;
}

/**
 * One step of the run as it happens, for progress output. `asgName` is set inside the per-group
 * Maps, `launchTemplate` inside the per-template ones.
 */
export interface StageEvent {
  type: 'entered' | 'exited' | 'failed' | 'retried' | 'caught' | 'executionFailed' | 'executionSucceeded';
  /** Milliseconds since the run started. */
  atMs: number;
  state?: string;
  stateType?: string;
  asgName?: string;
  /** Set inside the per-template Maps: the template's name. */
  launchTemplate?: string;
  /** For `failed` and `caught`, and `executionFailed`: the error name and cause. */
  error?: string;
  cause?: string;
  /** For `retried`: the attempt number (1 = first retry). */
  attempt?: number;
  /** For `exited`: the state's output (the state data after the state). */
  output?: unknown;
  /** For `exited`, with `eventOutputs: 'size'`: the output's UTF-8 JSON size instead of the output. */
  outputBytes?: number;
}

export interface RunStateMachineOptions {
  /** The execution input, as an operator would paste it in the console. */
  input: unknown;
  /**
   * The simulated account; installed for the run's duration, then uninstalled. Omitted: nothing is
   * installed, so the real SDK clients call AWS with the default credentials and Region.
   */
  account?: FakeAccount;
  /** `$$.Execution.Name` (the run id); default `local-<ISO time>`. */
  runId?: string;
  /**
   * Pause of the WaitForRefresh state in ms. Default: 0 with an `account`; without one, the
   * definition's own wait (pollIntervalSeconds).
   */
  waitMs?: number;
  /**
   * Pause before each Retry in ms. Default: 0 with an `account`; with an account that enforces token
   * buckets, each retrier's IntervalSeconds on the buckets' scaled clock (see retryPauses); without
   * an account, the definition's own backoff (full jitter).
   */
  retryMs?: number;
  onEvent?: (event: StageEvent) => void;
  /** By Task state, page states included (LoadPinPage, ...). */
  handlerOverrides?: Partial<Record<TaskStateName | PageStateName, HandlerOverride>>;
  /** Another ASL file (tests); default statemachine/asg-patcher.asl.json. */
  definitionPath?: string;
  /**
   * The opt-in boundary the deployed service gets from its params (OPT_IN_TAG_KEY/VALUE): groups
   * without this tag are refused. Omitted: no boundary (the simulated account's default).
   */
  optInTag?: { key: string; value: string };
  /**
   * With an `account`, the run ledger is local (dynalite, src/local/ledger.ts): by default the
   * runner starts one for the run and stops it after; pass one (startLocalLedger) to share it
   * between runs, as two runs of one account share the deployed table. The caller stops it.
   */
  localLedger?: LocalLedger;
  /**
   * Without an `account`: the deployed ledger table's name (the stack output LedgerTableName), in
   * the DynamoDB of the default credentials. The handlers get it as LEDGER_TABLE_NAME, as deployed.
   */
  ledgerTable?: string;
  /**
   * The wait mode of a run whose input names none, as the deployment's `refreshEvents` param would
   * set it. Default `polling`: a live run has no rule delivering events to this process.
   */
  defaultWaitMode?: WaitMode;
  /**
   * With an `account`, in `events` mode: what the simulated EventBridge rule does with each event
   * the account sends (a refresh ending). `deliver` (the default) invokes the real OnRefreshEvent
   * handler with it, as the rule would; `drop` loses it (events are best effort); `duplicate`
   * delivers it twice. Events are delivered when the next wait starts (before AwaitRefreshEvent
   * registers its token) and after each simulated step of a wait.
   */
  refreshEvents?: (event: RefreshEvent, index: number) => 'deliver' | 'drop' | 'duplicate';
  /**
   * With an `account`, in `events` mode: the simulated time one step of a refresh's script stands
   * for while nobody describes it (default 60 s, the default poll interval). A wait of
   * backstopSeconds advances the group's refresh backstopSeconds / this many steps.
   */
  refreshStepSeconds?: number;
  /**
   * What an `exited` event keeps of the state's output: `full` (the default) the output itself;
   * `size` only its byte size (`outputBytes`), for fleets of thousands of groups whose every state
   * output, kept, would fill the memory (the bench).
   */
  eventOutputs?: 'full' | 'size';
}

/** One Lambda invocation of the run: a Task state's (each attempt) or OnRefreshEvent's. */
export interface LambdaInvocation {
  functionName: TaskStateName | EventFunctionName | PageFunctionName;
  asgName?: string;
  /** OnRefreshEvent's answer (its outcome), for tests. */
  result?: unknown;
}

export interface RunStateMachineResult {
  status: 'SUCCEEDED' | 'FAILED';
  runId: string;
  /** The execution output (SUCCEEDED only; Step Functions gives a failed execution no output). */
  output: unknown;
  /** The Summarize state's output, whenever the run got that far (also when it then FAILED). */
  summary?: Summary;
  /** The execution's error name and cause (FAILED only). */
  error?: string;
  cause?: string;
  events: StageEvent[];
  /** States entered (Map iterations included): what Step Functions bills as state transitions. */
  stateTransitions: number;
  /** Every Lambda invocation, in order (retries included, as Lambda bills them). */
  lambdaInvocations: LambdaInvocation[];
}

/** A JSON value as aws-local-stepfunctions passes it around. */
type Json = Parameters<StateMachine['run']>[0];

/** Handler modules, loaded on first use so a run only loads what it needs. */
const FUNCTION_MODULES: Record<TaskStateName | PageFunctionName, () => Promise<{ handler: LocalHandler }>> = {
  ResolveTargets: () => import('../handlers/resolve-targets.ts'),
  LookupLaunchTemplate: () => import('../handlers/lookup-launch-template.ts'),
  LockAutoScalingGroup: () => import('../handlers/lock-auto-scaling-group.ts'),
  CreatePatchedVersion: () => import('../handlers/create-patched-version.ts'),
  PinAutoScalingGroup: () => import('../handlers/pin-auto-scaling-group.ts'),
  DeleteUnusedVersions: () => import('../handlers/delete-unused-versions.ts'),
  StartInstanceRefresh: () => import('../handlers/start-instance-refresh.ts'),
  PollInstanceRefresh: () => import('../handlers/poll-instance-refresh.ts'),
  AwaitRefreshEvent: () => import('../handlers/await-refresh-event.ts'),
  PromoteDefaultVersion: () => import('../handlers/promote-default-version.ts'),
  RestoreAutoScalingGroup: () => import('../handlers/restore-auto-scaling-group.ts'),
  Summarize: () => import('../handlers/summarize.ts'),
  LoadRunPage: () => import('../handlers/load-run-page.ts'),
  SaveRunPage: () => import('../handlers/save-run-page.ts'),
};

/**
 * An error as Step Functions sees a Lambda function error: `Error` is the thrown error's name (what
 * Retry/Catch `ErrorEquals` match) and `Cause` is the Lambda runtime's JSON error document.
 */
class LambdaFunctionError extends Error {
  constructor(name: string, message: string, stack: string | undefined) {
    super(JSON.stringify({ errorType: name, errorMessage: message, trace: (stack ?? '').split('\n') }));
    this.name = name;
  }
}

/**
 * Step Functions' payload quota: a state's input (after Parameters) and output, UTF-8 JSON.
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 */
export const PAYLOAD_LIMIT_BYTES = 256 * 1024;

/**
 * `States.DataLimitExceeded`: terminal, matched by neither Retry nor `States.ALL` in AWS
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). The
 * interpreter reads `isRetryable`/`isCatchable` off the error, so these make it behave the same.
 */
class DataLimitExceededError extends Error {
  override readonly name = 'States.DataLimitExceeded';
  readonly isRetryable = false;
  readonly isCatchable = false;
}

/** A payload's size as the quota counts it: UTF-8 JSON. */
function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');
}

/** The error for a payload of `bytes` over the quota, or undefined when it fits. */
function overPayloadLimit(what: string, bytes: number): DataLimitExceededError | undefined {
  return bytes > PAYLOAD_LIMIT_BYTES
    ? new DataLimitExceededError(
        `${what} is ${bytes} bytes, over the ${PAYLOAD_LIMIT_BYTES}-byte payload quota`,
      )
    : undefined;
}

function checkPayload(what: string, value: unknown): void {
  const tooLarge = overPayloadLimit(what, payloadBytes(value));
  if (tooLarge) throw tooLarge;
}

/**
 * A Task state's Lambda as Step Functions invokes it: the payload quota on its input and result, the
 * override (a test's) around the real handler, and a thrown error as Lambda reports it.
 */
function lambdaTask(
  state: string,
  real: (input: unknown) => Promise<unknown>,
  override: HandlerOverride | undefined,
): (input: Json) => Promise<Json> {
  return async (input) => {
    checkPayload(`The input of ${state}`, input);
    let output: Json;
    try {
      output = asLambdaPayload(await (override ? override(input, real) : real(input)));
    } catch (error) {
      throw toLambdaError(error);
    }
    checkPayload(`The result of ${state}`, output);
    return output;
  };
}

function toLambdaError(error: unknown): LambdaFunctionError {
  if (error instanceof Error) return new LambdaFunctionError(error.name, error.message, error.stack);
  return new LambdaFunctionError('Error', String(error), undefined);
}

/**
 * Runs the state machine on `input` against `account` (or, without one, the real AWS account of the
 * default credentials) and resolves when the execution ends
 * (it never rejects for a failed execution: `status` says FAILED, with `error` and `cause`).
 * The fake is installed on the SDK client classes, so run one execution at a time per process.
 * Like Step Functions, a state input or output over 256 KiB fails the run (`States.DataLimitExceeded`).
 */
/** Definitions (as JSON text) that aws-local-stepfunctions has validated in this process. */
const validatedDefinitions = new Set<string>();

export async function runStateMachine(options: RunStateMachineOptions): Promise<RunStateMachineResult> {
  const runId = options.runId ?? `local-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const definition = readLocalDefinition(options.definitionPath);

  const lambdaInvocations: LambdaInvocation[] = [];
  const taskResourceLocalHandlers: Record<string, (input: Json) => Promise<Json>> = {};
  // Each function loaded once per run, like a warm Lambda container: every call then takes the same
  // path. The page functions serve every phase's page states.
  const loaded = new Map<TaskStateName | PageFunctionName, Promise<{ handler: LocalHandler }>>();
  const handlerOf = (fn: TaskStateName | PageFunctionName) => {
    const loading = loaded.get(fn) ?? FUNCTION_MODULES[fn]();
    loaded.set(fn, loading);
    return loading;
  };
  const bind = (state: TaskStateName | PageStateName, functionName: TaskStateName | PageFunctionName) => {
    const real = async (input: unknown): Promise<unknown> => {
      const { handler } = await handlerOf(functionName);
      // A page belongs to no one group: only a Task state's input names one.
      const { asgName } = functionName === state ? asgNameOf(input) : {};
      lambdaInvocations.push({ functionName, ...(asgName ? { asgName } : {}) });
      return asInvocation(state, () => handler(input, { functionName, awsRequestId: `${runId}-${state}` }));
    };
    return lambdaTask(state, real, options.handlerOverrides?.[state]);
  };
  for (const state of TASK_STATES) {
    const invoke = bind(state, state);
    taskResourceLocalHandlers[state] =
      state === 'AwaitRefreshEvent' ? (input) => awaitRefreshEventTask(input, invoke) : invoke;
  }
  for (const [state, functionName] of Object.entries(PAGE_STATES) as [PageStateName, PageFunctionName][])
    taskResourceLocalHandlers[state] = bind(state, functionName);

  // The event-driven wait (lambda:invoke.waitForTaskToken), which aws-local-stepfunctions does not
  // model: the state's evaluated Parameters come here; its Lambda gets the Payload; the Task's result
  // is what SendTaskSuccess reported for its token (src/fake/task-tokens.ts), and a backstop that
  // passes without one is `States.Timeout`, which the state's Catch sends to PollInstanceRefresh.
  const stepSeconds = options.refreshStepSeconds ?? 60;
  let onRefreshEvent: Promise<{ handler: LocalHandler }> | undefined;
  let eventIndex = 0;
  const deliverRefreshEvents = async (account: FakeAccount): Promise<void> => {
    for (const event of account.takeRefreshEvents()) {
      const fate = options.refreshEvents?.(event, eventIndex++) ?? 'deliver';
      for (let copy = 0; copy < (fate === 'drop' ? 0 : fate === 'duplicate' ? 2 : 1); copy++) {
        onRefreshEvent ??= import('../handlers/on-refresh-event.ts');
        const { handler } = await onRefreshEvent;
        const invocation: LambdaInvocation = {
          functionName: 'OnRefreshEvent',
          asgName: event.detail.AutoScalingGroupName,
        };
        lambdaInvocations.push(invocation);
        // An asynchronous invocation: its failure is EventBridge's to retry, never the run's.
        try {
          invocation.result = await asInvocation('OnRefreshEvent', () =>
            handler(asLambdaPayload(event), {
              functionName: 'OnRefreshEvent',
              awsRequestId: `${runId}-OnRefreshEvent-${event.id}`,
            }),
          );
        } catch (error) {
          invocation.result = { error: error instanceof Error ? error.name : String(error) };
        }
      }
    }
  };
  const awaitRefreshEventTask = async (
    input: Json,
    invoke: (payload: Json) => Promise<Json>,
  ): Promise<Json> => {
    const payload = (isObject(input) ? input.Payload : undefined) as Json;
    const fields = isObject(payload) ? payload : {};
    const token = String(fields.taskToken);
    const asgName = String(fields.asgName);
    const backstopSeconds = Number(fields.backstopSeconds);
    const { account } = options;
    if (!account) {
      // A live run: no rule delivers events to this process, so the wait is its backstop (real time).
      await new Promise((resolve) => setTimeout(resolve, backstopSeconds * 1000));
      throw statesTimeout();
    }
    account.taskTokens.issue(token);
    await deliverRefreshEvents(account);
    try {
      await invoke(payload);
      for (let waited = 0; waited < backstopSeconds; waited += stepSeconds) {
        if (account.taskTokens.outcome(token)) break;
        account.advanceRefresh(asgName);
        await deliverRefreshEvents(account);
      }
    } finally {
      account.taskTokens.timeOut(token);
    }
    const outcome = account.taskTokens.outcome(token);
    if (outcome?.kind === 'succeeded') return asLambdaPayload(JSON.parse(outcome.output));
    if (outcome?.kind === 'failed') throw new LambdaFunctionError(outcome.error, outcome.cause, undefined);
    throw statesTimeout();
  };
  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number | number[]> = {};
  // Shortened only for the simulated account (or when asked): a live run waits as AWS would.
  const waitMs = options.waitMs ?? (options.account ? 0 : undefined);
  const retryMs = options.retryMs ?? (options.account ? 0 : undefined);
  const scale = options.retryMs === undefined ? options.account?.tokenBuckets?.clock.scale : undefined;
  for (const { name, state } of allStates(definition)) {
    if (state.Type === 'Wait' && waitMs !== undefined) waitTimeOverrides[name] = waitMs;
    if (state.Retry && scale !== undefined) retryIntervalOverrides[name] = retryPauses(state.Retry, scale);
    else if (state.Retry && retryMs !== undefined) retryIntervalOverrides[name] = retryMs;
  }

  // The constructor validates with its own asl-validator (about 70 ms), which writes into the object:
  // give it a copy, and validate each definition once per process, not on every run.
  const text = JSON.stringify(definition);
  const machine = new StateMachine(structuredClone(definition) as unknown as StateMachineDefinition, {
    validationOptions: { noValidate: validatedDefinitions.has(text) },
  });
  validatedDefinitions.add(text);
  const startedAt = Date.now();
  const events: StageEvent[] = [];
  let stateTransitions = 0;
  let summary: Summary | undefined;
  let summaryError: z.core.$ZodError | undefined;
  const emit = (event: StageEvent): void => {
    events.push(event);
    options.onEvent?.(event);
  };

  // A simulated account gets a local ledger, which the run starts and stops unless it was given one;
  // so does a live run given no table (a dry run: the CLI asks for the table otherwise), for its pages.
  const wantsLocalLedger = Boolean(options.account || options.localLedger || !options.ledgerTable);
  const ownLedger = wantsLocalLedger && !options.localLedger;
  const localLedger = wantsLocalLedger
    ? (options.localLedger ?? (await (await import('./ledger.ts')).startLocalLedger()))
    : undefined;
  const ledgerTableName = localLedger?.tableName ?? options.ledgerTable;
  const { restore: restoreLedger } = localLedger ? localLedger.route() : { restore: () => {} };
  const { restore } = options.account ? installFakeAccount(options.account) : { restore: () => {} };
  const restoreEnvironment = withEnvironment({
    OPT_IN_TAG_KEY: options.optInTag?.key,
    OPT_IN_TAG_VALUE: options.optInTag?.value,
    LEDGER_TABLE_NAME: ledgerTableName,
    DEFAULT_WAIT_MODE: options.defaultWaitMode ?? 'polling',
  });
  try {
    const input = asLambdaPayload(options.input);
    const execution = machine.run(input, {
      overrides: {
        taskResourceLocalHandlers,
        waitTimeOverrides,
        retryIntervalOverrides,
      },
      context: {
        Execution: {
          Id: `arn:aws:states:us-east-1:123456789012:execution:asg-patcher-local:${runId}`,
          Name: runId,
          Input: input,
        },
        // aws-local-stepfunctions does not model $$.State; a Pass reads EnteredTime as it enters.
        State: {
          get EnteredTime(): string {
            return new Date().toISOString();
          },
        },
      },
    });

    let dataLimit: DataLimitExceededError | undefined;
    const consume = (async () => {
      for await (const event of execution.eventLogs) {
        if (!('state' in event)) continue;
        const { state } = event;
        if (event.type === 'StateEntered') {
          stateTransitions++;
        }
        const fields = { atMs: event.timestamp - startedAt, ...stateFields(state) };
        switch (event.type) {
          case 'StateEntered':
            emit({ type: 'entered', ...fields });
            break;
          case 'StateExited': {
            const outputBytes = payloadBytes(state.output);
            if (!dataLimit) {
              // Task I/O is checked exactly above; other states (Map, Pass) are caught here, a little late.
              dataLimit = overPayloadLimit(`The output of ${state.name}`, outputBytes);
              if (dataLimit) execution.abort();
            }
            if (state.name === 'Summarize') {
              const parsed = Summary.safeParse(state.output);
              if (parsed.success) summary = parsed.data;
              else summaryError = parsed.error;
            }
            emit(
              options.eventOutputs === 'size'
                ? { type: 'exited', ...fields, outputBytes }
                : { type: 'exited', ...fields, output: state.output },
            );
            break;
          }
          case 'StateFailed':
            emit({ type: 'failed', ...fields, error: event.Error, cause: causeText(event.Cause) });
            break;
          case 'StateRetried':
            emit({ type: 'retried', ...fields, attempt: event.retry.attempt });
            break;
          case 'StateCaught':
            emit({ type: 'caught', ...fields });
            break;
        }
      }
    })();

    let result: RunStateMachineResult;
    try {
      const output = await execution.result;
      await consume;
      emit({ type: 'executionSucceeded', atMs: Date.now() - startedAt });
      result = { status: 'SUCCEEDED', runId, output, events, stateTransitions, lambdaInvocations };
    } catch (error) {
      await consume;
      let failure: Error;
      if (dataLimit && error instanceof ExecutionAbortedError) failure = dataLimit;
      else if (error instanceof ExecutionError) failure = error.cause instanceof Error ? error.cause : error;
      else throw error;
      const why = { error: failure.name, cause: failure.message };
      emit({ type: 'executionFailed', atMs: Date.now() - startedAt, ...why });
      result = {
        status: 'FAILED',
        runId,
        output: null,
        ...why,
        events,
        stateTransitions,
        lambdaInvocations,
      };
    }
    if (summaryError)
      throw new Error(`Summarize returned something that is not a Summary: ${summaryError.message}`);
    // An output that holds part of the report (a large run): the whole one is in the run ledger.
    if (summary?.omitted && ledgerTableName) {
      const whole = Summary.safeParse(
        await readRunSummary({ client: dynamodb, tableName: ledgerTableName }, summary.runId),
      );
      if (whole.success) summary = whole.data;
    }
    if (summary) result.summary = summary;
    return result;
  } finally {
    restoreEnvironment();
    restore();
    restoreLedger();
    if (ownLedger) await localLedger?.stop();
  }
}

/**
 * With token buckets on, a throttle that outlasts the SDK's attempts reaches the state's Retry, and
 * an instant retry would only hit the empty bucket again: so each retrier pauses its IntervalSeconds
 * on the buckets' clock (divided by the scale, as the SDK's waits are). aws-local-stepfunctions takes
 * a fixed pause per retrier, so the definition's BackoffRate and jitter are not reproduced: every
 * retry waits the first interval.
 */
function retryPauses(retriers: readonly { IntervalSeconds?: number }[], scale: number): number[] {
  // Step Functions' default IntervalSeconds is 1.
  return retriers.map((retrier) => ((retrier.IntervalSeconds ?? 1) * 1000) / scale);
}

/**
 * Sets the handlers' variables as the deployment would (the opt-in tag, the ledger's table), for
 * the run's duration only; an undefined value is unset.
 */
function withEnvironment(values: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  const set = (name: string, value: string | undefined): void => {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };
  for (const [name, value] of Object.entries(values)) set(name, value);
  return () => {
    for (const [name, value] of Object.entries(saved)) set(name, value);
  };
}

/** A value as it crosses the Lambda wire (JSON): undefined fields vanish, Dates become strings. */
function asLambdaPayload(value: unknown): Json {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

/**
 * What a state works on: a per-group state's input carries `group` (or `asgName`), a per-template
 * state's carries `template`.
 */
function stateFields(state: {
  name: string;
  type: string;
  input: unknown;
}): Pick<StageEvent, 'state' | 'stateType' | 'asgName' | 'launchTemplate'> {
  const input = isObject(state.input) ? state.input : {};
  const fromGroup = isObject(input.group) ? input.group.asgName : undefined;
  const asgName =
    typeof fromGroup === 'string' ? fromGroup : typeof input.asgName === 'string' ? input.asgName : undefined;
  const launchTemplate = isObject(input.template) ? input.template.launchTemplateName : undefined;
  return {
    state: state.name,
    stateType: state.type,
    ...(asgName === undefined ? {} : { asgName }),
    ...(typeof launchTemplate === 'string' ? { launchTemplate } : {}),
  };
}

/** A Task's timeout as Step Functions reports it: what the wait's backstop Catch matches. */
function statesTimeout(): Error {
  const error = new Error('The wait reached its backstop (TimeoutSecondsPath) without an end event');
  error.name = 'States.Timeout';
  return error;
}

/** The group a Task's input is about (Maps' records, the poll's asgName, the event wait's Payload). */
function asgNameOf(input: unknown): { asgName?: string } {
  const fields = isObject(input) ? input : {};
  const payload = isObject(fields.Payload) ? fields.Payload : fields;
  const group = isObject(payload.group) ? payload.group.asgName : payload.asgName;
  return typeof group === 'string' ? { asgName: group } : {};
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function causeText(cause: unknown): string {
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause);
}

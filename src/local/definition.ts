/**
 * The state machine definition as a file: `statemachine/asg-patcher.asl.json` is pure Amazon States
 * Language with one `${<State>FunctionArn}` placeholder per Task state. CloudFormation fills them
 * (DefinitionSubstitutions in serverless.yml); the local runner fills them with local ARNs.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Every Task state, in flow order. Each has `src/steps/<kebab>.ts` and `src/handlers/<kebab>.ts`.
 * AwaitRefreshEvent invokes its Lambda through `lambda:invoke.waitForTaskToken`, its placeholder in
 * `Parameters.FunctionName`; every other Task's `Resource` is its placeholder.
 */
export const TASK_STATES = [
  'ResolveTargets',
  'LookupLaunchTemplate',
  'LockAutoScalingGroup',
  'PinAutoScalingGroup',
  'CreatePatchedVersion',
  'StartInstanceRefresh',
  'PollInstanceRefresh',
  'AwaitRefreshEvent',
  'PromoteDefaultVersion',
  'RestoreAutoScalingGroup',
  'DeleteUnusedVersions',
  'Summarize',
] as const;
export type TaskStateName = (typeof TASK_STATES)[number];

/**
 * The run ledger's page functions, and the page states that invoke them: every phase is a
 * Distributed Map over pages of the plan (src/ledger/run-items.ts), whose child loads its page
 * (Load<Phase>Page, LoadRunPage), runs the phase's per-group or per-template Map on it and saves it
 * back (Save<Phase>Page, SaveRunPage). State names are unique in a state machine, so each phase has
 * its own pair of states; the two functions serve them all. Each function has
 * `src/steps/<kebab>.ts` and `src/handlers/<kebab>.ts`, and one `${<Function>FunctionArn}` placeholder.
 */
export const PAGE_FUNCTIONS = ['LoadRunPage', 'SaveRunPage'] as const;
export type PageFunctionName = (typeof PAGE_FUNCTIONS)[number];
export const PAGE_STATES = {
  LoadPinPage: 'LoadRunPage',
  SavePinPage: 'SaveRunPage',
  LoadCreatePage: 'LoadRunPage',
  SaveCreatePage: 'SaveRunPage',
  LoadRefreshPage: 'LoadRunPage',
  SaveRefreshPage: 'SaveRunPage',
  LoadPromotePage: 'LoadRunPage',
  SavePromotePage: 'SaveRunPage',
  LoadRestorePage: 'LoadRunPage',
  SaveRestorePage: 'SaveRunPage',
  LoadCleanUpPage: 'LoadRunPage',
  SaveCleanUpPage: 'SaveRunPage',
} as const satisfies Record<string, PageFunctionName>;
export type PageStateName = keyof typeof PAGE_STATES;

/** Functions no state invokes: the EventBridge rule on instance refresh ends invokes OnRefreshEvent. */
export const EVENT_FUNCTIONS = ['OnRefreshEvent'] as const;
export type EventFunctionName = (typeof EVENT_FUNCTIONS)[number];

/** The Task states that wait on a task token (Resource `...:lambda:invoke.waitForTaskToken`). */
export const CALLBACK_STATES = ['AwaitRefreshEvent'] as const satisfies readonly TaskStateName[];

/** The DefinitionSubstitutions keys the ASL uses: `${ResolveTargetsFunctionArn}` and so on, and the page functions'. */
export const PLACEHOLDERS = [...TASK_STATES, ...PAGE_FUNCTIONS].map((fn) => `${fn}FunctionArn` as const);
export type Placeholder = (typeof PLACEHOLDERS)[number];

/**
 * Task states inside a Map (per group or per template): each catches every error into its record
 * (`pinError`, `createError`, ...), so one group's or template's failure never stops another.
 */
export const PER_ITEM_STAGES = [
  'LockAutoScalingGroup',
  'PinAutoScalingGroup',
  'CreatePatchedVersion',
  'StartInstanceRefresh',
  'PollInstanceRefresh',
  'AwaitRefreshEvent',
  'PromoteDefaultVersion',
  'RestoreAutoScalingGroup',
  'DeleteUnusedVersions',
] as const satisfies readonly TaskStateName[];

export const ASL_PATH = fileURLToPath(new URL('../../statemachine/asg-patcher.asl.json', import.meta.url));

/** The fields of a state this project reads; the rest of ASL passes through untouched. */
export interface AslRetrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}
export interface AslCatcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
}
export interface AslState {
  Type: string;
  Resource?: string;
  Retry?: AslRetrier[];
  Catch?: AslCatcher[];
  ItemProcessor?: AslMachine;
  Iterator?: AslMachine;
  Branches?: AslMachine[];
  [field: string]: unknown;
}
export interface AslMachine {
  StartAt: string;
  States: Record<string, AslState>;
  [field: string]: unknown;
}

/** A state with where it sits: `path` is the chain of Map/Parallel states around it. */
export interface LocatedState {
  name: string;
  state: AslState;
  path: string[];
}

/** Reads an ASL file's text (placeholders unfilled). */
export function readDefinitionText(path: string = ASL_PATH): string {
  return readFileSync(path, 'utf8');
}

/** Parses ASL text; checks only the outer shape (asl-validator checks the rest). */
export function parseDefinition(text: string): AslMachine {
  const parsed: unknown = JSON.parse(text);
  if (!isMachine(parsed))
    throw new Error('Not an Amazon States Language definition: StartAt or States missing');
  return parsed;
}

function isMachine(value: unknown): value is AslMachine {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { StartAt?: unknown }).StartAt === 'string' &&
    typeof (value as { States?: unknown }).States === 'object' &&
    (value as { States?: unknown }).States !== null
  );
}

/** The distinct `${Name}` placeholders in ASL text, in order of first use. */
export function listPlaceholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1] as string))];
}

/** Fills every `${Name}` like CloudFormation's DefinitionSubstitutions; a missing value is an error. */
export function substitute(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_whole, name: string) => {
    const value = values[name];
    if (value === undefined)
      throw new Error(`No substitution for \${${name}} in the state machine definition`);
    return value;
  });
}

/**
 * Every placeholder filled with a local ARN, ready for aws-local-stepfunctions (or asl-validator).
 * The ARNs are never invoked: the local runner binds each Task state to its handler.
 */
export function localSubstitutions(): Record<Placeholder, string> {
  return Object.fromEntries(
    [...TASK_STATES, ...PAGE_FUNCTIONS].map((s) => [
      `${s}FunctionArn`,
      `arn:aws:lambda:us-east-1:123456789012:function:asg-patcher-local-${s}`,
    ]),
  ) as Record<Placeholder, string>;
}

/**
 * An ASL file as the local runner runs it: read, placeholders filled with local ARNs, parsed, and
 * `$$.Task.Token` replaced by the intrinsic `States.UUID()`: aws-local-stepfunctions 3 has no task
 * tokens (no `.waitForTaskToken`, no `$$.Task.Token` in its context object), so each wait gets a
 * fresh id as its token, which the runner's simulated Step Functions (src/fake/task-tokens.ts)
 * issues. Only the local copy changes; the deployed ASL keeps `$$.Task.Token` (and its
 * TimeoutSecondsPath, see below).
 */
export function readLocalDefinition(path: string = ASL_PATH): AslMachine {
  const machine = parseDefinition(substitute(readDefinitionText(path), localSubstitutions()));
  for (const { state } of allStates(machine)) {
    replaceTaskToken(state.Parameters);
    // aws-local-stepfunctions evaluates TimeoutSecondsPath against the input after Parameters, not the
    // state's input as AWS does, and times out in real time; the runner enforces the wait's timeout
    // (its backstop, from the Payload) on the run's own clock, so the library's own is set out of reach.
    if (state.TimeoutSecondsPath !== undefined && isCallback(state)) {
      delete state.TimeoutSecondsPath;
      // The longest Node's setTimeout holds (2^31 - 1 ms, about 24 days); a longer one fires at once.
      state.TimeoutSeconds = 2_000_000;
    }
  }
  return machine;
}

function isCallback(state: AslState): boolean {
  return typeof state.Resource === 'string' && state.Resource.endsWith('.waitForTaskToken');
}

function replaceTaskToken(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  const record = value as Record<string, unknown>;
  for (const [key, field] of Object.entries(record)) {
    if (key.endsWith('.$') && field === '$$.Task.Token') record[key] = 'States.UUID()';
    else replaceTaskToken(field);
  }
}

/** Every state of a machine, nested Map item processors and Parallel branches included. */
export function allStates(machine: AslMachine, path: string[] = []): LocatedState[] {
  return Object.entries(machine.States).flatMap(([name, state]) => {
    const nested = [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])].filter(
      (m): m is AslMachine => m !== undefined,
    );
    return [{ name, state, path }, ...nested.flatMap((m) => allStates(m, [...path, name]))];
  });
}

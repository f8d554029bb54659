/**
 * Static checks of every ASL file in statemachine/: valid Amazon States Language, error names that
 * exist, the retry and catch policy, and Task inputs shaped to exactly their handler's schema.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import aslValidator from 'asl-validator';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import type * as z from 'zod/mini';
import { ERROR_NAMES } from '../../src/errors.ts';
import {
  ASL_PATH,
  type AslMachine,
  type AslState,
  allStates,
  listPlaceholders,
  PER_GROUP_STAGES,
  PLACEHOLDERS,
  parseDefinition,
  readDefinitionText,
  readLocalDefinition,
  TASK_STATES,
} from '../../src/local/definition.ts';
import * as schemas from '../../src/schemas.ts';

const STATEMACHINE_DIR = join(import.meta.dirname, '../../statemachine');
const aslFiles = readdirSync(STATEMACHINE_DIR)
  .filter((f) => f.endsWith('.asl.json'))
  .map((f) => join(STATEMACHINE_DIR, f));

/** The errors a Lambda invoke itself can raise; retried with backoff and full jitter. */
const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];
/**
 * Throttling as the SDK names it when it gives up: Auto Scaling `Throttling` ("Rate exceeded"),
 * EC2 `RequestLimitExceeded`, Auto Scaling `ResourceContention` (the SDK's class is
 * `ResourceContentionFault`), and the generic `ThrottlingException` / `TooManyRequestsException`.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/throttling.html
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/CommonErrors.html
 */
const THROTTLING_ERRORS = [
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'ResourceContention',
  'ResourceContentionFault',
  'TooManyRequestsException',
];
/**
 * The one named error of ours that is retried, and only where: RestoreAutoScalingGroup throws
 * RefreshStillActiveError, before changing anything, while a rollback or cancellation still owns the
 * group (AWS refuses the update then), so retrying is waiting for AWS, not repeating a refusal.
 */
const ALLOWED_RETRIED_NAMED_ERRORS: Partial<Record<string, readonly string[]>> = {
  RestoreAutoScalingGroup: ['RefreshStillActiveError'],
};
/** Names that are not ours but may appear in ErrorEquals. */
const ALLOWED_FOREIGN_ERRORS = new Set([...LAMBDA_SERVICE_ERRORS, ...THROTTLING_ERRORS, 'States.ALL']);

function load(path: string): AslMachine {
  return parseDefinition(readDefinitionText(path));
}

function tasks(machine: AslMachine): { name: string; state: AslState }[] {
  return allStates(machine).filter(({ state }) => state.Type === 'Task');
}

describe.each(aslFiles)('%s', (file) => {
  // asl-validator accepts a whole-field `${Name}` Resource as a substitution placeholder, only with the
  // ARN check on (with it off, any string is an ARN and the placeholder matches two schemas).
  it('is valid ASL for asl-validator 4 as written, placeholders unfilled', () => {
    const result = aslValidator(structuredClone(load(file)), { checkArn: true, checkPaths: true });
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('is valid ASL with every placeholder filled, ARNs checked, as CloudFormation would deploy it', () => {
    const filled = readLocalDefinition(file);
    const result = aslValidator(structuredClone(filled), { checkArn: true, checkPaths: true });
    expect(result.errorsText('\n')).toBe('');
  });

  it('is accepted by aws-local-stepfunctions (its own validation) once filled', () => {
    const filled = readLocalDefinition(file);
    expect(() => new StateMachine(filled as unknown as StateMachineDefinition)).not.toThrow();
  });

  it('names only errors from src/errors.ts ERROR_NAMES or the AWS allow-list in ErrorEquals', () => {
    const known = new Set<string>([...ERROR_NAMES, ...ALLOWED_FOREIGN_ERRORS]);
    const used = allStates(load(file)).flatMap(({ state }) =>
      [...(state.Retry ?? []), ...(state.Catch ?? [])].flatMap((r) => r.ErrorEquals),
    );
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((name) => !known.has(name))).toEqual([]);
  });

  it('retries every Lambda service error and throttling name on every Task, with backoff and full jitter', () => {
    // One policy, written out on each Task: the retriers of these AWS names are the same everywhere.
    const awsRetriers = (state: AslState) =>
      (state.Retry ?? []).filter((r) => r.ErrorEquals.some((e) => ALLOWED_FOREIGN_ERRORS.has(e)));
    const [first, ...others] = tasks(load(file));
    for (const { name, state } of others)
      expect(awsRetriers(state), `${name} as ${first?.name}`).toEqual(
        awsRetriers(first?.state ?? { Type: 'Task' }),
      );
    for (const { name, state } of tasks(load(file))) {
      for (const wanted of [LAMBDA_SERVICE_ERRORS, THROTTLING_ERRORS]) {
        for (const error of wanted) {
          const retrier = state.Retry?.find((r) => r.ErrorEquals.includes(error));
          expect(retrier, `${name} retries ${error}`).toBeDefined();
          expect(retrier?.JitterStrategy, `${name} ${error}`).toBe('FULL');
          expect(retrier?.BackoffRate ?? 2, `${name} ${error}`).toBeGreaterThan(1);
          expect(retrier?.MaxAttempts ?? 3, `${name} ${error}`).toBeGreaterThanOrEqual(3);
        }
      }
    }
  });

  it('never retries States.ALL, States.TaskFailed or one of our named errors (bad input is not retried), with one exception', () => {
    const ours = new Set<string>(ERROR_NAMES);
    for (const { name, state } of allStates(load(file))) {
      for (const retrier of state.Retry ?? []) {
        const bad = retrier.ErrorEquals.filter(
          (e) => (e.startsWith('States.') || ours.has(e)) && !ALLOWED_RETRIED_NAMED_ERRORS[name]?.includes(e),
        );
        expect(bad, `${name} retries ${bad.join(', ')}`).toEqual([]);
      }
    }
  });
});

describe('statemachine/asg-patcher.asl.json', () => {
  const text = readDefinitionText(ASL_PATH);
  const machine = parseDefinition(text);
  const byName = new Map(allStates(machine).map((s) => [s.name, s.state]));
  const state = (name: string): AslState => {
    const found = byName.get(name);
    if (!found) throw new Error(`no state ${name}`);
    return found;
  };
  /** The field names a Parameters template produces (`x.$` produces `x`), sorted. */
  const fieldsOf = (template: unknown): string[] =>
    Object.keys(template as Record<string, unknown>)
      .map((k) => k.replace(/\.\$$/, ''))
      .sort();
  /** A template fits a strict schema: no field it does not know, every field it requires. */
  const expectFits = (template: unknown, schema: z.ZodMiniObject, label: string) => {
    const fields = fieldsOf(template);
    const required = Object.keys(schema.shape).filter(
      (key) => !(schema.shape[key] as z.ZodMiniType).safeParse(undefined).success,
    );
    expect(
      fields.filter((f) => !(f in schema.shape)),
      label,
    ).toEqual([]);
    expect(
      required.filter((f) => !fields.includes(f)),
      label,
    ).toEqual([]);
  };

  it('uses exactly one <State>FunctionArn placeholder per Task state, the PLACEHOLDERS list', () => {
    expect(listPlaceholders(text).sort()).toEqual([...PLACEHOLDERS].sort());
    expect(tasks(machine).map(({ name, state }) => [name, state.Resource])).toEqual(
      expect.arrayContaining(TASK_STATES.map((name) => [name, `\${${name}FunctionArn}`])),
    );
    expect(tasks(machine)).toHaveLength(TASK_STATES.length);
  });

  it('catches States.ALL on every per-group stage into a Pass that records the stage, then the restore branch', () => {
    for (const stage of PER_GROUP_STAGES) {
      const catchers = state(stage).Catch ?? [];
      expect(
        catchers.map((c) => c.ErrorEquals),
        stage,
      ).toEqual([['States.ALL']]);
      const [catcher] = catchers;
      expect(catcher?.ResultPath, stage).toBe('$.error');
      const recorder = state(catcher?.Next ?? '');
      expect(recorder.Type, stage).toBe('Pass');
      expect((recorder.Parameters as Record<string, unknown>).stage, stage).toBe(stage);
      expect(recorder.Next, stage).toBe('RestoreAutoScalingGroup');
    }
  });

  it('gives RestoreAutoScalingGroup its own Catch, which still ends the group with a failed result', () => {
    const [waited, catcher] = state('RestoreAutoScalingGroup').Catch ?? [];
    expect(catcher?.ErrorEquals).toEqual(['States.ALL']);
    const fallback = state(catcher?.Next ?? '');
    expect(fallback.Type).toBe('Pass');
    expect(fallback.End).toBe(true);
    expect((fallback.Parameters as Record<string, unknown>).status).toBe('failed');
    // Retries run out while the refresh still runs: the error's own message becomes the note.
    expect(waited).toMatchObject({ ErrorEquals: ['RefreshStillActiveError'], Next: 'RestoreWaitExhausted' });
    expect(state('RestoreWaitExhausted')).toMatchObject({
      Type: 'Pass',
      Parameters: { 'document.$': 'States.StringToJson($.restoreError.Cause)' },
      Next: 'LeftPinnedResult',
    });
    expect(state('LeftPinnedResult')).toMatchObject({
      End: true,
      Parameters: { status: 'failed', 'note.$': '$.restoreError.document.errorMessage' },
    });
  });

  it('retries RefreshStillActiveError on RestoreAutoScalingGroup for about an hour: every 0-60 s (full jitter), 120 times', () => {
    const retriers = state('RestoreAutoScalingGroup').Retry ?? [];
    const waiting = retriers.find((r) => r.ErrorEquals.includes('RefreshStillActiveError'));
    expect(waiting).toEqual({
      ErrorEquals: ['RefreshStillActiveError'],
      IntervalSeconds: 60,
      MaxAttempts: 120,
      BackoffRate: 1,
      JitterStrategy: 'FULL',
    });
    // FULL jitter waits a uniform 0..IntervalSeconds: 120 waits average 60 minutes in all.
    expect(((waiting?.MaxAttempts ?? 0) * (waiting?.IntervalSeconds ?? 0)) / 2 / 60).toBe(60);
  });

  it('only stages that may have pinned the group pass pinned, always with target and newVersion (LeftPinnedResult reads them)', () => {
    for (const stage of PER_GROUP_STAGES) {
      const fields = fieldsOf(state(`${stage}Failed`).Parameters);
      if (fields.includes('pinned'))
        expect(fields, stage).toEqual(expect.arrayContaining(['target', 'newVersion']));
    }
  });

  it('passes the refresh id to the restore branch from the stages after StartInstanceRefresh', () => {
    for (const stage of ['PollInstanceRefresh', 'PromoteDefaultVersion']) {
      expect(
        (state(`${stage}Failed`).Parameters as Record<string, unknown>)['instanceRefreshId.$'],
        stage,
      ).toBe('$.refresh.instanceRefreshId');
    }
  });

  it('polls in a Wait loop whose interval comes from the input settings', () => {
    expect(state('StartInstanceRefresh').Next).toBe('WaitForRefresh');
    expect(state('WaitForRefresh')).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.settings.pollIntervalSeconds',
      Next: 'PollInstanceRefresh',
    });
    expect(state('PollInstanceRefresh').Next).toBe('CheckRefreshStatus');
    expect(state('CheckRefreshStatus')).toMatchObject({
      Default: 'WaitForRefresh',
      Choices: [
        { Variable: '$.refresh.poll.status', StringEquals: 'Successful', Next: 'PromoteDefaultVersion' },
      ],
    });
  });

  it('maps over the groups with the concurrency from the input, and fails only after Summarize', () => {
    expect(state('PatchGroups')).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.asgNames',
      MaxConcurrencyPath: '$.settings.maxConcurrency',
      Next: 'Summarize',
    });
    expect(state('Summarize').Next).toBe('CheckForFailedGroups');
    expect(state('GroupsFailed')).toMatchObject({ Type: 'Fail', Error: 'GroupsFailedError' });
  });

  // https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html: each child
  // execution has its own history (an inline Map shares the parent's 25,000 events); Express children
  // stop after 5 minutes, and a refresh takes longer. Label: at most 40 characters, unique in the
  // definition, no whitespace, brackets, wildcards or the special characters AWS lists.
  it('runs each group as its own Standard child execution, labelled, tolerating no failed child', () => {
    const map = state('PatchGroups');
    expect((map.ItemProcessor as AslMachine).ProcessorConfig).toEqual({
      Mode: 'DISTRIBUTED',
      ExecutionType: 'STANDARD',
    });
    expect(map.Label).toBe('PatchGroup');
    expect(map.Label as string).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    // Every child ends in a GroupResult (each stage catches into the restore branch), so a failed
    // child is a defect: it fails the Map Run (States.ExceedToleratedFailureThreshold) and the run.
    expect(map.ToleratedFailurePercentage).toBe(0);
    expect(map).not.toHaveProperty('ResultWriter');
    expect(map).not.toHaveProperty('ItemReader');
    // One distributed Map, and no Map nested in it (its children would share a child's history).
    const maps = allStates(machine).filter(({ state: s }) => s.Type === 'Map');
    expect(maps.map(({ name, path }) => [name, path])).toEqual([['PatchGroups', []]]);
  });

  // Handlers parse strictly: a Task's Parameters must name exactly its schema's fields.
  const inputSchemas: Record<string, z.ZodMiniObject> = {
    ResolveTargets: schemas.ResolveTargetsInput,
    LookupLaunchTemplate: schemas.LookupLaunchTemplateInput,
    CreatePatchedVersion: schemas.CreatePatchedVersionInput,
    PinAutoScalingGroup: schemas.PinAutoScalingGroupInput,
    StartInstanceRefresh: schemas.StartInstanceRefreshInput,
    PollInstanceRefresh: schemas.PollInstanceRefreshInput,
    PromoteDefaultVersion: schemas.PromoteDefaultVersionInput,
    Summarize: schemas.SummarizeInput,
  };
  it.each(Object.entries(inputSchemas))('shapes the %s input to exactly its schema', (name, schema) => {
    expect(fieldsOf(state(name).Parameters)).toEqual(Object.keys(schema.shape).sort());
  });

  it('shapes every restore-branch input to RestoreAutoScalingGroupInput (required fields always present)', () => {
    for (const stage of PER_GROUP_STAGES)
      expectFits(state(`${stage}Failed`).Parameters, schemas.RestoreAutoScalingGroupInput, stage);
  });

  it('ends a group that got no new version with its CreatePatchedVersion outcome as the status', () => {
    expect(state('CheckPatchOutcome')).toMatchObject({
      Choices: [{ Variable: '$.patched.outcome', StringEquals: 'created', Next: 'PinAutoScalingGroup' }],
      Default: 'UnchangedResult',
    });
    expect(state('UnchangedResult').Parameters).toMatchObject({ 'status.$': '$.patched.outcome' });
    const unchanged = schemas.CreatePatchedVersionOutput.shape.outcome.options.filter((o) => o !== 'created');
    expect(unchanged).toEqual(['alreadyCurrent', 'dryRun']);
    expect(schemas.GroupResult.shape.status.options).toEqual(expect.arrayContaining(unchanged));
  });

  it('ends every iteration with a Pass or Task whose output is a GroupResult', () => {
    const group = state('PatchGroups').ItemProcessor as AslMachine;
    const ends = Object.entries(group.States).filter(([, s]) => s.End === true);
    expect(ends.map(([name]) => name).sort()).toEqual([
      'LeftPinnedResult',
      'RestoreAutoScalingGroup',
      'RestoreFailedResult',
      'SucceededResult',
      'SucceededWithNoteResult',
      'UnchangedResult',
    ]);
    for (const [name, s] of ends.filter(([, s]) => s.Type === 'Pass'))
      expectFits(s.Parameters, schemas.GroupResult, name);
  });
});

describe('README "## State machine" diagram', () => {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
  const section = readme.split(/^## State machine$/m)[1]?.split(/^## /m)[0] ?? '';
  const diagram = /```mermaid\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const stateNames = allStates(parseDefinition(readDefinitionText(ASL_PATH))).map((s) => s.name);

  it('is a flowchart TD showing every state of the ASL under its exact name', () => {
    expect(diagram.startsWith('flowchart TD\n')).toBe(true);
    const words = new Set(diagram.split(/[^A-Za-z]+/));
    expect(stateNames.filter((name) => !words.has(name))).toEqual([]);
  });

  it('names no node that is not a state', () => {
    const leading = diagram
      .split('\n')
      .slice(1)
      .map((line) => /^\s*([A-Za-z]+)/.exec(line)?.[1])
      .filter((id): id is string => id !== undefined && id !== 'subgraph' && id !== 'end');
    expect(leading.filter((id) => !stateNames.includes(id))).toEqual([]);
  });
});

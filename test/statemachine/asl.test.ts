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
  CALLBACK_STATES,
  listPlaceholders,
  PAGE_STATES,
  PER_ITEM_STAGES,
  PLACEHOLDERS,
  parseDefinition,
  readDefinitionText,
  readLocalDefinition,
  TASK_STATES,
  type TaskStateName,
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
  // The invoke timed out on the Step Functions side, or the function died without an answer
  // (Lambda.Unknown: out of memory, a runtime crash): the work may be done, and each step is safe to repeat.
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.Unknown',
  // The Task's own timeout (the invoke outlived TimeoutSeconds or the function's): likewise a repeat.
  'States.Timeout',
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

/** Each phase: its Map over pages, its page states, its Map over records, the page kind, the record. */
const PHASES = [
  ['PinGroupPages', 'LoadPinPage', 'PinAutoScalingGroups', 'SavePinPage', 'groups', 'group'],
  [
    'CreateVersionPages',
    'LoadCreatePage',
    'CreatePatchedVersions',
    'SaveCreatePage',
    'templates',
    'template',
  ],
  ['RefreshGroupPages', 'LoadRefreshPage', 'RefreshGroups', 'SaveRefreshPage', 'groups', 'group'],
  [
    'PromoteTemplatePages',
    'LoadPromotePage',
    'PromoteDefaultVersions',
    'SavePromotePage',
    'templates',
    'template',
  ],
  ['RestoreGroupPages', 'LoadRestorePage', 'RestoreAutoScalingGroups', 'SaveRestorePage', 'groups', 'group'],
  ['CleanUpTemplatePages', 'LoadCleanUpPage', 'CleanUpVersions', 'SaveCleanUpPage', 'templates', 'template'],
] as const;

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
    // A callback Task (AwaitRefreshEvent) never retries States.Timeout: there it is the backstop
    // (TimeoutSecondsPath), caught into one poll, not a Lambda that timed out.
    const isCallback = (name: string) => (CALLBACK_STATES as readonly string[]).includes(name);
    const withoutTimeout = (retriers: ReturnType<typeof awsRetriers>) =>
      retriers.map((r) => ({ ...r, ErrorEquals: r.ErrorEquals.filter((e) => e !== 'States.Timeout') }));
    const [first, ...others] = tasks(load(file));
    for (const { name, state } of others)
      expect(awsRetriers(state), `${name} as ${first?.name}`).toEqual(
        isCallback(name)
          ? withoutTimeout(awsRetriers(first?.state ?? { Type: 'Task' }))
          : awsRetriers(first?.state ?? { Type: 'Task' }),
      );
    for (const { name, state } of tasks(load(file))) {
      for (const wanted of [LAMBDA_SERVICE_ERRORS, THROTTLING_ERRORS]) {
        for (const error of wanted) {
          if (isCallback(name) && error === 'States.Timeout') {
            expect(
              state.Retry?.some((r) => r.ErrorEquals.includes(error)),
              name,
            ).toBe(false);
            continue;
          }
          const retrier = state.Retry?.find((r) => r.ErrorEquals.includes(error));
          expect(retrier, `${name} retries ${error}`).toBeDefined();
          expect(retrier?.JitterStrategy, `${name} ${error}`).toBe('FULL');
          expect(retrier?.BackoffRate ?? 2, `${name} ${error}`).toBeGreaterThan(1);
          expect(retrier?.MaxAttempts ?? 3, `${name} ${error}`).toBeGreaterThanOrEqual(3);
        }
      }
    }
  });

  it('never retries States.ALL, States.TaskFailed or one of our named errors (bad input is not retried), with one exception; States.Timeout only as a Lambda invoke error', () => {
    const ours = new Set<string>(ERROR_NAMES);
    for (const { name, state } of allStates(load(file))) {
      for (const retrier of state.Retry ?? []) {
        const bad = retrier.ErrorEquals.filter(
          (e) =>
            ((e.startsWith('States.') && e !== 'States.Timeout') || ours.has(e)) &&
            !ALLOWED_RETRIED_NAMED_ERRORS[name]?.includes(e),
        );
        expect(bad, `${name} retries ${bad.join(', ')}`).toEqual([]);
      }
    }
  });
});

describe('statemachine/asg-patcher.asl.json', () => {
  const text = readDefinitionText(ASL_PATH);
  const machine = parseDefinition(text);
  const located = allStates(machine);
  const byName = new Map(located.map((s) => [s.name, s]));
  /** The Maps over records (inside each phase's page child), as opposed to the Maps over pages. */
  const recordMaps = located.filter(({ state: s, path }) => s.Type === 'Map' && path.length === 1);
  const state = (name: string): AslState => {
    const found = byName.get(name)?.state;
    if (!found) throw new Error(`no state ${name}`);
    return found;
  };
  /** The Map state a state sits in (its innermost one). */
  const mapOf = (name: string): AslState => state(byName.get(name)?.path.at(-1) ?? '');
  /** The field names a Parameters template produces (`x.$` produces `x`), sorted. */
  const fieldsOf = (template: unknown): string[] =>
    Object.keys(template as Record<string, unknown>)
      .map((k) => k.replace(/\.\$$/, ''))
      .sort();
  /** `$.group.pin` -> ['group', 'pin']. */
  const pathOf = (jsonPath: unknown): string[] =>
    String(jsonPath)
      .replace(/^\$\.?/, '')
      .split('.')
      .filter(Boolean);

  it('uses exactly one <State>FunctionArn placeholder per Task state, the PLACEHOLDERS list', () => {
    expect(listPlaceholders(text).sort()).toEqual([...PLACEHOLDERS].sort());
    // A callback Task's Resource is the waitForTaskToken integration; its Lambda is Parameters.FunctionName.
    const functionOf = (state: AslState) =>
      state.Resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken'
        ? (state.Parameters as { FunctionName?: unknown } | undefined)?.FunctionName
        : state.Resource;
    // A page state invokes its page function (state names are unique; the two functions serve all).
    const expected = [
      ...TASK_STATES.map((name) => [name, `\${${name}FunctionArn}`]),
      ...Object.entries(PAGE_STATES).map(([name, fn]) => [name, `\${${fn}FunctionArn}`]),
    ];
    expect(tasks(machine).map(({ name, state }) => [name, functionOf(state)])).toEqual(
      expect.arrayContaining(expected),
    );
    expect(tasks(machine)).toHaveLength(expected.length);
  });

  it('runs the phases in order: plan, pin, create, refresh, promote, restore, clean up, summarize', () => {
    const top = Object.keys(machine.States);
    const next = (name: string) => state(name).Next;
    expect(machine.StartAt).toBe('ResolveTargets');
    const order = ['ResolveTargets', 'LookupLaunchTemplate', 'CheckDryRun'];
    expect(order.slice(1)).toEqual(order.slice(0, -1).map(next));
    expect(state('CheckDryRun')).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.settings.dryRun', BooleanEquals: true, Next: 'Summarize' }],
      Default: 'PinGroupPages',
    });
    const phases = [...PHASES.map(([pages]) => pages), 'Summarize', 'CheckForFailedGroups'];
    expect(phases.slice(1)).toEqual(phases.slice(0, -1).map(next));
    expect(top).toEqual(expect.arrayContaining([...order, ...phases]));
    expect(state('GroupsFailed')).toMatchObject({ Type: 'Fail', Error: 'GroupsFailedError' });
  });

  it('runs each phase over pages: load the page from the ledger, map over its records (writing each back in place, at the input’s concurrency), save the page', () => {
    for (const [pages, load, inner, save, kind, record] of PHASES) {
      const outer = state(pages);
      expect(outer, pages).toMatchObject({
        Type: 'Map',
        ItemsPath: kind === 'groups' ? '$.pages.groupPages' : '$.pages.templatePages',
        // The pages' children return only which page they saved (not null: serverless drops nulls).
        ResultPath: '$.saved',
        // One page at a time: maxConcurrency still bounds the records in flight.
        MaxConcurrency: 1,
      });
      expect((outer.ItemSelector as Record<string, unknown>)['page.$'], pages).toBe('$$.Map.Item.Value');
      const child = outer.ItemProcessor as AslMachine;
      expect(child.StartAt, pages).toBe(load);
      expect(state(load), load).toMatchObject({
        Parameters: { 'runId.$': '$.settings.runId', kind, 'page.$': '$.page' },
        ResultPath: '$.records',
        Next: inner,
      });
      const map = state(inner);
      expect(map, inner).toMatchObject({
        Type: 'Map',
        ItemsPath: `$.records.${kind}`,
        ResultPath: `$.records.${kind}`,
        MaxConcurrencyPath: '$.settings.maxConcurrency',
        Next: save,
      });
      expect((map.ItemSelector as Record<string, unknown>)[`${record}.$`], inner).toBe('$$.Map.Item.Value');
      expect(state(save), save).toMatchObject({
        Parameters: { 'runId.$': '$.settings.runId', kind, 'page.$': '$.page', 'records.$': '$.records' },
        End: true,
      });
      // No ResultPath: the default ($) makes the small result the child's whole output
      // (aws-local-stepfunctions 3 mishandles an explicit "$", writing a field named "$").
      expect(state(save), save).not.toHaveProperty('ResultPath');
      expect(Object.keys(child.States).sort(), pages).toEqual([load, inner, save].sort());
    }
    // Exactly these Maps: each phase's over pages at the top, its Map over records inside it.
    const maps = located.filter(({ state: s }) => s.Type === 'Map');
    expect(maps.map(({ name, path }) => [name, path])).toEqual(
      PHASES.flatMap(([pages, , inner]) => [
        [pages, []],
        [inner, [pages]],
      ]),
    );
  });

  // https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html: each child
  // execution has its own history (an inline Map shares the parent's 25,000 events); Express children
  // stop after 5 minutes, and a refresh takes longer. Label: at most 40 characters, unique in the
  // definition, no whitespace, brackets, wildcards or the special characters AWS lists.
  it('runs each page, and each group of the waiting phases (refresh, restore), as its own Standard child execution, labelled, tolerating no failed child; the rest inline', () => {
    const distributed = located.filter(
      ({ state: s }) =>
        s.Type === 'Map' &&
        ((s.ItemProcessor as AslMachine).ProcessorConfig as { Mode?: string } | undefined)?.Mode ===
          'DISTRIBUTED',
    );
    // Every page is a child; so is every group of the waiting phases, inside its page's child.
    expect(distributed.map(({ name, state: s }) => [name, s.Label])).toEqual([
      ['PinGroupPages', 'PinGroupPage'],
      ['CreateVersionPages', 'CreateTemplatePage'],
      ['RefreshGroupPages', 'RefreshGroupPage'],
      ['RefreshGroups', 'RefreshGroup'],
      ['PromoteTemplatePages', 'PromoteTemplatePage'],
      ['RestoreGroupPages', 'RestoreGroupPage'],
      ['RestoreAutoScalingGroups', 'RestoreGroup'],
      ['CleanUpTemplatePages', 'CleanUpTemplatePage'],
    ]);
    for (const { name, state: map } of distributed) {
      expect((map.ItemProcessor as AslMachine).ProcessorConfig, name).toEqual({
        Mode: 'DISTRIBUTED',
        ExecutionType: 'STANDARD',
      });
      expect(map.Label as string, name).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
      // Every child ends with its group record (each stage catches into it), so a failed child is a
      // defect: it fails the Map Run (States.ExceedToleratedFailureThreshold) and the run.
      expect(map.ToleratedFailurePercentage, name).toBe(0);
      expect(map, name).not.toHaveProperty('ResultWriter');
      expect(map, name).not.toHaveProperty('ItemReader');
    }
    for (const { name, state: s } of located.filter(
      ({ state: s }) => s.Type === 'Map' && !distributed.some((d) => d.state === s),
    ))
      expect((s.ItemProcessor as AslMachine).ProcessorConfig, name).toEqual({ Mode: 'INLINE' });
  });

  it('lists PER_ITEM_STAGES as exactly the Tasks inside a Map over records (not the page states)', () => {
    const inMaps = tasks(machine)
      .filter(({ name }) => (byName.get(name)?.path.length ?? 0) > 1)
      .map(({ name }) => name);
    expect(
      tasks(machine)
        .filter(({ name }) => byName.get(name)?.path.length === 1)
        .map(({ name }) => name)
        .sort(),
    ).toEqual(Object.keys(PAGE_STATES).sort());
    expect(inMaps.sort()).toEqual([...PER_ITEM_STAGES].sort());
  });

  it('writes each per-item stage’s result into its record and catches States.ALL into the record’s <stage>Error, then a Pass that outputs the record', () => {
    const recordSchemas: Record<string, z.ZodMiniObject> = {
      group: schemas.GroupRecord,
      template: schemas.TemplateRecord,
    };
    for (const stage of PER_ITEM_STAGES) {
      const task = state(stage);
      const [record = '', field = ''] = pathOf(task.ResultPath);
      const schema = recordSchemas[record];
      expect(schema, `${stage} ResultPath ${task.ResultPath}`).toBeDefined();
      expect(pathOf(task.ResultPath), stage).toHaveLength(2);
      expect(Object.keys(schema?.shape ?? {}), stage).toContain(field);

      // A callback Task first catches its backstop's States.Timeout into one poll (tested above).
      const catchers = (task.Catch ?? []).filter(
        (c) =>
          !((CALLBACK_STATES as readonly string[]).includes(stage) && c.ErrorEquals[0] === 'States.Timeout'),
      );
      expect(
        catchers.map((c) => c.ErrorEquals),
        stage,
      ).toEqual([['States.ALL']]);
      const [catcher] = catchers;
      const [catchRecord, errorField = ''] = pathOf(catcher?.ResultPath);
      expect(catchRecord, stage).toBe(record);
      expect(errorField, stage).toMatch(/Error$/);
      // The record's schema takes a caught error there (ResultPath into a field it does not know would fail the next stage).
      const errorSchema = schema?.shape[errorField] as z.ZodMiniType | undefined;
      expect(
        errorSchema?.safeParse({ Error: 'X', Cause: '{}' }).success,
        `${stage}: ${record}.${errorField}`,
      ).toBe(true);
      const pass = state(catcher?.Next ?? '');
      expect(pass, stage).toMatchObject({ Type: 'Pass', OutputPath: `$.${record}`, End: true });
      expect(pass, stage).not.toHaveProperty('Parameters');
      // Every item of the Map is this record type: the Map hands it over under that name.
      expect((mapOf(stage).ItemSelector as Record<string, unknown>)[`${record}.$`], stage).toBe(
        '$$.Map.Item.Value',
      );
    }
  });

  it('ends every iteration with the record it was handed, whichever way it went', () => {
    for (const { name, state: map } of recordMaps) {
      const items = map.ItemProcessor as AslMachine;
      const record = Object.entries(map.ItemSelector as Record<string, string>).find(
        ([, v]) => v === '$$.Map.Item.Value',
      )?.[0];
      const ends = Object.entries(items.States).filter(([, s]) => s.End === true);
      expect(ends.length, name).toBeGreaterThan(0);
      for (const [end, s] of ends) {
        expect(['Pass', 'Task'], `${name}/${end}`).toContain(s.Type);
        expect(s.OutputPath, `${name}/${end}`).toBe(`$.${record?.replace(/\.\$$/, '')}`);
      }
      // No iteration ends anywhere else (a Fail or a Succeed would drop the record).
      expect(
        Object.values(items.States).filter((s) => s.Type === 'Fail' || s.Type === 'Succeed'),
        name,
      ).toEqual([]);
    }
  });

  it('skips a record its phase has nothing for through a Choice whose Default outputs the record unchanged', () => {
    for (const { name, state: map } of recordMaps) {
      const items = map.ItemProcessor as AslMachine;
      const first = items.States[items.StartAt];
      expect(first?.Type, name).toBe('Choice');
      const skipped = items.States[String(first?.Default)];
      expect(skipped, name).toMatchObject({ Type: 'Pass', End: true });
      expect(skipped, name).not.toHaveProperty('Parameters');
    }
  });

  it('locks every group that takes part before pinning it, the lock lasting the run (its settings and group count)', () => {
    expect(state('ShouldPin')).toMatchObject({
      Choices: [expect.objectContaining({ Next: 'LockAutoScalingGroup' })],
      Default: 'PinSkipped',
    });
    expect(state('LockAutoScalingGroup')).toMatchObject({
      Parameters: { 'group.$': '$.group', 'settings.$': '$.settings', 'groupCount.$': '$.groupCount' },
      ResultPath: '$.group.lock',
      Next: 'PinAutoScalingGroup',
    });
    expect(state('PinGroupPages').ItemSelector).toEqual({
      'page.$': '$$.Map.Item.Value',
      'settings.$': '$.settings',
      'groupCount.$': '$.pages.groupCount',
    });
    expect(state('PinAutoScalingGroups').ItemSelector).toEqual({
      'group.$': '$$.Map.Item.Value',
      'settings.$': '$.settings',
      'groupCount.$': '$.groupCount',
    });
    // A group another run holds is neither pinned, nor refreshed, nor restored: only held groups go on.
    const held = { Variable: '$.group.lock', IsPresent: true };
    expect(state('ShouldRestore').Choices).toEqual([
      {
        And: [
          {
            Or: [
              { Variable: '$.group.action', StringEquals: 'patch' },
              { Variable: '$.group.action', StringEquals: 'refreshOnly' },
            ],
          },
          held,
        ],
        Next: 'RestoreAutoScalingGroup',
      },
    ]);
  });

  it('refreshes only groups that take part, that this run holds and pinned, and creates only for templates that change', () => {
    expect(state('ShouldRefresh').Choices).toEqual([
      {
        And: [
          {
            Or: [
              { Variable: '$.group.action', StringEquals: 'patch' },
              { Variable: '$.group.action', StringEquals: 'refreshOnly' },
            ],
          },
          { Variable: '$.group.lock', IsPresent: true },
          { Not: { Variable: '$.group.pinError', IsPresent: true } },
        ],
        Next: 'StartInstanceRefresh',
      },
    ]);
    expect(state('ShouldCreate').Choices).toEqual([
      { Variable: '$.template.changes', BooleanEquals: true, Next: 'CreatePatchedVersion' },
    ]);
  });

  // aws-local-stepfunctions evaluates `IsPresent: false` wrongly (as if it were true), so the ASL says
  // `Not: { IsPresent: true }`, which both it and Step Functions read the same way.
  it('never uses IsPresent: false', () => {
    expect(text).not.toMatch(/"IsPresent"\s*:\s*false/);
  });

  it('polls in a Wait loop whose interval comes from the input settings, until the refresh is terminal', () => {
    expect(state('StartInstanceRefresh')).toMatchObject({
      Next: 'CheckRefreshStatus',
      ResultPath: '$.group.refresh',
    });
    expect(state('WaitForRefresh')).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.settings.pollIntervalSeconds',
      Next: 'PollInstanceRefresh',
    });
    expect(state('PollInstanceRefresh')).toMatchObject({
      Next: 'CheckRefreshStatus',
      ResultPath: '$.group.refresh',
    });
    expect(state('CheckRefreshStatus')).toMatchObject({
      Default: 'WaitForRefresh',
      Choices: [
        { Variable: '$.group.refresh.terminal', BooleanEquals: true, Next: 'RefreshEnded' },
        { Variable: '$.settings.waitMode', StringEquals: 'events', Next: 'AwaitRefreshEvent' },
      ],
    });
  });

  it('in events mode waits on a task token with the backstop as its timeout, which leads to one poll', () => {
    expect(state('AwaitRefreshEvent')).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: `\${AwaitRefreshEventFunctionArn}`,
        Payload: {
          'taskToken.$': '$$.Task.Token',
          'runId.$': '$.settings.runId',
          'asgName.$': '$.group.asgName',
          'refresh.$': '$.group.refresh',
          'backstopSeconds.$': '$.settings.backstopSeconds',
        },
      },
      TimeoutSecondsPath: '$.settings.backstopSeconds',
      // SendTaskSuccess's output is the RefreshProgress that CheckRefreshStatus reads.
      ResultPath: '$.group.refresh',
      Next: 'CheckRefreshStatus',
      Catch: [
        // Not ResultPath null: serverless package drops null values from the deployed definition,
        // which would replace the state with the error. Beside the record, it never leaves the child.
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.backstop', Next: 'PollInstanceRefresh' },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.group.refreshError', Next: 'RefreshFailed' },
      ],
    });
    // Each Payload field is the handler's contract.
    const payload = (state('AwaitRefreshEvent').Parameters as { Payload: Record<string, unknown> }).Payload;
    expect(fieldsOf(payload)).toEqual(Object.keys(schemas.AwaitRefreshEventInput.shape).sort());
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

  it('fails the run only after Summarize, naming the failed groups', () => {
    expect(state('CheckForFailedGroups')).toMatchObject({
      Choices: [{ Variable: '$.counts.failed', NumericGreaterThan: 0, Next: 'ListFailedGroups' }],
      Default: 'Done',
    });
    expect(state('ListFailedGroups').Next).toBe('DescribeFailedGroups');
    expect(state('DescribeFailedGroups').Next).toBe('GroupsFailed');
    expect(state('GroupsFailed')).toMatchObject({
      Type: 'Fail',
      Error: 'GroupsFailedError',
      CausePath: '$.cause',
    });
  });

  // Handlers parse strictly: a Task's Parameters must name exactly its schema's fields.
  const inputSchemas: Record<TaskStateName, z.ZodMiniObject> = {
    ResolveTargets: schemas.ResolveTargetsInput,
    LookupLaunchTemplate: schemas.LookupLaunchTemplateInput,
    LockAutoScalingGroup: schemas.LockAutoScalingGroupInput,
    PinAutoScalingGroup: schemas.PinAutoScalingGroupInput,
    CreatePatchedVersion: schemas.CreatePatchedVersionInput,
    StartInstanceRefresh: schemas.StartInstanceRefreshInput,
    PollInstanceRefresh: schemas.PollInstanceRefreshInput,
    AwaitRefreshEvent: schemas.AwaitRefreshEventInput,
    PromoteDefaultVersion: schemas.PromoteDefaultVersionInput,
    RestoreAutoScalingGroup: schemas.RestoreAutoScalingGroupInput,
    DeleteUnusedVersions: schemas.DeleteUnusedVersionsInput,
    Summarize: schemas.SummarizeInput,
  };
  /** What a Task's Lambda gets: its Parameters, or a callback Task's Parameters.Payload. */
  const lambdaInputOf = (name: string): Record<string, unknown> => {
    const parameters = state(name).Parameters as Record<string, unknown>;
    return (CALLBACK_STATES as readonly string[]).includes(name)
      ? (parameters.Payload as Record<string, unknown>)
      : parameters;
  };
  it.each(Object.entries(inputSchemas))('shapes the %s input to exactly its schema', (name, schema) => {
    expect(fieldsOf(lambdaInputOf(name))).toEqual(Object.keys(schema.shape).sort());
  });

  it('feeds each per-item Task only from what its Map’s ItemSelector hands over', () => {
    for (const stage of PER_ITEM_STAGES) {
      const handed = fieldsOf(mapOf(stage).ItemSelector);
      const read = Object.entries(lambdaInputOf(stage))
        .filter(([key, path]) => key.endsWith('.$') && !String(path).startsWith('$$.'))
        .map(([, path]) => pathOf(path)[0]);
      expect(
        read.filter((root) => !handed.includes(root ?? '')),
        stage,
      ).toEqual([]);
    }
  });
});

// The README's diagram (every state, no conditions) and docs/how-a-run-works.md's (every condition).
describe.each([
  ['README.md', 'State machine'],
  ['docs/how-a-run-works.md', 'The state machine'],
])('%s "## %s" diagram', (file, heading) => {
  const text = readFileSync(join(import.meta.dirname, '../..', file), 'utf8');
  const section = text.split(new RegExp(`^## ${heading}$`, 'm'))[1]?.split(/^## /m)[0] ?? '';
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

/**
 * `npm run bench`, section "Fleet scale": local runs of the real state machine on fleets of N groups
 * over about N / 3.3 launch templates (5,000 over 1,500 at the top), every refresh 60 simulated
 * minutes long, in both wait modes. Printed per size: wall time, API calls by operation (total and
 * per group), describes repeated, state transitions and Lambda invocations per group, the history
 * events of the parent and of the largest child execution (model, below), and the largest state.
 *
 * History model (the event types of https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html):
 * a Lambda Task writes 5 events (Entered, Scheduled, Started, Succeeded/Failed, Exited) and 3 more
 * per retry; a Choice, Pass or Wait 2; a Map 4 (Entered, Started, Succeeded, Exited), plus MapRunStarted
 * and MapRunSucceeded when distributed, plus 2 per iteration when inline (MapIterationStarted,
 * MapIterationSucceeded); every execution 2 (ExecutionStarted, its end). A distributed Map's items
 * run as child executions, each with its own history
 * (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html): here every page
 * of every phase, and inside the refresh and restore pages every group.
 */
import { performance } from 'node:perf_hooks';
import { FakeAccount, type FakeAccountOptions } from '../src/fake/account.ts';
import { THROTTLING } from '../src/fake/errors.ts';
import type { FakeRefreshStatus } from '../src/fake/instance-refreshes.ts';
import { allStates, PAGE_STATES, readLocalDefinition } from '../src/local/definition.ts';
import { type RunStateMachineResult, runStateMachine, type StageEvent } from '../src/local/runner.ts';

export interface FleetFigures {
  groups: number;
  templates: number;
  waitMode: 'events' | 'polling';
  status: string;
  failed: number;
  wallSeconds: number;
  callsByOperation: Record<string, number>;
  /** Describe calls made again with the same input within one Lambda invocation. */
  repeatedDescribes: Record<string, number>;
  throttles: Record<string, number>;
  transitionsPerGroup: number;
  invocationsPerGroup: number;
  sharedTransitions: number;
  sharedInvocations: number;
  parentHistory: number;
  largestChildHistory: { events: number; child: string };
  largestState: { bytes: number; state: string };
  largestParentState: { bytes: number; state: string };
}

const REFRESH_MINUTES = 60;

/** `count` launch templates, each one version with a small customer script; returns their ids. */
export function addFleetTemplates(
  account: FakeAccount,
  count: number,
  name: (t: number) => string,
): string[] {
  return Array.from(
    { length: count },
    (_, t) =>
      account.addLaunchTemplate({
        name: name(t),
        versions: [
          {
            data: {
              ImageId: 'ami-0a1b2c3d4e5f60718',
              InstanceType: 'm7g.large',
              UserData: Buffer.from(`#!/bin/bash\nsystemctl enable --now app-${t}.service\n`).toString(
                'base64',
              ),
            },
          },
        ],
      }).id,
  );
}

/** `groups` groups on `templates` templates (round robin), each refresh 60 one-minute steps. */
export function fleetAccount(
  groups: number,
  templates: number,
  options: FakeAccountOptions = {},
): FakeAccount {
  const account = new FakeAccount(options);
  const script: FakeRefreshStatus[] = [
    'Pending',
    ...Array.from({ length: REFRESH_MINUTES - 2 }, () => 'InProgress' as const),
    'Successful',
  ];
  const ids = addFleetTemplates(account, templates, (t) => `fleet-lt-${String(t).padStart(4, '0')}`);
  for (let g = 0; g < groups; g++) {
    const name = `fleet-${String(g).padStart(4, '0')}`;
    account.addAutoScalingGroup({
      name,
      launchTemplate: { LaunchTemplateId: ids[g % templates] as string, Version: '$Default' },
      desiredCapacity: 2,
      tags: { 'asg-patcher': 'enabled' },
    });
    account.setRefreshScript(name, script);
  }
  return account;
}

let shapes: ReturnType<typeof readMapShapes> | undefined;
/** The Map states of the definition, read once. */
const mapShapes = () => {
  shapes ??= readMapShapes();
  return shapes;
};

/** The Map states of the definition: which are inline, which distributed, and their first states. */
function readMapShapes(): {
  groupChildStates: Set<string>;
  inlineStarts: Set<string>;
  distributed: Set<string>;
} {
  const located = allStates(readLocalDefinition() as unknown as Parameters<typeof allStates>[0]);
  const groupChildStates = new Set<string>();
  const inlineStarts = new Set<string>();
  const distributed = new Set<string>();
  for (const { name, state, path } of located) {
    if (state.Type !== 'Map' || !state.ItemProcessor) continue;
    const mode = (state.ItemProcessor.ProcessorConfig as { Mode?: string } | undefined)?.Mode;
    if (mode === 'DISTRIBUTED') distributed.add(name);
    else inlineStarts.add(state.ItemProcessor.StartAt);
    // A distributed Map inside a page's child: each of its items (a group) is a child of its own.
    if (mode === 'DISTRIBUTED' && path.length > 0)
      for (const inner of Object.keys(state.ItemProcessor.States)) groupChildStates.add(inner);
  }
  return { groupChildStates, inlineStarts, distributed };
}

/**
 * The execution each event happens in: `parent`, a page's child (`LoadPinPage#3`: pages of a phase
 * run one at a time, so every event between a page's load and its save is that page's), or a
 * group's child inside a page (`LoadRefreshPage:<asgName>`).
 */
function executionsOf(events: StageEvent[]): string[] {
  const { groupChildStates } = mapShapes();
  let page: string | undefined;
  let pages = 0;
  return events.map((event) => {
    const name = event.state ?? '';
    const isPageState = name in PAGE_STATES;
    if (event.type === 'entered' && isPageState && name.startsWith('Load')) page = `${name}#${pages++}`;
    const execution =
      groupChildStates.has(name) && event.asgName !== undefined
        ? `${page?.split('#')[0]}:${event.asgName}`
        : (page ?? 'parent');
    if (event.type === 'exited' && isPageState && name.startsWith('Save')) page = undefined;
    return execution;
  });
}

/** History events per execution (model above): the parent, each page child, each group child. */
export function historyEvents(
  events: StageEvent[],
  executions = executionsOf(events),
): { parent: number; children: Map<string, number> } {
  const { inlineStarts, distributed } = mapShapes();
  const histories = new Map<string, number>([['parent', 2]]);
  events.forEach((event, index) => {
    const name = event.state ?? '';
    let count = 0;
    if (event.type === 'entered') {
      if (event.stateType === 'Task') count = 5;
      else if (event.stateType === 'Map') count = distributed.has(name) ? 6 : 4;
      else count = 2;
      if (inlineStarts.has(name)) count += 2;
    } else if (event.type === 'retried') count = 3;
    const execution = executions[index] as string;
    if (count > 0) histories.set(execution, (histories.get(execution) ?? 2) + count);
  });
  const parent = histories.get('parent') ?? 0;
  histories.delete('parent');
  return { parent, children: histories };
}

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');

function largest(events: StageEvent[], filter: (e: StageEvent) => boolean): { bytes: number; state: string } {
  let best = { bytes: 0, state: '' };
  for (const e of events)
    if (e.type === 'exited' && filter(e)) {
      const size = e.outputBytes ?? bytes(e.output);
      if (size > best.bytes) best = { bytes: size, state: e.state ?? '' };
    }
  return best;
}

const AFTER_SUMMARIZE = new Set([
  'Summarize',
  'CheckForFailedGroups',
  'ListFailedGroups',
  'DescribeFailedGroups',
  'Done',
]);

/**
 * Per group: every state entered (and retry) and every Lambda invoked with that group's record
 * (OnRefreshEvent included); shared: the rest (run-level, per template, per page).
 */
export function perGroupFigures(result: RunStateMachineResult, groups: number) {
  const counted = result.events.filter((e) => e.type === 'entered' || e.type === 'retried');
  const perGroup = counted.filter((e) => e.asgName !== undefined).length;
  const invokedPerGroup = result.lambdaInvocations.filter((i) => i.asgName !== undefined).length;
  return {
    transitionsPerGroup: perGroup / groups,
    invocationsPerGroup: invokedPerGroup / groups,
    sharedTransitions: counted.length - perGroup,
    sharedInvocations: result.lambdaInvocations.length - invokedPerGroup,
  };
}

/** Each service's throttling answer, as the simulated account gives it. */
const THROTTLING_ERRORS = new Set(Object.values(THROTTLING));

export async function measureFleet(
  groups: number,
  templates: number,
  waitMode: 'events' | 'polling',
  accountOptions: FakeAccountOptions = {},
): Promise<FleetFigures> {
  const account = fleetAccount(groups, templates, accountOptions);
  const started = performance.now();
  const result: RunStateMachineResult = await runStateMachine({
    input: {
      targets: { tags: [{ key: 'asg-patcher', values: ['enabled'] }] },
      maxConcurrency: 40,
      maxWaitSeconds: 4 * 3600,
      waitMode,
      pollIntervalSeconds: 60,
    },
    account,
    runId: `bench-fleet-${groups}-${waitMode}`,
    eventOutputs: 'size',
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const callsByOperation: Record<string, number> = {};
  const throttles: Record<string, number> = {};
  const seen = new Map<string, number>();
  const repeatedDescribes: Record<string, number> = {};
  for (const call of account.calls) {
    callsByOperation[call.command] = (callsByOperation[call.command] ?? 0) + 1;
    if (call.error && THROTTLING_ERRORS.has(call.error))
      throttles[call.command] = (throttles[call.command] ?? 0) + 1;
    // Within one Lambda invocation (src/fake/invocation.ts): its answer was in hand. A later stage
    // reads the truth again on purpose (it may have changed), and the SDK resends a throttled call.
    if (!call.command.startsWith('Describe') || call.error) continue;
    const key = `${call.invocation} ${call.command} ${JSON.stringify(call.input)}`;
    const times = (seen.get(key) ?? 0) + 1;
    seen.set(key, times);
    if (times > 1) repeatedDescribes[call.command] = (repeatedDescribes[call.command] ?? 0) + 1;
  }
  const executions = executionsOf(result.events);
  const history = historyEvents(result.events, executions);
  let largestChild = { events: 0, child: '' };
  for (const [child, events] of history.children)
    if (events > largestChild.events) largestChild = { events, child };
  const inParent = new Set(result.events.filter((_, i) => executions[i] === 'parent'));
  return {
    groups,
    templates,
    waitMode,
    status: result.status,
    failed: result.summary?.counts.failed ?? groups,
    wallSeconds,
    callsByOperation,
    repeatedDescribes,
    throttles,
    ...perGroupFigures(result, groups),
    parentHistory: history.parent,
    largestChildHistory: largestChild,
    largestState: largest(result.events, () => true),
    // Outside every page: the parent's own states (a page's states are in its child). Summarize's
    // output is counted apart: fitSummary caps it at SUMMARY_BYTES whatever the fleet.
    largestParentState: largest(result.events, (e) => inParent.has(e) && !AFTER_SUMMARIZE.has(e.state ?? '')),
  };
}

/** Sizes: groups and templates (about 3.3 groups per template, as 5,000 over 1,500). */
export const FLEET_SIZES: [number, number][] = [
  [10, 3],
  [100, 30],
  [1000, 300],
  [5000, 1500],
];

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

export async function printFleetScale(
  sizes: [number, number][] = FLEET_SIZES,
  accountOptions: FakeAccountOptions = {},
  modes: ('events' | 'polling')[] = ['events', 'polling'],
): Promise<FleetFigures[]> {
  const { default: Table } = await import('cli-table3');
  console.log(
    '## Fleet scale: N groups over about N / 3.3 templates, each refresh 60 simulated minutes, maxConcurrency 40',
  );
  const rows: FleetFigures[] = [];
  const table = new Table({
    head: [
      'groups / templates',
      'wait',
      'outcome',
      'wall',
      'transitions per group',
      'invocations per group',
      'run + page (transitions / invocations)',
      'history: parent',
      'largest child',
      'largest state',
      'largest parent state (before Summarize)',
    ],
    style: { head: [], border: [] },
  });
  // Polling 5,000 groups through 60 polls each is 300,000 polls and about a million states entered
  // locally (15 minutes here); BENCH_FLEET_POLLING_MAX=1000 stops it sooner.
  const pollingMax = Number(process.env.BENCH_FLEET_POLLING_MAX ?? Number.POSITIVE_INFINITY);
  for (const [groups, templates] of sizes) {
    for (const mode of modes) {
      if (mode === 'polling' && groups > pollingMax) continue;
      const f = await measureFleet(groups, templates, mode, accountOptions);
      rows.push(f);
      table.push([
        `${groups} / ${templates}`,
        mode,
        `${f.status}, ${f.failed} failed`,
        `${f.wallSeconds.toFixed(1)} s`,
        f.transitionsPerGroup.toFixed(2),
        f.invocationsPerGroup.toFixed(2),
        `${f.sharedTransitions} / ${f.sharedInvocations}`,
        f.parentHistory,
        `${f.largestChildHistory.events} (${f.largestChildHistory.child})`,
        `${kb(f.largestState.bytes)} (${f.largestState.state})`,
        `${kb(f.largestParentState.bytes)} (${f.largestParentState.state})`,
      ]);
    }
  }
  console.log(table.toString());
  const calls = new Table({
    head: [
      'groups',
      'wait',
      'API calls by operation (per group)',
      'describes repeated',
      'throttles absorbed',
    ],
    style: { head: [], border: [] },
  });
  const list = (counts: Record<string, number>, per?: number) =>
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([op, n]) => `${op} ${n}${per ? ` (${(n / per).toFixed(2)})` : ''}`)
      .join('\n') || 'none';
  for (const f of rows)
    calls.push([
      f.groups,
      f.waitMode,
      list(f.callsByOperation, f.groups),
      list(f.repeatedDescribes),
      list(f.throttles),
    ]);
  console.log(calls.toString());
  console.log(
    'History events are the model in bench/fleet-scale.ts. "Largest state" is any state\'s data, a page\'s child included; ' +
      '"largest parent state" is the parent execution\'s own before Summarize, whose output fitSummary caps at 160 KiB. Describes repeated: Describe* calls made again with the ' +
      'same input within one Lambda invocation (a later stage reads the truth again on purpose).\n',
  );
  return rows;
}

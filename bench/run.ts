/**
 * `npm run bench`: measured figures for the README's "What a run costs".
 *  1. Lambda bundles, from `npm run package`'s output (.serverless/*.zip): sizes, and each one's cold
 *     start (load time, peak memory) against its floor, as ratios (bench/cold-start.ts).
 *  2. State transitions per group, counted from local runs of the real state machine (the demo
 *     scenario, then fleets of N groups), and the Step Functions cost at $0.025 per 1,000.
 *  3. Execution history events (estimated from the same runs) against the 25,000-event limit: the
 *     parent execution's, and the largest child execution's (one per group, Distributed Map).
 *  4. Local wall time of those runs.
 *  5. Per group, for a 60-minute refresh: state transitions and Lambda invocations in both wait
 *     modes (bench/wait-modes.ts).
 *  6. Under AWS's API rate limits (the simulated token buckets on): throttles absorbed, calls by
 *     operation per group, repeated describes, and the mutating phases against the buckets' minimum
 *     (bench/throttling.ts; 100 groups, or THROTTLING_BENCH_GROUPS=1000,5000).
 * Every number printed is measured by this script on this machine, except where a line says "model".
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import Table from 'cli-table3';
import { accountFromScenario } from '../src/fake/scenario.ts';
import { ASL_PATH } from '../src/local/definition.ts';
import { type RunStateMachineResult, runStateMachine, type StageEvent } from '../src/local/runner.ts';
import { MAX_TARGETS } from '../src/steps/resolve-targets.ts';
import { COLD_START_LIMIT, measureColdStarts } from './cold-start.ts';
import { printThrottlingBench } from './throttling.ts';
import { printUserDataBench } from './userdata.ts';
import { printWaitModes } from './wait-modes.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const root = resolve(import.meta.dirname, '..');
/** Step Functions Standard workflows: $0.025 per 1,000 state transitions (us-east-1 list price). */
const USD_PER_TRANSITION = 0.025 / 1000;
/** A Standard execution's history holds at most 25,000 events (the parent's, and each child's). */
const HISTORY_LIMIT = 25_000;
const tableStyle = { head: [] as string[], border: [] as string[] };

const usd = (n: number) => `$${n < 0.01 ? n.toFixed(5) : n.toFixed(4)}`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

// ---------------------------------------------------------------------------------------------
// 1. Bundle sizes and cold start
// ---------------------------------------------------------------------------------------------

const LOADS = 31;

async function coldStarts(): Promise<boolean> {
  console.log('## Lambda bundles (npm run package -> .serverless/*.zip): size and cold start');
  const dir = join(root, '.serverless');
  const rows = existsSync(dir) ? await measureColdStarts(dir, LOADS) : [];
  if (rows.length === 0) {
    console.log('No package output found: run `npm run package` first, then `npm run bench` again.\n');
    return true;
  }
  const table = new Table({
    head: [
      'function',
      'zip',
      '.mjs',
      '.mjs.map',
      'SDK clients (floor)',
      'load ms',
      'floor ms',
      'time ratio',
      'peak MiB',
      'floor MiB',
      'memory ratio',
    ],
    style: tableStyle,
  });
  const mib = (k: number) => (k / 1024).toFixed(1);
  const ratio = (r: number) => `${r.toFixed(2)}x${r > COLD_START_LIMIT ? ' (over!)' : ''}`;
  for (const r of rows) {
    table.push([
      r.fn,
      kib(r.zipBytes),
      kib(r.mjsBytes),
      kib(r.mapBytes),
      r.clients.join(', ') || '(none: empty module)',
      r.loadMs.toFixed(1),
      r.floorMs.toFixed(1),
      ratio(r.timeRatio),
      mib(r.peakKiB),
      mib(r.floorPeakKiB),
      ratio(r.memoryRatio),
    ]);
  }
  table.push([
    'total',
    kib(rows.reduce((sum, r) => sum + r.zipBytes, 0)),
    '',
    '',
    '',
    '',
    '',
    '',
    '',
    '',
    '',
  ]);
  console.log(table.toString());
  const built = statSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.zip')) ?? '')).mtime;
  console.log(
    `${LOADS} rounds, each loading the bundle and its floor back to back (which goes first alternates) ` +
      `in fresh plain node processes; ms and MiB are medians, each ratio is the median of the ${LOADS} ` +
      `paired ratios. The floor is the same esbuild options on only the bundle's SDK clients. ` +
      `Target: every ratio at most ${COLD_START_LIMIT}. Package built ${built.toISOString()}.\n`,
  );
  return rows.every((r) => r.timeRatio <= COLD_START_LIMIT && r.memoryRatio <= COLD_START_LIMIT);
}

// ---------------------------------------------------------------------------------------------
// 2-4. Transitions, history events, wall time
// ---------------------------------------------------------------------------------------------

/**
 * Execution history events per state entered (model, from the Step Functions history event types).
 * PatchGroups is a Distributed Map: every group runs as its own child execution with its own
 * 25,000-event history, and the parent's history holds only the run-level states.
 * A Lambda Task writes TaskStateEntered, LambdaFunctionScheduled, LambdaFunctionStarted,
 * LambdaFunctionSucceeded/Failed, TaskStateExited (5); Wait, Choice, Pass, Succeed, Fail write
 * Entered and Exited (2); a retry writes Scheduled, Started, Failed again (3). Every execution, the
 * parent and each child, adds ExecutionStarted and its end (2). The distributed Map writes, in the
 * parent, MapStateEntered, MapStateStarted, MapRunStarted, MapRunSucceeded, MapStateSucceeded,
 * MapStateExited (6), and nothing per item.
 * Event types: https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html
 * Child executions: https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
 */
/** States inside a distributed Map, by name -> the Map's label: their events go to a child's history. */
const DISTRIBUTED = (() => {
  const definition = JSON.parse(readFileSync(ASL_PATH, 'utf8')) as {
    States: Record<string, DefinitionState>;
  };
  const found = new Map<string, string>();
  for (const state of Object.values(definition.States)) {
    const processor = state.ItemProcessor;
    if (state.Type === 'Map' && processor?.ProcessorConfig?.Mode === 'DISTRIBUTED') {
      for (const name of Object.keys(processor.States)) found.set(name, state.Label ?? 'child');
    }
  }
  return found;
})();
interface DefinitionState {
  Type: string;
  Label?: string;
  ItemProcessor?: { ProcessorConfig?: { Mode?: string }; States: Record<string, unknown> };
}

function historyEvents(events: StageEvent[]): { parent: number; children: Map<string, number> } {
  let parent = 2;
  const children = new Map<string, number>();
  for (const event of events) {
    let count = 0;
    if (event.type === 'entered') {
      if (event.stateType === 'Task') count = 5;
      else if (event.stateType === 'Map') count = 6;
      else count = 2;
    } else if (event.type === 'retried') {
      count = 3;
    } else {
      continue;
    }
    const label = DISTRIBUTED.get(event.state ?? '');
    if (label === undefined || event.asgName === undefined) parent += count;
    else {
      const child = `${label}:${event.asgName}`;
      children.set(child, (children.get(child) ?? 2) + count);
    }
  }
  return { parent, children };
}

interface Measured {
  result: RunStateMachineResult;
  wallMs: number;
  perGroup: Map<string, number>;
  runLevel: number;
}

/** Runs a scenario once and counts transitions: states entered, plus one per retry (billed too). */
async function measure(scenario: Record<string, unknown>): Promise<Measured> {
  const { input, expect: _expect, ...accountPart } = scenario;
  const account = accountFromScenario(accountPart);
  const started = performance.now();
  const result = await runStateMachine({ input, account, runId: 'bench' });
  const wallMs = performance.now() - started;
  const perGroup = new Map<string, number>();
  let runLevel = 0;
  for (const event of result.events) {
    if (event.type !== 'entered' && event.type !== 'retried') continue;
    if (event.asgName === undefined) runLevel++;
    else perGroup.set(event.asgName, (perGroup.get(event.asgName) ?? 0) + 1);
  }
  return { result, wallMs, perGroup, runLevel };
}

async function demoTransitions(): Promise<void> {
  console.log('## Demo scenario (examples/demo-scenario.json), one local run');
  const scenario = JSON.parse(readFileSync(join(root, 'examples/demo-scenario.json'), 'utf8'));
  const { result, perGroup, runLevel, wallMs } = await measure(scenario);
  const table = new Table({
    head: ['group', 'outcome', 'polls', 'state transitions', 'Step Functions cost'],
    style: tableStyle,
  });
  for (const group of result.summary?.groups ?? []) {
    const polls = result.events.filter(
      (e) => e.type === 'entered' && e.asgName === group.asgName && e.state === 'PollInstanceRefresh',
    ).length;
    const transitions = perGroup.get(group.asgName) ?? 0;
    table.push([group.asgName, group.status, polls, transitions, usd(transitions * USD_PER_TRANSITION)]);
  }
  table.push([
    '(run: ResolveTargets, Map, Summarize, end)',
    '',
    '',
    runLevel,
    usd(runLevel * USD_PER_TRANSITION),
  ]);
  table.push([
    'total',
    result.status,
    '',
    result.stateTransitions,
    usd(result.stateTransitions * USD_PER_TRANSITION),
  ]);
  console.log(table.toString());
  console.log(`Local wall time ${wallMs.toFixed(0)} ms.\n`);
}

/** A fleet of `groups` groups, each on its own launch template, each refresh taking `polls` polls. */
function fleetScenario(groups: number, polls: number): Record<string, unknown> {
  const statuses = [...Array.from({ length: polls - 1 }, () => 'InProgress'), 'Successful'];
  const name = (i: number) => `app-${String(i).padStart(3, '0')}`;
  return {
    input: {
      targets: { tags: [{ key: 'asg-patcher', values: ['enabled'] }] },
      maxConcurrency: 40,
      pollIntervalSeconds: 60,
      maxWaitSeconds: 4 * 3600,
    },
    launchTemplates: Array.from({ length: groups }, (_, i) => ({
      name: name(i),
      versions: [
        {
          data: { ImageId: 'ami-0a1b2c3d4e5f60718', InstanceType: 'm7g.large' },
          userData: `#!/bin/bash\nsystemctl enable --now ${name(i)}.service\n`,
        },
      ],
    })),
    autoScalingGroups: Array.from({ length: groups }, (_, i) => ({
      name: name(i),
      launchTemplate: { template: name(i), version: i % 2 === 0 ? '$Default' : '1' },
      tags: { 'asg-patcher': 'enabled' },
      refresh: statuses,
    })),
  };
}

async function fleets(): Promise<void> {
  console.log('## Fleets: every refresh succeeds after P polls (P = 3: the demo; P = 30: a 30-minute');
  console.log('## refresh polled every 60 s). maxConcurrency 40. Local wall time with waits set to 0.');
  await measure(fleetScenario(2, 2)); // warm-up: load the handlers and the SDK before timing
  const table = new Table({
    head: [
      'groups',
      'polls',
      'transitions',
      'per group',
      'cost per run',
      'cost per 100 groups',
      'history events (model): parent',
      'largest child',
      'local wall time',
    ],
    style: tableStyle,
  });
  for (const [groups, polls] of [
    [1, 3],
    [10, 3],
    [100, 3],
    [1, 30],
    [10, 30],
    [100, 30],
    [MAX_TARGETS, 30],
  ] as const) {
    const { result, wallMs, runLevel } = await measure(fleetScenario(groups, polls));
    if (result.status !== 'SUCCEEDED')
      throw new Error(`fleet run of ${groups} groups ${result.status}: ${result.cause}`);
    const perGroup = (result.stateTransitions - runLevel) / groups;
    const history = historyEvents(result.events);
    const largestChild = Math.max(...history.children.values());
    const flag = (n: number) => `${n}${n > HISTORY_LIMIT ? ' (over 25,000!)' : ''}`;
    table.push([
      groups,
      polls,
      result.stateTransitions,
      perGroup.toFixed(0),
      usd(result.stateTransitions * USD_PER_TRANSITION),
      usd((runLevel + perGroup * 100) * USD_PER_TRANSITION),
      flag(history.parent),
      flag(largestChild),
      `${(wallMs / 1000).toFixed(2)} s`,
    ]);
  }
  console.log(table.toString());
  console.log(
    `Price: $0.025 per 1,000 state transitions (Standard workflows, us-east-1; the free tier's 4,000 a month not deducted).`,
  );
  console.log(`Node ${process.version}, ${process.platform}/${process.arch}.`);
}

const coldStartsWithinLimit = await coldStarts();
await demoTransitions();
await printWaitModes();
await fleets();
console.log('');
await printThrottlingBench();
printUserDataBench();
if (!coldStartsWithinLimit) {
  console.error(`A bundle loads over ${COLD_START_LIMIT}x its floor (time or memory): see the first table.`);
  process.exitCode = 1;
}

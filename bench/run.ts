/**
 * `npm run bench`: measured figures for docs/costs.md ("What a run costs").
 *  1. Lambda bundles, from `npm run package`'s output (.serverless/*.zip): sizes, and each one's cold
 *     start (load time, peak memory) against its floor, as ratios (bench/cold-start.ts).
 *  2. State transitions per group of the demo scenario's local run, and the Step Functions cost at
 *     $0.025 per 1,000.
 *  3. Per group, for a 60-minute refresh: state transitions and Lambda invocations in both wait
 *     modes (bench/wait-modes.ts).
 *  4. Fleet scale (bench/fleet-scale.ts): 10 to 5,000 groups, both wait modes: wall time, API calls
 *     by operation, history events of the parent and the largest child (model), the largest state.
 *  5. Under AWS's API rate limits (the simulated token buckets on): throttles absorbed, calls by
 *     operation per group, repeated describes, and the mutating phases against the buckets' minimum
 *     (bench/throttling.ts; 100 groups, or THROTTLING_BENCH_GROUPS=1000,5000).
 * Every number printed is measured by this script on this machine, except where a line says "model".
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import Table from 'cli-table3';
import { accountFromScenario } from '../src/fake/scenario.ts';
import { type RunStateMachineResult, runStateMachine } from '../src/local/runner.ts';
import { COLD_START_LIMIT, measureColdStarts } from './cold-start.ts';
import { FLEET_SIZES, printFleetScale } from './fleet-scale.ts';
import { printThrottlingBench } from './throttling.ts';
import { printUserDataBench } from './userdata.ts';
import { printWaitModes } from './wait-modes.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const root = resolve(import.meta.dirname, '..');
/** Step Functions Standard workflows: $0.025 per 1,000 state transitions (us-east-1 list price). */
const USD_PER_TRANSITION = 0.025 / 1000;
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

/** `BENCH_FLEET_MAX=1000 npm run bench` stops the fleet section at 1,000 groups (5,000 takes minutes). */
function fleetSizes(): [number, number][] {
  const max = Number(process.env.BENCH_FLEET_MAX ?? Number.POSITIVE_INFINITY);
  return FLEET_SIZES.filter(([groups]) => groups <= max);
}

const coldStartsWithinLimit = await coldStarts();
await demoTransitions();
await printWaitModes();
await printFleetScale(fleetSizes());
console.log('');
await printThrottlingBench();
printUserDataBench();
if (!coldStartsWithinLimit) {
  console.error(`A bundle loads over ${COLD_START_LIMIT}x its floor (time or memory): see the first table.`);
  process.exitCode = 1;
}

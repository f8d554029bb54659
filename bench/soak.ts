/**
 * `npm run soak -- --runs N --seed S [--faults KINDS] [--rate R] [--replay RUNSEED]`
 *
 * Runs N seeded executions of random fleets with faults on every call kind (see
 * test/support/soak.ts) and checks invariants I1 to I7 after each. Prints the runs, the faults by
 * kind and by API, the SDK's and the state machine's retries, and the violations by invariant; for
 * each violation, the run's seed and its exact fault plan, which `--replay <run seed>` reruns.
 * Exits 1 when any invariant was violated.
 */
import '../src/polyfills.ts';
import { parseArgs } from 'node:util';
import { FAULT_KINDS, runSeed, type SoakFaultKind, type SoakRun, soakRun } from '../test/support/soak.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    faults: { type: 'string', default: FAULT_KINDS.join(',') },
    rate: { type: 'string', default: '0.02' },
    replay: { type: 'string' },
  },
});
const faults = (values.faults ?? '').split(',').filter(Boolean) as SoakFaultKind[];
const unknown = faults.filter((k) => !FAULT_KINDS.includes(k));
if (unknown.length > 0) {
  console.error(`unknown fault kind(s) ${unknown.join(', ')}; choose from ${FAULT_KINDS.join(', ')}`);
  process.exit(2);
}
const faultRate = Number(values.rate);

if (values.replay !== undefined) {
  const run = await soakRun({ seed: Number(values.replay), faults, faultRate });
  console.log(
    JSON.stringify(
      {
        seed: run.seed,
        faults: run.faults,
        violations: run.violations,
        status: run.result.status,
        error: run.result.error,
        summary: run.result.summary,
      },
      null,
      2,
    ),
  );
  console.log(
    `events: ${run.result.events.map((e) => `${e.type}:${e.state ?? ''}:${e.asgName ?? ''}`).join(' ')}`,
  );
  process.exit(run.violations.length > 0 ? 1 : 0);
}

const runs = Number(values.runs);
const seed = Number(values.seed);
const started = Date.now();
const byKind = new Map<string, number>();
const byApi = new Map<string, number>();
const byInvariant = new Map<string, number>();
const failing: SoakRun[] = [];
let sdkRetries = 0;
let machineRetries = 0;
let faultsTotal = 0;
let pruningRuns = 0;
let pruned = 0;
let reportedPruned = 0;
let eventRuns = 0;
let backstops = 0;
const fates = { deliver: 0, drop: 0, duplicate: 0 };
const statuses = new Map<string, number>();
for (let index = 0; index < runs; index++) {
  const run = await soakRun({ seed: runSeed(seed, index), faults, faultRate });
  for (const fault of run.faults) {
    byKind.set(fault.kind, (byKind.get(fault.kind) ?? 0) + 1);
    byApi.set(fault.at, (byApi.get(fault.at) ?? 0) + 1);
  }
  faultsTotal += run.faults.length;
  if (run.pruning) pruningRuns += 1;
  pruned += run.pruned;
  reportedPruned += run.reportedPruned;
  if (run.events) eventRuns += 1;
  backstops += run.backstops;
  for (const fate of ['deliver', 'drop', 'duplicate'] as const) fates[fate] += run.eventFates[fate];
  sdkRetries += run.sdkRetries;
  machineRetries += run.machineRetries;
  for (const group of run.result.summary?.groups ?? [])
    statuses.set(group.status, (statuses.get(group.status) ?? 0) + 1);
  for (const violation of run.violations)
    byInvariant.set(violation.slice(0, 2), (byInvariant.get(violation.slice(0, 2)) ?? 0) + 1);
  if (run.violations.length > 0) {
    failing.push(run);
    console.log(`VIOLATION run ${index} seed ${run.seed}: ${run.violations.join(' | ')}`);
    console.log(`  fault plan: ${JSON.stringify(run.faults)}`);
    console.log(
      `  replay: npm run soak -- --replay ${run.seed} --faults ${faults.join(',')} --rate ${faultRate}`,
    );
  }
}
const table = (map: Map<string, number>): string =>
  [...map]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';
console.log(
  `runs: ${runs} (seed ${seed}, fault rate ${faultRate}, kinds ${faults.join(',')}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
console.log(`group outcomes: ${table(statuses)}`);
console.log(`faults: ${faultsTotal} (${(faultsTotal / runs).toFixed(2)} per run); by kind: ${table(byKind)}`);
console.log(`faults by API or state: ${table(byApi)}`);
console.log(
  `SDK retries (calls answered with an injected fault): ${sdkRetries}; state-machine retries: ${machineRetries}`,
);
console.log(
  `pruneVersions: on in ${pruningRuns} run(s); ${pruned} older version(s) pruned, ${reportedPruned} of them in the summaries (a retried invocation lists only what it deleted itself)`,
);
console.log(
  `waitMode events: in ${eventRuns} run(s); end events delivered ${fates.deliver}, lost ${fates.drop}, delivered twice ${fates.duplicate}; ${backstops} wait(s) ended at their backstop`,
);
console.log(`violations: ${failing.length} run(s); by invariant: ${table(byInvariant)}`);
process.exit(failing.length > 0 ? 1 : 0);

/**
 * The run under AWS's API rate limits: N groups over M launch templates, the simulated account
 * enforcing its token buckets (src/fake/token-buckets.ts: EC2's published per-action buckets, one
 * shared Auto Scaling bucket whose default figures are a guess) on a clock scaled by k, the SDK's
 * adaptive retry waiting on the same clock. Measures what issue 9 asks of "polite to shared APIs":
 * - wall time, throttles absorbed and API calls by operation (total and per group);
 * - describes repeated for the same input within a run with nothing changed in between
 *   (DescribeInstanceRefreshes is a poll: its repeats are the waiting itself, reported as such), and
 *   the number of names per DescribeAutoScalingGroups call;
 * - per mutating phase, its duration against the token-bucket minimum: for the calls of one action
 *   in the phase, min = max(0, (calls - tokens in its bucket when the phase starts) / refill), and
 *   the phase lasts from its first call to its last served one, both on the simulated clock.
 *
 * One run takes the whole fleet (there is no cap: the plan lives in the run ledger's pages);
 * `groupsPerRun` splits it into consecutive runs on the same account (and the same buckets), each
 * taking whole templates, so no run leaves a sharer of its templates untargeted.
 */
import { performance } from 'node:perf_hooks';
import Table from 'cli-table3';
import { FakeAccount, type FakeCall, type TokenBucketOptions } from '../src/fake/account.ts';
import { AUTO_SCALING_BUCKET, type BucketFigures, EC2_BUCKETS } from '../src/fake/token-buckets.ts';
import { canonicalJson } from '../src/fake/util.ts';
import { runStateMachine } from '../src/local/runner.ts';
import { addFleetTemplates } from './fleet-scale.ts';

export interface ThrottlingBenchOptions {
  groups: number;
  templates: number;
  /**
   * Simulated seconds per wall second (default 10). Keep k·refill well below the rate at which this
   * machine can run the phase's iterations (about 500 CreatePatchedVersion iterations per wall second
   * here): at k = 100 the create phase is bound by the local runner, not the bucket (no throttle).
   */
  scale?: number;
  /** The polls' interval, waited on the scaled clock (default 5 s, the input's minimum). */
  pollIntervalSeconds?: number;
  /** The execution input's maxConcurrency (default 40, the most it allows). */
  maxConcurrency?: number;
  /** The Auto Scaling bucket (default: the account's guess). */
  autoScaling?: BucketFigures;
  /** Groups per run (default: all of them, one run). */
  groupsPerRun?: number;
}

export interface PhaseRatio {
  phase: string;
  command: string;
  calls: number;
  tokensAtStart: number;
  minSeconds: number;
  seconds: number;
  /** seconds / minSeconds; undefined when the calls fit in the tokens at hand (min 0). */
  ratio: number | undefined;
}

export interface ThrottlingBenchResult {
  groups: number;
  templates: number;
  scale: number;
  runs: number;
  failedRuns: number;
  failedGroups: number;
  /** Each failed run's error and cause. */
  failures: string[];
  wallSeconds: number;
  simulatedSeconds: number;
  /** Served calls by operation. */
  calls: Record<string, number>;
  throttles: Record<string, number>;
  /** Served describes of an input already described in the same run, nothing changed since, by operation. */
  repeatedDescribes: Record<string, number>;
  /** DescribeAutoScalingGroups calls by the number of names they carried ("none": by filter, or every group). */
  describeGroupsNames: Record<string, number>;
  phases: PhaseRatio[];
}

const PHASES = [
  { phase: 'CreatePatchedVersions', command: 'CreateLaunchTemplateVersion' },
  { phase: 'PromoteDefaultVersions', command: 'ModifyLaunchTemplate' },
] as const;

/** Runs the fleet and measures it (see the file comment). */
export async function benchThrottling(options: ThrottlingBenchOptions): Promise<ThrottlingBenchResult> {
  const scale = options.scale ?? 10;
  const pollIntervalSeconds = options.pollIntervalSeconds ?? 5;
  const tokenBuckets: TokenBucketOptions = {
    scale,
    ...(options.autoScaling ? { autoScaling: options.autoScaling } : {}),
  };
  const account = new FakeAccount({ tokenBuckets });
  const batches = seedFleet(
    account,
    options.groups,
    options.templates,
    options.groupsPerRun ?? options.groups,
  );

  const started = performance.now();
  let failedRuns = 0;
  let failedGroups = 0;
  const failures: string[] = [];
  const runCalls: FakeCall[][] = [];
  const repeatedDescribes: Record<string, number> = {};
  for (const [index, asgNames] of batches.entries()) {
    const from = account.calls.length;
    const result = await runStateMachine({
      input: {
        targets: { tags: [{ key: RUN_TAG, values: [String(index)] }] },
        maxConcurrency: options.maxConcurrency ?? 40,
        pollIntervalSeconds,
      },
      account,
      runId: `bench-throttling-${index}`,
      // The polls' Wait on the same clock as the buckets, so polling is paced as it would be.
      waitMs: (pollIntervalSeconds * 1000) / scale,
    });
    if (result.status !== 'SUCCEEDED') {
      failedRuns++;
      failures.push(`${result.error}: ${result.cause?.slice(0, 300)}`);
    }
    failedGroups += result.summary?.counts.failed ?? asgNames.length;
    runCalls.push(account.calls.slice(from));
    addCounts(repeatedDescribes, repeats(runCalls[runCalls.length - 1] as FakeCall[]));
  }
  const wallSeconds = (performance.now() - started) / 1000;

  const served = account.calls.filter((c) => !c.throttled);
  return {
    groups: options.groups,
    templates: options.templates,
    scale,
    runs: batches.length,
    failedRuns,
    failedGroups,
    failures,
    wallSeconds,
    simulatedSeconds: account.tokenBuckets?.clock.seconds() ?? 0,
    calls: countBy(served, (c) => c.command),
    throttles: countBy(
      account.calls.filter((c) => c.throttled),
      (c) => c.command,
    ),
    repeatedDescribes,
    describeGroupsNames: countBy(
      served.filter((c) => c.command === 'DescribeAutoScalingGroups'),
      (c) =>
        String((c.input as { AutoScalingGroupNames?: string[] }).AutoScalingGroupNames?.length ?? 'none'),
    ),
    phases: PHASES.map(({ phase, command }) =>
      phaseRatio(phase, command, runCalls, account.calls, EC2_BUCKETS[command] as BucketFigures),
    ),
  };
}

/**
 * `groups` groups over `templates` templates in contiguous blocks (group i on template
 * floor(i * templates / groups)), half following `$Default`, half pinned to version 1; returns the
 * runs' target lists, each at most `perRun` groups and made of whole templates.
 */
function seedFleet(account: FakeAccount, groups: number, templates: number, perRun: number): string[][] {
  const name = (prefix: string, i: number) => `${prefix}-${String(i).padStart(5, '0')}`;
  const ids = addFleetTemplates(account, templates, (t) => name('lt', t));
  const byTemplate: number[][] = ids.map(() => []);
  for (let i = 0; i < groups; i++) byTemplate[Math.floor((i * templates) / groups)]?.push(i);
  const batches: number[][] = [[]];
  for (const members of byTemplate) {
    const last = batches[batches.length - 1] as number[];
    if (last.length + members.length > perRun && last.length > 0) batches.push([...members]);
    else last.push(...members);
  }
  // Each run targets its groups by a tag (the input takes at most 500 names).
  batches.forEach((members, run) => {
    for (const i of members) {
      account.addAutoScalingGroup({
        name: name('asg', i),
        launchTemplate: {
          LaunchTemplateId: ids[Math.floor((i * templates) / groups)],
          Version: i % 2 === 0 ? '$Default' : '1',
        },
        tags: { [RUN_TAG]: String(run) },
      });
    }
  });
  return batches.filter((b) => b.length > 0).map((members) => members.map((i) => name('asg', i)));
}

const RUN_TAG = 'asg-patcher-bench-run';

/**
 * One mutating phase against its bucket, per run: the calls of `command` within each run (the runs
 * call it nowhere else). The bucket is replayed from the start (full, each served call of the
 * action taking a token, refill in between) to know the tokens at the phase's first call. Over
 * several runs, the phase's figures are the sums over the runs whose calls outnumber their tokens.
 */
function phaseRatio(
  phase: string,
  command: string,
  runs: FakeCall[][],
  all: FakeCall[],
  figures: BucketFigures,
): PhaseRatio {
  const served = all.filter((c) => c.command === command && !c.throttled && c.atSeconds !== undefined);
  const total = { calls: 0, tokensAtStart: 0, minSeconds: 0, seconds: 0 };
  for (const calls of runs) {
    const ofCommand = calls.filter((c) => c.command === command && c.atSeconds !== undefined);
    const times = ofCommand.filter((c) => !c.throttled).map((c) => c.atSeconds as number);
    const first = ofCommand[0]?.atSeconds;
    if (first === undefined || times.length === 0) continue;
    const tokens = tokensAt(first, served, figures);
    const minSeconds = Math.max(0, (times.length - tokens) / figures.refill);
    total.calls += times.length;
    total.tokensAtStart += tokens;
    if (minSeconds > 0) {
      total.minSeconds += minSeconds;
      total.seconds += (times[times.length - 1] as number) - first;
    }
  }
  return {
    phase,
    command,
    ...total,
    ratio: total.minSeconds > 0 ? total.seconds / total.minSeconds : undefined,
  };
}

/** The tokens in a bucket at `at`, replayed from full at 0 through the served calls before it. */
function tokensAt(at: number, served: FakeCall[], figures: BucketFigures): number {
  let tokens = figures.burst;
  let last = 0;
  for (const call of served) {
    const time = call.atSeconds as number;
    if (time >= at) break;
    tokens = Math.min(figures.burst, tokens + (time - last) * figures.refill) - 1;
    last = time;
  }
  return Math.min(figures.burst, tokens + (at - last) * figures.refill);
}

/**
 * Served describes whose (operation, input) was already served earlier in the same run with no
 * change since to what it reads: no served mutating call on any group or template it names. Those
 * are answers that were in hand. (A read after a change, e.g. RestoreAutoScalingGroup reading the
 * group its refresh changed, is reading the truth before acting, which the design asks for.)
 */
function repeats(calls: FakeCall[]): Record<string, number> {
  const lastRead = new Map<string, number>();
  const lastChange = new Map<string, number>();
  const counts: Record<string, number> = {};
  calls.forEach((call, index) => {
    if (call.throttled || call.error) return;
    const resources = resourcesOf(call.input);
    if (call.mutating) {
      for (const r of resources) lastChange.set(r, index);
      return;
    }
    if (!call.command.startsWith('Describe')) return;
    const key = `${call.command} ${canonicalJson(call.input)}`;
    const previous = lastRead.get(key);
    if (previous !== undefined && resources.every((r) => (lastChange.get(r) ?? -1) < previous))
      counts[call.command] = (counts[call.command] ?? 0) + 1;
    lastRead.set(key, index);
  });
  return counts;
}

/** The groups and templates a call names. */
function resourcesOf(input: unknown): string[] {
  const fields = (input ?? {}) as Record<string, unknown>;
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
  return [
    ...list(fields.AutoScalingGroupName),
    ...list(fields.AutoScalingGroupNames),
    ...list(fields.LaunchTemplateId),
    ...list(fields.LaunchTemplateIds),
  ];
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
}

/** Prints one result as the bench's tables. */
export function printThrottling(result: ThrottlingBenchResult): void {
  const style = { head: [] as string[], border: [] as string[] };
  console.log(
    `### ${result.groups} groups over ${result.templates} templates, ${result.runs} run(s), scale ${result.scale}: ` +
      `wall ${result.wallSeconds.toFixed(1)} s, simulated ${result.simulatedSeconds.toFixed(0)} s; ` +
      `failed groups ${result.failedGroups}, failed runs ${result.failedRuns}`,
  );
  for (const failure of result.failures) console.log(`A run failed: ${failure}`);
  const calls = new Table({
    head: [
      'operation',
      'calls',
      'per group',
      'throttles absorbed',
      'repeated describes (same input, same run, nothing changed)',
    ],
    style,
  });
  const operations = [...new Set([...Object.keys(result.calls), ...Object.keys(result.throttles)])].sort();
  for (const op of operations) {
    const n = result.calls[op] ?? 0;
    const repeated = result.repeatedDescribes[op];
    calls.push([
      op,
      n,
      (n / result.groups).toFixed(2),
      result.throttles[op] ?? 0,
      repeated === undefined ? '' : `${repeated}${op === 'DescribeInstanceRefreshes' ? ' (the polls)' : ''}`,
    ]);
  }
  const total = Object.values(result.calls).reduce((a, b) => a + b, 0);
  calls.push([
    'total',
    total,
    (total / result.groups).toFixed(2),
    Object.values(result.throttles).reduce((a, b) => a + b, 0),
    '',
  ]);
  console.log(calls.toString());
  const pages = Object.entries(result.describeGroupsNames)
    .sort(([a], [b]) => Number(b) - Number(a))
    .map(
      ([names, n]) =>
        `${n} x ${names === 'none' ? 'no names (a filter, or every group)' : `${names} name(s)`}`,
    )
    .join(', ');
  console.log(`DescribeAutoScalingGroups calls by names per call: ${pages}`);
  const phases = new Table({
    head: [
      'phase (summed over runs)',
      'operation',
      'calls',
      'tokens at start',
      'bucket minimum (s)',
      'measured (s)',
      'ratio',
    ],
    style,
  });
  for (const p of result.phases) {
    phases.push([
      p.phase,
      p.command,
      p.calls,
      Math.round(p.tokensAtStart),
      p.minSeconds.toFixed(1),
      p.seconds.toFixed(1),
      p.ratio === undefined
        ? 'n/a (within the burst)'
        : `${p.ratio.toFixed(2)}x${p.ratio > 1.25 ? ' (over 1.25!)' : ''}`,
    ]);
  }
  console.log(phases.toString());
  console.log(
    `Buckets: EC2 as published (CreateLaunchTemplateVersion, ModifyLaunchTemplate 100/5; Describe* 100/20; ` +
      `DeleteLaunchTemplateVersions 50/5), Auto Scaling ${AUTO_SCALING_BUCKET.burst}/${AUTO_SCALING_BUCKET.refill} ` +
      `(a guess: unpublished). Seconds are simulated (wall x ${result.scale}).\n`,
  );
}

/**
 * `npm run bench`'s section: 10, 100, 1,000 and 5,000 groups (the 5,000 take about 10 minutes at k = 10);
 * THROTTLING_BENCH_GROUPS=100 (a comma-separated list) for fewer, or BENCH_FLEET_MAX=1000 to stop there.
 */
export async function printThrottlingBench(): Promise<void> {
  console.log("## Under AWS's API rate limits (token buckets on, scaled clock): bench/throttling.ts");
  const max = Number(process.env.BENCH_FLEET_MAX ?? Number.POSITIVE_INFINITY);
  const sizes = (process.env.THROTTLING_BENCH_GROUPS ?? '10,100,1000,5000')
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0 && n <= max);
  for (const groups of sizes) {
    // 5,000 groups over 1,500 templates, as the issue sizes it: 10 groups per 3 templates.
    printThrottling(await benchThrottling({ groups, templates: Math.max(1, Math.round((groups * 3) / 10)) }));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await printThrottlingBench();

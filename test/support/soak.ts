/**
 * The seeded fault-injection suite: random fleets (shared templates, override templates, every
 * reference style, random refresh endings, this tool's versions from earlier runs and, in half the
 * runs, pruneVersions) run through the real state machine, handlers and fake
 * account, with faults at random on every AWS call and Lambda errors after the work; after each run
 * invariants I1 to I7 are checked on the end state, and the run ledger's L1 and L2 (checkLedger).
 * Everything random comes from the run's seed, so `--replay <seed>` runs it again exactly: the same
 * calls, faults, event order and end state.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { AccountSnapshot, FakeCommandName, FaultKind } from '../../src/fake/account.ts';
import { FakeAccount } from '../../src/fake/account.ts';
import {
  PAGE_STATES,
  type PageStateName,
  TASK_STATES,
  type TaskStateName,
} from '../../src/local/definition.ts';
import { type LocalLedger, startLocalLedger } from '../../src/local/ledger.ts';
import type { HandlerOverride, RunStateMachineResult } from '../../src/local/runner.ts';
import { runStateMachine } from '../../src/local/runner.ts';
import { PatchOptions } from '../../src/schemas.ts';
import { versionDescription } from '../../src/steps/lib/run-versions.ts';
import { composeUserData } from '../../src/userdata/compose.ts';
import { checkInvariants } from './invariants.ts';
import { pruneKeepOf } from './run-checked.ts';

export const FAULT_KINDS = ['throttle', 'fail-before', 'lose-response', 'lambda-error-after'] as const;
export type SoakFaultKind = (typeof FAULT_KINDS)[number];

const COMMANDS: FakeCommandName[] = [
  'DescribeLaunchTemplates',
  'DescribeLaunchTemplateVersions',
  'CreateLaunchTemplateVersion',
  'ModifyLaunchTemplate',
  'DeleteLaunchTemplateVersions',
  'DescribeAutoScalingGroups',
  'UpdateAutoScalingGroup',
  'StartInstanceRefresh',
  'DescribeInstanceRefreshes',
  'RollbackInstanceRefresh',
  'CancelInstanceRefresh',
  'SendTaskSuccess',
  'SendTaskFailure',
];

export interface SoakOptions {
  seed: number;
  faults: readonly SoakFaultKind[];
  /** Chance that one AWS call (or one Lambda invocation) gets a fault. */
  faultRate: number;
}

export interface InjectedFault {
  kind: SoakFaultKind;
  /** The AWS command, or the Task state for `lambda-error-after`. */
  at: string;
  /** Which call of that command (or invocation of that state), 1-based. */
  nth: number;
}

export interface SoakRun {
  seed: number;
  result: RunStateMachineResult;
  violations: string[];
  faults: InjectedFault[];
  /** Calls that failed with an injected fault and were sent again by the SDK. */
  sdkRetries: number;
  /** Retries of the state machine's own Retry. */
  machineRetries: number;
  before: AccountSnapshot;
  after: AccountSnapshot;
  /** Whether the input asked for pruneVersions. */
  pruning: boolean;
  /** Whether the run waited on refresh events, and what became of each end event the account sent. */
  events: boolean;
  eventFates: Record<'deliver' | 'drop' | 'duplicate', number>;
  /** Waits that ended at their backstop (States.Timeout into one poll). */
  backstops: number;
  /** Versions from before the run that are gone after it (only pruneVersions deletes them: I7). */
  pruned: number;
  /** Versions the summary reports pruned. */
  reportedPruned: number;
}

/** A number in [0, 1) from the seed and the parts: the same parts, the same number. */
export function chance(seed: number, ...parts: (string | number)[]): number {
  let hash = 2166136261 ^ seed;
  for (const char of parts.join('\u0000')) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 16777619);
  }
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0x5bd1e995);
  hash ^= hash >>> 15;
  return (hash >>> 0) / 4294967296;
}

/** mulberry32: a small seeded generator for the fleet's shape. */
function generator(seed: number): {
  next: () => number;
  int: (min: number, max: number) => number;
  pick: <T>(items: readonly T[]) => T;
} {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  return { next, int, pick };
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** Most versions carry a customer script; some none; some already carry today's patch script. */
function userData(roll: number, script: string): { UserData?: string } {
  if (roll < 0.1) return {};
  if (roll < 0.3) return { UserData: composeUserData(b64(script), PatchOptions.parse({})).base64 };
  return { UserData: b64(script) };
}

/** A random fleet and the input that targets part of it. */
export function buildFleet(seed: number): {
  account: FakeAccount;
  input: Record<string, unknown>;
  targets: string[];
} {
  const rng = generator(seed);
  const account = new FakeAccount();
  // Half the runs prune, keeping 1 to 3 of this tool's versions per template.
  const prune = chance(seed, 'prune') < 0.5 ? { keep: 1 + Math.floor(chance(seed, 'keep') * 3) } : undefined;
  const templates = Array.from({ length: rng.int(1, 3) }, (_, t) => {
    const versions = Array.from({ length: rng.int(1, 3) }, (_, v) => ({
      data: {
        ImageId:
          rng.next() < 0.1
            ? 'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64'
            : `ami-0${t}${v}00000000000000`,
        InstanceType: 't3.micro',
        ...(rng.next() < 0.2
          ? {
              BlockDeviceMappings: [
                { DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-0123456789abcdef0', VolumeSize: 20 } },
              ],
            }
          : {}),
        ...userData(rng.next(), `#!/bin/bash\necho template ${t} version ${v + 1}\n`),
      },
    }));
    const defaultVersion = rng.int(1, versions.length);
    // This tool's versions from earlier runs (by their description), and with pruning on a few more
    // of them on top: what pruneVersions may delete. Drawn with `chance`, not `rng`, so the rest of
    // the fleet is what the same seed gave before pruning was soaked.
    const described = versions.map((version, v) => ({
      ...version,
      ...(chance(seed, 'ours', t, v) < 0.4 ? { description: versionDescription(`old-${t}-${v}`, 1) } : {}),
    }));
    const extra = prune ? Math.floor(chance(seed, 'extra', t) * 4) : 0;
    const last = versions.at(-1);
    for (let e = 0; last && e < extra; e++) {
      described.push({
        data: { ...last.data },
        description: versionDescription(`old-${t}-x${e}`, versions.length),
      });
    }
    const { id, name } = account.addLaunchTemplate({ name: `lt-${t}`, versions: described, defaultVersion });
    return { id, name, versions: versions.length };
  });
  const reference = (versions: number): string => {
    const roll = rng.next();
    if (roll < 0.4) return '$Default';
    if (roll < 0.7) return '$Latest';
    return String(rng.int(1, versions));
  };
  const scripts = [
    'succeed',
    'succeed',
    'succeed',
    'succeed',
    'succeed',
    'fail',
    'rollback',
    'rollback',
    'stuck',
    ['InProgress', 'RollbackInProgress', 'RollbackInProgress', 'RollbackSuccessful'],
  ] as const;
  const names: string[] = [];
  for (let g = 0; g < rng.int(1, 8); g++) {
    const name = `group-${g}`;
    const main = rng.pick(templates);
    const mainSpec = { LaunchTemplateId: main.id, Version: reference(main.versions) };
    const refresh = rng.pick(scripts);
    // Now and then the instances lag: they run version 1 whatever the group names.
    const lagging = rng.next() < 0.15 && !mainSpec.Version.startsWith('resolve');
    const capacity = rng.int(1, 3);
    const common = {
      name,
      maxSize: 10,
      refresh: typeof refresh === 'string' ? refresh : [...refresh],
      ...(lagging
        ? { instances: Array.from({ length: capacity }, () => ({ version: 1 })) }
        : { desiredCapacity: capacity }),
    } as const;
    if (rng.next() < 0.3) {
      const other = rng.pick(templates);
      const overrides = [
        { InstanceType: 't3.micro' },
        rng.next() < 0.5
          ? {
              InstanceType: 't4g.micro',
              LaunchTemplateSpecification: { LaunchTemplateId: other.id, Version: reference(other.versions) },
            }
          : { InstanceType: 't3a.micro' },
      ];
      account.addAutoScalingGroup({
        ...common,
        mixedInstancesPolicy: {
          LaunchTemplate: { LaunchTemplateSpecification: mainSpec, Overrides: overrides },
        },
      });
    } else {
      account.addAutoScalingGroup({ ...common, launchTemplate: mainSpec });
    }
    names.push(name);
  }
  const targets = names.filter(() => rng.next() < 0.75);
  if (targets.length === 0) targets.push(rng.pick(names));
  const input = {
    targets: { asgNames: targets },
    untargetedSharers: rng.pick(['refuse', 'refuse', 'include', 'accept'] as const),
    maxConcurrency: rng.pick([1, 2, 5]),
    pollIntervalSeconds: 5,
    maxWaitSeconds: 60,
    ...(prune ? { pruneVersions: prune } : {}),
    // Half the runs wait on refresh events (the shortest backstop, so a lost event still ends
    // within maxWaitSeconds' reads), drawn with chance() so other seeds keep their fleets.
    ...(chance(seed, 'waitMode') < 0.5 ? { waitMode: 'events', backstopSeconds: 60 } : {}),
  };
  return { account, input, targets };
}

/** One seeded run: the fleet, its faults, the run, the invariants. */
export async function soakRun(options: SoakOptions): Promise<SoakRun> {
  const { seed } = options;
  const { account, input, targets } = buildFleet(seed);
  const faults: InjectedFault[] = [];
  const awsKinds = options.faults.filter((k): k is FaultKind => k !== 'lambda-error-after');
  const awsFault = (command: string, nth: number): FaultKind | undefined => {
    if (awsKinds.length === 0 || chance(seed, 'aws', command, nth) >= options.faultRate) return undefined;
    return awsKinds[Math.floor(chance(seed, 'kind', command, nth) * awsKinds.length)];
  };
  for (const command of COMMANDS) {
    for (const kind of awsKinds) {
      account.planFaults({
        command,
        kind,
        when: ({ nth }) => {
          const due = awsFault(command, nth) === kind;
          if (due) faults.push({ kind, at: command, nth });
          return due;
        },
      });
    }
  }
  const handlerOverrides: Partial<Record<TaskStateName | PageStateName, HandlerOverride>> = {};
  if (options.faults.includes('lambda-error-after')) {
    // Every Lambda the run invokes, the page states' included: each may lose its answer after its work.
    for (const state of [...TASK_STATES, ...(Object.keys(PAGE_STATES) as PageStateName[])]) {
      let nth = 0;
      handlerOverrides[state] = async (event, next) => {
        nth += 1;
        const output = await next(event);
        if (chance(seed, 'lambda', state, nth) < options.faultRate) {
          faults.push({ kind: 'lambda-error-after', at: state, nth });
          throw Object.assign(new Error(`Task timed out after its work was done (soak seed ${seed})`), {
            name: 'Lambda.Unknown',
          });
        }
        return output;
      };
    }
  }
  const before = account.snapshot();
  // In events mode, each end event is lost (30%), delivered twice (10%) or delivered, by the seed.
  const eventFates = { deliver: 0, drop: 0, duplicate: 0 };
  const refreshEvents = (_event: unknown, index: number) => {
    const roll = chance(seed, 'event', index);
    const fate = roll < 0.3 ? 'drop' : roll < 0.4 ? 'duplicate' : 'deliver';
    eventFates[fate] += 1;
    return fate;
  };
  const localLedger = await startLocalLedger();
  const runId = `soak-${seed}`;
  let result: RunStateMachineResult;
  let ledgerViolations: string[];
  try {
    result = await runStateMachine({ input, account, runId, handlerOverrides, localLedger, refreshEvents });
    ledgerViolations = await checkLedger(localLedger, runId, result);
  } finally {
    await localLedger.stop();
  }
  const after = account.snapshot();
  const violations = [
    ...checkInvariants({
      before,
      after,
      summary: result.summary,
      targets,
      acceptUntargeted: input.untargetedSharers === 'accept',
      ...pruneKeepOf(input),
    }),
    ...ledgerViolations,
  ];
  const sdkRetries = account.calls.filter((call) => call.fault !== undefined).length;
  const machineRetries = result.events.filter((event) => event.type === 'retried').length;
  const pruned = before.launchTemplates
    .flatMap((t) => t.versions.map((v) => `${t.id}:${v.versionNumber}`))
    .filter(
      (key) =>
        !after.launchTemplates.some((t) => t.versions.some((v) => `${t.id}:${v.versionNumber}` === key)),
    ).length;
  const reportedPruned = (result.summary?.launchTemplates ?? []).reduce(
    (sum, t) => sum + (t.pruned?.length ?? 0),
    0,
  );
  return {
    seed,
    result,
    violations,
    faults,
    sdkRetries,
    machineRetries,
    before,
    after,
    pruning: input.pruneVersions !== undefined,
    events: 'waitMode' in input && input.waitMode === 'events',
    eventFates,
    backstops: result.events.filter((e) => e.type === 'caught' && e.state === 'AwaitRefreshEvent').length,
    pruned,
    reportedPruned,
  };
}

/**
 * The run ledger after a run that reached Summarize: L1 no lock of the run is left (Summarize
 * released every one it took, retries included), L2 every group reported succeeded or refreshed has
 * this run's last patched record, and no other group has one.
 */
async function checkLedger(
  ledger: LocalLedger,
  runId: string,
  result: RunStateMachineResult,
): Promise<string[]> {
  if (!result.summary) return [];
  const { Items = [] } = await ledger.client.send(new ScanCommand({ TableName: ledger.tableName }));
  const violations: string[] = [];
  for (const item of Items) {
    const asgName = item.pk?.S?.replace(/^GROUP#/, '');
    if (item.sk?.S === 'LOCK')
      violations.push(`L1 ${asgName}: still locked by run ${item.runId?.S} after it ended`);
  }
  const patched = new Set(
    Items.filter((i) => i.sk?.S === 'PATCHED' && i.runId?.S === runId).map((i) =>
      i.pk?.S?.replace(/^GROUP#/, ''),
    ),
  );
  for (const group of result.summary.groups) {
    const refreshed = group.status === 'succeeded' || group.status === 'refreshed';
    if (refreshed && !patched.has(group.asgName))
      violations.push(`L2 ${group.asgName}: ${group.status} but no last patched record`);
    if (!refreshed && patched.has(group.asgName) && group.refreshStatus !== 'Successful')
      violations.push(
        `L2 ${group.asgName}: ${group.status} (refresh ${group.refreshStatus}) yet recorded as patched`,
      );
  }
  return violations;
}

/** The seed of run `index` of a suite started with `seed`. */
export function runSeed(seed: number, index: number): number {
  return Math.floor(chance(seed, 'run', index) * 2 ** 31);
}

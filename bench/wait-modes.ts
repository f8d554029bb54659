/**
 * `npm run bench`, section "Waiting on a refresh": state transitions and Lambda invocations per group
 * for a 60-minute refresh, in both wait modes, counted from local runs of the real state machine
 * (the simulated account's refresh takes one step per simulated minute: 60 statuses). Per group:
 * every state entered and every Lambda invoked with that group's record (OnRefreshEvent included);
 * per template and per run: the rest, which a fleet shares.
 */
import Table from 'cli-table3';
import { FakeAccount } from '../src/fake/account.ts';
import type { FakeRefreshStatus } from '../src/fake/instance-refreshes.ts';
import { type RunStateMachineOptions, runStateMachine } from '../src/local/runner.ts';
import { perGroupFigures } from './fleet-scale.ts';

const USD_PER_TRANSITION = 0.025 / 1000;
const USD_PER_INVOCATION = 0.2 / 1_000_000;

export interface WaitModeFigures {
  label: string;
  groups: number;
  transitionsPerGroup: number;
  invocationsPerGroup: number;
  sharedTransitions: number;
  sharedInvocations: number;
  polls: number;
}

/** `groups` groups on one template each, every refresh 60 one-minute steps long, ending Successful. */
function fleet(groups: number): FakeAccount {
  const account = new FakeAccount();
  const minutes = 60;
  const script: FakeRefreshStatus[] = [
    'Pending',
    ...Array.from({ length: minutes - 2 }, () => 'InProgress' as const),
    'Successful',
  ];
  for (let i = 0; i < groups; i++) {
    const name = `app-${String(i).padStart(3, '0')}`;
    const template = account.addLaunchTemplate({
      name,
      versions: [{ data: { ImageId: 'ami-0a1b2c3d4e5f60718', InstanceType: 'm7g.large' } }],
    });
    account.addAutoScalingGroup({
      name,
      launchTemplate: { LaunchTemplateId: template.id, Version: '1' },
      tags: { 'asg-patcher': 'enabled' },
    });
    account.setRefreshScript(name, script);
  }
  return account;
}

export async function measureWaitMode(
  label: string,
  groups: number,
  input: Record<string, unknown>,
  options: Partial<RunStateMachineOptions> = {},
): Promise<WaitModeFigures> {
  const result = await runStateMachine({
    input: {
      targets: { tags: [{ key: 'asg-patcher', values: ['enabled'] }] },
      maxConcurrency: 40,
      maxWaitSeconds: 4 * 3600,
      ...input,
    },
    account: fleet(groups),
    runId: 'bench-wait',
    ...options,
  });
  if (result.status !== 'SUCCEEDED') throw new Error(`${label}: ${result.status} ${result.cause}`);
  return {
    label,
    groups,
    ...perGroupFigures(result, groups),
    polls:
      result.events.filter((e) => e.type === 'entered' && e.state === 'PollInstanceRefresh').length / groups,
  };
}

export async function waitModeFigures(groups = 10): Promise<WaitModeFigures[]> {
  return [
    await measureWaitMode('polling, every 60 s', groups, { waitMode: 'polling', pollIntervalSeconds: 60 }),
    await measureWaitMode('events, backstop 3600 s (default)', groups, { waitMode: 'events' }),
    await measureWaitMode('events, backstop 900 s', groups, { waitMode: 'events', backstopSeconds: 900 }),
    await measureWaitMode(
      'events lost, backstop 3600 s',
      groups,
      { waitMode: 'events' },
      { refreshEvents: () => 'drop' },
    ),
  ];
}

export async function printWaitModes(): Promise<void> {
  const groups = 10;
  console.log(`## Waiting on a refresh: ${groups} groups, each a 60-minute refresh (one template each)`);
  const rows = await waitModeFigures(groups);
  const table = new Table({
    head: [
      'wait',
      'polls per group',
      'transitions per group',
      'Lambda invocations per group',
      'per run + per template (transitions / invocations)',
      'cost per group',
    ],
    style: { head: [], border: [] },
  });
  for (const r of rows)
    table.push([
      r.label,
      r.polls,
      r.transitionsPerGroup,
      r.invocationsPerGroup,
      `${r.sharedTransitions} / ${r.sharedInvocations}`,
      `$${(r.transitionsPerGroup * USD_PER_TRANSITION + r.invocationsPerGroup * USD_PER_INVOCATION).toFixed(5)}`,
    ]);
  console.log(table.toString());
  console.log(
    'Per group: states entered and Lambdas invoked with that group (OnRefreshEvent included); the shared column is ' +
      'the run-level and per-template ones of the whole run. Events mode: transitions = base + 3 per backstop that ' +
      'passes without an end event (floor(refresh duration / backstopSeconds) when events arrive).\n',
  );
}

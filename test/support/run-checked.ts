/**
 * Runs the real state machine against a fake account and checks invariants I1 to I7 on the end
 * state: what every workflow test does before asserting its own outcome.
 */
import type { FakeAccount } from '../../src/fake/account.ts';
import {
  type RunStateMachineOptions,
  type RunStateMachineResult,
  runStateMachine,
} from '../../src/local/runner.ts';
import { checkInvariants } from './invariants.ts';

export interface CheckedRun extends RunStateMachineResult {
  /** Invariant violations (empty when the run kept them all). */
  violations: string[];
  /** Calls that changed the account during this run, by command. */
  mutations: Record<string, number>;
  /** Every call during this run, by command. */
  callsByCommand: Record<string, number>;
}

export async function runChecked(
  account: FakeAccount,
  input: unknown,
  options: Partial<RunStateMachineOptions> & { targets?: string[] } = {},
): Promise<CheckedRun> {
  const before = account.snapshot();
  const callsBefore = account.calls.length;
  const result = await runStateMachine({ input, account, runId: 'test-run', ...options });
  const after = account.snapshot();
  const calls = account.calls.slice(callsBefore);
  const count = (list: typeof calls): Record<string, number> => {
    const counts: Record<string, number> = {};
    for (const call of list) counts[call.command] = (counts[call.command] ?? 0) + 1;
    return counts;
  };
  const targets = options.targets ?? result.summary?.groups.map((g) => g.asgName) ?? [];
  const violations = checkInvariants({
    before,
    after,
    summary: result.summary,
    targets,
    acceptUntargeted: field(input, 'untargetedSharers') === 'accept',
    ...(isObject(field(input, 'patch')) ? { patch: field(input, 'patch') as Record<string, unknown> } : {}),
    ...pruneKeepOf(input),
  });
  return {
    ...result,
    violations,
    mutations: count(calls.filter((c) => c.mutating)),
    callsByCommand: count(calls),
  };
}

/** The input's `pruneVersions.keep`, when it asks for pruning (a bad value fails the run before any change). */
export function pruneKeepOf(input: unknown): { pruneKeep?: number } {
  const prune = field(input, 'pruneVersions');
  const keep = isObject(prune) ? prune.keep : undefined;
  return typeof keep === 'number' ? { pruneKeep: keep } : {};
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(input: unknown, key: string): unknown {
  return isObject(input) ? input[key] : undefined;
}

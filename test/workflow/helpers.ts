/**
 * Helpers for the workflow tests: the real ASL, the real handlers and the fake account, run through
 * src/local/runner.ts (invariants checked on every run). Tests assert the account's end state.
 */

import { expect } from 'vitest';
import { FakeAccount, type FakeCall } from '../../src/fake/account.ts';
import type { RunStateMachineOptions, RunStateMachineResult } from '../../src/local/runner.ts';
import type { GroupResult } from '../../src/schemas.ts';
import { runChecked } from '../support/run-checked.ts';

// The builders every test folder shares live in test/support/builders.ts.
export {
  APP_USER_DATA,
  b64,
  buildTemplateData,
  groupOf,
  referenceOf,
  refreshesOf,
  seedGroup,
  templateOf,
} from '../support/builders.ts';

/** Execution input with fast, valid polling settings (the waits themselves are skipped locally). */
export function buildInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { pollIntervalSeconds: 5, maxWaitSeconds: 60, ...overrides };
}

/**
 * Runs the real state machine and checks invariants I1 to I7 on the end state (every workflow
 * test does), then hands the result back for the test's own assertions.
 */
export async function run(
  account: FakeAccount,
  input: unknown,
  options: Partial<RunStateMachineOptions> & { targets?: string[] } = {},
): Promise<RunStateMachineResult> {
  const checked = await runChecked(account, input, options);
  expect(checked.violations, 'invariants I1-I7 on the end state').toEqual([]);
  return checked;
}

/** Calls that touch one group or its launch template (by the identifiers in their input). */
export function callsFor(account: FakeAccount, asgName: string, templateId?: string): FakeCall[] {
  return account.calls.filter((call) => {
    const input = (call.input ?? {}) as Record<string, unknown>;
    const names = input.AutoScalingGroupNames;
    return (
      input.AutoScalingGroupName === asgName ||
      (Array.isArray(names) && names.length === 1 && names[0] === asgName) ||
      (templateId !== undefined && input.LaunchTemplateId === templateId)
    );
  });
}

export function resultOf(result: RunStateMachineResult, asgName: string): GroupResult {
  const group = result.summary?.groups.find((g) => g.asgName === asgName);
  if (!group) throw new Error(`no result for ${asgName} in the summary`);
  return group;
}

/** The states one group went through, in order. */
export function pathOf(result: RunStateMachineResult, asgName: string): string[] {
  return result.events.filter((e) => e.type === 'entered' && e.asgName === asgName).map((e) => e.state ?? '');
}

export { FakeAccount };

/** A function timeout as Step Functions reports it: "Lambda.Unknown" (Handle Lambda service exceptions). */
export class LambdaUnknown extends Error {
  override readonly name = 'Lambda.Unknown';
}

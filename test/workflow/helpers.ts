/**
 * Shared builders for the workflow tests: the real ASL, the real handlers and the fake account,
 * run through src/local/runner.ts. Tests assert the account's end state.
 */

import { expect } from 'vitest';
import {
  type AutoScalingGroupSeed,
  type AutoScalingGroupSnapshot,
  FakeAccount,
  type FakeCall,
  type LaunchTemplateData,
  type LaunchTemplateSnapshot,
} from '../../src/fake/account.ts';
import type { RunStateMachineOptions, RunStateMachineResult } from '../../src/local/runner.ts';
import type { GroupResult } from '../../src/schemas.ts';
import { runChecked } from '../support/run-checked.ts';

export const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

export const APP_USER_DATA = '#!/bin/bash\nsystemctl start my-app\n';

/** Launch template data as a real one carries it; the patched version must inherit all of it. */
export function buildTemplateData(overrides: LaunchTemplateData = {}): LaunchTemplateData {
  return {
    ImageId: 'ami-0123456789abcdef0',
    InstanceType: 't3.micro',
    SecurityGroupIds: ['sg-0123456789abcdef0'],
    IamInstanceProfile: { Name: 'app-profile' },
    MetadataOptions: { HttpTokens: 'required' },
    TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'app', Value: 'web' }] }],
    UserData: b64(APP_USER_DATA),
    ...overrides,
  };
}

/**
 * An account with one launch template `<name>-lt` and one group `<name>` using it.
 * `versions` defaults to one version; the group refers to the template by id unless `byName`.
 */
export function seedGroup(
  account: FakeAccount,
  name: string,
  options: {
    versions?: LaunchTemplateData[];
    defaultVersion?: number;
    reference?: string;
    byName?: boolean;
    mixedInstances?: boolean;
    group?: Partial<AutoScalingGroupSeed>;
  } = {},
): { templateId: string; templateName: string } {
  const versions = options.versions ?? [buildTemplateData()];
  const template = account.addLaunchTemplate({
    name: `${name}-lt`,
    versions: versions.map((data) => ({ data })),
    ...(options.defaultVersion ? { defaultVersion: options.defaultVersion } : {}),
  });
  const spec = {
    ...(options.byName ? { LaunchTemplateName: template.name } : { LaunchTemplateId: template.id }),
    Version: options.reference ?? '$Default',
  };
  account.addAutoScalingGroup({
    name,
    ...(options.mixedInstances
      ? {
          mixedInstancesPolicy: {
            LaunchTemplate: {
              LaunchTemplateSpecification: spec,
              Overrides: [{ InstanceType: 't3.micro' }, { InstanceType: 't3a.micro' }],
            },
            InstancesDistribution: {
              OnDemandBaseCapacity: 1,
              SpotAllocationStrategy: 'price-capacity-optimized',
            },
          },
        }
      : { launchTemplate: spec }),
    ...options.group,
  });
  return { templateId: template.id, templateName: template.name };
}

/** Execution input with fast, valid polling settings (the waits themselves are skipped locally). */
export function buildInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { pollIntervalSeconds: 5, maxWaitSeconds: 60, ...overrides };
}

/**
 * Runs the real state machine and checks invariants I1 to I6 on the end state (every workflow
 * test does), then hands the result back for the test's own assertions.
 */
export async function run(
  account: FakeAccount,
  input: unknown,
  options: Partial<RunStateMachineOptions> & { targets?: string[] } = {},
): Promise<RunStateMachineResult> {
  const checked = await runChecked(account, input, options);
  expect(checked.violations, 'invariants I1-I6 on the end state').toEqual([]);
  return checked;
}

export function groupOf(account: FakeAccount, name: string): AutoScalingGroupSnapshot {
  const group = account.snapshot().autoScalingGroups.find((g) => g.name === name);
  if (!group) throw new Error(`no group ${name} in the fake account`);
  return group;
}

export function templateOf(account: FakeAccount, id: string): LaunchTemplateSnapshot {
  const template = account.snapshot().launchTemplates.find((t) => t.id === id);
  if (!template) throw new Error(`no launch template ${id} in the fake account`);
  return template;
}

/** The launch template reference a group holds, wherever it keeps it. */
export function referenceOf(account: FakeAccount, name: string): string | undefined {
  const group = groupOf(account, name);
  return (group.launchTemplate ?? group.mixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification)
    ?.Version;
}

export function refreshesOf(account: FakeAccount, name: string) {
  return account.snapshot().instanceRefreshes.filter((r) => r.asgName === name);
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

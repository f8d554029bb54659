/**
 * Builders every test folder imports (STYLE.md: written once, with overrides): a fake account
 * installed around each test, launch templates and groups seeded into it, and the state data the
 * steps receive (settings, group and template records).
 */
import { beforeEach } from 'vitest';
import { autoScaling } from '../../src/clients/auto-scaling.ts';
import { ec2 } from '../../src/clients/ec2.ts';
import type { AwsDeps } from '../../src/clients.ts';
import {
  type AutoScalingGroupSeed,
  type AutoScalingGroupSnapshot,
  FakeAccount,
  type InstanceRefreshSnapshot,
  type LaunchTemplateData,
  type LaunchTemplateSnapshot,
  type MixedInstancesPolicyShape,
} from '../../src/fake/account.ts';
import type { CommandInput, FakeCommandName } from '../../src/fake/commands.ts';
import { installFakeAccount } from '../../src/fake/install.ts';
import {
  type GroupRecord,
  RefreshPreferences,
  type RunSettings,
  type TemplateRecord,
} from '../../src/schemas.ts';
import { versionDescription } from '../../src/steps/lib/run-versions.ts';
import { composeUserData } from '../../src/userdata/compose.ts';

/** The module-scope clients, as the handlers use them; the fake account replaces their `send`. */
export const deps: AwsDeps = { autoScaling, ec2 };

/** A fresh FakeAccount installed before each test; the restore is beforeEach's cleanup. */
export function useFakeAccount(): () => FakeAccount {
  let account: FakeAccount | undefined;
  beforeEach(() => {
    account = new FakeAccount();
    const { restore } = installFakeAccount(account);
    return () => {
      restore();
      account = undefined;
    };
  });
  return () => {
    if (!account) throw new Error('useFakeAccount: no account outside a test');
    return account;
  };
}

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

/** Template data whose user data already carries today's patch script (composed as the run would). */
export function buildCurrentTemplateData(overrides: LaunchTemplateData = {}): LaunchTemplateData {
  const composed = composeUserData(b64(APP_USER_DATA), { updates: 'security', timeSync: true });
  return buildTemplateData({ UserData: composed.base64, ...overrides });
}

export interface SeedGroupOptions {
  /** The template's versions (default: one). */
  versions?: LaunchTemplateData[];
  defaultVersion?: number;
  /** The group's reference on its template (default `$Default`). */
  reference?: string;
  /** Refer to the template by name instead of id. */
  byName?: boolean;
  mixedInstances?: boolean;
  /** Anything else of the group's seed (instances, refresh script, tags, ...). */
  group?: Partial<AutoScalingGroupSeed>;
}

/**
 * An account with one launch template `<name>-lt` and one group `<name>` using it.
 * `versions` defaults to one version; the group refers to the template by id unless `byName`.
 */
export function seedGroup(
  account: FakeAccount,
  name: string,
  options: SeedGroupOptions = {},
): { asgName: string; templateId: string; templateName: string } {
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
  return { asgName: name, templateId: template.id, templateName: template.name };
}

/** A launch template `<name>` with these versions (default: one). */
export function seedTemplate(
  account: FakeAccount,
  name: string,
  versions: LaunchTemplateData[] = [buildTemplateData()],
  defaultVersion?: number,
): { id: string; name: string } {
  return account.addLaunchTemplate({
    name,
    versions: versions.map((data) => ({ data })),
    ...(defaultVersion ? { defaultVersion } : {}),
  });
}

/**
 * A launch template `<name>` whose versions were made, in order, by this tool (`ours`: each by an
 * earlier run of its own, `asg-patcher run old-<n> (from version 1)`, as CreatePatchedVersion
 * describes them) or by the customer (`theirs`: described `made by hand`). Version 1 comes first.
 */
export function seedVersionHistory(
  account: FakeAccount,
  name: string,
  makers: readonly ('ours' | 'theirs')[],
  defaultVersion?: number,
): { id: string; name: string } {
  return account.addLaunchTemplate({
    name,
    versions: makers.map((maker, index) => ({
      data: buildTemplateData(),
      description: maker === 'ours' ? versionDescription(`old-${index + 1}`, 1) : 'made by hand',
    })),
    ...(defaultVersion ? { defaultVersion } : {}),
  });
}

/** Preferences with the schema's defaults applied, plus overrides. */
export function buildPreferences(overrides: Partial<RefreshPreferences> = {}): RefreshPreferences {
  return RefreshPreferences.parse(overrides);
}

export function buildSettings(overrides: Partial<RunSettings> = {}): RunSettings {
  return {
    runId: 'run-0001',
    dryRun: false,
    force: false,
    patch: { updates: 'security', timeSync: true },
    refreshPreferences: buildPreferences(),
    untargetedSharers: 'refuse',
    maxConcurrency: 5,
    pollIntervalSeconds: 60,
    maxWaitSeconds: 300,
    waitMode: 'polling',
    backstopSeconds: 3600,
    waitIntervalSeconds: 60,
    maxPolls: 5,
    ...overrides,
  };
}

/** A group record as the plan writes it: `web` patching `$Default` = 1 of one template. */
export function buildRecord(overrides: Partial<GroupRecord> = {}): GroupRecord {
  return {
    asgName: 'web',
    action: 'patch',
    reason: "lt-00000000000000001 version 1 lacks today's patch script",
    specs: [{ slot: 'main', launchTemplateId: 'lt-00000000000000001', reference: '$Default', version: 1 }],
    rollbackPossible: true,
    ...overrides,
  };
}

/** A template record as the plan writes it: `web-lt`, version 1 to be patched, followed by `web`. */
export function buildTemplateRecord(overrides: Partial<TemplateRecord> = {}): TemplateRecord {
  return {
    launchTemplateId: 'lt-00000000000000001',
    launchTemplateName: 'web-lt',
    defaultVersion: 1,
    latestVersion: 1,
    sources: [{ version: 1, action: 'create', summary: 'our script, then the customer part' }],
    changes: true,
    followers: [{ asgName: 'web', reference: '$Default' }],
    users: ['web'],
    acceptedSharers: [],
    ...overrides,
  };
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

/** The version numbers a template has now. */
export function versionsOf(account: FakeAccount, id: string): number[] {
  return templateOf(account, id).versions.map((v) => v.versionNumber);
}

/** The launch template reference a group holds, wherever it keeps it. */
export function referenceOf(account: FakeAccount, name: string): string | undefined {
  const group = groupOf(account, name);
  return (group.launchTemplate ?? group.mixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification)
    ?.Version;
}

/** The template versions a group's instances run, as `<version>` strings, sorted. */
export function instanceVersionsOf(account: FakeAccount, name: string, templateId?: string): string[] {
  return groupOf(account, name)
    .instances.filter((i) => templateId === undefined || i.launchTemplate?.LaunchTemplateId === templateId)
    .map((i) => i.launchTemplate?.Version ?? '-')
    .sort();
}

export function refreshesOf(account: FakeAccount, name: string): InstanceRefreshSnapshot[] {
  return account.snapshot().instanceRefreshes.filter((r) => r.asgName === name);
}

/** The inputs the account received for one command, in order, typed as the SDK types them. */
export function inputsOf<K extends FakeCommandName>(account: FakeAccount, command: K): CommandInput<K>[] {
  return account.callsOf(command).map((call) => call.input as CommandInput<K>);
}

/**
 * A mixed-instances policy with two instance types: `t3.micro` from the main template and
 * `g5.xlarge` from an override template of its own, each at the given reference.
 */
export function gpuMixedPolicy(
  mainId: string,
  mainVersion: string,
  gpuId: string,
  gpuVersion: string,
  distribution: Record<string, unknown>,
  options: { weighted?: boolean } = {},
): MixedInstancesPolicyShape {
  return {
    LaunchTemplate: {
      LaunchTemplateSpecification: { LaunchTemplateId: mainId, Version: mainVersion },
      Overrides: [
        { InstanceType: 't3.micro', ...(options.weighted ? { WeightedCapacity: '1' } : {}) },
        {
          InstanceType: 'g5.xlarge',
          LaunchTemplateSpecification: { LaunchTemplateId: gpuId, Version: gpuVersion },
        },
      ],
    },
    InstancesDistribution: distribution,
  };
}

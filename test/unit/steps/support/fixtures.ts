/**
 * Builders for step tests: a fake account installed around each test, seeded launch templates and
 * groups with overrides, and the state data the steps receive.
 */
import { afterEach, beforeEach } from 'vitest';
import { autoScaling } from '../../../../src/clients/auto-scaling.ts';
import { ec2 } from '../../../../src/clients/ec2.ts';
import type { AwsDeps } from '../../../../src/clients.ts';
import {
  type AutoScalingGroupSeed,
  FakeAccount,
  type LaunchTemplateData,
  type MixedInstancesPolicyShape,
  type RefreshScript,
} from '../../../../src/fake/account.ts';
import { installFakeAccount } from '../../../../src/fake/install.ts';
import {
  type GroupTarget,
  type PatchOptions,
  RefreshPreferences,
  type RunSettings,
} from '../../../../src/schemas.ts';

/** The module-scope clients, as the handlers use them; the fake replaces their `send`. */
export const deps: AwsDeps = { autoScaling, ec2 };

/** A fresh FakeAccount installed before each test and uninstalled after it. */
export function useFakeAccount(): () => FakeAccount {
  let account: FakeAccount | undefined;
  let restore: (() => void) | undefined;
  beforeEach(() => {
    account = new FakeAccount();
    restore = installFakeAccount(account).restore;
  });
  afterEach(() => {
    restore?.();
    account = undefined;
  });
  return () => {
    if (!account) throw new Error('useFakeAccount: no account outside a test');
    return account;
  };
}

export const base64 = (text: string): string => Buffer.from(text).toString('base64');

export const CUSTOMER_SCRIPT = '#!/bin/bash\necho "customer bootstrap" > /var/log/bootstrap.log\n';

/** A realistic launch-template version: the fields SourceVersion inheritance must keep. */
export function buildVersionData(overrides: LaunchTemplateData = {}): LaunchTemplateData {
  return {
    ImageId: 'ami-0123456789abcdef0',
    InstanceType: 't3.micro',
    NetworkInterfaces: [
      {
        DeviceIndex: 0,
        AssociatePublicIpAddress: false,
        Groups: ['sg-0aaaabbbbccccdddd'],
        SubnetId: 'subnet-01',
      },
    ],
    BlockDeviceMappings: [
      {
        DeviceName: '/dev/xvda',
        Ebs: { VolumeSize: 30, VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true },
      },
    ],
    TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'team', Value: 'payments' }] }],
    MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' },
    UserData: base64(CUSTOMER_SCRIPT),
    ...overrides,
  };
}

export interface GroupFixture {
  name?: string;
  /** The group's reference: `$Default`, `$Latest` or a number (default `$Default`). */
  version?: string;
  /** Refer to the template by name instead of id. */
  byName?: boolean;
  mixedInstances?: boolean;
  /** Versions of the template (default: three, the default being 2). */
  versions?: LaunchTemplateData[];
  defaultVersion?: number;
  refresh?: RefreshScript;
  tags?: Record<string, string>;
  suspendedProcesses?: string[];
}

export const MIXED_OVERRIDES = [
  { InstanceType: 't3.micro' },
  { InstanceType: 't3a.micro', WeightedCapacity: '1' },
];
export const MIXED_DISTRIBUTION = {
  OnDemandBaseCapacity: 1,
  OnDemandPercentageAboveBaseCapacity: 25,
  SpotAllocationStrategy: 'price-capacity-optimized',
};

/** The policy of a mixed-instances group seeded as `web` (the fake adds the template name), its spec on `version`. */
export function mixedPolicy(templateId: string, version: string) {
  return {
    LaunchTemplate: {
      LaunchTemplateSpecification: {
        LaunchTemplateId: templateId,
        LaunchTemplateName: 'web-lt',
        Version: version,
      },
      Overrides: MIXED_OVERRIDES,
    },
    InstancesDistribution: MIXED_DISTRIBUTION,
  };
}

/**
 * Seeds a launch template and a group using it. Default: versions 1..3 with distinct AMIs, default
 * version 2, the group on `$Default`, refreshes that succeed.
 */
export function seedGroup(
  account: FakeAccount,
  fixture: GroupFixture = {},
): { asgName: string; templateId: string; templateName: string } {
  const asgName = fixture.name ?? 'web';
  const templateName = `${asgName}-lt`;
  const versions = fixture.versions ?? [
    buildVersionData({ ImageId: 'ami-00000000000000001' }),
    buildVersionData({ ImageId: 'ami-00000000000000002' }),
    buildVersionData({ ImageId: 'ami-00000000000000003' }),
  ];
  const { id } = account.addLaunchTemplate({
    name: templateName,
    versions: versions.map((data, index) => ({ data, description: `v${index + 1}` })),
    defaultVersion: fixture.defaultVersion ?? Math.min(2, versions.length),
  });
  const spec = {
    ...(fixture.byName ? { LaunchTemplateName: templateName } : { LaunchTemplateId: id }),
    Version: fixture.version ?? '$Default',
  };
  const mixed: MixedInstancesPolicyShape = {
    LaunchTemplate: { LaunchTemplateSpecification: spec, Overrides: MIXED_OVERRIDES },
    InstancesDistribution: MIXED_DISTRIBUTION,
  };
  const seed: AutoScalingGroupSeed = {
    name: asgName,
    ...(fixture.mixedInstances ? { mixedInstancesPolicy: mixed } : { launchTemplate: spec }),
    tags: fixture.tags ?? { Environment: 'test' },
    suspendedProcesses: fixture.suspendedProcesses ?? [],
    refresh: fixture.refresh ?? 'succeed',
  };
  account.addAutoScalingGroup(seed);
  return { asgName, templateId: id, templateName };
}

export const PATCH: PatchOptions = { updates: 'security', timeSync: true };

/** Preferences with the schema's defaults applied, plus overrides. */
export function buildPreferences(overrides: Partial<RefreshPreferences> = {}): RefreshPreferences {
  return RefreshPreferences.parse(overrides);
}

export function buildSettings(overrides: Partial<RunSettings> = {}): RunSettings {
  return {
    runId: 'run-0001',
    dryRun: false,
    force: false,
    patch: PATCH,
    refreshPreferences: buildPreferences(),
    maxConcurrency: 5,
    pollIntervalSeconds: 60,
    maxWaitSeconds: 300,
    maxPolls: 5,
    ...overrides,
  };
}

export function buildTarget(overrides: Partial<GroupTarget> = {}): GroupTarget {
  return {
    asgName: 'web',
    launchTemplateId: 'lt-00000000000000001',
    launchTemplateName: 'web-lt',
    source: 'LaunchTemplate',
    originalVersion: '$Default',
    resolvedVersion: 2,
    defaultVersion: 2,
    latestVersion: 3,
    ...overrides,
  };
}

/** The group's current launch template spec in the fake (either place). */
export function groupSpec(account: FakeAccount, asgName: string) {
  const group = account.snapshot().autoScalingGroups.find((candidate) => candidate.name === asgName);
  return group?.launchTemplate ?? group?.mixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
}

export function template(account: FakeAccount, templateId: string) {
  const found = account.snapshot().launchTemplates.find((candidate) => candidate.id === templateId);
  if (!found) throw new Error(`no template ${templateId}`);
  return found;
}

export const versionNumbers = (account: FakeAccount, templateId: string): number[] =>
  template(account, templateId).versions.map((version) => version.versionNumber);

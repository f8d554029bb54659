/**
 * Scenario files: a JSON description of a simulated account (launch templates, Auto Scaling groups
 * and how each group's instance refresh will behave), used by the local runner, the demo and tests.
 * The schema is strict: an unknown or misspelt key is an error that names its path.
 *
 * Example: test/unit/fake/fixtures/scenario.json; the demo's is examples/demo-scenario.json.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  type AutoScalingGroupSeed,
  FakeAccount,
  type FakeAccountOptions,
  type LaunchTemplateData,
  type LaunchTemplateOverrideShape,
  type LaunchTemplateReference,
  REFRESH_STATUSES,
} from './account.ts';

const VersionReference = z
  .string()
  .regex(/^(\$Default|\$Latest|[1-9]\d*)$/, 'must be "$Default", "$Latest" or a version number such as "3"');

/** One launch template version. */
export const ScenarioVersion = z
  .strictObject({
    /** VersionDescription. */
    description: z.string().max(255).optional(),
    /**
     * Inherit the data of this earlier version of the same template (1-based), as
     * CreateLaunchTemplateVersion's SourceVersion does; `data` then overrides top-level fields.
     */
    sourceVersion: z.number().int().positive().optional(),
    /**
     * LaunchTemplateData as the EC2 API spells it (ImageId, InstanceType, NetworkInterfaces,
     * BlockDeviceMappings, TagSpecifications, ...). Put user data in `userData`/`userDataBase64`.
     */
    data: z
      .record(z.string(), z.unknown())
      .refine((d) => !('UserData' in d), 'put user data in "userData" (plain text) or "userDataBase64"')
      .default({}),
    /** The user data as plain text (stored base64-encoded, as EC2 does). */
    userData: z.string().optional(),
    /** The user data already base64-encoded (e.g. gzip-compressed user data). */
    userDataBase64: z.base64().optional(),
  })
  .refine((v) => v.userData === undefined || v.userDataBase64 === undefined, {
    message: 'give either "userData" or "userDataBase64", not both',
  });
export type ScenarioVersion = z.infer<typeof ScenarioVersion>;

export const ScenarioLaunchTemplate = z
  .strictObject({
    /** LaunchTemplateName; groups refer to the template by this name in the scenario. */
    name: z.string().min(3).max(128),
    /** Versions in order: the first is version 1. */
    versions: z.array(ScenarioVersion).min(1),
    /** The default version number (1 when omitted). */
    defaultVersion: z.number().int().positive().default(1),
  })
  .superRefine((t, ctx) => {
    if (t.defaultVersion > t.versions.length)
      ctx.addIssue({
        code: 'custom',
        path: ['defaultVersion'],
        message: `there are only ${t.versions.length} version(s)`,
      });
    t.versions.forEach((v, i) => {
      if (v.sourceVersion !== undefined && v.sourceVersion > i)
        ctx.addIssue({
          code: 'custom',
          path: ['versions', i, 'sourceVersion'],
          message: `must name an earlier version (1..${i})`,
        });
    });
  });
export type ScenarioLaunchTemplate = z.infer<typeof ScenarioLaunchTemplate>;

/** How a group refers to its launch template. */
export const ScenarioTemplateReference = z.strictObject({
  /** The scenario name of the launch template. */
  template: z.string().min(1),
  /** Refer by LaunchTemplateId (the default) or by LaunchTemplateName; AWS returns both either way. */
  by: z.enum(['id', 'name']).default('id'),
  /** `$Default` (AWS's default when omitted), `$Latest` or a number as a string. */
  version: VersionReference.default('$Default'),
});
export type ScenarioTemplateReference = z.infer<typeof ScenarioTemplateReference>;

/**
 * One LaunchTemplateOverrides entry, as the Auto Scaling API spells it (`InstanceType`,
 * `WeightedCapacity`, ...), except that its own launch template is a scenario reference in
 * `launchTemplate` ("Specifying a different launch template for an instance type").
 */
export const ScenarioOverride = z
  .looseObject({
    InstanceType: z.string().min(1).optional(),
    /** This instance type launches from this template instead of the policy's. */
    launchTemplate: ScenarioTemplateReference.optional(),
  })
  .refine((o) => !('LaunchTemplateSpecification' in o), {
    message: 'give the override\'s template as "launchTemplate": { "template": ..., "version": ... }',
  });
export type ScenarioOverride = z.infer<typeof ScenarioOverride>;

/** An instance the group already runs (e.g. one lagging behind its template). */
export const ScenarioInstance = z.strictObject({
  /** The version number it was launched from. */
  version: z.number().int().positive(),
  /** Its instance type; by default the type the group gives an instance at its position. */
  instanceType: z.string().min(1).optional(),
  /** The scenario name of the template it was launched from; the group's main template when omitted. */
  template: z.string().min(1).optional(),
});
export type ScenarioInstance = z.infer<typeof ScenarioInstance>;

/** A refresh behaviour: a preset, or the explicit statuses it shows, one per DescribeInstanceRefreshes. */
export const ScenarioRefresh = z.union(
  [z.enum(['succeed', 'fail', 'rollback', 'stuck']), z.array(z.enum(REFRESH_STATUSES)).min(1)],
  {
    error: `must be "succeed", "fail", "rollback", "stuck" or a non-empty list of statuses (${REFRESH_STATUSES.join(', ')})`,
  },
);

export const ScenarioGroup = z
  .strictObject({
    /** AutoScalingGroupName. */
    name: z.string().min(1).max(255),
    /** The group's LaunchTemplate. Exactly one of launchTemplate, mixedInstancesPolicy, launchConfigurationName. */
    launchTemplate: ScenarioTemplateReference.optional(),
    /** A MixedInstancesPolicy: its LaunchTemplateSpecification, Overrides and InstancesDistribution. */
    mixedInstancesPolicy: z
      .strictObject({
        launchTemplate: ScenarioTemplateReference,
        /**
         * Overrides as the Auto Scaling API spells them, e.g. `[{ "InstanceType": "m5.large" }]`; an
         * override's own template is `"launchTemplate": { "template": "gpu", "version": "2" }`.
         */
        overrides: z.array(ScenarioOverride).default([]),
        /** InstancesDistribution as the Auto Scaling API spells it. */
        instancesDistribution: z.record(z.string(), z.unknown()).optional(),
      })
      .optional(),
    /** A launch configuration name instead of a launch template (asg-patcher refuses such groups). */
    launchConfigurationName: z.string().min(1).optional(),
    /** Group tags, key to value. */
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
    /** Suspended processes, e.g. `["InstanceRefresh"]`. */
    suspendedProcesses: z
      .array(
        z.enum([
          'Launch',
          'Terminate',
          'AddToLoadBalancer',
          'AlarmNotification',
          'AZRebalance',
          'HealthCheck',
          'InstanceRefresh',
          'ReplaceUnhealthy',
          'ScheduledActions',
        ]),
      )
      .default([]),
    /** DesiredCapacity (2 when omitted, or the number of `instances`); the number of instances a refresh replaces. */
    desiredCapacity: z.number().int().nonnegative().optional(),
    /**
     * Exactly what the group's instances run. When omitted, `desiredCapacity` instances are launched
     * from the group's configuration as it resolves when the scenario loads.
     */
    instances: z.array(ScenarioInstance).optional(),
    minSize: z.number().int().nonnegative().optional(),
    maxSize: z.number().int().nonnegative().optional(),
    /** How the instance refreshes this run starts will behave (`succeed` when omitted). */
    refresh: ScenarioRefresh.default('succeed'),
    /** An instance refresh already running before the run starts, with its behaviour (e.g. `stuck`). */
    activeRefresh: ScenarioRefresh.optional(),
  })
  .refine(
    (g) =>
      [g.launchTemplate, g.mixedInstancesPolicy, g.launchConfigurationName].filter((x) => x !== undefined)
        .length === 1,
    { message: 'give exactly one of "launchTemplate", "mixedInstancesPolicy", "launchConfigurationName"' },
  )
  .refine(
    (g) => !g.instances || g.desiredCapacity === undefined || g.desiredCapacity === g.instances.length,
    { path: ['desiredCapacity'], message: 'must equal the number of "instances" (or leave it out)' },
  )
  .refine((g) => !g.instances || !g.launchConfigurationName, {
    path: ['instances'],
    message:
      'instances are described by launch template version; a launch configuration group has none to give',
  });
export type ScenarioGroup = z.infer<typeof ScenarioGroup>;

export const Scenario = z
  .strictObject({
    /** Free text shown by the runner. */
    description: z.string().optional(),
    launchTemplates: z.array(ScenarioLaunchTemplate).default([]),
    autoScalingGroups: z.array(ScenarioGroup).default([]),
  })
  .superRefine((s, ctx) => {
    /** The names under `key`, each duplicate reported. */
    const uniqueNames = (key: 'launchTemplates' | 'autoScalingGroups'): Set<string> => {
      const seen = new Set<string>();
      s[key].forEach(({ name }, i) => {
        if (seen.has(name))
          ctx.addIssue({ code: 'custom', path: [key, i, 'name'], message: `duplicate ${name}` });
        seen.add(name);
      });
      return seen;
    };
    const names = uniqueNames('launchTemplates');
    uniqueNames('autoScalingGroups');
    const known = (template: string | undefined, path: (string | number)[]): void => {
      if (template !== undefined && !names.has(template))
        ctx.addIssue({
          code: 'custom',
          path,
          message: `no launch template named "${template}" in launchTemplates`,
        });
    };
    s.autoScalingGroups.forEach((g, i) => {
      const at = ['autoScalingGroups', i];
      known(g.launchTemplate?.template, [...at, 'launchTemplate', 'template']);
      known(g.mixedInstancesPolicy?.launchTemplate.template, [
        ...at,
        'mixedInstancesPolicy',
        'launchTemplate',
        'template',
      ]);
      for (const [j, o] of (g.mixedInstancesPolicy?.overrides ?? []).entries())
        known(o.launchTemplate?.template, [
          ...at,
          'mixedInstancesPolicy',
          'overrides',
          j,
          'launchTemplate',
          'template',
        ]);
      for (const [j, inst] of (g.instances ?? []).entries())
        known(inst.template, [...at, 'instances', j, 'template']);
    });
  });
export type Scenario = z.infer<typeof Scenario>;

/** A scenario that does not match the schema; the message lists every problem with its path. */
export class InvalidScenarioError extends Error {
  override readonly name = 'InvalidScenarioError';
}

/** Parses a scenario (throws InvalidScenarioError naming each bad field). */
export function parseScenario(json: unknown): Scenario {
  const parsed = Scenario.safeParse(json);
  if (!parsed.success) throw new InvalidScenarioError(`Invalid scenario:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Builds a FakeAccount holding what the scenario describes. */
export function accountFromScenario(json: unknown, options: FakeAccountOptions = {}): FakeAccount {
  const scenario = parseScenario(json);
  const account = new FakeAccount(options);
  const ids = new Map<string, string>();
  for (const t of scenario.launchTemplates) {
    const datas: LaunchTemplateData[] = [];
    for (const v of t.versions) {
      const inherited = v.sourceVersion === undefined ? {} : (datas[v.sourceVersion - 1] ?? {});
      const userData =
        v.userDataBase64 ??
        (v.userData === undefined ? undefined : Buffer.from(v.userData).toString('base64'));
      datas.push({
        ...structuredClone(inherited),
        ...v.data,
        ...(userData !== undefined ? { UserData: userData } : {}),
      });
    }
    const { id } = account.addLaunchTemplate({
      name: t.name,
      defaultVersion: t.defaultVersion,
      versions: t.versions.map((v, i) => ({ data: datas[i] ?? {}, description: v.description })),
    });
    ids.set(t.name, id);
  }
  const reference = (r: ScenarioTemplateReference): LaunchTemplateReference =>
    r.by === 'name'
      ? { LaunchTemplateName: r.template, Version: r.version }
      : { LaunchTemplateId: ids.get(r.template), Version: r.version };
  for (const g of scenario.autoScalingGroups) {
    const seed: AutoScalingGroupSeed = {
      name: g.name,
      tags: g.tags,
      suspendedProcesses: g.suspendedProcesses,
      desiredCapacity: g.desiredCapacity,
      minSize: g.minSize,
      maxSize: g.maxSize,
      refresh: g.refresh,
      ...(g.instances
        ? {
            instances: g.instances.map((inst) => ({
              version: inst.version,
              ...(inst.instanceType !== undefined ? { instanceType: inst.instanceType } : {}),
              ...(inst.template !== undefined ? { launchTemplateName: inst.template } : {}),
            })),
          }
        : {}),
    };
    if (g.launchTemplate) seed.launchTemplate = reference(g.launchTemplate);
    if (g.mixedInstancesPolicy)
      seed.mixedInstancesPolicy = {
        LaunchTemplate: {
          LaunchTemplateSpecification: reference(g.mixedInstancesPolicy.launchTemplate),
          Overrides: g.mixedInstancesPolicy.overrides.map(
            ({ launchTemplate, ...rest }): LaunchTemplateOverrideShape => ({
              ...rest,
              ...(launchTemplate ? { LaunchTemplateSpecification: reference(launchTemplate) } : {}),
            }),
          ),
        },
        ...(g.mixedInstancesPolicy.instancesDistribution
          ? { InstancesDistribution: g.mixedInstancesPolicy.instancesDistribution }
          : {}),
      };
    if (g.launchConfigurationName) seed.launchConfigurationName = g.launchConfigurationName;
    account.addAutoScalingGroup(seed);
    if (g.activeRefresh) account.addInstanceRefresh(g.name, g.activeRefresh);
  }
  return account;
}

/** Reads and loads a scenario JSON file. */
export function accountFromScenarioFile(path: string, options: FakeAccountOptions = {}): FakeAccount {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InvalidScenarioError(`Cannot read scenario ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return accountFromScenario(json, options);
}

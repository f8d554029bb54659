/**
 * Simulated Auto Scaling groups and their instances: DescribeAutoScalingGroups,
 * DescribeAutoScalingInstances and UpdateAutoScalingGroup; what each instance was launched from;
 * scale-outs and the instance replacements an instance refresh asks for.
 */
import type {
  AutoScalingGroup,
  Instance,
  InstancesDistribution,
  LaunchTemplateOverrides,
} from '@aws-sdk/client-auto-scaling';
import type { CommandInput, CommandOutput } from './commands.ts';
import { awsError } from './errors.ts';
import type { RefreshScript } from './instance-refreshes.ts';
import type { LaunchTemplateReference, LaunchTemplates } from './launch-templates.ts';
import { paginate } from './pagination.ts';
import { clone, type FakeContext, isNumbered, strings } from './util.ts';

/**
 * One LaunchTemplateOverrides entry: an instance type, optionally with its own launch template
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LaunchTemplateOverrides.html,
 * "Specifying a different launch template for an instance type":
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-mixed-instances-groups-launch-template-overrides.html).
 * Other keys (WeightedCapacity, InstanceRequirements, ...) are kept but not interpreted.
 */
export type LaunchTemplateOverrideShape = Omit<LaunchTemplateOverrides, 'LaunchTemplateSpecification'> & {
  LaunchTemplateSpecification?: LaunchTemplateReference;
};

/** MixedInstancesPolicy as the Auto Scaling API shapes it (the launch templates and instance types are interpreted). */
export interface MixedInstancesPolicyShape {
  LaunchTemplate?: {
    LaunchTemplateSpecification?: LaunchTemplateReference;
    Overrides?: LaunchTemplateOverrideShape[];
  };
  InstancesDistribution?: InstancesDistribution;
}

export interface DesiredConfigurationShape {
  LaunchTemplate?: LaunchTemplateReference;
  MixedInstancesPolicy?: MixedInstancesPolicyShape;
}

/** The launch template an instance was launched from, as Auto Scaling reports it: always a number. */
export interface InstanceLaunchTemplate {
  LaunchTemplateId: string;
  LaunchTemplateName: string;
  /** The version number the instance was launched from, as a string (never `$Latest`/`$Default`). */
  Version: string;
}

/** An instance a test places in a group: what it runs, exactly. */
export interface InstanceSeed {
  /** The version number of the template the instance was launched from (it need not exist any more). */
  version: number;
  /** Defaults to the type the group would give the instance at its position (round-robin over overrides). */
  instanceType?: string;
  /** The template it was launched from (name); defaults to the group's main launch template. */
  launchTemplateName?: string;
}

export interface AutoScalingGroupSeed {
  name: string;
  /** Exactly one of launchTemplate, mixedInstancesPolicy, launchConfigurationName. */
  launchTemplate?: LaunchTemplateReference;
  mixedInstancesPolicy?: MixedInstancesPolicyShape;
  launchConfigurationName?: string;
  tags?: Record<string, string>;
  /** Suspended process names, e.g. `InstanceRefresh`, `Launch`. */
  suspendedProcesses?: string[];
  minSize?: number;
  maxSize?: number;
  /** Defaults to 2. */
  desiredCapacity?: number;
  /** How this group's instance refreshes behave (`succeed` when omitted). */
  refresh?: RefreshScript;
  /**
   * Exactly what the group's instances run (e.g. instances lagging behind the template). When
   * omitted, `desiredCapacity` instances are launched from the group's configuration as it resolves
   * now. When given, desiredCapacity defaults to its length (and must equal it if also given).
   */
  instances?: InstanceSeed[];
}

export interface InstanceSnapshot {
  instanceId: string;
  instanceType: string;
  /** Absent only for a launch-configuration group (or a reference to a template that does not exist). */
  launchTemplate?: InstanceLaunchTemplate;
  launchConfigurationName?: string;
}
export interface AutoScalingGroupSnapshot {
  name: string;
  launchTemplate?: LaunchTemplateReference;
  mixedInstancesPolicy?: MixedInstancesPolicyShape;
  launchConfigurationName?: string;
  tags: Record<string, string>;
  suspendedProcesses: string[];
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  instances: InstanceSnapshot[];
}

export interface GroupState {
  name: string;
  createdAt: Date;
  launchTemplate?: LaunchTemplateReference;
  mixedInstancesPolicy?: MixedInstancesPolicyShape;
  launchConfigurationName?: string;
  tags: Record<string, string>;
  suspendedProcesses: string[];
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  refresh: RefreshScript;
  instances: InstanceState[];
}

interface InstanceState {
  instanceId: string;
  instanceType: string;
  availabilityZone: string;
  /** The number it was launched from; a reference kept as stored when its template is gone. */
  launchTemplate?: InstanceLaunchTemplate | LaunchTemplateReference;
  launchConfigurationName?: string;
}

/** What a group launches from: exactly one of the three. */
export type GroupConfig = Pick<
  GroupState,
  'launchTemplate' | 'mixedInstancesPolicy' | 'launchConfigurationName'
>;

/** One way the group launches an instance: an instance type and the template reference it launches from. */
interface LaunchSlot {
  instanceType: string;
  ref?: LaunchTemplateReference;
  launchConfigurationName?: string;
}

/** An instance type when the template names none (AWS would refuse to launch; the fake picks something plausible). */
const FALLBACK_INSTANCE_TYPE = 't3.micro';

/** AWS's message for the instance refresh "Update restriction" (see checkUpdateRestriction). */
export const ACTIVE_REFRESH_UPDATE_MESSAGE =
  'An active instance refresh with a desired configuration exists. All configuration options derived from the desired configuration are not available for update while the instance refresh is active.';

export class AutoScalingGroups {
  private readonly groups: GroupState[] = [];
  /** Instance ids are counter-based, so a run replays exactly. */
  private instanceCount = 0;

  /**
   * @param activeDesired the desired configuration of the group's active instance refresh, if any
   *   (the update restriction).
   */
  constructor(
    private readonly ctx: FakeContext,
    private readonly templates: LaunchTemplates,
    private readonly activeDesired: (asgName: string) => DesiredConfigurationShape | undefined,
  ) {}

  /**
   * Adds an Auto Scaling group. A reference by name is stored with the id too, as AWS returns both;
   * a reference to a template that does not exist is kept as given (AWS lets a template be deleted).
   */
  add(seed: AutoScalingGroupSeed): void {
    const kinds = [seed.launchTemplate, seed.mixedInstancesPolicy, seed.launchConfigurationName].filter(
      (x) => x !== undefined,
    );
    if (kinds.length !== 1)
      throw new Error(
        `group ${seed.name}: exactly one of launchTemplate, mixedInstancesPolicy, launchConfigurationName`,
      );
    if (this.groups.some((g) => g.name === seed.name)) throw new Error(`group ${seed.name} already exists`);
    if (
      seed.instances &&
      seed.desiredCapacity !== undefined &&
      seed.desiredCapacity !== seed.instances.length
    )
      throw new Error(
        `group ${seed.name}: desiredCapacity ${seed.desiredCapacity} but ${seed.instances.length} instance(s) given`,
      );
    const desired = seed.instances?.length ?? seed.desiredCapacity ?? 2;
    const g: GroupState = {
      name: seed.name,
      createdAt: this.ctx.now(),
      launchTemplate: seed.launchTemplate && this.templates.normaliseReference(seed.launchTemplate),
      mixedInstancesPolicy: seed.mixedInstancesPolicy && this.normalisePolicy(seed.mixedInstancesPolicy),
      launchConfigurationName: seed.launchConfigurationName,
      tags: { ...(seed.tags ?? {}) },
      suspendedProcesses: [...(seed.suspendedProcesses ?? [])],
      minSize: seed.minSize ?? Math.min(1, desired),
      maxSize: seed.maxSize ?? Math.max(desired * 2, 1),
      desiredCapacity: desired,
      refresh: seed.refresh ?? 'succeed',
      instances: [],
    };
    if (seed.instances) g.instances = seed.instances.map((s, i) => this.seededInstance(g, s, i));
    else this.launch(g, desired);
    this.groups.push(g);
  }

  /** A scale-out of `count` from the current configuration, resolved now; DesiredCapacity follows. */
  launchInstances(asgName: string, count: number): InstanceSnapshot[] {
    const g = this.get(asgName);
    if (g.desiredCapacity + count > g.maxSize)
      throw new Error(
        `group ${asgName}: ${g.desiredCapacity + count} instances would exceed MaxSize ${g.maxSize}`,
      );
    g.desiredCapacity += count;
    return this.launch(g, count).map((i) => this.instanceSnapshot(i));
  }

  /** The group (a test error, not an AWS one, when it does not exist). */
  get(name: string): GroupState {
    const g = this.groups.find((x) => x.name === name);
    if (!g) throw new Error(`no Auto Scaling group ${name} in the fake account`);
    return g;
  }

  find(name: string): GroupState | undefined {
    return this.groups.find((x) => x.name === name);
  }

  orValidationError(name: unknown): GroupState {
    const g = this.groups.find((x) => x.name === name);
    if (!g)
      throw awsError(
        'autoscaling',
        'ValidationError',
        `AutoScalingGroup name not found - AutoScalingGroup '${String(name)}' not found`,
      );
    return g;
  }

  snapshot(): AutoScalingGroupSnapshot[] {
    return clone(
      this.groups.map((g) => ({
        name: g.name,
        ...(g.launchTemplate ? { launchTemplate: g.launchTemplate } : {}),
        ...(g.mixedInstancesPolicy ? { mixedInstancesPolicy: g.mixedInstancesPolicy } : {}),
        ...(g.launchConfigurationName ? { launchConfigurationName: g.launchConfigurationName } : {}),
        tags: g.tags,
        suspendedProcesses: g.suspendedProcesses,
        minSize: g.minSize,
        maxSize: g.maxSize,
        desiredCapacity: g.desiredCapacity,
        instances: g.instances.map((i) => this.instanceSnapshot(i)),
      })),
    );
  }

  // ----- the Auto Scaling API ----------------------------------------------------------------

  // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html
  // Unknown names are left out (no error). Filters (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Filter.html):
  // `tag-key`, `tag-value`, `tag:<key>`; values of one filter are ORed, filters are ANDed.
  // MaxRecords defaults to 50, at most 100.
  describeAutoScalingGroups(
    input: CommandInput<'DescribeAutoScalingGroups'>,
  ): CommandOutput<'DescribeAutoScalingGroups'> {
    const names = strings(input.AutoScalingGroupNames);
    // "By default, you can only specify up to 50 names. You can optionally increase this limit using
    // the MaxRecords property" (at most 100): more names than that is a ValidationError, worded as
    // AWS words it (quoted in https://github.com/boto/botocore/issues/1444).
    const maxNames = Math.max(50, input.MaxRecords ?? 0);
    if (names && names.length > maxNames)
      throw awsError(
        'autoscaling',
        'ValidationError',
        `The number of group names that may be passed in is limited to ${maxNames}`,
      );
    const filters = input.Filters ?? [];
    const matching = this.groups.filter(
      (g) => (!names || names.includes(g.name)) && filters.every((f) => matchesFilter(g, f)),
    );
    const page = paginate('autoscaling', matching, input);
    return {
      AutoScalingGroups: page.items.map((g) => this.describeGroup(g)),
      ...page.next,
    };
  }

  // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingInstances.html
  // (AutoScalingInstanceDetails: https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_AutoScalingInstanceDetails.html).
  // Unknown ids are left out; MaxRecords defaults to 50.
  describeAutoScalingInstances(
    input: CommandInput<'DescribeAutoScalingInstances'>,
  ): CommandOutput<'DescribeAutoScalingInstances'> {
    const ids = strings(input.InstanceIds);
    const all = this.groups.flatMap((g) => g.instances.map((i) => ({ g, i })));
    const matching = ids ? all.filter(({ i }) => ids.includes(i.instanceId)) : all;
    const page = paginate('autoscaling', matching, input);
    return {
      AutoScalingInstances: page.items.map(({ g, i }) => ({
        ...this.describeInstance(i),
        AutoScalingGroupName: g.name,
        // AutoScalingInstanceDetails spells the health status in upper case.
        HealthStatus: 'HEALTHY',
      })),
      ...page.next,
    };
  }

  // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_UpdateAutoScalingGroup.html
  // "Any properties that you don't specify are not changed by this update request" (so a policy's
  // Overrides survive a new LaunchTemplateSpecification). A new launch template affects only instances
  // launched later: nothing is replaced.
  updateAutoScalingGroup(
    input: CommandInput<'UpdateAutoScalingGroup'>,
  ): CommandOutput<'UpdateAutoScalingGroup'> {
    const g = this.orValidationError(input.AutoScalingGroupName);
    this.checkUpdateRestriction(g, input);
    if (input.LaunchTemplate !== undefined && input.MixedInstancesPolicy !== undefined)
      throw awsError(
        'autoscaling',
        'ValidationError',
        'Specify either LaunchTemplate or MixedInstancesPolicy',
      );
    if (input.LaunchTemplate !== undefined)
      configure(g, { launchTemplate: this.checkedReference(input.LaunchTemplate) });
    if (input.MixedInstancesPolicy !== undefined) {
      const given: MixedInstancesPolicyShape = input.MixedInstancesPolicy;
      this.checkedPolicy(given);
      const old = g.mixedInstancesPolicy ?? {};
      const merged = { ...old, ...given, LaunchTemplate: { ...old.LaunchTemplate, ...given.LaunchTemplate } };
      configure(g, { mixedInstancesPolicy: this.normalisePolicy(merged) });
    }
    if (typeof input.LaunchConfigurationName === 'string')
      configure(g, { launchConfigurationName: input.LaunchConfigurationName });
    if (typeof input.MinSize === 'number') g.minSize = input.MinSize;
    if (typeof input.MaxSize === 'number') g.maxSize = input.MaxSize;
    if (typeof input.DesiredCapacity === 'number') this.scaleTo(g, input.DesiredCapacity);
    return {};
  }

  // ----- references --------------------------------------------------------------------------

  /**
   * A reference given to Auto Scaling (UpdateAutoScalingGroup, a DesiredConfiguration, main spec or
   * override) must name its template one way only and a valid version, and the template and version
   * must exist; each failure is a ValidationError. The wordings of the first two are AWS's as reported
   * by its users: "Valid requests must contain either launchTemplateId or LaunchTemplateName" for a spec
   * that names both (hashicorp/terraform-provider-aws, internal/service/autoscaling/group.go, which
   * therefore sends only the id back) and "Invalid launch template version: either '$Default', '$Latest',
   * or a numeric version are allowed." (7Factor/terraform-aws-concourse#28). LaunchTemplateSpecification:
   * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LaunchTemplateSpecification.html
   */
  checkedReference(ref: LaunchTemplateReference): LaunchTemplateReference {
    if (ref.LaunchTemplateId !== undefined && ref.LaunchTemplateName !== undefined)
      throw awsError(
        'autoscaling',
        'ValidationError',
        'Valid requests must contain either launchTemplateId or LaunchTemplateName',
      );
    if (
      ref.Version !== undefined &&
      ref.Version !== '$Latest' &&
      ref.Version !== '$Default' &&
      !isNumbered(ref.Version)
    )
      throw awsError(
        'autoscaling',
        'ValidationError',
        "Invalid launch template version: either '$Default', '$Latest', or a numeric version are allowed.",
      );
    const t = this.templates.find(ref);
    if (!t)
      throw awsError(
        'autoscaling',
        'ValidationError',
        `You must use a valid fully-formed launch template. The specified launch template, ${ref.LaunchTemplateId ?? ref.LaunchTemplateName}, does not exist.`,
      );
    const version = ref.Version ?? '$Default';
    if (isNumbered(version) && !t.versions.has(Number(version)))
      throw awsError(
        'autoscaling',
        'ValidationError',
        `You must use a valid fully-formed launch template. The specified version ${version} of launch template ${t.id} does not exist.`,
      );
    return this.templates.normaliseReference(ref);
  }

  checkedPolicy(p: MixedInstancesPolicyShape): MixedInstancesPolicyShape {
    const spec = p.LaunchTemplate?.LaunchTemplateSpecification;
    if (spec) this.checkedReference(spec);
    for (const o of p.LaunchTemplate?.Overrides ?? [])
      if (o.LaunchTemplateSpecification) this.checkedReference(o.LaunchTemplateSpecification);
    return this.normalisePolicy(p);
  }

  /** The main spec and each override's spec are stored with id, name and Version, as AWS returns them. */
  private normalisePolicy(p: MixedInstancesPolicyShape): MixedInstancesPolicyShape {
    const spec = p.LaunchTemplate?.LaunchTemplateSpecification;
    const overrides = p.LaunchTemplate?.Overrides;
    return {
      ...clone(p),
      LaunchTemplate: {
        ...clone(p.LaunchTemplate ?? {}),
        ...(spec ? { LaunchTemplateSpecification: this.templates.normaliseReference(spec) } : {}),
        ...(overrides
          ? {
              Overrides: overrides.map((o) =>
                o.LaunchTemplateSpecification
                  ? {
                      ...clone(o),
                      LaunchTemplateSpecification: this.templates.normaliseReference(
                        o.LaunchTemplateSpecification,
                      ),
                    }
                  : clone(o),
              ),
            }
          : {}),
      },
    };
  }

  // ----- instances ---------------------------------------------------------------------------

  /** The instance runs what `config` launches for its type now (template and resolved number). */
  matches(instance: InstanceState, config: GroupConfig): boolean {
    const slot = this.slotFor(config, instance);
    if (!slot) return false;
    const now = this.launchedFrom(slot);
    if (now.launchConfigurationName !== undefined)
      return instance.launchConfigurationName === now.launchConfigurationName;
    const a = instance.launchTemplate;
    const b = now.launchTemplate;
    return (
      a !== undefined &&
      b !== undefined &&
      a.LaunchTemplateId === b.LaunchTemplateId &&
      a.Version === b.Version
    );
  }

  /** Terminates one instance and launches its replacement from `config` (same type when `config` offers it). */
  replace(g: GroupState, instanceId: string, config: GroupConfig): void {
    const at = g.instances.findIndex((i) => i.instanceId === instanceId);
    const old = g.instances[at];
    if (!old) return;
    const slots = this.slots(config);
    const slot = this.slotFor(config, old) ?? (slots[at % slots.length] as LaunchSlot);
    g.instances[at] = this.newInstance(slot.instanceType, this.launchedFrom(slot));
  }

  /**
   * The ways a configuration launches instances. A mixed policy spreads instances over its overrides'
   * instance types (round-robin here; AWS follows the allocation strategy), and an override with its
   * own LaunchTemplateSpecification launches from that template, else from the policy's
   * ("Specifying a different launch template for an instance type":
   * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-mixed-instances-groups-launch-template-overrides.html).
   * Without overrides naming an instance type, the type is the main template's InstanceType.
   */
  private slots(config: GroupConfig): LaunchSlot[] {
    if (config.launchConfigurationName)
      return [
        { instanceType: FALLBACK_INSTANCE_TYPE, launchConfigurationName: config.launchConfigurationName },
      ];
    const main =
      config.launchTemplate ?? config.mixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
    const typed = (config.mixedInstancesPolicy?.LaunchTemplate?.Overrides ?? []).filter(
      (o): o is LaunchTemplateOverrideShape & { InstanceType: string } => typeof o.InstanceType === 'string',
    );
    if (typed.length === 0) return [{ instanceType: this.instanceTypeOf(main), ref: main }];
    return typed.map((o) => ({ instanceType: o.InstanceType, ref: o.LaunchTemplateSpecification ?? main }));
  }

  private instanceTypeOf(ref: LaunchTemplateReference | undefined): string {
    const t = ref && this.templates.find(ref);
    const n = t && this.templates.tryResolve(t, ref?.Version ?? '$Default');
    const type = t && n !== undefined ? this.templates.data(t, n)?.InstanceType : undefined;
    return typeof type === 'string' ? type : FALLBACK_INSTANCE_TYPE;
  }

  /**
   * The slot an instance belongs to under `config`: for overrides naming instance types, the one of
   * its type (none when its type is not among them); otherwise the single slot.
   */
  private slotFor(config: GroupConfig, instance: InstanceState): LaunchSlot | undefined {
    const slots = this.slots(config);
    const byType = (config.mixedInstancesPolicy?.LaunchTemplate?.Overrides ?? []).some(
      (o) => typeof o.InstanceType === 'string',
    );
    return byType ? slots.find((s) => s.instanceType === instance.instanceType) : slots[0];
  }

  /** What an instance launched through `slot` now records: the number its reference resolves to. */
  private launchedFrom(slot: LaunchSlot): Pick<InstanceState, 'launchTemplate' | 'launchConfigurationName'> {
    if (slot.launchConfigurationName) return { launchConfigurationName: slot.launchConfigurationName };
    if (!slot.ref) return {};
    const t = this.templates.find(slot.ref);
    const n = t && this.templates.tryResolve(t, slot.ref.Version ?? '$Default');
    if (!t || n === undefined) return { launchTemplate: this.templates.normaliseReference(slot.ref) };
    return { launchTemplate: { LaunchTemplateId: t.id, LaunchTemplateName: t.name, Version: String(n) } };
  }

  private newInstance(
    instanceType: string,
    from: Pick<InstanceState, 'launchTemplate' | 'launchConfigurationName'>,
  ): InstanceState {
    this.instanceCount += 1;
    return {
      instanceId: `i-${this.instanceCount.toString(16).padStart(17, '0')}`,
      instanceType,
      availabilityZone: `${this.ctx.region}${this.instanceCount % 2 === 1 ? 'a' : 'b'}`,
      ...clone(from),
    };
  }

  /** Launches `count` instances from the group's configuration as it resolves now, round-robin over its slots. */
  private launch(g: GroupState, count: number): InstanceState[] {
    const slots = this.slots(g);
    const launched: InstanceState[] = [];
    for (let k = 0; k < count; k += 1) {
      const slot = slots[g.instances.length % slots.length] as LaunchSlot;
      const instance = this.newInstance(slot.instanceType, this.launchedFrom(slot));
      g.instances.push(instance);
      launched.push(instance);
    }
    return launched;
  }

  private seededInstance(g: GroupState, seed: InstanceSeed, index: number): InstanceState {
    const slots = this.slots(g);
    const slot = slots[index % slots.length] as LaunchSlot;
    const name = seed.launchTemplateName;
    const t =
      name !== undefined
        ? this.templates.find({ LaunchTemplateName: name })
        : slot.ref && this.templates.find(slot.ref);
    if (!t) throw new Error(`group ${g.name}: instance ${index + 1} names no existing launch template`);
    if (!Number.isInteger(seed.version) || seed.version < 1)
      throw new Error(`group ${g.name}: instance ${index + 1} version must be a positive integer`);
    return this.newInstance(seed.instanceType ?? slot.instanceType, {
      launchTemplate: { LaunchTemplateId: t.id, LaunchTemplateName: t.name, Version: String(seed.version) },
    });
  }

  /**
   * A new DesiredCapacity takes effect at once in the fake: a scale-out launches from the current
   * configuration; a scale-in terminates first the instances that do not match the current
   * configuration, then the oldest, as the default termination policy prefers instances with the
   * oldest launch template (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-termination-policies.html;
   * its Availability Zone balancing is not modelled).
   */
  private scaleTo(g: GroupState, desired: number): void {
    const delta = desired - g.desiredCapacity;
    g.desiredCapacity = desired;
    if (delta > 0) this.launch(g, delta);
    if (delta < 0) {
      const order = [
        ...g.instances.filter((i) => !this.matches(i, g)),
        ...g.instances.filter((i) => this.matches(i, g)),
      ];
      const leaving = new Set(order.slice(0, -delta).map((i) => i.instanceId));
      g.instances = g.instances.filter((i) => !leaving.has(i.instanceId));
    }
  }

  /**
   * "Update restriction" (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-overview.html):
   * "If you attempt to update an Auto Scaling group's launch template, launch configuration, or mixed
   * instances policy while an instance refresh with a desired configuration is active, the request
   * will fail" with a ValidationError whose message the page quotes (used verbatim here). Active is
   * Pending, InProgress, Cancelling, RollbackInProgress or Baking. AWS does not say whether resending
   * the current value counts; the fake takes the strict reading: naming any of the three is refused.
   * Capacity-only updates (MinSize, MaxSize, DesiredCapacity) still go through.
   */
  private checkUpdateRestriction(g: GroupState, input: CommandInput<'UpdateAutoScalingGroup'>): void {
    const touchesConfiguration =
      input.LaunchTemplate !== undefined ||
      input.MixedInstancesPolicy !== undefined ||
      input.LaunchConfigurationName !== undefined;
    const desired = this.activeDesired(g.name);
    if (touchesConfiguration && (desired?.LaunchTemplate || desired?.MixedInstancesPolicy))
      throw awsError('autoscaling', 'ValidationError', ACTIVE_REFRESH_UPDATE_MESSAGE);
  }

  private instanceSnapshot(i: InstanceState): InstanceSnapshot {
    return clone({
      instanceId: i.instanceId,
      instanceType: i.instanceType,
      ...(i.launchTemplate ? { launchTemplate: i.launchTemplate as InstanceLaunchTemplate } : {}),
      ...(i.launchConfigurationName ? { launchConfigurationName: i.launchConfigurationName } : {}),
    });
  }

  // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Instance.html
  private describeInstance(i: InstanceState): Instance {
    return {
      InstanceId: i.instanceId,
      InstanceType: i.instanceType,
      AvailabilityZone: i.availabilityZone,
      LifecycleState: 'InService',
      HealthStatus: 'Healthy',
      ProtectedFromScaleIn: false,
      ...(i.launchTemplate ? { LaunchTemplate: clone(i.launchTemplate) } : {}),
      ...(i.launchConfigurationName ? { LaunchConfigurationName: i.launchConfigurationName } : {}),
    };
  }

  private describeGroup(g: GroupState): AutoScalingGroup {
    const { region, accountId } = this.ctx;
    return {
      AutoScalingGroupName: g.name,
      AutoScalingGroupARN: `arn:aws:autoscaling:${region}:${accountId}:autoScalingGroup:00000000-0000-4000-8000-000000000000:autoScalingGroupName/${g.name}`,
      ...(g.launchTemplate ? { LaunchTemplate: clone(g.launchTemplate) } : {}),
      ...(g.mixedInstancesPolicy ? { MixedInstancesPolicy: clone(g.mixedInstancesPolicy) } : {}),
      ...(g.launchConfigurationName ? { LaunchConfigurationName: g.launchConfigurationName } : {}),
      MinSize: g.minSize,
      MaxSize: g.maxSize,
      DesiredCapacity: g.desiredCapacity,
      DefaultCooldown: 300,
      AvailabilityZones: [`${region}a`, `${region}b`],
      HealthCheckType: 'EC2',
      HealthCheckGracePeriod: 300,
      CreatedTime: g.createdAt,
      Instances: g.instances.map((i) => this.describeInstance(i)),
      SuspendedProcesses: g.suspendedProcesses.map((p) => ({
        ProcessName: p,
        SuspensionReason: 'User suspended at 2026-01-01T00:00:00Z',
      })),
      Tags: Object.entries(g.tags).map(([Key, Value]) => ({
        ResourceId: g.name,
        ResourceType: 'auto-scaling-group',
        Key,
        Value,
        PropagateAtLaunch: true,
      })),
      NewInstancesProtectedFromScaleIn: false,
    };
  }
}

/** Points the group at what `to` names (one of the three), and at nothing else. */
export function configure(g: GroupState, to: GroupConfig): void {
  g.launchTemplate = to.launchTemplate;
  g.mixedInstancesPolicy = to.mixedInstancesPolicy;
  g.launchConfigurationName = to.launchConfigurationName;
}

function matchesFilter(
  g: GroupState,
  f: { Name?: string | undefined; Values?: string[] | undefined },
): boolean {
  const values = f.Values ?? [];
  const name = f.Name ?? '';
  if (name === 'tag-key') return Object.keys(g.tags).some((k) => values.includes(k));
  if (name === 'tag-value') return Object.values(g.tags).some((v) => values.includes(v));
  if (name.startsWith('tag:')) {
    const value = g.tags[name.slice(4)];
    return value !== undefined && values.includes(value);
  }
  throw awsError(
    'autoscaling',
    'ValidationError',
    `Filter name ${name} is not valid for DescribeAutoScalingGroups`,
  );
}

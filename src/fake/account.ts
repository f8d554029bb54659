/**
 * A simulated AWS account: a small stateful model of the EC2 launch-template and Auto Scaling APIs
 * this project calls. One implementation for every test and the local demo; `installFakeAccount`
 * (./install.ts) routes the real SDK clients' `send` here, so steps run unchanged.
 *
 * Each modelled behaviour names the AWS documentation page it follows. Where AWS leaves something
 * unspecified (e.g. the exact wording of a message) the fake picks something plausible and says so.
 */
import {
  ActiveInstanceRefreshNotFoundFault,
  AutoScalingServiceException,
  InstanceRefreshInProgressFault,
  type InstancesDistribution,
  InvalidNextToken,
  IrreversibleInstanceRefreshFault,
  type LaunchTemplateOverrides,
  LimitExceededFault,
  ResourceContentionFault,
  ResourceInUseFault,
  ScalingActivityInProgressFault,
} from '@aws-sdk/client-auto-scaling';
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { RefreshStatus } from '../schemas.ts';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export type FakeService = 'ec2' | 'autoscaling';

export const EC2_COMMANDS = [
  'DescribeLaunchTemplates',
  'DescribeLaunchTemplateVersions',
  'CreateLaunchTemplateVersion',
  'ModifyLaunchTemplate',
  'DeleteLaunchTemplateVersions',
] as const;
export const AUTO_SCALING_COMMANDS = [
  'DescribeAutoScalingGroups',
  'DescribeAutoScalingInstances',
  'UpdateAutoScalingGroup',
  'StartInstanceRefresh',
  'DescribeInstanceRefreshes',
  'RollbackInstanceRefresh',
  'CancelInstanceRefresh',
] as const;
export type FakeCommandName = (typeof EC2_COMMANDS)[number] | (typeof AUTO_SCALING_COMMANDS)[number];

/** Commands that change the account (what "no mutating call was made" is checked against). */
const MUTATING_COMMANDS: ReadonlySet<FakeCommandName> = new Set<FakeCommandName>([
  'CreateLaunchTemplateVersion',
  'ModifyLaunchTemplate',
  'DeleteLaunchTemplateVersions',
  'UpdateAutoScalingGroup',
  'StartInstanceRefresh',
  'RollbackInstanceRefresh',
  'CancelInstanceRefresh',
]);

/** The statuses AWS reports (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_InstanceRefresh.html). */
export const REFRESH_STATUSES = RefreshStatus.options;
export type FakeRefreshStatus = (typeof REFRESH_STATUSES)[number];
/** A refresh in one of these still owns the group; every other status is terminal. */
const ACTIVE: ReadonlySet<FakeRefreshStatus> = new Set<FakeRefreshStatus>([
  'Pending',
  'InProgress',
  'Cancelling',
  'RollbackInProgress',
  'Baking',
]);

/**
 * How a group's next instance refresh behaves. The refresh shows one status per
 * DescribeInstanceRefreshes call that returns it, then moves to the next; the last status stays.
 * With the `rollback` preset, AWS's automatic rollback happens only when the refresh was started
 * with AutoRollback on and could be rolled back; otherwise it shows Failed instead. An explicit list
 * is followed literally.
 */
export type RefreshScript = 'succeed' | 'fail' | 'rollback' | 'stuck' | readonly FakeRefreshStatus[];

const REFRESH_PRESETS: Record<Exclude<RefreshScript, readonly FakeRefreshStatus[]>, FakeRefreshStatus[]> = {
  succeed: ['Pending', 'InProgress', 'Successful'],
  fail: ['Pending', 'InProgress', 'Failed'],
  rollback: ['Pending', 'InProgress', 'RollbackInProgress', 'RollbackSuccessful'],
  stuck: ['InProgress'],
};

/** Launch template data as EC2 returns it (ResponseLaunchTemplateData); plain JSON. */
export type LaunchTemplateData = Record<string, unknown>;

export interface LaunchTemplateSeed {
  name: string;
  /** Versions in order: the first is version 1. At least one. */
  versions: { data: LaunchTemplateData; description?: string }[];
  /** The default version number (1 when omitted). */
  defaultVersion?: number;
}

/** A launch template reference as Auto Scaling stores it (LaunchTemplateSpecification). */
export interface LaunchTemplateReference {
  LaunchTemplateId?: string;
  LaunchTemplateName?: string;
  /** `$Default`, `$Latest` or a number as a string; `$Default` when omitted (AWS's default). */
  Version?: string;
}

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
  InstancesDistribution?: InstancesDistribution | Record<string, unknown>;
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

export interface FakeCall {
  service: FakeService;
  command: FakeCommandName;
  input: unknown;
  mutating: boolean;
  /** The error name when the call failed (injected or modelled). */
  error?: string;
}

export interface FakeAccountOptions {
  /** The clock; defaults to a deterministic one from 2026-01-05T03:00:00Z, one second later at each reading. */
  now?: () => Date;
  /** AWS account id used in ARNs. */
  accountId?: string;
  region?: string;
}

export interface VersionSnapshot {
  versionNumber: number;
  description?: string;
  createdAt: string;
  data: LaunchTemplateData;
}
export interface LaunchTemplateSnapshot {
  id: string;
  name: string;
  defaultVersion: number;
  latestVersion: number;
  versions: VersionSnapshot[];
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
export interface InstanceRefreshSnapshot {
  id: string;
  asgName: string;
  status: FakeRefreshStatus;
  statusReason?: string;
  /** The statuses the refresh has shown so far, in order. */
  history: FakeRefreshStatus[];
  percentageComplete: number;
  instancesToUpdate: number;
  desiredConfiguration?: DesiredConfigurationShape;
  preferences?: Record<string, unknown>;
  startTime: string;
  endTime?: string;
}
export interface AccountSnapshot {
  launchTemplates: LaunchTemplateSnapshot[];
  autoScalingGroups: AutoScalingGroupSnapshot[];
  instanceRefreshes: InstanceRefreshSnapshot[];
}

export interface DesiredConfigurationShape {
  LaunchTemplate?: LaunchTemplateReference;
  MixedInstancesPolicy?: MixedInstancesPolicyShape;
}

// ---------------------------------------------------------------------------------------------
// Errors under AWS's own names
// ---------------------------------------------------------------------------------------------

const metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: 'fake-request', attempts: 1 });

const AUTO_SCALING_FAULTS = {
  InstanceRefreshInProgress: InstanceRefreshInProgressFault,
  ActiveInstanceRefreshNotFound: ActiveInstanceRefreshNotFoundFault,
  IrreversibleInstanceRefresh: IrreversibleInstanceRefreshFault,
  ResourceContention: ResourceContentionFault,
  LimitExceeded: LimitExceededFault,
  ResourceInUse: ResourceInUseFault,
  ScalingActivityInProgress: ScalingActivityInProgressFault,
  InvalidNextToken: InvalidNextToken,
} as const;

const SERVER_ERRORS = new Set(['InternalFailure', 'InternalError', 'ServiceUnavailable', 'Unavailable']);

/**
 * An error as the SDK would deserialise it. Auto Scaling faults the SDK models get their own class
 * (accepted by wire code, `InstanceRefreshInProgress`, or class name, `InstanceRefreshInProgressFault`);
 * everything else is the service's base exception with `name` = the AWS error code.
 */
function awsError(service: FakeService, name: string, message?: string): Error {
  const code = name.replace(/Fault$/, '');
  if (service === 'autoscaling' && code in AUTO_SCALING_FAULTS) {
    const Fault = AUTO_SCALING_FAULTS[code as keyof typeof AUTO_SCALING_FAULTS];
    return new Fault({ message: message ?? defaultMessage(code), $metadata: metadata(400) });
  }
  const server = SERVER_ERRORS.has(name);
  // The SDK classifies throttling by error name (Throttling, RequestLimitExceeded), not by a flag.
  const options = {
    name,
    $fault: server ? ('server' as const) : ('client' as const),
    $metadata: metadata(server ? 500 : 400),
    message: message ?? defaultMessage(name),
  };
  return service === 'ec2' ? new EC2ServiceException(options) : new AutoScalingServiceException(options);
}

function defaultMessage(code: string): string {
  switch (code) {
    // Auto Scaling has one throttle bucket per account and Region and answers "Rate exceeded"
    // (code `Throttling` on its Query API): https://repost.aws/knowledge-center/autoscaling-api-calls-throttled
    case 'Throttling':
      return 'Rate exceeded';
    // EC2's token buckets answer RequestLimitExceeded: https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html
    case 'RequestLimitExceeded':
      return 'Request limit exceeded.';
    default:
      return `${code} (injected by the fake account)`;
  }
}

// ---------------------------------------------------------------------------------------------
// Internal state
// ---------------------------------------------------------------------------------------------

interface TemplateState {
  id: string;
  name: string;
  createdAt: Date;
  defaultVersion: number;
  /** Highest number ever assigned: numbers are never reused, even after a deletion. */
  lastAssigned: number;
  versions: Map<number, { description?: string; createdAt: Date; data: LaunchTemplateData }>;
}

interface GroupState {
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
type GroupConfig = Pick<GroupState, 'launchTemplate' | 'mixedInstancesPolicy' | 'launchConfigurationName'>;

/** One way the group launches an instance: an instance type and the template reference it launches from. */
interface LaunchSlot {
  instanceType: string;
  ref?: LaunchTemplateReference;
  launchConfigurationName?: string;
}

interface RefreshState {
  id: string;
  asgName: string;
  script: FakeRefreshStatus[];
  cursor: number;
  history: FakeRefreshStatus[];
  desiredConfiguration?: DesiredConfigurationShape;
  preferences?: Record<string, unknown>;
  /** AWS rolls this refresh back by itself: the `rollback` preset, started with AutoRollback on. */
  automaticRollback: boolean;
  /** Why AWS could not roll this refresh back (decided at start); undefined when it could. */
  rollbackReason?: string;
  total: number;
  /** Instances this refresh still has to replace (ids), decided at start (SkipMatching) and kept in order. */
  pending: string[];
  /** How many it had to replace at start (the base of the per-step share). */
  toReplace: number;
  startTime: Date;
  endTime?: Date;
  statusReason?: string;
}

type Input = Record<string, unknown>;
/** A response without `$metadata` (handle() adds it, as the SDK does to every response). */
type Output = Record<string, unknown>;

/** AWS's message for the instance refresh "Update restriction" (see checkUpdateRestriction). */
export const ACTIVE_REFRESH_UPDATE_MESSAGE =
  'An active instance refresh with a desired configuration exists. All configuration options derived from the desired configuration are not available for update while the instance refresh is active.';

const isNumbered = (v: string | undefined): boolean => v !== undefined && /^[1-9]\d*$/.test(v);
/** An instance type when the template names none (AWS would refuse to launch; the fake picks something plausible). */
const FALLBACK_INSTANCE_TYPE = 't3.micro';
const iso = (d: Date) => d.toISOString();
const clone = <T>(v: T): T => structuredClone(v);

// ---------------------------------------------------------------------------------------------
// The account
// ---------------------------------------------------------------------------------------------

export class FakeAccount {
  /** Every call routed here, in order. */
  readonly calls: FakeCall[] = [];

  private readonly templates: TemplateState[] = [];
  private readonly groups: GroupState[] = [];
  private readonly refreshes: RefreshState[] = [];
  /** Instance ids are counter-based, so a run replays exactly. */
  private instanceCount = 0;
  /** CreateLaunchTemplateVersion client tokens: the request (without the token) and the answer. */
  private readonly clientTokens = new Map<string, { request: string; response: Output }>();
  private readonly faults: {
    command: FakeCommandName;
    errorName: string;
    remaining: number;
    message?: string;
  }[] = [];
  private throttleOnce = false;
  private readonly throttled = new Set<string>();
  private readonly now: () => Date;
  private readonly accountId: string;
  private readonly region: string;

  constructor(options: FakeAccountOptions = {}) {
    let tick = Date.parse('2026-01-05T03:00:00Z');
    this.now =
      options.now ??
      (() => {
        tick += 1000;
        return new Date(tick);
      });
    this.accountId = options.accountId ?? '123456789012';
    this.region = options.region ?? 'eu-west-1';
  }

  // ----- seeding -----------------------------------------------------------------------------

  /** Adds a launch template with its versions (numbered from 1); returns its id. */
  addLaunchTemplate(seed: LaunchTemplateSeed): { id: string; name: string } {
    if (seed.versions.length === 0) throw new Error(`launch template ${seed.name}: at least one version`);
    if (this.templates.some((t) => t.name === seed.name))
      throw new Error(`launch template ${seed.name} already exists`);
    const createdAt = this.now();
    const t: TemplateState = {
      id: `lt-${(this.templates.length + 1).toString(16).padStart(17, '0')}`,
      name: seed.name,
      createdAt,
      defaultVersion: seed.defaultVersion ?? 1,
      lastAssigned: 0,
      versions: new Map(),
    };
    for (const v of seed.versions) {
      t.lastAssigned += 1;
      t.versions.set(t.lastAssigned, { description: v.description, createdAt, data: clone(v.data) });
    }
    if (!t.versions.has(t.defaultVersion))
      throw new Error(`launch template ${seed.name}: default version ${t.defaultVersion} does not exist`);
    this.templates.push(t);
    return { id: t.id, name: t.name };
  }

  /**
   * Adds an Auto Scaling group. A reference by name is stored with the id too, as AWS returns both;
   * a reference to a template that does not exist is kept as given (AWS lets a template be deleted).
   */
  addAutoScalingGroup(seed: AutoScalingGroupSeed): void {
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
      createdAt: this.now(),
      launchTemplate: seed.launchTemplate && this.normaliseReference(seed.launchTemplate),
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

  /**
   * A scale-out: launches `count` instances from the group's current configuration, each reference
   * resolved now (a `$Latest` group launches the template's latest version), and raises
   * DesiredCapacity by `count`. Returns the new instances.
   */
  launchInstances(asgName: string, count: number): InstanceSnapshot[] {
    const g = this.groupOrThrow(asgName);
    if (g.desiredCapacity + count > g.maxSize)
      throw new Error(
        `group ${asgName}: ${g.desiredCapacity + count} instances would exceed MaxSize ${g.maxSize}`,
      );
    g.desiredCapacity += count;
    return this.launch(g, count).map((i) => this.instanceSnapshot(i));
  }

  /** Sets how the group's next instance refreshes behave. */
  setRefreshScript(asgName: string, script: RefreshScript): void {
    this.groupOrThrow(asgName).refresh = script;
  }

  /**
   * Seeds an instance refresh that was started outside this run (e.g. one already InProgress),
   * without a desired configuration. Returns its id.
   */
  addInstanceRefresh(asgName: string, script: RefreshScript = 'stuck'): string {
    const group = this.groupOrThrow(asgName);
    return this.createRefresh(group, script, undefined, undefined, false).id;
  }

  // ----- fault injection ---------------------------------------------------------------------

  /**
   * The next `times` calls of `command` fail with `errorName` (e.g. `Throttling`,
   * `RequestLimitExceeded`, `ResourceContention`, `InternalFailure`) before touching any state.
   */
  failNext(command: FakeCommandName, errorName: string, times = 1, message?: string): void {
    this.faults.push({ command, errorName, remaining: times, message });
  }

  /**
   * From now on, every distinct call (command + input) is throttled the first time it is made and
   * succeeds when retried: Auto Scaling answers `Throttling` "Rate exceeded", EC2 `RequestLimitExceeded`.
   */
  throttleEveryCallOnce(enabled = true): void {
    this.throttleOnce = enabled;
  }

  // ----- inspection --------------------------------------------------------------------------

  /** Calls that change the account. */
  mutatingCalls(): FakeCall[] {
    return this.calls.filter((c) => c.mutating);
  }

  /** Calls of one command, in order. */
  callsOf(command: FakeCommandName): FakeCall[] {
    return this.calls.filter((c) => c.command === command);
  }

  /** The whole account as JSON-serialisable data. */
  snapshot(): AccountSnapshot {
    return clone({
      launchTemplates: this.templates.map((t) => ({
        id: t.id,
        name: t.name,
        defaultVersion: t.defaultVersion,
        latestVersion: this.latest(t),
        versions: [...t.versions.entries()].map(([n, v]) => ({
          versionNumber: n,
          ...(v.description !== undefined ? { description: v.description } : {}),
          createdAt: iso(v.createdAt),
          data: v.data,
        })),
      })),
      autoScalingGroups: this.groups.map((g) => ({
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
      instanceRefreshes: this.refreshes.map((r) => ({
        id: r.id,
        asgName: r.asgName,
        status: this.status(r),
        ...(r.statusReason ? { statusReason: r.statusReason } : {}),
        history: r.history,
        percentageComplete: this.percentage(r),
        instancesToUpdate: this.toUpdate(r),
        ...(r.desiredConfiguration ? { desiredConfiguration: r.desiredConfiguration } : {}),
        ...(r.preferences ? { preferences: r.preferences } : {}),
        startTime: iso(r.startTime),
        ...(r.endTime ? { endTime: iso(r.endTime) } : {}),
      })),
    });
  }

  /** A launch template's version data (a copy), or undefined. Handy in assertions. */
  versionData(templateIdOrName: string, version: number): LaunchTemplateData | undefined {
    const t = this.templates.find((x) => x.id === templateIdOrName || x.name === templateIdOrName);
    const v = t?.versions.get(version);
    return v && clone(v.data);
  }

  /**
   * The version number a reference (`$Default`, `$Latest` or a number) names now, or undefined
   * when the template or that version does not exist.
   */
  resolveReference(templateIdOrName: string, version: string): number | undefined {
    const t = this.templates.find((x) => x.id === templateIdOrName || x.name === templateIdOrName);
    return t && this.tryResolve(t, version);
  }

  // ----- the API -----------------------------------------------------------------------------

  /**
   * Handles one API call as AWS would: logs it, applies injected faults, then the modelled
   * behaviour. Returns the response shape the SDK would return (dates as Date objects).
   */
  async handle(service: FakeService, command: FakeCommandName, rawInput: unknown): Promise<unknown> {
    const input = (rawInput ?? {}) as Input;
    const call: FakeCall = {
      service,
      command,
      input: clone(input),
      mutating: MUTATING_COMMANDS.has(command),
    };
    this.calls.push(call);
    try {
      this.injectFaults(service, command, input);
      return { ...this.api[command](input), $metadata: metadata(200) };
    } catch (error) {
      call.error = error instanceof Error ? error.name : String(error);
      throw error;
    }
  }

  private injectFaults(service: FakeService, command: FakeCommandName, input: Input): void {
    const fault = this.faults.find((f) => f.command === command && f.remaining > 0);
    if (fault) {
      fault.remaining -= 1;
      throw awsError(service, fault.errorName, fault.message);
    }
    if (this.throttleOnce) {
      const key = `${command}:${JSON.stringify(input)}`;
      if (!this.throttled.has(key)) {
        this.throttled.add(key);
        throw awsError(service, service === 'ec2' ? 'RequestLimitExceeded' : 'Throttling');
      }
    }
  }

  /** The modelled behaviour of each command. */
  private readonly api: Record<FakeCommandName, (input: Input) => Output> = {
    DescribeLaunchTemplates: (input) => this.describeLaunchTemplates(input),
    DescribeLaunchTemplateVersions: (input) => this.describeLaunchTemplateVersions(input),
    CreateLaunchTemplateVersion: (input) => this.createLaunchTemplateVersion(input),
    ModifyLaunchTemplate: (input) => this.modifyLaunchTemplate(input),
    DeleteLaunchTemplateVersions: (input) => this.deleteLaunchTemplateVersions(input),
    DescribeAutoScalingGroups: (input) => this.describeAutoScalingGroups(input),
    DescribeAutoScalingInstances: (input) => this.describeAutoScalingInstances(input),
    UpdateAutoScalingGroup: (input) => this.updateAutoScalingGroup(input),
    StartInstanceRefresh: (input) => this.startInstanceRefresh(input),
    DescribeInstanceRefreshes: (input) => this.describeInstanceRefreshes(input),
    RollbackInstanceRefresh: (input) => this.rollbackInstanceRefresh(input),
    CancelInstanceRefresh: (input) => this.cancelInstanceRefresh(input),
  };

  // ----- EC2 ---------------------------------------------------------------------------------

  // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplates.html
  private describeLaunchTemplates(input: Input): Output {
    const ids = strings(input.LaunchTemplateIds);
    const names = strings(input.LaunchTemplateNames);
    let found = this.templates;
    if (ids) found = ids.map((id) => this.templateOrThrow({ LaunchTemplateId: id }));
    if (names) found = names.map((name) => this.templateOrThrow({ LaunchTemplateName: name }));
    const page = paginate('ec2', found, input);
    return {
      LaunchTemplates: page.items.map((t) => this.describeTemplate(t)),
      ...page.next,
    };
  }

  // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplateVersions.html
  // Versions may hold numbers, `$Latest` and `$Default`; an unknown number is
  // InvalidLaunchTemplateId.VersionNotFound.
  private describeLaunchTemplateVersions(input: Input): Output {
    const t = this.templateOrThrow(input);
    const requested = strings(input.Versions);
    let numbers: number[];
    if (requested) {
      numbers = [...new Set(requested.map((v) => this.resolveVersion(t, v)))];
    } else {
      const min = Number(input.MinVersion ?? 1);
      const max = Number(input.MaxVersion ?? Number.MAX_SAFE_INTEGER);
      numbers = [...t.versions.keys()].filter((n) => n >= min && n <= max).sort((a, b) => b - a);
    }
    const page = paginate('ec2', numbers, input);
    return {
      LaunchTemplateVersions: page.items.map((n) => this.describeVersion(t, n)),
      ...page.next,
    };
  }

  // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplateVersion.html
  // "If you specify this parameter [SourceVersion], the new version inherits the launch parameters from
  // the source version. If you specify additional launch parameters for the new version, they overwrite
  // any corresponding launch parameters inherited from the source version." Top-level fields are replaced
  // whole (a given NetworkInterfaces list replaces the source's list). Versions are numbered in the order
  // they are created and never renumbered.
  //
  // ClientToken (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Run_Instance_Idempotency.html,
  // now https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html): "If you retry a
  // request that completed successfully using the same client token and the same parameters, the retry
  // succeeds without performing any further actions"; with the same token and different parameters "the
  // retry fails with an IdempotentParameterMismatch error". The retry answers with the earlier version.
  private createLaunchTemplateVersion(input: Input): Output {
    const token = typeof input.ClientToken === 'string' ? input.ClientToken : undefined;
    const { ClientToken: _token, ...request } = input;
    const key = canonicalJson(request);
    const earlier = token === undefined ? undefined : this.clientTokens.get(token);
    if (earlier) {
      if (earlier.request !== key)
        // Message as listed in https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
        throw awsError(
          'ec2',
          'IdempotentParameterMismatch',
          'The request uses the same client token as a previous, but non-identical request. Do not reuse a client token with different requests, unless the requests are identical.',
        );
      return clone(earlier.response);
    }
    const response = this.createVersion(input);
    if (token !== undefined) this.clientTokens.set(token, { request: key, response: clone(response) });
    return response;
  }

  private createVersion(input: Input): Output {
    const t = this.templateOrThrow(input);
    const given = input.LaunchTemplateData;
    if (!given || typeof given !== 'object')
      throw awsError('ec2', 'MissingParameter', 'The request must contain the parameter LaunchTemplateData');
    const description = input.VersionDescription;
    if (typeof description === 'string' && description.length > 255)
      throw awsError(
        'ec2',
        'InvalidParameterValue',
        'Value for parameter VersionDescription is invalid: longer than 255 characters',
      );
    const source =
      input.SourceVersion === undefined
        ? {}
        : t.versions.get(this.resolveVersion(t, String(input.SourceVersion)))?.data;
    const inherited = clone(source ?? {});
    // "Snapshots applied to the block device mapping are ignored when creating a new version unless
    // they are explicitly included" (API_CreateLaunchTemplateVersion.html, SourceVersion): inherited
    // mappings lose Ebs.SnapshotId; mappings given in the request replace the source's whole.
    if (!('BlockDeviceMappings' in (given as object)) && Array.isArray(inherited.BlockDeviceMappings))
      inherited.BlockDeviceMappings = inherited.BlockDeviceMappings.map(withoutSnapshot);
    const data: LaunchTemplateData = { ...inherited, ...clone(given as LaunchTemplateData) };
    // https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html: 16 KB raw, before base64.
    if (typeof data.UserData === 'string' && Buffer.from(data.UserData, 'base64').length > 16384)
      throw awsError('ec2', 'InvalidUserData.Malformed', 'User data is limited to 16384 bytes');
    t.lastAssigned += 1;
    t.versions.set(t.lastAssigned, {
      description: typeof description === 'string' ? description : undefined,
      createdAt: this.now(),
      data,
    });
    return { LaunchTemplateVersion: this.describeVersion(t, t.lastAssigned) };
  }

  // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyLaunchTemplate.html
  // SetDefaultVersion (DefaultVersion in the SDK) must name an existing version.
  private modifyLaunchTemplate(input: Input): Output {
    const t = this.templateOrThrow(input);
    const requested = input.DefaultVersion ?? input.SetDefaultVersion;
    if (requested !== undefined) t.defaultVersion = this.resolveVersion(t, String(requested));
    return { LaunchTemplate: this.describeTemplate(t) };
  }

  // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteLaunchTemplateVersions.html
  // "You can't delete the default version of a launch template"; failures are reported per version in
  // UnsuccessfullyDeletedLaunchTemplateVersions with a ResponseError code
  // (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ResponseError.html), not thrown.
  private deleteLaunchTemplateVersions(input: Input): Output {
    const t = this.templateOrThrow(input);
    const ok: unknown[] = [];
    const failed: unknown[] = [];
    for (const v of strings(input.Versions) ?? []) {
      const n = Number(v);
      const item = { LaunchTemplateId: t.id, LaunchTemplateName: t.name, VersionNumber: n };
      if (!isNumbered(v) || !t.versions.has(n)) {
        failed.push({
          ...item,
          ResponseError: {
            Code: 'launchTemplateVersionDoesNotExist',
            Message: `The specified launch template version ${v} does not exist`,
          },
        });
      } else if (n === t.defaultVersion) {
        failed.push({
          ...item,
          ResponseError: {
            Code: 'unexpectedError',
            Message: 'Cannot delete the default version of a launch template',
          },
        });
      } else {
        t.versions.delete(n);
        ok.push(item);
      }
    }
    return {
      SuccessfullyDeletedLaunchTemplateVersions: ok,
      UnsuccessfullyDeletedLaunchTemplateVersions: failed,
    };
  }

  // ----- Auto Scaling ------------------------------------------------------------------------

  // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html
  // Unknown names are left out (no error). Filters (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Filter.html):
  // `tag-key`, `tag-value`, `tag:<key>`; values of one filter are ORed, filters are ANDed.
  // MaxRecords defaults to 50, at most 100.
  private describeAutoScalingGroups(input: Input): Output {
    const names = strings(input.AutoScalingGroupNames);
    const filters = (Array.isArray(input.Filters) ? input.Filters : []) as {
      Name?: string;
      Values?: string[];
    }[];
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
  private describeAutoScalingInstances(input: Input): Output {
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
  private updateAutoScalingGroup(input: Input): Output {
    const g = this.groupOrValidationError(input.AutoScalingGroupName);
    this.checkUpdateRestriction(g, input);
    if (input.LaunchTemplate !== undefined && input.MixedInstancesPolicy !== undefined)
      throw awsError(
        'autoscaling',
        'ValidationError',
        'Specify either LaunchTemplate or MixedInstancesPolicy',
      );
    if (input.LaunchTemplate !== undefined)
      configure(g, {
        launchTemplate: this.checkedReference(input.LaunchTemplate as LaunchTemplateReference),
      });
    if (input.MixedInstancesPolicy !== undefined) {
      const given = input.MixedInstancesPolicy as MixedInstancesPolicyShape;
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
        ...g.instances.filter((i) => !this.matches(g, i, g)),
        ...g.instances.filter((i) => this.matches(g, i, g)),
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
  private checkUpdateRestriction(g: GroupState, input: Input): void {
    const touchesConfiguration =
      input.LaunchTemplate !== undefined ||
      input.MixedInstancesPolicy !== undefined ||
      input.LaunchConfigurationName !== undefined;
    const desired = this.activeRefresh(g.name)?.desiredConfiguration;
    if (touchesConfiguration && (desired?.LaunchTemplate || desired?.MixedInstancesPolicy))
      throw awsError('autoscaling', 'ValidationError', ACTIVE_REFRESH_UPDATE_MESSAGE);
  }

  // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_StartInstanceRefresh.html
  // One active refresh per group (InstanceRefreshInProgress). AutoRollback is refused when rollback
  // is not supported (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html):
  // no desired configuration, the group on `$Latest`/`$Default`, or an SSM parameter as ImageId.
  private startInstanceRefresh(input: Input): Output {
    const g = this.groupOrValidationError(input.AutoScalingGroupName);
    if (this.activeRefresh(g.name))
      throw awsError(
        'autoscaling',
        'InstanceRefreshInProgress',
        `An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.`,
      );
    const desired = input.DesiredConfiguration as DesiredConfigurationShape | undefined;
    if (desired?.LaunchTemplate && desired.MixedInstancesPolicy)
      throw awsError(
        'autoscaling',
        'ValidationError',
        'DesiredConfiguration: specify either LaunchTemplate or MixedInstancesPolicy',
      );
    const checkedDesired: DesiredConfigurationShape | undefined = desired && {
      ...(desired.LaunchTemplate ? { LaunchTemplate: this.checkedReference(desired.LaunchTemplate) } : {}),
      ...(desired.MixedInstancesPolicy
        ? { MixedInstancesPolicy: this.checkedPolicy(desired.MixedInstancesPolicy) }
        : {}),
    };
    const preferences = input.Preferences as Record<string, unknown> | undefined;
    const blocker = this.rollbackBlocker(g, checkedDesired);
    if (preferences?.AutoRollback === true && blocker !== undefined)
      throw awsError('autoscaling', 'ValidationError', `AutoRollback is not supported: ${blocker}`);
    return { InstanceRefreshId: this.createRefresh(g, g.refresh, checkedDesired, preferences, true).id };
  }

  // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeInstanceRefreshes.html
  // Most recent first. A describe is the fake's unit of time: each status of a script is reported once,
  // then the refresh moves on (the last status stays). Effects happen when a status is reached, as on
  // AWS, so a refresh may have succeeded (and saved its configuration) before anyone describes it again.
  private describeInstanceRefreshes(input: Input): Output {
    const g = this.groupOrValidationError(input.AutoScalingGroupName);
    const ids = strings(input.InstanceRefreshIds);
    const matching = this.refreshes
      .filter((r) => r.asgName === g.name && (!ids || ids.includes(r.id)))
      .reverse();
    const page = paginate('autoscaling', matching, input);
    const out = page.items.map((r) => this.describeRefresh(r));
    // Time passes: each refresh just reported moves one step along its script.
    for (const r of page.items) this.advance(r);
    return {
      InstanceRefreshes: out,
      ...page.next,
    };
  }

  // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RollbackInstanceRefresh.html
  // Only an active refresh (ActiveInstanceRefreshNotFound otherwise); refused with
  // IrreversibleInstanceRefresh when rollback is not supported. The group keeps the configuration
  // last saved on it, which the fake never changed before success.
  private rollbackInstanceRefresh(input: Input): Output {
    const r = this.refreshToStop(input, ['Cancelling', 'RollbackInProgress']);
    if (r.rollbackReason !== undefined)
      throw awsError(
        'autoscaling',
        'IrreversibleInstanceRefresh',
        `The instance refresh cannot be rolled back: ${r.rollbackReason}`,
      );
    return this.rescript(r, ['RollbackInProgress', 'RollbackSuccessful'], 'Rollback requested by the user');
  }

  // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CancelInstanceRefresh.html
  // Moves an active refresh to Cancelling, then Cancelled; ActiveInstanceRefreshNotFound otherwise.
  private cancelInstanceRefresh(input: Input): Output {
    return this.rescript(
      this.refreshToStop(input, ['Cancelling']),
      ['Cancelling', 'Cancelled'],
      'Cancelled by the user',
    );
  }

  /** The group's active refresh, unless it is already `stopping` (ActiveInstanceRefreshNotFound). */
  private refreshToStop(input: Input, stopping: FakeRefreshStatus[]): RefreshState {
    const g = this.groupOrValidationError(input.AutoScalingGroupName);
    const r = this.activeRefresh(g.name);
    if (!r || stopping.includes(this.status(r)))
      throw awsError(
        'autoscaling',
        'ActiveInstanceRefreshNotFound',
        'No in progress or pending Instance Refresh found',
      );
    return r;
  }

  // ----- refresh lifecycle -------------------------------------------------------------------

  private createRefresh(
    g: GroupState,
    script: RefreshScript,
    desired: DesiredConfigurationShape | undefined,
    preferences: Record<string, unknown> | undefined,
    startedHere: boolean,
  ): RefreshState {
    // AWS rolls a failing refresh back by itself only with AutoRollback on
    // (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html); without it
    // the scripted automatic rollback of a refresh started here is a plain failure.
    const scripted = script === 'rollback' && startedHere;
    const autoRollback = preferences?.AutoRollback === true;
    const preset = scripted && !autoRollback ? 'fail' : script;
    // SkipMatching is off unless asked for through the API ("The default is false":
    // https://docs.aws.amazon.com/autoscaling/ec2/userguide/understand-instance-refresh-default-values.html).
    // With it, only instances that do not match the desired configuration (or, without one, the
    // configuration last saved on the group) are replaced, and "If you enable skip matching, but none of
    // these are changing, the instance refresh will succeed immediately without replacing any instances"
    // (https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-instance-refresh-skip-matching.html).
    // A preset then becomes Successful at once; an explicit status list is still followed literally.
    const target: GroupConfig = this.targetOf(g, desired);
    const skipMatching = preferences?.SkipMatching === true;
    const pending = g.instances
      .filter((i) => !skipMatching || !this.matches(g, i, target))
      .map((i) => i.instanceId);
    const nothingToDo = skipMatching && pending.length === 0 && startedHere && typeof preset === 'string';
    const statuses: FakeRefreshStatus[] = nothingToDo
      ? ['Successful']
      : typeof preset === 'string'
        ? REFRESH_PRESETS[preset]
        : [...preset];
    if (statuses.length === 0) throw new Error(`refresh script for ${g.name} is empty`);
    const r: RefreshState = {
      id: `${(this.refreshes.length + 1).toString(16).padStart(8, '0')}-0000-4000-8000-${'0'.repeat(12)}`,
      asgName: g.name,
      script: [...statuses],
      cursor: 0,
      history: [],
      desiredConfiguration: desired && clone(desired),
      preferences: preferences && clone(preferences),
      automaticRollback: scripted && autoRollback,
      rollbackReason: this.rollbackBlocker(g, desired),
      total: g.desiredCapacity,
      pending,
      toReplace: pending.length,
      startTime: this.now(),
    };
    this.refreshes.push(r);
    this.enter(r);
    return r;
  }

  // https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html (Considerations)
  private rollbackBlocker(g: GroupState, desired: DesiredConfigurationShape | undefined): string | undefined {
    if (!desired || (!desired.LaunchTemplate && !desired.MixedInstancesPolicy))
      return 'there is no desired configuration specified for the instance refresh';
    const current = g.launchTemplate ?? g.mixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
    if (!current) return 'the group does not use a launch template';
    if (!isNumbered(current.Version ?? '$Default'))
      return `the Auto Scaling group uses the launch template's ${current.Version ?? '$Default'} version`;
    const wanted =
      desired.LaunchTemplate ?? desired.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
    if (wanted && !isNumbered(wanted.Version ?? '$Default'))
      return `the desired configuration uses the launch template's ${wanted.Version ?? '$Default'} version`;
    const t = this.findTemplate(current);
    const data = t?.versions.get(Number(current.Version))?.data;
    if (typeof data?.ImageId === 'string' && data.ImageId.startsWith('resolve:ssm:'))
      return 'the launch template uses a Systems Manager parameter instead of an AMI ID for ImageId';
    return undefined;
  }

  private status(r: RefreshState): FakeRefreshStatus {
    return r.script[r.cursor] ?? 'InProgress';
  }

  /** Records the refresh's current status; on Successful the desired configuration is saved on the group. */
  private enter(r: RefreshState): void {
    const s = this.status(r);
    // A rollback the user asked for already has its reason.
    if (r.automaticRollback && s === 'RollbackInProgress' && !r.statusReason)
      r.statusReason = 'The instance refresh failed and was rolled back automatically (simulated)';
    if (s === 'Failed' && !r.statusReason)
      r.statusReason = 'Instances did not pass their health checks during the warmup (simulated)';
    r.history.push(s);
    if (!ACTIVE.has(s)) r.endTime = this.now();
    // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_StartInstanceRefresh.html:
    // "Once the instance refresh succeeds, Amazon EC2 Auto Scaling updates the settings of the Auto
    // Scaling group to reflect the new desired configuration." Not before, and not on rollback.
    const desired = r.desiredConfiguration;
    const g = this.groups.find((x) => x.name === r.asgName);
    if (g) this.replaceInstances(g, r, s);
    if (s === 'Successful' && g && (desired?.LaunchTemplate || desired?.MixedInstancesPolicy))
      configure(g, {
        launchTemplate: clone(desired.LaunchTemplate),
        mixedInstancesPolicy: clone(desired.MixedInstancesPolicy),
      });
  }

  /**
   * What a refresh does to the group's instances on reaching status `s`
   * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-overview.html: it replaces
   * instances in batches, terminating and launching, until every instance runs the new configuration):
   * - each InProgress step replaces a proportional share of what it has to replace (the share the
   *   progress percentage shows), at least one while some remain;
   * - Baking and Successful: every instance runs the desired configuration (each reference resolved
   *   now, per instance type for a mixed policy; an instance launched from `$Latest` is replaced again
   *   if a newer version appeared meanwhile, as the skip-matching page says);
   * - RollbackSuccessful: every instance runs "the configuration last saved on the group" again
   *   (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html);
   * - Failed, Cancelled, RollbackFailed: what was replaced stays replaced ("this does not roll back any
   *   changes that it made": https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CancelInstanceRefresh.html).
   */
  private replaceInstances(g: GroupState, r: RefreshState, s: FakeRefreshStatus): void {
    const target = this.targetOf(g, r.desiredConfiguration);
    const live = new Set(g.instances.map((i) => i.instanceId));
    r.pending = r.pending.filter((id) => live.has(id));
    if (s === 'InProgress') {
      const done = r.toReplace - r.pending.length;
      const due = Math.ceil((r.toReplace * this.percentage(r)) / 100);
      const count = Math.min(r.pending.length, Math.max(1, due - done));
      for (const id of r.pending.splice(0, count)) this.replace(g, id, target);
    } else if (s === 'Baking' || s === 'Successful') {
      for (const id of r.pending.splice(0)) this.replace(g, id, target);
      for (const i of [...g.instances])
        if (!this.matches(g, i, target)) this.replace(g, i.instanceId, target);
    } else if (s === 'RollbackSuccessful') {
      r.pending = [];
      for (const i of [...g.instances]) if (!this.matches(g, i, g)) this.replace(g, i.instanceId, g);
    }
  }

  /** A refresh's target: its desired configuration, else the group's configuration (resolved when used). */
  private targetOf(g: GroupState, desired: DesiredConfigurationShape | undefined): GroupConfig {
    if (desired?.LaunchTemplate) return { launchTemplate: desired.LaunchTemplate };
    if (desired?.MixedInstancesPolicy) return { mixedInstancesPolicy: desired.MixedInstancesPolicy };
    return g;
  }

  private advance(r: RefreshState): void {
    if (r.cursor + 1 < r.script.length) {
      r.cursor += 1;
      this.enter(r);
    }
  }

  /** Replaces the rest of an active refresh's script (rollback, cancel); the API's answer. */
  private rescript(r: RefreshState, next: FakeRefreshStatus[], reason: string): Output {
    r.script = [...r.script.slice(0, r.cursor + 1), ...next];
    r.statusReason = reason;
    this.advance(r);
    return { InstanceRefreshId: r.id };
  }

  private activeRefresh(asgName: string): RefreshState | undefined {
    return this.refreshes.find((r) => r.asgName === asgName && ACTIVE.has(this.status(r)));
  }

  /**
   * Plausible progress: the share of the script's InProgress steps shown so far (at most 90 until
   * it succeeds); a refresh whose script ends InProgress creeps up 10 points per poll, to 90.
   */
  private percentage(r: RefreshState): number {
    const s = this.status(r);
    if (s === 'Successful' || s === 'Baking') return 100;
    const shown = r.history.filter((h) => h === 'InProgress').length;
    const planned = r.script.filter((h) => h === 'InProgress').length;
    const endless = r.script.at(-1) === 'InProgress';
    return Math.min(90, endless ? shown * 10 : Math.round((shown / (planned + 1)) * 100));
  }

  private toUpdate(r: RefreshState): number {
    return Math.round((r.total * (100 - this.percentage(r))) / 100);
  }

  private describeRefresh(r: RefreshState): Record<string, unknown> {
    const s = this.status(r);
    return {
      InstanceRefreshId: r.id,
      AutoScalingGroupName: r.asgName,
      Status: s,
      ...(r.statusReason ? { StatusReason: r.statusReason } : {}),
      StartTime: r.startTime,
      ...(r.endTime ? { EndTime: r.endTime } : {}),
      PercentageComplete: this.percentage(r),
      InstancesToUpdate: this.toUpdate(r),
      ...(r.preferences ? { Preferences: clone(r.preferences) } : {}),
      ...(r.desiredConfiguration ? { DesiredConfiguration: clone(r.desiredConfiguration) } : {}),
    };
  }

  // ----- helpers -----------------------------------------------------------------------------

  private latest(t: TemplateState): number {
    return Math.max(...t.versions.keys());
  }

  private findTemplate(ref: {
    LaunchTemplateId?: unknown;
    LaunchTemplateName?: unknown;
  }): TemplateState | undefined {
    if (typeof ref.LaunchTemplateId === 'string')
      return this.templates.find((t) => t.id === ref.LaunchTemplateId);
    if (typeof ref.LaunchTemplateName === 'string')
      return this.templates.find((t) => t.name === ref.LaunchTemplateName);
    return undefined;
  }

  // Error codes: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
  private templateOrThrow(ref: { LaunchTemplateId?: unknown; LaunchTemplateName?: unknown }): TemplateState {
    const id = ref.LaunchTemplateId;
    const name = ref.LaunchTemplateName;
    if (id !== undefined && name !== undefined)
      throw awsError(
        'ec2',
        'InvalidParameterCombination',
        'Specify either LaunchTemplateId or LaunchTemplateName',
      );
    if (typeof id === 'string') {
      if (!/^lt-[0-9a-f]{17}$/.test(id))
        throw awsError(
          'ec2',
          'InvalidLaunchTemplateId.Malformed',
          `The launch template ID '${id}' is malformed`,
        );
      const t = this.findTemplate({ LaunchTemplateId: id });
      if (!t)
        throw awsError(
          'ec2',
          'InvalidLaunchTemplateId.NotFound',
          `The specified launch template, with template ID ${id}, does not exist.`,
        );
      return t;
    }
    if (typeof name === 'string') {
      const t = this.findTemplate({ LaunchTemplateName: name });
      if (!t)
        throw awsError(
          'ec2',
          'InvalidLaunchTemplateName.NotFoundException',
          `The specified launch template, with template name ${name}, does not exist.`,
        );
      return t;
    }
    throw awsError(
      'ec2',
      'MissingParameter',
      'The request must contain the parameter LaunchTemplateId or LaunchTemplateName',
    );
  }

  private resolveVersion(t: TemplateState, v: string): number {
    if (v === '$Latest') return this.latest(t);
    if (v === '$Default') return t.defaultVersion;
    const n = Number(v);
    if (!isNumbered(v) || !t.versions.has(n))
      throw awsError(
        'ec2',
        'InvalidLaunchTemplateId.VersionNotFound',
        `Could not find launch template version ${v} for the template ${t.id}`,
      );
    return n;
  }

  /** `$Latest`, `$Default` or an existing number, resolved now; undefined otherwise. */
  private tryResolve(t: TemplateState, v: string): number | undefined {
    if (v === '$Latest') return this.latest(t);
    if (v === '$Default') return t.defaultVersion;
    return isNumbered(v) && t.versions.has(Number(v)) ? Number(v) : undefined;
  }

  private describeTemplate(t: TemplateState): Output {
    return {
      LaunchTemplateId: t.id,
      LaunchTemplateName: t.name,
      CreateTime: t.createdAt,
      CreatedBy: `arn:aws:iam::${this.accountId}:root`,
      DefaultVersionNumber: t.defaultVersion,
      LatestVersionNumber: this.latest(t),
    };
  }

  private describeVersion(t: TemplateState, n: number): Record<string, unknown> {
    const v = t.versions.get(n);
    return {
      LaunchTemplateId: t.id,
      LaunchTemplateName: t.name,
      VersionNumber: n,
      ...(v?.description !== undefined ? { VersionDescription: v.description } : {}),
      CreateTime: v?.createdAt,
      CreatedBy: `arn:aws:iam::${this.accountId}:root`,
      DefaultVersion: n === t.defaultVersion,
      LaunchTemplateData: clone(v?.data ?? {}),
    };
  }

  /** AWS stores and returns both the id and the name of a referenced template. */
  private normaliseReference(ref: LaunchTemplateReference): LaunchTemplateReference {
    const t = this.findTemplate(ref);
    return {
      LaunchTemplateId: t?.id ?? ref.LaunchTemplateId,
      LaunchTemplateName: t?.name ?? ref.LaunchTemplateName,
      Version: ref.Version ?? '$Default',
    };
  }

  /** The main spec and each override's spec are stored with id, name and Version, as AWS returns them. */
  private normalisePolicy(p: MixedInstancesPolicyShape): MixedInstancesPolicyShape {
    const spec = p.LaunchTemplate?.LaunchTemplateSpecification;
    const overrides = p.LaunchTemplate?.Overrides;
    return {
      ...clone(p),
      LaunchTemplate: {
        ...clone(p.LaunchTemplate ?? {}),
        ...(spec ? { LaunchTemplateSpecification: this.normaliseReference(spec) } : {}),
        ...(overrides
          ? {
              Overrides: overrides.map((o) =>
                o.LaunchTemplateSpecification
                  ? {
                      ...clone(o),
                      LaunchTemplateSpecification: this.normaliseReference(o.LaunchTemplateSpecification),
                    }
                  : clone(o),
              ),
            }
          : {}),
      },
    };
  }

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
  private checkedReference(ref: LaunchTemplateReference): LaunchTemplateReference {
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
    const t = this.findTemplate(ref);
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
    return this.normaliseReference(ref);
  }

  private checkedPolicy(p: MixedInstancesPolicyShape): MixedInstancesPolicyShape {
    const spec = p.LaunchTemplate?.LaunchTemplateSpecification;
    if (spec) this.checkedReference(spec);
    for (const o of p.LaunchTemplate?.Overrides ?? [])
      if (o.LaunchTemplateSpecification) this.checkedReference(o.LaunchTemplateSpecification);
    return this.normalisePolicy(p);
  }

  // ----- instances ---------------------------------------------------------------------------

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
    const t = ref && this.findTemplate(ref);
    const n = t && this.tryResolve(t, ref?.Version ?? '$Default');
    const type = t && n !== undefined ? t.versions.get(n)?.data.InstanceType : undefined;
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
    const t = this.findTemplate(slot.ref);
    const n = t && this.tryResolve(t, slot.ref.Version ?? '$Default');
    if (!t || n === undefined) return { launchTemplate: this.normaliseReference(slot.ref) };
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
      availabilityZone: `${this.region}${this.instanceCount % 2 === 1 ? 'a' : 'b'}`,
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
        ? this.findTemplate({ LaunchTemplateName: name })
        : slot.ref && this.findTemplate(slot.ref);
    if (!t) throw new Error(`group ${g.name}: instance ${index + 1} names no existing launch template`);
    if (!Number.isInteger(seed.version) || seed.version < 1)
      throw new Error(`group ${g.name}: instance ${index + 1} version must be a positive integer`);
    return this.newInstance(seed.instanceType ?? slot.instanceType, {
      launchTemplate: { LaunchTemplateId: t.id, LaunchTemplateName: t.name, Version: String(seed.version) },
    });
  }

  /** The instance runs what `config` launches for its type now (template and resolved number). */
  private matches(_g: GroupState, instance: InstanceState, config: GroupConfig): boolean {
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
  private replace(g: GroupState, instanceId: string, config: GroupConfig): void {
    const at = g.instances.findIndex((i) => i.instanceId === instanceId);
    const old = g.instances[at];
    if (!old) return;
    const slots = this.slots(config);
    const slot = this.slotFor(config, old) ?? (slots[at % slots.length] as LaunchSlot);
    g.instances[at] = this.newInstance(slot.instanceType, this.launchedFrom(slot));
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
  private describeInstance(i: InstanceState): Record<string, unknown> {
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

  private groupOrThrow(name: string): GroupState {
    const g = this.groups.find((x) => x.name === name);
    if (!g) throw new Error(`no Auto Scaling group ${name} in the fake account`);
    return g;
  }

  private groupOrValidationError(name: unknown): GroupState {
    const g = this.groups.find((x) => x.name === name);
    if (!g)
      throw awsError(
        'autoscaling',
        'ValidationError',
        `AutoScalingGroup name not found - AutoScalingGroup '${String(name)}' not found`,
      );
    return g;
  }

  private describeGroup(g: GroupState): Record<string, unknown> {
    return {
      AutoScalingGroupName: g.name,
      AutoScalingGroupARN: `arn:aws:autoscaling:${this.region}:${this.accountId}:autoScalingGroup:00000000-0000-4000-8000-000000000000:autoScalingGroupName/${g.name}`,
      ...(g.launchTemplate ? { LaunchTemplate: clone(g.launchTemplate) } : {}),
      ...(g.mixedInstancesPolicy ? { MixedInstancesPolicy: clone(g.mixedInstancesPolicy) } : {}),
      ...(g.launchConfigurationName ? { LaunchConfigurationName: g.launchConfigurationName } : {}),
      MinSize: g.minSize,
      MaxSize: g.maxSize,
      DesiredCapacity: g.desiredCapacity,
      DefaultCooldown: 300,
      AvailabilityZones: [`${this.region}a`, `${this.region}b`],
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

// ---------------------------------------------------------------------------------------------
// Module helpers
// ---------------------------------------------------------------------------------------------

/** Points the group at what `to` names (one of the three), and at nothing else. */
function configure(
  g: GroupState,
  to: Pick<GroupState, 'launchTemplate' | 'mixedInstancesPolicy' | 'launchConfigurationName'>,
): void {
  g.launchTemplate = to.launchTemplate;
  g.mixedInstancesPolicy = to.mixedInstancesPolicy;
  g.launchConfigurationName = to.launchConfigurationName;
}

/** A block device mapping without its Ebs.SnapshotId (see createVersion). */
function withoutSnapshot(mapping: unknown): unknown {
  if (!mapping || typeof mapping !== 'object') return mapping;
  const m = mapping as { Ebs?: Record<string, unknown> };
  if (!m.Ebs || !('SnapshotId' in m.Ebs)) return m;
  const { SnapshotId: _dropped, ...ebs } = m.Ebs;
  return { ...m, Ebs: ebs };
}

/** JSON with object keys sorted, so two requests compare by content, not key order. */
function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.map(String) : undefined;
}

function matchesFilter(g: GroupState, f: { Name?: string; Values?: string[] }): boolean {
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

/**
 * Token pagination as AWS does it: an opaque NextToken while more items remain. Auto Scaling's
 * MaxRecords defaults to 50 (max 100); EC2's MaxResults defaults to all.
 */
function paginate<T>(
  service: FakeService,
  items: T[],
  input: Input,
): { items: T[]; next: { NextToken?: string } } {
  const max = service === 'autoscaling' ? input.MaxRecords : input.MaxResults;
  const limit = typeof max === 'number' ? max : service === 'autoscaling' ? 50 : items.length || 1;
  if (service === 'autoscaling' && (limit < 1 || limit > 100))
    throw awsError(service, 'ValidationError', 'MaxRecords must be between 1 and 100');
  let start = 0;
  if (input.NextToken !== undefined) {
    const decoded = /^fake-page:(\d+)$/.exec(Buffer.from(String(input.NextToken), 'base64').toString());
    if (!decoded)
      throw service === 'autoscaling'
        ? awsError('autoscaling', 'InvalidNextToken', 'The token is not valid')
        : awsError('ec2', 'InvalidPaginationToken', 'The token is not valid');
    start = Number(decoded[1]);
  }
  const end = start + limit;
  return {
    items: items.slice(start, end),
    next: end < items.length ? { NextToken: Buffer.from(`fake-page:${end}`).toString('base64') } : {},
  };
}

/**
 * A simulated AWS account: a small stateful model of the EC2 launch-template and Auto Scaling APIs
 * this project calls. One implementation for every test and the local demo; `installFakeAccount`
 * (./install.ts) routes the real SDK clients here, so steps run unchanged.
 *
 * One file per simulated resource: ./launch-templates.ts, ./auto-scaling-groups.ts (groups and
 * their instances), ./instance-refreshes.ts; ./errors.ts (AWS's errors, injected faults),
 * ./pagination.ts, ./commands.ts (the command table, typed with the SDK's own Input/Output types).
 * This file is the facade tests and the runner use.
 *
 * Each modelled behaviour names the AWS documentation page it follows. Where AWS leaves something
 * unspecified (e.g. the exact wording of a message) the fake picks something plausible and says so.
 */
import {
  type AutoScalingGroupSeed,
  type AutoScalingGroupSnapshot,
  AutoScalingGroups,
  type InstanceSnapshot,
} from './auto-scaling-groups.ts';
import {
  type CommandInput,
  type CommandOutput,
  type CommandTable,
  type FakeCall,
  type FakeCommandName,
  type FakeService,
  MUTATING_COMMANDS,
} from './commands.ts';
import {
  awsError,
  type FaultPlanEntry,
  Faults,
  metadata,
  networkError,
  plannedError,
  THROTTLING,
} from './errors.ts';
import {
  InstanceRefreshes,
  type InstanceRefreshSnapshot,
  type RefreshEvent,
  type RefreshScript,
  type FakeRefreshStatus as RefreshStatusOfFake,
} from './instance-refreshes.ts';
import { invocationScope } from './invocation.ts';
import {
  type LaunchTemplateData,
  type LaunchTemplateSeed,
  type LaunchTemplateSnapshot,
  LaunchTemplates,
} from './launch-templates.ts';
import { TaskTokens } from './task-tokens.ts';
import { type TokenBucketOptions, TokenBuckets } from './token-buckets.ts';
import { clone, type FakeContext } from './util.ts';

export {
  ACTIVE_REFRESH_UPDATE_MESSAGE,
  type AutoScalingGroupSeed,
  type AutoScalingGroupSnapshot,
  type DesiredConfigurationShape,
  type InstanceLaunchTemplate,
  type InstanceSeed,
  type InstanceSnapshot,
  type LaunchTemplateOverrideShape,
  type MixedInstancesPolicyShape,
} from './auto-scaling-groups.ts';
export {
  AUTO_SCALING_COMMANDS,
  EC2_COMMANDS,
  type FakeCall,
  type FakeCommandName,
  type FakeService,
} from './commands.ts';
export type { FaultKind, FaultPlanEntry } from './errors.ts';
export {
  type FakeRefreshStatus,
  type InstanceRefreshSnapshot,
  REFRESH_END_EVENTS,
  REFRESH_STATUSES,
  type RefreshEvent,
  type RefreshScript,
} from './instance-refreshes.ts';
export type {
  LaunchTemplateData,
  LaunchTemplateReference,
  LaunchTemplateSeed,
  LaunchTemplateSnapshot,
  VersionSnapshot,
} from './launch-templates.ts';
export type { TaskTokenOutcome } from './task-tokens.ts';
export type { BucketFigures, TokenBucketOptions } from './token-buckets.ts';

export interface FakeAccountOptions {
  /** The clock; defaults to a deterministic one from 2026-01-05T03:00:00Z, one second later at each reading. */
  now?: () => Date;
  /** AWS account id used in ARNs. */
  accountId?: string;
  region?: string;
  /**
   * Enforce AWS's request token buckets (./token-buckets.ts): an empty bucket refuses the call as AWS
   * does (EC2 `RequestLimitExceeded`, Auto Scaling `Throttling`). Off when omitted.
   */
  tokenBuckets?: TokenBucketOptions;
}

export interface AccountSnapshot {
  launchTemplates: LaunchTemplateSnapshot[];
  autoScalingGroups: AutoScalingGroupSnapshot[];
  instanceRefreshes: InstanceRefreshSnapshot[];
}

export class FakeAccount {
  /** Every call routed here, in order. */
  readonly calls: FakeCall[] = [];
  /** Step Functions' task tokens, which the local runner issues and the handlers complete. */
  readonly taskTokens = new TaskTokens();

  private readonly templates: LaunchTemplates;
  private readonly groups: AutoScalingGroups;
  private readonly refreshes: InstanceRefreshes;
  private readonly faults = new Faults();
  /** The request token buckets, when the account enforces them; their clock paces the SDK's waits too. */
  readonly tokenBuckets: TokenBuckets | undefined;

  constructor(options: FakeAccountOptions = {}) {
    this.tokenBuckets = options.tokenBuckets ? new TokenBuckets(options.tokenBuckets) : undefined;
    let tick = Date.parse('2026-01-05T03:00:00Z');
    const ctx: FakeContext = {
      now:
        options.now ??
        (() => {
          tick += 1000;
          return new Date(tick);
        }),
      accountId: options.accountId ?? '123456789012',
      region: options.region ?? 'eu-west-1',
    };
    this.templates = new LaunchTemplates(ctx);
    this.groups = new AutoScalingGroups(ctx, this.templates, (asgName) =>
      this.refreshes.activeDesired(asgName),
    );
    this.refreshes = new InstanceRefreshes(ctx, this.templates, this.groups);
  }

  // ----- seeding -----------------------------------------------------------------------------

  /** Adds a launch template with its versions (numbered from 1); returns its id. */
  addLaunchTemplate(seed: LaunchTemplateSeed): { id: string; name: string } {
    return this.templates.add(seed);
  }

  /**
   * Adds an Auto Scaling group. A reference by name is stored with the id too, as AWS returns both;
   * a reference to a template that does not exist is kept as given (AWS lets a template be deleted).
   * Its instances are `seed.instances`, or `desiredCapacity` launched from its configuration now.
   */
  addAutoScalingGroup(seed: AutoScalingGroupSeed): void {
    this.groups.add(seed);
  }

  /**
   * A scale-out: launches `count` instances from the group's CURRENT configuration, each reference
   * resolved now (a `$Latest` group launches the template's latest version), and raises
   * DesiredCapacity by `count` (at most MaxSize). Returns the new instances.
   */
  launchInstances(asgName: string, count: number): InstanceSnapshot[] {
    return this.groups.launchInstances(asgName, count);
  }

  /** Sets how the group's next instance refreshes behave. */
  setRefreshScript(asgName: string, script: RefreshScript): void {
    this.groups.get(asgName).refresh = script;
  }

  /**
   * Seeds an instance refresh that was started outside this run (e.g. one already InProgress),
   * without a desired configuration. Returns its id.
   */
  addInstanceRefresh(asgName: string, script: RefreshScript = 'stuck'): string {
    return this.refreshes.add(asgName, script);
  }

  /**
   * Time passes for the group's newest refresh: one step along its script, as one
   * DescribeInstanceRefreshes would move it (the event-driven wait has nobody describing it).
   */
  advanceRefresh(asgName: string): RefreshStatusOfFake | undefined {
    return this.refreshes.tick(asgName);
  }

  /** The EventBridge events sent since the last call (a refresh reaching an end status), each taken once. */
  takeRefreshEvents(): RefreshEvent[] {
    return this.refreshes.takeEvents();
  }

  // ----- fault injection ---------------------------------------------------------------------

  /**
   * The next `times` calls of `command` fail with `errorName` (e.g. `Throttling`,
   * `RequestLimitExceeded`, `ResourceContention`, `InternalFailure`) before touching any state.
   */
  failNext(command: FakeCommandName, errorName: string, times = 1, message?: string): void {
    this.faults.failNext(command, errorName, times, message);
  }

  /**
   * From now on, every distinct call (command + input) is throttled the first time it is made and
   * succeeds when retried: Auto Scaling answers `Throttling` "Rate exceeded", EC2 `RequestLimitExceeded`.
   */
  throttleEveryCallOnce(enabled = true): void {
    this.faults.throttleEveryCallOnce(enabled);
  }

  /**
   * Plans faults on particular calls (see FaultPlanEntry): `throttle` and `fail-before` fail the call
   * before it changes anything; `lose-response` lets it take effect, then loses the answer. Each fault
   * is recorded on its call in `calls` (`fault`, `error`).
   */
  planFaults(...entries: FaultPlanEntry[]): void {
    this.faults.planFaults(entries);
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
    return {
      launchTemplates: this.templates.snapshot(),
      autoScalingGroups: this.groups.snapshot(),
      instanceRefreshes: this.refreshes.snapshot(),
    };
  }

  /** A launch template's version data (a copy), or undefined. Handy in assertions. */
  versionData(templateIdOrName: string, version: number): LaunchTemplateData | undefined {
    const t = this.templates.byIdOrName(templateIdOrName);
    const data = t && this.templates.data(t, version);
    return data && clone(data);
  }

  /**
   * The version number a reference (`$Default`, `$Latest` or a number) names now, or undefined
   * when the template or that version does not exist.
   */
  resolveReference(templateIdOrName: string, version: string): number | undefined {
    const t = this.templates.byIdOrName(templateIdOrName);
    return t && this.templates.tryResolve(t, version);
  }

  // ----- the API -----------------------------------------------------------------------------

  /**
   * Handles one API call as AWS would: logs it, applies injected faults, then the modelled
   * behaviour. Returns the response shape the SDK would return (dates as Date objects).
   */
  async handle<K extends FakeCommandName>(
    service: FakeService,
    command: K,
    rawInput: CommandInput<K> | undefined,
  ): Promise<CommandOutput<K> & { $metadata: ReturnType<typeof metadata> }> {
    const input = (rawInput ?? {}) as CommandInput<K>;
    const invocation = invocationScope.getStore()?.id;
    const call: FakeCall = {
      service,
      command,
      input: clone(input),
      mutating: MUTATING_COMMANDS.has(command),
      ...(invocation ? { invocation } : {}),
    };
    this.calls.push(call);
    const buckets = this.tokenBuckets;
    if (buckets) {
      call.atSeconds = buckets.clock.seconds();
      // Refused at the door: no token taken, no fault counted, nothing changed.
      if (!buckets.take(service, command)) {
        call.throttled = true;
        call.error = THROTTLING[service];
        throw awsError(service, THROTTLING[service]);
      }
    }
    const requestId = `00000000-0000-4000-8000-${this.calls.length.toString(16).padStart(12, '0')}`;
    try {
      const planned = this.faults.planned(command, input);
      if (planned) call.fault = planned.kind;
      if (planned && planned.kind !== 'lose-response') throw plannedError(service, planned);
      this.faults.inject(service, command, input);
      const output = this.api[command](input);
      // The effect happened; only the answer is lost on the way back.
      if (planned?.kind === 'lose-response') throw networkError(planned.network);
      return { ...output, $metadata: metadata(200, requestId) };
    } catch (error) {
      call.error = error instanceof Error ? error.name : String(error);
      throw error;
    }
  }

  /** The modelled behaviour of each command. */
  private readonly api: CommandTable = {
    DescribeLaunchTemplates: (input) => this.templates.describeLaunchTemplates(input),
    DescribeLaunchTemplateVersions: (input) => this.templates.describeLaunchTemplateVersions(input),
    CreateLaunchTemplateVersion: (input) => this.templates.createLaunchTemplateVersion(input),
    ModifyLaunchTemplate: (input) => this.templates.modifyLaunchTemplate(input),
    DeleteLaunchTemplateVersions: (input) => this.templates.deleteLaunchTemplateVersions(input),
    DescribeAutoScalingGroups: (input) => this.groups.describeAutoScalingGroups(input),
    DescribeAutoScalingInstances: (input) => this.groups.describeAutoScalingInstances(input),
    UpdateAutoScalingGroup: (input) => this.groups.updateAutoScalingGroup(input),
    StartInstanceRefresh: (input) => this.refreshes.startInstanceRefresh(input),
    DescribeInstanceRefreshes: (input) => this.refreshes.describeInstanceRefreshes(input),
    RollbackInstanceRefresh: (input) => this.refreshes.rollbackInstanceRefresh(input),
    CancelInstanceRefresh: (input) => this.refreshes.cancelInstanceRefresh(input),
    SendTaskSuccess: (input) => this.taskTokens.sendTaskSuccess(input),
    SendTaskFailure: (input) => this.taskTokens.sendTaskFailure(input),
  };
}

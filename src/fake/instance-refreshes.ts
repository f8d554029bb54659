/**
 * Simulated instance refreshes: StartInstanceRefresh, DescribeInstanceRefreshes,
 * RollbackInstanceRefresh and CancelInstanceRefresh, each refresh following a script of statuses
 * and replacing the group's instances as it goes.
 */
import type { InstanceRefresh, RefreshPreferences } from '@aws-sdk/client-auto-scaling';
import {
  type AutoScalingGroups,
  configure,
  type DesiredConfigurationShape,
  type GroupConfig,
  type GroupState,
} from './auto-scaling-groups.ts';
import type { CommandInput, CommandOutput } from './commands.ts';
import { awsError } from './errors.ts';
import type { LaunchTemplates } from './launch-templates.ts';
import { paginate } from './pagination.ts';
import { clone, type FakeContext, isNumbered, iso, strings } from './util.ts';

/** The statuses AWS reports (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_InstanceRefresh.html). */
export const REFRESH_STATUSES = [
  'Pending',
  'InProgress',
  'Cancelling',
  'RollbackInProgress',
  'Baking',
  'Successful',
  'Failed',
  'Cancelled',
  'RollbackSuccessful',
  'RollbackFailed',
] as const;
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

/**
 * The EventBridge events AWS sends when a refresh ends, by the status it ends in (source
 * `aws.autoscaling`; the detail carries only the refresh id and the group's name; best effort):
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-eventbridge-events.html
 */
export const REFRESH_END_EVENTS: Partial<Record<FakeRefreshStatus, string>> = {
  Successful: 'EC2 Auto Scaling Instance Refresh Succeeded',
  Failed: 'EC2 Auto Scaling Instance Refresh Failed',
  Cancelled: 'EC2 Auto Scaling Instance Refresh Cancelled',
  RollbackSuccessful: 'EC2 Auto Scaling Instance Refresh Rollback Succeeded',
  RollbackFailed: 'EC2 Auto Scaling Instance Refresh Rollback Failed',
};

/** An event as EventBridge delivers it to a rule's target (the fields the handler reads). */
export interface RefreshEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: 'aws.autoscaling';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: { InstanceRefreshId: string; AutoScalingGroupName: string };
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
  preferences?: RefreshPreferences;
  startTime: string;
  endTime?: string;
}

interface RefreshState {
  id: string;
  asgName: string;
  script: FakeRefreshStatus[];
  cursor: number;
  history: FakeRefreshStatus[];
  desiredConfiguration?: DesiredConfigurationShape;
  preferences?: RefreshPreferences;
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

export class InstanceRefreshes {
  private readonly refreshes: RefreshState[] = [];
  /** Events sent and not yet taken by whoever delivers them (the local runner, as the rule would). */
  private readonly outbox: RefreshEvent[] = [];
  private eventCount = 0;

  constructor(
    private readonly ctx: FakeContext,
    private readonly templates: LaunchTemplates,
    private readonly groups: AutoScalingGroups,
  ) {}

  /** Seeds a refresh started outside this run (no desired configuration); returns its id. */
  add(asgName: string, script: RefreshScript): string {
    return this.create(this.groups.get(asgName), script, undefined, undefined, false).id;
  }

  /** The desired configuration of the group's active refresh (the update restriction). */
  activeDesired(asgName: string): DesiredConfigurationShape | undefined {
    return this.active(asgName)?.desiredConfiguration;
  }

  snapshot(): InstanceRefreshSnapshot[] {
    return clone(
      this.refreshes.map((r) => ({
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
    );
  }

  /** The events sent since the last call, oldest first (each is taken once). */
  takeEvents(): RefreshEvent[] {
    return this.outbox.splice(0);
  }

  /**
   * Time passes for the group's newest refresh without anyone describing it: one step along its
   * script, as a DescribeInstanceRefreshes would have moved it. Returns its status afterwards.
   */
  tick(asgName: string): FakeRefreshStatus | undefined {
    const r = this.refreshes.findLast((x) => x.asgName === asgName);
    if (!r) return undefined;
    this.advance(r);
    return this.status(r);
  }

  // ----- the Auto Scaling API ----------------------------------------------------------------

  // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_StartInstanceRefresh.html
  // One active refresh per group (InstanceRefreshInProgress). AutoRollback is refused when rollback
  // is not supported (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html):
  // no desired configuration, the group on `$Latest`/`$Default`, or an SSM parameter as ImageId.
  startInstanceRefresh(input: CommandInput<'StartInstanceRefresh'>): CommandOutput<'StartInstanceRefresh'> {
    const g = this.groups.orValidationError(input.AutoScalingGroupName);
    if (this.active(g.name))
      throw awsError(
        'autoscaling',
        'InstanceRefreshInProgress',
        `An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.`,
      );
    const desired: DesiredConfigurationShape | undefined = input.DesiredConfiguration;
    if (desired?.LaunchTemplate && desired.MixedInstancesPolicy)
      throw awsError(
        'autoscaling',
        'ValidationError',
        'DesiredConfiguration: specify either LaunchTemplate or MixedInstancesPolicy',
      );
    const checkedDesired: DesiredConfigurationShape | undefined = desired && {
      ...(desired.LaunchTemplate
        ? { LaunchTemplate: this.groups.checkedReference(desired.LaunchTemplate) }
        : {}),
      ...(desired.MixedInstancesPolicy
        ? { MixedInstancesPolicy: this.groups.checkedPolicy(desired.MixedInstancesPolicy) }
        : {}),
    };
    const preferences = input.Preferences;
    const blocker = this.rollbackBlocker(g, checkedDesired);
    if (preferences?.AutoRollback === true && blocker !== undefined)
      throw awsError('autoscaling', 'ValidationError', `AutoRollback is not supported: ${blocker}`);
    return { InstanceRefreshId: this.create(g, g.refresh, checkedDesired, preferences, true).id };
  }

  // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeInstanceRefreshes.html
  // Most recent first. A describe is the fake's unit of time: each status of a script is reported once,
  // then the refresh moves on (the last status stays). Effects happen when a status is reached, as on
  // AWS, so a refresh may have succeeded (and saved its configuration) before anyone describes it again.
  describeInstanceRefreshes(
    input: CommandInput<'DescribeInstanceRefreshes'>,
  ): CommandOutput<'DescribeInstanceRefreshes'> {
    const g = this.groups.orValidationError(input.AutoScalingGroupName);
    const ids = strings(input.InstanceRefreshIds);
    const matching = this.refreshes
      .filter((r) => r.asgName === g.name && (!ids || ids.includes(r.id)))
      .reverse();
    const page = paginate('autoscaling', matching, input);
    const out = page.items.map((r) => this.describe(r));
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
  rollbackInstanceRefresh(
    input: CommandInput<'RollbackInstanceRefresh'>,
  ): CommandOutput<'RollbackInstanceRefresh'> {
    const r = this.toStop(input.AutoScalingGroupName, ['Cancelling', 'RollbackInProgress']);
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
  cancelInstanceRefresh(
    input: CommandInput<'CancelInstanceRefresh'>,
  ): CommandOutput<'CancelInstanceRefresh'> {
    return this.rescript(
      this.toStop(input.AutoScalingGroupName, ['Cancelling']),
      ['Cancelling', 'Cancelled'],
      'Cancelled by the user',
    );
  }

  // ----- lifecycle ---------------------------------------------------------------------------

  /** The group's active refresh, unless it is already `stopping` (ActiveInstanceRefreshNotFound). */
  private toStop(asgName: string | undefined, stopping: FakeRefreshStatus[]): RefreshState {
    const g = this.groups.orValidationError(asgName);
    const r = this.active(g.name);
    if (!r || stopping.includes(this.status(r)))
      throw awsError(
        'autoscaling',
        'ActiveInstanceRefreshNotFound',
        'No in progress or pending Instance Refresh found',
      );
    return r;
  }

  private create(
    g: GroupState,
    script: RefreshScript,
    desired: DesiredConfigurationShape | undefined,
    preferences: RefreshPreferences | undefined,
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
    const target = targetOf(g, desired);
    const skipMatching = preferences?.SkipMatching === true;
    const pending = g.instances
      .filter((i) => !skipMatching || !this.groups.matches(i, target))
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
      startTime: this.ctx.now(),
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
    const t = this.templates.find(current);
    const data = t && this.templates.data(t, Number(current.Version));
    if (typeof data?.ImageId === 'string' && data.ImageId.startsWith('resolve:ssm:'))
      return 'the launch template uses a Systems Manager parameter instead of an AMI ID for ImageId';
    return undefined;
  }

  private status(r: RefreshState): FakeRefreshStatus {
    return r.script[r.cursor] ?? 'InProgress';
  }

  /** Records the refresh's current status and applies its effects. */
  private enter(r: RefreshState): void {
    const s = this.status(r);
    // A rollback the user asked for already has its reason.
    if (r.automaticRollback && s === 'RollbackInProgress' && !r.statusReason)
      r.statusReason = 'The instance refresh failed and was rolled back automatically (simulated)';
    if (s === 'Failed' && !r.statusReason)
      r.statusReason = 'Instances did not pass their health checks during the warmup (simulated)';
    r.history.push(s);
    if (!ACTIVE.has(s)) r.endTime = this.ctx.now();
    const detailType = REFRESH_END_EVENTS[s];
    if (detailType) this.send(r, detailType);
    const g = this.groups.find(r.asgName);
    if (!g) return;
    this.replaceInstances(g, r, s);
    // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_StartInstanceRefresh.html:
    // "Once the instance refresh succeeds, Amazon EC2 Auto Scaling updates the settings of the Auto
    // Scaling group to reflect the new desired configuration." Not before, and not on rollback.
    const desired = r.desiredConfiguration;
    if (s === 'Successful' && (desired?.LaunchTemplate || desired?.MixedInstancesPolicy))
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
    const target = targetOf(g, r.desiredConfiguration);
    const live = new Set(g.instances.map((i) => i.instanceId));
    r.pending = r.pending.filter((id) => live.has(id));
    if (s === 'InProgress') {
      const done = r.toReplace - r.pending.length;
      const due = Math.ceil((r.toReplace * this.percentage(r)) / 100);
      const count = Math.min(r.pending.length, Math.max(1, due - done));
      for (const id of r.pending.splice(0, count)) this.groups.replace(g, id, target);
    } else if (s === 'Baking' || s === 'Successful') {
      for (const id of r.pending.splice(0)) this.groups.replace(g, id, target);
      for (const i of [...g.instances])
        if (!this.groups.matches(i, target)) this.groups.replace(g, i.instanceId, target);
    } else if (s === 'RollbackSuccessful') {
      r.pending = [];
      for (const i of [...g.instances])
        if (!this.groups.matches(i, g)) this.groups.replace(g, i.instanceId, g);
    }
  }

  private send(r: RefreshState, detailType: string): void {
    this.eventCount += 1;
    this.outbox.push({
      version: '0',
      id: `${this.eventCount.toString(16).padStart(8, '0')}-0000-4000-8000-e${'0'.repeat(11)}`,
      'detail-type': detailType,
      source: 'aws.autoscaling',
      account: this.ctx.accountId,
      time: iso(this.ctx.now()),
      region: this.ctx.region,
      resources: [
        `arn:aws:autoscaling:${this.ctx.region}:${this.ctx.accountId}:autoScalingGroup:*:autoScalingGroupName/${r.asgName}`,
      ],
      detail: { InstanceRefreshId: r.id, AutoScalingGroupName: r.asgName },
    });
  }

  private advance(r: RefreshState): void {
    if (r.cursor + 1 < r.script.length) {
      r.cursor += 1;
      this.enter(r);
    }
  }

  /** Replaces the rest of an active refresh's script (rollback, cancel); the API's answer. */
  private rescript(
    r: RefreshState,
    next: FakeRefreshStatus[],
    reason: string,
  ): { InstanceRefreshId: string } {
    r.script = [...r.script.slice(0, r.cursor + 1), ...next];
    r.statusReason = reason;
    this.advance(r);
    return { InstanceRefreshId: r.id };
  }

  private active(asgName: string): RefreshState | undefined {
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

  private describe(r: RefreshState): InstanceRefresh {
    return {
      InstanceRefreshId: r.id,
      AutoScalingGroupName: r.asgName,
      Status: this.status(r),
      ...(r.statusReason ? { StatusReason: r.statusReason } : {}),
      StartTime: r.startTime,
      ...(r.endTime ? { EndTime: r.endTime } : {}),
      PercentageComplete: this.percentage(r),
      InstancesToUpdate: this.toUpdate(r),
      ...(r.preferences ? { Preferences: clone(r.preferences) } : {}),
      ...(r.desiredConfiguration ? { DesiredConfiguration: clone(r.desiredConfiguration) } : {}),
    };
  }
}

/** A refresh's target: its desired configuration, else the group's configuration (resolved when used). */
function targetOf(g: GroupState, desired: DesiredConfigurationShape | undefined): GroupConfig {
  if (desired?.LaunchTemplate) return { launchTemplate: desired.LaunchTemplate };
  if (desired?.MixedInstancesPolicy) return { mixedInstancesPolicy: desired.MixedInstancesPolicy };
  return g;
}

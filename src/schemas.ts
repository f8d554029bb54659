/**
 * Schemas are the contract between states: each state's input is shaped in the ASL
 * (Parameters / ResultSelector / ResultPath) so its handler gets exactly its schema.
 * A schema and its type share a name.
 */

import { en } from 'zod/locales';
import * as z from 'zod/mini';

// zod/mini: the functional API, which tree-shakes (each bundle keeps the schemas its handler parses)
// and loads in a fraction of the classic API's time (npm run bench). Unlike the classic API it sets
// no locale; English messages, as the classic API gives.
z.config(en());

// Each helper below is marked free of side effects, as zod/mini's own functions are (and as
// esbuild.config.cjs marks every z.*() call here), so a bundle drops every schema its handler does
// not parse (a method call such as `.check()` would keep them all).
/** A string with checks. */
// @__NO_SIDE_EFFECTS__
const text = (...checks: z.core.$ZodCheck<string>[]) => z.string().check(...checks);
/** A non-empty string. */
// @__NO_SIDE_EFFECTS__
const nonEmpty = () => text(z.minLength(1));
/** A number with checks. */
// @__NO_SIDE_EFFECTS__
const num = (...checks: z.core.$ZodCheck<number>[]) => z.number().check(...checks);
/** An integer (as the classic API's `z.number().int()`) with checks. */
// @__NO_SIDE_EFFECTS__
const integer = (...checks: z.core.$ZodCheck<number>[]) => num(z.int(), ...checks);
/** An array with checks on its length. */
// @__NO_SIDE_EFFECTS__
const list = <T extends z.core.SomeType>(item: T, ...checks: z.core.$ZodCheck<unknown[]>[]) =>
  z.array(item).check(...checks);

// ---------------------------------------------------------------------------------------------
// Execution input (also what an operator pastes into the console). Strict: unknown keys are errors.
// ---------------------------------------------------------------------------------------------

export const TagFilter = z.strictObject({
  key: text(z.minLength(1), z.maxLength(128)),
  /** Any of these values; omit to match every group that carries the key. */
  values: z.optional(list(text(z.minLength(1), z.maxLength(256)), z.minLength(1))),
});
export type TagFilter = z.infer<typeof TagFilter>;

export const Targets = z.union([
  z.strictObject({
    asgNames: list(text(z.minLength(1), z.maxLength(255)), z.minLength(1), z.maxLength(500)),
  }),
  z.strictObject({ tags: list(TagFilter, z.minLength(1), z.maxLength(10)) }),
]);
export type Targets = z.infer<typeof Targets>;

export const PatchOptions = z.strictObject({
  /** `security`: security updates only (the default); `all`: every available update. */
  updates: z._default(z.enum(['security', 'all']), 'security'),
  /** Point chrony / timesyncd at the Amazon Time Sync Service (169.254.169.123). */
  timeSync: z._default(z.boolean(), true),
});
export type PatchOptions = z.infer<typeof PatchOptions>;

const RefreshBehaviour = z.enum(['Refresh', 'Ignore', 'Wait']);

// The rules of the three fields a group's own tags may also set (GroupTagValues): one definition each.
const MinHealthyPercentage = integer(z.gte(0), z.lte(100));
const InstanceWarmup = integer(z.gte(0));
// 7 days at most; literals, not 7 * 24 * 3600: esbuild keeps an unused schema whose arguments hold
// arithmetic (it cannot prove it free of side effects).
const MaxWaitSeconds = integer(z.gte(60), z.lte(604_800));

/** Instance refresh preferences; names follow the AWS API with a lower-case first letter. */
export const RefreshPreferences = z.strictObject({
  minHealthyPercentage: z._default(MinHealthyPercentage, 90),
  maxHealthyPercentage: z.optional(integer(z.gte(100), z.lte(200))),
  instanceWarmup: z._default(InstanceWarmup, 300),
  checkpointPercentages: z.optional(list(integer(z.gte(1), z.lte(100)), z.minLength(1))),
  checkpointDelay: z.optional(integer(z.gte(0), z.lte(172800))),
  alarmSpecification: z.optional(
    z.strictObject({ alarms: list(nonEmpty(), z.minLength(1), z.maxLength(10)) }),
  ),
  bakeTime: z.optional(integer(z.gte(0), z.lte(172800))),
  scaleInProtectedInstances: z.optional(RefreshBehaviour),
  /** Standby instances take Terminate, not Refresh (API_RefreshPreferences: Terminate | Ignore | Wait). */
  standbyInstances: z.optional(z.enum(['Terminate', 'Ignore', 'Wait'])),
  autoRollback: z._default(z.boolean(), true),
  skipMatching: z._default(z.boolean(), true),
});
export type RefreshPreferences = z.infer<typeof RefreshPreferences>;

/**
 * Pruning of the launch-template versions this tool created (any run's, recognised by the version
 * description it writes), done by DeleteUnusedVersions on each template the run changes. The newest
 * `keep` of them stay; an older one is deleted unless something uses it (the default, `$Latest`, a
 * group's reference, an instance, an active refresh). Versions anyone else created are never pruned.
 * A template holds at most 10,000 versions.
 */
export const PruneVersions = z.strictObject({
  /** How many of this tool's versions stay per template, newest first (1 to 1000). */
  keep: integer(z.gte(1), z.lte(1000)),
});
export type PruneVersions = z.infer<typeof PruneVersions>;

/**
 * How a refresh is waited on. `events`: a task token, completed by the EventBridge rule's
 * OnRefreshEvent when AWS reports the refresh ended (with a DescribeInstanceRefreshes every
 * `backstopSeconds` in case the event is lost). `polling`: a DescribeInstanceRefreshes every
 * `pollIntervalSeconds`, for deployments without the rule.
 */
export const WaitMode = z.enum(['events', 'polling']);
export type WaitMode = z.infer<typeof WaitMode>;

export const ExecutionInput = z.strictObject({
  targets: Targets,
  /** Compute and report what would change; change nothing. */
  dryRun: z._default(z.boolean(), false),
  /** Create a new version and refresh even when the group already carries the current script. */
  force: z._default(z.boolean(), false),
  // prefault: an omitted object is parsed as {}, so its fields take their own defaults.
  patch: z.prefault(PatchOptions, {}),
  refreshPreferences: z.prefault(RefreshPreferences, {}),
  /**
   * Groups outside `targets` that follow a planned launch template through `$Default` or `$Latest`
   * would launch the new version without being refreshed. `refuse` (the default): that template is
   * not changed in this run and its targeted groups fail with UntargetedSharersError, which lists the
   * followers. `include`: they join the run as targets. `accept`: they are left as they are and will
   * launch the new version once it exists (`$Latest`) or becomes the default (`$Default`).
   */
  untargetedSharers: z._default(z.enum(['refuse', 'include', 'accept']), 'refuse'),
  /** How many groups are patched at once. */
  maxConcurrency: z._default(integer(z.gte(1), z.lte(40)), 5),
  /** Seconds between two DescribeInstanceRefreshes of one refresh. */
  pollIntervalSeconds: z._default(integer(z.gte(5), z.lte(3600)), 60),
  /** Past this, the refresh is rolled back (or cancelled) and the group fails. 4 hours by default. */
  maxWaitSeconds: z._default(MaxWaitSeconds, 14_400),
  /** Omitted: the deployment's default (`events` where its EventBridge rule is deployed, else `polling`). */
  waitMode: z.optional(WaitMode),
  /**
   * In `events` mode, the longest a wait lasts without news: then one DescribeInstanceRefreshes, and
   * the wait starts again. A lost event costs at most this long. One hour by default.
   */
  backstopSeconds: z._default(integer(z.gte(60), z.lte(86_400)), 3600),
  /** Prune older versions this tool created, keeping the newest `keep` per template. Off when omitted. */
  pruneVersions: z.optional(PruneVersions),
});
export type ExecutionInput = z.infer<typeof ExecutionInput>;

// ---------------------------------------------------------------------------------------------
// State data. A run plans per launch template, refreshes per group and settles per template
// (DESIGN.md): the state carries one GroupRecord per targeted group and one TemplateRecord per
// launch template they use. Each Map phase hands a record to its stage and gets the same record
// back with that stage's field set (ResultPath into the record), so a record is the whole story
// of its group or template, and Summarize reads nothing else.
// ---------------------------------------------------------------------------------------------

/** What every state may read about the run; produced once by ResolveTargets. */
export const RunSettings = z.strictObject({
  runId: nonEmpty(),
  dryRun: z.boolean(),
  force: z.boolean(),
  patch: PatchOptions,
  refreshPreferences: RefreshPreferences,
  untargetedSharers: z.enum(['refuse', 'include', 'accept']),
  maxConcurrency: integer(z.positive()),
  pollIntervalSeconds: integer(z.positive()),
  maxWaitSeconds: integer(z.positive()),
  waitMode: WaitMode,
  backstopSeconds: integer(z.positive()),
  /**
   * The time one read of the wait loop stands for: `pollIntervalSeconds` when polling,
   * `backstopSeconds` with events (a read happens only after a whole backstop without an end event).
   */
  waitIntervalSeconds: integer(z.positive()),
  /** ceil(maxWaitSeconds / waitIntervalSeconds): the wait loop counts reads, each one interval of time. */
  maxPolls: integer(z.positive()),
  /** Absent: no pruning (only the run's own unused versions are deleted). */
  pruneVersions: z.optional(PruneVersions),
});
export type RunSettings = z.infer<typeof RunSettings>;

export const ResolveTargetsInput = z.strictObject({
  /** The raw execution input; validated here so a bad run fails at the first state. */
  input: z.unknown(),
  runId: nonEmpty(),
});
export type ResolveTargetsInput = z.infer<typeof ResolveTargetsInput>;

export const ResolveTargetsOutput = z.strictObject({
  settings: RunSettings,
  /** As the input gave them: LookupLaunchTemplate lists them (src/steps/lib/list-targets.ts). */
  targets: Targets,
});
export type ResolveTargetsOutput = z.infer<typeof ResolveTargetsOutput>;

export const VersionReference = text(z.regex(/^(\$Default|\$Latest|[1-9]\d*)$/));
const VersionNumber = integer(z.positive());

/** The Catch output of Step Functions: `Cause` is the Lambda's JSON error document. */
export const CaughtError = z.object({ Error: z.string(), Cause: z.optional(z.string()) });
export type CaughtError = z.infer<typeof CaughtError>;

/** A named error of ours, as the plan records it (the group is refused, nothing was changed). */
export const Refusal = z.strictObject({ error: nonEmpty(), message: nonEmpty() });
export type Refusal = z.infer<typeof Refusal>;

/**
 * One place a group names a launch template: the main spec (`LaunchTemplate` or the mixed-instances
 * policy's `LaunchTemplateSpecification`), or override `n` of the mixed-instances policy that carries
 * its own `LaunchTemplateSpecification`.
 */
export const SpecSlot = z.union([z.literal('main'), integer(z.nonnegative())]);
export type SpecSlot = z.infer<typeof SpecSlot>;

export const GroupSpec = z.strictObject({
  slot: SpecSlot,
  launchTemplateId: text(z.startsWith('lt-')),
  /** The group's reference as it was: `$Default`, `$Latest` or a number. */
  reference: VersionReference,
  /** That reference resolved to a number when the run planned: what the group is pinned to. */
  version: VersionNumber,
});
export type GroupSpec = z.infer<typeof GroupSpec>;

/**
 * `patch`: a source lacks today's script, so new versions are created and the group refreshed onto
 * them. `refreshOnly`: every source is current but some instances run an older version: refreshed
 * onto the sources, nothing created. `alreadyCurrent`: sources and instances are current. `skipped`:
 * the group's own `asg-patcher:skip=true` tag keeps it out of this run. `refused`:
 * a pre-flight check failed (see `refusal`); nothing about the group changes.
 */
export const GroupAction = z.enum(['patch', 'refreshOnly', 'alreadyCurrent', 'skipped', 'refused']);
export type GroupAction = z.infer<typeof GroupAction>;

/** The group's lock in the run ledger, as LockAutoScalingGroup took it (held until Summarize). */
export const LockResult = z.strictObject({
  acquiredAt: z.string(),
  /** When the lock lapses unless released first (src/ledger/lock-lifetime.ts). */
  expiresAt: z.string(),
  /** The run whose lapsed lock this one replaced, and when that lapsed. */
  tookOverFrom: z.optional(z.strictObject({ runId: nonEmpty(), expiredAt: z.string() })),
});
export type LockResult = z.infer<typeof LockResult>;

export const PinResult = z.strictObject({
  /** True when the group referred to `$Default`/`$Latest` and now names the numbers they resolved to. */
  pinned: z.boolean(),
});
export type PinResult = z.infer<typeof PinResult>;

export const RefreshStatus = z.enum([
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
]);
export type RefreshStatus = z.infer<typeof RefreshStatus>;

/** The group's refresh as StartInstanceRefresh began it and each PollInstanceRefresh saw it. */
export const RefreshProgress = z.strictObject({
  instanceRefreshId: nonEmpty(),
  startedAt: z.string(),
  /** Per spec slot: the version the refresh rolls out. */
  desired: z.array(z.strictObject({ slot: SpecSlot, launchTemplateId: z.string(), version: VersionNumber })),
  status: RefreshStatus,
  /** True once the status is one the refresh ends in. */
  terminal: z.boolean(),
  statusReason: z.optional(z.string()),
  percentageComplete: num(z.nonnegative()),
  /** Polls made so far. */
  pollCount: integer(z.nonnegative()),
  /** Polls before the run asks AWS to stop it: the run's, or the group's own asg-patcher:max-wait-seconds. */
  maxPolls: integer(z.positive()),
  /** Set when the refresh outlasted maxWaitSeconds and this run asked AWS to roll it back or cancel it. */
  stopRequested: z.optional(z.enum(['rollback', 'cancel'])),
  finishedAt: z.optional(z.string()),
});
export type RefreshProgress = z.infer<typeof RefreshProgress>;

export const RestoreResult = z.strictObject({
  /** The group's reference per spec slot after the run. */
  references: z.array(
    z.strictObject({ slot: SpecSlot, launchTemplateId: z.string(), reference: VersionReference }),
  ),
  /** What the operator should know: a group left on a number and why, mixed instances, what to do. */
  notes: z.array(z.string()),
});
export type RestoreResult = z.infer<typeof RestoreResult>;

/** What a group's own tags override for it (asg-patcher:min-healthy-percentage, ...). */
export const GroupPreferences = z.strictObject({
  minHealthyPercentage: z.optional(integer()),
  instanceWarmup: z.optional(integer()),
  maxWaitSeconds: z.optional(integer()),
});
export type GroupPreferences = z.infer<typeof GroupPreferences>;

/** The values a group's tags give, held to the rules of the input fields they stand for. */
export const GroupTagValues = z.strictObject({
  minHealthyPercentage: z.optional(MinHealthyPercentage),
  instanceWarmup: z.optional(InstanceWarmup),
  maxWaitSeconds: z.optional(MaxWaitSeconds),
});
export type GroupTagValues = z.infer<typeof GroupTagValues>;

export const GroupRecord = z.strictObject({
  asgName: nonEmpty(),
  action: GroupAction,
  /** Why the plan chose the action, in a sentence. */
  reason: z.string(),
  refusal: z.optional(Refusal),
  /** Every launch template the group launches from (empty when refused before they were read). */
  specs: z.array(GroupSpec),
  /** AWS can roll this group's refresh back (no SSM-parameter AMI in any of its sources). */
  rollbackPossible: z.boolean(),
  /** The group's own tag overrides, when it has any. */
  preferences: z.optional(GroupPreferences),
  lock: z.optional(LockResult),
  lockError: z.optional(CaughtError),
  pin: z.optional(PinResult),
  pinError: z.optional(CaughtError),
  refresh: z.optional(RefreshProgress),
  refreshError: z.optional(CaughtError),
  restore: z.optional(RestoreResult),
  restoreError: z.optional(CaughtError),
});
export type GroupRecord = z.infer<typeof GroupRecord>;

/** A version of a template that the run's groups launch from, and what the plan does with it. */
export const TemplateSource = z.strictObject({
  version: VersionNumber,
  /** `create`: a patched version is made from it; `current`: it already carries today's script. */
  action: z.enum(['create', 'current']),
  /** Dry runs: what the new version would hold, in a few lines (parts and sizes); never the user data itself. */
  summary: z.optional(z.string()),
});
export type TemplateSource = z.infer<typeof TemplateSource>;

export const CreatedVersion = z.strictObject({ sourceVersion: VersionNumber, newVersion: VersionNumber });
export type CreatedVersion = z.infer<typeof CreatedVersion>;

export const PromoteResult = z.strictObject({
  /** The template's default after the run. */
  defaultVersion: VersionNumber,
  moved: z.boolean(),
  note: z.optional(z.string()),
});
export type PromoteResult = z.infer<typeof PromoteResult>;

export const CleanupResult = z.strictObject({
  /** This run's versions deleted because nothing uses them. */
  deleted: z.array(VersionNumber),
  /** Versions this run created that stay, each with why. */
  kept: z.array(z.strictObject({ version: VersionNumber, why: z.string() })),
  /** With `pruneVersions`: older versions this tool created (earlier runs') deleted by the pruning. */
  pruned: z.optional(z.array(VersionNumber)),
  /** With `pruneVersions`: this tool's versions older than the newest `keep` that stay, each with why. */
  pruneKept: z.optional(z.array(z.strictObject({ version: VersionNumber, why: z.string() }))),
});
export type CleanupResult = z.infer<typeof CleanupResult>;

export const TemplateRecord = z.strictObject({
  launchTemplateId: text(z.startsWith('lt-')),
  launchTemplateName: nonEmpty(),
  /** The default and latest numbers when the run planned. */
  defaultVersion: VersionNumber,
  latestVersion: VersionNumber,
  sources: z.array(TemplateSource),
  /** True when some source is `create`d, so the template goes through every phase. */
  changes: z.boolean(),
  /** The targeted groups that launch from it and take part in the run, with their reference on it. */
  followers: z.array(z.strictObject({ asgName: z.string(), reference: VersionReference })),
  /** Every group in the Region that launches from it, targeted or not (what may use its versions). */
  users: z.array(z.string()),
  /** Untargeted groups that follow it through `$Default`/`$Latest` and were accepted (`accept`). */
  acceptedSharers: z.array(z.string()),
  /** The template's changes refused for the run (UntargetedSharersError, ...). */
  refusal: z.optional(Refusal),
  created: z.optional(z.array(CreatedVersion)),
  createError: z.optional(CaughtError),
  promotion: z.optional(PromoteResult),
  promoteError: z.optional(CaughtError),
  cleanup: z.optional(CleanupResult),
  cleanupError: z.optional(CaughtError),
});
export type TemplateRecord = z.infer<typeof TemplateRecord>;

/** The run as LookupLaunchTemplate planned it: the state every later phase reads and updates. */
export const RunPlan = z.strictObject({
  settings: RunSettings,
  groups: z.array(GroupRecord),
  templates: z.array(TemplateRecord),
});
export type RunPlan = z.infer<typeof RunPlan>;

/**
 * Where the plan lives: the run ledger's pages (src/ledger/run-items.ts). The execution's state
 * carries only these numbers, so it stays small whatever the number of groups.
 */
export const RunPages = z.strictObject({
  groupCount: integer(z.nonnegative()),
  templateCount: integer(z.nonnegative()),
  groupPages: z.array(integer(z.nonnegative())),
  templatePages: z.array(integer(z.nonnegative())),
});
export type RunPages = z.infer<typeof RunPages>;

/** The plan in a few numbers: every group's action counted (their sum is pages.groupCount), the first changing templates named. */
export const PlanOverview = z.strictObject({
  actions: z.strictObject({
    patch: integer(z.nonnegative()),
    refreshOnly: integer(z.nonnegative()),
    alreadyCurrent: integer(z.nonnegative()),
    skipped: integer(z.nonnegative()),
    refused: integer(z.nonnegative()),
  }),
  changingTemplates: integer(z.nonnegative()),
  /** The first changing templates, each `name (from v3, v4)`. */
  changing: z.array(z.string()),
});
export type PlanOverview = z.infer<typeof PlanOverview>;

/** What LookupLaunchTemplate leaves in the state: the settings, where its plan is, and an overview. */
export const PlannedRun = z.strictObject({ settings: RunSettings, pages: RunPages, overview: PlanOverview });
export type PlannedRun = z.infer<typeof PlannedRun>;

export const PageKind = z.enum(['groups', 'templates']);
export type PageKind = z.infer<typeof PageKind>;

export const LoadRunPageInput = z.strictObject({
  runId: nonEmpty(),
  kind: PageKind,
  page: integer(z.nonnegative()),
});
export type LoadRunPageInput = z.infer<typeof LoadRunPageInput>;

/** A loaded page: a group page's records with its templates', or a template page's. */
export const RunPage = z.strictObject({
  groups: z.optional(z.array(GroupRecord)),
  templates: z.array(TemplateRecord),
});
export type RunPage = z.infer<typeof RunPage>;

export const SaveRunPageInput = z.strictObject({
  runId: nonEmpty(),
  kind: PageKind,
  page: integer(z.nonnegative()),
  records: RunPage,
});
export type SaveRunPageInput = z.infer<typeof SaveRunPageInput>;

export const LookupLaunchTemplateInput = z.strictObject({
  settings: RunSettings,
  targets: Targets,
});
export type LookupLaunchTemplateInput = z.infer<typeof LookupLaunchTemplateInput>;

export const LockAutoScalingGroupInput = z.strictObject({
  group: GroupRecord,
  settings: RunSettings,
  /** How many groups the run has: the lock's lifetime covers the waves they are refreshed in. */
  groupCount: integer(z.positive()),
});
export type LockAutoScalingGroupInput = z.infer<typeof LockAutoScalingGroupInput>;

export const PinAutoScalingGroupInput = z.strictObject({ group: GroupRecord });
export type PinAutoScalingGroupInput = z.infer<typeof PinAutoScalingGroupInput>;

export const CreatePatchedVersionInput = z.strictObject({
  template: TemplateRecord,
  settings: RunSettings,
});
export type CreatePatchedVersionInput = z.infer<typeof CreatePatchedVersionInput>;

export const StartInstanceRefreshInput = z.strictObject({
  group: GroupRecord,
  templates: z.array(TemplateRecord),
  refreshPreferences: RefreshPreferences,
  maxPolls: integer(z.positive()),
  pollIntervalSeconds: integer(z.positive()),
});
export type StartInstanceRefreshInput = z.infer<typeof StartInstanceRefreshInput>;

export const PollInstanceRefreshInput = z.strictObject({
  asgName: nonEmpty(),
  refresh: RefreshProgress,
  pollIntervalSeconds: integer(z.positive()),
});
export type PollInstanceRefreshInput = z.infer<typeof PollInstanceRefreshInput>;

/** The event-driven wait's Lambda (the AwaitRefreshEvent Task's `Payload`). */
export const AwaitRefreshEventInput = z.strictObject({
  /** `$$.Task.Token`: the token OnRefreshEvent (or this function) completes. */
  taskToken: nonEmpty(),
  runId: nonEmpty(),
  asgName: nonEmpty(),
  refresh: RefreshProgress,
  /** The Task's timeout; the token's ledger item outlives it a little (its TTL). */
  backstopSeconds: integer(z.positive()),
});
export type AwaitRefreshEventInput = z.infer<typeof AwaitRefreshEventInput>;

/**
 * What the EventBridge rule delivers to OnRefreshEvent: AWS's event, of which only the refresh id
 * and the group's name are read (EventBridge's envelope has more fields, so not strict).
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-eventbridge-events.html
 */
export const OnRefreshEventInput = z.object({
  'detail-type': nonEmpty(),
  source: z.literal('aws.autoscaling'),
  detail: z.object({ InstanceRefreshId: nonEmpty(), AutoScalingGroupName: nonEmpty() }),
});
export type OnRefreshEventInput = z.infer<typeof OnRefreshEventInput>;

export const PromoteDefaultVersionInput = z.strictObject({ template: TemplateRecord });
export type PromoteDefaultVersionInput = z.infer<typeof PromoteDefaultVersionInput>;

export const RestoreAutoScalingGroupInput = z.strictObject({
  group: GroupRecord,
  templates: z.array(TemplateRecord),
  runId: nonEmpty(),
});
export type RestoreAutoScalingGroupInput = z.infer<typeof RestoreAutoScalingGroupInput>;

export const DeleteUnusedVersionsInput = z.strictObject({
  template: TemplateRecord,
  settings: RunSettings,
});
export type DeleteUnusedVersionsInput = z.infer<typeof DeleteUnusedVersionsInput>;

export const SummarizeInput = PlannedRun;
export type SummarizeInput = z.infer<typeof SummarizeInput>;

/**
 * A group's outcome. `succeeded`: patched versions were created and every instance now runs one.
 * `refreshed`: the sources already carried today's script and the refresh brought lagging instances
 * onto them. `alreadyCurrent`, `skipped` (its asg-patcher:skip tag), `dryRun`, `failed` (with the stage and error).
 */
export const GroupStatus = z.enum([
  'succeeded',
  'refreshed',
  'alreadyCurrent',
  'skipped',
  'dryRun',
  'failed',
]);
export type GroupStatus = z.infer<typeof GroupStatus>;

export const GroupResult = z.strictObject({
  asgName: nonEmpty(),
  status: GroupStatus,
  /** What the plan decided, and why. */
  action: GroupAction,
  reason: z.string(),
  /** Per launch template the group uses: the version it launched from and the one it launches now. */
  launchTemplates: z.array(
    z.strictObject({
      slot: SpecSlot,
      launchTemplateId: z.string(),
      fromVersion: VersionNumber,
      toVersion: z.optional(VersionNumber),
      reference: z.optional(VersionReference),
    }),
  ),
  instanceRefreshId: z.optional(z.string()),
  refreshStatus: z.optional(RefreshStatus),
  startedAt: z.optional(z.string()),
  finishedAt: z.optional(z.string()),
  durationSeconds: z.optional(num(z.nonnegative())),
  /** For failures: the state that failed, the error name and its message. */
  stage: z.optional(z.string()),
  error: z.optional(z.string()),
  cause: z.optional(z.string()),
  /** Anything the operator should know (a group left on a number and why, a default not moved). */
  note: z.optional(z.string()),
});
export type GroupResult = z.infer<typeof GroupResult>;

/** The dry run's plan, per template and per group: a stable shape operators can build on. */
export const PlanReport = z.strictObject({
  templates: z.array(
    z.strictObject({
      launchTemplateId: z.string(),
      launchTemplateName: z.string(),
      /** The versions it would create, each from its source. */
      creates: z.array(z.strictObject({ sourceVersion: VersionNumber, summary: z.optional(z.string()) })),
      followers: z.array(z.string()),
      acceptedSharers: z.array(z.string()),
      refusal: z.optional(Refusal),
    }),
  ),
  groups: z.array(z.strictObject({ asgName: z.string(), action: GroupAction, reason: z.string() })),
});
export type PlanReport = z.infer<typeof PlanReport>;

export const Summary = z.strictObject({
  runId: z.string(),
  dryRun: z.boolean(),
  counts: z.strictObject({
    total: integer(z.nonnegative()),
    succeeded: integer(z.nonnegative()),
    refreshed: integer(z.nonnegative()),
    alreadyCurrent: integer(z.nonnegative()),
    skipped: integer(z.nonnegative()),
    dryRun: integer(z.nonnegative()),
    failed: integer(z.nonnegative()),
  }),
  groups: z.array(GroupResult),
  /** Per template: what the run did to it (versions created, default, versions deleted or kept). */
  launchTemplates: z.array(
    z.strictObject({
      launchTemplateId: z.string(),
      launchTemplateName: z.string(),
      created: z.array(CreatedVersion),
      defaultVersion: z.optional(VersionNumber),
      defaultMoved: z.boolean(),
      deleted: z.array(VersionNumber),
      /** Present when the run pruned (`pruneVersions`): older versions of this tool's that it deleted. */
      pruned: z.optional(z.array(VersionNumber)),
      note: z.optional(z.string()),
    }),
  ),
  plan: z.optional(PlanReport),
  /**
   * Present when the whole summary would not fit the execution's output (256 KiB): how many group
   * and template entries were left out (every failed group is kept first), and where every one is.
   */
  omitted: z.optional(
    z.strictObject({
      groups: integer(z.nonnegative()),
      launchTemplates: integer(z.nonnegative()),
      planGroups: integer(z.nonnegative()),
      planTemplates: integer(z.nonnegative()),
      where: z.string(),
    }),
  ),
});
export type Summary = z.infer<typeof Summary>;

/**
 * Schemas are the contract between states: each state's input is shaped in the ASL
 * (Parameters / ResultSelector / ResultPath) so its handler gets exactly its schema.
 * A schema and its type share a name.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Execution input (also what an operator pastes into the console). Strict: unknown keys are errors.
// ---------------------------------------------------------------------------------------------

export const TagFilter = z.strictObject({
  key: z.string().min(1).max(128),
  /** Any of these values; omit to match every group that carries the key. */
  values: z.array(z.string().min(1).max(256)).min(1).optional(),
});
export type TagFilter = z.infer<typeof TagFilter>;

export const Targets = z.union([
  z.strictObject({ asgNames: z.array(z.string().min(1).max(255)).min(1).max(500) }),
  z.strictObject({ tags: z.array(TagFilter).min(1).max(10) }),
]);
export type Targets = z.infer<typeof Targets>;

export const PatchOptions = z.strictObject({
  /** `security`: security updates only (the default); `all`: every available update. */
  updates: z.enum(['security', 'all']).default('security'),
  /** Point chrony / timesyncd at the Amazon Time Sync Service (169.254.169.123). */
  timeSync: z.boolean().default(true),
});
export type PatchOptions = z.infer<typeof PatchOptions>;

const RefreshBehaviour = z.enum(['Refresh', 'Ignore', 'Wait']);

/** Instance refresh preferences; names follow the AWS API with a lower-case first letter. */
export const RefreshPreferences = z.strictObject({
  minHealthyPercentage: z.number().int().min(0).max(100).default(90),
  maxHealthyPercentage: z.number().int().min(100).max(200).optional(),
  instanceWarmup: z.number().int().min(0).default(300),
  checkpointPercentages: z.array(z.number().int().min(1).max(100)).min(1).optional(),
  checkpointDelay: z.number().int().min(0).max(172800).optional(),
  alarmSpecification: z.strictObject({ alarms: z.array(z.string().min(1)).min(1).max(10) }).optional(),
  bakeTime: z.number().int().min(0).max(172800).optional(),
  scaleInProtectedInstances: RefreshBehaviour.optional(),
  /** Standby instances take Terminate, not Refresh (API_RefreshPreferences: Terminate | Ignore | Wait). */
  standbyInstances: z.enum(['Terminate', 'Ignore', 'Wait']).optional(),
  autoRollback: z.boolean().default(true),
  skipMatching: z.boolean().default(true),
});
export type RefreshPreferences = z.infer<typeof RefreshPreferences>;

export const ExecutionInput = z.strictObject({
  targets: Targets,
  /** Compute and report what would change; change nothing. */
  dryRun: z.boolean().default(false),
  /** Create a new version and refresh even when the group already carries the current script. */
  force: z.boolean().default(false),
  // prefault: an omitted object is parsed as {}, so its fields take their own defaults.
  patch: PatchOptions.prefault({}),
  refreshPreferences: RefreshPreferences.prefault({}),
  /**
   * Groups outside `targets` that follow a planned launch template through `$Default` or `$Latest`
   * would launch the new version without being refreshed. `refuse` (the default): that template is
   * not changed in this run and its targeted groups fail with UntargetedSharersError, which lists the
   * followers. `include`: they join the run as targets. `accept`: they are left as they are and will
   * launch the new version once it exists (`$Latest`) or becomes the default (`$Default`).
   */
  untargetedSharers: z.enum(['refuse', 'include', 'accept']).default('refuse'),
  /** How many groups are patched at once. */
  maxConcurrency: z.number().int().min(1).max(40).default(5),
  /** Seconds between two DescribeInstanceRefreshes of one refresh. */
  pollIntervalSeconds: z.number().int().min(5).max(3600).default(60),
  /** Past this, the refresh is rolled back (or cancelled) and the group fails. */
  maxWaitSeconds: z
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .default(4 * 3600),
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
  runId: z.string().min(1),
  dryRun: z.boolean(),
  force: z.boolean(),
  patch: PatchOptions,
  refreshPreferences: RefreshPreferences,
  untargetedSharers: z.enum(['refuse', 'include', 'accept']),
  maxConcurrency: z.number().int().positive(),
  pollIntervalSeconds: z.number().int().positive(),
  maxWaitSeconds: z.number().int().positive(),
  /** ceil(maxWaitSeconds / pollIntervalSeconds): the poll loop counts polls, not clock time. */
  maxPolls: z.number().int().positive(),
});
export type RunSettings = z.infer<typeof RunSettings>;

export const ResolveTargetsInput = z.strictObject({
  /** The raw execution input; validated here so a bad run fails at the first state. */
  input: z.unknown(),
  runId: z.string().min(1),
});
export type ResolveTargetsInput = z.infer<typeof ResolveTargetsInput>;

export const ResolveTargetsOutput = z.strictObject({
  settings: RunSettings,
  asgNames: z.array(z.string().min(1)),
});
export type ResolveTargetsOutput = z.infer<typeof ResolveTargetsOutput>;

export const VersionReference = z.string().regex(/^(\$Default|\$Latest|[1-9]\d*)$/);
const VersionNumber = z.number().int().positive();

/** The Catch output of Step Functions: `Cause` is the Lambda's JSON error document. */
export const CaughtError = z.object({ Error: z.string(), Cause: z.string().optional() });
export type CaughtError = z.infer<typeof CaughtError>;

/** A named error of ours, as the plan records it (the group is refused, nothing was changed). */
export const Refusal = z.strictObject({ error: z.string().min(1), message: z.string().min(1) });
export type Refusal = z.infer<typeof Refusal>;

/**
 * One place a group names a launch template: the main spec (`LaunchTemplate` or the mixed-instances
 * policy's `LaunchTemplateSpecification`), or override `n` of the mixed-instances policy that carries
 * its own `LaunchTemplateSpecification`.
 */
export const SpecSlot = z.union([z.literal('main'), z.number().int().nonnegative()]);
export type SpecSlot = z.infer<typeof SpecSlot>;

export const GroupSpec = z.strictObject({
  slot: SpecSlot,
  launchTemplateId: z.string().startsWith('lt-'),
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
  instanceRefreshId: z.string().min(1),
  startedAt: z.string(),
  /** Per spec slot: the version the refresh rolls out. */
  desired: z.array(z.strictObject({ slot: SpecSlot, launchTemplateId: z.string(), version: VersionNumber })),
  status: RefreshStatus,
  /** True once the status is one the refresh ends in. */
  terminal: z.boolean(),
  statusReason: z.string().optional(),
  percentageComplete: z.number().nonnegative(),
  /** Polls made so far. */
  pollCount: z.number().int().nonnegative(),
  /** Polls before the run asks AWS to stop it: the run's, or the group's own asg-patcher:max-wait-seconds. */
  maxPolls: z.number().int().positive(),
  /** Set when the refresh outlasted maxWaitSeconds and this run asked AWS to roll it back or cancel it. */
  stopRequested: z.enum(['rollback', 'cancel']).optional(),
  finishedAt: z.string().optional(),
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
  minHealthyPercentage: z.number().int().optional(),
  instanceWarmup: z.number().int().optional(),
  maxWaitSeconds: z.number().int().optional(),
});
export type GroupPreferences = z.infer<typeof GroupPreferences>;

export const GroupRecord = z.strictObject({
  asgName: z.string().min(1),
  action: GroupAction,
  /** Why the plan chose the action, in a sentence. */
  reason: z.string(),
  refusal: Refusal.optional(),
  /** Every launch template the group launches from (empty when refused before they were read). */
  specs: z.array(GroupSpec),
  /** AWS can roll this group's refresh back (no SSM-parameter AMI in any of its sources). */
  rollbackPossible: z.boolean(),
  /** The group's own tag overrides, when it has any. */
  preferences: GroupPreferences.optional(),
  pin: PinResult.optional(),
  pinError: CaughtError.optional(),
  refresh: RefreshProgress.optional(),
  refreshError: CaughtError.optional(),
  restore: RestoreResult.optional(),
  restoreError: CaughtError.optional(),
});
export type GroupRecord = z.infer<typeof GroupRecord>;

/** A version of a template that the run's groups launch from, and what the plan does with it. */
export const TemplateSource = z.strictObject({
  version: VersionNumber,
  /** `create`: a patched version is made from it; `current`: it already carries today's script. */
  action: z.enum(['create', 'current']),
  /** Dry runs: what the new version would hold, in a few lines (parts and sizes); never the user data itself. */
  summary: z.string().optional(),
});
export type TemplateSource = z.infer<typeof TemplateSource>;

export const CreatedVersion = z.strictObject({ sourceVersion: VersionNumber, newVersion: VersionNumber });
export type CreatedVersion = z.infer<typeof CreatedVersion>;

export const PromoteResult = z.strictObject({
  /** The template's default after the run. */
  defaultVersion: VersionNumber,
  moved: z.boolean(),
  note: z.string().optional(),
});
export type PromoteResult = z.infer<typeof PromoteResult>;

export const CleanupResult = z.strictObject({
  deleted: z.array(VersionNumber),
  /** Versions this run created that stay, each with why. */
  kept: z.array(z.strictObject({ version: VersionNumber, why: z.string() })),
});
export type CleanupResult = z.infer<typeof CleanupResult>;

export const TemplateRecord = z.strictObject({
  launchTemplateId: z.string().startsWith('lt-'),
  launchTemplateName: z.string().min(1),
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
  refusal: Refusal.optional(),
  created: z.array(CreatedVersion).optional(),
  createError: CaughtError.optional(),
  promotion: PromoteResult.optional(),
  promoteError: CaughtError.optional(),
  cleanup: CleanupResult.optional(),
  cleanupError: CaughtError.optional(),
});
export type TemplateRecord = z.infer<typeof TemplateRecord>;

/** The run as LookupLaunchTemplate planned it: the state every later phase reads and updates. */
export const RunPlan = z.strictObject({
  settings: RunSettings,
  groups: z.array(GroupRecord),
  templates: z.array(TemplateRecord),
});
export type RunPlan = z.infer<typeof RunPlan>;

export const LookupLaunchTemplateInput = z.strictObject({
  settings: RunSettings,
  asgNames: z.array(z.string().min(1)),
});
export type LookupLaunchTemplateInput = z.infer<typeof LookupLaunchTemplateInput>;

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
  maxPolls: z.number().int().positive(),
  pollIntervalSeconds: z.number().int().positive(),
});
export type StartInstanceRefreshInput = z.infer<typeof StartInstanceRefreshInput>;

export const PollInstanceRefreshInput = z.strictObject({
  asgName: z.string().min(1),
  refresh: RefreshProgress,
  pollIntervalSeconds: z.number().int().positive(),
});
export type PollInstanceRefreshInput = z.infer<typeof PollInstanceRefreshInput>;

export const PromoteDefaultVersionInput = z.strictObject({ template: TemplateRecord });
export type PromoteDefaultVersionInput = z.infer<typeof PromoteDefaultVersionInput>;

export const RestoreAutoScalingGroupInput = z.strictObject({
  group: GroupRecord,
  templates: z.array(TemplateRecord),
  runId: z.string().min(1),
});
export type RestoreAutoScalingGroupInput = z.infer<typeof RestoreAutoScalingGroupInput>;

export const DeleteUnusedVersionsInput = z.strictObject({
  template: TemplateRecord,
  runId: z.string().min(1),
});
export type DeleteUnusedVersionsInput = z.infer<typeof DeleteUnusedVersionsInput>;

export const SummarizeInput = RunPlan;
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
  asgName: z.string().min(1),
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
      toVersion: VersionNumber.optional(),
      reference: VersionReference.optional(),
    }),
  ),
  instanceRefreshId: z.string().optional(),
  refreshStatus: RefreshStatus.optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  durationSeconds: z.number().nonnegative().optional(),
  /** For failures: the state that failed, the error name and its message. */
  stage: z.string().optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
  /** Anything the operator should know (a group left on a number and why, a default not moved). */
  note: z.string().optional(),
});
export type GroupResult = z.infer<typeof GroupResult>;

/** The dry run's plan, per template and per group: a stable shape operators can build on. */
export const PlanReport = z.strictObject({
  templates: z.array(
    z.strictObject({
      launchTemplateId: z.string(),
      launchTemplateName: z.string(),
      /** The versions it would create, each from its source. */
      creates: z.array(z.strictObject({ sourceVersion: VersionNumber, summary: z.string().optional() })),
      followers: z.array(z.string()),
      acceptedSharers: z.array(z.string()),
      refusal: Refusal.optional(),
    }),
  ),
  groups: z.array(z.strictObject({ asgName: z.string(), action: GroupAction, reason: z.string() })),
});
export type PlanReport = z.infer<typeof PlanReport>;

export const Summary = z.strictObject({
  runId: z.string(),
  dryRun: z.boolean(),
  counts: z.strictObject({
    total: z.number().int().nonnegative(),
    succeeded: z.number().int().nonnegative(),
    refreshed: z.number().int().nonnegative(),
    alreadyCurrent: z.number().int().nonnegative(),
    skipped: z.number().int().nonnegative(),
    dryRun: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
  }),
  groups: z.array(GroupResult),
  /** Per template: what the run did to it (versions created, default, versions deleted or kept). */
  launchTemplates: z.array(
    z.strictObject({
      launchTemplateId: z.string(),
      launchTemplateName: z.string(),
      created: z.array(CreatedVersion),
      defaultVersion: VersionNumber.optional(),
      defaultMoved: z.boolean(),
      deleted: z.array(VersionNumber),
      note: z.string().optional(),
    }),
  ),
  plan: PlanReport.optional(),
});
export type Summary = z.infer<typeof Summary>;

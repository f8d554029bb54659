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
// State data
// ---------------------------------------------------------------------------------------------

/** What every per-group state may read about the run; produced once by ResolveTargets. */
export const RunSettings = z.strictObject({
  runId: z.string().min(1),
  dryRun: z.boolean(),
  force: z.boolean(),
  patch: PatchOptions,
  refreshPreferences: RefreshPreferences,
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

/** The group's launch template as LookupLaunchTemplate found it, before anything changed. */
export const GroupTarget = z.strictObject({
  asgName: z.string().min(1),
  launchTemplateId: z.string().startsWith('lt-'),
  launchTemplateName: z.string().min(1),
  /** Where the group keeps its launch template. */
  source: z.enum(['LaunchTemplate', 'MixedInstancesPolicy']),
  /** The group's reference as it was: `$Default`, `$Latest` or a number; restored at the end. */
  originalVersion: VersionReference,
  /** That reference resolved to the exact version number. */
  resolvedVersion: z.number().int().positive(),
  defaultVersion: z.number().int().positive(),
  latestVersion: z.number().int().positive(),
  /** The resolved version's UserData (base64), absent when it has none. */
  userData: z.string().optional(),
  /**
   * The group's MixedInstancesPolicy as DescribeAutoScalingGroups returned it (source
   * MixedInstancesPolicy only); StartInstanceRefresh sends it back with the version replaced.
   */
  mixedInstancesPolicy: z.record(z.string(), z.unknown()).optional(),
});
export type GroupTarget = z.infer<typeof GroupTarget>;

export const LookupLaunchTemplateInput = z.strictObject({ asgName: z.string().min(1) });
export type LookupLaunchTemplateInput = z.infer<typeof LookupLaunchTemplateInput>;

export const CreatePatchedVersionInput = z.strictObject({
  target: GroupTarget,
  runId: z.string().min(1),
  dryRun: z.boolean(),
  force: z.boolean(),
  patch: PatchOptions,
});
export type CreatePatchedVersionInput = z.infer<typeof CreatePatchedVersionInput>;

export const CreatePatchedVersionOutput = z.strictObject({
  /** `created`: a new version exists; `alreadyCurrent`: nothing to do; `dryRun`: nothing created. */
  outcome: z.enum(['created', 'alreadyCurrent', 'dryRun']),
  newVersion: z.number().int().positive().optional(),
  /** Sizes of the user data before and after, in raw (decoded) bytes. */
  userDataBytesBefore: z.number().int().nonnegative(),
  userDataBytesAfter: z.number().int().nonnegative(),
  /** A short human-readable account of what the new user data holds. */
  summary: z.string(),
});
export type CreatePatchedVersionOutput = z.infer<typeof CreatePatchedVersionOutput>;

export const PinAutoScalingGroupInput = z.strictObject({ target: GroupTarget });
export type PinAutoScalingGroupInput = z.infer<typeof PinAutoScalingGroupInput>;

export const PinAutoScalingGroupOutput = z.strictObject({
  /** True when the group was moved from `$Default`/`$Latest` to the resolved number. */
  pinned: z.boolean(),
});
export type PinAutoScalingGroupOutput = z.infer<typeof PinAutoScalingGroupOutput>;

export const StartInstanceRefreshInput = z.strictObject({
  target: GroupTarget,
  newVersion: z.number().int().positive(),
  refreshPreferences: RefreshPreferences,
});
export type StartInstanceRefreshInput = z.infer<typeof StartInstanceRefreshInput>;

export const StartInstanceRefreshOutput = z.strictObject({
  instanceRefreshId: z.string().min(1),
  startedAt: z.string(),
});
export type StartInstanceRefreshOutput = z.infer<typeof StartInstanceRefreshOutput>;

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

export const PollInstanceRefreshInput = z.strictObject({
  asgName: z.string().min(1),
  instanceRefreshId: z.string().min(1),
  /** Polls made so far (0 on the first). */
  pollCount: z.number().int().nonnegative(),
  maxPolls: z.number().int().positive(),
  pollIntervalSeconds: z.number().int().positive(),
});
export type PollInstanceRefreshInput = z.infer<typeof PollInstanceRefreshInput>;

export const PollInstanceRefreshOutput = z.strictObject({
  status: RefreshStatus,
  terminal: z.boolean(),
  percentageComplete: z.number().nonnegative(),
  instancesToUpdate: z.number().int().nonnegative(),
  /** pollCount + 1, for the next iteration. */
  pollCount: z.number().int().positive(),
});
export type PollInstanceRefreshOutput = z.infer<typeof PollInstanceRefreshOutput>;

export const PromoteDefaultVersionInput = z.strictObject({
  target: GroupTarget,
  newVersion: z.number().int().positive(),
});
export type PromoteDefaultVersionInput = z.infer<typeof PromoteDefaultVersionInput>;

export const PromoteDefaultVersionOutput = z.strictObject({
  defaultVersion: z.number().int().positive(),
  /** The group's reference after promotion. */
  reference: VersionReference,
  /** Why the group could not go back to its original style, if it could not. */
  note: z.string().optional(),
});
export type PromoteDefaultVersionOutput = z.infer<typeof PromoteDefaultVersionOutput>;

/** The Catch output of Step Functions: `Cause` is the Lambda's JSON error document. */
const CaughtError = z.object({ Error: z.string(), Cause: z.string().optional() });

export const RestoreAutoScalingGroupInput = z.strictObject({
  asgName: z.string().min(1),
  /** The state that failed. */
  stage: z.string().min(1),
  error: CaughtError,
  /** Absent when LookupLaunchTemplate itself failed: nothing was changed then. */
  target: GroupTarget.optional(),
  /** The version this run created, if it got that far. */
  newVersion: z.number().int().positive().optional(),
  pinned: z.boolean().optional(),
  /** The refresh this run started, when it got that far (PollInstanceRefresh, PromoteDefaultVersion). */
  instanceRefreshId: z.string().min(1).optional(),
});
export type RestoreAutoScalingGroupInput = z.infer<typeof RestoreAutoScalingGroupInput>;

export const GroupResult = z.strictObject({
  asgName: z.string().min(1),
  status: z.enum(['succeeded', 'alreadyCurrent', 'dryRun', 'failed']),
  launchTemplateId: z.string().optional(),
  oldVersion: z.number().int().positive().optional(),
  newVersion: z.number().int().positive().optional(),
  instanceRefreshId: z.string().optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  /** For failures: the state that failed, the error name and its message. */
  stage: z.string().optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
  /** Anything the operator should know (e.g. a group left pinned and why). */
  note: z.string().optional(),
});
export type GroupResult = z.infer<typeof GroupResult>;

export const SummarizeInput = z.strictObject({
  runId: z.string().min(1),
  dryRun: z.boolean(),
  results: z.array(GroupResult),
});
export type SummarizeInput = z.infer<typeof SummarizeInput>;

export const Summary = z.strictObject({
  runId: z.string(),
  dryRun: z.boolean(),
  counts: z.strictObject({
    total: z.number().int().nonnegative(),
    succeeded: z.number().int().nonnegative(),
    alreadyCurrent: z.number().int().nonnegative(),
    dryRun: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
  }),
  groups: z.array(GroupResult.extend({ durationSeconds: z.number().nonnegative().optional() })),
});
export type Summary = z.infer<typeof Summary>;

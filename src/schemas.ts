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

// Each helper below is marked free of side effects, as zod/mini's own functions are, so a bundle drops
// every schema its handler does not parse (a method call such as `.check()` would keep them all).
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

/** Instance refresh preferences; names follow the AWS API with a lower-case first letter. */
export const RefreshPreferences = z.strictObject({
  minHealthyPercentage: z._default(integer(z.gte(0), z.lte(100)), 90),
  maxHealthyPercentage: z.optional(integer(z.gte(100), z.lte(200))),
  instanceWarmup: z._default(integer(z.gte(0)), 300),
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

export const ExecutionInput = z.strictObject({
  targets: Targets,
  /** Compute and report what would change; change nothing. */
  dryRun: z._default(z.boolean(), false),
  /** Create a new version and refresh even when the group already carries the current script. */
  force: z._default(z.boolean(), false),
  // prefault: an omitted object is parsed as {}, so its fields take their own defaults.
  patch: z.prefault(PatchOptions, {}),
  refreshPreferences: z.prefault(RefreshPreferences, {}),
  /** How many groups are patched at once. */
  maxConcurrency: z._default(integer(z.gte(1), z.lte(40)), 5),
  /** Seconds between two DescribeInstanceRefreshes of one refresh. */
  pollIntervalSeconds: z._default(integer(z.gte(5), z.lte(3600)), 60),
  /** Past this, the refresh is rolled back (or cancelled) and the group fails. */
  // 7 days at most, 4 hours by default; literals, not 7 * 24 * 3600: esbuild keeps an unused schema whose
  // arguments hold arithmetic (it cannot prove it free of side effects).
  maxWaitSeconds: z._default(integer(z.gte(60), z.lte(604_800)), 14_400),
});
export type ExecutionInput = z.infer<typeof ExecutionInput>;

// ---------------------------------------------------------------------------------------------
// State data
// ---------------------------------------------------------------------------------------------

/** What every per-group state may read about the run; produced once by ResolveTargets. */
export const RunSettings = z.strictObject({
  runId: nonEmpty(),
  dryRun: z.boolean(),
  force: z.boolean(),
  patch: PatchOptions,
  refreshPreferences: RefreshPreferences,
  maxConcurrency: integer(z.positive()),
  pollIntervalSeconds: integer(z.positive()),
  maxWaitSeconds: integer(z.positive()),
  /** ceil(maxWaitSeconds / pollIntervalSeconds): the poll loop counts polls, not clock time. */
  maxPolls: integer(z.positive()),
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
  asgNames: z.array(nonEmpty()),
});
export type ResolveTargetsOutput = z.infer<typeof ResolveTargetsOutput>;

export const VersionReference = text(z.regex(/^(\$Default|\$Latest|[1-9]\d*)$/));

/** The group's launch template as LookupLaunchTemplate found it, before anything changed. */
export const GroupTarget = z.strictObject({
  asgName: nonEmpty(),
  launchTemplateId: text(z.startsWith('lt-')),
  launchTemplateName: nonEmpty(),
  /** Where the group keeps its launch template. */
  source: z.enum(['LaunchTemplate', 'MixedInstancesPolicy']),
  /** The group's reference as it was: `$Default`, `$Latest` or a number; restored at the end. */
  originalVersion: VersionReference,
  /** That reference resolved to the exact version number. */
  resolvedVersion: integer(z.positive()),
  defaultVersion: integer(z.positive()),
  latestVersion: integer(z.positive()),
  /**
   * The group's MixedInstancesPolicy as DescribeAutoScalingGroups returned it (source
   * MixedInstancesPolicy only); StartInstanceRefresh sends it back with the version replaced.
   */
  mixedInstancesPolicy: z.optional(z.record(z.string(), z.unknown())),
});
export type GroupTarget = z.infer<typeof GroupTarget>;

export const LookupLaunchTemplateInput = z.strictObject({ asgName: nonEmpty() });
export type LookupLaunchTemplateInput = z.infer<typeof LookupLaunchTemplateInput>;

export const CreatePatchedVersionInput = z.strictObject({
  target: GroupTarget,
  runId: nonEmpty(),
  dryRun: z.boolean(),
  force: z.boolean(),
  patch: PatchOptions,
});
export type CreatePatchedVersionInput = z.infer<typeof CreatePatchedVersionInput>;

export const CreatePatchedVersionOutput = z.strictObject({
  /** `created`: a new version exists; `alreadyCurrent`: nothing to do; `dryRun`: nothing created. */
  outcome: z.enum(['created', 'alreadyCurrent', 'dryRun']),
  newVersion: z.optional(integer(z.positive())),
  /** Sizes of the user data before and after, in raw (decoded) bytes. */
  userDataBytesBefore: integer(z.nonnegative()),
  userDataBytesAfter: integer(z.nonnegative()),
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
  newVersion: integer(z.positive()),
  refreshPreferences: RefreshPreferences,
});
export type StartInstanceRefreshInput = z.infer<typeof StartInstanceRefreshInput>;

export const StartInstanceRefreshOutput = z.strictObject({
  instanceRefreshId: nonEmpty(),
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
  asgName: nonEmpty(),
  instanceRefreshId: nonEmpty(),
  /** Polls made so far (0 on the first). */
  pollCount: integer(z.nonnegative()),
  maxPolls: integer(z.positive()),
  pollIntervalSeconds: integer(z.positive()),
});
export type PollInstanceRefreshInput = z.infer<typeof PollInstanceRefreshInput>;

export const PollInstanceRefreshOutput = z.strictObject({
  status: RefreshStatus,
  terminal: z.boolean(),
  percentageComplete: num(z.nonnegative()),
  instancesToUpdate: integer(z.nonnegative()),
  /** pollCount + 1, for the next iteration. */
  pollCount: integer(z.positive()),
});
export type PollInstanceRefreshOutput = z.infer<typeof PollInstanceRefreshOutput>;

export const PromoteDefaultVersionInput = z.strictObject({
  target: GroupTarget,
  newVersion: integer(z.positive()),
});
export type PromoteDefaultVersionInput = z.infer<typeof PromoteDefaultVersionInput>;

export const PromoteDefaultVersionOutput = z.strictObject({
  defaultVersion: integer(z.positive()),
  /** The group's reference after promotion. */
  reference: VersionReference,
  /** Why the group could not go back to its original style, if it could not. */
  note: z.optional(z.string()),
});
export type PromoteDefaultVersionOutput = z.infer<typeof PromoteDefaultVersionOutput>;

/** The Catch output of Step Functions: `Cause` is the Lambda's JSON error document. */
const CaughtError = z.object({ Error: z.string(), Cause: z.optional(z.string()) });

export const RestoreAutoScalingGroupInput = z.strictObject({
  asgName: nonEmpty(),
  /** The state that failed. */
  stage: nonEmpty(),
  error: CaughtError,
  /** Absent when LookupLaunchTemplate itself failed: nothing was changed then. */
  target: z.optional(GroupTarget),
  /** The version this run created, if it got that far. */
  newVersion: z.optional(integer(z.positive())),
  pinned: z.optional(z.boolean()),
  /** The refresh this run started, when it got that far (PollInstanceRefresh, PromoteDefaultVersion). */
  instanceRefreshId: z.optional(nonEmpty()),
});
export type RestoreAutoScalingGroupInput = z.infer<typeof RestoreAutoScalingGroupInput>;

export const GroupResult = z.strictObject({
  asgName: nonEmpty(),
  status: z.enum(['succeeded', 'alreadyCurrent', 'dryRun', 'failed']),
  launchTemplateId: z.optional(z.string()),
  oldVersion: z.optional(integer(z.positive())),
  newVersion: z.optional(integer(z.positive())),
  instanceRefreshId: z.optional(z.string()),
  startedAt: z.optional(z.string()),
  finishedAt: z.optional(z.string()),
  /** For failures: the state that failed, the error name and its message. */
  stage: z.optional(z.string()),
  error: z.optional(z.string()),
  cause: z.optional(z.string()),
  /** Anything the operator should know (e.g. a group left pinned and why). */
  note: z.optional(z.string()),
});
export type GroupResult = z.infer<typeof GroupResult>;

export const SummarizeInput = z.strictObject({
  runId: nonEmpty(),
  dryRun: z.boolean(),
  results: z.array(GroupResult),
});
export type SummarizeInput = z.infer<typeof SummarizeInput>;

export const Summary = z.strictObject({
  runId: z.string(),
  dryRun: z.boolean(),
  counts: z.strictObject({
    total: integer(z.nonnegative()),
    succeeded: integer(z.nonnegative()),
    alreadyCurrent: integer(z.nonnegative()),
    dryRun: integer(z.nonnegative()),
    failed: integer(z.nonnegative()),
  }),
  groups: z.array(z.extend(GroupResult, { durationSeconds: z.optional(num(z.nonnegative())) })),
});
export type Summary = z.infer<typeof Summary>;

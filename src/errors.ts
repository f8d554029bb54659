/**
 * One class per failure the state machine must tell apart. Step Functions matches `ErrorEquals`
 * on `error.name`, so each name is fixed and part of the API: never rename one without the ASL.
 * Messages say what to do about it. The run's own failure, `GroupsFailedError`, is no class: the
 * ASL's `GroupsFailed` Fail state raises it after Summarize.
 */

/** Base class: carries a fixed name so Step Functions can catch it selectively. */
export abstract class AsgPatcherError extends Error {
  abstract override readonly name: string;
}

export class InputValidationError extends AsgPatcherError {
  override readonly name = 'InputValidationError';
  constructor(
    readonly issues: string[],
    options?: ErrorOptions,
  ) {
    super(`Invalid input: ${issues.join('; ')}. Fix these fields and start the run again`, options);
  }
}

/**
 * A Task's event breaks its state's contract (src/contracts): a bug between states, never an
 * operator's input, which ResolveTargets checks first (InputValidationError).
 */
export class StateInputError extends AsgPatcherError {
  override readonly name = 'StateInputError';
  constructor(
    readonly state: string,
    readonly issues: string[],
    options?: ErrorOptions,
  ) {
    super(
      `${state} got an input that breaks its contract: ${issues.join('; ')}. This is a bug in asg-patcher, not in the execution input; report it with the execution's history`,
      options,
    );
  }
}

export class NoTargetsFoundError extends AsgPatcherError {
  override readonly name = 'NoTargetsFoundError';
  constructor(description: string, options?: ErrorOptions) {
    super(`No Auto Scaling group matches ${description}; check the names or tags in "targets"`, options);
  }
}

export class AsgNotFoundError extends AsgPatcherError {
  override readonly name = 'AsgNotFoundError';
  constructor(asgName: string, options?: ErrorOptions) {
    super(
      `Auto Scaling group ${asgName} was not found in this account and Region; check the name or remove it from "targets"`,
      options,
    );
  }
}

export class LaunchConfigurationNotSupportedError extends AsgPatcherError {
  override readonly name = 'LaunchConfigurationNotSupportedError';
  constructor(asgName: string, options?: ErrorOptions) {
    super(
      `Auto Scaling group ${asgName} uses a launch configuration, not a launch template; migrate it to a launch template first`,
      options,
    );
  }
}

export class LaunchTemplateNotFoundError extends AsgPatcherError {
  override readonly name = 'LaunchTemplateNotFoundError';
  constructor(asgName: string, reference: string, options?: ErrorOptions) {
    super(
      `The launch template or version ${reference} used by Auto Scaling group ${asgName} does not exist; fix the group's launch template reference`,
      options,
    );
  }
}

export class RefreshAlreadyActiveError extends AsgPatcherError {
  override readonly name = 'RefreshAlreadyActiveError';
  constructor(asgName: string, options?: ErrorOptions) {
    super(
      `Auto Scaling group ${asgName} already has an active instance refresh; wait for it or cancel it`,
      options,
    );
  }
}

export class InstanceRefreshSuspendedError extends AsgPatcherError {
  override readonly name = 'InstanceRefreshSuspendedError';
  constructor(asgName: string, options?: ErrorOptions) {
    super(
      `Auto Scaling group ${asgName} has the InstanceRefresh process suspended; resume it (ResumeProcesses) or leave the group out`,
      options,
    );
  }
}

export class WindowsUserDataError extends AsgPatcherError {
  override readonly name = 'WindowsUserDataError';
  constructor(detail: string, options?: ErrorOptions) {
    super(
      `The launch template's user data is for Windows (${detail}); asg-patcher patches Linux only, so leave this group out`,
      options,
    );
  }
}

export class UnsupportedUserDataError extends AsgPatcherError {
  override readonly name = 'UnsupportedUserDataError';
  constructor(detail: string, options?: ErrorOptions) {
    super(
      `The launch template's user data cannot be composed safely (${detail}); check it decodes as text, gzip or MIME`,
      options,
    );
  }
}

export class UserDataTooLargeError extends AsgPatcherError {
  override readonly name = 'UserDataTooLargeError';
  constructor(
    readonly rawBytes: number,
    readonly gzippedBytes: number,
    readonly limitBytes: number,
    options?: ErrorOptions,
  ) {
    super(
      `Composed user data is ${rawBytes} bytes (${gzippedBytes} gzipped), over EC2's ${limitBytes}-byte limit; shrink the existing user data`,
      options,
    );
  }
}

export class InstanceRefreshFailedError extends AsgPatcherError {
  override readonly name = 'InstanceRefreshFailedError';
  constructor(
    asgName: string,
    readonly instanceRefreshId: string,
    readonly status: string,
    statusReason: string | undefined,
    options?: ErrorOptions,
  ) {
    super(
      `Instance refresh ${instanceRefreshId} of ${asgName} ended ${status}${statusReason ? `: ${statusReason}` : ''}; the launch template default was not changed, see the group's activity history`,
      options,
    );
  }
}

export class RefreshTimedOutError extends AsgPatcherError {
  override readonly name = 'RefreshTimedOutError';
  constructor(
    asgName: string,
    readonly instanceRefreshId: string,
    readonly action: 'rollback' | 'cancel',
    waitedSeconds: number,
    options?: ErrorOptions,
  ) {
    super(
      `Instance refresh ${instanceRefreshId} of ${asgName} did not finish within ${waitedSeconds}s; asked AWS to ${action} it. Raise "maxWaitSeconds" if refreshes of this group take longer`,
      options,
    );
  }
}

/**
 * RestoreAutoScalingGroup must change the group's launch template but an instance refresh still owns
 * it: AWS refuses such updates while a refresh with a desired configuration is active ("Update
 * restriction", https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-overview.html).
 * The state machine retries it until the rollback or cancellation ends; should the retries run out,
 * its message is the group's note, so it reads as what was left and what to do.
 */
export class RefreshStillActiveError extends AsgPatcherError {
  override readonly name = 'RefreshStillActiveError';
  constructor(
    asgName: string,
    readonly instanceRefreshId: string,
    readonly status: string,
    leftOn: string,
    restoreTo: string,
    options?: ErrorOptions,
  ) {
    const what =
      status === 'RollbackInProgress'
        ? 'the rollback'
        : status === 'Cancelling'
          ? 'the cancellation'
          : 'the instance refresh';
    super(
      `Auto Scaling group ${asgName} left on ${leftOn} because ${what} (instance refresh ${instanceRefreshId}, ${status}) was still running; once it has ended, set the group back to ${restoreTo} where that resolves to the version its instances run (a re-run plans from the numbers it is on now). AWS refuses launch template changes while a refresh with a desired configuration is active, so RestoreAutoScalingGroup waits for it to end`,
      options,
    );
  }
}

/**
 * A planned launch template is also followed through `$Default`/`$Latest` by groups this run will not
 * refresh (outside `targets`, or refused, or already current): a new version or a new default would
 * change what they launch without replacing their instances, so the template is left as it is.
 */
export class UntargetedSharersError extends AsgPatcherError {
  override readonly name = 'UntargetedSharersError';
  constructor(
    readonly launchTemplate: string,
    readonly followers: string[],
    options?: ErrorOptions,
  ) {
    super(
      `Launch template ${launchTemplate} is also followed through $Default/$Latest by groups this run does not refresh: ${followers.join(', ')}. A new version would change what they launch, so the template was left as it is; add them to "targets", or set "untargetedSharers" to "include" (refresh them too) or "accept" (they launch the new version)`,
      options,
    );
  }
}

/** A group cannot be refreshed because a launch template it needs was not prepared (not pinned, or its version not created). */
export class TemplateNotPreparedError extends AsgPatcherError {
  override readonly name = 'TemplateNotPreparedError';
  constructor(asgName: string, launchTemplate: string, why: string, options?: ErrorOptions) {
    super(
      `Auto Scaling group ${asgName} was not refreshed: launch template ${launchTemplate} was not prepared (${why}); nothing was rolled out to it, re-run once the cause is fixed`,
      options,
    );
  }
}

/** The group's launch template references changed between the plan and a later stage (someone else changed it). */
export class GroupChangedError extends AsgPatcherError {
  override readonly name = 'GroupChangedError';
  constructor(asgName: string, detail: string, options?: ErrorOptions) {
    super(
      `Auto Scaling group ${asgName} changed while the run was preparing it (${detail}); it was left as it is, re-run to plan it again`,
      options,
    );
  }
}

/**
 * The deployed service changes only groups that carry its opt-in tag (the `optInTagKey` /
 * `optInTagValue` params); its IAM conditions refuse the rest too. The plan refuses a group without
 * it before anything changes, even when a manual run names the group.
 */
export class GroupNotOptedInError extends AsgPatcherError {
  override readonly name = 'GroupNotOptedInError';
  constructor(asgName: string, key: string, value: string, options?: ErrorOptions) {
    super(
      `Auto Scaling group ${asgName} does not carry the opt-in tag ${key}=${value}, so asg-patcher may not change it; tag the group to opt it in, or leave it out of "targets"`,
      options,
    );
  }
}

/** A per-group tag (asg-patcher:skip, asg-patcher:min-healthy-percentage, ...) holds a value its input field would refuse. */
export class InvalidGroupTagError extends AsgPatcherError {
  override readonly name = 'InvalidGroupTagError';
  constructor(asgName: string, key: string, value: string, expected: string, options?: ErrorOptions) {
    super(
      `Auto Scaling group ${asgName} has tag ${key}=${JSON.stringify(value)}, which is not ${expected}; fix or remove the tag`,
      options,
    );
  }
}

/**
 * Another run holds the group's lock in the run ledger (a second run started while the first still
 * patches the group): this run leaves the group alone, before anything about it changes.
 */
export class GroupLockedError extends AsgPatcherError {
  override readonly name = 'GroupLockedError';
  constructor(
    readonly lock: { asgName: string; heldBy?: string; acquiredAt?: string; expiresAt?: string },
    options?: ErrorOptions,
  ) {
    const { asgName, heldBy, acquiredAt, expiresAt } = lock;
    super(
      heldBy
        ? `Auto Scaling group ${asgName} is held by run ${heldBy} (locked at ${acquiredAt}, until ${expiresAt}), so this run left it alone; re-run for it once run ${heldBy} has ended. If that run is no longer running (its execution in Step Functions has ended), delete the group's lock from the ledger table (pk GROUP#${asgName}, sk LOCK) or wait until ${expiresAt}`
        : `Auto Scaling group ${asgName} is being locked by other runs (its lock changed hands while this run tried to take it), so this run left it alone; re-run for it once they have ended`,
      options,
    );
  }
}

/** A step needs the run ledger, but no table name was given (LEDGER_TABLE_NAME). */
export class LedgerNotConfiguredError extends AsgPatcherError {
  override readonly name = 'LedgerNotConfiguredError';
  constructor(options?: ErrorOptions) {
    super(
      'The run ledger has no table: LEDGER_TABLE_NAME is not set. A deployed function gets it from serverless.yml; for asg-patcher run --live, pass --ledger-table NAME (the stack output LedgerTableName) or set ASG_PATCHER_LEDGER_TABLE',
      options,
    );
  }
}

/**
 * A page of the run's plan is not in the run ledger (src/ledger/run-items.ts): its items expired
 * (RUN_ITEM_DAYS after the plan) or were deleted while the run went on. Nothing more of the page
 * changes; start a new run.
 */
export class RunPageMissingError extends AsgPatcherError {
  override readonly name = 'RunPageMissingError';
  constructor(runId: string, kind: string, page: number, options?: ErrorOptions) {
    super(
      `Run ${runId}: page ${page} of its ${kind} is not in the run ledger (pk RUN#${runId}); its items expired or were deleted while the run went on. Start a new run; the groups this run locked are released when their locks lapse`,
      options,
    );
  }
}

/** DynamoDB left part of a batch unprocessed after 8 attempts (it throttled the table): the state's Retry tries again. */
export class LedgerBatchUnprocessedError extends AsgPatcherError {
  override readonly name = 'LedgerBatchUnprocessedError';
  constructor(options?: ErrorOptions) {
    super(
      'The run ledger left part of a batch unprocessed after 8 attempts (DynamoDB throttled it); the state retries it',
      options,
    );
  }
}

/** Every error name the state machine may match in ErrorEquals (tests check the ASL against this). */
export const ERROR_NAMES = [
  'InputValidationError',
  'StateInputError',
  'NoTargetsFoundError',
  'AsgNotFoundError',
  'LaunchConfigurationNotSupportedError',
  'LaunchTemplateNotFoundError',
  'RefreshAlreadyActiveError',
  'InstanceRefreshSuspendedError',
  'WindowsUserDataError',
  'UnsupportedUserDataError',
  'UserDataTooLargeError',
  'InstanceRefreshFailedError',
  'RefreshTimedOutError',
  'RefreshStillActiveError',
  'UntargetedSharersError',
  'TemplateNotPreparedError',
  'GroupChangedError',
  'GroupNotOptedInError',
  'InvalidGroupTagError',
  'GroupLockedError',
  'LedgerNotConfiguredError',
  'RunPageMissingError',
  'LedgerBatchUnprocessedError',
] as const;

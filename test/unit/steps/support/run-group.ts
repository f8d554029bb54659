/**
 * Drives one group through the steps in the state machine's order (lookup, create, pin, start, poll
 * loop, promote; on any error the restore branch), so step tests can assert the account's end state
 * after a whole success or failure without the ASL interpreter (test/workflow runs the real ASL).
 */
import type { AwsDeps } from '../../../../src/clients.ts';
import {
  InstanceRefreshFailedError,
  RefreshStillActiveError,
  RefreshTimedOutError,
} from '../../../../src/errors.ts';
import type { GroupResult, GroupTarget, RunSettings } from '../../../../src/schemas.ts';
import { createPatchedVersion } from '../../../../src/steps/create-patched-version.ts';
import { lookupLaunchTemplate } from '../../../../src/steps/lookup-launch-template.ts';
import { pinAutoScalingGroup } from '../../../../src/steps/pin-auto-scaling-group.ts';
import { pollInstanceRefresh } from '../../../../src/steps/poll-instance-refresh.ts';
import { promoteDefaultVersion } from '../../../../src/steps/promote-default-version.ts';
import { restoreAutoScalingGroup } from '../../../../src/steps/restore-auto-scaling-group.ts';
import { startInstanceRefresh } from '../../../../src/steps/start-instance-refresh.ts';

export async function runGroup(asgName: string, settings: RunSettings, deps: AwsDeps): Promise<GroupResult> {
  let stage = 'LookupLaunchTemplate';
  let target: GroupTarget | undefined;
  let newVersion: number | undefined;
  let pinned: boolean | undefined;
  try {
    target = await lookupLaunchTemplate({ asgName }, deps);
    stage = 'CreatePatchedVersion';
    const { runId, dryRun, force, patch } = settings;
    const patched = await createPatchedVersion({ target, runId, dryRun, force, patch }, deps);
    if (patched.outcome !== 'created')
      return { asgName, status: patched.outcome, oldVersion: target.resolvedVersion };
    newVersion = patched.newVersion;
    if (newVersion === undefined) throw new Error('created without a version number');
    stage = 'PinAutoScalingGroup';
    pinned = (await pinAutoScalingGroup({ target }, deps)).pinned;
    stage = 'StartInstanceRefresh';
    const refresh = await startInstanceRefresh(
      { target, newVersion, refreshPreferences: settings.refreshPreferences },
      deps,
    );
    stage = 'PollInstanceRefresh';
    let pollCount = 0;
    for (;;) {
      const poll = await pollInstanceRefresh(
        {
          asgName,
          instanceRefreshId: refresh.instanceRefreshId,
          pollCount,
          maxPolls: settings.maxPolls,
          pollIntervalSeconds: settings.pollIntervalSeconds,
        },
        deps,
      );
      if (poll.status === 'Successful') break;
      pollCount = poll.pollCount;
    }
    stage = 'PromoteDefaultVersion';
    const promotion = await promoteDefaultVersion({ target, newVersion }, deps);
    return {
      asgName,
      status: 'succeeded',
      oldVersion: target.resolvedVersion,
      newVersion,
      instanceRefreshId: refresh.instanceRefreshId,
      ...(promotion.note ? { note: promotion.note } : {}),
    };
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    const input = {
      asgName,
      stage,
      error: { Error: name, Cause: JSON.stringify({ errorType: name, errorMessage: message }) },
      ...(target ? { target } : {}),
      ...(newVersion !== undefined ? { newVersion } : {}),
      ...(pinned !== undefined ? { pinned } : {}),
      ...(error instanceof RefreshTimedOutError || error instanceof InstanceRefreshFailedError
        ? { instanceRefreshId: error.instanceRefreshId }
        : {}),
    };
    // The state machine retries RefreshStillActiveError (the restore waits for a rollback to end).
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await restoreAutoScalingGroup(input, deps);
      } catch (restoreError) {
        if (!(restoreError instanceof RefreshStillActiveError) || attempt >= RESTORE_RETRIES)
          throw restoreError;
      }
    }
  }
}

/** MaxAttempts of the RestoreAutoScalingGroup retrier for RefreshStillActiveError in the ASL. */
const RESTORE_RETRIES = 120;

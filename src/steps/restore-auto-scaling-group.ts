import { UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { DeleteLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import * as z from 'zod/mini';
import type { AwsDeps } from '../clients.ts';
import { RefreshStillActiveError } from '../errors.ts';
import type { GroupResult, GroupTarget, RestoreAutoScalingGroupInput } from '../schemas.ts';
import { describeGroup } from './lib/describe-group.ts';
import { launchTemplateReference, readLaunchTemplateRef } from './lib/launch-template-ref.ts';
import { describeTemplateById } from './lib/launch-template-versions.ts';
import { describeActiveRefresh } from './lib/refresh-status.ts';

/** What a Lambda error's Cause holds (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). */
const LambdaErrorDocument = z.object({ errorType: z.optional(z.string()), errorMessage: z.string() });

/**
 * The failure branch: undoes what this run changed on the group and never promotes. A pinned group
 * (or one the refresh left on the new version) goes back to its original reference; the version this
 * run created is deleted (unless it already is the default, which AWS cannot delete), so `$Latest`
 * resolves as before everywhere. Returns the group's `failed` result with the stage, error, message
 * and refresh id. Things already gone (group, template, version) are noted, not errors. While a
 * rollback or cancellation is still running it changes nothing and throws, so the state machine
 * retries until AWS lets the group be changed.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteLaunchTemplateVersions.html
 * @throws RefreshStillActiveError when the group must change but an instance refresh is still active
 *   (before any change, the version included); AWS errors propagate for the state machine's Retry
 */
export async function restoreAutoScalingGroup(
  input: RestoreAutoScalingGroupInput,
  deps: AwsDeps,
): Promise<GroupResult> {
  const { target, newVersion } = input;
  const result: GroupResult = {
    asgName: input.asgName,
    status: 'failed',
    stage: input.stage,
    error: input.error.Error,
    finishedAt: new Date().toISOString(),
  };
  const cause = causeMessage(input.error.Cause);
  if (cause) result.cause = cause;
  if (input.instanceRefreshId) result.instanceRefreshId = input.instanceRefreshId;
  if (!target) return result;

  result.launchTemplateId = target.launchTemplateId;
  result.oldVersion = target.resolvedVersion;
  if (newVersion !== undefined) result.newVersion = newVersion;

  // The group first: it may throw RefreshStillActiveError, and then nothing has been changed yet.
  const notes = [await restoreReference(target, input.pinned === true, newVersion, deps)];
  if (newVersion !== undefined) notes.push(await deleteUnprovenVersion(target, newVersion, deps));
  const note = notes.filter((text) => text !== '').join('; ');
  if (note) result.note = note;
  return result;
}

/**
 * Puts the group back on its original reference (or leaves it, when it is already there); returns
 * the note. Afterwards the group no longer refers to the new version, so that version can go.
 */
async function restoreReference(
  target: GroupTarget,
  pinned: boolean,
  newVersion: number | undefined,
  deps: AwsDeps,
): Promise<string> {
  if (!pinned && newVersion === undefined) return '';
  const group = await describeGroup(target.asgName, deps);
  if (!group) return 'the group no longer exists';
  const current = readLaunchTemplateRef(group)?.spec.Version;
  // A refresh that got as far as Successful saved the new version on the group: move it off too.
  const onNewVersion = newVersion !== undefined && current === String(newVersion);
  if (!(pinned || onNewVersion) || current === target.originalVersion) return '';
  // A rollback or cancellation still running owns the group's configuration: AWS refuses changes to
  // it meanwhile ("Update restriction", https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-overview.html).
  // Throw before changing anything (the version stays too), so the state machine retries the whole
  // step once the refresh has ended; the rollback itself puts the instances back on the pinned number.
  const active = await describeActiveRefresh(target.asgName, deps);
  if (active) {
    throw new RefreshStillActiveError(
      target.asgName,
      active.InstanceRefreshId ?? 'unknown',
      active.Status ?? 'unknown',
      current ?? 'unknown',
      target.originalVersion,
      newVersion,
    );
  }
  await deps.autoScaling.send(
    new UpdateAutoScalingGroupCommand({
      AutoScalingGroupName: target.asgName,
      ...launchTemplateReference(target, target.originalVersion),
    }),
  );
  return `group put back on ${target.originalVersion}`;
}

async function deleteUnprovenVersion(
  target: GroupTarget,
  newVersion: number,
  deps: AwsDeps,
): Promise<string> {
  const template = await describeTemplateById(target.launchTemplateId, deps);
  if (!template) return `launch template ${target.launchTemplateId} no longer exists`;
  if (template.DefaultVersionNumber === newVersion) {
    return `version ${newVersion} kept: it is already the default (its refresh succeeded before the failure)`;
  }
  const response = await deps.ec2.send(
    new DeleteLaunchTemplateVersionsCommand({
      LaunchTemplateId: target.launchTemplateId,
      Versions: [String(newVersion)],
    }),
  );
  // This API reports per-version failures in the response instead of throwing.
  const failure = response.UnsuccessfullyDeletedLaunchTemplateVersions?.[0]?.ResponseError;
  if (failure) return `version ${newVersion} not deleted: ${failure.Code}: ${failure.Message}`;
  return `version ${newVersion} deleted`;
}

/** The failed Lambda's own message when Cause is its JSON error document; else Cause as it is. */
function causeMessage(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  try {
    const document = LambdaErrorDocument.safeParse(JSON.parse(cause));
    if (document.success) return document.data.errorMessage;
  } catch {
    // Not JSON: a States.* error's plain text.
  }
  return cause;
}

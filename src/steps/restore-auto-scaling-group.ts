import {
  DescribeInstanceRefreshesCommand,
  type InstanceRefresh,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { DeleteLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import type { AwsDeps } from '../clients.ts';
import type { GroupResult, GroupTarget, RestoreAutoScalingGroupInput } from '../schemas.ts';
import { describeGroup } from './lib/describe-group.ts';
import { launchTemplateReference, readLaunchTemplateRef } from './lib/launch-template-ref.ts';
import { describeTemplateById } from './lib/launch-template-versions.ts';
import { isActiveRefreshStatus } from './lib/refresh-status.ts';

/** What a Lambda error's Cause holds (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). */
const LambdaErrorDocument = z.object({ errorType: z.string().optional(), errorMessage: z.string() });

/**
 * The failure branch: undoes what this run changed on the group and never promotes. A pinned group
 * (or one the refresh left on the new version) goes back to its original reference; the version this
 * run created is deleted (unless it already is the default, which AWS cannot delete), so `$Latest`
 * resolves as before everywhere. Returns the group's `failed` result with the stage, error and
 * message. Things already gone (group, template, version) are noted, not errors. While a rollback or
 * cancellation is still running, the pinned group is left on its pinned number (what it ran before)
 * with a note, since the refresh owns the group's configuration until it ends.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteLaunchTemplateVersions.html
 * @throws nothing of its own (AWS errors propagate for the state machine's Retry)
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
  if (!target) return result;

  result.launchTemplateId = target.launchTemplateId;
  result.oldVersion = target.resolvedVersion;
  if (newVersion !== undefined) result.newVersion = newVersion;

  const restored = await restoreReference(target, input.pinned === true, newVersion, deps);
  const notes = [restored.note];
  if (newVersion !== undefined) {
    notes.push(
      restored.stillOnNewVersion
        ? `version ${newVersion} kept: the group still refers to it`
        : await deleteUnprovenVersion(target, newVersion, deps),
    );
  }
  const note = notes.filter((text) => text !== '').join('; ');
  if (note) result.note = note;
  return result;
}

/** Puts the group back on its original reference; says whether it still refers to the new version. */
async function restoreReference(
  target: GroupTarget,
  pinned: boolean,
  newVersion: number | undefined,
  deps: AwsDeps,
): Promise<{ note: string; stillOnNewVersion: boolean }> {
  const untouched = { note: '', stillOnNewVersion: false };
  if (!pinned && newVersion === undefined) return untouched;
  const group = await describeGroup(target.asgName, deps);
  if (!group) return { ...untouched, note: 'the group no longer exists' };
  const current = readLaunchTemplateRef(group)?.spec.Version;
  // A refresh that got as far as Successful saved the new version on the group: move it off too.
  const onNewVersion = newVersion !== undefined && current === String(newVersion);
  if (!(pinned || onNewVersion) || current === target.originalVersion) return untouched;
  // A rollback or cancellation still running owns the group's configuration: AWS refuses changes to
  // it meanwhile ("Update restriction", https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-overview.html),
  // and a rollback restores the pinned number, which is what the group ran before.
  const active = await activeRefresh(target.asgName, deps);
  if (active) {
    return {
      note: `group left on version ${current} (what it ran${onNewVersion ? ' after the refresh' : ' before this run'}) while instance refresh ${active.InstanceRefreshId} is ${active.Status}; set it back to ${target.originalVersion} once that ends`,
      stillOnNewVersion: onNewVersion,
    };
  }
  await deps.autoScaling.send(
    new UpdateAutoScalingGroupCommand({
      AutoScalingGroupName: target.asgName,
      ...launchTemplateReference(target, target.originalVersion),
    }),
  );
  return { note: `group put back on ${target.originalVersion}`, stillOnNewVersion: false };
}

async function activeRefresh(asgName: string, deps: AwsDeps): Promise<InstanceRefresh | undefined> {
  const response = await deps.autoScaling.send(
    new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: asgName }),
  );
  return response.InstanceRefreshes?.find((refresh) => isActiveRefreshStatus(refresh.Status));
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

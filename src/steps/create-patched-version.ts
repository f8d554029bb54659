import { createHash } from 'node:crypto';
import { CreateLaunchTemplateVersionCommand } from '@aws-sdk/client-ec2';
import type { AwsDeps } from '../clients.ts';
import type { CreatePatchedVersionInput, CreatePatchedVersionOutput } from '../schemas.ts';
import { composeUserData } from '../userdata/compose.ts';

/** EC2's limit for VersionDescription (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplateVersion.html). */
const MAX_DESCRIPTION = 255;

/**
 * Creates the patched launch-template version: `SourceVersion` = the resolved number and only
 * `UserData` given, so AWS copies everything else from the source ("the new version inherits the same
 * launch parameters, except for parameters that you specify in LaunchTemplateData",
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplateVersion.html).
 * Creates nothing when the source already carries exactly what we compose (`alreadyCurrent`, unless
 * `force`) or on a dry run (`dryRun`: reports what it would create).
 * @throws WindowsUserDataError, UnsupportedUserDataError, UserDataTooLargeError (from composeUserData,
 *   before any AWS call)
 */
export async function createPatchedVersion(
  input: CreatePatchedVersionInput,
  deps: Pick<AwsDeps, 'ec2'>,
): Promise<CreatePatchedVersionOutput> {
  const { target, runId } = input;
  const composed = composeUserData(target.userData, input.patch);
  const sizes = { userDataBytesBefore: composed.bytesBefore, userDataBytesAfter: composed.bytesAfter };

  if (composed.alreadyCurrent && !input.force) {
    return {
      outcome: 'alreadyCurrent',
      ...sizes,
      summary: `version ${target.resolvedVersion} already carries the current patch script\n${composed.summary}`,
    };
  }
  if (input.dryRun) {
    return {
      outcome: 'dryRun',
      ...sizes,
      summary: `dry run: would create a version of ${target.launchTemplateName} from version ${target.resolvedVersion}\n${composed.summary}`,
    };
  }

  const response = await deps.ec2.send(
    new CreateLaunchTemplateVersionCommand({
      LaunchTemplateId: target.launchTemplateId,
      SourceVersion: String(target.resolvedVersion),
      VersionDescription: versionDescription(runId, target.resolvedVersion),
      LaunchTemplateData: { UserData: composed.base64 },
      // A Lambda retried after EC2 answered must not create a second version.
      ClientToken: clientToken(runId, target.asgName, target.launchTemplateId, target.resolvedVersion),
    }),
  );
  const newVersion = response.LaunchTemplateVersion?.VersionNumber;
  if (!newVersion) {
    throw new Error(`CreateLaunchTemplateVersion for ${target.launchTemplateId} returned no version number`);
  }
  return {
    outcome: 'created',
    newVersion,
    ...sizes,
    summary: `created version ${newVersion} of ${target.launchTemplateName} from version ${target.resolvedVersion}\n${composed.summary}`,
  };
}

/** Names the tool and the run, so a version in the console says where it came from. */
export function versionDescription(runId: string, sourceVersion: number): string {
  return `asg-patcher run ${runId} (from version ${sourceVersion})`.slice(0, MAX_DESCRIPTION);
}

/**
 * EC2 idempotency token (at most 128 ASCII characters; a sha256 hex is 64), the same for the same
 * run, group and source: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Run_Instance_Idempotency.html
 */
function clientToken(
  runId: string,
  asgName: string,
  launchTemplateId: string,
  sourceVersion: number,
): string {
  return createHash('sha256')
    .update(JSON.stringify([runId, asgName, launchTemplateId, sourceVersion]))
    .digest('hex');
}

import { createHash } from 'node:crypto';
import {
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplateVersionsCommand,
} from '@aws-sdk/client-ec2';
import type { AwsDeps } from '../clients.ts';
import { LaunchTemplateNotFoundError } from '../errors.ts';
import type { CreatePatchedVersionInput, CreatePatchedVersionOutput } from '../schemas.ts';
import { composeUserData } from '../userdata/compose.ts';
import { isLaunchTemplateNotFound } from './lib/aws-errors.ts';

/** EC2's limit for VersionDescription (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplateVersion.html). */
const MAX_DESCRIPTION = 255;

/**
 * Creates the patched launch-template version: `SourceVersion` = the resolved number and only
 * `UserData` given, so AWS copies everything else from the source ("the new version inherits the same
 * launch parameters, except for parameters that you specify in LaunchTemplateData",
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplateVersion.html).
 * Creates nothing when the source already carries exactly what we compose (`alreadyCurrent`, unless
 * `force`) or on a dry run (`dryRun`: reports what it would create).
 * The source's user data is read here, never carried in the state: it is the customer's and may hold
 * secrets, and Step Functions keeps every state's input and output in the execution history.
 * @throws LaunchTemplateNotFoundError (the source version is gone); WindowsUserDataError,
 *   UnsupportedUserDataError, UserDataTooLargeError (from composeUserData, before any change)
 */
export async function createPatchedVersion(
  input: CreatePatchedVersionInput,
  deps: Pick<AwsDeps, 'ec2'>,
): Promise<CreatePatchedVersionOutput> {
  const { target, runId } = input;
  const composed = composeUserData(await sourceUserData(target, deps), input.patch);
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

/** The source version's UserData (base64), undefined when it has none. */
async function sourceUserData(
  target: CreatePatchedVersionInput['target'],
  deps: Pick<AwsDeps, 'ec2'>,
): Promise<string | undefined> {
  const label = `${target.launchTemplateName} (version ${target.resolvedVersion})`;
  const response = await deps.ec2
    .send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: target.launchTemplateId,
        Versions: [String(target.resolvedVersion)],
      }),
    )
    .catch((error: unknown) => {
      // EC2's NotFound family is named; anything else (throttling) stays as is, for the retries.
      if (isLaunchTemplateNotFound(error))
        throw new LaunchTemplateNotFoundError(target.asgName, label, { cause: error });
      throw error;
    });
  const version = response.LaunchTemplateVersions?.find((v) => v.VersionNumber === target.resolvedVersion);
  if (!version) {
    throw new LaunchTemplateNotFoundError(target.asgName, label, {
      cause: new Error('DescribeLaunchTemplateVersions returned no such version'),
    });
  }
  return version.LaunchTemplateData?.UserData;
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

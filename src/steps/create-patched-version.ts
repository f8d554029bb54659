import {
  CreateLaunchTemplateVersionCommand,
  type LaunchTemplateBlockDeviceMapping,
  type LaunchTemplateBlockDeviceMappingRequest,
} from '@aws-sdk/client-ec2';
import type { AwsDeps } from '../clients.ts';
import { TemplateNotPreparedError } from '../errors.ts';
import type { CreatedVersion, CreatePatchedVersionInput } from '../schemas.ts';
import { composeUserData } from '../userdata/compose.ts';
import { isAwsError } from './lib/aws-errors.ts';
import { listGroups } from './lib/describe-group.ts';
import { isFloatingReference, readSpecs } from './lib/launch-template-ref.ts';
import { clientToken, describeVersions, versionDescription } from './lib/run-versions.ts';

/**
 * Creates one patched version per source version the plan marked `create`: `SourceVersion` = that
 * number and only `UserData` (plus `BlockDeviceMappings` when the source names a snapshot) given,
 * so AWS copies everything else ("the new version inherits the same launch parameters, except for
 * parameters that you specify in LaunchTemplateData"). First it checks that every group of the run
 * that follows the template through `$Default`/`$Latest` is pinned: otherwise a `$Latest` group would
 * launch the unproven version at its next scale-out. Versions are created in ascending order with
 * the template's latest source last, so a `$Latest` group's patched version ends up the latest.
 * ClientToken per (run, template, source): a retry after a lost answer returns the same version.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplateVersion.html
 * @throws TemplateNotPreparedError (a follower is not pinned), WindowsUserDataError,
 *   UnsupportedUserDataError, UserDataTooLargeError (before any creation)
 */
export async function createPatchedVersion(
  input: CreatePatchedVersionInput,
  deps: AwsDeps,
): Promise<CreatedVersion[]> {
  const { template, settings } = input;
  const label = `${template.launchTemplateName} (${template.launchTemplateId})`;
  await checkFollowersPinned(input, label, deps);

  const wanted = template.sources.filter((s) => s.action === 'create').map((s) => s.version);
  wanted.sort((a, b) => Number(a === template.latestVersion) - Number(b === template.latestVersion) || a - b);
  // A source deleted since the plan fails the whole describe (VersionNotFound): named below instead.
  const described = await describeVersions(template.launchTemplateId, wanted, deps).catch(
    (error: unknown) => {
      if (isAwsError(error, 'InvalidLaunchTemplateId.VersionNotFound')) return [];
      throw error;
    },
  );
  const sources = new Map(described.map((v) => [v.VersionNumber, v]));
  // Compose every source before creating anything, so bad user data changes nothing.
  const planned = wanted.map((sourceVersion) => {
    const source = sources.get(sourceVersion);
    if (!source)
      throw new TemplateNotPreparedError(
        template.followers.map((f) => f.asgName).join(', '),
        label,
        `version ${sourceVersion} no longer exists`,
      );
    const data = source.LaunchTemplateData ?? {};
    const composed = composeUserData(data.UserData, settings.patch);
    return {
      sourceVersion,
      userData: composed.base64,
      blockDeviceMappings: withSnapshots(data.BlockDeviceMappings),
    };
  });

  const created: CreatedVersion[] = [];
  for (const { sourceVersion, userData, blockDeviceMappings } of planned) {
    const response = await deps.ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: template.launchTemplateId,
        SourceVersion: String(sourceVersion),
        VersionDescription: versionDescription(settings.runId, sourceVersion),
        LaunchTemplateData: {
          UserData: userData,
          ...(blockDeviceMappings ? { BlockDeviceMappings: blockDeviceMappings } : {}),
        },
        ClientToken: clientToken(settings.runId, template.launchTemplateId, sourceVersion),
      }),
    );
    const newVersion = response.LaunchTemplateVersion?.VersionNumber;
    if (!newVersion) throw new Error(`CreateLaunchTemplateVersion for ${label} returned no version number`);
    created.push({ sourceVersion, newVersion });
  }
  return created;
}

/** Every run group that follows the template through `$Default`/`$Latest` must name a number on it by now. */
async function checkFollowersPinned(
  input: CreatePatchedVersionInput,
  label: string,
  deps: AwsDeps,
): Promise<void> {
  const { template } = input;
  const floating = [
    ...new Set(template.followers.filter((f) => isFloatingReference(f.reference)).map((f) => f.asgName)),
  ];
  if (floating.length === 0) return;
  const groups = await listGroups(deps, { AutoScalingGroupNames: floating });
  const unpinned = groups.filter((group) =>
    (readSpecs(group) ?? []).some(
      ({ spec }) => spec.LaunchTemplateId === template.launchTemplateId && isFloatingReference(spec.Version),
    ),
  );
  if (unpinned.length > 0) {
    const names = unpinned.map((g) => g.AutoScalingGroupName ?? '?');
    throw new TemplateNotPreparedError(
      names.join(', '),
      label,
      `${names.join(', ')} still follow $Default/$Latest: pinning did not take effect, so no version was created`,
    );
  }
}

/**
 * "Snapshots applied to the block device mapping are ignored when creating a new version unless
 * they are explicitly included" (CreateLaunchTemplateVersion API reference): when the source names a
 * snapshot, its mappings are sent again, as they are. Otherwise none are sent and AWS copies them.
 */
function withSnapshots(
  mappings: LaunchTemplateBlockDeviceMapping[] | undefined,
): LaunchTemplateBlockDeviceMappingRequest[] | undefined {
  if (!mappings?.some((m) => m.Ebs?.SnapshotId)) return undefined;
  return mappings.map((m) => ({ ...m, ...(m.Ebs ? { Ebs: { ...m.Ebs } } : {}) }));
}

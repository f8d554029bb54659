import type { LaunchTemplateSpecification } from '@aws-sdk/client-auto-scaling';
import {
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type LaunchTemplate,
  type LaunchTemplateVersion,
} from '@aws-sdk/client-ec2';
import type { AwsDeps } from '../clients.ts';
import {
  AsgNotFoundError,
  InstanceRefreshSuspendedError,
  LaunchConfigurationNotSupportedError,
  LaunchTemplateNotFoundError,
  RefreshAlreadyActiveError,
} from '../errors.ts';
import type { GroupTarget, LookupLaunchTemplateInput } from '../schemas.ts';
import { isLaunchTemplateNotFound } from './lib/aws-errors.ts';
import { describeGroup } from './lib/describe-group.ts';
import { readLaunchTemplateRef } from './lib/launch-template-ref.ts';
import { describeActiveRefresh } from './lib/refresh-status.ts';

/**
 * Finds the group's launch template (under `LaunchTemplate` or the mixed-instances policy, by id or
 * name), resolves its reference to the exact version number and reads that version's user data.
 * Pre-flight, before anything changes: changes nothing itself.
 * @throws AsgNotFoundError, LaunchConfigurationNotSupportedError, InstanceRefreshSuspendedError,
 *   RefreshAlreadyActiveError, LaunchTemplateNotFoundError (with the AWS error as cause)
 */
export async function lookupLaunchTemplate(
  input: LookupLaunchTemplateInput,
  deps: AwsDeps,
): Promise<GroupTarget> {
  const { asgName } = input;
  const group = await describeGroup(asgName, deps);
  if (!group) throw new AsgNotFoundError(asgName);

  const ref = readLaunchTemplateRef(group);
  if (!ref) {
    if (group.LaunchConfigurationName) throw new LaunchConfigurationNotSupportedError(asgName);
    throw new LaunchTemplateNotFoundError(asgName, '(none: the group names no launch template)');
  }
  if (group.SuspendedProcesses?.some((process) => process.ProcessName === 'InstanceRefresh')) {
    throw new InstanceRefreshSuspendedError(asgName);
  }

  const active = await describeActiveRefresh(asgName, deps);
  if (active) {
    throw new RefreshAlreadyActiveError(asgName, {
      cause: new Error(`instance refresh ${active.InstanceRefreshId} is ${active.Status}`),
    });
  }

  const reference = ref.spec.Version;
  const templateLabel = ref.spec.LaunchTemplateId ?? ref.spec.LaunchTemplateName ?? '(unnamed)';
  const template = await describeTemplate(asgName, ref.spec, templateLabel, deps);
  const { LaunchTemplateId, LaunchTemplateName, DefaultVersionNumber, LatestVersionNumber } = template;
  if (!LaunchTemplateId || !LaunchTemplateName || !DefaultVersionNumber || !LatestVersionNumber) {
    throw new LaunchTemplateNotFoundError(asgName, templateLabel, {
      cause: new Error('DescribeLaunchTemplates returned an incomplete launch template'),
    });
  }

  const resolvedVersion =
    reference === '$Default'
      ? DefaultVersionNumber
      : reference === '$Latest'
        ? LatestVersionNumber
        : Number(reference);
  // The version must exist; its user data is not read here (CreatePatchedVersion reads it).
  await describeVersion(asgName, LaunchTemplateId, resolvedVersion, `${templateLabel}:${reference}`, deps);

  return {
    asgName,
    launchTemplateId: LaunchTemplateId,
    launchTemplateName: LaunchTemplateName,
    source: ref.source,
    originalVersion: reference,
    resolvedVersion,
    defaultVersion: DefaultVersionNumber,
    latestVersion: LatestVersionNumber,
    // JSON copy: the state data carries it to StartInstanceRefresh, which sends it back.
    ...(ref.mixedInstancesPolicy ? { mixedInstancesPolicy: { ...ref.mixedInstancesPolicy } } : {}),
  };
}

async function describeTemplate(
  asgName: string,
  spec: LaunchTemplateSpecification,
  label: string,
  deps: AwsDeps,
): Promise<LaunchTemplate> {
  const response = await deps.ec2
    .send(
      new DescribeLaunchTemplatesCommand(
        spec.LaunchTemplateId
          ? { LaunchTemplateIds: [spec.LaunchTemplateId] }
          : { LaunchTemplateNames: [spec.LaunchTemplateName ?? ''] },
      ),
    )
    .catch(notFoundAs(asgName, label));
  const template = response.LaunchTemplates?.[0];
  if (!template) {
    throw new LaunchTemplateNotFoundError(asgName, label, {
      cause: new Error('DescribeLaunchTemplates returned no launch template'),
    });
  }
  return template;
}

async function describeVersion(
  asgName: string,
  launchTemplateId: string,
  version: number,
  label: string,
  deps: AwsDeps,
): Promise<LaunchTemplateVersion> {
  const response = await deps.ec2
    .send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: launchTemplateId,
        Versions: [String(version)],
      }),
    )
    .catch(notFoundAs(asgName, `${label} (version ${version})`));
  const found = response.LaunchTemplateVersions?.find((candidate) => candidate.VersionNumber === version);
  if (!found) {
    throw new LaunchTemplateNotFoundError(asgName, `${label} (version ${version})`, {
      cause: new Error('DescribeLaunchTemplateVersions returned no such version'),
    });
  }
  return found;
}

/** EC2's NotFound family becomes LaunchTemplateNotFoundError (cause kept); anything else (throttling) stays as is. */
function notFoundAs(asgName: string, label: string): (error: unknown) => never {
  return (error) => {
    if (isLaunchTemplateNotFound(error))
      throw new LaunchTemplateNotFoundError(asgName, label, { cause: error });
    throw error;
  };
}

/**
 * How a run marks and finds the launch-template versions it created: by their VersionDescription,
 * which names the run and the source. A version whose CreateLaunchTemplateVersion answer was lost is
 * still found this way, and the ClientToken (the same for the same run, template and source) makes
 * a retried create return that version instead of making a second one.
 */
import { createHash } from 'node:crypto';
import {
  DescribeLaunchTemplateVersionsCommand,
  type LaunchTemplateVersion,
  paginateDescribeLaunchTemplateVersions,
} from '@aws-sdk/client-ec2';
import type { AwsDeps } from '../../clients.ts';

/** EC2's limit for VersionDescription (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplateVersion.html). */
const MAX_DESCRIPTION = 255;

/** Names the tool, the run and the source, so a version in the console says where it came from. */
export function versionDescription(runId: string, sourceVersion: number): string {
  return `asg-patcher run ${runId} (from version ${sourceVersion})`.slice(0, MAX_DESCRIPTION);
}

const DESCRIPTION = /^asg-patcher run (.+) \(from version (\d+)\)$/;

/** The source a description of this run names, or undefined for any other version. */
export function sourceOfRunVersion(runId: string, description: string | undefined): number | undefined {
  const match = DESCRIPTION.exec(description ?? '');
  return match && match[1] === runId ? Number(match[2]) : undefined;
}

/**
 * The run a description written by this tool names (any run), or undefined for a version someone
 * else created: what `pruneVersions` goes by, since only this tool's own versions are pruned.
 */
export function runOfToolVersion(description: string | undefined): string | undefined {
  return DESCRIPTION.exec(description ?? '')?.[1];
}

/**
 * EC2 idempotency token (at most 128 ASCII characters for CreateLaunchTemplateVersion; a sha256 hex is 64), the same for
 * the same run, template and source: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Run_Instance_Idempotency.html
 */
export function clientToken(runId: string, launchTemplateId: string, sourceVersion: number): string {
  return createHash('sha256')
    .update(JSON.stringify([runId, launchTemplateId, sourceVersion]))
    .digest('hex');
}

/**
 * The template's versions created since the run planned (numbered above the latest it read), split
 * into this run's (their description names the run) and anyone else's. Paginated, 200 a page.
 */
export async function versionsSincePlan(
  template: { launchTemplateId: string; latestVersion: number },
  runId: string,
  deps: Pick<AwsDeps, 'ec2'>,
): Promise<{ runVersions: number[]; otherVersions: number[] }> {
  const runVersions: number[] = [];
  const otherVersions: number[] = [];
  const pages = paginateDescribeLaunchTemplateVersions(
    { client: deps.ec2, pageSize: 200 },
    { LaunchTemplateId: template.launchTemplateId, MinVersion: String(template.latestVersion + 1) },
  );
  for await (const page of pages) {
    for (const version of page.LaunchTemplateVersions ?? []) {
      if (!version.VersionNumber) continue;
      const ours = sourceOfRunVersion(runId, version.VersionDescription) !== undefined;
      (ours ? runVersions : otherVersions).push(version.VersionNumber);
    }
  }
  const ascending = (a: number, b: number): number => a - b;
  return { runVersions: runVersions.sort(ascending), otherVersions: otherVersions.sort(ascending) };
}

/** The given versions of one template, in one call. */
export async function describeVersions(
  launchTemplateId: string,
  versions: number[],
  deps: Pick<AwsDeps, 'ec2'>,
): Promise<LaunchTemplateVersion[]> {
  const response = await deps.ec2.send(
    new DescribeLaunchTemplateVersionsCommand({
      LaunchTemplateId: launchTemplateId,
      Versions: versions.map(String),
    }),
  );
  return response.LaunchTemplateVersions ?? [];
}

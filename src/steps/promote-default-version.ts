import { ModifyLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import type { AwsDeps } from '../clients.ts';
import type { PromoteDefaultVersionInput, PromoteResult, RefreshStatus } from '../schemas.ts';
import { readSpecs } from './lib/launch-template-ref.ts';
import { describeTemplateById } from './lib/launch-template-versions.ts';
import { listRefreshes } from './lib/refresh-status.ts';

/**
 * Settles a template's default once all its groups' refreshes ended: the default moves to the
 * patched version of the default's own source only when a refresh of this run onto that version
 * ended Successful (proven), and no group that follows `$Default` saw it fail (it would launch a
 * version that failed on it). The evidence is read from each follower's refreshes, not from the
 * state. A version made from another source never becomes the default. ModifyLaunchTemplate is
 * idempotent, so a retry after a lost answer finds the default already moved.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyLaunchTemplate.html
 * @throws nothing of its own (AWS errors propagate for the state machine's Retry)
 */
export async function promoteDefaultVersion(
  input: PromoteDefaultVersionInput,
  deps: AwsDeps,
): Promise<PromoteResult> {
  const { template } = input;
  const found = await describeTemplateById(template.launchTemplateId, deps);
  const current = found?.DefaultVersionNumber ?? template.defaultVersion;
  const stay = (note?: string): PromoteResult => ({
    defaultVersion: current,
    moved: false,
    ...(note ? { note } : {}),
  });
  if (!found) return stay(`launch template ${template.launchTemplateId} no longer exists`);

  const candidate = template.created?.find((c) => c.sourceVersion === template.defaultVersion)?.newVersion;
  if (candidate === undefined) return stay();
  if (current === candidate) return { defaultVersion: candidate, moved: true };
  if (current !== template.defaultVersion) {
    return stay(
      `default stays ${current}: it was changed to ${current} during the run, so version ${candidate} was not made the default`,
    );
  }

  const outcomes = await outcomesOn(
    template.launchTemplateId,
    candidate,
    [...new Set(template.followers.map((f) => f.asgName))],
    deps,
  );
  const failedOnDefault = template.followers
    .filter((f) => f.reference === '$Default')
    .map((f) => f.asgName)
    .filter((name) => outcomes.get(name)?.some((status) => status !== 'Successful'));
  if (failedOnDefault.length > 0) {
    return stay(
      `default stays ${current}: version ${candidate} did not refresh successfully on ${[...new Set(failedOnDefault)].join(', ')}, which follow $Default`,
    );
  }
  const proven = [...outcomes.values()].some((statuses) => statuses.includes('Successful'));
  if (!proven) return stay(`default stays ${current}: no refresh onto version ${candidate} succeeded`);

  await deps.ec2.send(
    new ModifyLaunchTemplateCommand({
      LaunchTemplateId: template.launchTemplateId,
      DefaultVersion: String(candidate),
    }),
  );
  return { defaultVersion: candidate, moved: true };
}

/** Per group: the statuses of its refreshes whose desired configuration names this version (unique to the run). */
async function outcomesOn(
  launchTemplateId: string,
  version: number,
  asgNames: string[],
  deps: Pick<AwsDeps, 'autoScaling'>,
): Promise<Map<string, RefreshStatus[]>> {
  const outcomes = new Map<string, RefreshStatus[]>();
  for (const asgName of asgNames) {
    const statuses = (await listRefreshes(asgName, deps))
      .filter((refresh) =>
        (readSpecs({ ...refresh.DesiredConfiguration }) ?? []).some(
          ({ spec }) => spec.LaunchTemplateId === launchTemplateId && spec.Version === String(version),
        ),
      )
      .map((refresh) => refresh.Status as RefreshStatus);
    if (statuses.length > 0) outcomes.set(asgName, statuses);
  }
  return outcomes;
}

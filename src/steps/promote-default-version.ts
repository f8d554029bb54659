import { UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { ModifyLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import type { AwsDeps } from '../clients.ts';
import type { PromoteDefaultVersionInput, PromoteDefaultVersionOutput } from '../schemas.ts';
import { launchTemplateReference } from './lib/launch-template-ref.ts';

/**
 * Runs only after the refresh ended Successful: makes the new version the template's default
 * (ModifyLaunchTemplate), then puts the group back on its reference style. `$Default` goes back to
 * `$Default` (now the new version); `$Latest` goes back to `$Latest` only while the new version is
 * still the latest (someone may have created another meanwhile: the group then stays on the number,
 * with a note); a numbered group stays on the new number, which the refresh already saved on it.
 * @throws nothing of its own (AWS errors propagate for the state machine's Retry)
 */
export async function promoteDefaultVersion(
  input: PromoteDefaultVersionInput,
  deps: AwsDeps,
): Promise<PromoteDefaultVersionOutput> {
  const { target, newVersion } = input;
  const modified = await deps.ec2.send(
    new ModifyLaunchTemplateCommand({
      LaunchTemplateId: target.launchTemplateId,
      DefaultVersion: String(newVersion),
    }),
  );
  const numbered = String(newVersion);
  const promoted = { defaultVersion: newVersion };

  if (target.originalVersion === '$Default') {
    await pointGroupAt(input, '$Default', deps);
    return { ...promoted, reference: '$Default' };
  }
  if (target.originalVersion === '$Latest') {
    // ModifyLaunchTemplate answers with the template as it now is: no second describe needed.
    const latest = modified.LaunchTemplate?.LatestVersionNumber ?? 0;
    if (latest !== newVersion) {
      return {
        ...promoted,
        reference: numbered,
        note: `left on version ${newVersion} instead of $Latest: the latest version is now ${latest}, which this run did not refresh`,
      };
    }
    await pointGroupAt(input, '$Latest', deps);
    return { ...promoted, reference: '$Latest' };
  }
  return { ...promoted, reference: numbered };
}

async function pointGroupAt(
  input: PromoteDefaultVersionInput,
  reference: string,
  deps: AwsDeps,
): Promise<void> {
  await deps.autoScaling.send(
    new UpdateAutoScalingGroupCommand({
      AutoScalingGroupName: input.target.asgName,
      ...launchTemplateReference(input.target, reference),
    }),
  );
}

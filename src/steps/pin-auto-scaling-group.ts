import { UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import type { AwsDeps } from '../clients.ts';
import type { PinAutoScalingGroupInput, PinAutoScalingGroupOutput } from '../schemas.ts';
import { isFloatingReference, launchTemplateReference } from './lib/launch-template-ref.ts';

/**
 * Pins a group that refers to `$Default` or `$Latest` to the version number those resolved to, so
 * nothing changes for its instances but a refresh can roll back: AWS rolls back only to a numbered
 * version (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html).
 * UpdateAutoScalingGroup replaces no instances. A numbered group is left as it is.
 * @throws nothing of its own (AWS errors propagate for the state machine's Retry)
 */
export async function pinAutoScalingGroup(
  input: PinAutoScalingGroupInput,
  deps: Pick<AwsDeps, 'autoScaling'>,
): Promise<PinAutoScalingGroupOutput> {
  const { target } = input;
  if (!isFloatingReference(target.originalVersion)) return { pinned: false };
  await deps.autoScaling.send(
    new UpdateAutoScalingGroupCommand({
      AutoScalingGroupName: target.asgName,
      ...launchTemplateReference(target, String(target.resolvedVersion)),
    }),
  );
  return { pinned: true };
}

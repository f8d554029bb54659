import { UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import type { AwsDeps } from '../clients.ts';
import { AsgNotFoundError, GroupChangedError } from '../errors.ts';
import type { GroupSpec, PinAutoScalingGroupInput, PinResult } from '../schemas.ts';
import { describeGroup } from './lib/describe-group.ts';
import { isFloatingReference, readSpecs, withVersions } from './lib/launch-template-ref.ts';

/**
 * Pins a group whose specs refer to `$Default`/`$Latest` to the numbers the plan resolved them to,
 * before any new version of those templates exists: no scale-out can then launch an unproven
 * version, and AWS can roll a refresh back (it rolls back only to a numbered version,
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html).
 * UpdateAutoScalingGroup replaces no instances. Reads the group first, so a retry after a lost
 * answer sees the pin already made and sends nothing.
 * @throws AsgNotFoundError, GroupChangedError (a spec no longer names what the plan read)
 */
export async function pinAutoScalingGroup(
  input: PinAutoScalingGroupInput,
  deps: Pick<AwsDeps, 'autoScaling'>,
): Promise<PinResult> {
  const { group: record } = input;
  if (!record.specs.some((s) => isFloatingReference(s.reference))) return { pinned: false };
  const group = await describeGroup(record.asgName, deps);
  if (!group) throw new AsgNotFoundError(record.asgName);
  const current = readSpecs(group) ?? [];
  const planned = (slot: GroupSpec['slot']): GroupSpec | undefined =>
    record.specs.find((s) => s.slot === slot);
  for (const { slot, spec } of current) {
    const want = planned(slot);
    const unchanged =
      want &&
      spec.LaunchTemplateId === want.launchTemplateId &&
      (spec.Version === want.reference || spec.Version === String(want.version));
    if (!unchanged) {
      throw new GroupChangedError(
        record.asgName,
        `its launch template spec ${String(slot)} is now ${spec.LaunchTemplateId ?? spec.LaunchTemplateName}:${spec.Version}`,
      );
    }
  }
  if (current.length !== record.specs.length)
    throw new GroupChangedError(record.asgName, 'its launch template overrides changed');
  if (current.every(({ spec }) => !isFloatingReference(spec.Version))) return { pinned: true };
  await deps.autoScaling.send(
    new UpdateAutoScalingGroupCommand({
      AutoScalingGroupName: record.asgName,
      ...withVersions(group, (slot) => String(planned(slot)?.version)),
    }),
  );
  return { pinned: true };
}

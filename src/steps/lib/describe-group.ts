import { type AutoScalingGroup, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import type { AwsDeps } from '../../clients.ts';

/** The group by exact name, or undefined when this account and Region has no such group. */
export async function describeGroup(
  asgName: string,
  deps: Pick<AwsDeps, 'autoScaling'>,
): Promise<AutoScalingGroup | undefined> {
  const response = await deps.autoScaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [asgName] }),
  );
  return response.AutoScalingGroups?.find((group) => group.AutoScalingGroupName === asgName);
}

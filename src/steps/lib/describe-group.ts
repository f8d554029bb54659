import {
  type AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  type Filter,
  paginateDescribeAutoScalingGroups,
} from '@aws-sdk/client-auto-scaling';
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

/**
 * Groups by name, or by filters, or (neither) every group of the Region. "By default, you can only
 * specify up to 50 names. You can optionally increase this limit using the MaxRecords property" (at
 * most 100): names go 100 per call, and pages are 100 groups.
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html
 */
export async function listGroups(
  deps: Pick<AwsDeps, 'autoScaling'>,
  input: { AutoScalingGroupNames?: string[]; Filters?: Filter[] } = {},
): Promise<AutoScalingGroup[]> {
  const groups: AutoScalingGroup[] = [];
  const nameChunks = input.AutoScalingGroupNames ? chunk(input.AutoScalingGroupNames, 100) : [undefined];
  for (const names of nameChunks) {
    if (names?.length === 0) continue;
    const pages = paginateDescribeAutoScalingGroups(
      { client: deps.autoScaling, pageSize: 100 },
      { ...input, AutoScalingGroupNames: names },
    );
    for await (const page of pages) groups.push(...(page.AutoScalingGroups ?? []));
  }
  return groups;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
}

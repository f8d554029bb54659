/**
 * The run's targets, listed as the plan reads them: by names, every distinct name as given (in order)
 * as long as at least one exists (a name that does not then fails alone, AsgNotFoundError, beside
 * the groups that worked); by tags, the groups carrying every tag filter (a filter with values
 * matches any of them), sorted by name. The groups come back as read, so the plan does not
 * describe them again. Changes nothing.
 */
import type { AutoScalingGroup, Filter } from '@aws-sdk/client-auto-scaling';
import type { AwsDeps } from '../../clients.ts';
import { NoTargetsFoundError } from '../../errors.ts';
import type { TagFilter, Targets } from '../../schemas.ts';
import { listGroups } from './describe-group.ts';

/**
 * @throws NoTargetsFoundError when no group matches (AWS errors propagate for the state's Retry)
 */
export async function listTargets(
  targets: Targets,
  deps: Pick<AwsDeps, 'autoScaling'>,
): Promise<{ asgNames: string[]; groups: AutoScalingGroup[] }> {
  if ('asgNames' in targets) {
    const names = [...new Set(targets.asgNames)];
    const groups = await listGroups(deps, { AutoScalingGroupNames: names });
    if (groups.length === 0) throw new NoTargetsFoundError(`the names ${names.join(', ')}`);
    return { asgNames: names, groups };
  }
  const listed = await listGroups(deps, { Filters: tagFilters(targets.tags) });
  // The server filters; checking again here keeps AND semantics exact when two filters share a key.
  const groups = listed
    .filter((group) => targets.tags.every((filter) => carriesTag(group, filter)))
    .sort((a, b) => (a.AutoScalingGroupName ?? '').localeCompare(b.AutoScalingGroupName ?? ''));
  const asgNames = [
    ...new Set(groups.flatMap((group) => (group.AutoScalingGroupName ? [group.AutoScalingGroupName] : []))),
  ];
  if (asgNames.length === 0)
    throw new NoTargetsFoundError(`the tags ${targets.tags.map(describeTagFilter).join(' and ')}`);
  return { asgNames, groups };
}

/**
 * Server-side tag filters: `tag:<key>` with the values, or `tag-key` when any value will do.
 * "If you specify multiple filters, the filters are automatically logically joined with an AND"
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Filter.html). Filter names are sent
 * once each; a repeated key is narrowed client-side.
 */
function tagFilters(tags: TagFilter[]): Filter[] {
  const byName = new Map<string, Filter>();
  for (const tag of tags) {
    const filter: Filter = tag.values
      ? { Name: `tag:${tag.key}`, Values: tag.values }
      : { Name: 'tag-key', Values: [tag.key] };
    if (filter.Name && !byName.has(filter.Name)) byName.set(filter.Name, filter);
  }
  return [...byName.values()];
}

function carriesTag(group: AutoScalingGroup, filter: TagFilter): boolean {
  return (group.Tags ?? []).some(
    (tag) => tag.Key === filter.key && (!filter.values || filter.values.includes(tag.Value ?? '')),
  );
}

/** `Patch=weekly|monthly`, or `Team (any value)`: a tag filter as messages name it. */
export function describeTagFilter(filter: TagFilter): string {
  return filter.values ? `${filter.key}=${filter.values.join('|')}` : `${filter.key} (any value)`;
}

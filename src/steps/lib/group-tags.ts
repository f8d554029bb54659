/**
 * Per-group settings a team sets on its own group, as tags, overriding the run's input for that
 * group only. Values are checked with the execution input's own schemas, so a tag accepts exactly
 * what the input field does; a bad value refuses the group (InvalidGroupTagError) before anything
 * changes.
 */
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import type * as z from 'zod/mini';
import { InvalidGroupTagError } from '../../errors.ts';
import { ExecutionInput, type GroupPreferences, RefreshPreferences } from '../../schemas.ts';

export const SKIP_TAG = 'asg-patcher:skip';

/** Tag key -> the preference it sets and the input field whose rules it follows. */
const NUMERIC_TAGS: Record<string, { field: keyof GroupPreferences; schema: z.ZodMiniType<number> }> = {
  'asg-patcher:min-healthy-percentage': {
    field: 'minHealthyPercentage',
    schema: RefreshPreferences.shape.minHealthyPercentage,
  },
  'asg-patcher:instance-warmup': { field: 'instanceWarmup', schema: RefreshPreferences.shape.instanceWarmup },
  'asg-patcher:max-wait-seconds': { field: 'maxWaitSeconds', schema: ExecutionInput.shape.maxWaitSeconds },
};

export type GroupTags = { skip: boolean; preferences: GroupPreferences } | { error: InvalidGroupTagError };

export function readGroupTags(group: AutoScalingGroup): GroupTags {
  const asgName = group.AutoScalingGroupName ?? '?';
  const preferences: GroupPreferences = {};
  let skip = false;
  for (const { Key: key, Value: value = '' } of group.Tags ?? []) {
    if (key === SKIP_TAG) {
      if (!/^(true|false)$/i.test(value)) {
        return { error: new InvalidGroupTagError(asgName, key, value, '"true" or "false"') };
      }
      skip = value.toLowerCase() === 'true';
      continue;
    }
    const rule = key ? NUMERIC_TAGS[key] : undefined;
    if (!key || !rule) continue;
    const parsed = /^\d+$/.test(value) ? rule.schema.safeParse(Number(value)) : undefined;
    if (!parsed?.success) {
      const why = parsed ? parsed.error.issues.map((i) => i.message).join('; ') : 'a whole number';
      return {
        error: new InvalidGroupTagError(
          asgName,
          key,
          value,
          `what "${rule.field}" takes in the input (${why})`,
        ),
      };
    }
    preferences[rule.field] = parsed.data as number;
  }
  return { skip, preferences };
}

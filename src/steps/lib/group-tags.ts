/**
 * Per-group settings a team sets on its own group, as tags, overriding the run's input for that
 * group only. Values are checked with the execution input's own schemas, so a tag accepts exactly
 * what the input field does; a bad value refuses the group (InvalidGroupTagError) before anything
 * changes.
 */
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { issuesOf } from '../../contracts/parse-input.ts';
import * as checks from '../../contracts/validators.generated.mjs';
import { InvalidGroupTagError } from '../../errors.ts';
import type { GroupPreferences } from '../../schemas.ts';

export const SKIP_TAG = 'asg-patcher:skip';

/**
 * Tag key -> the preference it sets. GroupTagValues (src/schemas.ts) holds each to the rules of the
 * input field of the same name.
 */
const NUMERIC_TAGS: Record<string, keyof GroupPreferences> = {
  'asg-patcher:min-healthy-percentage': 'minHealthyPercentage',
  'asg-patcher:instance-warmup': 'instanceWarmup',
  'asg-patcher:max-wait-seconds': 'maxWaitSeconds',
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
    const field = key ? NUMERIC_TAGS[key] : undefined;
    if (!key || !field) continue;
    const whole = /^\d+$/.test(value);
    if (!whole || !checks.GroupTagValues({ [field]: Number(value) })) {
      const why = whole ? issuesOf(checks.GroupTagValues).join('; ') : 'a whole number';
      return {
        error: new InvalidGroupTagError(asgName, key, value, `what "${field}" takes in the input (${why})`),
      };
    }
    preferences[field] = Number(value);
  }
  return { skip, preferences };
}

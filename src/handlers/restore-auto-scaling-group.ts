/** Lambda entry of the RestoreAutoScalingGroup state: check the event against its contract (src/contracts), run the step. */
import middy from '@middy/core';
import { autoScaling } from '../clients/auto-scaling.ts';
import { ec2 } from '../clients/ec2.ts';
import { parseInput } from '../contracts/parse-input.ts';
import * as contracts from '../contracts/validators.generated.mjs';
import type { RestoreAutoScalingGroupInput } from '../schemas.ts';
import { restoreAutoScalingGroup } from '../steps/restore-auto-scaling-group.ts';

export const handler = middy().handler(async (event: unknown) =>
  restoreAutoScalingGroup(
    parseInput<RestoreAutoScalingGroupInput>(
      'RestoreAutoScalingGroup',
      contracts.RestoreAutoScalingGroupInput,
      event,
    ),
    { autoScaling, ec2 },
  ),
);

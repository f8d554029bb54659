/** Lambda entry of the RestoreAutoScalingGroup state: parse the event with its schema (strict), run the step. */
import middy from '@middy/core';
import { autoScaling, ec2 } from '../clients.ts';
import { RestoreAutoScalingGroupInput } from '../schemas.ts';
import { restoreAutoScalingGroup } from '../steps/restore-auto-scaling-group.ts';

export const handler = middy().handler(async (event: unknown) =>
  restoreAutoScalingGroup(RestoreAutoScalingGroupInput.parse(event), { autoScaling, ec2 }),
);

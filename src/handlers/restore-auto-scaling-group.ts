/** Lambda entry of the RestoreAutoScalingGroup state: parse the event with its schema (strict), run the step. */
import middy from '@middy/core';
import { autoScaling } from '../clients/auto-scaling.ts';
import { ec2 } from '../clients/ec2.ts';
import { RestoreAutoScalingGroupInput } from '../schemas.ts';
import { restoreAutoScalingGroup } from '../steps/restore-auto-scaling-group.ts';

export const handler = middy().handler(async (event: unknown) =>
  restoreAutoScalingGroup(RestoreAutoScalingGroupInput.parse(event), { autoScaling, ec2 }),
);

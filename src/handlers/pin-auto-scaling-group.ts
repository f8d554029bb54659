/** Lambda entry of the PinAutoScalingGroup state: parse the event with its schema (strict), run the step. */
import middy from '@middy/core';
import { autoScaling } from '../clients/auto-scaling.ts';
import { PinAutoScalingGroupInput } from '../schemas.ts';
import { pinAutoScalingGroup } from '../steps/pin-auto-scaling-group.ts';

export const handler = middy().handler(async (event: unknown) =>
  pinAutoScalingGroup(PinAutoScalingGroupInput.parse(event), { autoScaling }),
);

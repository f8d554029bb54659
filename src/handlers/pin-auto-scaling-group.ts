/** Lambda entry of the PinAutoScalingGroup state: check the event against its contract (src/contracts), run the step. */
import middy from '@middy/core';
import { autoScaling } from '../clients/auto-scaling.ts';
import { parseInput } from '../contracts/parse-input.ts';
import * as contracts from '../contracts/validators.generated.mjs';
import type { PinAutoScalingGroupInput } from '../schemas.ts';
import { pinAutoScalingGroup } from '../steps/pin-auto-scaling-group.ts';

export const handler = middy().handler(async (event: unknown) =>
  pinAutoScalingGroup(
    parseInput<PinAutoScalingGroupInput>('PinAutoScalingGroup', contracts.PinAutoScalingGroupInput, event),
    { autoScaling },
  ),
);

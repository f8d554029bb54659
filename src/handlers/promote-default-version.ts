/** Lambda entry of the PromoteDefaultVersion state: check the event against its contract (src/contracts), run the step. */
import middy from '@middy/core';
import { autoScaling } from '../clients/auto-scaling.ts';
import { ec2 } from '../clients/ec2.ts';
import { parseInput } from '../contracts/parse-input.ts';
import * as contracts from '../contracts/validators.generated.mjs';
import type { PromoteDefaultVersionInput } from '../schemas.ts';
import { promoteDefaultVersion } from '../steps/promote-default-version.ts';

export const handler = middy().handler(async (event: unknown) =>
  promoteDefaultVersion(
    parseInput<PromoteDefaultVersionInput>(
      'PromoteDefaultVersion',
      contracts.PromoteDefaultVersionInput,
      event,
    ),
    { autoScaling, ec2 },
  ),
);

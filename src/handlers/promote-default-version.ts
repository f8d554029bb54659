/** Lambda entry of the PromoteDefaultVersion state: parse the event with its schema (strict), run the step. */
import middy from '@middy/core';
import { autoScaling } from '../clients/auto-scaling.ts';
import { ec2 } from '../clients/ec2.ts';
import { PromoteDefaultVersionInput } from '../schemas.ts';
import { promoteDefaultVersion } from '../steps/promote-default-version.ts';

export const handler = middy().handler(async (event: unknown) =>
  promoteDefaultVersion(PromoteDefaultVersionInput.parse(event), { autoScaling, ec2 }),
);

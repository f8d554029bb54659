/** Lambda entry of the PromoteDefaultVersion state: parse the event with its schema (strict), run the step. */
import middy from '@middy/core';
import { autoScaling, ec2 } from '../clients.ts';
import { PromoteDefaultVersionInput } from '../schemas.ts';
import { promoteDefaultVersion } from '../steps/promote-default-version.ts';

export const handler = middy().handler(async (event: unknown) =>
  promoteDefaultVersion(PromoteDefaultVersionInput.parse(event), { autoScaling, ec2 }),
);

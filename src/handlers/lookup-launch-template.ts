/** Lambda entry of the LookupLaunchTemplate state: parse the event with its schema (strict), run the step. */
import middy from '@middy/core';
import { autoScaling } from '../clients/auto-scaling.ts';
import { ec2 } from '../clients/ec2.ts';
import { LookupLaunchTemplateInput } from '../schemas.ts';
import { lookupLaunchTemplate } from '../steps/lookup-launch-template.ts';

export const handler = middy().handler(async (event: unknown) =>
  lookupLaunchTemplate(LookupLaunchTemplateInput.parse(event), { autoScaling, ec2 }),
);

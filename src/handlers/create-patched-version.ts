/** Lambda entry of the CreatePatchedVersion state: parse the event with its schema (strict), run the step. */
import middy from '@middy/core';
import { autoScaling } from '../clients/auto-scaling.ts';
import { ec2 } from '../clients/ec2.ts';
import { CreatePatchedVersionInput } from '../schemas.ts';
import { createPatchedVersion } from '../steps/create-patched-version.ts';

export const handler = middy().handler(async (event: unknown) =>
  createPatchedVersion(CreatePatchedVersionInput.parse(event), { autoScaling, ec2 }),
);

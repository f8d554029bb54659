/** Lambda entry of the DeleteUnusedVersions state: parse the event with its schema (strict), run the step. */
import middy from '@middy/core';
import { autoScaling } from '../clients/auto-scaling.ts';
import { ec2 } from '../clients/ec2.ts';
import { DeleteUnusedVersionsInput } from '../schemas.ts';
import { deleteUnusedVersions } from '../steps/delete-unused-versions.ts';

export const handler = middy().handler(async (event: unknown) =>
  deleteUnusedVersions(DeleteUnusedVersionsInput.parse(event), { autoScaling, ec2 }),
);

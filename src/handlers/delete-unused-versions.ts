/** Lambda entry of the DeleteUnusedVersions state: check the event against its contract (src/contracts), run the step. */
import middy from '@middy/core';
import { autoScaling } from '../clients/auto-scaling.ts';
import { ec2 } from '../clients/ec2.ts';
import { parseInput } from '../contracts/parse-input.ts';
import * as contracts from '../contracts/validators.generated.mjs';
import type { DeleteUnusedVersionsInput } from '../schemas.ts';
import { deleteUnusedVersions } from '../steps/delete-unused-versions.ts';

export const handler = middy().handler(async (event: unknown) =>
  deleteUnusedVersions(
    parseInput<DeleteUnusedVersionsInput>('DeleteUnusedVersions', contracts.DeleteUnusedVersionsInput, event),
    { autoScaling, ec2 },
  ),
);

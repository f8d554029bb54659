/** Lambda entry of the CreatePatchedVersion state: check the event against its contract (src/contracts), run the step. */
import middy from '@middy/core';
import { autoScaling } from '../clients/auto-scaling.ts';
import { ec2 } from '../clients/ec2.ts';
import { parseInput } from '../contracts/parse-input.ts';
import * as contracts from '../contracts/validators.generated.mjs';
import type { CreatePatchedVersionInput } from '../schemas.ts';
import { createPatchedVersion } from '../steps/create-patched-version.ts';

export const handler = middy().handler(async (event: unknown) =>
  createPatchedVersion(
    parseInput<CreatePatchedVersionInput>('CreatePatchedVersion', contracts.CreatePatchedVersionInput, event),
    { autoScaling, ec2 },
  ),
);

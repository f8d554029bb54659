/** Lambda entry of the ResolveTargets state: parse the event with its schema (strict), run the step. */
import middy from '@middy/core';
import { autoScaling } from '../clients/auto-scaling.ts';
import { ResolveTargetsInput } from '../schemas.ts';
import { resolveTargets } from '../steps/resolve-targets.ts';

export const handler = middy().handler(async (event: unknown) =>
  resolveTargets(ResolveTargetsInput.parse(event), { autoScaling }),
);

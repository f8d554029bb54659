/** Lambda entry of the StartInstanceRefresh state: check the event against its contract (src/contracts), run the step. */
import middy from '@middy/core';
import { autoScaling } from '../clients/auto-scaling.ts';
import { parseInput } from '../contracts/parse-input.ts';
import * as contracts from '../contracts/validators.generated.mjs';
import type { StartInstanceRefreshInput } from '../schemas.ts';
import { startInstanceRefresh } from '../steps/start-instance-refresh.ts';

export const handler = middy().handler(async (event: unknown) =>
  startInstanceRefresh(
    parseInput<StartInstanceRefreshInput>('StartInstanceRefresh', contracts.StartInstanceRefreshInput, event),
    { autoScaling },
  ),
);

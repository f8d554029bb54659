/** Lambda entry of the PollInstanceRefresh state: check the event against its contract (src/contracts), run the step. */
import middy from '@middy/core';
import { autoScaling } from '../clients/auto-scaling.ts';
import { parseInput } from '../contracts/parse-input.ts';
import * as contracts from '../contracts/validators.generated.mjs';
import type { PollInstanceRefreshInput } from '../schemas.ts';
import { pollInstanceRefresh } from '../steps/poll-instance-refresh.ts';

export const handler = middy().handler(async (event: unknown) =>
  pollInstanceRefresh(
    parseInput<PollInstanceRefreshInput>('PollInstanceRefresh', contracts.PollInstanceRefreshInput, event),
    { autoScaling },
  ),
);

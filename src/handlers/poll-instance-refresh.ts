/** Lambda entry of the PollInstanceRefresh state: parse the event with its schema (strict), run the step. */
import middy from '@middy/core';
import { autoScaling } from '../clients/auto-scaling.ts';
import { PollInstanceRefreshInput } from '../schemas.ts';
import { pollInstanceRefresh } from '../steps/poll-instance-refresh.ts';

export const handler = middy().handler(async (event: unknown) =>
  pollInstanceRefresh(PollInstanceRefreshInput.parse(event), { autoScaling }),
);

/** Lambda entry of the StartInstanceRefresh state: parse the event with its schema (strict), run the step. */
import middy from '@middy/core';
import { autoScaling } from '../clients/auto-scaling.ts';
import { StartInstanceRefreshInput } from '../schemas.ts';
import { startInstanceRefresh } from '../steps/start-instance-refresh.ts';

export const handler = middy().handler(async (event: unknown) =>
  startInstanceRefresh(StartInstanceRefreshInput.parse(event), { autoScaling }),
);

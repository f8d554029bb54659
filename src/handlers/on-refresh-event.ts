/** Lambda entry of the EventBridge rule on instance refresh ends: check the event, run the step. */
import middy from '@middy/core';
import { autoScaling } from '../clients/auto-scaling.ts';
import { sfn } from '../clients/sfn.ts';
import { parseInput } from '../contracts/parse-input.ts';
import * as checks from '../contracts/validators.generated.mjs';
import { dynamodb } from '../ledger/client.ts';
import type { OnRefreshEventInput } from '../schemas.ts';
import { onRefreshEvent } from '../steps/on-refresh-event.ts';

export const handler = middy().handler(async (event: unknown) =>
  onRefreshEvent(parseInput<OnRefreshEventInput>('OnRefreshEvent', checks.OnRefreshEventInput, event), {
    autoScaling,
    sfn,
    ledger: { client: dynamodb, tableName: process.env.LEDGER_TABLE_NAME },
  }),
);

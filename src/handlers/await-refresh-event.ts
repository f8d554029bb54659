/** Lambda entry of the AwaitRefreshEvent state: check the event against its contract (src/contracts), run the step. */
import middy from '@middy/core';
import { autoScaling } from '../clients/auto-scaling.ts';
import { sfn } from '../clients/sfn.ts';
import { parseInput } from '../contracts/parse-input.ts';
import * as contracts from '../contracts/validators.generated.mjs';
import { dynamodb } from '../ledger/client.ts';
import type { AwaitRefreshEventInput } from '../schemas.ts';
import { awaitRefreshEvent } from '../steps/await-refresh-event.ts';

// The ledger's table comes from the deployment (serverless.yml); read per invocation, since a local
// run sets it for its own duration.
export const handler = middy().handler(async (event: unknown) =>
  awaitRefreshEvent(
    parseInput<AwaitRefreshEventInput>('AwaitRefreshEvent', contracts.AwaitRefreshEventInput, event),
    {
      autoScaling,
      sfn,
      ledger: { client: dynamodb, tableName: process.env.LEDGER_TABLE_NAME },
      now: () => new Date(),
    },
  ),
);

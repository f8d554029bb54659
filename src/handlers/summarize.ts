/** Lambda entry of the Summarize state: check the event against its contract (src/contracts), run the step. */
import middy from '@middy/core';
import { parseInput } from '../contracts/parse-input.ts';
import * as contracts from '../contracts/validators.generated.mjs';
import { dynamodb } from '../ledger/client.ts';
import type { SummarizeInput } from '../schemas.ts';
import { summarize } from '../steps/summarize.ts';

// The ledger's table comes from the deployment (serverless.yml); read per invocation, since a local
// run sets it for its own duration. A dry run holds no lock and never needs it.
export const handler = middy().handler(async (event: unknown) =>
  summarize(parseInput<SummarizeInput>('Summarize', contracts.SummarizeInput, event), {
    ledger: { client: dynamodb, tableName: process.env.LEDGER_TABLE_NAME },
  }),
);

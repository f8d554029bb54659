/** Lambda entry of the page states (LoadPinPage, LoadCreatePage, ...): check the event against its contract (src/contracts), run the step. */
import middy from '@middy/core';
import { parseInput } from '../contracts/parse-input.ts';
import * as contracts from '../contracts/validators.generated.mjs';
import { dynamodb } from '../ledger/client.ts';
import type { LoadRunPageInput } from '../schemas.ts';
import { loadRunPage } from '../steps/load-run-page.ts';

// The ledger's table comes from the deployment (serverless.yml); read per invocation, since a local
// run sets it for its own duration.
export const handler = middy().handler(async (event: unknown) =>
  loadRunPage(parseInput<LoadRunPageInput>('LoadRunPage', contracts.LoadRunPageInput, event), {
    ledger: { client: dynamodb, tableName: process.env.LEDGER_TABLE_NAME },
  }),
);

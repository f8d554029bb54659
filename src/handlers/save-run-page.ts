/** Lambda entry of the page states (SavePinPage, SaveCreatePage, ...): check the event against its contract (src/contracts), run the step. */
import middy from '@middy/core';
import { parseInput } from '../contracts/parse-input.ts';
import * as contracts from '../contracts/validators.generated.mjs';
import { dynamodb } from '../ledger/client.ts';
import type { SaveRunPageInput } from '../schemas.ts';
import { saveRunPage } from '../steps/save-run-page.ts';

// The ledger's table comes from the deployment (serverless.yml); read per invocation, since a local
// run sets it for its own duration.
export const handler = middy().handler(async (event: unknown) =>
  saveRunPage(parseInput<SaveRunPageInput>('SaveRunPage', contracts.SaveRunPageInput, event), {
    ledger: { client: dynamodb, tableName: process.env.LEDGER_TABLE_NAME },
  }),
);

/** Lambda entry of the LookupLaunchTemplate state: check the event against its contract (src/contracts), run the step. */
import middy from '@middy/core';
import { autoScaling } from '../clients/auto-scaling.ts';
import { ec2 } from '../clients/ec2.ts';
import { parseInput } from '../contracts/parse-input.ts';
import * as contracts from '../contracts/validators.generated.mjs';
import { dynamodb } from '../ledger/client.ts';
import type { LookupLaunchTemplateInput } from '../schemas.ts';
import { lookupLaunchTemplate } from '../steps/lookup-launch-template.ts';

/**
 * The opt-in boundary comes from the deployment (serverless.yml sets both variables from its
 * params), never from the execution input, so no input can reach a group that was not opted in.
 * Read per invocation: a local run sets them (and the ledger's table) for its own duration.
 */
function optInTag(): { key: string; value: string } | undefined {
  const key = process.env.OPT_IN_TAG_KEY;
  const value = process.env.OPT_IN_TAG_VALUE;
  return key && value !== undefined ? { key, value } : undefined;
}

export const handler = middy().handler(async (event: unknown) =>
  lookupLaunchTemplate(
    parseInput<LookupLaunchTemplateInput>('LookupLaunchTemplate', contracts.LookupLaunchTemplateInput, event),
    { autoScaling, ec2, ledger: { client: dynamodb, tableName: process.env.LEDGER_TABLE_NAME } },
    { optInTag: optInTag() },
  ),
);

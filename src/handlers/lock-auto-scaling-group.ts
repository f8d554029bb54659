/** Lambda entry of the LockAutoScalingGroup state: check the event against its contract (src/contracts), run the step. */
import middy from '@middy/core';
import { parseInput } from '../contracts/parse-input.ts';
import * as contracts from '../contracts/validators.generated.mjs';
import { dynamodb } from '../ledger/client.ts';
import type { LockAutoScalingGroupInput } from '../schemas.ts';
import { lockAutoScalingGroup } from '../steps/lock-auto-scaling-group.ts';

// The table's name comes from the deployment (serverless.yml); read per invocation, since a local
// run sets it for its own duration.
export const handler = middy().handler(async (event: unknown) =>
  lockAutoScalingGroup(
    parseInput<LockAutoScalingGroupInput>('LockAutoScalingGroup', contracts.LockAutoScalingGroupInput, event),
    { ledger: { client: dynamodb, tableName: process.env.LEDGER_TABLE_NAME } },
  ),
);

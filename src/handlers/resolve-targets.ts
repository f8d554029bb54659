/** Lambda entry of the ResolveTargets state: check the event against its contract (src/contracts), run the step. */
import middy from '@middy/core';
import { parseInput } from '../contracts/parse-input.ts';
import * as contracts from '../contracts/validators.generated.mjs';
import type { ResolveTargetsInput } from '../schemas.ts';
import { resolveTargets } from '../steps/resolve-targets.ts';

// serverless.yml sets `events` where it deploys the EventBridge rule (param refreshEvents), else
// `polling`; read per invocation, since a local run sets it for its own duration.
export const handler = middy().handler(async (event: unknown) =>
  resolveTargets(parseInput<ResolveTargetsInput>('ResolveTargets', contracts.ResolveTargetsInput, event), {
    defaultWaitMode: process.env.DEFAULT_WAIT_MODE === 'events' ? 'events' : 'polling',
  }),
);

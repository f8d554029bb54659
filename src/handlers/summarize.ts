/** Lambda entry of the Summarize state: check the event against its contract (src/contracts), run the step. */
import middy from '@middy/core';
import { parseInput } from '../contracts/parse-input.ts';
import * as contracts from '../contracts/validators.generated.mjs';
import type { SummarizeInput } from '../schemas.ts';
import { summarize } from '../steps/summarize.ts';

export const handler = middy().handler(async (event: unknown) =>
  summarize(parseInput<SummarizeInput>('Summarize', contracts.SummarizeInput, event), {}),
);

/** Lambda entry of the Summarize state: parse the event with its schema (strict), run the step. */
import middy from '@middy/core';
import { SummarizeInput } from '../schemas.ts';
import { summarize } from '../steps/summarize.ts';

export const handler = middy().handler(async (event: unknown) => summarize(SummarizeInput.parse(event), {}));

import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { epochSeconds, LEDGER_TTL_ATTRIBUTE, type Ledger, tableOf } from './table.ts';
import { KEEP_AFTER_BACKSTOP_SECONDS, type WaitToken, waitKey } from './wait-tokens.ts';

/** Registers (or replaces) the token waiting on the refresh. One PutItem: a retry writes the same. */
export async function registerWaitToken(
  ledger: Ledger,
  token: WaitToken,
  options: { backstopSeconds: number; now: Date },
): Promise<void> {
  await ledger.client.send(
    new PutItemCommand({
      TableName: tableOf(ledger),
      Item: {
        ...waitKey(token.instanceRefreshId),
        taskToken: { S: token.taskToken },
        runId: { S: token.runId },
        asgName: { S: token.asgName },
        refresh: { S: JSON.stringify(token.refresh) },
        registeredAt: { S: token.registeredAt },
        [LEDGER_TTL_ATTRIBUTE]: {
          N: String(epochSeconds(options.now) + options.backstopSeconds + KEEP_AFTER_BACKSTOP_SECONDS),
        },
      },
    }),
  );
}

/**
 * The run ledger: one DynamoDB table per deployment (serverless.yml `LedgerTable`, on demand), a
 * string partition key `pk` and a string sort key `sk`, and `expiresAt` (epoch seconds) as its TTL
 * attribute. The items, by key:
 *
 * | pk | sk | what | expiresAt |
 * | --- | --- | --- | --- |
 * | `GROUP#<asgName>` | `LOCK` | the group's lock: the run that holds it (`runId`), since when | when the lock lapses |
 * | `GROUP#<asgName>` | `PATCHED` | the group's last Successful refresh: run, time, versions | none: kept |
 * | `REFRESH#<instanceRefreshId>` | `WAIT` | the event-driven wait's task token for that refresh, and its progress (src/ledger/wait-tokens.ts) | a day after the wait's backstop |
 * | `RUN#<runId>` | `...` | a run's own items (reserved: per-group results) | a few weeks after the run |
 *
 * A group's items share its partition, so one Query reads all a group has; a run's items share the
 * run's. Group names are unique per account and Region, as the table is.
 */
import type { CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LedgerNotConfiguredError } from '../errors.ts';

/** The table's key attributes and its TTL attribute (serverless.yml declares the same; the package test compares). */
export const LEDGER_KEY = { partition: 'pk', sort: 'sk' } as const;
export const LEDGER_TTL_ATTRIBUTE = 'expiresAt';

/** Epoch seconds of a Date (the TTL attribute's unit). */
export const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/** An epoch-seconds time as ISO text, for messages and the state. */
export const isoOf = (seconds: number): string => new Date(seconds * 1000).toISOString();

/** The key of a group's item of the given kind. */
export function groupItemKey(asgName: string, kind: 'LOCK' | 'PATCHED'): Record<string, { S: string }> {
  return { [LEDGER_KEY.partition]: { S: `GROUP#${asgName}` }, [LEDGER_KEY.sort]: { S: kind } };
}

/** The table as CreateTable makes it (the local runs' dynalite; AWS gets serverless.yml's, the same keys). */
export function ledgerTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: LEDGER_KEY.partition, AttributeType: 'S' },
      { AttributeName: LEDGER_KEY.sort, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: LEDGER_KEY.partition, KeyType: 'HASH' },
      { AttributeName: LEDGER_KEY.sort, KeyType: 'RANGE' },
    ],
  };
}

/**
 * What a step gets to use the ledger: the client and the table's name. The handler reads the name
 * from `LEDGER_TABLE_NAME` (serverless.yml sets it; a local run sets it for its duration); it may
 * be missing where nothing needs the ledger (a live dry run), so it is checked where it is used.
 */
export interface Ledger {
  client: DynamoDBClient;
  tableName: string | undefined;
}

export interface LedgerDeps {
  ledger: Ledger;
}

/** The table's name, or LedgerNotConfiguredError when the deployment (or the CLI) gave none. */
export function tableOf(ledger: Ledger): string {
  if (!ledger.tableName) throw new LedgerNotConfiguredError();
  return ledger.tableName;
}

/**
 * The run ledger in tests: a real dynalite on a loopback port (src/local/ledger.ts), spoken to by
 * the real DynamoDB client over HTTP, fresh for each test. `NO_LEDGER` is for steps whose input
 * holds no lock, so they must not touch the ledger: any call fails LedgerNotConfiguredError.
 */
import { afterEach, beforeEach } from 'vitest';
import { dynamodb } from '../../src/ledger/client.ts';
import type { LedgerDeps } from '../../src/ledger/table.ts';
import { type LocalLedger, startLocalLedger } from '../../src/local/ledger.ts';

export const NO_LEDGER: LedgerDeps = { ledger: { client: dynamodb, tableName: undefined } };

export interface TestLedger {
  /** The dynalite server and its table. */
  local: LocalLedger;
  /** What a step gets: the handlers' module-scope client (routed to the server) and the table. */
  deps: LedgerDeps;
}

/**
 * A fresh local ledger for each test, with every DynamoDBClient routed to it. A run given it as
 * `localLedger` uses the same table, so two runs share one ledger as two executions share the table.
 */
export function useLocalLedger(): () => TestLedger {
  let current: (TestLedger & { restore: () => void }) | undefined;
  beforeEach(async () => {
    const local = await startLocalLedger();
    const { restore } = local.route();
    current = { local, deps: { ledger: { client: dynamodb, tableName: local.tableName } }, restore };
  });
  afterEach(async () => {
    current?.restore();
    await current?.local.stop();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('useLocalLedger: no ledger outside a test');
    return current;
  };
}

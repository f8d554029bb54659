/**
 * The local ledger (src/local/ledger.ts): dynalite on a loopback port, the handlers' real DynamoDB
 * client routed to it over HTTP, and never to the simulated account, which takes only Auto Scaling
 * and EC2 while it is installed.
 */
import { GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { dynamodb } from '../../../src/ledger/client.ts';
import { startLocalLedger } from '../../../src/local/ledger.ts';
import { useFakeAccount } from '../../support/builders.ts';

describe('the local ledger', () => {
  const account = useFakeAccount();

  it('serves the real DynamoDB client over HTTP on a loopback port, with the fake account installed', async () => {
    const local = await startLocalLedger();
    const { restore } = local.route();
    try {
      expect(local.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const put = await dynamodb.send(
        new PutItemCommand({
          TableName: local.tableName,
          Item: { pk: { S: 'GROUP#web' }, sk: { S: 'PROBE' } },
        }),
      );

      // The SDK sent it over the wire (an HTTP status and dynalite's request id came back) ...
      expect(put.$metadata).toMatchObject({ httpStatusCode: 200, requestId: expect.any(String) });
      // ... the item is in dynalite, as read by a client of its own ...
      const { Item } = await local.client.send(
        new GetItemCommand({
          TableName: local.tableName,
          Key: { pk: { S: 'GROUP#web' }, sk: { S: 'PROBE' } },
        }),
      );
      expect(Item).toEqual({ pk: { S: 'GROUP#web' }, sk: { S: 'PROBE' } });
      // ... and the simulated account saw nothing of it.
      expect(account().calls).toEqual([]);
    } finally {
      restore();
      await local.stop();
    }
  });

  it('gives each ledger its own table and port, and puts the client back when the routing ends', async () => {
    const first = await startLocalLedger();
    const second = await startLocalLedger();
    try {
      expect(first.endpoint).not.toBe(second.endpoint);
      const routed = first.route();
      await dynamodb.send(
        new PutItemCommand({ TableName: first.tableName, Item: { pk: { S: 'a' }, sk: { S: 'b' } } }),
      );
      routed.restore();
      expect(await dynamodb.config.endpoint?.()).toBeUndefined();
      const { Item } = await second.client.send(
        new GetItemCommand({ TableName: second.tableName, Key: { pk: { S: 'a' }, sk: { S: 'b' } } }),
      );
      expect(Item).toBeUndefined();
      expect((await second.client.send(new ListTablesCommand({}))).TableNames).toEqual([second.tableName]);
    } finally {
      await first.stop();
      await second.stop();
    }
  });

  it('nests: a ledger routed inside another puts the outer one back when its routing ends', async () => {
    const outer = await startLocalLedger();
    const inner = await startLocalLedger();
    const item = (table: string) =>
      new PutItemCommand({ TableName: table, Item: { pk: { S: 'GROUP#web' }, sk: { S: 'LOCK' } } });
    const has = async (ledger: typeof outer) =>
      (
        await ledger.client.send(
          new GetItemCommand({
            TableName: ledger.tableName,
            Key: { pk: { S: 'GROUP#web' }, sk: { S: 'LOCK' } },
          }),
        )
      ).Item !== undefined;
    const routedOuter = outer.route();
    try {
      const routedInner = inner.route();
      await dynamodb.send(item(inner.tableName));
      routedInner.restore();
      // Back on the outer ledger (the inner one keeps its item, the outer gets the next).
      await dynamodb.send(item(outer.tableName));
      expect([await has(inner), await has(outer)]).toEqual([true, true]);
      // The same ledger routed twice: the second routing's restore leaves the first in place.
      outer.route().restore();
      await expect(dynamodb.send(item(outer.tableName))).resolves.toBeDefined();
    } finally {
      routedOuter.restore();
      await outer.stop();
      await inner.stop();
    }
    expect(await dynamodb.config.endpoint?.()).toBeUndefined();
  });
});

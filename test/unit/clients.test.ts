/**
 * The SDK clients' own timeouts: without them a lost answer hangs until the Lambda's timeout. With
 * CLIENT_CONFIG an attempt that gets no answer fails with TimeoutError and the SDK sends it again.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { afterEach, describe, expect, it } from 'vitest';
import { autoScaling } from '../../src/clients/auto-scaling.ts';
import { ec2 } from '../../src/clients/ec2.ts';
import { CLIENT_CONFIG } from '../../src/clients.ts';

const silent = createServer(() => {
  // Accepts the request and never answers: a lost response.
});

afterEach(() => {
  silent.closeAllConnections();
  silent.close();
});

describe('client timeouts', () => {
  it('sets a connection and a request timeout that throws, on every client the handlers use', async () => {
    expect(CLIENT_CONFIG.requestHandler).toEqual({
      connectionTimeout: 3_000,
      requestTimeout: 8_000,
      throwOnRequestTimeout: true,
    });
    for (const client of [autoScaling, ec2]) {
      expect(await client.config.maxAttempts()).toBe(5);
      expect(await client.config.retryStrategy()).toMatchObject({ mode: 'adaptive' });
    }
  });

  it('fails an attempt that gets no answer and retries it, instead of waiting for ever', async () => {
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const client = new AutoScalingClient({
      ...CLIENT_CONFIG,
      maxAttempts: 2,
      region: 'eu-west-1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      // The configured handler with a short request timeout, so the test takes a fraction of a second.
      requestHandler: { ...CLIENT_CONFIG.requestHandler, requestTimeout: 200 },
    });

    const error = await client.send(new DescribeAutoScalingGroupsCommand({})).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'TimeoutError', $metadata: { attempts: 2 } });
  });
});

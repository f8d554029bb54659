/**
 * What a step receives: the AWS clients it may call (tests pass the same classes, mocked). Whole
 * clients, not `Pick<..., 'send'>`: the SDK paginators check `client instanceof AutoScalingClient`.
 *
 * Types only: the clients themselves are built once per Lambda container, at module scope, in
 * `src/clients/auto-scaling.ts` and `src/clients/ec2.ts`. A handler imports only the one(s) its step
 * calls, so its bundle carries only that SDK client (each is about 1 MB of bundled code). Steps that
 * call one service take `Pick<AwsDeps, 'autoScaling'>` or `Pick<AwsDeps, 'ec2'>`.
 */
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';

export interface AwsDeps {
  autoScaling: AutoScalingClient;
  ec2: EC2Client;
}

/**
 * Adaptive retry: the SDK backs off on throttling ("Rate exceeded", RequestLimitExceeded) and slows
 * its own send rate, since the Auto Scaling API has one bucket per account and Region.
 *
 * Timeouts: the SDK sets none by default, so a lost answer would hang until the Lambda's own 60 s
 * timeout (a `Lambda.Unknown` for the state machine). With 3 s to connect and 8 s per answer, a lost
 * answer fails the attempt and the SDK retries it; 5 attempts of at most 11 s each, plus backoff,
 * stay inside the 60 s function timeout. Every step is safe to retry after a lost answer (ClientToken,
 * or it reads the truth first), so a resent call is harmless. Since @smithy/node-http-handler 4.4 a
 * passed requestTimeout only logs a warning unless `throwOnRequestTimeout` is set (its own warning
 * text says so), so it is set.
 * https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/node-configuring-maxsockets.html
 */
export const CLIENT_CONFIG = {
  retryMode: 'adaptive',
  maxAttempts: 5,
  requestHandler: { connectionTimeout: 3_000, requestTimeout: 8_000, throwOnRequestTimeout: true },
} as const;

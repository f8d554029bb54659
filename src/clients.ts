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
 */
export const CLIENT_RETRY = { retryMode: 'adaptive', maxAttempts: 5 } as const;

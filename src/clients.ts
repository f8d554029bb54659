/**
 * AWS clients, built once per Lambda container (module scope) and passed into steps.
 * Adaptive retry: the SDK backs off on throttling ("Rate exceeded", RequestLimitExceeded)
 * and slows its own send rate, since the Auto Scaling API has one bucket per account and Region.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';

const retry = { retryMode: 'adaptive', maxAttempts: 5 } as const;

export const autoScaling = new AutoScalingClient(retry);
export const ec2 = new EC2Client(retry);

/**
 * What a step receives: the clients it may call (tests pass the same classes, mocked). Whole
 * clients, not `Pick<..., 'send'>`: the SDK paginators check `client instanceof AutoScalingClient`.
 */
export interface AwsDeps {
  autoScaling: AutoScalingClient;
  ec2: EC2Client;
}

/**
 * Plugs a FakeAccount into the AWS SDK: every AutoScalingClient and EC2Client (all instances,
 * including the module-scope ones in src/clients/*.ts) sends its commands to the account, so steps,
 * handlers and the local runner run unchanged. A command the fake does not model fails loudly.
 *
 * Note: aws-sdk-client-mock replaces `Client.send`, so the SDK's own retry middleware does not run;
 * an injected throttling error reaches the caller on its first attempt (the state machine's Retry
 * is what recovers from it here).
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AUTO_SCALING_COMMANDS,
  EC2_COMMANDS,
  type FakeAccount,
  type FakeCommandName,
  type FakeService,
} from './account.ts';
import type { CommandInput } from './commands.ts';

/** Thrown for an SDK command the fake account does not model. */
export class UnmodelledCommandError extends Error {
  override readonly name = 'UnmodelledCommandError';
  constructor(service: string, command: string) {
    super(
      `The fake AWS account does not model ${service} ${command}; add it to src/fake/account.ts or avoid calling it`,
    );
  }
}

/**
 * Routes the SDK clients to `account` until the returned `restore()` is called.
 * Installing again replaces the previous installation.
 */
export function installFakeAccount(account: FakeAccount): { restore: () => void } {
  const autoScaling = mockClient(AutoScalingClient);
  const ec2 = mockClient(EC2Client);
  autoScaling.send.callsFake((command: unknown) =>
    route(account, 'autoscaling', AUTO_SCALING_COMMANDS, command),
  );
  ec2.send.callsFake((command: unknown) => route(account, 'ec2', EC2_COMMANDS, command));
  return {
    restore: () => {
      autoScaling.restore();
      ec2.restore();
    },
  };
}

/**
 * Hands a command to the account by its name (`DescribeAutoScalingGroupsCommand` ->
 * `DescribeAutoScalingGroups`); `Output` is whatever the SDK expects, as the account answers in its shapes.
 */
function route<Output>(
  account: FakeAccount,
  service: FakeService,
  modelled: readonly FakeCommandName[],
  command: unknown,
): Promise<Output> {
  const sent = command as { constructor?: { name?: string }; input?: unknown } | undefined;
  const name = sent?.constructor?.name?.replace(/Command$/, '') ?? 'unknown';
  const known = modelled.find((m) => m === name);
  if (!known)
    return Promise.reject(new UnmodelledCommandError(service === 'ec2' ? 'EC2' : 'Auto Scaling', name));
  // The SDK built the command from its own ...CommandInput type.
  return account.handle(service, known, sent?.input as CommandInput<FakeCommandName>) as Promise<Output>;
}

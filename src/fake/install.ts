/**
 * Plugs a FakeAccount into the AWS SDK: every AutoScalingClient and EC2Client (all instances,
 * including the module-scope ones in src/clients/*.ts) sends its commands to the account, so steps,
 * handlers and the local runner run unchanged. A command the fake does not model fails loudly.
 *
 * Note: aws-sdk-client-mock replaces `Client.send`, so the SDK's own retry middleware does not run;
 * an injected throttling error reaches the caller on its first attempt (the state machine's Retry
 * is what recovers from it here).
 */
import {
  AutoScalingClient,
  CancelInstanceRefreshCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  RollbackInstanceRefreshCommand,
  StartInstanceRefreshCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateVersionCommand,
  DeleteLaunchTemplateVersionsCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  ModifyLaunchTemplateCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import type { FakeAccount } from './account.ts';

/** Thrown for an SDK command the fake account does not model. */
export class UnmodelledCommandError extends Error {
  override readonly name = 'UnmodelledCommandError';
  constructor(service: string, command: string) {
    super(
      `The fake AWS account does not model ${service} ${command}; add it to src/fake/account.ts (and install.ts) or avoid calling it`,
    );
  }
}

const commandName = (command: unknown): string =>
  (command as { constructor?: { name?: string } })?.constructor?.name?.replace(/Command$/, '') ?? 'unknown';

/**
 * Routes the SDK clients to `account` until the returned `restore()` is called.
 * Installing again replaces the previous installation.
 */
export function installFakeAccount(account: FakeAccount): { restore: () => void } {
  const autoScaling = mockClient(AutoScalingClient);
  const ec2 = mockClient(EC2Client);

  // The default for anything not routed below (sinon's withArgs behaviours take precedence).
  autoScaling.send.callsFake((command: unknown) =>
    Promise.reject(new UnmodelledCommandError('Auto Scaling', commandName(command))),
  );
  ec2.send.callsFake((command: unknown) =>
    Promise.reject(new UnmodelledCommandError('EC2', commandName(command))),
  );

  autoScaling
    .on(DescribeAutoScalingGroupsCommand)
    .callsFake((input) => account.handle('autoscaling', 'DescribeAutoScalingGroups', input));
  autoScaling
    .on(UpdateAutoScalingGroupCommand)
    .callsFake((input) => account.handle('autoscaling', 'UpdateAutoScalingGroup', input));
  autoScaling
    .on(StartInstanceRefreshCommand)
    .callsFake((input) => account.handle('autoscaling', 'StartInstanceRefresh', input));
  autoScaling
    .on(DescribeInstanceRefreshesCommand)
    .callsFake((input) => account.handle('autoscaling', 'DescribeInstanceRefreshes', input));
  autoScaling
    .on(RollbackInstanceRefreshCommand)
    .callsFake((input) => account.handle('autoscaling', 'RollbackInstanceRefresh', input));
  autoScaling
    .on(CancelInstanceRefreshCommand)
    .callsFake((input) => account.handle('autoscaling', 'CancelInstanceRefresh', input));

  ec2
    .on(DescribeLaunchTemplatesCommand)
    .callsFake((input) => account.handle('ec2', 'DescribeLaunchTemplates', input));
  ec2
    .on(DescribeLaunchTemplateVersionsCommand)
    .callsFake((input) => account.handle('ec2', 'DescribeLaunchTemplateVersions', input));
  ec2
    .on(CreateLaunchTemplateVersionCommand)
    .callsFake((input) => account.handle('ec2', 'CreateLaunchTemplateVersion', input));
  ec2
    .on(ModifyLaunchTemplateCommand)
    .callsFake((input) => account.handle('ec2', 'ModifyLaunchTemplate', input));
  ec2
    .on(DeleteLaunchTemplateVersionsCommand)
    .callsFake((input) => account.handle('ec2', 'DeleteLaunchTemplateVersions', input));

  return {
    restore: () => {
      autoScaling.restore();
      ec2.restore();
    },
  };
}

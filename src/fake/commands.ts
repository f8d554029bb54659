/**
 * The commands the fake account models, and their types: each handler takes the SDK's own
 * `...CommandInput` and returns its `...CommandOutput` (without `$metadata`, which the transport adds),
 * so a response that drifts from AWS's shape fails `tsc`.
 */
import type {
  CancelInstanceRefreshCommandInput,
  CancelInstanceRefreshCommandOutput,
  DescribeAutoScalingGroupsCommandInput,
  DescribeAutoScalingGroupsCommandOutput,
  DescribeAutoScalingInstancesCommandInput,
  DescribeAutoScalingInstancesCommandOutput,
  DescribeInstanceRefreshesCommandInput,
  DescribeInstanceRefreshesCommandOutput,
  RollbackInstanceRefreshCommandInput,
  RollbackInstanceRefreshCommandOutput,
  StartInstanceRefreshCommandInput,
  StartInstanceRefreshCommandOutput,
  UpdateAutoScalingGroupCommandInput,
  UpdateAutoScalingGroupCommandOutput,
} from '@aws-sdk/client-auto-scaling';
import type {
  CreateLaunchTemplateVersionCommandInput,
  CreateLaunchTemplateVersionCommandOutput,
  DeleteLaunchTemplateVersionsCommandInput,
  DeleteLaunchTemplateVersionsCommandOutput,
  DescribeLaunchTemplatesCommandInput,
  DescribeLaunchTemplatesCommandOutput,
  DescribeLaunchTemplateVersionsCommandInput,
  DescribeLaunchTemplateVersionsCommandOutput,
  ModifyLaunchTemplateCommandInput,
  ModifyLaunchTemplateCommandOutput,
} from '@aws-sdk/client-ec2';
import type {
  SendTaskFailureCommandInput,
  SendTaskFailureCommandOutput,
  SendTaskSuccessCommandInput,
  SendTaskSuccessCommandOutput,
} from '@aws-sdk/client-sfn';

export const EC2_COMMANDS = [
  'DescribeLaunchTemplates',
  'DescribeLaunchTemplateVersions',
  'CreateLaunchTemplateVersion',
  'ModifyLaunchTemplate',
  'DeleteLaunchTemplateVersions',
] as const;
export const AUTO_SCALING_COMMANDS = [
  'DescribeAutoScalingGroups',
  'DescribeAutoScalingInstances',
  'UpdateAutoScalingGroup',
  'StartInstanceRefresh',
  'DescribeInstanceRefreshes',
  'RollbackInstanceRefresh',
  'CancelInstanceRefresh',
] as const;
/** Step Functions' task-token callbacks (the event-driven refresh wait completes its tokens with them). */
export const SFN_COMMANDS = ['SendTaskSuccess', 'SendTaskFailure'] as const;
export type FakeCommandName =
  | (typeof EC2_COMMANDS)[number]
  | (typeof AUTO_SCALING_COMMANDS)[number]
  | (typeof SFN_COMMANDS)[number];

/** Commands that change the account (what "no mutating call was made" is checked against). */
export const MUTATING_COMMANDS: ReadonlySet<FakeCommandName> = new Set<FakeCommandName>([
  'CreateLaunchTemplateVersion',
  'ModifyLaunchTemplate',
  'DeleteLaunchTemplateVersions',
  'UpdateAutoScalingGroup',
  'StartInstanceRefresh',
  'RollbackInstanceRefresh',
  'CancelInstanceRefresh',
]);

/** Each command's SDK input and output types. */
export interface FakeCommandTypes {
  DescribeLaunchTemplates: [DescribeLaunchTemplatesCommandInput, DescribeLaunchTemplatesCommandOutput];
  DescribeLaunchTemplateVersions: [
    DescribeLaunchTemplateVersionsCommandInput,
    DescribeLaunchTemplateVersionsCommandOutput,
  ];
  CreateLaunchTemplateVersion: [
    CreateLaunchTemplateVersionCommandInput,
    CreateLaunchTemplateVersionCommandOutput,
  ];
  ModifyLaunchTemplate: [ModifyLaunchTemplateCommandInput, ModifyLaunchTemplateCommandOutput];
  DeleteLaunchTemplateVersions: [
    DeleteLaunchTemplateVersionsCommandInput,
    DeleteLaunchTemplateVersionsCommandOutput,
  ];
  DescribeAutoScalingGroups: [DescribeAutoScalingGroupsCommandInput, DescribeAutoScalingGroupsCommandOutput];
  DescribeAutoScalingInstances: [
    DescribeAutoScalingInstancesCommandInput,
    DescribeAutoScalingInstancesCommandOutput,
  ];
  UpdateAutoScalingGroup: [UpdateAutoScalingGroupCommandInput, UpdateAutoScalingGroupCommandOutput];
  StartInstanceRefresh: [StartInstanceRefreshCommandInput, StartInstanceRefreshCommandOutput];
  DescribeInstanceRefreshes: [DescribeInstanceRefreshesCommandInput, DescribeInstanceRefreshesCommandOutput];
  RollbackInstanceRefresh: [RollbackInstanceRefreshCommandInput, RollbackInstanceRefreshCommandOutput];
  CancelInstanceRefresh: [CancelInstanceRefreshCommandInput, CancelInstanceRefreshCommandOutput];
  SendTaskSuccess: [SendTaskSuccessCommandInput, SendTaskSuccessCommandOutput];
  SendTaskFailure: [SendTaskFailureCommandInput, SendTaskFailureCommandOutput];
}

export type CommandInput<K extends FakeCommandName> = FakeCommandTypes[K][0];
/** A response as the service returns it; the transport adds `$metadata`. */
export type CommandOutput<K extends FakeCommandName> = Omit<FakeCommandTypes[K][1], '$metadata'>;

/** The modelled behaviour of every command (exhaustive by type). */
export type CommandTable = { [K in FakeCommandName]: (input: CommandInput<K>) => CommandOutput<K> };

export type FakeService = 'ec2' | 'autoscaling' | 'sfn';

export interface FakeCall {
  service: FakeService;
  command: FakeCommandName;
  input: unknown;
  mutating: boolean;
  /** The error name when the call failed (injected or modelled). */
  error?: string;
  /** A fault the plan injected into this call (see FakeAccount.planFaults). */
  fault?: 'throttle' | 'fail-before' | 'lose-response';
  /** The Lambda invocation that made it, in a local run (src/fake/invocation.ts): `<state>#<n>`. */
  invocation?: string;
  /** Refused by an empty token bucket (FakeAccountOptions.tokenBuckets); `error` names the answer. */
  throttled?: boolean;
  /** With token buckets on: when the call arrived, in simulated seconds on the buckets' clock. */
  atSeconds?: number;
}

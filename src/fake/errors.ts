/**
 * Errors under AWS's own names, as the SDK deserialises them, and the faults a test injects.
 */
import {
  ActiveInstanceRefreshNotFoundFault,
  AutoScalingServiceException,
  InstanceRefreshInProgressFault,
  InvalidNextToken,
  IrreversibleInstanceRefreshFault,
  LimitExceededFault,
  ResourceContentionFault,
  ResourceInUseFault,
  ScalingActivityInProgressFault,
} from '@aws-sdk/client-auto-scaling';
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import type { FakeCommandName, FakeService } from './commands.ts';

export type { FakeService } from './commands.ts';

export const metadata = (httpStatusCode: number) => ({
  httpStatusCode,
  requestId: 'fake-request',
  attempts: 1,
});

const AUTO_SCALING_FAULTS = {
  InstanceRefreshInProgress: InstanceRefreshInProgressFault,
  ActiveInstanceRefreshNotFound: ActiveInstanceRefreshNotFoundFault,
  IrreversibleInstanceRefresh: IrreversibleInstanceRefreshFault,
  ResourceContention: ResourceContentionFault,
  LimitExceeded: LimitExceededFault,
  ResourceInUse: ResourceInUseFault,
  ScalingActivityInProgress: ScalingActivityInProgressFault,
  InvalidNextToken: InvalidNextToken,
} as const;

const SERVER_ERRORS = new Set(['InternalFailure', 'InternalError', 'ServiceUnavailable', 'Unavailable']);

/**
 * An error as the SDK would deserialise it. Auto Scaling faults the SDK models get their own class
 * (accepted by wire code, `InstanceRefreshInProgress`, or class name, `InstanceRefreshInProgressFault`);
 * everything else is the service's base exception with `name` = the AWS error code.
 */
export function awsError(service: FakeService, name: string, message?: string): Error {
  const code = name.replace(/Fault$/, '');
  if (service === 'autoscaling' && code in AUTO_SCALING_FAULTS) {
    const Fault = AUTO_SCALING_FAULTS[code as keyof typeof AUTO_SCALING_FAULTS];
    return new Fault({ message: message ?? defaultMessage(code), $metadata: metadata(400) });
  }
  const server = SERVER_ERRORS.has(name);
  // The SDK classifies throttling by error name (Throttling, RequestLimitExceeded), not by a flag.
  const options = {
    name,
    $fault: server ? ('server' as const) : ('client' as const),
    $metadata: metadata(server ? 500 : 400),
    message: message ?? defaultMessage(name),
  };
  return service === 'ec2' ? new EC2ServiceException(options) : new AutoScalingServiceException(options);
}

export function defaultMessage(code: string): string {
  switch (code) {
    // Auto Scaling has one throttle bucket per account and Region and answers "Rate exceeded"
    // (code `Throttling` on its Query API): https://repost.aws/knowledge-center/autoscaling-api-calls-throttled
    case 'Throttling':
      return 'Rate exceeded';
    // EC2's token buckets answer RequestLimitExceeded: https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html
    case 'RequestLimitExceeded':
      return 'Request limit exceeded.';
    default:
      return `${code} (injected by the fake account)`;
  }
}

/** The throttling error code of each service. */
export const THROTTLING: Record<FakeService, string> = {
  ec2: 'RequestLimitExceeded',
  autoscaling: 'Throttling',
};

/** Faults injected before a call touches any state (failNext, throttleEveryCallOnce). */
export class Faults {
  private readonly queued: {
    command: FakeCommandName;
    errorName: string;
    remaining: number;
    message?: string;
  }[] = [];
  private throttleOnce = false;
  private readonly throttled = new Set<string>();

  failNext(command: FakeCommandName, errorName: string, times: number, message?: string): void {
    this.queued.push({ command, errorName, remaining: times, message });
  }

  throttleEveryCallOnce(enabled: boolean): void {
    this.throttleOnce = enabled;
  }

  /** Throws the fault due for this call, if any. */
  inject(service: FakeService, command: FakeCommandName, input: unknown): void {
    const fault = this.queued.find((f) => f.command === command && f.remaining > 0);
    if (fault) {
      fault.remaining -= 1;
      throw awsError(service, fault.errorName, fault.message);
    }
    if (this.throttleOnce) {
      const key = `${command}:${JSON.stringify(input)}`;
      if (!this.throttled.has(key)) {
        this.throttled.add(key);
        throw awsError(service, THROTTLING[service]);
      }
    }
  }
}

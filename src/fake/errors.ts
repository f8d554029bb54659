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
import { InvalidToken, SFNServiceException, TaskDoesNotExist, TaskTimedOut } from '@aws-sdk/client-sfn';
import type { FakeCommandName, FakeService } from './commands.ts';

export type { FakeService } from './commands.ts';

/**
 * `$metadata` as the SDK's deserializer fills it. Through installFakeAccount the SDK's retry middleware
 * then sets `attempts` and `totalRetryDelay` itself; `attempts: 1` is only the default for a direct call.
 */
export const metadata = (httpStatusCode: number, requestId = 'fake-request') => ({
  httpStatusCode,
  requestId,
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

/** The task-token errors of SendTaskSuccess/SendTaskFailure (their API references), as the SDK models them. */
const SFN_ERRORS = { InvalidToken, TaskDoesNotExist, TaskTimedOut } as const;

/**
 * 5xx codes, with their status (500, or 503 for the unavailable ones). EC2 lists RequestLimitExceeded
 * among its server error codes and answers it with a 503
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html; see token-buckets.ts).
 */
const SERVER_ERRORS = new Map([
  ['InternalFailure', 500],
  ['InternalError', 500],
  ['ServiceUnavailable', 503],
  ['Unavailable', 503],
  ['RequestLimitExceeded', 503],
]);

/**
 * An error as the SDK would deserialise it. Auto Scaling faults the SDK models get their own class
 * (accepted by wire code, `InstanceRefreshInProgress`, or class name, `InstanceRefreshInProgressFault`);
 * everything else is the service's base exception with `name` = the AWS error code.
 */
export function awsError(service: FakeService, name: string, message?: string): Error {
  const code = name.replace(/Fault$/, '');
  if (service === 'autoscaling' && code in AUTO_SCALING_FAULTS) {
    const Fault = AUTO_SCALING_FAULTS[code as keyof typeof AUTO_SCALING_FAULTS];
    const fault = new Fault({ message: message ?? defaultMessage(code), $metadata: metadata(400) });
    // The service answers a server fault (ResourceContention) with a 500, as the model's $fault says.
    if (fault.$fault === 'server') fault.$metadata.httpStatusCode = 500;
    return fault;
  }
  if (service === 'sfn' && code in SFN_ERRORS) {
    const Modelled = SFN_ERRORS[code as keyof typeof SFN_ERRORS];
    return new Modelled({ message: message ?? defaultMessage(code), $metadata: metadata(400) });
  }
  const status = SERVER_ERRORS.get(name);
  // The SDK classifies throttling by error name (Throttling, RequestLimitExceeded), not by a flag.
  const options = {
    name,
    $fault: status ? ('server' as const) : ('client' as const),
    $metadata: metadata(status ?? 400),
    message: message ?? defaultMessage(name),
  };
  if (service === 'sfn') return new SFNServiceException(options);
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
  // Step Functions' JSON protocol: https://docs.aws.amazon.com/step-functions/latest/apireference/CommonErrors.html
  sfn: 'ThrottlingException',
};

/**
 * One planned fault:
 * - `throttle`: the service's throttling error (Auto Scaling `Throttling` "Rate exceeded", EC2
 *   `RequestLimitExceeded`), nothing changed;
 * - `fail-before`: a 5xx, nothing changed: `errorName`, by default Auto Scaling's `InternalFailure`
 *   (500, https://docs.aws.amazon.com/autoscaling/ec2/APIReference/CommonErrors.html) or EC2's
 *   `InternalError` (500, https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html);
 *   `Unavailable` / `ServiceUnavailable` give a 503;
 * - `lose-response`: the call takes effect, then the answer is lost: the caller gets the error the
 *   SDK's node HTTP handler raises on a reset socket (`socket hang up`, code `ECONNRESET`, renamed
 *   `TimeoutError`) or, with `network: 'timeout'`, on its requestTimeout (`TimeoutError`, `ETIMEDOUT`).
 *   The SDK's retry strategy treats both as transient (service-error-classification: TRANSIENT_ERROR_CODES
 *   and NODEJS_TIMEOUT_ERROR_CODES).
 * The fault hits the `nth` call of `command` (1-based, counting every attempt that reaches the
 * account, retries included), or every call for which `when` holds (at most `times` of them).
 */
export interface FaultPlanEntry {
  command: FakeCommandName;
  kind: FaultKind;
  nth?: number;
  when?: (call: { input: unknown; nth: number }) => boolean;
  times?: number;
  /** For `fail-before`: the 5xx error code. */
  errorName?: string;
  /** For `lose-response`: a reset socket (default) or a request timeout. */
  network?: 'reset' | 'timeout';
}
export type FaultKind = 'throttle' | 'fail-before' | 'lose-response';

/** The error the SDK's node HTTP handler raises when the connection drops before the answer. */
export function networkError(network: 'reset' | 'timeout' = 'reset'): Error {
  return network === 'reset'
    ? Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' })
    : Object.assign(new Error('a request has exceeded the configured requestTimeout (simulated)'), {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
      });
}

/** Faults injected into calls (failNext, throttleEveryCallOnce, a fault plan). */
export class Faults {
  private readonly plan: (FaultPlanEntry & { fired: number })[] = [];
  private readonly counts = new Map<FakeCommandName, number>();
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

  planFaults(entries: FaultPlanEntry[]): void {
    for (const e of entries) {
      if ((e.nth === undefined) === (e.when === undefined))
        throw new Error(`fault plan entry for ${e.command}: give exactly one of nth and when`);
      if (e.nth !== undefined && (!Number.isInteger(e.nth) || e.nth < 1))
        throw new Error(`fault plan entry for ${e.command}: nth is 1-based`);
      this.plan.push({ ...e, fired: 0 });
    }
  }

  /** Counts the call and picks the planned fault due for it, if any. */
  planned(command: FakeCommandName, input: unknown): FaultPlanEntry | undefined {
    const nth = (this.counts.get(command) ?? 0) + 1;
    this.counts.set(command, nth);
    const entry = this.plan.find(
      (e) =>
        e.command === command &&
        (e.nth !== undefined
          ? e.nth === nth
          : e.fired < (e.times ?? Number.POSITIVE_INFINITY) && e.when?.({ input, nth })),
    );
    if (entry) entry.fired += 1;
    return entry;
  }

  /** Throws the fault due for this call before it touches any state, if any. */
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

/** The error a planned fault that fires before the effect raises. */
export function plannedError(service: FakeService, entry: FaultPlanEntry): Error {
  if (entry.kind === 'throttle') return awsError(service, THROTTLING[service]);
  const name = entry.errorName ?? (service === 'ec2' ? 'InternalError' : 'InternalFailure');
  return awsError(service, name, `${name} (planned by the fake account)`);
}

/**
 * API rate limits the simulated account can enforce: AWS's request token buckets, on a scaled clock.
 * Off unless FakeAccountOptions.tokenBuckets is given, so every other test runs as before.
 *
 * EC2 (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html, "Request rate
 * limiting" and "Request token bucket sizes and refill rates"):
 * - "each API is evaluated individually, and you are throttled on the number of requests you make on
 *   a per-API basis. Each request that you make removes one token from the API's bucket", and
 *   "requests for other API are not affected". The categories only set the figures: "Limits are
 *   applied to individual API actions, not API action categories". So every action has its own
 *   bucket here, with its category's (or its own) capacity and refill rate.
 * - A bucket below its maximum gets its refill rate back every second, never above its maximum;
 *   refill tokens can be used as they arrive.
 * - Figures (maximum capacity / refill per second): CreateLaunchTemplateVersion 100/5 and
 *   ModifyLaunchTemplate 100/5 ("Uncategorized actions", their own figures); DescribeLaunchTemplates
 *   and DescribeLaunchTemplateVersions 100/20 ("Non-mutating actions": the Describe* actions not in
 *   another category); DeleteLaunchTemplateVersions 50/5 ("Mutating actions": it is in no other
 *   category nor in the uncategorized table).
 * - An empty bucket answers `RequestLimitExceeded`, which EC2's error list files under its server
 *   error codes (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html) and
 *   which arrives as HTTP 503 "Request limit exceeded." (as the SDKs report it, e.g.
 *   "Status Code: 503; Error Code: RequestLimitExceeded").
 *
 * Auto Scaling (https://repost.aws/knowledge-center/autoscaling-api-calls-throttled): "all Amazon EC2
 * Auto Scaling API calls have a single, shared API limit" per account and Region, shared with the
 * console, the CLI and every other tool; over it the answer is "Rate exceeded" (code `Throttling`,
 * HTTP 400). AWS publishes no figures: the default below (burst 100, refill 20 per second) is a guess,
 * configurable through `autoScaling`.
 *
 * A refused call takes no token and changes nothing (it is refused before the command runs).
 *
 * Time: the buckets refill on a ScaledClock. With scale k, k simulated seconds pass per wall second,
 * so a bucket with refill r gains r·k tokens per wall second: a run that AWS would pace over 300 s
 * takes 300/k s here, with the same number of calls and throttles as at full speed (as long as the
 * code between calls is fast next to 1/(r·k) s). install.ts puts the SDK's retry backoff and the
 * adaptive rate limiter on the same clock (their waits divided by k), and the local runner divides
 * the definition's Retry intervals by k.
 */
import type { FakeCommandName, FakeService } from './commands.ts';

/** One bucket's figures: its maximum capacity (the burst) and its refill rate per simulated second. */
export interface BucketFigures {
  burst: number;
  refill: number;
}

export interface TokenBucketOptions {
  /** Simulated seconds per wall second (k); default 1 (real time). */
  scale?: number;
  /** The one bucket every Auto Scaling call shares; default { burst: 100, refill: 20 } (a guess). */
  autoScaling?: BucketFigures;
  /** Per EC2 action, instead of the published figure (a test's small bursts). */
  ec2?: Partial<Record<FakeCommandName, BucketFigures>>;
}

/** The published EC2 figures of the actions the account models (see the file comment). */
export const EC2_BUCKETS: Readonly<Partial<Record<FakeCommandName, BucketFigures>>> = {
  CreateLaunchTemplateVersion: { burst: 100, refill: 5 },
  ModifyLaunchTemplate: { burst: 100, refill: 5 },
  DescribeLaunchTemplates: { burst: 100, refill: 20 },
  DescribeLaunchTemplateVersions: { burst: 100, refill: 20 },
  DeleteLaunchTemplateVersions: { burst: 50, refill: 5 },
};

/** Unpublished (see the file comment): a guess, so make it configurable. */
export const AUTO_SCALING_BUCKET: Readonly<BucketFigures> = { burst: 100, refill: 20 };

/**
 * Simulated time, `scale` simulated seconds per wall second, from 0 at construction. Reads the
 * monotonic clock (performance.now), so the system clock moving changes nothing.
 */
export class ScaledClock {
  private readonly origin = performance.now();

  constructor(readonly scale = 1) {
    if (!(scale > 0)) throw new Error(`the token buckets' scale must be a positive number, not ${scale}`);
  }

  /** Simulated seconds since the clock started. */
  seconds(): number {
    return ((performance.now() - this.origin) / 1000) * this.scale;
  }

  /** Waits `simulatedMs` of simulated time, i.e. simulatedMs / scale of wall time. */
  sleep(simulatedMs: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, simulatedMs) / this.scale));
  }
}

/** A token bucket: full at the start, `refill` tokens back per simulated second, never above `burst`. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly figures: BucketFigures,
    private readonly clock: Pick<ScaledClock, 'seconds'>,
  ) {
    this.tokens = figures.burst;
    this.last = clock.seconds();
  }

  /** The tokens in the bucket now (fractional: refill is continuous). */
  available(): number {
    const now = this.clock.seconds();
    this.tokens = Math.min(this.figures.burst, this.tokens + (now - this.last) * this.figures.refill);
    this.last = now;
    return this.tokens;
  }

  /** Takes one token if there is one; a refusal takes nothing. */
  take(): boolean {
    if (this.available() < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Every bucket of the account: one per modelled EC2 action, one shared by all of Auto Scaling. */
export class TokenBuckets {
  readonly clock: ScaledClock;
  private readonly ec2 = new Map<FakeCommandName, TokenBucket>();
  private readonly autoScaling: TokenBucket;

  constructor(options: TokenBucketOptions = {}) {
    this.clock = new ScaledClock(options.scale ?? 1);
    for (const [command, published] of Object.entries(EC2_BUCKETS) as [FakeCommandName, BucketFigures][]) {
      this.ec2.set(command, new TokenBucket(options.ec2?.[command] ?? published, this.clock));
    }
    this.autoScaling = new TokenBucket(options.autoScaling ?? AUTO_SCALING_BUCKET, this.clock);
  }

  /** The bucket a call draws from, or undefined for a call no bucket limits (the task-token callbacks). */
  bucketOf(service: FakeService, command: FakeCommandName): TokenBucket | undefined {
    if (service === 'autoscaling') return this.autoScaling;
    return service === 'ec2' ? this.ec2.get(command) : undefined;
  }

  /** Takes the call's token; false: its bucket is empty and the call must be refused. */
  take(service: FakeService, command: FakeCommandName): boolean {
    return this.bucketOf(service, command)?.take() ?? true;
  }
}

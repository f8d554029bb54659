/**
 * The SDK's own retry waits, on the token buckets' scaled clock (./token-buckets.ts), for a simulated
 * account that enforces them. Every decision (retry or not, how long to back off, how fast to send)
 * is computed by @smithy/core/retry exactly as against AWS; only the waiting is scaled, so a wait of
 * d simulated ms takes d / k wall ms, the same ratio at which the buckets refill faster:
 *
 * - Backoff: StandardRetryStrategy asks its backoff strategy for the delay (DefaultRetryBackoffStrategy:
 *   full jitter, 1 s base for throttling and 50 ms otherwise, doubling, capped at 20 s) and sleeps that
 *   long. scaledBackoff wraps the SDK's own strategy and answers that delay divided by k, so the sleep
 *   is the simulated delay in wall time. (`$metadata.totalRetryDelay` then reports wall ms.)
 * - Adaptive mode: DefaultRateLimiter (a token bucket of its own, filled at a rate it adapts with
 *   CUBIC on every success and throttle) reads time through getCurrentTimeInSeconds and, in
 *   acquireTokenBucket, sleeps (missing tokens / fill rate) seconds. scaledRateLimiter reads the
 *   scaled clock there, so the rates it measures and sets are per simulated second, comparable to the
 *   buckets' refill, and sleeps the same computed delay on that clock (wall time / k).
 * Both members are private in the SDK's typings, not at run time; the cast below names them.
 */
import { DefaultRateLimiter, StandardRetryStrategy } from '@smithy/core/retry';
import type { StandardRetryBackoffStrategy } from '@smithy/types';
import type { ScaledClock } from './token-buckets.ts';

/** The SDK's backoff (its computation, its jitter), answering delays in wall ms on `clock`. */
export function scaledBackoff(clock: ScaledClock): StandardRetryBackoffStrategy {
  const sdk = sdkBackoff();
  return {
    computeNextBackoffDelay: (retries) => sdk.computeNextBackoffDelay(retries) / clock.scale,
    setDelayBase: (delay) => sdk.setDelayBase(delay),
  };
}

/**
 * A fresh copy of the backoff strategy the SDK uses by default: the package exports
 * DefaultRetryBackoffStrategy only through the strategy that builds one when given none.
 */
function sdkBackoff(): StandardRetryBackoffStrategy {
  const built = new StandardRetryStrategy(1) as unknown as {
    retryBackoffStrategy?: StandardRetryBackoffStrategy;
  };
  const backoff = built.retryBackoffStrategy;
  if (!backoff)
    throw new Error('@smithy/core/retry changed: StandardRetryStrategy has no retryBackoffStrategy');
  return backoff;
}

/** DefaultRateLimiter's run-time members that the scaled limiter replaces or reads. */
interface RateLimiterInternals {
  getSendToken(): Promise<void>;
  updateClientSendingRate(response: unknown): void;
  getCurrentTimeInSeconds(): number;
  acquireTokenBucket(amount: number): Promise<void>;
  refillTokenBucket(): void;
  enabled: boolean;
  availableTokens: number;
  fillRate: number;
}
const RateLimiterBase = DefaultRateLimiter as unknown as new () => RateLimiterInternals;

/** The SDK's adaptive rate limiter, reading and sleeping on `clock`. */
export function scaledRateLimiter(clock: ScaledClock): DefaultRateLimiter {
  // Declared inside so the clock is in scope from the first reading: the base constructor reads the
  // time before any field of a subclass would be set.
  class ScaledRateLimiter extends RateLimiterBase {
    override getCurrentTimeInSeconds(): number {
      return clock.seconds();
    }

    /** DefaultRateLimiter.acquireTokenBucket (@smithy/core 3.x), line for line, but the sleep is on `clock`. */
    override async acquireTokenBucket(amount: number): Promise<void> {
      if (!this.enabled) return;
      this.refillTokenBucket();
      while (amount > this.availableTokens) {
        await clock.sleep(((amount - this.availableTokens) / this.fillRate) * 1000);
        this.refillTokenBucket();
      }
      this.availableTokens -= amount;
    }
  }
  return new ScaledRateLimiter() as unknown as DefaultRateLimiter;
}

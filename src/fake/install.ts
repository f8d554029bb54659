/**
 * Plugs a FakeAccount into the AWS SDK: every AutoScalingClient, EC2Client and SFNClient (all instances,
 * including the module-scope ones in src/clients/*.ts) answers its commands from the account, so
 * steps, handlers and the local runner run unchanged. A command the fake does not model fails loudly.
 *
 * The account sits inside each client's middleware stack, at the `deserialize` step with priority
 * `high`: after the command is serialised (and signed, with placeholder credentials) and inside the
 * retry loop (`retryMiddleware`, step `finalizeRequest`), in place of the HTTP handler and the
 * deserializer. So the SDK's own retry strategy (maxAttempts, standard or adaptive mode, the retry
 * quota, its classification of throttling and transient errors) runs against the fake, and callers
 * get the SDK's exception classes with `$metadata.attempts` as the SDK counts them.
 *
 * Retry pauses are cut to zero, not skipped: while installed, a client's `retryStrategy` is the SDK's
 * own StandardRetryStrategy (or AdaptiveRetryStrategy in adaptive mode) built with the client's
 * maxAttempts and a backoff strategy that always answers 0 ms (the `backoff` option of
 * @smithy/core/retry's StandardRetryStrategy); in adaptive mode its DefaultRateLimiter still measures
 * and adapts its rate but never sleeps (see InstantRateLimiter). Every retry decision stays the SDK's.
 * When the account enforces token buckets (a rate to respect), the pauses are the SDK's own instead,
 * on the buckets' scaled clock: its backoff divided by the scale, and its adaptive rate limiter
 * reading and sleeping on that clock (./scaled-retry.ts).
 *
 * The client's middleware is added lazily, the first time a client sends while an account is
 * installed (AutoScalingClient/EC2Client.prototype.send are wrapped once), and removed on restore.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { HttpResponse } from '@smithy/core/protocols';
import { AdaptiveRetryStrategy, DefaultRateLimiter, StandardRetryStrategy } from '@smithy/core/retry';
import type {
  AwsCredentialIdentity,
  DeserializeHandlerArguments,
  DeserializeHandlerOutput,
  DeserializeMiddleware,
  HandlerExecutionContext,
  MetadataBearer,
  Provider,
  RetryStrategyV2,
  StandardRetryBackoffStrategy,
} from '@smithy/types';
import type { FakeAccount } from './account.ts';
import {
  AUTO_SCALING_COMMANDS,
  type CommandInput,
  EC2_COMMANDS,
  type FakeCommandName,
  type FakeService,
  SFN_COMMANDS,
} from './commands.ts';
import { configureOffline } from './offline-client.ts';
import { scaledBackoff, scaledRateLimiter } from './scaled-retry.ts';

/** Thrown for an SDK command the fake account does not model. */
export class UnmodelledCommandError extends Error {
  override readonly name = 'UnmodelledCommandError';
  constructor(service: string, command: string) {
    super(
      `The fake AWS account does not model ${service} ${command}; add it to src/fake/ (see commands.ts) or avoid calling it`,
    );
  }
}

/** The middleware's name in each client's stack. */
export const FAKE_ACCOUNT_MIDDLEWARE = 'fakeAccountMiddleware';

/** What install.ts touches on a client: its stack and the config fields it swaps while installed. */
interface SimulatedClient {
  middlewareStack: AutoScalingClient['middlewareStack'];
  config: {
    credentials?: unknown;
    region?: unknown;
    useFipsEndpoint?: unknown;
    retryStrategy?: unknown;
    maxAttempts?: unknown;
    retryMode?: unknown;
  };
}

type Send = (this: SimulatedClient, ...args: unknown[]) => unknown;

const SERVICES: {
  Client: { prototype: object };
  service: FakeService;
  modelled: readonly FakeCommandName[];
}[] = [
  { Client: AutoScalingClient, service: 'autoscaling', modelled: AUTO_SCALING_COMMANDS },
  { Client: EC2Client, service: 'ec2', modelled: EC2_COMMANDS },
  // The task-token callbacks only: the event-driven refresh wait's handlers complete the tokens the
  // local runner's simulated Step Functions issued (src/fake/task-tokens.ts).
  { Client: SFNClient, service: 'sfn', modelled: SFN_COMMANDS },
];

const SERVICE_NAMES: Record<FakeService, string> = {
  ec2: 'EC2',
  autoscaling: 'Auto Scaling',
  sfn: 'Step Functions',
};

/** Placeholders so the SDK can sign offline; nothing is ever sent. */
const PLACEHOLDER_CREDENTIALS: AwsCredentialIdentity = {
  accessKeyId: 'AKIAFAKEACCOUNT00000',
  secretAccessKey: 'fake-account-secret-key-not-a-credential',
};

let active: FakeAccount | undefined;
let attached = new WeakSet<object>();
const attachedRefs: { ref: WeakRef<SimulatedClient>; saved: SimulatedClient['config'] }[] = [];
const savedSend = new Map<object, PropertyDescriptor | undefined>();

/**
 * Routes the SDK clients to `account` until the returned `restore()` is called.
 * Installing again replaces the previous installation.
 */
export function installFakeAccount(account: FakeAccount): { restore: () => void } {
  if (active) uninstall();
  active = account;
  for (const { Client, service, modelled } of SERVICES) {
    const proto = Client.prototype as { send: Send };
    if (savedSend.has(proto)) continue;
    savedSend.set(proto, Object.getOwnPropertyDescriptor(proto, 'send'));
    const original = proto.send;
    proto.send = function send(this: SimulatedClient, ...args: unknown[]) {
      if (active && !attached.has(this)) attach(this, service, modelled);
      return original.apply(this, args);
    };
  }
  let restored = false;
  return {
    restore: () => {
      if (restored || active !== account) return;
      restored = true;
      uninstall();
    },
  };
}

function uninstall(): void {
  active = undefined;
  for (const { ref, saved } of attachedRefs.splice(0)) {
    const client = ref.deref();
    if (!client) continue;
    client.middlewareStack.remove(FAKE_ACCOUNT_MIDDLEWARE);
    Object.assign(client.config, saved);
  }
  attached = new WeakSet();
  for (const [proto, descriptor] of savedSend) {
    if (descriptor) Object.defineProperty(proto, 'send', descriptor);
    else delete (proto as { send?: unknown }).send;
  }
  savedSend.clear();
}

function attach(client: SimulatedClient, service: FakeService, modelled: readonly FakeCommandName[]): void {
  const { config } = client;
  const saved = {
    credentials: config.credentials,
    region: config.region,
    useFipsEndpoint: config.useFipsEndpoint,
    retryStrategy: config.retryStrategy,
  };
  configureOffline(config, { credentials: PLACEHOLDER_CREDENTIALS, fallbackRegion: 'eu-west-1' });
  config.retryStrategy = simulatedRetryStrategy(config);
  client.middlewareStack.add(fakeAccountMiddleware(service, modelled), {
    step: 'deserialize',
    priority: 'high',
    name: FAKE_ACCOUNT_MIDDLEWARE,
    tags: ['FAKE_ACCOUNT'],
    override: true,
  });
  attached.add(client);
  attachedRefs.push({ ref: new WeakRef(client), saved });
}

/** Answers each attempt from the installed account instead of sending it. */
function fakeAccountMiddleware(
  service: FakeService,
  modelled: readonly FakeCommandName[],
): DeserializeMiddleware<object, MetadataBearer> {
  return (next, context: HandlerExecutionContext) =>
    async (args: DeserializeHandlerArguments<object>): Promise<DeserializeHandlerOutput<MetadataBearer>> => {
      const account = active;
      if (!account) return next(args);
      const name = (context.commandName ?? '').replace(/Command$/, '');
      const command = modelled.find((m) => m === name);
      if (!command) throw new UnmodelledCommandError(SERVICE_NAMES[service], name);
      const input = withIdempotencyToken(args);
      const output = await account.handle(service, command, input as CommandInput<FakeCommandName>);
      const requestId = output.$metadata.requestId;
      return {
        output: { ...output, $metadata: { httpStatusCode: 200, requestId } },
        response: new HttpResponse({ statusCode: 200, headers: { 'x-amzn-requestid': requestId }, body: '' }),
      };
    };
}

/**
 * The command input, plus the ClientToken the SDK generated when the caller gave none (an
 * idempotencyToken member is filled in while serialising, so it is only in the request body).
 */
function withIdempotencyToken(args: DeserializeHandlerArguments<object>): object {
  const input = args.input as { ClientToken?: string };
  if (input.ClientToken !== undefined) return input;
  const body = (args.request as { body?: unknown } | undefined)?.body;
  const token = typeof body === 'string' ? new URLSearchParams(body).get('ClientToken') : null;
  return token ? { ...input, ClientToken: token } : input;
}

const ZERO_BACKOFF: StandardRetryBackoffStrategy = {
  computeNextBackoffDelay: () => 0,
  setDelayBase: () => {},
};

/**
 * The adaptive mode's rate limiter, measuring and adapting as the SDK's does, without waiting for
 * send tokens (a simulated run has no real rate to respect).
 */
class InstantRateLimiter extends DefaultRateLimiter {
  override async getSendToken(): Promise<void> {}
}

/** The client's retry strategy (its mode and maxAttempts); one per client (its retry quota). */
function simulatedRetryStrategy(config: SimulatedClient['config']): Provider<RetryStrategyV2> {
  // The account's token buckets, when on, set the clock the SDK waits on (./scaled-retry.ts);
  // without them nothing limits the rate, so the waits are cut to zero.
  const clock = active?.tokenBuckets?.clock;
  let strategy: Promise<RetryStrategyV2> | undefined;
  const resolve = async (v: unknown): Promise<unknown> => (typeof v === 'function' ? v() : v);
  return () => {
    strategy ??= (async () => {
      const maxAttempts = Number((await resolve(config.maxAttempts)) ?? 3);
      const mode = await resolve(config.retryMode);
      const backoff = clock ? scaledBackoff(clock) : ZERO_BACKOFF;
      return mode === 'adaptive'
        ? new AdaptiveRetryStrategy(maxAttempts, {
            maxAttempts,
            backoff,
            rateLimiter: clock ? scaledRateLimiter(clock) : new InstantRateLimiter(),
          })
        : new StandardRetryStrategy({ maxAttempts, backoff });
    })();
    return strategy;
  };
}

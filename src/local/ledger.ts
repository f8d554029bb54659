/**
 * The run ledger for local runs: dynalite (a DynamoDB implementation on LevelDB, here in memory)
 * listening on a loopback port, with the ledger's table, and every DynamoDBClient (the handlers'
 * module-scope one included) pointed at it over HTTP while routed. So the real
 * @aws-sdk/client-dynamodb serialises, signs (with placeholder credentials), sends, retries and
 * parses every ledger call as it would against DynamoDB; nothing is mocked. The simulated account
 * (src/fake/install.ts) takes only the Auto Scaling and EC2 clients, never this one.
 *
 * dynalite implements the item API and conditions, not TTL deletion (nor UpdateTimeToLive): the
 * ledger never relies on TTL deleting anything (src/ledger/lock-item.ts), so that changes nothing.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AwsCredentialIdentity } from '@smithy/types';
import { configureOffline } from '../fake/offline-client.ts';
import { ledgerTableDefinition } from '../ledger/table.ts';

/** The table local runs use (any name works; this one reads as what it is). */
export const LOCAL_LEDGER_TABLE = 'asg-patcher-local-ledger';

/** Placeholders so the SDK can sign; dynalite checks no signature. */
const PLACEHOLDER_CREDENTIALS: AwsCredentialIdentity = {
  accessKeyId: 'AKIALOCALLEDGER00000',
  secretAccessKey: 'local-ledger-secret-key-not-a-credential',
};

export interface LocalLedger {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  tableName: string;
  /** A client of its own on the endpoint (for tests and tools that read the ledger directly). */
  client: DynamoDBClient;
  /**
   * Points every DynamoDBClient at this ledger (each on its first send) until `restore()`, which
   * puts back the routing it replaced, if any. Routing again to the ledger already routed changes
   * nothing (its restore is a no-op).
   */
  route(): { restore: () => void };
  /** Closes the server (and its connections); the table's items are gone. */
  stop(): Promise<void>;
}

/** Starts dynalite on a free loopback port and creates the ledger's table in it. */
export async function startLocalLedger(tableName: string = LOCAL_LEDGER_TABLE): Promise<LocalLedger> {
  // Loaded only here: the deployed functions and live runs never load dynalite.
  const { default: dynalite } = await import('dynalite');
  // Tables ACTIVE at once (dynalite keeps them CREATING for 500 ms by default).
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: PLACEHOLDER_CREDENTIALS,
    maxAttempts: 3,
  });
  // Its own server always, even while another ledger is routed (a dry run inside a test's ledger).
  unroutable.add(client);
  try {
    await client.send(new CreateTableCommand(ledgerTableDefinition(tableName)));
  } catch (error) {
    await close(server, client);
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    tableName,
    client,
    route: () => routeDynamoDb(endpoint),
    stop: () => {
      stopped ??= close(server, client);
      return stopped;
    },
  };
}

async function close(server: Server, client: DynamoDBClient): Promise<void> {
  client.destroy();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Keep-alive sockets of the routed clients would hold the close up.
    server.closeAllConnections();
  });
}

// ---------------------------------------------------------------------------------------------
// Routing: DynamoDBClient.prototype.send is wrapped while routed; a client's config is pointed at
// the ledger on its first send and put back on restore (as src/fake/install.ts does for its clients).
// ---------------------------------------------------------------------------------------------

interface RoutedConfig {
  endpoint?: unknown;
  isCustomEndpoint?: unknown;
  credentials?: unknown;
  region?: unknown;
  useFipsEndpoint?: unknown;
}
type Send = (this: { config: RoutedConfig }, ...args: unknown[]) => unknown;

let routedTo: string | undefined;
let routed = new WeakSet<object>();
/** Each local ledger's own client, which speaks to its server whatever is routed. */
const unroutable = new WeakSet<object>();
const routedRefs: { ref: WeakRef<{ config: RoutedConfig }>; saved: RoutedConfig }[] = [];
let savedSend: PropertyDescriptor | undefined | null = null;

/**
 * Routings nest: a test routes to its ledger, then a run started inside it routes to its own and,
 * on restore, puts the test's back. Routing again to the ledger already routed changes nothing.
 */
function routeDynamoDb(endpoint: string): { restore: () => void } {
  if (routedTo === endpoint) return { restore: () => {} };
  const previous = routedTo;
  if (previous) unroute();
  install(endpoint);
  let restored = false;
  return {
    restore: () => {
      if (restored || routedTo !== endpoint) return;
      restored = true;
      unroute();
      if (previous) install(previous);
    },
  };
}

function install(endpoint: string): void {
  routedTo = endpoint;
  const proto = DynamoDBClient.prototype as unknown as { send: Send };
  savedSend = Object.getOwnPropertyDescriptor(proto, 'send');
  const original = proto.send;
  proto.send = function send(this: { config: RoutedConfig }, ...args: unknown[]) {
    if (routedTo && !routed.has(this) && !unroutable.has(this)) point(this, routedTo);
    return original.apply(this, args);
  };
}

function point(client: { config: RoutedConfig }, endpoint: string): void {
  const { config } = client;
  const saved = {
    endpoint: config.endpoint,
    isCustomEndpoint: config.isCustomEndpoint,
    credentials: config.credentials,
    region: config.region,
    useFipsEndpoint: config.useFipsEndpoint,
  };
  const url = new URL(endpoint);
  // A custom endpoint, as `new DynamoDBClient({ endpoint })` would resolve it.
  config.endpoint = async () => ({
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
  });
  config.isCustomEndpoint = true;
  // A Region only names the endpoint, which is ours.
  configureOffline(config, { credentials: PLACEHOLDER_CREDENTIALS, fallbackRegion: 'us-east-1' });
  routed.add(client);
  routedRefs.push({ ref: new WeakRef(client), saved });
}

function unroute(): void {
  routedTo = undefined;
  for (const { ref, saved } of routedRefs.splice(0)) {
    const client = ref.deref();
    if (client) Object.assign(client.config, saved);
  }
  routed = new WeakSet();
  const proto = DynamoDBClient.prototype as unknown as { send?: Send };
  if (savedSend) Object.defineProperty(proto, 'send', savedSend);
  else delete proto.send;
  savedSend = null;
}

/**
 * What an SDK client needs to run without AWS: credentials it can sign with, and a Region (and FIPS
 * setting) that always resolve. Shared by the simulated account (install.ts: the calls never leave
 * the process) and the local run ledger (src/local/ledger.ts: the calls go to dynalite on loopback).
 */
import type { AwsCredentialIdentity } from '@smithy/types';

/** The client config fields this swaps; the caller saves them first and puts them back. */
export interface OfflineClientConfig {
  credentials?: unknown;
  region?: unknown;
  useFipsEndpoint?: unknown;
}

/**
 * Gives the client placeholder credentials, its own Region or else `fallbackRegion` (a module-scope
 * client built without one must still resolve an endpoint, which is never AWS's), and its own FIPS
 * setting or else none.
 */
export function configureOffline(
  config: OfflineClientConfig,
  offline: { credentials: AwsCredentialIdentity; fallbackRegion: string },
): void {
  const { region, useFipsEndpoint } = config;
  config.credentials = async () => offline.credentials;
  config.region = async () => {
    try {
      const value = typeof region === 'function' ? await region() : region;
      if (typeof value === 'string' && value) return value;
    } catch {
      // "Region is missing": fall through.
    }
    return offline.fallbackRegion;
  };
  // The SDK's resolveRegionConfig asks the configured Region again for FIPS.
  config.useFipsEndpoint = async () => {
    try {
      return typeof useFipsEndpoint === 'function' ? await useFipsEndpoint() : Boolean(useFipsEndpoint);
    } catch {
      return false;
    }
  };
}

/** Small helpers shared by the fake account's resources. */

export const isNumbered = (v: string | undefined): boolean => v !== undefined && /^[1-9]\d*$/.test(v);
export const iso = (d: Date): string => d.toISOString();
export const clone = <T>(v: T): T => structuredClone(v);

export function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.map(String) : undefined;
}

/** JSON with object keys sorted, so two requests compare by content, not key order. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
}

/** What every simulated resource shares: the clock and the account's identity. */
export interface FakeContext {
  now: () => Date;
  accountId: string;
  region: string;
}

/**
 * Composes a launch template's user data: our patch script first, the customer's content kept
 * byte for byte after it. FIRST VERSION (interface fixed; the user-data issue replaces the body).
 */
import type { PatchOptions } from '../schemas.ts';

export interface ComposedUserData {
  /** The new UserData, base64, ready for CreateLaunchTemplateVersion. */
  base64: string;
  /** Decoded size of the existing user data, in bytes (0 when absent). */
  bytesBefore: number;
  /** Decoded size of the composed user data, in bytes (what EC2's 16 KB limit applies to). */
  bytesAfter: number;
  /** True when the existing user data already is exactly what we would compose. */
  alreadyCurrent: boolean;
  /** One line a part: type, size, ours or the customer's. */
  summary: string;
}

/**
 * @param existing the current UserData (base64), or undefined when the version has none
 * @throws WindowsUserDataError, UnsupportedUserDataError, UserDataTooLargeError
 */
export function composeUserData(existing: string | undefined, options: PatchOptions): ComposedUserData {
  const before = existing ? Buffer.from(existing, 'base64') : Buffer.alloc(0);
  const marker = `#!/bin/bash\n# asg-patcher managed part: updates=${options.updates} timeSync=${options.timeSync}\n`;
  const ours = Buffer.from(marker);
  const customer = before.subarray(0, before.indexOf(ours) === 0 ? 0 : before.length);
  const after = before.indexOf(ours) === 0 ? before : Buffer.concat([ours, customer]);
  return {
    base64: after.toString('base64'),
    bytesBefore: before.length,
    bytesAfter: after.length,
    alreadyCurrent: after.equals(before),
    summary: `ours ${ours.length} B + existing ${customer.length} B`,
  };
}

/**
 * User data written by the seed script (the one-shot Python tool this project replaces): a bash
 * script whose managed block ends at the line `# 3) Existing userdata (if any)`, then a newline
 * (`script + "\n" + existing`), then the customer's old user data decoded as UTF-8.
 */

const SEED_START = '#!/bin/bash\n';
const SEED_STEPS = ['# 1) Apply all security updates', '# 2) Configure NTP to AWS NTP server'];
const SEED_END = '\n# 3) Existing userdata (if any)\n';

/**
 * The customer's old content when `bytes` was written by the seed script, else undefined.
 * The seed's block (its own update and NTP commands) is dropped: our script replaces it.
 */
export function stripSeedBlock(bytes: Buffer): Buffer | undefined {
  const text = bytes.toString('latin1');
  if (!text.startsWith(SEED_START)) return undefined;
  const end = text.indexOf(SEED_END);
  if (end === -1) return undefined;
  const block = text.slice(0, end);
  if (!SEED_STEPS.every((step) => block.includes(`\n${step}`))) return undefined;
  let rest = end + SEED_END.length;
  // The seed joined its block and the old user data with one more newline.
  if (bytes[rest] === 0x0a) rest += 1;
  return bytes.subarray(rest);
}

/**
 * User data written by the seed script (the one-shot Python tool this project replaces, in
 * ../shared/seed/): `build_user_data` decodes the old user data as UTF-8 (anything that does not
 * decode, gzip included, becomes ""), and writes `SEED_BLOCK + "\n" + existing`. So the seed's
 * output is always its block at the very start, then one newline, then the old user data byte for
 * byte; run again, it wraps its own output (block, block, content) or ours (block, our archive).
 * test/userdata/seed-script.test.ts runs that Python function to check this.
 */
import { UnsupportedUserDataError } from '../errors.ts';

/** The seed's managed block, exactly as its script literal writes it (LF). */
export const SEED_BLOCK = `#!/bin/bash
# 1) Apply all security updates
if command -v yum >/dev/null 2>&1; then
  yum update -y
elif command -v apt-get >/dev/null 2>&1; then
  apt-get update && apt-get upgrade -y
fi

# 2) Configure NTP to AWS NTP server (169.254.169.123)
if [ -f /etc/chrony.conf ]; then
  sed -i 's/^pool /#pool /g' /etc/chrony.conf
  echo "server 169.254.169.123 prefer iburst" >> /etc/chrony.conf
  systemctl enable chronyd
  systemctl restart chronyd
elif [ -f /etc/ntp.conf ]; then
  sed -i 's/^server /#server /g' /etc/ntp.conf
  echo "server 169.254.169.123 prefer iburst" >> /etc/ntp.conf
  systemctl enable ntpd
  systemctl restart ntpd
fi

# 3) Existing userdata (if any)
`;

const SEED_LAST_LINE = '# 3) Existing userdata (if any)';

/**
 * The block with LF or (pasted into a CRLF MIME part by a customer's tooling; cloud-init's shell
 * handler runs it the same) CRLF line endings, and its first two lines (to spot an edited block).
 */
const WRAPPERS = ['\n', '\r\n'].map((eol) => ({
  eol,
  block: Buffer.from(SEED_BLOCK.replaceAll('\n', eol)),
  start: Buffer.from(SEED_BLOCK.split('\n', 2).join(eol) + eol),
}));

/**
 * The content after the seed's block when `bytes` starts with it (the block and the newline the
 * seed joined it with dropped: our script replaces it), else undefined. One block: the caller
 * unwraps the seed run over its own output by calling again.
 * @throws UnsupportedUserDataError when the bytes start like the seed's block and end it with its
 * last line, but the block differs (edited by hand): dropping it could drop the customer's lines
 */
export function stripSeedBlock(bytes: Buffer, where = 'the user data'): Buffer | undefined {
  for (const { eol, block, start } of WRAPPERS) {
    if (bytes.subarray(0, block.length).equals(block)) {
      const rest = bytes.subarray(block.length);
      // The newline the seed joins with (`script + "\n" + existing`), when it is there.
      return rest.subarray(0, eol.length).equals(Buffer.from(eol)) ? rest.subarray(eol.length) : rest;
    }
    if (!bytes.subarray(0, start.length).equals(start)) continue;
    if (!bytes.includes(`${eol}${SEED_LAST_LINE}${eol}`)) continue;
    throw new UnsupportedUserDataError(
      `${where} starts with the seed script's block (its lines up to "${SEED_LAST_LINE}") but differs from the block the seed writes, so it was edited by hand; move any lines you added to after "${SEED_LAST_LINE}" and delete the rest of the block (asg-patcher's script does what it did), or restore the launch template version the seed wrote`,
    );
  }
  return undefined;
}

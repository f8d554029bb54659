/**
 * User-data composer figures: throughput of composeUserData and the sizes it produces for typical
 * inputs, against EC2's 16,384-byte raw limit, and how much plain (readable) customer content
 * fits beside our gzip part. `npx tsx bench/userdata.ts`, or called from bench/run.ts through
 * `printUserDataBench()`. Every number is measured on this machine.
 */
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { deterministicGzip } from '../src/userdata/archive.ts';
import { composeUserData, USER_DATA_LIMIT_BYTES } from '../src/userdata/compose.ts';
import { renderPatchScript } from '../src/userdata/script.ts';

const OPTIONS = { updates: 'security', timeSync: true } as const;

export interface UserDataBenchRow {
  input: string;
  inputBytes: number;
  /** Raw bytes EC2 stores (what the limit applies to). */
  outputBytes: number;
  archiveBytes: number;
  base64Bytes: number;
  /** True when the whole archive is stored gzipped (still over the limit with our part gzipped). */
  gzipped: boolean;
  /** Bytes our part takes in the archive, headers included. */
  scriptPartBytes: number;
  /** Compositions per second (single thread). */
  perSecond: number;
  /** Mean microseconds per composition. */
  meanMicros: number;
}

function typicalInputs(): [string, Buffer][] {
  const shell = Buffer.from(
    `#!/bin/bash\nset -euo pipefail\n${'yum install -y nginx amazon-cloudwatch-agent\nsystemctl enable --now nginx\n'.repeat(20)}`,
  );
  const cloudConfig = Buffer.from(
    `#cloud-config\npackages: [nginx, jq]\nwrite_files:\n${'  - path: /etc/app/conf.d/x.conf\n    content: |\n      key=value\n'.repeat(30)}`,
  );
  const mime = Buffer.from(
    [
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="==b=="',
      '',
      '--==b==',
      'Content-Type: text/cloud-config',
      '',
      cloudConfig.toString(),
      '--==b==',
      'Content-Type: text/x-shellscript',
      '',
      shell.toString(),
      '--==b==--',
      '',
    ].join('\r\n'),
  );
  const eks = Buffer.from(
    `#!/bin/bash\n/etc/eks/bootstrap.sh my-cluster --kubelet-extra-args '--node-labels=role=worker'\n`,
  );
  const large = Buffer.from(
    `#!/bin/bash\n${'# configuration comment line that compresses well\necho step\n'.repeat(180)}`,
  );
  return [
    ['no user data', Buffer.alloc(0)],
    ['EKS bootstrap one-liner', eks],
    [`shell script ${shell.length} B`, shell],
    [`#cloud-config ${cloudConfig.length} B`, cloudConfig],
    [`MIME (CRLF) ${mime.length} B`, mime],
    [`gzip of the MIME (${gzipSync(mime).length} B)`, gzipSync(mime)],
    [`large shell script ${large.length} B`, large],
  ];
}

function measure(existing: string | undefined, minMillis = 300): { perSecond: number; meanMicros: number } {
  for (let i = 0; i < 20; i++) composeUserData(existing, OPTIONS); // warm up
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMillis) {
    composeUserData(existing, OPTIONS);
    n++;
    elapsed = performance.now() - start;
  }
  return { perSecond: Math.round((n / elapsed) * 1000), meanMicros: Math.round((elapsed / n) * 1000) };
}

export function benchUserData(): UserDataBenchRow[] {
  return typicalInputs().map(([input, bytes]) => {
    const existing = bytes.length > 0 ? bytes.toString('base64') : undefined;
    const composed = composeUserData(existing, OPTIONS);
    return {
      input,
      inputBytes: bytes.length,
      outputBytes: composed.bytesAfter,
      archiveBytes: composed.archive.length,
      base64Bytes: composed.base64.length,
      gzipped: composed.gzipped,
      scriptPartBytes: composed.parts[0]?.encodedBytes ?? 0,
      ...measure(existing),
    };
  });
}

/** Sizes that do not depend on the customer's content. */
export interface UserDataBenchFixed {
  scriptBytes: number;
  scriptGzipBytes: number;
  /** Our part in the archive: headers and base64 of the gzip. */
  scriptPartBytes: number;
  /** The archive with no customer content. */
  emptyArchiveBytes: number;
  /**
   * The largest plain shell script (ASCII, LF) a customer can have with the archive not gzipped
   * whole: found by composing, not estimated.
   */
  maxPlainCustomerBytes: number;
}

export function userDataBenchFixed(): UserDataBenchFixed {
  const script = renderPatchScript(OPTIONS);
  const empty = composeUserData(undefined, OPTIONS);
  const plainFits = (size: number) => {
    const body = Buffer.from(`#!/bin/sh\n${'x'.repeat(Math.max(0, size - 11))}\n`);
    return !composeUserData(body.toString('base64'), OPTIONS).gzipped;
  };
  let [lo, hi] = [11, USER_DATA_LIMIT_BYTES];
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (plainFits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return {
    scriptBytes: Buffer.byteLength(script),
    scriptGzipBytes: deterministicGzip(Buffer.from(script)).length,
    scriptPartBytes: empty.parts[0]?.encodedBytes ?? 0,
    emptyArchiveBytes: empty.bytesAfter,
    maxPlainCustomerBytes: lo,
  };
}

export function printUserDataBench(
  rows: UserDataBenchRow[] = benchUserData(),
  fixed: UserDataBenchFixed = userDataBenchFixed(),
): void {
  console.log('## User data composer (composeUserData, updates=security timeSync=true)');
  console.log(
    `patch script: ${fixed.scriptBytes} B raw, ${fixed.scriptGzipBytes} B gzipped; our part in the archive ` +
      `(gzip, base64, headers): ${fixed.scriptPartBytes} B; archive with no customer content: ` +
      `${fixed.emptyArchiveBytes} B; EC2 limit ${USER_DATA_LIMIT_BYTES} B raw`,
  );
  console.log(
    `room for plain (readable) customer content: a shell script of up to ${fixed.maxPlainCustomerBytes} B ` +
      'keeps the archive ungzipped; past that the whole archive is gzipped',
  );
  const header = [
    'input',
    'in B',
    'archive B',
    'our part B',
    'stored B',
    'base64 B',
    'stored as',
    'room left B',
    'per s',
    'µs each',
  ];
  const lines = rows.map((r) => [
    r.input,
    String(r.inputBytes),
    String(r.archiveBytes),
    String(r.scriptPartBytes),
    String(r.outputBytes),
    String(r.base64Bytes),
    r.gzipped ? 'whole gzip' : 'plain, our part gzip',
    String(USER_DATA_LIMIT_BYTES - r.outputBytes),
    String(r.perSecond),
    String(r.meanMicros),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(row(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of lines) console.log(row(l));
  console.log('');
}

if (import.meta.url === `file://${process.argv[1]}`) printUserDataBench();

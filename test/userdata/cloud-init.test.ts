/**
 * cloud-init's own parser reads what we compose. The parser is Debian's cloud-init package,
 * unpacked (not installed) by scripts/install-test-deps.sh into .cache/cloud-init; the harness
 * test/userdata/cloud_init_parse.py runs its UserDataProcessor and its shell-script part handler.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimsOurs, SCRIPT_FILENAME } from '../../src/userdata/archive.ts';
import { composeRaw } from '../../src/userdata/compose.ts';
import { isGzip, isMime } from '../../src/userdata/kinds.ts';
import { renderPatchScript } from '../../src/userdata/script.ts';
import { SEED_BLOCK } from '../../src/userdata/seed.ts';
import {
  cloudConfig,
  gzipped as gzippedInputs,
  mime,
  mimeWithSeedParts,
  otherCloudInit,
  shellScript,
} from './fixtures/generators.ts';
import { type Fixture, fixture, fixtures, type SeedCase, seedCases } from './fixtures/index.ts';

const DIST_PACKAGES = resolve('.cache/cloud-init/usr/lib/python3/dist-packages');
const HARNESS = resolve('test/userdata/cloud_init_parse.py');
const SCRIPT = Buffer.from(renderPatchScript({ updates: 'security', timeSync: true }));
const SMALL_SCRIPT = Buffer.from('#!/bin/bash\necho asg-patcher test script\n');
/**
 * The real script grown with comment lines of hex that gzip halves at best: its gzip part alone is
 * then over 16 KB in base64, so every output is the whole archive gzipped (our part plain inside).
 */
const LARGE_SCRIPT = Buffer.concat([SCRIPT, hexComments(14_800)]);

function hexComments(size: number): Buffer {
  let out = '';
  for (let n = 0; out.length < size; n++) {
    out += `# ${createHash('sha256').update(String(n)).digest('hex')}\n`;
  }
  return Buffer.from(out);
}

interface ParsedPart {
  contentType: string;
  filename: string | null;
  sha256: string;
  size: number;
  /** Base64, with CLOUD_INIT_PAYLOADS=1. */
  payload?: string;
}
interface Parsed {
  parts: ParsedPart[];
  scripts: string[];
  /** sha256 of each script file cloud-init's handler wrote, by name. */
  scriptHashes: Record<string, string>;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
/** cloud-init names parts without a filename `part-NNN` by position; positions shift by our part. */
const positional = (name: string | null) => name === null || /^part-\d{3}$/.test(name);
/** Empty user data gives one empty `text/x-not-multipart` part, which the handlers skip as empty. */
const comparable = (parts: ParsedPart[]) =>
  parts
    .filter((p) => !(p.size === 0 && p.contentType === 'text/x-not-multipart'))
    .map((p) => ({
      contentType: p.contentType,
      sha256: p.sha256,
      filename: positional(p.filename) ? '' : p.filename,
    }));

/** Runs the harness on user-data files; its stdout (JSON, one result a file). */
function cloudInit(files: string[], env: Record<string, string> = {}): string {
  return execFileSync('/usr/bin/python3', [HARNESS, ...files], {
    env: { ...process.env, PYTHONPATH: DIST_PACKAGES, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

/**
 * Composes `customer` with `ours` and lets cloud-init's runparts run the scripts: the names they
 * append to a log, in the order they ran, and the harness result.
 */
function runScripts(
  name: string,
  customer: Buffer,
  ours: Buffer,
): { order: string[]; result: { scripts: string[]; runError: string | null } | undefined } {
  const log = join(work, `${name}.log`);
  const file = join(work, `${name}.userdata`);
  writeFileSync(file, composeRaw(customer, ours).raw);
  const output = cloudInit([file], { CLOUD_INIT_RUN_SCRIPTS: '1', RUN_ORDER_LOG: log });
  const [result] = JSON.parse(output) as { scripts: string[]; runError: string | null }[];
  return { order: readFileSync(log, 'utf8').trim().split('\n'), result };
}

/** Scripts in a customer's MIME whose names sort low: ours must still run first. */
function lowNamedScripts(): Buffer {
  const names = ['00-first.sh', '-dash.sh', '.dot.sh', '000.sh', '0.sh', 'AAA.sh', '_under.sh', 'part-001'];
  const parts = names.map(
    (name) =>
      `--b\nContent-Type: text/x-shellscript\nContent-Disposition: attachment; filename="${name}"\n\n#!/bin/sh\necho ${name}\n`,
  );
  return Buffer.from(
    `MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n${parts.join('')}--b--\n`,
  );
}

const cases: Fixture[] = [
  ...fixtures().filter((f) => f.expect === 'compose'),
  { name: 'MIME with low-sorting script names (generated)', bytes: lowNamedScripts(), expect: 'compose' },
  { name: 'no user data', bytes: Buffer.alloc(0), expect: 'compose' },
  // Generated inputs (fixed seed, so a failure replays): random boundaries, CRLF, nesting, gzip.
  ...fc
    .sample(fc.oneof(mime, mime, gzippedInputs, shellScript, cloudConfig, otherCloudInit), {
      numRuns: 150,
      // Another seed explores other inputs: CLOUD_INIT_SAMPLE_SEED=7 npx vitest run test/userdata/cloud-init.test.ts
      seed: Number(process.env.CLOUD_INIT_SAMPLE_SEED ?? 4),
    })
    // No fetches (tests run offline): leave out anything with an include, compressed or not.
    .filter((x) => !/include/i.test((isGzip(x.bytes) ? gunzipSync(x.bytes) : x.bytes).toString('latin1')))
    .map((x, i): Fixture => ({ name: `generated ${i} (${x.kind})`, bytes: x.bytes, expect: 'compose' })),
];

let results = new Map<string, { original: Parsed; plain: Parsed; real: Parsed; gzipped: Parsed }>();
let work = '';

beforeAll(() => {
  if (!existsSync(join(DIST_PACKAGES, 'cloudinit/user_data.py'))) {
    throw new Error(
      'cloud-init is not unpacked in .cache/cloud-init: run `bash scripts/install-test-deps.sh` (as root)',
    );
  }
  work = mkdtempSync(join(tmpdir(), 'asg-patcher-cloud-init-'));
  const files: string[] = [];
  for (const [i, c] of cases.entries()) {
    const plain = composeRaw(c.bytes, SMALL_SCRIPT);
    const real = composeRaw(c.bytes, SCRIPT);
    const gzipped = composeRaw(c.bytes, LARGE_SCRIPT);
    expect(plain).toMatchObject({ gzipped: false, scriptEncoding: 'gzip' });
    expect(gzipped).toMatchObject({ gzipped: true, scriptEncoding: 'plain' });
    for (const [suffix, bytes] of [
      ['original', c.bytes],
      ['plain', plain.raw],
      ['real', real.raw],
      ['gzipped', gzipped.raw],
    ] as const) {
      const file = join(work, `${i}.${suffix}`);
      writeFileSync(file, bytes);
      files.push(file);
    }
  }
  const parsed = JSON.parse(cloudInit(files)) as Parsed[];
  results = new Map(
    cases.map((c, i) => [
      c.name,
      {
        original: parsed[4 * i] as Parsed,
        plain: parsed[4 * i + 1] as Parsed,
        real: parsed[4 * i + 2] as Parsed,
        gzipped: parsed[4 * i + 3] as Parsed,
      },
    ]),
  );
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("cloud-init 22.4 (Debian's package) reads every composed output as intended", () => {
  for (const c of cases) {
    it(`${c.name}: our script is the first part and runs first; the customer's parts are intact and in order`, () => {
      const { original, plain, real, gzipped } = results.get(c.name) ?? expect.unreachable();

      for (const [composed, script] of [
        [plain, SMALL_SCRIPT],
        [real, SCRIPT],
        [gzipped, LARGE_SCRIPT],
      ] as const) {
        expect(composed.parts[0]).toEqual({
          contentType: 'text/x-shellscript',
          filename: SCRIPT_FILENAME,
          sha256: sha256(script),
          size: script.length,
        });
        expect(comparable(composed.parts.slice(1))).toEqual(comparable(original.parts));
        // cloud-init's shell-script handler wrote the scripts; scripts-user runs them sorted.
        expect(composed.scripts[0]).toBe(SCRIPT_FILENAME);
        // The file written for our part is our script, byte for byte (inflated from its gzip part).
        expect(composed.scriptHashes[SCRIPT_FILENAME]).toBe(sha256(script));
        expect(composed.scripts).toHaveLength(original.scripts.length + 1);
      }
    });
  }

  it("a typical customer's shell script and cloud-config: not gzipped as a whole, their bytes verbatim in the user data, our gzip part read as our script", () => {
    for (const name of ['shell.sh', 'cloud-config.yaml']) {
      const customer = fixture(name);
      const composed = composeRaw(customer, SCRIPT);
      expect(isGzip(composed.raw)).toBe(false);
      expect(composed.raw.includes(customer)).toBe(true);
      expect(composed.raw.includes(Buffer.from('Content-Type: application/x-gzip\n'))).toBe(true);
      const { real } = results.get(name) ?? expect.unreachable();
      expect(real.parts).toEqual([
        {
          contentType: 'text/x-shellscript',
          filename: SCRIPT_FILENAME,
          sha256: sha256(SCRIPT),
          size: SCRIPT.length,
        },
        {
          contentType: name === 'shell.sh' ? 'text/x-shellscript' : 'text/cloud-config',
          filename: expect.stringMatching(/^part-\d{3}$/),
          sha256: sha256(customer),
          size: customer.length,
        },
      ]);
      expect(real.scripts[0]).toBe(SCRIPT_FILENAME);
    }
  });

  it('cloud-config stays text/cloud-config, inside our archive and inside a nested MIME', () => {
    const direct = results.get('cloud-config.yaml') ?? expect.unreachable();
    expect(direct.plain.parts.map((p) => p.contentType)).toEqual(['text/x-shellscript', 'text/cloud-config']);
    const nested = results.get('mime-crlf-nested.txt') ?? expect.unreachable();
    expect(nested.gzipped.parts.map((p) => p.contentType)).toEqual([
      'text/x-shellscript',
      'text/cloud-config',
      'text/x-shellscript',
      'text/x-shellscript',
    ]);
    expect(nested.gzipped.parts[1]?.filename).toBe('config.yaml');
  });

  it('our script sorts before customer scripts named 00-*, -*, .*, 0*, A*, _* and part-001', () => {
    const { gzipped } = results.get('MIME with low-sorting script names (generated)') ?? expect.unreachable();
    expect(gzipped.scripts).toEqual([
      SCRIPT_FILENAME,
      '-dash.sh',
      '.dot.sh',
      '0.sh',
      '00-first.sh',
      '000.sh',
      'AAA.sh',
      '_under.sh',
      'part-001',
    ]);
  });

  it("cloud-init's own runparts (scripts-user) runs our script first, then the customer's in name order", () => {
    // Harmless scripts only: each appends its name to a log, in the order cloud-init runs them.
    const script = (name: string) => `#!/bin/sh\necho ${name} >> "$RUN_ORDER_LOG"\n`;
    const names = ['00-first.sh', '-dash.sh', '0.sh', 'AAA.sh'];
    const customer = Buffer.from(
      `MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n${names
        .map(
          (n) =>
            `--b\nContent-Type: text/x-shellscript\nContent-Disposition: attachment; filename="${n}"\n\n${script(n)}`,
        )
        .join('')}--b\nContent-Type: text/cloud-config\n\n#cloud-config\nbootcmd: [true]\n--b--\n`,
    );
    const { order } = runScripts('run-order', customer, Buffer.from(script('asg-patcher')));
    expect(order).toEqual(['asg-patcher', '-dash.sh', '0.sh', '00-first.sh', 'AAA.sh']);
  });

  it("our script failing (exit 1) does not stop the customer's scripts: runparts runs them all, then reports ours", () => {
    const customer = Buffer.from(`#!/bin/sh\necho customer >> "$RUN_ORDER_LOG"\n`);
    const ours = Buffer.from(`#!/bin/sh\necho asg-patcher >> "$RUN_ORDER_LOG"\nexit 1\n`);
    const { order, result } = runScripts('run-after-failure', customer, ours);
    expect(order).toEqual(['asg-patcher', 'customer']);
    // The failure is still reported (cloud-init marks scripts-user failed), naming only our script.
    expect(result?.runError).toContain(result?.scripts[0]);
    expect(result?.runError).not.toContain(result?.scripts[1]);
  });

  it('an #include is still fetched and what it brings is read as cloud-config', () => {
    const { original, gzipped } = results.get('include (generated)') ?? expect.unreachable();
    expect(original.parts.map((p) => p.contentType)).toEqual(['text/cloud-config']);
    expect(gzipped.parts.map((p) => p.contentType)).toEqual(['text/x-shellscript', 'text/cloud-config']);
  });
});

describe('cloud-init reads seed-script user data, migrated from any nesting, as it reads the content before the seed', () => {
  // The seed fixtures, and customer MIME with the seed block in random parts (fixed seed, so a failure replays).
  const cases: SeedCase[] = [
    ...seedCases(),
    ...fc
      .sample(mimeWithSeedParts, { numRuns: 80, seed: Number(process.env.CLOUD_INIT_SAMPLE_SEED ?? 4) })
      .filter((x) => !x.bytes.equals(x.customer) && !/include/i.test(x.bytes.toString('latin1')))
      .map((x, i) => ({ name: `generated ${i} (${x.kind})`, bytes: x.bytes, customer: x.customer })),
  ];
  let parsed = new Map<string, { input: Parsed; customer: Parsed; composed: Parsed }>();

  beforeAll(() => {
    const files: string[] = [];
    for (const [i, c] of cases.entries()) {
      for (const [suffix, bytes] of [
        ['input', c.bytes],
        ['customer', c.customer],
        ['composed', composeRaw(c.bytes, SCRIPT).raw],
      ] as const) {
        const file = join(work, `seed-${i}.${suffix}`);
        writeFileSync(file, bytes);
        files.push(file);
      }
    }
    const out = JSON.parse(cloudInit(files, { CLOUD_INIT_PAYLOADS: '1' })) as Parsed[];
    parsed = new Map(
      cases.map((c, i) => [
        c.name,
        {
          input: out[3 * i] as Parsed,
          customer: out[3 * i + 1] as Parsed,
          composed: out[3 * i + 2] as Parsed,
        },
      ]),
    );
  }, 120_000);

  const withoutPayload = (parts: ParsedPart[]) => parts.map(({ payload: _, ...rest }) => rest);

  for (const c of cases) {
    it(`${c.name}: our script first and once, then exactly the parts of the content before the seed`, () => {
      const { customer, composed } = parsed.get(c.name) ?? expect.unreachable();
      expect(withoutPayload(composed.parts.slice(0, 1))).toEqual([
        {
          contentType: 'text/x-shellscript',
          filename: SCRIPT_FILENAME,
          sha256: sha256(SCRIPT),
          size: SCRIPT.length,
        },
      ]);
      expect(composed.parts.filter((p) => p.filename === SCRIPT_FILENAME)).toHaveLength(1);
      expect(comparable(composed.parts.slice(1))).toEqual(comparable(customer.parts));
      expect(composed.scripts[0]).toBe(SCRIPT_FILENAME);
      expect(composed.scripts).toHaveLength(customer.scripts.length + 1);
      for (const part of composed.parts) {
        expect(Buffer.from(part.payload ?? '', 'base64').includes('# 1) Apply all security updates')).toBe(
          false,
        );
      }
    });
  }

  // Our MIME reader (src/userdata/mime.ts) against Python's feedparser: the parts cloud-init reads
  // in the customer's MIME with the seed blocks are the parts of the migrated MIME, each part's
  // payload without its blocks, and the parts that were blocks alone gone.
  const block = (eol: string) => Buffer.from(`${SEED_BLOCK}\n`.replaceAll('\n', eol));
  const withoutBlocks = (payload: Buffer): { payload: Buffer; stripped: boolean } => {
    let rest = payload;
    let stripped = false;
    for (;;) {
      const prefix = [block('\n'), block('\r\n')].find((b) => rest.subarray(0, b.length).equals(b));
      if (!prefix) return { payload: rest, stripped };
      rest = rest.subarray(prefix.length);
      stripped = true;
    }
  };
  // Customer MIME itself (not wrapped in the seed's block, our archive or gzip).
  for (const c of cases.filter((c) => isMime(c.bytes) && !claimsOurs(c.bytes))) {
    it(`${c.name}: cloud-init finds in the migrated MIME each part it found before, without the seed block`, () => {
      const { input, customer } = parsed.get(c.name) ?? expect.unreachable();
      const expected = input.parts.flatMap((part) => {
        const { payload, stripped } = withoutBlocks(Buffer.from(part.payload ?? '', 'base64'));
        if (stripped && payload.length === 0) return [];
        return [
          {
            filename: positional(part.filename) ? '' : part.filename,
            payload: payload.toString('base64'),
            ...(stripped ? {} : { contentType: part.contentType }),
          },
        ];
      });
      const actual = customer.parts.map((part, i) => ({
        filename: positional(part.filename) ? '' : part.filename,
        payload: part.payload,
        ...('contentType' in (expected[i] ?? {}) ? { contentType: part.contentType } : {}),
      }));
      expect(actual).toEqual(expected);
    });
  }
});

/**
 * What the seed script writes, from the seed script itself: its `build_user_data` is taken from
 * the write-up in ../shared/seed/ and run with python3 over user data of every kind, our own
 * archive (plain and gzipped whole) and its own output included. The fixtures and `applySeed`
 * (what the other tests build nestings with) must be exactly what it writes.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { composeRaw } from '../../src/userdata/compose.ts';
import { renderPatchScript } from '../../src/userdata/script.ts';
import { SEED_BLOCK } from '../../src/userdata/seed.ts';
import { applySeed, fixture } from './fixtures/index.ts';

const SEED_DIR = resolve('../shared/seed');
const SCRIPT = Buffer.from(renderPatchScript({ updates: 'security', timeSync: true }));

/** The write-up's `build_user_data`, as Python source. */
function buildUserDataSource(): string {
  const [name] = readdirSync(SEED_DIR).filter((n) => n.endsWith('.txt'));
  const text = readFileSync(join(SEED_DIR, name ?? ''), 'utf8');
  const match = /^def build_user_data\(.*?(?=^def )/ms.exec(text);
  if (!match) throw new Error(`no build_user_data in ${SEED_DIR}`);
  return match[0];
}

/** Runs the seed's `build_user_data` on each input (as the base64 UserData it reads); its outputs, decoded. */
function seed(inputs: Buffer[]): Buffer[] {
  const program = `import base64, json, sys\n${buildUserDataSource()}\nfor old in json.load(sys.stdin):\n    print(build_user_data(old))\n`;
  const out = execFileSync('/usr/bin/python3', ['-c', program], {
    input: JSON.stringify(inputs.map((b) => (b.length === 0 ? null : b.toString('base64')))),
    encoding: 'utf8',
  });
  return out
    .trimEnd()
    .split('\n')
    .map((line) => Buffer.from(line, 'base64'));
}

describe("the seed script's own build_user_data (../shared/seed)", () => {
  it('writes its block, a newline, then the old user data byte for byte when it is UTF-8', () => {
    const inputs = [
      Buffer.alloc(0),
      fixture('shell.sh'),
      fixture('shell-utf8-crlf.sh'),
      fixture('cloud-config.yaml'),
      fixture('mime-crlf-nested.txt'),
      composeRaw(fixture('shell.sh'), SCRIPT).raw,
      fixture('seed-over-shell.txt'),
    ];
    const outputs = seed(inputs);
    expect(outputs).toHaveLength(inputs.length);
    for (const [i, input] of inputs.entries()) {
      expect(outputs[i]?.equals(Buffer.concat([Buffer.from(`${SEED_BLOCK}\n`), input]))).toBe(true);
      expect(outputs[i]?.equals(applySeed(input))).toBe(true);
    }
    expect(fixture('seed-block.txt').toString()).toBe(SEED_BLOCK);
  });

  it('drops old user data that is not UTF-8: gzip (our archive gzipped whole among it) leaves its block alone', () => {
    const large = Buffer.from(`#!/bin/sh\n${'echo repeated line\n'.repeat(1000)}`);
    const wholeGzip = composeRaw(large, SCRIPT);
    expect(wholeGzip.gzipped).toBe(true);
    const inputs = [gzipSync(fixture('shell.sh')), wholeGzip.raw, Buffer.from([0x23, 0x21, 0xff, 0x0a])];
    for (const [i, output] of seed(inputs).entries()) {
      expect(output.equals(fixture('seed-empty.txt'))).toBe(true);
      expect(output.equals(applySeed(inputs[i] ?? Buffer.alloc(0)))).toBe(true);
    }
  });

  it('wrote the seed fixtures: over shell, cloud-config, our archive, and its own output over our archive', () => {
    const [overShell, overCloudConfig, empty] = seed([
      fixture('shell.sh'),
      fixture('cloud-config.yaml'),
      Buffer.alloc(0),
    ]);
    expect(overShell?.equals(fixture('seed-over-shell.txt'))).toBe(true);
    expect(overCloudConfig?.equals(fixture('seed-over-cloud-config.txt'))).toBe(true);
    expect(empty?.equals(fixture('seed-empty.txt'))).toBe(true);
    const overArchive = fixture('seed-over-archive.txt');
    const archive = overArchive.subarray(SEED_BLOCK.length + 1);
    expect(seed([archive])[0]?.equals(overArchive)).toBe(true);
    const twice = fixture('seed-twice-over-archive.txt');
    const once = twice.subarray(SEED_BLOCK.length + 1);
    expect(seed([once])[0]?.equals(twice)).toBe(true);
    expect(seed([once.subarray(SEED_BLOCK.length + 1)])[0]?.equals(once)).toBe(true);
  });
});

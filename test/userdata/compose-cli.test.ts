/** The `user-data` preview command, run as a child process the way an operator runs it. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeUserData, decomposeUserData } from '../../src/userdata/compose.ts';
import { renderPatchScript } from '../../src/userdata/script.ts';
import { FIXTURE_DIR, fixture } from './fixtures/index.ts';

const BIN = resolve('bin/asg-patcher.mjs');
let work = '';

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, 'user-data', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'asg-patcher-user-data-cli-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('asg-patcher user-data', () => {
  it('composes raw user data, prints the archive and a summary, and --out writes the base64', () => {
    const out = join(work, 'shell.b64');
    const run = cli('--in', join(FIXTURE_DIR, 'shell.sh'), '--out', out);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^# composed user data \(stored (gzipped; shown inflated|as shown)\)\n/);
    expect(run.stdout).toContain(fixture('shell.sh').toString());
    expect(run.stdout).toMatch(
      /1\. application\/x-gzip \(00\)-asg-patcher\.sh: \d+ B \(base64\), asg-patcher \(gzip of the \d+ B script; cloud-init inflates it\)/,
    );
    expect(run.stdout).toContain(
      `# asg-patcher script (its gzip part above, inflated: what cloud-init runs)\n${renderPatchScript(OPTIONS).trimEnd()}\n`,
    );
    expect(run.stdout).toContain(`2. text/x-shellscript: ${fixture('shell.sh').length} B (7bit), customer`);
    expect(run.stdout).toMatch(/asg-patcher part: added \(\d+ B, its own gzip part\)/);
    expect(run.stdout).toContain(
      `customer content: unchanged, ${fixture('shell.sh').length} B byte for byte`,
    );
    expect(run.stdout).toMatch(
      /size: \d+ B raw( \(gzip of a \d+ B archive\))?, \d+ B base64; EC2 limit 16384 B raw/,
    );
    const written = readFileSync(out, 'utf8').trim();
    expect(written).toBe(composeUserData(fixture('shell.sh').toString('base64'), OPTIONS).base64);
    expect(decomposeUserData(written).equals(fixture('shell.sh'))).toBe(true);
  });

  it('reads base64 input, and says when it already is what we compose', () => {
    const input = join(work, 'current.b64');
    writeFileSync(
      input,
      `${composeUserData(fixture('cloud-config.yaml').toString('base64'), OPTIONS).base64}\n`,
    );
    const run = cli('--in', input);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('(read as base64), already composed by asg-patcher');
    expect(run.stdout).toContain('asg-patcher part: unchanged');
    expect(run.stdout).toContain('already current');
  });

  it('says when our part moves out of a whole-archive gzip (the previous layout) into its own gzip part', () => {
    const run = cli('--in', join(FIXTURE_DIR, 'previous-layout-over-shell.b64'));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('(read as base64), already composed by asg-patcher');
    expect(run.stdout).toMatch(
      /asg-patcher part: (same script|replaced \(\d+ B -> \d+ B\)), now its own gzip part \(was plain inside the gzipped archive\)\n/,
    );
    expect(run.stdout).toContain(
      `customer content: unchanged, ${fixture('shell.sh').length} B byte for byte`,
    );
    expect(run.stdout).toContain('a new launch template version would carry this user data');
  });

  it('shows what migration from the seed script removes, as a diff of the customer content', () => {
    const run = cli('--in', join(FIXTURE_DIR, 'seed-over-shell.txt'));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('written by the seed script');
    expect(run.stdout).toContain('--- customer content before\n+++ customer content after');
    expect(run.stdout).toContain('\n-# 1) Apply all security updates\n');
    expect(run.stdout).toContain('\n-# 3) Existing userdata (if any)\n');
    expect(run.stdout).toContain('\n set -euo pipefail\n yum install -y nginx\n');
  });

  it('migrates the seed run over our own archive (once refused as edited by hand): our part replaced, the customer content unchanged', () => {
    const run = cli('--in', join(FIXTURE_DIR, 'seed-over-archive.txt'));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "written by the seed script (its block is dropped, the user data after it kept): dropped the seed script's block from the user data; dropped the previous asg-patcher part from the user data after the seed script's block",
    );
    expect(run.stdout).toContain(
      `customer content: unchanged, ${fixture('shell.sh').length} B byte for byte`,
    );
    expect(run.stdout).toContain('a new launch template version would carry this user data');
    expect(run.stdout).not.toContain('edited by hand');
  });

  it('renders the patch options into the script: --updates all --no-time-sync', () => {
    const out = join(work, 'all.b64');
    const run = cli(
      '--in',
      join(FIXTURE_DIR, 'cloud-config.yaml'),
      '--updates',
      'all',
      '--no-time-sync',
      '--out',
      out,
    );
    expect(run.code).toBe(0);
    expect(readFileSync(out, 'utf8').trim()).toBe(
      composeUserData(fixture('cloud-config.yaml').toString('base64'), { updates: 'all', timeSync: false })
        .base64,
    );
    expect(run.stdout).toContain("ASG_PATCHER_UPDATES='all'");
    expect(run.stdout).toContain("ASG_PATCHER_TIME_SYNC='false'");
  });

  it('prints the named error and exits 1 for Windows, binary and too-large user data', () => {
    const binary = join(work, 'binary.bin');
    writeFileSync(binary, Buffer.from([0, 1, 2, 3, 0xff, 0xfe]));
    const large = join(work, 'large.sh');
    let text = '#!/bin/sh\n';
    for (let i = 0; text.length < 80_000; i++)
      text += `echo ${Math.sin(i)} ${(i * 2654435761).toString(36)}\n`;
    writeFileSync(large, text);
    for (const [file, name] of [
      [join(FIXTURE_DIR, 'windows-powershell.txt'), 'WindowsUserDataError'],
      [binary, 'UnsupportedUserDataError'],
      [large, 'UserDataTooLargeError'],
    ] as const) {
      const run = cli('--in', file);
      expect(run.code, file).toBe(1);
      expect(run.stderr).toContain(`asg-patcher: ${name}: `);
      expect(run.stdout).toBe('');
    }
  });

  it('exits 2 on bad usage', () => {
    expect(cli('--in', join(work, 'missing')).code).toBe(2);
    expect(cli('--in', join(FIXTURE_DIR, 'shell.sh'), '--updates', 'some').code).toBe(2);
  });
});

const OPTIONS = { updates: 'security', timeSync: true } as const;

/**
 * Runs the bats tests of the patch script (test/userdata/bats/*.bats) so `npm test` covers them:
 * stubbed package managers and a fake root per distro family. Each bats test shows up here as a
 * vitest test of the same name, with bats' diagnostics when it fails.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderAll } from './bats/render.ts';

const batsDir = new URL('./bats/', import.meta.url).pathname;
const files = readdirSync(batsDir)
  .filter((name) => name.endsWith('.bats'))
  .sort();
const testsByFile = new Map(
  files.map((file) => [
    file,
    [...readFileSync(join(batsDir, file), 'utf8').matchAll(/^@test "(.*)" \{$/gm)].map(
      (match) => match[1] ?? '',
    ),
  ]),
);

interface BatsResult {
  ok: boolean;
  diagnostics: string[];
}

/** Parses bats' TAP output into name -> result (diagnostics are the `#` lines after a test). */
function parseTap(tap: string): Map<string, BatsResult> {
  const results = new Map<string, BatsResult>();
  let current: BatsResult | undefined;
  for (const line of tap.split('\n')) {
    const match = /^(ok|not ok) \d+ (.*)$/.exec(line);
    if (match) {
      current = { ok: match[1] === 'ok', diagnostics: [] };
      results.set(match[2] ?? '', current);
    } else if (line.startsWith('#') && current) {
      current.diagnostics.push(line);
    }
  }
  return results;
}

let results = new Map<string, BatsResult>();
let batsOutput = '';

beforeAll(async () => {
  const rendered = mkdtempSync(join(tmpdir(), 'asg-patcher-bats-'));
  renderAll(rendered);
  const run = await promisify(execFile)('bats', ['--tap', ...files.map((file) => join(batsDir, file))], {
    env: { ...process.env, ASG_PATCHER_RENDERED_DIR: rendered },
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: { stdout?: string; stderr?: string }) => ({
    stdout: error.stdout ?? '',
    stderr: error.stderr ?? '',
  }));
  batsOutput = `${run.stdout}${run.stderr}`;
  results = parseTap(run.stdout);
}, 300_000);

describe('bats: patch script with stubbed package managers', () => {
  it('declares unique test names in every bats file', () => {
    const names = [...testsByFile.values()].flat();
    expect(names.length).toBeGreaterThan(40);
    expect(new Set(names).size).toBe(names.length);
  });

  for (const [file, names] of testsByFile) {
    describe(file, () => {
      for (const name of names) {
        it(name, () => {
          const result = results.get(name);
          expect(result, `bats did not report this test; its output:\n${batsOutput}`).toBeDefined();
          expect(result?.ok, result?.diagnostics.join('\n')).toBe(true);
        });
      }
    });
  }
});

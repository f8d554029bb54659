/**
 * Renders the patch script for every option combination into a directory, for the bats tests:
 * `npx tsx test/userdata/bats/render.ts DIR` writes DIR/patch-<updates>-<timeSync>.sh.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderPatchScript } from '../../../src/userdata/script.ts';

/** Writes the four renderings into dir; returns their paths. */
export function renderAll(dir: string): string[] {
  const paths: string[] = [];
  for (const updates of ['security', 'all'] as const) {
    for (const timeSync of [true, false]) {
      const path = join(dir, `patch-${updates}-${timeSync}.sh`);
      writeFileSync(path, renderPatchScript({ updates, timeSync }), { mode: 0o755 });
      paths.push(path);
    }
  }
  return paths;
}

const dir = process.argv[2];
if (dir && process.argv[1]?.endsWith('render.ts')) renderAll(dir);

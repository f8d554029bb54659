import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputValidationError } from '../../src/errors.ts';
import { PatchOptions } from '../../src/schemas.ts';
import { generatedModule } from '../../src/userdata/embed-patch-script.ts';
import { PATCH_SCRIPT_MARKER, renderPatchScript } from '../../src/userdata/script.ts';
import { renderAll } from './bats/render.ts';

const patchShPath = new URL('../../src/userdata/patch.sh', import.meta.url).pathname;
const generatedPath = new URL('../../src/userdata/patch-sh.generated.ts', import.meta.url).pathname;

const ALL_OPTIONS: PatchOptions[] = [
  { updates: 'security', timeSync: true },
  { updates: 'security', timeSync: false },
  { updates: 'all', timeSync: true },
  { updates: 'all', timeSync: false },
];

/** patch.sh with the placeholders filled in and nothing stripped. */
function renderSource(options: PatchOptions): string {
  return readFileSync(patchShPath, 'utf8')
    .replaceAll('@@UPDATES@@', options.updates)
    .replaceAll('@@TIME_SYNC@@', String(options.timeSync));
}

function shellcheck(path: string): { status: number | null; output: string } {
  const result = spawnSync('shellcheck', ['--shell=bash', '--severity=style', path], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('renderPatchScript', () => {
  it('embeds patch.sh byte for byte (patch-sh.generated.ts is up to date)', () => {
    expect(readFileSync(generatedPath, 'utf8')).toBe(generatedModule(readFileSync(patchShPath, 'utf8')));
  });

  it('renders the same bytes for the same options (no dates, no random values)', () => {
    for (const options of ALL_OPTIONS) {
      expect(renderPatchScript(options)).toBe(renderPatchScript({ ...options }));
    }
    expect(new Set(ALL_OPTIONS.map((options) => renderPatchScript(options))).size).toBe(4);
  });

  it('puts the shebang first and the managed-part marker on the second line', () => {
    const lines = renderPatchScript({ updates: 'security', timeSync: true }).split('\n');
    expect(lines[0]).toBe('#!/bin/bash');
    expect(lines[1]).toBe(PATCH_SCRIPT_MARKER);
  });

  it('lands the options in the script and leaves no placeholder', () => {
    const script = renderPatchScript({ updates: 'all', timeSync: false });
    expect(script).toContain("\nASG_PATCHER_UPDATES='all'\n");
    expect(script).toContain("\nASG_PATCHER_TIME_SYNC='false'\n");
    expect(script).toContain('\n# options: updates=all timeSync=false\n');
    expect(script).not.toMatch(/@@[A-Z_]+@@/);
    const defaults = renderPatchScript(PatchOptions.parse({}));
    expect(defaults).toContain("\nASG_PATCHER_UPDATES='security'\n");
    expect(defaults).toContain("\nASG_PATCHER_TIME_SYNC='true'\n");
  });

  it('drops the developer comments after the header, keeping the header, directives and apt #clear lines', () => {
    const source = renderSource({ updates: 'security', timeSync: true });
    const script = renderPatchScript({ updates: 'security', timeSync: true });
    const header = source.slice(0, source.indexOf('\n\n'));
    expect(script.startsWith(`${header}\n\n`)).toBe(true);
    const body = script.slice(header.length);
    expect(body).not.toMatch(/^\s*# (?!shellcheck )/m);
    expect(body).toContain('\n#clear Unattended-Upgrade::Origins-Pattern;\n');
    expect(body).toContain('# shellcheck disable=SC2317');
    // Code lines are kept, only trimmed: the rendered script is patch.sh minus whole comment
    // lines, blank lines and indentation.
    const codeLines = (text: string) =>
      text
        .split('\n')
        .filter((line) => line.trim() !== '' && !/^\s*#( |$)/.test(line))
        .map((line) => line.trim());
    expect(codeLines(body)).toEqual(codeLines(source.slice(header.length)));
    expect(script.length).toBeLessThan(source.length - 4000);
  });

  it('is the same program as patch.sh for bash, in every rendering (its own printout of the parse tree)', () => {
    // bash prints a function from its parse tree: layout and comments gone, every string and
    // here-document byte for byte. Wrapping each whole script in a function compares them.
    const canonical = (path: string) =>
      execFileSync(
        'bash',
        [
          '-c',
          'body=$(cat "$1"); eval "asg_patcher_canonical() {\n$body\n}"; declare -f asg_patcher_canonical',
          '_',
          path,
        ],
        { encoding: 'utf8' },
      );
    const dir = mkdtempSync(join(tmpdir(), 'asg-patcher-canonical-'));
    for (const [index, options] of ALL_OPTIONS.entries()) {
      const source = renderSource(options);
      const rendered = renderPatchScript(options);
      writeFileSync(join(dir, `source-${index}.sh`), source);
      writeFileSync(join(dir, `rendered-${index}.sh`), rendered);
      const expected = canonical(join(dir, `source-${index}.sh`));
      expect(expected).toContain("cat <<'APTCONF'");
      expect(canonical(join(dir, `rendered-${index}.sh`))).toBe(expected);
      expect(rendered.length).toBeLessThan(source.length);
    }
  });

  it('keeps indentation inside quoted strings, here-documents and continued lines', () => {
    const script = renderPatchScript({ updates: 'security', timeSync: true });
    expect(script).toContain('\n      if ($(i + 1) ~ /-security$|\\/updates$/) print\n');
    expect(script).toContain(
      '\nUnattended-Upgrade::Origins-Pattern {\n  "origin=Debian,label=Debian-Security";\n',
    );
    expect(script).toMatch(/\nrun_logged apt-get "\$\{opts\[@\]\}" \\\n {4}-o Dir::Etc::SourceList=/);
    expect(script).not.toMatch(/\n\n(?!set -uo pipefail)/);
  });

  it('refuses options outside the schema with InputValidationError naming the field', () => {
    const bad = { updates: 'everything', timeSync: true } as unknown as PatchOptions;
    expect(() => renderPatchScript(bad)).toThrow(InputValidationError);
    expect(() => renderPatchScript(bad)).toThrow(/patch\.updates/);
  });

  it('is a valid bash script in every rendering (bash -n)', () => {
    for (const path of renderAll(mkdtempSync(join(tmpdir(), 'asg-patcher-render-')))) {
      expect(() => execFileSync('bash', ['-n', path]), path).not.toThrow();
    }
  });
});

describe('shellcheck', () => {
  it('finds nothing in src/userdata/patch.sh', () => {
    expect(shellcheck(patchShPath)).toEqual({ status: 0, output: '' });
  });

  it('finds nothing in the chroot build script', () => {
    const path = new URL('./chroot-build.sh', import.meta.url).pathname;
    expect(shellcheck(path)).toEqual({ status: 0, output: '' });
  });

  it('finds nothing in any rendered script', () => {
    for (const path of renderAll(mkdtempSync(join(tmpdir(), 'asg-patcher-shellcheck-')))) {
      expect(shellcheck(path), path).toEqual({ status: 0, output: '' });
    }
  });
});

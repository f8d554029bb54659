/**
 * Embeds src/userdata/patch.sh into src/userdata/patch-sh.generated.ts, so the Lambda bundle
 * (esbuild), tsx and vitest all get the script as a plain string with no loader configuration.
 * Run after editing patch.sh: `npx tsx src/userdata/embed-patch-script.ts`
 * (test/userdata/patch-script.test.ts fails while the two differ).
 */
import { readFileSync, writeFileSync } from 'node:fs';

const source = new URL('./patch.sh', import.meta.url);
const target = new URL('./patch-sh.generated.ts', import.meta.url);

/** The generated module for a script: a template literal, so the formatter leaves it as is. */
export function generatedModule(script: string): string {
  const literal = script.replaceAll('\\', '\\\\').replaceAll('`', '\\`').replaceAll('${', '\\${');
  return [
    '// Generated from patch.sh by embed-patch-script.ts: edit patch.sh, then run',
    '// `npx tsx src/userdata/embed-patch-script.ts`. A test checks the two agree.',
    `export const PATCH_SH = \`${literal}\`;`,
    '',
  ].join('\n');
}

if (process.argv[1] && new URL(`file://${process.argv[1]}`).href === import.meta.url) {
  writeFileSync(target, generatedModule(readFileSync(source, 'utf8')));
}

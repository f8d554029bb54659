/**
 * What a launch template's user data would become, for people: the composed archive decoded, its
 * parts as an independent MIME parser (mailsplit) reads them, what changed in the customer's
 * content (a unified diff from the `diff` package: maintained, typed, Node-independent, the one
 * jsdiff every JS diff tool builds on), and the sizes against EC2's limit.
 */
import { createTwoFilesPatch } from 'diff';
import type { PatchOptions } from '../schemas.ts';
import { SCRIPT_FILENAME, type ScriptEncoding } from './archive.ts';
import {
  type ComposedUserData,
  composeUserData,
  describeMigration,
  USER_DATA_LIMIT_BYTES,
} from './compose.ts';
import { gunzip, isGzip, isUtf8 } from './kinds.ts';
import { listMimeParts, type MimePart } from './parts.ts';

export interface Preview {
  composed: ComposedUserData;
  parts: MimePart[];
  /** The report, ready to print. */
  text: string;
}

/**
 * Reads user data as given to the preview: base64 (as the EC2 API and console show it) when the
 * whole file is base64, else the raw bytes.
 */
function readUserDataInput(file: Buffer): { base64: string; encoding: 'base64' | 'raw' } {
  const compact = file.toString('latin1').replace(/\s+/g, '');
  if (
    compact.length > 0 &&
    compact.length % 4 === 0 &&
    /^[A-Za-z0-9+/]+={0,2}$/.test(compact) &&
    Buffer.from(compact, 'base64').toString('base64') === compact
  ) {
    return { base64: compact, encoding: 'base64' };
  }
  return { base64: file.toString('base64'), encoding: 'raw' };
}

/** Inflated for display when it is gzip. */
function readable(bytes: Buffer): Buffer {
  return isGzip(bytes) ? gunzip(bytes) : bytes;
}

function asText(bytes: Buffer): string | undefined {
  return isUtf8(bytes) ? bytes.toString('utf8') : undefined;
}

function changeReport(before: Buffer, composed: ComposedUserData): string[] {
  const beforeRaw = composed.previous ? (composed.previous.customer ?? Buffer.alloc(0)) : before;
  const after = composed.parts.find((p) => p.owner === 'customer');
  const afterRaw = after?.content ?? Buffer.alloc(0);
  if (beforeRaw.equals(afterRaw)) {
    return [
      afterRaw.length === 0
        ? 'customer content: none'
        : `customer content: unchanged, ${afterRaw.length} B byte for byte`,
    ];
  }
  const [oldText, newText] = [asText(readable(beforeRaw)), asText(readable(afterRaw))];
  if (oldText === undefined || newText === undefined) {
    return [`customer content: ${beforeRaw.length} B -> ${afterRaw.length} B (not text, no diff)`];
  }
  if (oldText === newText) {
    return [`customer content: same text, now carried ${composed.customerKind} (${afterRaw.length} B)`];
  }
  const patch = createTwoFilesPatch(
    'customer content before',
    'customer content after',
    oldText,
    newText,
    '',
    '',
    {
      context: 3,
    },
  );
  return ['customer content changed:', ...patch.trimEnd().split('\n').slice(1)];
}

/**
 * Composes `input` (base64 or raw user data) and describes the result.
 * @throws WindowsUserDataError, UnsupportedUserDataError, UserDataTooLargeError
 */
export async function previewUserData(input: Buffer, options: PatchOptions): Promise<Preview> {
  const { base64, encoding } = readUserDataInput(input);
  const before = Buffer.from(base64, 'base64');
  const composed = composeUserData(base64, options);
  const parts = await listMimeParts(composed.archive);
  const archiveText = composed.archive.toString('utf8');

  const lines: string[] = [];
  lines.push(
    `# composed user data (${composed.gzipped ? 'stored gzipped; shown inflated' : 'stored as shown'})`,
    archiveText.trimEnd(),
    '',
    ...(composed.scriptEncoding === 'gzip'
      ? [
          '# asg-patcher script (its gzip part above, inflated: what cloud-init runs)',
          composed.script.toString('utf8').trimEnd(),
          '',
        ]
      : []),
    '# summary',
    `input: ${before.length} B ${encoding === 'base64' ? '(read as base64)' : '(read as raw bytes)'}, ${describeOrigin(composed)}`,
    'parts (as a MIME parser reads the archive, in the order cloud-init walks them):',
  );
  for (const part of parts) {
    const indent = '  '.repeat(part.depth);
    const name = part.filename ? ` ${part.filename}` : '';
    const who =
      part.filename !== SCRIPT_FILENAME
        ? 'customer'
        : composed.scriptEncoding === 'gzip'
          ? `asg-patcher (gzip of the ${composed.script.length} B script; cloud-init inflates it)`
          : 'asg-patcher';
    lines.push(
      `${indent}${part.index}. ${part.contentType}${name}: ${part.content.length} B (${part.transferEncoding}), ${who}`,
    );
  }
  const ourBefore = composed.previous;
  const ourScript = composed.script;
  const layoutAfter = carriedAs(composed.gzipped, composed.scriptEncoding);
  const layoutBefore = ourBefore && carriedAs(ourBefore.wholeGzip, ourBefore.scriptEncoding);
  const moved = layoutBefore !== layoutAfter ? `, now ${layoutAfter} (was ${layoutBefore})` : '';
  lines.push(
    ourBefore === undefined
      ? `asg-patcher part: added (${ourScript.length} B, ${layoutAfter})`
      : ourBefore.script.equals(ourScript)
        ? moved
          ? `asg-patcher part: same script${moved}`
          : 'asg-patcher part: unchanged'
        : `asg-patcher part: replaced (${ourBefore.script.length} B -> ${ourScript.length} B)${moved}`,
  );
  lines.push(...changeReport(before, composed));
  const spare = USER_DATA_LIMIT_BYTES - composed.bytesAfter;
  lines.push(
    `size: ${composed.bytesAfter} B raw${composed.gzipped ? ` (gzip of a ${composed.archive.length} B archive)` : ''}, ` +
      `${composed.base64.length} B base64; EC2 limit ${USER_DATA_LIMIT_BYTES} B raw: ${spare} B to spare`,
    composed.alreadyCurrent
      ? 'already current: the input is exactly what asg-patcher composes; no new version needed'
      : 'a new launch template version would carry this user data',
  );
  return { composed, parts, text: `${lines.join('\n')}\n` };
}

/** How our part is carried, in words. */
function carriedAs(wholeGzip: boolean, scriptEncoding: ScriptEncoding): string {
  if (wholeGzip) return 'plain inside the gzipped archive';
  return scriptEncoding === 'gzip' ? 'its own gzip part' : 'a plain part';
}

function describeOrigin(composed: ComposedUserData): string {
  switch (composed.origin) {
    case 'none':
      return 'no user data';
    case 'ours':
      return 'already composed by asg-patcher';
    case 'seed':
      return `written by the seed script (its block is dropped, the user data after it kept): ${composed.migrations.map(describeMigration).join('; ')}`;
    case 'plain':
      return `customer user data (${composed.customerKind})`;
  }
}

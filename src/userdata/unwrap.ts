/**
 * Finds the customer's own content in a launch template's user data, however the seed script
 * (seed.ts) and asg-patcher have wrapped it, by peeling one layer at a time and looking again:
 *
 * - the seed's block at the start: dropped (the seed ran over anything, its own output and our
 *   archive included: `block + "\n" + old user data`);
 * - our archive (plain, or gzipped whole): our part dropped, its customer part looked into;
 * - gzip: inflated and looked into; kept as it is (compressed) when nothing inside is the seed's
 *   or ours, inflated (as cloud-init reads it) when something was;
 * - a customer MIME message: each part looked into, and a part that starts with the seed's block
 *   rewritten without it (or removed when nothing follows), every other byte kept.
 *
 * The seed drops old user data that is not UTF-8 (gzip, so our archive gzipped whole), so what
 * it wrote over that is its block alone: there is nothing left to keep, and only our script stays.
 */
import { UnsupportedUserDataError } from '../errors.ts';
import { type Archive, claimsOurs, deterministicGzip, editedByHand, parseArchive } from './archive.ts';
import { classifyCustomer, gunzip, isGzip, isMime, isUtf8 } from './kinds.ts';
import { decodeQuotedPrintable, type MimeNode, readMimeStructure } from './mime.ts';
import { stripSeedBlock } from './seed.ts';

/** One layer migration took away. */
export interface Migration {
  /** The seed's block, our archive found inside other content, or a part left empty by the seed. */
  dropped: 'seed-block' | 'asg-patcher-archive' | 'empty-part';
  /** Where it was, in words: `the user data after the seed script's block`. */
  where: string;
}

export interface Unwrapped {
  /** The customer's content, byte for byte as they wrote it (empty when none). */
  bytes: Buffer;
  /** Our archive found in the user data (the outermost), read back. */
  previous: Archive | undefined;
  /**
   * True when `previous` is the whole user data as EC2 stores it (or its gzip) and nothing was
   * migrated: only then can the user data already be what we compose.
   */
  whole: boolean;
  /** What was taken away around and inside the customer's content, outermost first. */
  migrations: Migration[];
}

/**
 * Layers are few (each run of the seed or of us adds one); the bound stops crafted input (gzip
 * that inflates to an archive holding the same gzip) from recursing without end.
 */
const MAX_LAYERS = 32;

/** cloud-init's DECOMP_TYPES: parts it inflates before finding their type again. */
const DECOMP_TYPES = new Set([
  'application/gzip',
  'application/gzip-compressed',
  'application/gzipped',
  'application/x-compress',
  'application/x-compressed',
  'application/x-gunzip',
  'application/x-gzip',
  'application/x-gzip-compressed',
]);

/**
 * Types cloud-init finds again from how the content starts (TYPE_NEEDED and text/x-shellscript;
 * user_data.py `_process_msg`): in those, dropping the seed's block leaves a part cloud-init reads
 * by what follows, as the bare user data would have been read.
 */
const RETYPED = new Set(['text/plain', 'text/x-not-multipart', 'text/x-shellscript']);

interface At {
  where: string;
  depth: number;
  /** True for the user data itself (or the inside of its whole gzip). */
  top: boolean;
}

const nothingFound = (bytes: Buffer): Unwrapped => ({
  bytes,
  previous: undefined,
  whole: false,
  migrations: [],
});

/**
 * The customer's content in `raw` (a launch template's user data, decoded).
 * @throws UnsupportedUserDataError when something cannot be migrated safely (our archive edited
 * by hand, the seed's block edited by hand, the seed's block in a part whose type cloud-init does
 * not find again), saying what to fix
 */
export function unwrapUserData(raw: Buffer): Unwrapped {
  return unwrap(raw, { where: 'the user data', depth: 0, top: true });
}

function unwrap(bytes: Buffer, at: At): Unwrapped {
  if (at.depth > MAX_LAYERS) {
    throw new UnsupportedUserDataError(
      `user data nested more than ${MAX_LAYERS} layers deep (seed-script blocks, asg-patcher archives and gzip inside one another) in ${at.where}; restore a launch template version from before the nesting`,
    );
  }
  const inner = (where: string, top = false): At => ({ where, depth: at.depth + 1, top });

  const afterSeed = stripSeedBlock(bytes, at.where);
  if (afterSeed) {
    const found = unwrap(afterSeed, inner(`${at.where} after the seed script's block`));
    return {
      ...found,
      whole: false,
      migrations: [{ dropped: 'seed-block', where: at.where }, ...found.migrations],
    };
  }

  if (isGzip(bytes)) {
    const inflated = gunzip(bytes);
    // cloud-init does not read gzip inside gzip: left for classifyCustomer to refuse.
    if (isGzip(inflated)) return nothingFound(bytes);
    const where = `the gzip-compressed ${at.where.replace(/^the /, '')}`;
    const archive = parseArchive(inflated, where);
    if (archive) return fromArchive({ ...archive, wholeGzip: true }, inner(where, at.top), at);
    const found = unwrap(inflated, inner(where));
    return found.previous || found.migrations.length > 0 ? found : nothingFound(bytes);
  }

  const archive = parseArchive(bytes, at.where);
  if (archive) return fromArchive(archive, at, at);

  if (claimsOurs(bytes)) throw editedByHand(at.where);
  if (isMime(bytes) && isUtf8(bytes)) {
    const migrated = migrateMime(bytes, at);
    if (migrated.migrations.length > 0) return migrated;
  }
  return nothingFound(bytes);
}

/** Our archive, read back at `at` (inside gzip at `outer`): its customer part, looked into. */
function fromArchive(archive: Archive, at: At, outer: At): Unwrapped {
  const found = unwrap(archive.customer ?? Buffer.alloc(0), {
    where: `the customer part of the asg-patcher archive in ${outer.where}`,
    depth: at.depth + 1,
    top: false,
  });
  const here: Migration[] = at.top ? [] : [{ dropped: 'asg-patcher-archive', where: outer.where }];
  return {
    bytes: found.bytes,
    previous: archive,
    whole: at.top && found.migrations.length === 0,
    migrations: [...here, ...found.migrations],
  };
}

/** An edit to the customer's MIME message: bytes [start, end) become `replacement`. */
interface Edit {
  start: number;
  end: number;
  replacement: Buffer;
}

/**
 * Drops the seed's block from every part of a customer MIME message that starts with it (at any
 * depth), byte for byte everywhere else.
 */
function migrateMime(message: Buffer, at: At): Unwrapped {
  const edits: Edit[] = [];
  const migrations: Migration[] = [];
  const visit = (node: MimeNode, label: string) => {
    if (node.children) {
      for (const [i, child] of node.children.entries())
        visit(child, label ? `${label}.${i + 1}` : `${i + 1}`);
      return;
    }
    const where = label ? `MIME part ${label} (${node.contentType}) of ${at.where}` : at.where;
    const edit = migratePart(message, node, where);
    if (!edit) return;
    edits.push(edit.edit);
    migrations.push(...edit.migrations);
  };
  visit(readMimeStructure(message), '');
  let bytes = message;
  for (const edit of edits.reverse()) {
    bytes = Buffer.concat([bytes.subarray(0, edit.start), edit.replacement, bytes.subarray(edit.end)]);
  }
  return { bytes, previous: undefined, whole: false, migrations };
}

/** A leaf part without the seed's block (or removed), or undefined when it does not start with it. */
function migratePart(
  message: Buffer,
  node: MimeNode,
  where: string,
): { edit: Edit; migrations: Migration[] } | undefined {
  const compressed = DECOMP_TYPES.has(node.contentType);
  if (!compressed && !node.contentType.startsWith('text/')) return undefined;
  const body = message.subarray(node.bodyStart, node.bodyEnd);
  const encoding = node.transferEncoding;
  const decoded =
    encoding === 'base64'
      ? Buffer.from(body.toString('latin1'), 'base64')
      : encoding === 'quoted-printable'
        ? decodeQuotedPrintable(body)
        : body;
  let content = decoded;
  if (compressed) {
    // A part that does not inflate is skipped by cloud-init (logged); nothing of the seed's to find.
    if (!isGzip(decoded)) return undefined;
    try {
      content = gunzip(decoded);
    } catch {
      return undefined;
    }
  }
  const migrations: Migration[] = [];
  for (let rest = stripSeedBlock(content, where); rest; rest = stripSeedBlock(content, where)) {
    migrations.push({
      dropped: 'seed-block',
      where: migrations.length === 0 ? where : `${where}, after another seed-script block`,
    });
    content = rest;
  }
  if (migrations.length === 0) return undefined;
  const fix = `move what follows "# 3) Existing userdata (if any)" into a part of its own and delete the seed script's block (asg-patcher's script does what it did)`;
  if (!compressed && !RETYPED.has(node.contentType)) {
    throw new UnsupportedUserDataError(
      `${where} starts with the seed script's block, and cloud-init reads a ${node.contentType} part as that type whatever follows, so dropping the block would change how it reads the rest; ${fix}`,
    );
  }
  if (content.length === 0) {
    // The part held the seed's block alone: our script does what it did.
    return {
      edit: { start: node.partStart, end: node.end, replacement: Buffer.alloc(0) },
      migrations: [...migrations, { dropped: 'empty-part', where }],
    };
  }
  if (claimsOurs(content)) throw editedByHand(`${where} after the seed script's block`);
  let kind: ReturnType<typeof classifyCustomer>;
  try {
    kind = classifyCustomer(content);
  } catch (error) {
    throw new UnsupportedUserDataError(
      `${where} starts with the seed script's block, and what follows it is not something cloud-init reads as a part of its own (${error instanceof Error ? error.message : String(error)}); ${fix}`,
      { cause: error },
    );
  }
  if (kind.kind !== 'text') {
    throw new UnsupportedUserDataError(
      `${where} starts with the seed script's block, and what follows it is ${kind.kind === 'mime' ? 'a MIME message' : 'not text'}, which cloud-init does not read inside a part; ${fix}`,
    );
  }
  return { edit: { start: node.bodyStart, end: node.bodyEnd, replacement: encodeBody() }, migrations };

  function encodeBody(): Buffer {
    const payload = compressed ? deterministicGzip(content) : content;
    if (encoding === 'base64') return reencodeBase64(body, payload);
    if (compressed || encoding === 'quoted-printable') {
      // The seed's block is plain ASCII with short lines, so quoted-printable leaves it as it is.
      if (!compressed && body.subarray(body.length - content.length).equals(content)) {
        return body.subarray(body.length - content.length);
      }
      throw new UnsupportedUserDataError(
        `${where} starts with the seed script's block in ${encoding || '7bit'} encoding that cannot be rewritten without it; re-encode the part as base64 or 7bit, or ${fix}`,
      );
    }
    return content;
  }
}

/** `payload` in base64 laid out as `body` was: its line length, line ending and trailing space. */
function reencodeBase64(body: Buffer, payload: Buffer): Buffer {
  const text = body.toString('latin1');
  const eol = /\r\n|\r|\n/.exec(text)?.[0] ?? '\n';
  const firstLine = text.split(/\r\n|\r|\n/, 1)[0] ?? '';
  const width =
    firstLine.length > 0 && text.trimEnd().length > firstLine.length ? firstLine.length : Infinity;
  const trailing = text.slice(text.trimEnd().length);
  const b64 = payload.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += width) lines.push(b64.slice(i, i + width));
  return Buffer.from(lines.join(eol) + trailing, 'latin1');
}

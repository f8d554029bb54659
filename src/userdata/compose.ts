/**
 * Composes a launch template's user data: our patch script first, the customer's content kept
 * byte for byte after it, as one MIME multipart archive cloud-init reads (see archive.ts for the
 * layout, unwrap.ts for how the customer's content is found under the seed script's and our own
 * wrappings, and kinds.ts for how it is recognised).
 *
 * Size: our script (about 15 KB) is carried as its own gzip part (about 5 KB in base64's 7 KB), so
 * the customer's content stays plain and readable in the archive. Only when that archive is still
 * over EC2's 16 KB is the whole archive gzipped (our part then plain inside it); past that,
 * UserDataTooLargeError.
 *
 * MIME library: the archive is written and read back here in its own fixed layout, and the
 * customer's MIME is never re-serialised (it is nested whole), so composing needs no MIME parser
 * and stays synchronous. Independent parsing (the preview's part listing and the tests) uses
 * @zone-eu/mailsplit: maintained (Zone Mail / Nodemailer authors), Node >= 20, splits a message
 * into nodes and rejoins it byte-identically, keeps CRLF/LF as they are, handles nested multipart,
 * and decodes each part's transfer encoding. postal-mime and mailparser decode into new strings
 * (bytes not kept); emailjs-mime-parser is string-based and little maintained; mimetext only builds
 * messages and adds Date/Message-ID headers (not deterministic).
 */
import { UnsupportedUserDataError, UserDataTooLargeError } from '../errors.ts';
import type { PatchOptions } from '../schemas.ts';
import {
  type Archive,
  type ArchivePart,
  buildArchive,
  deterministicGzip,
  SCRIPT_FILENAME,
  type ScriptEncoding,
} from './archive.ts';
import { type CustomerKind, classifyCustomer } from './kinds.ts';
import { renderPatchScript } from './script.ts';
import { type Migration, type Unwrapped, unwrapUserData } from './unwrap.ts';

/**
 * EC2 limits user data to 16 KB "in raw form, before it is base64-encoded":
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-add-user-data.html
 */
export const USER_DATA_LIMIT_BYTES = 16384;

export interface ComposedUserData {
  /** The new UserData, base64, ready for CreateLaunchTemplateVersion. */
  base64: string;
  /** Decoded size of the existing user data, in bytes (0 when absent). */
  bytesBefore: number;
  /** Decoded size of the composed user data, in bytes (what EC2's 16 KB limit applies to). */
  bytesAfter: number;
  /**
   * True when the existing user data already is exactly what we would compose: the same bytes, or
   * the same script, customer part and layout with gzip bytes from another zlib build.
   */
  alreadyCurrent: boolean;
  /** One line a part: type, size, ours or the customer's. */
  summary: string;
  /** The composed user data as EC2 stores it (gzip of `archive` when `gzipped`). */
  raw: Buffer;
  /** The MIME archive (`raw` itself, or what `raw` inflates to when `gzipped`). */
  archive: Buffer;
  /**
   * True when the archive with our part compressed was still over the limit, so the whole archive
   * (with our part plain) is stored gzipped.
   */
  gzipped: boolean;
  /** How our script part is carried in `archive`: `gzip` unless the whole archive is gzipped. */
  scriptEncoding: ScriptEncoding;
  /** Our script, as it runs on the instance. */
  script: Buffer;
  /** Our part, then the customer's (if any). */
  parts: ArchivePart[];
  /** How the customer's content is carried. */
  customerKind: CustomerKind['kind'];
  /**
   * Where the customer's content came from: none, bare user data, our own archive, or user data
   * the seed script wrote (its block dropped wherever it was: around our archive, inside it, in
   * gzip, in a part of the customer's MIME).
   */
  origin: CustomerOrigin;
  /** Our archive found in the existing user data (the outermost; origin `ours`, or `seed` around it), read back. */
  previous: Archive | undefined;
  /** What migration took away, outermost first (empty unless `origin` is `seed`, or our archive was nested). */
  migrations: Migration[];
}

export type CustomerOrigin = 'none' | 'plain' | 'ours' | 'seed';

/** Decodes a launch template's UserData (base64); absent or empty gives no bytes. */
function decodeUserData(existing: string | undefined): Buffer {
  if (!existing) return Buffer.alloc(0);
  if (!/^[A-Za-z0-9+/=\s]*$/.test(existing)) {
    throw new UnsupportedUserDataError('a UserData value that is not base64');
  }
  return Buffer.from(existing, 'base64');
}

function originOf(found: Unwrapped, raw: Buffer): CustomerOrigin {
  if (found.migrations.some((m) => m.dropped === 'seed-block')) return 'seed';
  if (found.previous) return 'ours';
  return raw.length === 0 ? 'none' : 'plain';
}

/**
 * Gives back the customer's original content, byte for byte, from user data we composed (or from
 * seed-script user data in any nesting, or bare user data). Exceptions: gzip of a MIME message or
 * of non-ASCII text is carried inflated (cloud-init would not read it the same as a gzip part), so
 * that gives back the inflated content; so does gzip around the seed's block (the gzip held it).
 * @param base64 a UserData value (base64), or undefined
 */
export function decomposeUserData(base64: string | undefined): Buffer {
  return unwrapUserData(decodeUserData(base64)).bytes;
}

/**
 * Composes from raw bytes with a given script (the building block; `composeUserData` renders the
 * script from the options).
 * @throws WindowsUserDataError, UnsupportedUserDataError, UserDataTooLargeError
 */
export function composeRaw(before: Buffer, script: Buffer): ComposedUserData {
  const customer = unwrapUserData(before);
  const origin = originOf(customer, before);
  const kind = classifyCustomer(
    customer.bytes,
    customer.migrations.length > 0 ? "what is left after dropping the seed script's block" : undefined,
  );
  // Our part compressed, the customer's plain: what an operator sees in "View user data".
  const readable = buildArchive(script, customer.bytes, kind, 'gzip');
  let archive = readable;
  let raw = readable.bytes;
  let gzipped = false;
  if (raw.length > USER_DATA_LIMIT_BYTES) {
    // cloud-init inflates gzip user data before anything else (user_data.convert_string). Our
    // part is plain inside: gzip then compresses the script once, not base64 of its gzip again.
    archive = buildArchive(script, customer.bytes, kind, 'plain');
    const gz = deterministicGzip(archive.bytes);
    if (gz.length > USER_DATA_LIMIT_BYTES) {
      throw new UserDataTooLargeError(readable.bytes.length, gz.length, USER_DATA_LIMIT_BYTES);
    }
    raw = gz;
    gzipped = true;
  }
  const base64 = raw.toString('base64');
  return {
    base64,
    bytesBefore: before.length,
    bytesAfter: raw.length,
    alreadyCurrent:
      raw.equals(before) || (customer.whole && sameUserData(customer.previous, archive, gzipped)),
    summary: summarise(archive, origin, customer.migrations, kind, raw.length, base64.length, gzipped),
    raw,
    archive: archive.bytes,
    gzipped,
    scriptEncoding: archive.scriptEncoding,
    script,
    parts: archive.parts,
    customerKind: kind.kind,
    origin,
    previous: customer.previous,
    migrations: customer.migrations,
  };
}

/**
 * True when `before` (our archive, read back) gives instances what `after` gives them: the same
 * script in the same kind of part, the same customer part, the same layout. Only gzip bytes may
 * differ: another zlib build (a newer Node) may compress the same bytes differently, and that
 * must not create a new launch template version. A previous layout (our part plain in a gzipped
 * archive, when ours would now be compressed and the archive not) is not current: it is replaced.
 */
function sameUserData(before: Archive | undefined, after: Archive, afterGzipped: boolean): boolean {
  if (!before || before.wholeGzip !== afterGzipped || before.scriptEncoding !== after.scriptEncoding) {
    return false;
  }
  if (!before.script.equals(after.script)) return false;
  const [was, is] = [before.parts[1], after.parts[1]];
  if (!was || !is) return was === is;
  return (
    was.contentType === is.contentType &&
    was.transferEncoding === is.transferEncoding &&
    was.content.equals(is.content)
  );
}

/**
 * @param existing the current UserData (base64), or undefined when the version has none
 * @throws WindowsUserDataError, UnsupportedUserDataError, UserDataTooLargeError
 */
export function composeUserData(existing: string | undefined, options: PatchOptions): ComposedUserData {
  return composeRaw(decodeUserData(existing), Buffer.from(renderPatchScript(options)));
}

function summarise(
  archive: Archive,
  origin: CustomerOrigin,
  migrations: Migration[],
  kind: CustomerKind,
  rawBytes: number,
  base64Bytes: number,
  gzipped: boolean,
): string {
  const lines = archive.parts.map((part, i) => {
    const who =
      part.owner === 'patch-script'
        ? archive.scriptEncoding === 'gzip'
          ? `asg-patcher script ${SCRIPT_FILENAME} (${archive.script.length} B gzipped; cloud-init inflates it and runs it as text/x-shellscript)`
          : `asg-patcher script ${SCRIPT_FILENAME}`
        : kind.kind === 'mime'
          ? "customer's MIME message, nested whole (its own parts, in order)"
          : kind.kind === 'inflated'
            ? "customer's gzip content, carried inflated (as cloud-init reads it)"
            : kind.kind === 'gzip'
              ? `customer's gzip content (${kind.innerType} inside), kept compressed`
              : "customer's content, byte for byte";
    return `${i + 1}. ${part.contentType} ${part.content.length} B (${part.transferEncoding}): ${who}`;
  });
  for (const m of migrations) lines.push(`migrated: ${describeMigration(m)}`);
  if (
    origin === 'ours' ||
    (origin === 'seed' && migrations.some((m) => m.dropped === 'asg-patcher-archive'))
  ) {
    lines.push('replaced the previous asg-patcher part');
  }
  lines.push(
    `total ${rawBytes} B raw${gzipped ? ' (whole archive gzipped: still over the limit with our part compressed)' : ''}, ${base64Bytes} B base64; EC2 limit ${USER_DATA_LIMIT_BYTES} B raw`,
  );
  return lines.join('\n');
}

/** One migration, in words. */
export function describeMigration(m: Migration): string {
  switch (m.dropped) {
    case 'seed-block':
      return `dropped the seed script's block from ${m.where}`;
    case 'asg-patcher-archive':
      return `dropped the previous asg-patcher part from ${m.where}`;
    case 'empty-part':
      return `removed ${m.where}: it held the seed script's block alone`;
  }
}

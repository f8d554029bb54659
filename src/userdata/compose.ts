/**
 * Composes a launch template's user data: our patch script first, the customer's content kept
 * byte for byte after it, as one MIME multipart archive cloud-init reads (see archive.ts for the
 * layout and kinds.ts for how the customer's content is recognised).
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
  type ArchivePart,
  buildArchive,
  deterministicGzip,
  readArchive,
  SCRIPT_FILENAME,
} from './archive.ts';
import { type CustomerKind, classifyCustomer, isGzip } from './kinds.ts';
import { renderPatchScript } from './patch-script.ts';
import { stripSeedBlock } from './seed.ts';

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
   * True when the existing user data already is exactly what we would compose (the same bytes, or
   * the same archive gzipped by another zlib build).
   */
  alreadyCurrent: boolean;
  /** One line a part: type, size, ours or the customer's. */
  summary: string;
  /** The composed user data as EC2 stores it (gzip of `archive` when `gzipped`). */
  raw: Buffer;
  /** The MIME archive, uncompressed. */
  archive: Buffer;
  /** True when the archive was over the limit and is stored gzipped. */
  gzipped: boolean;
  /** Our part, then the customer's (if any). */
  parts: ArchivePart[];
  /** How the customer's content is carried. */
  customerKind: CustomerKind['kind'];
  /** Where the customer's content came from: none, bare user data, our own archive, or the seed script's. */
  origin: CustomerOrigin;
}

export type CustomerOrigin = 'none' | 'plain' | 'ours' | 'seed';

export interface CustomerContent {
  /** The customer's content, byte for byte as they wrote it (empty when none). */
  bytes: Buffer;
  origin: CustomerOrigin;
}

/** Decodes a launch template's UserData (base64); absent or empty gives no bytes. */
export function decodeUserData(existing: string | undefined): Buffer {
  if (!existing) return Buffer.alloc(0);
  if (!/^[A-Za-z0-9+/=\s]*$/.test(existing)) {
    throw new UnsupportedUserDataError('a UserData value that is not base64');
  }
  return Buffer.from(existing, 'base64');
}

/**
 * The customer's own content inside any user data: the customer part of our archive, what follows
 * the seed script's block, or the whole of anything else.
 * @throws UnsupportedUserDataError when our archive was edited out of its layout
 */
export function extractCustomer(raw: Buffer): CustomerContent {
  const ours = readArchive(raw);
  if (ours) return { bytes: ours.customer ?? Buffer.alloc(0), origin: 'ours' };
  const afterSeed = stripSeedBlock(raw);
  if (afterSeed) return { bytes: extractCustomer(afterSeed).bytes, origin: 'seed' };
  return { bytes: raw, origin: raw.length === 0 ? 'none' : 'plain' };
}

/**
 * Gives back the customer's original content, byte for byte, from user data we composed (or from
 * seed-script user data, or bare user data). One exception: gzip of a MIME message or of non-ASCII
 * text is carried inflated (cloud-init would not read it the same as a gzip part), so that gives
 * back the inflated content.
 * @param base64 a UserData value (base64), or undefined
 */
export function decomposeUserData(base64: string | undefined): Buffer {
  return extractCustomer(decodeUserData(base64)).bytes;
}

/**
 * Composes from raw bytes with a given script (the building block; `composeUserData` renders the
 * script from the options).
 * @throws WindowsUserDataError, UnsupportedUserDataError, UserDataTooLargeError
 */
export function composeRaw(before: Buffer, script: Buffer): ComposedUserData {
  const customer = extractCustomer(before);
  const kind = classifyCustomer(customer.bytes);
  const archive = buildArchive(script, customer.bytes, kind);
  let raw = archive.bytes;
  let gzipped = false;
  if (raw.length > USER_DATA_LIMIT_BYTES) {
    // cloud-init inflates gzip user data before anything else (user_data.convert_string).
    const gz = deterministicGzip(raw);
    if (gz.length > USER_DATA_LIMIT_BYTES) {
      throw new UserDataTooLargeError(raw.length, gz.length, USER_DATA_LIMIT_BYTES);
    }
    raw = gz;
    gzipped = true;
  }
  const base64 = raw.toString('base64');
  return {
    base64,
    bytesBefore: before.length,
    bytesAfter: raw.length,
    // Equal bytes; or, both gzipped, the same archive inside: another zlib build (a newer Node) may
    // compress the same archive differently, and instances get the same user data either way.
    alreadyCurrent:
      raw.equals(before) ||
      (gzipped && isGzip(before) && readArchive(before)?.bytes.equals(archive.bytes) === true),
    summary: summarise(archive.parts, customer.origin, kind, raw.length, base64.length, gzipped),
    raw,
    archive: archive.bytes,
    gzipped,
    parts: archive.parts,
    customerKind: kind.kind,
    origin: customer.origin,
  };
}

/**
 * @param existing the current UserData (base64), or undefined when the version has none
 * @throws WindowsUserDataError, UnsupportedUserDataError, UserDataTooLargeError
 */
export function composeUserData(existing: string | undefined, options: PatchOptions): ComposedUserData {
  return composeRaw(decodeUserData(existing), Buffer.from(renderPatchScript(options)));
}

function summarise(
  parts: ArchivePart[],
  origin: CustomerOrigin,
  kind: CustomerKind,
  rawBytes: number,
  base64Bytes: number,
  gzipped: boolean,
): string {
  const lines = parts.map((part, i) => {
    const who =
      part.owner === 'patch-script'
        ? `asg-patcher script ${SCRIPT_FILENAME}`
        : kind.kind === 'mime'
          ? "customer's MIME message, nested whole (its own parts, in order)"
          : kind.kind === 'inflated'
            ? "customer's gzip content, carried inflated (as cloud-init reads it)"
            : kind.kind === 'gzip'
              ? `customer's gzip content (${kind.innerType} inside), kept compressed`
              : "customer's content, byte for byte";
    return `${i + 1}. ${part.contentType} ${part.content.length} B (${part.transferEncoding}): ${who}`;
  });
  if (origin === 'seed') lines.push("migrated: the seed script's block was dropped, its old user data kept");
  if (origin === 'ours') lines.push('replaced the previous asg-patcher part');
  lines.push(
    `total ${rawBytes} B raw${gzipped ? ' (gzipped)' : ''}, ${base64Bytes} B base64; EC2 limit ${USER_DATA_LIMIT_BYTES} B raw`,
  );
  return lines.join('\n');
}

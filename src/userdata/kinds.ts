/**
 * What a launch template's existing user data is, decided the way cloud-init decides it, so the
 * part we wrap it in is read exactly as cloud-init read the bare user data.
 *
 * cloud-init (cloudinit/user_data.py `convert_string`, cloudinit/handlers/__init__.py
 * `type_from_starts_with`, checked against Debian's cloud-init 22.4.2 unpacked by
 * scripts/install-test-deps.sh):
 * - top-level gzip is decompressed first;
 * - the data is MIME when `mime-version:` occurs (any case) in its first 4096 bytes;
 * - otherwise its type comes from how it starts, after leading whitespace, case-insensitively.
 */
import { isAscii as bufferIsAscii } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import { UnsupportedUserDataError, WindowsUserDataError } from '../errors.ts';

/** cloud-init's INCLUSION_TYPES_MAP (start string -> content type), searched longest first. */
const START_STRING_TYPES: ReadonlyArray<readonly [string, string]> = (
  [
    ['#include', 'text/x-include-url'],
    ['#include-once', 'text/x-include-once-url'],
    ['#!', 'text/x-shellscript'],
    ['#cloud-config', 'text/cloud-config'],
    ['#part-handler', 'text/part-handler'],
    ['#cloud-boothook', 'text/cloud-boothook'],
    ['#cloud-config-archive', 'text/cloud-config-archive'],
    ['#cloud-config-jsonp', 'text/cloud-config-jsonp'],
    ['## template: jinja', 'text/jinja2'],
    ['text/x-shellscript-per-boot', 'text/x-shellscript-per-boot'],
    ['text/x-shellscript-per-instance', 'text/x-shellscript-per-instance'],
    ['text/x-shellscript-per-once', 'text/x-shellscript-per-once'],
  ] as const
)
  .slice()
  .sort((a, b) => b[0].length - a[0].length);

/** gzip's magic number (RFC 1952 2.3.1); cloud-init's `decomp_gzip` tries any data, we look first. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompresses gzip user data (every member, like Python's gzip module), refusing what does not inflate. */
export function gunzip(bytes: Uint8Array): Buffer {
  try {
    // cloud-init inflates without a bound; 16 KB of gzip cannot honestly need more than this.
    return gunzipSync(bytes, { maxOutputLength: 16 * 1024 * 1024 });
  } catch (error) {
    throw new UnsupportedUserDataError('gzip data that does not decompress', { cause: error });
  }
}

/**
 * True when every byte is ASCII. Node's own check (native, vectorised): a JavaScript loop over each
 * byte took a fifth of the composer's time on 16 KB of user data.
 */
export function isAscii(bytes: Uint8Array): boolean {
  return bufferIsAscii(bytes);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function isUtf8(bytes: Uint8Array): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Drops leading characters Python's str.isspace() accepts (JS `\s` plus U+001C..U+001F and U+0085). */
function stripLeadingSpace(text: string): string {
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (!(/\s/.test(text.charAt(i)) || (code >= 0x1c && code <= 0x1f) || code === 0x85)) break;
    i++;
  }
  return text.slice(i);
}

/** cloud-init's `type_from_starts_with`: the content type its start string maps to, if any. */
function typeFromStartsWith(bytes: Uint8Array): string | undefined {
  // cloud-init decodes with surrogateescape, so bytes that are not UTF-8 never fail the match.
  const head = new TextDecoder('utf-8').decode(bytes.subarray(0, 4096));
  const stripped = stripLeadingSpace(head);
  const lower = stripped.slice(0, 64).toLowerCase();
  return START_STRING_TYPES.find(([prefix]) => lower.startsWith(prefix))?.[1];
}

/** Python's email feedparser header line (`headerRE`), or an mbox `From ` line. */
const HEADER_LINE = /^(From |[\x21-\x39\x3b-\x7e]+:)/;

/** cloud-init reads MIME when `mime-version:` is in the first 4096 bytes; we also need a header first. */
export function isMime(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 4096)).toString('latin1');
  return head.toLowerCase().includes('mime-version:') && HEADER_LINE.test(head);
}

/**
 * Windows user data that EC2Launch/EC2Config read: `<powershell>`, `<script>` or `<persist>` tags,
 * or EC2Launch v2's YAML agent configuration (top-level `version:` and `tasks:`).
 * https://docs.aws.amazon.com/AWSEC2/latest/WindowsGuide/ec2-windows-user-data.html
 */
function windowsMarker(bytes: Uint8Array): string | undefined {
  const text = Buffer.from(bytes).toString('latin1');
  const tag = /<(powershell|script|persist)>/i.exec(text);
  if (tag) return `<${tag[1]?.toLowerCase()}> block`;
  if (/^version:/m.test(text) && /^tasks:/m.test(text)) return 'EC2Launch v2 YAML with version and tasks';
  return undefined;
}

/** Control bytes that never occur in text: NUL, the C0 set except tab, LF, VT, FF, CR and ESC; DEL. */
function hasBinaryByte(bytes: Uint8Array): boolean {
  return bytes.some((b) => b <= 0x08 || (b >= 0x0e && b <= 0x1a) || b === 0x7f);
}

/** How the customer's content is carried in our archive. */
export type CustomerKind =
  /** Nothing to keep. */
  | { kind: 'empty' }
  /** A cloud-init MIME message, kept whole as a nested part (its own parts, in order). */
  | { kind: 'mime' }
  /** One part of the content type cloud-init gives the start string. */
  | { kind: 'text'; contentType: string }
  /** gzip of ASCII text of a non-MIME kind, kept compressed: cloud-init inflates `application/x-gzip` parts. */
  | { kind: 'gzip'; innerType: string }
  /**
   * gzip that cloud-init would not read the same as a gzip part (a MIME message, or text that is
   * not ASCII: it inflates parts into a str payload that Python's email package re-encodes with
   * raw-unicode-escape), so it is carried inflated, as cloud-init read it; the gzip bytes are not kept.
   */
  | { kind: 'inflated'; inner: Buffer; innerKind: { kind: 'mime' } | { kind: 'text'; contentType: string } };

/**
 * Decides how the customer's content is kept, or refuses it.
 * @throws WindowsUserDataError for Windows user data; UnsupportedUserDataError for binary data,
 * text cloud-init ignores, MIME that is not UTF-8, or gzip that does not inflate to a known kind
 * @param where where the content was found, for the message (when migration unwrapped it)
 */
export function classifyCustomer(bytes: Buffer, where?: string): CustomerKind {
  const refuse = (detail: string) => new UnsupportedUserDataError(where ? `${detail}, in ${where}` : detail);
  if (bytes.length === 0) return { kind: 'empty' };
  if (isGzip(bytes)) {
    const inner = gunzip(bytes);
    if (inner.length === 0) return { kind: 'gzip', innerType: 'text/plain' };
    if (isGzip(inner)) throw refuse('gzip inside gzip, which cloud-init does not read');
    const innerKind = classifyCustomer(inner, where);
    if (innerKind.kind === 'mime') return { kind: 'inflated', inner, innerKind };
    if (innerKind.kind === 'text') {
      if (isAscii(inner)) return { kind: 'gzip', innerType: innerKind.contentType };
      return { kind: 'inflated', inner, innerKind };
    }
    throw refuse('gzip data of an unexpected kind');
  }
  if (isMime(bytes)) {
    // cloud-init decodes MIME user data as strict UTF-8 and fails on anything else.
    if (!isUtf8(bytes)) throw refuse('MIME user data that is not UTF-8');
    return { kind: 'mime' };
  }
  const contentType = typeFromStartsWith(bytes);
  if (contentType) return { kind: 'text', contentType };
  const windows = windowsMarker(bytes);
  if (windows) throw new WindowsUserDataError(windows);
  if (!isUtf8(bytes) || hasBinaryByte(bytes)) {
    throw refuse(`${bytes.length} bytes of binary data that is neither gzip nor text`);
  }
  throw refuse(
    'text that cloud-init ignores (it does not start with #!, #cloud-config, #include or another cloud-init marker), so something else probably reads it from the instance metadata and would break if we wrapped it',
  );
}

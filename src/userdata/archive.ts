/**
 * Our MIME multipart archive: written here byte for byte, deterministically (no dates, no random
 * boundary), and read back only in the exact layout written here. Customer MIME is never parsed
 * here: it is carried whole as a nested part, so its bytes cannot change.
 *
 * Layout (LF line endings):
 *   Content-Type: multipart/mixed; boundary="==asg-patcher-<16 hex>=="
 *   MIME-Version: 1.0                      <- cloud-init's MIME test looks for this header
 *   <blank>
 *   --B  + our script part (fixed filename, X-Asg-Patcher-Part: patch-script), either
 *          `gzip`:  application/x-gzip, base64 of a deterministic gzip of the script, or
 *          `plain`: text/x-shellscript, the script as it is (7bit)
 *   --B  + the customer's part: their whole MIME message, or one part we wrote
 *          (X-Asg-Patcher-Part: customer) holding their bytes
 *   --B--
 *
 * The `gzip` script part keeps the customer's part readable in plain text (the EC2 console's
 * "View user data") while our 15 KB script takes about 7 KB (5 KB of gzip, in base64). cloud-init
 * (cloudinit/user_data.py `_process_msg`, 22.4) inflates a part whose Content-Type is in
 * DECOMP_TYPES (`application/x-gzip` is), finds its type again from how the content starts
 * (`#!` -> text/x-shellscript) and keeps the part's filename, so the part is handled and named
 * exactly as the plain one: test/userdata/cloud-init.test.ts checks it with cloud-init's own code.
 * The `plain` script part is what a whole-archive gzip holds (compose.ts): gzip then compresses
 * the script once rather than the base64 of its gzip a second time.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { UnsupportedUserDataError } from '../errors.ts';
import { type CustomerKind, gunzip, isAscii, isGzip } from './kinds.ts';

/**
 * cloud-init writes each shell-script part to `scripts/<filename>` (after `util.clean_filename`,
 * which keeps only `_-.()`, digits and letters) and scripts-user runs them in `sorted()` order
 * (`subp.runparts`); parts without a filename are named `part-NNN`, and cloud-config `runcmd`
 * is written there as `runcmd`. `(` is the lowest byte clean_filename keeps, so this name sorts
 * before every name that does not itself start with `(`.
 */
export const SCRIPT_FILENAME = '(00)-asg-patcher.sh';

const PART_HEADER = 'X-Asg-Patcher-Part';

export interface ArchivePart {
  /** `patch-script` (ours) or `customer`. */
  owner: 'patch-script' | 'customer';
  /** Content-Type as written, or `multipart/*` etc. from the customer's own headers when nested. */
  contentType: string;
  /** The bytes cloud-init decodes from the part (for nested MIME: the whole message). */
  content: Buffer;
  /** Bytes the part takes in the archive, headers included. */
  encodedBytes: number;
  transferEncoding: '7bit' | 'base64' | 'nested';
}

/** How our script part is carried (see the layout above). */
export type ScriptEncoding = 'gzip' | 'plain';

/** What our archive holds: the script and the customer's content as they gave it. */
export interface Archive {
  script: Buffer;
  scriptEncoding: ScriptEncoding;
  /** True when these bytes were read from a gzip of the whole archive. */
  wholeGzip: boolean;
  /** The customer's content (undefined when there is none). */
  customer: Buffer | undefined;
  parts: ArchivePart[];
  bytes: Buffer;
}

/** 7bit is safe when every byte is printable ASCII, tab or LF: then Python's parser returns it unchanged. */
function sevenBitSafe(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (b !== 0x09 && b !== 0x0a && (b < 0x20 || b > 0x7e)) return false;
  }
  return true;
}

function base64Lines(bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines.join('\n');
}

function leafPart(
  owner: ArchivePart['owner'],
  contentType: string,
  content: Buffer,
  filename?: string,
): { text: Buffer; part: ArchivePart } {
  const seven = sevenBitSafe(content) && contentType.startsWith('text/');
  const headers = [
    `Content-Type: ${contentType}${seven ? '; charset="us-ascii"' : ''}`,
    `Content-Transfer-Encoding: ${seven ? '7bit' : 'base64'}`,
    ...(filename ? [`Content-Disposition: attachment; filename="${filename}"`] : []),
    `${PART_HEADER}: ${owner}`,
  ];
  const text = Buffer.concat([
    Buffer.from(`${headers.join('\n')}\n\n`),
    seven ? content : Buffer.from(base64Lines(content)),
  ]);
  return {
    text,
    part: {
      owner,
      contentType,
      content,
      encodedBytes: text.length,
      transferEncoding: seven ? '7bit' : 'base64',
    },
  };
}

function header(boundary: string): string {
  return `Content-Type: multipart/mixed; boundary="${boundary}"\nMIME-Version: 1.0\n\n`;
}

/** A boundary from a hash of the contents, so the same input always gives the same bytes. */
function chooseBoundary(pieces: Buffer[]): string {
  const hash = createHash('sha256');
  for (const piece of pieces) hash.update(piece);
  const base = `==asg-patcher-${hash.digest('hex').slice(0, 16)}`;
  for (let n = 0; ; n++) {
    const boundary = n === 0 ? `${base}==` : `${base}-${n}==`;
    const delimiter = Buffer.from(`--${boundary}`);
    if (pieces.every((piece) => !piece.includes(delimiter))) return boundary;
  }
}

/** The customer part's text and description, by kind. */
function customerPart(kind: CustomerKind, customer: Buffer): { text: Buffer; part: ArchivePart } | undefined {
  switch (kind.kind) {
    case 'empty':
      return undefined;
    case 'text':
      return leafPart('customer', kind.contentType, customer);
    case 'gzip':
      return leafPart('customer', 'application/x-gzip', customer);
    case 'mime':
      return { text: customer, part: nestedPart(customer) };
    case 'inflated':
      return customerPart(kind.innerKind, kind.inner);
  }
}

/** The customer's MIME message, carried whole. */
function nestedPart(message: Buffer): ArchivePart {
  return {
    owner: 'customer',
    contentType: topContentType(message),
    content: message,
    encodedBytes: message.length,
    transferEncoding: 'nested',
  };
}

/** The Content-Type of a MIME message's header block, for summaries only (never for decisions). */
function topContentType(message: Buffer): string {
  const head = message.toString('latin1').split(/\r?\n\r?\n/, 1)[0] ?? '';
  const match = /^content-type:[ \t]*([^;\s]+)/im.exec(head);
  return match?.[1]?.toLowerCase() ?? 'text/plain';
}

/** Our script part, compressed or not. */
function scriptPart(script: Buffer, encoding: ScriptEncoding): { text: Buffer; part: ArchivePart } {
  if (encoding === 'plain') return leafPart('patch-script', 'text/x-shellscript', script, SCRIPT_FILENAME);
  // cloud-init hands an inflated part on as a str, which Python's email package re-encodes with
  // raw-unicode-escape: only ASCII survives that unchanged (kinds.ts, the `inflated` kind).
  if (!isAscii(script)) throw new Error('the patch script must be ASCII to be carried gzipped');
  return leafPart('patch-script', 'application/x-gzip', gzippedScript(script), SCRIPT_FILENAME);
}

/**
 * The last script gzipped, kept: one run composes the same script for every template, often twice
 * (to see whether it is current, then to write it), and level 9 over 16 KB is most of a compose.
 */
let lastScript: { script: Buffer; gzipped: Buffer } | undefined;

function gzippedScript(script: Buffer): Buffer {
  if (!lastScript?.script.equals(script)) {
    lastScript = { script: Buffer.from(script), gzipped: deterministicGzip(script) };
  }
  // A copy: a caller may change the bytes it is given, and the next compose must not see it.
  return Buffer.from(lastScript.gzipped);
}

/**
 * Writes the archive: our script first (gzipped by default), then the customer's content as
 * `kind` says.
 */
export function buildArchive(
  script: Buffer,
  customer: Buffer,
  kind: CustomerKind,
  scriptEncoding: ScriptEncoding = 'gzip',
): Archive {
  const ours = scriptPart(script, scriptEncoding);
  const theirs = customerPart(kind, customer);
  const pieces = theirs ? [ours.text, theirs.text] : [ours.text];
  const boundary = chooseBoundary(pieces);
  const chunks: Buffer[] = [Buffer.from(header(boundary))];
  for (const piece of pieces) chunks.push(Buffer.from(`--${boundary}\n`), piece, Buffer.from('\n'));
  chunks.push(Buffer.from(`--${boundary}--\n`));
  return {
    script,
    scriptEncoding,
    wholeGzip: false,
    customer: theirs?.part.content,
    parts: theirs ? [ours.part, theirs.part] : [ours.part],
    bytes: Buffer.concat(chunks),
  };
}

/** True when these bytes claim to be ours (then they must read back exactly, or we refuse). */
export function claimsOurs(bytes: Buffer): boolean {
  return bytes.includes(`filename="${SCRIPT_FILENAME}"`) || bytes.includes(`${PART_HEADER}: patch-script`);
}

/** The refusal for bytes that claim to be ours but are not in our layout. */
export function editedByHand(where = 'the user data'): UnsupportedUserDataError {
  return new UnsupportedUserDataError(
    `asg-patcher user data that was edited by hand, in ${where}; restore the previous launch template version or remove the asg-patcher part`,
  );
}

const LEAF = new RegExp(
  `^Content-Type: ([^;\\n]+)(; charset="us-ascii")?\\nContent-Transfer-Encoding: (7bit|base64)\\n` +
    `(?:Content-Disposition: attachment; filename="([^"\\n]*)"\\n)?${PART_HEADER}: (patch-script|customer)\\n\\n`,
);

function readLeaf(text: Buffer): { part: ArchivePart; filename?: string } | undefined {
  const match = LEAF.exec(text.toString('latin1'));
  if (!match) return undefined;
  const [head, contentType = '', , encoding, filename, owner] = match;
  const body = text.subarray(head.length);
  let content = body;
  if (encoding === 'base64') {
    const b64 = body.toString('latin1');
    content = Buffer.from(b64.replaceAll('\n', ''), 'base64');
    if (base64Lines(content) !== b64) return undefined;
  }
  return {
    filename,
    part: {
      owner: owner === 'patch-script' ? 'patch-script' : 'customer',
      contentType,
      content,
      encodedBytes: text.length,
      transferEncoding: encoding === 'base64' ? 'base64' : '7bit',
    },
  };
}

/**
 * Reads back an archive written by `buildArchive` (plain or gzipped). Returns undefined for
 * anything that does not claim to be ours.
 * @throws UnsupportedUserDataError when it claims to be ours but was edited out of our layout
 */
export function readArchive(raw: Buffer): Archive | undefined {
  const wholeGzip = isGzip(raw);
  const bytes = wholeGzip ? gunzip(raw) : raw;
  const archive = parseArchive(bytes);
  if (archive) return { ...archive, wholeGzip };
  if (claimsOurs(bytes)) throw editedByHand();
  return undefined;
}

/**
 * Reads back `bytes` when they start with our archive's first line (not gzipped; `wholeGzip` is
 * false), else undefined: what starts otherwise may still hold our archive, after the seed
 * script's block for one (unwrap.ts looks there, and refuses what claims to be ours where it is
 * not).
 * @throws UnsupportedUserDataError when they start like our archive but were edited out of our layout
 */
export function parseArchive(bytes: Buffer, where?: string): Archive | undefined {
  const head = /^Content-Type: multipart\/mixed; boundary="(==asg-patcher-[0-9a-f]{16}(?:-\d+)?==)"/.exec(
    bytes.toString('latin1', 0, 200),
  );
  const boundary = head?.[1];
  if (!boundary || !claimsOurs(bytes)) return undefined;
  const edited = () => editedByHand(where);
  if (!bytes.subarray(0, header(boundary).length).equals(Buffer.from(header(boundary)))) throw edited();
  const open = Buffer.from(`--${boundary}\n`);
  const between = Buffer.from(`\n--${boundary}\n`);
  const close = Buffer.from(`\n--${boundary}--\n`);
  let rest = bytes.subarray(header(boundary).length);
  if (
    !rest.subarray(0, open.length).equals(open) ||
    !rest.subarray(rest.length - close.length).equals(close)
  ) {
    throw edited();
  }
  rest = rest.subarray(open.length, rest.length - close.length);
  const cut = rest.indexOf(between);
  const oursText = cut === -1 ? rest : rest.subarray(0, cut);
  const theirsText = cut === -1 ? undefined : rest.subarray(cut + between.length);
  const ours = readLeaf(oursText);
  if (ours?.part.owner !== 'patch-script' || ours.filename !== SCRIPT_FILENAME) throw edited();
  const { scriptEncoding, script } = readScript(ours.part, edited);
  const read = { script, scriptEncoding, wholeGzip: false, bytes };
  if (theirsText === undefined) return { ...read, customer: undefined, parts: [ours.part] };
  if (theirsText.includes(between)) throw edited();
  const leaf = readLeaf(theirsText);
  if (leaf && leaf.part.owner !== 'customer') throw edited();
  const part = leaf?.part ?? nestedPart(theirsText);
  return { ...read, customer: part.content, parts: [ours.part, part] };
}

/**
 * The script inside our part: as written (`plain`, the layout before the script was compressed,
 * and the one inside a whole-archive gzip) or inflated (`gzip`).
 */
function readScript(
  part: ArchivePart,
  edited: () => Error,
): { scriptEncoding: ScriptEncoding; script: Buffer } {
  if (part.contentType === 'text/x-shellscript') return { scriptEncoding: 'plain', script: part.content };
  if (part.contentType !== 'application/x-gzip' || !isGzip(part.content)) throw edited();
  let script: Buffer;
  try {
    script = gunzip(part.content);
  } catch {
    throw edited();
  }
  if (!isAscii(script)) throw edited();
  return { scriptEncoding: 'gzip', script };
}

/**
 * gzip that gives the same bytes on every machine: no file name, mtime 0 (zlib's default), and
 * the OS byte fixed to 3 (Unix) whatever platform built Node's zlib.
 */
export function deterministicGzip(bytes: Uint8Array): Buffer {
  const gz = gzipSync(bytes, { level: 9 });
  gz[9] = 3;
  return gz;
}

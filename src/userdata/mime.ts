/**
 * A MIME message's structure with byte offsets, read the way Python's email.feedparser reads it
 * (cloud-init parses user data with it, compat32 policy), so migration can replace one part's body
 * and leave every other byte of the customer's message as it was. Only what that needs: header
 * blocks, Content-Type (type and boundary), Content-Transfer-Encoding, and multipart bodies split
 * on boundary lines. Synchronous and dependency-free, like the rest of composing; mailsplit
 * (parts.ts) stays the independent reader the tests check against.
 *
 * feedparser rules followed here: lines end at CRLF, CR or LF; headers end at a blank line or at
 * the first line that is not a header (`headerRE`); a boundary line is `--boundary`, optionally
 * `--`, then spaces or tabs only; a part ends at its own boundary or any enclosing one; repeated
 * boundary lines make no empty parts; the line ending before a boundary belongs to the boundary
 * (RFC 2046), so it is not part of the body before it.
 */

export interface MimeNode {
  /** Where the line that introduces the part starts (its boundary line; `start` for the top). */
  partStart: number;
  /** Where the headers start. */
  start: number;
  /** Where the body starts. */
  bodyStart: number;
  /** Where the body ends, before the line ending that belongs to the next boundary. */
  bodyEnd: number;
  /** Where the part ends: the next boundary line (or the end of the enclosing range). */
  end: number;
  /** Lower-cased `type/subtype`; `text/plain` when absent or malformed, as Python gives it. */
  contentType: string;
  /** Lower-cased Content-Transfer-Encoding, `` when absent. */
  transferEncoding: string;
  /** The parts of a multipart with a boundary, in order; undefined for a leaf. */
  children: MimeNode[] | undefined;
}

interface Line {
  start: number;
  /** End of the line's text, before its line ending. */
  textEnd: number;
  /** End of the line, after its line ending. */
  end: number;
}

/** feedparser's `headerRE`: a header (or an mbox `From ` line) or a continuation line. */
const HEADER_LINE = /^(From |[\x21-\x39\x3b-\x7e]*:|[\t ])/;

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  const re = /\r\n|\r|\n/g;
  let start = 0;
  for (let match = re.exec(text); match; match = re.exec(text)) {
    lines.push({ start, textEnd: match.index, end: match.index + match[0].length });
    start = match.index + match[0].length;
  }
  if (start < text.length) lines.push({ start, textEnd: text.length, end: text.length });
  return lines;
}

/** compat32's header parsing: the name before the first colon, the value left-trimmed, folded lines joined. */
function parseHeaders(text: string, lines: Line[], from: number, to: number) {
  const headers: [string, string][] = [];
  let i = from;
  for (; i < to; i++) {
    const line = lines[i] as Line;
    const content = text.slice(line.start, line.textEnd);
    if (content === '') return { headers, bodyLine: i + 1 };
    if (!HEADER_LINE.test(content)) break;
    const last = headers.at(-1);
    if (/^[\t ]/.test(content) && last) {
      last[1] += text.slice(lines[i - 1]?.textEnd ?? line.start, line.textEnd);
    } else {
      const colon = content.indexOf(':');
      headers.push(
        colon === -1 ? [content, ''] : [content.slice(0, colon), content.slice(colon + 1).trimStart()],
      );
    }
  }
  return { headers, bodyLine: i };
}

function header(headers: [string, string][], name: string): string | undefined {
  return headers.find(([key]) => key.toLowerCase() === name)?.[1];
}

/** Python's `Message.get_content_type`. */
function contentTypeOf(value: string | undefined): string {
  if (value === undefined) return 'text/plain';
  const type = (value.split(';', 1)[0] ?? '').trim().toLowerCase();
  return type.split('/').length === 2 ? type : 'text/plain';
}

/** Python's `Message.get_boundary`: the `boundary` parameter, unquoted, right-trimmed. */
function boundaryOf(value: string): string | undefined {
  // email.message._parseparam: `;`-separated, except inside double quotes.
  let rest = `;${value}`;
  while (rest.startsWith(';')) {
    rest = rest.slice(1);
    let end = rest.indexOf(';');
    const quotes = (n: number) =>
      (rest.slice(0, n).match(/"/g)?.length ?? 0) - (rest.slice(0, n).match(/\\"/g)?.length ?? 0);
    while (end > 0 && quotes(end) % 2 === 1) end = rest.indexOf(';', end + 1);
    if (end < 0) end = rest.length;
    const param = rest.slice(0, end);
    rest = rest.slice(end);
    const eq = param.indexOf('=');
    if (eq === -1 || param.slice(0, eq).trim().toLowerCase() !== 'boundary') continue;
    let boundary = param.slice(eq + 1).trim();
    if (boundary.length > 1 && boundary.startsWith('"') && boundary.endsWith('"')) {
      boundary = boundary.slice(1, -1).replaceAll('\\\\', '\\').replaceAll('\\"', '"');
    }
    return boundary.trimEnd();
  }
  return undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** feedparser's `boundaryre`, matched against a line with its line ending. */
function boundaryLine(boundary: string): RegExp {
  return new RegExp(`^${escapeRegExp(`--${boundary}`)}(--)?[ \\t]*(\\r\\n|\\r|\\n)?$`);
}

/**
 * Reads a node from lines [from, to): `closers` are the enclosing boundaries, any of which ends a
 * part; `sub` is true for a part of a multipart (its last line ending belongs to the boundary).
 */
function readNode(
  text: string,
  lines: Line[],
  from: number,
  to: number,
  partStart: number,
  closers: RegExp[],
  sub: boolean,
): MimeNode {
  const offset = (i: number) => (i < lines.length ? (lines[i] as Line).start : text.length);
  const { headers, bodyLine } = parseHeaders(text, lines, from, to);
  const contentType = contentTypeOf(header(headers, 'content-type'));
  const transferEncoding = (header(headers, 'content-transfer-encoding') ?? '').trim().toLowerCase();
  const start = offset(from);
  const end = offset(to);
  const bodyStart = Math.min(offset(bodyLine), end);
  let bodyEnd = end;
  if (sub && to > bodyLine) {
    const last = lines[to - 1] as Line;
    bodyEnd = Math.max(bodyStart, last.textEnd);
  }
  const node: MimeNode = {
    partStart,
    start,
    bodyStart,
    bodyEnd,
    end,
    contentType,
    transferEncoding,
    children: undefined,
  };
  const value = header(headers, 'content-type');
  const boundary =
    contentType.startsWith('multipart/') && value !== undefined ? boundaryOf(value) : undefined;
  if (boundary === undefined) return node;
  const own = boundaryLine(boundary);
  const closing = [...closers, own];
  const isBoundary = (i: number, res: RegExp[]) => {
    const line = lines[i] as Line;
    const content = text.slice(line.start, line.end);
    return res.some((re) => re.test(content));
  };
  const children: MimeNode[] = [];
  let i = bodyLine;
  while (i < to) {
    const line = lines[i] as Line;
    const match = own.exec(text.slice(line.start, line.end));
    if (!match) {
      i++; // the preamble
      continue;
    }
    if (match[1]) break; // the close boundary; the epilogue follows
    const introduced = line.start;
    i++;
    while (i < to && isBoundary(i, [own])) i++;
    let next = i;
    while (next < to && !isBoundary(next, closing)) next++;
    children.push(readNode(text, lines, i, next, introduced, closing, true));
    i = next;
  }
  node.children = children;
  return node;
}

/** The structure of a MIME message (the whole of `message` is its range). */
export function readMimeStructure(message: Buffer): MimeNode {
  const text = message.toString('latin1');
  const lines = splitLines(text);
  return readNode(text, lines, 0, lines.length, 0, [], false);
}

/** Quoted-printable decoding (RFC 2045 6.7), lenient like Python's quopri. */
export function decodeQuotedPrintable(body: Buffer): Buffer {
  const text = body.toString('latin1').replace(/=(\r\n|\r|\n)/g, '');
  return Buffer.from(
    text.replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
    'latin1',
  );
}

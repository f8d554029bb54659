/**
 * Lists the leaf parts of a MIME message with an independent, maintained parser
 * (@zone-eu/mailsplit; see compose.ts for why this one): what the preview shows and what tests
 * use to check our archive from the outside.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SplitterChunk } from '@zone-eu/mailsplit';
import { Splitter } from '@zone-eu/mailsplit';

export interface MimePart {
  /** 1-based position among the leaves, in document order (the order cloud-init walks them). */
  index: number;
  /** How many multipart containers enclose it (1 for a direct child of the top message). */
  depth: number;
  contentType: string;
  filename: string | undefined;
  transferEncoding: string;
  /** The part's body as it stands in the message (encoded). */
  body: Buffer;
  /** The body with its Content-Transfer-Encoding undone. */
  content: Buffer;
}

async function decode(node: { getDecoder(): NodeJS.ReadWriteStream }, body: Buffer): Promise<Buffer> {
  const decoder = node.getDecoder();
  const chunks: Buffer[] = [];
  decoder.on('data', (chunk: Buffer) => chunks.push(chunk));
  await pipeline(Readable.from([body]), decoder);
  return Buffer.concat(chunks);
}

/** Every leaf part of `message`, in order, with its raw and decoded body. */
export async function listMimeParts(message: Buffer): Promise<MimePart[]> {
  const splitter = new Splitter();
  const leaves: { node: Extract<SplitterChunk, { type: 'node' }>; chunks: Buffer[] }[] = [];
  splitter.on('data', (chunk: SplitterChunk) => {
    if (chunk.type === 'node') {
      if (!chunk.multipart) leaves.push({ node: chunk, chunks: [] });
    } else if (chunk.type === 'body') {
      const leaf = leaves.at(-1);
      if (leaf && leaf.node === chunk.node) leaf.chunks.push(chunk.value);
    }
  });
  await pipeline(Readable.from([message]), splitter);
  const parts: MimePart[] = [];
  for (const [i, { node, chunks }] of leaves.entries()) {
    let depth = 0;
    for (let parent = node.parentNode; parent; parent = parent.parentNode) depth++;
    const body = Buffer.concat(chunks);
    parts.push({
      index: i + 1,
      depth,
      contentType: node.contentType || 'text/plain',
      filename: node.filename || undefined,
      transferEncoding: node.encoding || '7bit',
      body,
      content: await decode(node, body),
    });
  }
  return parts;
}

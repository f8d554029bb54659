/**
 * Properties of the composer over thousands of generated inputs of every kind:
 *   decompose(compose(x)) == x, byte for byte;
 *   compose(compose(x)) == compose(x);
 *   every output is at most 16384 bytes raw, or the composer raises UserDataTooLargeError;
 *   the archive is gzipped whole only when it is over 16384 bytes with our part gzipped;
 *   binary and Windows user data raise their named errors;
 *   seed-script user data in any nesting composes to exactly what the customer's content before
 *   the seed composes to, and is current from then on.
 */
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildArchive } from '../../src/userdata/archive.ts';
import { composeRaw, decomposeUserData, USER_DATA_LIMIT_BYTES } from '../../src/userdata/compose.ts';
import { classifyCustomer, isGzip, isMime } from '../../src/userdata/kinds.ts';
import { renderPatchScript } from '../../src/userdata/script.ts';
import {
  binary,
  cloudConfig,
  type Generated,
  gzipped,
  mime,
  mimeWithSeedParts,
  type Nested,
  otherCloudInit,
  seedNested,
  shellScript,
  windows,
} from './fixtures/generators.ts';

/** The real scripts (about 16 KB raw, 5 KB as our gzip part) and a small one. */
const scripts = fc.constantFrom(
  Buffer.from(renderPatchScript({ updates: 'security', timeSync: true })),
  Buffer.from(renderPatchScript({ updates: 'all', timeSync: false })),
  Buffer.from('#!/bin/bash\necho small script\n'),
);

const RUNS = 1000;

/**
 * The customer's content as decompose gives it back: itself, except gzip of MIME or of non-ASCII
 * text, carried inflated because cloud-init would not read it the same as a gzip part (kinds.ts).
 */
function carried(bytes: Buffer): Buffer {
  const inner = isGzip(bytes) ? gunzipSync(bytes) : undefined;
  const inflated = inner !== undefined && (isMime(inner) || inner.some((b) => b >= 0x80));
  return inflated ? inner : bytes;
}

function holds(x: Generated, script: Buffer): void {
  let composed: ReturnType<typeof composeRaw>;
  try {
    composed = composeRaw(x.bytes, script);
  } catch (error) {
    // Over the limit even gzipped: the only error an accepted kind may raise.
    expect(error).toMatchObject({ name: 'UserDataTooLargeError', limitBytes: USER_DATA_LIMIT_BYTES });
    return;
  }
  expect(composed.raw.length).toBeLessThanOrEqual(USER_DATA_LIMIT_BYTES);
  expect(Buffer.from(composed.base64, 'base64').equals(composed.raw)).toBe(true);
  // decompose(compose(x)) == x (inflated where carried inflated).
  expect(decomposeUserData(composed.base64).equals(carried(x.bytes))).toBe(true);
  // compose(compose(x)) == compose(x), and it knows it.
  const again = composeRaw(composed.raw, script);
  expect(again.raw.equals(composed.raw)).toBe(true);
  expect(again.alreadyCurrent).toBe(true);
  // Our script is always the first part, whole: its own gzip part, or plain inside a gzipped archive.
  expect(composed.script.equals(script)).toBe(true);
  const part = composed.parts[0]?.content ?? Buffer.alloc(0);
  expect((composed.gzipped ? part : gunzipSync(part)).equals(script)).toBe(true);
  expect(composed.scriptEncoding).toBe(composed.gzipped ? 'plain' : 'gzip');
  // The whole archive is gzipped only when the archive with our part gzipped is over the limit.
  const customer = composed.parts[1]?.content ?? Buffer.alloc(0);
  const readable = buildArchive(script, customer, classifyCustomer(customer), 'gzip');
  expect(composed.gzipped).toBe(readable.bytes.length > USER_DATA_LIMIT_BYTES);
  // Not gzipped whole: a customer part we wrote 7bit stands in the stored bytes as they wrote it.
  if (!composed.gzipped && composed.parts[1]?.transferEncoding !== 'base64') {
    expect(composed.raw.includes(customer)).toBe(true);
  }
}

describe('composer properties', () => {
  const accepted: [string, fc.Arbitrary<Generated>][] = [
    ['shell scripts (LF/CRLF, ASCII and Unicode)', shellScript],
    ['#cloud-config', cloudConfig],
    ['#include, #cloud-boothook, #part-handler, jinja, archive', otherCloudInit],
    ['MIME multipart (random boundaries, CRLF, nesting, preamble, epilogue)', mime],
    ['gzip of shell, cloud-config and MIME', gzipped],
  ];
  for (const [name, arbitrary] of accepted) {
    it(`${name}: round trip, idempotent, within 16 KB or UserDataTooLargeError`, () => {
      fc.assert(
        fc.property(arbitrary, scripts, (x, script) => holds(x, script)),
        { numRuns: RUNS },
      );
    });
  }

  it('large inputs: gzipped to fit, or UserDataTooLargeError with both sizes', () => {
    const large = fc
      .tuple(
        fc.constantFrom('#!/bin/sh\n', '#cloud-config\n'),
        fc.string({ minLength: 8000, maxLength: 40000 }),
      )
      .map(([head, text]) => ({ kind: 'large', bytes: Buffer.from(head + text) }));
    fc.assert(
      fc.property(large, scripts, (x, script) => holds(x, script)),
      { numRuns: 100 },
    );
  });

  /** compose(x) as bytes, or the name of the error it raises. */
  const outcome = (bytes: Buffer, script: Buffer): Buffer | string => {
    try {
      return composeRaw(bytes, script).raw;
    } catch (error) {
      return (error as Error).name;
    }
  };

  function migrates(x: Nested, script: Buffer): void {
    const composed = outcome(x.bytes, script);
    const expected = outcome(x.customer, script);
    if (typeof expected === 'string') {
      // Only the size limit refuses the customer's own content here; the nesting must fail the same way.
      expect(expected).toBe('UserDataTooLargeError');
      expect(composed).toBe(expected);
      return;
    }
    expect(typeof composed === 'string' ? composed : composed.toString('base64')).toBe(
      expected.toString('base64'),
    );
    // The customer's content back, byte for byte (inflated where holds() says so).
    expect(decomposeUserData(b64(expected)).equals(carried(x.customer))).toBe(true);
    const again = composeRaw(expected, script);
    expect(again.alreadyCurrent).toBe(true);
    expect(again.raw.equals(expected)).toBe(true);
  }

  const b64 = (bytes: Buffer) => bytes.toString('base64');

  it('customer MIME with the seed block in random parts (7bit, base64, CRLF, nested, blocks alone): only those parts change', () => {
    fc.assert(
      fc.property(mimeWithSeedParts, scripts, (x, script) => migrates(x, script)),
      { numRuns: RUNS },
    );
  });

  it('the seed over anything, its own output and our archives, gzip around any of it: migrated, never stacked', () => {
    fc.assert(
      fc.property(
        scripts.chain((script) => fc.tuple(seedNested(script), fc.constant(script))),
        ([x, script]) => migrates(x, script),
      ),
      { numRuns: RUNS },
    );
  });

  const refused: [string, fc.Arbitrary<Generated>, string][] = [
    ['arbitrary binary', binary, 'UnsupportedUserDataError'],
    ['Windows (<powershell>, <script>, <persist>, EC2Launch v2 YAML)', windows, 'WindowsUserDataError'],
  ];
  for (const [name, arbitrary, error] of refused) {
    it(`${name}: ${error}`, () => {
      fc.assert(
        fc.property(arbitrary, scripts, (x, script) => {
          expect(() => composeRaw(x.bytes, script)).toThrow(expect.objectContaining({ name: error }));
        }),
        { numRuns: RUNS },
      );
    });
  }
});

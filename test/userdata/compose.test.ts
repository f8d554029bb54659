import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readArchive, SCRIPT_FILENAME } from '../../src/userdata/archive.ts';
import {
  composeRaw,
  composeUserData,
  decomposeUserData,
  USER_DATA_LIMIT_BYTES,
} from '../../src/userdata/compose.ts';
import { listMimeParts } from '../../src/userdata/parts.ts';
import { renderPatchScript } from '../../src/userdata/script.ts';
import { applySeed, BINARY, fixture, fixtures, seedCases, toCrlf } from './fixtures/index.ts';

const OPTIONS = { updates: 'security', timeSync: true } as const;
const SCRIPT = Buffer.from(renderPatchScript(OPTIONS));
const SMALL_SCRIPT = Buffer.from('#!/bin/bash\necho patch\n');
const b64 = (bytes: Buffer) => bytes.toString('base64');
/** Base64 body lines as MIME writes them (76 characters). */
const base64Lines = (bytes: Buffer) => bytes.toString('base64').replace(/.{76}/g, '$&\n').replace(/\n$/, '');

describe('composeUserData on every fixture kind', () => {
  for (const f of fixtures().filter((f) => f.expect === 'compose')) {
    it(`${f.name}: our script first, the customer's content after it, given back byte for byte`, async () => {
      // Prepare / Act
      const composed = composeUserData(b64(f.bytes), OPTIONS);

      // Assess: the archive read by an independent MIME parser. Our part is gzip (cloud-init
      // inflates it and reads the `#!`); the fixtures are small, so the archive itself is not.
      expect(composed.gzipped).toBe(false);
      expect(composed.raw.equals(composed.archive)).toBe(true);
      const parts = await listMimeParts(composed.archive);
      expect(parts[0]).toMatchObject({ contentType: 'application/x-gzip', filename: SCRIPT_FILENAME });
      expect(gunzipSync(parts[0]?.content ?? Buffer.alloc(0)).equals(SCRIPT)).toBe(true);
      if (f.contentType) {
        expect(parts).toHaveLength(2);
        expect(parts[1]?.contentType).toBe(f.contentType);
        expect(parts[1]?.content.equals(f.bytes)).toBe(true);
      } else {
        expect(parts.length).toBeGreaterThan(2);
      }
      // The base64 is what EC2 stores: the archive itself, within 16 KB.
      const raw = Buffer.from(composed.base64, 'base64');
      expect(raw.equals(composed.raw)).toBe(true);
      expect(raw.length).toBe(composed.bytesAfter);
      expect(raw.length).toBeLessThanOrEqual(USER_DATA_LIMIT_BYTES);
      expect(composed.bytesBefore).toBe(f.bytes.length);
      expect(composed.alreadyCurrent).toBe(false);
      const expectedBack = f.name.startsWith('gzip of mime') ? gunzipSync(f.bytes) : f.bytes;
      expect(decomposeUserData(composed.base64).equals(expectedBack)).toBe(true);
      // Composing over our own output changes nothing.
      const again = composeUserData(composed.base64, OPTIONS);
      expect(again.base64).toBe(composed.base64);
      expect(again.alreadyCurrent).toBe(true);
    });
  }

  for (const f of fixtures().filter((f) => f.expect !== 'compose')) {
    it(`${f.name}: refused with ${f.expect}`, () => {
      expect(() => composeUserData(b64(f.bytes), OPTIONS)).toThrow(
        expect.objectContaining({ name: f.expect }),
      );
    });
  }
});

describe('the archive bytes', () => {
  it('are exactly the layout we document, with a content-derived boundary and no dates', () => {
    const composed = composeRaw(fixture('cloud-config.yaml'), SMALL_SCRIPT);
    const text = composed.archive.toString();
    const boundary = /boundary="([^"]+)"/.exec(text)?.[1] ?? '';
    expect(boundary).toMatch(/^==asg-patcher-[0-9a-f]{16}==$/);
    // Our part: base64 of a gzip with no name, mtime 0, OS byte Unix, level 9; inflates to the script.
    const body = /X-Asg-Patcher-Part: patch-script\n\n([A-Za-z0-9+/=\n]+?)\n--/.exec(text)?.[1] ?? '';
    const gz = Buffer.from(body, 'base64');
    expect(gz.subarray(0, 10).toString('hex')).toBe('1f8b0800000000000203');
    expect(gunzipSync(gz).equals(SMALL_SCRIPT)).toBe(true);
    expect(text).toBe(
      [
        `Content-Type: multipart/mixed; boundary="${boundary}"`,
        'MIME-Version: 1.0',
        '',
        `--${boundary}`,
        'Content-Type: application/x-gzip',
        'Content-Transfer-Encoding: base64',
        `Content-Disposition: attachment; filename="${SCRIPT_FILENAME}"`,
        'X-Asg-Patcher-Part: patch-script',
        '',
        base64Lines(gz),
        `--${boundary}`,
        'Content-Type: text/cloud-config; charset="us-ascii"',
        'Content-Transfer-Encoding: 7bit',
        'X-Asg-Patcher-Part: customer',
        '',
        `${fixture('cloud-config.yaml').toString()}`,
        `--${boundary}--`,
        '',
      ].join('\n'),
    );
    expect(composed).toMatchObject({ gzipped: false, scriptEncoding: 'gzip' });
    expect(composed.raw.equals(composed.archive)).toBe(true);
    // Composing twice gives the same bytes (deterministic gzip and boundary).
    expect(composeRaw(fixture('cloud-config.yaml'), SMALL_SCRIPT).raw.equals(composed.raw)).toBe(true);
  });

  it("leave a typical customer's script and cloud-config readable: their bytes verbatim in what EC2 stores", () => {
    for (const name of ['shell.sh', 'cloud-config.yaml']) {
      const composed = composeUserData(b64(fixture(name)), OPTIONS);
      expect(composed.raw.subarray(0, 2).toString('hex')).not.toBe('1f8b');
      expect(composed.raw.includes(fixture(name))).toBe(true);
      // Our 16 KB script takes far less as its gzip part.
      expect(composed.parts[0]?.encodedBytes).toBeLessThan(SCRIPT.length / 2);
    }
  });

  it('carry non-ASCII or CRLF content in base64 so no byte changes on the way', async () => {
    const bytes = fixture('shell-utf8-crlf.sh');
    const composed = composeRaw(bytes, SMALL_SCRIPT);
    expect(composed.parts[1]?.transferEncoding).toBe('base64');
    const parts = await listMimeParts(composed.archive);
    expect(parts[1]?.transferEncoding).toBe('base64');
    expect(parts[1]?.content.equals(bytes)).toBe(true);
  });

  it('nest a MIME message whole, so its own parts keep their order and bytes', async () => {
    const bytes = fixture('mime-crlf-nested.txt');
    const composed = composeRaw(bytes, SMALL_SCRIPT);
    expect(composed.archive.includes(bytes)).toBe(true);
    const before = await listMimeParts(bytes);
    const after = await listMimeParts(composed.archive);
    expect(after.slice(1).map((p) => [p.contentType, p.filename, p.content.toString('hex')])).toEqual(
      before.map((p) => [p.contentType, p.filename, p.content.toString('hex')]),
    );
  });

  it('keep gzip of a script compressed, as an application/x-gzip part cloud-init inflates', () => {
    const gz = gzipSync(fixture('shell.sh'));
    const composed = composeRaw(gz, SMALL_SCRIPT);
    expect(composed.customerKind).toBe('gzip');
    expect(composed.parts[1]).toMatchObject({
      contentType: 'application/x-gzip',
      transferEncoding: 'base64',
    });
    expect(composed.parts[1]?.content.equals(gz)).toBe(true);
  });

  it('leave no customer part when there is no user data', () => {
    for (const existing of [undefined, '']) {
      const composed = composeUserData(existing, OPTIONS);
      expect(composed.parts.map((p) => p.owner)).toEqual(['patch-script']);
      expect(composed.bytesBefore).toBe(0);
      expect(decomposeUserData(composed.base64).length).toBe(0);
    }
  });
});

describe('replacing our own part', () => {
  it('swaps the script when the options change and keeps the customer content', async () => {
    const first = composeUserData(b64(fixture('shell.sh')), OPTIONS);
    const second = composeUserData(first.base64, { updates: 'all', timeSync: false });
    expect(second.base64).not.toBe(first.base64);
    expect(second.origin).toBe('ours');
    const [ours] = await listMimeParts(second.raw);
    const script = gunzipSync(ours?.content ?? Buffer.alloc(0)).toString();
    expect(script).toBe(renderPatchScript({ updates: 'all', timeSync: false }));
    expect((await listMimeParts(second.raw)).filter((p) => p.filename === SCRIPT_FILENAME)).toHaveLength(1);
    expect(decomposeUserData(second.base64).equals(fixture('shell.sh'))).toBe(true);
    // Back to the first options: the first bytes exactly.
    expect(composeUserData(second.base64, OPTIONS).base64).toBe(first.base64);
  });

  it('replaces the previous layout (whole archive gzipped, our part plain) rather than wrapping it', async () => {
    // Written by the composer before our part was compressed: test/userdata/fixtures/previous-layout-over-shell.b64.
    const previous = fixture('previous-layout-over-shell.b64').toString().trim();
    const before = Buffer.from(previous, 'base64');
    expect(before.subarray(0, 2).toString('hex')).toBe('1f8b');
    const composed = composeUserData(previous, OPTIONS);
    expect(composed).toMatchObject({ origin: 'ours', alreadyCurrent: false, gzipped: false });
    expect(composed.summary).toMatch(/replaced the previous asg-patcher part/);
    const parts = await listMimeParts(composed.raw);
    expect(parts.map((p) => [p.contentType, p.filename])).toEqual([
      ['application/x-gzip', SCRIPT_FILENAME],
      ['text/x-shellscript', undefined],
    ]);
    expect(gunzipSync(parts[0]?.content ?? Buffer.alloc(0)).equals(SCRIPT)).toBe(true);
    expect(composed.raw.includes(fixture('shell.sh'))).toBe(true);
    expect(decomposeUserData(previous).equals(fixture('shell.sh'))).toBe(true);
    // The same as composing over the customer's own script, and current from then on.
    expect(composed.base64).toBe(composeUserData(b64(fixture('shell.sh')), OPTIONS).base64);
    expect(composeUserData(composed.base64, OPTIONS).alreadyCurrent).toBe(true);
  });

  it('refuses our gzip part edited by hand (it no longer inflates)', () => {
    const text = composeRaw(fixture('shell.sh'), SMALL_SCRIPT).archive.toString();
    const edited = Buffer.from(text.replace(/(X-Asg-Patcher-Part: patch-script\n\n)H4sI/, '$1AAAA'));
    expect(edited.toString()).not.toBe(text);
    expect(() => composeRaw(edited, SMALL_SCRIPT)).toThrow(
      expect.objectContaining({
        name: 'UnsupportedUserDataError',
        message: expect.stringMatching(/edited by hand/),
      }),
    );
  });

  it('refuses our archive edited by hand rather than stacking a second script', () => {
    const archive = composeRaw(fixture('shell.sh'), SMALL_SCRIPT).archive.toString();
    const edited = Buffer.from(archive.replace('set -e', 'set -eu').replace(/\n/g, '\r\n'));
    expect(() => composeRaw(edited, SMALL_SCRIPT)).toThrow(
      expect.objectContaining({
        name: 'UnsupportedUserDataError',
        message: expect.stringMatching(/edited by hand/),
      }),
    );
  });
});

describe('migration from the seed script, in any nesting', () => {
  for (const c of seedCases()) {
    it(`${c.name}: composes exactly what the customer's content before the seed composes to, and is current from then on`, async () => {
      // Prepare
      const expected = composeUserData(b64(c.customer), OPTIONS);

      // Act
      const composed = composeUserData(b64(c.bytes), OPTIONS);

      // Assess: the same bytes, byte for byte, so the customer's content is carried as they wrote it.
      expect(composed.raw.equals(expected.raw)).toBe(true);
      expect(composeRaw(c.bytes, SMALL_SCRIPT).raw.equals(composeRaw(c.customer, SMALL_SCRIPT).raw)).toBe(
        true,
      );
      expect(composed).toMatchObject({ origin: 'seed', alreadyCurrent: false });
      expect(composed.summary).toMatch(/migrated: dropped the seed script's block from /);
      expect(decomposeUserData(composed.base64).equals(decomposeUserData(expected.base64))).toBe(true);
      // Our script once, first; no seed block left anywhere an independent parser finds.
      const parts = await listMimeParts(composed.archive);
      expect(parts.filter((p) => p.filename === SCRIPT_FILENAME)).toHaveLength(1);
      expect(parts[0]?.filename).toBe(SCRIPT_FILENAME);
      for (const part of parts) {
        const content = part.content[0] === 0x1f ? gunzipSync(part.content) : part.content;
        expect(content.includes('# 1) Apply all security updates')).toBe(false);
      }
      // Idempotent: the next run finds our own archive, current.
      const again = composeUserData(composed.base64, OPTIONS);
      expect(again).toMatchObject({ alreadyCurrent: true, origin: 'ours', migrations: [] });
      expect(again.base64).toBe(composed.base64);
    });
  }

  it('drops the seed block and keeps the old shell script as the customer part', () => {
    const composed = composeUserData(b64(fixture('seed-over-shell.txt')), OPTIONS);
    expect(composed.origin).toBe('seed');
    expect(decomposeUserData(composed.base64).equals(fixture('shell.sh'))).toBe(true);
    expect(composed.archive.includes(Buffer.from('# 1) Apply all security updates'))).toBe(false);
    expect(composed.summary).toMatch(/migrated/);
    // Next run: our own archive, unchanged.
    expect(composeUserData(composed.base64, OPTIONS)).toMatchObject({ alreadyCurrent: true, origin: 'ours' });
  });

  it('gives the old cloud-config back its own content type (the seed had made it part of a bash script)', () => {
    const composed = composeRaw(fixture('seed-over-cloud-config.txt'), SMALL_SCRIPT);
    expect(composed.parts[1]?.contentType).toBe('text/cloud-config');
    expect(composed.parts[1]?.content.equals(fixture('cloud-config.yaml'))).toBe(true);
  });

  it('leaves only our script when the seed had no old user data', () => {
    const composed = composeRaw(fixture('seed-empty.txt'), SMALL_SCRIPT);
    expect(composed.parts.map((p) => p.owner)).toEqual(['patch-script']);
  });

  it('unwraps the seed run over our archive, which it used to refuse as edited by hand', () => {
    const composed = composeUserData(b64(fixture('seed-over-archive.txt')), OPTIONS);
    expect(composed.migrations).toEqual([
      { dropped: 'seed-block', where: 'the user data' },
      { dropped: 'asg-patcher-archive', where: "the user data after the seed script's block" },
    ]);
    expect(composed.previous?.customer?.equals(fixture('shell.sh'))).toBe(true);
    expect(composed.summary).toMatch(/replaced the previous asg-patcher part/);
  });

  it('rewrites only the parts of a customer MIME that start with the seed block; every other byte stays', () => {
    const composed = composeRaw(fixture('mime-seed-parts.txt'), SMALL_SCRIPT);
    expect(composed.parts[1]?.content.equals(fixture('mime-seed-parts.migrated.txt'))).toBe(true);
    expect(composed.migrations.map((m) => [m.dropped, m.where])).toEqual([
      ['seed-block', 'MIME part 2.1 (text/x-shellscript) of the user data'],
      ['seed-block', 'MIME part 2.2 (text/x-shellscript) of the user data'],
      ['seed-block', 'MIME part 2.2 (text/x-shellscript) of the user data, after another seed-script block'],
      ['seed-block', 'MIME part 2.3 (text/x-shellscript) of the user data'],
      ['empty-part', 'MIME part 2.3 (text/x-shellscript) of the user data'],
    ]);
  });

  it('unwraps the seed applied twice', () => {
    const twice = Buffer.concat([
      fixture('seed-block.txt'),
      Buffer.from('\n'),
      fixture('seed-over-shell.txt'),
    ]);
    expect(composeRaw(twice, SMALL_SCRIPT).parts[1]?.content.equals(fixture('shell.sh'))).toBe(true);
  });

  it('leaves a customer MIME without the seed block byte for byte (the same bytes, not a copy rewritten)', () => {
    for (const name of ['mime-lf.txt', 'mime-crlf-nested.txt', 'mime-seed-parts.migrated.txt']) {
      const composed = composeRaw(fixture(name), SMALL_SCRIPT);
      expect(composed).toMatchObject({ origin: 'plain', migrations: [] });
      expect(composed.parts[1]?.content.equals(fixture(name))).toBe(true);
    }
  });
});

describe('seed-script user data that cannot be migrated safely is refused, saying what to fix', () => {
  const refused = (bytes: Buffer, message: RegExp) =>
    expect(() => composeRaw(bytes, SMALL_SCRIPT)).toThrow(
      expect.objectContaining({ name: 'UnsupportedUserDataError', message: expect.stringMatching(message) }),
    );

  it('a seed block edited by hand (a line added inside it): dropping the block would drop the line', () => {
    const block = fixture('seed-block.txt').toString();
    const edited = Buffer.from(
      `${block.replace('fi\n\n# 2)', 'fi\ncurl -s https://example.com/hook\n\n# 2)')}\n${fixture('shell.sh')}`,
    );
    refused(
      edited,
      /the user data starts with the seed script's block .* edited by hand; move any lines you added/,
    );
    refused(applySeed(edited), /the user data after the seed script's block starts with .* edited by hand/);
  });

  it('our archive after the seed block, edited by hand', () => {
    const archive = composeRaw(fixture('shell.sh'), SMALL_SCRIPT).archive.toString();
    // Our gzip part no longer inflates.
    const edited = Buffer.from(archive.replace(/(X-Asg-Patcher-Part: patch-script\n\n)H4sI/, '$1AAAA'));
    expect(edited.toString()).not.toBe(archive);
    refused(
      applySeed(edited),
      /edited by hand, in the user data after the seed script's block; restore the previous/,
    );
    refused(
      applySeed(toCrlf(Buffer.from(archive))),
      /edited by hand, in the user data after the seed script's block/,
    );
  });

  it('a seed block in a part whose type cloud-init keeps (text/cloud-boothook): the rest would be read differently', () => {
    const mime = Buffer.from(
      `MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/cloud-boothook\n\n${applySeed(fixture('shell.sh'))}\n--b--\n`,
    );
    refused(
      mime,
      /MIME part 1 \(text\/cloud-boothook\) of the user data starts with the seed script's block, and cloud-init reads a text\/cloud-boothook part as that type .*; move what follows/,
    );
  });

  it('a seed block in a part followed by a MIME message, which cloud-init does not read inside a part', () => {
    const mime = Buffer.from(
      `MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/x-shellscript\nContent-Transfer-Encoding: base64\n\n${applySeed(fixture('mime-lf.txt')).toString('base64')}\n--b--\n`,
    );
    refused(mime, /what follows it is a MIME message, which cloud-init does not read inside a part/);
  });

  it('text cloud-init ignores after the seed block (the seed ran it as bash; cloud-init alone would not)', () => {
    refused(
      applySeed(Buffer.from('echo no shebang\n')),
      /text that cloud-init ignores .*, in what is left after dropping the seed script's block/,
    );
  });
});

describe('the 16 KB limit (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-add-user-data.html)', () => {
  // Text that gzip cannot shrink much: hex of a hash chain, deterministic.
  const incompressible = (size: number) => {
    let out = '#!/bin/bash\n';
    let n = 0;
    while (out.length < size) out += `# ${(n++ * 2654435761).toString(36).padStart(8, '0')}${Math.sin(n)}\n`;
    return Buffer.from(out.slice(0, size));
  };

  it('gzips only our part when the archive then fits', () => {
    const composed = composeUserData(b64(Buffer.from('#!/bin/sh\necho hi\n')), OPTIONS);
    expect(SCRIPT.length + 100).toBeGreaterThan(composed.bytesAfter);
    expect(composed).toMatchObject({ gzipped: false, scriptEncoding: 'gzip' });
    expect(composed.bytesAfter).toBeLessThanOrEqual(USER_DATA_LIMIT_BYTES);
  });

  it('keeps the customer part plain up to exactly 16384 bytes, and gzips the whole archive one byte past it', () => {
    const withCustomer = (size: number) =>
      composeRaw(Buffer.from(`#!/bin/sh\n${'x'.repeat(size - 11)}\n`), SCRIPT);
    const overhead = withCustomer(100).bytesAfter - 100;
    const fits = withCustomer(USER_DATA_LIMIT_BYTES - overhead);
    expect(fits).toMatchObject({ gzipped: false, bytesAfter: USER_DATA_LIMIT_BYTES });
    const over = withCustomer(USER_DATA_LIMIT_BYTES - overhead + 1);
    expect(over.gzipped).toBe(true);
    expect(over.bytesAfter).toBeLessThan(USER_DATA_LIMIT_BYTES);
  });

  it('gzips the whole archive deterministically, our part plain inside, when it is still over 16384 bytes', async () => {
    const customer = Buffer.from(`#!/bin/sh\n${'echo repeated line\n'.repeat(1000)}`);
    const composed = composeRaw(customer, SCRIPT);
    expect(composed).toMatchObject({ gzipped: true, scriptEncoding: 'plain' });
    expect(composed.raw.subarray(0, 10).toString('hex')).toBe('1f8b0800000000000203'); // no mtime, OS=Unix
    expect(gunzipSync(composed.raw).equals(composed.archive)).toBe(true);
    const parts = await listMimeParts(composed.archive);
    expect(parts.map((p) => [p.contentType, p.filename])).toEqual([
      ['text/x-shellscript', SCRIPT_FILENAME],
      ['text/x-shellscript', undefined],
    ]);
    expect(parts[0]?.content.equals(SCRIPT)).toBe(true);
    expect(composeRaw(composed.raw, SCRIPT).raw.equals(composed.raw)).toBe(true);
    expect(composeRaw(composed.raw, SCRIPT).alreadyCurrent).toBe(true);
    expect(decomposeUserData(composed.base64).equals(customer)).toBe(true);
  });

  it('throws UserDataTooLargeError with both sizes when gzip is not enough', () => {
    const customer = incompressible(60_000);
    let error: unknown;
    try {
      composeRaw(customer, SMALL_SCRIPT);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ name: 'UserDataTooLargeError', limitBytes: 16384 });
    const { rawBytes, gzippedBytes } = error as { rawBytes: number; gzippedBytes: number };
    expect(rawBytes).toBeGreaterThan(60_000);
    expect(gzippedBytes).toBeGreaterThan(16384);
    expect((error as Error).message).toContain(`${rawBytes} bytes (${gzippedBytes} gzipped)`);
  });
});

describe('refusals', () => {
  it('refuses binary, text cloud-init ignores, and non-base64 UserData with UnsupportedUserDataError', () => {
    for (const bytes of [BINARY, Buffer.from('just some words\n'), Buffer.from('{"app":"config"}')]) {
      expect(() => composeRaw(bytes, SMALL_SCRIPT)).toThrow(
        expect.objectContaining({ name: 'UnsupportedUserDataError' }),
      );
    }
    expect(() => composeUserData('not base64!', OPTIONS)).toThrow(
      expect.objectContaining({ name: 'UnsupportedUserDataError' }),
    );
  });

  it('reads a shell script that mentions <script> as a shell script, not as Windows', () => {
    const bytes = Buffer.from(
      '#!/bin/bash\ncat > /var/www/index.html <<EOF\n<script>alert(1)</script>\nEOF\n',
    );
    expect(composeRaw(bytes, SMALL_SCRIPT).parts[1]?.contentType).toBe('text/x-shellscript');
  });
});

describe('alreadyCurrent', () => {
  it('is true when our gzip part was compressed by another zlib build (different compressed bytes)', () => {
    const composed = composeUserData(b64(fixture('cloud-config.yaml')), OPTIONS);
    const ours = readArchive(composed.raw)?.parts[0]?.content ?? Buffer.alloc(0);
    const otherGzip = gzipSync(SCRIPT, { level: 1 });
    expect(otherGzip.equals(ours)).toBe(false);
    const other = Buffer.from(composed.archive.toString().replace(base64Lines(ours), base64Lines(otherGzip)));
    expect(other.equals(composed.raw)).toBe(false);
    const again = composeUserData(b64(other), OPTIONS);
    expect(again).toMatchObject({ alreadyCurrent: true, origin: 'ours' });
    expect(again.base64).toBe(composed.base64);
  });

  it('is true for the same whole-gzipped archive gzipped by another zlib build', () => {
    const large = Buffer.from(`#!/bin/sh\n${'echo repeated line\n'.repeat(1000)}`);
    const composed = composeUserData(b64(large), OPTIONS);
    expect(composed.gzipped).toBe(true);
    const otherGzip = gzipSync(composed.archive, { level: 1 });
    expect(otherGzip.equals(composed.raw)).toBe(false);
    const again = composeUserData(b64(otherGzip), OPTIONS);
    expect(again.alreadyCurrent).toBe(true);
    expect(again.base64).toBe(composed.base64);
  });

  it('is false for the same archive gzipped whole when it fits without (the readable layout replaces it)', () => {
    const composed = composeUserData(b64(fixture('cloud-config.yaml')), OPTIONS);
    const again = composeUserData(b64(gzipSync(composed.archive)), OPTIONS);
    expect(again.alreadyCurrent).toBe(false);
    expect(again.base64).toBe(composed.base64);
  });

  it('is false when the customer content or the options differ', () => {
    const composed = composeUserData(b64(fixture('cloud-config.yaml')), OPTIONS);
    expect(composeUserData(composed.base64, { updates: 'all', timeSync: true }).alreadyCurrent).toBe(false);
    expect(composeUserData(b64(fixture('shell.sh')), OPTIONS).alreadyCurrent).toBe(false);
  });
});

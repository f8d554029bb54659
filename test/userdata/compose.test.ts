import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SCRIPT_FILENAME } from '../../src/userdata/archive.ts';
import {
  composeRaw,
  composeUserData,
  decomposeUserData,
  USER_DATA_LIMIT_BYTES,
} from '../../src/userdata/compose.ts';
import { listMimeParts } from '../../src/userdata/parts.ts';
import { renderPatchScript } from '../../src/userdata/script.ts';
import { BINARY, fixture, fixtures } from './fixtures/index.ts';

const OPTIONS = { updates: 'security', timeSync: true } as const;
const SCRIPT = Buffer.from(renderPatchScript(OPTIONS));
const SMALL_SCRIPT = Buffer.from('#!/bin/bash\necho patch\n');
const b64 = (bytes: Buffer) => bytes.toString('base64');

describe('composeUserData on every fixture kind', () => {
  for (const f of fixtures().filter((f) => f.expect === 'compose')) {
    it(`${f.name}: our script first, the customer's content after it, given back byte for byte`, async () => {
      // Prepare / Act
      const composed = composeUserData(b64(f.bytes), OPTIONS);

      // Assess: the archive read by an independent MIME parser
      const parts = await listMimeParts(composed.archive);
      expect(parts[0]).toMatchObject({ contentType: 'text/x-shellscript', filename: SCRIPT_FILENAME });
      expect(parts[0]?.content.equals(SCRIPT)).toBe(true);
      if (f.contentType) {
        expect(parts).toHaveLength(2);
        expect(parts[1]?.contentType).toBe(f.contentType);
        expect(parts[1]?.content.equals(f.bytes)).toBe(true);
      } else {
        expect(parts.length).toBeGreaterThan(2);
      }
      // The base64 is what EC2 stores: the archive, gzipped when it is over 16 KB.
      const raw = Buffer.from(composed.base64, 'base64');
      expect(raw.length).toBe(composed.bytesAfter);
      expect(raw.length).toBeLessThanOrEqual(USER_DATA_LIMIT_BYTES);
      expect(composed.gzipped).toBe(composed.archive.length > USER_DATA_LIMIT_BYTES);
      expect((composed.gzipped ? gunzipSync(raw) : raw).equals(composed.archive)).toBe(true);
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
    const boundary = /boundary="([^"]+)"/.exec(composed.archive.toString())?.[1] ?? '';
    expect(boundary).toMatch(/^==asg-patcher-[0-9a-f]{16}==$/);
    expect(composed.archive.toString()).toBe(
      [
        `Content-Type: multipart/mixed; boundary="${boundary}"`,
        'MIME-Version: 1.0',
        '',
        `--${boundary}`,
        'Content-Type: text/x-shellscript; charset="us-ascii"',
        'Content-Transfer-Encoding: 7bit',
        `Content-Disposition: attachment; filename="${SCRIPT_FILENAME}"`,
        'X-Asg-Patcher-Part: patch-script',
        '',
        `${SMALL_SCRIPT.toString()}`,
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
    expect(composed.gzipped).toBe(false);
    expect(composed.raw.equals(composed.archive)).toBe(true);
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
  it('swaps the script when the options change and keeps the customer content', () => {
    const first = composeUserData(b64(fixture('shell.sh')), OPTIONS);
    const second = composeUserData(first.base64, { updates: 'all', timeSync: false });
    expect(second.base64).not.toBe(first.base64);
    expect(second.origin).toBe('ours');
    const script = gunzipSync(Buffer.from(second.base64, 'base64')).toString();
    expect(script).toContain(renderPatchScript({ updates: 'all', timeSync: false }));
    expect(script).not.toContain(renderPatchScript(OPTIONS));
    expect(decomposeUserData(second.base64).equals(fixture('shell.sh'))).toBe(true);
    // Back to the first options: the first bytes exactly.
    expect(composeUserData(second.base64, OPTIONS).base64).toBe(first.base64);
  });

  it('refuses our archive edited by hand rather than stacking a second script', () => {
    const archive = composeRaw(fixture('shell.sh'), SMALL_SCRIPT).archive.toString();
    const edited = Buffer.from(archive.replace('echo patch', 'echo patched by hand').replace(/\n/g, '\r\n'));
    expect(() => composeRaw(edited, SMALL_SCRIPT)).toThrow(
      expect.objectContaining({
        name: 'UnsupportedUserDataError',
        message: expect.stringMatching(/edited by hand/),
      }),
    );
  });
});

describe('migration from the seed script', () => {
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

  it('unwraps the seed applied twice', () => {
    const twice = Buffer.concat([
      fixture('seed-block.txt'),
      Buffer.from('\n'),
      fixture('seed-over-shell.txt'),
    ]);
    expect(composeRaw(twice, SMALL_SCRIPT).parts[1]?.content.equals(fixture('shell.sh'))).toBe(true);
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

  it('stays plain when the archive fits', () => {
    const composed = composeRaw(Buffer.from('#!/bin/sh\necho hi\n'), SMALL_SCRIPT);
    expect(composed.gzipped).toBe(false);
    expect(composed.bytesAfter).toBeLessThanOrEqual(USER_DATA_LIMIT_BYTES);
  });

  it('gzips the whole archive deterministically when it is over 16384 bytes', () => {
    const customer = Buffer.from(`#!/bin/sh\n${'echo repeated line\n'.repeat(1000)}`);
    const composed = composeRaw(customer, SMALL_SCRIPT);
    expect(composed.archive.length).toBeGreaterThan(USER_DATA_LIMIT_BYTES);
    expect(composed.gzipped).toBe(true);
    expect(composed.raw.subarray(0, 10).toString('hex')).toBe('1f8b0800000000000203'); // no mtime, OS=Unix
    expect(gunzipSync(composed.raw).equals(composed.archive)).toBe(true);
    expect(composeRaw(composed.raw, SMALL_SCRIPT).raw.equals(composed.raw)).toBe(true);
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
  it('is true for the same archive gzipped by another zlib build (different compressed bytes)', () => {
    const composed = composeUserData(b64(fixture('cloud-config.yaml')), OPTIONS);
    const otherGzip = gzipSync(composed.archive, { level: 1 });
    expect(otherGzip.equals(composed.raw)).toBe(false);
    const again = composeUserData(b64(otherGzip), OPTIONS);
    expect(again.alreadyCurrent).toBe(true);
    expect(again.base64).toBe(composed.base64);
  });

  it('is false when the customer content or the options differ', () => {
    const composed = composeUserData(b64(fixture('cloud-config.yaml')), OPTIONS);
    expect(composeUserData(composed.base64, { updates: 'all', timeSync: true }).alreadyCurrent).toBe(false);
    expect(composeUserData(b64(fixture('shell.sh')), OPTIONS).alreadyCurrent).toBe(false);
  });
});

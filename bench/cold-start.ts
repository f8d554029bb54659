/**
 * Cold start of each packaged Lambda bundle against its own floor, measured in one run.
 *
 * - The bundle: `.serverless/<function>.zip` as `npm run package` wrote it, unzipped.
 * - Its floor: a bundle of only the SDK clients the function's bundle carries (read off its source
 *   map), built from `src/clients/<client>.ts` (so the clients are constructed as the handler's are)
 *   with the same esbuild options (`esbuild.config.cjs`, which serverless-esbuild also reads). A
 *   function that carries no SDK client has an empty module as its floor.
 * - A load: a fresh plain `node` process (no NODE_OPTIONS) that imports the file, as Lambda's init
 *   does. Load time is the process's own clock at the end of the import (node's start-up included,
 *   for both); peak memory is its maxRSS. Bundle and floor loads alternate, so both see the same
 *   machine; each figure is the median. (In Lambda, provider.environment adds --enable-source-maps,
 *   which makes node read each bundle's source map at load: a cost of both bundle and floor.)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { type BuildOptions, build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
/** The target the issue set: within 1.15 times the floor, on load time and on peak memory. */
export const COLD_START_LIMIT = 1.15;

export interface Load {
  ms: number;
  maxRssKiB: number;
}
export interface ColdStartRow {
  fn: string;
  zipBytes: number;
  mjsBytes: number;
  mapBytes: number;
  /** The SDK client packages the bundle carries (its floor bundles exactly these). */
  clients: string[];
  floorMjsBytes: number;
  loadMs: number;
  floorMs: number;
  peakKiB: number;
  floorPeakKiB: number;
  timeRatio: number;
  memoryRatio: number;
}

interface ZipEntry {
  name: string;
  size: number;
  compressedSize: number;
  method: number;
  localOffset: number;
}

/** Names and sizes from a zip's central directory (no zip64: bundles are small). */
export function zipEntries(zip: Buffer): ZipEntry[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip file');
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error('bad zip central directory');
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    entries.push({
      name: zip.toString('utf8', offset + 46, offset + 46 + nameLength),
      method: zip.readUInt16LE(offset + 10),
      compressedSize: zip.readUInt32LE(offset + 20),
      size: zip.readUInt32LE(offset + 24),
      localOffset: zip.readUInt32LE(offset + 42),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Writes every file of the zip under `dest` (stored or deflated entries, as serverless writes). */
function unzip(zip: Buffer, dest: string): void {
  for (const entry of zipEntries(zip)) {
    if (entry.name.endsWith('/')) continue;
    const header = entry.localOffset;
    const start = header + 30 + zip.readUInt16LE(header + 26) + zip.readUInt16LE(header + 28);
    const data = zip.subarray(start, start + entry.compressedSize);
    const file = join(dest, entry.name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, entry.method === 0 ? data : inflateRawSync(data));
  }
}

/** esbuild's own options out of the serverless-esbuild config (the plugin's keys removed). */
function esbuildOptions(): BuildOptions {
  const require = createRequire(import.meta.url);
  const config = (require(join(root, 'esbuild.config.cjs')) as () => Record<string, unknown>)();
  const { exclude: _exclude, outputFileExtension: _extension, ...options } = config;
  return options as BuildOptions;
}

const CLIENT_PACKAGE = /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//;

/** Where a handler's module-scope client of each SDK package is built (src/clients/<name>.ts unless listed). */
const CLIENT_MODULES: Record<string, string> = { 'client-dynamodb': 'src/ledger/client.ts' };
const clientModule = (client: string): string =>
  join(root, CLIENT_MODULES[client] ?? join('src/clients', `${client.slice(7)}.ts`));

/** One fresh `node` process importing `file`, as Lambda's init does. */
function load(file: string): Load {
  // Peak memory from /proc (VmHWM, this process image only): getrusage's maxRSS also counts the
  // parent's pages from before exec, so a big parent (this bench) would raise every figure.
  const script =
    'await import(process.argv[1]); const ms = performance.now();' +
    "const { readFileSync } = await import('node:fs');" +
    "const hwm = /VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'));" +
    'process.stdout.write(JSON.stringify({ ms, maxRssKiB: hwm ? Number(hwm[1]) : process.resourceUsage().maxRSS }));';
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, file], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      // Lambda runs Node 22, where the SDK prints no Node-version warning; do not time one here.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  if (run.status !== 0) throw new Error(`loading ${file} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Load;
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

/**
 * Measures every `.serverless/*.zip` (`loads` loads of each bundle and of its floor). Returns no
 * rows when there is no package output.
 */
export async function measureColdStarts(packageDir: string, loads = 15): Promise<ColdStartRow[]> {
  const zips = readdirSync(packageDir)
    .filter((f) => f.endsWith('.zip'))
    .sort();
  const work = mkdtempSync(join(tmpdir(), 'asg-patcher-cold-start-'));
  try {
    const options = esbuildOptions();
    const subjects = [];
    for (const zipName of zips) {
      const fn = zipName.replace(/\.zip$/, '');
      const zipPath = join(packageDir, zipName);
      const zip = readFileSync(zipPath);
      const entries = zipEntries(zip);
      const handler = entries.find((e) => e.name.endsWith('.mjs'));
      const map = entries.find((e) => e.name.endsWith('.mjs.map'));
      if (!handler) throw new Error(`${zipName} holds no .mjs handler`);
      unzip(zip, join(work, fn));
      const sources = map
        ? (JSON.parse(readFileSync(join(work, fn, map.name), 'utf8')) as { sources: string[] }).sources
        : [];
      const clients = [...new Set(sources.flatMap((s) => CLIENT_PACKAGE.exec(s)?.[1] ?? []))].sort();
      const floorEntry = join(work, `${fn}.floor-entry.mjs`);
      writeFileSync(
        floorEntry,
        clients.map((c) => `export * from ${JSON.stringify(clientModule(c))};\n`).join('') || 'export {};\n',
      );
      const floor = join(work, `${fn}.floor`, 'floor.mjs');
      await build({ ...options, entryPoints: [floorEntry], outfile: floor, logLevel: 'warning' });
      subjects.push({
        fn,
        zipBytes: statSync(zipPath).size,
        mjsBytes: handler.size,
        mapBytes: map?.size ?? 0,
        clients,
        handlerFile: join(work, fn, handler.name),
        floorFile: floor,
        floorMjsBytes: statSync(floor).size,
      });
    }
    const measured = subjects.map(() => ({ handler: [] as Load[], floor: [] as Load[] }));
    for (let round = 0; round < loads; round++) {
      subjects.forEach((subject, i) => {
        const m = measured[i];
        if (!m) return;
        // Alternate which goes first, so neither always gets the warmer file cache.
        if (round % 2 === 0) {
          m.handler.push(load(subject.handlerFile));
          m.floor.push(load(subject.floorFile));
        } else {
          m.floor.push(load(subject.floorFile));
          m.handler.push(load(subject.handlerFile));
        }
      });
    }
    return subjects.map(({ handlerFile: _h, floorFile: _f, ...subject }, i) => {
      const m = measured[i] ?? { handler: [], floor: [] };
      const loadMs = median(m.handler.map((l) => l.ms));
      const floorMs = median(m.floor.map((l) => l.ms));
      const peakKiB = median(m.handler.map((l) => l.maxRssKiB));
      const floorPeakKiB = median(m.floor.map((l) => l.maxRssKiB));
      // Each round loads the bundle and its floor back to back, so a ratio within a round shares the
      // machine's state of that moment; the median of those ratios moved by about 0.07 between runs
      // on this 2-core machine, the ratio of the two medians by about 0.14 (same bundle, 5 runs).
      const paired = (pick: (l: Load) => number) =>
        median(m.handler.map((l, round) => pick(l) / pick(m.floor[round] ?? l)));
      return {
        ...subject,
        loadMs,
        floorMs,
        peakKiB,
        floorPeakKiB,
        timeRatio: paired((l) => l.ms),
        memoryRatio: paired((l) => l.maxRssKiB),
      };
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The rendered patch script, run for real in a Debian bookworm chroot (debootstrap minbase plus
 * chrony, built once into .cache/chroot-bookworm by test/userdata/chroot-build.sh and copied per
 * run): security updates come from bookworm-security only, the chrony drop-in is written, and a
 * second run changes nothing. Needs root and Debian's mirror; the one test here is skipped, with
 * the reason printed, only when the mirror cannot be reached.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderPatchScript } from '../../src/userdata/script.ts';

const repoRoot = new URL('../../', import.meta.url).pathname;
const buildScript = join(repoRoot, 'test/userdata/chroot-build.sh');
const cacheDir = join(repoRoot, '.cache');
const baseChroot = join(cacheDir, 'chroot-bookworm');

const [mirror = '', securityMirror = ''] = execFileSync('bash', [buildScript, '--print-mirrors'], {
  encoding: 'utf8',
})
  .trim()
  .split('\n');

async function reachable(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(15_000) });
    return response.ok ? undefined : `${url} answered HTTP ${response.status}`;
  } catch (error) {
    return `${url} is unreachable (${error instanceof Error ? error.message : String(error)})`;
  }
}

const unreachable =
  (await reachable(`${mirror}/dists/bookworm/InRelease`)) ??
  (await reachable(`${securityMirror}/dists/bookworm-security/InRelease`));
if (unreachable) {
  console.warn(`SKIPPING the Debian chroot run of the patch script: ${unreachable}`);
}

/** Runs a command in the chroot; returns its status and output. */
function inChroot(root: string, command: string[]): { status: number | null; output: string } {
  const result = spawnSync('chroot', [root, ...command], {
    encoding: 'utf8',
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** The upgrades apt would make from the security archive alone: package -> new version. */
function pendingSecurityUpgrades(root: string): Map<string, string> {
  const simulate = inChroot(root, [
    'apt-get',
    '-s',
    '-o',
    'Dir::Etc::SourceList=/dev/null',
    '-o',
    'Dir::Etc::SourceParts=/tmp/security-only',
    '-o',
    'Dir::Cache::pkgcache=',
    '-o',
    'Dir::Cache::srcpkgcache=',
    'upgrade',
    '--with-new-pkgs',
  ]);
  expect(simulate.status, simulate.output).toBe(0);
  const upgrades = new Map<string, string>();
  for (const match of simulate.output.matchAll(/^Inst (\S+) (?:\[\S+\] )?\((\S+) /gm)) {
    upgrades.set(match[1] ?? '', match[2] ?? '');
  }
  return upgrades;
}

function installedVersions(root: string): Map<string, string> {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's format string, not a template
  const query = inChroot(root, ['dpkg-query', '-W', '-f', '${Package} ${Version}\n']);
  expect(query.status, query.output).toBe(0);
  return new Map(
    query.output
      .trim()
      .split('\n')
      .map((line) => line.split(' ') as [string, string]),
  );
}

/** sha256 of every regular file under the given directories of the chroot. */
function hashTree(root: string, dirs: string[]): Map<string, string> {
  const hashes = new Map<string, string>();
  const walk = (path: string): void => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) walk(join(path, entry));
    } else if (stat.isFile()) {
      hashes.set(relative(root, path), createHash('sha256').update(readFileSync(path)).digest('hex'));
    }
  };
  for (const dir of dirs) walk(join(root, dir));
  return hashes;
}

const DROPIN = '/etc/chrony/sources.d/asg-patcher-amazon-time-sync.sources';

describe('the patch script in a Debian bookworm chroot', () => {
  it.skipIf(unreachable !== undefined)(
    'applies security updates from bookworm-security only, writes the chrony drop-in, and changes nothing on a second run',
    () => {
      // Prepare: the cached chroot (built once), copied so every run starts from the same state.
      let started = Date.now();
      const build = spawnSync('bash', [buildScript, baseChroot], { encoding: 'utf8' });
      expect(build.status, `${build.stdout}${build.stderr}`).toBe(0);
      console.log(
        `chroot: ${build.stdout.trim().split('\n').at(-1)}; ready after ${Date.now() - started} ms`,
      );
      mkdirSync(cacheDir, { recursive: true });
      const root = mkdtempSync(join(cacheDir, 'chroot-run-'));
      let procMounted = false;
      try {
        execFileSync('cp', ['-a', `${baseChroot}/.`, root]);
        procMounted = spawnSync('mount', ['-t', 'proc', 'proc', join(root, 'proc')]).status === 0;
        mkdirSync(join(root, 'tmp/security-only'), { recursive: true });
        writeFileSync(
          join(root, 'tmp/security-only/security.sources'),
          `Types: deb\nURIs: ${securityMirror}\nSuites: bookworm-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n`,
        );
        writeFileSync(join(root, 'tmp/patch.sh'), renderPatchScript({ updates: 'security', timeSync: true }));
        const update = inChroot(root, ['apt-get', '-q', 'update']);
        expect(update.status, update.output).toBe(0);
        const expected = pendingSecurityUpgrades(root);
        // bookworm's point release lags its security archive: there is something to apply.
        expect(expected.size, 'no pending security updates in the fresh chroot').toBeGreaterThan(0);

        // Act: the first run.
        started = Date.now();
        const first = inChroot(root, ['/bin/bash', '/tmp/patch.sh']);
        console.log(`first run: ${Date.now() - started} ms, ${expected.size} security upgrades expected`);

        // Assess: updates applied, from the security archive only; drop-in; status.
        expect(first.status, first.output).toBe(0);
        expect(first.output).toContain(`URIs: ${securityMirror} Suites: bookworm-security`);
        const installed = installedVersions(root);
        for (const [name, version] of expected) {
          expect(installed.get(name), name).toBe(version);
        }
        expect(pendingSecurityUpgrades(root).size).toBe(0);
        const history = readFileSync(join(root, 'var/log/apt/history.log'), 'utf8');
        expect(history).toContain('Dir::Etc::SourceParts=/tmp/asg-patcher.');
        expect(readFileSync(join(root, DROPIN), 'utf8')).toBe(
          '# Managed by asg-patcher: the Amazon Time Sync Service, reachable from every EC2 instance.\n' +
            'server 169.254.169.123 prefer iburst minpoll 4 maxpoll 4\n',
        );
        const status = readFileSync(join(root, 'var/lib/asg-patcher/status'), 'utf8');
        expect(status).toContain('\nresult=ok\n');
        expect(status).toContain('\nupdate_result=ok\n');
        expect(status).toContain(`\ntime_sync=configured:${DROPIN}\n`);
        expect(status).toMatch(/\nreboot_required=(yes|no)\n/);
        expect(first.output).toContain('no running systemd');

        // Act again: the second run changes nothing.
        const before = hashTree(root, ['etc', 'var/lib/dpkg/status']);
        started = Date.now();
        const second = inChroot(root, ['/bin/bash', '/tmp/patch.sh']);
        console.log(`second run: ${Date.now() - started} ms`);
        expect(second.status, second.output).toBe(0);
        expect(hashTree(root, ['etc', 'var/lib/dpkg/status'])).toEqual(before);
        expect(second.output).toContain('time sync already configured');
        expect(second.output).toMatch(/0 upgraded, 0 newly installed, 0 to remove/);
      } finally {
        if (procMounted) spawnSync('umount', [join(root, 'proc')]);
        rmSync(root, { recursive: true, force: true });
      }
    },
    20 * 60_000,
  );
});

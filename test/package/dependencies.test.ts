/**
 * package.json's rule, checked on the sources: `dependencies` is what the Lambdas (src/handlers and
 * what they import) and the asg-patcher CLI (bin/, src/cli and what it imports) load at run time;
 * everything else is a devDependency; every @aws-sdk/* package is on one version. The install
 * itself (`npm ci --omit=dev`, then the CLI on the demo) is scripts/check-prod-install.sh, which
 * `npm run test:all` runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The package name of a bare import (`@scope/name/sub` -> `@scope/name`), or undefined for node:/relative. */
const packageOf = (specifier: string): string | undefined => {
  if (specifier.startsWith('.') || specifier.startsWith('node:') || specifier.startsWith('/'))
    return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
};

/** Every package that the files reachable from `entries` import at run time (type-only imports left out). */
function runtimePackages(entries: string[]): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const specifiers = [
      ...source.matchAll(/^import\s+(?!type\s)[^'"]*?from\s+'([^']+)'/gm),
      ...source.matchAll(/^import\s+'([^']+)'/gm),
      ...source.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
    ].map((m) => m[1] ?? '');
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
      else {
        const name = packageOf(specifier);
        if (name) packages.add(name);
      }
    }
  };
  for (const entry of entries) visit(entry);
  return packages;
}

const handlers = readdirSync(join(root, 'src/handlers')).map((f) => join(root, 'src/handlers', f));
const cli = [join(root, 'bin/asg-patcher.mjs')];

describe('package.json dependencies', () => {
  it('lists every package the Lambdas and the CLI import at run time under dependencies', () => {
    const used = runtimePackages([...handlers, ...cli]);
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((name) => !(name in pkg.dependencies)).sort()).toEqual([]);
  });

  it('lists nothing under dependencies that the Lambdas and the CLI do not import', () => {
    const used = runtimePackages([...handlers, ...cli]);
    expect(Object.keys(pkg.dependencies).filter((name) => !used.has(name))).toEqual([]);
  });

  it('puts every @aws-sdk package on one exact version', () => {
    const versions = Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })
      .filter(([name]) => name.startsWith('@aws-sdk/'))
      .map(([, version]) => version);
    expect(versions.length).toBeGreaterThan(0);
    expect(new Set(versions).size).toBe(1);
    expect(versions[0]).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

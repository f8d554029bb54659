/**
 * The `asg-patcher run` CLI as a user runs it: `node bin/asg-patcher.mjs` in a child process, on the
 * demo scenario. Asserts the printed table, the exit codes and the account's end state in `--out`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bastionParts, withFreshBastion } from '../../examples/refresh-demo-scenario.ts';
import type { AccountSnapshot } from '../../src/fake/account.ts';
import { CALLBACK_STATES, PER_ITEM_STAGES } from '../../src/local/definition.ts';
import type { Summary } from '../../src/schemas.ts';
import { tableCells } from '../unit/cli/table.ts';

const root = resolve(import.meta.dirname, '../..');
/** The per-item stages that run once per launch template (their Map is over the templates). */
const TEMPLATE_STAGES: readonly string[] = [
  'CreatePatchedVersion',
  'PromoteDefaultVersion',
  'DeleteUnusedVersions',
];
const committedDemo = join(root, 'examples/demo-scenario.json');
const work = mkdtempSync(join(tmpdir(), 'asg-patcher-cli-'));
// The demo as committed, except that its already-current group is recomposed with today's patch
// script, so a script change fails only the freshness test below, not every CLI test.
const demo = join(work, 'demo-scenario.json');
writeFileSync(demo, JSON.stringify(withFreshBastion(JSON.parse(readFileSync(committedDemo, 'utf8')))));

interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): CliRun {
  const result = spawnSync(process.execPath, [join(root, 'bin/asg-patcher.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The final table's rows (cli-table3 draws them with │), keyed by group name. */
function tableRows(stdout: string): Map<string, string[]> {
  const [header, ...body] = tableCells(stdout);
  expect(header).toEqual(['group', 'version', 'refresh', 'status', 'failed at / error', 'duration']);
  return new Map(body.map((cells) => [cells[0] ?? '', cells]));
}

interface OutFile {
  execution: { status: string; error?: string };
  summary: Summary | null;
  account: AccountSnapshot;
}
const readOut = (path: string): OutFile => JSON.parse(readFileSync(path, 'utf8'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('asg-patcher run on the demo scenario', () => {
  const outPath = join(work, 'demo.json');
  let run: CliRun;
  let out: OutFile;

  beforeAll(() => {
    run = cli('run', '--scenario', demo, '--out', outPath, '--check-expected');
    out = readOut(outPath);
  }, 90_000);

  it('exits 0 because the run ended as the scenario expects (one group fails and is put back)', () => {
    expect(run.stderr).not.toContain('Not what');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Execution FAILED with GroupsFailedError');
    expect(run.stdout).toContain(
      'As the scenario expects: the execution failed because reports-prod failed, and no other group did.',
    );
  });

  it('prints each stage as it happens: a group stage under the group, a template stage under the template', () => {
    // Per-template stages run once per launch template, the rest once per group.
    const perTemplate = PER_ITEM_STAGES.filter((s) => TEMPLATE_STAGES.includes(s));
    // The demo waits by polling (a local run's default), so it never enters the event wait.
    const perGroup = PER_ITEM_STAGES.filter(
      (s) => !TEMPLATE_STAGES.includes(s) && !(CALLBACK_STATES as readonly string[]).includes(s),
    );
    expect(perTemplate).toHaveLength(TEMPLATE_STAGES.length);
    const line = (subject: string, state: string) =>
      new RegExp(`^\\+\\d+\\.\\d\\ds +${subject} +${state} `, 'm');
    for (const group of [
      'web-frontend-prod',
      'api-prod',
      'api-canary',
      'batch-workers-spot',
      'internal-tools',
      'reports-prod',
    ])
      for (const state of perGroup) expect(run.stdout, `${group} ${state}`).toMatch(line(group, state));
    for (const template of ['web-frontend', 'api', 'batch-worker', 'batch-gpu', 'internal-tools', 'reports'])
      for (const state of perTemplate)
        expect(run.stdout, `${template} ${state}`).toMatch(line(template, state));
    // Two groups share the api template: one version for both.
    expect(run.stdout.match(/^\S+ +api +CreatePatchedVersion /gm)).toHaveLength(1);
    expect(run.stdout).toMatch(/reports-prod +PollInstanceRefresh +RollbackSuccessful/);
    expect(run.stdout).toMatch(
      /reports +PromoteDefaultVersion +default stays v1 \(default stays 1: version 2 did not refresh/,
    );
    expect(run.stdout).toMatch(/reports +DeleteUnusedVersions +deleted v2/);
    // the untagged sandbox group is not a target, nor its template
    expect(run.stdout).not.toMatch(/^\S+ +sandbox /m);
  });

  it('ends with one table row per targeted group, a version line per template it launches from', () => {
    const rows = tableRows(run.stdout);
    expect([...rows.keys()].sort()).toEqual([
      'api-canary',
      'api-prod',
      'bastion',
      'batch-workers-spot',
      'internal-tools',
      'reports-prod',
      'web-frontend-prod',
    ]);
    const pick = (name: string) => {
      const [, version, refresh, status, failure] = rows.get(name) ?? [];
      return { version, refreshed: refresh !== '-', status, failure };
    };
    const succeeded = (version: string) => ({ version, refreshed: true, status: 'succeeded', failure: '-' });
    expect(pick('web-frontend-prod')).toEqual(succeeded('v3 -> v4'));
    expect(pick('api-prod')).toEqual(succeeded('v2 -> v3'));
    expect(pick('api-canary')).toEqual(succeeded('v2 -> v3'));
    expect(pick('batch-workers-spot')).toEqual(succeeded('batch-worker v2 -> v3\nbatch-gpu v1 -> v2'));
    expect(pick('internal-tools')).toEqual(succeeded('v2 -> v3'));
    expect(pick('bastion')).toEqual({
      version: 'v2',
      refreshed: false,
      status: 'alreadyCurrent',
      failure: '-',
    });
    expect(pick('reports-prod')).toMatchObject({
      status: 'failed',
      failure: 'PollInstanceRefresh: InstanceRefreshFailedError',
    });
    expect(run.stdout).toContain('Launch templates:');
    expect(run.stdout).toMatch(
      /^ {2}reports \(lt-\w+\): created v2 \(from v1\); default stays v1; deleted v2$/m,
    );
  });

  it('writes the summary and the account end state: proven versions promoted, the failure put back', () => {
    expect(out.execution).toMatchObject({ status: 'FAILED', error: 'GroupsFailedError' });
    expect(out.summary?.counts).toEqual({
      total: 7,
      succeeded: 5,
      refreshed: 0,
      alreadyCurrent: 1,
      skipped: 0,
      dryRun: 0,
      failed: 1,
    });

    const template = (name: string) => out.account.launchTemplates.find((t) => t.name === name);
    const group = (name: string) => out.account.autoScalingGroups.find((g) => g.name === name);
    const defaults = Object.fromEntries(out.account.launchTemplates.map((t) => [t.name, t.defaultVersion]));
    expect(defaults).toEqual({
      'web-frontend': 4,
      api: 3,
      'batch-worker': 1, // its group names version 2: a version made from 2 never becomes the default (1)
      'batch-gpu': 2, // the spot group's GPU override follows $Default: proven, promoted
      reports: 1, // refresh rolled back: default untouched
      'internal-tools': 1, // its group follows $Latest (2): the default (1) is another source
      sandbox: 1,
      bastion: 2, // already current: nothing created
    });
    // The failed group's new version was deleted, so $Default/$Latest resolve as before.
    expect(template('reports')?.versions.map((v) => v.versionNumber)).toEqual([1]);
    expect(template('sandbox')?.versions.map((v) => v.versionNumber)).toEqual([1]);
    expect(template('bastion')?.versions.map((v) => v.versionNumber)).toEqual([1, 2]);

    // Each group is back on its reference style where it resolves to what its instances run.
    expect(group('web-frontend-prod')?.launchTemplate?.Version).toBe('4');
    expect(group('api-prod')?.launchTemplate?.Version).toBe('$Default');
    expect(group('api-canary')?.launchTemplate?.Version).toBe('$Default');
    expect(group('internal-tools')?.launchTemplate?.Version).toBe('$Latest');
    expect(group('reports-prod')?.launchTemplate?.Version).toBe('$Default');
    expect(group('sandbox')?.launchTemplate?.Version).toBe('$Default');
    const spot = group('batch-workers-spot')?.mixedInstancesPolicy?.LaunchTemplate;
    expect(spot?.LaunchTemplateSpecification?.Version).toBe('3');
    expect(
      spot?.Overrides?.find((o) => o.LaunchTemplateSpecification)?.LaunchTemplateSpecification?.Version,
    ).toBe('$Default');

    // The new versions inherit everything but UserData from their source (SourceVersion).
    const web = template('web-frontend');
    const [v3, v4] = [
      web?.versions.find((v) => v.versionNumber === 3),
      web?.versions.find((v) => v.versionNumber === 4),
    ];
    const { UserData: oldUserData, ...v3Rest } = v3?.data ?? {};
    const { UserData: newUserData, ...v4Rest } = v4?.data ?? {};
    expect(v4Rest).toEqual(v3Rest);
    expect(newUserData).not.toEqual(oldUserData);

    // One refresh per group that took part; the sandbox and the current bastion never got one.
    expect(out.account.instanceRefreshes.map((r) => r.asgName).sort()).toEqual([
      'api-canary',
      'api-prod',
      'batch-workers-spot',
      'internal-tools',
      'reports-prod',
      'web-frontend-prod',
    ]);
    expect(out.account.instanceRefreshes.find((r) => r.asgName === 'reports-prod')?.status).toBe(
      'RollbackSuccessful',
    );
  });
});

describe('the demo scenario file', () => {
  it("has the already-current group composed exactly as today's composer does", () => {
    const scenario = JSON.parse(readFileSync(committedDemo, 'utf8'));
    const { launchTemplate, group } = bastionParts();
    // If this fails, the patch script or the composer changed: `npx tsx examples/refresh-demo-scenario.ts`.
    expect(
      scenario.launchTemplates.find((t: { name: string }) => t.name === 'bastion'),
      'the patch script changed: run `npx tsx examples/refresh-demo-scenario.ts` and commit the demo scenario',
    ).toEqual(launchTemplate);
    expect(scenario.autoScalingGroups.find((g: { name: string }) => g.name === 'bastion')).toEqual(group);
  });
});

describe('asg-patcher run exit codes and --input', () => {
  it('exits 1 without --check-expected, since the execution failed', () => {
    const run = cli('run', '--scenario', demo);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('Execution FAILED with GroupsFailedError');
  }, 60_000);

  it('runs a dry run of the groups of one template from --input and changes nothing (exit 0)', () => {
    const outPath = join(work, 'dry.json');
    const run = cli(
      'run',
      '--scenario',
      demo,
      '--input',
      // Both groups of the api template: one alone would be refused (the other follows its $Default).
      '{"targets":{"asgNames":["api-prod","api-canary"]},"dryRun":true}',
      '--out',
      outPath,
    );
    expect(run.status, run.stderr).toBe(0);
    const rows = tableRows(run.stdout);
    expect([...rows.keys()]).toEqual(['api-prod', 'api-canary']);
    expect(rows.get('api-prod')?.[3]).toBe('dryRun');
    expect(rows.get('api-canary')?.[3]).toBe('dryRun');
    const out = readOut(outPath);
    const api = out.account.launchTemplates.find((t) => t.name === 'api');
    expect(api?.defaultVersion).toBe(2);
    expect(api?.versions).toHaveLength(2);
    expect(out.account.instanceRefreshes).toEqual([]);
  }, 60_000);

  it('reads --input from a file; bad execution input fails the execution in ResolveTargets (exit 1)', () => {
    const inputPath = join(work, 'bad-input.json');
    writeFileSync(inputPath, JSON.stringify({ targets: { asgNames: ['api-prod'] }, maxConcurrency: 0 }));
    const run = cli('run', '--scenario', demo, '--input', inputPath);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/\(run\) +ResolveTargets +FAILED InputValidationError: .*maxConcurrency/);
  }, 60_000);

  it.each([
    ['a missing scenario file', ['run', '--scenario', join(work, 'nope.json')], /does not exist/],
    ['no --scenario', ['run'], /required option '--scenario <file>'/],
    ['an unknown option', ['run', '--scenario', demo, '--bogus'], /unknown option '--bogus'/],
    [
      '--input that is not JSON',
      ['run', '--scenario', demo, '--input', '{targets'],
      /--input is not valid JSON/,
    ],
  ])('exits 2 on bad usage: %s', (_name, args, message) => {
    const run = cli(...args);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('with --check-expected, exits 1 and says why when the run does not end as the scenario expects', () => {
    const scenario = JSON.parse(readFileSync(demo, 'utf8'));
    scenario.expect = { failed: ['api-prod'] };
    const path = join(work, 'wrong-expectation.json');
    writeFileSync(path, JSON.stringify(scenario));
    const run = cli('run', '--scenario', path, '--check-expected');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('reports-prod failed, expected it not to');
    expect(run.stderr).toContain('api-prod was expected to fail, it did not');
  }, 60_000);

  it('exits 2 on a scenario that breaks the schema, naming the field', () => {
    const scenario = JSON.parse(readFileSync(demo, 'utf8'));
    scenario.autoScalingGroups[0].launchTemplate.version = 'latest';
    const path = join(work, 'broken.json');
    writeFileSync(path, JSON.stringify(scenario));
    const run = cli('run', '--scenario', path);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/autoScalingGroups\[0\]\.launchTemplate\.version/);
  });
});

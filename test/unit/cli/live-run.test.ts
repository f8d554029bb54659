/**
 * `asg-patcher run --live`, in-process (runCli): no scenario, so the runner installs nothing and the
 * handlers' real SDK clients send their commands. The test installs the fake account in their way
 * (installFakeAccount, standing in for the operator's account's API), so nothing reaches the network.
 * `--wait-ms 0` only shortens WaitForRefresh; a live run without it waits pollIntervalSeconds.
 */
import { describe, expect, it } from 'vitest';
import { readLastPatched } from '../../../src/ledger/last-patched.ts';
import { readGroupLock } from '../../../src/ledger/lock-item.ts';
import { buildTemplateData, seedGroup, useFakeAccount } from '../../support/builders.ts';
import { useLocalLedger } from '../../support/ledger.ts';
import { cli, type Ran, useAwsEnv } from './support.ts';

/** Printed lines (the table is printed as one multi-line string). */
const lines = (run: Ran): string[] => run.stdout.join('\n').split('\n');

// The env credential provider reports AWS_ACCOUNT_ID as the credentials' account id.
useAwsEnv({ AWS_REGION: 'eu-west-1', AWS_ACCOUNT_ID: '111122223333' });

describe('asg-patcher run --live', () => {
  const account = useFakeAccount();
  // Standing in for the deployed ledger table as the fake stands in for the account: every
  // DynamoDBClient is routed to a local dynalite, and the run is told the table's name.
  const ledger = useLocalLedger();

  it('patches the targeted group end to end and leaves the other one alone', async () => {
    const threeVersions = [buildTemplateData(), buildTemplateData(), buildTemplateData()];
    const web = seedGroup(account(), 'web', { versions: threeVersions, defaultVersion: 2 });
    seedGroup(account(), 'other');
    const before = account().snapshot();

    const run = await cli(
      'run',
      '--live',
      '--asg-name',
      'web',
      '--yes',
      '--wait-ms',
      '0',
      '--ledger-table',
      ledger().local.tableName,
    );

    expect(run.stderr).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout[0]).toBe(
      'WARNING: this changes launch templates and refreshes instances in account 111122223333, Region eu-west-1.',
    );
    const after = account().snapshot();
    const template = after.launchTemplates.find((t) => t.id === web.templateId);
    // Version 4 made from the default (2), refreshed successfully, then promoted.
    expect(template?.latestVersion).toBe(4);
    expect(template?.defaultVersion).toBe(4);
    expect(template?.versions.at(-1)?.description).toMatch(/^asg-patcher run local-\S+ \(from version 2\)$/);
    expect(after.instanceRefreshes).toEqual([
      expect.objectContaining({
        asgName: 'web',
        status: 'Successful',
        desiredConfiguration: {
          LaunchTemplate: { LaunchTemplateId: web.templateId, LaunchTemplateName: 'web-lt', Version: '4' },
        },
      }),
    ]);
    expect(after.autoScalingGroups.find((g) => g.name === 'web')?.launchTemplate).toEqual({
      LaunchTemplateId: web.templateId,
      LaunchTemplateName: 'web-lt',
      Version: '$Default',
    });
    expect(after.launchTemplates.find((t) => t.name === 'other-lt')).toEqual(
      before.launchTemplates.find((t) => t.name === 'other-lt'),
    );
    expect(lines(run).some((l) => /^│ web +│ v2 -> v4 +│ \S+ +│ succeeded +│/.test(l))).toBe(true);
    expect(run.stdout.at(-1)).toMatch(/^Execution SUCCEEDED \(run local-/);
    // The ledger table named on the command line: the lock released, the patched version recorded.
    expect(await readGroupLock(ledger().deps.ledger, 'web')).toBeUndefined();
    expect(await readLastPatched(ledger().deps.ledger, 'web')).toMatchObject({
      runId: expect.stringMatching(/^local-/),
      launchTemplates: [{ slot: 'main', launchTemplateId: web.templateId, version: 4 }],
    });
  });

  it('refuses a run that changes the account without a ledger table: exit 2, no AWS call', async () => {
    seedGroup(account(), 'web');

    const run = await cli('run', '--live', '--asg-name', 'web', '--yes');

    expect(run.code).toBe(2);
    expect(run.stderr).toEqual([
      "asg-patcher run: a live run that is not a dry run locks each group in the run ledger: pass --ledger-table NAME (your stack's LedgerTableName output) or set ASG_PATCHER_LEDGER_TABLE",
    ]);
    expect(account().calls).toEqual([]);
  });

  it('refuses a run that is not a dry run without --yes: exit 2, the Region named, no AWS call', async () => {
    seedGroup(account(), 'web');

    const run = await cli('run', '--live', '--asg-name', 'web');

    expect(run.code).toBe(2);
    expect(run.stderr).toEqual([
      'WARNING: this changes launch templates and refreshes instances in the account of your AWS credentials, Region eu-west-1.',
      'asg-patcher run: a live run that is not a dry run needs --yes (or add --dry-run to see what would change)',
    ]);
    expect(account().calls).toEqual([]);
  });

  it('runs a dry run by tag without --yes and changes nothing', async () => {
    seedGroup(account(), 'web', {
      versions: [buildTemplateData(), buildTemplateData()],
      defaultVersion: 2,
      group: { tags: { 'asg-patcher': 'enabled' } },
    });
    seedGroup(account(), 'other', { group: { tags: { 'asg-patcher': 'disabled' } } });
    const before = account().snapshot();

    const run = await cli('run', '--live', '--tag', 'asg-patcher=enabled', '--dry-run', '--wait-ms', '0');

    expect(run.code).toBe(0);
    expect(run.stdout[0]).toBe('Live dry run in Region eu-west-1: reads only, changes nothing.');
    expect(account().calls.filter((c) => c.mutating)).toEqual([]);
    expect(account().snapshot()).toEqual(before);
    expect(lines(run).some((l) => /^│ web +│ v2 +│ - +│ dryRun +│/.test(l))).toBe(true);
    expect(lines(run).some((l) => l.startsWith('│ other '))).toBe(false);
  });

  it.each([
    ['no targets', ['--yes'], /invalid execution input: targets: /],
    [
      'an input field out of range',
      ['--asg-name', 'web', '--input', '{"pollIntervalSeconds":1}'],
      /pollIntervalSeconds: /,
    ],
    [
      'a scenario as well',
      ['--asg-name', 'web', '--scenario', 'examples/demo-scenario.json'],
      /cannot be used with option/,
    ],
  ])('exits 2 before any AWS call on %s', async (_what, args, message) => {
    const run = await cli('run', '--live', ...args);
    expect(run.code).toBe(2);
    expect(run.stderr.join('\n')).toMatch(message);
    expect(account().calls).toEqual([]);
  });

  it('takes the target flags only with --live', async () => {
    const run = await cli(
      'run',
      '--scenario',
      'examples/demo-scenario.json',
      '--asg-name',
      'web',
      '--dry-run',
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toEqual([
      'asg-patcher run: --asg-name, --dry-run go with --live; for a scenario, put the targets and dryRun in --input',
    ]);
    expect(account().calls).toEqual([]);
  });

  it('still needs --scenario without --live', async () => {
    const run = await cli('run', '--asg-name', 'web');
    expect(run.code).toBe(2);
    expect(run.stderr.join('\n')).toMatch(/required option '--scenario <file>' not specified/);
  });
});

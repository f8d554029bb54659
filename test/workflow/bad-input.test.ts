/**
 * Bad execution input fails the run in ResolveTargets, naming the field, before any AWS call at all
 * (validation precedes listing), and is never retried.
 */
import { describe, expect, it } from 'vitest';
import { buildInput, FakeAccount, run, seedGroup } from './helpers.ts';

const web = { asgNames: ['web'] };

const CASES: [description: string, input: unknown, field: string][] = [
  ['no targets at all', {}, 'targets'],
  ['asgNames given at the top level instead of under targets', { asgNames: ['web'] }, 'asgNames'],
  ['an empty list of names', { targets: { asgNames: [] } }, 'targets'],
  ['names and tags together', { targets: { asgNames: ['web'], tags: [{ key: 'patch' }] } }, 'targets'],
  ['an empty group name', { targets: { asgNames: [''] } }, 'targets'],
  ['a tag filter without a key', { targets: { tags: [{ values: ['weekly'] }] } }, 'targets'],
  ['dryRun as a string', { targets: web, dryRun: 'yes' }, 'dryRun'],
  ['force as a number', { targets: web, force: 1 }, 'force'],
  ['an unknown update kind', { targets: web, patch: { updates: 'everything' } }, 'patch.updates'],
  ['a misspelt patch option', { targets: web, patch: { timesync: false } }, 'patch.timesync'],
  [
    'minHealthyPercentage over 100',
    { targets: web, refreshPreferences: { minHealthyPercentage: 150 } },
    'refreshPreferences.minHealthyPercentage',
  ],
  [
    'an unknown refresh preference',
    { targets: web, refreshPreferences: { warmup: 300 } },
    'refreshPreferences.warmup',
  ],
  ['maxConcurrency 0', { targets: web, maxConcurrency: 0 }, 'maxConcurrency'],
  [
    'maxConcurrency over the input limit of 40 groups at once',
    { targets: web, maxConcurrency: 41 },
    'maxConcurrency',
  ],
  ['pollIntervalSeconds under 5', { targets: web, pollIntervalSeconds: 1 }, 'pollIntervalSeconds'],
  ['maxWaitSeconds as a string', { targets: web, maxWaitSeconds: '3600' }, 'maxWaitSeconds'],
  ['an unknown top-level field', { targets: web, dryrun: true }, 'dryrun'],
  ['a JSON array instead of an object', [web], '(input)'],
  ['a bare string', 'web', '(input)'],
  ['null', null, '(input)'],
  ['a number', 42, '(input)'],
  ['an unknown untargetedSharers mode', { targets: web, untargetedSharers: 'ignore' }, 'untargetedSharers'],
  ['pruneVersions keeping none', { targets: web, pruneVersions: { keep: 0 } }, 'pruneVersions.keep'],
  ['pruneVersions over 1000', { targets: web, pruneVersions: { keep: 1001 } }, 'pruneVersions.keep'],
  ['pruneVersions without keep', { targets: web, pruneVersions: {} }, 'pruneVersions.keep'],
  ['pruneVersions as a number', { targets: web, pruneVersions: 5 }, 'pruneVersions'],
  [
    'a misspelt pruneVersions field',
    { targets: web, pruneVersions: { keep: 2, newest: 2 } },
    'pruneVersions.newest',
  ],
];

describe('bad input', () => {
  it.each(CASES)('rejects %s in ResolveTargets, naming %s, with no AWS call', async (_, input, field) => {
    const account = new FakeAccount();
    seedGroup(account, 'web');
    const before = account.snapshot();

    const result = await run(account, input);

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InputValidationError');
    expect(result.cause).toContain(field);
    expect(account.calls).toEqual([]);
    expect(account.snapshot()).toEqual(before);
    // Failed at the first state, never retried, never reached the groups.
    expect(result.events.filter((e) => e.type === 'entered').map((e) => e.state)).toEqual(['ResolveTargets']);
    expect(result.events.filter((e) => e.type === 'retried')).toEqual([]);
  });

  it('passes the cause on as the Lambda error document Step Functions shows in the console', async () => {
    const account = new FakeAccount();

    const result = await run(account, buildInput({ targets: web, maxConcurrency: 0 }));

    const document = JSON.parse(result.cause ?? '{}');
    expect(document).toMatchObject({ errorType: 'InputValidationError' });
    expect(document.errorMessage).toMatch(/^Invalid input: maxConcurrency: /);
  });
});

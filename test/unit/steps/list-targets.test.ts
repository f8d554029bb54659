import { describe, expect, it } from 'vitest';
import { NoTargetsFoundError } from '../../../src/errors.ts';
import { listTargets } from '../../../src/steps/lib/list-targets.ts';
import { deps, seedGroup, useFakeAccount } from '../../support/builders.ts';

// LookupLaunchTemplate's first read: the targets as the input names them (ResolveTargets makes no AWS call).
describe('listTargets (LookupLaunchTemplate)', () => {
  const account = useFakeAccount();

  it('by names: keeps every distinct name, missing ones too, so each fails in its own iteration', async () => {
    seedGroup(account(), 'web');
    seedGroup(account(), 'api');

    const output = await listTargets({ asgNames: ['web', 'gone', 'api', 'web'] }, deps);

    expect(output.asgNames).toEqual(['web', 'gone', 'api']);
    expect(account().callsOf('DescribeAutoScalingGroups')[0]?.input).toMatchObject({
      AutoScalingGroupNames: ['web', 'gone', 'api'],
    });
  });

  it('by names: NoTargetsFoundError when none of the names exists', async () => {
    seedGroup(account(), 'web');
    await expect(listTargets({ asgNames: ['gone', 'also-gone'] }, deps)).rejects.toThrow(NoTargetsFoundError);
    expect(account().mutatingCalls()).toEqual([]);
  });

  it('by names: 150 names are asked for in requests of at most 100 (the MaxRecords cap)', async () => {
    const names = Array.from({ length: 150 }, (_, index) => `group-${String(index).padStart(3, '0')}`);
    for (const name of names.slice(0, 3)) seedGroup(account(), name);

    const output = await listTargets({ asgNames: names }, deps);

    expect(output.asgNames).toEqual(names);
    const asked = account()
      .callsOf('DescribeAutoScalingGroups')
      .map((call) => (call.input as { AutoScalingGroupNames: string[] }).AutoScalingGroupNames.length);
    expect(asked).toEqual([100, 50]);
  });

  it('by names: as many as the input allows (500 names) pass with no cap, a repeated name counted once', async () => {
    const names = Array.from({ length: 499 }, (_, index) => `group-${String(index).padStart(3, '0')}`);
    seedGroup(account(), 'group-000');

    const output = await listTargets(
      { asgNames: [...names.slice(0, 250), 'group-000', ...names.slice(250)] },
      deps,
    );

    expect(output.asgNames).toEqual(names);
    expect(account().mutatingCalls()).toEqual([]);
  });

  it('by tags: every group that carries them, 1,200 here, with no cap; nothing changed', async () => {
    for (let index = 0; index < 1200; index += 1) {
      seedGroup(account(), `g${String(index).padStart(4, '0')}`, {
        group: { tags: { Patch: 'weekly' }, desiredCapacity: 0 },
      });
    }
    seedGroup(account(), 'other', { group: { tags: { Patch: 'never' }, desiredCapacity: 0 } });

    const output = await listTargets({ tags: [{ key: 'Patch', values: ['weekly'] }] }, deps);

    expect(output.asgNames).toHaveLength(1200);
    expect(output.asgNames[0]).toBe('g0000');
    expect(output.asgNames.at(-1)).toBe('g1199');
    expect(account().mutatingCalls()).toEqual([]);
  });

  it('by tags: server-side tag:<key> and tag-key filters, ANDed, sorted by name', async () => {
    seedGroup(account(), 'web-b', {
      group: { tags: { Patch: 'weekly', Team: 'payments' }, desiredCapacity: 0 },
    });
    seedGroup(account(), 'web-a', {
      group: { tags: { Patch: 'monthly', Team: 'search' }, desiredCapacity: 0 },
    });
    seedGroup(account(), 'no-team', { group: { tags: { Patch: 'weekly' }, desiredCapacity: 0 } });
    seedGroup(account(), 'never', { group: { tags: { Patch: 'never', Team: 'x' }, desiredCapacity: 0 } });

    const output = await listTargets(
      { tags: [{ key: 'Patch', values: ['weekly', 'monthly'] }, { key: 'Team' }] },
      deps,
    );

    expect(output.asgNames).toEqual(['web-a', 'web-b']);
    expect(account().callsOf('DescribeAutoScalingGroups')[0]?.input).toMatchObject({
      Filters: [
        { Name: 'tag:Patch', Values: ['weekly', 'monthly'] },
        { Name: 'tag-key', Values: ['Team'] },
      ],
    });
  });

  it('by tags: follows NextToken through every page (paginator)', async () => {
    for (let index = 0; index < 120; index += 1) {
      seedGroup(account(), `g${String(index).padStart(3, '0')}`, {
        group: { tags: { Patch: 'weekly' }, desiredCapacity: 0 },
      });
    }

    const output = await listTargets({ tags: [{ key: 'Patch', values: ['weekly'] }] }, deps);

    expect(output.asgNames).toHaveLength(120);
    expect(account().callsOf('DescribeAutoScalingGroups')).toHaveLength(2);
  });

  it('by tags: NoTargetsFoundError naming the tags when nothing matches', async () => {
    seedGroup(account(), 'web', { group: { tags: { Patch: 'never' }, desiredCapacity: 0 } });
    await expect(listTargets({ tags: [{ key: 'Patch', values: ['weekly'] }] }, deps)).rejects.toThrow(
      /Patch=weekly/,
    );
  });
});

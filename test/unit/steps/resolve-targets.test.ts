import { describe, expect, it } from 'vitest';
import { InputValidationError, NoTargetsFoundError } from '../../../src/errors.ts';
import { resolveTargets } from '../../../src/steps/resolve-targets.ts';
import { deps, seedGroup, useFakeAccount } from '../../support/builders.ts';

describe('resolveTargets', () => {
  const account = useFakeAccount();

  it('applies the defaults and computes maxPolls = ceil(maxWaitSeconds / pollIntervalSeconds)', async () => {
    // Prepare
    seedGroup(account(), 'web');

    // Act
    const output = await resolveTargets(
      {
        input: { targets: { asgNames: ['web'] }, pollIntervalSeconds: 45, maxWaitSeconds: 100 },
        runId: 'run-1',
      },
      deps,
    );

    // Assess
    expect(output).toEqual({
      asgNames: ['web'],
      settings: {
        runId: 'run-1',
        dryRun: false,
        force: false,
        patch: { updates: 'security', timeSync: true },
        refreshPreferences: {
          minHealthyPercentage: 90,
          instanceWarmup: 300,
          autoRollback: true,
          skipMatching: true,
        },
        untargetedSharers: 'refuse',
        maxConcurrency: 5,
        pollIntervalSeconds: 45,
        maxWaitSeconds: 100,
        waitMode: 'polling',
        backstopSeconds: 3600,
        waitIntervalSeconds: 45,
        maxPolls: 3,
      },
    });
    expect(account().mutatingCalls()).toEqual([]);
  });

  it("takes the deployment's wait mode when the input names none, and counts backstops in events mode", async () => {
    // Prepare
    seedGroup(account(), 'web');
    const input = { targets: { asgNames: ['web'] }, maxWaitSeconds: 7200, backstopSeconds: 1800 };

    // Act
    const deployed = await resolveTargets({ input, runId: 'r' }, deps, { defaultWaitMode: 'events' });
    const asked = await resolveTargets({ input: { ...input, waitMode: 'polling' }, runId: 'r' }, deps, {
      defaultWaitMode: 'events',
    });

    // Assess: with events, one read of the loop stands for a whole backstop
    expect(deployed.settings).toMatchObject({
      waitMode: 'events',
      backstopSeconds: 1800,
      waitIntervalSeconds: 1800,
      maxPolls: 4,
    });
    expect(asked.settings).toMatchObject({ waitMode: 'polling', waitIntervalSeconds: 60, maxPolls: 120 });
  });

  it('pruneVersions reaches the settings as given; left out, the settings have none (no pruning)', async () => {
    seedGroup(account(), 'web');

    const on = await resolveTargets(
      { input: { targets: { asgNames: ['web'] }, pruneVersions: { keep: 3 } }, runId: 'r' },
      deps,
    );
    const off = await resolveTargets({ input: { targets: { asgNames: ['web'] } }, runId: 'r' }, deps);

    expect(on.settings.pruneVersions).toEqual({ keep: 3 });
    expect(off.settings).not.toHaveProperty('pruneVersions');
  });

  it('default wait: 4 hours at one poll a minute is 240 polls', async () => {
    seedGroup(account(), 'web');
    const output = await resolveTargets({ input: { targets: { asgNames: ['web'] } }, runId: 'r' }, deps);
    expect(output.settings.maxPolls).toBe(240);
  });

  it('by names: keeps every distinct name, missing ones too, so each fails in its own iteration', async () => {
    seedGroup(account(), 'web');
    seedGroup(account(), 'api');

    const output = await resolveTargets(
      { input: { targets: { asgNames: ['web', 'gone', 'api', 'web'] } }, runId: 'r' },
      deps,
    );

    expect(output.asgNames).toEqual(['web', 'gone', 'api']);
    expect(account().callsOf('DescribeAutoScalingGroups')[0]?.input).toMatchObject({
      AutoScalingGroupNames: ['web', 'gone', 'api'],
    });
  });

  it('by names: NoTargetsFoundError when none of the names exists', async () => {
    seedGroup(account(), 'web');
    await expect(
      resolveTargets({ input: { targets: { asgNames: ['gone', 'also-gone'] } }, runId: 'r' }, deps),
    ).rejects.toThrow(NoTargetsFoundError);
    expect(account().mutatingCalls()).toEqual([]);
  });

  it('by names: 150 names are asked for in requests of at most 100 (the MaxRecords cap)', async () => {
    const names = Array.from({ length: 150 }, (_, index) => `group-${String(index).padStart(3, '0')}`);
    for (const name of names.slice(0, 3)) seedGroup(account(), name);

    const output = await resolveTargets({ input: { targets: { asgNames: names } }, runId: 'r' }, deps);

    expect(output.asgNames).toEqual(names);
    const asked = account()
      .callsOf('DescribeAutoScalingGroups')
      .map((call) => (call.input as { AutoScalingGroupNames: string[] }).AutoScalingGroupNames.length);
    expect(asked).toEqual([100, 50]);
  });

  it('by names: as many as the input allows (500) pass with no cap, a repeated name counted once', async () => {
    const names = Array.from({ length: 499 }, (_, index) => `group-${String(index).padStart(3, '0')}`);
    seedGroup(account(), 'group-000');

    const output = await resolveTargets(
      {
        input: { targets: { asgNames: [...names.slice(0, 250), 'group-000', ...names.slice(250)] } },
        runId: 'r',
      },
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

    const output = await resolveTargets(
      { input: { targets: { tags: [{ key: 'Patch', values: ['weekly'] }] } }, runId: 'r' },
      deps,
    );

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

    const output = await resolveTargets(
      {
        input: { targets: { tags: [{ key: 'Patch', values: ['weekly', 'monthly'] }, { key: 'Team' }] } },
        runId: 'r',
      },
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

    const output = await resolveTargets(
      { input: { targets: { tags: [{ key: 'Patch', values: ['weekly'] }] } }, runId: 'r' },
      deps,
    );

    expect(output.asgNames).toHaveLength(120);
    expect(account().callsOf('DescribeAutoScalingGroups')).toHaveLength(2);
  });

  it('by tags: NoTargetsFoundError naming the tags when nothing matches', async () => {
    seedGroup(account(), 'web', { group: { tags: { Patch: 'never' }, desiredCapacity: 0 } });
    await expect(
      resolveTargets(
        { input: { targets: { tags: [{ key: 'Patch', values: ['weekly'] }] } }, runId: 'r' },
        deps,
      ),
    ).rejects.toThrow(/Patch=weekly/);
  });

  it('bad input: InputValidationError naming every bad field, before any AWS call', async () => {
    const error = await resolveTargets(
      {
        input: {
          targets: { asgNames: [] },
          refreshPreferences: { minHealthyPercentage: 150, surge: true },
          pollIntervalSeconds: 1,
          bogus: 1,
        },
        runId: 'r',
      },
      deps,
    ).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(InputValidationError);
    const issues = (error as InputValidationError).issues;
    expect(issues).toEqual([
      expect.stringMatching(/^targets\.asgNames: /),
      expect.stringMatching(/^refreshPreferences\.minHealthyPercentage: /),
      'refreshPreferences.surge: unknown field (not in the input schema)',
      expect.stringMatching(/^pollIntervalSeconds: /),
      'bogus: unknown field (not in the input schema)',
    ]);
    expect((error as Error).name).toBe('InputValidationError');
    expect((error as Error).message).toContain('refreshPreferences.minHealthyPercentage');
    expect(account().calls).toEqual([]);
  });

  it('bad input: targets with neither names nor tags says which shapes are accepted', async () => {
    const error = await resolveTargets({ input: { targets: {} }, runId: 'r' }, deps).catch(
      (caught: unknown) => caught,
    );
    expect((error as InputValidationError).issues).toEqual([
      expect.stringMatching(
        /^targets: matches no accepted shape \(targets\.asgNames: .*; or targets\.tags: /,
      ),
    ]);
  });

  it('bad input: a tag filter path names the array index', async () => {
    const error = await resolveTargets(
      { input: { targets: { tags: [{ key: '' }] } }, runId: 'r' },
      deps,
    ).catch((caught: unknown) => caught);
    expect((error as InputValidationError).issues).toEqual([
      expect.stringMatching(/^targets\.tags\[0\]\.key: /),
    ]);
  });
});

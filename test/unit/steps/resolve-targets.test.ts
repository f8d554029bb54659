import { describe, expect, it } from 'vitest';
import { InputValidationError } from '../../../src/errors.ts';
import { resolveTargets } from '../../../src/steps/resolve-targets.ts';
import { seedGroup, useFakeAccount } from '../../support/builders.ts';

describe('resolveTargets', () => {
  const account = useFakeAccount();

  it('applies the defaults and computes maxPolls = ceil(maxWaitSeconds / pollIntervalSeconds)', async () => {
    // Prepare
    seedGroup(account(), 'web');

    // Act
    const output = await resolveTargets({
      input: { targets: { asgNames: ['web'] }, pollIntervalSeconds: 45, maxWaitSeconds: 100 },
      runId: 'run-1',
    });

    // Assess
    expect(output).toEqual({
      targets: { asgNames: ['web'] },
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
    // No AWS call at all: LookupLaunchTemplate lists the targets as it reads them.
    expect(account().calls).toEqual([]);
  });

  it("takes the deployment's wait mode when the input names none, and counts backstops in events mode", async () => {
    // Prepare
    seedGroup(account(), 'web');
    const input = { targets: { asgNames: ['web'] }, maxWaitSeconds: 7200, backstopSeconds: 1800 };

    // Act
    const deployed = await resolveTargets({ input, runId: 'r' }, { defaultWaitMode: 'events' });
    const asked = await resolveTargets(
      { input: { ...input, waitMode: 'polling' }, runId: 'r' },
      {
        defaultWaitMode: 'events',
      },
    );

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

    const on = await resolveTargets({
      input: { targets: { asgNames: ['web'] }, pruneVersions: { keep: 3 } },
      runId: 'r',
    });
    const off = await resolveTargets({ input: { targets: { asgNames: ['web'] } }, runId: 'r' });

    expect(on.settings.pruneVersions).toEqual({ keep: 3 });
    expect(off.settings).not.toHaveProperty('pruneVersions');
  });

  it('default wait: 4 hours at one poll a minute is 240 polls', async () => {
    seedGroup(account(), 'web');
    const output = await resolveTargets({ input: { targets: { asgNames: ['web'] } }, runId: 'r' });
    expect(output.settings.maxPolls).toBe(240);
  });

  it('bad input: InputValidationError naming every bad field, before any AWS call', async () => {
    const error = await resolveTargets({
      input: {
        targets: { asgNames: [] },
        refreshPreferences: { minHealthyPercentage: 150, surge: true },
        pollIntervalSeconds: 1,
        bogus: 1,
      },
      runId: 'r',
    }).catch((caught: unknown) => caught);

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
    const error = await resolveTargets({ input: { targets: {} }, runId: 'r' }).catch(
      (caught: unknown) => caught,
    );
    expect((error as InputValidationError).issues).toEqual([
      expect.stringMatching(
        /^targets: matches no accepted shape \(targets\.asgNames: .*; or targets\.tags: /,
      ),
    ]);
  });

  it('bad input: a tag filter path names the array index', async () => {
    const error = await resolveTargets({ input: { targets: { tags: [{ key: '' }] } }, runId: 'r' }).catch(
      (caught: unknown) => caught,
    );
    expect((error as InputValidationError).issues).toEqual([
      expect.stringMatching(/^targets\.tags\[0\]\.key: /),
    ]);
  });
});

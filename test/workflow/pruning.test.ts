/**
 * `pruneVersions` through the real state machine: a weekly run on a template that carries this
 * tool's versions from earlier runs prunes the older ones nothing uses and keeps the newest N, the
 * customer's versions and everything any group of the Region uses. `run` checks I1 to I7 on the
 * end state (I7: what disappeared was prunable, and nothing prunable is left).
 */
import { describe, expect, it } from 'vitest';
import type { HandlerOverride } from '../../src/local/runner.ts';
import { inputsOf, seedTemplate, seedVersionHistory, versionsOf } from '../support/builders.ts';
import { buildInput, FakeAccount, resultOf, run, templateOf } from './helpers.ts';

/**
 * app-lt: 1 and 8 the customer's, 2 to 7 this tool's from earlier runs, 7 the default. `web`
 * (targeted) follows $Default; outside the run, `batch` names 3, `spot` names 4 in an override and
 * `legacy` names 8 while its instances still run 5.
 */
function seedFleet(account: FakeAccount): { templateId: string } {
  const ours = Array.from({ length: 6 }, () => 'ours' as const);
  const { id } = seedVersionHistory(account, 'app-lt', ['theirs', ...ours, 'theirs'], 7);
  const other = seedTemplate(account, 'other-lt');
  account.addAutoScalingGroup({ name: 'web', launchTemplate: { LaunchTemplateId: id, Version: '$Default' } });
  account.addAutoScalingGroup({ name: 'batch', launchTemplate: { LaunchTemplateId: id, Version: '3' } });
  account.addAutoScalingGroup({
    name: 'spot',
    mixedInstancesPolicy: {
      LaunchTemplate: {
        LaunchTemplateSpecification: { LaunchTemplateId: other.id, Version: '1' },
        Overrides: [
          { InstanceType: 't3.micro' },
          { InstanceType: 'g5.xlarge', LaunchTemplateSpecification: { LaunchTemplateId: id, Version: '4' } },
        ],
      },
    },
  });
  account.addAutoScalingGroup({
    name: 'legacy',
    launchTemplate: { LaunchTemplateId: id, Version: '8' },
    instances: [{ version: 5 }],
  });
  return { templateId: id };
}

const input = (extra: Record<string, unknown> = {}) =>
  buildInput({ targets: { asgNames: ['web'] }, pruneVersions: { keep: 2 }, ...extra });

describe('pruneVersions', () => {
  it('prunes this tool’s older versions that nothing uses, keeping the newest two, the customer’s and every used one', async () => {
    // Prepare
    const account = new FakeAccount();
    const { templateId } = seedFleet(account);

    // Act
    const result = await run(account, input());

    // Assess: web is patched onto 9 (from 7), the new default. This tool's versions are then 2-7
    // and 9; the newest two are 9 and 7; 3, 4 and 5 are used; 2 and 6 go.
    expect(result.status).toBe('SUCCEEDED');
    expect(resultOf(result, 'web').status).toBe('succeeded');
    expect(templateOf(account, templateId).defaultVersion).toBe(9);
    expect(versionsOf(account, templateId)).toEqual([1, 3, 4, 5, 7, 8, 9]);
    const summary = result.summary?.launchTemplates.find((t) => t.launchTemplateId === templateId);
    expect(summary).toMatchObject({ deleted: [], pruned: [2, 6] });
    expect(summary?.note).toContain('version 3 not pruned: group batch launches it');
    expect(summary?.note).toContain('version 4 not pruned: group spot launches it (override 1)');
    expect(summary?.note).toContain('version 5 not pruned: instances of legacy run it');
    expect(inputsOf(account, 'DeleteLaunchTemplateVersions')).toEqual([
      { LaunchTemplateId: templateId, Versions: ['2', '6'] },
    ]);
  });

  it('is off by default: the same run deletes nothing older, and the summary has no pruned list', async () => {
    const account = new FakeAccount();
    const { templateId } = seedFleet(account);

    const result = await run(account, buildInput({ targets: { asgNames: ['web'] } }));

    expect(result.status).toBe('SUCCEEDED');
    expect(versionsOf(account, templateId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const summary = result.summary?.launchTemplates.find((t) => t.launchTemplateId === templateId);
    expect(summary).not.toHaveProperty('pruned');
    expect(account.callsOf('DeleteLaunchTemplateVersions')).toEqual([]);
  });

  it('a lost delete answer and a Lambda that fails after its work: the same end state, nothing extra deleted', async () => {
    // Prepare
    const account = new FakeAccount();
    const { templateId } = seedFleet(account);
    account.planFaults({ command: 'DeleteLaunchTemplateVersions', kind: 'lose-response', nth: 1 });
    let failures = 1;
    const failAfterWork: HandlerOverride = async (event, next) => {
      const output = await next(event);
      if (failures-- > 0)
        throw Object.assign(new Error('Task timed out after its work was done (simulated)'), {
          name: 'Lambda.Unknown',
        });
      return output;
    };

    // Act
    const result = await run(account, input(), { handlerOverrides: { DeleteUnusedVersions: failAfterWork } });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(versionsOf(account, templateId)).toEqual([1, 3, 4, 5, 7, 8, 9]);
    // The SDK sent the lost call again; the retried invocation found nothing left to prune.
    expect(account.callsOf('DeleteLaunchTemplateVersions').map((c) => c.fault)).toEqual([
      'lose-response',
      undefined,
    ]);
    // Versions deleted by an invocation whose answer was lost leave no trace of who deleted them,
    // so the retry's report lists only what it deleted itself (here: nothing).
    const summary = result.summary?.launchTemplates.find((t) => t.launchTemplateId === templateId);
    expect(summary?.pruned).toEqual([]);
  });
});

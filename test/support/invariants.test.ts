/**
 * The invariant checker itself: it passes a good run's end state and names each invariant that a
 * tampered end state breaks, so a workflow test that expects no violation can fail.
 */
import { describe, expect, it } from 'vitest';
import { FakeAccount } from '../../src/fake/account.ts';
import { runStateMachine } from '../../src/local/runner.ts';
import { buildTemplateData } from '../workflow/helpers.ts';
import { checkInvariants, type InvariantContext } from './invariants.ts';

async function goodRun(): Promise<InvariantContext> {
  const account = new FakeAccount();
  const { id } = account.addLaunchTemplate({ name: 'lt', versions: [{ data: buildTemplateData() }] });
  account.addAutoScalingGroup({ name: 'a', launchTemplate: { LaunchTemplateId: id, Version: '$Default' } });
  account.addAutoScalingGroup({ name: 'b', launchTemplate: { LaunchTemplateId: id, Version: '$Default' } });
  account.addAutoScalingGroup({ name: 'outside', launchTemplate: { LaunchTemplateId: id, Version: '1' } });
  const before = account.snapshot();
  const result = await runStateMachine({
    account,
    input: { targets: { asgNames: ['a', 'b'] }, pollIntervalSeconds: 5 },
  });
  return { before, after: account.snapshot(), summary: result.summary, targets: ['a', 'b'] };
}

describe('checkInvariants', () => {
  it('finds nothing wrong with a good run', async () => {
    expect(checkInvariants(await goodRun())).toEqual([]);
  });

  const tampered: [string, (c: InvariantContext) => void][] = [
    [
      'I1',
      (c) => {
        const t = c.after.launchTemplates[0];
        if (t) {
          const [first] = t.versions;
          if (first) t.versions.push({ ...first, versionNumber: 9 });
          t.defaultVersion = 9;
        }
      },
    ],
    [
      'I2',
      (c) => {
        const i = c.after.autoScalingGroups[0]?.instances[0];
        if (i?.launchTemplate) i.launchTemplate.Version = '1';
      },
    ],
    [
      'I3',
      (c) => {
        const t = c.after.launchTemplates[0];
        const second = t?.versions[1];
        if (t && second) t.versions.push({ ...second, versionNumber: 3 });
      },
    ],
    [
      'I4',
      (c) => {
        c.summary?.groups.pop();
      },
    ],
    [
      'I5',
      (c) => {
        const r = c.after.instanceRefreshes[0];
        if (r) r.status = 'InProgress';
      },
    ],
    [
      'I6',
      (c) => {
        const g = c.after.autoScalingGroups.find((x) => x.name === 'outside');
        if (g?.launchTemplate) g.launchTemplate.Version = '2';
      },
    ],
  ];
  for (const [invariant, tamper] of tampered) {
    it(`reports ${invariant} when the end state breaks it`, async () => {
      const context = await goodRun();
      tamper(context);
      expect(checkInvariants(context).map((v) => v.slice(0, 2))).toContain(invariant);
    });
  }
});

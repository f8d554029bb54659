/**
 * The invariant checker itself: it passes a good run's end state and names each invariant that a
 * tampered end state breaks, so a workflow test that expects no violation can fail.
 */
import { describe, expect, it } from 'vitest';
import { FakeAccount } from '../../src/fake/account.ts';
import { runStateMachine } from '../../src/local/runner.ts';
import { buildTemplateData } from '../workflow/helpers.ts';
import { seedVersionHistory } from './builders.ts';
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

describe('checkInvariants on a run that prunes (I7)', () => {
  /** lt: 1 the customer's (default), 2 to 4 from earlier runs; `outside` names 2; `a` is patched onto 5. */
  async function pruningRun(): Promise<InvariantContext> {
    const account = new FakeAccount();
    const { id } = seedVersionHistory(account, 'lt', ['theirs', 'ours', 'ours', 'ours']);
    account.addAutoScalingGroup({ name: 'a', launchTemplate: { LaunchTemplateId: id, Version: '$Default' } });
    account.addAutoScalingGroup({ name: 'outside', launchTemplate: { LaunchTemplateId: id, Version: '2' } });
    const before = account.snapshot();
    const result = await runStateMachine({
      account,
      input: { targets: { asgNames: ['a'] }, pollIntervalSeconds: 5, pruneVersions: { keep: 1 } },
    });
    return { before, after: account.snapshot(), summary: result.summary, targets: ['a'], pruneKeep: 1 };
  }
  const lt = (c: InvariantContext) =>
    c.after.launchTemplates[0] as InvariantContext['after']['launchTemplates'][number];

  it('finds nothing wrong with a good run, which pruned 3 and 4', async () => {
    const context = await pruningRun();

    expect(checkInvariants(context)).toEqual([]);
    expect(lt(context).versions.map((v) => v.versionNumber)).toEqual([1, 2, 5]);
    expect(context.summary?.launchTemplates[0]?.pruned).toEqual([3, 4]);
  });

  const tampered: [string, RegExp, (c: InvariantContext) => void][] = [
    [
      'the customer’s version deleted',
      /not this tool's/,
      (c) => {
        lt(c).versions = lt(c).versions.filter((v) => v.versionNumber !== 1);
      },
    ],
    [
      'a version a group names deleted',
      /uses it/,
      (c) => {
        lt(c).versions = lt(c).versions.filter((v) => v.versionNumber !== 2);
      },
    ],
    [
      'an unused old version left',
      /was not pruned/,
      (c) => {
        const three = c.before.launchTemplates[0]?.versions.find((v) => v.versionNumber === 3);
        if (three) lt(c).versions.push(three);
      },
    ],
    [
      'versions deleted by a run not asked to prune',
      /without pruneVersions/,
      (c) => {
        delete c.pruneKeep;
      },
    ],
    [
      'fewer newer versions left than keep',
      /newer version\(s\) of this tool's are left \(keep 3\)/,
      (c) => {
        c.pruneKeep = 3;
      },
    ],
    [
      'a version reported pruned that is still there',
      /reported version 2 pruned/,
      (c) => {
        c.summary?.launchTemplates[0]?.pruned?.push(2);
      },
    ],
  ];
  for (const [what, message, tamper] of tampered) {
    it(`reports I7 for ${what}`, async () => {
      const context = await pruningRun();
      tamper(context);
      const violations = checkInvariants(context).filter((v) => v.startsWith('I7'));
      expect(
        violations.some((v) => message.test(v)),
        violations.join('\n'),
      ).toBe(true);
    });
  }
});

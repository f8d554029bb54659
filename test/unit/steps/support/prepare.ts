/** Runs the states before the one under test, as the state machine would, on a seeded group. */
import type { FakeAccount } from '../../../../src/fake/account.ts';
import type { GroupTarget, RefreshPreferences } from '../../../../src/schemas.ts';
import { createPatchedVersion } from '../../../../src/steps/create-patched-version.ts';
import { lookupLaunchTemplate } from '../../../../src/steps/lookup-launch-template.ts';
import { pinAutoScalingGroup } from '../../../../src/steps/pin-auto-scaling-group.ts';
import { pollInstanceRefresh } from '../../../../src/steps/poll-instance-refresh.ts';
import { startInstanceRefresh } from '../../../../src/steps/start-instance-refresh.ts';
import { buildPreferences, deps, type GroupFixture, PATCH, seedGroup } from './fixtures.ts';

export interface Prepared {
  asgName: string;
  templateId: string;
  target: GroupTarget;
  newVersion: number;
  pinned: boolean;
}

/** Seeds the group, then LookupLaunchTemplate, CreatePatchedVersion and PinAutoScalingGroup. */
export async function prepareGroup(account: FakeAccount, fixture: GroupFixture = {}): Promise<Prepared> {
  const { asgName, templateId } = seedGroup(account, fixture);
  const target = await lookupLaunchTemplate({ asgName }, deps);
  const patched = await createPatchedVersion(
    { target, runId: 'run-0001', dryRun: false, force: false, patch: PATCH },
    deps,
  );
  if (patched.newVersion === undefined) throw new Error(`expected a new version, got ${patched.outcome}`);
  const { pinned } = await pinAutoScalingGroup({ target }, deps);
  return { asgName, templateId, target, newVersion: patched.newVersion, pinned };
}

/** prepareGroup, then StartInstanceRefresh. */
export async function prepareRefresh(
  account: FakeAccount,
  fixture: GroupFixture = {},
  preferences: Partial<RefreshPreferences> = {},
): Promise<Prepared & { instanceRefreshId: string }> {
  const prepared = await prepareGroup(account, fixture);
  const { instanceRefreshId } = await startInstanceRefresh(
    {
      target: prepared.target,
      newVersion: prepared.newVersion,
      refreshPreferences: buildPreferences(preferences),
    },
    deps,
  );
  return { ...prepared, instanceRefreshId };
}

/** Polls the refresh as the state machine's loop does until it ends; returns how it ended. */
export async function pollToEnd(prepared: { asgName: string; instanceRefreshId: string }): Promise<string> {
  let pollCount = 0;
  for (;;) {
    try {
      const poll = await pollInstanceRefresh(
        { ...prepared, pollCount, maxPolls: 50, pollIntervalSeconds: 60 },
        deps,
      );
      if (poll.terminal) return poll.status;
      pollCount = poll.pollCount;
    } catch (error) {
      return error instanceof Error ? error.name : String(error);
    }
  }
}

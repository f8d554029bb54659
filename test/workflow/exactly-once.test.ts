/**
 * Every changing call may have worked even when it failed: a Lambda that times out after its AWS
 * call took effect, a poll that fails for good. Each stage is idempotent or reads the truth before
 * acting, so the run ends exactly as a run without the fault would have, and keeps I1 to I7
 * (`run` checks them on every end state).
 */
import { describe, expect, it } from 'vitest';
import {
  buildInput,
  FakeAccount,
  LambdaUnknown,
  referenceOf,
  refreshesOf,
  resultOf,
  run,
  seedGroup,
  templateOf,
} from './helpers.ts';

/** The handler does its work, then Lambda reports a failure: the work happened, its answer is lost. */
const workThenFail =
  (times: number) =>
  (): ((input: unknown, next: (input: unknown) => Promise<unknown>) => Promise<unknown>) => {
    let left = times;
    return async (input, next) => {
      const output = await next(input);
      if (left > 0) {
        left -= 1;
        throw new LambdaUnknown('Task timed out after 60.00 seconds (simulated, after the work was done)');
      }
      return output;
    };
  };

describe('a Lambda that times out after its work was done', () => {
  it('PinAutoScalingGroup: the retry finds the group already pinned and the run ends as without the fault', async () => {
    const account = new FakeAccount();
    seedGroup(account, 'web', { reference: '$Latest' });

    const result = await run(account, buildInput({ targets: { asgNames: ['web'] } }), {
      handlerOverrides: { PinAutoScalingGroup: workThenFail(1)() },
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(referenceOf(account, 'web')).toBe('$Latest');
    // One pin, one restore: the retried pin read the group and sent nothing.
    expect(account.callsOf('UpdateAutoScalingGroup')).toHaveLength(2);
  });

  it('PinAutoScalingGroup, every retry too: the restore reads the group and puts it back on $Latest', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'web', { reference: '$Latest' });

    const result = await run(account, buildInput({ targets: { asgNames: ['web'] } }), {
      handlerOverrides: { PinAutoScalingGroup: workThenFail(100)() },
    });

    expect(resultOf(result, 'web')).toMatchObject({
      status: 'failed',
      stage: 'PinAutoScalingGroup',
      error: 'Lambda.Unknown',
    });
    expect(referenceOf(account, 'web')).toBe('$Latest');
    expect(templateOf(account, templateId).versions).toHaveLength(1);
  });

  it('CreatePatchedVersion: the retry gets the same version back (ClientToken), not a second one', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'web', { reference: '$Default' });

    const result = await run(account, buildInput({ targets: { asgNames: ['web'] } }), {
      handlerOverrides: { CreatePatchedVersion: workThenFail(2)() },
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(account.callsOf('CreateLaunchTemplateVersion')).toHaveLength(3);
    expect(templateOf(account, templateId)).toMatchObject({ defaultVersion: 2, latestVersion: 2 });
    expect(templateOf(account, templateId).versions).toHaveLength(2);
  });

  it('CreatePatchedVersion, every retry too: the version it made is found by its description and deleted', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'web', { reference: '$Latest' });

    const result = await run(account, buildInput({ targets: { asgNames: ['web'] } }), {
      handlerOverrides: { CreatePatchedVersion: workThenFail(100)() },
    });

    expect(resultOf(result, 'web')).toMatchObject({
      status: 'failed',
      stage: 'CreatePatchedVersion',
      error: 'Lambda.Unknown',
    });
    // Version 2 existed (EC2 made it on the first attempt), nothing rolled it out: gone again, so
    // $Latest resolves as before for every group.
    expect(account.callsOf('CreateLaunchTemplateVersion').length).toBeGreaterThan(1);
    expect(templateOf(account, templateId)).toMatchObject({ defaultVersion: 1, latestVersion: 1 });
    expect(referenceOf(account, 'web')).toBe('$Latest');
    expect(result.summary?.launchTemplates[0]?.deleted).toEqual([2]);
  });

  it('StartInstanceRefresh: the retry adopts the refresh the first attempt started instead of failing the group', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'web', { reference: '$Default' });

    const result = await run(account, buildInput({ targets: { asgNames: ['web'] } }), {
      handlerOverrides: { StartInstanceRefresh: workThenFail(1)() },
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(refreshesOf(account, 'web').map((r) => r.status)).toEqual(['Successful']);
    expect(account.callsOf('StartInstanceRefresh').map((c) => c.error)).toEqual([
      undefined,
      'InstanceRefreshInProgressFault',
    ]);
    expect(resultOf(result, 'web')).toMatchObject({
      status: 'succeeded',
      instanceRefreshId: refreshesOf(account, 'web')[0]?.id,
    });
    expect(templateOf(account, templateId).defaultVersion).toBe(2);
  });

  it('DeleteUnusedVersions: the retry finds the versions already gone and reports them deleted', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'web', {
      reference: '$Latest',
      group: { refresh: 'rollback' },
    });

    const result = await run(account, buildInput({ targets: { asgNames: ['web'] } }), {
      handlerOverrides: { DeleteUnusedVersions: workThenFail(1)() },
    });

    expect(templateOf(account, templateId).versions).toHaveLength(1);
    expect(result.summary?.launchTemplates[0]).toMatchObject({ deleted: [2] });
    expect(result.summary?.launchTemplates[0]?.note ?? '').not.toContain('not deleted');
  });
});

describe('a poll that fails for good', () => {
  it("stops the run's own refresh, waits it out, and only then settles: the version it rolled out is never deleted while it runs", async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'web', { reference: '1', group: { refresh: 'stuck' } });

    const result = await run(account, buildInput({ targets: { asgNames: ['web'] } }), {
      handlerOverrides: {
        PollInstanceRefresh: async () => {
          throw new LambdaUnknown('Task timed out after 60.00 seconds (simulated)');
        },
      },
    });

    expect(resultOf(result, 'web')).toMatchObject({
      status: 'failed',
      stage: 'PollInstanceRefresh',
      error: 'Lambda.Unknown',
    });
    const [refresh] = refreshesOf(account, 'web');
    // The restore asked AWS to roll our refresh back and waited for the rollback to end.
    expect(account.callsOf('RollbackInstanceRefresh')).toHaveLength(1);
    expect(refresh?.status).toBe('RollbackSuccessful');
    const rolledBackAt = account.calls.findIndex((c) => c.command === 'RollbackInstanceRefresh');
    const deletedAt = account.calls.findIndex((c) => c.command === 'DeleteLaunchTemplateVersions');
    expect(deletedAt).toBeGreaterThan(rolledBackAt);
    expect(templateOf(account, templateId).versions.map((v) => v.versionNumber)).toEqual([1]);
    expect(referenceOf(account, 'web')).toBe('1');
  });
});

describe('an AWS answer lost after the call took effect (the SDK sends it again)', () => {
  it('StartInstanceRefresh: AWS answers InstanceRefreshInProgress to the resend, and the run adopts its own refresh', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'web', { reference: '$Default' });
    account.planFaults({ command: 'StartInstanceRefresh', nth: 1, kind: 'lose-response' });

    const result = await run(account, buildInput({ targets: { asgNames: ['web'] } }));

    expect(result.status).toBe('SUCCEEDED');
    expect(account.callsOf('StartInstanceRefresh').map((c) => c.error)).toEqual([
      'TimeoutError',
      'InstanceRefreshInProgressFault',
    ]);
    const refreshes = refreshesOf(account, 'web');
    expect(refreshes.map((r) => r.status)).toEqual(['Successful']);
    expect(resultOf(result, 'web')).toMatchObject({
      status: 'succeeded',
      instanceRefreshId: refreshes[0]?.id,
    });
    expect(templateOf(account, templateId)).toMatchObject({ defaultVersion: 2, latestVersion: 2 });
    expect(referenceOf(account, 'web')).toBe('$Default');
  });

  it('CreateLaunchTemplateVersion: the resend carries the same ClientToken and gets the same version', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'web', { reference: '$Latest' });
    account.planFaults({ command: 'CreateLaunchTemplateVersion', nth: 1, kind: 'lose-response' });

    const result = await run(account, buildInput({ targets: { asgNames: ['web'] } }));

    expect(result.status).toBe('SUCCEEDED');
    const tokens = account
      .callsOf('CreateLaunchTemplateVersion')
      .map((c) => (c.input as { ClientToken?: string }).ClientToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).toBe(tokens[0]);
    expect(templateOf(account, templateId).versions.map((v) => v.versionNumber)).toEqual([1, 2]);
  });

  it('RollbackInstanceRefresh at maxWaitSeconds: the resend finds the refresh rolling back, and the report says it was rolled back', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'slow', { reference: '$Default', group: { refresh: 'stuck' } });
    account.planFaults({ command: 'RollbackInstanceRefresh', nth: 1, kind: 'lose-response' });

    const result = await run(
      account,
      buildInput({ targets: { asgNames: ['slow'] }, pollIntervalSeconds: 5, maxWaitSeconds: 60 }),
    );

    expect(account.callsOf('RollbackInstanceRefresh').map((c) => c.error)).toEqual([
      'TimeoutError',
      'ActiveInstanceRefreshNotFoundFault',
    ]);
    expect(refreshesOf(account, 'slow').map((r) => r.status)).toEqual(['RollbackSuccessful']);
    expect(resultOf(result, 'slow')).toMatchObject({
      status: 'failed',
      error: 'RefreshTimedOutError',
      refreshStatus: 'RollbackSuccessful',
    });
    expect(resultOf(result, 'slow').cause).toContain('asked AWS to rollback it');
    expect(resultOf(result, 'slow').cause).not.toContain('no active refresh');
    expect(templateOf(account, templateId).versions).toHaveLength(1);
    expect(referenceOf(account, 'slow')).toBe('$Default');
  });
});

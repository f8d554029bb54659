/**
 * Failure paths through the real state machine: pre-flight refusals change nothing; a refresh that
 * fails, rolls back or never finishes leaves the default unchanged, the group's reference restored
 * and the unproven version deleted; one group's failure never stops the others.
 */
import { describe, expect, it } from 'vitest';
import {
  buildInput,
  callsFor,
  FakeAccount,
  groupOf,
  pathOf,
  referenceOf,
  refreshesOf,
  resultOf,
  run,
  seedGroup,
  templateOf,
} from './helpers.ts';

describe('pre-flight failures change nothing for that group', () => {
  it('fails a group that does not exist (AsgNotFoundError) and patches the one that does', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'web', { reference: '1' });

    const result = await run(account, buildInput({ targets: { asgNames: ['web', 'ghost'] } }));

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('GroupsFailedError');
    expect(resultOf(result, 'ghost')).toMatchObject({
      status: 'failed',
      stage: 'LookupLaunchTemplate',
      error: 'AsgNotFoundError',
    });
    expect(resultOf(result, 'ghost').cause).toContain('ghost was not found');
    expect(callsFor(account, 'ghost').filter((c) => c.mutating)).toEqual([]);
    expect(templateOf(account, templateId).defaultVersion).toBe(2);
    // A named error is not retried: straight from the failure to the restore branch.
    expect(result.events.filter((e) => e.type === 'retried')).toEqual([]);
  });

  it('refuses a group on a launch configuration (LaunchConfigurationNotSupportedError)', async () => {
    const account = new FakeAccount();
    account.addAutoScalingGroup({ name: 'legacy', launchConfigurationName: 'legacy-lc' });
    const before = account.snapshot();

    const result = await run(account, buildInput({ targets: { asgNames: ['legacy'] } }));

    expect(result.status).toBe('FAILED');
    expect(resultOf(result, 'legacy')).toMatchObject({
      status: 'failed',
      stage: 'LookupLaunchTemplate',
      error: 'LaunchConfigurationNotSupportedError',
    });
    expect(account.mutatingCalls()).toEqual([]);
    expect(account.snapshot()).toEqual(before);
  });

  it('refuses a group whose instance refresh is already active (RefreshAlreadyActiveError) and leaves that refresh alone', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'busy', { reference: '$Default' });
    const existing = account.addInstanceRefresh('busy', 'stuck');
    const before = account.snapshot();

    const result = await run(account, buildInput({ targets: { asgNames: ['busy'] } }));

    expect(result.status).toBe('FAILED');
    expect(resultOf(result, 'busy')).toMatchObject({
      status: 'failed',
      stage: 'LookupLaunchTemplate',
      error: 'RefreshAlreadyActiveError',
    });
    expect(callsFor(account, 'busy', templateId).filter((c) => c.mutating)).toEqual([]);
    expect(account.snapshot()).toEqual(before);
    expect(refreshesOf(account, 'busy').map((r) => [r.id, r.status])).toEqual([[existing, 'InProgress']]);
  });

  it('refuses a group with the InstanceRefresh process suspended (InstanceRefreshSuspendedError)', async () => {
    const account = new FakeAccount();
    seedGroup(account, 'paused', { group: { suspendedProcesses: ['InstanceRefresh'] } });
    const before = account.snapshot();

    const result = await run(account, buildInput({ targets: { asgNames: ['paused'] } }));

    expect(resultOf(result, 'paused')).toMatchObject({
      stage: 'LookupLaunchTemplate',
      error: 'InstanceRefreshSuspendedError',
    });
    expect(account.snapshot()).toEqual(before);
  });

  it('refuses Windows user data before creating anything (WindowsUserDataError)', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'win', {
      versions: [
        {
          ImageId: 'ami-0123456789abcdef0',
          UserData: Buffer.from('<powershell>\nStart-Service app\n</powershell>').toString('base64'),
        },
      ],
    });
    const before = account.snapshot();

    const result = await run(account, buildInput({ targets: { asgNames: ['win'] } }));

    // The plan composes every source it would patch, so bad user data is refused before any change.
    expect(resultOf(result, 'win')).toMatchObject({
      status: 'failed',
      stage: 'LookupLaunchTemplate',
      error: 'WindowsUserDataError',
    });
    expect(account.mutatingCalls()).toEqual([]);
    expect(templateOf(account, templateId).versions).toHaveLength(1);
    expect(account.snapshot()).toEqual(before);
  });
});

describe('a failure at any stage', () => {
  it('stops the run before any change when the plan cannot read the account (DescribeLaunchTemplateVersions denied)', async () => {
    const account = new FakeAccount();
    seedGroup(account, 'web', { reference: '$Default' });
    const before = account.snapshot();
    account.failNext('DescribeLaunchTemplateVersions', 'UnauthorizedOperation');

    const result = await run(account, buildInput({ targets: { asgNames: ['web'] } }));

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('UnauthorizedOperation');
    expect(result.summary).toBeUndefined();
    expect(account.mutatingCalls()).toEqual([]);
    expect(account.snapshot()).toEqual(before);
  });

  // Each stage's first changing call is denied: AccessDenied / UnauthorizedOperation are not
  // transient, so nothing retries them; the settle phase puts the group back as it was.
  it.each([
    ['PinAutoScalingGroup', 'UpdateAutoScalingGroup', 'AccessDenied'],
    ['CreatePatchedVersion', 'CreateLaunchTemplateVersion', 'UnauthorizedOperation'],
    ['StartInstanceRefresh', 'StartInstanceRefresh', 'AccessDenied'],
  ] as const)(
    'at %s (%s denied) leaves the launch template and the group as they were',
    async (stage, command, error) => {
      const account = new FakeAccount();
      const { templateId } = seedGroup(account, 'web', { reference: '$Default' });
      const before = templateOf(account, templateId);
      account.failNext(command, error);

      const result = await run(account, buildInput({ targets: { asgNames: ['web'] } }));

      expect(result.status).toBe('FAILED');
      expect(resultOf(result, 'web')).toMatchObject({ status: 'failed', stage, error });
      const template = templateOf(account, templateId);
      expect(template.defaultVersion).toBe(before.defaultVersion);
      expect(template.versions.map((v) => v.versionNumber)).toEqual([1]);
      expect(referenceOf(account, 'web')).toBe('$Default');
      expect(refreshesOf(account, 'web').filter((r) => r.status === 'Successful')).toEqual([]);
    },
  );

  it('at PromoteDefaultVersion (ModifyLaunchTemplate denied) keeps the default, and the patched group stays on its new number', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'web', { reference: '$Default' });
    account.failNext('ModifyLaunchTemplate', 'UnauthorizedOperation');

    const result = await run(account, buildInput({ targets: { asgNames: ['web'] } }));

    expect(result.status).toBe('FAILED');
    expect(resultOf(result, 'web')).toMatchObject({
      status: 'failed',
      stage: 'PromoteDefaultVersion',
      error: 'UnauthorizedOperation',
    });
    expect(resultOf(result, 'web').note).toContain('left on version 2');
    expect(templateOf(account, templateId)).toMatchObject({ defaultVersion: 1, latestVersion: 2 });
    // Its instances run version 2, so the group launches 2 (not $Default, which is still 1).
    expect(referenceOf(account, 'web')).toBe('2');
  });
});

describe('a refresh that does not succeed', () => {
  it('rolls back: default unchanged, reference restored, unproven version deleted', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'web', {
      reference: '$Default',
      group: { refresh: 'rollback' },
    });

    const result = await run(account, buildInput({ targets: { asgNames: ['web'] } }));

    expect(result.status).toBe('FAILED');
    expect(templateOf(account, templateId)).toMatchObject({ defaultVersion: 1, latestVersion: 1 });
    expect(referenceOf(account, 'web')).toBe('$Default');
    expect(refreshesOf(account, 'web').map((r) => r.status)).toEqual(['RollbackSuccessful']);
    expect(account.callsOf('ModifyLaunchTemplate')).toEqual([]);
    expect(resultOf(result, 'web')).toMatchObject({
      status: 'failed',
      stage: 'PollInstanceRefresh',
      error: 'InstanceRefreshFailedError',
      launchTemplates: [{ fromVersion: 1, reference: '$Default' }],
    });
    expect(resultOf(result, 'web').launchTemplates[0]?.toVersion).toBeUndefined();
    expect(pathOf(result, 'web').slice(-3)).toEqual([
      'RefreshEnded',
      'ShouldRestore',
      'RestoreAutoScalingGroup',
    ]);
  });

  it('fails without a rollback: the replaced instances keep the new version, which is kept, and the group stays on its pinned number', async () => {
    const account = new FakeAccount();
    const { templateId } = seedGroup(account, 'web', { reference: '$Default', group: { refresh: 'fail' } });

    const result = await run(account, buildInput({ targets: { asgNames: ['web'] } }));

    expect(result.status).toBe('FAILED');
    expect(templateOf(account, templateId)).toMatchObject({ defaultVersion: 1, latestVersion: 2 });
    const versions = new Set(groupOf(account, 'web').instances.map((i) => i.launchTemplate?.Version));
    expect([...versions].sort()).toEqual(['1', '2']);
    expect(referenceOf(account, 'web')).toBe('1');
    expect(resultOf(result, 'web')).toMatchObject({ status: 'failed', error: 'InstanceRefreshFailedError' });
    expect(resultOf(result, 'web').note).toContain('instances run version 1 and 2');
  });

  it.each(['$Latest', '$Default'])(
    'that never finishes is rolled back at maxWaitSeconds and waited out; then the %s group is back and the version deleted',
    async (reference) => {
      const account = new FakeAccount();
      const { templateId } = seedGroup(account, 'slow', { reference, group: { refresh: 'stuck' } });

      // maxPolls = ceil(60 / 5) = 12
      const result = await run(
        account,
        buildInput({ targets: { asgNames: ['slow'] }, pollIntervalSeconds: 5, maxWaitSeconds: 60 }),
      );

      expect(result.status).toBe('FAILED');
      expect(account.callsOf('RollbackInstanceRefresh')).toHaveLength(1);
      const [refresh] = refreshesOf(account, 'slow');
      expect(refresh?.history).toEqual(['InProgress', 'RollbackInProgress', 'RollbackSuccessful']);
      expect(resultOf(result, 'slow')).toMatchObject({
        status: 'failed',
        stage: 'PollInstanceRefresh',
        error: 'RefreshTimedOutError',
        instanceRefreshId: refresh?.id,
        refreshStatus: 'RollbackSuccessful',
      });
      // The rollback was asked for on the 12th poll and followed to its end before anything settled.
      const rollbackAt = account.calls.findIndex((c) => c.command === 'RollbackInstanceRefresh');
      const polls = account.calls
        .slice(0, rollbackAt)
        .filter(
          (c) =>
            c.command === 'DescribeInstanceRefreshes' &&
            (c.input as { InstanceRefreshIds?: string[] }).InstanceRefreshIds,
        );
      expect(polls).toHaveLength(12);
      expect(account.callsOf('UpdateAutoScalingGroup').map((c) => c.error)).toEqual([undefined, undefined]);
      expect(referenceOf(account, 'slow')).toBe(reference);
      expect(templateOf(account, templateId)).toMatchObject({ defaultVersion: 1, latestVersion: 1 });
      expect(account.callsOf('ModifyLaunchTemplate')).toEqual([]);
    },
  );

  it('whose rollback outlasts the wait: the group is left on its pinned number, the version kept, and the note names the refresh', async () => {
    const account = new FakeAccount();
    // AWS starts rolling back on its own and never finishes within the run
    const { templateId } = seedGroup(account, 'slow', {
      reference: '$Default',
      group: { refresh: ['InProgress', 'RollbackInProgress'] },
    });

    const result = await run(
      account,
      buildInput({ targets: { asgNames: ['slow'] }, pollIntervalSeconds: 5, maxWaitSeconds: 60 }),
    );

    const [refresh] = refreshesOf(account, 'slow');
    expect(refresh?.status).toBe('RollbackInProgress');
    const retried = result.events.filter(
      (e) => e.type === 'retried' && e.state === 'RestoreAutoScalingGroup',
    );
    expect(retried).toHaveLength(120);
    expect(resultOf(result, 'slow')).toMatchObject({
      status: 'failed',
      stage: 'PollInstanceRefresh',
      error: 'RefreshTimedOutError',
    });
    expect(resultOf(result, 'slow').note).toContain(
      `Auto Scaling group slow left on ${templateId}:1 because the rollback (instance refresh ${refresh?.id}, RollbackInProgress) was still running`,
    );
    // Nothing changed by the settle phase: pinned, the version kept (the refresh rolls it), the default never moved
    expect(account.callsOf('UpdateAutoScalingGroup')).toHaveLength(1);
    expect(account.callsOf('DeleteLaunchTemplateVersions')).toEqual([]);
    expect(referenceOf(account, 'slow')).toBe('1');
    expect(templateOf(account, templateId)).toMatchObject({ defaultVersion: 1, latestVersion: 2 });
  });
});

describe('a mixed fleet', () => {
  it('promotes the groups that worked, restores the one that failed, and fails the execution after all finished', async () => {
    const account = new FakeAccount();
    const ok1 = seedGroup(account, 'a-numbered', { reference: '1' });
    const bad = seedGroup(account, 'b-rollback', { reference: '$Default', group: { refresh: 'rollback' } });
    const ok2 = seedGroup(account, 'c-mixed', { reference: '$Default', mixedInstances: true });
    const ok3 = seedGroup(account, 'd-latest', { reference: '$Latest' });

    const result = await run(
      account,
      buildInput({
        targets: { asgNames: ['a-numbered', 'b-rollback', 'c-mixed', 'd-latest'] },
        maxConcurrency: 2,
      }),
    );

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('GroupsFailedError');
    expect(result.cause).toContain('1 of 4');
    expect(result.cause).toContain('b-rollback');
    expect(result.summary?.counts).toEqual({
      total: 4,
      succeeded: 3,
      refreshed: 0,
      alreadyCurrent: 0,
      skipped: 0,
      dryRun: 0,
      failed: 1,
    });
    for (const ok of [ok1, ok2, ok3]) expect(templateOf(account, ok.templateId).defaultVersion).toBe(2);
    expect(referenceOf(account, 'a-numbered')).toBe('2');
    expect(referenceOf(account, 'c-mixed')).toBe('$Default');
    expect(referenceOf(account, 'd-latest')).toBe('$Latest');
    expect(templateOf(account, bad.templateId)).toMatchObject({ defaultVersion: 1, latestVersion: 1 });
    expect(referenceOf(account, 'b-rollback')).toBe('$Default');
    expect(groupOf(account, 'b-rollback').launchTemplate?.Version).toBe('$Default');
    // Every group finished before the execution failed.
    const failedAt = result.events.findIndex((e) => e.type === 'executionFailed');
    const lastGroupEvent = result.events.findLastIndex((e) => e.asgName !== undefined);
    expect(lastGroupEvent).toBeLessThan(failedAt);
    expect(result.events.find((e) => e.type === 'exited' && e.state === 'Summarize')).toBeDefined();
  });
});

describe('the opt-in boundary', () => {
  it('refuses a named group without the opt-in tag (GroupNotOptedInError) before any change, and patches the tagged one', async () => {
    const account = new FakeAccount();
    const tagged = seedGroup(account, 'opted-in', { group: { tags: { 'asg-patcher': 'enabled' } } });
    const other = seedGroup(account, 'not-opted-in', { group: { tags: { 'asg-patcher': 'disabled' } } });

    const result = await run(account, buildInput({ targets: { asgNames: ['opted-in', 'not-opted-in'] } }), {
      optInTag: { key: 'asg-patcher', value: 'enabled' },
    });

    expect(resultOf(result, 'not-opted-in')).toMatchObject({
      status: 'failed',
      stage: 'LookupLaunchTemplate',
      error: 'GroupNotOptedInError',
    });
    expect(resultOf(result, 'not-opted-in').cause).toContain('asg-patcher=enabled');
    expect(callsFor(account, 'not-opted-in', other.templateId).filter((c) => c.mutating)).toEqual([]);
    expect(templateOf(account, other.templateId).versions).toHaveLength(1);
    expect(resultOf(result, 'opted-in')).toMatchObject({ status: 'succeeded' });
    expect(templateOf(account, tagged.templateId).defaultVersion).toBe(2);
    // The variables are the run's own: set for it, gone after it.
    expect(process.env.OPT_IN_TAG_KEY).toBeUndefined();
  });
});

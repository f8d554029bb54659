import { describe, expect, it } from 'vitest';
import { core } from 'zod/mini';
import { handler as createPatchedVersion } from '../../../src/handlers/create-patched-version.ts';
import { handler as lookupLaunchTemplate } from '../../../src/handlers/lookup-launch-template.ts';
import { handler as pinAutoScalingGroup } from '../../../src/handlers/pin-auto-scaling-group.ts';
import { handler as pollInstanceRefresh } from '../../../src/handlers/poll-instance-refresh.ts';
import { handler as promoteDefaultVersion } from '../../../src/handlers/promote-default-version.ts';
import { handler as resolveTargets } from '../../../src/handlers/resolve-targets.ts';
import { handler as restoreAutoScalingGroup } from '../../../src/handlers/restore-auto-scaling-group.ts';
import { handler as startInstanceRefresh } from '../../../src/handlers/start-instance-refresh.ts';
import { handler as summarize } from '../../../src/handlers/summarize.ts';
import { buildTarget, seedGroup, useFakeAccount } from '../steps/support/fixtures.ts';

const lambdaContext = { functionName: 'test', awsRequestId: 'req-1' };
type Handler = (event: unknown, context: typeof lambdaContext) => Promise<unknown>;

/** Each handler with an event its schema rejects (missing field, wrong type or unknown key). */
const malformed: [string, Handler, unknown][] = [
  ['ResolveTargets', resolveTargets, { input: { targets: { asgNames: ['web'] } } }],
  ['LookupLaunchTemplate', lookupLaunchTemplate, { asgName: 'web', extra: true }],
  [
    'CreatePatchedVersion',
    createPatchedVersion,
    {
      target: buildTarget(),
      runId: 'r',
      dryRun: 'no',
      force: false,
      patch: { updates: 'security', timeSync: true },
    },
  ],
  ['PinAutoScalingGroup', pinAutoScalingGroup, { target: buildTarget({ originalVersion: 'latest' }) }],
  [
    'StartInstanceRefresh',
    startInstanceRefresh,
    { target: buildTarget(), newVersion: 0, refreshPreferences: {} },
  ],
  [
    'PollInstanceRefresh',
    pollInstanceRefresh,
    { asgName: 'web', instanceRefreshId: 'r-1', pollCount: -1, maxPolls: 3, pollIntervalSeconds: 60 },
  ],
  [
    'PromoteDefaultVersion',
    promoteDefaultVersion,
    { target: { ...buildTarget(), launchTemplateId: 'web-lt' }, newVersion: 4 },
  ],
  ['RestoreAutoScalingGroup', restoreAutoScalingGroup, { asgName: 'web', stage: 'PinAutoScalingGroup' }],
  ['Summarize', summarize, { runId: 'r', dryRun: false, results: [{ asgName: 'web', status: 'ok' }] }],
];

describe('handlers', () => {
  const account = useFakeAccount();

  it.each(malformed)(
    '%s rejects a malformed event with its schema before any AWS call',
    async (_state, handler, event) => {
      // Prepare: a group the event could have touched
      seedGroup(account(), { version: '$Default' });

      // Act
      const error = await handler(event, lambdaContext).catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(core.$ZodError);
      expect(account().calls).toEqual([]);
    },
  );

  it('a well-formed event reaches the step through the module-scope clients', async () => {
    const { templateId } = seedGroup(account(), { version: '$Latest' });

    const target = await lookupLaunchTemplate({ asgName: 'web' }, lambdaContext);

    expect(target).toMatchObject({ asgName: 'web', launchTemplateId: templateId, resolvedVersion: 3 });
    expect(account().calls.map((call) => call.command)).toContain('DescribeAutoScalingGroups');
  });
});

import { describe, expect, it } from 'vitest';
import { StateInputError } from '../../../src/errors.ts';
import { handler as awaitRefreshEvent } from '../../../src/handlers/await-refresh-event.ts';
import { handler as createPatchedVersion } from '../../../src/handlers/create-patched-version.ts';
import { handler as deleteUnusedVersions } from '../../../src/handlers/delete-unused-versions.ts';
import { handler as loadRunPage } from '../../../src/handlers/load-run-page.ts';
import { handler as lockAutoScalingGroup } from '../../../src/handlers/lock-auto-scaling-group.ts';
import { handler as lookupLaunchTemplate } from '../../../src/handlers/lookup-launch-template.ts';
import { handler as onRefreshEvent } from '../../../src/handlers/on-refresh-event.ts';
import { handler as pinAutoScalingGroup } from '../../../src/handlers/pin-auto-scaling-group.ts';
import { handler as pollInstanceRefresh } from '../../../src/handlers/poll-instance-refresh.ts';
import { handler as promoteDefaultVersion } from '../../../src/handlers/promote-default-version.ts';
import { handler as resolveTargets } from '../../../src/handlers/resolve-targets.ts';
import { handler as restoreAutoScalingGroup } from '../../../src/handlers/restore-auto-scaling-group.ts';
import { handler as saveRunPage } from '../../../src/handlers/save-run-page.ts';
import { handler as startInstanceRefresh } from '../../../src/handlers/start-instance-refresh.ts';
import { handler as summarize } from '../../../src/handlers/summarize.ts';
import type { EventFunctionName, PageFunctionName, TaskStateName } from '../../../src/local/definition.ts';
import {
  buildPreferences,
  buildRecord,
  buildSettings,
  buildTemplateRecord,
  seedGroup,
  useFakeAccount,
} from '../../support/builders.ts';
import { useLocalLedger } from '../../support/ledger.ts';

const lambdaContext = { functionName: 'test', awsRequestId: 'req-1' };
type Handler = (event: unknown, context: typeof lambdaContext) => Promise<unknown>;

/** Each handler with an event its schema rejects (missing field, wrong type or unknown key). */
const malformed: [TaskStateName | EventFunctionName | PageFunctionName, Handler, unknown][] = [
  ['ResolveTargets', resolveTargets, { input: { targets: { asgNames: ['web'] } } }],
  [
    'LookupLaunchTemplate',
    lookupLaunchTemplate,
    { settings: buildSettings(), targets: { asgNames: ['web'] }, extra: true },
  ],
  [
    'LockAutoScalingGroup',
    lockAutoScalingGroup,
    { group: buildRecord(), settings: buildSettings(), groupCount: 0 },
  ],
  ['PinAutoScalingGroup', pinAutoScalingGroup, { group: buildRecord({ action: 'later' as 'patch' }) }],
  [
    'CreatePatchedVersion',
    createPatchedVersion,
    { template: buildTemplateRecord({ launchTemplateId: 'web-lt' }), settings: buildSettings() },
  ],
  [
    'StartInstanceRefresh',
    startInstanceRefresh,
    {
      group: buildRecord(),
      templates: [buildTemplateRecord()],
      refreshPreferences: { minHealthyPercentage: 101 },
    },
  ],
  [
    'PollInstanceRefresh',
    pollInstanceRefresh,
    { asgName: 'web', refresh: { instanceRefreshId: 'r-1' }, maxPolls: 3, pollIntervalSeconds: 60 },
  ],
  [
    'AwaitRefreshEvent',
    awaitRefreshEvent,
    {
      taskToken: 'token',
      runId: 'r',
      asgName: 'web',
      refresh: { instanceRefreshId: 'r-1' },
      backstopSeconds: 60,
    },
  ],
  [
    'OnRefreshEvent',
    onRefreshEvent,
    { 'detail-type': 'EC2 Auto Scaling Instance Refresh Succeeded', source: 'aws.ec2', detail: {} },
  ],
  ['PromoteDefaultVersion', promoteDefaultVersion, { template: buildTemplateRecord({ defaultVersion: 0 }) }],
  ['RestoreAutoScalingGroup', restoreAutoScalingGroup, { group: buildRecord(), templates: [] }],
  ['DeleteUnusedVersions', deleteUnusedVersions, { template: buildTemplateRecord(), runId: '' }],
  [
    'Summarize',
    summarize,
    { settings: buildSettings(), groups: [{ asgName: 'web', status: 'ok' }], templates: [] },
  ],
  ['LoadRunPage', loadRunPage, { runId: 'r', kind: 'groups', page: -1 }],
  ['SaveRunPage', saveRunPage, { runId: 'r', kind: 'pages', page: 0, records: { templates: [] } }],
];

describe('handlers', () => {
  const account = useFakeAccount();

  it('cover every Task state and the event function', async () => {
    const { EVENT_FUNCTIONS, PAGE_FUNCTIONS, TASK_STATES } = await import('../../../src/local/definition.ts');
    expect(malformed.map(([state]) => state).sort()).toEqual(
      [...TASK_STATES, ...EVENT_FUNCTIONS, ...PAGE_FUNCTIONS].sort(),
    );
  });

  it.each(malformed)(
    '%s rejects a malformed event with StateInputError, naming itself, before any AWS call',
    async (state, handler, event) => {
      // Prepare: a group the event could have touched
      seedGroup(account(), 'web');

      // Act
      const error = await handler(event, lambdaContext).catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(StateInputError);
      expect(error).toMatchObject({ name: 'StateInputError', state });
      expect((error as Error).message).toMatch(
        new RegExp(`^${state} got an input that breaks its contract: \\S`),
      );
      expect(account().calls).toEqual([]);
    },
  );

  describe('with the run ledger', () => {
    const ledger = useLocalLedger();

    it('a well-formed event reaches the step through the module-scope clients (AWS and the ledger)', async () => {
      const { templateId } = seedGroup(account(), 'web', { reference: '$Latest' });
      process.env.LEDGER_TABLE_NAME = ledger().local.tableName;
      try {
        const planned = await lookupLaunchTemplate(
          { settings: buildSettings({ runId: 'r' }), targets: { asgNames: ['web'] } },
          lambdaContext,
        );
        expect(planned).toMatchObject({ pages: { groupCount: 1, groupPages: [0], templatePages: [0] } });

        const page = await loadRunPage({ runId: 'r', kind: 'groups', page: 0 }, lambdaContext);

        expect(page).toMatchObject({
          groups: [
            {
              asgName: 'web',
              action: 'patch',
              specs: [{ launchTemplateId: templateId, reference: '$Latest', version: 1 }],
            },
          ],
          templates: [{ launchTemplateId: templateId }],
        });
        expect(account().calls.map((call) => call.command)).toContain('DescribeAutoScalingGroups');
      } finally {
        delete process.env.LEDGER_TABLE_NAME;
      }
    });
  });

  it('StartInstanceRefresh takes the preferences with their defaults applied by the schema', async () => {
    seedGroup(account(), 'web');

    // No group is planned to be refreshed: the step refuses before any call (TemplateNotPrepared).
    const error = await startInstanceRefresh(
      {
        group: buildRecord(),
        templates: [buildTemplateRecord()],
        refreshPreferences: buildPreferences(),
        maxPolls: 5,
        pollIntervalSeconds: 60,
      },
      lambdaContext,
    ).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ name: 'TemplateNotPreparedError' });
    expect(account().calls).toEqual([]);
  });
});

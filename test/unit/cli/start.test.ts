/**
 * `asg-patcher start`, run in-process (runCli) with aws-sdk-client-mock on SFNClient: the exact
 * StartExecution request per target form, input rejected before any call, and `--follow` to the end.
 * No network: the mock answers every SFN call and the credentials are dummies from the env.
 */
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Summary } from '../../../src/schemas.ts';
import { cli, type Ran, useAwsEnv } from './support.ts';
import { tableCells } from './table.ts';

const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:asg-patcher-prod';
const EXECUTION_ARN = 'arn:aws:states:eu-west-1:123456789012:execution:asg-patcher-prod:manual-web';
const sfn = mockClient(SFNClient);
// mockClient replaces SFNClient's send for every instance in this process, and vitest runs the next
// files in this worker's module graph (isolate: false): without this, the Step Functions client of
// OnRefreshEvent and AwaitRefreshEvent in a later workflow test would answer from this mock.
afterAll(() => sfn.restore());

/** `asg-patcher start --state-machine-arn ARN ...args`. */
const start = (...args: string[]): Promise<Ran> => cli('start', '--state-machine-arn', ARN, ...args);

/** The input StartExecution was sent, parsed, and the rest of its request. */
function startRequest(): { stateMachineArn?: string; name?: string; input: unknown } {
  const calls = sfn.commandCalls(StartExecutionCommand);
  expect(calls).toHaveLength(1);
  const request = calls[0]?.args[0].input;
  return { ...request, input: JSON.parse(request?.input ?? 'null') };
}

const WEB_LT = 'lt-0000000000000000a';
const REPORTS_LT = 'lt-0000000000000000b';
const GPU_LT = 'lt-0000000000000000c';

const SUMMARY: Summary = {
  runId: 'manual-web',
  dryRun: false,
  counts: { total: 2, succeeded: 1, refreshed: 0, alreadyCurrent: 0, skipped: 0, dryRun: 0, failed: 1 },
  groups: [
    {
      asgName: 'web-frontend-prod',
      status: 'succeeded',
      action: 'patch',
      reason: `${WEB_LT} version 3 lacks today's patch script`,
      launchTemplates: [
        { slot: 'main', launchTemplateId: WEB_LT, fromVersion: 3, toVersion: 4, reference: '4' },
      ],
      instanceRefreshId: 'refresh-web',
      durationSeconds: 754,
    },
    {
      asgName: 'reports-prod',
      status: 'failed',
      action: 'patch',
      reason: `${REPORTS_LT} version 1 lacks today's patch script`,
      launchTemplates: [
        { slot: 'main', launchTemplateId: REPORTS_LT, fromVersion: 1, reference: '$Default' },
        { slot: 1, launchTemplateId: GPU_LT, fromVersion: 2, reference: '$Default' },
      ],
      instanceRefreshId: 'refresh-reports',
      stage: 'PollInstanceRefresh',
      error: 'InstanceRefreshFailedError',
      cause: JSON.stringify({ errorMessage: 'refresh refresh-reports ended RollbackSuccessful' }),
      durationSeconds: 1210,
    },
  ],
  launchTemplates: [
    {
      launchTemplateId: WEB_LT,
      launchTemplateName: 'web-frontend',
      created: [{ sourceVersion: 3, newVersion: 4 }],
      defaultVersion: 4,
      defaultMoved: true,
      deleted: [],
    },
    {
      launchTemplateId: REPORTS_LT,
      launchTemplateName: 'reports',
      created: [{ sourceVersion: 1, newVersion: 2 }],
      defaultVersion: 1,
      defaultMoved: false,
      deleted: [2],
      note: 'default stays 1: version 2 did not refresh successfully on reports-prod, which follow $Default',
    },
    {
      launchTemplateId: GPU_LT,
      launchTemplateName: 'reports-gpu',
      created: [],
      defaultVersion: 2,
      defaultMoved: false,
      deleted: [],
    },
  ],
};

useAwsEnv({ AWS_REGION: 'us-east-1' });

beforeEach(() => {
  sfn.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: new Date() });
});

describe('asg-patcher start: the StartExecution request', () => {
  it('targets groups by name, with the run name, in the Region of the ARN', async () => {
    const run = await start('--asg-name', 'web-frontend-prod', 'api-prod', '--name', 'manual-web');
    expect(run.code).toBe(0);
    expect(startRequest()).toEqual({
      stateMachineArn: ARN,
      name: 'manual-web',
      input: { targets: { asgNames: ['web-frontend-prod', 'api-prod'] } },
    });
    // Region from the ARN, not AWS_REGION (us-east-1 in this test's env).
    expect(await sfn.call(0).thisValue.config.region()).toBe('eu-west-1');
    expect(run.stdout).toContain(`Started ${EXECUTION_ARN}`);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });

  it('targets groups by tag: a bare key, one value, several values; --dry-run sets dryRun', async () => {
    const run = await start(
      '--tag',
      'asg-patcher',
      '--tag',
      'env=prod',
      '--tag',
      'team=web,api',
      '--dry-run',
    );
    expect(run.code).toBe(0);
    const request = startRequest();
    expect(request.name).toBeUndefined();
    expect(request.input).toEqual({
      targets: {
        tags: [
          { key: 'asg-patcher' },
          { key: 'env', values: ['prod'] },
          { key: 'team', values: ['web', 'api'] },
        ],
      },
      dryRun: true,
    });
  });

  it('keeps the fields of --input and puts the flags on top of it', async () => {
    const run = await start(
      '--input',
      '{"targets":{"asgNames":["old"]},"maxConcurrency":2,"patch":{"updates":"all"}}',
      '--asg-name',
      'web-frontend-prod',
    );
    expect(run.code).toBe(0);
    expect(startRequest().input).toEqual({
      targets: { asgNames: ['web-frontend-prod'] },
      maxConcurrency: 2,
      patch: { updates: 'all' },
    });
  });
});

describe('asg-patcher start: bad usage exits 2 before any AWS call', () => {
  it.each([
    ['no targets', ['--dry-run'], /invalid execution input: targets: .*--asg-name NAME or --tag/],
    ['an empty tag value', ['--tag', 'env='], /invalid execution input: targets\.tags\.0\.values\.0: /],
    ['a key the schema does not know', ['--asg-name', 'web', '--input', '{"dryrun":true}'], /dryrun/],
    [
      'a field out of range',
      ['--asg-name', 'web', '--input', '{"maxConcurrency":0}'],
      /invalid execution input: maxConcurrency: /,
    ],
    ['names and tags together', ['--asg-name', 'web', '--tag', 'env=prod'], /cannot be used with option/],
    ['a bad execution name', ['--asg-name', 'web', '--name', 'manual web'], /--name "manual web": 1 to 80/],
  ])('%s', async (_what, args, message) => {
    const run = await start(...args);
    expect(run.code).toBe(2);
    expect(run.stderr.join('\n')).toMatch(message);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('an ARN that is not a state machine ARN', async () => {
    const run = await cli('start', '--state-machine-arn', 'asg-patcher-prod', '--asg-name', 'web');
    expect(run.code).toBe(2);
    expect(run.stderr.join('\n')).toMatch(/is not a state machine ARN/);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('a missing --state-machine-arn', async () => {
    const run = await cli('start', '--asg-name', 'web');
    expect(run.code).toBe(2);
    expect(run.stderr.join('\n')).toMatch(/required option '--state-machine-arn <arn>'/);
    expect(sfn.calls()).toHaveLength(0);
  });
});

describe('asg-patcher start --follow', () => {
  const follow = (): Promise<Ran> =>
    start('--asg-name', 'web-frontend-prod', 'reports-prod', '--follow', '--interval', '0');

  /** The table rows cli-table3 draws (│ cells │), keyed by group. */
  const rows = (stdout: string[]): Map<string, string[]> =>
    new Map(tableCells(stdout.join('\n')).map((cells) => [cells[0] ?? '', cells]));

  it('polls through RUNNING to SUCCEEDED, prints the Summarize output as the run table, exits 0', async () => {
    const succeeded: Summary = {
      ...SUMMARY,
      counts: { ...SUMMARY.counts, succeeded: 1, failed: 0, total: 1 },
      groups: [SUMMARY.groups[0] as Summary['groups'][number]],
    };
    sfn
      .on(DescribeExecutionCommand, { executionArn: EXECUTION_ARN })
      .resolvesOnce({ executionArn: EXECUTION_ARN, status: 'RUNNING' })
      .resolvesOnce({ executionArn: EXECUTION_ARN, status: 'RUNNING' })
      .resolves({ executionArn: EXECUTION_ARN, status: 'SUCCEEDED', output: JSON.stringify(succeeded) });

    const run = await follow();

    expect(run.code).toBe(0);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(3);
    expect(sfn.commandCalls(GetExecutionHistoryCommand)).toHaveLength(0);
    const table = rows(run.stdout);
    expect(table.get('group')).toEqual([
      'group',
      'version',
      'refresh',
      'status',
      'failed at / error',
      'duration',
    ]);
    expect(table.get('web-frontend-prod')).toEqual([
      'web-frontend-prod',
      'v3 -> v4',
      'refresh-web',
      'succeeded',
      '-',
      '12m34s',
    ]);
    expect(run.stdout.filter((l) => /^\+\d+s RUNNING$/.test(l))).toHaveLength(1);
    expect(run.stdout.at(-1)).toBe(`Execution SUCCEEDED (${EXECUTION_ARN})`);
  });

  it('polls through RUNNING to FAILED, reads the Summarize output from the history, exits 1', async () => {
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ executionArn: EXECUTION_ARN, status: 'RUNNING' })
      .resolves({
        executionArn: EXECUTION_ARN,
        status: 'FAILED',
        error: 'GroupsFailedError',
        cause: '1 of 2 Auto Scaling group(s) failed: ["reports-prod"]',
      });
    // A failed execution has no output; the history, newest first, has Summarize's exit.
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 9, type: 'ExecutionFailed', timestamp: new Date() },
        { id: 8, type: 'FailStateEntered', timestamp: new Date() },
        {
          id: 5,
          type: 'TaskStateExited',
          timestamp: new Date(),
          stateExitedEventDetails: { name: 'Summarize', output: JSON.stringify(SUMMARY) },
        },
      ],
    });

    const run = await follow();

    expect(run.code).toBe(1);
    expect(sfn.commandCalls(GetExecutionHistoryCommand)[0]?.args[0].input).toEqual({
      executionArn: EXECUTION_ARN,
      reverseOrder: true,
      includeExecutionData: true,
    });
    const table = rows(run.stdout);
    // One version line per launch template, named when the group uses several.
    expect(table.get('reports-prod')).toEqual([
      'reports-prod',
      'reports v1\nreports-gpu v2',
      'refresh-reports',
      'failed',
      'PollInstanceRefresh: InstanceRefreshFailedError',
      '20m10s',
    ]);
    expect(run.stdout).toContain('reports-prod: refresh refresh-reports ended RollbackSuccessful');
    // Under the table, what the run did per template (a template it left alone is not listed).
    const section = run.stdout.slice(run.stdout.indexOf('Launch templates:'));
    expect(section.slice(0, 4)).toEqual([
      'Launch templates:',
      `  web-frontend (${WEB_LT}): created v4 (from v3); default -> v4; deleted none`,
      `  reports (${REPORTS_LT}): created v2 (from v1); default stays v1; deleted v2`,
      '    default stays 1: version 2 did not refresh successfully on reports-prod, which follow $Default',
    ]);
    expect(run.stdout.join('\n')).not.toContain('reports-gpu (');
    expect(run.stdout.at(-1)).toBe(
      `Execution FAILED with GroupsFailedError: 1 of 2 Auto Scaling group(s) failed: ["reports-prod"] (${EXECUTION_ARN})`,
    );
  });

  it.each(['ABORTED', 'TIMED_OUT'] as const)(
    'exits 1 when the execution ends %s before Summarize',
    async (status) => {
      sfn.on(DescribeExecutionCommand).resolves({ executionArn: EXECUTION_ARN, status });
      sfn.on(GetExecutionHistoryCommand).resolves({
        events: [{ id: 2, type: 'ExecutionStarted', timestamp: new Date() }],
      });
      const run = await follow();
      expect(run.code).toBe(1);
      expect(rows(run.stdout).size).toBe(0);
      expect(run.stdout.at(-1)).toBe(`Execution ${status} (${EXECUTION_ARN})`);
    },
  );

  it('exits 1 when StartExecution is refused', async () => {
    const error = Object.assign(new Error('Execution Already Exists'), { name: 'ExecutionAlreadyExists' });
    sfn.on(StartExecutionCommand).rejects(error);
    const run = await follow();
    expect(run.code).toBe(1);
    expect(run.stderr.join('\n')).toContain('could not start the execution: ExecutionAlreadyExists');
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });
});

/**
 * A real `serverless package` (osls) with no AWS credentials, then assertions on the CloudFormation
 * template it writes and on the zipped handler bundles. Packaged once, for stage `staging` with one
 * CLI param, so the three levels of params (default, stage, --param) are all exercised.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFRESH_END_EVENTS } from '../../src/fake/account.ts';
import { LEDGER_TTL_ATTRIBUTE, ledgerTableDefinition } from '../../src/ledger/table.ts';
import {
  allStates,
  EVENT_FUNCTIONS,
  listPlaceholders,
  PAGE_FUNCTIONS,
  parseDefinition,
  readDefinitionText,
  TASK_STATES,
} from '../../src/local/definition.ts';

/** Every function: one per Task state, and OnRefreshEvent (the EventBridge rule's target). */
const FUNCTIONS = [...TASK_STATES, ...EVENT_FUNCTIONS, ...PAGE_FUNCTIONS];
/** The functions the ASL invokes: one per Task state, and the page functions its page states share. */
const INVOKED = [...TASK_STATES, ...PAGE_FUNCTIONS];

import { ExecutionInput } from '../../src/schemas.ts';
import {
  iamTable,
  iamViolations,
  markdownTable,
  NO_RESOURCE_LEVEL_PERMISSION,
  OPT_IN_TAG,
  rolesOf,
  actionsOf as statementActions,
} from './iam.ts';

const root = resolve(import.meta.dirname, '../..');

const kebab = (state: string) => state.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
const camel = (state: string) => state[0]?.toLowerCase() + state.slice(1);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: Json;
  Condition?: Json;
}
interface Template {
  Resources: Record<string, Resource>;
}

let packageDir: string;
let homeDir: string;
let template: Template;
let packageLog: string;
/** Whether packaging ran inside a network namespace with no interfaces (unshare available). */
let offlineNamespace = false;

const resource = (id: string): Resource => {
  const found = template.Resources[id];
  if (!found) throw new Error(`no resource ${id} in the template`);
  return found;
};
const statementsOf = (roleId: string): Statement[] => {
  const policies = resource(roleId).Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[];
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
};
const actionsOf = (statement: Statement) =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
const getAtt = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });

beforeAll(() => {
  packageDir = mkdtempSync(join(tmpdir(), 'asg-patcher-package-'));
  homeDir = mkdtempSync(join(tmpdir(), 'asg-patcher-home-'));
  // No credentials, no profile, no config files, no instance metadata: packaging must not need AWS.
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_')) env[key] = value;
  }
  Object.assign(env, { HOME: homeDir, AWS_EC2_METADATA_DISABLED: 'true' });
  const args = [
    join(root, 'node_modules/osls/bin/serverless.js'),
    'package',
    '--stage',
    'staging',
    '--param',
    'scheduleTimezone=Asia/Seoul',
    '--package',
    packageDir,
  ];
  // Where the sandbox allows it, run in a fresh network namespace: any call to AWS would fail.
  offlineNamespace = spawnSync('unshare', ['-rn', 'true']).status === 0;
  const [command, commandArgs] = offlineNamespace
    ? ['unshare', ['-rn', process.execPath, ...args]]
    : [process.execPath, args];
  const result = spawnSync(command, commandArgs, { cwd: root, env, encoding: 'utf8', timeout: 170_000 });
  packageLog = `${result.stdout}\n${result.stderr}`;
  if (result.status !== 0) throw new Error(`serverless package failed (${result.status}):\n${packageLog}`);
  template = JSON.parse(readFileSync(join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8'));
}, 180_000);

afterAll(() => {
  for (const dir of [packageDir, homeDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('serverless package (offline, no credentials)', () => {
  it('packages the service for the requested stage', () => {
    expect(packageLog).toContain('Packaging asg-patcher for stage staging');
    if (!offlineNamespace)
      console.warn('unshare -rn unavailable: packaged without credentials, network present');
  });

  // TASK_STATES is the ASL's Task states (test/statemachine/asl.test.ts holds it to the file).
  it('has exactly one Lambda per Task state (and OnRefreshEvent, and the two page functions), on nodejs22.x arm64, with the handler named after the state', () => {
    const lambdas = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    expect(lambdas.map(([id]) => id).sort()).toEqual(FUNCTIONS.map((s) => `${s}LambdaFunction`).sort());
    for (const state of FUNCTIONS) {
      const props = resource(`${state}LambdaFunction`).Properties;
      expect(props.Runtime).toBe('nodejs22.x');
      expect(props.Architectures).toEqual(['arm64']);
      expect(props.Handler).toBe(`src/handlers/${kebab(state)}.handler`);
      expect(props.FunctionName).toBe(`asg-patcher-staging-${camel(state)}`);
      expect(props.Role).toEqual(getAtt(`${state}Role`));
      // The bundles are minified: stack traces are mapped back to src/ through the source map.
      expect((props.Environment as { Variables: Record<string, string> }).Variables.NODE_OPTIONS).toBe(
        '--enable-source-maps',
      );
    }
  });

  it('deploys the ASL file unchanged, with a DefinitionSubstitution for exactly its placeholders', () => {
    const aslText = readDefinitionText();
    const placeholders = new Set(listPlaceholders(aslText));
    const machine = resource('StateMachine');
    expect(machine.Type).toBe('AWS::StepFunctions::StateMachine');
    expect(machine.Properties.Definition).toEqual(JSON.parse(aslText));
    const substitutions = machine.Properties.DefinitionSubstitutions as Record<string, Json>;
    expect(new Set(Object.keys(substitutions))).toEqual(placeholders);
    // Every Lambda the ASL names is one of ours, by the one-name-per-state rule (the page functions by theirs).
    for (const [name, value] of Object.entries(substitutions)) {
      const state = name.replace(/FunctionArn$/, '');
      expect(INVOKED).toContain(state);
      expect(value).toEqual(getAtt(`${state}LambdaFunction`));
    }
    expect(machine.Properties.StateMachineName).toBe('asg-patcher-staging');
    expect(machine.Properties.RoleArn).toEqual(getAtt('StateMachineRole'));
  });

  it('sends every instance refresh end (the events AWS documents) to OnRefreshEvent, and makes events the default wait', () => {
    const rule = resource('RefreshEndedRule');
    expect(rule.Type).toBe('AWS::Events::Rule');
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.autoscaling'],
      'detail-type': Object.values(REFRESH_END_EVENTS),
    });
    expect(rule.Properties.Targets).toMatchObject([{ Arn: getAtt('OnRefreshEventLambdaFunction') }]);
    const permission = resource('RefreshEndedRulePermission').Properties;
    expect(permission).toMatchObject({
      Action: 'lambda:InvokeFunction',
      FunctionName: getAtt('OnRefreshEventLambdaFunction'),
      Principal: 'events.amazonaws.com',
      SourceArn: getAtt('RefreshEndedRule'),
    });
    // refreshEvents=false deploys neither, and ResolveTargets then defaults to polling.
    const conditions = (template as unknown as { Conditions: Record<string, Json> }).Conditions;
    expect(conditions.DeployRefreshEvents).toEqual({ 'Fn::Equals': ['true', 'true'] });
    expect(resource('RefreshEndedRule')).toMatchObject({ Condition: 'DeployRefreshEvents' });
    expect(resource('RefreshEndedRulePermission')).toMatchObject({ Condition: 'DeployRefreshEvents' });
    const variables = (
      resource('ResolveTargetsLambdaFunction').Properties.Environment as { Variables: Record<string, Json> }
    ).Variables;
    expect(variables.DEFAULT_WAIT_MODE).toEqual({ 'Fn::If': ['DeployRefreshEvents', 'events', 'polling'] });
  });

  it('lets the state machine role invoke exactly the stage functions (and their versions) and nothing else', () => {
    const statements = statementsOf('StateMachineRole').filter((s) =>
      actionsOf(s).some((a) => a.startsWith('lambda:')),
    );
    expect(statements).toHaveLength(1);
    const [statement] = statements;
    expect(statement?.Effect).toBe('Allow');
    expect(actionsOf(statement as Statement)).toEqual(['lambda:InvokeFunction']);
    const expected = INVOKED.flatMap((state) => [
      getAtt(`${state}LambdaFunction`),
      { 'Fn::Sub': `\${${state}LambdaFunction.Arn}:*` },
    ]);
    expect(statement?.Resource).toEqual(expect.arrayContaining(expected));
    expect(statement?.Resource).toHaveLength(expected.length);
    const trust = resource('StateMachineRole').Properties.AssumeRolePolicyDocument as {
      Statement: { Principal: Json }[];
    };
    expect(trust.Statement.map((s) => s.Principal)).toEqual([{ Service: 'states.amazonaws.com' }]);
  });

  // https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html
  it('lets the state machine role run the Distributed Maps: start itself, describe and stop its own executions', () => {
    // Every distributed Map's children are <state machine>/<Label>:<id>; the group Maps nested in
    // the page children's run under their page Map's, so one `/*` covers them all.
    const labels = allStates(parseDefinition(readDefinitionText()))
      .filter(({ state }) => state.Type === 'Map' && state.Label !== undefined)
      .map(({ state }) => String(state.Label));
    expect(labels).toEqual([
      'PinGroupPage',
      'CreateTemplatePage',
      'RefreshGroupPage',
      'RefreshGroup',
      'PromoteTemplatePage',
      'RestoreGroupPage',
      'RestoreGroup',
      'CleanUpTemplatePage',
    ]);
    const arn = (suffix: string) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:${suffix}`,
    });
    const statements = statementsOf('StateMachineRole').filter((s) =>
      actionsOf(s).some((a) => a.startsWith('states:')),
    );
    expect(statements).toEqual([
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: arn('stateMachine:asg-patcher-staging') },
      {
        Effect: 'Allow',
        Action: ['states:DescribeExecution', 'states:StopExecution'],
        Resource: [arn('execution:asg-patcher-staging:*'), arn('execution:asg-patcher-staging/*')],
      },
    ]);
    // Named by Fn::Sub from the fixed StateMachineName, not by Ref: no circular dependency.
    expect(resource('StateMachine').Properties.StateMachineName).toBe('asg-patcher-staging');
    expect(JSON.stringify(resource('StateMachineRole'))).not.toContain('"Ref":"StateMachine"');
    expect(statementsOf('StateMachineRole').flatMap(actionsOf).sort()).toEqual([
      'lambda:InvokeFunction',
      'states:DescribeExecution',
      'states:StartExecution',
      'states:StopExecution',
    ]);
  });

  // The keys the code writes (src/ledger/table.ts, also what local runs create in dynalite), on
  // demand, with the TTL on the attribute the locks and run items carry.
  it('creates the run ledger table with the keys the code uses, on demand, with its TTL, and outputs its name', () => {
    const table = resource('LedgerTable');
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    const local = ledgerTableDefinition('asg-patcher-staging-ledger');
    expect(table.Properties).toEqual({
      TableName: local.TableName,
      BillingMode: local.BillingMode,
      AttributeDefinitions: local.AttributeDefinitions,
      KeySchema: local.KeySchema,
      TimeToLiveSpecification: { AttributeName: LEDGER_TTL_ATTRIBUTE, Enabled: true },
    });
    const outputs = (template as unknown as { Outputs: Record<string, { Value: Json }> }).Outputs;
    expect(outputs.LedgerTableName?.Value).toEqual({ Ref: 'LedgerTable' });
  });

  it('schedules the state machine with the stage expression, the CLI timezone and a valid tag input', () => {
    const schedule = resource('PatchSchedule');
    expect(schedule.Type).toBe('AWS::Scheduler::Schedule');
    // staging's own params entry overrides the default Sunday expression
    expect(schedule.Properties.ScheduleExpression).toBe('cron(0 3 ? * WED *)');
    // --param on the command line wins over both
    expect(schedule.Properties.ScheduleExpressionTimezone).toBe('Asia/Seoul');
    expect(schedule.Properties.State).toBe('ENABLED');
    const target = schedule.Properties.Target as { Arn: Json; RoleArn: Json; Input: string };
    expect(target.Arn).toEqual({ Ref: 'StateMachine' });
    expect(target.RoleArn).toEqual(getAtt('SchedulerRole'));
    // The default input is a tag target and passes the same strict schema ResolveTargets applies.
    const input = ExecutionInput.parse(JSON.parse(target.Input));
    expect(input.targets).toEqual({ tags: [{ key: 'asg-patcher', values: ['enabled'] }] });
  });

  it('limits the scheduler role to StartExecution on this state machine', () => {
    expect(statementsOf('SchedulerRole')).toEqual([
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: 'StateMachine' } },
    ]);
    const trust = resource('SchedulerRole').Properties.AssumeRolePolicyDocument as {
      Statement: { Principal: Json }[];
    };
    expect(trust.Statement.map((s) => s.Principal)).toEqual([{ Service: 'scheduler.amazonaws.com' }]);
  });

  describe.each(FUNCTIONS)('%s role', (state) => {
    it('allows exactly the AWS actions its handler and step call (plus its own log group)', () => {
      const called = awsActionsCalledFrom(join(root, `src/handlers/${kebab(state)}.ts`));
      const statements = statementsOf(`${state}Role`);
      const logs = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
      expect(logs).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: getAtt(`${state}LogGroup`),
        },
      ]);
      const granted = new Set(
        statements
          .flatMap(actionsOf)
          .filter((a) => !a.startsWith('logs:') && !LAUNCH_PERMISSIONS.includes(a)),
      );
      expect(granted).toEqual(called);
      // Actions that make Auto Scaling check the caller may launch from the template (AWS docs:
      // ec2-auto-scaling-launch-template-permissions) come with RunInstances/CreateTags/PassRole.
      const launches = [...called].some((a) => LAUNCHING_ACTIONS.includes(a));
      const launchGrants = statements.flatMap(actionsOf).filter((a) => LAUNCH_PERMISSIONS.includes(a));
      expect(launchGrants.sort()).toEqual(launches ? [...LAUNCH_PERMISSIONS].sort() : []);
      for (const statement of statements) expect(statement.Effect).toBe('Allow');
    });
  });

  // Least privilege, as rules over every role in the template (test/package/iam.ts), so a role that
  // a new function brings, or a widened statement, fails here.
  describe('IAM, every role', () => {
    it('keeps every rule: no wildcard action, Resource "*" only where AWS allows nothing narrower, opt-in tag on changing Auto Scaling actions, launches only from this account\'s launch templates', () => {
      expect(rolesOf(template).length).toBeGreaterThanOrEqual(FUNCTIONS.length + 2);
      expect(iamViolations(template)).toEqual([]);
    });

    it.each([
      [
        'a wildcard action',
        (s: Statement) => Object.assign(s, { Action: 'autoscaling:*' }),
        'wildcard action',
      ],
      [
        'Resource "*" on a changing action',
        (s: Statement) => Object.assign(s, { Resource: '*' }),
        'Resource "*" on autoscaling:UpdateAutoScalingGroup',
      ],
      [
        'a changing Auto Scaling action without the opt-in condition',
        (s: Statement) => Object.assign(s, { Condition: undefined }),
        'not conditioned on autoscaling:ResourceTag/asg-patcher',
      ],
    ])('fails a template with %s', (_name, widen, message) => {
      const widened = structuredClone(template);
      const statement = rolesOf(widened)
        .flatMap(([, statements]) => statements)
        .find((s) => statementActions(s).includes('autoscaling:UpdateAutoScalingGroup'));
      if (!statement) throw new Error('no UpdateAutoScalingGroup statement');
      widen(statement);
      expect(iamViolations(widened).join('\n')).toContain(message);
    });

    it.each([
      ['ec2:RunInstances', { Resource: '*', Condition: undefined }, 'Resource "*" on ec2:RunInstances'],
      ['ec2:RunInstances', { Condition: undefined }, 'not limited to launches from a launch template'],
      ['ec2:CreateTags', { Condition: undefined }, 'not limited to tagging while launching'],
      ['iam:PassRole', { Condition: undefined }, 'not limited to passing roles to EC2'],
      [
        'ec2:CreateLaunchTemplateVersion',
        { Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:ec2:*:*:launch-template/*` } },
        'not limited to launch templates of this account',
      ],
    ])('fails a template whose %s statement is widened to %j', (action, widening, message) => {
      const widened = structuredClone(template);
      const statement = rolesOf(widened)
        .flatMap(([, statements]) => statements)
        .find((s) => statementActions(s).includes(action));
      if (!statement) throw new Error(`no ${action} statement`);
      Object.assign(statement, widening);
      expect(iamViolations(widened).join('\n')).toContain(message);
    });

    it.each([
      [{ Resource: '*' }, 'Resource "*" on dynamodb:PutItem'],
      [
        {
          Resource: {
            'Fn::Sub': `arn:\${AWS::Partition}:dynamodb:\${AWS::Region}:\${AWS::AccountId}:table/*`,
          },
        },
        'not limited to the ledger table',
      ],
    ])('fails a template whose ledger statement is widened to %j', (widening, message) => {
      const widened = structuredClone(template);
      const statement = rolesOf(widened)
        .flatMap(([, statements]) => statements)
        .find((s) => statementActions(s).includes('dynamodb:PutItem'));
      if (!statement) throw new Error('no dynamodb:PutItem statement');
      Object.assign(statement, widening);
      expect(iamViolations(widened).join('\n')).toContain(message);
    });

    it('cites the AWS page for each action allowed on Resource "*", and allows "*" for no other', () => {
      const starred = new Set(
        rolesOf(template)
          .flatMap(([, statements]) => statements)
          .filter((s) => s.Resource === '*')
          .flatMap(statementActions),
      );
      for (const action of starred) {
        expect(NO_RESOURCE_LEVEL_PERMISSION[action], action).toMatch(
          /^https:\/\/docs\.aws\.amazon\.com\/service-authorization\//,
        );
      }
    });

    it('gives the opt-in tag (the param) to exactly the functions that call Auto Scaling', () => {
      for (const state of FUNCTIONS) {
        const variables = (
          resource(`${state}LambdaFunction`).Properties.Environment as {
            Variables: Record<string, string>;
          }
        ).Variables;
        const callsAutoScaling = statementsOf(`${state}Role`)
          .flatMap(actionsOf)
          .some((a) => a.startsWith('autoscaling:'));
        const { OPT_IN_TAG_KEY, OPT_IN_TAG_VALUE } = variables;
        expect({ OPT_IN_TAG_KEY, OPT_IN_TAG_VALUE }, state).toEqual(
          callsAutoScaling
            ? { OPT_IN_TAG_KEY: OPT_IN_TAG.key, OPT_IN_TAG_VALUE: OPT_IN_TAG.value }
            : { OPT_IN_TAG_KEY: undefined, OPT_IN_TAG_VALUE: undefined },
        );
      }
    });

    it('gives the ledger table (LEDGER_TABLE_NAME) to exactly the functions whose role may use it', () => {
      for (const state of FUNCTIONS) {
        const variables = (
          resource(`${state}LambdaFunction`).Properties.Environment as { Variables: Record<string, Json> }
        ).Variables;
        const usesLedger = statementsOf(`${state}Role`)
          .flatMap(actionsOf)
          .some((a) => a.startsWith('dynamodb:'));
        expect(variables.LEDGER_TABLE_NAME, state).toEqual(usesLedger ? { Ref: 'LedgerTable' } : undefined);
      }
      expect(
        FUNCTIONS.filter((state) =>
          statementsOf(`${state}Role`)
            .flatMap(actionsOf)
            .some((a) => a.startsWith('dynamodb:')),
        ),
      ).toEqual([
        'LookupLaunchTemplate',
        'LockAutoScalingGroup',
        'AwaitRefreshEvent',
        'Summarize',
        'OnRefreshEvent',
        'LoadRunPage',
        'SaveRunPage',
      ]);
    });

    it('is what docs/iam.md lists, statement by statement', () => {
      const doc = readFileSync(join(root, 'docs/iam.md'), 'utf8');
      const expected = iamTable(template);
      // On a difference, the expected rows are the template's: write them into docs/iam.md.
      expect(
        markdownTable(doc, '## Every statement'),
        expected.map((r) => `| ${r.join(' | ')} |`).join('\n'),
      ).toEqual(expected);
    });
  });

  it('bundles each handler into its own zip that loads as an ES module and exports handler', () => {
    const extractDir = mkdtempSync(join(tmpdir(), 'asg-patcher-bundles-'));
    try {
      for (const state of FUNCTIONS) {
        const zip = join(packageDir, `${camel(state)}.zip`);
        expect(existsSync(zip), zip).toBe(true);
        const dest = join(extractDir, state);
        const unzip = spawnSync('/usr/bin/python3', ['-m', 'zipfile', '-e', zip, dest], { encoding: 'utf8' });
        expect(unzip.status, unzip.stderr).toBe(0);
        const entry = join(dest, `src/handlers/${kebab(state)}.mjs`);
        expect(existsSync(entry), entry).toBe(true);
        // The AWS SDK is bundled (pinned), not taken from the runtime: no node_modules in the zip.
        expect(existsSync(join(dest, 'node_modules'))).toBe(false);
        // Each bundle carries only the SDK client(s) its step calls (src/clients/*.ts, one module per
        // client), read off the source map; the map names the sources but leaves their text out.
        const map = JSON.parse(readFileSync(`${entry}.map`, 'utf8')) as {
          sources: string[];
          sourcesContent?: unknown;
        };
        const bundledClients = new Set(
          map.sources.flatMap(
            (source) => /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(source)?.[1] ?? [],
          ),
        );
        const calledServices = new Set(
          [...awsActionsCalledFrom(join(root, `src/handlers/${kebab(state)}.ts`))].map(
            (a) => a.split(':')[0],
          ),
        );
        const expectedClients = Object.entries(SDK_CLIENT_SERVICES)
          .filter(([, service]) => calledServices.has(service))
          .map(([client]) => client);
        expect([...bundledClients].sort(), state).toEqual(expectedClients.sort());
        expect(map.sourcesContent, state).toBeUndefined();
        expect(
          map.sources.filter((source) => source.endsWith(`/src/handlers/${kebab(state)}.ts`)),
        ).toHaveLength(1);
      }
      // Load every bundle in a plain Node process (no tsx, no node_modules next to it), then call
      // ResolveTargets with bad input: it must reject with the named error before any AWS call.
      const script = `
        const states = ${JSON.stringify(FUNCTIONS.map((s) => [s, kebab(s)]))};
        for (const [state, file] of states) {
          const mod = await import(${JSON.stringify(`${extractDir}/`)} + state + '/src/handlers/' + file + '.mjs');
          if (typeof mod.handler !== 'function') throw new Error(state + ' exports no handler');
        }
        const { handler } = await import(${JSON.stringify(`${extractDir}/ResolveTargets/src/handlers/resolve-targets.mjs`)});
        try {
          await handler({ input: { targets: { asgNames: [] } }, runId: 'bundle-check' }, {});
          console.log('RESOLVED');
        } catch (error) {
          console.log('REJECTED ' + error.name);
          console.log(error.stack.split('\\n')[1].trim());
        }`;
      // As Lambda runs them (provider.environment NODE_OPTIONS): minified code, source-mapped traces.
      const run = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
        cwd: dirname(extractDir),
        encoding: 'utf8',
        env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' },
        timeout: 60_000,
      });
      expect(run.status, run.stderr).toBe(0);
      const [outcome, frame] = run.stdout.trim().split('\n');
      expect(outcome).toBe('REJECTED InputValidationError');
      // The throwing frame reads as the source: src/ file and line. (Not the function's name: Node
      // maps a frame's name from its caller's call site, and a frame resumed after an `await`, as
      // this one is, has no caller frame.)
      const throwLine = readFileSync(join(root, 'src/steps/resolve-targets.ts'), 'utf8')
        .split('\n')
        .findIndex((line) => line.includes('throw new InputValidationError'));
      expect(frame).toMatch(
        new RegExp(`^at \\S+ \\(.*/src/steps/resolve-targets\\.ts:${throwLine + 1}:\\d+\\)$`),
      );
    } finally {
      rmSync(extractDir, { recursive: true, force: true });
    }
  });
});

/** Actions that make AWS check the caller may launch instances from the launch template. */
const LAUNCHING_ACTIONS = [
  'autoscaling:UpdateAutoScalingGroup',
  'autoscaling:StartInstanceRefresh',
  'autoscaling:RollbackInstanceRefresh',
];
const LAUNCH_PERMISSIONS = ['ec2:RunInstances', 'ec2:CreateTags', 'iam:PassRole'];

/** The AWS SDK client packages this project uses, and the IAM service prefix of each. */
const SDK_CLIENT_SERVICES: Record<string, string> = {
  'client-auto-scaling': 'autoscaling',
  'client-ec2': 'ec2',
  'client-dynamodb': 'dynamodb',
  'client-sfn': 'states',
};

/**
 * The IAM actions a handler can call: every `XCommand` or `paginateX` imported from an AWS SDK
 * client package, in the file and everything it imports from src/ (relative imports, followed).
 */
function awsActionsCalledFrom(entry: string): Set<string> {
  const actions = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+'([^']+)'/g)) {
      const [, typeOnly, names = '', from = ''] = m;
      if (from.startsWith('.')) {
        visit(resolve(dirname(file), from));
        continue;
      }
      const service = SDK_CLIENT_SERVICES[from.replace('@aws-sdk/', '')];
      if (!service || typeOnly) continue;
      for (const raw of names.split(',')) {
        const name = raw.trim().replace(/\s+as\s+\w+$/, '');
        if (name.startsWith('type ')) continue;
        const command = /^(\w+)Command$/.exec(name)?.[1] ?? /^paginate(\w+)$/.exec(name)?.[1];
        if (command) actions.add(`${service}:${command}`);
      }
    }
    for (const m of source.matchAll(/import\s+[^'{]*'(\.[^']+)'/g))
      if (m[1]) visit(resolve(dirname(file), m[1]));
  };
  visit(entry);
  return actions;
}

/**
 * The least-privilege rules every IAM role in the packaged CloudFormation template must keep, as one
 * function (`iamViolations`) over all `AWS::IAM::Role` resources, so a new or renamed function's role
 * is held to them without a list of today's functions. And the table of every statement that
 * docs/iam.md shows (`iamTable`), so the doc and the template cannot drift apart.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: Json;
  Condition?: Json;
  NotAction?: Json;
  NotResource?: Json;
}
export interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

/** The opt-in tag serverless.yml's params default to (`optInTagKey`, `optInTagValue`). */
export const OPT_IN_TAG = { key: 'asg-patcher', value: 'enabled' };

/**
 * The only actions that may have `Resource: "*"`: AWS offers them no resource-level permission (the
 * Service Authorization Reference lists no resource type for them). Add an action here only with the
 * page that says so.
 */
export const NO_RESOURCE_LEVEL_PERMISSION: Record<string, string> = {
  'autoscaling:DescribeAutoScalingGroups':
    'https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2autoscaling.html',
  'autoscaling:DescribeInstanceRefreshes':
    'https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2autoscaling.html',
  'ec2:DescribeLaunchTemplates':
    'https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html',
  'ec2:DescribeLaunchTemplateVersions':
    'https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html',
  // A task token names no resource: the Step Functions page lists no resource type for these.
  'states:SendTaskSuccess':
    'https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html',
  'states:SendTaskFailure':
    'https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html',
};

const sub = (text: string) => ({ 'Fn::Sub': text });
const REGION_ARN = `arn:\${AWS::Partition}:\${Service}:\${AWS::Region}:`;
const ASG_ARN = sub(
  `arn:\${AWS::Partition}:autoscaling:\${AWS::Region}:\${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/*`,
);
/** The run ledger's table (serverless.yml `LedgerTable`): the only resource a ledger action may name. */
export const LEDGER_TABLE_ARN = { 'Fn::GetAtt': ['LedgerTable', 'Arn'] };
const LAUNCH_TEMPLATE_ARN = sub(
  `arn:\${AWS::Partition}:ec2:\${AWS::Region}:\${AWS::AccountId}:launch-template/*`,
);

export const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
const resourcesOf = (statement: Statement): Json[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
/** A resource of this account (or, for AMIs and public snapshots, no account) in this Region. */
const inThisRegion = (service: string, resource: Json) => {
  const text = (resource as { 'Fn::Sub'?: unknown })?.['Fn::Sub'];
  if (typeof text !== 'string') return false;
  const prefix = REGION_ARN.replace(`\${Service}`, service);
  return (
    text.startsWith(`${prefix}\${AWS::AccountId}:`) ||
    (service === 'ec2' && /^:(image|snapshot)\/\*$/.test(text.slice(prefix.length)))
  );
};
const isDescribe = (action: string) => /^[a-z0-9-]+:(Describe|List|Get)/.test(action);

export function rolesOf(template: Template): [string, Statement[]][] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::IAM::Role')
    .map(([id, resource]) => {
      const policies = (resource.Properties.Policies ?? []) as {
        PolicyDocument: { Statement: Statement[] };
      }[];
      return [id, policies.flatMap((policy) => policy.PolicyDocument.Statement)];
    });
}

/** Every way a statement of any role breaks the rules; empty when none does. */
export function iamViolations(template: Template): string[] {
  const violations: string[] = [];
  for (const [role, statements] of rolesOf(template)) {
    if ((template.Resources[role]?.Properties.ManagedPolicyArns as unknown[] | undefined)?.length)
      violations.push(`${role}: managed policies are not checked here; write the statements inline`);
    statements.forEach((statement, index) => {
      const at = `${role} statement ${index} (${actionsOf(statement).join(', ')})`;
      const fail = (rule: string) => violations.push(`${at}: ${rule}`);
      if (statement.Effect !== 'Allow') fail('only Allow statements are expected');
      if (statement.NotAction !== undefined || statement.NotResource !== undefined)
        fail('NotAction/NotResource grant everything else');
      const actions = actionsOf(statement);
      const resources = resourcesOf(statement);
      for (const action of actions) {
        if (action.includes('*')) fail(`wildcard action ${action}`);
      }
      if (resources.includes('*')) {
        const allowed = actions.filter((a) => !(a in NO_RESOURCE_LEVEL_PERMISSION));
        if (allowed.length > 0)
          fail(
            `Resource "*" on ${allowed.join(', ')}, which AWS lets you limit by resource ` +
              '(or add it to NO_RESOURCE_LEVEL_PERMISSION with the AWS page that says it cannot be)',
          );
        if (resources.length > 1) fail('Resource "*" beside other resources');
      }
      for (const action of actions) {
        const [service = ''] = action.split(':');
        if (service === 'autoscaling' && !isDescribe(action)) {
          // Changing Auto Scaling actions: this account's groups, and only those opted in.
          if (!same(statement.Resource, ASG_ARN)) fail(`${action} is not limited to this account's groups`);
          if (
            !same(statement.Condition, {
              StringEquals: { [`autoscaling:ResourceTag/${OPT_IN_TAG.key}`]: OPT_IN_TAG.value },
            })
          )
            fail(`${action} is not conditioned on autoscaling:ResourceTag/${OPT_IN_TAG.key}`);
        }
        if (service === 'ec2' && /LaunchTemplate/.test(action) && !isDescribe(action)) {
          if (!same(statement.Resource, LAUNCH_TEMPLATE_ARN))
            fail(`${action} is not limited to launch templates of this account and Region`);
        }
        if (action === 'ec2:RunInstances') {
          if (!resources.every((r) => inThisRegion('ec2', r)))
            fail('ec2:RunInstances reaches beyond this account and Region');
          if (
            !same(statement.Condition, {
              ArnLike: { 'ec2:LaunchTemplate': LAUNCH_TEMPLATE_ARN },
              Bool: { 'ec2:IsLaunchTemplateResource': 'true' },
            })
          )
            fail(
              'ec2:RunInstances is not limited to launches from a launch template of this account and Region',
            );
        }
        if (action === 'ec2:CreateTags') {
          if (!resources.every((r) => inThisRegion('ec2', r)))
            fail('ec2:CreateTags reaches beyond this account and Region');
          if (!same(statement.Condition, { StringEquals: { 'ec2:CreateAction': 'RunInstances' } }))
            fail('ec2:CreateTags is not limited to tagging while launching (ec2:CreateAction)');
        }
        if (action === 'iam:PassRole') {
          if (!same(statement.Condition, { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } }))
            fail('iam:PassRole is not limited to passing roles to EC2');
          if (!same(statement.Resource, sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/*`)))
            fail('iam:PassRole is not limited to the instanceRoleNamePattern roles of this account');
        }
        if (service === 'dynamodb' && !same(statement.Resource, LEDGER_TABLE_ARN))
          fail(`${action} is not limited to the ledger table (LedgerTable.Arn)`);
        if (service === 'logs' && !resources.every((r) => same(Object.keys(r ?? {}), ['Fn::GetAtt'])))
          fail(`${action} is not limited to a log group of this stack`);
      }
    });
  }
  return violations;
}

/** How docs/iam.md writes a resource or condition value from the template. */
function render(value: Json): string {
  if (Array.isArray(value)) return value.map(render).join('<br>');
  if (value !== null && typeof value === 'object') {
    if ('Fn::Sub' in value) return `\`${String(value['Fn::Sub'])}\``;
    if ('Fn::GetAtt' in value) return `\`${(value['Fn::GetAtt'] as string[]).join('.')}\``;
    if ('Ref' in value) return `\`${String(value.Ref)}\``;
    return Object.entries(value)
      .flatMap(([operator, keys]) =>
        Object.entries(keys as Record<string, Json>).map(
          ([key, v]) => `${operator} \`${key}\` = ${render(v)}`,
        ),
      )
      .join('<br>');
  }
  return `\`${String(value)}\``;
}

/** One row per statement of every role: role, actions, resources, condition (as docs/iam.md shows them). */
export function iamTable(template: Template): string[][] {
  return rolesOf(template).flatMap(([role, statements]) =>
    statements.map((s) => [
      role,
      actionsOf(s).join(', '),
      render(s.Resource),
      s.Condition === undefined ? '' : render(s.Condition),
    ]),
  );
}

/** The rows of the first Markdown table under `heading` (header and separator rows left out). */
export function markdownTable(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(heading);
  if (start < 0) return [];
  const lines = markdown.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

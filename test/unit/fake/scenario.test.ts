// Scenario files: the strict schema and the account built from one.
import { readFileSync } from 'node:fs';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplateVersionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, test } from 'vitest';
import { installFakeAccount } from '../../../src/fake/install.ts';
import {
  accountFromScenario,
  accountFromScenarioFile,
  InvalidScenarioError,
  parseScenario,
} from '../../../src/fake/scenario.ts';

const fixture = new URL('./fixtures/scenario.json', import.meta.url);
const example = (): Record<string, unknown> => JSON.parse(readFileSync(fixture, 'utf8'));

let restore: (() => void) | undefined;
afterEach(() => restore?.());

describe('accountFromScenario', () => {
  test('the example fixture loads: templates, versions with inheritance, user data as text or base64', () => {
    const snapshot = accountFromScenarioFile(fixture.pathname).snapshot();

    const web = snapshot.launchTemplates[0];
    expect(web?.defaultVersion).toBe(1);
    expect(web?.versions.map((v) => v.description)).toEqual(['base', 'bigger instance']);
    // Version 2 inherits everything from version 1 but the instance type.
    expect(web?.versions[1]?.data).toEqual({ ...web?.versions[0]?.data, InstanceType: 't3.small' });
    expect(Buffer.from(String(web?.versions[0]?.data.UserData), 'base64').toString()).toBe(
      '#!/bin/bash\necho hello > /tmp/hello\n',
    );
    expect(snapshot.launchTemplates[1]?.versions[0]?.data.UserData).toBe(
      'I2Nsb3VkLWNvbmZpZwpwYWNrYWdlczogW2h0b3BdCg==',
    );
  });

  test('groups keep their reference style, tags, suspended processes and an already active refresh', async () => {
    const account = accountFromScenario(example());
    ({ restore } = installFakeAccount(account));
    const autoScaling = new AutoScalingClient({ region: 'eu-west-1' });

    const out = await autoScaling.send(new DescribeAutoScalingGroupsCommand({}));
    const byName = new Map(out.AutoScalingGroups?.map((g) => [g.AutoScalingGroupName, g]));
    const ltId = account.snapshot().launchTemplates[0]?.id;

    expect(byName.get('web-numbered')?.LaunchTemplate).toEqual({
      LaunchTemplateId: ltId,
      LaunchTemplateName: 'web',
      Version: '1',
    });
    expect(byName.get('web-default')?.LaunchTemplate?.Version).toBe('$Default');
    expect(
      byName.get('worker-mixed')?.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification?.Version,
    ).toBe('$Latest');
    expect(byName.get('worker-mixed')?.MixedInstancesPolicy?.LaunchTemplate?.Overrides).toHaveLength(2);
    expect(byName.get('legacy')?.LaunchConfigurationName).toBe('legacy-lc');
    expect(byName.get('legacy')?.SuspendedProcesses?.[0]?.ProcessName).toBe('InstanceRefresh');
    expect(byName.get('web-numbered')?.Tags?.map((t) => [t.Key, t.Value])).toEqual([
      ['patch-group', 'weekly'],
      ['env', 'prod'],
    ]);
    expect(account.snapshot().instanceRefreshes).toMatchObject([{ asgName: 'legacy', status: 'InProgress' }]);
  });

  test('a version referenced by name resolves through the real EC2 client', async () => {
    ({ restore } = installFakeAccount(accountFromScenario(example())));

    const out = await new EC2Client({}).send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'web', Versions: ['$Latest'] }),
    );

    expect(out.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.InstanceType).toBe('t3.small');
  });
});

describe('instances and override templates in a scenario', () => {
  const scenario = () => ({
    launchTemplates: [
      { name: 'web', versions: [{ data: { InstanceType: 't3.micro' } }, {}, {}], defaultVersion: 3 },
      { name: 'gpu', versions: [{}, {}] },
    ],
    autoScalingGroups: [
      {
        name: 'lagging',
        launchTemplate: { template: 'web', version: '$Default' },
        instances: [{ version: 1 }, { version: 3, instanceType: 't3.small' }],
      },
      {
        name: 'mixed',
        mixedInstancesPolicy: {
          launchTemplate: { template: 'web', version: '3' },
          overrides: [
            { InstanceType: 'm5.large', WeightedCapacity: '1' },
            { InstanceType: 'g5.xlarge', launchTemplate: { template: 'gpu', version: '2', by: 'name' } },
          ],
        },
        desiredCapacity: 2,
      },
    ],
  });

  test('instances say what runs; an override launches from its own template (stored with id and name)', () => {
    const snapshot = accountFromScenario(scenario()).snapshot();
    const [lagging, mixed] = snapshot.autoScalingGroups;
    const gpuId = snapshot.launchTemplates[1]?.id;

    expect(lagging?.desiredCapacity).toBe(2);
    expect(lagging?.instances.map((i) => [i.instanceType, i.launchTemplate?.Version])).toEqual([
      ['t3.micro', '1'],
      ['t3.small', '3'],
    ]);
    expect(mixed?.mixedInstancesPolicy?.LaunchTemplate?.Overrides).toEqual([
      { InstanceType: 'm5.large', WeightedCapacity: '1' },
      {
        InstanceType: 'g5.xlarge',
        LaunchTemplateSpecification: { LaunchTemplateId: gpuId, LaunchTemplateName: 'gpu', Version: '2' },
      },
    ]);
    expect(
      mixed?.instances.map(
        (i) => `${i.instanceType}:${i.launchTemplate?.LaunchTemplateName}:${i.launchTemplate?.Version}`,
      ),
    ).toEqual(['m5.large:web:3', 'g5.xlarge:gpu:2']);
  });

  test.each([
    [
      'an override naming a template not in the file',
      (s: ReturnType<typeof scenario>) => {
        const o = s.autoScalingGroups[1]?.mixedInstancesPolicy?.overrides[1];
        if (o?.launchTemplate) o.launchTemplate.template = 'nope';
      },
      /no launch template named "nope".*\n.*autoScalingGroups\[1\]\.mixedInstancesPolicy\.overrides\[1\]\.launchTemplate\.template/,
    ],
    [
      "an override with the API's LaunchTemplateSpecification",
      (s: ReturnType<typeof scenario>) => {
        Object.assign(s.autoScalingGroups[1]?.mixedInstancesPolicy?.overrides[0] ?? {}, {
          LaunchTemplateSpecification: { LaunchTemplateName: 'gpu' },
        });
      },
      /give the override's template as "launchTemplate"/,
    ],
    [
      'an instance from a template not in the file',
      (s: ReturnType<typeof scenario>) => {
        Object.assign(s.autoScalingGroups[0]?.instances?.[0] ?? {}, { template: 'nope' });
      },
      /no launch template named "nope".*\n.*autoScalingGroups\[0\]\.instances\[0\]\.template/,
    ],
    [
      'desiredCapacity disagreeing with instances',
      (s: ReturnType<typeof scenario>) => {
        Object.assign(s.autoScalingGroups[0] ?? {}, { desiredCapacity: 3 });
      },
      /must equal the number of "instances".*\n.*autoScalingGroups\[0\]\.desiredCapacity/,
    ],
    [
      'an instance version that is not a positive integer',
      (s: ReturnType<typeof scenario>) => {
        Object.assign(s.autoScalingGroups[0]?.instances?.[0] ?? {}, { version: '1' });
      },
      /autoScalingGroups\[0\]\.instances\[0\]\.version/,
    ],
  ])('%s is rejected', (_, change, message) => {
    const bad = scenario();
    change(bad);
    expect(() => parseScenario(bad)).toThrow(message);
  });
});

describe('a bad scenario is rejected with a message naming the field', () => {
  test.each([
    ['an unknown key', (s: Record<string, unknown>) => Object.assign(s, { extra: 1 }), /extra/],
    [
      'a group with no launch template',
      (s: Record<string, unknown>) => Object.assign(s, { autoScalingGroups: [{ name: 'g' }] }),
      /exactly one of "launchTemplate", "mixedInstancesPolicy", "launchConfigurationName"/,
    ],
    [
      'a reference to a template not in the file',
      (s: Record<string, unknown>) =>
        Object.assign(s, { autoScalingGroups: [{ name: 'g', launchTemplate: { template: 'nope' } }] }),
      /no launch template named "nope".*\n.*autoScalingGroups\[0\]\.launchTemplate\.template/,
    ],
    [
      'a bad version reference',
      (s: Record<string, unknown>) =>
        Object.assign(s, {
          autoScalingGroups: [{ name: 'g', launchTemplate: { template: 'web', version: 'latest' } }],
        }),
      /"\$Default", "\$Latest" or a version number.*\n.*autoScalingGroups\[0\]\.launchTemplate\.version/,
    ],
    [
      'an unknown refresh preset',
      (s: Record<string, unknown>) =>
        Object.assign(s, {
          autoScalingGroups: [{ name: 'g', launchTemplate: { template: 'web' }, refresh: 'explode' }],
        }),
      /must be "succeed", "fail", "rollback", "stuck".*\n.*autoScalingGroups\[0\]\.refresh/,
    ],
    [
      'UserData inside data',
      (s: Record<string, unknown>) =>
        Object.assign(s, { launchTemplates: [{ name: 'web', versions: [{ data: { UserData: 'eA==' } }] }] }),
      /put user data in "userData"/,
    ],
    [
      'a default version that does not exist',
      (s: Record<string, unknown>) =>
        Object.assign(s, { launchTemplates: [{ name: 'web', defaultVersion: 3, versions: [{}] }] }),
      /only 1 version\(s\).*\n.*launchTemplates\[0\]\.defaultVersion/,
    ],
  ])('%s', (_, change, message) => {
    const bad = change({ launchTemplates: [{ name: 'web', versions: [{}] }] });

    expect(() => accountFromScenario(bad)).toThrow(InvalidScenarioError);
    expect(() => parseScenario(bad)).toThrow(message);
  });

  test('an unreadable file names the file', () => {
    expect(() => accountFromScenarioFile('/nonexistent/scenario.json')).toThrow(
      /Cannot read scenario \/nonexistent\/scenario.json/,
    );
  });
});

// The fake's EC2 launch-template model, exercised through the real EC2Client.
import {
  CreateLaunchTemplateVersionCommand,
  DeleteLaunchTemplateVersionsCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  EC2ServiceException,
  ModifyLaunchTemplateCommand,
  paginateDescribeLaunchTemplateVersions,
} from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, test } from 'vitest';
import { FakeAccount } from '../../../src/fake/account.ts';
import { installFakeAccount } from '../../../src/fake/install.ts';

const source = {
  ImageId: 'ami-0123456789abcdef0',
  InstanceType: 't3.micro',
  UserData: Buffer.from('#!/bin/bash\necho old\n').toString('base64'),
  NetworkInterfaces: [{ DeviceIndex: 0, AssociatePublicIpAddress: false, Groups: ['sg-0a1b2c3d'] }],
  BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 20, VolumeType: 'gp3' } }],
  TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'app', Value: 'web' }] }],
};

let account: FakeAccount;
let templateId: string;
const ec2 = new EC2Client({ region: 'eu-west-1' });

beforeEach(() => {
  account = new FakeAccount();
  templateId = account.addLaunchTemplate({
    name: 'web',
    versions: [{ data: source, description: 'base' }, { data: { ...source, InstanceType: 't3.small' } }],
    defaultVersion: 1,
  }).id;
  return installFakeAccount(account).restore;
});

/** The error the SDK call rejected with. */
async function failure(promise: Promise<unknown>): Promise<EC2ServiceException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EC2ServiceException);
  return error as EC2ServiceException;
}

describe('CreateLaunchTemplateVersion (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplateVersion.html)', () => {
  test('SourceVersion inheritance keeps ImageId, NetworkInterfaces, BlockDeviceMappings and TagSpecifications; given fields override', async () => {
    const userData = Buffer.from('#!/bin/bash\necho new\n').toString('base64');

    const out = await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: templateId,
        SourceVersion: '1',
        VersionDescription: 'asg-patcher run-1',
        LaunchTemplateData: { UserData: userData },
      }),
    );

    expect(out.LaunchTemplateVersion?.VersionNumber).toBe(3);
    expect(out.LaunchTemplateVersion?.DefaultVersion).toBe(false);
    expect(account.versionData('web', 3)).toEqual({ ...source, UserData: userData });
    expect(account.snapshot().launchTemplates[0]?.versions[2]?.description).toBe('asg-patcher run-1');
  });

  test('a given top-level field replaces the inherited one whole (no deep merge)', async () => {
    await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateName: 'web',
        SourceVersion: '$Default',
        LaunchTemplateData: { NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: 'subnet-1' }] },
      }),
    );

    expect(account.versionData('web', 3)?.NetworkInterfaces).toEqual([
      { DeviceIndex: 0, SubnetId: 'subnet-1' },
    ]);
    expect(account.versionData('web', 3)?.ImageId).toBe(source.ImageId);
  });

  test('without SourceVersion the new version holds only the given data', async () => {
    await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: templateId,
        LaunchTemplateData: { ImageId: 'ami-2' },
      }),
    );

    expect(account.versionData('web', 3)).toEqual({ ImageId: 'ami-2' });
  });

  test('an unknown SourceVersion is InvalidLaunchTemplateId.VersionNotFound and creates nothing', async () => {
    const error = await failure(
      ec2.send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateId: templateId,
          SourceVersion: '9',
          LaunchTemplateData: { UserData: 'eA==' },
        }),
      ),
    );

    expect(error.name).toBe('InvalidLaunchTemplateId.VersionNotFound');
    expect(account.snapshot().launchTemplates[0]?.latestVersion).toBe(2);
  });

  test('user data over 16 KB raw is refused (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html)', async () => {
    const big = Buffer.alloc(16385, 'a').toString('base64');

    const error = await failure(
      ec2.send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateId: templateId,
          SourceVersion: '1',
          LaunchTemplateData: { UserData: big },
        }),
      ),
    );

    expect(error.name).toBe('InvalidUserData.Malformed');
  });
});

describe('DescribeLaunchTemplateVersions (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplateVersions.html)', () => {
  test('$Default and $Latest resolve to the default and the highest version, by id or by name', async () => {
    const byId = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: templateId,
        Versions: ['$Default', '$Latest'],
      }),
    );
    const byName = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'web', Versions: ['2'] }),
    );

    expect(byId.LaunchTemplateVersions?.map((v) => [v.VersionNumber, v.DefaultVersion])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(byName.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.InstanceType).toBe('t3.small');
    expect(byName.LaunchTemplateVersions?.[0]?.LaunchTemplateId).toBe(templateId);
  });

  test('pages of at most 200 (MaxResults "between 1 and 200"), every version once, through the SDK paginator', async () => {
    const busy = account.addLaunchTemplate({
      name: 'busy',
      versions: Array.from({ length: 450 }, () => ({ data: source })),
    }).id;

    const pages = [];
    for await (const page of paginateDescribeLaunchTemplateVersions(
      { client: ec2, pageSize: 200 },
      { LaunchTemplateId: busy },
    ))
      pages.push(page.LaunchTemplateVersions?.map((v) => v.VersionNumber) ?? []);
    const tooBig = await failure(
      ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: busy, MaxResults: 201 })),
    );

    expect(pages.map((p) => p.length)).toEqual([200, 200, 50]);
    expect(pages.flat().sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
      Array.from({ length: 450 }, (_, i) => i + 1),
    );
    expect(tooBig.name).toBe('InvalidParameterValue');
  });

  test('an unknown id is InvalidLaunchTemplateId.NotFound, an unknown name InvalidLaunchTemplateName.NotFoundException', async () => {
    const byId = await failure(
      ec2.send(
        new DescribeLaunchTemplateVersionsCommand({
          LaunchTemplateId: 'lt-0000000000000ffff',
          Versions: ['1'],
        }),
      ),
    );
    const byName = await failure(
      ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'nope', Versions: ['1'] })),
    );
    const malformed = await failure(
      ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: 'lt-zz', Versions: ['1'] })),
    );
    const version = await failure(
      ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId, Versions: ['7'] })),
    );

    expect(byId.name).toBe('InvalidLaunchTemplateId.NotFound');
    expect(byName.name).toBe('InvalidLaunchTemplateName.NotFoundException');
    expect(malformed.name).toBe('InvalidLaunchTemplateId.Malformed');
    expect(version.name).toBe('InvalidLaunchTemplateId.VersionNotFound');
    expect(byId.$metadata.httpStatusCode).toBe(400);
  });
});

describe('DescribeLaunchTemplates (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplates.html)', () => {
  test('returns default and latest version numbers, by id or name', async () => {
    const out = await ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['web'] }));

    expect(out.LaunchTemplates?.[0]).toMatchObject({
      LaunchTemplateId: templateId,
      LaunchTemplateName: 'web',
      DefaultVersionNumber: 1,
      LatestVersionNumber: 2,
    });
  });
});

describe('ModifyLaunchTemplate and DeleteLaunchTemplateVersions', () => {
  test('ModifyLaunchTemplate sets the default; an unknown version is refused (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyLaunchTemplate.html)', async () => {
    await ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: templateId, DefaultVersion: '2' }));
    const error = await failure(
      ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: templateId, DefaultVersion: '5' })),
    );

    expect(account.snapshot().launchTemplates[0]?.defaultVersion).toBe(2);
    expect(error.name).toBe('InvalidLaunchTemplateId.VersionNotFound');
  });

  test('the default version cannot be deleted: reported in UnsuccessfullyDeleted (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteLaunchTemplateVersions.html)', async () => {
    const out = await ec2.send(
      new DeleteLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId, Versions: ['1', '2', '8'] }),
    );

    expect(out.SuccessfullyDeletedLaunchTemplateVersions?.map((v) => v.VersionNumber)).toEqual([2]);
    expect(
      out.UnsuccessfullyDeletedLaunchTemplateVersions?.map((v) => [v.VersionNumber, v.ResponseError?.Code]),
    ).toEqual([
      [1, 'unexpectedError'],
      [8, 'launchTemplateVersionDoesNotExist'],
    ]);
    expect(account.snapshot().launchTemplates[0]?.versions.map((v) => v.versionNumber)).toEqual([1]);
  });

  test('at most 200 versions per call: a bigger request is refused whole and deletes nothing (same page: "up to 200")', async () => {
    // Prepare: 250 more versions (3 to 252).
    for (let n = 0; n < 250; n++)
      await ec2.send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateId: templateId,
          SourceVersion: '1',
          LaunchTemplateData: {},
        }),
      );
    const versions = Array.from({ length: 201 }, (_, i) => String(i + 2));

    // Act
    const error = await failure(
      ec2.send(new DeleteLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId, Versions: versions })),
    );
    const ok = await ec2.send(
      new DeleteLaunchTemplateVersionsCommand({
        LaunchTemplateId: templateId,
        Versions: versions.slice(0, 200),
      }),
    );

    // Assess
    expect(error.name).toBe('InvalidParameterValue');
    expect(ok.SuccessfullyDeletedLaunchTemplateVersions).toHaveLength(200);
    expect(account.snapshot().launchTemplates[0]?.versions).toHaveLength(52);
  });

  test('version numbers are never reused after a deletion, and $Latest follows the highest remaining', async () => {
    await ec2.send(
      new DeleteLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId, Versions: ['2'] }),
    );
    const latest = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId, Versions: ['$Latest'] }),
    );
    const created = await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: templateId,
        SourceVersion: '$Latest',
        LaunchTemplateData: {},
      }),
    );

    expect(latest.LaunchTemplateVersions?.[0]?.VersionNumber).toBe(1);
    expect(created.LaunchTemplateVersion?.VersionNumber).toBe(3);
  });
});

describe('ClientToken idempotency (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Run_Instance_Idempotency.html)', () => {
  const request = (overrides: Record<string, unknown> = {}) =>
    new CreateLaunchTemplateVersionCommand({
      LaunchTemplateId: templateId,
      SourceVersion: '1',
      VersionDescription: 'asg-patcher run-1',
      LaunchTemplateData: { ImageId: 'ami-new' },
      ClientToken: 'run-1/web/1',
      ...overrides,
    });

  test('the same token with the same parameters answers with the same version and creates no other', async () => {
    const first = await ec2.send(request());
    const retry = await ec2.send(request());

    expect(first.LaunchTemplateVersion?.VersionNumber).toBe(3);
    expect(retry.LaunchTemplateVersion?.VersionNumber).toBe(3);
    expect(account.snapshot().launchTemplates[0]?.latestVersion).toBe(3);
    expect(account.snapshot().launchTemplates[0]?.versions).toHaveLength(3);
  });

  test('the same token with different parameters is IdempotentParameterMismatch, nothing created', async () => {
    await ec2.send(request());

    const error = await failure(ec2.send(request({ LaunchTemplateData: { ImageId: 'ami-other' } })));

    expect(error.name).toBe('IdempotentParameterMismatch');
    expect(error.$fault).toBe('client');
    expect(account.snapshot().launchTemplates[0]?.versions).toHaveLength(3);
  });

  test('different tokens create different versions', async () => {
    await ec2.send(request());
    const second = await ec2.send(request({ ClientToken: 'run-2/web/1' }));
    expect(second.LaunchTemplateVersion?.VersionNumber).toBe(4);
  });
});

describe('snapshots in inherited block device mappings (API_CreateLaunchTemplateVersion.html, SourceVersion)', () => {
  const withSnapshot = [
    { DeviceName: '/dev/xvda', Ebs: { VolumeSize: 20, VolumeType: 'gp3' as const } },
    { DeviceName: '/dev/xvdb', Ebs: { SnapshotId: 'snap-0123456789abcdef0', VolumeSize: 50 } },
  ];
  beforeEach(() => {
    account.addLaunchTemplate({
      name: 'data',
      versions: [{ data: { ...source, BlockDeviceMappings: withSnapshot } }],
    });
  });

  test('"Snapshots ... are ignored when creating a new version unless they are explicitly included"', async () => {
    await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateName: 'data',
        SourceVersion: '1',
        LaunchTemplateData: { ImageId: 'ami-new' },
      }),
    );

    expect(account.versionData('data', 2)?.BlockDeviceMappings).toEqual([
      { DeviceName: '/dev/xvda', Ebs: { VolumeSize: 20, VolumeType: 'gp3' } },
      { DeviceName: '/dev/xvdb', Ebs: { VolumeSize: 50 } },
    ]);
    // The source keeps its snapshot.
    expect(account.versionData('data', 1)?.BlockDeviceMappings).toEqual(withSnapshot);
  });

  test("mappings given in the request replace the source's and keep their snapshots", async () => {
    await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateName: 'data',
        SourceVersion: '1',
        LaunchTemplateData: { ImageId: 'ami-new', BlockDeviceMappings: [withSnapshot[1] ?? {}] },
      }),
    );

    expect(account.versionData('data', 2)?.BlockDeviceMappings).toEqual([withSnapshot[1]]);
  });
});

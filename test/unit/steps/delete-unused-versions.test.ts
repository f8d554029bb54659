import { CreateLaunchTemplateVersionCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { RefreshScript } from '../../../src/fake/account.ts';
import type { RunPlan } from '../../../src/schemas.ts';
import { deleteUnusedVersions } from '../../../src/steps/delete-unused-versions.ts';
import { versionDescription } from '../../../src/steps/lib/run-versions.ts';
import { startInstanceRefresh } from '../../../src/steps/start-instance-refresh.ts';
import {
  buildSettings,
  buildTemplateData,
  buildTemplateRecord,
  deps,
  inputsOf,
  seedGroup,
  templateOf,
  useFakeAccount,
  versionsOf,
} from '../../support/builders.ts';
import {
  prepare,
  promoteAll,
  refreshed,
  restoreAll,
  startInput,
  templateRecord,
} from '../../support/stages.ts';

describe('deleteUnusedVersions', () => {
  const account = useFakeAccount();
  const settings = buildSettings();

  /** `web` on `reference`, run through every phase before the cleanup. */
  async function settled(reference: string, refresh: RefreshScript = 'succeed') {
    const { templateId } = seedGroup(account(), 'web', {
      versions: [buildTemplateData(), buildTemplateData()],
      reference,
      group: { refresh },
    });
    const run: RunPlan = await restoreAll(await promoteAll(await refreshed(['web'])));
    return { templateId, template: templateRecord(run, templateId) };
  }

  it('deletes the run’s version that nothing runs after a rolled-back refresh; the default untouched', async () => {
    // Prepare
    const { templateId, template } = await settled('$Default', 'rollback');
    expect(versionsOf(account(), templateId)).toEqual([1, 2, 3]);

    // Act
    const result = await deleteUnusedVersions({ template, settings }, deps);

    // Assess
    expect(result).toEqual({ deleted: [3], kept: [] });
    expect(inputsOf(account(), 'DeleteLaunchTemplateVersions')).toEqual([
      { LaunchTemplateId: templateId, Versions: ['3'] },
    ]);
    expect(versionsOf(account(), templateId)).toEqual([1, 2]);
    expect(templateOf(account(), templateId).defaultVersion).toBe(1);
  });

  it('keeps the run’s version that became the default, silently, and deletes nothing', async () => {
    const { templateId, template } = await settled('$Default');

    const result = await deleteUnusedVersions({ template, settings }, deps);

    expect(result).toEqual({ deleted: [], kept: [] });
    expect(account().callsOf('DeleteLaunchTemplateVersions')).toEqual([]);
    expect(versionsOf(account(), templateId)).toEqual([1, 2, 3]);
  });

  it('keeps a version a group names or its instances run, saying which', async () => {
    // web is on $Latest (2): its patched version 3 is not the default (1), but web runs it.
    const { templateId, template } = await settled('$Latest');

    const result = await deleteUnusedVersions({ template, settings }, deps);

    expect(result).toEqual({ deleted: [], kept: [{ version: 3, why: 'instances of web run it' }] });
    expect(versionsOf(account(), templateId)).toEqual([1, 2, 3]);
  });

  it('never deletes a version someone else created during the run', async () => {
    const { templateId, template } = await settled('$Default', 'rollback');
    await deps.ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: templateId,
        SourceVersion: '1',
        VersionDescription: 'made by hand',
        LaunchTemplateData: {},
      }),
    );

    const result = await deleteUnusedVersions({ template, settings }, deps);

    expect(result.deleted).toEqual([3]);
    expect(versionsOf(account(), templateId)).toEqual([1, 2, 4]);
  });

  it('keeps a version an active refresh of a follower rolls out (its wait failed, the restore has not stopped it yet)', async () => {
    const { templateId } = seedGroup(account(), 'web', { group: { refresh: ['Pending'] } });
    const run = await prepare(['web']);
    const refresh = await startInstanceRefresh(startInput(run, 'web'), deps);

    const result = await deleteUnusedVersions({ template: templateRecord(run, templateId), settings }, deps);

    expect(result).toEqual({
      deleted: [],
      kept: [{ version: 2, why: `instance refresh ${refresh.instanceRefreshId} of web rolls it out` }],
    });
    expect(versionsOf(account(), templateId)).toEqual([1, 2]);
  });

  it('deletes at most 200 versions per call (the API’s limit)', async () => {
    const description = versionDescription('run-0001', 1);
    const template = account().addLaunchTemplate({
      name: 'busy-lt',
      versions: [
        { data: buildTemplateData() },
        ...Array.from({ length: 201 }, () => ({ data: buildTemplateData(), description })),
      ],
    });
    const record = buildTemplateRecord({
      launchTemplateId: template.id,
      launchTemplateName: 'busy-lt',
      followers: [],
      users: [],
    });

    const result = await deleteUnusedVersions({ template: record, settings }, deps);

    expect(inputsOf(account(), 'DeleteLaunchTemplateVersions').map((i) => i.Versions?.length)).toEqual([
      200, 1,
    ]);
    expect(result.deleted).toHaveLength(201);
    expect(versionsOf(account(), template.id)).toEqual([1]);
  });

  it('a template that no longer exists: nothing to do', async () => {
    const template = buildTemplateRecord({ launchTemplateId: 'lt-0000000000000abcd' });

    expect(await deleteUnusedVersions({ template, settings }, deps)).toEqual({
      deleted: [],
      kept: [],
    });
    expect(account().mutatingCalls()).toEqual([]);
  });
});

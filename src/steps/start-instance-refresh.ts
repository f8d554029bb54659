import {
  type AutoScalingGroup,
  type RefreshPreferences as AwsRefreshPreferences,
  type DesiredConfiguration,
  StartInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import type { AwsDeps } from '../clients.ts';
import {
  AsgNotFoundError,
  GroupChangedError,
  RefreshAlreadyActiveError,
  TemplateNotPreparedError,
} from '../errors.ts';
import type {
  GroupRecord,
  RefreshPreferences,
  RefreshProgress,
  SpecSlot,
  StartInstanceRefreshInput,
  TemplateRecord,
} from '../schemas.ts';
import { isAwsError } from './lib/aws-errors.ts';
import { describeGroup } from './lib/describe-group.ts';
import { isFloatingReference, readSpecs, withVersions } from './lib/launch-template-ref.ts';
import { describeActiveRefresh } from './lib/refresh-status.ts';

/**
 * Starts a rolling instance refresh whose DesiredConfiguration names, for every spec of the group
 * (the main one and each override's), the patched version of its source, or the source itself when
 * it is current. The group must be pinned by now. AWS saves that configuration on the group only if
 * the refresh succeeds, and rolls back to the pinned numbers otherwise. AutoRollback is asked for
 * only where AWS allows it (not with an SSM-parameter AMI).
 * StartInstanceRefresh has no ClientToken: when AWS answers InstanceRefreshInProgress and the active
 * refresh's desired configuration is exactly ours, our own earlier attempt worked (its answer was
 * lost) and that refresh is adopted.
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_StartInstanceRefresh.html
 * @throws TemplateNotPreparedError, GroupChangedError, AsgNotFoundError, RefreshAlreadyActiveError
 *   (someone else's refresh)
 */
export async function startInstanceRefresh(
  input: StartInstanceRefreshInput,
  deps: Pick<AwsDeps, 'autoScaling'>,
): Promise<RefreshProgress> {
  const { group: record } = input;
  const desired = desiredVersions(record, input.templates);
  const group = await describeGroup(record.asgName, deps);
  if (!group) throw new AsgNotFoundError(record.asgName);
  checkPinned(record, group);
  const versionOf = (slot: SpecSlot): number => desired.find((d) => d.slot === slot)?.version ?? 0;
  const configuration = withVersions(group, (slot) => String(versionOf(slot)));
  const startedAt = new Date().toISOString();
  const progress = (instanceRefreshId: string): RefreshProgress => ({
    instanceRefreshId,
    startedAt,
    desired,
    status: 'Pending',
    terminal: false,
    percentageComplete: 0,
    pollCount: 0,
    // The group's own asg-patcher:max-wait-seconds, counted in polls like the run's.
    maxPolls: record.preferences?.maxWaitSeconds
      ? Math.ceil(record.preferences.maxWaitSeconds / input.pollIntervalSeconds)
      : input.maxPolls,
  });
  try {
    const response = await deps.autoScaling.send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: record.asgName,
        Strategy: 'Rolling',
        DesiredConfiguration: configuration,
        Preferences: toAwsPreferences(
          { ...input.refreshPreferences, ...tagged(record) },
          record.rollbackPossible,
        ),
      }),
    );
    if (!response.InstanceRefreshId)
      throw new Error(`StartInstanceRefresh for ${record.asgName} returned no InstanceRefreshId`);
    return progress(response.InstanceRefreshId);
  } catch (error) {
    if (!isAwsError(error, 'InstanceRefreshInProgress')) throw error;
    const active = await describeActiveRefresh(record.asgName, deps);
    if (active?.InstanceRefreshId && sameVersions(active.DesiredConfiguration, desired)) {
      return progress(active.InstanceRefreshId);
    }
    throw new RefreshAlreadyActiveError(record.asgName, { cause: error });
  }
}

/** The refresh preferences the group's own tags set. */
function tagged(record: GroupRecord): Partial<RefreshPreferences> {
  const { minHealthyPercentage, instanceWarmup } = record.preferences ?? {};
  return {
    ...(minHealthyPercentage !== undefined ? { minHealthyPercentage } : {}),
    ...(instanceWarmup !== undefined ? { instanceWarmup } : {}),
  };
}

/** Per spec: the patched version of its source, or the source when the template has nothing new for it. */
function desiredVersions(record: GroupRecord, templates: TemplateRecord[]): RefreshProgress['desired'] {
  return record.specs.map((spec) => {
    const template = templates.find((t) => t.launchTemplateId === spec.launchTemplateId);
    const source = template?.sources.find((s) => s.version === spec.version);
    if (!template || !source || source.action === 'current') {
      return { slot: spec.slot, launchTemplateId: spec.launchTemplateId, version: spec.version };
    }
    const made = template.created?.find((c) => c.sourceVersion === spec.version);
    if (!made) {
      const why = template.createError
        ? `${template.createError.Error} while creating its version`
        : 'its patched version was not created';
      throw new TemplateNotPreparedError(
        record.asgName,
        `${template.launchTemplateName} (${template.launchTemplateId})`,
        why,
      );
    }
    return { slot: spec.slot, launchTemplateId: spec.launchTemplateId, version: made.newVersion };
  });
}

function checkPinned(record: GroupRecord, group: AutoScalingGroup): void {
  for (const { slot, spec } of readSpecs(group) ?? []) {
    const planned = record.specs.find((s) => s.slot === slot);
    if (!planned || spec.LaunchTemplateId !== planned.launchTemplateId) {
      throw new GroupChangedError(
        record.asgName,
        `its launch template spec ${String(slot)} is now ${spec.LaunchTemplateId}`,
      );
    }
    if (isFloatingReference(spec.Version)) {
      throw new TemplateNotPreparedError(
        record.asgName,
        planned.launchTemplateId,
        `the group still follows ${spec.Version}: it was not pinned`,
      );
    }
    if (spec.Version !== String(planned.version)) {
      throw new GroupChangedError(
        record.asgName,
        `spec ${String(slot)} names version ${spec.Version}, the plan pinned ${planned.version}`,
      );
    }
  }
}

/** True when a refresh's desired configuration names exactly these template versions. */
export function sameVersions(
  configuration: DesiredConfiguration | undefined,
  desired: RefreshProgress['desired'],
): boolean {
  if (!configuration) return false;
  const specs = readSpecs(configuration) ?? [];
  return (
    specs.length === desired.length &&
    specs.every(({ slot, spec }) =>
      desired.some(
        (d) =>
          d.slot === slot &&
          d.launchTemplateId === spec.LaunchTemplateId &&
          String(d.version) === spec.Version,
      ),
    )
  );
}

/**
 * Our camelCase preferences (defaults already applied by the schema) as the API's PascalCase;
 * optional ones are sent only when given, so AWS applies its own defaults to the rest.
 */
function toAwsPreferences(preferences: RefreshPreferences, rollbackPossible: boolean): AwsRefreshPreferences {
  const aws: AwsRefreshPreferences = {
    MinHealthyPercentage: preferences.minHealthyPercentage,
    InstanceWarmup: preferences.instanceWarmup,
    // AWS refuses AutoRollback with an SSM-parameter AMI (instance-refresh-rollback.html).
    AutoRollback: preferences.autoRollback && rollbackPossible,
    SkipMatching: preferences.skipMatching,
  };
  if (preferences.maxHealthyPercentage !== undefined)
    aws.MaxHealthyPercentage = preferences.maxHealthyPercentage;
  if (preferences.checkpointPercentages !== undefined)
    aws.CheckpointPercentages = preferences.checkpointPercentages;
  if (preferences.checkpointDelay !== undefined) aws.CheckpointDelay = preferences.checkpointDelay;
  if (preferences.alarmSpecification !== undefined)
    aws.AlarmSpecification = { Alarms: preferences.alarmSpecification.alarms };
  if (preferences.bakeTime !== undefined) aws.BakeTime = preferences.bakeTime;
  if (preferences.scaleInProtectedInstances !== undefined)
    aws.ScaleInProtectedInstances = preferences.scaleInProtectedInstances;
  if (preferences.standbyInstances !== undefined) aws.StandbyInstances = preferences.standbyInstances;
  return aws;
}

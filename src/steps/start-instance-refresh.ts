import {
  type RefreshPreferences as AwsRefreshPreferences,
  StartInstanceRefreshCommand,
} from '@aws-sdk/client-auto-scaling';
import type { AwsDeps } from '../clients.ts';
import { RefreshAlreadyActiveError } from '../errors.ts';
import type {
  RefreshPreferences,
  StartInstanceRefreshInput,
  StartInstanceRefreshOutput,
} from '../schemas.ts';
import { isAwsError } from './lib/aws-errors.ts';
import { launchTemplateReference } from './lib/launch-template-ref.ts';

/**
 * Starts a rolling instance refresh whose DesiredConfiguration is the new numbered version (for a
 * mixed-instances group: its own policy with the launch-template spec's Version replaced), so AWS
 * saves it on the group only if the refresh succeeds and can roll back to the pinned number.
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_StartInstanceRefresh.html
 * @throws RefreshAlreadyActiveError (AWS answered InstanceRefreshInProgress)
 */
export async function startInstanceRefresh(
  input: StartInstanceRefreshInput,
  deps: Pick<AwsDeps, 'autoScaling'>,
): Promise<StartInstanceRefreshOutput> {
  const { target, newVersion } = input;
  const response = await deps.autoScaling
    .send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: target.asgName,
        Strategy: 'Rolling',
        DesiredConfiguration: launchTemplateReference(target, String(newVersion)),
        Preferences: toAwsPreferences(input.refreshPreferences),
      }),
    )
    .catch((error: unknown) => {
      if (isAwsError(error, 'InstanceRefreshInProgress')) {
        throw new RefreshAlreadyActiveError(target.asgName, { cause: error });
      }
      throw error;
    });
  if (!response.InstanceRefreshId) {
    throw new Error(`StartInstanceRefresh for ${target.asgName} returned no InstanceRefreshId`);
  }
  return { instanceRefreshId: response.InstanceRefreshId, startedAt: new Date().toISOString() };
}

/**
 * Our camelCase preferences (defaults already applied by the schema) as the API's PascalCase;
 * optional ones are sent only when given, so AWS applies its own defaults to the rest.
 */
function toAwsPreferences(preferences: RefreshPreferences): AwsRefreshPreferences {
  const aws: AwsRefreshPreferences = {
    MinHealthyPercentage: preferences.minHealthyPercentage,
    InstanceWarmup: preferences.instanceWarmup,
    AutoRollback: preferences.autoRollback,
    SkipMatching: preferences.skipMatching,
  };
  if (preferences.maxHealthyPercentage !== undefined)
    aws.MaxHealthyPercentage = preferences.maxHealthyPercentage;
  if (preferences.checkpointPercentages !== undefined)
    aws.CheckpointPercentages = preferences.checkpointPercentages;
  if (preferences.checkpointDelay !== undefined) aws.CheckpointDelay = preferences.checkpointDelay;
  if (preferences.alarmSpecification !== undefined) {
    aws.AlarmSpecification = { Alarms: preferences.alarmSpecification.alarms };
  }
  if (preferences.bakeTime !== undefined) aws.BakeTime = preferences.bakeTime;
  if (preferences.scaleInProtectedInstances !== undefined) {
    aws.ScaleInProtectedInstances = preferences.scaleInProtectedInstances;
  }
  if (preferences.standbyInstances !== undefined) aws.StandbyInstances = preferences.standbyInstances;
  return aws;
}

/**
 * Reading and writing where an Auto Scaling group keeps its launch template: either `LaunchTemplate`
 * or `MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification`. Used by every step that
 * moves the group's reference (pin, start refresh, promote, restore).
 */
import type {
  AutoScalingGroup,
  LaunchTemplateSpecification,
  MixedInstancesPolicy,
} from '@aws-sdk/client-auto-scaling';
import type { GroupTarget } from '../../schemas.ts';

export interface LaunchTemplateRef {
  source: GroupTarget['source'];
  /** `Version` always set: a missing one is filled in as `$Default`. */
  spec: LaunchTemplateSpecification & { Version: string };
  mixedInstancesPolicy?: MixedInstancesPolicy;
}

/**
 * The group's launch template reference, or undefined when it has none (launch configuration).
 * A spec without `Version` means `$Default`: "If you don't specify a value, the default is
 * $Default" (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LaunchTemplateSpecification.html).
 */
export function readLaunchTemplateRef(group: AutoScalingGroup): LaunchTemplateRef | undefined {
  if (group.LaunchTemplate) {
    return { source: 'LaunchTemplate', spec: withDefaultVersion(group.LaunchTemplate) };
  }
  const mixedSpec = group.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  if (group.MixedInstancesPolicy && mixedSpec) {
    return {
      source: 'MixedInstancesPolicy',
      spec: withDefaultVersion(mixedSpec),
      mixedInstancesPolicy: group.MixedInstancesPolicy,
    };
  }
  return undefined;
}

function withDefaultVersion(spec: LaunchTemplateSpecification): LaunchTemplateRef['spec'] {
  return { ...spec, Version: spec.Version ?? '$Default' };
}

/**
 * The `LaunchTemplate` or `MixedInstancesPolicy` member that points the group (UpdateAutoScalingGroup)
 * or a refresh (StartInstanceRefresh DesiredConfiguration) at `version` of the target's template.
 * Mixed-instances groups get their own policy back with only the spec's Version replaced, so
 * Overrides and InstancesDistribution stay as they were. The spec names the template by id only:
 * AWS wants an id or a name, not both.
 */
export function launchTemplateReference(
  target: GroupTarget,
  version: string,
): { LaunchTemplate: LaunchTemplateSpecification } | { MixedInstancesPolicy: MixedInstancesPolicy } {
  const spec: LaunchTemplateSpecification = { LaunchTemplateId: target.launchTemplateId, Version: version };
  if (target.source === 'LaunchTemplate') return { LaunchTemplate: spec };
  const policy = target.mixedInstancesPolicy;
  if (!isMixedInstancesPolicy(policy)) {
    throw new TypeError(
      `Target ${target.asgName} has source MixedInstancesPolicy but no mixedInstancesPolicy; LookupLaunchTemplate sets it`,
    );
  }
  return {
    MixedInstancesPolicy: {
      ...policy,
      LaunchTemplate: { ...policy.LaunchTemplate, LaunchTemplateSpecification: spec },
    },
  };
}

/** The policy as stored in the state data (a JSON record of what DescribeAutoScalingGroups returned). */
function isMixedInstancesPolicy(value: unknown): value is MixedInstancesPolicy {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for the references AWS resolves at launch time (`$Default`, `$Latest`), which a refresh cannot roll back to. */
export function isFloatingReference(reference: string): reference is '$Default' | '$Latest' {
  return reference === '$Default' || reference === '$Latest';
}

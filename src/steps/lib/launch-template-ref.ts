/**
 * Reading and writing where an Auto Scaling group names its launch templates: `LaunchTemplate`, or
 * the mixed-instances policy's `LaunchTemplateSpecification` plus any override that carries its own
 * `LaunchTemplateSpecification` ("you can specify a different launch template for an instance type",
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LaunchTemplateOverrides.html).
 * Every step that moves a group's references (pin, start refresh, restore) goes through here.
 */
import type {
  AutoScalingGroup,
  LaunchTemplateSpecification,
  MixedInstancesPolicy,
} from '@aws-sdk/client-auto-scaling';
import type { SpecSlot } from '../../schemas.ts';

export interface SpecAt {
  slot: SpecSlot;
  /** `Version` always set: a missing one is filled in as `$Default`. */
  spec: LaunchTemplateSpecification & { Version: string };
}

/**
 * The group's launch template specs, main first, or undefined when it has none (launch
 * configuration). A spec without `Version` means `$Default`: "If you don't specify a value, the
 * default is $Default" (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LaunchTemplateSpecification.html).
 */
export function readSpecs(
  group: Pick<AutoScalingGroup, 'LaunchTemplate' | 'MixedInstancesPolicy'>,
): SpecAt[] | undefined {
  if (group.LaunchTemplate) return [{ slot: 'main', spec: withDefaultVersion(group.LaunchTemplate) }];
  const mixed = group.MixedInstancesPolicy?.LaunchTemplate;
  if (!mixed?.LaunchTemplateSpecification) return undefined;
  const specs: SpecAt[] = [{ slot: 'main', spec: withDefaultVersion(mixed.LaunchTemplateSpecification) }];
  (mixed.Overrides ?? []).forEach((override, index) => {
    if (override.LaunchTemplateSpecification) {
      specs.push({ slot: index, spec: withDefaultVersion(override.LaunchTemplateSpecification) });
    }
  });
  return specs;
}

function withDefaultVersion(spec: LaunchTemplateSpecification): SpecAt['spec'] {
  return { ...spec, Version: spec.Version ?? '$Default' };
}

/**
 * The `LaunchTemplate` or `MixedInstancesPolicy` member that points the group (UpdateAutoScalingGroup)
 * or a refresh (StartInstanceRefresh DesiredConfiguration) at `versionOf(slot)` for every spec. A
 * mixed-instances group gets its own policy back with only the specs' versions replaced, so the
 * instance types, weights and distribution stay as they are. Specs name the template by id only:
 * AWS wants an id or a name, not both.
 */
export function withVersions(
  group: AutoScalingGroup,
  versionOf: (slot: SpecSlot, current: SpecAt['spec']) => string,
): { LaunchTemplate: LaunchTemplateSpecification } | { MixedInstancesPolicy: MixedInstancesPolicy } {
  const respec = (slot: SpecSlot, spec: LaunchTemplateSpecification): LaunchTemplateSpecification => ({
    LaunchTemplateId: spec.LaunchTemplateId,
    Version: versionOf(slot, withDefaultVersion(spec)),
  });
  if (group.LaunchTemplate) return { LaunchTemplate: respec('main', group.LaunchTemplate) };
  const policy = group.MixedInstancesPolicy;
  const mixed = policy?.LaunchTemplate;
  if (!policy || !mixed?.LaunchTemplateSpecification) {
    throw new TypeError(`Auto Scaling group ${group.AutoScalingGroupName} names no launch template`);
  }
  return {
    MixedInstancesPolicy: {
      ...policy,
      LaunchTemplate: {
        ...mixed,
        LaunchTemplateSpecification: respec('main', mixed.LaunchTemplateSpecification),
        ...(mixed.Overrides
          ? {
              Overrides: mixed.Overrides.map((override, index) =>
                override.LaunchTemplateSpecification
                  ? {
                      ...override,
                      LaunchTemplateSpecification: respec(index, override.LaunchTemplateSpecification),
                    }
                  : override,
              ),
            }
          : {}),
      },
    },
  };
}

/** True for the references AWS resolves at launch time (`$Default`, `$Latest`), which a refresh cannot roll back to. */
export function isFloatingReference(reference: string): reference is '$Default' | '$Latest' {
  return reference === '$Default' || reference === '$Latest';
}

/**
 * The launch template and version each instance runs, as DescribeAutoScalingGroups reports it in
 * `Instances[].LaunchTemplate` (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Instance.html).
 * Instances without one (launched from a launch configuration) are left out.
 */
export function instanceVersions(group: AutoScalingGroup): { launchTemplateId: string; version: string }[] {
  return (group.Instances ?? []).flatMap((instance) => {
    const spec = instance.LaunchTemplate;
    if (!spec?.LaunchTemplateId || !spec.Version) return [];
    return [{ launchTemplateId: spec.LaunchTemplateId, version: spec.Version }];
  });
}

/**
 * Which spec each instance launched from: an instance whose type is an override's with its own
 * launch template came from that override's spec, every other instance from the main spec
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LaunchTemplateOverrides.html).
 * So a group whose main spec and an override name the same template at two versions is read per
 * spec, not per template.
 */
export function instancesBySlot(
  group: AutoScalingGroup,
): { slot: SpecSlot; launchTemplateId: string; version: string }[] {
  const overrides = group.MixedInstancesPolicy?.LaunchTemplate?.Overrides ?? [];
  return (group.Instances ?? []).flatMap((instance) => {
    const spec = instance.LaunchTemplate;
    if (!spec?.LaunchTemplateId || !spec.Version) return [];
    const index = overrides.findIndex(
      (o) => o.LaunchTemplateSpecification && o.InstanceType === instance.InstanceType,
    );
    return [
      { slot: index >= 0 ? index : 'main', launchTemplateId: spec.LaunchTemplateId, version: spec.Version },
    ];
  });
}

/**
 * EC2 Spot for an Auto Scaling group: a mixed instances policy that launches every instance on
 * Spot from the group's launch template, over a couple of instance types so one pool short of
 * capacity does not stop a launch.
 *
 * The launch template itself stays on demand (no `instanceMarketOptions`): Auto Scaling refuses a
 * template that requests Spot in a mixed instances policy, which decides the purchase option.
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-mixed-instances-groups.html
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_InstancesDistribution.html
 */
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

/**
 * The Spot types of a group whose instances are `instanceType`: that type first, then the next of
 * `sizes` (smallest first), which fits whatever the type fits. A type not in `sizes` (or the
 * largest) stands alone.
 * @example spotInstanceTypes("t4g.nano", ["t4g.nano", "t4g.micro"]) → ["t4g.nano", "t4g.micro"]
 */
export function spotInstanceTypes(instanceType: string, sizes: readonly string[]): string[] {
  const i = sizes.indexOf(instanceType);
  const next = i >= 0 ? sizes[i + 1] : undefined;
  return next ? [instanceType, next] : [instanceType];
}

/**
 * The group's purchase: every instance on Spot (no on-demand base, none above it), placed by
 * price-capacity-optimized (the pools least likely to be interrupted, then the cheapest), over
 * `instanceTypes` (the first is the one the estimate prices).
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/allocation-strategies.html
 */
export function spotMixedInstancesPolicy(
  launchTemplate: { id: pulumi.Input<string>; version: pulumi.Input<string> },
  instanceTypes: readonly string[],
): aws.types.input.autoscaling.GroupMixedInstancesPolicy {
  return {
    instancesDistribution: {
      onDemandBaseCapacity: 0,
      onDemandPercentageAboveBaseCapacity: 0,
      spotAllocationStrategy: "price-capacity-optimized",
    },
    launchTemplate: {
      launchTemplateSpecification: {
        launchTemplateId: launchTemplate.id,
        version: launchTemplate.version,
      },
      overrides: instanceTypes.map((instanceType) => ({ instanceType })),
    },
  };
}

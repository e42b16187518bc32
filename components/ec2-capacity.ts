/**
 * EC2 capacity for an ECS cluster, for tasks Fargate cannot run (a VPN sidecar needs NET_ADMIN and
 * /dev/net/tun): ECS-optimized arm64 instances, IMDSv2 only, encrypted volumes, in an Auto Scaling
 * group that ECS scales (managed scaling) and keeps from terminating busy instances.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { serviceTrustPolicy } from "./iam";
import type { Network } from "./network";
import { spotInstanceTypes, spotMixedInstancesPolicy } from "./spot";
import { transform, type Transform } from "./transform";

/** The ECS-optimized Amazon Linux 2023 AMI for arm64, resolved by EC2 at every launch. */
export const ECS_AMI =
  "resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id";

export interface Ec2CapacitySize {
  /** An arm64 (Graviton) instance type: the AMI is arm64. */
  instanceType: string;
  /** Instances the group keeps at least and at most. */
  min: number;
  max: number;
  /**
   * Root volume (gp3, encrypted), in GiB.
   * @default 30
   */
  volumeSize?: number;
  /**
   * How full ECS keeps the group, in percent of its capacity (100: no spare instance).
   * @default 100
   */
  targetCapacity?: number;
  /**
   * EC2 detailed monitoring: the instances' metrics every minute instead of every five, each
   * billed as a custom metric (7 an instance).
   * @default true
   */
  detailedMonitoring?: boolean;
  /**
   * Run the instances on EC2 Spot (`instanceType` or the next T4g size, price-capacity-optimized,
   * capacity rebalancing on), with ECS Spot draining: on the two-minute interruption warning ECS
   * stops placing tasks there and starts their replacements elsewhere.
   * @default false
   */
  spot?: boolean;
}

/** An instance type's vCPUs and memory (GiB), as EC2 lists it. */
export interface InstanceShape {
  vcpus: number;
  memoryGiB: number;
}

/**
 * Graviton burstable types, smallest first: what `smallestInstanceType` picks from.
 * https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html (T4g)
 */
export const GRAVITON_INSTANCE_TYPES: Readonly<Record<string, InstanceShape>> = {
  "t4g.nano": { vcpus: 2, memoryGiB: 0.5 },
  "t4g.micro": { vcpus: 2, memoryGiB: 1 },
  "t4g.small": { vcpus: 2, memoryGiB: 2 },
  "t4g.medium": { vcpus: 2, memoryGiB: 4 },
  "t4g.large": { vcpus: 2, memoryGiB: 8 },
  "t4g.xlarge": { vcpus: 4, memoryGiB: 16 },
  "t4g.2xlarge": { vcpus: 8, memoryGiB: 32 },
};

/**
 * The share of an instance's memory ECS cannot give tasks. The agent registers what the kernel
 * leaves (AWS's example: an m4.large's 8 GiB register as 7985 MiB, 2.5% less), and AWS advises
 * keeping a buffer for the agent and system processes (AWS Batch's guide: 5%). 10% covers both on
 * the smallest types, where the kernel takes a larger share.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/memory-management.html
 * https://docs.aws.amazon.com/batch/latest/userguide/ecs-reserved-memory.html
 */
export const ECS_MEMORY_RESERVE = 0.1;

/** CPU units and MiB an instance of `shape` offers tasks: 1024 units a vCPU, memory less the reserve. */
export function taskCapacityOf(shape: InstanceShape): { cpu: number; memory: number } {
  return {
    cpu: shape.vcpus * 1024,
    memory: Math.floor(shape.memoryGiB * 1024 * (1 - ECS_MEMORY_RESERVE)),
  };
}

/**
 * The smallest instance type of `types` (in their order) on which all `tasks` fit at once: their
 * task-level CPU units and memory (MiB) summed, against what each type offers tasks.
 * @example smallestInstanceType([{ cpu: 256, memory: 512 }]) === "t4g.micro"
 */
export function smallestInstanceType(
  tasks: readonly { cpu: number; memory: number }[],
  types: Readonly<Record<string, InstanceShape>> = GRAVITON_INSTANCE_TYPES,
): string {
  const cpu = tasks.reduce((sum, t) => sum + t.cpu, 0);
  const memory = tasks.reduce((sum, t) => sum + t.memory, 0);
  const fits = Object.entries(types).find(([, shape]) => {
    const offered = taskCapacityOf(shape);
    return offered.cpu >= cpu && offered.memory >= memory;
  });
  if (!fits) {
    throw new Error(
      `no instance type of ${Object.keys(types).join(", ")} fits ${cpu} CPU units and ${memory} MiB of tasks`,
    );
  }
  return fits[0];
}

export interface Ec2CapacityArgs extends Ec2CapacitySize {
  /** Instances in its private subnets. */
  network: Network;
  /** The cluster the instances join. */
  clusterName: pulumi.Input<string>;
  transform?: Ec2CapacityTransforms;
}

export interface Ec2CapacityTransforms {
  /** The instances' launch template (AMI, type, metadata options, volume, user data). */
  launchTemplate?: Transform<aws.ec2.LaunchTemplateArgs>;
  /** The Auto Scaling group of the instances. */
  autoScalingGroup?: Transform<aws.autoscaling.GroupArgs>;
  /** The ECS capacity provider over the group (managed scaling and termination protection). */
  capacityProvider?: Transform<aws.ecs.CapacityProviderArgs>;
}

/**
 * The instances' user data: join the cluster, and keep awsvpc tasks away from the instance's IMDS.
 * On Spot, also drain on the interruption warning (off by default in the agent).
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/spot-instance-draining-linux-container.html
 */
export function ecsUserData(clusterName: string, spot = false): string {
  const config = [
    `ECS_CLUSTER=${clusterName}`,
    "ECS_ENABLE_CONTAINER_METADATA=true",
    "ECS_AWSVPC_BLOCK_IMDS=true",
    ...(spot ? ["ECS_ENABLE_SPOT_INSTANCE_DRAINING=true"] : []),
  ];
  return Buffer.from(
    `#!/bin/bash\ncat >> /etc/ecs/ecs.config <<'EOF'\n${config.join("\n")}\nEOF\n`,
  ).toString("base64");
}

/**
 * The capacity provider `<name>-ec2` with its instance role and profile (`<name>-instance`),
 * security group, launch template and group (`<name>-instances`). Created with the caller's
 * options, so they sit under the caller.
 */
export function ec2Capacity(
  name: string,
  args: Ec2CapacityArgs,
  opts: Pick<pulumi.CustomResourceOptions, "parent" | "provider">,
): aws.ecs.CapacityProvider {
  const hooks = args.transform ?? {};
  const spot = args.spot ?? false;
  const role = new aws.iam.Role(
    `${name}-instance`,
    { assumeRolePolicy: pulumi.jsonStringify(serviceTrustPolicy("ec2.amazonaws.com")) },
    opts,
  );
  const ecsPolicy = new aws.iam.RolePolicyAttachment(
    `${name}-instance-ecs`,
    {
      role: role.name,
      policyArn: pulumi.interpolate`arn:${aws.getPartitionOutput({}, opts).partition}:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role`,
    },
    opts,
  );
  const profile = new aws.iam.InstanceProfile(`${name}-instance`, { role: role.name }, opts);
  const group = new aws.ec2.SecurityGroup(
    `${name}-instances`,
    { vpcId: args.network.vpcId, description: `${name}: ECS container instances (no ingress)` },
    opts,
  );
  new aws.vpc.SecurityGroupEgressRule(
    `${name}-instances-https-out`,
    {
      securityGroupId: group.id,
      description: "ECS agent, ECR and CloudWatch over HTTPS",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    },
    opts,
  );
  const template = new aws.ec2.LaunchTemplate(
    ...transform(
      hooks.launchTemplate,
      `${name}-instances`,
      {
        imageId: ECS_AMI,
        instanceType: args.instanceType,
        iamInstanceProfile: { arn: profile.arn },
        vpcSecurityGroupIds: [group.id],
        // Hop limit 1: containers in awsvpc tasks cannot reach the instance's credentials.
        metadataOptions: {
          httpTokens: "required",
          httpPutResponseHopLimit: 1,
          httpEndpoint: "enabled",
        },
        blockDeviceMappings: [
          {
            deviceName: "/dev/xvda",
            ebs: {
              volumeSize: args.volumeSize ?? 30,
              volumeType: "gp3",
              encrypted: "true",
              deleteOnTermination: "true",
            },
          },
        ],
        monitoring: { enabled: args.detailedMonitoring ?? true },
        userData: pulumi.output(args.clusterName).apply((c) => ecsUserData(c, spot)),
      },
      opts,
    ),
  );
  const instances = new aws.autoscaling.Group(
    ...transform(
      hooks.autoScalingGroup,
      `${name}-instances`,
      {
        vpcZoneIdentifiers: args.network.privateSubnetIds,
        minSize: args.min,
        maxSize: args.max,
        // ECS's managed scaling and termination protection act on the group's instances whatever
        // their purchase option; no instance weights, so each type counts as one instance, as
        // managed scaling's arithmetic expects. The template stays without instanceMarketOptions.
        // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/asg-capacity-providers.html
        ...(spot
          ? {
              mixedInstancesPolicy: spotMixedInstancesPolicy(
                { id: template.id, version: "$Latest" },
                spotInstanceTypes(args.instanceType, Object.keys(GRAVITON_INSTANCE_TYPES)),
              ),
              capacityRebalance: true,
            }
          : { launchTemplate: { id: template.id, version: "$Latest" } }),
        protectFromScaleIn: true,
        // ECS's managed termination protection keeps instances protected while tasks run: without
        // force delete, destroying the group waits for instances that are never released.
        forceDelete: true,
        healthCheckType: "EC2",
        tags: [{ key: "AmazonECSManaged", value: "true", propagateAtLaunch: true }],
      },
      // The ECS agent registers with the role's policy at boot: it exists before any instance.
      { ...opts, dependsOn: [ecsPolicy], ignoreChanges: ["desiredCapacity"] },
    ),
  );
  return new aws.ecs.CapacityProvider(
    ...transform(
      hooks.capacityProvider,
      `${name}-ec2`,
      {
        autoScalingGroupProvider: {
          autoScalingGroupArn: instances.arn,
          managedTerminationProtection: "ENABLED",
          // ECS drains an instance before Auto Scaling terminates it, whatever the reason (scale-in,
          // instance refresh, Capacity Rebalancing, which the Spot warning does not cover). AWS's
          // default on create; stated, so the plan shows it and deploy-asg-spot can check it.
          // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/enable-managed-instance-draining.html
          managedDraining: "ENABLED",
          managedScaling: {
            status: "ENABLED",
            targetCapacity: args.targetCapacity ?? 100,
            minimumScalingStepSize: 1,
            maximumScalingStepSize: 2,
          },
        },
      },
      opts,
    ),
  );
}

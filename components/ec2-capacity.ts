/**
 * EC2 capacity for an ECS cluster, for tasks Fargate cannot run (a VPN sidecar needs NET_ADMIN and
 * /dev/net/tun): ECS-optimized arm64 instances, IMDSv2 only, encrypted volumes, in an Auto Scaling
 * group that ECS scales (managed scaling) and keeps from terminating busy instances.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { serviceTrustPolicy } from "./iam";
import type { Network } from "./network";
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

/** The instances' user data: join the cluster, and keep awsvpc tasks away from the instance's IMDS. */
export function ecsUserData(clusterName: string): string {
  return Buffer.from(
    `#!/bin/bash\ncat >> /etc/ecs/ecs.config <<'EOF'\nECS_CLUSTER=${clusterName}\nECS_ENABLE_CONTAINER_METADATA=true\nECS_AWSVPC_BLOCK_IMDS=true\nEOF\n`,
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
  opts: pulumi.CustomResourceOptions,
): aws.ecs.CapacityProvider {
  const hooks = args.transform ?? {};
  const role = new aws.iam.Role(
    `${name}-instance`,
    { assumeRolePolicy: pulumi.jsonStringify(serviceTrustPolicy("ec2.amazonaws.com")) },
    opts,
  );
  new aws.iam.RolePolicyAttachment(
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
        monitoring: { enabled: true },
        userData: pulumi.output(args.clusterName).apply(ecsUserData),
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
        launchTemplate: { id: template.id, version: "$Latest" },
        protectFromScaleIn: true,
        // ECS's managed termination protection keeps instances protected while tasks run: without
        // force delete, destroying the group waits for instances that are never released.
        forceDelete: true,
        healthCheckType: "EC2",
        tags: [{ key: "AmazonECSManaged", value: "true", propagateAtLaunch: true }],
      },
      { ...opts, ignoreChanges: ["desiredCapacity"] },
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

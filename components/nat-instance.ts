/**
 * A NAT instance, the fck-nat pattern with AWS's own AMI: a static network interface that the
 * private route tables point at, and an Auto Scaling group of exactly one small Graviton instance
 * that attaches it at boot. A replaced instance takes the same interface, so no route changes.
 *
 * Why an Auto Scaling group rather than one aws.ec2.Instance with automatic recovery: recovery
 * acts only on a failed system status check (the host), keeps the AMI the instance was launched
 * with, and does nothing when the instance is stopped or terminated. The group replaces an
 * instance that fails either status check or disappears, and every replacement boots the newest
 * AL2023 AMI (`resolve:ssm:` is read at launch), so patching is an instance refresh. What it costs:
 * the instance calls two EC2 APIs at boot (attach the interface, turn off its own interface's
 * source/destination check), and its first interface takes a public IPv4 address of its own.
 *
 * AWS's AMI over fck-nat's: Amazon Linux 2023 is patched and published by AWS under the public SSM
 * parameter, carries the SSM agent and AWS CLI, and needs no third-party account's AMI in the
 * launch path; the NAT itself is ten lines of user data (ip_forward and an nftables masquerade).
 *
 * https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { GRAVITON_INSTANCE_TYPES } from "./ec2-capacity";
import { policyDocument, serviceTrustPolicy } from "./iam";
import { spotInstanceTypes, spotMixedInstancesPolicy } from "./spot";
import { transform, type Transform } from "./transform";

/** AWS's Amazon Linux 2023 AMI for arm64, resolved by EC2 at every launch. */
export const AL2023_ARM64_AMI =
  "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";

/** The tag EC2 puts on the instance and its interfaces; the instance's own permissions key on it. */
export const NAT_INSTANCE_TAG = "platform:nat-instance";

/**
 * The root volume, GiB: AL2023's AMI snapshot is 8 GiB, and a volume is at least its snapshot's
 * size (https://docs.aws.amazon.com/ebs/latest/userguide/ebs-creating-volume.html).
 */
export const NAT_ROOT_VOLUME_GIB = 8;

export interface NatInstanceArgs {
  /** The VPC the instance serves. */
  vpcId: pulumi.Input<string>;
  /** The VPC's block: the only source the instance forwards and admits. */
  vpcCidrBlock: string;
  /** A public subnet (routed to the internet gateway): the interface and the instance sit there. */
  subnetId: pulumi.Input<string>;
  /**
   * What gives the public subnet its way out (the internet gateway, the subnet's default route and
   * route table association): the instance calls the EC2 API through it at boot, so the group
   * waits for it.
   */
  internetPath: pulumi.Resource[];
  /**
   * A Graviton (arm64) type: the AMI is arm64. t4g.nano forwards up to 5 Gbit/s in bursts and
   * about 32 Mbit/s sustained (https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html#gp_network).
   * @default "t4g.nano"
   */
  instanceType?: string;
  /**
   * Run the instance on EC2 Spot (`instanceType` or the next T4g size, price-capacity-optimized,
   * capacity rebalancing on): a fraction of the price, and egress stops for a minute or two when
   * EC2 reclaims it, until the group's replacement attaches the interface.
   * @default false
   */
  spot?: boolean;
  /**
   * Where the "NAT instance down" alarm notifies (SNS topic ARNs).
   * @default [] (the alarm shows in the console only)
   */
  alarmActions?: pulumi.Input<string>[];
  /** Hooks over the children's args, run after the component's own (see transform.ts). */
  transform?: NatInstanceTransforms;
}

/** Escape hatches: one hook per kind of child of a `NatInstance`. */
export interface NatInstanceTransforms {
  /** The static interface the routes point at. */
  networkInterface?: Transform<aws.ec2.NetworkInterfaceArgs>;
  /** The security group of both interfaces. */
  securityGroup?: Transform<aws.ec2.SecurityGroupArgs>;
  /** The launch template (AMI, type, metadata options, volume, user data). */
  launchTemplate?: Transform<aws.ec2.LaunchTemplateArgs>;
  /** The group of one. */
  autoScalingGroup?: Transform<aws.autoscaling.GroupArgs>;
  /** The "no instance in service" alarm. */
  alarm?: Transform<aws.cloudwatch.MetricAlarmArgs>;
}

/**
 * The instance's user data: forward and masquerade the VPC's traffic out of the first interface,
 * turn off that interface's source/destination check (replies to the VPC leave through it), then
 * attach the static interface, retrying while a terminating predecessor still holds it.
 * Settings go to sysctl.d and nftables.conf, so a reboot keeps them. User data runs once: a step
 * that still fails after its retries (IAM grants still propagating, a package mirror down) shuts
 * the instance down, and the launch template's terminate-on-shutdown lets the group replace it,
 * rather than leave an instance in service that forwards nothing.
 */
export function natInstanceUserData(eniId: string, vpcCidrBlock: string): string {
  const script = `#!/bin/bash
set -Eeuo pipefail
trap 'echo "nat-instance: boot failed at line $LINENO; shutting down for a replacement"; shutdown -h now' ERR
retry() { for i in 1 2 3 4 5 6 7 8 9 10; do "$@" && return 0; sleep 6; done; return 1; }
TOKEN=$(curl -sf -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 300" http://169.254.169.254/latest/api/token)
imds() { curl -sf -H "X-aws-ec2-metadata-token: $TOKEN" "http://169.254.169.254/latest/meta-data/$1"; }
REGION=$(imds placement/region)
INSTANCE=$(imds instance-id)
PRIMARY_ENI=$(imds "network/interfaces/macs/$(imds mac)/interface-id")
PUBLIC_IF=$(ip -o route show default | awk '{print $5; exit}')

cat > /etc/sysctl.d/90-nat-instance.conf <<'EOF'
net.ipv4.ip_forward = 1
net.ipv4.conf.all.rp_filter = 0
net.ipv4.conf.default.rp_filter = 0
EOF
sysctl --system >/dev/null

retry dnf install -y nftables
cat > /etc/sysconfig/nftables.conf <<EOF
table ip nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr ${vpcCidrBlock} oifname "$PUBLIC_IF" masquerade
  }
}
EOF
systemctl enable --now nftables

retry aws ec2 modify-network-interface-attribute --region "$REGION" --network-interface-id "$PRIMARY_ENI" --no-source-dest-check
until aws ec2 attach-network-interface --region "$REGION" --instance-id "$INSTANCE" --network-interface-id ${eniId} --device-index 1; do
  sleep 5
done
`;
  return Buffer.from(script).toString("base64");
}

/**
 * One NAT instance in a public subnet: its static interface (`<name>-eni`, source/destination
 * check off), security group, role and profile (`<name>`), launch template and group, and an
 * alarm when no instance is in service. Regional: pass the region's provider in `opts.provider`.
 */
export class NatInstance extends pulumi.ComponentResource {
  /** The static interface: point `0.0.0.0/0` routes at `networkInterface.id`. */
  public readonly networkInterface: aws.ec2.NetworkInterface;
  public readonly securityGroup: aws.ec2.SecurityGroup;
  public readonly role: aws.iam.Role;
  public readonly launchTemplate: aws.ec2.LaunchTemplate;
  public readonly autoScalingGroup: aws.autoscaling.Group;
  public readonly alarm: aws.cloudwatch.MetricAlarm;

  constructor(name: string, args: NatInstanceArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:network:NatInstance", name, {}, opts);
    const hooks = args.transform ?? {};
    const parent = { parent: this };
    const tags = { Name: name, [NAT_INSTANCE_TAG]: name };

    // ---- normalize ----
    const instanceType = args.instanceType ?? "t4g.nano";
    const spot = args.spot ?? false;

    // ---- create ----
    this.securityGroup = new aws.ec2.SecurityGroup(
      ...transform(
        hooks.securityGroup,
        name,
        {
          vpcId: args.vpcId,
          description: `${name}: NAT for ${args.vpcCidrBlock}`,
          tags: { Name: name },
        },
        parent,
      ),
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-from-vpc`,
      {
        securityGroupId: this.securityGroup.id,
        description: "Everything the VPC sends to the internet",
        ipProtocol: "-1",
        cidrIpv4: args.vpcCidrBlock,
      },
      parent,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-to-internet`,
      {
        securityGroupId: this.securityGroup.id,
        description: "Forwarded traffic and the instance itself (EC2, SSM, package repositories)",
        ipProtocol: "-1",
        cidrIpv4: "0.0.0.0/0",
      },
      parent,
    );
    this.networkInterface = new aws.ec2.NetworkInterface(
      ...transform(
        hooks.networkInterface,
        `${name}-eni`,
        {
          subnetId: args.subnetId,
          securityGroups: [this.securityGroup.id],
          // Traffic addressed to the internet, not to the interface: the check would drop it.
          sourceDestCheck: false,
          description: `${name}: the private route tables' target`,
          tags,
        },
        parent,
      ),
    );
    const { role, grants } = this.createRole(name);
    this.role = role;
    const profile = new aws.iam.InstanceProfile(name, { role: this.role.name }, parent);
    this.launchTemplate = new aws.ec2.LaunchTemplate(
      ...transform(
        hooks.launchTemplate,
        name,
        {
          description: `${name}: NAT instance`,
          imageId: AL2023_ARM64_AMI,
          instanceType,
          iamInstanceProfile: { arn: profile.arn },
          // Hop limit 1: nothing on the host runs in containers.
          metadataOptions: {
            httpTokens: "required",
            httpPutResponseHopLimit: 1,
            httpEndpoint: "enabled",
          },
          // The first interface reaches the internet itself (EC2 API at boot, forwarded traffic).
          networkInterfaces: [
            {
              deviceIndex: 0,
              associatePublicIpAddress: "true",
              deleteOnTermination: "true",
              securityGroups: [this.securityGroup.id],
            },
          ],
          blockDeviceMappings: [
            {
              deviceName: "/dev/xvda",
              ebs: {
                volumeSize: NAT_ROOT_VOLUME_GIB,
                volumeType: "gp3",
                encrypted: "true",
                deleteOnTermination: "true",
              },
            },
          ],
          // Basic monitoring: status checks and group metrics are free; detailed is $2.10 a month.
          monitoring: { enabled: false },
          // A failed boot shuts the instance down (user data); terminated, the group replaces it.
          instanceInitiatedShutdownBehavior: "terminate",
          // Standard credits: a busy NAT slows down rather than billing surplus credits, which T4g
          // launches with by default (unlimited) and the cost estimate cannot see.
          creditSpecification: { cpuCredits: "standard" },
          tagSpecifications: ["instance", "network-interface", "volume"].map((resourceType) => ({
            resourceType,
            tags,
          })),
          userData: this.networkInterface.id.apply((id) =>
            natInstanceUserData(id, args.vpcCidrBlock),
          ),
        },
        parent,
      ),
    );
    this.autoScalingGroup = new aws.autoscaling.Group(
      ...transform(
        hooks.autoScalingGroup,
        name,
        {
          vpcZoneIdentifiers: [args.subnetId],
          minSize: 1,
          maxSize: 1,
          desiredCapacity: 1,
          // A template change rolls the instance (terminate, then launch: a few minutes of no egress).
          ...this.purchase(instanceType, spot),
          instanceRefresh: { strategy: "Rolling", preferences: { minHealthyPercentage: 0 } },
          healthCheckType: "EC2",
          healthCheckGracePeriod: 60,
          // Group metrics are free at one-minute granularity
          // (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-metrics.html).
          enabledMetrics: ["GroupInServiceInstances"],
          metricsGranularity: "1Minute",
          tags: [{ key: "Name", value: name, propagateAtLaunch: true }],
        },
        // The boot calls EC2 with the role's grants through the public route: both exist first.
        { parent: this, dependsOn: [...args.internetPath, ...grants] },
      ),
    );
    this.alarm = this.createAlarm(name, args.alarmActions ?? [], hooks.alarm);

    // ---- expose ----
    this.registerOutputs({
      networkInterfaceId: this.networkInterface.id,
      autoScalingGroupName: this.autoScalingGroup.name,
    });
  }

  /**
   * On demand: the launch template's latest version. On Spot: the same template in a mixed
   * instances policy, and capacity rebalancing, which starts a replacement when EC2 signals an
   * elevated risk of interruption; it waits for the interface until the old instance terminates.
   * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-capacity-rebalancing.html
   */
  private purchase(
    instanceType: string,
    spot: boolean,
  ): Pick<
    aws.autoscaling.GroupArgs,
    "launchTemplate" | "mixedInstancesPolicy" | "capacityRebalance"
  > {
    const template = {
      id: this.launchTemplate.id,
      version: pulumi.interpolate`${this.launchTemplate.latestVersion}`,
    };
    if (!spot) return { launchTemplate: template };
    return {
      mixedInstancesPolicy: spotMixedInstancesPolicy(
        template,
        spotInstanceTypes(instanceType, Object.keys(GRAVITON_INSTANCE_TYPES)),
      ),
      capacityRebalance: true,
    };
  }

  /**
   * The instance's role: Session Manager instead of SSH, attaching its own static interface, and
   * turning off the source/destination check of interfaces tagged as this NAT's.
   */
  private createRole(name: string): { role: aws.iam.Role; grants: pulumi.Resource[] } {
    const parent = { parent: this };
    const partition = aws.getPartitionOutput({}, parent).partition;
    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    const region = aws.getRegionOutput({}, parent).region;
    const role = new aws.iam.Role(
      name,
      {
        description: `${name}: NAT instance`,
        assumeRolePolicy: pulumi.jsonStringify(serviceTrustPolicy("ec2.amazonaws.com")),
      },
      parent,
    );
    const ssm = new aws.iam.RolePolicyAttachment(
      `${name}-ssm`,
      {
        role: role.name,
        policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
      },
      parent,
    );
    const ec2Arn = (kind: string) =>
      pulumi.interpolate`arn:${partition}:ec2:${region}:${account}:${kind}/*`;
    const ownTag = { StringEquals: { [`aws:ResourceTag/${NAT_INSTANCE_TAG}`]: name } };
    const eni = new aws.iam.RolePolicy(
      `${name}-eni`,
      {
        role: role.id,
        policy: pulumi.jsonStringify(
          policyDocument(
            {
              Sid: "AttachTheStaticInterface",
              Effect: "Allow",
              Action: "ec2:AttachNetworkInterface",
              Resource: this.networkInterface.arn,
            },
            {
              Sid: "ToThisNatsInstances",
              Effect: "Allow",
              Action: "ec2:AttachNetworkInterface",
              Resource: ec2Arn("instance"),
              Condition: ownTag,
            },
            {
              Sid: "ForwardOnThisNatsInterfaces",
              Effect: "Allow",
              Action: "ec2:ModifyNetworkInterfaceAttribute",
              Resource: ec2Arn("network-interface"),
              Condition: ownTag,
            },
          ),
        ),
      },
      parent,
    );
    return { role, grants: [ssm, eni] };
  }

  /** "No NAT instance in service" for five minutes: a replacement takes two or three. */
  private createAlarm(
    name: string,
    actions: pulumi.Input<string>[],
    hook: Transform<aws.cloudwatch.MetricAlarmArgs> | undefined,
  ): aws.cloudwatch.MetricAlarm {
    return new aws.cloudwatch.MetricAlarm(
      ...transform(
        hook,
        `${name}-down`,
        {
          alarmDescription: `${name}: no NAT instance in service; the private subnets have no internet egress`,
          namespace: "AWS/AutoScaling",
          metricName: "GroupInServiceInstances",
          dimensions: { AutoScalingGroupName: this.autoScalingGroup.name },
          statistic: "Minimum",
          comparisonOperator: "LessThanThreshold",
          threshold: 1,
          period: 60,
          evaluationPeriods: 5,
          datapointsToAlarm: 5,
          // Group metrics are best effort and never backfilled: a gap is not an outage.
          treatMissingData: "missing",
          alarmActions: actions,
          okActions: actions,
        },
        { parent: this },
      ),
    );
  }
}

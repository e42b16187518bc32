import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { MAX_AZS, MIN_AZS, planSubnets, type AzSubnets } from "./cidr";
import { policyDocument, serviceTrustPolicy } from "./iam";
import type { LogRetentionDays } from "./profile";

/** How private subnets reach the internet. */
export const NAT_STRATEGIES = ["none", "single", "perAz"] as const;
export type NatStrategy = (typeof NAT_STRATEGIES)[number];

/** Gateway endpoints are free and keep S3 and DynamoDB traffic off the NAT gateways. */
export type GatewayEndpointService = "s3" | "dynamodb";

export interface NetworkArgs {
  /**
   * The VPC's IPv4 block, RFC 1918, /16 to /23. Subnets are carved from it by `planSubnets`:
   * private /n+3, public and isolated /n+5 per AZ.
   * @example "10.10.0.0/16"
   */
  cidrBlock: string;
  /**
   * Availability zone names in the provider's region, 2 to 4. Plain strings (not an invoke) so the
   * subnets are known at preview time.
   * @example ["us-east-1a", "us-east-1b"]
   */
  availabilityZones: string[];
  /**
   * NAT gateways for the private subnets: `none` (no internet egress), `single` (one in the first
   * AZ, shared: cheap, one AZ's failure cuts egress) or `perAz` (one per AZ, each AZ routes through its own).
   * @default "single"
   */
  natStrategy?: NatStrategy;
  /** VPC flow logs, always on, to a CloudWatch log group of their own. */
  flowLogs?: {
    /**
     * Retention of the flow log group, in days.
     * @default 14
     */
    retentionInDays?: LogRetentionDays;
    /**
     * Which traffic to record.
     * @default "ALL"
     */
    trafficType?: "ACCEPT" | "REJECT" | "ALL";
    /**
     * Seconds over which a flow is aggregated into one record: 60 or 600.
     * @default 600
     */
    maxAggregationInterval?: 60 | 600;
  };
  /**
   * Gateway endpoints attached to every private and isolated route table.
   * @default ["s3", "dynamodb"]
   */
  gatewayEndpoints?: GatewayEndpointService[];
}

/** The subnets and route table of one tier in one AZ. */
export interface TierSubnet {
  readonly availabilityZone: string;
  readonly cidrBlock: string;
  readonly subnet: aws.ec2.Subnet;
  readonly routeTable: aws.ec2.RouteTable;
}

/** How many NAT gateways a strategy creates for `azCount` AZs. */
export function natGatewayCount(strategy: NatStrategy, azCount: number): number {
  return { none: 0, single: 1, perAz: azCount }[strategy];
}

/** Which NAT gateway the private subnet of AZ `azIndex` routes through, or undefined for none. */
export function natGatewayIndexFor(strategy: NatStrategy, azIndex: number): number | undefined {
  return { none: undefined, single: 0, perAz: azIndex }[strategy];
}

/**
 * A VPC across 2 to 4 AZs with public, private and isolated subnets, an internet gateway, NAT per
 * strategy, one route table per private and isolated subnet (so peering and endpoint routes land
 * everywhere), S3 and DynamoDB gateway endpoints, flow logs, and a default security group with no rules.
 *
 * Regional: pass the region's provider in `opts.provider`.
 */
export class Network extends pulumi.ComponentResource {
  /** The VPC's block, a plain string so peers and security rules can use it at preview time. */
  public readonly cidrBlock: string;
  public readonly availabilityZones: readonly string[];
  public readonly vpc: aws.ec2.Vpc;
  public readonly vpcId: pulumi.Output<string>;
  /** The region of the provider this network was created with. */
  public readonly region: pulumi.Output<string>;
  public readonly internetGateway: aws.ec2.InternetGateway;
  public readonly public: readonly TierSubnet[];
  public readonly private: readonly TierSubnet[];
  public readonly isolated: readonly TierSubnet[];
  public readonly publicSubnetIds: pulumi.Output<string>[];
  public readonly privateSubnetIds: pulumi.Output<string>[];
  public readonly isolatedSubnetIds: pulumi.Output<string>[];
  /** Every private and isolated route table: where peering and endpoint routes go. */
  public readonly internalRouteTables: readonly aws.ec2.RouteTable[];
  public readonly natGateways: readonly aws.ec2.NatGateway[];
  public readonly gatewayEndpoints: readonly aws.ec2.VpcEndpoint[];
  public readonly flowLog: aws.ec2.FlowLog;
  public readonly flowLogGroup: aws.cloudwatch.LogGroup;
  public readonly defaultSecurityGroup: aws.ec2.DefaultSecurityGroup;

  constructor(name: string, args: NetworkArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:network:Network", name, {}, opts);

    // Normalize: validate early, with the arg's name, before any child exists.
    const azs = [...args.availabilityZones];
    if (azs.length < MIN_AZS || azs.length > MAX_AZS) {
      throw new Error(
        `Network ${name}: availabilityZones must list ${MIN_AZS} to ${MAX_AZS} AZs, got ${azs.length}`,
      );
    }
    let layout: AzSubnets[];
    try {
      layout = planSubnets(args.cidrBlock, azs.length);
    } catch (err) {
      throw new Error(`Network ${name}: cidrBlock ${(err as Error).message}`);
    }
    const natStrategy = args.natStrategy ?? "single";
    if (!NAT_STRATEGIES.includes(natStrategy)) {
      throw new Error(
        `Network ${name}: natStrategy must be none, single or perAz, not ${String(natStrategy)}`,
      );
    }
    const flowLogs = {
      retentionInDays: args.flowLogs?.retentionInDays ?? 14,
      trafficType: args.flowLogs?.trafficType ?? "ALL",
      maxAggregationInterval: args.flowLogs?.maxAggregationInterval ?? 600,
    };
    const endpointServices = args.gatewayEndpoints ?? ["s3", "dynamodb"];
    const parent = { parent: this };
    const nameTag = (role: string) => ({ Name: `${name}-${role}` });

    // Create.
    const region = aws.getRegionOutput({}, parent).region;
    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    const partition = aws.getPartitionOutput({}, parent).partition;

    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: args.cidrBlock,
        enableDnsSupport: true,
        enableDnsHostnames: true,
        tags: nameTag("vpc"),
      },
      parent,
    );

    // Adopting the default group with no rules strips its allow-all rules (FSBP EC2.2).
    const defaultSecurityGroup = new aws.ec2.DefaultSecurityGroup(
      `${name}-default-sg`,
      { vpcId: vpc.id, ingress: [], egress: [], tags: nameTag("default-do-not-use") },
      parent,
    );

    const internetGateway = new aws.ec2.InternetGateway(
      `${name}-igw`,
      { vpcId: vpc.id, tags: nameTag("igw") },
      parent,
    );

    const tier = (kind: "public" | "private" | "isolated", az: string, i: number, cidr: string) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-${kind}-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: cidr,
          availabilityZone: az,
          // Nothing launches with a public IP by accident (FSBP EC2.15); NAT and ALBs need none.
          mapPublicIpOnLaunch: false,
          tags: { ...nameTag(`${kind}-${az}`), "platform:tier": kind },
        },
        parent,
      );
      const routeTable = new aws.ec2.RouteTable(
        `${name}-${kind}-rt-${i}`,
        { vpcId: vpc.id, tags: { ...nameTag(`${kind}-${az}`), "platform:tier": kind } },
        parent,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-${kind}-rta-${i}`,
        { subnetId: subnet.id, routeTableId: routeTable.id },
        parent,
      );
      return { availabilityZone: az, cidrBlock: cidr, subnet, routeTable };
    };

    const publicTier = layout.map((l) => tier("public", azs[l.index]!, l.index, l.public));
    const privateTier = layout.map((l) => tier("private", azs[l.index]!, l.index, l.private));
    const isolatedTier = layout.map((l) => tier("isolated", azs[l.index]!, l.index, l.isolated));

    publicTier.forEach((t, i) => {
      new aws.ec2.Route(
        `${name}-public-internet-${i}`,
        {
          routeTableId: t.routeTable.id,
          destinationCidrBlock: "0.0.0.0/0",
          gatewayId: internetGateway.id,
        },
        parent,
      );
    });

    const natGateways = Array.from({ length: natGatewayCount(natStrategy, azs.length) }, (_, i) => {
      const eip = new aws.ec2.Eip(
        `${name}-nat-eip-${i}`,
        { domain: "vpc", tags: nameTag(`nat-${i}`) },
        parent,
      );
      return new aws.ec2.NatGateway(
        `${name}-nat-${i}`,
        {
          allocationId: eip.id,
          subnetId: publicTier[i]!.subnet.id,
          tags: nameTag(`nat-${azs[i]}`),
        },
        { parent: this, dependsOn: [internetGateway] },
      );
    });

    privateTier.forEach((t, i) => {
      const nat = natGatewayIndexFor(natStrategy, i);
      if (nat === undefined) return;
      new aws.ec2.Route(
        `${name}-private-nat-${i}`,
        {
          routeTableId: t.routeTable.id,
          destinationCidrBlock: "0.0.0.0/0",
          natGatewayId: natGateways[nat]!.id,
        },
        parent,
      );
    });

    const internalRouteTables = [...privateTier, ...isolatedTier].map((t) => t.routeTable);
    const gatewayEndpoints = endpointServices.map(
      (service) =>
        new aws.ec2.VpcEndpoint(
          `${name}-${service}-endpoint`,
          {
            vpcId: vpc.id,
            vpcEndpointType: "Gateway",
            serviceName: pulumi.interpolate`com.amazonaws.${region}.${service}`,
            routeTableIds: internalRouteTables.map((rt) => rt.id),
            tags: nameTag(`${service}-endpoint`),
          },
          parent,
        ),
    );

    const flowLogGroup = new aws.cloudwatch.LogGroup(
      `${name}-flow-logs`,
      { retentionInDays: flowLogs.retentionInDays, tags: nameTag("flow-logs") },
      parent,
    );
    const flowLogRole = new aws.iam.Role(
      `${name}-flow-logs-role`,
      {
        description: `VPC flow logs of ${name} to CloudWatch Logs`,
        assumeRolePolicy: pulumi.jsonStringify(
          serviceTrustPolicy("vpc-flow-logs.amazonaws.com", {
            sourceAccount: account,
            sourceArn: pulumi.interpolate`arn:${partition}:ec2:${region}:${account}:vpc-flow-log/*`,
          }),
        ),
      },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-flow-logs-policy`,
      {
        role: flowLogRole.id,
        policy: pulumi.jsonStringify(
          policyDocument({
            Effect: "Allow",
            Action: [
              "logs:CreateLogStream",
              "logs:PutLogEvents",
              "logs:DescribeLogGroups",
              "logs:DescribeLogStreams",
            ],
            Resource: [flowLogGroup.arn, pulumi.interpolate`${flowLogGroup.arn}:*`],
          }),
        ),
      },
      parent,
    );
    const flowLog = new aws.ec2.FlowLog(
      `${name}-flow-log`,
      {
        vpcId: vpc.id,
        trafficType: flowLogs.trafficType,
        logDestinationType: "cloud-watch-logs",
        logDestination: flowLogGroup.arn,
        iamRoleArn: flowLogRole.arn,
        maxAggregationInterval: flowLogs.maxAggregationInterval,
        tags: nameTag("flow-log"),
      },
      parent,
    );

    // Expose.
    this.cidrBlock = args.cidrBlock;
    this.availabilityZones = azs;
    this.vpc = vpc;
    this.vpcId = vpc.id;
    this.region = region;
    this.internetGateway = internetGateway;
    this.public = publicTier;
    this.private = privateTier;
    this.isolated = isolatedTier;
    this.publicSubnetIds = publicTier.map((t) => t.subnet.id);
    this.privateSubnetIds = privateTier.map((t) => t.subnet.id);
    this.isolatedSubnetIds = isolatedTier.map((t) => t.subnet.id);
    this.internalRouteTables = internalRouteTables;
    this.natGateways = natGateways;
    this.gatewayEndpoints = gatewayEndpoints;
    this.flowLog = flowLog;
    this.flowLogGroup = flowLogGroup;
    this.defaultSecurityGroup = defaultSecurityGroup;
    this.registerOutputs({
      vpcId: this.vpcId,
      cidrBlock: this.cidrBlock,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      isolatedSubnetIds: this.isolatedSubnetIds,
    });
  }
}

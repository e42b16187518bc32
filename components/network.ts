import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { MAX_AZS, MIN_AZS, planSubnets, type AzSubnets } from "./cidr";
import { policyDocument, serviceTrustPolicy } from "./iam";
import { NatInstance, type NatInstanceTransforms } from "./nat-instance";
import { transform, type Transform } from "./transform";
import type { LogRetentionDays } from "./profile";

/** How private subnets reach the internet. */
export const NAT_STRATEGIES = ["none", "single", "perAz", "instance"] as const;
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
   * How the private subnets reach the internet: `none` (they do not), `single` (one NAT gateway in
   * the first AZ, shared: one AZ's failure cuts egress), `perAz` (a NAT gateway per AZ, each AZ
   * routes through its own) or `instance` (one NAT instance in the first AZ, shared: a fraction of
   * a gateway's price, a small instance's bandwidth, minutes of outage while it is replaced).
   * @default "single"
   */
  natStrategy?: NatStrategy;
  /** The NAT instance of the `instance` strategy. */
  natInstance?: {
    /**
     * A Graviton (arm64) instance type.
     * @default "t4g.nano"
     */
    instanceType?: string;
    /**
     * Run it on EC2 Spot (see `NatInstanceArgs.spot`).
     * @default false
     */
    spot?: boolean;
    /**
     * Where its "no instance in service" alarm notifies (SNS topic ARNs).
     * @default []
     */
    alarmActions?: pulumi.Input<string>[];
  };
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
  /** Hooks over the children's args, run after the component's own (see transform.ts). */
  transform?: NetworkTransforms;
}

/** Escape hatches: one hook per kind of child of a `Network`. */
export interface NetworkTransforms {
  /** The VPC (tenancy, IPv6, tags). */
  vpc?: Transform<aws.ec2.VpcArgs>;
  /** Each subnet of every tier (the name tells which: `<network>-<tier>-<az index>`). */
  subnet?: Transform<aws.ec2.SubnetArgs>;
  /** Each route table of every tier. */
  routeTable?: Transform<aws.ec2.RouteTableArgs>;
  /** Each NAT gateway. */
  natGateway?: Transform<aws.ec2.NatGatewayArgs>;
  /** Each gateway endpoint (S3, DynamoDB): add a policy. */
  gatewayEndpoint?: Transform<aws.ec2.VpcEndpointArgs>;
  /** The flow log (format, destination options). */
  flowLog?: Transform<aws.ec2.FlowLogArgs>;
  /** The NAT instance's children (strategy `instance`). */
  natInstance?: NatInstanceTransforms;
  /** The flow log's log group. */
  flowLogGroup?: Transform<aws.cloudwatch.LogGroupArgs>;
}

/** `args` with defaults applied and the subnets planned, or the problem with them. */
export interface ResolvedNetwork {
  readonly layout: AzSubnets[];
  readonly natStrategy: NatStrategy;
  readonly flowLogs: Required<NonNullable<NetworkArgs["flowLogs"]>>;
  readonly gatewayEndpoints: GatewayEndpointService[];
}

/** Validates `args` early, each problem naming its arg, and plans the subnets. */
export function resolveNetworkArgs(args: NetworkArgs): ResolvedNetwork | { problem: string } {
  const azs = args.availabilityZones.length;
  if (azs < MIN_AZS || azs > MAX_AZS) {
    return { problem: `availabilityZones must list ${MIN_AZS} to ${MAX_AZS} AZs, got ${azs}` };
  }
  let layout: AzSubnets[];
  try {
    layout = planSubnets(args.cidrBlock, azs);
  } catch (err) {
    return { problem: `cidrBlock ${(err as Error).message}` };
  }
  const natStrategy = args.natStrategy ?? "single";
  if (!NAT_STRATEGIES.includes(natStrategy)) {
    return {
      problem: `natStrategy must be ${NAT_STRATEGIES.join(", ")}, not ${String(natStrategy)}`,
    };
  }
  return {
    layout,
    natStrategy,
    flowLogs: {
      retentionInDays: args.flowLogs?.retentionInDays ?? 14,
      trafficType: args.flowLogs?.trafficType ?? "ALL",
      maxAggregationInterval: args.flowLogs?.maxAggregationInterval ?? 600,
    },
    gatewayEndpoints: args.gatewayEndpoints ?? ["s3", "dynamodb"],
  };
}

/** The subnets and route table of one tier in one AZ. */
export interface TierSubnet {
  readonly availabilityZone: string;
  readonly cidrBlock: string;
  readonly subnet: aws.ec2.Subnet;
  readonly routeTable: aws.ec2.RouteTable;
  readonly routeTableAssociation: aws.ec2.RouteTableAssociation;
}

/** How many NAT gateways a strategy creates for `azCount` AZs. */
export function natGatewayCount(strategy: NatStrategy, azCount: number): number {
  return { none: 0, single: 1, perAz: azCount, instance: 0 }[strategy];
}

/** Which NAT gateway the private subnet of AZ `azIndex` routes through, or undefined for none. */
export function natGatewayIndexFor(strategy: NatStrategy, azIndex: number): number | undefined {
  return { none: undefined, single: 0, perAz: azIndex, instance: undefined }[strategy];
}

/** Where a private subnet's `0.0.0.0/0` route goes: a NAT gateway or the NAT instance, by index. */
export interface NatTarget {
  readonly kind: "gateway" | "instance";
  /** The gateway's index, which is also its AZ's; 0 for the instance (first AZ). */
  readonly index: number;
}

/** The default route of each private subnet over `azCount` AZs (undefined: none). */
export function natRoutes(strategy: NatStrategy, azCount: number): (NatTarget | undefined)[] {
  return Array.from({ length: azCount }, (_, az): NatTarget | undefined => {
    if (strategy === "instance") return { kind: "instance", index: 0 };
    const gateway = natGatewayIndexFor(strategy, az);
    return gateway === undefined ? undefined : { kind: "gateway", index: gateway };
  });
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
  /** The NAT instance of the `instance` strategy, in the first AZ's public subnet. */
  public readonly natInstance: NatInstance | undefined;
  /**
   * What the private subnets' internet egress rests on: the NAT gateways or the NAT instance's
   * group, and the private default routes. Whatever calls out of a private subnet while the stack
   * deploys (a Lambda invocation) depends on it; the VPC has no interface endpoints.
   */
  public readonly privateEgress: readonly pulumi.Resource[];
  public readonly gatewayEndpoints: readonly aws.ec2.VpcEndpoint[];
  public readonly flowLog: aws.ec2.FlowLog;
  public readonly flowLogGroup: aws.cloudwatch.LogGroup;
  public readonly defaultSecurityGroup: aws.ec2.DefaultSecurityGroup;

  private readonly name: string;
  private readonly hooks: NetworkTransforms;

  constructor(name: string, args: NetworkArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("platform:network:Network", name, {}, opts);
    this.name = name;
    this.hooks = args.transform ?? {};

    // ---- normalize: validate early, with the arg's name, before any child exists ----
    const resolved = resolveNetworkArgs(args);
    if ("problem" in resolved) throw new Error(`Network ${name}: ${resolved.problem}`);
    const azs = [...args.availabilityZones];

    // ---- create ----
    this.region = aws.getRegionOutput({}, { parent: this }).region;
    this.vpc = this.createVpc(args.cidrBlock);
    // Adopting the default group with no rules strips its allow-all rules (FSBP EC2.2).
    this.defaultSecurityGroup = new aws.ec2.DefaultSecurityGroup(
      `${name}-default-sg`,
      { vpcId: this.vpc.id, ingress: [], egress: [], tags: this.nameTag("default-do-not-use") },
      { parent: this },
    );
    this.internetGateway = new aws.ec2.InternetGateway(
      `${name}-igw`,
      { vpcId: this.vpc.id, tags: this.nameTag("igw") },
      { parent: this },
    );
    const { layout } = resolved;
    this.public = layout.map((l) => this.createTier("public", azs[l.index]!, l.index, l.public));
    this.private = layout.map((l) => this.createTier("private", azs[l.index]!, l.index, l.private));
    this.isolated = layout.map((l) =>
      this.createTier("isolated", azs[l.index]!, l.index, l.isolated),
    );
    const publicRoutes = this.routePublicToInternet();
    this.natGateways = this.createNatGateways(resolved.natStrategy);
    this.natInstance =
      resolved.natStrategy === "instance"
        ? this.createNatInstance(args, [
            this.internetGateway,
            publicRoutes[0]!,
            this.public[0]!.routeTableAssociation,
          ])
        : undefined;
    const privateRoutes = this.routePrivateToNat(resolved.natStrategy);
    this.internalRouteTables = [...this.private, ...this.isolated].map((t) => t.routeTable);
    this.gatewayEndpoints = resolved.gatewayEndpoints.map((s) => this.createGatewayEndpoint(s));
    this.flowLogGroup = this.createFlowLogGroup(resolved.flowLogs.retentionInDays);
    this.flowLog = this.createFlowLog(resolved.flowLogs);

    // ---- expose ----
    this.cidrBlock = args.cidrBlock;
    this.availabilityZones = azs;
    this.vpcId = this.vpc.id;
    this.publicSubnetIds = this.public.map((t) => t.subnet.id);
    this.privateSubnetIds = this.private.map((t) => t.subnet.id);
    this.isolatedSubnetIds = this.isolated.map((t) => t.subnet.id);
    this.privateEgress = [
      ...this.natGateways,
      ...(this.natInstance ? [this.natInstance.autoScalingGroup] : []),
      ...privateRoutes,
    ];
    this.registerOutputs({
      vpcId: this.vpcId,
      cidrBlock: this.cidrBlock,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      isolatedSubnetIds: this.isolatedSubnetIds,
    });
  }

  private nameTag(role: string): Record<string, string> {
    return { Name: `${this.name}-${role}` };
  }

  private createVpc(cidrBlock: string): aws.ec2.Vpc {
    return new aws.ec2.Vpc(
      ...transform(
        this.hooks.vpc,
        `${this.name}-vpc`,
        {
          cidrBlock,
          enableDnsSupport: true,
          enableDnsHostnames: true,
          tags: this.nameTag("vpc"),
        },
        { parent: this },
      ),
    );
  }

  /** One subnet of a tier in one AZ, with a route table of its own. */
  private createTier(
    kind: "public" | "private" | "isolated",
    az: string,
    i: number,
    cidr: string,
  ): TierSubnet {
    const tags = { ...this.nameTag(`${kind}-${az}`), "platform:tier": kind };
    const subnet = new aws.ec2.Subnet(
      ...transform(
        this.hooks.subnet,
        `${this.name}-${kind}-${i}`,
        {
          vpcId: this.vpc.id,
          cidrBlock: cidr,
          availabilityZone: az,
          // Nothing launches with a public IP by accident (FSBP EC2.15); NAT and ALBs need none.
          mapPublicIpOnLaunch: false,
          tags,
        },
        { parent: this },
      ),
    );
    const routeTable = new aws.ec2.RouteTable(
      ...transform(
        this.hooks.routeTable,
        `${this.name}-${kind}-rt-${i}`,
        { vpcId: this.vpc.id, tags },
        { parent: this },
      ),
    );
    const routeTableAssociation = new aws.ec2.RouteTableAssociation(
      `${this.name}-${kind}-rta-${i}`,
      { subnetId: subnet.id, routeTableId: routeTable.id },
      { parent: this },
    );
    return { availabilityZone: az, cidrBlock: cidr, subnet, routeTable, routeTableAssociation };
  }

  private routePublicToInternet(): aws.ec2.Route[] {
    return this.public.map(
      (t, i) =>
        new aws.ec2.Route(
          `${this.name}-public-internet-${i}`,
          {
            routeTableId: t.routeTable.id,
            destinationCidrBlock: "0.0.0.0/0",
            gatewayId: this.internetGateway.id,
          },
          { parent: this },
        ),
    );
  }

  /** NAT gateways in the public subnets. */
  private createNatGateways(strategy: NatStrategy): aws.ec2.NatGateway[] {
    const azs = this.public.map((t) => t.availabilityZone);
    return Array.from({ length: natGatewayCount(strategy, azs.length) }, (_, i) => {
      const eip = new aws.ec2.Eip(
        `${this.name}-nat-eip-${i}`,
        { domain: "vpc", tags: this.nameTag(`nat-${i}`) },
        { parent: this },
      );
      return new aws.ec2.NatGateway(
        ...transform(
          this.hooks.natGateway,
          `${this.name}-nat-${i}`,
          {
            allocationId: eip.id,
            subnetId: this.public[i]!.subnet.id,
            tags: this.nameTag(`nat-${azs[i]}`),
          },
          { parent: this, dependsOn: [this.internetGateway] },
        ),
      );
    });
  }

  /** The NAT instance in the first AZ's public subnet, reaching the internet through `path`. */
  private createNatInstance(args: NetworkArgs, path: pulumi.Resource[]): NatInstance {
    return new NatInstance(
      `${this.name}-nat`,
      {
        vpcId: this.vpc.id,
        vpcCidrBlock: args.cidrBlock,
        subnetId: this.public[0]!.subnet.id,
        internetPath: path,
        instanceType: args.natInstance?.instanceType,
        spot: args.natInstance?.spot,
        alarmActions: args.natInstance?.alarmActions,
        transform: this.hooks.natInstance,
      },
      { parent: this },
    );
  }

  /** Each private subnet's default route, to its NAT gateway or to the NAT instance's interface. */
  private routePrivateToNat(strategy: NatStrategy): aws.ec2.Route[] {
    return natRoutes(strategy, this.private.length).flatMap((target, i) => {
      if (target === undefined) return [];
      return new aws.ec2.Route(
        `${this.name}-private-nat-${i}`,
        {
          routeTableId: this.private[i]!.routeTable.id,
          destinationCidrBlock: "0.0.0.0/0",
          ...(target.kind === "gateway"
            ? { natGatewayId: this.natGateways[target.index]!.id }
            : { networkInterfaceId: this.natInstance!.networkInterface.id }),
        },
        { parent: this },
      );
    });
  }

  /** A gateway endpoint in every private and isolated route table. */
  private createGatewayEndpoint(service: GatewayEndpointService): aws.ec2.VpcEndpoint {
    return new aws.ec2.VpcEndpoint(
      ...transform(
        this.hooks.gatewayEndpoint,
        `${this.name}-${service}-endpoint`,
        {
          vpcId: this.vpc.id,
          vpcEndpointType: "Gateway",
          serviceName: pulumi.interpolate`com.amazonaws.${this.region}.${service}`,
          routeTableIds: this.internalRouteTables.map((rt) => rt.id),
          tags: this.nameTag(`${service}-endpoint`),
        },
        { parent: this },
      ),
    );
  }

  private createFlowLogGroup(retentionInDays: number): aws.cloudwatch.LogGroup {
    return new aws.cloudwatch.LogGroup(
      ...transform(
        this.hooks.flowLogGroup,
        `${this.name}-flow-logs`,
        { retentionInDays, tags: this.nameTag("flow-logs") },
        { parent: this },
      ),
    );
  }

  /** The VPC's flow log, written by a role that may write only to its group. */
  private createFlowLog(settings: ResolvedNetwork["flowLogs"]): aws.ec2.FlowLog {
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const role = new aws.iam.Role(
      `${this.name}-flow-logs-role`,
      {
        description: `VPC flow logs of ${this.name} to CloudWatch Logs`,
        assumeRolePolicy: pulumi.jsonStringify(
          serviceTrustPolicy("vpc-flow-logs.amazonaws.com", {
            sourceAccount: account,
            sourceArn: pulumi.interpolate`arn:${partition}:ec2:${this.region}:${account}:vpc-flow-log/*`,
          }),
        ),
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${this.name}-flow-logs-policy`,
      {
        role: role.id,
        policy: pulumi.jsonStringify(
          policyDocument({
            Effect: "Allow",
            Action: [
              "logs:CreateLogStream",
              "logs:PutLogEvents",
              "logs:DescribeLogGroups",
              "logs:DescribeLogStreams",
            ],
            Resource: [this.flowLogGroup.arn, pulumi.interpolate`${this.flowLogGroup.arn}:*`],
          }),
        ),
      },
      { parent: this },
    );
    return new aws.ec2.FlowLog(
      ...transform(
        this.hooks.flowLog,
        `${this.name}-flow-log`,
        {
          vpcId: this.vpc.id,
          trafficType: settings.trafficType,
          logDestinationType: "cloud-watch-logs",
          logDestination: this.flowLogGroup.arn,
          iamRoleArn: role.arn,
          maxAggregationInterval: settings.maxAggregationInterval,
          tags: this.nameTag("flow-log"),
        },
        { parent: this },
      ),
    );
  }
}

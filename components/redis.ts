import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { admitCaller, storeSecret, type StoreCaller } from "./data-stores";
import type { Network } from "./network";
import { transform, type Transform } from "./transform";
import type { EnvironmentProfile } from "./profile";

export const REDIS_PORT = 6379;

/** Settings of each environment profile: each can be overridden. */
export const REDIS_PROFILES = {
  dev: { nodeType: "cache.t4g.micro", nodes: 1, snapshotRetentionDays: 1 },
  // 1.37 GiB each, a primary and its replica: the bus holds seconds of market data (docs/cost.md).
  prod: { nodeType: "cache.t4g.small", nodes: 2, snapshotRetentionDays: 7 },
} as const;

export interface RedisArgs {
  /** The network whose isolated subnets hold the nodes. */
  network: Network;
  /**
   * Environment profile: one node in dev; primary and replica with automatic failover across AZs
   * in prod.
   * @default "dev"
   */
  profile?: EnvironmentProfile;
  /** @default the profile's (cache.t4g.micro in dev, cache.t4g.small in prod) */
  nodeType?: string;
  /**
   * Nodes: 1 is a primary alone; 2 or more add replicas, failover and Multi-AZ.
   * @default the profile's
   */
  nodes?: number;
  /** @default the profile's (1 day in dev, 7 in prod) */
  snapshotRetentionDays?: number;
  /**
   * Regions besides the network's whose services read `urlSecretArn` there (a replica of the
   * secret per region, since ECS reads secrets in the task's region).
   * @default []
   */
  secretReplicaRegions?: string[];
  /**
   * Valkey engine version; the parameter group's family follows its major (`valkey8`).
   * @default "8.0"
   */
  engineVersion?: string;
  /**
   * Daily snapshot window, UTC `hh:mm-hh:mm`.
   * @default "05:00-06:00"
   */
  snapshotWindow?: string;
  /**
   * Weekly maintenance window, UTC `ddd:hh:mm-ddd:hh:mm`, after the snapshot.
   * @default "sun:06:30-sun:07:30"
   */
  maintenanceWindow?: string;
  /** Hooks over the children's args, run after the component's own (see transform.ts). */
  transform?: RedisTransforms;
}

/** Escape hatches: one hook per kind of child of a `Redis`. */
export interface RedisTransforms {
  /** The replication group (data tiering, log delivery, notifications...). */
  replicationGroup?: Transform<aws.elasticache.ReplicationGroupArgs>;
  /** The parameter group (add `parameters`). */
  parameterGroup?: Transform<aws.elasticache.ParameterGroupArgs>;
  /** The subnet group. */
  subnetGroup?: Transform<aws.elasticache.SubnetGroupArgs>;
  /** The nodes' security group. */
  securityGroup?: Transform<aws.ec2.SecurityGroupArgs>;
}

/** Problems with `args` (empty when valid). */
export function redisProblems(args: RedisArgs): string[] {
  const nodes = args.nodes ?? REDIS_PROFILES[args.profile ?? "dev"].nodes;
  const engineVersion = args.engineVersion ?? "8.0";
  return [
    ...(Number.isInteger(nodes) && nodes >= 1 && nodes <= 6
      ? []
      : [`nodes: must be 1 to 6 (got ${nodes})`]),
    ...(/^\d+\.\d+$/.test(engineVersion)
      ? []
      : [`engineVersion: ${engineVersion} must be major.minor`]),
  ];
}

/**
 * An ElastiCache Valkey (Redis OSS-compatible) replication group in isolated subnets: encrypted at
 * rest and in transit, an auth token generated into the one secret services read (a ready
 * `rediss://` URL), its own parameter group and snapshots, and a security group that admits
 * nothing until a group (same region) or a CIDR (a peer region) is allowed.
 */
export class Redis extends pulumi.ComponentResource {
  public readonly replicationGroup: aws.elasticache.ReplicationGroup;
  public readonly securityGroup: aws.ec2.SecurityGroup;
  /** `rediss://:<token>@<primary endpoint>:6379`: what services take as `REDIS_URL`. */
  public readonly urlSecret: aws.secretsmanager.Secret;
  public readonly primaryEndpoint: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly urlSecretArn: pulumi.Output<string>;
  /** The URL's value: what services reading `urlSecretArn` wait for. */
  public readonly urlSecretVersion: aws.secretsmanager.SecretVersion;
  private readonly name: string;
  private readonly hooks: RedisTransforms;

  constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:data:Redis", name, {}, opts);
    this.name = name;
    this.hooks = args.transform ?? {};

    // ---- normalize ----
    const problems = redisProblems(args);
    if (problems.length > 0) throw new Error(`Redis ${name}:\n  ${problems.join("\n  ")}`);
    const profile = REDIS_PROFILES[args.profile ?? "dev"];
    const nodes = args.nodes ?? profile.nodes;
    const engineVersion = args.engineVersion ?? "8.0";

    // ---- create ----
    this.securityGroup = this.createSecurityGroup(args.network);
    // ElastiCache accepts printable ASCII auth tokens without @, " and /: letters and digits suffice.
    const token = new random.RandomPassword(
      `${name}-auth-token`,
      { length: 48, special: false },
      { parent: this },
    );
    this.replicationGroup = this.createReplicationGroup(args, token, {
      nodes,
      engineVersion,
      nodeType: args.nodeType ?? profile.nodeType,
      snapshotRetentionDays: args.snapshotRetentionDays ?? profile.snapshotRetentionDays,
    });
    this.primaryEndpoint = this.replicationGroup.primaryEndpointAddress;
    // The URL is the only secret: it holds the token, and a secret nothing reads costs $0.40 a month.
    const url = storeSecret(
      name,
      "url",
      {
        description: "REDIS_URL (rediss://, TLS) for services",
        value: pulumi.interpolate`rediss://:${token.result}@${this.primaryEndpoint}:${REDIS_PORT}`,
        replicaRegions: args.secretReplicaRegions ?? [],
      },
      this,
    );
    this.urlSecret = url.secret;
    this.urlSecretVersion = url.version;

    // ---- expose ----
    this.securityGroupId = this.securityGroup.id;
    this.urlSecretArn = this.urlSecret.arn;
    this.registerOutputs({
      primaryEndpoint: this.primaryEndpoint,
      securityGroupId: this.securityGroupId,
      urlSecretArn: this.urlSecretArn,
    });
  }

  private createSecurityGroup(network: Network): aws.ec2.SecurityGroup {
    return new aws.ec2.SecurityGroup(
      ...transform(
        this.hooks.securityGroup,
        `${this.name}-sg`,
        {
          vpcId: network.vpcId,
          description: `${this.name}: Redis, reachable only from what the program allows`,
        },
        { parent: this },
      ),
    );
  }

  /**
   * The nodes in the isolated subnets, encrypted at rest and in transit, behind the token; with
   * two or more, a replica takes over across AZs.
   */
  private createReplicationGroup(
    args: RedisArgs,
    token: random.RandomPassword,
    sizing: {
      nodes: number;
      engineVersion: string;
      nodeType: string;
      snapshotRetentionDays: number;
    },
  ): aws.elasticache.ReplicationGroup {
    const replicated = sizing.nodes >= 2;
    const subnetGroup = new aws.elasticache.SubnetGroup(
      ...transform(
        this.hooks.subnetGroup,
        `${this.name}-subnets`,
        {
          description: `${this.name}: isolated subnets only`,
          subnetIds: args.network.isolatedSubnetIds,
        },
        { parent: this },
      ),
    );
    const parameterGroup = new aws.elasticache.ParameterGroup(
      ...transform(
        this.hooks.parameterGroup,
        `${this.name}-params`,
        {
          family: `valkey${sizing.engineVersion.split(".")[0]}`,
          description: `${this.name}: evict nothing silently, notify on expirations`,
          parameters: [
            { name: "maxmemory-policy", value: "noeviction" },
            { name: "notify-keyspace-events", value: "Ex" },
          ],
        },
        { parent: this },
      ),
    );
    return new aws.elasticache.ReplicationGroup(
      ...transform(
        this.hooks.replicationGroup,
        this.name,
        {
          description: `${this.name}: message bus and cache`,
          engine: "valkey",
          engineVersion: sizing.engineVersion,
          nodeType: sizing.nodeType,
          numCacheClusters: sizing.nodes,
          port: REDIS_PORT,
          subnetGroupName: subnetGroup.name,
          securityGroupIds: [this.securityGroup.id],
          parameterGroupName: parameterGroup.name,
          atRestEncryptionEnabled: true,
          transitEncryptionEnabled: true,
          transitEncryptionMode: "required",
          authToken: token.result,
          authTokenUpdateStrategy: "ROTATE",
          automaticFailoverEnabled: replicated,
          multiAzEnabled: replicated,
          snapshotRetentionLimit: sizing.snapshotRetentionDays,
          snapshotWindow: args.snapshotWindow ?? "05:00-06:00",
          maintenanceWindow: args.maintenanceWindow ?? "sun:06:30-sun:07:30",
          autoMinorVersionUpgrade: true,
          applyImmediately: !replicated,
        },
        { parent: this },
      ),
    );
  }

  /** Admits one security group of the same region on 6379. */
  allowFrom(
    caller: string,
    securityGroupId: pulumi.Input<string>,
  ): aws.vpc.SecurityGroupIngressRule {
    return this.admit(caller, `Redis from ${caller}`, {
      referencedSecurityGroupId: securityGroupId,
    });
  }

  /** Admits a CIDR on 6379: a peer region's VPC, as groups cannot be referenced across regions. */
  allowFromCidr(caller: string, cidrBlock: string): aws.vpc.SecurityGroupIngressRule {
    return this.admit(caller, `Redis from ${caller} (${cidrBlock})`, { cidrIpv4: cidrBlock });
  }

  private admit(
    caller: string,
    description: string,
    source: StoreCaller,
  ): aws.vpc.SecurityGroupIngressRule {
    return admitCaller(
      { name: this.name, securityGroupId: this.securityGroup.id, port: REDIS_PORT },
      caller,
      description,
      source,
      { parent: this },
    );
  }
}

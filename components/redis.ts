import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Network } from "./network";
import type { EnvironmentProfile } from "./profile";

export const REDIS_PORT = 6379;

/** Settings of each environment profile: each can be overridden. */
export const REDIS_PROFILES = {
  dev: { nodeType: "cache.t4g.micro", nodes: 1, snapshotRetentionDays: 1 },
  prod: { nodeType: "cache.t4g.medium", nodes: 2, snapshotRetentionDays: 7 },
} as const satisfies Record<EnvironmentProfile, object>;

export interface RedisArgs {
  /** The network whose isolated subnets hold the nodes. */
  network: Network;
  /**
   * Environment profile: one node in dev; primary and replica with automatic failover across AZs
   * in prod.
   * @default "dev"
   */
  profile?: EnvironmentProfile;
  /** @default the profile's (cache.t4g.micro in dev, cache.t4g.medium in prod) */
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
}

/**
 * An ElastiCache Valkey (Redis OSS-compatible) replication group in isolated subnets: encrypted at
 * rest and in transit, an auth token generated and kept in Secrets Manager (with a ready
 * `rediss://` URL for services), its own parameter group and snapshots, and a security group that
 * admits nothing until a group (same region) or a CIDR (a peer region) is allowed.
 */
export class Redis extends pulumi.ComponentResource {
  public readonly replicationGroup: aws.elasticache.ReplicationGroup;
  public readonly securityGroup: aws.ec2.SecurityGroup;
  /** `{ "authToken", "host", "port" }`. */
  public readonly authSecret: aws.secretsmanager.Secret;
  /** `rediss://:<token>@<primary endpoint>:6379`: what services take as `REDIS_URL`. */
  public readonly urlSecret: aws.secretsmanager.Secret;
  public readonly primaryEndpoint: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly urlSecretArn: pulumi.Output<string>;
  /** The URL's value: what services reading `urlSecretArn` wait for. */
  public readonly urlSecretVersion: aws.secretsmanager.SecretVersion;
  private readonly name: string;

  constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:data:Redis", name, {}, opts);
    this.name = name;

    // ---- normalize ----
    const profile = REDIS_PROFILES[args.profile ?? "dev"];
    const nodes = args.nodes ?? profile.nodes;
    const replicated = nodes >= 2;
    if (!Number.isInteger(nodes) || nodes < 1 || nodes > 6) {
      throw new Error(`Redis ${name}:\n  nodes: must be 1 to 6 (got ${nodes})`);
    }

    // ---- create ----
    const subnetGroup = new aws.elasticache.SubnetGroup(
      `${name}-subnets`,
      { description: `${name}: isolated subnets only`, subnetIds: args.network.isolatedSubnetIds },
      { parent: this },
    );
    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.network.vpcId,
        description: `${name}: Redis, reachable only from what the program allows`,
      },
      { parent: this },
    );
    const parameterGroup = new aws.elasticache.ParameterGroup(
      `${name}-params`,
      {
        family: "valkey8",
        description: `${name}: evict nothing silently, notify on expirations`,
        parameters: [
          { name: "maxmemory-policy", value: "noeviction" },
          { name: "notify-keyspace-events", value: "Ex" },
        ],
      },
      { parent: this },
    );
    // ElastiCache accepts printable ASCII auth tokens without @, " and /: letters and digits suffice.
    const token = new random.RandomPassword(
      `${name}-auth-token`,
      { length: 48, special: false },
      { parent: this },
    );
    this.replicationGroup = new aws.elasticache.ReplicationGroup(
      name,
      {
        description: `${name}: message bus and cache`,
        engine: "valkey",
        engineVersion: "8.0",
        nodeType: args.nodeType ?? profile.nodeType,
        numCacheClusters: nodes,
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
        snapshotRetentionLimit: args.snapshotRetentionDays ?? profile.snapshotRetentionDays,
        snapshotWindow: "05:00-06:00",
        maintenanceWindow: "sun:06:30-sun:07:30",
        autoMinorVersionUpgrade: true,
        applyImmediately: !replicated,
      },
      { parent: this },
    );
    this.primaryEndpoint = this.replicationGroup.primaryEndpointAddress;

    // Only the URL is read in other regions: the token's own secret stays at home.
    const replicas = (args.secretReplicaRegions ?? []).map((region) => ({ region }));
    const secret = (role: string, description: string, replicated: boolean) =>
      new aws.secretsmanager.Secret(
        `${name}-${role}`,
        { namePrefix: `${name}/${role}-`, description, ...(replicated ? { replicas } : {}) },
        { parent: this },
      );
    this.authSecret = secret("auth", "Redis auth token, host and port", false);
    new aws.secretsmanager.SecretVersion(
      `${name}-auth-value`,
      {
        secretId: this.authSecret.id,
        secretString: pulumi.jsonStringify({
          authToken: token.result,
          host: this.primaryEndpoint,
          port: REDIS_PORT,
        }),
      },
      { parent: this },
    );
    this.urlSecret = secret("url", "REDIS_URL (rediss://, TLS) for services", true);
    this.urlSecretVersion = new aws.secretsmanager.SecretVersion(
      `${name}-url-value`,
      {
        secretId: this.urlSecret.id,
        secretString: pulumi.secret(
          pulumi.interpolate`rediss://:${token.result}@${this.primaryEndpoint}:${REDIS_PORT}`,
        ),
      },
      { parent: this },
    );

    // ---- expose ----
    this.securityGroupId = this.securityGroup.id;
    this.urlSecretArn = this.urlSecret.arn;
    this.registerOutputs({
      primaryEndpoint: this.primaryEndpoint,
      securityGroupId: this.securityGroupId,
      urlSecretArn: this.urlSecretArn,
    });
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
    source: { referencedSecurityGroupId?: pulumi.Input<string>; cidrIpv4?: string },
  ): aws.vpc.SecurityGroupIngressRule {
    return new aws.vpc.SecurityGroupIngressRule(
      `${this.name}-from-${caller}`,
      {
        securityGroupId: this.securityGroup.id,
        description,
        ipProtocol: "tcp",
        fromPort: REDIS_PORT,
        toPort: REDIS_PORT,
        ...source,
      },
      { parent: this },
    );
  }
}

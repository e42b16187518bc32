import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BundledFunction, type BundledFunctionArgs } from "./bundled-function";
import type { Network } from "./network";
import { Postgres, POSTGRES_PORT, type PostgresArgs } from "./postgres";
import type { EnvironmentProfile, LogRetentionDays } from "./profile";
import { TenantDatabase, type TenantDatabaseSpec } from "./tenant-database";
import { transform, type Transform } from "./transform";
import { DB_BOOTSTRAP_ENV } from "../functions/db-bootstrap/env";
import { functionEnvironment } from "../functions/shared/env";

/** The database the master user connects to; tenants get one each and never this one. */
export const SHARED_POSTGRES_DATABASE = "platform";

/** The master user, whose password RDS keeps (and rotates) in a secret of its own. */
export const SHARED_POSTGRES_MASTER = "platform_admin";

/** The bootstrap's handler, bundled by BundledFunction. */
export const BOOTSTRAP_ENTRY = "functions/db-bootstrap/handler.ts";

/**
 * The Amazon CA bundle of the Node.js 20+ Lambda runtimes, which includes the RDS CAs; the
 * runtime no longer trusts it by default, so the bootstrap reads it for the database's TLS.
 * https://aws.amazon.com/blogs/compute/node-js-20-x-runtime-now-available-in-aws-lambda/
 */
export const LAMBDA_RUNTIME_CA_FILE = "/var/runtime/ca-cert.pem";

export interface SharedPostgresArgs {
  /** The network: the instance in its isolated subnets, the bootstrap in its private ones. */
  network: Network;
  /**
   * Environment profile of the instance (see `Postgres`).
   * @default "dev"
   */
  profile?: EnvironmentProfile;
  /**
   * Instance identifier.
   * @example "shared-db-dev"
   */
  identifier: string;
  /** @default the profile's (see `Postgres`) */
  instanceClass?: string;
  /**
   * Retention of the instance's and the bootstrap's log groups, in days.
   * @default 14
   */
  logRetentionInDays?: LogRetentionDays;
  /** Hooks over the children's args, run after the component's own (see transform.ts). */
  transform?: SharedPostgresTransforms;
}

/** Escape hatches: one hook per kind of child of a `SharedPostgres`. */
export interface SharedPostgresTransforms {
  /** The instance (its own `transform` reaches the RDS resources). */
  postgres?: Transform<PostgresArgs>;
  /** The bootstrap function. */
  bootstrap?: Transform<BundledFunctionArgs>;
  /** The bootstrap's security group. */
  securityGroup?: Transform<aws.ec2.SecurityGroupArgs>;
}

/**
 * One PostgreSQL instance for several workloads, each with a database and a role of its own
 * (`addDatabase`): dev's alternative to an instance per workload. The roles and databases are made
 * inside PostgreSQL by a small bootstrap function in the VPC (functions/db-bootstrap), which reads
 * the master user's RDS-managed secret and each workload's generated one; each workload's
 * `TenantDatabase` invokes it when created and when its password changes.
 */
export class SharedPostgres extends pulumi.ComponentResource {
  public readonly postgres: Postgres;
  public readonly bootstrap: BundledFunction;
  public readonly bootstrapSecurityGroup: aws.ec2.SecurityGroup;
  /** Secret names of the workloads' credentials start with it: the bootstrap reads only those. */
  public readonly tenantSecretPrefix: string;
  /**
   * What an invocation of the bootstrap waits for: the function, its way to the database, and the
   * private subnets' egress (it reads its secrets from Secrets Manager through the NAT).
   */
  public readonly bootstrapReady: pulumi.Resource[];

  private readonly name: string;
  private readonly hooks: SharedPostgresTransforms;
  /** Ingress rules by CIDR: tenants admitting the same peer VPC share one (AWS refuses twins). */
  private readonly cidrRules = new Map<string, aws.vpc.SecurityGroupIngressRule>();

  constructor(name: string, args: SharedPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:data:SharedPostgres", name, {}, opts);
    this.name = name;
    this.hooks = args.transform ?? {};
    this.tenantSecretPrefix = `${name}/tenants/`;

    // ---- create ----
    this.postgres = new Postgres(
      ...transform(
        this.hooks.postgres,
        name,
        {
          network: args.network,
          profile: args.profile,
          identifier: args.identifier,
          databaseName: SHARED_POSTGRES_DATABASE,
          username: SHARED_POSTGRES_MASTER,
          instanceClass: args.instanceClass,
          credentials: "managed",
          // Workloads connect with passwords; no IAM user is made for them.
          iamAuthentication: false,
          logRetentionInDays: args.logRetentionInDays,
        },
        { parent: this },
      ),
    );
    this.bootstrapSecurityGroup = this.createSecurityGroup(args.network);
    const ways = this.connectBootstrap(this.bootstrapSecurityGroup);
    this.bootstrap = this.createBootstrap(args);

    // ---- expose ----
    this.bootstrapReady = [this.bootstrap, ...ways, ...args.network.privateEgress];
    this.registerOutputs({ address: this.postgres.address });
  }

  /** A database and role of the workload's own on this instance (see `TenantDatabase`). */
  addDatabase(
    name: string,
    spec: TenantDatabaseSpec,
    opts?: pulumi.ComponentResourceOptions,
  ): TenantDatabase {
    return new TenantDatabase(name, { ...spec, host: this }, opts);
  }

  /**
   * Lets a CIDR reach the instance, once per CIDR: a second workload admitting the same peer VPC
   * gets the first one's rule.
   */
  allowFromCidr(
    caller: string,
    cidrBlock: string,
    opts?: pulumi.CustomResourceOptions,
  ): aws.vpc.SecurityGroupIngressRule {
    const existing = this.cidrRules.get(cidrBlock);
    if (existing) return existing;
    const rule = this.postgres.allowFromCidr(caller, cidrBlock, opts);
    this.cidrRules.set(cidrBlock, rule);
    return rule;
  }

  private createSecurityGroup(network: Network): aws.ec2.SecurityGroup {
    return new aws.ec2.SecurityGroup(
      ...transform(
        this.hooks.securityGroup,
        `${this.name}-bootstrap-sg`,
        { vpcId: network.vpcId, description: `${this.name}: the database bootstrap function` },
        { parent: this },
      ),
    );
  }

  /** Out to Secrets Manager (HTTPS) and to the instance, and the instance admitting it. */
  private connectBootstrap(group: aws.ec2.SecurityGroup): pulumi.Resource[] {
    const egress = (suffix: string, args: Partial<aws.vpc.SecurityGroupEgressRuleArgs>) =>
      new aws.vpc.SecurityGroupEgressRule(
        `${this.name}-bootstrap-${suffix}`,
        { securityGroupId: group.id, ipProtocol: "tcp", ...args },
        { parent: this },
      );
    return [
      egress("https-out", {
        description: "Secrets Manager over HTTPS",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: "0.0.0.0/0",
      }),
      egress("to-db", {
        description: "PostgreSQL",
        fromPort: POSTGRES_PORT,
        toPort: POSTGRES_PORT,
        referencedSecurityGroupId: this.postgres.securityGroupId,
      }),
      this.postgres.allowFrom("bootstrap", group.id),
    ];
  }

  /**
   * The function in the private subnets, reading the master secret and the tenants' secrets (by
   * name prefix: tenants come after it) and nothing else.
   */
  private createBootstrap(args: SharedPostgresArgs): BundledFunction {
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    return new BundledFunction(
      ...transform(
        this.hooks.bootstrap,
        `${this.name}-bootstrap`,
        {
          entry: BOOTSTRAP_ENTRY,
          description: `${this.name}: makes each workload's database and role`,
          // A cold start in the VPC, the TLS handshake and CREATE DATABASE (a copy of template1).
          timeout: 60,
          vpc: {
            subnetIds: args.network.privateSubnetIds,
            securityGroupIds: [this.bootstrapSecurityGroup.id],
          },
          environment: functionEnvironment<typeof DB_BOOTSTRAP_ENV, pulumi.Input<string>>(
            DB_BOOTSTRAP_ENV,
            {
              MASTER_SECRET_ARN: this.postgres.secretArn,
              DB_HOST: this.postgres.address,
              DB_PORT: this.postgres.port.apply(String),
              DB_NAME: SHARED_POSTGRES_DATABASE,
              DB_SSL_CA_FILE: LAMBDA_RUNTIME_CA_FILE,
            },
          ),
          statements: [
            {
              Sid: "MasterAndTenantSecrets",
              Effect: "Allow",
              Action: "secretsmanager:GetSecretValue",
              Resource: [
                this.postgres.secretArn,
                pulumi.interpolate`arn:${partition}:secretsmanager:${region}:${account}:secret:${this.tenantSecretPrefix}*`,
              ],
            },
          ],
          logRetentionInDays: args.logRetentionInDays ?? 14,
        },
        { parent: this },
      ),
    );
  }
}

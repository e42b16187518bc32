import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { admitCaller, storeSecret } from "./data-stores";
import type { Network } from "./network";
import type { PostgresDatabase } from "./postgres-database";
import { transform, type Transform } from "./transform";
import type { EnvironmentProfile, LogRetentionDays } from "./profile";

/** PostgreSQL's current major version on RDS; parameter groups are per family (`postgres18`). */
export const POSTGRES_MAJOR_VERSION = "18";

export const POSTGRES_PORT = 5432;

/** Settings of each environment profile: every one can be overridden. */
export const POSTGRES_PROFILES = {
  dev: {
    instanceClass: "db.t4g.micro",
    multiAz: false,
    deletionProtection: false,
    backupRetentionDays: 1,
    finalSnapshot: false,
    protect: false,
  },
  prod: {
    // 2 GiB: about 180 connections, beyond what either workload holds (docs/cost.md, sizes).
    instanceClass: "db.t4g.small",
    multiAz: true,
    deletionProtection: true,
    backupRetentionDays: 14,
    finalSnapshot: true,
    protect: true,
  },
} as const;

export interface PostgresArgs {
  /** The network whose isolated subnets hold the database (no route to the internet). */
  network: Network;
  /**
   * Environment profile: sizes, availability and protection.
   * @default "dev"
   */
  profile?: EnvironmentProfile;
  /**
   * Instance identifier: also names the log groups the exports go to, so it is fixed.
   * @example "fred-jobs-dev"
   */
  identifier: string;
  /**
   * Database created at launch.
   * @example "fred"
   */
  databaseName: string;
  /**
   * Master user; its password is generated and rotated by RDS in Secrets Manager.
   * @default "app_admin"
   */
  username?: string;
  /** @default the profile's (db.t4g.micro in dev, db.t4g.small in prod) */
  instanceClass?: string;
  /**
   * Storage in GB (gp3), and the ceiling storage autoscaling may grow to.
   * @default { allocated: 20, max: 100 }
   */
  storage?: { allocated: number; max: number };
  /** @default the profile's */
  multiAz?: boolean;
  /** @default the profile's */
  deletionProtection?: boolean;
  /** @default the profile's (1 day in dev, 14 in prod) */
  backupRetentionDays?: number;
  /** @default the profile's: a final snapshot in prod, none in dev */
  finalSnapshot?: boolean;
  /**
   * IAM database authentication, so callers may connect with tokens instead of the password.
   * @default true
   */
  iamAuthentication?: boolean;
  /**
   * Retention of the exported log groups, in days.
   * @default 14
   */
  logRetentionInDays?: LogRetentionDays;
  /**
   * Who keeps the master password: `managed` (RDS generates and rotates it in a secret of its
   * own), or `generated` (the program generates it and also publishes a `DATABASE_URL` secret, for
   * services that take a URL; rotate by replacing the password resource).
   * @default "managed"
   */
  credentials?: "managed" | "generated";
  /**
   * With `generated` credentials: regions besides the network's where services read the secrets
   * (the URL secret is replicated there, as ECS reads secrets in the task's region).
   * @default []
   */
  secretReplicaRegions?: string[];
  /**
   * Engine version: a major (minor versions then follow automatically) or `major.minor`. The
   * parameter group's family follows the major.
   * @default POSTGRES_MAJOR_VERSION
   */
  engineVersion?: string;
  /**
   * Statements slower than this are logged (`log_min_duration_statement`), in milliseconds.
   * @default 500
   */
  slowStatementMs?: number;
  /**
   * Daily backup window, UTC `hh:mm-hh:mm`.
   * @default undefined (RDS picks one)
   */
  backupWindow?: string;
  /**
   * Weekly maintenance window, UTC `ddd:hh:mm-ddd:hh:mm`.
   * @default undefined (RDS picks one)
   */
  maintenanceWindow?: string;
  /**
   * The certificate authority of the server's TLS certificate.
   * @default "rds-ca-rsa2048-g1"
   */
  caCertIdentifier?: string;
  /** Hooks over the children's args, run after the component's own (see transform.ts). */
  transform?: PostgresTransforms;
}

/** Escape hatches: one hook per kind of child of a `Postgres`. */
export interface PostgresTransforms {
  /** The DB instance (Performance Insights, monitoring, storage throughput...). */
  instance?: Transform<aws.rds.InstanceArgs>;
  /** The parameter group (add `parameters`). */
  parameterGroup?: Transform<aws.rds.ParameterGroupArgs>;
  /** The subnet group. */
  subnetGroup?: Transform<aws.rds.SubnetGroupArgs>;
  /** The database's security group. */
  securityGroup?: Transform<aws.ec2.SecurityGroupArgs>;
  /** Each exported log group (`postgresql`, `upgrade`). */
  logGroup?: Transform<aws.cloudwatch.LogGroupArgs>;
}

/** `args` with the profile's and the component's defaults applied. */
export interface ResolvedPostgres {
  readonly instanceClass: string;
  readonly storage: { allocated: number; max: number };
  readonly multiAz: boolean;
  readonly deletionProtection: boolean;
  readonly backupRetentionDays: number;
  readonly finalSnapshot: boolean;
  readonly protect: boolean;
  readonly username: string;
  readonly engineVersion: string;
  /** The parameter group family, `postgres<major>`. */
  readonly family: string;
}

/** The defaults of `args` (its profile's, then the component's), and every problem with them. */
export function resolvePostgresArgs(args: PostgresArgs): {
  resolved: ResolvedPostgres;
  problems: string[];
} {
  const profile = POSTGRES_PROFILES[args.profile ?? "dev"];
  const engineVersion = args.engineVersion ?? POSTGRES_MAJOR_VERSION;
  const resolved: ResolvedPostgres = {
    instanceClass: args.instanceClass ?? profile.instanceClass,
    storage: args.storage ?? { allocated: 20, max: 100 },
    multiAz: args.multiAz ?? profile.multiAz,
    deletionProtection: args.deletionProtection ?? profile.deletionProtection,
    backupRetentionDays: args.backupRetentionDays ?? profile.backupRetentionDays,
    finalSnapshot: args.finalSnapshot ?? profile.finalSnapshot,
    protect: profile.protect,
    username: args.username ?? "app_admin",
    engineVersion,
    family: `postgres${engineVersion.split(".")[0]}`,
  };
  const { storage, backupRetentionDays, username } = resolved;
  const problems = [
    ...(/^[a-z][a-z0-9-]{0,62}$/.test(args.identifier) && !args.identifier.endsWith("-")
      ? []
      : [`identifier: ${args.identifier} must be lowercase letters, digits and dashes, 1-63`]),
    ...(/^[a-z][a-z0-9_]{0,62}$/.test(args.databaseName)
      ? []
      : [`databaseName: ${args.databaseName} must be a lowercase identifier`]),
    ...(/^[a-z][a-z0-9_]{0,15}$/.test(username) && username !== "admin"
      ? []
      : [`username: ${username} must be a lowercase identifier of 1-16 characters, not admin`]),
    ...(storage.allocated >= 20 && storage.max >= storage.allocated
      ? []
      : ["storage: allocated must be at least 20 GB and max at least allocated"]),
    ...(Number.isInteger(backupRetentionDays) &&
    backupRetentionDays >= 1 &&
    backupRetentionDays <= 35
      ? []
      : ["backupRetentionDays: must be 1 to 35"]),
    ...(/^\d+(\.\d+)?$/.test(engineVersion)
      ? []
      : [`engineVersion: ${engineVersion} must be a major or major.minor version`]),
  ];
  return { resolved, problems };
}

/**
 * RDS PostgreSQL in isolated subnets: gp3, encrypted, TLS required (`rds.force_ssl`), master
 * password managed by RDS in Secrets Manager, logs exported to log groups with a retention, and a
 * security group nothing can reach until a caller is allowed with `allowFrom`.
 */
export class Postgres extends pulumi.ComponentResource implements PostgresDatabase {
  public readonly instance: aws.rds.Instance;
  public readonly securityGroup: aws.ec2.SecurityGroup;
  public readonly parameterGroup: aws.rds.ParameterGroup;
  /** Host name to connect to. */
  public readonly address: pulumi.Output<string>;
  public readonly port: pulumi.Output<number>;
  public readonly databaseName: string;
  public readonly username: string;
  public readonly instanceClass: string;
  /** Nothing beyond the secrets: the instance is the database. */
  public readonly ready: pulumi.Resource[] = [];
  /** The secret `{ username, password, ... }` of the master user (RDS's own when managed). */
  public readonly secretArn: pulumi.Output<string>;
  /** With generated credentials: `postgresql://...?sslmode=require`, for `DATABASE_URL`. */
  public readonly urlSecretArn?: pulumi.Output<string>;
  /** With generated credentials: the URL's value, what services reading it wait for. */
  public readonly urlSecretVersion?: aws.secretsmanager.SecretVersion;
  /** `arn:<partition>:rds-db:<region>:<account>:dbuser:<resource id>/`: append a user for `rds-db:connect`. */
  public readonly iamConnectPrefix: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly iamAuthentication: boolean;

  private readonly name: string;
  private readonly hooks: PostgresTransforms;

  constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:data:Postgres", name, {}, opts);
    this.name = name;
    this.hooks = args.transform ?? {};

    // ---- normalize ----
    const { resolved, problems } = resolvePostgresArgs(args);
    if (problems.length > 0) throw new Error(`Postgres ${name}:\n  ${problems.join("\n  ")}`);
    this.username = resolved.username;
    this.databaseName = args.databaseName;
    this.instanceClass = resolved.instanceClass;
    this.iamAuthentication = args.iamAuthentication ?? true;
    const generated = (args.credentials ?? "managed") === "generated";

    // ---- create ----
    this.securityGroup = this.createSecurityGroup(args.network);
    this.parameterGroup = this.createParameterGroup(resolved.family, args.slowStatementMs ?? 500);
    // URL-safe characters only: the password goes into DATABASE_URL unescaped.
    const password = generated
      ? new random.RandomPassword(
          `${name}-password`,
          { length: 40, special: false },
          { parent: this },
        )
      : undefined;
    this.instance = this.createInstance(args, resolved, password);
    this.address = this.instance.address;
    this.port = this.instance.port;
    if (password) {
      const secrets = this.createSecrets(password, args);
      this.secretArn = secrets.credentials.arn;
      this.urlSecretArn = secrets.url.secret.arn;
      this.urlSecretVersion = secrets.url.version;
    } else {
      this.secretArn = this.instance.masterUserSecrets.apply((secrets) => {
        const arn = secrets?.[0]?.secretArn;
        if (!arn) throw new Error(`Postgres ${name}: RDS reported no managed master user secret`);
        return arn;
      });
    }

    // ---- expose ----
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    this.iamConnectPrefix = pulumi.interpolate`arn:${partition}:rds-db:${region}:${account}:dbuser:${this.instance.resourceId}/`;
    this.securityGroupId = this.securityGroup.id;
    this.registerOutputs({
      address: this.address,
      port: this.port,
      secretArn: this.secretArn,
      securityGroupId: this.securityGroupId,
    });
  }

  private createSecurityGroup(network: Network): aws.ec2.SecurityGroup {
    return new aws.ec2.SecurityGroup(
      ...transform(
        this.hooks.securityGroup,
        `${this.name}-sg`,
        {
          vpcId: network.vpcId,
          description: `${this.name}: PostgreSQL, reachable only from groups allowed by the program`,
        },
        { parent: this },
      ),
    );
  }

  /** TLS required, slow statements logged. */
  private createParameterGroup(family: string, slowStatementMs: number): aws.rds.ParameterGroup {
    return new aws.rds.ParameterGroup(
      ...transform(
        this.hooks.parameterGroup,
        `${this.name}-params`,
        {
          family,
          description: `${this.name}: TLS only, slow statements logged`,
          parameters: [
            { name: "rds.force_ssl", value: "1" },
            { name: "log_min_duration_statement", value: String(slowStatementMs) },
          ],
        },
        { parent: this },
      ),
    );
  }

  /**
   * The exported logs' groups, created first with a retention: RDS would otherwise create them
   * keeping logs forever.
   */
  private createLogGroups(
    identifier: string,
    exports: string[],
    retentionInDays: number,
  ): aws.cloudwatch.LogGroup[] {
    return exports.map(
      (log) =>
        new aws.cloudwatch.LogGroup(
          ...transform(
            this.hooks.logGroup,
            `${this.name}-${log}-logs`,
            { name: `/aws/rds/instance/${identifier}/${log}`, retentionInDays },
            { parent: this },
          ),
        ),
    );
  }

  /** The instance in the isolated subnets, encrypted gp3, private, logs exported. */
  private createInstance(
    args: PostgresArgs,
    resolved: ResolvedPostgres,
    password: random.RandomPassword | undefined,
  ): aws.rds.Instance {
    const subnetGroup = new aws.rds.SubnetGroup(
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
    const logExports = ["postgresql", "upgrade"];
    const logGroups = this.createLogGroups(
      args.identifier,
      logExports,
      args.logRetentionInDays ?? 14,
    );
    const { finalSnapshot, protect } = resolved;
    return new aws.rds.Instance(
      ...transform(
        this.hooks.instance,
        this.name,
        {
          identifier: args.identifier,
          engine: "postgres",
          engineVersion: resolved.engineVersion,
          autoMinorVersionUpgrade: true,
          instanceClass: resolved.instanceClass,
          storageType: "gp3",
          allocatedStorage: resolved.storage.allocated,
          maxAllocatedStorage: resolved.storage.max,
          storageEncrypted: true,
          dbName: args.databaseName,
          username: this.username,
          ...(password ? { password: password.result } : { manageMasterUserPassword: true }),
          iamDatabaseAuthenticationEnabled: this.iamAuthentication,
          dbSubnetGroupName: subnetGroup.name,
          vpcSecurityGroupIds: [this.securityGroup.id],
          parameterGroupName: this.parameterGroup.name,
          publiclyAccessible: false,
          multiAz: resolved.multiAz,
          deletionProtection: resolved.deletionProtection,
          backupRetentionPeriod: resolved.backupRetentionDays,
          backupWindow: args.backupWindow,
          maintenanceWindow: args.maintenanceWindow,
          copyTagsToSnapshot: true,
          skipFinalSnapshot: !finalSnapshot,
          finalSnapshotIdentifier: finalSnapshot ? `${args.identifier}-final` : undefined,
          enabledCloudwatchLogsExports: logExports,
          caCertIdentifier: args.caCertIdentifier ?? "rds-ca-rsa2048-g1",
          applyImmediately: !protect,
        },
        { parent: this, protect, dependsOn: logGroups },
      ),
    );
  }

  /** The master credentials (home region only) and the `DATABASE_URL` (replicated). */
  private createSecrets(
    password: random.RandomPassword,
    args: PostgresArgs,
  ): {
    credentials: aws.secretsmanager.Secret;
    url: { secret: aws.secretsmanager.Secret; version: aws.secretsmanager.SecretVersion };
  } {
    const credentials = storeSecret(
      this.name,
      "credentials",
      {
        description: "PostgreSQL master user",
        value: pulumi.jsonStringify({
          username: this.username,
          password: password.result,
          host: this.address,
          port: this.port,
          dbname: args.databaseName,
        }),
      },
      this,
    );
    const url = storeSecret(
      this.name,
      "url",
      {
        description: "DATABASE_URL (TLS required) for services",
        value: pulumi.interpolate`postgresql://${this.username}:${password.result}@${this.address}:${this.port}/${args.databaseName}?sslmode=require`,
        replicaRegions: args.secretReplicaRegions ?? [],
      },
      this,
    );
    return { credentials: credentials.secret, url };
  }

  /**
   * Lets one security group reach the database on its port: the rule is made here, from the
   * groups themselves, so no id is ever copied between stacks by hand.
   */
  allowFrom(
    caller: string,
    securityGroupId: pulumi.Input<string>,
    opts?: pulumi.CustomResourceOptions,
  ): aws.vpc.SecurityGroupIngressRule {
    return admitCaller(
      this.store(),
      caller,
      `PostgreSQL from ${caller}`,
      { referencedSecurityGroupId: securityGroupId },
      { parent: this, ...opts },
    );
  }

  /** Lets a CIDR (a peer region's VPC: groups cannot be referenced across regions) reach it. */
  allowFromCidr(
    caller: string,
    cidrBlock: string,
    opts?: pulumi.CustomResourceOptions,
  ): aws.vpc.SecurityGroupIngressRule {
    return admitCaller(
      this.store(),
      caller,
      `PostgreSQL from ${caller} (${cidrBlock})`,
      { cidrIpv4: cidrBlock },
      { parent: this, ...opts },
    );
  }

  private store() {
    return { name: this.name, securityGroupId: this.securityGroup.id, port: POSTGRES_PORT };
  }
}

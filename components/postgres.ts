import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Network } from "./network";
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
    instanceClass: "db.t4g.medium",
    multiAz: true,
    deletionProtection: true,
    backupRetentionDays: 14,
    finalSnapshot: true,
    protect: true,
  },
} as const satisfies Record<EnvironmentProfile, object>;

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
  /** @default the profile's (db.t4g.micro in dev, db.t4g.medium in prod) */
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
}

/**
 * RDS PostgreSQL in isolated subnets: gp3, encrypted, TLS required (`rds.force_ssl`), master
 * password managed by RDS in Secrets Manager, logs exported to log groups with a retention, and a
 * security group nothing can reach until a caller is allowed with `allowFrom`.
 */
export class Postgres extends pulumi.ComponentResource {
  public readonly instance: aws.rds.Instance;
  public readonly securityGroup: aws.ec2.SecurityGroup;
  public readonly parameterGroup: aws.rds.ParameterGroup;
  /** Host name to connect to. */
  public readonly address: pulumi.Output<string>;
  public readonly port: pulumi.Output<number>;
  public readonly databaseName: string;
  public readonly username: string;
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

  constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:data:Postgres", name, {}, opts);
    this.name = name;

    // ---- normalize ----
    const profile = POSTGRES_PROFILES[args.profile ?? "dev"];
    const storage = args.storage ?? { allocated: 20, max: 100 };
    const backupRetentionDays = args.backupRetentionDays ?? profile.backupRetentionDays;
    const finalSnapshot = args.finalSnapshot ?? profile.finalSnapshot;
    this.username = args.username ?? "app_admin";
    this.databaseName = args.databaseName;
    this.iamAuthentication = args.iamAuthentication ?? true;
    const problems = [
      ...(/^[a-z][a-z0-9-]{0,62}$/.test(args.identifier) && !args.identifier.endsWith("-")
        ? []
        : [`identifier: ${args.identifier} must be lowercase letters, digits and dashes, 1-63`]),
      ...(/^[a-z][a-z0-9_]{0,62}$/.test(args.databaseName)
        ? []
        : [`databaseName: ${args.databaseName} must be a lowercase identifier`]),
      ...(/^[a-z][a-z0-9_]{0,15}$/.test(this.username) && this.username !== "admin"
        ? []
        : [
            `username: ${this.username} must be a lowercase identifier of 1-16 characters, not admin`,
          ]),
      ...(storage.allocated >= 20 && storage.max >= storage.allocated
        ? []
        : ["storage: allocated must be at least 20 GB and max at least allocated"]),
      ...(Number.isInteger(backupRetentionDays) &&
      backupRetentionDays >= 1 &&
      backupRetentionDays <= 35
        ? []
        : ["backupRetentionDays: must be 1 to 35"]),
    ];
    if (problems.length > 0) throw new Error(`Postgres ${name}:\n  ${problems.join("\n  ")}`);
    const protect = profile.protect;

    // ---- create ----
    const subnetGroup = new aws.rds.SubnetGroup(
      `${name}-subnets`,
      {
        description: `${name}: isolated subnets only`,
        subnetIds: args.network.isolatedSubnetIds,
      },
      { parent: this },
    );
    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.network.vpcId,
        description: `${name}: PostgreSQL, reachable only from groups allowed by the program`,
      },
      { parent: this },
    );
    this.parameterGroup = new aws.rds.ParameterGroup(
      `${name}-params`,
      {
        family: `postgres${POSTGRES_MAJOR_VERSION}`,
        description: `${name}: TLS only, slow statements logged`,
        parameters: [
          { name: "rds.force_ssl", value: "1" },
          { name: "log_min_duration_statement", value: "500" },
        ],
      },
      { parent: this },
    );
    const generated = (args.credentials ?? "managed") === "generated";
    // URL-safe characters only: the password goes into DATABASE_URL unescaped.
    const password = generated
      ? new random.RandomPassword(
          `${name}-password`,
          { length: 40, special: false },
          { parent: this },
        )
      : undefined;
    const logExports = ["postgresql", "upgrade"];
    // Created first, with a retention: RDS would otherwise create them keeping logs forever.
    const logGroups = logExports.map(
      (log) =>
        new aws.cloudwatch.LogGroup(
          `${name}-${log}-logs`,
          {
            name: `/aws/rds/instance/${args.identifier}/${log}`,
            retentionInDays: args.logRetentionInDays ?? 14,
          },
          { parent: this },
        ),
    );
    this.instance = new aws.rds.Instance(
      name,
      {
        identifier: args.identifier,
        engine: "postgres",
        engineVersion: POSTGRES_MAJOR_VERSION,
        autoMinorVersionUpgrade: true,
        instanceClass: args.instanceClass ?? profile.instanceClass,
        storageType: "gp3",
        allocatedStorage: storage.allocated,
        maxAllocatedStorage: storage.max,
        storageEncrypted: true,
        dbName: args.databaseName,
        username: this.username,
        ...(password ? { password: password.result } : { manageMasterUserPassword: true }),
        iamDatabaseAuthenticationEnabled: this.iamAuthentication,
        dbSubnetGroupName: subnetGroup.name,
        vpcSecurityGroupIds: [this.securityGroup.id],
        parameterGroupName: this.parameterGroup.name,
        publiclyAccessible: false,
        multiAz: args.multiAz ?? profile.multiAz,
        deletionProtection: args.deletionProtection ?? profile.deletionProtection,
        backupRetentionPeriod: backupRetentionDays,
        copyTagsToSnapshot: true,
        skipFinalSnapshot: !finalSnapshot,
        finalSnapshotIdentifier: finalSnapshot ? `${args.identifier}-final` : undefined,
        enabledCloudwatchLogsExports: logExports,
        caCertIdentifier: "rds-ca-rsa2048-g1",
        applyImmediately: !protect,
      },
      { parent: this, protect, dependsOn: logGroups },
    );

    // ---- expose ----
    this.address = this.instance.address;
    this.port = this.instance.port;
    if (password) {
      // Only the URL is read in other regions: the master credentials stay at home.
      const replicas = (args.secretReplicaRegions ?? []).map((region) => ({ region }));
      const secret = (
        role: string,
        description: string,
        value: pulumi.Input<string>,
        replicated: boolean,
      ) => {
        const created = new aws.secretsmanager.Secret(
          `${name}-${role}`,
          { namePrefix: `${name}/${role}-`, description, ...(replicated ? { replicas } : {}) },
          { parent: this },
        );
        const version = new aws.secretsmanager.SecretVersion(
          `${name}-${role}-value`,
          { secretId: created.id, secretString: pulumi.secret(value) },
          { parent: this },
        );
        return { secret: created, version };
      };
      this.secretArn = secret(
        "credentials",
        "PostgreSQL master user",
        pulumi.jsonStringify({
          username: this.username,
          password: password.result,
          host: this.address,
          port: this.port,
          dbname: args.databaseName,
        }),
        false,
      ).secret.arn;
      const url = secret(
        "url",
        "DATABASE_URL (TLS required) for services",
        pulumi.interpolate`postgresql://${this.username}:${password.result}@${this.address}:${this.port}/${args.databaseName}?sslmode=require`,
        true,
      );
      this.urlSecretArn = url.secret.arn;
      this.urlSecretVersion = url.version;
    } else {
      this.secretArn = this.instance.masterUserSecrets.apply((secrets) => {
        const arn = secrets?.[0]?.secretArn;
        if (!arn) throw new Error(`Postgres ${name}: RDS reported no managed master user secret`);
        return arn;
      });
    }
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

  /**
   * Lets one security group reach the database on its port: the rule is made here, from the
   * groups themselves, so no id is ever copied between stacks by hand.
   */
  allowFrom(
    caller: string,
    securityGroupId: pulumi.Input<string>,
    opts?: pulumi.CustomResourceOptions,
  ): aws.vpc.SecurityGroupIngressRule {
    return new aws.vpc.SecurityGroupIngressRule(
      `${this.name}-from-${caller}`,
      {
        securityGroupId: this.securityGroup.id,
        description: `PostgreSQL from ${caller}`,
        ipProtocol: "tcp",
        fromPort: POSTGRES_PORT,
        toPort: POSTGRES_PORT,
        referencedSecurityGroupId: securityGroupId,
      },
      { parent: this, ...opts },
    );
  }

  /** Lets a CIDR (a peer region's VPC: groups cannot be referenced across regions) reach it. */
  allowFromCidr(
    caller: string,
    cidrBlock: string,
    opts?: pulumi.CustomResourceOptions,
  ): aws.vpc.SecurityGroupIngressRule {
    return new aws.vpc.SecurityGroupIngressRule(
      `${this.name}-from-${caller}`,
      {
        securityGroupId: this.securityGroup.id,
        description: `PostgreSQL from ${caller} (${cidrBlock})`,
        ipProtocol: "tcp",
        fromPort: POSTGRES_PORT,
        toPort: POSTGRES_PORT,
        cidrIpv4: cidrBlock,
      },
      { parent: this, ...opts },
    );
  }
}

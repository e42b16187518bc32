import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { storeSecret } from "./data-stores";
import type { PostgresDatabase } from "./postgres-database";
import type { SharedPostgres } from "./shared-postgres";
import { tenantProblems } from "../functions/db-bootstrap/lib/tenant";

/** What a workload asks a `SharedPostgres` for. */
export interface TenantDatabaseSpec {
  /**
   * The workload's database: a lowercase identifier, not reserved by PostgreSQL or RDS.
   * @example "fred"
   */
  databaseName: string;
  /**
   * The workload's role, which owns the database and nothing else.
   * @example "fred_app"
   */
  username: string;
  /**
   * Also publish a `DATABASE_URL` secret (TLS required), for services that take a URL, replicated
   * to these regions besides the instance's (ECS reads secrets in the task's region).
   * @default undefined (no URL secret)
   */
  url?: { replicaRegions?: string[] };
}

export interface TenantDatabaseArgs extends TenantDatabaseSpec {
  /** The instance the database is made on. */
  host: SharedPostgres;
}

/**
 * A workload's database on a `SharedPostgres`: a generated password in a secret of the workload's
 * own (`{ username, password, host, port, dbname }`, and optionally a `DATABASE_URL` one), and an
 * `aws.lambda.Invocation` of the instance's bootstrap that makes the role and the database.
 *
 * The invocation keeps Pulumi's default lifecycle scope, CREATE_ONLY: the function runs when the
 * invocation is created or replaced (a new password version, a replaced instance, another name),
 * and deleting it runs nothing. A workload leaving the instance therefore leaves its database
 * behind until an operator drops it (the workloads' runbooks); no `pulumi up` can drop data.
 * https://www.pulumi.com/registry/packages/aws/api-docs/lambda/invocation/
 */
export class TenantDatabase extends pulumi.ComponentResource implements PostgresDatabase {
  public readonly address: pulumi.Output<string>;
  public readonly port: pulumi.Output<number>;
  public readonly databaseName: string;
  public readonly username: string;
  public readonly instanceClass: string;
  public readonly secretArn: pulumi.Output<string>;
  public readonly urlSecretArn?: pulumi.Output<string>;
  public readonly urlSecretVersion?: aws.secretsmanager.SecretVersion;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly ready: pulumi.Resource[];
  /** The bootstrap's invocation; its `result` names what it created (no secret). */
  public readonly invocation: aws.lambda.Invocation;

  private readonly name: string;
  private readonly host: SharedPostgres;

  constructor(name: string, args: TenantDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:data:TenantDatabase", name, {}, opts);
    this.name = name;

    // ---- normalize ----
    const { host } = args;
    this.host = host;
    const problems = tenantProblems(
      { database: args.databaseName, role: args.username },
      host.postgres.username,
    );
    if (problems.length > 0) throw new Error(`TenantDatabase ${name}: ${problems.join("; ")}`);
    this.databaseName = args.databaseName;
    this.username = args.username;
    this.instanceClass = host.postgres.instanceClass;
    this.address = host.postgres.address;
    this.port = host.postgres.port;

    // ---- create ----
    // URL-safe characters only: the password goes into DATABASE_URL unescaped.
    const password = new random.RandomPassword(
      `${name}-password`,
      { length: 40, special: false },
      { parent: this },
    );
    const credentials = storeSecret(
      name,
      "credentials",
      {
        description: `PostgreSQL user ${args.username} and its database ${args.databaseName}`,
        value: pulumi.jsonStringify({
          engine: "postgres",
          username: args.username,
          password: password.result,
          host: this.address,
          port: this.port,
          dbname: args.databaseName,
        }),
        // The bootstrap may read the secrets under this prefix, and no other.
        namePrefix: `${host.tenantSecretPrefix}${name}-`,
      },
      this,
    );
    if (args.url) {
      const url = storeSecret(
        name,
        "url",
        {
          description: "DATABASE_URL (TLS required) for services",
          value: pulumi.interpolate`postgresql://${args.username}:${password.result}@${this.address}:${this.port}/${args.databaseName}?sslmode=require`,
          replicaRegions: args.url.replicaRegions ?? [],
        },
        this,
      );
      this.urlSecretArn = url.secret.arn;
      this.urlSecretVersion = url.version;
    }
    this.invocation = new aws.lambda.Invocation(
      `${name}-bootstrap`,
      {
        functionName: host.bootstrap.functionName,
        // ARNs and names only: the function reads the password from the secret.
        input: pulumi.jsonStringify({
          operation: "ensure",
          database: args.databaseName,
          role: args.username,
          credentialsSecretArn: credentials.secret.arn,
        }),
        // Any change replaces the invocation, which runs the (idempotent) bootstrap again: a
        // new password version rotates it, a new instance gets the database made afresh.
        triggers: {
          credentials: credentials.version.versionId,
          instance: host.postgres.instance.resourceId,
        },
      },
      { parent: this, dependsOn: [credentials.version, ...host.bootstrapReady] },
    );

    // ---- expose ----
    this.secretArn = credentials.secret.arn;
    this.securityGroupId = host.postgres.securityGroupId;
    this.ready = [this.invocation];
    this.registerOutputs({ address: this.address, secretArn: this.secretArn });
  }

  /** Lets one security group reach the instance (the rule is named after this database). */
  allowFrom(
    caller: string,
    securityGroupId: pulumi.Input<string>,
    opts?: pulumi.CustomResourceOptions,
  ): aws.vpc.SecurityGroupIngressRule {
    return this.host.postgres.allowFrom(`${this.name}-${caller}`, securityGroupId, opts);
  }

  /** Lets a CIDR reach the instance (one rule per CIDR, whichever workload asks first). */
  allowFromCidr(
    caller: string,
    cidrBlock: string,
    opts?: pulumi.CustomResourceOptions,
  ): aws.vpc.SecurityGroupIngressRule {
    return this.host.allowFromCidr(`${this.name}-${caller}`, cidrBlock, opts);
  }
}

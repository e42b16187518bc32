/**
 * What a workload connects to: a PostgreSQL database with its host, user and secrets, and the way
 * to let callers reach it. Both an instance of the workload's own (`Postgres`) and a database on
 * the platform's shared instance (`TenantDatabase`, see shared-postgres.ts) are one.
 */
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

export interface PostgresDatabase {
  /** Host name to connect to. */
  readonly address: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  /** The workload's database. */
  readonly databaseName: string;
  /** The user the workload connects as. */
  readonly username: string;
  /** The instance class, which bounds the connections (components/db-connections.ts). */
  readonly instanceClass: string;
  /** A secret `{ username, password, host, port, dbname }` of that user. */
  readonly secretArn: pulumi.Output<string>;
  /** `postgresql://...?sslmode=require`, for services that take a `DATABASE_URL`, where asked for. */
  readonly urlSecretArn?: pulumi.Output<string>;
  /** The URL's value: what services reading `urlSecretArn` wait for. */
  readonly urlSecretVersion?: aws.secretsmanager.SecretVersion;
  /** The database's security group, which callers' egress rules name. */
  readonly securityGroupId: pulumi.Output<string>;
  /**
   * What a connection waits for besides the secrets' values: the database and user being made on
   * a shared instance; nothing for an instance of the workload's own.
   */
  readonly ready: pulumi.Resource[];
  /** Lets one security group of the same region reach the database. */
  allowFrom(
    caller: string,
    securityGroupId: pulumi.Input<string>,
    opts?: pulumi.CustomResourceOptions,
  ): aws.vpc.SecurityGroupIngressRule;
  /** Lets a CIDR (a peer region's VPC: groups cannot be referenced across regions) reach it. */
  allowFromCidr(
    caller: string,
    cidrBlock: string,
    opts?: pulumi.CustomResourceOptions,
  ): aws.vpc.SecurityGroupIngressRule;
}

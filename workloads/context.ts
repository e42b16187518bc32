/**
 * What the platform gives every workload, built once by the program (index.ts): the environment
 * profile, log retention, and per side (home, remote) the network, provider, region, access log
 * bucket and shared load balancer, plus the account and ARN partition, and the shared database
 * instance where there is one. A workload's constructor takes `{ context, settings, ... }`.
 */
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { AccessLogTarget } from "../components/access-log-bucket";
import type { Network } from "../components/network";
import type { SharedLoadBalancer } from "../components/shared-load-balancer";
import type { EnvironmentProfile, LogRetentionDays } from "../components/profile";
import type { SharedPostgres } from "../components/shared-postgres";

/** One region of the platform: its VPC, the provider every resource there names, its name. */
export interface PlatformSide {
  readonly network: Network;
  readonly provider: aws.Provider;
  /** e.g. `us-east-1` */
  readonly region: string;
  /**
   * The region's access log bucket, where its load balancers and buckets log (prod; see
   * `platform:accessLogs`). Undefined where access logs are off.
   */
  readonly accessLogs?: AccessLogTarget;
  /**
   * The region's public load balancer, shared by every workload that serves HTTP: created on the
   * first call, so a region no workload asks it of has none. Undefined where
   * `platform:sharedLoadBalancer` is false: each workload builds its own.
   */
  readonly sharedLoadBalancer?: () => SharedLoadBalancer;
}

export interface WorkloadContext {
  /** dev or prod: sizes, retention and protection follow it. */
  readonly environment: EnvironmentProfile;
  /** True for prod: stateful resources are protected, Multi-AZ and retained. */
  readonly isProd: boolean;
  /** Retention of every log group the workload creates, in days. */
  readonly logRetentionInDays: LogRetentionDays;
  /** Container Insights on the workload's ECS clusters (`platform:containerInsights`). */
  readonly containerInsights: boolean;
  /** EC2 Spot for the workload's ECS container instances (`platform:ec2Spot`). */
  readonly ec2Spot: boolean;
  /** The home region: data stores and most workloads. */
  readonly home: PlatformSide;
  /** The remote region, reached over VPC peering. */
  readonly remote: PlatformSide;
  /** The account the stack deploys to. */
  readonly accountId: pulumi.Output<string>;
  /** The ARN partition (`aws`, `aws-us-gov`, ...): ARNs are built with it, never spelled `arn:aws:`. */
  readonly partition: pulumi.Output<string>;
  /**
   * The home region's shared PostgreSQL instance (`platform:sharedDatabase`, on in dev): a
   * workload asks it for a database (`addDatabase`) instead of creating an instance. Undefined
   * where each workload runs its own (prod).
   */
  readonly sharedDatabase?: SharedPostgres;
}

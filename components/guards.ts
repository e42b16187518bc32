/**
 * Program-wide guards: what every resource of the stack gets, or is checked for, whichever
 * workload makes it. Registered once by the program before the workloads are built.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * Types whose loss loses data or work that the program cannot recreate: databases, caches,
 * tables, buckets, user pools, secrets (a login's refresh token, generated credentials) and image
 * repositories (pushed releases).
 */
export const STATEFUL_TYPES = [
  "aws:rds/instance:Instance",
  "aws:rds/cluster:Cluster",
  "aws:elasticache/replicationGroup:ReplicationGroup",
  "aws:dynamodb/table:Table",
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "aws:cognito/userPool:UserPool",
  "aws:secretsmanager/secret:Secret",
  "aws:ecr/repository:Repository",
] as const;

/**
 * `protect: true` on every stateful resource (prod): a delete or a replacement then stops the
 * update instead of losing data, whichever workload created the resource.
 */
export function protectStatefulResources(): void {
  const stateful = new Set<string>(STATEFUL_TYPES);
  pulumi.runtime.registerStackTransformation((args) =>
    stateful.has(args.type)
      ? { props: args.props, opts: pulumi.mergeOptions(args.opts, { protect: true }) }
      : undefined,
  );
}

/** Lambda keeps this much of the account's concurrency unreserved (PutFunctionConcurrency). */
export const UNRESERVED_CONCURRENCY_MINIMUM = 100;

/** Service Quotas' code for Lambda's concurrent executions in a region. */
export const LAMBDA_CONCURRENCY_QUOTA = { serviceCode: "lambda", quotaCode: "L-B99A9384" };

/**
 * Counts the reserved concurrency of every function the stack creates, as they are constructed.
 * Read `total()` once the workloads are built.
 */
export function tallyReservedConcurrency(): { total(): number } {
  let total = 0;
  pulumi.runtime.registerStackTransformation((args) => {
    if (args.type === "aws:lambda/function:Function") {
      const reserved = (args.props as { reservedConcurrentExecutions?: unknown })
        .reservedConcurrentExecutions;
      if (typeof reserved === "number" && reserved > 0) total += reserved;
    }
    return undefined;
  });
  return { total: () => total };
}

/**
 * Why the account's concurrency quota cannot hold the reservations, or undefined when it can:
 * Lambda refuses a reservation that leaves less than 100 unreserved, and new accounts can start
 * with a quota of 10.
 */
export function concurrencyShortfall(args: {
  quota: number;
  /** This stack's reservations. */
  reserved: number;
  /** What other stacks in the account and region reserve. */
  elsewhere: number;
  region: string;
}): string | undefined {
  const needed = UNRESERVED_CONCURRENCY_MINIMUM + args.reserved + args.elsewhere;
  if (args.quota >= needed) return undefined;
  const { serviceCode, quotaCode } = LAMBDA_CONCURRENCY_QUOTA;
  return (
    `Lambda's concurrent executions quota (${quotaCode}) in ${args.region} is ${args.quota}; this stack ` +
    `reserves ${args.reserved}, other stacks ${args.elsewhere} (platform:reservedConcurrencyElsewhere), ` +
    `and Lambda keeps ${UNRESERVED_CONCURRENCY_MINIMUM} unreserved: at least ${needed} is needed. ` +
    `Request it before deploying: aws service-quotas request-service-quota-increase ` +
    `--service-code ${serviceCode} --quota-code ${quotaCode} --desired-value 1000 --region ${args.region}`
  );
}

/**
 * Reads the region's concurrency quota at every preview and update, and fails the run, before
 * the functions are created, when the reservations do not fit.
 */
export function requireConcurrencyQuota(
  args: { reserved: number; elsewhere: number },
  opts: pulumi.InvokeOutputOptions,
): pulumi.Output<number> {
  return aws.servicequotas.getServiceQuotaOutput(LAMBDA_CONCURRENCY_QUOTA, opts).apply((quota) => {
    const problem = concurrencyShortfall({ ...args, quota: quota.value, region: quota.region });
    if (problem) throw new pulumi.RunError(problem);
    return quota.value;
  });
}

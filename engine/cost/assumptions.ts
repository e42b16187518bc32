/**
 * The usage the estimate assumes where the plan cannot say: requests, durations, gigabytes. One typed
 * object with documented defaults; every map is keyed by a resource's logical name (as in the plan)
 * and overrides the default for that resource only. `usageAssumptionsSchema` validates a partial
 * object (e.g. a stack config block) and fills in the defaults.
 */
import { z } from "zod";

const count = z.number().finite().nonnegative();
const byName = z.record(z.string(), count);

/** A per-resource map plus the value for every resource it does not name. */
const perResource = (fallback: number, what: string) =>
  z
    .object({
      default: count.default(fallback).describe(`${what} of a resource the map does not name`),
      byName: byName.default({}).describe(`${what}, by the resource's logical name`),
    })
    .prefault({});

export const usageAssumptionsSchema = z
  .object({
    /** Requests a month of each API Gateway API (REST or HTTP), by the API's logical name. */
    apiRequestsPerMonth: perResource(100_000, "Requests a month"),
    lambda: z
      .object({
        /**
         * Average billed duration of an invocation, ms. 1 s: a handler making one or two upstream
         * HTTPS calls (the streamer: a Schwab fetch and a Supabase upsert) at 256 MB.
         */
        averageDurationMs: perResource(1000, "Average billed duration, ms"),
        /**
         * Invocations a month, replacing the count derived from the plan (the schedules that target
         * the function, the APIs in front of it). `default` applies only to functions nothing in the
         * plan invokes on a schedule or from an API (event-driven ones).
         */
        invocationsPerMonth: perResource(1000, "Invocations a month"),
      })
      .prefault({}),
    /** Distinct EMF metrics (name × dimension combination) of a function with a metrics namespace. */
    customMetricsPerFunction: perResource(5, "Custom metrics"),
    logs: z
      .object({
        /** GB ingested a month per log group, by what writes to it. */
        ingestedGbPerMonth: z
          .object({
            lambda: count.default(0.1),
            ecs: count.default(0.5),
            apiAccess: count.default(0.05),
            flowLogs: count.default(2),
            rds: count.default(0.1),
            other: count.default(0.1),
            byName: byName.default({}),
          })
          .prefault({}),
        /** Months of logs kept by a group without retention (it grows forever). */
        unboundedRetentionMonths: count.default(12),
      })
      .prefault({}),
    /** Secrets Manager API calls a month of a secret no function reads (task starts, rotation). */
    secretApiCallsPerMonth: perResource(100, "API calls a month"),
    /** GB a month processed by each NAT gateway. */
    natGbPerMonth: perResource(10, "GB processed a month"),
    /** Average LCUs of each ALB (1 LCU: 25 new connections/s, 3,000 active, or 1 GB/h). */
    albLcu: perResource(0.5, "Average LCUs"),
    /** GB a month through each interface endpoint. */
    interfaceEndpointGbPerMonth: perResource(1, "GB a month"),
    /** GB a month sent each way across an inter-region peering (the sending region pays). */
    peeringGbPerMonthEachWay: perResource(100, "GB a month each way"),
    dynamodb: z
      .object({
        readsPerMonth: perResource(1_000_000, "Read request units a month"),
        writesPerMonth: perResource(200_000, "Write request units a month"),
        storageGb: perResource(1, "GB stored"),
      })
      .prefault({}),
    /** Monthly active users of each Cognito user pool. */
    cognitoMau: perResource(100, "Monthly active users"),
    /** GB of images kept in each ECR repository. */
    ecrGb: perResource(1, "GB stored"),
    s3: z
      .object({
        storageGb: perResource(5, "GB stored"),
        putsPerMonth: perResource(10_000, "PUT/LIST requests a month"),
        getsPerMonth: perResource(100_000, "GET requests a month"),
      })
      .prefault({}),
    /** Requests a month to each KMS key. */
    kmsRequestsPerMonth: perResource(10_000, "Requests a month"),
    /** Share of traced requests X-Ray records (1: every request, an upper bound at low volume). */
    xraySampledFraction: z.number().min(0).max(1).default(1),
    /**
     * Task-hours a month of a Fargate task definition no service runs (launched by RunTask, like
     * QuickBets' trading sessions), by the task definition's logical name.
     */
    runTaskHoursPerMonth: perResource(100, "Task-hours a month"),
    /**
     * Container Insights (cluster setting `containerInsights`): GB of performance log events a
     * running task sends a month. Its metrics are counted from AWS's documentation (rates.ts).
     */
    containerInsights: z
      .object({
        logGbPerTaskPerMonth: count.default(0.05),
      })
      .prefault({}),
  })
  .prefault({});

/** The stack-file key that holds a stack's assumptions (a namespace of its own: the program never reads it). */
export const COST_ASSUMPTIONS_KEY = "cost:assumptions";

export type UsageAssumptions = z.output<typeof usageAssumptionsSchema>;
export type UsageAssumptionsInput = z.input<typeof usageAssumptionsSchema>;

/** The assumptions with every default filled in; throws naming each invalid key. */
export function resolveAssumptions(input?: UsageAssumptionsInput): UsageAssumptions {
  const parsed = usageAssumptionsSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid cost assumptions:\n  - ${problems.join("\n  - ")}`);
  }
  return parsed.data;
}

export const DEFAULT_ASSUMPTIONS: UsageAssumptions = resolveAssumptions();

/** The value of a per-resource assumption for `name`. */
export const valueFor = (a: { default: number; byName: Record<string, number> }, name: string) =>
  a.byName[name] ?? a.default;

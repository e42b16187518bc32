/**
 * The FRED jobs API in the home region: `containers/web-api` as a container Lambda behind the
 * Lambda Web Adapter, in the private subnets, with its PostgreSQL database (an RDS instance of its
 * own, or a database and user on the shared instance) and an uploads bucket. What took seven
 * ordered Sceptre stacks and hand-copied ids is one component wiring another.
 */
import * as pulumi from "@pulumi/pulumi";
import { databaseConcurrency } from "../../components/db-connections";
import { Postgres } from "../../components/postgres";
import type { PostgresDatabase } from "../../components/postgres-database";
import { WebAdapterApi, type WebAdapterRoute } from "../../components/web-adapter-api";
import type { WorkloadContext } from "../context";
import type { FredJobsSettings } from "./settings";
import { WEB_API_ENV } from "../../containers/web-api/src/env";
import { functionEnvironment } from "../../functions/shared/env";

export interface FredJobsArgs {
  /** In the home region: the app and the database in its private and isolated subnets. */
  context: WorkloadContext;
  settings: FredJobsSettings;
}

/** Where the app listens and what the adapter polls; containers/web-api/Dockerfile agrees (tested). */
export const FRED_JOBS_PORT = 8080;
export const FRED_JOBS_READINESS_PATH = "/health";

/**
 * Connections each app instance holds: Lambda hands an instance one request at a time, so a
 * second connection would only sit idle (containers/web-api reads it as DB_POOL_MAX).
 */
export const FRED_JOBS_POOL_MAX = 1;

/**
 * The share of the account's reserved concurrency the API may take. Reservations are scarce
 * (new accounts have a small quota, and the stack's total is capped), so the class's
 * connections are rarely the bound: a db.t4g.micro takes about 90.
 */
export const FRED_JOBS_CONCURRENCY_BUDGET = 5;

/** The app's routes (containers/web-api/src/app.ts); only the health check is unauthenticated. */
export const FRED_JOBS_ROUTES: Record<string, WebAdapterRoute> = {
  health: { method: "GET", path: "/health", authorization: "none" },
  registration: { method: "GET", path: "/api/v1/registration" },
  "create-job": { method: "POST", path: "/api/v1/jobs" },
  "get-job": { method: "GET", path: "/api/v1/jobs/{jobId}" },
  "create-run": { method: "POST", path: "/api/v1/runs" },
  "get-run": { method: "GET", path: "/api/v1/runs/{runId}" },
  "upload-url": { method: "GET", path: "/api/v1/runs/{runId}/upload-url" },
  // Every other method of those paths reaches the app too, which answers 405 with Allow; without
  // these API Gateway would answer a 403 "Missing Authentication Token" for a wrong method.
  "health-other": { method: "ANY", path: "/health" },
  "registration-other": { method: "ANY", path: "/api/v1/registration" },
  "jobs-other": { method: "ANY", path: "/api/v1/jobs" },
  "job-other": { method: "ANY", path: "/api/v1/jobs/{jobId}" },
  "runs-other": { method: "ANY", path: "/api/v1/runs" },
  "run-other": { method: "ANY", path: "/api/v1/runs/{runId}" },
  "upload-url-other": { method: "ANY", path: "/api/v1/runs/{runId}/upload-url" },
};

/** The jobs database, and its user where the instance is shared (prod's is the master user). */
export const FRED_JOBS_DATABASE = { name: "fred", sharedUser: "fred_app" } as const;

export class FredJobs extends pulumi.ComponentResource {
  public readonly database: PostgresDatabase;
  public readonly api: WebAdapterApi;

  constructor(name: string, args: FredJobsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "platform:workload:FredJobs",
      name,
      {},
      { provider: args.context.home.provider, ...opts },
    );
    const { context, settings } = args;
    const { environment, logRetentionInDays } = context;
    const { network } = context.home;

    this.database = context.sharedDatabase
      ? context.sharedDatabase.addDatabase(
          `${name}-db`,
          { databaseName: FRED_JOBS_DATABASE.name, username: FRED_JOBS_DATABASE.sharedUser },
          { parent: this },
        )
      : new Postgres(
          `${name}-db`,
          {
            network,
            profile: environment,
            identifier: `${name}-${environment}`,
            databaseName: FRED_JOBS_DATABASE.name,
            username: "fred_admin",
            instanceClass: settings.instanceClass,
            logRetentionInDays,
          },
          { parent: this },
        );
    // Instances × connections each stays below the class's max_connections: a burst beyond the
    // reservation is throttled by Lambda (a 503 from the gateway), never a refused connection.
    const { concurrency } = databaseConcurrency(
      this.database.instanceClass,
      FRED_JOBS_POOL_MAX,
      FRED_JOBS_CONCURRENCY_BUDGET,
    );
    this.api = new WebAdapterApi(
      name,
      {
        packaging: { image: { context: "containers/web-api" } },
        port: FRED_JOBS_PORT,
        readinessPath: FRED_JOBS_READINESS_PATH,
        memorySize: settings.memorySize,
        routes: FRED_JOBS_ROUTES,
        // Every other path reaches the app, which answers a JSON 404 (behind IAM like the rest).
        catchAll: true,
        authorization: "iam",
        network,
        database: this.database,
        uploads: { prefix: "uploads/", expireAfterDays: settings.uploadRetentionDays },
        accessLogs: context.home.accessLogs?.forBucket(`${name}-uploads`),
        corsOrigins: [...settings.corsOrigins],
        throttle: { rateLimit: settings.rateLimit, burstLimit: settings.burstLimit },
        logRetentionInDays,
        // dev is torn down whole; prod keeps its images and uploads (and protects both).
        forceDestroy: environment === "dev",
        stageName: "v1",
        reservedConcurrency: concurrency,
        environment: functionEnvironment(WEB_API_ENV, {
          APP_ENV: environment,
          DB_POOL_MAX: String(FRED_JOBS_POOL_MAX),
        }),
      },
      { parent: this },
    );
    this.registerOutputs({ url: this.api.url });
  }
}

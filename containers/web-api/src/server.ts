/**
 * Entry point: configuration from the environment, database credentials, migrations, then HTTP.
 * The port opens only once the schema is current, so the Lambda Web Adapter's readiness check
 * (GET /health) passes only when requests can be served. SIGTERM (sent by Lambda before it shuts
 * an environment down, and by ECS/Docker) stops accepting connections, lets in-flight requests
 * finish and closes the pool.
 */
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Pool } from "pg";
import { createApp } from "./app";
import { loadConfig, type AppConfig } from "./config";
import { secretCredentials, type Credentials } from "./credentials";
import { createPool } from "./db";
import { listen } from "./listen";
import { describeError, jsonLogger, type Logger } from "./log";
import { migrate } from "./migrate";
import { uploadClient } from "./uploads";

/** Longest a shutdown waits for in-flight requests before exiting anyway. */
const SHUTDOWN_GRACE_MS = 5000;

/** The version in package.json, one directory above this file in src/ and in dist/ alike. */
export function packageVersion(dir = __dirname): string {
  const { version } = JSON.parse(readFileSync(join(dir, "..", "package.json"), "utf8")) as {
    version?: unknown;
  };
  return typeof version === "string" ? version : "unknown";
}

function credentialsFor(config: AppConfig): () => Promise<Partial<Credentials>> {
  const source = config.db.password;
  if (source.kind === "plain") return () => Promise.resolve({ password: source.password });
  const client = new SecretsManagerClient({ region: config.region });
  return secretCredentials(client, source.secretArn);
}

export async function start(logger: Logger): Promise<void> {
  const config = loadConfig(process.env, (path) => readFileSync(path, "utf8"));
  const pool = await createPool(config.db, credentialsFor(config), (error) =>
    logger.log("warn", "idle database connection failed", describeError(error)),
  );
  let server: Server | undefined;
  try {
    const applied = await migrate(pool, logger);
    logger.log("info", "schema is current", { applied });
    const app = createApp({
      db: pool,
      uploads: {
        s3: uploadClient(config.region),
        bucket: config.uploads.bucket,
        prefix: config.uploads.prefix,
      },
      environment: config.environment,
      version: packageVersion(),
      corsOrigins: config.corsOrigins,
      logger,
    });
    server = await listen(app.fetch, config.port);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  logger.log("info", "listening", { port, environment: config.environment });
  onShutdown(server, pool, logger);
}

function onShutdown(server: Server, pool: Pool, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.log("info", "shutting down", { signal });
    // Unref'd: a clean close exits on its own; this only cuts a hung one short.
    setTimeout(() => {
      logger.log("warn", "shutdown grace period over; exiting");
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    server.close(() => {
      pool.end().then(
        () => logger.log("info", "stopped"),
        (error: unknown) => logger.log("warn", "closing the pool failed", describeError(error)),
      );
    });
    // Keep-alive connections with no request in flight would hold close() open.
    server.closeIdleConnections();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

if (require.main === module) {
  const logger = jsonLogger();
  start(logger).catch((error: unknown) => {
    logger.log("error", "start failed", describeError(error));
    process.exit(1);
  });
}

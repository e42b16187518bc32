/**
 * The shared PostgreSQL instance's bootstrap, in its VPC: invoked by the program's
 * `aws.lambda.Invocation` for each workload's database (`{ "operation": "ensure", "database",
 * "role", "credentialsSecretArn" }`), or by an operator to remove one (`"operation": "drop"`).
 * It reads the master user's RDS-managed secret and the workload's own secret, connects with TLS
 * verified against the runtime's Amazon CAs, and runs lib/tenant.ts. Neither password is logged
 * or returned: the result names what was created.
 */
import { readFileSync } from "node:fs";
import { Logger } from "@aws-lambda-powertools/logger";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type * as pg from "pg";
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { envLoader, integer, requiredString } from "../shared/env";
import { DB_BOOTSTRAP_ENV } from "./env";
import { dropTenant, ensureTenant, type Queryable } from "./lib/tenant";

z.config(en());

// The pure-JavaScript client: pg's index also wires the optional native binding (pg-native),
// which no bundle can hold.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Client = require("pg/lib/client") as typeof pg.Client;

const logger = new Logger();

const BootstrapEvent = z.looseObject({
  operation: z.enum(["ensure", "drop"]),
  database: z.string(),
  role: z.string(),
  credentialsSecretArn: z.optional(z.string()),
});
export type BootstrapEvent = z.infer<typeof BootstrapEvent>;

/** Where the master user connects. */
export interface BootstrapConfig {
  masterSecretArn: string;
  host: string;
  port: number;
  database: string;
  caFile: string;
}

export const loadConfig = envLoader(DB_BOOTSTRAP_ENV, (env): BootstrapConfig => ({
  masterSecretArn: requiredString(env, "MASTER_SECRET_ARN"),
  host: requiredString(env, "DB_HOST"),
  port: integer(env, "DB_PORT", { min: 1, max: 65535 }),
  database: requiredString(env, "DB_NAME"),
  caFile: requiredString(env, "DB_SSL_CA_FILE"),
}));

/** A connected client the statements run on. */
export type Connection = Queryable & { end(): Promise<void> };

/** What the handler talks to: injectable, so tests run it against a local PostgreSQL. */
export interface BootstrapDeps {
  secrets: Pick<SecretsManagerClient, "send">;
  connect(config: BootstrapConfig, user: string, password: string): Promise<Connection>;
}

/** `{ username, password }` of a secret's JSON; the error names the secret, never the value. */
export async function credentialsOf(
  secrets: BootstrapDeps["secrets"],
  secretArn: string,
): Promise<{ username: string; password: string }> {
  const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
  let value: unknown;
  try {
    value = JSON.parse(SecretString ?? "");
  } catch {
    throw new Error(`secret ${secretArn} is not JSON ({ username, password })`);
  }
  const { username, password } = (value ?? {}) as Record<string, unknown>;
  if (typeof username !== "string" || typeof password !== "string" || !username || !password) {
    throw new Error(`secret ${secretArn} has no username and password`);
  }
  return { username, password };
}

/** TLS required and verified: the instance forces it (rds.force_ssl). */
async function connectWithTls(
  config: BootstrapConfig,
  user: string,
  password: string,
): Promise<Connection> {
  const client = new Client({
    host: config.host,
    port: config.port,
    database: config.database,
    user,
    password,
    ssl: { rejectUnauthorized: true, ca: readFileSync(config.caFile, "utf8") },
    connectionTimeoutMillis: 10_000,
    statement_timeout: 20_000,
    application_name: "platform-db-bootstrap",
  });
  await client.connect();
  return client;
}

export function bootstrapHandler(deps: BootstrapDeps) {
  return async (raw: unknown) => {
    const parsed = BootstrapEvent.safeParse(raw);
    if (!parsed.success) throw new Error(`not a bootstrap event: ${z.prettifyError(parsed.error)}`);
    const event = parsed.data;
    const config = loadConfig();
    const tenant = { database: event.database, role: event.role };
    const master = await credentialsOf(deps.secrets, config.masterSecretArn);

    let password: string | undefined;
    if (event.operation === "ensure") {
      if (!event.credentialsSecretArn) throw new Error("ensure needs credentialsSecretArn");
      const own = await credentialsOf(deps.secrets, event.credentialsSecretArn);
      if (own.username !== tenant.role) {
        throw new Error(
          `secret ${event.credentialsSecretArn} is for ${own.username}, not ${tenant.role}`,
        );
      }
      password = own.password;
    }

    const client = await deps.connect(config, master.username, master.password);
    try {
      const result =
        password !== undefined
          ? await ensureTenant(client, tenant, password, master.username)
          : await dropTenant(client, tenant, master.username);
      const summary = { operation: event.operation, ...tenant, ...result };
      logger.info("done", summary);
      return summary;
    } finally {
      await client.end();
    }
  };
}

let secretsClient: SecretsManagerClient | undefined;

export const handler = bootstrapHandler({
  get secrets() {
    return (secretsClient ??= new SecretsManagerClient({}));
  },
  connect: connectWithTls,
});

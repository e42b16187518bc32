/**
 * The app's settings, read once from the environment at start. Every failure names the variable,
 * so a misconfigured deployment says what to fix in its first log line.
 *
 * | Variable          | Meaning                                                        | Default    |
 * | ----------------- | -------------------------------------------------------------- | ---------- |
 * | `PORT`            | HTTP port (0 picks a free one; tests only)                     | `8080`     |
 * | `APP_ENV`         | environment name, echoed by /api/v1/registration               | (required) |
 * | `DB_HOST`         | PostgreSQL host                                                | (required) |
 * | `DB_PORT`         | PostgreSQL port                                                | `5432`     |
 * | `DB_NAME`         | database name                                                  | (required) |
 * | `DB_USER`         | database user                                                  | secret's `username` |
 * | `DB_SECRET_ARN`   | Secrets Manager secret `{ "username", "password" }` (RDS-managed) | (required outside test/local) |
 * | `DB_PASSWORD`     | password, accepted only when APP_ENV is `test` or `local` and no secret is named | none |
 * | `DB_SSL_CA_FILE`  | PEM bundle trusted for the database's certificate (the RDS CA bundle) | Node's CAs |
 * | `DB_SSL`          | `disable` turns TLS off; refused unless APP_ENV is `test` or `local` | on |
 * | `DB_POOL_MAX`     | most connections the pool opens (Lambda serves one request at a time per instance) | `1` |
 * | `UPLOAD_BUCKET`   | S3 bucket the presigned upload URLs point into                 | (required) |
 * | `UPLOAD_PREFIX`   | key prefix of uploads; a run's upload lands at `<prefix><run id>/input` | `uploads/` |
 * | `AWS_REGION`      | region of the S3 and Secrets Manager clients                   | (required) |
 * | `CORS_ORIGINS`    | comma-separated browser origins (`https://app.example.com`) whose requests get CORS headers | none |
 */
import type { Env, EnvName } from "./env";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export type { Env } from "./env";

/** Environments where a plaintext password and an unencrypted connection are acceptable. */
export const LOCAL_ENVIRONMENTS: readonly string[] = ["test", "local"];

export type TlsOptions = false | { rejectUnauthorized: true; ca?: string };

export type PasswordSource =
  { kind: "secret"; secretArn: string } | { kind: "plain"; password: string | undefined };

export interface DatabaseConfig {
  host: string;
  port: number;
  database: string;
  user: string | undefined;
  password: PasswordSource;
  ssl: TlsOptions;
  poolMax: number;
}

export interface UploadConfig {
  bucket: string;
  prefix: string;
}

export interface AppConfig {
  port: number;
  /** Browser origins answered with Access-Control-Allow-Origin. */
  corsOrigins: readonly string[];
  environment: string;
  region: string;
  db: DatabaseConfig;
  uploads: UploadConfig;
}

/** `readFile` reads the CA bundle; injectable so parsing stays a pure function in tests. */
export function loadConfig(env: Env, readFile: (path: string) => string): AppConfig {
  const environment = required(env, "APP_ENV");
  const local = LOCAL_ENVIRONMENTS.includes(environment);
  return {
    port: integer(env, "PORT", { min: 0, max: 65535, fallback: 8080 }),
    corsOrigins: origins(env.CORS_ORIGINS ?? ""),
    environment,
    region: required(env, "AWS_REGION"),
    db: {
      host: required(env, "DB_HOST"),
      port: integer(env, "DB_PORT", { min: 1, max: 65535, fallback: 5432 }),
      database: required(env, "DB_NAME"),
      user: optional(env, "DB_USER"),
      password: passwordSource(env, environment, local),
      ssl: tlsOptions(env, environment, local, readFile),
      poolMax: integer(env, "DB_POOL_MAX", { min: 1, max: 100, fallback: 1 }),
    },
    uploads: {
      bucket: bucketName(required(env, "UPLOAD_BUCKET")),
      prefix: uploadPrefix(env.UPLOAD_PREFIX ?? "uploads/"),
    },
  };
}

function passwordSource(env: Env, environment: string, local: boolean): PasswordSource {
  const secretArn = optional(env, "DB_SECRET_ARN");
  if (secretArn !== undefined) {
    if (!/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/.test(secretArn)) {
      throw new ConfigError(
        `DB_SECRET_ARN must be a Secrets Manager secret ARN, got "${secretArn}"`,
      );
    }
    return { kind: "secret", secretArn };
  }
  if (!local) {
    throw new ConfigError(
      `DB_SECRET_ARN is not set; a plaintext DB_PASSWORD is accepted only when APP_ENV is ` +
        `${LOCAL_ENVIRONMENTS.join(" or ")} (APP_ENV is "${environment}")`,
    );
  }
  // Not trimmed: a password may legitimately start or end with spaces.
  return { kind: "plain", password: env.DB_PASSWORD || undefined };
}

function tlsOptions(
  env: Env,
  environment: string,
  local: boolean,
  readFile: (path: string) => string,
): TlsOptions {
  const mode = optional(env, "DB_SSL")?.toLowerCase();
  if (mode === "disable") {
    if (!local) {
      throw new ConfigError(
        `DB_SSL=disable is accepted only when APP_ENV is ${LOCAL_ENVIRONMENTS.join(" or ")} ` +
          `(APP_ENV is "${environment}")`,
      );
    }
    return false;
  }
  if (mode !== undefined && mode !== "require") {
    throw new ConfigError(`DB_SSL must be "require" or "disable", got "${mode}"`);
  }
  const caFile = optional(env, "DB_SSL_CA_FILE");
  if (caFile === undefined) return { rejectUnauthorized: true };
  let ca: string;
  try {
    ca = readFile(caFile);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`DB_SSL_CA_FILE cannot be read (${caFile}): ${reason}`);
  }
  if (!ca.includes("-----BEGIN CERTIFICATE-----")) {
    throw new ConfigError(`DB_SSL_CA_FILE (${caFile}) holds no PEM certificate`);
  }
  return { rejectUnauthorized: true, ca };
}

/** A comma-separated list of exact origins (`scheme://host[:port]`, no path, no wildcard). */
export function origins(raw: string): string[] {
  const items = raw
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
  for (const item of items) {
    let origin: string | undefined;
    try {
      const url = new URL(item);
      origin = ["http:", "https:"].includes(url.protocol) ? url.origin : undefined;
    } catch {
      origin = undefined;
    }
    if (origin !== item) {
      throw new ConfigError(
        `CORS_ORIGINS must list origins like https://app.example.com, got "${item}"`,
      );
    }
  }
  return items;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function bucketName(value: string): string {
  if (!BUCKET.test(value) || value.includes("..")) {
    throw new ConfigError(`UPLOAD_BUCKET must be an S3 bucket name, got "${value}"`);
  }
  return value;
}

/** A key prefix: empty, or relative and ending in "/" (added when missing). */
export function uploadPrefix(raw: string): string {
  const value = raw.trim();
  if (value === "") return "";
  if (value.startsWith("/") || value.split("/").some((part) => part === "." || part === "..")) {
    throw new ConfigError(
      `UPLOAD_PREFIX must be a relative key prefix such as "uploads/", got "${raw}"`,
    );
  }
  return value.endsWith("/") ? value : `${value}/`;
}

function required(env: Env, name: EnvName): string {
  const value = optional(env, name);
  if (value === undefined) throw new ConfigError(`environment variable ${name} is not set`);
  return value;
}

function optional(env: Env, name: EnvName): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function integer(
  env: Env,
  name: EnvName,
  { min, max, fallback }: { min: number; max: number; fallback: number },
): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

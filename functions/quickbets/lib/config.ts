/**
 * The QuickBets functions' environment, one parser per handler. Each reads only the variables its
 * handler needs, so the infrastructure can see (and tests can prove) what a function depends on.
 */
import { EnvError, integer, requiredList, requiredString, url, type Env } from "../../shared/env";
import { SESSION_ID_LENGTH, TICKER } from "./ids";

export interface ApiConfig {
  allowedOrigins: readonly string[];
}

export interface KalshiConfig {
  /** Origin of the Kalshi API, without a trailing slash; `/trade-api/v2/...` is appended. */
  kalshiBaseUrl: string;
  upstreamTimeoutMs: number;
}

function api(env: Env): ApiConfig {
  // Set but possibly empty: an API without browser origins still answers its other callers.
  if (env.ALLOWED_ORIGINS === undefined) {
    throw new EnvError("environment variable ALLOWED_ORIGINS is not set");
  }
  return {
    allowedOrigins: env.ALLOWED_ORIGINS.split(",")
      .map((origin) => origin.trim())
      .filter(Boolean),
  };
}

function kalshi(env: Env): KalshiConfig {
  return {
    kalshiBaseUrl: url(env, "UPSTREAM_BASE_URL", ["https:", "http:"]),
    upstreamTimeoutMs: integer(env, "UPSTREAM_TIMEOUT_MS", { min: 1, max: 30_000, fallback: 5000 }),
  };
}

function secretPrefix(env: Env): string {
  const prefix = requiredString(env, "USER_KEY_SECRET_PREFIX");
  if (!/^[A-Za-z0-9/_+=.@-]+$/.test(prefix)) {
    throw new EnvError(
      "environment variable USER_KEY_SECRET_PREFIX has characters a secret name cannot",
    );
  }
  return prefix;
}

function arn(env: Env, name: string): string {
  const value = requiredString(env, name);
  if (!value.startsWith("arn:")) throw new EnvError(`environment variable ${name} must be an ARN`);
  return value;
}

function ids(env: Env, name: string, prefix: string): readonly string[] {
  const values = requiredList(env, name);
  const bad = values.find((value) => !value.startsWith(prefix));
  if (bad !== undefined) {
    throw new EnvError(`environment variable ${name} must list ${prefix}* ids, got "${bad}"`);
  }
  return values;
}

function table(env: Env): string {
  return requiredString(env, "SESSIONS_TABLE");
}

function websocketBaseUrl(env: Env): string {
  return url(env, "WEBSOCKET_BASE_URL", ["wss:", "ws:"]);
}

export interface EventsConfig extends ApiConfig, KalshiConfig {
  series: readonly string[];
}

export const EVENTS_ENV = [
  "ALLOWED_ORIGINS",
  "UPSTREAM_BASE_URL",
  "UPSTREAM_TIMEOUT_MS",
  "KALSHI_SERIES",
];

export function parseEventsConfig(env: Env): EventsConfig {
  const series = requiredList(env, "KALSHI_SERIES");
  const bad = series.find((s) => !TICKER.test(s));
  if (bad !== undefined) {
    throw new EnvError(`environment variable KALSHI_SERIES has an invalid series ticker "${bad}"`);
  }
  return { ...api(env), ...kalshi(env), series };
}

export interface SignConfig extends ApiConfig {
  userKeySecretPrefix: string;
}

export const SIGN_ENV = ["ALLOWED_ORIGINS", "USER_KEY_SECRET_PREFIX"];

export function parseSignConfig(env: Env): SignConfig {
  return { ...api(env), userKeySecretPrefix: secretPrefix(env) };
}

export interface SessionsConfig extends ApiConfig {
  sessionsTable: string;
  websocketBaseUrl: string;
}

export const SESSIONS_ENV = ["ALLOWED_ORIGINS", "SESSIONS_TABLE", "WEBSOCKET_BASE_URL"];

export function parseSessionsConfig(env: Env): SessionsConfig {
  return { ...api(env), sessionsTable: table(env), websocketBaseUrl: websocketBaseUrl(env) };
}

export interface LaunchConfig extends SessionsConfig, KalshiConfig, SignConfig {
  clusterArn: string;
  taskDefinitionArn: string;
  containerName: string;
  subnetIds: readonly string[];
  securityGroupIds: readonly string[];
  maxSessionsPerUser: number;
  maxSessionsTotal: number;
  sessionMaxHours: number;
}

export const LAUNCH_ENV = [
  ...new Set([...SESSIONS_ENV, ...EVENTS_ENV.filter((n) => n !== "KALSHI_SERIES"), ...SIGN_ENV]),
  "CLUSTER_ARN",
  "TASK_DEFINITION_ARN",
  "CONTAINER_NAME",
  "SUBNET_IDS",
  "SECURITY_GROUP_IDS",
  "MAX_SESSIONS_PER_USER",
  "MAX_SESSIONS_TOTAL",
  "SESSION_MAX_HOURS",
];

export function parseLaunchConfig(env: Env): LaunchConfig {
  return {
    ...parseSessionsConfig(env),
    ...kalshi(env),
    userKeySecretPrefix: secretPrefix(env),
    clusterArn: arn(env, "CLUSTER_ARN"),
    taskDefinitionArn: arn(env, "TASK_DEFINITION_ARN"),
    containerName: requiredString(env, "CONTAINER_NAME"),
    subnetIds: ids(env, "SUBNET_IDS", "subnet-"),
    securityGroupIds: ids(env, "SECURITY_GROUP_IDS", "sg-"),
    maxSessionsPerUser: integer(env, "MAX_SESSIONS_PER_USER", { min: 1, max: 1000 }),
    maxSessionsTotal: integer(env, "MAX_SESSIONS_TOTAL", { min: 1, max: 100_000 }),
    sessionMaxHours: integer(env, "SESSION_MAX_HOURS", { min: 1, max: 24 * 14 }),
  };
}

export interface LifecycleConfig {
  sessionsTable: string;
  clusterArn: string;
  listenerArn: string;
  vpcId: string;
  sessionPort: number;
  targetGroupPrefix: string;
  sessionRetentionDays: number;
}

export const LIFECYCLE_ENV = [
  "SESSIONS_TABLE",
  "CLUSTER_ARN",
  "LISTENER_ARN",
  "VPC_ID",
  "SESSION_PORT",
  "TARGET_GROUP_PREFIX",
  "SESSION_RETENTION_DAYS",
];

/** Target group names: at most 32 characters, alphanumerics and hyphens. */
const TARGET_GROUP_NAME_MAX = 32;

export function parseLifecycleConfig(env: Env): LifecycleConfig {
  const targetGroupPrefix = requiredString(env, "TARGET_GROUP_PREFIX");
  const room = TARGET_GROUP_NAME_MAX - SESSION_ID_LENGTH;
  if (!/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(targetGroupPrefix) || targetGroupPrefix.length > room) {
    throw new EnvError(
      `environment variable TARGET_GROUP_PREFIX must be 1-${room} letters, digits or hyphens, not starting with a hyphen`,
    );
  }
  if (targetGroupPrefix.toLowerCase().startsWith("internal-")) {
    throw new EnvError('environment variable TARGET_GROUP_PREFIX must not start with "internal-"');
  }
  const vpcId = requiredString(env, "VPC_ID");
  if (!vpcId.startsWith("vpc-"))
    throw new EnvError("environment variable VPC_ID must be a vpc-* id");
  return {
    sessionsTable: table(env),
    clusterArn: arn(env, "CLUSTER_ARN"),
    listenerArn: arn(env, "LISTENER_ARN"),
    vpcId,
    sessionPort: integer(env, "SESSION_PORT", { min: 1, max: 65_535 }),
    targetGroupPrefix,
    sessionRetentionDays: integer(env, "SESSION_RETENTION_DAYS", { min: 1, max: 3650 }),
  };
}

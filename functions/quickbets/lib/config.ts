/**
 * The QuickBets functions' environment, one parser per handler over its contract (../env.ts): a
 * parser can read only the names its function's contract declares.
 */
import {
  EnvError,
  integer,
  optionalString,
  requiredList,
  requiredString,
  url,
  type Env,
  type EnvName,
} from "../../shared/env";
import type { EVENTS_ENV, LAUNCH_ENV, LIFECYCLE_ENV, SESSIONS_ENV, SIGN_ENV } from "../env";
import { SESSION_ID_LENGTH, TICKER } from "./ids";

export interface ApiConfig {
  allowedOrigins: readonly string[];
}

export interface KalshiConfig {
  /** Origin of the Kalshi API, without a trailing slash; `/trade-api/v2/...` is appended. */
  kalshiBaseUrl: string;
  upstreamTimeoutMs: number;
}

function api(env: Env<"ALLOWED_ORIGINS">): ApiConfig {
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

function kalshi(env: Env<"UPSTREAM_BASE_URL" | "UPSTREAM_TIMEOUT_MS">): KalshiConfig {
  return {
    kalshiBaseUrl: url(env, "UPSTREAM_BASE_URL", ["https:", "http:"]),
    upstreamTimeoutMs: integer(env, "UPSTREAM_TIMEOUT_MS", { min: 1, max: 30_000, fallback: 5000 }),
  };
}

function secretPrefix(env: Env<"USER_KEY_SECRET_PREFIX">): string {
  const prefix = requiredString(env, "USER_KEY_SECRET_PREFIX");
  if (!/^[A-Za-z0-9/_+=.@-]+$/.test(prefix)) {
    throw new EnvError(
      "environment variable USER_KEY_SECRET_PREFIX has characters a secret name cannot",
    );
  }
  return prefix;
}

function arn<N extends string>(env: Env<N>, name: NoInfer<N>): string {
  const value = requiredString(env, name);
  if (!value.startsWith("arn:")) throw new EnvError(`environment variable ${name} must be an ARN`);
  return value;
}

function ids<N extends string>(env: Env<N>, name: NoInfer<N>, prefix: string): readonly string[] {
  const values = requiredList(env, name);
  const bad = values.find((value) => !value.startsWith(prefix));
  if (bad !== undefined) {
    throw new EnvError(`environment variable ${name} must list ${prefix}* ids, got "${bad}"`);
  }
  return values;
}

function table(env: Env<"SESSIONS_TABLE">): string {
  return requiredString(env, "SESSIONS_TABLE");
}

function websocketBaseUrl(env: Env<"WEBSOCKET_BASE_URL">): string {
  return url(env, "WEBSOCKET_BASE_URL", ["wss:", "ws:"]);
}

export interface EventsConfig extends ApiConfig, KalshiConfig {
  series: readonly string[];
}

export function parseEventsConfig(env: Env<EnvName<typeof EVENTS_ENV>>): EventsConfig {
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

export function parseSignConfig(env: Env<EnvName<typeof SIGN_ENV>>): SignConfig {
  return { ...api(env), userKeySecretPrefix: secretPrefix(env) };
}

export interface SessionsConfig extends ApiConfig {
  sessionsTable: string;
  websocketBaseUrl: string;
}

export function parseSessionsConfig(env: Env<EnvName<typeof SESSIONS_ENV>>): SessionsConfig {
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

export function parseLaunchConfig(env: Env<EnvName<typeof LAUNCH_ENV>>): LaunchConfig {
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
  /** The priorities sessions' rules may take on the listener (it may be shared). */
  rulePriorities: { first: number; last: number };
  /** The host sessions' rules also match, on a listener shared with other workloads. */
  sessionHost?: string;
  vpcId: string;
  sessionPort: number;
  targetGroupPrefix: string;
  sessionRetentionDays: number;
}

/** Target group names: at most 32 characters, alphanumerics and hyphens. */
const TARGET_GROUP_NAME_MAX = 32;

/** RULE_PRIORITY_FIRST..RULE_PRIORITY_LAST, within ALB's 1..50000. */
function rulePriorities(
  env: Env<"RULE_PRIORITY_FIRST" | "RULE_PRIORITY_LAST">,
): LifecycleConfig["rulePriorities"] {
  const first = integer(env, "RULE_PRIORITY_FIRST", { min: 1, max: 50_000 });
  const last = integer(env, "RULE_PRIORITY_LAST", { min: 1, max: 50_000 });
  if (last < first) {
    throw new EnvError(
      `environment variable RULE_PRIORITY_LAST (${last}) is below RULE_PRIORITY_FIRST (${first})`,
    );
  }
  return { first, last };
}

export function parseLifecycleConfig(env: Env<EnvName<typeof LIFECYCLE_ENV>>): LifecycleConfig {
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
  const sessionHost = optionalString(env, "SESSION_HOST");
  const vpcId = requiredString(env, "VPC_ID");
  if (!vpcId.startsWith("vpc-"))
    throw new EnvError("environment variable VPC_ID must be a vpc-* id");
  return {
    sessionsTable: table(env),
    clusterArn: arn(env, "CLUSTER_ARN"),
    listenerArn: arn(env, "LISTENER_ARN"),
    rulePriorities: rulePriorities(env),
    ...(sessionHost ? { sessionHost } : {}),
    vpcId,
    sessionPort: integer(env, "SESSION_PORT", { min: 1, max: 65_535 }),
    targetGroupPrefix,
    sessionRetentionDays: integer(env, "SESSION_RETENTION_DAYS", { min: 1, max: 3650 }),
  };
}

/**
 * The QuickBets functions' environment contracts: what each handler reads (lib/config.ts parses
 * them) and what workloads/quickbets sets. Each API route builds on SignedApiLambda's variables.
 */
import { envContract } from "../shared/env";
import { BUNDLED_FUNCTION_ENV, SIGNED_API_ENV } from "../shared/hosts";

export const EVENTS_ENV = envContract({ KALSHI_SERIES: "required" }, SIGNED_API_ENV);

export const SIGN_ENV = envContract({}, SIGNED_API_ENV);

export const SESSIONS_ENV = envContract(
  { SESSIONS_TABLE: "required", WEBSOCKET_BASE_URL: "required" },
  SIGNED_API_ENV,
);

export const LAUNCH_ENV = envContract(
  {
    SESSIONS_TABLE: "required",
    WEBSOCKET_BASE_URL: "required",
    CLUSTER_ARN: "required",
    TASK_DEFINITION_ARN: "required",
    CONTAINER_NAME: "required",
    SUBNET_IDS: "required",
    SECURITY_GROUP_IDS: "required",
    MAX_SESSIONS_PER_USER: "required",
    MAX_SESSIONS_TOTAL: "required",
    SESSION_MAX_HOURS: "required",
  },
  SIGNED_API_ENV,
);

/** The session lifecycle function: a plain BundledFunction, invoked by EventBridge. */
export const LIFECYCLE_ENV = envContract(
  {
    SESSIONS_TABLE: "required",
    CLUSTER_ARN: "required",
    LISTENER_ARN: "required",
    RULE_PRIORITY_FIRST: "required",
    RULE_PRIORITY_LAST: "required",
    SESSION_HOST: "optional",
    VPC_ID: "required",
    SESSION_PORT: "required",
    TARGET_GROUP_PREFIX: "required",
    SESSION_RETENTION_DAYS: "required",
  },
  BUNDLED_FUNCTION_ENV,
);

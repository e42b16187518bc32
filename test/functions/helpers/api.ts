/** API Gateway REST proxy events as the Cognito-authorized API delivers them, and env setup. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";

// Handlers build their Logger at import; keep test output to mocha's own.
process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";

export const ORIGIN = "https://app.example.com";

export interface ApiEventInput {
  method?: string;
  path?: string;
  /** The Cognito `sub`; `null` for a request without claims. */
  sub?: string | null;
  body?: unknown;
  /** Raw body text, used as is (for malformed JSON). */
  rawBody?: string;
  base64?: boolean;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  multiQuery?: Record<string, string[]>;
}

export function apiEvent(input: ApiEventInput = {}): APIGatewayProxyEvent {
  const raw = input.rawBody ?? (input.body === undefined ? null : JSON.stringify(input.body));
  const body = raw !== null && input.base64 ? Buffer.from(raw, "utf8").toString("base64") : raw;
  const multi =
    input.multiQuery ??
    (input.query
      ? Object.fromEntries(Object.entries(input.query).map(([k, v]) => [k, [v]]))
      : null);
  return {
    httpMethod: input.method ?? "POST",
    path: input.path ?? "/",
    resource: input.path ?? "/",
    body,
    isBase64Encoded: input.base64 ?? false,
    headers: {
      Origin: ORIGIN,
      ...(raw !== null ? { "Content-Type": "application/json" } : {}),
      ...input.headers,
    },
    multiValueHeaders: {},
    queryStringParameters: multi
      ? Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v[v.length - 1]!]))
      : null,
    multiValueQueryStringParameters: multi,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      requestId: "req-1",
      ...(input.sub === null ? {} : { authorizer: { claims: { sub: input.sub ?? "user-a" } } }),
    } as APIGatewayProxyEvent["requestContext"],
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  json: any;
}

export function answer(result: APIGatewayProxyResult): Answer {
  return {
    status: result.statusCode,
    headers: (result.headers ?? {}) as Record<string, string>,
    json: JSON.parse(result.body),
  };
}

/** Sets environment variables until the returned function restores them. */
export function withEnv(vars: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(vars);
  return () => apply(saved);
}

/** The environment the infrastructure gives the QuickBets functions, for a Kalshi at `kalshi`. */
export function quickbetsEnv(kalshi: string): Record<string, string> {
  return {
    ALLOWED_ORIGINS: `${ORIGIN},https://other.example.com`,
    POWERTOOLS_SERVICE_NAME: "quickbets-test",
    POWERTOOLS_LOG_LEVEL: "SILENT",
    UPSTREAM_BASE_URL: kalshi,
    UPSTREAM_TIMEOUT_MS: "2000",
    USER_KEY_SECRET_PREFIX: "quickbets/test/users/",
    KALSHI_SERIES: "KXNFLGAME,KXNBAGAME",
    SESSIONS_TABLE: "sessions",
    CLUSTER_ARN: "arn:aws:ecs:us-east-1:111111111111:cluster/quickbets",
    TASK_DEFINITION_ARN: "arn:aws:ecs:us-east-1:111111111111:task-definition/session:3",
    CONTAINER_NAME: "session",
    SUBNET_IDS: "subnet-a, subnet-b",
    SECURITY_GROUP_IDS: "sg-1",
    MAX_SESSIONS_PER_USER: "2",
    MAX_SESSIONS_TOTAL: "3",
    WEBSOCKET_BASE_URL: "wss://ws.example.com",
    SESSION_MAX_HOURS: "12",
    LISTENER_ARN: "arn:aws:elasticloadbalancing:us-east-1:111111111111:listener/app/qb/1/2",
    RULE_PRIORITY_FIRST: "1",
    RULE_PRIORITY_LAST: "50000",
    VPC_ID: "vpc-123",
    SESSION_PORT: "8080",
    TARGET_GROUP_PREFIX: "qbtest-",
    SESSION_RETENTION_DAYS: "30",
  };
}

/** Asserts a JSON error answer: status, code, a message matching `message`, and CORS headers. */
export function expectError(result: Answer, status: number, code: string, message: RegExp): void {
  const context = JSON.stringify(result.json);
  if (
    result.status !== status ||
    result.json?.error !== code ||
    !message.test(String(result.json?.message))
  ) {
    throw new Error(
      `expected ${status} ${code} ${String(message)}, got ${result.status} ${context}`,
    );
  }
  if (result.headers["Content-Type"] !== "application/json")
    throw new Error("error answer is not JSON");
  if (result.headers.Vary !== "Origin") throw new Error("error answer lacks Vary: Origin");
  const allowed = Object.keys(result.json).filter(
    (k) => !["error", "message", "field"].includes(k),
  );
  if (allowed.length > 0) throw new Error(`error answer has extra keys ${allowed.join(", ")}`);
}

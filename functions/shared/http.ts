/**
 * The edge of every API Gateway (REST, Lambda proxy) function: identity from the authorizer, JSON
 * bodies and query strings validated with zod, JSON answers with CORS, and one error shape
 * `{ error, message, field? }` so clients can show what is wrong with which field.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import {
  issueProblem,
  parseJsonBytes,
  requireJsonContentType,
  type BodyProblem,
} from "../../containers/web-api/src/shared/json-body";

z.config(en());

/** Largest request body accepted, in bytes after base64 decoding. */
export const MAX_BODY_BYTES = 16 * 1024;

/** An answer other than success; `status` is the HTTP status, `code` a stable snake_case tag. */
export class HttpError extends Error {
  override readonly name = "HttpError";

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    options?: ErrorOptions & { headers?: Record<string, string> },
  ) {
    super(message, options);
    this.headers = options?.headers ?? {};
  }

  /** Extra response headers (`Retry-After` on a 503). */
  readonly headers: Record<string, string>;

  toJSON(): { error: string; message: string; field?: string } {
    return {
      error: this.code,
      message: this.message,
      ...(this.field === undefined ? {} : { field: this.field }),
    };
  }
}

/** Case-insensitive header lookup (API Gateway keeps the client's spelling). */
export function header(
  event: Pick<APIGatewayProxyEvent, "headers">,
  name: string,
): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/** CORS headers: the request's Origin is echoed only when it is allowed; `Vary` keeps caches honest. */
export function corsHeaders(
  origin: string | undefined,
  allowedOrigins: readonly string[],
): Record<string, string> {
  return {
    Vary: "Origin",
    ...(origin !== undefined && allowedOrigins.includes(origin)
      ? { "Access-Control-Allow-Origin": origin }
      : {}),
  };
}

export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: {
      "Content-Type": "application/json",
      // Answers are per caller (and some carry signatures): never cache them.
      "Cache-Control": "no-store",
      ...headers,
    },
    body: JSON.stringify(body),
  };
}

const CALLER_ID = /^[A-Za-z0-9][A-Za-z0-9_.@+=-]{0,127}$/;

/**
 * The caller's identity: the `sub` claim the Cognito authorizer verified. Never taken from the body
 * or the query, so no request can act for another user. The charset check keeps it safe inside
 * secret names and DynamoDB keys.
 */
export function callerId(event: Pick<APIGatewayProxyEvent, "requestContext">): string {
  const authorizer: unknown = event.requestContext?.authorizer;
  const claims: unknown = isRecord(authorizer) ? authorizer.claims : undefined;
  const sub: unknown = isRecord(claims) ? claims.sub : undefined;
  if (typeof sub !== "string" || sub.length === 0) {
    throw new HttpError(
      401,
      "unauthorized",
      "the request carries no authenticated user (claim sub)",
    );
  }
  if (!CALLER_ID.test(sub)) {
    throw new HttpError(401, "unauthorized", "the authenticated user id (claim sub) is malformed");
  }
  return sub;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Makes a refused body an HttpError. */
const refuse = (problem: BodyProblem): HttpError =>
  new HttpError(problem.status, problem.code, problem.message, problem.field);

/** Turns the first zod issue into a 400 that names the offending field. */
export function validationError(
  issues: readonly z.core.$ZodIssue[],
  what = "request body",
  noun = "field",
): HttpError {
  return refuse(issueProblem(issues, what, noun));
}

/**
 * The request body as JSON validated by `schema`: 415 for a non-JSON Content-Type, 413 above
 * MAX_BODY_BYTES, 400 `invalid_json` for bytes that are not one JSON value, 400 `invalid_request`
 * for schema violations (unknown fields included, when the schema is strict).
 */
export function parseJsonBody<T>(
  event: Pick<APIGatewayProxyEvent, "headers" | "body" | "isBase64Encoded">,
  schema: z.ZodMiniType<T>,
): T {
  // A request without a Content-Type is read as JSON.
  const contentType = header(event, "content-type");
  if (contentType !== undefined) requireJsonContentType(contentType, refuse);
  const bytes = bodyBytes(event);
  if (bytes.byteLength > MAX_BODY_BYTES) {
    throw new HttpError(
      413,
      "payload_too_large",
      `request body is ${bytes.byteLength} bytes; the limit is ${MAX_BODY_BYTES}`,
    );
  }
  return parseJsonBytes(bytes, schema, refuse);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function bodyBytes(event: Pick<APIGatewayProxyEvent, "body" | "isBase64Encoded">): Buffer {
  const body = event.body ?? "";
  if (!event.isBase64Encoded) return Buffer.from(body, "utf8");
  const compact = body.replace(/\s+/g, "");
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new HttpError(
      400,
      "invalid_json",
      "request body is marked base64 but is not valid base64",
    );
  }
  return Buffer.from(compact, "base64");
}

/**
 * The query string validated by `schema` (values are strings). A parameter given twice is
 * rejected rather than silently taking one of the values.
 */
export function parseQuery<T>(
  event: Pick<APIGatewayProxyEvent, "queryStringParameters" | "multiValueQueryStringParameters">,
  schema: z.ZodMiniType<T>,
): T {
  for (const [name, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) {
    if ((values?.length ?? 0) > 1) {
      throw new HttpError(
        400,
        "invalid_request",
        `query parameter ${name} is given more than once`,
        name,
      );
    }
  }
  const result = schema.safeParse(
    { ...(event.queryStringParameters ?? {}) },
    { reportInput: true },
  );
  if (!result.success) {
    throw validationError(result.error.issues, "query string", "query parameter");
  }
  return result.data;
}

export interface JsonResult {
  status: number;
  body: unknown;
}

export interface ApiHandlerOptions {
  logger: Logger;
  /** Origins CORS allows; a function so a configuration error becomes a logged 500. */
  allowedOrigins: () => readonly string[];
}

export type ApiRoute = (
  event: APIGatewayProxyEvent,
  context: Context | undefined,
) => Promise<JsonResult>;

/**
 * Wraps a route into a Lambda proxy handler: every outcome is JSON with CORS headers; HttpErrors
 * become their status; anything else is logged with the error and answered with a generic 500.
 */
export function apiHandler(
  options: ApiHandlerOptions,
  route: ApiRoute,
): (event: APIGatewayProxyEvent, context?: Context) => Promise<APIGatewayProxyResult> {
  const { logger } = options;
  return async (event, context) => {
    if (context) logger.addContext(context);
    const requestId = event.requestContext?.requestId ?? context?.awsRequestId ?? "unknown";
    let cors: Record<string, string>;
    try {
      cors = corsHeaders(header(event, "origin"), options.allowedOrigins());
    } catch (error) {
      logger.error("function configuration is invalid", error as Error);
      return jsonResponse(500, internalError(requestId).toJSON(), { Vary: "Origin" });
    }
    try {
      const result = await route(event, context);
      return jsonResponse(result.status, result.body, cors);
    } catch (error) {
      if (error instanceof HttpError) {
        const log = error.status >= 500 ? logger.error.bind(logger) : logger.info.bind(logger);
        log("request refused", {
          status: error.status,
          error: error.code,
          reason: error.message,
          ...(error.cause === undefined ? {} : { cause: describeCause(error.cause) }),
        });
        return jsonResponse(error.status, error.toJSON(), { ...error.headers, ...cors });
      }
      logger.error("unexpected failure", error as Error);
      return jsonResponse(500, internalError(requestId).toJSON(), cors);
    }
  };
}

function internalError(requestId: string): HttpError {
  return new HttpError(500, "internal_error", `internal error; request id ${requestId}`);
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

/**
 * GET /sessions: the caller's sessions, newest first, `limit` (1-50, default 20) per page and an
 * opaque `nextToken` that only ever continues the caller's own listing.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import * as z from "zod/mini";
import { envLoader } from "../shared/env";
import { apiHandler, callerId, HttpError, parseQuery } from "../shared/http";
import { SESSIONS_ENV } from "./env";
import { parseSessionsConfig } from "./lib/config";
import { SessionStore, sessionSk, userPk } from "./lib/store";
import { sessionView } from "./lib/view";

const logger = new Logger();
const dynamo = new DynamoDBClient({});
const config = envLoader(SESSIONS_ENV, parseSessionsConfig);

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 50;

const Query = z.strictObject({
  limit: z.optional(
    z.string().check(z.regex(/^[1-9][0-9]*$/, `must be an integer from 1 to ${MAX_LIMIT}`)),
  ),
  nextToken: z.optional(z.string().check(z.maxLength(1024, "is too long"))),
});

interface PageKey {
  pk: string;
  sk: string;
}

export function encodeNextToken(key: PageKey): string {
  return Buffer.from(JSON.stringify({ pk: key.pk, sk: key.sk }), "utf8").toString("base64url");
}

/** The page key inside `token`, which must be well-formed and belong to `userId`'s listing. */
export function decodeNextToken(token: string, userId: string): PageKey {
  const malformed = (): HttpError =>
    new HttpError(
      400,
      "invalid_request",
      "nextToken is malformed or not from your listing",
      "nextToken",
    );
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw malformed();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw malformed();
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw malformed();
  const { pk, sk, ...rest } = value as Record<string, unknown>;
  if (
    Object.keys(rest).length > 0 ||
    pk !== userPk(userId) ||
    typeof sk !== "string" ||
    !sk.startsWith(sessionSk(""))
  ) {
    throw malformed();
  }
  return { pk, sk };
}

export const handler = apiHandler(
  { logger, allowedOrigins: () => config().allowedOrigins },
  async (event) => {
    const { sessionsTable, websocketBaseUrl } = config();
    const userId = callerId(event);
    const query = parseQuery(event, Query);
    const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit);
    if (limit > MAX_LIMIT) {
      throw new HttpError(
        400,
        "invalid_request",
        `limit must be an integer from 1 to ${MAX_LIMIT}; got ${query.limit}`,
        "limit",
      );
    }
    const startKey =
      query.nextToken === undefined ? undefined : decodeNextToken(query.nextToken, userId);
    const page = await new SessionStore(dynamo, sessionsTable).list(userId, limit, startKey);
    return {
      status: 200,
      body: {
        sessions: page.sessions.map((session) => sessionView(session, websocketBaseUrl)),
        ...(page.lastKey ? { nextToken: encodeNextToken(page.lastKey) } : {}),
      },
    };
  },
);

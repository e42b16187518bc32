/**
 * Schwab's OAuth token endpoint (`POST /v1/oauth/token`, HTTP Basic with the app's key and secret):
 * the authorization-code grant for `npm run schwab-login`, the refresh grant for the streamer, and
 * the token record both keep in Secrets Manager. Errors name the status and Schwab's `error` code,
 * never a token.
 */
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { isTimeout } from "./errors";

z.config(en());

/** Schwab refresh tokens last 7 days from the login that issued them. */
export const REFRESH_TOKEN_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

/** What the token secret holds (epoch ms expiries). */
export const TokenRecord = z.object({
  accessToken: z.string().check(z.minLength(1)),
  refreshToken: z.string().check(z.minLength(1)),
  accessTokenExpiresAt: z.number().check(z.int(), z.positive()),
  refreshTokenExpiresAt: z.number().check(z.int(), z.positive()),
});
export type TokenRecord = z.infer<typeof TokenRecord>;

/** The app credentials secret: `{ "appKey", "appSecret" }`. */
export const AppCredentials = z.object({
  appKey: z.string().check(z.minLength(1)),
  appSecret: z.string().check(z.minLength(1)),
});
export type AppCredentials = z.infer<typeof AppCredentials>;

export const TokenResponse = z.looseObject({
  access_token: z.string().check(z.minLength(1)),
  refresh_token: z.optional(z.string().check(z.minLength(1))),
  expires_in: z.number().check(z.positive()),
  token_type: z.optional(z.string()),
  /** Not sent by Schwab today; honoured if it ever is. */
  refresh_token_expires_in: z.optional(z.number().check(z.positive())),
});
export type TokenResponse = z.infer<typeof TokenResponse>;

export interface OAuthEndpoint {
  /** Schwab API origin, without a trailing slash. */
  baseUrl: string;
  timeoutMs: number;
}

/** The token endpoint refused the grant (HTTP 400/401: invalid_grant and the like). */
export class OAuthRejected extends Error {
  override readonly name = "OAuthRejected";
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** The token endpoint could not be used: timeout, network, 5xx, or a malformed answer. */
export class OAuthUnavailable extends Error {
  override readonly name = "OAuthUnavailable";
}

export function basicAuth(app: AppCredentials): string {
  return `Basic ${Buffer.from(`${app.appKey}:${app.appSecret}`, "utf8").toString("base64")}`;
}

export function authorizeUrl(baseUrl: string, appKey: string, redirectUri: string): string {
  const query = new URLSearchParams({ client_id: appKey, redirect_uri: redirectUri });
  return `${baseUrl}/v1/oauth/authorize?${query.toString()}`;
}

/** Schwab's `error` code from an error body, only when it looks like one (never echo a body). */
function errorCode(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error?: unknown };
    const code = body.error;
    return typeof code === "string" && /^[a-z_]{1,40}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

async function tokenRequest(
  endpoint: OAuthEndpoint,
  app: AppCredentials,
  form: Record<string, string>,
): Promise<TokenResponse> {
  const what = `Schwab token endpoint (${form.grant_type})`;
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${endpoint.baseUrl}/v1/oauth/token`, {
      method: "POST",
      headers: {
        Authorization: basicAuth(app),
        "Content-Type": "application/x-www-form-urlencoded",
        Accept: "application/json",
      },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(endpoint.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    const reason = isTimeout(error)
      ? `did not answer within ${endpoint.timeoutMs} ms`
      : "could not be reached";
    throw new OAuthUnavailable(`${what} ${reason}`, { cause: error });
  }
  if (response.status === 400 || response.status === 401) {
    const code = errorCode(text);
    throw new OAuthRejected(
      response.status,
      code,
      `${what} refused the grant: HTTP ${response.status}${code ? ` ${code}` : ""}`,
    );
  }
  if (!response.ok) throw new OAuthUnavailable(`${what} answered HTTP ${response.status}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new OAuthUnavailable(`${what} answered ${response.status} with invalid JSON`);
  }
  const parsed = TokenResponse.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join(".") || "body";
    throw new OAuthUnavailable(`${what} answered without a valid ${field}`);
  }
  return parsed.data;
}

/** Trades the code from the login redirect for the first access and refresh tokens. */
export function exchangeCode(
  endpoint: OAuthEndpoint,
  app: AppCredentials,
  code: string,
  redirectUri: string,
): Promise<TokenResponse> {
  return tokenRequest(endpoint, app, {
    grant_type: "authorization_code",
    code,
    redirect_uri: redirectUri,
  });
}

/** A new access token for a refresh token. */
export function refreshAccessToken(
  endpoint: OAuthEndpoint,
  app: AppCredentials,
  refreshToken: string,
): Promise<TokenResponse> {
  return tokenRequest(endpoint, app, { grant_type: "refresh_token", refresh_token: refreshToken });
}

/** The record a fresh login stores: the refresh token's 7 days start now. */
export function loginRecord(response: TokenResponse, nowMs: number): TokenRecord {
  if (!response.refresh_token) {
    throw new OAuthUnavailable("Schwab token endpoint answered the login without a refresh_token");
  }
  return {
    accessToken: response.access_token,
    refreshToken: response.refresh_token,
    accessTokenExpiresAt: nowMs + Math.round(response.expires_in * 1000),
    refreshTokenExpiresAt:
      nowMs +
      (response.refresh_token_expires_in !== undefined
        ? Math.round(response.refresh_token_expires_in * 1000)
        : REFRESH_TOKEN_LIFETIME_MS),
  };
}

/**
 * The record after a refresh. The refresh token's expiry stays that of the original login (Schwab
 * does not extend it, even when it hands back a different refresh token) unless the answer states
 * a lifetime of its own.
 */
export function refreshedRecord(
  previous: TokenRecord,
  response: TokenResponse,
  nowMs: number,
): TokenRecord {
  return {
    accessToken: response.access_token,
    refreshToken: response.refresh_token ?? previous.refreshToken,
    accessTokenExpiresAt: nowMs + Math.round(response.expires_in * 1000),
    refreshTokenExpiresAt:
      response.refresh_token_expires_in !== undefined
        ? nowMs + Math.round(response.refresh_token_expires_in * 1000)
        : previous.refreshTokenExpiresAt,
  };
}

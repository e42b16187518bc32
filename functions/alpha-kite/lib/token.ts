/**
 * The Schwab OAuth token, kept in Secrets Manager as a TokenRecord and read through Powertools'
 * SecretsProvider (cached: the function runs one instance at a time, reserved concurrency 1).
 *
 * A run asks a TokenSession for the access token; the session refreshes it when it expires within
 * REFRESH_MARGIN_MS, or once when Schwab answers 401, and at most once per run however many
 * tickers ask at the same moment. A refreshed record is written back to the secret and kept in
 * memory, so the next run neither reads a stale cached value nor refreshes again.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import type { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { PutSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { ZodMiniType } from "zod/mini";
import type { StreamerConfig } from "./config";
import { StreamerError } from "./errors";
import {
  AppCredentials,
  OAuthRejected,
  refreshAccessToken,
  refreshedRecord,
  TokenRecord,
} from "./oauth";

/** Refresh an access token this close to its expiry (Schwab's last 30 minutes). */
export const REFRESH_MARGIN_MS = 5 * 60 * 1000;

/** Warn (with the login command) once the refresh token has less than this left. */
export const REFRESH_TOKEN_WARNING_MS = 24 * 60 * 60 * 1000;

/** How long a secret value is reused before Secrets Manager is asked again. */
export const SECRET_MAX_AGE_SECONDS = 300;

export type TokenConfig = Pick<
  StreamerConfig,
  "tokenSecretArn" | "appSecretArn" | "schwabBaseUrl" | "upstreamTimeoutMs" | "loginCommand"
>;

export interface TokenStoreDeps {
  secrets: SecretsProvider;
  client: SecretsManagerClient;
  logger: Logger;
  now: () => number;
}

/** True when the access token must be refreshed before use. */
export function needsRefresh(record: TokenRecord, nowMs: number): boolean {
  return record.accessTokenExpiresAt - nowMs <= REFRESH_MARGIN_MS;
}

function isNotFound(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e.name === "ResourceNotFoundException") return true;
  }
  return false;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function asText(value: string | Uint8Array | undefined): string {
  if (value === undefined) return "";
  return typeof value === "string" ? value : Buffer.from(value).toString("utf8");
}

/** Parses a secret's JSON with `schema`; the error names the first bad field, never a value. */
function parseSecret<T>(
  text: string,
  schema: ZodMiniType<T>,
): { ok: true; value: T } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: "it is not JSON" };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const field = parsed.error.issues[0]?.path.map(String).join(".");
  return {
    ok: false,
    reason: field ? `${field} is missing or invalid` : "it is not a JSON object",
  };
}

export class TokenStore {
  /** The newest record this instance wrote; wins over an older cached read. */
  private latest: TokenRecord | undefined;

  constructor(
    private readonly config: TokenConfig,
    private readonly deps: TokenStoreDeps,
  ) {}

  /** A run's view of the token. */
  session(): TokenSession {
    return new TokenSession(this, this.deps.now);
  }

  loginNeeded(reason: string, errorType: "TokenMissing" | "RefreshTokenExpired"): StreamerError {
    return new StreamerError(
      errorType,
      `${reason}. Sign in to Schwab again with: ${this.config.loginCommand}`,
    );
  }

  async read(): Promise<TokenRecord> {
    let value: string | Uint8Array | undefined;
    try {
      value = await this.deps.secrets.get(this.config.tokenSecretArn, {
        maxAge: SECRET_MAX_AGE_SECONDS,
      });
    } catch (error) {
      if (isNotFound(error)) {
        throw this.loginNeeded("The Schwab token secret has no value yet", "TokenMissing");
      }
      throw new StreamerError(
        "SecretUnavailable",
        `cannot read the Schwab token secret: ${describe(error)}`,
        { cause: error },
      );
    }
    const text = asText(value);
    if (text.trim() === "") {
      throw this.loginNeeded("The Schwab token secret is empty", "TokenMissing");
    }
    const parsed = parseSecret(text, TokenRecord);
    if (!parsed.ok) {
      throw this.loginNeeded(
        `The Schwab token secret is not a token record (${parsed.reason})`,
        "TokenMissing",
      );
    }
    const stored = parsed.value;
    const latest = this.latest;
    if (latest && latest.accessTokenExpiresAt > stored.accessTokenExpiresAt) return latest;
    this.latest = undefined;
    return stored;
  }

  private async appCredentials(): Promise<AppCredentials> {
    let value: string | Uint8Array | undefined;
    try {
      value = await this.deps.secrets.get(this.config.appSecretArn, {
        maxAge: SECRET_MAX_AGE_SECONDS,
      });
    } catch (error) {
      throw new StreamerError(
        "SecretUnavailable",
        `cannot read the Schwab app secret: ${describe(error)}`,
        { cause: error },
      );
    }
    const parsed = parseSecret(asText(value), AppCredentials);
    if (!parsed.ok) {
      throw new StreamerError(
        "SecretUnavailable",
        `the Schwab app secret must be JSON { "appKey", "appSecret" }: ${parsed.reason}`,
      );
    }
    return parsed.value;
  }

  /**
   * Trades the refresh token for a new access token and writes the record back. A failed write
   * does not fail the refresh (the new token works for this run and stays in memory): it comes
   * back as `writeError` for the run to report.
   */
  async refresh(
    previous: TokenRecord,
  ): Promise<{ record: TokenRecord; writeError?: StreamerError }> {
    const { now, logger, client } = this.deps;
    if (previous.refreshTokenExpiresAt <= now()) {
      throw this.loginNeeded(
        `The Schwab refresh token expired at ${new Date(previous.refreshTokenExpiresAt).toISOString()}`,
        "RefreshTokenExpired",
      );
    }
    const app = await this.appCredentials();
    let response;
    try {
      response = await refreshAccessToken(
        { baseUrl: this.config.schwabBaseUrl, timeoutMs: this.config.upstreamTimeoutMs },
        app,
        previous.refreshToken,
      );
    } catch (error) {
      if (error instanceof OAuthRejected) {
        throw this.loginNeeded(
          `Schwab refused the refresh token (HTTP ${error.status}${error.code ? ` ${error.code}` : ""})`,
          "RefreshTokenExpired",
        );
      }
      throw new StreamerError("TokenRefreshFailed", describe(error), { cause: error });
    }
    const record = refreshedRecord(previous, response, now());
    this.latest = record;
    logger.info("refreshed the Schwab access token", {
      accessTokenExpiresAt: new Date(record.accessTokenExpiresAt).toISOString(),
      refreshTokenExpiresAt: new Date(record.refreshTokenExpiresAt).toISOString(),
      refreshTokenChanged: record.refreshToken !== previous.refreshToken,
    });
    try {
      await client.send(
        new PutSecretValueCommand({
          SecretId: this.config.tokenSecretArn,
          SecretString: JSON.stringify(record),
        }),
      );
      return { record };
    } catch (error) {
      return {
        record,
        writeError: new StreamerError(
          "TokenWriteFailed",
          `cannot write the refreshed token back to its secret: ${describe(error)}`,
          { cause: error },
        ),
      };
    }
  }

  /** Says, ahead of time, that the 7-day login is about to run out. */
  warnIfRefreshTokenEnding(record: TokenRecord): void {
    const left = record.refreshTokenExpiresAt - this.deps.now();
    if (left > 0 && left <= REFRESH_TOKEN_WARNING_MS) {
      this.deps.logger.warn(
        `The Schwab refresh token expires at ${new Date(record.refreshTokenExpiresAt).toISOString()}; sign in again before then with: ${this.config.loginCommand}`,
      );
    }
  }
}

/** The token as seen by one run: read once, refreshed at most once. */
export class TokenSession {
  /** Refreshes done in this run (0 or 1): the `TokenRefreshEvents` metric. */
  refreshes = 0;
  /** Failures that did not stop the run (a refreshed token not written back). */
  readonly problems: StreamerError[] = [];
  private record: Promise<TokenRecord> | undefined;
  private refreshing: Promise<TokenRecord> | undefined;

  constructor(
    private readonly store: TokenStore,
    private readonly now: () => number,
  ) {}

  /** A usable access token, refreshed first when it is about to expire. */
  async accessToken(): Promise<string> {
    return (await this.current()).accessToken;
  }

  /**
   * After Schwab answered 401 to `used`: a different token to retry with (refreshing once per run
   * if nobody has yet), or undefined when this run already refreshed and there is nothing new.
   */
  async tokenAfterUnauthorized(used: string): Promise<string | undefined> {
    const record = await this.current();
    const fresh = record.accessToken === used ? await this.refreshOnce(record) : record;
    return fresh.accessToken === used ? undefined : fresh.accessToken;
  }

  private current(): Promise<TokenRecord> {
    this.record ??= this.load();
    return this.record;
  }

  private async load(): Promise<TokenRecord> {
    const stored = await this.store.read();
    const record = needsRefresh(stored, this.now()) ? await this.refreshOnce(stored) : stored;
    this.store.warnIfRefreshTokenEnding(record);
    return record;
  }

  private refreshOnce(previous: TokenRecord): Promise<TokenRecord> {
    this.refreshing ??= this.store.refresh(previous).then(({ record, writeError }) => {
      this.refreshes++;
      if (writeError) this.problems.push(writeError);
      return record;
    });
    return this.refreshing;
  }
}

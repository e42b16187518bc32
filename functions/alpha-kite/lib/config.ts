/**
 * The streamer's environment, parsed over its contract (../env.ts): names, ARNs and URLs only.
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
import type { STREAMER_ENV } from "../env";

export interface StreamerConfig {
  tickers: readonly string[];
  /** Schwab API origin without a trailing slash (`https://api.schwabapi.com`). */
  schwabBaseUrl: string;
  /** Supabase project URL without a trailing slash (`https://<project>.supabase.co`). */
  supabaseUrl: string;
  supabaseTable: string;
  tokenSecretArn: string;
  appSecretArn: string;
  supabaseKeySecretArn: string;
  upstreamTimeoutMs: number;
  /** What to tell the operator when the Schwab login has to be redone. */
  loginCommand: string;
}

export const DEFAULT_UPSTREAM_TIMEOUT_MS = 8000;

/** Used only when LOGIN_COMMAND is unset; the infrastructure sets it with the stack's name. */
export const FALLBACK_LOGIN_COMMAND = "npm run schwab-login -- --stack <stack>";

/** Exchange symbols as Schwab spells them: QQQ, BRK.B, $SPX, /ES. */
const TICKER = /^[A-Z0-9$/][A-Z0-9.$/^-]{0,14}$/;

/** An unquoted PostgreSQL identifier: it goes into the URL path as is. */
const TABLE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** https, or http to this machine only (local fakes in tests): keys never travel in clear. */
function secureUrl<N extends string>(env: Env<N>, name: NoInfer<N>): string {
  const value = url(env, name, ["https:", "http:"]);
  const parsed = new URL(value);
  if (parsed.protocol === "http:" && !LOOPBACK.has(parsed.hostname)) {
    throw new EnvError(`environment variable ${name} must use https: (http: only for localhost)`);
  }
  if (parsed.pathname !== "/" && parsed.pathname !== "") {
    throw new EnvError(`environment variable ${name} must be an origin without a path`);
  }
  return value;
}

function arn<N extends string>(env: Env<N>, name: NoInfer<N>): string {
  const value = requiredString(env, name);
  if (!value.startsWith("arn:")) throw new EnvError(`environment variable ${name} must be an ARN`);
  return value;
}

export function parseStreamerConfig(env: Env<EnvName<typeof STREAMER_ENV>>): StreamerConfig {
  const tickers = [...new Set(requiredList(env, "TICKERS").map((t) => t.toUpperCase()))];
  const bad = tickers.find((ticker) => !TICKER.test(ticker));
  if (bad !== undefined) {
    throw new EnvError(`environment variable TICKERS has an invalid ticker "${bad}"`);
  }
  const supabaseTable = requiredString(env, "SUPABASE_TABLE");
  if (!TABLE.test(supabaseTable)) {
    throw new EnvError(
      "environment variable SUPABASE_TABLE must be a plain table name (letters, digits, _)",
    );
  }
  return {
    tickers,
    schwabBaseUrl: secureUrl(env, "SCHWAB_BASE_URL"),
    supabaseUrl: secureUrl(env, "SUPABASE_URL"),
    supabaseTable,
    tokenSecretArn: arn(env, "TOKEN_SECRET_ARN"),
    appSecretArn: arn(env, "SCHWAB_APP_SECRET_ARN"),
    supabaseKeySecretArn: arn(env, "SUPABASE_KEY_SECRET_ARN"),
    upstreamTimeoutMs: integer(env, "UPSTREAM_TIMEOUT_MS", {
      min: 1,
      max: 60_000,
      fallback: DEFAULT_UPSTREAM_TIMEOUT_MS,
    }),
    loginCommand: optionalString(env, "LOGIN_COMMAND") ?? FALLBACK_LOGIN_COMMAND,
  };
}

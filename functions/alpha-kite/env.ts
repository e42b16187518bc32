/**
 * The streamer's environment contract: what lib/config.ts parses and workloads/alpha-kite sets on
 * top of ScheduledStreamer's variables. Names, ARNs and URLs only: the Schwab token, the app
 * credentials and the Supabase key live in Secrets Manager.
 */
import { envContract } from "../shared/env";
import { SCHEDULED_FUNCTION_ENV } from "../shared/hosts";

export const STREAMER_ENV = envContract(
  {
    TICKERS: "required",
    SCHWAB_BASE_URL: "required",
    SUPABASE_URL: "required",
    SUPABASE_TABLE: "required",
    TOKEN_SECRET_ARN: "required",
    SCHWAB_APP_SECRET_ARN: "required",
    SUPABASE_KEY_SECRET_ARN: "required",
    UPSTREAM_TIMEOUT_MS: "optional",
    LOGIN_COMMAND: "optional",
  },
  SCHEDULED_FUNCTION_ENV,
);

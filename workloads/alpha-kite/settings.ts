/** `platform:alphaKite`: the Alpha-Kite minute streamer, and the secrets it reads. */
import { z } from "zod";
import { emailAddress, httpsBaseUrl, wholeNumber } from "../../config/fields";
import { workloadSettings, type SettingsOf } from "../../config/workload";

/** One Schwab request per ticker each minute: more would exceed the app's rate limit. */
export const MAX_TICKERS = 50;

export const alphaKiteSettings = workloadSettings({
  key: "alphaKite",
  schema: z
    .strictObject({
      tickers: z
        .array(
          z.string().regex(/^[A-Z][A-Z0-9./-]{0,9}$/, {
            error: "must be a ticker symbol (upper-case letters, digits, . / -)",
          }),
        )
        .min(1, { error: "must list at least one ticker" })
        .max(MAX_TICKERS, {
          error: `must list at most ${MAX_TICKERS} tickers (one Schwab request each per minute)`,
        })
        .default(["QQQ"])
        .describe("Symbols whose minute candles are streamed"),
      schwabBaseUrl: httpsBaseUrl
        .default("https://api.schwabapi.com")
        .describe("Schwab API base URL (market data and OAuth)"),
      supabaseUrl: httpsBaseUrl.describe("Supabase project URL, https://<project>.supabase.co"),
      supabaseTable: z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: "must be a lower-case Postgres table name" })
        .default("minute_bars")
        .describe("Table the bars are upserted into (unique on ticker, bar_time)"),
      metricsNamespace: z
        .string()
        .regex(/^(?!AWS\/)[A-Za-z0-9._/#:-]{1,255}$/, {
          error: "must be a CloudWatch namespace not starting with AWS/",
        })
        .default("AlphaKite")
        .describe("CloudWatch namespace of the streamer's metrics"),
      upstreamTimeoutMs: wholeNumber(100, 30000)
        .default(8000)
        .describe("Timeout of each Schwab or Supabase request, in milliseconds"),
      alertEmail: emailAddress
        .optional()
        .describe("Subscribed to the streamer's alarm topic (confirm the first mail)"),
    })
    .describe("The Alpha-Kite minute streamer (home region)"),
  secrets: {
    schwabAppKey: "Schwab app key of the Alpha-Kite streamer",
    schwabAppSecret: "Schwab app secret of the Alpha-Kite streamer",
    supabaseServiceKey: "Supabase service-role key the streamer upserts with",
  },
});

export type AlphaKiteSettings = SettingsOf<typeof alphaKiteSettings>;

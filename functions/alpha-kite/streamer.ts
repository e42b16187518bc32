/**
 * The Alpha-Kite minute streamer, run by EventBridge Scheduler every minute of US market hours
 * (`{}`), or as a smoke test (`{ "dryRun": true }`: config and calendar only, no I/O, no metrics).
 *
 * A run in a session: access token (refreshed when due) → every ticker's minute candles since the
 * open, concurrently → SMA9 and session VWAP → one Supabase upsert of the whole day so far → EMF
 * metrics. A ticker that fails does not hold back the others' rows; the run still ends in an
 * error when anything failed, after uploading and flushing metrics, so Lambda's Errors metric,
 * the `Errors` alarm and the scheduler's DLQ all see it. The next minute re-sends the whole day,
 * which heals whatever this one missed.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Context } from "aws-lambda";
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { envLoader } from "../shared/env";
import {
  coveredYears,
  marketStatus,
  newYorkEpochMs,
  type MarketStatus,
  type Session,
} from "./lib/calendar";
import { STREAMER_ENV } from "./env";
import { parseStreamerConfig, type StreamerConfig } from "./lib/config";
import { errorTypeOf, StreamerError, type ErrorType } from "./lib/errors";
import { withIndicators } from "./lib/indicators";
import { withRetries } from "./lib/retry";
import { fetchCandles, SchwabUnauthorized, sessionCandles } from "./lib/schwab";
import { toRows, upsertRows, type BarRow } from "./lib/supabase";
import { SECRET_MAX_AGE_SECONDS, TokenStore, type TokenSession } from "./lib/token";

z.config(en());

const StreamerEvent = z.looseObject({ dryRun: z.optional(z.boolean()) });

export type SkipReason = Exclude<MarketStatus, { open: true }>["reason"];

export interface DryRunResult {
  dryRun: true;
  marketOpen: boolean;
  date: string;
  time: string;
  reason?: SkipReason;
  session?: Session;
  tickers: readonly string[];
  calendarYears: readonly number[];
}

export interface SkipResult {
  skipped: SkipReason;
  date: string;
  time: string;
}

export interface RunResult {
  date: string;
  time: string;
  /** Session bars per ticker. */
  bars: Record<string, number>;
  rowsUploaded: number;
  tokenRefreshed: boolean;
}

export type StreamerResult = DryRunResult | SkipResult | RunResult;

/** Thrown at the end of a run in which anything failed; the message lists every failure. */
export class RunFailed extends Error {
  override readonly name = "RunFailed";
  constructor(
    readonly errorTypes: readonly ErrorType[],
    message: string,
  ) {
    super(message);
  }
}

export interface StreamerDeps {
  logger: Logger;
  metrics: Metrics;
  secretsClient: SecretsManagerClient;
  now?: () => number;
}

interface Failure {
  error: unknown;
  /** Tickers it cost; none for the token or the upload. */
  tickers: string[];
}

/** The handler over its dependencies (tests give their own clock, logger, metrics and client). */
export function createStreamer(
  deps: StreamerDeps,
): (event: unknown, context?: Context) => Promise<StreamerResult> {
  const { logger, metrics, secretsClient } = deps;
  const now = deps.now ?? Date.now;
  const secrets = new SecretsProvider({ awsSdkV3Client: secretsClient });
  const config = envLoader(STREAMER_ENV, parseStreamerConfig);
  let tokens: { config: StreamerConfig; store: TokenStore } | undefined;
  const tokenStore = (current: StreamerConfig): TokenStore => {
    if (tokens?.config !== current) {
      tokens = {
        config: current,
        store: new TokenStore(current, { secrets, client: secretsClient, logger, now }),
      };
    }
    return tokens.store;
  };

  const emitError = (errorType: ErrorType, count: number): void => {
    // Its own metric set, so ErrorType never becomes a dimension of the run's other metrics.
    const single = metrics.singleMetric();
    single.addDimension("ErrorType", errorType);
    single.addMetric("Errors", MetricUnit.Count, count);
  };

  async function run(
    cfg: StreamerConfig,
    status: Extract<MarketStatus, { open: true }>,
    started: number,
  ): Promise<RunResult> {
    const openMs = newYorkEpochMs(status.date, status.session.open);
    const closeMs = newYorkEpochMs(status.date, status.session.close);
    const session: TokenSession = tokenStore(cfg).session();
    const schwab = { baseUrl: cfg.schwabBaseUrl, timeoutMs: cfg.upstreamTimeoutMs };
    const failures: Failure[] = [];
    const bars: Record<string, number> = {};
    const rows: BarRow[] = [];
    let fetched = 0;
    let uploaded = 0;

    let schwabRetries = 0;
    let supabaseRetries = 0;
    const retrying = (count: () => void) => ({
      now,
      startedMs: started,
      onRetry: (error: unknown) => {
        count();
        logger.warn("retrying an upstream call", {
          errorType: errorTypeOf(error),
          reason: error instanceof Error ? error.message : String(error),
        });
      },
    });
    const candlesOf = (ticker: string, token: string) =>
      withRetries(
        () => fetchCandles(schwab, ticker, token, openMs, started),
        retrying(() => schwabRetries++),
      );

    const tickerBars = async (ticker: string, accessToken: string) => {
      let candles;
      try {
        candles = await candlesOf(ticker, accessToken);
      } catch (error) {
        if (!(error instanceof SchwabUnauthorized)) throw error;
        const retryToken = await session.tokenAfterUnauthorized(accessToken);
        if (retryToken === undefined) throw error;
        candles = await candlesOf(ticker, retryToken);
      }
      return withIndicators(sessionCandles(candles, openMs, closeMs));
    };

    try {
      let accessToken: string | undefined;
      try {
        accessToken = await session.accessToken();
      } catch (error) {
        failures.push({ error, tickers: [...cfg.tickers] });
      }
      if (accessToken !== undefined) {
        const token = accessToken;
        const results = await Promise.allSettled(cfg.tickers.map((t) => tickerBars(t, token)));
        results.forEach((result, i) => {
          const ticker = cfg.tickers[i]!;
          if (result.status === "rejected") {
            const same = failures.find((f) => f.error === result.reason);
            if (same) same.tickers.push(ticker);
            else failures.push({ error: result.reason, tickers: [ticker] });
            return;
          }
          bars[ticker] = result.value.length;
          fetched += result.value.length;
          rows.push(...toRows(ticker, result.value));
        });
      }
      // Nothing to send before the first bar of the day closes, or when every ticker failed.
      if (rows.length > 0) {
        try {
          const key = await supabaseKey(cfg);
          await withRetries(
            () =>
              upsertRows(
                {
                  url: cfg.supabaseUrl,
                  table: cfg.supabaseTable,
                  timeoutMs: cfg.upstreamTimeoutMs,
                },
                key,
                rows,
              ),
            retrying(() => supabaseRetries++),
          );
          uploaded = rows.length;
          metrics.addMetric("SupabaseUploadSuccess", MetricUnit.Count, 1);
        } catch (error) {
          metrics.addMetric("SupabaseUploadSuccess", MetricUnit.Count, 0);
          failures.push({ error, tickers: [] });
        }
      }
    } finally {
      failures.push(...session.problems.map((error) => ({ error, tickers: [] })));
      metrics.addMetric("DataPointsFetched", MetricUnit.Count, fetched);
      metrics.addMetric("TokenRefreshEvents", MetricUnit.Count, session.refreshes);
      metrics.addMetric("SchwabRetries", MetricUnit.Count, schwabRetries);
      metrics.addMetric("SupabaseRetries", MetricUnit.Count, supabaseRetries);
      metrics.addMetric("LatencyMilliseconds", MetricUnit.Milliseconds, now() - started);
      const perType = new Map<ErrorType, number>();
      for (const { error } of failures) {
        const type = errorTypeOf(error);
        perType.set(type, (perType.get(type) ?? 0) + 1);
      }
      for (const [type, count] of perType) emitError(type, count);
      metrics.publishStoredMetrics();
    }

    for (const { error, tickers } of failures) {
      logger.error(error instanceof Error ? error.message : String(error), {
        errorType: errorTypeOf(error),
        ...(tickers.length > 0 ? { tickers } : {}),
      });
    }
    const result: RunResult = {
      date: status.date,
      time: status.time,
      bars,
      rowsUploaded: uploaded,
      tokenRefreshed: session.refreshes > 0,
    };
    if (failures.length > 0) {
      throw new RunFailed(
        failures.map((f) => errorTypeOf(f.error)),
        `${failures.length} failure(s): ` +
          failures
            .map(({ error, tickers }) => {
              const message = error instanceof Error ? error.message : String(error);
              return tickers.length > 0 ? `[${tickers.join(",")}] ${message}` : message;
            })
            .join("; "),
      );
    }
    logger.info("streamed the session so far", { ...result });
    return result;
  }

  async function supabaseKey(cfg: StreamerConfig): Promise<string> {
    let value: string | Uint8Array | undefined;
    try {
      value = await secrets.get(cfg.supabaseKeySecretArn, { maxAge: SECRET_MAX_AGE_SECONDS });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new StreamerError("SecretUnavailable", `cannot read the Supabase key: ${reason}`, {
        cause: error,
      });
    }
    const key = (typeof value === "string" ? value : Buffer.from(value ?? "").toString()).trim();
    if (!key) throw new StreamerError("SecretUnavailable", "the Supabase key secret is empty");
    return key;
  }

  return async (event, context) => {
    if (context) logger.addContext(context);
    const started = now();
    const input = StreamerEvent.safeParse(event ?? {});
    if (!input.success) {
      throw new Error('the event must be {} or { "dryRun": true }');
    }
    const dryRun = input.data.dryRun === true;
    let cfg: StreamerConfig;
    try {
      cfg = config();
    } catch (error) {
      logger.error("the function's configuration is invalid", error as Error);
      if (!dryRun) {
        emitError("ConfigInvalid", 1);
      }
      throw error;
    }
    const status = marketStatus(started);
    if (dryRun) {
      const result: DryRunResult = {
        dryRun: true,
        marketOpen: status.open,
        date: status.date,
        time: status.time,
        ...(status.open ? { session: status.session } : { reason: status.reason }),
        tickers: cfg.tickers,
        calendarYears: coveredYears,
      };
      logger.info("dry run", { ...result });
      return result;
    }
    if (!status.open) {
      logger.info("market closed; nothing to do", { ...status });
      return { skipped: status.reason, date: status.date, time: status.time };
    }
    if (!status.covered) {
      logger.warn(
        `the market calendar does not cover ${status.date.slice(0, 4)}: holidays and early ` +
          "closes are unknown; extend functions/alpha-kite/lib/calendar.ts",
      );
    }
    return run(cfg, status, started);
  };
}

const logger = new Logger();
const metrics = new Metrics();

export const handler = createStreamer({
  logger,
  metrics,
  secretsClient: new SecretsManagerClient({}),
});

/**
 * Schwab price history: today's one-minute candles of one symbol, validated, cut to the regular
 * session, sorted, one bar per minute. Failures are StreamerErrors typed by cause (401, 429, 5xx,
 * timeout, malformed body) and name the ticker.
 */
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { isTimeout, StreamerError } from "./errors";
import type { Candle } from "./indicators";

z.config(en());

export interface SchwabEndpoint {
  baseUrl: string;
  timeoutMs: number;
}

const finite = () => z.number().check(z.refine(Number.isFinite, "must be a finite number"));

const SchwabCandle = z.looseObject({
  open: finite(),
  high: finite(),
  low: finite(),
  close: finite(),
  volume: finite().check(z.nonnegative()),
  datetime: z.number().check(z.int(), z.positive()),
});

const PriceHistory = z.looseObject({
  symbol: z.optional(z.string()),
  empty: z.optional(z.boolean()),
  candles: z.array(SchwabCandle),
});

/** The price-history URL for one symbol's minute bars between two instants (epoch ms). */
export function priceHistoryUrl(
  baseUrl: string,
  symbol: string,
  startMs: number,
  endMs: number,
): string {
  const query = new URLSearchParams({
    symbol,
    periodType: "day",
    period: "1",
    frequencyType: "minute",
    frequency: "1",
    startDate: String(startMs),
    endDate: String(endMs),
    needExtendedHoursData: "false",
    needPreviousClose: "false",
  });
  return `${baseUrl}/marketdata/v1/pricehistory?${query.toString()}`;
}

/**
 * Candles in [openMs, closeMs) (a bar is stamped with its start, so 15:59 is the last one of a
 * 16:00 close), sorted by time. Of two bars with one datetime the later in the answer wins: it
 * is the more recent look at a bar that was still forming.
 */
export function sessionCandles(
  candles: readonly Candle[],
  openMs: number,
  closeMs: number,
): Candle[] {
  const byTime = new Map<number, Candle>();
  for (const candle of candles) {
    if (candle.datetime >= openMs && candle.datetime < closeMs) byTime.set(candle.datetime, candle);
  }
  return [...byTime.values()].sort((a, b) => a.datetime - b.datetime);
}

/** Validates a price-history body; the error names the ticker and the first bad field. */
export function parsePriceHistory(symbol: string, body: unknown): Candle[] {
  const parsed = PriceHistory.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join(".") || "body";
    throw new StreamerError(
      "MalformedCandles",
      `Schwab price history for ${symbol} is malformed at ${field}: ${issue?.message ?? "invalid"}`,
    );
  }
  const answered = parsed.data.symbol;
  if (answered !== undefined && answered.toUpperCase() !== symbol.toUpperCase()) {
    throw new StreamerError(
      "MalformedCandles",
      `Schwab price history for ${symbol} answered for symbol "${answered.slice(0, 20)}"`,
    );
  }
  return parsed.data.candles.map(({ datetime, open, high, low, close, volume }) => ({
    datetime,
    open,
    high,
    low,
    close,
    volume,
  }));
}

/** Thrown for a 401, so the caller can refresh the token and retry once. */
export class SchwabUnauthorized extends StreamerError {
  constructor(symbol: string) {
    super("SchwabUnauthorized", `Schwab refused the access token for ${symbol} (HTTP 401)`);
  }
}

/** One GET of `symbol`'s minute candles in [startMs, endMs] (unfiltered, as Schwab sent them). */
export async function fetchCandles(
  endpoint: SchwabEndpoint,
  symbol: string,
  accessToken: string,
  startMs: number,
  endMs: number,
): Promise<Candle[]> {
  const what = `Schwab price history for ${symbol}`;
  let response: Response;
  let text: string;
  try {
    response = await fetch(priceHistoryUrl(endpoint.baseUrl, symbol, startMs, endMs), {
      headers: { Authorization: `Bearer ${accessToken}`, Accept: "application/json" },
      signal: AbortSignal.timeout(endpoint.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    if (isTimeout(error)) {
      throw new StreamerError(
        "SchwabTimeout",
        `${what} did not answer within ${endpoint.timeoutMs} ms`,
        { cause: error },
      );
    }
    throw new StreamerError("SchwabUnavailable", `${what}: cannot reach Schwab`, { cause: error });
  }
  if (response.status === 401) throw new SchwabUnauthorized(symbol);
  if (response.status === 429) {
    throw new StreamerError("SchwabRateLimited", `${what} answered HTTP 429 (rate limited)`);
  }
  if (response.status >= 500) {
    throw new StreamerError("SchwabUnavailable", `${what} answered HTTP ${response.status}`);
  }
  if (!response.ok) {
    throw new StreamerError("SchwabRequestFailed", `${what} answered HTTP ${response.status}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new StreamerError("MalformedCandles", `${what} is not JSON`);
  }
  return parsePriceHistory(symbol, body);
}

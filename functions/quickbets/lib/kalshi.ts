/**
 * Kalshi public market data over HTTP. Upstream trouble maps to 502 `upstream_error` (status or
 * reason in the message) and 504 `upstream_timeout`; callers decide what a 404 means.
 */
import * as z from "zod/mini";
import { HttpError } from "../../shared/http";
import type { KalshiConfig } from "./config";

export const API_PREFIX = "/trade-api/v2";

/** Pages followed per series before giving up on a cursor that never ends. */
export const MAX_PAGES = 20;

/** Events per page (Kalshi's maximum). */
export const PAGE_LIMIT = 200;

const KalshiEvent = z.looseObject({
  event_ticker: z.string(),
  series_ticker: z.optional(z.nullable(z.string())),
  title: z.optional(z.nullable(z.string())),
  sub_title: z.optional(z.nullable(z.string())),
  category: z.optional(z.nullable(z.string())),
  strike_date: z.optional(z.nullable(z.string())),
});
export type KalshiEvent = z.infer<typeof KalshiEvent>;

const EventsPage = z.looseObject({
  events: z.nullable(z.array(KalshiEvent)),
  cursor: z.optional(z.nullable(z.string())),
});

const EventResponse = z.looseObject({ event: KalshiEvent });

export interface EventSummary {
  ticker: string;
  seriesTicker: string | null;
  title: string | null;
  subtitle: string | null;
  category: string | null;
  strikeDate: string | null;
}

export function summarizeEvent(event: KalshiEvent): EventSummary {
  return {
    ticker: event.event_ticker,
    seriesTicker: event.series_ticker ?? null,
    title: event.title ?? null,
    subtitle: event.sub_title ?? null,
    category: event.category ?? null,
    strikeDate: event.strike_date ?? null,
  };
}

/** The URL of `path` (below `/trade-api/v2`) with `query`, on the configured Kalshi origin. */
export function kalshiUrl(
  baseUrl: string,
  path: string,
  query: Readonly<Record<string, string>> = {},
): string {
  const search = new URLSearchParams(query).toString();
  return `${baseUrl}${API_PREFIX}${path}${search ? `?${search}` : ""}`;
}

/**
 * GET a Kalshi JSON document. `onNotFound` turns a 404 into the caller's own error; every other
 * non-2xx answer, unreachable host or unparsable body is a 502, a slow one a 504.
 */
export async function kalshiGet(
  config: KalshiConfig,
  path: string,
  query: Readonly<Record<string, string>> = {},
  onNotFound?: () => HttpError,
): Promise<unknown> {
  const target = kalshiUrl(config.kalshiBaseUrl, path, query);
  const what = `Kalshi GET ${API_PREFIX}${path}`;
  try {
    const response = await fetch(target, {
      headers: { Accept: "application/json" },
      signal: AbortSignal.timeout(config.upstreamTimeoutMs),
    });
    const text = await response.text();
    if (response.status === 404 && onNotFound) throw onNotFound();
    if (!response.ok) {
      throw new HttpError(502, "upstream_error", `${what} answered HTTP ${response.status}`);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new HttpError(
        502,
        "upstream_error",
        `${what} answered ${response.status} with invalid JSON`,
      );
    }
  } catch (error) {
    if (error instanceof HttpError) throw error;
    if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
      throw new HttpError(
        504,
        "upstream_timeout",
        `${what} did not answer within ${config.upstreamTimeoutMs} ms`,
        undefined,
        { cause: error },
      );
    }
    throw new HttpError(502, "upstream_error", `${what} failed: cannot reach Kalshi`, undefined, {
      cause: error,
    });
  }
}

function shapeError(what: string, issues: readonly z.core.$ZodIssue[]): HttpError {
  const issue = issues[0];
  const where = issue ? issue.path.map(String).join(".") || "body" : "body";
  return new HttpError(502, "upstream_error", `${what} answered an unexpected shape at ${where}`);
}

/**
 * All open events of one series, following `cursor` with every filter re-sent on each page.
 * A cursor still going after MAX_PAGES pages, or one that repeats, is an upstream fault.
 */
export async function listOpenEvents(
  config: KalshiConfig,
  seriesTicker: string,
): Promise<KalshiEvent[]> {
  const events: KalshiEvent[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query: Record<string, string> = {
      status: "open",
      series_ticker: seriesTicker,
      limit: String(PAGE_LIMIT),
      ...(cursor ? { cursor } : {}),
    };
    const parsed = EventsPage.safeParse(await kalshiGet(config, "/events", query));
    if (!parsed.success) throw shapeError(`Kalshi GET ${API_PREFIX}/events`, parsed.error.issues);
    events.push(...(parsed.data.events ?? []));
    cursor = parsed.data.cursor ?? undefined;
    if (!cursor) return events;
    if (seen.has(cursor)) {
      throw new HttpError(
        502,
        "upstream_error",
        `Kalshi events pagination repeated a cursor (series ${seriesTicker})`,
      );
    }
    seen.add(cursor);
  }
  throw new HttpError(
    502,
    "upstream_error",
    `Kalshi events pagination did not end after ${MAX_PAGES} pages (series ${seriesTicker})`,
  );
}

/** One event by ticker; 404 `unknown_event` when Kalshi does not know it. */
export async function getEvent(config: KalshiConfig, ticker: string): Promise<KalshiEvent> {
  const path = `/events/${encodeURIComponent(ticker)}`;
  const body = await kalshiGet(
    config,
    path,
    {},
    () => new HttpError(404, "unknown_event", `Kalshi has no event "${ticker}"`, "eventTicker"),
  );
  const parsed = EventResponse.safeParse(body);
  if (!parsed.success) throw shapeError(`Kalshi GET ${API_PREFIX}${path}`, parsed.error.issues);
  return parsed.data.event;
}

/**
 * The Supabase upload: one PostgREST upsert of every bar of the day so far, keyed by
 * (ticker, bar_time). Sending the whole day each minute is what makes a failed or missed run heal
 * on the next one, and the key is what keeps a bar from ever being stored twice.
 */
import { isTimeout, StreamerError } from "./errors";
import type { Bar } from "./indicators";

export interface SupabaseTarget {
  /** Project URL without a trailing slash. */
  url: string;
  table: string;
  timeoutMs: number;
}

export interface BarRow {
  ticker: string;
  /** ISO 8601 UTC, the bar's start. */
  bar_time: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  sma9: number | null;
  vwap: number | null;
}

export const CONFLICT_COLUMNS = "ticker,bar_time";

export function toRows(ticker: string, bars: readonly Bar[]): BarRow[] {
  return bars.map((bar) => ({
    ticker,
    bar_time: new Date(bar.datetime).toISOString(),
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    volume: bar.volume,
    sma9: bar.sma9,
    vwap: bar.vwap,
  }));
}

export function upsertUrl(target: Pick<SupabaseTarget, "url" | "table">): string {
  return `${target.url}/rest/v1/${target.table}?on_conflict=${CONFLICT_COLUMNS}`;
}

/** Upserts `rows` in one request; any non-2xx answer or a timeout is `SupabaseUploadFailed`. */
export async function upsertRows(
  target: SupabaseTarget,
  serviceKey: string,
  rows: readonly BarRow[],
): Promise<void> {
  const what = `Supabase upsert of ${rows.length} rows into ${target.table}`;
  let response: Response;
  try {
    response = await fetch(upsertUrl(target), {
      method: "POST",
      headers: {
        apikey: serviceKey,
        Authorization: `Bearer ${serviceKey}`,
        "Content-Type": "application/json",
        Prefer: "resolution=merge-duplicates,return=minimal",
      },
      body: JSON.stringify(rows),
      signal: AbortSignal.timeout(target.timeoutMs),
    });
    // Drained so the connection is reusable; PostgREST's error body (a code, no data) is safe.
    const text = await response.text();
    if (!response.ok) {
      const detail = text.slice(0, 300).replace(/\s+/g, " ");
      throw new StreamerError(
        "SupabaseUploadFailed",
        `${what} answered HTTP ${response.status}${detail ? `: ${detail}` : ""}`,
        { transient: response.status >= 500 || response.status === 429 },
      );
    }
  } catch (error) {
    if (error instanceof StreamerError) throw error;
    const reason = isTimeout(error)
      ? `did not answer within ${target.timeoutMs} ms`
      : "could not reach Supabase";
    throw new StreamerError("SupabaseUploadFailed", `${what} ${reason}`, {
      cause: error,
      transient: true,
    });
  }
}

/**
 * Bounded retries for the streamer's upstream calls. A minute's run has a minute: a transient
 * failure (a 5xx, a 429, a timeout, a dropped connection) is tried again at most twice, shortly,
 * and never once the run's retry budget is spent; anything else fails at once. Retrying is safe:
 * price history is a read, and the Supabase upsert is keyed (ticker, minute), so a repeated
 * upload overwrites instead of doubling.
 */
import { StreamerError, type ErrorType } from "./errors";

/** Attempts per call, the first included. */
export const MAX_ATTEMPTS = 3;

/** Wait before retry n (1-based): 250 ms, then 500 ms. */
export const RETRY_DELAYS_MS = [250, 500] as const;

/** No retry starts later than this after the run began (the function's timeout is 60 s). */
export const RETRY_BUDGET_MS = 30_000;

const TRANSIENT: ReadonlySet<ErrorType> = new Set([
  "SchwabUnavailable",
  "SchwabTimeout",
  "SchwabRateLimited",
]);

/** True when `error` may pass on its own: worth one more attempt. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof StreamerError)) return false;
  return TRANSIENT.has(error.errorType) || error.transient;
}

export interface RetryOptions {
  /** The clock, and when the run began (for the budget). */
  now: () => number;
  startedMs: number;
  /** Called before each retry (to count it). */
  onRetry: (error: unknown) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** `attempt()`, retried while it fails transiently, up to MAX_ATTEMPTS and the budget. */
export async function withRetries<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (error) {
      const delay = RETRY_DELAYS_MS[tried - 1];
      const late = options.now() + (delay ?? 0) - options.startedMs > RETRY_BUDGET_MS;
      if (tried >= MAX_ATTEMPTS || delay === undefined || late || !isTransient(error)) throw error;
      options.onRetry(error);
      await sleep(delay);
    }
  }
}

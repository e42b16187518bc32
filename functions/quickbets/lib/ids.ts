/** Identifiers of QuickBets: Kalshi tickers and session ids. */
import { randomBytes } from "node:crypto";

/** Kalshi series and event tickers: uppercase letters, digits, `-`, `.`, `_`; at most 64. */
export const TICKER = /^[A-Z0-9._-]{1,64}$/;

/** Width of the base36 millisecond timestamp: 36^9 ms reaches the year 5138. */
const TIME_CHARS = 9;
/** Random hex after the timestamp: 48 bits keep same-millisecond ids apart. */
const RANDOM_CHARS = 12;

export const SESSION_ID_LENGTH = TIME_CHARS + RANDOM_CHARS;

export const SESSION_ID = new RegExp(`^[0-9a-z]{${TIME_CHARS}}[0-9a-f]{${RANDOM_CHARS}}$`);

/**
 * A new session id: zero-padded base36 milliseconds then random hex, all lowercase. Sorting ids
 * as strings sorts sessions by creation time, and the id fits a URL path segment and (with a short
 * prefix) an ALB target group name.
 */
export function newSessionId(
  nowMs: number,
  random: Buffer = randomBytes(RANDOM_CHARS / 2),
): string {
  const time = Math.floor(nowMs).toString(36).padStart(TIME_CHARS, "0");
  if (time.length !== TIME_CHARS)
    throw new RangeError(`timestamp ${nowMs} does not fit a session id`);
  return time + random.toString("hex").slice(0, RANDOM_CHARS).padEnd(RANDOM_CHARS, "0");
}

/**
 * Every failure of a run carries an `ErrorType`: the value of the `ErrorType` dimension of the
 * `Errors` metric, so an alarm or a dashboard tells a dead refresh token from a Schwab outage.
 */

export const ERROR_TYPES = [
  "ConfigInvalid",
  "TokenMissing",
  "RefreshTokenExpired",
  "TokenRefreshFailed",
  "TokenWriteFailed",
  "SecretUnavailable",
  "SchwabUnauthorized",
  "SchwabRateLimited",
  "SchwabUnavailable",
  "SchwabTimeout",
  "SchwabRequestFailed",
  "MalformedCandles",
  "SupabaseUploadFailed",
  "Unexpected",
] as const;

export type ErrorType = (typeof ERROR_TYPES)[number];

export class StreamerError extends Error {
  override readonly name = "StreamerError";

  /** True when the same call may succeed if tried again (an upstream 5xx, 429 or timeout). */
  readonly transient: boolean;

  constructor(
    readonly errorType: ErrorType,
    message: string,
    options?: ErrorOptions & { transient?: boolean },
  ) {
    super(message, options);
    this.transient = options?.transient ?? false;
  }
}

/** The error type of anything thrown: ours keep theirs, the rest are `Unexpected`. */
export function errorTypeOf(error: unknown): ErrorType {
  return error instanceof StreamerError ? error.errorType : "Unexpected";
}

/** True for the errors `fetch` raises when `AbortSignal.timeout` fires. */
export function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
}

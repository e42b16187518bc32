/**
 * Structured logs: one JSON object per line on stdout, which CloudWatch Logs indexes as is.
 * Callers pass only fields that are safe to keep (never passwords, secrets or presigned URLs).
 */

export type Level = "debug" | "info" | "warn" | "error";

export interface Logger {
  log(level: Level, message: string, fields?: Record<string, unknown>): void;
}

/** A logger writing JSON lines to `write` (stdout by default). */
export function jsonLogger(
  write: (line: string) => void = (line) => process.stdout.write(line),
  now: () => Date = () => new Date(),
): Logger {
  return {
    log(level, message, fields = {}) {
      write(`${JSON.stringify({ time: now().toISOString(), level, message, ...fields })}\n`);
    },
  };
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = { log() {} };

/**
 * What is worth logging about an error: name, message, PostgreSQL/AWS code and stack. Not the
 * object itself: pg errors carry `detail` with row values, AWS errors carry request metadata.
 */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    error: error.name,
    reason: error.message,
    ...(typeof code === "string" ? { code } : {}),
    ...(error.stack === undefined ? {} : { stack: error.stack }),
  };
}

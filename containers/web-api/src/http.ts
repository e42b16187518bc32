/**
 * The HTTP edge: one error shape `{ error, message, field? }`, JSON bodies validated with zod, and
 * the checks that keep bad input from ever reaching PostgreSQL as a 500 (text PostgreSQL cannot
 * store, JSON it cannot nest, ids that are not UUIDs).
 */
import * as z from "zod/mini";
import en from "zod/v4/locales/en.cjs";
import { textProblem } from "./exact-json";
import {
  isJsonContentType,
  issueProblem,
  parseJsonBytes,
  requireJsonContentType,
  type BodyProblem,
} from "./shared/json-body";

z.config(en());

/** Largest request body accepted (Hono's bodyLimit answers 413 above it). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Deepest nesting accepted in run parameters; PostgreSQL's jsonb gives up far deeper, as a 500. */
export const MAX_JSON_DEPTH = 32;

export interface ErrorBody {
  error: string;
  message: string;
  field?: string;
}

/** An answer other than success; `status` is the HTTP status, `code` a stable snake_case tag. */
export class HttpError extends Error {
  override readonly name = "HttpError";

  constructor(
    readonly status: 400 | 404 | 405 | 413 | 415 | 500 | 503,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }

  toJSON(): ErrorBody {
    return {
      error: this.code,
      message: this.message,
      ...(this.field === undefined ? {} : { field: this.field }),
    };
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id as PostgreSQL's uuid type will take it, lowercased; 400 naming `field` otherwise. */
export function parseId(value: string, field: string): string {
  if (!UUID.test(value)) {
    throw new HttpError(400, "invalid_request", `${field} must be a UUID`, field);
  }
  return value.toLowerCase();
}

export const uuid = (): z.ZodMiniString<string> =>
  z.string().check(z.regex(UUID, "must be a UUID"));

// NUL cannot be stored in PostgreSQL text or jsonb; an unpaired surrogate would be silently
// replaced by U+FFFD on the way in, so the value would not come back verbatim.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when PostgreSQL stores `text` verbatim. */
export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/** A string PostgreSQL stores verbatim, `min`..`max` UTF-16 code units long. */
export const text = (min: number, max: number): z.ZodMiniString<string> =>
  z
    .string()
    .check(
      z.minLength(min),
      z.maxLength(max),
      z.refine(isStorableText, "must not contain NUL characters or unpaired surrogates"),
    );

/**
 * Where a JSON value parsed from a request cannot go into jsonb as is: the dotted path of the
 * first offending spot and why, or undefined when it can. Iterative, so no input depth can
 * overflow the stack.
 */
export function jsonProblem(
  value: unknown,
  maxDepth = MAX_JSON_DEPTH,
): { path: string[]; reason: string } | undefined {
  const stack: { value: unknown; path: string[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === "string") {
      if (!isStorableText(current)) {
        return { path, reason: "must not contain NUL characters or unpaired surrogates" };
      }
      continue;
    }
    if (typeof current !== "object" || current === null) continue;
    if (path.length >= maxDepth) {
      return { path, reason: `nests deeper than ${maxDepth} levels` };
    }
    const entries = Array.isArray(current)
      ? current.map((item, index): [string, unknown] => [String(index), item])
      : Object.entries(current);
    for (const [key, item] of entries) {
      const itemPath = [...path, key];
      if (!isStorableText(key)) {
        return {
          path: itemPath,
          reason: "key must not contain NUL characters or unpaired surrogates",
        };
      }
      stack.push({ value: item, path: itemPath });
    }
  }
  return undefined;
}

/**
 * A JSON object passed through as parsed: zod's record copies entries by assignment, which drops
 * a `__proto__` key (it sets the copy's prototype instead), so the value is checked, not copied.
 */
export const jsonObject = (): z.ZodMiniCustom<Record<string, unknown>> =>
  z.custom<Record<string, unknown>>(
    (value) => typeof value === "object" && value !== null && !Array.isArray(value),
    "must be a JSON object",
  );

/** Makes a refused body the app's HttpError. */
const refuse = (problem: BodyProblem): HttpError =>
  new HttpError(problem.status, problem.code, problem.message, problem.field);

/** Turns the first zod issue into a 400 that names the offending field. */
export function validationError(issues: readonly z.core.$ZodIssue[]): HttpError {
  return refuse(issueProblem(issues));
}

export { isJsonContentType };

/**
 * A request body as JSON validated by `schema`: 415 unless the Content-Type is JSON, 400
 * `invalid_json` for bytes that are not one UTF-8 JSON value, 400 `invalid_request` for text the
 * parse would change (see exact-json.ts) and for schema violations. (413 is the body limit's,
 * before this runs.)
 */
export function parseJsonBody<T>(
  contentType: string | undefined,
  bytes: ArrayBuffer,
  schema: z.ZodMiniType<T>,
): T {
  requireJsonContentType(contentType, refuse);
  // What the parse changed (a repeated key, a number with no exact float, -0) is refused, never stored.
  return parseJsonBytes(new Uint8Array(bytes), schema, refuse, (text) => {
    const changed = textProblem(text);
    if (!changed) return undefined;
    const field = changed.path.join(".");
    return {
      status: 400,
      code: "invalid_request",
      message: field ? `${field} ${changed.reason}` : `request body ${changed.reason}`,
      ...(field ? { field } : {}),
    };
  });
}

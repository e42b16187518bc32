/**
 * JSON request bodies, the part both HTTP edges share: the Lambda functions'
 * (functions/shared/http.ts) and this app's (../http.ts). It sits here, inside the image's build
 * context, so the image still builds from containers/web-api alone; it imports nothing at run time,
 * and each edge turns a refusal into its own HttpError through `refuse`.
 */
import type * as z from "zod/mini";

/** Why a body is refused, as the answer it becomes. */
export interface BodyProblem {
  status: 400 | 415;
  code: "unsupported_media_type" | "invalid_json" | "invalid_request";
  message: string;
  field?: string;
}

/** Makes the edge's error for a refused body (it is thrown). */
export type Refuse = (problem: BodyProblem) => Error;

/** True for `application/json`, with at most a UTF-8 charset parameter. */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const [type = "", ...params] = value.split(";").map((part) => part.trim().toLowerCase());
  if (type !== "application/json") return false;
  return params.every(
    (param) => !param.startsWith("charset=") || /^charset="?utf-8"?$/.test(param),
  );
}

/** Refuses (415) a Content-Type other than JSON; `undefined` means the request sent none. */
export function requireJsonContentType(contentType: string | undefined, refuse: Refuse): void {
  if (isJsonContentType(contentType)) return;
  const got = contentType === undefined ? "none" : `"${contentType.slice(0, 100)}"`;
  throw refuse({
    status: 415,
    code: "unsupported_media_type",
    message: `Content-Type must be application/json, got ${got}`,
  });
}

/**
 * `bytes` as one JSON value validated by `schema`: 400 `invalid_json` for bytes that are not one
 * UTF-8 JSON value, 400 `invalid_request` for schema violations (unknown fields included, when the
 * schema is strict). `check` may refuse the text before the schema sees the value.
 */
export function parseJsonBytes<T>(
  bytes: Uint8Array,
  schema: z.ZodMiniType<T>,
  refuse: Refuse,
  check?: (text: string) => BodyProblem | undefined,
): T {
  const invalid = (message: string) => refuse({ status: 400, code: "invalid_json", message });
  if (bytes.byteLength === 0) throw invalid("request body is empty; send a JSON object");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw invalid("request body is not valid UTF-8");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // Only a SyntaxError describes the input; anything else (a RangeError) says nothing useful.
    const reason = error instanceof SyntaxError ? error.message : "it cannot be parsed";
    throw invalid(`request body is not valid JSON: ${reason}`);
  }
  const problem = check?.(text);
  if (problem) throw refuse(problem);
  // reportInput tells a missing field from a wrong one; inputs never reach the messages.
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) throw refuse(issueProblem(result.error.issues));
  return result.data;
}

/** The first zod issue as a 400 that names the offending field (`noun`) of `what`. */
export function issueProblem(
  issues: readonly z.core.$ZodIssue[],
  what = "request body",
  noun = "field",
): BodyProblem {
  const problem = (message: string, field?: string): BodyProblem => ({
    status: 400,
    code: "invalid_request",
    message,
    ...(field === undefined ? {} : { field }),
  });
  const issue = issues[0];
  if (!issue) return problem(`${what} is invalid`);
  const prefix = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    const field = prefix ? `${prefix}.${key}` : key;
    return problem(`unknown ${noun} "${field}" in ${what}`, field);
  }
  if (!prefix) {
    return problem(
      issue.code === "invalid_type" ? `${what} must be a JSON object` : `${what}: ${issue.message}`,
    );
  }
  // Parsed with reportInput, an undefined input means the field is absent.
  return problem(
    issue.input === undefined ? `${prefix} is required` : `${prefix}: ${issue.message}`,
    prefix,
  );
}

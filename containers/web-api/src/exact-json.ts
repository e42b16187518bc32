/**
 * What `JSON.parse` changes silently, found in the request's own text. A parsed value loses what
 * the client wrote when an object repeats a key (the last one wins), when a number has no exact
 * 64-bit float (`9007199254740993` becomes `...992`, `1e400` becomes `Infinity` and then `null`,
 * `1e-400` becomes `0`), or when it is `-0` (PostgreSQL's numeric has no negative zero). Those
 * are only visible in the text, so this scans it: one pass, no recursion (any nesting depth),
 * run on text `JSON.parse` has already accepted.
 */

/** The first spot a parsed value would not say what the text says: its path and why. */
export interface TextProblem {
  path: string[];
  reason: string;
}

interface Frame {
  kind: "object" | "array";
  /** Keys seen so far (objects). */
  keys: Set<string>;
  /** The key whose value comes next, or the array index. */
  at: string;
  expectKey: boolean;
  index: number;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\]|\\.)*"/y;

/**
 * The first duplicate key, inexact number or `-0` in `text` (valid JSON), or undefined when
 * `JSON.parse(text)` carries exactly what the text says.
 */
export function textProblem(text: string): TextProblem | undefined {
  const stack: Frame[] = [];
  const path = (): string[] => stack.map((frame) => frame.at);
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "{" || c === "[") {
      stack.push({
        kind: c === "{" ? "object" : "array",
        keys: new Set(),
        at: "0",
        expectKey: c === "{",
        index: 0,
      });
      i++;
    } else if (c === "}" || c === "]") {
      stack.pop();
      i++;
    } else if (c === ",") {
      const frame = stack[stack.length - 1]!;
      if (frame.kind === "object") frame.expectKey = true;
      else frame.at = String(++frame.index);
      i++;
    } else if (c === '"') {
      STRING.lastIndex = i;
      const token = STRING.exec(text)![0];
      i += token.length;
      const frame = stack[stack.length - 1];
      if (frame?.kind === "object" && frame.expectKey) {
        const key = JSON.parse(token) as string;
        if (frame.keys.has(key)) {
          return { path: [...path().slice(0, -1), key], reason: "is a duplicate key" };
        }
        frame.keys.add(key);
        frame.at = key;
        frame.expectKey = false;
      }
    } else if (c === "-" || (c >= "0" && c <= "9")) {
      NUMBER.lastIndex = i;
      const token = NUMBER.exec(text)![0];
      i += token.length;
      const reason = numberProblem(token);
      if (reason) return { path: path(), reason };
    } else {
      // Whitespace, ':' and the letters of true/false/null: nothing to check.
      i++;
    }
  }
  return undefined;
}

/** Why the JSON number `token` would not come back as written, or undefined when it would. */
export function numberProblem(token: string): string | undefined {
  const written = decimal(token);
  const shown = token.length > 40 ? `${token.slice(0, 40)}...` : token;
  if (written.digits === "" && written.negative) {
    return `${shown} is a negative zero, which cannot be stored; send 0`;
  }
  const parsed = Number(token);
  if (!Number.isFinite(parsed)) {
    return `${shown} is beyond the range of a 64-bit float; send it as a string`;
  }
  const stored = decimal(String(parsed));
  if (
    stored.negative !== written.negative ||
    stored.digits !== written.digits ||
    stored.exponent !== written.exponent
  ) {
    return `${shown} has no exact 64-bit float (it would be stored as ${String(parsed)}); send it as a string`;
  }
  return undefined;
}

/**
 * A decimal number as sign, significant digits (no leading or trailing zeros; "" for zero) and
 * the exponent of the first digit, so equal values compare equal whatever their spelling:
 * `1e2`, `100`, `100.0` and `1E+2` all give `{ digits: "1", exponent: 3 }`.
 */
export function decimal(token: string): { negative: boolean; digits: string; exponent: number } {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(token);
  if (!match) throw new Error(`not a decimal number: ${token}`);
  const [, sign = "", whole = "", fraction = "", exp = "0"] = match;
  const all = whole + fraction;
  const lead = all.length - all.replace(/^0+/, "").length;
  const digits = all.slice(lead).replace(/0+$/, "");
  // Exponents beyond ±1e15 cannot reach here as finite non-zero values, so Number is exact.
  const exponent = digits === "" ? 0 : whole.length - lead + Number(exp);
  return { negative: sign === "-", digits, exponent };
}

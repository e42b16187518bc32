/**
 * Environment variables of a function, read once per cold start. Every failure names the variable,
 * so a misconfigured deployment says what to fix in its first log line.
 */

export class EnvError extends Error {
  override readonly name = "EnvError";
}

export type Env = Readonly<Record<string, string | undefined>>;

/** A required, non-blank string (trimmed). */
export function requiredString(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new EnvError(`environment variable ${name} is not set`);
  return value;
}

/** An optional string: undefined when absent or blank. */
export function optionalString(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** A comma-separated list: items trimmed, blanks dropped, at least one item. */
export function requiredList(env: Env, name: string): readonly string[] {
  const items = requiredString(env, name)
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  if (items.length === 0) throw new EnvError(`environment variable ${name} lists no values`);
  return items;
}

/** An integer within [min, max]; `fallback` when absent (required when no fallback is given). */
export function integer(
  env: Env,
  name: string,
  { min, max, fallback }: { min: number; max: number; fallback?: number },
): number {
  const raw = optionalString(env, name);
  if (raw === undefined) {
    if (fallback !== undefined) return fallback;
    throw new EnvError(`environment variable ${name} is not set`);
  }
  if (!/^-?\d+$/.test(raw)) {
    throw new EnvError(`environment variable ${name} must be an integer, got "${raw}"`);
  }
  const value = Number(raw);
  if (value < min || value > max) {
    throw new EnvError(
      `environment variable ${name} must be between ${min} and ${max}, got ${raw}`,
    );
  }
  return value;
}

/** An absolute URL with one of `protocols` (e.g. ["https:"]), returned without a trailing slash. */
export function url(env: Env, name: string, protocols: readonly string[]): string {
  const raw = requiredString(env, name);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new EnvError(`environment variable ${name} must be an absolute URL, got "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new EnvError(
      `environment variable ${name} must use ${protocols.join(" or ")}, got "${parsed.protocol}"`,
    );
  }
  if (parsed.search || parsed.hash) {
    throw new EnvError(`environment variable ${name} must not carry a query or fragment`);
  }
  return raw.replace(/\/+$/, "");
}

/**
 * Memoizes `parse(process.env)` on the raw values of `names`: in Lambda the environment never
 * changes, so this parses once per cold start; tests that change a variable get a fresh parse.
 */
export function envLoader<T>(names: readonly string[], parse: (env: Env) => T): () => T {
  let key: string | undefined;
  let value: T | undefined;
  return () => {
    const current = JSON.stringify(names.map((name) => process.env[name] ?? null));
    if (key !== current || value === undefined) {
      value = parse(process.env);
      key = current;
    }
    return value;
  };
}

/**
 * Environment variables of a function, read once per cold start. Every failure names the variable,
 * so a misconfigured deployment says what to fix in its first log line.
 */

export class EnvError extends Error {
  override readonly name = "EnvError";
}

/** The environment as a parser sees it; `Env<"A" | "B">` lets it read only A and B. */
export type Env<Name extends string = string> = { readonly [K in Name]?: string | undefined };

/** Whether a function's deployment must set a variable, or may leave it to the parser's default. */
export type Presence = "required" | "optional";

/** Variables by name. */
export type EnvVariables = Readonly<Record<string, Presence>>;

/**
 * One function's environment contract: what its hosting component sets (`host`, e.g. every
 * BundledFunction's NODE_OPTIONS) and what the workload wiring it sets (`own`). The handler parses
 * `Env<EnvName<C>>`, the wiring builds its variables with `functionEnvironment`, and a plan test
 * checks each deployed function gets exactly `variables`: a rename fails to compile or a test,
 * never on AWS. Kept free of Pulumi imports, so handlers bundle it.
 */
export interface EnvContract<
  Host extends EnvVariables = EnvVariables,
  Own extends EnvVariables = EnvVariables,
> {
  readonly host: Host;
  readonly own: Own;
  /** `host` and `own` together: every variable the function gets. */
  readonly variables: Host & Own;
}

/** Every variable name of a contract. */
export type EnvName<C extends EnvContract> = keyof C["variables"] & string;

type RequiredName<V extends EnvVariables> = {
  [K in keyof V]: V[K] extends "required" ? K : never;
}[keyof V] &
  string;

/** Values for `V`: every required name, any optional one, no other. */
export type EnvValues<V extends EnvVariables, Value> = { [K in RequiredName<V>]: Value } & {
  [K in Exclude<keyof V & string, RequiredName<V>>]?: Value;
};

/** No variables: the host of a contract nothing hosts. */
export const NO_ENV: EnvContract<NoVariables, NoVariables> = { host: {}, own: {}, variables: {} };

type NoVariables = Readonly<Record<never, Presence>>;

/**
 * A contract of `own` variables on top of everything `host` (a component's contract) sets. A
 * name in both is refused: who sets a variable must be unambiguous.
 */
export function envContract<
  const Own extends EnvVariables,
  Base extends EnvContract = typeof NO_ENV,
>(
  own: Own & { readonly [K in keyof Base["variables"]]?: never },
  host?: Base,
): EnvContract<Base["variables"], Own> {
  const base = host?.variables ?? {};
  const twice = Object.keys(own).filter((name) => name in base);
  if (twice.length > 0) throw new Error(`${twice.join(", ")} already set by the host`);
  return { host: base, own, variables: { ...base, ...own } };
}

/**
 * The `own` variables of `contract` with their values, for a function's `environment`: the
 * compiler refuses a name the contract lacks and a missing required one. Undefined optional values
 * are left out.
 */
export function functionEnvironment<C extends EnvContract, Value>(
  contract: C,
  values: EnvValues<C["own"], Value>,
): Record<string, Value> {
  const entries = Object.entries<Value | undefined>(values);
  const unknown = entries.map(([name]) => name).filter((name) => !(name in contract.own));
  if (unknown.length > 0) throw new Error(`${unknown.join(", ")} not in the contract`);
  return Object.fromEntries(
    entries.filter((entry): entry is [string, Value] => entry[1] !== undefined),
  );
}

/** A required, non-blank string (trimmed). */
export function requiredString<N extends string>(env: Env<N>, name: NoInfer<N>): string {
  const value = env[name]?.trim();
  if (!value) throw new EnvError(`environment variable ${name} is not set`);
  return value;
}

/** An optional string: undefined when absent or blank. */
export function optionalString<N extends string>(
  env: Env<N>,
  name: NoInfer<N>,
): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** A comma-separated list: items trimmed, blanks dropped, at least one item. */
export function requiredList<N extends string>(env: Env<N>, name: NoInfer<N>): readonly string[] {
  const items = requiredString(env, name)
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  if (items.length === 0) throw new EnvError(`environment variable ${name} lists no values`);
  return items;
}

/** An integer within [min, max]; `fallback` when absent (required when no fallback is given). */
export function integer<N extends string>(
  env: Env<N>,
  name: NoInfer<N>,
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
export function url<N extends string>(
  env: Env<N>,
  name: NoInfer<N>,
  protocols: readonly string[],
): string {
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
 * Memoizes `parse(process.env)` on the raw values of the contract's variables: in Lambda the
 * environment never changes, so this parses once per cold start; tests that change a variable get
 * a fresh parse. `parse` sees only the contract's names.
 */
export function envLoader<C extends EnvContract, T>(
  contract: C,
  parse: (env: Env<EnvName<C>>) => T,
): () => T {
  const names = Object.keys(contract.variables);
  let key: string | undefined;
  let value: T | undefined;
  return () => {
    const current = JSON.stringify(names.map((name) => process.env[name] ?? null));
    if (key !== current || value === undefined) {
      value = parse(process.env as Env<EnvName<C>>);
      key = current;
    }
    return value;
  };
}

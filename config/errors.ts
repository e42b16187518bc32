/**
 * How config problems are named and reported: each with its key (`platform:regions.remote.cidr`),
 * all at once, with a "did you mean" hint for a misspelled key.
 */
import * as pulumi from "@pulumi/pulumi";

/** A config problem: the key it concerns and what is wrong with it. */
export interface ConfigProblem {
  readonly key: string;
  readonly message: string;
}

/**
 * Thrown for invalid config. A RunError, so Pulumi prints the message without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p.key}: ${p.message}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Formats a zod path as a config key: `platform:regions.home.availabilityZones[1]`. */
export function configKey(namespace: string, path: readonly PropertyKey[]): string {
  let key = `${namespace}:`;
  path.forEach((part, i) => {
    if (typeof part === "number") key += `[${part}]`;
    else key += `${i === 0 ? "" : "."}${String(part)}`;
  });
  return key;
}

/** The known key nearest to `key` by edit distance, if it is a plausible typo. */
export function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

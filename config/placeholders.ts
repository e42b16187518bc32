/**
 * Documentation placeholders: values copied from documentation (example.com, AWS's example
 * account) that must not reach AWS. Found here, reported as pending settings (config/pending.ts).
 */
import { configKey } from "./errors";
import type { PlaceholderSetting } from "./pending";

/**
 * Why a value is a documentation placeholder, or undefined: hosts under the names reserved for
 * documentation (RFC 2606: example.com/.net/.org, .example, .test, .invalid), the account id AWS's
 * own documentation uses in ARNs, and ids spelled with EXAMPLE (`Z0EXAMPLE12345`).
 */
export function placeholderReason(value: string): string | undefined {
  const hosts = [
    ...value.matchAll(/(?:^|[/@.\s])((?:[a-z0-9-]+\.)*[a-z0-9-]+\.(?:[a-z]{2,}))(?=$|[/:?#\s"])/gi),
  ].map((m) => m[1]!.toLowerCase());
  if (hosts.some((h) => /(^|\.)example\.(com|net|org)$|\.(example|test|invalid)$/.test(h))) {
    return "a reserved documentation domain";
  }
  if (/^arn:aws[a-z-]*:[^:]*:[^:]*:(123456789012|111122223333):/.test(value)) {
    return "an ARN in AWS's documentation account";
  }
  if (/EXAMPLE/.test(value)) return "an id spelled EXAMPLE";
  return undefined;
}

/** Every `platform:` setting, at any depth, whose value is a documentation placeholder. */
export function documentationPlaceholders(raw: Record<string, string>): PlaceholderSetting[] {
  const found: PlaceholderSetting[] = [];
  const walk = (value: unknown, path: PropertyKey[]): void => {
    if (typeof value === "string") {
      if (placeholderReason(value)) {
        found.push({ kind: "placeholder", key: configKey("platform", path), value });
      }
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, [...path, i]));
    } else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    }
  };
  for (const [key, text] of Object.entries(raw).sort(([a], [b]) => a.localeCompare(b))) {
    if (!key.startsWith("platform:")) continue;
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // A plain string setting.
    }
    walk(value, [key.slice("platform:".length)]);
  }
  return found;
}

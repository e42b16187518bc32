/** Reading the `platform:` secrets the workloads declare, always as secret Outputs. */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./errors";
import { SECRET_SETTINGS, type SecretSetting } from "./schema";

/**
 * Reads a declared `platform:` secret with `requireSecret`; `loadConfig` has already refused one
 * stored in plaintext, so the value stays an encrypted Output end to end.
 *
 * @throws ConfigError naming the key when it is missing.
 */
export function readSecret(name: SecretSetting): pulumi.Output<string> {
  const key = `platform:${name}`;
  if (!SECRET_SETTINGS.includes(name)) throw new Error(`${key} is not a declared secret setting`);
  if (pulumi.runtime.getConfig(key) === undefined) {
    throw new ConfigError([
      { key, message: `is required; set it with \`pulumi config set --secret ${name} <value>\`` },
    ]);
  }
  return new pulumi.Config("platform").requireSecret(name);
}

/** Keys stored as secrets. The SDK's predicate is public in JS but missing from its typings. */
export function secretConfigKeys(): string[] {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  if (typeof runtime.isConfigSecret !== "function") {
    throw new Error(
      "@pulumi/pulumi no longer exposes runtime.isConfigSecret; update config/secrets.ts",
    );
  }
  return Object.keys(pulumi.runtime.allConfig()).filter((key) => runtime.isConfigSecret!(key));
}

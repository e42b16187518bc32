/**
 * Reads the stack configuration once and returns it as one typed, frozen object. Invalid config
 * fails before any resource is registered, listing every problem at once, each naming its key.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { closest, ConfigError, configKey, type ConfigProblem } from "./errors";
import { defaultTagsSchema } from "./platform";
import {
  platformSchema,
  SECRET_SETTINGS,
  withProfileDefaults,
  type PlatformSettings,
} from "./schema";
import { secretConfigKeys } from "./secrets";

/** The validated stack configuration. */
export type StackConfig = PlatformSettings & {
  /** Tags every resource carries, from `aws:defaultTags`. */
  readonly defaultTags: Readonly<Record<string, string>>;
  /** True for prod: stateful resources are protected, Multi-AZ and retained. */
  readonly isProd: boolean;
};

/**
 * Namespaces a stack file may set: the project's own, the configuration of Pulumi and of the
 * providers the program uses, and `cost:` (usage the offline estimate assumes; the engine validates
 * it, the program never reads it). A key in any other namespace is read by nothing.
 */
export const CONFIG_NAMESPACES = [
  "platform",
  "aws",
  "pulumi",
  "docker-build",
  "random",
  "cost",
] as const;

/** Raw config as Pulumi hands it over: every value a string, objects as JSON. */
export type RawConfig = Readonly<Record<string, string>>;

/**
 * Validates raw config (`namespace:key` → string) and returns the typed, frozen stack config.
 * Pure: the runtime is read by `loadConfig`, so tests pass plain objects.
 *
 * @throws ConfigError listing every problem, each with its key.
 */
export function parseStackConfig(raw: RawConfig, secretKeys: readonly string[] = []): StackConfig {
  const { platform, problems } = platformInput(raw, secretKeys);
  const parsed = platformSchema.safeParse(platform);
  if (!parsed.success) problems.push(...problemsOf("platform", platform, parsed.error, knownKeys));

  const tagsRaw = raw["aws:defaultTags"];
  const tagsInput = tagsRaw === undefined ? undefined : decode(tagsRaw);
  const tags = defaultTagsSchema.safeParse(tagsInput);
  if (!tags.success) {
    problems.push(...problemsOf("aws", tagsInput, tags.error, () => []).map(prefixDefaultTags));
  }
  if (parsed.success) {
    const home = parsed.data.regions.home.region;
    const awsRegion = raw["aws:region"];
    if (awsRegion !== undefined && awsRegion !== home) {
      problems.push({
        key: "aws:region",
        message: `is ${awsRegion} but platform:regions.home.region is ${home}; they must match`,
      });
    }
    if (tags.success && tags.data.tags.environment !== parsed.data.environment) {
      problems.push({
        key: "aws:defaultTags.tags.environment",
        message: `is ${tags.data.tags.environment} but platform:environment is ${parsed.data.environment}`,
      });
    }
  }
  if (problems.length > 0 || !parsed.success || !tags.success) throw new ConfigError(problems);

  return deepFreeze({
    ...withProfileDefaults(parsed.data),
    defaultTags: tags.data.tags,
    isProd: parsed.data.environment === "prod",
  });
}

/**
 * The `platform:` settings to validate, decoded, and the problems found on the way: keys in
 * unknown namespaces, declared secrets stored in plaintext, secrets nobody declared.
 */
function platformInput(raw: RawConfig, secretKeys: readonly string[]) {
  const platform: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const namespace = key.slice(0, Math.max(0, key.indexOf(":")));
    if (!(CONFIG_NAMESPACES as readonly string[]).includes(namespace)) {
      // Any other namespace would be ignored by every reader: most likely a misspelled platform:.
      const hint = closest(namespace, CONFIG_NAMESPACES);
      const rest = key.slice(namespace.length + 1);
      problems.push({
        key,
        message: `unknown namespace "${namespace}"${hint ? `; did you mean ${hint}:${rest}?` : ""}`,
      });
      continue;
    }
    if (!key.startsWith("platform:")) continue;
    const name = key.slice("platform:".length);
    if ((SECRET_SETTINGS as readonly string[]).includes(name)) {
      if (!secretKeys.includes(key)) {
        problems.push({
          key,
          message: `is stored in plaintext; set it with \`pulumi config set --secret ${name} <value>\``,
        });
      }
    } else if (secretKeys.includes(key)) {
      const hint = closest(name, SECRET_SETTINGS);
      problems.push({
        key,
        message: `unknown secret setting${hint ? `; did you mean platform:${hint}?` : ""}`,
      });
    } else {
      platform[name] = decode(value);
    }
  }
  return { platform, problems };
}

/** Decodes a raw config value: JSON where it parses (numbers, booleans, objects), else the string. */
function decode(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (v, part) =>
      v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[part] : undefined,
    value,
  );
}

/** Zod issues as config problems; `input` is what was validated, to tell missing from wrong. */
function problemsOf(
  namespace: string,
  input: unknown,
  error: z.ZodError,
  known: (path: PropertyKey[]) => string[],
) {
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const unknownKey of issue.keys) {
        const hint = closest(unknownKey, known(issue.path));
        problems.push({
          key: configKey(namespace, [...issue.path, unknownKey]),
          message: `unknown setting${hint ? `; did you mean ${configKey(namespace, [...issue.path, hint])}?` : ""}`,
        });
      }
    } else if (issue.code !== "custom" && valueAt(input, issue.path) === undefined) {
      problems.push({ key: configKey(namespace, issue.path), message: "is required" });
    } else {
      problems.push({ key: configKey(namespace, issue.path), message: issue.message });
    }
  }
  return problems;
}

/** Keys an object schema accepts at `path`, for "did you mean" hints. */
function knownKeys(path: PropertyKey[]): string[] {
  let schema: z.ZodType = platformSchema;
  for (const part of path) {
    const shape = objectShape(schema);
    const next = shape?.[String(part)];
    if (!next) return [];
    schema = next;
  }
  return Object.keys(objectShape(schema) ?? {});
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  // Defaults, prefaults and optionals (arbees.taskSizes.<service>) wrap the object schema: unwrap them.
  const inner =
    schema instanceof z.ZodDefault ||
    schema instanceof z.ZodPrefault ||
    schema instanceof z.ZodOptional
      ? (schema.def.innerType as z.ZodType)
      : schema;
  return inner instanceof z.ZodObject ? inner.shape : undefined;
}

function prefixDefaultTags(problem: ConfigProblem): ConfigProblem {
  const rest = problem.key.slice("aws:".length);
  return { ...problem, key: `aws:defaultTags${rest ? `.${rest}` : ""}` };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

let loaded: StackConfig | undefined;

/** Reads and validates the stack's config once; later calls return the same frozen object. */
export function loadConfig(): StackConfig {
  loaded ??= parseStackConfig(pulumi.runtime.allConfig(), secretConfigKeys());
  return loaded;
}

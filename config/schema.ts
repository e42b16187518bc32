/**
 * The schema of every `platform:` setting: the platform's own (config/platform.ts) composed with
 * each registered workload's (workloads/settings.ts). Descriptions feed the configuration reference.
 */
import { z } from "zod";
import type { EnvironmentProfile } from "../components/profile";
import { WORKLOAD_SETTINGS } from "../workloads/settings";
import { PLATFORM_PROFILE_DEFAULTS, platformRules, platformShape } from "./platform";
import type { SettingIssue, SettingsOf, WorkloadSettings } from "./workload";

type Workloads = (typeof WORKLOAD_SETTINGS)[number];

type WorkloadShape = { [W in Workloads as W["key"]]: W["schema"] };

const workloadShape = Object.fromEntries(
  WORKLOAD_SETTINGS.map((w) => [w.key, w.schema]),
) as WorkloadShape;

/** The schema of every `platform:` setting. */
export const platformSchema = z
  .strictObject({ ...platformShape, ...workloadShape })
  .superRefine((settings, ctx) => {
    const issues: SettingIssue[] = platformRules(settings);
    for (const workload of WORKLOAD_SETTINGS) {
      const rules = workload.profileRules as
        ((settings: unknown, profile: EnvironmentProfile) => readonly SettingIssue[]) | undefined;
      for (const issue of rules?.(settings[workload.key], settings.environment) ?? []) {
        issues.push({ ...issue, path: [workload.key, ...issue.path] });
      }
    }
    for (const issue of issues) {
      ctx.addIssue({ code: "custom", path: [...issue.path], message: issue.message });
    }
  });

type ProfileDefaulted = keyof (typeof PLATFORM_PROFILE_DEFAULTS)[EnvironmentProfile];

/**
 * Every `platform:` setting as the program reads it: the platform's and each workload's with
 * their profile's defaults.
 */
export type PlatformSettings = Omit<
  z.output<typeof platformSchema>,
  Workloads["key"] | ProfileDefaulted
> & {
  readonly [K in ProfileDefaulted]: NonNullable<z.output<typeof platformSchema>[K]>;
} & {
  readonly [W in Workloads as W["key"]]: SettingsOf<W>;
};

/** Fills the platform's and each workload's profile defaults where the stack set none. */
export function withProfileDefaults(parsed: z.output<typeof platformSchema>): PlatformSettings {
  const settings: Record<string, unknown> = { ...parsed };
  for (const [key, value] of Object.entries(PLATFORM_PROFILE_DEFAULTS[parsed.environment])) {
    settings[key] ??= value;
  }
  for (const workload of WORKLOAD_SETTINGS) {
    const defaults: object | undefined = workload.profileDefaults?.[parsed.environment];
    if (!defaults) continue;
    const own = { ...(settings[workload.key] as Record<string, unknown>) };
    for (const [key, value] of Object.entries(defaults)) own[key] ??= value;
    settings[workload.key] = own;
  }
  return settings as PlatformSettings;
}

type SecretOf<W> = W extends WorkloadSettings<string, z.ZodType, object, infer S> ? S : never;

/** A `platform:` setting that holds a secret, as some workload declares it. */
export type SecretSetting = SecretOf<Workloads>;

/** `platform:` settings holding secrets, name → description, as the workloads declare them. */
export const SECRET_DESCRIPTIONS: Readonly<Record<SecretSetting, string>> = Object.assign(
  {},
  ...WORKLOAD_SETTINGS.map((w): object => w.secrets ?? {}),
) as Record<SecretSetting, string>;

/**
 * `platform:` settings that hold secrets. They never pass through the schema as plaintext: they must
 * be stored with `pulumi config set --secret` and are read with `readSecret`.
 */
export const SECRET_SETTINGS = Object.keys(SECRET_DESCRIPTIONS) as readonly SecretSetting[];

/**
 * What a workload declares about its settings, in its own `workloads/<name>/settings.ts`: the
 * schema of its `platform:<key>` object, the rules that depend on the environment profile, the
 * defaults that differ between profiles, and the secret settings it reads. The config composes
 * every registered workload's declaration with the platform's own settings (config/schema.ts).
 */
import type { z } from "zod";
import type { EnvironmentProfile } from "../components/profile";

/** A problem a profile rule finds, at a path inside the workload's settings object. */
export interface SettingIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export interface WorkloadSettings<
  Key extends string = string,
  Schema extends z.ZodType = z.ZodType,
  Defaults extends object = object,
  Secret extends string = string,
> {
  /** The `platform:` key of the workload's settings object, e.g. `quickbets`. */
  readonly key: Key;
  /** Its settings; descriptions feed the configuration reference. */
  readonly schema: Schema;
  /**
   * Values that differ between profiles, filled in where the stack sets none (shallow: top-level
   * keys of the settings object). The schema declares each as optional.
   */
  readonly profileDefaults?: Readonly<Record<EnvironmentProfile, Defaults>>;
  /** Rules that depend on the profile, e.g. what prod requires; run once the settings parse. */
  readonly profileRules?: (
    settings: z.output<Schema>,
    profile: EnvironmentProfile,
  ) => readonly SettingIssue[];
  /**
   * `platform:` settings that hold its secrets, name → description. Never part of the schema:
   * stored with `pulumi config set --secret` and read with `readSecret` (config/secrets.ts).
   */
  readonly secrets?: Readonly<Record<Secret, string>>;
}

/** Declares a workload's settings, keeping its key, schema and secrets' names as literal types. */
export function workloadSettings<
  const Key extends string,
  Schema extends z.ZodType,
  Defaults extends Partial<z.output<Schema>> = object,
  const Secret extends string = never,
>(
  declaration: WorkloadSettings<Key, Schema, Defaults, Secret>,
): WorkloadSettings<Key, Schema, Defaults, Secret> {
  return declaration;
}

/** A workload's settings as the program reads them: parsed, with its profile's defaults filled. */
export type SettingsOf<W> =
  W extends WorkloadSettings<string, infer Schema, infer Defaults, string>
    ? Omit<z.output<Schema>, keyof Defaults> & Required<Defaults>
    : never;

/**
 * Settings a deployment cannot go ahead with yet: absent (`unset`: the finance app's directory) or
 * still holding a value from documentation (`placeholder`). One path decides for both, by the run:
 *
 * - the offline plan lists them (in the plan's `unsetSettings` and `placeholders`) and goes on;
 * - a preview stops on an unset one (it cannot be planned without it) and warns of placeholders;
 * - an update stops on any of them, before anything is created.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./errors";
import { placeholderReason } from "./placeholders";

/** A setting this run lacks: it has to be set before `pulumi preview`/`up`. */
export interface UnsetSetting {
  readonly kind: "unset";
  readonly key: string;
  /** What it is and how to set it. */
  readonly how: string;
}

/** A setting still holding a value from documentation: `pulumi up` must not create anything with it. */
export interface PlaceholderSetting {
  readonly kind: "placeholder";
  readonly key: string;
  readonly value: string;
}

export type PendingSetting = UnsetSetting | PlaceholderSetting;

/**
 * Where the offline engine collects pending settings while it runs the program: set by the engine
 * (a global, since the program never imports it), absent in a real run.
 */
export const OFFLINE_PLAN = Symbol.for("platform.offlinePlan");

/** What the offline engine puts at `globalThis[OFFLINE_PLAN]`. */
export interface OfflinePlanRecord {
  readonly pending: PendingSetting[];
}

/** The kind of run: the offline plan, a preview (or any run under mocks), or an update. */
export type Run = "offline" | "preview" | "update";

function offlineRecord(): OfflinePlanRecord | undefined {
  return (globalThis as Record<symbol, OfflinePlanRecord | undefined>)[OFFLINE_PLAN];
}

/** The current run. Mocks have no engine: their runs count as previews. */
export function currentRun(): Run {
  if (offlineRecord()) return "offline";
  return !pulumi.runtime.isDryRun() && pulumi.runtime.hasEngine() ? "update" : "preview";
}

/** The problem a pending setting is, as the error and the warning name it. */
export function pendingMessage(setting: PendingSetting): string {
  return setting.kind === "unset"
    ? `is required before pulumi preview/up; ${setting.how}`
    : `holds ${setting.value}, ${placeholderReason(setting.value)}: set the team's own value before pulumi up`;
}

/** Whether `run` cannot go ahead with `setting` as it is. */
function stops(setting: PendingSetting, run: Run): boolean {
  return run === "update" || (run === "preview" && setting.kind === "unset");
}

/**
 * Reports pending settings to the run: a run they stop throws; any other warns of each, and the
 * offline plan also records them.
 *
 * @returns the warnings, `<key> <problem>` each
 * @throws ConfigError naming every setting that stops this run
 */
export function reportPending(settings: readonly PendingSetting[], run = currentRun()): string[] {
  const stopping = settings.filter((s) => stops(s, run));
  if (stopping.length > 0) {
    throw new ConfigError(stopping.map((s) => ({ key: s.key, message: pendingMessage(s) })));
  }
  const record = run === "offline" ? offlineRecord() : undefined;
  for (const setting of settings) {
    if (record && !record.pending.some((p) => p.key === setting.key)) record.pending.push(setting);
  }
  const warnings = settings.map((s) => `${s.key} ${pendingMessage(s)}`);
  for (const warning of warnings) void pulumi.log.warn(warning);
  return warnings;
}

/**
 * A setting only a deployment needs. Set: its value. Absent: undefined in the offline plan (which
 * lists it), else a ConfigError naming the key.
 */
export function deploySetting<T>(key: string, value: T | undefined, how: string): T | undefined {
  if (value === undefined) reportPending([{ kind: "unset", key, how }]);
  return value;
}

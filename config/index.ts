/**
 * The stack configuration: every `platform:` setting validated by one schema, composed from the
 * platform's own settings (platform.ts) and each registered workload's (workloads/settings.ts),
 * read once and returned as one typed, frozen object.
 *
 * Scalars are declared with types and defaults in Pulumi.yaml (a test keeps the two in step);
 * structured settings (`regions`, each workload's) live in the stack files only, as Pulumi's
 * project schema allows.
 */
export { closest, ConfigError, configKey, type ConfigProblem } from "./errors";
export {
  CONFIG_NAMESPACES,
  loadConfig,
  parseStackConfig,
  type RawConfig,
  type StackConfig,
} from "./parse";
export {
  currentRun,
  deploySetting,
  OFFLINE_PLAN,
  pendingMessage,
  reportPending,
  type OfflinePlanRecord,
  type PendingSetting,
  type PlaceholderSetting,
  type Run,
  type UnsetSetting,
} from "./pending";
export { documentationPlaceholders, placeholderReason } from "./placeholders";
export { natStrategyOf, REQUIRED_TAGS } from "./platform";
export {
  platformSchema,
  SECRET_DESCRIPTIONS,
  SECRET_SETTINGS,
  type PlatformSettings,
  type SecretSetting,
} from "./schema";
export { readSecret } from "./secrets";

/**
 * The platform's vocabulary, named and typed once: the config validates against these lists, the
 * workloads' context carries these types, and components accept them.
 */

/** Environment profiles: what a stack's sizes, retention and protection follow. */
export const ENVIRONMENT_PROFILES = ["dev", "prod"] as const;
export type EnvironmentProfile = (typeof ENVIRONMENT_PROFILES)[number];

/** Retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;
export type LogRetentionDays = (typeof LOG_RETENTION_DAYS)[number];

/** Whether `days` is a retention CloudWatch Logs accepts. */
export function isLogRetention(days: number): days is LogRetentionDays {
  return (LOG_RETENTION_DAYS as readonly number[]).includes(days);
}

/** Days a deleted secret can still be restored: short in dev, which is torn down whole. */
export const SECRET_RECOVERY_DAYS: Readonly<Record<EnvironmentProfile, number>> = {
  dev: 7,
  prod: 30,
};

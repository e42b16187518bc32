/**
 * The registry of workloads' settings: the config composes each one's `platform:<key>` schema,
 * profile rules and defaults, and secret settings with the platform's own. Adding a workload is
 * one line here (the order is that of the configuration reference) plus its wiring in index.ts.
 */
import { alphaKiteSettings } from "./alpha-kite/settings";
import { arbeesSettings } from "./arbees/settings";
import { financeApiSettings } from "./finance-api/settings";
import { fredJobsSettings } from "./fred-jobs/settings";
import { quickbetsSettings } from "./quickbets/settings";

export const WORKLOAD_SETTINGS = [
  quickbetsSettings,
  alphaKiteSettings,
  fredJobsSettings,
  financeApiSettings,
  arbeesSettings,
] as const;

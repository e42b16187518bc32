/** `platform:fredJobs`: the FRED jobs API, its database and uploads. */
import { z } from "zod";
import type { EnvironmentProfile } from "../../components/profile";
import { browserOrigin, wholeNumber } from "../../config/fields";
import { workloadSettings, type SettingsOf } from "../../config/workload";

/** The database's class per profile, where the stack sets none. */
const instanceClassOf: Record<EnvironmentProfile, string> = {
  dev: "db.t4g.micro",
  prod: "db.t4g.small",
};

export const fredJobsSettings = workloadSettings({
  key: "fredJobs",
  schema: z
    .strictObject({
      corsOrigins: z
        .array(browserOrigin)
        .default([])
        .describe("Browser origins allowed to call the API and PUT uploads"),
      rateLimit: wholeNumber(1, 10000).default(500).describe("Stage-wide requests per second"),
      burstLimit: wholeNumber(1, 5000).default(1000).describe("Stage-wide burst of requests"),
      memorySize: wholeNumber(128, 10240)
        .default(1024)
        .describe("Memory of the app's function, MB"),
      instanceClass: z
        .string()
        .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, {
          error: "must be an RDS instance class like db.t4g.micro",
        })
        .optional()
        .describe(
          `RDS instance class of the API's own instance (default: ${instanceClassOf.dev} in dev, ${instanceClassOf.prod} in prod); unused with platform:sharedDatabase`,
        ),
      uploadRetentionDays: wholeNumber(1, 3650)
        .default(90)
        .describe("Days an uploaded run input is kept"),
    })
    .default({
      corsOrigins: [],
      rateLimit: 500,
      burstLimit: 1000,
      memorySize: 1024,
      uploadRetentionDays: 90,
    })
    .describe("The FRED jobs API: web app on Lambda with RDS PostgreSQL and uploads (home region)"),
  profileDefaults: {
    dev: { instanceClass: instanceClassOf.dev },
    prod: { instanceClass: instanceClassOf.prod },
  },
});

export type FredJobsSettings = SettingsOf<typeof fredJobsSettings>;

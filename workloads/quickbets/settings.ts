/**
 * `platform:quickbets`: the QuickBets API and its trading sessions. Session sizes differ between
 * stacks (prod sets larger ones); the load balancer's rule budget does not (MAX_TOTAL_SESSIONS).
 */
import { z } from "zod";
import { FARGATE_SIZES, fargateSizeProblem } from "../../components/ecs-tasks";
import type { EnvironmentProfile } from "../../components/profile";
import { USER_POOL_TIERS, type UserPoolTier } from "../../components/signed-api-lambda";
import {
  acmCertificateArn,
  browserOrigin,
  dnsName,
  hostedZoneId,
  httpsBaseUrl,
  imageTag,
  trueOrFalse,
  wholeNumber,
} from "../../config/fields";
import { workloadSettings, type SettingsOf } from "../../config/workload";

/**
 * The ALB allows 100 listener rules; each running session holds one, and a few stay spare for the
 * team's own rules.
 */
export const MAX_TOTAL_SESSIONS = 90;

/**
 * The user pool's feature plan where the stack sets none (docs/cost.md, "Cognito Lite in dev"):
 * Lite has everything QuickBets' pool uses; prod keeps Essentials, AWS's default for new pools.
 */
export const USER_POOL_TIER_DEFAULTS: Readonly<Record<EnvironmentProfile, UserPoolTier>> = {
  dev: "LITE",
  prod: "ESSENTIALS",
};

const sessions = z
  .strictObject({
    imageTag: imageTag.describe("Tag of the trading-session image in the program's ECR repository"),
    cpuArchitecture: z
      .enum(["ARM64", "X86_64"], { error: "must be ARM64 or X86_64" })
      .default("ARM64")
      .describe("CPU architecture the session image is built for"),
    cpu: z
      .number({ error: "must be Fargate CPU units" })
      .refine((c) => c in FARGATE_SIZES, {
        error: `must be one of ${Object.keys(FARGATE_SIZES).join(", ")}`,
      })
      .default(256)
      .describe("Fargate CPU units of a session task"),
    memory: wholeNumber(512, 30720).default(512).describe("Memory of a session task, in MB"),
    port: wholeNumber(1024, 65535).default(8080).describe("Port the session container serves"),
    maxPerUser: wholeNumber(1, 10).default(2).describe("Concurrent sessions per user"),
    maxTotal: wholeNumber(1, MAX_TOTAL_SESSIONS)
      .default(20)
      .describe("Concurrent sessions in all (one ALB listener rule each)"),
    maxHours: wholeNumber(1, 24).default(12).describe("Hours after which a session record expires"),
    retentionDays: wholeNumber(1, 365).default(30).describe("Days an ended session stays listed"),
  })
  .superRefine((s, ctx) => {
    const problem = s.cpu in FARGATE_SIZES ? fargateSizeProblem(s.cpu, s.memory) : undefined;
    if (problem) ctx.addIssue({ code: "custom", path: ["memory"], message: problem });
    if (s.maxPerUser > s.maxTotal) {
      ctx.addIssue({
        code: "custom",
        path: ["maxPerUser"],
        message: `is ${s.maxPerUser}, more than maxTotal (${s.maxTotal})`,
      });
    }
  })
  .describe("Fargate trading sessions");

const websocket = z
  .strictObject({
    domainName: dnsName
      .optional()
      .describe("Host name of the session load balancer (needs certificateArn)"),
    certificateArn: acmCertificateArn
      .optional()
      .describe("ACM certificate for domainName: sessions are served over wss://"),
    hostedZoneId: hostedZoneId
      .optional()
      .describe("Route 53 zone in which to alias domainName to the load balancer"),
  })
  .superRefine((w, ctx) => {
    if ((w.domainName === undefined) !== (w.certificateArn === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [w.domainName === undefined ? "domainName" : "certificateArn"],
        message: "is required with domainName and certificateArn together",
      });
    }
    if (w.hostedZoneId !== undefined && w.domainName === undefined) {
      ctx.addIssue({ code: "custom", path: ["hostedZoneId"], message: "needs domainName" });
    }
  })
  .default({})
  .describe("The session load balancer's TLS; plain ws:// without it (dev only)");

export const quickbetsSettings = workloadSettings({
  key: "quickbets",
  schema: z
    .strictObject({
      kalshiBaseUrl: httpsBaseUrl
        .default("https://api.elections.kalshi.com")
        .describe("Kalshi API base URL; functions append /trade-api/v2/..."),
      series: z
        .array(
          z.string().regex(/^[A-Z0-9][A-Z0-9._-]{0,63}$/, {
            error: "must be a Kalshi series ticker (upper-case letters, digits, . _ -)",
          }),
        )
        .min(1, { error: "must list at least one series" })
        .describe("Kalshi series whose open events GET /events lists"),
      corsOrigins: z
        .array(browserOrigin)
        .default([])
        .describe("Browser origins allowed to call the API"),
      rateLimit: wholeNumber(1, 10000).default(20).describe("Stage-wide requests per second"),
      burstLimit: wholeNumber(1, 5000).default(40).describe("Stage-wide burst of requests"),
      upstreamTimeoutMs: wholeNumber(100, 25000)
        .default(5000)
        .describe("Timeout of each Kalshi request, in milliseconds"),
      threatProtection: trueOrFalse
        .default(false)
        .describe("Cognito threat protection (Plus plan) on the user pool"),
      userPoolTier: z
        .enum(USER_POOL_TIERS, { error: `must be one of ${USER_POOL_TIERS.join(", ")}` })
        .optional()
        .describe(
          `Feature plan of the user pool, billed per monthly active user: LITE (SRP sign-in, TOTP MFA; what QuickBets uses), ESSENTIALS (adds managed login, access-token customization, passwordless), PLUS (adds threat protection; required by threatProtection) (default: ${USER_POOL_TIER_DEFAULTS.dev} in dev, ${USER_POOL_TIER_DEFAULTS.prod} in prod)`,
        ),
      sessions,
      websocket,
    })
    .describe("The QuickBets API and its trading sessions (home region)"),
  profileDefaults: {
    dev: { userPoolTier: USER_POOL_TIER_DEFAULTS.dev },
    prod: { userPoolTier: USER_POOL_TIER_DEFAULTS.prod },
  },
  profileRules: (settings, profile) => [
    ...(profile === "prod" && !settings.websocket.certificateArn
      ? [
          {
            path: ["websocket", "certificateArn"],
            message: "is required in prod: prod load balancers serve TLS only",
          },
        ]
      : []),
    // Runs before the profile's default fills an unset tier, which is never PLUS.
    ...(settings.threatProtection && settings.userPoolTier !== "PLUS"
      ? [
          {
            path: ["userPoolTier"],
            message: `must be PLUS when platform:quickbets.threatProtection is true (threat protection exists on the Plus plan only), not ${settings.userPoolTier ?? `the ${profile} default ${USER_POOL_TIER_DEFAULTS[profile]}`}`,
          },
        ]
      : []),
  ],
});

export type QuickBetsSettings = SettingsOf<typeof quickbetsSettings>;

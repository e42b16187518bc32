/** `platform:arbees`: the Arbees trading platform in both regions, and its VPN secrets. */
import { z } from "zod";
import type { EnvironmentProfile } from "../../components/profile";
import { dnsName, emailAddress, hostedZoneId, imageTag, wholeNumber } from "../../config/fields";
import { workloadSettings, type SettingsOf } from "../../config/workload";

/** What differs between dev and prod, where the stack sets none. */
const sizes: Record<EnvironmentProfile, { replicas: number; strategyEngineMaxTasks: number }> = {
  dev: { replicas: 1, strategyEngineMaxTasks: 2 },
  prod: { replicas: 2, strategyEngineMaxTasks: 6 },
};
const perProfile = (key: keyof (typeof sizes)["dev"]) =>
  `default: ${sizes.dev[key]} in dev, ${sizes.prod[key]} in prod`;

/**
 * The data stores' sizes (docs/cost.md, "Database and cache sizes"): the smallest in dev; in prod
 * 2 GiB for PostgreSQL, Multi-AZ, and a 1.37 GiB Valkey primary with its replica.
 */
const storeSizes: Record<
  EnvironmentProfile,
  { databaseInstanceClass: string; redisNodeType: string }
> = {
  dev: { databaseInstanceClass: "db.t4g.micro", redisNodeType: "cache.t4g.micro" },
  prod: { databaseInstanceClass: "db.t4g.small", redisNodeType: "cache.t4g.small" },
};
const storeDefault = (key: keyof (typeof storeSizes)["dev"]) =>
  `default: ${storeSizes.dev[key]} in dev, ${storeSizes.prod[key]} in prod`;

const seconds = (example: string) =>
  z.string().regex(/^\d+(\.\d+)?$/, { error: `must be seconds, e.g. ${example}` });

export const arbeesSettings = workloadSettings({
  key: "arbees",
  schema: z
    .strictObject({
      imageTag: imageTag.describe(
        "Tag of every Arbees service image in the program's ECR repositories",
      ),
      domainName: dnsName
        .optional()
        .describe("Host of the home ALB: HTTPS with an ACM certificate (required in prod)"),
      hostedZoneId: hostedZoneId
        .optional()
        .describe("Route 53 zone of domainName: certificate validation and the alias record"),
      replicas: wholeNumber(1, 10)
        .optional()
        .describe(`Tasks of each web-facing service, frontend and api (${perProfile("replicas")})`),
      strategyEngineMaxTasks: wholeNumber(1, 20)
        .optional()
        .describe(
          `Most tasks the strategy engine scales out to (${perProfile("strategyEngineMaxTasks")})`,
        ),
      databaseInstanceClass: z
        .string()
        .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, {
          error: "must be an RDS instance class like db.t4g.small",
        })
        .optional()
        .describe(
          `RDS instance class of Arbees's own PostgreSQL (${storeDefault("databaseInstanceClass")}); unused with platform:sharedDatabase`,
        ),
      redisNodeType: z
        .string()
        .regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, {
          error: "must be an ElastiCache node type like cache.t4g.small",
        })
        .optional()
        .describe(`ElastiCache node type of the Valkey bus (${storeDefault("redisNodeType")})`),
      pollInterval: seconds("1.0")
        .default("1.0")
        .describe("POLL_INTERVAL of every service, seconds"),
      crunchTimeInterval: seconds("0.25").default("0.25").describe("CRUNCH_TIME_INTERVAL, seconds"),
      marketDataTtl: z
        .string()
        .regex(/^\d+$/, { error: "must be whole seconds" })
        .default("5")
        .describe("MARKET_DATA_TTL, seconds"),
      syncDeltaTolerance: seconds("0.5").default("0.5").describe("SYNC_DELTA_TOLERANCE, seconds"),
      vpn: z
        .strictObject({
          provider: z
            .string()
            .regex(/^[a-z0-9 ]+$/, { error: "must be a gluetun VPN_SERVICE_PROVIDER" })
            .describe("gluetun's VPN_SERVICE_PROVIDER"),
          serverCountries: z.string().optional().describe("gluetun's SERVER_COUNTRIES"),
          gluetunTag: z
            .string()
            .regex(/^v\d+\.\d+\.\d+$/, { error: "must be a gluetun release tag like v3.40.0" })
            .describe("gluetun release in the program's mirror repository (remote region)"),
        })
        .describe("The Polymarket gateway's VPN sidecar"),
      alertEmail: emailAddress.optional().describe("Subscribed to both regions' alarm topics"),
    })
    .superRefine((a, ctx) => {
      if ((a.domainName === undefined) !== (a.hostedZoneId === undefined)) {
        ctx.addIssue({
          code: "custom",
          path: [a.domainName === undefined ? "domainName" : "hostedZoneId"],
          message: "is required with domainName and hostedZoneId together",
        });
      }
    })
    .describe("The Arbees trading platform: ECS in both regions, Redis and PostgreSQL at home"),
  profileDefaults: {
    dev: { ...sizes.dev, ...storeSizes.dev },
    prod: { ...sizes.prod, ...storeSizes.prod },
  },
  profileRules: (settings, profile) =>
    profile === "prod" && !settings.domainName
      ? [
          {
            path: ["domainName"],
            message: "is required in prod: prod load balancers serve TLS only",
          },
        ]
      : [],
  secrets: {
    arbeesVpnPrivateKey:
      "WireGuard private key of the Arbees VPN sidecar (gluetun's WIREGUARD_PRIVATE_KEY)",
    arbeesVpnAddresses:
      "WireGuard interface addresses of that key (gluetun's WIREGUARD_ADDRESSES, e.g. 10.64.0.2/32)",
  },
});

export type ArbeesSettings = SettingsOf<typeof arbeesSettings>;

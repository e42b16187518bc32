/**
 * The platform's own settings: environment profile, availability zones, NAT, log retention, the
 * two regions, and the tags every resource carries. Workloads declare theirs in their folders.
 */
import { z } from "zod";
import {
  MAX_AZS,
  MIN_AZS,
  cidrsOverlap,
  isPrivateCidr,
  parseCidr,
  planSubnets,
  type Cidr,
} from "../components/cidr";
import { NAT_STRATEGIES, type NatStrategy } from "../components/network";
import { ENVIRONMENT_PROFILES, type EnvironmentProfile } from "../components/profile";
import type { SettingIssue } from "./workload";
import { logRetention, trueOrFalse, wholeNumber } from "./fields";

/** Tags every stack must set in `aws:defaultTags`, carried over to each regional provider. */
export const REQUIRED_TAGS = ["project", "environment", "managed-by"] as const;

const regionName = z
  .string()
  .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { error: "must be an AWS region name like us-east-1" });

const cidrBlock = z.string().superRefine((value, ctx) => {
  try {
    const cidr = parseCidr(value);
    if (!isPrivateCidr(cidr)) {
      ctx.addIssue({ code: "custom", message: `${value} is not inside an RFC 1918 private range` });
      return;
    }
    planSubnets(value, MIN_AZS);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message });
  }
});

const natStrategy = z.enum(NAT_STRATEGIES, {
  error: `must be one of ${NAT_STRATEGIES.join(", ")}`,
});

const regionSettings = z
  .strictObject({
    region: regionName.describe("AWS region of this side, e.g. us-east-1"),
    cidr: cidrBlock.describe("VPC CIDR block, RFC 1918, /16 to /23"),
    availabilityZones: z
      .array(z.string())
      .describe("AZ names in this region, as many as platform:azs"),
    natStrategy: natStrategy
      .optional()
      .describe("This region's NAT, over platform:natStrategy: none, single, perAz or instance"),
  })
  .superRefine((side, ctx) => {
    const seen = new Set<string>();
    side.availabilityZones.forEach((az, i) => {
      if (!new RegExp(`^${side.region}[a-z]$`).test(az)) {
        ctx.addIssue({
          code: "custom",
          path: ["availabilityZones", i],
          message: `${az} is not an availability zone of ${side.region} (expected ${side.region}a, ${side.region}b, ...)`,
        });
      }
    });
    side.availabilityZones.forEach((az, i) => {
      if (seen.has(az)) {
        ctx.addIssue({
          code: "custom",
          path: ["availabilityZones", i],
          message: `${az} is listed twice`,
        });
      }
      seen.add(az);
    });
  });

/** A CIDR, or undefined when malformed (its own field reports that). */
function tryParseCidr(text: string): Cidr | undefined {
  try {
    return parseCidr(text);
  } catch {
    return undefined;
  }
}

const regions = z
  .strictObject({
    home: regionSettings.describe("Home region: data stores and most workloads"),
    remote: regionSettings.describe("Remote region: reached over VPC peering"),
  })
  .superRefine((sides, ctx) => {
    if (sides.home.region === sides.remote.region) {
      ctx.addIssue({
        code: "custom",
        path: ["remote", "region"],
        message: `must differ from platform:regions.home.region (${sides.home.region})`,
      });
    }
    const [home, remote] = [sides.home.cidr, sides.remote.cidr].map(tryParseCidr);
    if (home && remote && cidrsOverlap(home, remote)) {
      ctx.addIssue({
        code: "custom",
        path: ["remote", "cidr"],
        message: `${sides.remote.cidr} overlaps platform:regions.home.cidr (${sides.home.cidr}); peered VPCs need disjoint CIDRs`,
      });
    }
  })
  .describe("The two regions, each with its VPC CIDR and AZs");

/** The platform's own `platform:` settings, in the order of the configuration reference. */
export const platformShape = {
  environment: z
    .enum(ENVIRONMENT_PROFILES, { error: `must be one of ${ENVIRONMENT_PROFILES.join(", ")}` })
    .describe("Environment profile: dev or prod (sizes, retention, protection)"),
  azs: z
    .number({ error: "must be a whole number" })
    .int({ error: "must be a whole number" })
    .min(MIN_AZS, { error: `must be ${MIN_AZS} to ${MAX_AZS}` })
    .max(MAX_AZS, { error: `must be ${MIN_AZS} to ${MAX_AZS}` })
    .default(2)
    .describe(`Availability zones per region, ${MIN_AZS} to ${MAX_AZS}`),
  natStrategy: natStrategy
    .default("single")
    .describe(
      "How private subnets reach the internet, in each region: single (one NAT gateway), perAz (one per AZ), instance (one NAT instance) or none; platform:regions.<side>.natStrategy overrides it",
    ),
  logRetentionDays: logRetention(true)
    .default(14)
    .describe("Retention of every log group, in days"),
  accessLogs: trueOrFalse
    .optional()
    .describe(
      "Access logs of every load balancer and bucket, to a log bucket per region; unset: on in prod, off in dev",
    ),
  sharedDatabase: trueOrFalse
    .optional()
    .describe(
      "One PostgreSQL instance in the home region with a database and a user per workload, instead of an instance per workload; unset: on in dev, off in prod",
    ),
  accessLogRetentionDays: wholeNumber(1, 3650)
    .default(90)
    .describe("Days the log bucket keeps access logs before they expire"),
  containerInsights: trueOrFalse
    .optional()
    .describe(
      "Container Insights on every ECS cluster (custom metrics, billed); off, the running-task alarms read free AWS/ECS metrics; unset: on in prod, off in dev",
    ),
  ec2Spot: trueOrFalse
    .optional()
    .describe(
      "EC2 Spot for the Auto Scaling groups of NAT instances and ECS container instances (interruptible with a two-minute warning, replaced by the group); unset: on in dev, off in prod",
    ),
  sharedLoadBalancer: trueOrFalse
    .default(true)
    .describe(
      "One public load balancer per region for every workload (a port each in dev, host names with TLS in prod); false: one per workload",
    ),
  reservedConcurrencyElsewhere: z
    .number({ error: "must be a whole number" })
    .int({ error: "must be a whole number" })
    .min(0, { error: "must be 0 or more" })
    .default(0)
    .describe(
      "Lambda concurrency other stacks reserve in the same account and home region; the quota check counts it",
    ),
  regions,
};

type PlatformOwn = z.output<z.ZodObject<typeof platformShape>>;

/** The platform's settings whose default follows the environment profile, per profile. */
export const PLATFORM_PROFILE_DEFAULTS = {
  dev: { accessLogs: false, sharedDatabase: true, containerInsights: false, ec2Spot: true },
  prod: { accessLogs: true, sharedDatabase: false, containerInsights: true, ec2Spot: false },
} as const satisfies Record<EnvironmentProfile, Partial<Record<keyof PlatformOwn, unknown>>>;

/** The NAT strategy of one side: its own, or the platform's. */
export function natStrategyOf(
  settings: Pick<PlatformOwn, "natStrategy" | "regions">,
  side: "home" | "remote",
): NatStrategy {
  return settings.regions[side].natStrategy ?? settings.natStrategy;
}

/** Rules across the platform's own settings, once each parses. */
export function platformRules(settings: PlatformOwn): SettingIssue[] {
  return (["home", "remote"] as const).flatMap((side): SettingIssue[] => {
    const issues: SettingIssue[] = [];
    const count = settings.regions[side].availabilityZones.length;
    if (count !== settings.azs) {
      issues.push({
        path: ["regions", side, "availabilityZones"],
        message: `lists ${count} AZs but platform:azs is ${settings.azs}`,
      });
    }
    // Both regions run ECS tasks in private subnets that pull images and call out over NAT; the
    // program makes no interface endpoints that would let them do without.
    if (natStrategyOf(settings, side) === "none") {
      const own = settings.regions[side].natStrategy !== undefined;
      issues.push({
        path: own ? ["regions", side, "natStrategy"] : ["natStrategy"],
        message: `none leaves the ${side} region's private subnets without internet egress, which its ECS tasks need (image pulls, external APIs); use instance, single or perAz`,
      });
    }
    return issues;
  });
}

// Strict like every other structured setting: a misspelled `tags` is an error, not ignored.
export const defaultTagsSchema = z.strictObject({
  tags: z.record(z.string(), z.string()).superRefine((tags, ctx) => {
    for (const key of REQUIRED_TAGS) {
      if (!tags[key]) ctx.addIssue({ code: "custom", path: [key], message: "is required" });
    }
  }),
});

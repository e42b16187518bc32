/**
 * The stack configuration: one zod schema for every `platform:` setting, read once, returned as one
 * typed, frozen object. Invalid config fails before any resource is registered, listing every
 * problem at once, each naming its key (`platform:regions.remote.cidr: ...`).
 *
 * Scalars are declared with types and defaults in Pulumi.yaml (a test keeps the two in step);
 * structured settings (`regions`) live in the stack files only, as Pulumi's project schema allows.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  MAX_AZS,
  MIN_AZS,
  cidrsOverlap,
  parseCidr,
  planSubnets,
  type Cidr,
  isPrivateCidr,
} from "./components/cidr";

/** Retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

export const NAT_STRATEGIES = ["none", "single", "perAz"] as const;
export type NatStrategy = (typeof NAT_STRATEGIES)[number];

export const ENVIRONMENTS = ["dev", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/**
 * `platform:` settings that hold secrets. They never pass through the schema as plaintext: they must
 * be stored with `pulumi config set --secret` and are read with `readSecret`. Workloads add theirs.
 */
export const SECRET_SETTINGS = [
  "schwabAppKey",
  "schwabAppSecret",
  "supabaseServiceKey",
  "arbeesVpnPrivateKey",
  "arbeesVpnAddresses",

  "financeMongodbUrl",
  "financeGoogleApiKey",
] as const;
export type SecretSetting = (typeof SECRET_SETTINGS)[number];

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

const regionSettings = z
  .strictObject({
    region: regionName.describe("AWS region of this side, e.g. us-east-1"),
    cidr: cidrBlock.describe("VPC CIDR block, RFC 1918, /16 to /23"),
    availabilityZones: z
      .array(z.string())
      .describe("AZ names in this region, as many as platform:azs"),
  })
  .superRefine((side, ctx) => {
    side.availabilityZones.forEach((az, i) => {
      if (!new RegExp(`^${side.region}[a-z]$`).test(az)) {
        ctx.addIssue({
          code: "custom",
          path: ["availabilityZones", i],
          message: `${az} is not an availability zone of ${side.region} (expected ${side.region}a, ${side.region}b, ...)`,
        });
      }
    });
    const seen = new Set<string>();
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

/** Fargate's CPU units and the memory (MB) each allows. */
export const FARGATE_SIZES: Readonly<Record<number, readonly [number, number]>> = {
  256: [512, 2048],
  512: [1024, 4096],
  1024: [2048, 8192],
  2048: [4096, 16384],
  4096: [8192, 30720],
};

const wholeNumber = (min: number, max: number) =>
  z
    .number({ error: "must be a whole number" })
    .int({ error: "must be a whole number" })
    .min(min, { error: `must be ${min} to ${max}` })
    .max(max, { error: `must be ${min} to ${max}` });

const httpsBaseUrl = z.string().regex(/^https:\/\/[A-Za-z0-9.-]+(:\d+)?$/, {
  error: "must be an https:// base URL without a path",
});

const browserOrigin = z.string().regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?$/, {
  error: "must be an exact origin like https://app.example.com (no path, no wildcard)",
});

/**
 * The ALB allows 100 listener rules; each running session holds one, and a few stay spare for the
 * team's own rules.
 */
export const MAX_TOTAL_SESSIONS = 90;

const quickbetsSchema = z
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
    threatProtection: z
      .boolean({ error: "must be true or false" })
      .default(false)
      .describe("Cognito threat protection (Plus plan) on the user pool"),
    sessions: z
      .strictObject({
        imageTag: z
          .string()
          .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { error: "must be an image tag" })
          .describe("Tag of the trading-session image in the program's ECR repository"),
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
        maxHours: wholeNumber(1, 24)
          .default(12)
          .describe("Hours after which a session record expires"),
        retentionDays: wholeNumber(1, 365)
          .default(30)
          .describe("Days an ended session stays listed"),
      })
      .superRefine((s, ctx) => {
        const [low, high] = FARGATE_SIZES[s.cpu] ?? [0, 0];
        if (s.memory < low || s.memory > high) {
          ctx.addIssue({
            code: "custom",
            path: ["memory"],
            message: `${s.memory} MB does not fit ${s.cpu} CPU units (Fargate allows ${low} to ${high})`,
          });
        }
        if (s.maxPerUser > s.maxTotal) {
          ctx.addIssue({
            code: "custom",
            path: ["maxPerUser"],
            message: `is ${s.maxPerUser}, more than maxTotal (${s.maxTotal})`,
          });
        }
      })
      .describe("Fargate trading sessions"),
    websocket: z
      .strictObject({
        domainName: z
          .string()
          .regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, { error: "must be a DNS name" })
          .optional()
          .describe("Host name of the session load balancer (needs certificateArn)"),
        certificateArn: z
          .string()
          .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, {
            error: "must be an ACM certificate ARN",
          })
          .optional()
          .describe("ACM certificate for domainName: sessions are served over wss://"),
        hostedZoneId: z
          .string()
          .regex(/^Z[A-Z0-9]{1,31}$/, { error: "must be a Route 53 hosted zone id" })
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
      .describe("The session load balancer's TLS; plain ws:// without it (dev only)"),
  })
  .describe("The QuickBets API and its trading sessions (home region)");

export type QuickBetsSettings = z.infer<typeof quickbetsSchema>;

const alphaKiteSchema = z
  .strictObject({
    tickers: z
      .array(
        z.string().regex(/^[A-Z][A-Z0-9./-]{0,9}$/, {
          error: "must be a ticker symbol (upper-case letters, digits, . / -)",
        }),
      )
      .min(1, { error: "must list at least one ticker" })
      .max(50, { error: "must list at most 50 tickers (one Schwab request each per minute)" })
      .default(["QQQ"])
      .describe("Symbols whose minute candles are streamed"),
    schwabBaseUrl: httpsBaseUrl
      .default("https://api.schwabapi.com")
      .describe("Schwab API base URL (market data and OAuth)"),
    supabaseUrl: httpsBaseUrl.describe("Supabase project URL, https://<project>.supabase.co"),
    supabaseTable: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: "must be a lower-case Postgres table name" })
      .default("minute_bars")
      .describe("Table the bars are upserted into (unique on ticker, bar_time)"),
    metricsNamespace: z
      .string()
      .regex(/^(?!AWS\/)[A-Za-z0-9._/#:-]{1,255}$/, {
        error: "must be a CloudWatch namespace not starting with AWS/",
      })
      .default("AlphaKite")
      .describe("CloudWatch namespace of the streamer's metrics"),
    upstreamTimeoutMs: wholeNumber(100, 30000)
      .default(8000)
      .describe("Timeout of each Schwab or Supabase request, in milliseconds"),
    alertEmail: z
      .email({ error: "must be an email address" })
      .optional()
      .describe("Subscribed to the streamer's alarm topic (confirm the first mail)"),
  })
  .describe("The Alpha-Kite minute streamer (home region)");

export type AlphaKiteSettings = z.infer<typeof alphaKiteSchema>;

const fredJobsSchema = z
  .strictObject({
    corsOrigins: z
      .array(browserOrigin)
      .default([])
      .describe("Browser origins allowed to call the API and PUT uploads"),
    rateLimit: wholeNumber(1, 10000).default(500).describe("Stage-wide requests per second"),
    burstLimit: wholeNumber(1, 5000).default(1000).describe("Stage-wide burst of requests"),
    memorySize: wholeNumber(128, 10240).default(1024).describe("Memory of the app's function, MB"),
    instanceClass: z
      .string()
      .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, {
        error: "must be an RDS instance class like db.t4g.micro",
      })
      .optional()
      .describe("RDS instance class (default: db.t4g.micro in dev, db.t4g.medium in prod)"),
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
  .describe("The FRED jobs API: web app on Lambda with RDS PostgreSQL and uploads (home region)");

export type FredJobsSettings = z.infer<typeof fredJobsSchema>;

const financeApiSchema = z
  .strictObject({
    appDir: z
      .string()
      .min(1, { error: "must be a directory" })
      .optional()
      .describe(
        "Directory of the team's FastAPI app (absolute or relative to the project), packaged at preview; required before pulumi preview/up",
      ),
    app: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_.]*:[A-Za-z_][A-Za-z0-9_.]*$/, {
        error: "must be module:attribute, e.g. main:app",
      })
      .default("main:app")
      .describe("The ASGI app uvicorn serves, module:attribute"),
    requirementsFile: z
      .string()
      .default("requirements.txt")
      .describe("Pinned requirements, relative to appDir (or absolute)"),
    pythonVersion: z
      .enum(["3.13"], { error: "must be 3.13" })
      .default("3.13")
      .describe("CPython of the Lambda runtime (arm64)"),
    memorySize: wholeNumber(128, 10240).default(1024).describe("Memory of the function, MB"),
    timeout: wholeNumber(1, 900).default(30).describe("Timeout of the function, seconds"),
    corsOrigins: z
      .array(browserOrigin)
      .default([])
      .describe("Browser origins allowed to call the API"),
    rateLimit: wholeNumber(1, 10000).default(500).describe("Stage-wide requests per second"),
    burstLimit: wholeNumber(1, 5000).default(1000).describe("Stage-wide burst of requests"),
    binaryMediaTypes: z
      .array(z.string().regex(/^[a-z*]+\/[A-Za-z0-9.+*-]+$/, { error: "must be a media type" }))
      .default(["multipart/form-data", "application/octet-stream", "image/*", "application/pdf"])
      .describe("Content types API Gateway passes as binary (file uploads and downloads)"),
    logRetentionDays: z
      .number({ error: "must be a number of days" })
      .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
        error: "must be a CloudWatch Logs retention",
      })
      .default(30)
      .describe("Retention of the function's and the API's logs, days"),
    authorization: z
      .enum(["iam", "cognito"], { error: "must be iam or cognito" })
      .default("iam")
      .describe("Who may call every route but /health: IAM (SigV4) or a Cognito user pool token"),
    cognitoUserPoolArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool\/[\w-]+$/, {
        error: "must be a Cognito user pool ARN",
      })
      .optional()
      .describe("The user pool whose tokens cognito authorization accepts"),
    mongodbDatabase: z
      .string()
      .regex(/^[^/\\. "$]{1,63}$/, { error: "must be a MongoDB database name" })
      .default("financial_tracker")
      .describe("MONGODB_DATABASE of the app"),
    genaiModel: z
      .string()
      .min(1)
      .default("models/gemini-2.5-flash")
      .describe("GENAI_MODEL of the app"),
    allowedHosts: z.string().default("*").describe("ALLOWED_HOSTS of the app"),
    enforceHttps: z
      .boolean({ error: "must be true or false" })
      .default(false)
      .describe("ENFORCE_HTTPS of the app (API Gateway already serves HTTPS only)"),
    wafRateLimit: wholeNumber(100, 2000000000)
      .default(2000)
      .describe("Requests per 5 minutes from one IP before the WAF blocks it (prod)"),
    domainName: z
      .string()
      .regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, { error: "must be a DNS name" })
      .optional()
      .describe("Custom domain of the API (needs certificateArn)"),
    certificateArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, {
        error: "must be an ACM certificate ARN",
      })
      .optional()
      .describe("ACM certificate of domainName, in the home region"),
    hostedZoneId: z
      .string()
      .regex(/^Z[A-Z0-9]{1,31}$/, { error: "must be a Route 53 hosted zone id" })
      .optional()
      .describe("Route 53 zone in which to alias domainName to the API"),
    alertEmail: z
      .email({ error: "must be an email address" })
      .optional()
      .describe("Subscribed to the API's alarm topic"),
  })
  .superRefine((f, ctx) => {
    if ((f.domainName === undefined) !== (f.certificateArn === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [f.domainName === undefined ? "domainName" : "certificateArn"],
        message: "is required with domainName and certificateArn together",
      });
    }
    if (f.hostedZoneId !== undefined && f.domainName === undefined) {
      ctx.addIssue({ code: "custom", path: ["hostedZoneId"], message: "needs domainName" });
    }
    if (f.authorization === "cognito" && f.cognitoUserPoolArn === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["cognitoUserPoolArn"],
        message: "is required with authorization cognito",
      });
    }
  })
  .prefault({})
  .describe(
    "The finance API: the team's FastAPI app as a zip behind the Lambda Web Adapter (home region)",
  );

export type FinanceApiSettings = z.infer<typeof financeApiSchema>;

const arbeesSchema = z
  .strictObject({
    imageTag: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { error: "must be an image tag" })
      .describe("Tag of every Arbees service image in the program's ECR repositories"),
    domainName: z
      .string()
      .regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, { error: "must be a DNS name" })
      .optional()
      .describe("Host of the home ALB: HTTPS with an ACM certificate (required in prod)"),
    hostedZoneId: z
      .string()
      .regex(/^Z[A-Z0-9]{1,31}$/, { error: "must be a Route 53 hosted zone id" })
      .optional()
      .describe("Route 53 zone of domainName: certificate validation and the alias record"),
    pollInterval: z
      .string()
      .regex(/^\d+(\.\d+)?$/, { error: "must be seconds, e.g. 1.0" })
      .default("1.0")
      .describe("POLL_INTERVAL of every service, seconds"),
    crunchTimeInterval: z
      .string()
      .regex(/^\d+(\.\d+)?$/, { error: "must be seconds, e.g. 0.25" })
      .default("0.25")
      .describe("CRUNCH_TIME_INTERVAL, seconds"),
    marketDataTtl: z
      .string()
      .regex(/^\d+$/, { error: "must be whole seconds" })
      .default("5")
      .describe("MARKET_DATA_TTL, seconds"),
    syncDeltaTolerance: z
      .string()
      .regex(/^\d+(\.\d+)?$/, { error: "must be seconds, e.g. 0.5" })
      .default("0.5")
      .describe("SYNC_DELTA_TOLERANCE, seconds"),
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
    alertEmail: z
      .email({ error: "must be an email address" })
      .optional()
      .describe("Subscribed to both regions' alarm topics"),
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
  .describe("The Arbees trading platform: ECS in both regions, Redis and PostgreSQL at home");

export type ArbeesSettings = z.infer<typeof arbeesSchema>;

/** The schema of every `platform:` setting. Descriptions feed the README's reference table. */
export const platformSchema = z
  .strictObject({
    environment: z
      .enum(ENVIRONMENTS, { error: `must be one of ${ENVIRONMENTS.join(", ")}` })
      .describe("Environment profile: dev or prod (sizes, retention, protection)"),
    azs: z
      .number({ error: "must be a whole number" })
      .int({ error: "must be a whole number" })
      .min(MIN_AZS, { error: `must be ${MIN_AZS} to ${MAX_AZS}` })
      .max(MAX_AZS, { error: `must be ${MIN_AZS} to ${MAX_AZS}` })
      .default(2)
      .describe(`Availability zones per region, ${MIN_AZS} to ${MAX_AZS}`),
    natStrategy: z
      .enum(NAT_STRATEGIES, { error: `must be one of ${NAT_STRATEGIES.join(", ")}` })
      .default("single")
      .describe("NAT gateways per region: none, single, or perAz"),
    logRetentionDays: z
      .number({ error: "must be a number of days" })
      .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
        error: `must be a CloudWatch Logs retention: ${LOG_RETENTION_DAYS.join(", ")}`,
      })
      .default(14)
      .describe("Retention of every log group, in days"),
    reservedConcurrencyElsewhere: z
      .number({ error: "must be a whole number" })
      .int({ error: "must be a whole number" })
      .min(0, { error: "must be 0 or more" })
      .default(0)
      .describe(
        "Lambda concurrency other stacks reserve in the same account and home region; the quota check counts it",
      ),
    regions: z
      .strictObject({
        home: regionSettings.describe("Home region: data stores and most workloads"),
        remote: regionSettings.describe("Remote region: reached over VPC peering"),
      })
      .superRefine((regions, ctx) => {
        if (regions.home.region === regions.remote.region) {
          ctx.addIssue({
            code: "custom",
            path: ["remote", "region"],
            message: `must differ from platform:regions.home.region (${regions.home.region})`,
          });
        }
        const [home, remote] = [regions.home.cidr, regions.remote.cidr].map(tryParseCidr);
        if (home && remote && cidrsOverlap(home, remote)) {
          ctx.addIssue({
            code: "custom",
            path: ["remote", "cidr"],
            message: `${regions.remote.cidr} overlaps platform:regions.home.cidr (${regions.home.cidr}); peered VPCs need disjoint CIDRs`,
          });
        }
      })
      .describe("The two regions, each with its VPC CIDR and AZs"),
    quickbets: quickbetsSchema,
    alphaKite: alphaKiteSchema,
    fredJobs: fredJobsSchema,
    financeApi: financeApiSchema,
    arbees: arbeesSchema,
  })
  .superRefine((settings, ctx) => {
    if (settings.environment === "prod" && !settings.arbees.domainName) {
      ctx.addIssue({
        code: "custom",
        path: ["arbees", "domainName"],
        message: "is required in prod: prod load balancers serve TLS only",
      });
    }
    if (settings.environment === "prod" && !settings.quickbets.websocket.certificateArn) {
      ctx.addIssue({
        code: "custom",
        path: ["quickbets", "websocket", "certificateArn"],
        message: "is required in prod: prod load balancers serve TLS only",
      });
    }
    for (const side of ["home", "remote"] as const) {
      const count = settings.regions[side].availabilityZones.length;
      if (count !== settings.azs) {
        ctx.addIssue({
          code: "custom",
          path: ["regions", side, "availabilityZones"],
          message: `lists ${count} AZs but platform:azs is ${settings.azs}`,
        });
      }
    }
  });

export type PlatformSettings = z.infer<typeof platformSchema>;

// Strict like every other structured setting: a misspelled `tags` is an error, not ignored.
const defaultTagsSchema = z.strictObject({
  tags: z.record(z.string(), z.string()).superRefine((tags, ctx) => {
    for (const key of REQUIRED_TAGS) {
      if (!tags[key]) ctx.addIssue({ code: "custom", path: [key], message: "is required" });
    }
  }),
});

/** The validated stack configuration. */
export interface StackConfig extends PlatformSettings {
  /** Tags every resource carries, from `aws:defaultTags`. */
  readonly defaultTags: Readonly<Record<string, string>>;
  /** True for prod: stateful resources are protected, Multi-AZ and retained. */
  readonly isProd: boolean;
}

/** A config problem: the key it concerns and what is wrong with it. */
export interface ConfigProblem {
  readonly key: string;
  readonly message: string;
}

/**
 * Thrown for invalid config. A RunError, so Pulumi prints the message without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p.key}: ${p.message}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Formats a zod path as a config key: `platform:regions.home.availabilityZones[1]`. */
export function configKey(namespace: string, path: readonly PropertyKey[]): string {
  let key = `${namespace}:`;
  path.forEach((part, i) => {
    if (typeof part === "number") key += `[${part}]`;
    else key += `${i === 0 ? "" : "."}${String(part)}`;
  });
  return key;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (v, part) =>
      v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[part] : undefined,
    value,
  );
}

/** Zod issues as config problems; `input` is what was validated, to tell missing from wrong. */
function problemsOf(
  namespace: string,
  input: unknown,
  error: z.ZodError,
  known: (path: PropertyKey[]) => string[],
) {
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const unknownKey of issue.keys) {
        const hint = closest(unknownKey, known(issue.path));
        problems.push({
          key: configKey(namespace, [...issue.path, unknownKey]),
          message: `unknown setting${hint ? `; did you mean ${configKey(namespace, [...issue.path, hint])}?` : ""}`,
        });
      }
    } else if (issue.code !== "custom" && valueAt(input, issue.path) === undefined) {
      problems.push({ key: configKey(namespace, issue.path), message: "is required" });
    } else {
      problems.push({ key: configKey(namespace, issue.path), message: issue.message });
    }
  }
  return problems;
}

/** Keys an object schema accepts at `path`, for "did you mean" hints. */
function knownKeys(path: PropertyKey[]): string[] {
  let schema: z.ZodType = platformSchema;
  for (const part of path) {
    const shape = objectShape(schema);
    const next = shape?.[String(part)];
    if (!next) return [];
    schema = next;
  }
  return Object.keys(objectShape(schema) ?? {});
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  // Defaults wrap the object schema: unwrap them.
  const inner = schema instanceof z.ZodDefault ? (schema.def.innerType as z.ZodType) : schema;
  return inner instanceof z.ZodObject ? inner.shape : undefined;
}

/** The known key nearest to `key` by edit distance, if it is a plausible typo. */
export function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * Namespaces a stack file may set: the project's own, the configuration of Pulumi and of the
 * providers the program uses, and `cost:` (usage the offline estimate assumes; the engine validates
 * it, the program never reads it). A key in any other namespace is read by nothing.
 */
export const CONFIG_NAMESPACES = [
  "platform",
  "aws",
  "pulumi",
  "docker-build",
  "random",
  "cost",
] as const;

/** Raw config as Pulumi hands it over: every value a string, objects as JSON. */
export type RawConfig = Readonly<Record<string, string>>;

/** Decodes a raw config value: JSON where it parses (numbers, booleans, objects), else the string. */
function decode(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/**
 * Validates raw config (`namespace:key` → string) and returns the typed, frozen stack config.
 * Pure: the runtime is read by `loadConfig`, so tests pass plain objects.
 *
 * @throws ConfigError listing every problem, each with its key.
 */
export function parseStackConfig(raw: RawConfig, secretKeys: readonly string[] = []): StackConfig {
  const platform: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const namespace = key.slice(0, Math.max(0, key.indexOf(":")));
    if (!(CONFIG_NAMESPACES as readonly string[]).includes(namespace)) {
      // Any other namespace would be ignored by every reader: most likely a misspelled platform:.
      const hint = closest(namespace, CONFIG_NAMESPACES);
      const rest = key.slice(namespace.length + 1);
      problems.push({
        key,
        message: `unknown namespace "${namespace}"${hint ? `; did you mean ${hint}:${rest}?` : ""}`,
      });
      continue;
    }
    if (!key.startsWith("platform:")) continue;
    const name = key.slice("platform:".length);
    if ((SECRET_SETTINGS as readonly string[]).includes(name)) {
      if (!secretKeys.includes(key)) {
        problems.push({
          key,
          message: `is stored in plaintext; set it with \`pulumi config set --secret ${name} <value>\``,
        });
      }
    } else if (secretKeys.includes(key)) {
      const hint = closest(name, SECRET_SETTINGS);
      problems.push({
        key,
        message: `unknown secret setting${hint ? `; did you mean platform:${hint}?` : ""}`,
      });
    } else {
      platform[name] = decode(value);
    }
  }
  const parsed = platformSchema.safeParse(platform);
  if (!parsed.success) problems.push(...problemsOf("platform", platform, parsed.error, knownKeys));

  const tagsRaw = raw["aws:defaultTags"];
  const tagsInput = tagsRaw === undefined ? undefined : decode(tagsRaw);
  const tags = defaultTagsSchema.safeParse(tagsInput);
  if (!tags.success) {
    problems.push(...problemsOf("aws", tagsInput, tags.error, () => []).map(prefixDefaultTags));
  }
  if (parsed.success) {
    const awsRegion = raw["aws:region"];
    if (awsRegion !== undefined && awsRegion !== parsed.data.regions.home.region) {
      problems.push({
        key: "aws:region",
        message: `is ${awsRegion} but platform:regions.home.region is ${parsed.data.regions.home.region}; they must match`,
      });
    }
    if (tags.success && tags.data.tags.environment !== parsed.data.environment) {
      problems.push({
        key: "aws:defaultTags.tags.environment",
        message: `is ${tags.data.tags.environment} but platform:environment is ${parsed.data.environment}`,
      });
    }
  }
  if (problems.length > 0 || !parsed.success || !tags.success) throw new ConfigError(problems);

  return deepFreeze({
    ...parsed.data,
    defaultTags: tags.data.tags,
    isProd: parsed.data.environment === "prod",
  });
}

function prefixDefaultTags(problem: ConfigProblem): ConfigProblem {
  const rest = problem.key.slice("aws:".length);
  return { ...problem, key: `aws:defaultTags${rest ? `.${rest}` : ""}` };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

let loaded: StackConfig | undefined;

/** Reads and validates the stack's config once; later calls return the same frozen object. */
export function loadConfig(): StackConfig {
  loaded ??= parseStackConfig(pulumi.runtime.allConfig(), secretConfigKeys());
  return loaded;
}

/** Keys stored as secrets. The SDK's predicate is public in JS but missing from its typings. */
function secretConfigKeys(): string[] {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  if (typeof runtime.isConfigSecret !== "function") {
    throw new Error("@pulumi/pulumi no longer exposes runtime.isConfigSecret; update config.ts");
  }
  return Object.keys(pulumi.runtime.allConfig()).filter((key) => runtime.isConfigSecret!(key));
}

/**
 * Reads a declared `platform:` secret with `requireSecret`; `loadConfig` has already refused one
 * stored in plaintext, so the value stays an encrypted Output end to end.
 *
 * @throws ConfigError naming the key when it is missing.
 */
export function readSecret(name: SecretSetting): pulumi.Output<string> {
  const key = `platform:${name}`;
  if (!SECRET_SETTINGS.includes(name)) throw new Error(`${key} is not declared in SECRET_SETTINGS`);
  if (pulumi.runtime.getConfig(key) === undefined) {
    throw new ConfigError([
      { key, message: `is required; set it with \`pulumi config set --secret ${name} <value>\`` },
    ]);
  }
  return new pulumi.Config("platform").requireSecret(name);
}

// ---- documentation placeholders ---------------------------------------------------------------

/** A setting that still holds a value from documentation rather than the team's own. */
export interface Placeholder {
  readonly key: string;
  readonly value: string;
}

/**
 * Why a value is a documentation placeholder, or undefined: hosts under the names reserved for
 * documentation (RFC 2606: example.com/.net/.org, .example, .test, .invalid), the account id AWS's
 * own documentation uses in ARNs, and ids spelled with EXAMPLE (`Z0EXAMPLE12345`).
 */
export function placeholderReason(value: string): string | undefined {
  const hosts = [
    ...value.matchAll(/(?:^|[/@.\s])((?:[a-z0-9-]+\.)*[a-z0-9-]+\.(?:[a-z]{2,}))(?=$|[/:?#\s"])/gi),
  ].map((m) => m[1]!.toLowerCase());
  if (hosts.some((h) => /(^|\.)example\.(com|net|org)$|\.(example|test|invalid)$/.test(h))) {
    return "a reserved documentation domain";
  }
  if (/^arn:aws[a-z-]*:[^:]*:[^:]*:(123456789012|111122223333):/.test(value)) {
    return "an ARN in AWS's documentation account";
  }
  if (/EXAMPLE/.test(value)) return "an id spelled EXAMPLE";
  return undefined;
}

/** Every `platform:` setting, at any depth, whose value is a documentation placeholder. */
export function documentationPlaceholders(raw: Record<string, string>): Placeholder[] {
  const found: Placeholder[] = [];
  const walk = (value: unknown, path: PropertyKey[], namespace: string): void => {
    if (typeof value === "string") {
      if (placeholderReason(value)) found.push({ key: configKey(namespace, path), value });
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, [...path, i], namespace));
    } else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k], namespace);
    }
  };
  for (const [key, text] of Object.entries(raw).sort(([a], [b]) => a.localeCompare(b))) {
    if (!key.startsWith("platform:")) continue;
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // A plain string setting.
    }
    walk(value, [key.slice("platform:".length)], "platform");
  }
  return found;
}

/**
 * What to do with placeholders: a preview (and the offline plan) warns with each key; a real
 * update stops before creating anything, naming every key to set.
 *
 * @throws ConfigError on an update while any placeholder is left.
 */
export function checkPlaceholders(
  placeholders: readonly Placeholder[],
  mode: "preview" | "update",
): string[] {
  const problems = placeholders.map((p) => ({
    key: p.key,
    message: `holds ${p.value}, ${placeholderReason(p.value)}: set the team's own value before pulumi up`,
  }));
  if (mode === "update" && problems.length > 0) throw new ConfigError(problems);
  return problems.map((p) => `${p.key} ${p.message}`);
}

/**
 * Set by the offline engine (tools/engine/engine.ts) while it runs the program: a setting only a
 * deployment needs (the finance app's directory) may then be absent and is listed instead.
 */
export const OFFLINE_PLAN_ENV = "PLATFORM_OFFLINE_PLAN";

/** A setting needed before `pulumi preview`/`up` that this run lacks. */
export interface PendingSetting {
  readonly key: string;
  /** What it is and how to set it. */
  readonly how: string;
}

/** Where the offline engine finds the pending settings (a global: the engine never imports config). */
export const PENDING_SETTINGS = Symbol.for("platform.pendingSettings");

/**
 * A setting only a deployment needs. Set: its value. Absent under the offline engine: undefined,
 * and the plan lists it under "set before pulumi up". Absent otherwise (a real preview or up):
 * a ConfigError naming the key.
 */
export function deploySetting<T>(key: string, value: T | undefined, how: string): T | undefined {
  if (value !== undefined) return value;
  if (process.env[OFFLINE_PLAN_ENV] !== "1") {
    throw new ConfigError([{ key, message: `is required before pulumi preview/up; ${how}` }]);
  }
  const registry = globalThis as unknown as Record<symbol, PendingSetting[] | undefined>;
  const pending = (registry[PENDING_SETTINGS] ??= []);
  if (!pending.some((p) => p.key === key)) pending.push({ key, how });
  return undefined;
}

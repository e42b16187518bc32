/** `platform:arbees`: the Arbees trading platform in both regions, and its VPN secrets. */
import { z } from "zod";
import {
  GRAVITON_INSTANCE_TYPES,
  smallestInstanceType,
  taskCapacityOf,
} from "../../components/ec2-capacity";
import { FARGATE_SIZES, fargateSizeProblem } from "../../components/ecs-tasks";
import type { EnvironmentProfile } from "../../components/profile";
import {
  dnsName,
  emailAddress,
  hostedZoneId,
  imageTag,
  trueOrFalse,
  wholeNumber,
} from "../../config/fields";
import { workloadSettings, type SettingIssue, type SettingsOf } from "../../config/workload";

/** The services on Fargate at home, and the one on EC2 capacity (behind the VPN) in the remote region. */
export const HOME_SERVICES = [
  "frontend",
  "api",
  "orchestrator",
  "strategy-engine",
  "market-gateway-kalshi",
] as const;
export const REMOTE_SERVICE = "market-gateway-polymarket";
export type ArbeesService = (typeof HOME_SERVICES)[number] | typeof REMOTE_SERVICE;
const SERVICES: readonly ArbeesService[] = [...HOME_SERVICES, REMOTE_SERVICE];

/** A task's CPU units and memory (MiB). */
export interface TaskSize {
  cpu: number;
  memory: number;
}

/**
 * Each service's task size where the stack sets none. dev: Fargate's smallest (0.25 vCPU, 0.5 GB),
 * as the old guide ran them; prod: what each service was sized for.
 */
export const ARBEES_TASK_SIZES: Readonly<
  Record<EnvironmentProfile, Readonly<Record<ArbeesService, TaskSize>>>
> = {
  dev: {
    frontend: { cpu: 256, memory: 512 },
    api: { cpu: 256, memory: 512 },
    orchestrator: { cpu: 256, memory: 512 },
    "strategy-engine": { cpu: 256, memory: 512 },
    "market-gateway-kalshi": { cpu: 256, memory: 512 },
    "market-gateway-polymarket": { cpu: 256, memory: 512 },
  },
  prod: {
    frontend: { cpu: 256, memory: 512 },
    api: { cpu: 512, memory: 1024 },
    orchestrator: { cpu: 256, memory: 512 },
    "strategy-engine": { cpu: 1024, memory: 2048 },
    "market-gateway-kalshi": { cpu: 256, memory: 512 },
    "market-gateway-polymarket": { cpu: 512, memory: 1024 },
  },
};

/** The Fargate capacity the home services run on. */
export const ARBEES_CAPACITIES = ["fargate", "fargateSpot"] as const;
export type ArbeesCapacity = (typeof ARBEES_CAPACITIES)[number];

/** What differs between dev and prod, where the stack sets none. */
const sizes: Record<
  EnvironmentProfile,
  { replicas: number; strategyEngineMaxTasks: number; capacity: ArbeesCapacity }
> = {
  dev: { replicas: 1, strategyEngineMaxTasks: 2, capacity: "fargateSpot" },
  prod: { replicas: 2, strategyEngineMaxTasks: 6, capacity: "fargate" },
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

const sizeText = (s: TaskSize) => `${s.cpu}/${s.memory}`;
const taskSize = (service: ArbeesService) =>
  z
    .strictObject({
      cpu: wholeNumber(128, 16384).describe("CPU units (1024 a vCPU)"),
      // 256 at least: the Polymarket gateway's task also holds the VPN sidecar's 128 MiB.
      memory: wholeNumber(256, 122880).describe("Memory, in MiB"),
    })
    .optional()
    .describe(
      `CPU units/MiB (default: ${sizeText(ARBEES_TASK_SIZES.dev[service])} in dev, ${sizeText(ARBEES_TASK_SIZES.prod[service])} in prod)`,
    );

/** Each service's task size: the stack's where it sets one, else the profile's. */
export function taskSizesOf(
  settings: { taskSizes: Partial<Record<ArbeesService, TaskSize | undefined>> },
  profile: EnvironmentProfile,
): Record<ArbeesService, TaskSize> {
  const defaults = ARBEES_TASK_SIZES[profile];
  return Object.fromEntries(
    Object.entries(defaults).map(([service, size]) => [
      service,
      settings.taskSizes[service as ArbeesService] ?? size,
    ]),
  ) as Record<ArbeesService, TaskSize>;
}

/**
 * The VPN host's instance type: the stack's, else the smallest Graviton type its tasks fit
 * (the Polymarket gateway with its VPN sidecar).
 */
export function vpnHostTypeOf(
  settings: {
    vpnHost: { instanceType?: string };
    taskSizes: Partial<Record<ArbeesService, TaskSize | undefined>>;
  },
  profile: EnvironmentProfile,
): string {
  return (
    settings.vpnHost.instanceType ??
    smallestInstanceType([taskSizesOf(settings, profile)[REMOTE_SERVICE]])
  );
}

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
      taskSizes: z
        .strictObject(
          Object.fromEntries(SERVICES.map((service) => [service, taskSize(service)])) as Record<
            ArbeesService,
            ReturnType<typeof taskSize>
          >,
        )
        .default({})
        .describe(
          "Task size per service; the home services within Fargate's CPU/memory pairs, the Polymarket gateway's (EC2, with the VPN sidecar's 128 MiB) sizing the VPN host",
        ),
      capacity: z
        .enum(ARBEES_CAPACITIES, { error: `must be one of ${ARBEES_CAPACITIES.join(", ")}` })
        .optional()
        .describe(
          `Fargate capacity of the home services: fargateSpot runs them at Spot prices, interruptible with a two-minute warning (${perProfile("capacity")})`,
        ),
      vpnHost: z
        .strictObject({
          instanceType: z
            .string()
            .regex(/^[a-z]+\d+g[a-z]*\.[0-9a-z]+$/, {
              error: "must be a Graviton (arm64) instance type like t4g.micro",
            })
            .optional()
            .describe(
              "Instance type of the VPN host (default: the smallest T4g its tasks fit, after ECS's memory reserve)",
            ),
          detailedMonitoring: trueOrFalse
            .optional()
            .describe(
              "EC2 detailed monitoring, 7 metrics billed (default: off in dev, on in prod)",
            ),
        })
        .default({})
        .describe("The EC2 instance the Polymarket gateway and its VPN sidecar run on"),
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
      // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
      for (const service of HOME_SERVICES) {
        const size = a.taskSizes[service];
        if (!size) continue;
        const problem =
          size.cpu in FARGATE_SIZES
            ? fargateSizeProblem(size.cpu, size.memory)
            : `${size.cpu} CPU units is not a Fargate size (${Object.keys(FARGATE_SIZES).join(", ")})`;
        if (problem) {
          ctx.addIssue({
            code: "custom",
            path: ["taskSizes", service, size.cpu in FARGATE_SIZES ? "memory" : "cpu"],
            message: problem,
          });
        }
      }
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
  profileRules: (settings, profile) => [
    ...(profile === "prod" && !settings.domainName
      ? [
          {
            path: ["domainName"],
            message: "is required in prod: prod load balancers serve TLS only",
          },
        ]
      : []),
    ...vpnHostFitIssues(settings, profile),
  ],
  secrets: {
    arbeesVpnPrivateKey:
      "WireGuard private key of the Arbees VPN sidecar (gluetun's WIREGUARD_PRIVATE_KEY)",
    arbeesVpnAddresses:
      "WireGuard interface addresses of that key (gluetun's WIREGUARD_ADDRESSES, e.g. 10.64.0.2/32)",
  },
});

export type ArbeesSettings = SettingsOf<typeof arbeesSettings>;

/** A VPN host type the stack names that its tasks do not fit (types the table knows only). */
function vpnHostFitIssues(
  settings: {
    vpnHost: { instanceType?: string };
    taskSizes: Partial<Record<ArbeesService, TaskSize | undefined>>;
  },
  profile: EnvironmentProfile,
): SettingIssue[] {
  const type = settings.vpnHost.instanceType;
  const shape = type ? GRAVITON_INSTANCE_TYPES[type] : undefined;
  if (!type || !shape) return [];
  const task = taskSizesOf(settings, profile)[REMOTE_SERVICE];
  const offered = taskCapacityOf(shape);
  return offered.cpu >= task.cpu && offered.memory >= task.memory
    ? []
    : [
        {
          path: ["vpnHost", "instanceType"],
          message: `${type} offers tasks ${offered.cpu} CPU units and ${offered.memory} MiB; the Polymarket gateway's task needs ${task.cpu} and ${task.memory}`,
        },
      ];
}

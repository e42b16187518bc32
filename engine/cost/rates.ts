/**
 * One cost function per priced resource type: from the resource's real inputs (and the resources
 * they came from) to charges, each a quantity of one price-table item. Prices are applied later, so
 * these functions stay pure and read the same for every region. Types that cost nothing are listed,
 * with the reason, in FREE_TYPES; a type in neither table is reported as unpriced.
 */
import type { PlannedResource } from "../engine";
import { valueFor, type UsageAssumptions } from "./assumptions";
import { list, num, obj, str, type PlanIndex } from "./plan-index";
import { HOURS_PER_MONTH } from "./schedule";
import { architectureOf, readsSecret, TYPE, tracesActively, type DerivedUsage } from "./usage";

export interface Charge {
  /** Price-table item, e.g. `nat.hour`. */
  readonly item: string;
  /** In the item's unit. */
  readonly quantity: number;
  /** What is charged and how the quantity was found, e.g. `2 nodes × 730 h`. */
  readonly what: string;
  /** The region billed when not the resource's own (a secret's replica). */
  readonly region?: string;
}

export interface CostContext {
  readonly index: PlanIndex;
  readonly assumptions: UsageAssumptions;
  readonly usage: DerivedUsage;
}

export type CostFunction = (r: PlannedResource, ctx: CostContext) => Charge[];

const H = HOURS_PER_MONTH;
const fmt = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 2 });
const plural = (n: number, one: string, many = `${one}s`) => `${fmt(n)} ${n === 1 ? one : many}`;

const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
const SERVICE = "aws:ecs/service:Service";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

/**
 * vCPU-hours and GB-hours of `taskHours` hours of a Fargate task, on demand or on Spot: each at its
 * architecture's price (Spot has a price of its own per region and architecture).
 */
function fargate(task: PlannedResource, taskHours: number, spot: boolean, basis: string): Charge[] {
  const vcpu = (num(task.inputs.cpu) ?? 256) / 1024;
  const gb = (num(task.inputs.memory) ?? 512) / 1024;
  const arch = str(obj(task.inputs.runtimePlatform).cpuArchitecture) === "ARM64" ? "arm64" : "x86";
  const [kind, prefix] = spot ? ["Fargate Spot", "fargate-spot"] : ["Fargate", "fargate"];
  return [
    {
      item: `${prefix}.${arch}.vcpu-hour`,
      quantity: vcpu * taskHours,
      what: `${kind} ${fmt(vcpu)} vCPU ${arch} × ${basis}`,
    },
    {
      item: `${prefix}.${arch}.gb-hour`,
      quantity: gb * taskHours,
      what: `${kind} ${fmt(gb)} GB × ${basis}`,
    },
  ];
}

/** How a service's tasks split over capacity: `base` first, in order, then by weight. */
export function splitTasks(
  desired: number,
  strategies: { capacityProvider: string; base?: number; weight?: number }[],
): Map<string, number> {
  const out = new Map<string, number>();
  let left = desired;
  for (const s of strategies) {
    const base = Math.min(left, s.base ?? 0);
    out.set(s.capacityProvider, (out.get(s.capacityProvider) ?? 0) + base);
    left -= base;
  }
  const weights = strategies.reduce((sum, s) => sum + (s.weight ?? 0), 0);
  for (const s of strategies) {
    const share = weights > 0 ? (left * (s.weight ?? 0)) / weights : 0;
    out.set(s.capacityProvider, (out.get(s.capacityProvider) ?? 0) + share);
  }
  return out;
}

type Strategy = { capacityProvider: string; base?: number; weight?: number };

/** A service's capacity provider strategy, or the one its launch type (or task definition) implies. */
function strategiesOf(svc: PlannedResource, task: PlannedResource): Strategy[] {
  const strategies = list<Strategy>(svc.inputs.capacityProviderStrategies);
  if (strategies.length > 0) return strategies;
  const launchType = str(svc.inputs.launchType);
  const compat = list<string>(task.inputs.requiresCompatibilities);
  const provider = launchType || (compat.includes("FARGATE") ? "FARGATE" : "EC2");
  return [{ capacityProvider: provider, weight: 1 }];
}

const onFargate = (s: Strategy) => s.capacityProvider.startsWith("FARGATE");

const ecsService: CostFunction = (svc, { index }) => {
  const task = index.dependsOn(svc, "taskDefinition", TASK_DEFINITION)[0];
  const desired = num(svc.inputs.desiredCount) ?? 1;
  if (!task || desired === 0) return [];
  const strategies = strategiesOf(svc, task);
  const charges: Charge[] = [];
  for (const [provider, tasks] of splitTasks(desired, strategies)) {
    if (tasks === 0) continue;
    if (provider !== "FARGATE" && provider !== "FARGATE_SPOT") continue; // EC2: the instances bill.
    charges.push(
      ...fargate(task, tasks * H, provider === "FARGATE_SPOT", `${plural(tasks, "task")} × ${H} h`),
    );
  }
  // A public IP per Fargate task in a public subnet.
  if (obj(svc.inputs.networkConfiguration).assignPublicIp === true) {
    charges.push({
      item: "ipv4.hour",
      quantity: desired * H,
      what: `public IPv4 × ${plural(desired, "task")} × ${H} h`,
    });
  }
  return charges;
};

/** A Fargate task definition no service runs is launched on demand (RunTask): assumed task-hours. */
const taskDefinition: CostFunction = (task, { index, assumptions }) => {
  if (index.dependents(task, SERVICE, "taskDefinition").length > 0) return [];
  if (!list<string>(task.inputs.requiresCompatibilities).includes("FARGATE")) return [];
  const hours = valueFor(assumptions.runTaskHoursPerMonth, task.name);
  return fargate(task, hours, false, `${fmt(hours)} task-hours (launched on demand)`);
};

const instanceHours = (type: string, count: number, basis: string): Charge => ({
  item: `ec2:${type}`,
  quantity: count * H,
  what: `EC2 ${type} × ${basis} × ${H} h`,
});

/**
 * EC2 detailed monitoring sends an instance's metrics every minute, each billed as a custom metric:
 * 7 an instance (CPU, disk and network), as the CloudWatch pricing page's "EC2 Detailed Monitoring"
 * example counts them (https://aws.amazon.com/cloudwatch/pricing/); basic monitoring is free.
 */
export const DETAILED_MONITORING_METRICS = 7;

const detailedMonitoring = (count: number): Charge => ({
  item: "cloudwatch.metric-month",
  quantity: DETAILED_MONITORING_METRICS * count,
  what: `detailed monitoring: ${DETAILED_MONITORING_METRICS} metrics × ${plural(count, "instance")}`,
});

const ebsVolumes = (mappings: unknown, count: number): Charge[] =>
  list<Record<string, unknown>>(mappings).flatMap((m) => {
    const ebs = obj(m.ebs);
    const size = num(ebs.volumeSize);
    if (size === undefined) return [];
    const type = str(ebs.volumeType) || "gp3";
    return [
      {
        item: `ebs.${type}.gb-month`,
        quantity: size * count,
        what: `EBS ${type} ${size} GB × ${plural(count, "instance")}`,
      },
    ];
  });

/**
 * How many of a group's `count` instances run on Spot under its mixed instances policy: those above
 * the on-demand base, less the on-demand share of them (AWS's defaults: base 0, 100% on demand).
 * Without a policy, none. https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_InstancesDistribution.html
 */
export function spotInstancesOf(asg: PlannedResource, count: number): number {
  const policy = obj(asg.inputs.mixedInstancesPolicy);
  if (Object.keys(policy).length === 0) return 0;
  const distribution = obj(policy.instancesDistribution);
  const base = Math.min(count, num(distribution.onDemandBaseCapacity) ?? 0);
  const onDemandPercent = num(distribution.onDemandPercentageAboveBaseCapacity) ?? 100;
  return (count - base) * (1 - onDemandPercent / 100);
}

/**
 * An autoscaling group (NAT instances, an ECS capacity provider's instances): its launch template ×
 * minSize, at Spot prices for the instances its mixed instances policy puts on Spot, priced as the
 * policy's first instance type (the template's own, as the platform's groups list it).
 */
const autoscalingGroup: CostFunction = (asg, { index }) => {
  const template = [
    ...index.dependsOn(asg, "launchTemplate", "aws:ec2/launchTemplate:LaunchTemplate"),
    ...index.dependsOn(asg, "mixedInstancesPolicy", "aws:ec2/launchTemplate:LaunchTemplate"),
  ][0];
  const override = str(
    list<Record<string, unknown>>(
      obj(obj(asg.inputs.mixedInstancesPolicy).launchTemplate).overrides,
    )[0]?.instanceType,
  );
  const type = override || str(template?.inputs.instanceType);
  const count = num(asg.inputs.minSize) ?? 0;
  if (!template || !type || count === 0) return [];
  const spot = spotInstancesOf(asg, count);
  const onDemand = count - spot;
  const charges = [
    ...(onDemand > 0 ? [instanceHours(type, onDemand, `minSize ${count}`)] : []),
    ...(spot > 0
      ? [
          {
            item: `ec2-spot:${type}`,
            quantity: spot * H,
            what: `EC2 Spot ${type} × ${spot === count ? `minSize ${count}` : plural(spot, "Spot instance")} × ${H} h`,
          },
        ]
      : []),
    ...ebsVolumes(template.inputs.blockDeviceMappings, count),
  ];
  if (obj(template.inputs.monitoring).enabled === true) charges.push(detailedMonitoring(count));
  if (
    list<Record<string, unknown>>(template.inputs.networkInterfaces).some(
      (n) => n.associatePublicIpAddress === true || n.associatePublicIpAddress === "true",
    )
  ) {
    charges.push({
      item: "ipv4.hour",
      quantity: count * H,
      what: `public IPv4 × ${plural(count, "instance")} × ${H} h`,
    });
  }
  return charges;
};

const ec2Instance: CostFunction = (instance) => {
  const type = str(instance.inputs.instanceType);
  const root = obj(instance.inputs.rootBlockDevice);
  const charges = [instanceHours(type, 1, "1 instance")];
  if (num(root.volumeSize) !== undefined) {
    charges.push(...ebsVolumes([{ ebs: root }], 1));
  }
  if (instance.inputs.associatePublicIpAddress === true) {
    charges.push({ item: "ipv4.hour", quantity: H, what: `public IPv4 × ${H} h` });
  }
  if (instance.inputs.monitoring === true) charges.push(detailedMonitoring(1));
  return charges;
};

const rdsInstance: CostFunction = (db) => {
  const i = db.inputs;
  const multiAz = i.multiAz === true;
  const cls = str(i.instanceClass);
  const storage = num(i.allocatedStorage) ?? 20;
  const storageType = str(i.storageType) || "gp3";
  const charges: Charge[] = [
    {
      item: `rds:${str(i.engine) || "postgres"}:${cls}:${multiAz ? "multi-az" : "single-az"}`,
      quantity: H,
      what: `${cls} ${multiAz ? "Multi-AZ" : "single-AZ"} × ${H} h`,
    },
    {
      item: `rds.${storageType}.gb-month`,
      quantity: storage * (multiAz ? 2 : 1),
      what: `${storageType} ${storage} GB${multiAz ? " × 2 (Multi-AZ standby)" : ""}`,
    },
  ];
  // RDS keeps a managed master password in Secrets Manager, billed as any secret.
  if (i.manageMasterUserPassword === true) {
    charges.push({
      item: "secretsmanager.secret-month",
      quantity: 1,
      what: "managed master password secret",
    });
  }
  return charges;
};

const replicationGroup: CostFunction = (rg) => {
  const i = rg.inputs;
  const nodes =
    num(i.numCacheClusters) ??
    (num(i.numNodeGroups) ?? 1) * (1 + (num(i.replicasPerNodeGroup) ?? 0));
  const engine = str(i.engine) === "valkey" ? "valkey" : "redis";
  const nodeType = str(i.nodeType);
  return [
    {
      item: `elasticache:${engine}:${nodeType}`,
      quantity: nodes * H,
      what: `${nodeType} ${engine === "valkey" ? "Valkey" : "Redis OSS"} × ${plural(nodes, "node")} × ${H} h`,
    },
  ];
};

const cacheCluster: CostFunction = (c) => {
  const nodes = num(c.inputs.numCacheNodes) ?? 1;
  const engine = str(c.inputs.engine) || "redis";
  const nodeType = str(c.inputs.nodeType);
  return [
    {
      item: `elasticache:${engine}:${nodeType}`,
      quantity: nodes * H,
      what: `${nodeType} ${engine} × ${plural(nodes, "node")} × ${H} h`,
    },
  ];
};

const natGateway: CostFunction = (nat, { assumptions }) => {
  // A private NAT gateway has no public address; the EIP of a public one is priced on the EIP.
  const gb = valueFor(assumptions.natGbPerMonth, nat.name);
  return [
    { item: "nat.hour", quantity: H, what: `NAT gateway × ${H} h` },
    { item: "nat.gb", quantity: gb, what: `${fmt(gb)} GB processed (assumed)` },
  ];
};

const eip: CostFunction = (e, { index }) => {
  const nat = index.dependents(e, "aws:ec2/natGateway:NatGateway", "allocationId")[0];
  return [
    {
      item: "ipv4.hour",
      quantity: H,
      what: `public IPv4${nat ? ` of NAT gateway ${nat.name}` : ""} × ${H} h`,
    },
  ];
};

const loadBalancer: CostFunction = (lb, { assumptions }) => {
  const type = str(lb.inputs.loadBalancerType) || "application";
  const prefix = type === "application" ? "alb" : type === "network" ? "nlb" : "gwlb";
  const charges: Charge[] = [
    { item: `${prefix}.hour`, quantity: H, what: `${type} load balancer × ${H} h` },
  ];
  if (prefix === "alb") {
    const lcu = valueFor(assumptions.albLcu, lb.name);
    charges.push({
      item: "alb.lcu-hour",
      quantity: lcu * H,
      what: `${fmt(lcu)} LCU (assumed) × ${H} h`,
    });
  }
  if (lb.inputs.internal !== true) {
    // An internet-facing load balancer holds one public IPv4 address per subnet (AZ).
    const azs = list(lb.inputs.subnets).length || list(lb.inputs.subnetMappings).length || 2;
    charges.push({
      item: "ipv4.hour",
      quantity: azs * H,
      what: `public IPv4 × ${azs} AZs × ${H} h`,
    });
  }
  return charges;
};

const vpcEndpoint: CostFunction = (ep, { assumptions }) => {
  if (str(ep.inputs.vpcEndpointType) !== "Interface") return []; // Gateway endpoints are free.
  const azs = list(ep.inputs.subnetIds).length || 1;
  const gb = valueFor(assumptions.interfaceEndpointGbPerMonth, ep.name);
  return [
    {
      item: "vpce.interface.az-hour",
      quantity: azs * H,
      what: `interface endpoint × ${azs} AZs × ${H} h`,
    },
    { item: "vpce.interface.gb", quantity: gb, what: `${fmt(gb)} GB (assumed)` },
  ];
};

/** Traffic across a peering: inter-region, each side pays for what it sends. */
const peering: CostFunction = (pcx, { assumptions }) => {
  const gb = valueFor(assumptions.peeringGbPerMonthEachWay, pcx.name);
  const peerRegion = str(pcx.inputs.peerRegion);
  if (peerRegion && peerRegion !== pcx.region) {
    return [
      {
        item: "transfer.inter-region.gb",
        quantity: gb,
        what: `${fmt(gb)} GB sent to ${peerRegion} (assumed)`,
      },
    ];
  }
  return [
    {
      item: "transfer.intra-region.gb",
      quantity: gb * 2,
      what: `${fmt(gb)} GB each way, cross-AZ (assumed)`,
    },
  ];
};

const peeringAccepter: CostFunction = (acc, ctx) => {
  const pcx = ctx.index.dependsOn(
    acc,
    "vpcPeeringConnectionId",
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
  )[0];
  if (!pcx || !pcx.region || pcx.region === acc.region) return [];
  const gb = valueFor(ctx.assumptions.peeringGbPerMonthEachWay, pcx.name);
  return [
    {
      item: "transfer.inter-region.gb",
      quantity: gb,
      what: `${fmt(gb)} GB sent to ${pcx.region} (assumed)`,
    },
  ];
};

const secret: CostFunction = (s, { index, assumptions, usage }) => {
  const replicas = list<Record<string, unknown>>(s.inputs.replicas);
  const readers = index.ofType(TYPE.function).filter((fn) => readsSecret(index, fn, s));
  // Each run of a function that reads the secret fetches it once (the cache outlives no run).
  const fromReaders = readers.reduce(
    (sum, fn) => sum + (usage.invocations.get(fn.urn)?.perMonth ?? 0),
    0,
  );
  const assumed = assumptions.secretApiCallsPerMonth.byName[s.name];
  const calls =
    assumed ?? (readers.length > 0 ? fromReaders : assumptions.secretApiCallsPerMonth.default);
  const basis =
    assumed !== undefined
      ? "assumed"
      : readers.length > 0
        ? `runs of ${readers.map((r) => r.name).join(", ")}`
        : "assumed";
  return [
    { item: "secretsmanager.secret-month", quantity: 1, what: "secret" },
    ...replicas.map((rep) => ({
      item: "secretsmanager.secret-month",
      quantity: 1,
      what: `replica in ${str(rep.region)}`,
      region: str(rep.region),
    })),
    {
      item: "secretsmanager.api.10k",
      quantity: calls / 10_000,
      what: `${fmt(calls)} API calls (${basis})`,
    },
  ];
};

const alarm: CostFunction = (a) => {
  const queries = list<Record<string, unknown>>(a.inputs.metricQueries);
  const metrics = queries.length > 0 ? queries.filter((q) => q.metric !== undefined).length : 1;
  // Anomaly detection alarms bill three metrics: the metric and the band's two bounds.
  const billed = a.inputs.thresholdMetricId ? metrics * 3 : metrics;
  const highRes = (num(a.inputs.period) ?? 60) < 60;
  return [
    {
      item: highRes ? "cloudwatch.alarm-high-res-month" : "cloudwatch.alarm-month",
      quantity: billed,
      what: `alarm on ${plural(billed, "metric")}${highRes ? " (high resolution)" : ""}`,
    },
  ];
};

type LogKind = keyof Omit<UsageAssumptions["logs"]["ingestedGbPerMonth"], "byName">;

/** What writes to a log group, from the resources that point at it. */
export function logKind(group: PlannedResource, index: PlanIndex): LogKind {
  if (index.dependents(group, "aws:ec2/flowLog:FlowLog", "logDestination").length > 0)
    return "flowLogs";
  if (index.dependents(group, TYPE.function, "loggingConfig").length > 0) return "lambda";
  if (index.dependents(group, TASK_DEFINITION, "containerDefinitions").length > 0) return "ecs";
  if (index.dependents(group, TYPE.restStage, "accessLogSettings").length > 0) return "apiAccess";
  if (index.dependents(group, TYPE.httpStage, "accessLogSettings").length > 0) return "apiAccess";
  if (str(group.inputs.name).startsWith("/aws/rds/")) return "rds";
  return "other";
}

const DAYS_PER_MONTH = H / 24;

const logGroup: CostFunction = (group, { index, assumptions }) => {
  const a = assumptions.logs;
  const kind = logKind(group, index);
  const gb = a.ingestedGbPerMonth.byName[group.name] ?? a.ingestedGbPerMonth[kind];
  const retention = num(group.inputs.retentionInDays);
  // Steady state: a group keeps `retention` days of what it ingests.
  const months =
    retention && retention > 0 ? retention / DAYS_PER_MONTH : a.unboundedRetentionMonths;
  const kept = retention
    ? `${retention} days kept`
    : `no retention: ${a.unboundedRetentionMonths} months kept`;
  return [
    { item: "logs.ingest.gb", quantity: gb, what: `${fmt(gb)} GB ingested (assumed, ${kind})` },
    {
      item: "logs.storage.gb-month",
      quantity: gb * months,
      what: `${fmt(gb * months)} GB stored (${kept})`,
    },
  ];
};

const lambdaFunction: CostFunction = (fn, { assumptions, usage }) => {
  const inv = usage.invocations.get(fn.urn) ?? { perMonth: 0, from: "none", viaTracedApi: 0 };
  const memoryGb = (num(fn.inputs.memorySize) ?? 128) / 1024;
  const ms = valueFor(assumptions.lambda.averageDurationMs, fn.name);
  const arch = architectureOf(fn);
  const charges: Charge[] = [
    {
      item: "lambda.requests.million",
      quantity: inv.perMonth / 1e6,
      what: `${fmt(inv.perMonth)} invocations (${inv.from})`,
    },
    {
      item: `lambda.${arch}.gb-second`,
      quantity: inv.perMonth * memoryGb * (ms / 1000),
      what: `${fmt(inv.perMonth)} × ${fmt(memoryGb * 1024)} MB × ${fmt(ms)} ms ${arch}`,
    },
  ];
  const variables = obj(obj(fn.inputs.environment).variables);
  if (str(variables.POWERTOOLS_METRICS_NAMESPACE)) {
    const metrics = valueFor(assumptions.customMetricsPerFunction, fn.name);
    charges.push({
      item: "cloudwatch.metric-month",
      quantity: metrics,
      what: `${plural(metrics, "EMF metric")} in ${str(variables.POWERTOOLS_METRICS_NAMESPACE)} (assumed)`,
    });
  }
  // Requests through a traced API stage are traced (and billed) there.
  const traces = tracesActively(fn)
    ? (inv.perMonth - inv.viaTracedApi) * assumptions.xraySampledFraction
    : 0;
  if (traces > 0) {
    charges.push({
      item: "xray.traces.million",
      quantity: traces / 1e6,
      what: `${fmt(traces)} X-Ray traces`,
    });
  }
  return charges;
};

const restApi: CostFunction = (api, { usage }) => {
  const requests = usage.apiRequests.get(api.urn) ?? 0;
  return [
    {
      item: "apigw.rest.million",
      quantity: requests / 1e6,
      what: `${fmt(requests)} requests (assumed)`,
    },
  ];
};

const httpApi: CostFunction = (api, { usage }) => {
  if (str(api.inputs.protocolType) === "WEBSOCKET") {
    return [
      {
        item: "apigw.websocket.messages.million",
        quantity: 0,
        what: "WebSocket messages (not assumed)",
      },
    ];
  }
  const requests = usage.apiRequests.get(api.urn) ?? 0;
  return [
    {
      item: "apigw.http.million",
      quantity: requests / 1e6,
      what: `${fmt(requests)} requests (assumed)`,
    },
  ];
};

const restStage: CostFunction = (stage, { index, usage, assumptions }) => {
  if (stage.inputs.xrayTracingEnabled !== true) return [];
  const api = index.dependsOn(stage, "restApi", TYPE.restApi)[0];
  const traces =
    (api ? (usage.apiRequests.get(api.urn) ?? 0) : 0) * assumptions.xraySampledFraction;
  return [
    { item: "xray.traces.million", quantity: traces / 1e6, what: `${fmt(traces)} X-Ray traces` },
  ];
};

const dynamodbTable: CostFunction = (table, { assumptions }) => {
  const a = assumptions.dynamodb;
  const gb = valueFor(a.storageGb, table.name);
  const charges: Charge[] = [];
  if (str(table.inputs.billingMode) === "PAY_PER_REQUEST") {
    const reads = valueFor(a.readsPerMonth, table.name);
    const writes = valueFor(a.writesPerMonth, table.name);
    charges.push(
      {
        item: "dynamodb.rru.million",
        quantity: reads / 1e6,
        what: `${fmt(reads)} read units (assumed)`,
      },
      {
        item: "dynamodb.wru.million",
        quantity: writes / 1e6,
        what: `${fmt(writes)} write units (assumed)`,
      },
    );
  } else {
    const rcu = num(table.inputs.readCapacity) ?? 0;
    const wcu = num(table.inputs.writeCapacity) ?? 0;
    charges.push(
      { item: "dynamodb.rcu-hour", quantity: rcu * H, what: `${rcu} RCU × ${H} h` },
      { item: "dynamodb.wcu-hour", quantity: wcu * H, what: `${wcu} WCU × ${H} h` },
    );
  }
  charges.push({
    item: "dynamodb.storage.gb-month",
    quantity: gb,
    what: `${fmt(gb)} GB stored (assumed)`,
  });
  if (obj(table.inputs.pointInTimeRecovery).enabled === true) {
    charges.push({ item: "dynamodb.pitr.gb-month", quantity: gb, what: `PITR of ${fmt(gb)} GB` });
  }
  return charges;
};

const userPool: CostFunction = (pool, { assumptions }) => {
  // Pools created since November 2024 default to the Essentials tier.
  const tier = (str(pool.inputs.userPoolTier) || "ESSENTIALS").toLowerCase();
  const mau = valueFor(assumptions.cognitoMau, pool.name);
  return [
    { item: `cognito.mau.${tier}`, quantity: mau, what: `${fmt(mau)} MAU (assumed), ${tier} tier` },
  ];
};

/** Only a zone the stack creates: one passed in by id (records in it) is paid by whoever created it. */
const route53Zone: CostFunction = () => [
  { item: "route53.zone-month", quantity: 1, what: "hosted zone" },
];

const ecrRepository: CostFunction = (repo, { assumptions }) => {
  const gb = valueFor(assumptions.ecrGb, repo.name);
  return [
    { item: "ecr.storage.gb-month", quantity: gb, what: `${fmt(gb)} GB of images (assumed)` },
  ];
};

const s3Bucket: CostFunction = (bucket, { assumptions }) => {
  const a = assumptions.s3;
  const gb = valueFor(a.storageGb, bucket.name);
  const puts = valueFor(a.putsPerMonth, bucket.name);
  const gets = valueFor(a.getsPerMonth, bucket.name);
  return [
    { item: "s3.standard.gb-month", quantity: gb, what: `${fmt(gb)} GB Standard (assumed)` },
    { item: "s3.put.1k", quantity: puts / 1000, what: `${fmt(puts)} PUT requests (assumed)` },
    { item: "s3.get.1k", quantity: gets / 1000, what: `${fmt(gets)} GET requests (assumed)` },
  ];
};

const schedule: CostFunction = (s, { usage }) => {
  const f = usage.fires.get(s.urn);
  if (!f) return [];
  const basis =
    f.perDay === null ? "" : ` (${fmt(f.perDay)} a day × ${fmt(f.daysPerMonth ?? 0)} days)`;
  return [
    {
      item: "scheduler.million",
      quantity: f.perMonth / 1e6,
      what: `${fmt(f.perMonth)} invocations${basis}`,
    },
  ];
};

const kmsKey: CostFunction = (key, { assumptions }) => {
  const requests = valueFor(assumptions.kmsRequestsPerMonth, key.name);
  return [
    { item: "kms.key-month", quantity: 1, what: "customer managed key" },
    {
      item: "kms.requests.10k",
      quantity: requests / 10_000,
      what: `${fmt(requests)} requests (assumed)`,
    },
  ];
};

/**
 * Container Insights' metrics per dimension set, from AWS's "Amazon ECS Container Insights metrics"
 * table (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-ECS.html):
 * ClusterName 11 (ContainerInstanceCount, ServiceCount, TaskCount, CPU and memory reserved and used,
 * network and storage bytes each way); ServiceName 13 (the same eight usage metrics, desired, pending
 * and running task counts, deployments, task sets); TaskDefinitionFamily 8 (the usage metrics). Tasks
 * on Fargate add EphemeralStorageReserved and EphemeralStorageUtilized at each level.
 */
export const CONTAINER_INSIGHTS_METRICS = {
  cluster: 11,
  service: 13,
  taskFamily: 8,
  fargateEphemeral: 2,
} as const;

/** Task definitions run in `cluster` by RunTask: those a function's environment names beside it. */
function launchedIn(cluster: PlannedResource, index: PlanIndex): PlannedResource[] {
  const launchers = index.dependents(cluster, TYPE.function, "environment");
  const tasks = launchers.flatMap((fn) => index.dependsOn(fn, "environment", TASK_DEFINITION));
  return [...new Map(tasks.map((t) => [t.urn, t])).values()];
}

/**
 * Container Insights bills its metrics as custom metrics and its performance events as logs. A
 * metric bills by the hour it is sent, and only resources with running tasks send: a service's and
 * its task family's all month, a task family launched by RunTask for its assumed task-hours.
 */
const ecsCluster: CostFunction = (cluster, { index, assumptions }) => {
  const setting = list<Record<string, unknown>>(cluster.inputs.settings).find(
    (s) => s.name === "containerInsights",
  );
  const value = str(setting?.value);
  if (value !== "enabled" && value !== "enhanced") return [];
  const m = CONTAINER_INSIGHTS_METRICS;
  const ephemeral = (fargate: boolean) => (fargate ? m.fargateEphemeral : 0);
  // Each task family running in the cluster: the share of the month it runs, and whether on Fargate.
  const families = new Map<string, { share: number; fargate: boolean }>();
  const addFamily = (task: PlannedResource, share: number, fargate: boolean) => {
    const family = str(task.inputs.family) || task.name;
    const known = families.get(family);
    families.set(family, {
      share: Math.min(1, (known?.share ?? 0) + share),
      fargate: (known?.fargate ?? false) || fargate,
    });
  };
  let serviceMetrics = 0;
  let runningServices = 0;
  let tasks = 0;
  for (const svc of index.dependents(cluster, SERVICE, "cluster")) {
    const task = index.dependsOn(svc, "taskDefinition", TASK_DEFINITION)[0];
    const desired = num(svc.inputs.desiredCount) ?? 1;
    if (!task || desired === 0) continue;
    const fargate = strategiesOf(svc, task).some(onFargate);
    serviceMetrics += m.service + ephemeral(fargate);
    runningServices += 1;
    tasks += desired;
    addFamily(task, 1, fargate);
  }
  for (const task of launchedIn(cluster, index)) {
    const hours = valueFor(assumptions.runTaskHoursPerMonth, task.name);
    addFamily(
      task,
      hours / H,
      list<string>(task.inputs.requiresCompatibilities).includes("FARGATE"),
    );
    tasks += hours / H;
  }
  if (families.size === 0) return [];
  const clusterShare = Math.max(...[...families.values()].map((f) => f.share));
  const anyFargate = [...families.values()].some((f) => f.fargate);
  const clusterMetrics = (m.cluster + ephemeral(anyFargate)) * clusterShare;
  const familyMetrics = [...families.values()].reduce(
    (sum, f) => sum + (m.taskFamily + ephemeral(f.fargate)) * f.share,
    0,
  );
  const metrics = clusterMetrics + serviceMetrics + familyMetrics;
  const gb = assumptions.containerInsights.logGbPerTaskPerMonth * tasks;
  const enhanced =
    value === "enhanced"
      ? "; enhanced observability's task and container metrics bill per observation, not priced"
      : "";
  return [
    {
      item: "cloudwatch.metric-month",
      quantity: metrics,
      what: `Container Insights ${fmt(metrics)} metrics: cluster ${fmt(clusterMetrics)}, ${plural(runningServices, "service")} ${fmt(serviceMetrics)}, ${plural(families.size, "task family", "task families")} ${fmt(familyMetrics)}${enhanced}`,
    },
    {
      item: "logs.ingest.gb",
      quantity: gb,
      what: `Container Insights ${fmt(gb)} GB of events over ${fmt(tasks)} task-months (assumed)`,
    },
  ];
};

/** A web ACL: the ACL, each rule (a managed rule group counts as one), and the requests it sees. */
const webAcl: CostFunction = (acl, { index, usage }) => {
  const rules = list<Record<string, unknown>>(acl.inputs.rules);
  // Requests: those of every API whose stage the ACL is associated with.
  const stages = index
    .dependents(acl, "aws:wafv2/webAclAssociation:WebAclAssociation", "webAclArn")
    .flatMap((a) => index.dependsOn(a, "resourceArn", TYPE.restStage));
  const apis = stages.flatMap((st) => index.dependsOn(st, "restApi", TYPE.restApi));
  const requests = apis.reduce((sum, api) => sum + (usage.apiRequests.get(api.urn) ?? 0), 0);
  return [
    { item: "waf.web-acl-month", quantity: 1, what: "web ACL" },
    { item: "waf.rule-month", quantity: rules.length, what: plural(rules.length, "rule") },
    {
      item: "waf.requests.million",
      quantity: requests / 1e6,
      what: `${fmt(requests)} requests of ${apis.map((a) => a.name).join(", ") || "no API"}`,
    },
  ];
};

export const COST_FUNCTIONS: Readonly<Record<string, CostFunction>> = {
  "aws:ecs/service:Service": ecsService,
  [TASK_DEFINITION]: taskDefinition,
  "aws:ecs/cluster:Cluster": ecsCluster,
  "aws:autoscaling/group:Group": autoscalingGroup,
  "aws:ec2/instance:Instance": ec2Instance,
  "aws:rds/instance:Instance": rdsInstance,
  "aws:elasticache/replicationGroup:ReplicationGroup": replicationGroup,
  "aws:elasticache/cluster:Cluster": cacheCluster,
  "aws:ec2/natGateway:NatGateway": natGateway,
  "aws:ec2/eip:Eip": eip,
  "aws:lb/loadBalancer:LoadBalancer": loadBalancer,
  "aws:alb/loadBalancer:LoadBalancer": loadBalancer,
  "aws:ec2/vpcEndpoint:VpcEndpoint": vpcEndpoint,
  "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": peering,
  "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": peeringAccepter,
  "aws:secretsmanager/secret:Secret": secret,
  "aws:cloudwatch/metricAlarm:MetricAlarm": alarm,
  [LOG_GROUP]: logGroup,
  [TYPE.function]: lambdaFunction,
  [TYPE.restApi]: restApi,
  [TYPE.restStage]: restStage,
  [TYPE.httpApi]: httpApi,
  "aws:dynamodb/table:Table": dynamodbTable,
  "aws:cognito/userPool:UserPool": userPool,
  "aws:route53/zone:Zone": route53Zone,
  "aws:ecr/repository:Repository": ecrRepository,
  "aws:s3/bucket:Bucket": s3Bucket,
  "aws:s3/bucketV2:BucketV2": s3Bucket,
  [TYPE.schedule]: schedule,
  "aws:kms/key:Key": kmsKey,
  "aws:wafv2/webAcl:WebAcl": webAcl,
};

/** Types that cost nothing by themselves, each with the reason (where their cost is counted). */
export const FREE_TYPES: Readonly<Record<string, string>> = {
  "aws:iam/role:Role": "IAM is free",
  "aws:iam/rolePolicy:RolePolicy": "IAM is free",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "IAM is free",
  "aws:iam/policy:Policy": "IAM is free",
  "aws:iam/instanceProfile:InstanceProfile": "IAM is free",
  "aws:ec2/vpc:Vpc": "VPCs are free",
  "aws:ec2/subnet:Subnet": "subnets are free",
  "aws:ec2/routeTable:RouteTable": "route tables are free",
  "aws:ec2/routeTableAssociation:RouteTableAssociation": "route tables are free",
  "aws:ec2/route:Route": "routes are free",
  "aws:ec2/internetGateway:InternetGateway":
    "internet gateways are free (their traffic is data transfer)",
  "aws:ec2/securityGroup:SecurityGroup": "security groups are free",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "security groups are free",
  "aws:ec2/securityGroupRule:SecurityGroupRule": "security groups are free",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "security groups are free",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "security groups are free",
  "aws:ec2/flowLog:FlowLog": "billed as the ingestion of its log group",
  "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions": "peering options are free",
  "aws:ec2/launchTemplate:LaunchTemplate": "its instances are billed on the autoscaling group",
  "aws:ec2/networkInterface:NetworkInterface":
    "network interfaces are free; a public IPv4 address bills on its instance or EIP",
  "aws:lambda/permission:Permission": "permissions are free",
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": "free",
  "aws:lambda/invocation:Invocation":
    "one request to its function per deployment that creates or replaces it, billed on the function",
  "aws:apigateway/resource:Resource": "billed per request on the API",
  "aws:apigateway/method:Method": "billed per request on the API",
  "aws:apigateway/methodResponse:MethodResponse": "billed per request on the API",
  "aws:apigateway/methodSettings:MethodSettings": "billed per request on the API",
  "aws:apigateway/integration:Integration": "billed per request on the API",
  "aws:apigateway/integrationResponse:IntegrationResponse": "billed per request on the API",
  "aws:apigateway/deployment:Deployment": "billed per request on the API",
  "aws:apigateway/authorizer:Authorizer": "Cognito authorizers are free",
  "aws:apigateway/response:Response": "billed per request on the API",
  "aws:apigateway/account:Account": "free",
  "aws:apigateway/domainName:DomainName":
    "regional custom domains are free (requests bill on the API)",
  "aws:apigateway/basePathMapping:BasePathMapping": "free",
  "aws:wafv2/webAclAssociation:WebAclAssociation": "billed on the web ACL",
  "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": "free",
  "aws:ecs/capacityProvider:CapacityProvider": "its instances are billed on the autoscaling group",
  "aws:lb/targetGroup:TargetGroup": "billed on the load balancer",
  "aws:lb/listener:Listener": "billed on the load balancer",
  "aws:lb/listenerRule:ListenerRule": "billed on the load balancer",
  "aws:lb/listenerCertificate:ListenerCertificate": "billed on the load balancer",
  "aws:appautoscaling/target:Target": "Application Auto Scaling is free",
  "aws:appautoscaling/policy:Policy":
    "Application Auto Scaling is free (its alarms are AWS-managed)",
  "aws:sns/topic:Topic": "alarm notifications stay within SNS's free 1M publishes and 1,000 emails",
  "aws:sns/topicSubscription:TopicSubscription": "within SNS's free tier",
  "aws:sns/topicPolicy:TopicPolicy": "free",
  "aws:sqs/queue:Queue": "dead-letter traffic stays within SQS's free 1M requests",
  "aws:sqs/queuePolicy:QueuePolicy": "free",
  "aws:acm/certificate:Certificate": "public ACM certificates are free",
  "aws:acm/certificateValidation:CertificateValidation": "free",
  "aws:scheduler/scheduleGroup:ScheduleGroup": "billed per invocation on its schedules",
  "aws:cloudwatch/eventRule:EventRule": "AWS service events on the default bus are free",
  "aws:cloudwatch/eventTarget:EventTarget": "AWS service events on the default bus are free",
  "aws:elasticache/parameterGroup:ParameterGroup": "free",
  "aws:elasticache/subnetGroup:SubnetGroup": "free",
  "aws:rds/parameterGroup:ParameterGroup": "free",
  "aws:rds/subnetGroup:SubnetGroup": "free",
  "aws:s3/bucketPolicy:BucketPolicy": "billed on the bucket",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "billed on the bucket",
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "billed on the bucket",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
    "SSE-S3 is free",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2":
    "SSE-S3 is free",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "billed on the bucket",
  "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2": "billed on the bucket",
  "aws:s3/bucketVersioning:BucketVersioning": "billed on the bucket",
  "aws:s3/bucketVersioningV2:BucketVersioningV2": "billed on the bucket",
  "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration": "billed on the bucket",
  "aws:s3/bucketCorsConfigurationV2:BucketCorsConfigurationV2": "billed on the bucket",
  // docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
  "aws:s3/bucketLogging:BucketLogging":
    "server access logging is free; its logs are stored in the log bucket",
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": "billed as the repository's storage",
  "aws:ecr/repositoryPolicy:RepositoryPolicy": "free",
  "aws:secretsmanager/secretVersion:SecretVersion": "billed on the secret",
  "aws:cognito/userPoolClient:UserPoolClient": "billed per MAU on the user pool",
  "aws:cognito/userPoolDomain:UserPoolDomain": "billed per MAU on the user pool",
  "aws:kms/alias:Alias": "billed on the key",
  "aws:route53/record:Record":
    "records are free and their queries not priced (aliases to AWS resources answer free); a zone bills on the stack that creates it",
  "random:index/randomPassword:RandomPassword": "generated by Pulumi, not AWS",
  "random:index/randomId:RandomId": "generated by Pulumi, not AWS",
  "random:index/randomString:RandomString": "generated by Pulumi, not AWS",
  "docker-build:index:Image": "built where `pulumi up` runs; its storage is the ECR repository's",
};

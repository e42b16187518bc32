/**
 * Each cost function on small hand-built plans, against totals computed by hand from the price table
 * (us-east-1 unless a case moves a resource to eu-central-1).
 */
import { expect } from "chai";
import type { Plan } from "../../engine/engine";
import { estimateCost, type UsageAssumptionsInput } from "../../engine/cost";
import { splitTasks, spotInstancesOf } from "../../engine/cost/rates";
import { edit, planOf, type Spec } from "../helpers/plan-builder";

const H = 730;
const inEu = (plan: Plan, ...names: string[]) =>
  edit(plan, (r) => (names.includes(r.name) ? { ...r, region: "eu-central-1" } : r));

/** Monthly USD per item name (items of one resource in two regions are summed). */
function costs(plan: Plan, assumptions?: UsageAssumptionsInput): Record<string, number> {
  const estimate = estimateCost(plan, assumptions);
  expect(estimate.warnings).to.deep.equal([]);
  expect(estimate.unpriced).to.deep.equal([]);
  const out: Record<string, number> = {};
  for (const i of estimate.items) out[i.name] = (out[i.name] ?? 0) + i.monthly;
  return out;
}

const close = (actual: number | undefined, expected: number) =>
  expect(actual ?? NaN).to.be.closeTo(expected, 1e-9);

describe("cost: cost functions", () => {
  describe("RDS instances", () => {
    const db = (inputs: Record<string, unknown>): Spec => ({
      type: "aws:rds/instance:Instance",
      name: "db",
      inputs: { engine: "postgres", allocatedStorage: 20, storageType: "gp3", ...inputs },
    });
    const cases: [string, Record<string, unknown>, number][] = [
      ["db.t4g.micro single-AZ + 20 GB", { instanceClass: "db.t4g.micro" }, 0.016 * H + 20 * 0.115],
      [
        "db.t4g.medium Multi-AZ: its own hourly price, storage billed twice",
        { instanceClass: "db.t4g.medium", multiAz: true, allocatedStorage: 50 },
        0.129 * H + 2 * 50 * 0.115,
      ],
      [
        "a managed master password adds a secret",
        { instanceClass: "db.t3.medium", manageMasterUserPassword: true },
        0.072 * H + 20 * 0.115 + 0.4,
      ],
    ];
    for (const [what, inputs, expected] of cases) {
      it(what, () => close(costs(planOf([db(inputs)])).db, expected));
    }
    it("uses eu-central-1 prices in eu-central-1", () => {
      const plan = inEu(planOf([db({ instanceClass: "db.t4g.small", multiAz: true })]), "db");
      close(costs(plan).db, 0.074 * H + 2 * 20 * 0.137);
    });
    it("warns about a class the table does not price", () => {
      const estimate = estimateCost(planOf([db({ instanceClass: "db.r7g.16xlarge" })]));
      expect(estimate.warnings.join()).to.include(
        "no price for rds:postgres:db.r7g.16xlarge:single-az in us-east-1",
      );
    });
  });

  describe("ElastiCache", () => {
    const rg = (inputs: Record<string, unknown>): Spec => ({
      type: "aws:elasticache/replicationGroup:ReplicationGroup",
      name: "redis",
      inputs: { nodeType: "cache.t4g.micro", ...inputs },
    });
    const cases: [string, Record<string, unknown>, number][] = [
      ["one Valkey node", { engine: "valkey", numCacheClusters: 1 }, 0.0128 * H],
      ["primary + replica, Redis OSS", { engine: "redis", numCacheClusters: 2 }, 2 * 0.016 * H],
      ["Redis when the engine is not given", { numCacheClusters: 1 }, 0.016 * H],
      [
        "cluster mode: node groups × (1 + replicas)",
        {
          engine: "valkey",
          nodeType: "cache.t4g.small",
          numNodeGroups: 2,
          replicasPerNodeGroup: 1,
        },
        4 * 0.0256 * H,
      ],
    ];
    for (const [what, inputs, expected] of cases) {
      it(what, () => close(costs(planOf([rg(inputs)])).redis, expected));
    }
  });

  describe("NAT gateways and public IPv4", () => {
    const plan = planOf([
      { type: "aws:ec2/eip:Eip", name: "eip", inputs: { domain: "vpc" } },
      {
        type: "aws:ec2/natGateway:NatGateway",
        name: "nat",
        inputs: { allocationId: "eip-id" },
        deps: { allocationId: ["eip"] },
      },
    ]);
    it("bills gateway-hours and the assumed GB processed", () => {
      close(costs(plan).nat, 0.045 * H + 10 * 0.045);
      close(costs(plan, { natGbPerMonth: { byName: { nat: 100 } } }).nat, 0.045 * H + 100 * 0.045);
    });
    it("bills the EIP's public IPv4 address, naming its gateway", () => {
      close(costs(plan).eip, 0.005 * H);
      const item = estimateCost(plan).items.find((i) => i.name === "eip");
      expect(item?.detail).to.include("of NAT gateway nat");
    });
    it("uses eu-central-1 prices in eu-central-1", () => {
      close(costs(inEu(plan, "nat")).nat, 0.052 * H + 10 * 0.052);
    });
  });

  describe("load balancers", () => {
    const alb = (inputs: Record<string, unknown>): Plan =>
      planOf([{ type: "aws:lb/loadBalancer:LoadBalancer", name: "alb", inputs }]);
    it("internet-facing ALB: hours + LCUs + one public IPv4 per subnet", () => {
      const plan = alb({
        loadBalancerType: "application",
        internal: false,
        subnets: ["a", "b", "c"],
      });
      close(costs(plan).alb, 0.0225 * H + 0.5 * 0.008 * H + 3 * 0.005 * H);
      close(
        costs(plan, { albLcu: { default: 2 } }).alb,
        0.0225 * H + 2 * 0.008 * H + 3 * 0.005 * H,
      );
    });
    it("internal ALB: no public address", () => {
      close(costs(alb({ internal: true, subnets: ["a", "b"] })).alb, 0.0225 * H + 0.5 * 0.008 * H);
    });
  });

  describe("ECS on Fargate and EC2", () => {
    const task = (inputs: Record<string, unknown> = {}): Spec => ({
      type: "aws:ecs/taskDefinition:TaskDefinition",
      name: "task",
      inputs: {
        cpu: "512",
        memory: "1024",
        requiresCompatibilities: ["FARGATE"],
        runtimePlatform: { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" },
        ...inputs,
      },
    });
    const service = (inputs: Record<string, unknown>): Spec => ({
      type: "aws:ecs/service:Service",
      name: "svc",
      inputs: { desiredCount: 2, ...inputs },
      deps: { taskDefinition: ["task"] },
    });
    const arm = (tasks: number) => tasks * H * (0.5 * 0.03238 + 1 * 0.00356);
    const x86 = (tasks: number) => tasks * H * (0.5 * 0.04048 + 1 * 0.004445);
    const fargate = [{ capacityProvider: "FARGATE", weight: 1 }];

    it("ARM64: vCPU and GB × desired count × 730 h", () => {
      close(costs(planOf([task(), service({ capacityProviderStrategies: fargate })])).svc, arm(2));
    });
    it("X86_64 at the x86 price", () => {
      const plan = planOf([
        task({ runtimePlatform: { cpuArchitecture: "X86_64" } }),
        service({ launchType: "FARGATE" }),
      ]);
      close(costs(plan).svc, x86(2));
    });
    const spot = [{ capacityProvider: "FARGATE_SPOT", weight: 1 }];
    it("FARGATE_SPOT ARM64 at the ARM Spot prices of its region", () => {
      const plan = planOf([task(), service({ capacityProviderStrategies: spot })]);
      close(costs(plan).svc, 2 * H * (0.5 * 0.01030969 + 1 * 0.00113349));
      expect(estimateCost(plan).items.find((i) => i.name === "svc")?.notConfirmed).to.equal(false);
    });
    it("FARGATE_SPOT X86_64 at the x86 Spot prices, and priced not confirmed where derived", () => {
      const plan = planOf([
        task({ runtimePlatform: { cpuArchitecture: "X86_64" } }),
        service({ capacityProviderStrategies: spot }),
      ]);
      close(costs(plan).svc, 2 * H * (0.5 * 0.01288871 + 1 * 0.00141527));
      const eu = inEu(plan, "svc");
      close(costs(eu).svc, 2 * H * (0.5 * 0.014825 + 1 * 0.001627));
      expect(estimateCost(eu).items.find((i) => i.name === "svc")?.notConfirmed).to.equal(true);
    });
    it("a strategy splitting FARGATE and FARGATE_SPOT prices each share at its own price", () => {
      const plan = planOf([
        task(),
        service({
          desiredCount: 3,
          capacityProviderStrategies: [
            { capacityProvider: "FARGATE", base: 1, weight: 0 },
            { capacityProvider: "FARGATE_SPOT", weight: 1 },
          ],
        }),
      ]);
      close(costs(plan).svc, arm(1) + 2 * H * (0.5 * 0.01030969 + 1 * 0.00113349));
    });
    it("a service no task runs from costs nothing; the task definition alone is free", () => {
      const plan = planOf([task(), service({ desiredCount: 0, launchType: "FARGATE" })]);
      expect(costs(plan)).to.deep.equal({});
    });
    it("a Fargate task definition no service runs bills the assumed task-hours", () => {
      close(costs(planOf([task()])).task, 100 * (0.5 * 0.03238 + 0.00356));
      close(
        costs(planOf([task()]), { runTaskHoursPerMonth: { byName: { task: 10 } } }).task,
        10 * (0.5 * 0.03238 + 0.00356),
      );
    });
    it("tasks on EC2 capacity cost nothing themselves: the group's instances bill", () => {
      const plan = inEu(
        planOf([
          {
            type: "aws:ec2/launchTemplate:LaunchTemplate",
            name: "lt",
            inputs: {
              instanceType: "t4g.small",
              blockDeviceMappings: [{ ebs: { volumeSize: 30, volumeType: "gp3" } }],
            },
          },
          {
            type: "aws:autoscaling/group:Group",
            name: "asg",
            inputs: { minSize: 2, maxSize: 4 },
            deps: { launchTemplate: ["lt"] },
          },
          task({ requiresCompatibilities: ["EC2"] }),
          service({ capacityProviderStrategies: [{ capacityProvider: "ec2-cp", weight: 1 }] }),
        ]),
        "lt",
        "asg",
        "task",
        "svc",
      );
      const c = costs(plan);
      close(c.asg, 2 * 0.0192 * H + 2 * 30 * 0.0952);
      expect(c.svc).to.equal(undefined);
    });
    it("detailed monitoring: 7 custom metrics an instance, on a group's template or an instance", () => {
      const plan = planOf([
        {
          type: "aws:ec2/launchTemplate:LaunchTemplate",
          name: "lt",
          inputs: { instanceType: "t4g.small", monitoring: { enabled: true } },
        },
        {
          type: "aws:autoscaling/group:Group",
          name: "asg",
          inputs: { minSize: 2, maxSize: 4 },
          deps: { launchTemplate: ["lt"] },
        },
        {
          type: "aws:ec2/instance:Instance",
          name: "watched",
          inputs: { instanceType: "t4g.micro", monitoring: true },
        },
        { type: "aws:ec2/instance:Instance", name: "basic", inputs: { instanceType: "t4g.micro" } },
      ]);
      const c = costs(plan);
      close(c.asg, 2 * 0.0168 * H + 2 * 7 * 0.3);
      close(c.watched, 0.0084 * H + 7 * 0.3);
      close(c.basic, 0.0084 * H);
    });
    it("a group's Spot instances at Spot prices, as its mixed instances policy's first type", () => {
      const group = (name: string, distribution: Record<string, unknown>): Spec => ({
        type: "aws:autoscaling/group:Group",
        name,
        inputs: {
          minSize: 2,
          maxSize: 2,
          mixedInstancesPolicy: {
            instancesDistribution: distribution,
            launchTemplate: {
              launchTemplateSpecification: { launchTemplateId: "lt-1", version: "1" },
              overrides: [{ instanceType: "t4g.nano" }, { instanceType: "t4g.micro" }],
            },
          },
        },
        deps: { mixedInstancesPolicy: ["lt"] },
      });
      const plan = planOf([
        {
          type: "aws:ec2/launchTemplate:LaunchTemplate",
          name: "lt",
          inputs: { instanceType: "t4g.nano" },
        },
        group("spot", { onDemandBaseCapacity: 0, onDemandPercentageAboveBaseCapacity: 0 }),
        group("half", { onDemandBaseCapacity: 0, onDemandPercentageAboveBaseCapacity: 50 }),
        group("based", { onDemandBaseCapacity: 1, onDemandPercentageAboveBaseCapacity: 0 }),
        // AWS's default distribution: every instance on demand.
        group("default", {}),
      ]);
      const c = costs(plan);
      const [spot, onDemand] = [0.00168, 0.0042];
      close(c.spot, 2 * spot * H);
      close(c.half, (spot + onDemand) * H);
      close(c.based, (spot + onDemand) * H);
      close(c.default, 2 * onDemand * H);
      expect(
        spotInstancesOf(
          plan.resources.find((r) => r.name === "spot")!,
          2,
        ),
      ).to.equal(2);
    });
    it("splits tasks over strategies: base first, then by weight", () => {
      const split = splitTasks(5, [
        { capacityProvider: "FARGATE", base: 1, weight: 1 },
        { capacityProvider: "FARGATE_SPOT", weight: 3 },
      ]);
      expect(Object.fromEntries(split)).to.deep.equal({ FARGATE: 2, FARGATE_SPOT: 3 });
    });
  });

  describe("Lambda, schedules and APIs", () => {
    const fn = (name: string, inputs: Record<string, unknown> = {}): Spec => ({
      type: "aws:lambda/function:Function",
      name,
      inputs: { memorySize: 256, architectures: ["arm64"], ...inputs },
    });
    const lambda = (n: number, mb: number, ms: number, perGbS = 0.0000133334) =>
      (n / 1e6) * 0.2 + n * (mb / 1024) * (ms / 1000) * perGbS;

    it("counts a scheduled function's runs from its schedules' expressions", () => {
      const plan = planOf([
        fn("streamer"),
        ...[
          "cron(30-59 9 ? * MON-FRI *)",
          "cron(* 10-15 ? * MON-FRI *)",
          "cron(0 16 ? * MON-FRI *)",
        ].map((expression, i): Spec => ({
          type: "aws:scheduler/schedule:Schedule",
          name: `window-${i}`,
          inputs: {
            scheduleExpression: expression,
            scheduleExpressionTimezone: "America/New_York",
          },
          deps: { target: ["streamer"] },
        })),
      ]);
      const c = costs(plan);
      close(c.streamer, lambda(391 * 21.75, 256, 1000));
      // Every invocation at list price: Scheduler's free 14M are the account's, not the stack's.
      close(c["window-1"], ((6 * 60 * 21.75) / 1e6) * 1);
    });
    it("x86_64 at the x86 price, with an assumed duration", () => {
      const plan = planOf([fn("f", { architectures: ["x86_64"], memorySize: 1024 })]);
      const c = costs(plan, { lambda: { averageDurationMs: { byName: { f: 250 } } } });
      close(c.f, lambda(1000, 1024, 250, 0.0000166667));
    });
    it("an assumed invocation count replaces the derived one", () => {
      const c = costs(planOf([fn("f")]), {
        lambda: { invocationsPerMonth: { byName: { f: 8580 } } },
      });
      close(c.f, lambda(8580, 256, 1000));
    });
    it("shares an API's requests among the functions behind it; bills the REST requests", () => {
      const plan = planOf([
        fn("a"),
        fn("b"),
        { type: "aws:apigateway/restApi:RestApi", name: "api" },
        ...["a", "b"].map((f): Spec => ({
          type: "aws:apigateway/integration:Integration",
          name: `${f}-integration`,
          inputs: { type: "AWS_PROXY" },
          deps: { restApi: ["api"], uri: [f] },
        })),
      ]);
      const c = costs(plan, { apiRequestsPerMonth: { byName: { api: 1_000_000 } } });
      close(c.api, 3.5);
      close(c.a, lambda(500_000, 256, 1000));
      close(c.b, lambda(500_000, 256, 1000));
    });
    it("bills the EMF metrics of a function with a Powertools metrics namespace", () => {
      const plan = planOf([
        fn("f", { environment: { variables: { POWERTOOLS_METRICS_NAMESPACE: "AlphaKite" } } }),
      ]);
      close(costs(plan).f, lambda(1000, 256, 1000) + 5 * 0.3);
      close(
        costs(plan, { customMetricsPerFunction: { byName: { f: 18 } } }).f,
        lambda(1000, 256, 1000) + 18 * 0.3,
      );
    });
    it("bills every X-Ray trace of a traced function: no free traces", () => {
      const traced = { tracingConfig: { mode: "Active" } };
      const plan = planOf([fn("a", traced), fn("b", traced)]);
      const c = costs(plan, {
        lambda: { invocationsPerMonth: { byName: { a: 150_000, b: 50_000 } } },
      });
      close(c.a, lambda(150_000, 256, 1000) + 0.15 * 5);
      close(c.b, lambda(50_000, 256, 1000) + 0.05 * 5);
    });
  });

  describe("secrets, alarms, logs", () => {
    it("bills a secret, each replica in its own region, and the reads of the functions using it", () => {
      const plan = planOf([
        {
          type: "aws:secretsmanager/secret:Secret",
          name: "s",
          inputs: { replicas: [{ region: "eu-central-1" }] },
        },
        {
          type: "aws:lambda/function:Function",
          name: "reader",
          inputs: { memorySize: 128, architectures: ["arm64"] },
          deps: { environment: ["s"] },
        },
      ]);
      const estimate = estimateCost(plan, {
        lambda: { invocationsPerMonth: { byName: { reader: 20_000 } } },
      });
      const items = estimate.items.filter((i) => i.name === "s");
      expect(items.map((i) => i.region).sort()).to.deep.equal(["eu-central-1", "us-east-1"]);
      close(items.find((i) => i.region === "us-east-1")?.monthly, 0.4 + 2 * 0.05);
      close(items.find((i) => i.region === "eu-central-1")?.monthly, 0.4);
      close(estimate.byRegion["eu-central-1"], 0.4);
    });
    it("bills standard and high-resolution alarms per metric", () => {
      const plan = planOf([
        { type: "aws:cloudwatch/metricAlarm:MetricAlarm", name: "std", inputs: { period: 60 } },
        { type: "aws:cloudwatch/metricAlarm:MetricAlarm", name: "fast", inputs: { period: 10 } },
        {
          type: "aws:cloudwatch/metricAlarm:MetricAlarm",
          name: "math",
          inputs: { metricQueries: [{ metric: {} }, { metric: {} }, { expression: "m1/m2" }] },
        },
      ]);
      const c = costs(plan);
      close(c.std, 0.1);
      close(c.fast, 0.3);
      close(c.math, 0.2);
    });
    it("bills a log group's ingestion and its retention's storage, by what writes to it", () => {
      const plan = planOf([
        { type: "aws:cloudwatch/logGroup:LogGroup", name: "logs", inputs: { retentionInDays: 14 } },
        { type: "aws:cloudwatch/logGroup:LogGroup", name: "forever", inputs: {} },
        {
          type: "aws:lambda/function:Function",
          name: "f",
          inputs: { memorySize: 128 },
          deps: { loggingConfig: ["logs"] },
        },
      ]);
      const c = costs(plan, { lambda: { invocationsPerMonth: { byName: { f: 0 } } } });
      close(c.logs, 0.1 * 0.5 + 0.1 * (14 / (730 / 24)) * 0.03);
      close(c.forever, 0.1 * 0.5 + 0.1 * 12 * 0.03);
    });
  });

  describe("data, identity, storage, DNS, network", () => {
    it("DynamoDB on demand: requests, storage and PITR", () => {
      const plan = planOf([
        {
          type: "aws:dynamodb/table:Table",
          name: "t",
          inputs: { billingMode: "PAY_PER_REQUEST", pointInTimeRecovery: { enabled: true } },
        },
      ]);
      const c = costs(plan, {
        dynamodb: {
          readsPerMonth: { default: 4e6 },
          writesPerMonth: { default: 2e6 },
          storageGb: { default: 10 },
        },
      });
      close(c.t, 4 * 0.125 + 2 * 0.625 + 10 * 0.25 + 10 * 0.2);
    });
    it("Cognito: every MAU at its tier's price, Essentials by default", () => {
      const plan = planOf([
        { type: "aws:cognito/userPool:UserPool", name: "essentials" },
        { type: "aws:cognito/userPool:UserPool", name: "lite", inputs: { userPoolTier: "LITE" } },
        { type: "aws:cognito/userPool:UserPool", name: "plus", inputs: { userPoolTier: "PLUS" } },
      ]);
      const c = costs(plan, { cognitoMau: { default: 500 } });
      close(c.essentials, 500 * 0.015);
      close(c.lite, 500 * 0.0055);
      close(c.plus, 500 * 0.02);
    });
    it("Route 53: a zone the stack creates bills $0.50; records in a zone passed in, nothing", () => {
      const record = (name: string, zoneId: string, deps?: Spec["deps"]): Spec => ({
        type: "aws:route53/record:Record",
        name,
        inputs: { zoneId, type: "A" },
        deps,
      });
      const c = costs(
        planOf([
          { type: "aws:route53/zone:Zone", name: "own", inputs: { name: "own.example.com" } },
          record("in-own", "own-id", { zoneId: ["own"] }),
          // A zone id from config: the zone is someone else's (another stack's, or the domain's).
          record("r1", "Z0123456789"),
          record("r2", "Z0123456789"),
        ]),
      );
      expect(c).to.deep.equal({ own: 0.5 });
    });
    it("ECR, S3 and KMS from the assumed usage", () => {
      const plan = planOf([
        { type: "aws:ecr/repository:Repository", name: "repo" },
        { type: "aws:s3/bucket:Bucket", name: "bucket" },
        { type: "aws:kms/key:Key", name: "key" },
      ]);
      const c = costs(plan, { ecrGb: { byName: { repo: 3 } } });
      close(c.repo, 0.3);
      close(c.bucket, 5 * 0.023 + 10 * 0.005 + 100 * 0.0004);
      close(c.key, 1 + 0.03);
    });
    it("interface endpoints per AZ-hour; gateway endpoints free", () => {
      const plan = planOf([
        {
          type: "aws:ec2/vpcEndpoint:VpcEndpoint",
          name: "ecr",
          inputs: { vpcEndpointType: "Interface", subnetIds: ["a", "b"] },
        },
        {
          type: "aws:ec2/vpcEndpoint:VpcEndpoint",
          name: "s3",
          inputs: { vpcEndpointType: "Gateway" },
        },
      ]);
      const c = costs(plan);
      close(c.ecr, 2 * 0.01 * H + 1 * 0.01);
      expect(c.s3).to.equal(undefined);
    });
    it("inter-region peering: each side pays for what it sends", () => {
      const plan = inEu(
        planOf([
          {
            type: "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
            name: "pcx",
            inputs: { peerRegion: "eu-central-1" },
          },
          {
            type: "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter",
            name: "accepter",
            deps: { vpcPeeringConnectionId: ["pcx"] },
          },
        ]),
        "accepter",
      );
      const estimate = estimateCost(plan, { peeringGbPerMonthEachWay: { default: 250 } });
      close(estimate.byRegion["us-east-1"], 5);
      close(estimate.byRegion["eu-central-1"], 5);
    });
    describe("Container Insights, counted as AWS documents its metrics", () => {
      const insights = (value: string): Spec => ({
        type: "aws:ecs/cluster:Cluster",
        name: "cluster",
        inputs: { settings: [{ name: "containerInsights", value }] },
      });
      const task = (name: string, family: string, compat = "FARGATE"): Spec => ({
        type: "aws:ecs/taskDefinition:TaskDefinition",
        name,
        inputs: { family, cpu: "256", memory: "512", requiresCompatibilities: [compat] },
      });
      const service = (name: string, taskName: string, inputs: Record<string, unknown>): Spec => ({
        type: "aws:ecs/service:Service",
        name,
        inputs: { desiredCount: 1, ...inputs },
        deps: { cluster: ["cluster"], taskDefinition: [taskName] },
      });
      const ec2 = { capacityProviderStrategies: [{ capacityProvider: "ec2-cp", weight: 1 }] };
      const fargate = { launchType: "FARGATE" };
      const cluster = (plan: Plan, assumptions?: UsageAssumptionsInput) =>
        estimateCost(plan, assumptions).items.find((i) => i.name === "cluster");
      const metricsOf = (plan: Plan, assumptions?: UsageAssumptionsInput) =>
        cluster(plan, assumptions)?.charges.find((c) => c.item === "cloudwatch.metric-month")
          ?.quantity;

      const cases: [string, Spec[], number][] = [
        [
          "EC2 tasks: 11 cluster + 13 per service + 8 per task family",
          [task("t", "web", "EC2"), service("s", "t", { ...ec2, desiredCount: 2 })],
          11 + 13 + 8,
        ],
        [
          "Fargate tasks add ephemeral storage's 2 metrics at each level",
          [task("t", "web"), service("s", "t", fargate)],
          13 + 15 + 10,
        ],
        [
          "two services of one task family: the family's metrics once",
          [task("t", "web", "EC2"), service("a", "t", ec2), service("b", "t", ec2)],
          11 + 2 * 13 + 8,
        ],
        [
          "a parked service (no running task) sends nothing",
          [
            task("t", "web", "EC2"),
            task("u", "worker", "EC2"),
            service("a", "t", ec2),
            service("b", "u", { ...ec2, desiredCount: 0 }),
          ],
          11 + 13 + 8,
        ],
      ];
      for (const [what, specs, metrics] of cases) {
        it(what, () => close(metricsOf(planOf([insights("enabled"), ...specs])), metrics));
      }

      it("bills the metrics as custom metrics and each task's performance events as logs", () => {
        const plan = planOf([
          insights("enabled"),
          task("t", "web", "EC2"),
          service("s", "t", { ...ec2, desiredCount: 2 }),
        ]);
        close(costs(plan).cluster, 32 * 0.3 + 2 * 0.05 * 0.5);
      });

      it("a task family launched by RunTask sends for its assumed task-hours", () => {
        const plan = planOf([
          insights("enabled"),
          task("session", "session"),
          {
            type: "aws:lambda/function:Function",
            name: "launcher",
            inputs: { memorySize: 128 },
            deps: { environment: ["cluster", "session"] },
          },
        ]);
        close(metricsOf(plan), (13 + 10) * (100 / H));
        close(metricsOf(plan, { runTaskHoursPerMonth: { byName: { session: 2 * H } } }), 13 + 10);
      });

      it("a cluster without Container Insights, or with nothing running, costs nothing", () => {
        const off = planOf([
          { type: "aws:ecs/cluster:Cluster", name: "cluster" },
          task("t", "web"),
          service("s", "t", fargate),
        ]);
        expect(cluster(off)).to.equal(undefined);
        expect(cluster(planOf([insights("enabled")]))).to.equal(undefined);
      });

      it("enhanced: the same metrics priced, its per-observation part named as not priced", () => {
        const plan = planOf([insights("enhanced"), task("t", "web"), service("s", "t", fargate)]);
        close(metricsOf(plan), 13 + 15 + 10);
        expect(cluster(plan)?.detail).to.include("bill per observation, not priced");
      });
    });
  });

  describe("how each charge was found, as the estimate prints it", () => {
    const specs: Spec[] = [
      {
        type: "aws:ecs/taskDefinition:TaskDefinition",
        name: "task",
        inputs: {
          cpu: "512",
          memory: "1024",
          requiresCompatibilities: ["FARGATE"],
          runtimePlatform: { cpuArchitecture: "ARM64" },
        },
      },
      {
        type: "aws:ecs/service:Service",
        name: "svc",
        inputs: {
          desiredCount: 3,
          networkConfiguration: { assignPublicIp: true },
          capacityProviderStrategies: [
            { capacityProvider: "FARGATE", base: 1, weight: 1 },
            { capacityProvider: "FARGATE_SPOT", weight: 1 },
          ],
        },
        deps: { taskDefinition: ["task"] },
      },
      {
        type: "aws:ecs/taskDefinition:TaskDefinition",
        name: "solo",
        inputs: { requiresCompatibilities: ["FARGATE"] },
      },
      {
        type: "aws:ec2/launchTemplate:LaunchTemplate",
        name: "lt",
        inputs: {
          instanceType: "t4g.small",
          monitoring: { enabled: true },
          blockDeviceMappings: [{ ebs: { volumeSize: 30 } }, { deviceName: "x" }],
          networkInterfaces: [{ associatePublicIpAddress: "true" }],
        },
      },
      {
        type: "aws:autoscaling/group:Group",
        name: "asg",
        inputs: { minSize: 1 },
        deps: { launchTemplate: ["lt"] },
      },
      {
        type: "aws:ec2/instance:Instance",
        name: "nat-instance",
        inputs: {
          instanceType: "t4g.micro",
          rootBlockDevice: { volumeSize: 8 },
          associatePublicIpAddress: true,
          monitoring: true,
        },
      },
      {
        type: "aws:rds/instance:Instance",
        name: "db",
        inputs: { instanceClass: "db.t4g.micro", multiAz: true, manageMasterUserPassword: true },
      },
      {
        type: "aws:elasticache/replicationGroup:ReplicationGroup",
        name: "rg",
        inputs: { nodeType: "cache.t4g.micro", engine: "valkey", numCacheClusters: 1 },
      },
      {
        type: "aws:elasticache/cluster:Cluster",
        name: "cc",
        inputs: { nodeType: "cache.t4g.micro" },
      },
      { type: "aws:ec2/eip:Eip", name: "eip" },
      {
        type: "aws:lb/loadBalancer:LoadBalancer",
        name: "alb",
        inputs: { subnetMappings: [{}, {}, {}] },
      },
      {
        type: "aws:ec2/vpcEndpoint:VpcEndpoint",
        name: "vpce",
        inputs: { vpcEndpointType: "Interface" },
      },
      { type: "aws:ec2/vpcPeeringConnection:VpcPeeringConnection", name: "pcx-local", inputs: {} },
      {
        type: "aws:cloudwatch/metricAlarm:MetricAlarm",
        name: "anomaly",
        inputs: {
          thresholdMetricId: "ad1",
          metricQueries: [{ metric: {} }, { expression: "ANOMALY_DETECTION_BAND(m1)" }],
        },
      },
      {
        type: "aws:cloudwatch/logGroup:LogGroup",
        name: "rds-logs",
        inputs: { name: "/aws/rds/instance/db/postgresql", retentionInDays: 30 },
      },
      { type: "aws:apigatewayv2/api:Api", name: "ws", inputs: { protocolType: "WEBSOCKET" } },
      { type: "aws:apigatewayv2/api:Api", name: "http", inputs: { protocolType: "HTTP" } },
      { type: "aws:secretsmanager/secret:Secret", name: "lonely" },
      { type: "aws:wafv2/webAcl:WebAcl", name: "acl", inputs: { rules: [{}, {}] } },
    ];
    const details: [string, string][] = [
      [
        "svc",
        "Fargate 0.5 vCPU arm64 \u00d7 2 tasks \u00d7 730 h: $0.03238/vCPU-hour = $23.64 + Fargate 1 GB \u00d7 2 tasks \u00d7 730 h: $0.00356/GB-hour = $5.20 + Fargate Spot 0.5 vCPU arm64 \u00d7 1 task \u00d7 730 h: $0.0103097/vCPU-hour = $3.76 + Fargate Spot 1 GB \u00d7 1 task \u00d7 730 h: $0.00113349/GB-hour = $0.83 + public IPv4 \u00d7 3 tasks \u00d7 730 h: $0.005/IP-hour = $10.95",
      ],
      [
        "alb",
        "application load balancer \u00d7 730 h: $0.0225/ALB-hour = $16.43 + 0.5 LCU (assumed) \u00d7 730 h: $0.008/LCU-hour = $2.92 + public IPv4 \u00d7 3 AZs \u00d7 730 h: $0.005/IP-hour = $10.95",
      ],
      [
        "db",
        "db.t4g.micro Multi-AZ \u00d7 730 h: $0.032/instance-hour = $23.36 + gp3 20 GB \u00d7 2 (Multi-AZ standby): $0.115/GB-month = $4.60 + managed master password secret: $0.4/secret-month = $0.40",
      ],
      [
        "asg",
        "EC2 t4g.small \u00d7 minSize 1 \u00d7 730 h: $0.0168/instance-hour = $12.26 + EBS gp3 30 GB \u00d7 1 instance: $0.08/GB-month = $2.40 [price not confirmed] + detailed monitoring: 7 metrics \u00d7 1 instance: $0.3/metric-month = $2.10 + public IPv4 \u00d7 1 instance \u00d7 730 h: $0.005/IP-hour = $3.65",
      ],
      [
        "nat-instance",
        "EC2 t4g.micro \u00d7 1 instance \u00d7 730 h: $0.0084/instance-hour = $6.13 + EBS gp3 8 GB \u00d7 1 instance: $0.08/GB-month = $0.64 [price not confirmed] + public IPv4 \u00d7 730 h: $0.005/IP-hour = $3.65 + detailed monitoring: 7 metrics \u00d7 1 instance: $0.3/metric-month = $2.10",
      ],
      ["cc", "cache.t4g.micro redis \u00d7 1 node \u00d7 730 h: $0.016/node-hour = $11.68"],
      ["rg", "cache.t4g.micro Valkey \u00d7 1 node \u00d7 730 h: $0.0128/node-hour = $9.34"],
      [
        "vpce",
        "interface endpoint \u00d7 1 AZs \u00d7 730 h: $0.01/endpoint-AZ-hour = $7.30 + 1 GB (assumed): $0.01/GB = $0.01",
      ],
      [
        "acl",
        "web ACL: $5/web ACL-month = $5.00 + 2 rules: $1/rule-month = $2.00 + 0 requests of no API: $0.6/million requests = $0.00",
      ],
      ["eip", "public IPv4 \u00d7 730 h: $0.005/IP-hour = $3.65"],
      ["pcx-local", "100 GB each way, cross-AZ (assumed): $0.01/GB = $2.00"],
      [
        "solo",
        "Fargate 0.25 vCPU x86 \u00d7 100 task-hours (launched on demand): $0.04048/vCPU-hour = $1.01 + Fargate 0.5 GB \u00d7 100 task-hours (launched on demand): $0.004445/GB-hour = $0.22",
      ],
      [
        "lonely",
        "secret: $0.4/secret-month = $0.40 + 100 API calls (assumed): $0.05/10k API calls = $0.00050",
      ],
      ["anomaly", "alarm on 3 metrics: $0.1/alarm metric-month = $0.30"],
      ["http", "100,000 requests (assumed): $1/million requests = $0.10"],
      [
        "rds-logs",
        "0.1 GB ingested (assumed, rds): $0.5/GB ingested = $0.05 + 0.1 GB stored (30 days kept): $0.03/GB-month = $0.0030",
      ],
      ["ws", "WebSocket messages (not assumed): $1/million messages = $0.00"],
    ];
    const estimate = estimateCost(planOf(specs));
    it("prices every charge", () => {
      expect(estimate.warnings).to.deep.equal([]);
      expect(estimate.unpriced).to.deep.equal([]);
    });
    for (const [name, detail] of details) {
      it(name, () => expect(estimate.items.find((i) => i.name === name)?.detail).to.equal(detail));
    }
  });
});

/**
 * The cost functions' charges, item by item: the price-table item, the quantity and how it was found
 * (`what`), each computed by hand from the resource's inputs and the default usage assumptions
 * (730 h a month). Prices are not applied here: estimate.test.ts and cost-functions.test.ts do that.
 */
import { expect } from "chai";
import type { Plan } from "../../engine/engine";
import { resolveAssumptions, type UsageAssumptionsInput } from "../../engine/cost/assumptions";
import { PlanIndex } from "../../engine/cost/plan-index";
import { COST_FUNCTIONS, logKind, splitTasks, type Charge } from "../../engine/cost/rates";
import { deriveUsage } from "../../engine/cost/usage";
import { edit, planOf, type Spec } from "../helpers/plan-builder";

const H = 730;

/** The charges of the resource named `name` in `plan`, as the estimate would price them. */
function chargesOf(plan: Plan, name: string, assumptions?: UsageAssumptionsInput): Charge[] {
  const resource = plan.resources.find((r) => r.name === name);
  if (!resource) throw new Error(`no resource ${name}`);
  const costOf = COST_FUNCTIONS[resource.type];
  if (!costOf) throw new Error(`no cost function for ${resource.type}`);
  const index = new PlanIndex(plan);
  const resolved = resolveAssumptions(assumptions);
  return costOf(resource, { index, assumptions: resolved, usage: deriveUsage(index, resolved) });
}

/** Items, `what` and regions exactly; quantities to 1e-9. */
function expectCharges(actual: Charge[], expected: Charge[]) {
  expect(actual.map((c) => [c.item, c.what, c.region])).to.deep.equal(
    expected.map((c) => [c.item, c.what, c.region]),
  );
  actual.forEach((c, i) => expect(c.quantity).to.be.closeTo(expected[i]!.quantity, 1e-9));
}

const inRegion = (plan: Plan, region: string, ...names: string[]) =>
  edit(plan, (r) => (names.includes(r.name) ? { ...r, region } : r));

type Case = [what: string, plan: Plan, name: string, expected: Charge[], UsageAssumptionsInput?];
const table = (cases: Case[]) => {
  for (const [what, plan, name, expected, assumptions] of cases) {
    it(what, () => expectCharges(chargesOf(plan, name, assumptions), expected));
  }
};

describe("cost: each cost function's charges", () => {
  describe("ECS services and task definitions", () => {
    const task = (name: string, inputs: Record<string, unknown> = {}): Spec => ({
      type: "aws:ecs/taskDefinition:TaskDefinition",
      name,
      inputs: {
        cpu: "512",
        memory: "1024",
        requiresCompatibilities: ["FARGATE"],
        runtimePlatform: { cpuArchitecture: "ARM64" },
        ...inputs,
      },
    });
    const service = (inputs: Record<string, unknown>): Spec => ({
      type: "aws:ecs/service:Service",
      name: "svc",
      inputs: { desiredCount: 2, ...inputs },
      deps: { taskDefinition: ["task"] },
    });
    const fargate2 = [
      {
        item: "fargate.arm64.vcpu-hour",
        quantity: 0.5 * 2 * H,
        what: "Fargate 0.5 vCPU arm64 × 2 tasks × 730 h",
      },
      {
        item: "fargate.arm64.gb-hour",
        quantity: 1 * 2 * H,
        what: "Fargate 1 GB × 2 tasks × 730 h",
      },
    ];
    table([
      [
        "no strategy and no launch type: on Fargate when the task definition requires it",
        planOf([task("task"), service({})]),
        "svc",
        fargate2,
      ],
      [
        "no strategy and no launch type, an EC2 task definition: the instances bill",
        planOf([task("task", { requiresCompatibilities: ["EC2"] }), service({})]),
        "svc",
        [],
      ],
      [
        "no running task: nothing, not even its public IPv4 addresses",
        planOf([
          task("task"),
          service({
            desiredCount: 0,
            launchType: "FARGATE",
            networkConfiguration: { assignPublicIp: true },
          }),
        ]),
        "svc",
        [],
      ],
      [
        "a capacity provider left no task by the strategy: no charge of its own",
        planOf([
          task("task"),
          service({
            capacityProviderStrategies: [
              { capacityProvider: "FARGATE", base: 2, weight: 0 },
              { capacityProvider: "FARGATE_SPOT", weight: 1 },
            ],
          }),
        ]),
        "svc",
        fargate2,
      ],
      [
        "an EC2 task definition no service runs: nothing (RunTask on Fargate only)",
        planOf([task("task", { requiresCompatibilities: ["EC2"] })]),
        "task",
        [],
      ],
    ]);
    it("splitTasks: without weights, only the bases are placed", () => {
      const split = splitTasks(3, [{ capacityProvider: "FARGATE", base: 1 }]);
      expect(Object.fromEntries(split)).to.deep.equal({ FARGATE: 1 });
    });
  });

  describe("autoscaling groups", () => {
    const lt: Spec = {
      type: "aws:ec2/launchTemplate:LaunchTemplate",
      name: "lt",
      inputs: {
        instanceType: "t4g.small",
        blockDeviceMappings: [{ ebs: { volumeSize: 30 } }],
        networkInterfaces: [{ associatePublicIpAddress: true }],
      },
    };
    const group = (minSize: number, distribution?: Record<string, unknown>): Spec => ({
      type: "aws:autoscaling/group:Group",
      name: "asg",
      inputs: {
        minSize,
        ...(distribution
          ? {
              mixedInstancesPolicy: {
                instancesDistribution: distribution,
                launchTemplate: { overrides: [{ instanceType: "t4g.nano" }] },
              },
            }
          : {}),
      },
      deps: distribution ? { mixedInstancesPolicy: ["lt"] } : { launchTemplate: ["lt"] },
    });
    const extras = [
      { item: "ebs.gp3.gb-month", quantity: 60, what: "EBS gp3 30 GB × 2 instances" },
      { item: "ipv4.hour", quantity: 2 * H, what: "public IPv4 × 2 instances × 730 h" },
    ];
    table([
      ["minSize 0: nothing, not even its volumes", planOf([lt, group(0)]), "asg", []],
      [
        "every instance on Spot: Spot hours only, named by minSize",
        planOf([lt, group(2, { onDemandPercentageAboveBaseCapacity: 0 })]),
        "asg",
        [
          {
            item: "ec2-spot:t4g.nano",
            quantity: 2 * H,
            what: "EC2 Spot t4g.nano × minSize 2 × 730 h",
          },
          ...extras,
        ],
      ],
      [
        "an on-demand base of 1, the rest on Spot: each part named",
        planOf([lt, group(2, { onDemandBaseCapacity: 1, onDemandPercentageAboveBaseCapacity: 0 })]),
        "asg",
        [
          { item: "ec2:t4g.nano", quantity: H, what: "EC2 t4g.nano × minSize 2 × 730 h" },
          {
            item: "ec2-spot:t4g.nano",
            quantity: H,
            what: "EC2 Spot t4g.nano × 1 Spot instance × 730 h",
          },
          ...extras,
        ],
      ],
    ]);
  });

  describe("databases, caches, load balancers", () => {
    table([
      [
        "RDS single-AZ: no standby in the storage's description",
        planOf([
          {
            type: "aws:rds/instance:Instance",
            name: "db",
            inputs: { instanceClass: "db.t4g.micro" },
          },
        ]),
        "db",
        [
          {
            item: "rds:postgres:db.t4g.micro:single-az",
            quantity: H,
            what: "db.t4g.micro single-AZ × 730 h",
          },
          { item: "rds.gp3.gb-month", quantity: 20, what: "gp3 20 GB" },
        ],
      ],
      [
        "a Redis OSS replication group",
        planOf([
          {
            type: "aws:elasticache/replicationGroup:ReplicationGroup",
            name: "rg",
            inputs: { nodeType: "cache.t4g.micro", engine: "redis", numCacheClusters: 2 },
          },
        ]),
        "rg",
        [
          {
            item: "elasticache:redis:cache.t4g.micro",
            quantity: 2 * H,
            what: "cache.t4g.micro Redis OSS × 2 nodes × 730 h",
          },
        ],
      ],
      [
        "an internet-facing NLB: hours and addresses, no LCUs",
        planOf([
          {
            type: "aws:lb/loadBalancer:LoadBalancer",
            name: "nlb",
            inputs: { loadBalancerType: "network", subnets: ["a", "b"] },
          },
        ]),
        "nlb",
        [
          { item: "nlb.hour", quantity: H, what: "network load balancer × 730 h" },
          { item: "ipv4.hour", quantity: 2 * H, what: "public IPv4 × 2 AZs × 730 h" },
        ],
      ],
      [
        "an internal gateway load balancer: its hours",
        planOf([
          {
            type: "aws:lb/loadBalancer:LoadBalancer",
            name: "gwlb",
            inputs: { loadBalancerType: "gateway", internal: true },
          },
        ]),
        "gwlb",
        [{ item: "gwlb.hour", quantity: H, what: "gateway load balancer × 730 h" }],
      ],
    ]);
  });

  describe("peering", () => {
    const pcx = (peerRegion: string): Spec => ({
      type: "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
      name: "pcx",
      inputs: { peerRegion },
    });
    const accepter: Spec = {
      type: "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter",
      name: "acc",
      deps: { vpcPeeringConnectionId: ["pcx"] },
    };
    const crossRegion = inRegion(planOf([pcx("eu-central-1"), accepter]), "eu-central-1", "acc");
    table([
      [
        "to another region: what it sends there",
        crossRegion,
        "pcx",
        [
          {
            item: "transfer.inter-region.gb",
            quantity: 100,
            what: "100 GB sent to eu-central-1 (assumed)",
          },
        ],
      ],
      [
        "the accepter in the other region: what it sends back",
        crossRegion,
        "acc",
        [
          {
            item: "transfer.inter-region.gb",
            quantity: 100,
            what: "100 GB sent to us-east-1 (assumed)",
          },
        ],
      ],
      [
        "a peer region that is its own: cross-AZ both ways",
        planOf([pcx("us-east-1")]),
        "pcx",
        [
          {
            item: "transfer.intra-region.gb",
            quantity: 200,
            what: "100 GB each way, cross-AZ (assumed)",
          },
        ],
      ],
      [
        "an accepter in the requester's region: nothing",
        planOf([pcx("us-east-1"), accepter]),
        "acc",
        [],
      ],
    ]);
  });

  describe("secrets and alarms", () => {
    const secretPlan = planOf([
      {
        type: "aws:secretsmanager/secret:Secret",
        name: "s",
        inputs: { replicas: [{ region: "eu-central-1" }] },
      },
      ...["a", "b"].map((name): Spec => ({
        type: "aws:lambda/function:Function",
        name,
        inputs: { memorySize: 128 },
        deps: { environment: ["s"] },
      })),
    ]);
    const invocations = { lambda: { invocationsPerMonth: { byName: { a: 20_000, b: 5_000 } } } };
    const secretAndReplica: Charge[] = [
      { item: "secretsmanager.secret-month", quantity: 1, what: "secret" },
      {
        item: "secretsmanager.secret-month",
        quantity: 1,
        what: "replica in eu-central-1",
        region: "eu-central-1",
      },
    ];
    table([
      [
        "a secret read by functions: a call per run of each",
        secretPlan,
        "s",
        [
          ...secretAndReplica,
          {
            item: "secretsmanager.api.10k",
            quantity: 2.5,
            what: "25,000 API calls (runs of a, b)",
          },
        ],
        invocations,
      ],
      [
        "an assumed call count replaces the readers' runs",
        secretPlan,
        "s",
        [
          ...secretAndReplica,
          { item: "secretsmanager.api.10k", quantity: 0.05, what: "500 API calls (assumed)" },
        ],
        { ...invocations, secretApiCallsPerMonth: { byName: { s: 500 } } },
      ],
      [
        "a high-resolution alarm on one metric",
        planOf([
          { type: "aws:cloudwatch/metricAlarm:MetricAlarm", name: "fast", inputs: { period: 10 } },
        ]),
        "fast",
        [
          {
            item: "cloudwatch.alarm-high-res-month",
            quantity: 1,
            what: "alarm on 1 metric (high resolution)",
          },
        ],
      ],
    ]);
  });

  describe("log groups", () => {
    const group = (inputs: Record<string, unknown> = {}): Spec => ({
      type: "aws:cloudwatch/logGroup:LogGroup",
      name: "g",
      inputs,
    });
    const kinds: [string, Spec[], string][] = [
      [
        "flowLogs",
        [{ type: "aws:ec2/flowLog:FlowLog", name: "w", deps: { logDestination: ["g"] } }],
        "",
      ],
      [
        "lambda",
        [{ type: "aws:lambda/function:Function", name: "w", deps: { loggingConfig: ["g"] } }],
        "",
      ],
      [
        "ecs",
        [
          {
            type: "aws:ecs/taskDefinition:TaskDefinition",
            name: "w",
            deps: { containerDefinitions: ["g"] },
          },
        ],
        "",
      ],
      [
        "apiAccess",
        [{ type: "aws:apigateway/stage:Stage", name: "w", deps: { accessLogSettings: ["g"] } }],
        "REST stage",
      ],
      [
        "apiAccess",
        [{ type: "aws:apigatewayv2/stage:Stage", name: "w", deps: { accessLogSettings: ["g"] } }],
        "HTTP stage",
      ],
      ["rds", [], "/aws/rds/instance/db/postgresql"],
      ["other", [], "/app/worker"],
      // A writer through another input does not make the group its kind.
      [
        "other",
        [{ type: "aws:lambda/function:Function", name: "w", deps: { environment: ["g"] } }],
        "fn env",
      ],
    ];
    for (const [kind, writers, note] of kinds) {
      it(`logKind: ${kind}${note ? ` (${note})` : ""}`, () => {
        const name = note.startsWith("/") ? note : undefined;
        const plan = planOf([group(name ? { name } : {}), ...writers]);
        const g = plan.resources.find((r) => r.name === "g")!;
        expect(logKind(g, new PlanIndex(plan))).to.equal(kind);
      });
    }
    table([
      [
        "no retention: the unbounded months stored",
        planOf([group()]),
        "g",
        [
          { item: "logs.ingest.gb", quantity: 0.1, what: "0.1 GB ingested (assumed, other)" },
          {
            item: "logs.storage.gb-month",
            quantity: 1.2,
            what: "1.2 GB stored (no retention: 12 months kept)",
          },
        ],
      ],
    ]);
    it("a negative retention stores the unbounded months, not a negative amount", () => {
      const storage = chargesOf(planOf([group({ retentionInDays: -1 })]), "g")[1];
      expect(storage?.quantity).to.be.closeTo(0.1 * 12, 1e-9);
    });
  });

  describe("Lambda, APIs and schedules", () => {
    const fn = (name: string, inputs: Record<string, unknown> = {}): Spec => ({
      type: "aws:lambda/function:Function",
      name,
      inputs: { memorySize: 256, architectures: ["arm64"], ...inputs },
    });
    // A traced function behind a traced REST stage, also run hourly by a schedule.
    const tracedPlan = (stageInputs: Record<string, unknown>) =>
      planOf([
        fn("f", { tracingConfig: { mode: "Active" } }),
        { type: "aws:apigateway/restApi:RestApi", name: "api" },
        {
          type: "aws:apigateway/integration:Integration",
          name: "int",
          deps: { restApi: ["api"], uri: ["f"] },
        },
        {
          type: "aws:apigateway/stage:Stage",
          name: "stage",
          inputs: stageInputs,
          deps: { restApi: ["api"] },
        },
        {
          type: "aws:scheduler/schedule:Schedule",
          name: "hourly",
          inputs: { scheduleExpression: "rate(1 hour)" },
          deps: { target: ["f"] },
        },
      ]);
    const traced = tracedPlan({ xrayTracingEnabled: true });
    const half = { xraySampledFraction: 0.5 };
    table([
      [
        "a function with a metrics namespace, untraced: requests, GB-seconds, EMF metrics",
        planOf([fn("f", { environment: { variables: { POWERTOOLS_METRICS_NAMESPACE: "Kite" } } })]),
        "f",
        [
          { item: "lambda.requests.million", quantity: 0.001, what: "1,000 invocations (default)" },
          {
            item: "lambda.arm64.gb-second",
            quantity: 1000 * 0.25 * 1,
            what: "1,000 × 256 MB × 1,000 ms arm64",
          },
          { item: "cloudwatch.metric-month", quantity: 5, what: "5 EMF metrics in Kite (assumed)" },
        ],
      ],
      [
        "a traced function: the sampled share of the runs not traced at the API stage",
        traced,
        "f",
        [
          {
            item: "lambda.requests.million",
            quantity: 0.10073,
            what: "100,730 invocations (hourly 730 + api requests)",
          },
          {
            item: "lambda.arm64.gb-second",
            quantity: 100_730 * 0.25,
            what: "100,730 × 256 MB × 1,000 ms arm64",
          },
          { item: "xray.traces.million", quantity: (730 * 0.5) / 1e6, what: "365 X-Ray traces" },
        ],
        half,
      ],
      [
        "a traced REST stage: the sampled share of its API's requests",
        traced,
        "stage",
        [{ item: "xray.traces.million", quantity: 0.05, what: "50,000 X-Ray traces" }],
        half,
      ],
      ["an untraced REST stage: nothing", tracedPlan({}), "stage", []],
      [
        "a REST API's requests",
        traced,
        "api",
        [{ item: "apigw.rest.million", quantity: 0.1, what: "100,000 requests (assumed)" }],
      ],
      [
        "a cron schedule: its fires a day × days a month",
        planOf([
          {
            type: "aws:scheduler/schedule:Schedule",
            name: "s",
            inputs: { scheduleExpression: "cron(0 9 ? * MON-FRI *)" },
          },
        ]),
        "s",
        [
          {
            item: "scheduler.million",
            quantity: 21.75 / 1e6,
            what: "21.75 invocations (1 a day × 21.75 days)",
          },
        ],
      ],
      [
        "a rate schedule: its fires a month only",
        planOf([
          {
            type: "aws:scheduler/schedule:Schedule",
            name: "s",
            inputs: { scheduleExpression: "rate(1 hour)" },
          },
        ]),
        "s",
        [{ item: "scheduler.million", quantity: 730 / 1e6, what: "730 invocations" }],
      ],
    ]);
    it("a function the derived usage does not count: no invocations", () => {
      const plan = planOf([fn("f", { architectures: ["x86_64"], memorySize: 128 })]);
      const index = new PlanIndex(plan);
      const assumptions = resolveAssumptions();
      const usage = { ...deriveUsage(index, assumptions), invocations: new Map() };
      const f = plan.resources.find((r) => r.name === "f")!;
      expectCharges(COST_FUNCTIONS[f.type]!(f, { index, assumptions, usage }), [
        { item: "lambda.requests.million", quantity: 0, what: "0 invocations (none)" },
        { item: "lambda.x86.gb-second", quantity: 0, what: "0 × 128 MB × 1,000 ms x86" },
      ]);
    });
  });

  describe("data, identity, storage, DNS, keys", () => {
    const table1 = (inputs: Record<string, unknown>) =>
      planOf([{ type: "aws:dynamodb/table:Table", name: "t", inputs }]);
    table([
      [
        "DynamoDB on demand without PITR",
        table1({ billingMode: "PAY_PER_REQUEST" }),
        "t",
        [
          { item: "dynamodb.rru.million", quantity: 1, what: "1,000,000 read units (assumed)" },
          { item: "dynamodb.wru.million", quantity: 0.2, what: "200,000 write units (assumed)" },
          { item: "dynamodb.storage.gb-month", quantity: 1, what: "1 GB stored (assumed)" },
        ],
      ],
      [
        "DynamoDB provisioned, with PITR",
        table1({
          billingMode: "PROVISIONED",
          readCapacity: 5,
          writeCapacity: 2,
          pointInTimeRecovery: { enabled: true },
        }),
        "t",
        [
          { item: "dynamodb.rcu-hour", quantity: 5 * H, what: "5 RCU × 730 h" },
          { item: "dynamodb.wcu-hour", quantity: 2 * H, what: "2 WCU × 730 h" },
          { item: "dynamodb.storage.gb-month", quantity: 10, what: "10 GB stored (assumed)" },
          { item: "dynamodb.pitr.gb-month", quantity: 10, what: "PITR of 10 GB" },
        ],
        { dynamodb: { storageGb: { byName: { t: 10 } } } },
      ],
      [
        "a Cognito user pool, Essentials by default",
        planOf([{ type: "aws:cognito/userPool:UserPool", name: "pool" }]),
        "pool",
        [
          {
            item: "cognito.mau.essentials",
            quantity: 100,
            what: "100 MAU (assumed), essentials tier",
          },
        ],
      ],
      [
        "a hosted zone",
        planOf([{ type: "aws:route53/zone:Zone", name: "zone" }]),
        "zone",
        [{ item: "route53.zone-month", quantity: 1, what: "hosted zone" }],
      ],
      [
        "an ECR repository",
        planOf([{ type: "aws:ecr/repository:Repository", name: "repo" }]),
        "repo",
        [{ item: "ecr.storage.gb-month", quantity: 1, what: "1 GB of images (assumed)" }],
      ],
      [
        "an S3 bucket",
        planOf([{ type: "aws:s3/bucket:Bucket", name: "bucket" }]),
        "bucket",
        [
          { item: "s3.standard.gb-month", quantity: 5, what: "5 GB Standard (assumed)" },
          { item: "s3.put.1k", quantity: 10, what: "10,000 PUT requests (assumed)" },
          { item: "s3.get.1k", quantity: 100, what: "100,000 GET requests (assumed)" },
        ],
      ],
      [
        "a KMS key",
        planOf([{ type: "aws:kms/key:Key", name: "key" }]),
        "key",
        [
          { item: "kms.key-month", quantity: 1, what: "customer managed key" },
          { item: "kms.requests.10k", quantity: 1, what: "10,000 requests (assumed)" },
        ],
      ],
    ]);
  });

  describe("Container Insights", () => {
    const cluster: Spec = {
      type: "aws:ecs/cluster:Cluster",
      name: "cluster",
      inputs: { settings: [{ name: "containerInsights", value: "enabled" }] },
    };
    const task = (name: string, family: string, compat = "FARGATE"): Spec => ({
      type: "aws:ecs/taskDefinition:TaskDefinition",
      name,
      inputs: { family, requiresCompatibilities: [compat] },
    });
    const service = (name: string, taskName: string, inputs: Record<string, unknown>): Spec => ({
      type: "aws:ecs/service:Service",
      name,
      inputs: { desiredCount: 1, ...inputs },
      deps: { cluster: ["cluster"], taskDefinition: [taskName] },
    });
    const ec2 = { capacityProviderStrategies: [{ capacityProvider: "ec2-cp", weight: 1 }] };
    const charges = (metrics: number, what: string, gb: number, events: string): Charge[] => [
      { item: "cloudwatch.metric-month", quantity: metrics, what: `Container Insights ${what}` },
      {
        item: "logs.ingest.gb",
        quantity: gb,
        what: `Container Insights ${events} task-months (assumed)`,
      },
    ];
    table([
      [
        "two task definitions of one family: the family once",
        planOf([
          cluster,
          task("t", "web", "EC2"),
          task("u", "web", "EC2"),
          service("a", "t", ec2),
          service("b", "u", ec2),
        ]),
        "cluster",
        charges(
          11 + 26 + 8,
          "45 metrics: cluster 11, 2 services 26, 1 task family 8",
          0.1,
          "0.1 GB of events over 2",
        ),
      ],
      [
        "a family on Fargate for one service stays on Fargate when another runs it on EC2",
        planOf([
          cluster,
          task("t", "web"),
          task("u", "web", "EC2"),
          service("a", "t", { launchType: "FARGATE" }),
          service("b", "u", ec2),
        ]),
        "cluster",
        charges(
          13 + 28 + 10,
          "51 metrics: cluster 13, 2 services 28, 1 task family 10",
          0.1,
          "0.1 GB of events over 2",
        ),
      ],
      [
        "a strategy partly on Fargate counts as Fargate",
        planOf([
          cluster,
          task("t", "web"),
          service("s", "t", {
            capacityProviderStrategies: [
              { capacityProvider: "FARGATE", weight: 1 },
              { capacityProvider: "ec2-cp", weight: 1 },
            ],
          }),
        ]),
        "cluster",
        charges(
          38,
          "38 metrics: cluster 13, 1 service 15, 1 task family 10",
          0.05,
          "0.05 GB of events over 1",
        ),
      ],
      [
        "FARGATE_SPOT is Fargate",
        planOf([
          cluster,
          task("t", "web"),
          service("s", "t", {
            capacityProviderStrategies: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }],
          }),
        ]),
        "cluster",
        charges(
          38,
          "38 metrics: cluster 13, 1 service 15, 1 task family 10",
          0.05,
          "0.05 GB of events over 1",
        ),
      ],
      [
        "one family on EC2 and one on Fargate: the cluster's ephemeral storage metrics",
        planOf([
          cluster,
          task("t", "web", "EC2"),
          task("u", "api"),
          service("a", "t", ec2),
          service("b", "u", { launchType: "FARGATE" }),
        ]),
        "cluster",
        charges(
          13 + 28 + 18,
          "59 metrics: cluster 13, 2 services 28, 2 task families 18",
          0.1,
          "0.1 GB of events over 2",
        ),
      ],
      [
        "a service all month and a RunTask family for its 100 task-hours",
        planOf([
          cluster,
          task("t", "web", "EC2"),
          task("session", "session"),
          service("a", "t", ec2),
          {
            type: "aws:lambda/function:Function",
            name: "launcher",
            deps: { environment: ["cluster", "session"] },
          },
        ]),
        "cluster",
        // Cluster: the longest share (1), with Fargate's 2; families: web 8 × 1 + session 10 × 100/730.
        charges(
          13 + 13 + 8 + (10 * 100) / H,
          "35.37 metrics: cluster 13, 1 service 13, 2 task families 9.37",
          0.05 * (1 + 100 / H),
          "0.06 GB of events over 1.14",
        ),
      ],
    ]);
  });

  describe("web ACLs", () => {
    const plan = planOf([
      { type: "aws:wafv2/webAcl:WebAcl", name: "acl", inputs: { rules: [{}] } },
      ...[1, 2].flatMap((i): Spec[] => [
        { type: "aws:apigateway/restApi:RestApi", name: `api${i}` },
        { type: "aws:apigateway/stage:Stage", name: `stage${i}`, deps: { restApi: [`api${i}`] } },
        {
          type: "aws:wafv2/webAclAssociation:WebAclAssociation",
          name: `assoc${i}`,
          deps: { webAclArn: ["acl"], resourceArn: [`stage${i}`] },
        },
      ]),
    ]);
    table([
      [
        "the requests of every API whose stage it is associated with",
        plan,
        "acl",
        [
          { item: "waf.web-acl-month", quantity: 1, what: "web ACL" },
          { item: "waf.rule-month", quantity: 1, what: "1 rule" },
          { item: "waf.requests.million", quantity: 0.4, what: "400,000 requests of api1, api2" },
        ],
        { apiRequestsPerMonth: { byName: { api1: 300_000, api2: 100_000 } } },
      ],
    ]);
  });
});

/** The estimate as a whole: workloads, sums, unpriced types, assumptions and the printed report. */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  COST_FUNCTIONS,
  DEFAULT_ASSUMPTIONS,
  estimateCost,
  formatCost,
  FREE_TYPES,
  NO_FREE_TIER,
  parsePrices,
  stackCostAssumptions,
  usageAssumptionsSchema,
  usd,
} from "../../engine/cost";
import { StackFileError } from "../../engine/stack-files";
import { edit, planOf, type Spec } from "../helpers/plan-builder";

/** stack → component "net" → NAT; stack → component "app" → nested component "db" → RDS. */
function layeredPlan() {
  const plan = planOf([
    { type: "pulumi:pulumi:Stack", name: "platform-test" },
    { type: "platform:network:Network", name: "net" },
    { type: "platform:workload:App", name: "app" },
    { type: "platform:data:Postgres", name: "db" },
    { type: "aws:ec2/natGateway:NatGateway", name: "nat" },
    {
      type: "aws:rds/instance:Instance",
      name: "rds",
      inputs: { engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 20 },
    },
    { type: "aws:iam/role:Role", name: "role" },
    { type: "aws:imaginary/thing:Thing", name: "thing" },
  ]);
  const urn = (name: string) => plan.resources.find((r) => r.name === name)!.urn;
  const parents: Record<string, string> = {
    net: "platform-test",
    app: "platform-test",
    db: "app",
    nat: "net",
    rds: "db",
    role: "app",
    thing: "app",
  };
  const components = ["platform-test", "net", "app", "db"];
  return edit(plan, (r) => ({
    ...r,
    parent: parents[r.name] ? urn(parents[r.name]!) : r.parent,
    custom: components.includes(r.name) ? false : r.custom,
  }));
}

describe("cost: the estimate", () => {
  it("keeps priced and free types apart", () => {
    const both = Object.keys(COST_FUNCTIONS).filter((t) => t in FREE_TYPES);
    expect(both).to.deep.equal([]);
  });

  it("says why each free type costs nothing", () => {
    const unexplained = Object.entries(FREE_TYPES).filter(([, why]) => why.trim().length < 4);
    expect(unexplained).to.deep.equal([]);
  });

  it("groups items by the stack's child they descend from, and sums them consistently", () => {
    const estimate = estimateCost(layeredPlan());
    expect(estimate.items.map((i) => [i.name, i.workload])).to.deep.equal([
      ["nat", "net"],
      ["rds", "app"],
    ]);
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    expect(sum(estimate.items.map((i) => i.monthly))).to.be.closeTo(estimate.total, 1e-9);
    expect(sum(Object.values(estimate.byRegion))).to.be.closeTo(estimate.total, 1e-9);
    expect(sum(Object.values(estimate.byWorkload))).to.be.closeTo(estimate.total, 1e-9);
    expect(estimate.byWorkload.app).to.be.closeTo(0.016 * 730 + 20 * 0.115, 1e-9);
  });

  it("reports a type it cannot price, and ignores free types, components and providers", () => {
    const estimate = estimateCost(layeredPlan());
    expect(estimate.unpriced).to.deep.equal(["aws:imaginary/thing:Thing"]);
    expect(estimate.items.map((i) => i.type)).to.not.include("aws:iam/role:Role");
  });

  it("carries the currency, the price table's date and the resolved assumptions", () => {
    const estimate = estimateCost(layeredPlan(), { natGbPerMonth: { default: 0 } });
    expect(estimate.currency).to.equal("USD");
    expect(estimate.asOf).to.match(/^\d{4}-\d{2}-\d{2}$/);
    expect(estimate.assumptions.natGbPerMonth.default).to.equal(0);
    expect(estimate.assumptions.lambda.averageDurationMs.default).to.equal(1000);
  });

  it("validates assumptions, naming the key", () => {
    expect(() => estimateCost(layeredPlan(), { albLcu: { default: -1 } })).to.throw(
      "albLcu.default",
    );
    expect(() => estimateCost(layeredPlan(), { xraySampledFraction: 2 })).to.throw(
      "xraySampledFraction",
    );
  });

  it("documents its defaults in one object", () => {
    expect(usageAssumptionsSchema.parse({})).to.deep.equal(DEFAULT_ASSUMPTIONS);
    expect(DEFAULT_ASSUMPTIONS.apiRequestsPerMonth).to.deep.equal({ default: 100_000, byName: {} });
  });

  it("prints totals, workloads, the top items with how they were computed, and unpriced types", () => {
    const text = formatCost(estimateCost(layeredPlan()));
    expect(text).to.match(/^Monthly cost estimate: \$\d+\.\d\d \(USD list prices as of /);
    expect(text).to.include("by region:   us-east-1");
    expect(text).to.match(/by workload: net \$33\.30, app \$13\.98/);
    expect(text).to.include("NatGateway nat (us-east-1, net)");
    expect(text).to.include("db.t4g.micro single-AZ × 730 h: $0.016/instance-hour = $11.68");
    expect(text).to.include("Unpriced resource types: aws:imaginary/thing:Thing");
  });

  it("applies no free tier to any service, and says so under the estimate", () => {
    // Usage far inside every always-free tier (Lambda, CloudWatch, X-Ray, Scheduler, Cognito,
    // DynamoDB, KMS): each still bills from its first unit.
    const plan = planOf([
      {
        type: "aws:lambda/function:Function",
        name: "fn",
        inputs: { memorySize: 128, architectures: ["arm64"], tracingConfig: { mode: "Active" } },
      },
      {
        type: "aws:scheduler/schedule:Schedule",
        name: "hourly",
        inputs: { scheduleExpression: "rate(1 hour)" },
        deps: { target: ["fn"] },
      },
      { type: "aws:cloudwatch/metricAlarm:MetricAlarm", name: "alarm", inputs: { period: 60 } },
      { type: "aws:cloudwatch/logGroup:LogGroup", name: "logs", inputs: { retentionInDays: 7 } },
      { type: "aws:cognito/userPool:UserPool", name: "users" },
      {
        type: "aws:dynamodb/table:Table",
        name: "table",
        inputs: { billingMode: "PAY_PER_REQUEST" },
      },
      { type: "aws:kms/key:Key", name: "key" },
    ]);
    const estimate = estimateCost(plan);
    const charges = estimate.items.flatMap((i) => i.charges);
    expect(new Set(charges.map((c) => c.item.split(".")[0]))).to.include.members([
      "lambda",
      "scheduler",
      "xray",
      "cloudwatch",
      "logs",
      "cognito",
      "dynamodb",
      "kms",
    ]);
    for (const c of charges) {
      expect(c.quantity, c.item).to.be.greaterThan(0);
      expect(c.monthly, c.item).to.be.closeTo(c.quantity * c.price, 1e-12);
    }
    expect(formatCost(estimate).split("\n")[1]).to.equal(`  ${NO_FREE_TIER}`);
  });

  it("says so in these words", () => {
    expect(NO_FREE_TIER).to.equal(
      "No free tier applied: AWS grants them per account, and the stacks share one.",
    );
  });

  it("formats amounts, keeping sub-cent ones visible", () => {
    expect(usd(1234.5)).to.equal("$1,234.50");
    expect(usd(0)).to.equal("$0.00");
    expect(usd(0.0017)).to.equal("$0.0017");
  });
});

describe("cost: the estimate's secondary paths", () => {
  /** A price table of the given items (USD, us-east-1 only). */
  const table = (rows: [string, number, boolean?][]) =>
    parsePrices({
      asOf: "2026-01-01",
      currency: "USD",
      hoursPerMonth: 730,
      regions: ["us-east-1"],
      sources: ["test"],
      items: Object.fromEntries(rows.map(([item]) => [item, { unit: "unit", description: item }])),
      prices: rows.map(([item, price, notConfirmed]) => ({
        item,
        region: "us-east-1",
        price,
        confidence: notConfirmed ? "low" : "high",
        ...(notConfirmed ? { notConfirmed } : {}),
      })),
    });
  const nat = (name: string): Spec => ({ type: "aws:ec2/natGateway:NatGateway", name });

  it("warns once for each price the table lacks, and prices the rest", () => {
    const estimate = estimateCost(
      planOf([nat("a"), nat("b")]),
      undefined,
      table([["nat.hour", 0.01]]),
    );
    expect(estimate.warnings).to.deep.equal([
      "no price for nat.gb in us-east-1 (aws:ec2/natGateway:NatGateway a)",
      "no price for nat.gb in us-east-1 (aws:ec2/natGateway:NatGateway b)",
    ]);
    expect(estimate.items.map((i) => [i.name, i.monthly, i.detail])).to.deep.equal([
      ["a", 7.3, "NAT gateway × 730 h: $0.01/unit = $7.30"],
      ["b", 7.3, "NAT gateway × 730 h: $0.01/unit = $7.30"],
    ]);
    expect(estimate.total).to.be.closeTo(14.6, 1e-9);
    expect(estimate.byRegion).to.deep.equal({ "us-east-1": estimate.total });
    expect(estimate.hoursPerMonth).to.equal(730);
    expect(estimate.asOf).to.equal("2026-01-01");
  });

  it("bills a resource with no region in `unknown`, where no price is found", () => {
    const plan = edit(planOf([nat("a")]), (r) => (r.name === "a" ? { ...r, region: null } : r));
    const estimate = estimateCost(plan, undefined, table([["nat.hour", 0.01]]));
    expect(estimate.warnings).to.include(
      "no price for nat.hour in unknown (aws:ec2/natGateway:NatGateway a)",
    );
    expect(estimate.items).to.deep.equal([]);
  });

  describe("Fargate Spot, at prices of its own", () => {
    const plan = planOf([
      {
        type: "aws:ecs/taskDefinition:TaskDefinition",
        name: "task",
        inputs: { cpu: "1024", memory: "1024", requiresCompatibilities: ["FARGATE"] },
      },
      {
        type: "aws:ecs/service:Service",
        name: "svc",
        inputs: {
          desiredCount: 1,
          capacityProviderStrategies: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }],
        },
        deps: { taskDefinition: ["task"] },
      },
    ]);
    const onDemand: [string, number, boolean?][] = [
      ["fargate.x86.vcpu-hour", 0.1],
      ["fargate.x86.gb-hour", 0.01],
    ];

    it("bills the Spot items, marking the item when a Spot price is not confirmed", () => {
      const estimate = estimateCost(
        plan,
        undefined,
        table([
          ...onDemand,
          ["fargate-spot.x86.vcpu-hour", 0.025, true],
          ["fargate-spot.x86.gb-hour", 0.0025],
        ]),
      );
      const svc = estimate.items.find((i) => i.name === "svc")!;
      expect(svc.charges.map((c) => [c.item, c.price, c.notConfirmed])).to.deep.equal([
        ["fargate-spot.x86.vcpu-hour", 0.025, true],
        ["fargate-spot.x86.gb-hour", 0.0025, false],
      ]);
      expect(svc.monthly).to.be.closeTo(730 * 0.0275, 1e-9);
      expect(svc.notConfirmed).to.equal(true);
      expect(svc.detail).to.equal(
        "Fargate Spot 1 vCPU x86 × 1 task × 730 h: $0.025/unit = $18.25 [price not confirmed] + " +
          "Fargate Spot 1 GB × 1 task × 730 h: $0.0025/unit = $1.83",
      );
    });

    it("confirmed Spot prices leave the item confirmed", () => {
      const estimate = estimateCost(
        plan,
        undefined,
        table([
          ...onDemand,
          ["fargate-spot.x86.vcpu-hour", 0.025],
          ["fargate-spot.x86.gb-hour", 0.0025],
        ]),
      );
      expect(estimate.items.find((i) => i.name === "svc")?.notConfirmed).to.equal(false);
    });

    it("without Spot prices: a warning per item, never the on-demand price", () => {
      const estimate = estimateCost(plan, undefined, table(onDemand));
      expect(estimate.warnings).to.deep.equal([
        "no price for fargate-spot.x86.vcpu-hour in us-east-1 (aws:ecs/service:Service svc)",
        "no price for fargate-spot.x86.gb-hour in us-east-1 (aws:ecs/service:Service svc)",
      ]);
      expect(estimate.items.find((i) => i.name === "svc")).to.equal(undefined);
    });
  });

  it("marks an item not confirmed only when an unconfirmed price costs something", () => {
    const prices = table([
      ["nat.hour", 0.01],
      ["nat.gb", 0.05, true],
    ]);
    const billed = estimateCost(planOf([nat("a")]), undefined, prices).items[0]!;
    expect(billed.notConfirmed).to.equal(true);
    expect(billed.charges.map((c) => c.notConfirmed)).to.deep.equal([false, true]);
    const free = estimateCost(planOf([nat("a")]), { natGbPerMonth: { default: 0 } }, prices);
    expect(free.items[0]!.notConfirmed).to.equal(false);
  });

  it("sorts items by cost, then by name", () => {
    const estimate = estimateCost(
      planOf([nat("b"), nat("c"), nat("a")]),
      { natGbPerMonth: { byName: { c: 100 } } },
      table([
        ["nat.hour", 0.01],
        ["nat.gb", 0.01],
      ]),
    );
    expect(estimate.items.map((i) => i.name)).to.deep.equal(["c", "a", "b"]);
  });

  it("prints the top items only, the unconfirmed share and the warnings", () => {
    const estimate = estimateCost(
      planOf([nat("a"), nat("b"), nat("c")]),
      { natGbPerMonth: { byName: { b: 100 } } },
      table([
        ["nat.hour", 0.01],
        ["nat.gb", 0.01, true],
      ]),
    );
    const text = formatCost({ ...estimate, warnings: ["first", "second"] }, 2);
    expect(text.split("\n")).to.deep.equal([
      "Monthly cost estimate: $23.10 (USD list prices as of 2026-01-01, 730 h a month, usage from assumptions)",
      `  ${NO_FREE_TIER}`,
      "  by region:   us-east-1 $23.10",
      "  by workload: stack $23.10",
      "",
      "Top 2 items:",
      "       $8.30  NatGateway b (us-east-1, stack) *",
      "              NAT gateway × 730 h: $0.01/unit = $7.30 + 100 GB processed (assumed): $0.01/unit = $1.00 [price not confirmed]",
      "       $7.40  NatGateway a (us-east-1, stack) *",
      "              NAT gateway × 730 h: $0.01/unit = $7.30 + 10 GB processed (assumed): $0.01/unit = $0.10 [price not confirmed]",
      "",
      "* uses a price marked not confirmed: 3 item(s), $23.10 in all",
      "",
      "Unpriced resource types: none",
      "Warnings:",
      "  - first",
      "  - second",
    ]);
  });

  it("prints ten items by default, and no unconfirmed line when every price is confirmed", () => {
    const plan = planOf(
      Array.from({ length: 12 }, (_, i) => nat(`n${String(i).padStart(2, "0")}`)),
    );
    const text = formatCost(
      estimateCost(
        plan,
        undefined,
        table([
          ["nat.hour", 0.01],
          ["nat.gb", 0.01],
        ]),
      ),
    );
    expect(text).to.include("Top 10 items:");
    expect(text).to.include("NatGateway n09 ");
    expect(text).to.not.include("NatGateway n10 ");
    expect(text).to.not.include("not confirmed");
    expect(text).to.not.include("Warnings:");
  });

  it("carries the warnings of the usage it derives", () => {
    const plan = planOf([
      { type: "aws:lambda/function:Function", name: "fn", inputs: { memorySize: 128 } },
      {
        type: "aws:scheduler/schedule:Schedule",
        name: "bad",
        inputs: { scheduleExpression: "sometimes" },
        deps: { target: ["fn"] },
      },
    ]);
    expect(estimateCost(plan).warnings).to.deep.equal([
      'aws:scheduler/schedule:Schedule bad: cannot read the schedule expression "sometimes"; counted as 0 fires',
    ]);
  });

  it("warns about a resource whose inputs its cost function cannot read, and prices the rest", () => {
    const estimate = estimateCost(
      planOf([
        nat("a"),
        { type: "aws:secretsmanager/secret:Secret", name: "s", inputs: { replicas: [null] } },
      ]),
      undefined,
      table([
        ["nat.hour", 0.01],
        ["nat.gb", 0.01],
        ["secretsmanager.secret-month", 0.4],
      ]),
    );
    expect(estimate.warnings).to.have.length(1);
    expect(estimate.warnings[0]).to.match(/^aws:secretsmanager\/secret:Secret s: \S/);
    expect(estimate.items.map((i) => i.name)).to.deep.equal(["a"]);
  });

  it("lists the unpriced types once each, sorted", () => {
    const estimate = estimateCost(
      planOf([
        { type: "aws:zebra/thing:Thing", name: "z" },
        { type: "aws:apple/thing:Thing", name: "a" },
        { type: "aws:zebra/thing:Thing", name: "z2" },
      ]),
    );
    expect(estimate.unpriced).to.deep.equal(["aws:apple/thing:Thing", "aws:zebra/thing:Thing"]);
    expect(formatCost(estimate)).to.include(
      "Unpriced resource types: aws:apple/thing:Thing, aws:zebra/thing:Thing",
    );
  });

  it("prints regions and workloads by cost, then by name, and unmarked confirmed items", () => {
    const estimate = estimateCost(
      planOf([nat("a")]),
      { natGbPerMonth: { default: 0 } },
      table([
        ["nat.hour", 0.01],
        ["nat.gb", 0.01],
      ]),
    );
    const text = formatCost({
      ...estimate,
      byRegion: { "us-west-2": 1, "us-east-1": 3, "eu-west-1": 2, "eu-central-1": 2 },
      byWorkload: { small: 0.5, big: 4, mid: 2.5 },
    });
    expect(text.split("\n").slice(2, 8)).to.deep.equal([
      "  by region:   us-east-1 $3.00, eu-central-1 $2.00, eu-west-1 $2.00, us-west-2 $1.00",
      "  by workload: big $4.00, mid $2.50, small $0.50",
      "",
      "Top 1 items:",
      "       $7.30  NatGateway a (us-east-1, stack)",
      "              NAT gateway × 730 h: $0.01/unit = $7.30 + 0 GB processed (assumed): $0.01/unit = $0.00",
    ]);
  });

  describe("the stack's cost:assumptions", () => {
    function project(stackConfig: string): string {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cost-assumptions-"));
      fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: platform\nruntime: nodejs\n");
      fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), `config:\n${stackConfig}`);
      return dir;
    }

    it("names the stack file and each bad key in full, joined by semicolons", () => {
      const dir = project(
        "  cost:assumptions:\n" +
          "    apiRequestsPerMonth:\n      default: -1\n" +
          "    lambda:\n      invocationsPerMonth:\n        byName:\n          f: -2\n",
      );
      try {
        expect(() => stackCostAssumptions(dir, "dev"))
          .to.throw(StackFileError)
          .with.property("message")
          .that.matches(
            /^Pulumi\.dev\.yaml: cost:assumptions\.apiRequestsPerMonth\.default: [^;]+; cost:assumptions\.lambda\.invocationsPerMonth\.byName\.f: [^;]+$/,
          );
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it("formats amounts: two decimals from a cent, two significant digits under it, either sign", () => {
    expect(usd(0.01)).to.equal("$0.01");
    expect(usd(0.00999)).to.equal("$0.010");
    expect(usd(-0.0017)).to.equal("$-0.0017");
    expect(usd(-12.5)).to.equal("$-12.50");
    expect(usd(1234567.891)).to.equal("$1,234,567.89");
  });
});

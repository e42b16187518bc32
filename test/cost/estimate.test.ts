/** The estimate as a whole: workloads, sums, unpriced types, assumptions and the printed report. */
import { expect } from "chai";
import {
  COST_FUNCTIONS,
  DEFAULT_ASSUMPTIONS,
  estimateCost,
  formatCost,
  FREE_TYPES,
  NO_FREE_TIER,
  usageAssumptionsSchema,
  usd,
} from "../../engine/cost";
import { edit, planOf } from "../helpers/plan-builder";

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

  it("formats amounts, keeping sub-cent ones visible", () => {
    expect(usd(1234.5)).to.equal("$1,234.50");
    expect(usd(0)).to.equal("$0.00");
    expect(usd(0.0017)).to.equal("$0.0017");
  });
});

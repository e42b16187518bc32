/**
 * The estimate of the real dev and prod plans (`npm run plan -- --json` in a child process: Pulumi's
 * runtime state is global), and the comparisons docs/cost.md makes with the old systems' figures.
 */
import { expect } from "chai";
import type { Plan } from "../../engine/engine";
import { estimateCost, formatCost, type CostEstimate } from "../../engine/cost";
import { edit } from "../helpers/plan-builder";
import { cachedPlan } from "../helpers/plan-cli";

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

// One plan per stack for the whole test run: planning takes seconds.
async function planOfStack(stack: string): Promise<Plan> {
  const run = await cachedPlan(stack);
  expect(run.code, run.stderr).to.equal(0);
  return run.plan!;
}

for (const stack of ["dev", "prod"] as const) {
  describe(`cost: the ${stack} stack`, () => {
    let plan: Plan;
    let estimate: CostEstimate;

    before(async () => {
      plan = await planOfStack(stack);
      estimate = estimateCost(plan);
    });

    it("prices every resource type of the program, with every price it needs", () => {
      expect(estimate.unpriced).to.deep.equal([]);
      expect(estimate.warnings).to.deep.equal([]);
      expect(formatCost(estimate)).to.include("Unpriced resource types: none");
    });

    it("is the sum of its parts: items, regions, workloads", () => {
      expect(sum(estimate.items.map((i) => i.monthly))).to.be.closeTo(estimate.total, 1e-9);
      expect(sum(Object.values(estimate.byRegion))).to.be.closeTo(estimate.total, 1e-9);
      expect(sum(Object.values(estimate.byWorkload))).to.be.closeTo(estimate.total, 1e-9);
      expect(Object.keys(estimate.byRegion).sort()).to.deep.equal(["eu-central-1", "us-east-1"]);
      expect(Object.keys(estimate.byWorkload).sort()).to.deep.equal([
        "alpha-kite",
        "arbees",
        "finance-api",
        "fred-jobs",
        "home",
        // prod's access log bucket (platform:accessLogs), a component of its own.
        ...(stack === "prod" ? ["home-access-logs"] : []),
        "peering",
        "quickbets",
        "remote",
        // dev's shared PostgreSQL instance (platform:sharedDatabase), a component of its own.
        ...(stack === "dev" ? ["shared-db"] : []),
      ]);
    });

    it("moves by exactly the price difference × 730 when an RDS instance class changes", () => {
      const multiAz = stack === "prod";
      const isDb = (r: Plan["resources"][number]) =>
        r.type === "aws:rds/instance:Instance" &&
        r.name === (stack === "prod" ? "arbees-db" : "shared-db");
      const from = String(plan.resources.find(isDb)!.inputs.instanceClass);
      const to = "db.t4g.medium";
      const hourly: Record<string, [number, number]> = {
        "db.t4g.micro": [0.016, 0.032],
        "db.t4g.small": [0.032, 0.065],
        "db.t4g.medium": [0.065, 0.129],
      };
      const price = (cls: string) => hourly[cls]![multiAz ? 1 : 0];
      const changed = edit(plan, (r) =>
        isDb(r) ? { ...r, inputs: { ...r.inputs, instanceClass: to } } : r,
      );
      const delta = estimateCost(changed).total - estimate.total;
      expect(delta).to.be.closeTo((price(to) - price(from)) * 730, 1e-9);
    });

    it("counts the streamer's runs from its three schedules: 391 a weekday", () => {
      const fn = estimate.items.find((i) => i.name === "alpha-kite-streamer-fn")!;
      expect(fn.detail).to.match(/^8,504\.25 invocations \(alpha-kite-streamer-open 652\.5 \+/);
    });
  });
}

describe("cost: the streamer against the old system's published $0.50–0.70", () => {
  let estimate: CostEstimate;

  before(async () => {
    // The old guide's usage: 390 runs a trading day, 22 days: 8,580 a month (the function's
    // 256 MB comes from the plan, the 1 s average duration from the default assumption).
    estimate = estimateCost(await planOfStack("dev"), {
      lambda: { invocationsPerMonth: { byName: { "alpha-kite-streamer-fn": 8580 } } },
    });
  });

  it("lands the part the old system had (Lambda, one secret, logs) in the published range", () => {
    const items = estimate.items.filter((i) => i.workload === "alpha-kite");
    const fn = items.find((i) => i.name === "alpha-kite-streamer-fn")!;
    // Only the old system's parts of the function: requests and duration, not metrics or traces.
    const lambda = sum(
      fn.charges.filter((c) => c.item.startsWith("lambda.")).map((c) => c.monthly),
    );
    const secret = items.find((i) => i.name === "alpha-kite-schwab-token")!.monthly;
    const logs = items.find((i) => i.name === "alpha-kite-streamer-logs")!.monthly;
    const comparable = lambda + secret + logs;
    expect(comparable).to.be.within(0.5, 0.7);
  });

  it("costs more in full: two more secrets, six alarms, EMF metrics and traces", () => {
    const full = estimate.byWorkload["alpha-kite"]!;
    expect(full).to.be.within(3, 4);
    expect(
      estimate.items.filter((i) => i.workload === "alpha-kite" && i.type.endsWith("MetricAlarm")),
    ).to.have.length(6);
  });
});

/** Queries over a planned stack that the whole-program tests share. */
import { expect } from "chai";
import type { Plan, PlannedResource } from "../../engine/engine";
import { cachedPlan, type PlanRun } from "./plan-cli";

export const ofType = (p: Plan, type: string): PlannedResource[] =>
  p.resources.filter((r) => r.type === type);

export const byId = (p: Plan, id: unknown): PlannedResource | undefined =>
  p.resources.find((r) => r.id === id);

/** Whether a resource's direct parent is the component named `component`. */
export const child =
  (p: Plan, component: string) =>
  (r: PlannedResource): boolean =>
    r.parent !== null && p.resources.find((c) => c.urn === r.parent)?.name === component;

/** What each stack file sets that the tests check against. */
export const expected = {
  dev: {
    // natStrategy instance in both regions: no NAT gateway.
    nat: { home: { gateways: 0, instances: 1 }, remote: { gateways: 0, instances: 1 } },
    azs: 2,
    home: "10.10.0.0/16",
    remote: "10.20.0.0/16",
    retention: 14,
  },
  prod: {
    // perAz at home, single in the remote region (regions.remote.natStrategy).
    nat: { home: { gateways: 3, instances: 0 }, remote: { gateways: 1, instances: 0 } },
    azs: 3,
    home: "10.110.0.0/16",
    remote: "10.120.0.0/16",
    retention: 90,
  },
};

/** A stack planned once per test process (cachedPlan), filled in by the suite's `before`. */
export interface PlannedStack {
  readonly stack: "dev" | "prod";
  readonly want: (typeof expected)["dev"];
  result: PlanRun;
  p: Plan;
}

/**
 * One suite per stack over its offline plan: `title` names the suite, `body` declares its tests,
 * reading `s.p` and `s.result` inside them (they are set before the first test runs).
 */
export function describeEachStack(
  title: (stack: "dev" | "prod") => string,
  body: (s: PlannedStack) => void,
): void {
  for (const stack of ["dev", "prod"] as const) {
    describe(title(stack), () => {
      const s = { stack, want: expected[stack] } as PlannedStack;
      before(async () => {
        s.result = await cachedPlan(stack);
        expect(s.result.code, s.result.stderr).to.equal(0);
        s.p = s.result.plan!;
      });
      body(s);
    });
  }
}

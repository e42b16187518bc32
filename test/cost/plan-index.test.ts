/** The plan lookups cost functions share: inputs read loosely, dependencies and workloads. */
import { expect } from "chai";
import { num, obj, PlanIndex, STACK_TYPE } from "../../engine/cost/plan-index";
import type { Plan, PlannedResource } from "../../engine/engine";
import { planOf } from "../helpers/plan-builder";

describe("cost: plan lookups", () => {
  describe("num: a number input, or a number the engine sees as a string", () => {
    const cases: [unknown, number | undefined][] = [
      [512, 512],
      [0, 0],
      ["1024", 1024],
      [" 0.5 ", 0.5],
      ["", undefined],
      ["   ", undefined],
      ["lots", undefined],
      [null, undefined],
      [undefined, undefined],
      [true, undefined],
      [[2], undefined],
      [Infinity, undefined],
      [NaN, undefined],
    ];
    for (const [input, expected] of cases) {
      it(`${typeof input === "number" ? input : (JSON.stringify(input) ?? "undefined")} → ${expected}`, () =>
        expect(num(input)).to.equal(expected));
    }
  });

  describe("obj: an object input, or an empty one", () => {
    const cases: [string, unknown, Record<string, unknown>][] = [
      ["an object", { mode: "Active" }, { mode: "Active" }],
      ["null", null, {}],
      ["undefined", undefined, {}],
      ["a list", [{ mode: "Active" }], {}],
      ["a string", "Active", {}],
    ];
    for (const [title, input, expected] of cases) {
      it(title, () => expect(obj(input)).to.deep.equal(expected));
    }
  });

  describe("dependencies through one property", () => {
    const plan = planOf([
      { type: "aws:sqs/queue:Queue", name: "q" },
      { type: "aws:iam/role:Role", name: "role" },
      {
        type: "aws:lambda/function:Function",
        name: "f",
        deps: { role: ["role"], environment: ["q", "q"] },
      },
    ]);
    const index = new PlanIndex(plan);
    const named = (name: string) => plan.resources.find((r) => r.name === name)!;
    const names = (rs: PlannedResource[]) => rs.map((r) => r.name);

    it("what a property came from, once each, optionally of one type", () => {
      expect(names(index.dependsOn(named("f"), "environment"))).to.deep.equal(["q"]);
      expect(names(index.dependsOn(named("f")))).to.deep.equal(["role", "q"]);
      expect(names(index.dependsOn(named("f"), "role", "aws:sqs/queue:Queue"))).to.deep.equal([]);
      expect(names(index.dependsOn(named("f"), "layers"))).to.deep.equal([]);
    });

    it("what came from a resource, through a property or any", () => {
      const fn = "aws:lambda/function:Function";
      expect(names(index.dependents(named("role"), fn, "role"))).to.deep.equal(["f"]);
      expect(names(index.dependents(named("role"), fn))).to.deep.equal(["f"]);
      expect(names(index.dependents(named("role"), fn, "environment"))).to.deep.equal([]);
      expect(names(index.dependents(named("role"), fn, "layers"))).to.deep.equal([]);
    });
  });

  describe("workloads: the stack's child a resource descends from", () => {
    /** The stack, then `depth` components each the parent of the next, then a resource `r`. */
    function chain(depth: number): Plan {
      const base = planOf([]);
      const urn = (name: string) => `urn:pulumi:test::platform::x::${name}`;
      const resource = (name: string, parent: string | null, type = "platform:x:X") => ({
        ...base.resources[0]!,
        urn: urn(name),
        type,
        name,
        parent: parent === null ? null : urn(parent),
      });
      const resources = [resource("stack", null, STACK_TYPE)];
      for (let i = 0; i < depth; i++)
        resources.push(resource(`c${i}`, i === 0 ? "stack" : `c${i - 1}`));
      resources.push(resource("r", depth === 0 ? "stack" : `c${depth - 1}`));
      return { ...base, resources };
    }
    const workload = (plan: Plan) =>
      new PlanIndex(plan).workloadOf(plan.resources.find((r) => r.name === "r")!);

    it("a resource on the stack itself is its own workload", () => {
      expect(workload(chain(0))).to.equal("r");
    });
    it("under one component: that component", () => {
      expect(workload(chain(1))).to.equal("c0");
    });
    it("63 levels of components down: the top one", () => {
      expect(workload(chain(63))).to.equal("c0");
    });
    it("64 levels or more: the search gives up (a guard against cycles), calling it stack", () => {
      expect(workload(chain(64))).to.equal("stack");
      expect(workload(chain(100))).to.equal("stack");
    });
    it("a resource with no parent, or a parent outside the plan: stack", () => {
      const plan = chain(1);
      const orphan = edit(plan, "r", "urn:pulumi:test::platform::x::elsewhere");
      expect(workload(orphan)).to.equal("stack");
      expect(workload(edit(plan, "r", null))).to.equal("stack");
    });
    it("a cycle of parents ends as stack", () => {
      const plan = edit(chain(2), "c0", "urn:pulumi:test::platform::x::c1");
      expect(workload(plan)).to.equal("stack");
    });

    function edit(plan: Plan, name: string, parent: string | null): Plan {
      return {
        ...plan,
        resources: plan.resources.map((r) => (r.name === name ? { ...r, parent } : r)),
      };
    }
  });
});

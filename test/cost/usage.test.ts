/**
 * Usage derived from the plan before any assumption: each function's invocations (from its schedules,
 * its scheduled rules and the APIs in front of it), where the count comes from, and what is traced.
 */
import { expect } from "chai";
import { resolveAssumptions, type UsageAssumptionsInput } from "../../engine/cost/assumptions";
import { PlanIndex } from "../../engine/cost/plan-index";
import { deriveUsage, readsSecret, type Invocations } from "../../engine/cost/usage";
import { planOf, type Spec } from "../helpers/plan-builder";

const fn = (name: string, deps?: Record<string, string[]>): Spec => ({
  type: "aws:lambda/function:Function",
  name,
  inputs: { memorySize: 128 },
  ...(deps ? { deps } : {}),
});
const schedule = (
  name: string,
  scheduleExpression: string,
  target: string,
  inputs: Record<string, unknown> = {},
): Spec => ({
  type: "aws:scheduler/schedule:Schedule",
  name,
  inputs: { scheduleExpression, ...inputs },
  deps: { target: [target] },
});
const rule = (name: string, inputs: Record<string, unknown>): Spec => ({
  type: "aws:cloudwatch/eventRule:EventRule",
  name,
  inputs,
});
const ruleTarget = (rule: string, target: string): Spec => ({
  type: "aws:cloudwatch/eventTarget:EventTarget",
  name: `${rule}-${target}`,
  deps: { rule: [rule], arn: [target] },
});
const restApi = (name: string): Spec => ({ type: "aws:apigateway/restApi:RestApi", name });
const restIntegration = (api: string, target: string): Spec => ({
  type: "aws:apigateway/integration:Integration",
  name: `${api}-${target}`,
  inputs: { type: "AWS_PROXY" },
  deps: { restApi: [api], uri: [target] },
});
const restStage = (api: string, name: string, xrayTracingEnabled: boolean): Spec => ({
  type: "aws:apigateway/stage:Stage",
  name: `${api}-${name}`,
  inputs: { xrayTracingEnabled },
  deps: { restApi: [api] },
});
const httpApi = (name: string, protocolType = "HTTP"): Spec => ({
  type: "aws:apigatewayv2/api:Api",
  name,
  inputs: { protocolType },
});
const httpIntegration = (api: string, target: string): Spec => ({
  type: "aws:apigatewayv2/integration:Integration",
  name: `${api}-${target}`,
  deps: { apiId: [api], integrationUri: [target] },
});
const httpStage = (api: string, name: string, xrayTracingEnabled: boolean): Spec => ({
  type: "aws:apigatewayv2/stage:Stage",
  name: `${api}-${name}`,
  inputs: { xrayTracingEnabled },
  deps: { apiId: [api] },
});

/** deriveUsage on a plan of `specs`, its maps keyed by resource name. */
function derive(specs: Spec[], assumptions?: UsageAssumptionsInput) {
  const plan = planOf(specs);
  const usage = deriveUsage(new PlanIndex(plan), resolveAssumptions(assumptions));
  const nameOf = (urn: string) => plan.resources.find((r) => r.urn === urn)!.name;
  const byName = <T>(m: Map<string, T>) =>
    Object.fromEntries([...m].map(([urn, v]) => [nameOf(urn), v]));
  return {
    invocations: byName(usage.invocations),
    fires: Object.fromEntries([...usage.fires].map(([urn, f]) => [nameOf(urn), f.perMonth])),
    apiRequests: byName(usage.apiRequests),
    warnings: usage.warnings,
  };
}

const runs = (perMonth: number, from: string, viaTracedApi = 0): Invocations => ({
  perMonth,
  from,
  viaTracedApi,
});

describe("cost: usage derived from the plan", () => {
  describe("each function's invocations", () => {
    const cases: [
      string,
      Spec[],
      UsageAssumptionsInput | undefined,
      Record<string, Invocations>,
    ][] = [
      ["nothing invokes it: the default", [fn("f")], undefined, { f: runs(1000, "default") }],
      [
        "its schedules: their fires, each named with its count rounded to the cent",
        [
          fn("f"),
          schedule("every-7m", "rate(7 minutes)", "f"),
          schedule("once", "at(2026-12-01T09:00:00)", "f"),
        ],
        undefined,
        { f: runs((730 * 60) / 7 + 1, "every-7m 6257.14 + once 1") },
      ],
      [
        "a disabled schedule does not run it",
        [fn("f"), schedule("off", "rate(1 hour)", "f", { state: "DISABLED" })],
        undefined,
        { f: runs(1000, "default") },
      ],
      [
        "an enabled schedule does",
        [fn("f"), schedule("on", "rate(1 hour)", "f", { state: "ENABLED" })],
        undefined,
        { f: runs(730, "on 730") },
      ],
      [
        "its scheduled EventBridge rules, through their targets",
        [
          fn("f"),
          rule("nightly", { scheduleExpression: "cron(0 3 * * ? *)" }),
          ruleTarget("nightly", "f"),
        ],
        undefined,
        { f: runs(730 / 24, "nightly 30.42") },
      ],
      [
        "not a disabled rule, nor one matching events",
        [
          fn("f"),
          rule("off", { scheduleExpression: "rate(1 hour)", state: "DISABLED" }),
          ruleTarget("off", "f"),
          rule("on-event", { eventPattern: '{"source":["aws.s3"]}' }),
          ruleTarget("on-event", "f"),
        ],
        undefined,
        { f: runs(1000, "default") },
      ],
      [
        "the one function behind an API: all its requests",
        [fn("f"), restApi("api"), restIntegration("api", "f")],
        undefined,
        { f: runs(100_000, "api requests") },
      ],
      [
        "two functions behind an API: half its requests each",
        [
          fn("a"),
          fn("b"),
          httpApi("http"),
          httpIntegration("http", "a"),
          httpIntegration("http", "b"),
        ],
        { apiRequestsPerMonth: { byName: { http: 3000 } } },
        { a: runs(1500, "http 1/2"), b: runs(1500, "http 1/2") },
      ],
      [
        "a WebSocket API: no requests assumed, so the default",
        [fn("f"), httpApi("ws", "WEBSOCKET"), httpIntegration("ws", "f")],
        undefined,
        { f: runs(1000, "default") },
      ],
      [
        "schedules and APIs add up, schedules first",
        [
          fn("f"),
          restApi("api"),
          restIntegration("api", "f"),
          schedule("hourly", "rate(1 hour)", "f"),
        ],
        undefined,
        { f: runs(730 + 100_000, "hourly 730 + api requests") },
      ],
      [
        "an assumed count replaces them all",
        [fn("f"), restApi("api"), restIntegration("api", "f"), schedule("h", "rate(1 hour)", "f")],
        { lambda: { invocationsPerMonth: { byName: { f: 5 } } } },
        { f: runs(5, "assumed") },
      ],
      [
        "an assumed count of a function nothing invokes",
        [fn("f")],
        { lambda: { invocationsPerMonth: { byName: { f: 5 } } } },
        { f: runs(5, "assumed") },
      ],
    ];
    for (const [title, specs, assumptions, expected] of cases) {
      it(title, () => {
        const usage = derive(specs, assumptions);
        expect(usage.invocations).to.deep.equal(expected);
        expect(usage.warnings).to.deep.equal([]);
      });
    }
  });

  describe("requests through a stage that traces with X-Ray", () => {
    const cases: [
      string,
      Spec[],
      UsageAssumptionsInput | undefined,
      Record<string, Invocations>,
    ][] = [
      [
        "an API without stages traces nothing",
        [fn("f"), restApi("api"), restIntegration("api", "f")],
        undefined,
        { f: runs(100_000, "api requests", 0) },
      ],
      [
        "an API of untraced stages traces nothing",
        [fn("f"), restApi("api"), restIntegration("api", "f"), restStage("api", "v1", false)],
        undefined,
        { f: runs(100_000, "api requests", 0) },
      ],
      [
        "one traced stage of two traces every function's share",
        [
          fn("a"),
          fn("b"),
          httpApi("http"),
          httpIntegration("http", "a"),
          httpIntegration("http", "b"),
          httpStage("http", "v1", false),
          httpStage("http", "v2", true),
        ],
        { apiRequestsPerMonth: { byName: { http: 3000 } } },
        { a: runs(1500, "http 1/2", 1500), b: runs(1500, "http 1/2", 1500) },
      ],
      [
        "an assumed count keeps the traced share of the derived one",
        [
          fn("f"),
          restApi("api"),
          restIntegration("api", "f"),
          restStage("api", "v1", true),
          schedule("hourly", "rate(1 hour)", "f"),
        ],
        {
          apiRequestsPerMonth: { byName: { api: 2190 } },
          lambda: { invocationsPerMonth: { byName: { f: 400 } } },
        },
        // 2,190 of 2,920 derived (730 + 2,190) came through the traced stage: three quarters.
        { f: runs(400, "assumed", 300) },
      ],
      [
        "an assumed count of a function behind no traced API: none traced",
        [fn("f"), schedule("hourly", "rate(1 hour)", "f")],
        { lambda: { invocationsPerMonth: { byName: { f: 400 } } } },
        { f: runs(400, "assumed", 0) },
      ],
    ];
    for (const [title, specs, assumptions, expected] of cases) {
      it(title, () => expect(derive(specs, assumptions).invocations).to.deep.equal(expected));
    }
  });

  it("counts each schedule's and rule's fires, and each API's requests (no WebSocket API)", () => {
    const usage = derive([
      fn("f"),
      schedule("hourly", "rate(1 hour)", "f"),
      schedule("off", "rate(1 hour)", "f", { state: "DISABLED" }),
      rule("daily", { scheduleExpression: "rate(1 day)" }),
      rule("on-event", { eventPattern: "{}" }),
      restApi("rest"),
      httpApi("http"),
      httpApi("ws", "WEBSOCKET"),
    ]);
    expect(usage.fires).to.deep.equal({ hourly: 730, daily: 730 / 24 });
    expect(usage.apiRequests).to.deep.equal({ rest: 100_000, http: 100_000 });
  });

  it("warns about an expression it cannot read, and counts no fires", () => {
    const usage = derive([
      fn("f"),
      schedule("bad", "cron(nonsense)", "f"),
      rule("worse", { scheduleExpression: "every day" }),
      ruleTarget("worse", "f"),
    ]);
    expect(usage.warnings).to.deep.equal([
      'aws:scheduler/schedule:Schedule bad: cannot read the schedule expression "cron(nonsense)"; counted as 0 fires',
      'aws:cloudwatch/eventRule:EventRule worse: cannot read the schedule expression "every day"; counted as 0 fires',
    ]);
    expect(usage.fires).to.deep.equal({});
    expect(usage.invocations).to.deep.equal({ f: runs(1000, "default") });
  });

  describe("which functions read a secret", () => {
    const plan = planOf([
      { type: "aws:secretsmanager/secret:Secret", name: "s" },
      { type: "aws:dynamodb/table:Table", name: "t" },
      fn("alone", { environment: ["s"] }),
      fn("with-table", { environment: ["t", "s"] }),
      fn("table-only", { environment: ["t"] }),
      fn("role-only", { role: ["s"] }),
    ]);
    const index = new PlanIndex(plan);
    const named = (name: string) => plan.resources.find((r) => r.name === name)!;
    const cases: [string, boolean][] = [
      ["alone", true],
      ["with-table", true],
      ["table-only", false],
      ["role-only", false],
    ];
    for (const [name, reads] of cases) {
      it(`${name}: ${reads}`, () =>
        expect(readsSecret(index, named(name), named("s"))).to.equal(reads));
    }
  });
});

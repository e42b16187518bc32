/**
 * Usage derived from the plan itself before any assumption: how often each schedule fires, how many
 * requests reach each API, and from those how often each Lambda function runs.
 */
import type { PlannedResource } from "../engine";
import { valueFor, type UsageAssumptions } from "./assumptions";
import { list, obj, str, type PlanIndex } from "./plan-index";
import { firesPerMonth, type Fires } from "./schedule";

export const TYPE = {
  function: "aws:lambda/function:Function",
  schedule: "aws:scheduler/schedule:Schedule",
  eventRule: "aws:cloudwatch/eventRule:EventRule",
  eventTarget: "aws:cloudwatch/eventTarget:EventTarget",
  restApi: "aws:apigateway/restApi:RestApi",
  restIntegration: "aws:apigateway/integration:Integration",
  restStage: "aws:apigateway/stage:Stage",
  httpApi: "aws:apigatewayv2/api:Api",
  httpIntegration: "aws:apigatewayv2/integration:Integration",
  httpStage: "aws:apigatewayv2/stage:Stage",
} as const;

export interface Invocations {
  readonly perMonth: number;
  /** Where the count comes from, for the item's detail. */
  readonly from: string;
  /** Invocations that arrive through an API stage that traces with X-Ray (traced there). */
  readonly viaTracedApi: number;
}

export interface DerivedUsage {
  /** By schedule (or scheduled rule) URN. */
  readonly fires: Map<string, Fires>;
  /** By API URN. */
  readonly apiRequests: Map<string, number>;
  /** By function URN. */
  readonly invocations: Map<string, Invocations>;
  /** Inputs the estimate could not read. */
  readonly warnings: string[];
}

const round = (n: number) => Math.round(n * 100) / 100;

export function deriveUsage(index: PlanIndex, assumptions: UsageAssumptions): DerivedUsage {
  const warnings: string[] = [];
  const fires = new Map<string, Fires>();
  const scheduled = new Map<string, { count: number; sources: string[] }>();
  const fromApis = new Map<string, { count: number; traced: number; sources: string[] }>();
  const apiRequests = new Map<string, number>();

  const addScheduled = (fn: PlannedResource, count: number, source: string) => {
    const entry = scheduled.get(fn.urn) ?? { count: 0, sources: [] };
    entry.count += count;
    entry.sources.push(source);
    scheduled.set(fn.urn, entry);
  };
  const readFires = (r: PlannedResource, expression: string): Fires | undefined => {
    try {
      const f = firesPerMonth(expression);
      fires.set(r.urn, f);
      return f;
    } catch (err) {
      warnings.push(`${r.type} ${r.name}: ${(err as Error).message}; counted as 0 fires`);
      return undefined;
    }
  };

  for (const s of index.ofType(TYPE.schedule)) {
    if (str(s.inputs.state) === "DISABLED") continue;
    const f = readFires(s, str(s.inputs.scheduleExpression));
    if (!f) continue;
    for (const fn of index.dependsOn(s, "target", TYPE.function)) {
      addScheduled(fn, f.perMonth, `${s.name} ${round(f.perMonth)}`);
    }
  }
  // Scheduled EventBridge rules invoke their targets the same way.
  for (const rule of index.ofType(TYPE.eventRule)) {
    const expression = str(rule.inputs.scheduleExpression);
    if (!expression || str(rule.inputs.state) === "DISABLED") continue;
    const f = readFires(rule, expression);
    if (!f) continue;
    for (const target of index.dependents(rule, TYPE.eventTarget, "rule")) {
      for (const fn of index.dependsOn(target, "arn", TYPE.function)) {
        addScheduled(fn, f.perMonth, `${rule.name} ${round(f.perMonth)}`);
      }
    }
  }

  // REST and HTTP APIs: [api, its integrations' type, their property naming the API, the one
  // naming the function, its stages' type].
  const apis = [
    ...index
      .ofType(TYPE.restApi)
      .map((a) => [a, TYPE.restIntegration, "restApi", "uri", TYPE.restStage] as const),
    ...index
      .ofType(TYPE.httpApi)
      .filter((a) => str(a.inputs.protocolType) !== "WEBSOCKET")
      .map((a) => [a, TYPE.httpIntegration, "apiId", "integrationUri", TYPE.httpStage] as const),
  ];
  for (const [api, integrationType, apiProperty, uriProperty, stageType] of apis) {
    const requests = valueFor(assumptions.apiRequestsPerMonth, api.name);
    apiRequests.set(api.urn, requests);
    const functions = [
      ...new Map(
        index
          .dependents(api, integrationType, apiProperty)
          .flatMap((i) => index.dependsOn(i, uriProperty, TYPE.function))
          .map((fn) => [fn.urn, fn]),
      ).values(),
    ];
    const traced = index
      .dependents(api, stageType, apiProperty)
      .some((st) => st.inputs.xrayTracingEnabled === true);
    // Without per-route figures, an API's requests are shared evenly by the functions behind it.
    for (const fn of functions) {
      const share = requests / functions.length;
      const entry = fromApis.get(fn.urn) ?? { count: 0, traced: 0, sources: [] };
      entry.count += share;
      if (traced) entry.traced += share;
      entry.sources.push(
        functions.length > 1 ? `${api.name} 1/${functions.length}` : `${api.name} requests`,
      );
      fromApis.set(fn.urn, entry);
    }
  }

  const invocations = new Map<string, Invocations>();
  const a = assumptions.lambda.invocationsPerMonth;
  for (const fn of index.ofType(TYPE.function)) {
    const s = scheduled.get(fn.urn);
    const api = fromApis.get(fn.urn);
    const derived = (s?.count ?? 0) + (api?.count ?? 0);
    const sources = [...(s?.sources ?? []), ...(api?.sources ?? [])];
    const override = a.byName[fn.name];
    if (override !== undefined) {
      // An assumed count replaces the derived one; the API's share of it keeps its proportion.
      const tracedShare = derived > 0 ? (api?.traced ?? 0) / derived : 0;
      invocations.set(fn.urn, {
        perMonth: override,
        from: "assumed",
        viaTracedApi: override * tracedShare,
      });
    } else if (s || api) {
      invocations.set(fn.urn, {
        perMonth: derived,
        from: sources.join(" + "),
        viaTracedApi: api?.traced ?? 0,
      });
    } else {
      invocations.set(fn.urn, { perMonth: a.default, from: "default", viaTracedApi: 0 });
    }
  }
  return { fires, apiRequests, invocations, warnings };
}

/** Secret values of a function's environment that came from `secret` (its ARN). */
export const readsSecret = (index: PlanIndex, fn: PlannedResource, secret: PlannedResource) =>
  index.dependsOn(fn, "environment").some((d) => d.urn === secret.urn);

/** `true` when a Lambda function records X-Ray traces itself. */
export const tracesActively = (fn: PlannedResource) =>
  str(obj(fn.inputs.tracingConfig).mode) === "Active";

export const architectureOf = (fn: PlannedResource) =>
  list<string>(fn.inputs.architectures).includes("arm64") ? "arm64" : "x86";

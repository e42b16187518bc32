/**
 * The monthly cost of a plan at list prices: every priced resource's charges (from its real inputs
 * and the usage assumptions) times the price table, per item, region and workload. `estimateCost`
 * gives the estimate as data (tested); `formatCost` prints it for `npm run plan`.
 *
 * What is estimated: on-demand list prices, first tier only, 730 hours a month; no free tier of any
 * service (NO_FREE_TIER), no savings plans or reserved capacity, no data transfer but NAT, peering
 * and endpoint traffic.
 */
import type { Plan, PlannedResource } from "./engine";
import {
  COST_ASSUMPTIONS_KEY,
  resolveAssumptions,
  usageAssumptionsSchema,
  type UsageAssumptions,
  type UsageAssumptionsInput,
} from "./cost/assumptions";
import { PlanIndex } from "./cost/plan-index";
import { loadPrices, type Price, type PriceTable } from "./cost/prices";
import { COST_FUNCTIONS, FREE_TYPES, type Charge } from "./cost/rates";
import { deriveUsage } from "./cost/usage";
import { StackFileError, loadStackFiles } from "./stack-files";

export {
  COST_ASSUMPTIONS_KEY,
  DEFAULT_ASSUMPTIONS,
  usageAssumptionsSchema,
} from "./cost/assumptions";
export type { UsageAssumptions, UsageAssumptionsInput } from "./cost/assumptions";
export { COST_FUNCTIONS, FREE_TYPES } from "./cost/rates";
export { firesPerMonth } from "./cost/schedule";
export { loadPrices, parsePrices, PriceTable, PriceTableError } from "./cost/prices";

/**
 * The estimate's one rule for free tiers: none is applied, to any service. AWS grants them per
 * account and month, and dev and prod share one account (with whatever else runs there), so no
 * stack can claim them; without them, each resource's cost is what adding it adds to the bill, and
 * the stacks' estimates add up. Printed under every estimate.
 */
export const NO_FREE_TIER =
  "No free tier applied: AWS grants them per account, and the stacks share one.";

/** One charge of an item, priced. */
export interface PricedCharge {
  readonly item: string;
  readonly what: string;
  readonly quantity: number;
  readonly unit: string;
  /** Per unit. */
  readonly price: number;
  readonly monthly: number;
  readonly notConfirmed: boolean;
}

export interface CostItem {
  readonly urn: string;
  readonly name: string;
  readonly type: string;
  /** Where it bills: the resource's region, or a replica's. */
  readonly region: string;
  readonly workload: string;
  /** USD a month. */
  readonly monthly: number;
  /** How it was computed, charge by charge. */
  readonly detail: string;
  /** True when a price it uses is marked not confirmed. */
  readonly notConfirmed: boolean;
  readonly charges: PricedCharge[];
}

export interface CostEstimate {
  readonly currency: "USD";
  /** The price table's as-of date. */
  readonly asOf: string;
  readonly hoursPerMonth: number;
  readonly total: number;
  readonly byRegion: Record<string, number>;
  readonly byWorkload: Record<string, number>;
  /** Most expensive first; one per resource and region it bills in. */
  readonly items: CostItem[];
  /** Resource types with no cost function and not known to be free. */
  readonly unpriced: string[];
  /** Prices the table lacks and inputs the estimate could not read. */
  readonly warnings: string[];
  readonly assumptions: UsageAssumptions;
}

interface Pending {
  readonly resource: PlannedResource;
  readonly charge: Charge;
  readonly region: string;
  readonly price: Price;
}

export function estimateCost(
  plan: Plan,
  assumptionsInput?: UsageAssumptionsInput,
  prices: PriceTable = loadPrices(),
): CostEstimate {
  const assumptions = resolveAssumptions(assumptionsInput);
  const index = new PlanIndex(plan);
  const usage = deriveUsage(index, assumptions);
  const warnings = [...usage.warnings];
  const unpriced = new Set<string>();
  const pending: Pending[] = [];

  for (const resource of plan.resources) {
    if (!resource.custom || resource.type.startsWith("pulumi:")) continue;
    const costOf = COST_FUNCTIONS[resource.type];
    if (!costOf) {
      if (!(resource.type in FREE_TYPES)) unpriced.add(resource.type);
      continue;
    }
    let charges: Charge[];
    try {
      charges = costOf(resource, { index, assumptions, usage });
    } catch (err) {
      warnings.push(`${resource.type} ${resource.name}: ${(err as Error).message}`);
      continue;
    }
    for (const charge of charges) {
      const region = charge.region ?? resource.region ?? "unknown";
      const price = prices.get(charge.item, region);
      if (!price) {
        warnings.push(
          `no price for ${charge.item} in ${region} (${resource.type} ${resource.name})`,
        );
        continue;
      }
      pending.push({ resource, charge, region, price });
    }
  }

  const grouped = new Map<
    string,
    { resource: PlannedResource; region: string; charges: PricedCharge[] }
  >();
  for (const p of pending) {
    const key = `${p.resource.urn}@${p.region}`;
    const group = grouped.get(key) ?? { resource: p.resource, region: p.region, charges: [] };
    group.charges.push({
      item: p.charge.item,
      what: p.charge.what,
      quantity: p.charge.quantity,
      unit: p.price.unit,
      price: p.price.price,
      monthly: p.charge.quantity * p.price.price,
      notConfirmed: p.price.notConfirmed,
    });
    grouped.set(key, group);
  }

  const items = [...grouped.values()]
    .map(({ resource, region, charges }): CostItem => ({
      urn: resource.urn,
      name: resource.name,
      type: resource.type,
      region,
      workload: index.workloadOf(resource),
      monthly: charges.reduce((sum, c) => sum + c.monthly, 0),
      detail: charges.map(describeCharge).join(" + "),
      notConfirmed: charges.some((c) => c.notConfirmed && c.monthly > 0),
      charges,
    }))
    .sort((a, b) => b.monthly - a.monthly || a.name.localeCompare(b.name));

  const sumBy = (key: (i: CostItem) => string) => {
    const out: Record<string, number> = {};
    for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + i.monthly;
    return out;
  };
  return {
    currency: "USD",
    asOf: prices.asOf,
    hoursPerMonth: prices.hoursPerMonth,
    total: items.reduce((sum, i) => sum + i.monthly, 0),
    byRegion: sumBy((i) => i.region),
    byWorkload: sumBy((i) => i.workload),
    items,
    unpriced: [...unpriced].sort(),
    warnings: [...new Set(warnings)],
    assumptions,
  };
}

/** `$1,234.56`; amounts under a cent keep two significant digits so they do not read as free. */
export function usd(amount: number): string {
  if (amount !== 0 && Math.abs(amount) < 0.01) return `$${amount.toPrecision(2)}`;
  return `$${amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

const unitPrice = (n: number) => `$${Number(n.toPrecision(6))}`;

function describeCharge(c: PricedCharge): string {
  const mark = c.notConfirmed ? " [price not confirmed]" : "";
  return `${c.what}: ${unitPrice(c.price)}/${c.unit} = ${usd(c.monthly)}${mark}`;
}

const sorted = (record: Record<string, number>) =>
  Object.entries(record).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));

export function formatCost(estimate: CostEstimate, top = 10): string {
  const lines = [
    `Monthly cost estimate: ${usd(estimate.total)} (USD list prices as of ${estimate.asOf}, ${estimate.hoursPerMonth} h a month, usage from assumptions)`,
    `  ${NO_FREE_TIER}`,
    `  by region:   ${sorted(estimate.byRegion)
      .map(([k, v]) => `${k} ${usd(v)}`)
      .join(", ")}`,
    `  by workload: ${sorted(estimate.byWorkload)
      .map(([k, v]) => `${k} ${usd(v)}`)
      .join(", ")}`,
    "",
    `Top ${Math.min(top, estimate.items.length)} items:`,
  ];
  for (const i of estimate.items.slice(0, top)) {
    lines.push(
      `  ${usd(i.monthly).padStart(10)}  ${i.type.split(":").pop()} ${i.name} (${i.region}, ${i.workload})${i.notConfirmed ? " *" : ""}`,
      `              ${i.detail}`,
    );
  }
  const unconfirmed = estimate.items.filter((i) => i.notConfirmed);
  if (unconfirmed.length > 0) {
    const share = unconfirmed.reduce((sum, i) => sum + i.monthly, 0);
    lines.push(
      "",
      `* uses a price marked not confirmed: ${unconfirmed.length} item(s), ${usd(share)} in all`,
    );
  }
  lines.push(
    "",
    `Unpriced resource types: ${estimate.unpriced.length > 0 ? estimate.unpriced.join(", ") : "none"}`,
  );
  if (estimate.warnings.length > 0) {
    lines.push("Warnings:", ...estimate.warnings.map((w) => `  - ${w}`));
  }
  return lines.join("\n");
}

/** The stack's `cost:assumptions`: the engine's own key, which the program never reads. */
export function stackCostAssumptions(root: string, stack: string) {
  const raw = loadStackFiles(root, stack).config[COST_ASSUMPTIONS_KEY];
  if (raw === undefined) return undefined;
  const parsed = usageAssumptionsSchema.safeParse(JSON.parse(raw));
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `${[COST_ASSUMPTIONS_KEY, ...issue.path].join(".")}: ${issue.message}`,
  );
  throw new StackFileError(`Pulumi.${stack}.yaml: ${problems.join("; ")}`);
}

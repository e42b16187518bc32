/**
 * The cost change between two estimates of one stack (a pull request's base and head): the totals,
 * the change per workload, and the resources that add or remove cost, largest change first. What
 * Infracost's diff does for Terraform, on `npm run plan -- --json`'s `cost`.
 *
 * Resources are matched by type, logical name and the region they bill in, as `plan:compare`
 * matches them: regrouping components changes URNs, not what AWS bills.
 */
import type { CostEstimate, CostItem } from "./cost";

/** The part of an estimate the diff reads (what a plan JSON's `cost` holds). */
export type EstimateTotals = Pick<CostEstimate, "total" | "byWorkload"> & {
  readonly items: readonly Pick<CostItem, "name" | "type" | "region" | "workload" | "monthly">[];
};

export interface CostChange {
  /** `added`: billed only in head; `removed`: only in base; `changed`: in both, another amount. */
  readonly change: "added" | "removed" | "changed";
  readonly name: string;
  readonly type: string;
  readonly region: string;
  /** Head's workload, or base's for a removed resource. */
  readonly workload: string;
  /** USD a month; 0 where the resource is not billed. */
  readonly base: number;
  readonly head: number;
  readonly delta: number;
}

export interface WorkloadChange {
  readonly workload: string;
  readonly base: number;
  readonly head: number;
  readonly delta: number;
}

export interface CostDiff {
  readonly base: number;
  readonly head: number;
  readonly delta: number;
  /** Workloads whose monthly cost changed, largest change first. */
  readonly workloads: WorkloadChange[];
  /** Resources whose monthly cost changed, largest change first. */
  readonly resources: CostChange[];
}

/** Changes smaller than this (USD a month) round to $0.00 and are not changes. */
export const HALF_A_CENT = 0.005;

const byLargestChange = <T extends { delta: number }>(rows: T[], label: (row: T) => string): T[] =>
  rows.sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta) || label(a).localeCompare(label(b)));

const keyOf = (i: { type: string; name: string; region: string }) =>
  `${i.type}::${i.name}@${i.region}`;

/** The cost change from `base` to `head` (both estimates of one stack). */
export function costDiff(base: EstimateTotals, head: EstimateTotals): CostDiff {
  const before = new Map(base.items.map((i) => [keyOf(i), i]));
  const after = new Map(head.items.map((i) => [keyOf(i), i]));
  const resources: CostChange[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const was = before.get(key);
    const now = after.get(key);
    const item = (now ?? was)!;
    const delta = (now?.monthly ?? 0) - (was?.monthly ?? 0);
    if (Math.abs(delta) < HALF_A_CENT) continue;
    resources.push({
      change: !was ? "added" : !now ? "removed" : "changed",
      name: item.name,
      type: item.type,
      region: item.region,
      workload: item.workload,
      base: was?.monthly ?? 0,
      head: now?.monthly ?? 0,
      delta,
    });
  }

  const workloads: WorkloadChange[] = [];
  for (const workload of new Set([
    ...Object.keys(base.byWorkload),
    ...Object.keys(head.byWorkload),
  ])) {
    const was = base.byWorkload[workload] ?? 0;
    const now = head.byWorkload[workload] ?? 0;
    if (Math.abs(now - was) < HALF_A_CENT) continue;
    workloads.push({ workload, base: was, head: now, delta: now - was });
  }

  return {
    base: base.total,
    head: head.total,
    delta: head.total - base.total,
    workloads: byLargestChange(workloads, (w) => w.workload),
    resources: byLargestChange(resources, keyOf),
  };
}

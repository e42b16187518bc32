/**
 * Lookups over a plan that cost functions share: resources by URN and type, what a resource's inputs
 * came from (its property dependencies, as policies relate resources at preview), and which
 * workload (top-level component) it belongs to.
 */
import type { Plan, PlannedResource } from "../engine";

export const STACK_TYPE = "pulumi:pulumi:Stack";

export class PlanIndex {
  private readonly byUrn = new Map<string, PlannedResource>();
  private readonly byType = new Map<string, PlannedResource[]>();
  private readonly workloads = new Map<string, string>();

  constructor(readonly plan: Plan) {
    for (const r of plan.resources) {
      this.byUrn.set(r.urn, r);
      this.byType.set(r.type, [...(this.byType.get(r.type) ?? []), r]);
    }
  }

  get(urn: string | null): PlannedResource | undefined {
    return urn === null ? undefined : this.byUrn.get(urn);
  }

  ofType(type: string): PlannedResource[] {
    return this.byType.get(type) ?? [];
  }

  /** Resources `r`'s input `property` (or any input) came from, optionally of one type. */
  dependsOn(r: PlannedResource, property?: string, type?: string): PlannedResource[] {
    const urns =
      property === undefined
        ? Object.values(r.propertyDependencies).flat()
        : (r.propertyDependencies[property] ?? []);
    return [...new Set(urns)]
      .map((u) => this.byUrn.get(u))
      .filter(
        (d): d is PlannedResource => d !== undefined && (type === undefined || d.type === type),
      );
  }

  /** Resources of `type` whose input `property` (or any input) came from `r`. */
  dependents(r: PlannedResource, type: string, property?: string): PlannedResource[] {
    return this.ofType(type).filter((d) =>
      (property === undefined
        ? Object.values(d.propertyDependencies).flat()
        : (d.propertyDependencies[property] ?? [])
      ).includes(r.urn),
    );
  }

  /**
   * The workload `r` belongs to: the name of its ancestor that is a child of the stack (e.g.
   * `quickbets`, `home`, `peering`), or `stack` for a resource registered on the stack itself.
   */
  workloadOf(r: PlannedResource): string {
    const known = this.workloads.get(r.urn);
    if (known !== undefined) return known;
    let current = r;
    let workload = "stack";
    for (let depth = 0; depth < 64; depth++) {
      const parent = this.get(current.parent);
      if (!parent) break;
      if (parent.type === STACK_TYPE) {
        workload = current.name;
        break;
      }
      current = parent;
    }
    this.workloads.set(r.urn, workload);
    return workload;
  }
}

export const str = (v: unknown): string => (typeof v === "string" ? v : "");
/** A number input; the engine sees some numbers as strings (ECS task cpu and memory). */
export const num = (v: unknown): number | undefined => {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
};
export const list = <T = unknown>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
export const obj = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** Queries over a planned stack that the whole-program tests share. */
import type { Plan, PlannedResource } from "../../engine/engine";

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
  dev: { natPerRegion: 1, azs: 2, home: "10.10.0.0/16", remote: "10.20.0.0/16", retention: 14 },
  prod: { natPerRegion: 3, azs: 3, home: "10.110.0.0/16", remote: "10.120.0.0/16", retention: 90 },
};

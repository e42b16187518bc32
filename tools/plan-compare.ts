/**
 * `npm run plan:compare -- BEFORE.json AFTER.json`: whether two offline plans (`npm run plan -- --json`)
 * create the same cloud. A refactor that moves code must not move resources: every custom resource is
 * matched by type and name, and its inputs, provider region and options compared. Component resources
 * (the tree's shape) and parents are left out on purpose: renaming or regrouping a component changes
 * URNs, not what AWS is asked to create. Exit 1 when anything differs, listing each difference.
 */
import * as fs from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { runCli } from "./cli";

/** The part of a planned resource that reaches AWS. */
interface Comparable {
  type: string;
  name: string;
  region: string | null;
  inputs: unknown;
  options: unknown;
}

interface PlanFile {
  resources: (Comparable & { custom: boolean })[];
  outputs?: Record<string, unknown>;
}

/** One difference between two plans, as a line people read. */
export type PlanDifference = string;

/** Keys in `renames` map a resource's old `type::name` to its new one. */
export function comparePlans(
  before: PlanFile,
  after: PlanFile,
  renames: Readonly<Record<string, string>> = {},
): PlanDifference[] {
  const index = (plan: PlanFile, rename: boolean) =>
    new Map(
      plan.resources
        .filter((r) => r.custom)
        .map((r) => {
          const key = `${r.type}::${r.name}`;
          return [rename ? (renames[key] ?? key) : key, r] as const;
        }),
    );
  const was = index(before, true);
  const now = index(after, false);
  const differences: PlanDifference[] = [];
  for (const [key, old] of was) {
    const current = now.get(key);
    if (!current) {
      differences.push(`- ${key} is gone`);
      continue;
    }
    for (const field of ["region", "inputs", "options"] as const) {
      if (!isDeepStrictEqual(old[field], current[field])) {
        differences.push(`~ ${key} ${field}: ${describeChange(old[field], current[field])}`);
      }
    }
  }
  for (const key of now.keys()) if (!was.has(key)) differences.push(`+ ${key} is new`);
  const outputsBefore = Object.keys(before.outputs ?? {}).sort();
  const outputsAfter = Object.keys(after.outputs ?? {}).sort();
  if (!isDeepStrictEqual(outputsBefore, outputsAfter)) {
    const gone = outputsBefore.filter((o) => !outputsAfter.includes(o));
    const added = outputsAfter.filter((o) => !outputsBefore.includes(o));
    differences.push(`~ outputs: gone [${gone.join(", ")}], new [${added.join(", ")}]`);
  }
  return differences;
}

/** The top-level keys whose values differ, so a line stays short. */
function describeChange(a: unknown, b: unknown): string {
  if (a && b && typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    const changed = [...keys].filter(
      (k) =>
        !isDeepStrictEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    );
    return changed
      .map(
        (k) =>
          `${k} ${JSON.stringify((a as Record<string, unknown>)[k])} → ${JSON.stringify((b as Record<string, unknown>)[k])}`,
      )
      .join("; ");
  }
  return `${JSON.stringify(a)} → ${JSON.stringify(b)}`;
}

function main(argv: string[]): number {
  const [beforeFile, afterFile, renamesFile] = argv;
  if (!beforeFile || !afterFile) {
    console.error("usage: npm run plan:compare -- BEFORE.json AFTER.json [RENAMES.json]");
    return 2;
  }
  const read = (file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as PlanFile;
  const renames = renamesFile
    ? (JSON.parse(fs.readFileSync(renamesFile, "utf8")) as Record<string, string>)
    : {};
  const differences = comparePlans(read(beforeFile), read(afterFile), renames);
  if (differences.length === 0) {
    console.log(`${afterFile}: the same resources, inputs and options as ${beforeFile}`);
    return 0;
  }
  console.log(differences.join("\n"));
  console.log(`${differences.length} difference(s)`);
  return 1;
}

if (require.main === module) runCli(() => main(process.argv.slice(2)));

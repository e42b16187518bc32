/**
 * docs/cost.md's cost table, generated from the dev and prod plans' estimates (`npm run docs`), so the
 * published totals are always the program's own: a test compares them with fresh plans.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { usd, type CostEstimate } from "../engine/cost";
import { writeSection } from "./generated-docs";

export const SECTION = "cost-totals";

const LABELS: Record<string, string> = {
  arbees: "Arbees",
  remote: "remote network (NAT)",
  home: "home network (NAT, shared ALB)",
  quickbets: "QuickBets",
  "fred-jobs": "FRED jobs API",
  peering: "peering",
  "alpha-kite": "Alpha-Kite",
  "finance-api": "Finance API",
  "shared-db": "shared PostgreSQL (platform:sharedDatabase)",
};

/** Rows per workload (largest prod first), the total, and the regions. */
export function costTable(dev: CostEstimate, prod: CostEstimate): string {
  // A workload of one stack only (dev's shared database) still gets its row.
  const workloads = [
    ...new Set([...Object.keys(prod.byWorkload), ...Object.keys(dev.byWorkload)]),
  ].sort(
    (a, b) =>
      (prod.byWorkload[b] ?? 0) - (prod.byWorkload[a] ?? 0) ||
      (dev.byWorkload[b] ?? 0) - (dev.byWorkload[a] ?? 0),
  );
  const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [
    row(["workload", "dev", "prod"]),
    row(["---", "---", "---"]),
    ...workloads.map((w) =>
      row([LABELS[w] ?? w, usd(dev.byWorkload[w] ?? 0), usd(prod.byWorkload[w] ?? 0)]),
    ),
    row(["**total**", `**${usd(dev.total)}**`, `**${usd(prod.total)}**`]),
    row([
      "us-east-1 / eu-central-1",
      `${usd(dev.byRegion["us-east-1"] ?? 0)} / ${usd(dev.byRegion["eu-central-1"] ?? 0)}`,
      `${usd(prod.byRegion["us-east-1"] ?? 0)} / ${usd(prod.byRegion["eu-central-1"] ?? 0)}`,
    ]),
  ].join("\n");
}

/** A stack's estimate from `npm run plan -- --json`, in a process of its own. */
function estimateOf(stack: string): CostEstimate {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cost-docs-")), "plan.json");
  execFileSync(
    process.execPath,
    [
      "-r",
      path.join(__dirname, "register.js"),
      path.join(__dirname, "plan.ts"),
      "--stack",
      stack,
      "--json",
      file,
    ],
    { cwd: path.join(__dirname, ".."), stdio: "ignore" },
  );
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { cost: CostEstimate }).cost;
}

if (require.main === module) {
  void writeSection(
    path.resolve(__dirname, "..", "docs", "cost.md"),
    SECTION,
    costTable(estimateOf("dev"), estimateOf("prod")),
  );
}

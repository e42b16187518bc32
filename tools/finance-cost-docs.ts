/**
 * The finance API's monthly cost at the old guide's three traffic levels, from the prod plan's own
 * resources (`npm run docs` writes it into workloads/finance-api/README.md; a test recomputes it), beside the
 * old guide's published figures (Lambda 1024 MB, REST API, logs).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Plan } from "../engine/engine";
import { estimateCost, usd, type UsageAssumptionsInput } from "../engine/cost";
import { writeSection } from "./generated-docs";

export const SECTION = "finance-cost";

/** The old guide's traffic levels (requests a month) and its published monthly cost at each. */
export const OLD_GUIDE_COST: readonly (readonly [number, number])[] = [
  [10_000, 0.75],
  [100_000, 4.35],
  [1_000_000, 31.5],
];

/** What the estimate assumes per request, beyond the plan. */
export const PER_REQUEST = {
  /** Average billed duration: the engine's default (engine/cost/assumptions.ts). */
  durationMs: 1000,
  /** Function log per request: the platform's START/END/REPORT lines and a few app lines. */
  functionLogBytes: 1024,
  /** One JSON access log line (rest-api.ts ACCESS_LOG_FORMAT). */
  accessLogBytes: 512,
  /** Cold starts per request: each reads both secrets once. */
  coldStartShare: 0.01,
};

/** The usage assumptions of one traffic level, for the finance API's resources by logical name. */
export function financeTraffic(requests: number): UsageAssumptionsInput {
  const reads = requests * PER_REQUEST.coldStartShare;
  return {
    apiRequestsPerMonth: { byName: { "finance-api-api": requests } },
    lambda: { averageDurationMs: { byName: { "finance-api-fn": PER_REQUEST.durationMs } } },
    logs: {
      ingestedGbPerMonth: {
        byName: {
          "finance-api-logs": (requests * PER_REQUEST.functionLogBytes) / 1e9,
          "finance-api-access-logs": (requests * PER_REQUEST.accessLogBytes) / 1e9,
        },
      },
    },
    secretApiCallsPerMonth: {
      byName: { "finance-api-mongodb-url": reads, "finance-api-google-api-key": reads },
    },
  };
}

/** What the old guide priced: the function, the REST API and the two log groups. */
const COMPARABLE = new Set([
  "finance-api-fn",
  "finance-api-api",
  "finance-api-logs",
  "finance-api-access-logs",
]);

export interface FinanceCostRow {
  readonly requests: number;
  readonly published: number;
  /** The parts the old guide priced. */
  readonly comparable: number;
  /** Everything the workload creates in the plan (secrets, X-Ray, and in prod WAF and alarms). */
  readonly asBuilt: number;
}

export function financeCostRows(plan: Plan): FinanceCostRow[] {
  return OLD_GUIDE_COST.map(([requests, published]) => {
    const items = estimateCost(plan, financeTraffic(requests)).items.filter(
      (i) => i.workload === "finance-api",
    );
    const sum = (list: typeof items) => list.reduce((s, i) => s + i.monthly, 0);
    return {
      requests,
      published,
      comparable: sum(items.filter((i) => COMPARABLE.has(i.name))),
      asBuilt: sum(items),
    };
  });
}

export function financeCostTable(rows: readonly FinanceCostRow[]): string {
  const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [
    row(["requests a month", "old guide", "Lambda + REST API + logs", "as built (prod)"]),
    row(["---", "---", "---", "---"]),
    ...rows.map((r) =>
      row([
        r.requests.toLocaleString("en-US"),
        usd(r.published),
        usd(r.comparable),
        usd(r.asBuilt),
      ]),
    ),
  ].join("\n");
}

if (require.main === module) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "finance-cost-")), "plan.json");
  execFileSync(
    process.execPath,
    [
      "-r",
      "ts-node/register/transpile-only",
      path.join(__dirname, "plan.ts"),
      "--stack",
      "prod",
      "--json",
      file,
    ],
    { cwd: path.join(__dirname, ".."), stdio: "ignore" },
  );
  const plan = JSON.parse(fs.readFileSync(file, "utf8")) as Plan;
  void writeSection(
    path.resolve(__dirname, "..", "workloads", "finance-api", "README.md"),
    SECTION,
    financeCostTable(financeCostRows(plan)),
  );
}

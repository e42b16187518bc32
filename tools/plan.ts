/**
 * `npm run plan -- --stack dev|prod [--json FILE]`: what a stack would create, offline. No Pulumi
 * CLI, no AWS credentials, no passphrase: the real program runs under Pulumi's mock runtime.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { refreshBundles } from "../components/bundle";
import {
  estimateCost,
  stackCostAssumptions,
  formatCost,
  usd,
  type CostEstimate,
} from "../engine/cost";
import { architectureDiagram } from "../engine/diagram";
import { PlanError, runPlan, type Plan } from "../engine/engine";
import {
  evaluatePolicies,
  formatPolicyReport,
  loadPackConfig,
  type PolicyReport,
} from "../engine/policy";
import { StackFileError, listStacks } from "../engine/stack-files";
import { formatSummary } from "../engine/summary";
import { runCli } from "./cli";

const USAGE =
  "usage: npm run plan -- --stack <stack> [--json FILE] [--diagram FILE.md] [--report FILE.md] [--dir PROJECT_DIR] [--fresh-account]";

/** What a pull request shows next to the Pulumi preview: cost, policy, diagram. */
export function planReport(plan: Plan, cost: CostEstimate, policy?: PolicyReport): string {
  const fence = "```";
  return [
    `## Offline plan of \`${plan.stack}\``,
    "",
    `${plan.resources.filter((r) => r.custom).length} resources; estimated **${usd(cost.total)} a month** (list prices as of ${cost.asOf}, usage from the stack's cost assumptions).`,
    "",
    "<details><summary>Cost</summary>",
    "",
    `${fence}text`,
    formatCost(cost),
    fence,
    "",
    "</details>",
    "",
    ...(policy
      ? [
          "<details><summary>Policy</summary>",
          "",
          `${fence}text`,
          formatPolicyReport(policy),
          fence,
          "",
          "</details>",
          "",
        ]
      : []),
    architectureDiagram(plan).replace(/^# .*\n/, "### Architecture\n"),
  ].join("\n");
}

async function main(): Promise<number> {
  let values: {
    stack?: string;
    json?: string;
    diagram?: string;
    report?: string;
    dir?: string;
    "fresh-account"?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      options: {
        stack: { type: "string" },
        json: { type: "string" },
        diagram: { type: "string" },
        report: { type: "string" },
        dir: { type: "string" },
        // The first `pulumi up` into an empty account: no image pushed yet.
        "fresh-account": { type: "boolean" },
        help: { type: "boolean" },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  // The project directory: this repository unless --dir names another (test fixtures do).
  const root = path.resolve(values.dir ?? path.join(__dirname, ".."));
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.stack) {
    console.error(`--stack is required (stacks: ${listStacks(root).join(", ")})\n${USAGE}`);
    return 2;
  }

  try {
    // Functions whose sources changed since the last plan are rebuilt side by side first.
    await refreshBundles();
    const plan = await runPlan({
      root,
      stack: values.stack,
      account: values["fresh-account"] ? "fresh" : "released",
    });
    console.log(formatSummary(plan));
    const cost = estimateCost(plan, stackCostAssumptions(root, values.stack));
    console.log(`\n${formatCost(cost)}`);
    // The project's pack (policy/), with the stack's config, as `pulumi preview --policy-pack` runs it.
    const pack = fs.existsSync(path.join(root, "policy"))
      ? loadPackConfig(root, values.stack)
      : undefined;
    const policy = pack
      ? await evaluatePolicies(plan, pack.config, { configFile: pack.file })
      : undefined;
    if (policy) console.log(`\n${formatPolicyReport(policy)}`);
    if (values.diagram) {
      fs.mkdirSync(path.dirname(path.resolve(values.diagram)), { recursive: true });
      fs.writeFileSync(values.diagram, architectureDiagram(plan));
      console.log(`\ndiagram written to ${values.diagram}`);
    }
    if (values.report) {
      fs.mkdirSync(path.dirname(path.resolve(values.report)), { recursive: true });
      fs.writeFileSync(values.report, planReport(plan, cost, policy));
      console.log(`\nreport written to ${values.report}`);
    }
    if (values.json) {
      fs.mkdirSync(path.dirname(path.resolve(values.json)), { recursive: true });
      fs.writeFileSync(
        values.json,
        `${JSON.stringify({ ...plan, ...(policy ? { policy } : {}), cost }, null, 2)}\n`,
      );
      console.log(`\nplan written to ${values.json}`);
    }
    const mandatory =
      policy?.violations.filter((v) => v.enforcementLevel === "mandatory").length ?? 0;
    if (mandatory > 0) {
      console.error(
        `\n${mandatory} mandatory policy violation(s): the stack would not pass its policy pack`,
      );
      return 1;
    }
    return 0;
  } catch (err) {
    if (err instanceof PlanError || err instanceof StackFileError) {
      console.error(`plan of stack "${values.stack}" failed:\n${err.message}`);
      return 2;
    }
    throw err;
  }
}

runCli(main);

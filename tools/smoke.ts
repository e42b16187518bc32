/**
 * `npm run smoke -- --stack dev [--outputs FILE] [--region REGION] [--timeout MS]`: after
 * `pulumi up`, checks the deployed functions against the offline plan of the same stack and calls
 * the APIs (see tools/smoke/run.ts). Prints a table of checks; exits 1 when one fails, 2 when it
 * cannot run at all.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { PlanError, runPlan } from "../engine/engine";
import { StackFileError } from "../engine/stack-files";
import {
  expectationsFromPlan,
  formatReport,
  functionTargets,
  runSmoke,
  SmokeError,
} from "./smoke/run";
import { runCli } from "./cli";

const USAGE =
  "usage: npm run smoke -- --stack <stack> [--outputs FILE] [--region REGION] [--timeout MS]";

/** `pulumi stack output`, without secrets: the smoke test needs names and URLs only. */
function stackOutputs(stack: string): Record<string, unknown> {
  let stdout: string;
  try {
    stdout = execFileSync(
      "pulumi",
      ["stack", "output", "--json", "--show-secrets=false", "--stack", stack],
      { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "pipe"] },
    );
  } catch (err) {
    const e = err as { code?: string; stderr?: string; message: string };
    throw new SmokeError(
      e.code === "ENOENT"
        ? "the Pulumi CLI is not on PATH; install it or pass --outputs FILE"
        : `pulumi stack output failed: ${(e.stderr || e.message).trim()}`,
    );
  }
  return JSON.parse(stdout) as Record<string, unknown>;
}

function readOutputs(file: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new SmokeError(`cannot read the outputs file ${file}: ${(err as Error).message}`);
  }
}

async function main(): Promise<number> {
  let values: { stack?: string; outputs?: string; region?: string; timeout?: string };
  try {
    ({ values } = parseArgs({
      options: {
        stack: { type: "string" },
        outputs: { type: "string" },
        region: { type: "string" },
        timeout: { type: "string" },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const stack = values.stack;
  const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout);
  if (!stack || (timeoutMs !== undefined && !(timeoutMs > 0))) {
    console.error(
      `${stack ? "--timeout must be a positive number" : "--stack is required"}\n${USAGE}`,
    );
    return 2;
  }

  try {
    const outputs = values.outputs ? readOutputs(values.outputs) : stackOutputs(stack);
    functionTargets(outputs); // a missing output fails here, before the plan's few seconds
    // The program's own plan says what each function should be.
    const plan = await runPlan({ root: path.join(__dirname, ".."), stack });
    const report = await runSmoke({
      stack,
      outputs,
      expected: expectationsFromPlan(plan.resources),
      ...(values.region ? { region: values.region } : {}),
      ...(timeoutMs ? { timeoutMs } : {}),
    });
    console.log(formatReport(report));
    return report.ok ? 0 : 1;
  } catch (err) {
    if (err instanceof SmokeError || err instanceof PlanError || err instanceof StackFileError) {
      console.error(`smoke test of stack "${stack}" cannot run: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

runCli(main);

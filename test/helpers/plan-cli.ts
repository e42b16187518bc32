/** Runs `npm run plan` as a user would, in a child process (Pulumi's runtime state is global). */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import type { Plan } from "../../engine/engine";
import type { PolicyReport } from "../../engine/policy";

export const root = path.resolve(__dirname, "..", "..");
const run = promisify(execFile);

export interface PlanRun {
  code: number;
  stdout: string;
  stderr: string;
  plan?: Plan & { policy?: PolicyReport };
}

export async function planCli(
  stack: string,
  dir?: string,
  extraArgs: string[] = [],
): Promise<PlanRun> {
  const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-")), "plan.json");
  // As `npm run plan` starts it (tools/register.js: cached transpile, stacks mapped when shown).
  const args = ["-r", "./tools/register.js", "tools/plan.ts", "--stack", stack, "--json", json];
  if (dir) args.push("--dir", dir);
  args.push(...extraArgs);
  const read = () =>
    fs.existsSync(json)
      ? (JSON.parse(fs.readFileSync(json, "utf8")) as PlanRun["plan"])
      : undefined;
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd: root });
    return { code: 0, stdout, stderr, plan: read() };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr, plan: read() };
  }
}

const cache = new Map<string, Promise<PlanRun>>();

/**
 * `planCli` once per stack and test process, shared by every suite that plans a stack as it is
 * (each plan is a child process of seconds). Each caller gets its own copy to change at will.
 */
export async function cachedPlan(stack: string): Promise<PlanRun> {
  let run = cache.get(stack);
  if (!run) {
    run = planCli(stack);
    cache.set(stack, run);
  }
  return structuredClone(await run);
}

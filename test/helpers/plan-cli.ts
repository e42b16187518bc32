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
 * `planCli`, kept in `dir` when given: read from there if an earlier process planned the stack.
 * `npm run mutate` gives one (PLAN_CACHE_DIR): Stryker restarts its test process for every mutant
 * of code run at load time, and the program planned does not change during a run (the plan's
 * child process never activates a mutant).
 */
async function planOnce(stack: string, dir: string | undefined): Promise<PlanRun> {
  if (!dir) return planCli(stack);
  const file = path.join(dir, `${stack}.json`);
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as PlanRun;
  const run = await planCli(stack);
  fs.mkdirSync(dir, { recursive: true });
  // Written whole, then renamed: a process starting meanwhile never reads half a plan.
  fs.writeFileSync(`${file}.${process.pid}`, JSON.stringify(run));
  fs.renameSync(`${file}.${process.pid}`, file);
  return run;
}

/**
 * `planCli` once per stack and test process (or, under `npm run mutate`, per run), shared by every
 * suite that plans a stack as it is (each plan is a child process of seconds). Each caller gets
 * its own copy to change at will.
 */
export async function cachedPlan(stack: string): Promise<PlanRun> {
  let run = cache.get(stack);
  if (!run) {
    run = planOnce(stack, process.env.PLAN_CACHE_DIR);
    cache.set(stack, run);
  }
  return structuredClone(await run);
}

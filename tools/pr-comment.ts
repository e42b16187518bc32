/**
 * `npm run pr-comment -- --pr <number> --file <report.md>... [--cost <stack>:<base.json>:<head.json>]...`:
 * posts Markdown files as a pull-request comment, or updates the one this tool posted before (found
 * by a hidden marker), so every push refreshes one comment instead of adding another. Each `--cost`
 * puts a stack's cost change first: the base branch's and this change's monthly totals, the change
 * per workload and the resources that add or remove cost, from two `npm run plan -- --json` files
 * (the base's may be missing or unreadable: then the head's estimate is shown alone, saying why).
 * GitHub's REST API through `fetch`; the token, repository, API URL and base branch come from the
 * Actions environment (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_BASE_REF).
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { runCli } from "./cli";
import { usd } from "../engine/cost";
import { costDiff, type CostDiff, type EstimateTotals } from "../engine/cost-diff";

/** Starts every comment this tool writes, so it finds its own among the Pulumi preview's and people's. */
export const MARKER = "<!-- platform:plan-report -->";

export interface CommentOptions {
  readonly apiUrl: string;
  readonly repository: string;
  readonly token: string;
  readonly pr: number;
  readonly body: string;
}

interface IssueComment {
  readonly id: number;
  readonly body?: string;
}

async function github<T>(
  options: CommentOptions,
  path: string,
  init: RequestInit = {},
): Promise<T> {
  const response = await fetch(`${options.apiUrl}${path}`, {
    ...init,
    headers: {
      Accept: "application/vnd.github+json",
      Authorization: `Bearer ${options.token}`,
      "X-GitHub-Api-Version": "2022-11-28",
      ...(init.body ? { "Content-Type": "application/json" } : {}),
    },
    signal: AbortSignal.timeout(15_000),
  });
  if (!response.ok) {
    throw new Error(
      `GitHub answered ${response.status} to ${init.method ?? "GET"} ${path}: ${await response.text()}`,
    );
  }
  return (await response.json()) as T;
}

/** Creates or updates the report comment; answers what it did and the comment's id. */
export async function upsertComment(
  options: CommentOptions,
): Promise<{ action: "created" | "updated"; id: number }> {
  const body = `${MARKER}\n${options.body}`;
  const base = `/repos/${options.repository}/issues`;
  let existing: IssueComment | undefined;
  for (let page = 1; page <= 10 && !existing; page++) {
    const comments = await github<IssueComment[]>(
      options,
      `${base}/${options.pr}/comments?per_page=100&page=${page}`,
    );
    existing = comments.find((c) => c.body?.startsWith(MARKER));
    if (comments.length < 100) break;
  }
  if (existing) {
    await github(options, `${base}/comments/${existing.id}`, {
      method: "PATCH",
      body: JSON.stringify({ body }),
    });
    return { action: "updated", id: existing.id };
  }
  const created = await github<IssueComment>(options, `${base}/${options.pr}/comments`, {
    method: "POST",
    body: JSON.stringify({ body }),
  });
  return { action: "created", id: created.id };
}

/** The resources a stack's cost change lists; the rest are summed in one line. */
export const TOP_RESOURCES = 15;

/** `+$1.50`, `−$1.50`, `$0.00`: a signed amount, as a diff reads. */
export function signedUsd(amount: number): string {
  const cents = Math.round(amount * 100) / 100;
  if (cents === 0) return usd(0);
  return `${cents > 0 ? "+" : "−"}${usd(Math.abs(amount))}`;
}

const percent = (delta: number, base: number) =>
  base === 0 || Math.round(delta * 100) === 0
    ? ""
    : ` (${delta > 0 ? "+" : "−"}${Math.abs((100 * delta) / base).toFixed(1)}%)`;

/** The short type of a resource (`ecs/cluster:Cluster` → `Cluster`), code-formatted. */
const shortType = (type: string) => `\`${type.split(":").pop()}\``;

/** One stack's section: the change against the base branch, or why there is none. */
export function costSection(
  stack: string,
  head: EstimateTotals,
  base: EstimateTotals | { readonly error: string },
  baseRef = "base",
): string {
  if ("error" in base) {
    return [
      `### Cost of \`${stack}\`: ${usd(head.total)} a month`,
      "",
      `No comparison with \`${baseRef}\`: ${base.error}. This change's estimate alone:`,
      "",
      "| workload | this change |",
      "| --- | ---: |",
      ...Object.entries(head.byWorkload)
        .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
        .map(([workload, amount]) => `| ${workload} | ${usd(amount)} |`),
      `| **total** | **${usd(head.total)}** |`,
    ].join("\n");
  }
  const diff: CostDiff = costDiff(base, head);
  const lines = [
    `### Cost of \`${stack}\`: ${usd(diff.base)} → ${usd(diff.head)} a month, ${signedUsd(diff.delta)}${percent(diff.delta, diff.base)}`,
    "",
  ];
  if (diff.workloads.length === 0 && diff.resources.length === 0) {
    lines.push(`No change to the monthly cost against \`${baseRef}\`.`);
    return lines.join("\n");
  }
  lines.push(
    `| workload | \`${baseRef}\` | this change | change |`,
    "| --- | ---: | ---: | ---: |",
    ...diff.workloads.map(
      (w) => `| ${w.workload} | ${usd(w.base)} | ${usd(w.head)} | ${signedUsd(w.delta)} |`,
    ),
    `| **total** | **${usd(diff.base)}** | **${usd(diff.head)}** | **${signedUsd(diff.delta)}** |`,
    "",
    "Resources that add or remove cost, largest change first:",
    "",
    `| resource | type | region | workload | \`${baseRef}\` | this change | change |`,
    "| --- | --- | --- | --- | ---: | ---: | ---: |",
    ...diff.resources
      .slice(0, TOP_RESOURCES)
      .map(
        (r) =>
          `| \`${r.name}\` | ${shortType(r.type)} | ${r.region} | ${r.workload} | ${r.change === "added" ? "—" : usd(r.base)} | ${r.change === "removed" ? "—" : usd(r.head)} | ${signedUsd(r.delta)} ${r.change} |`,
      ),
  );
  const rest = diff.resources.slice(TOP_RESOURCES);
  if (rest.length > 0) {
    const sum = rest.reduce((total, r) => total + r.delta, 0);
    lines.push("", `…and ${rest.length} more resource(s), ${signedUsd(sum)} together.`);
  }
  return lines.join("\n");
}

/** The estimate in a plan file (`npm run plan -- --json`), or why it cannot be read. */
export function readEstimate(file: string): EstimateTotals | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === "ENOENT"
        ? "its plan did not run to the end"
        : `its plan file is not JSON (${(err as Error).message})`;
    return { error: reason };
  }
  const cost = (json as { cost?: Partial<EstimateTotals> }).cost;
  if (
    typeof cost?.total !== "number" ||
    !Array.isArray(cost.items) ||
    typeof cost.byWorkload !== "object"
  ) {
    return { error: "its plan has no cost estimate (it predates `--json`'s `cost`)" };
  }
  return cost as EstimateTotals;
}

/** `dev:base.json:head.json` → its three parts. */
function parseCost(spec: string): { stack: string; base: string; head: string } | undefined {
  const [stack, base, head, ...rest] = spec.split(":");
  return stack && base && head && rest.length === 0 ? { stack, base, head } : undefined;
}

/** The comment's body: each stack's cost change, then the reports. */
export function commentBody(
  files: readonly string[],
  costs: readonly { stack: string; base: string; head: string }[],
  baseRef?: string,
): string {
  const sections = costs.map(({ stack, base, head }) => {
    const headEstimate = readEstimate(head);
    if ("error" in headEstimate) throw new Error(`${head}: ${headEstimate.error}`);
    return costSection(stack, headEstimate, readEstimate(base), baseRef);
  });
  const reports = files.map((file) => fs.readFileSync(file, "utf8"));
  return [
    ...(sections.length > 0 ? [["## Cost change", "", sections.join("\n\n")].join("\n")] : []),
    ...reports,
  ].join("\n\n---\n\n");
}

/** The command, given its arguments and environment; answers the exit code. */
export async function run(
  args: string[],
  env: NodeJS.ProcessEnv,
  io: { log(line: string): void; error(line: string): void } = console,
): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      pr: { type: "string" },
      file: { type: "string", multiple: true },
      cost: { type: "string", multiple: true },
    },
    strict: true,
  });
  const costs = (values.cost ?? []).map((spec) => ({ spec, parsed: parseCost(spec) }));
  const missing = [
    ...(values.pr && /^\d+$/.test(values.pr) ? [] : ["--pr <number>"]),
    ...(values.file?.length ? [] : ["--file <report.md>"]),
    ...costs
      .filter((c) => !c.parsed)
      .map((c) => `--cost <stack>:<base.json>:<head.json> (not ${c.spec})`),
    ...["GITHUB_TOKEN", "GITHUB_REPOSITORY"].filter((name) => !env[name]),
  ];
  if (missing.length > 0) {
    io.error(`pr-comment needs ${missing.join(", ")}`);
    return 2;
  }
  const body = commentBody(
    values.file!,
    costs.map((c) => c.parsed!),
    env.GITHUB_BASE_REF || undefined,
  );
  const result = await upsertComment({
    apiUrl: env.GITHUB_API_URL ?? "https://api.github.com",
    repository: env.GITHUB_REPOSITORY!,
    token: env.GITHUB_TOKEN!,
    pr: Number(values.pr),
    body,
  });
  io.log(`comment ${result.id} ${result.action}`);
  return 0;
}

if (require.main === module) {
  runCli(() => run(process.argv.slice(2), process.env), { messageOnly: true });
}

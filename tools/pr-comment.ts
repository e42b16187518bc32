/**
 * `npm run pr-comment -- --pr <number> --file <report.md>`: posts a Markdown file as a pull-request
 * comment, or updates the one this tool posted before (found by a hidden marker), so every push
 * refreshes one comment instead of adding another. GitHub's REST API through `fetch`; the token,
 * repository and API URL come from the Actions environment (GITHUB_TOKEN, GITHUB_REPOSITORY,
 * GITHUB_API_URL).
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { runCli } from "./cli";

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

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { pr: { type: "string" }, file: { type: "string", multiple: true } },
    strict: true,
  });
  const env = process.env;
  const missing = [
    ...(values.pr && /^\d+$/.test(values.pr) ? [] : ["--pr <number>"]),
    ...(values.file?.length ? [] : ["--file <report.md>"]),
    ...["GITHUB_TOKEN", "GITHUB_REPOSITORY"].filter((name) => !env[name]),
  ];
  if (missing.length > 0) {
    console.error(`pr-comment needs ${missing.join(", ")}`);
    return 2;
  }
  const body = values.file!.map((file) => fs.readFileSync(file, "utf8")).join("\n\n---\n\n");
  const result = await upsertComment({
    apiUrl: env.GITHUB_API_URL ?? "https://api.github.com",
    repository: env.GITHUB_REPOSITORY!,
    token: env.GITHUB_TOKEN!,
    pr: Number(values.pr),
    body,
  });
  console.log(`comment ${result.id} ${result.action}`);
  return 0;
}

if (require.main === module) {
  runCli(main, { messageOnly: true });
}

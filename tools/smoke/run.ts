/**
 * The post-deploy smoke test: is what runs in AWS what the program planned, and does it answer?
 *
 * Expected settings come from the offline plan of the same stack (`expectationsFromPlan`), so
 * nothing here repeats a runtime, a memory size or a timeout by hand. Every check is independent and
 * bounded in time; the report lists all of them, failed or not, so one run shows every problem.
 */
import { randomBytes } from "node:crypto";
import {
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  type FunctionConfiguration,
} from "@aws-sdk/client-lambda";
import { secretLooking } from "../../policy/rules/common";
import type { PlannedResource } from "../../engine/engine";

/** The QuickBets routes, in the order `quickbetsFunctionNames` lists them. */
export const QUICKBETS_ROUTES = ["events", "launch", "sessions", "sign"] as const;

/** Stack outputs the smoke test reads; a missing one is an error before any check runs. */
export const REQUIRED_OUTPUTS = [
  "quickbetsApiUrl",
  "quickbetsFunctionNames",
  "alphaKiteFunctionName",
  "fredJobsApiUrl",
  "fredJobsFunctionName",
  "financeApiFunctionName",
  "homeRegion",
] as const;

export const STREAMER = "alpha-kite-streamer-fn";
export const SIGNER = "quickbets-sign-fn";
export const FRED_JOBS = "fred-jobs-fn";
export const FINANCE_API = "finance-api-fn";

/** Requests a caller without credentials must be refused (401 or 403), per API. */
export const PROTECTED_ROUTES = {
  quickbets: [
    ["GET", "/events"],
    ["POST", "/launch"],
    ["GET", "/sessions"],
    ["POST", "/sign"],
  ],
  "fred-jobs": [
    ["GET", "/api/v1/registration"],
    ["POST", "/api/v1/jobs"],
  ],
} as const;

/** What the plan says a function is: the settings the smoke test compares with the live one. */
export interface PlannedFunction {
  readonly packageType: "Zip" | "Image";
  /** The runtime of a zip function; images have none. */
  readonly runtime?: string;
  readonly architectures: readonly string[];
  readonly tracingMode: string;
  readonly memorySize: number;
  readonly timeout: number;
  /** Planned layer ARNs; "[unknown]" where the plan cannot know one (compared by count). */
  readonly layers: readonly string[];
}

/** One function under test: its logical name in the program and its physical name in AWS. */
export interface FunctionTarget {
  readonly logicalName: string;
  readonly functionName: string;
}

export interface SmokeCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface SmokeReport {
  readonly stack: string;
  readonly region: string;
  readonly checks: SmokeCheck[];
  readonly ok: boolean;
}

export interface SmokeOptions {
  readonly stack: string;
  /** The stack's outputs (`pulumi stack output --json`). */
  readonly outputs: Record<string, unknown>;
  /** Planned settings by logical function name, e.g. from `expectationsFromPlan`. */
  readonly expected: Readonly<Record<string, PlannedFunction>>;
  /** @default outputs.homeRegion */
  readonly region?: string;
  /** Lambda API endpoint and credentials, for tests; the SDK's defaults otherwise. */
  readonly lambda?: {
    readonly endpoint?: string;
    readonly credentials?: { accessKeyId: string; secretAccessKey: string };
  };
  /** Bound of each AWS call and HTTP request, in milliseconds. @default 20000 */
  readonly timeoutMs?: number;
}

/** The outputs or the plan do not allow a smoke test at all (as opposed to a failed check). */
export class SmokeError extends Error {
  override readonly name = "SmokeError";
}

/** The planned settings of every Lambda function of a plan, by logical name. */
export function expectationsFromPlan(
  resources: readonly Pick<PlannedResource, "type" | "name" | "inputs">[],
): Record<string, PlannedFunction> {
  const expected: Record<string, PlannedFunction> = {};
  for (const r of resources) {
    if (r.type !== "aws:lambda/function:Function") continue;
    const i = r.inputs;
    const packageType = i.packageType === "Image" ? "Image" : "Zip";
    const tracing = i.tracingConfig as { mode?: unknown } | undefined;
    expected[r.name] = {
      packageType,
      ...(packageType === "Zip" && typeof i.runtime === "string" ? { runtime: i.runtime } : {}),
      // Lambda's defaults where the program leaves a setting out.
      architectures: Array.isArray(i.architectures) ? i.architectures.map(String) : ["x86_64"],
      tracingMode: typeof tracing?.mode === "string" ? tracing.mode : "PassThrough",
      memorySize: typeof i.memorySize === "number" ? i.memorySize : 128,
      timeout: typeof i.timeout === "number" ? i.timeout : 3,
      layers: Array.isArray(i.layers) ? i.layers.map(String) : [],
    };
  }
  return expected;
}

/** The functions the smoke test checks, named by the outputs. */
export function functionTargets(outputs: Record<string, unknown>): FunctionTarget[] {
  const missing = REQUIRED_OUTPUTS.filter((name) => outputs[name] === undefined);
  if (missing.length > 0) {
    throw new SmokeError(
      `the stack's outputs lack ${missing.join(", ")}; was the stack deployed from this program?`,
    );
  }
  const routes = outputs.quickbetsFunctionNames as Record<string, unknown>;
  const badRoutes = QUICKBETS_ROUTES.filter((route) => typeof routes?.[route] !== "string");
  if (badRoutes.length > 0) {
    throw new SmokeError(`quickbetsFunctionNames lacks ${badRoutes.join(", ")}`);
  }
  return [
    ...QUICKBETS_ROUTES.map((route) => ({
      logicalName: `quickbets-${route}-fn`,
      functionName: routes[route] as string,
    })),
    { logicalName: STREAMER, functionName: String(outputs.alphaKiteFunctionName) },
    { logicalName: FRED_JOBS, functionName: String(outputs.fredJobsFunctionName) },
    { logicalName: FINANCE_API, functionName: String(outputs.financeApiFunctionName) },
  ];
}

const pass = (name: string, detail: string): SmokeCheck => ({ name, ok: true, detail });
const fail = (name: string, detail: string): SmokeCheck => ({ name, ok: false, detail });
const same = (name: string, actual: unknown, expected: unknown, what = ""): SmokeCheck =>
  actual === expected
    ? pass(name, `${String(actual)}${what}`)
    : fail(name, `${String(actual)}${what}, planned ${String(expected)}${what}`);

/** Compares one live configuration with its plan: one check per setting. */
export function configurationChecks(
  logicalName: string,
  live: FunctionConfiguration,
  planned: PlannedFunction,
): SmokeCheck[] {
  const at = (setting: string) => `${logicalName} ${setting}`;
  const checks: SmokeCheck[] = [];

  checks.push(
    live.State === "Active" && (live.LastUpdateStatus ?? "Successful") === "Successful"
      ? pass(at("state"), "Active")
      : fail(
          at("state"),
          `${live.State ?? "?"} (last update ${live.LastUpdateStatus ?? "?"}): ${live.StateReason ?? live.LastUpdateStatusReason ?? ""}`.trim(),
        ),
  );
  checks.push(
    planned.packageType === "Image"
      ? same(at("runtime"), live.PackageType ?? "Zip", "Image", " package")
      : live.PackageType === "Image"
        ? fail(at("runtime"), `image package, planned ${planned.runtime ?? "a zip runtime"}`)
        : same(at("runtime"), live.Runtime, planned.runtime),
  );
  checks.push(
    same(
      at("architecture"),
      (live.Architectures ?? ["x86_64"]).join(","),
      planned.architectures.join(","),
    ),
  );
  checks.push(same(at("tracing"), live.TracingConfig?.Mode ?? "PassThrough", planned.tracingMode));
  checks.push(same(at("memory"), live.MemorySize, planned.memorySize, " MB"));
  checks.push(same(at("timeout"), live.Timeout, planned.timeout, " s"));

  // A layer nobody planned is how the old system broke (a layer missing its library); compare ARNs
  // where the plan knows them, counts otherwise.
  const liveLayers = (live.Layers ?? []).map((l) => l.Arn ?? "?");
  const known = planned.layers.filter((arn) => arn.startsWith("arn:"));
  const missing = known.filter((arn) => !liveLayers.includes(arn));
  checks.push(
    liveLayers.length === planned.layers.length && missing.length === 0
      ? pass(at("layers"), liveLayers.length === 0 ? "none" : liveLayers.join(", "))
      : fail(
          at("layers"),
          `${liveLayers.length === 0 ? "none" : liveLayers.join(", ")}; planned ${
            planned.layers.length === 0 ? "none" : planned.layers.join(", ")
          }`,
        ),
  );

  const problems = Object.entries(live.Environment?.Variables ?? {})
    .map(([name, value]) => secretLooking(name, value))
    .filter((p): p is string => p !== undefined);
  checks.push(
    problems.length === 0
      ? pass(at("environment"), "no secret-looking values")
      : fail(at("environment"), problems.join("; ")),
  );
  return checks;
}

/** The synthetic API Gateway event of a signed-in user who has no Kalshi key. */
export function unknownUserSignEvent(sub: string): Record<string, unknown> {
  return {
    resource: "/sign",
    path: "/sign",
    httpMethod: "POST",
    headers: { "Content-Type": "application/json" },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      requestId: `smoke-${sub}`,
      resourcePath: "/sign",
      httpMethod: "POST",
      authorizer: { claims: { sub } },
    },
    body: JSON.stringify({ method: "GET", path: "/trade-api/v2/portfolio/balance" }),
    isBase64Encoded: false,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const brief = (text: string) => (text.length > 160 ? `${text.slice(0, 157)}...` : text);

async function invoke(
  lambda: LambdaClient,
  functionName: string,
  payload: unknown,
  timeoutMs: number,
): Promise<{ functionError?: string; payload: string }> {
  const response = await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      Payload: Buffer.from(JSON.stringify(payload)),
    }),
    { abortSignal: AbortSignal.timeout(timeoutMs) },
  );
  return {
    ...(response.FunctionError ? { functionError: response.FunctionError } : {}),
    payload: response.Payload ? Buffer.from(response.Payload).toString("utf8") : "",
  };
}

/** `{ "dryRun": true }`: config and calendar only, no I/O. */
async function streamerDryRun(
  lambda: LambdaClient,
  functionName: string,
  timeoutMs: number,
): Promise<SmokeCheck> {
  const name = `${STREAMER} dry run`;
  const result = await invoke(lambda, functionName, { dryRun: true }, timeoutMs);
  if (result.functionError) {
    return fail(name, `${result.functionError}: ${brief(result.payload)}`);
  }
  const body = parseJson(result.payload) as { dryRun?: unknown; marketOpen?: unknown } | undefined;
  return body?.dryRun === true
    ? pass(name, `dryRun, market ${body.marketOpen === true ? "open" : "closed"}`)
    : fail(name, `answered ${brief(result.payload)}, expected { "dryRun": true, ... }`);
}

/** A user with no key must get 404 signing_key_not_found: config, IAM and secret lookup all work. */
async function signerWithoutKey(
  lambda: LambdaClient,
  functionName: string,
  timeoutMs: number,
): Promise<SmokeCheck> {
  const name = `${SIGNER} unknown user`;
  // Random, so no key can ever exist for it.
  const sub = `smoke-test-no-key-${randomBytes(6).toString("hex")}`;
  const result = await invoke(lambda, functionName, unknownUserSignEvent(sub), timeoutMs);
  if (result.functionError) {
    return fail(name, `${result.functionError}: ${brief(result.payload)}`);
  }
  const answer = parseJson(result.payload) as { statusCode?: unknown; body?: unknown } | undefined;
  const body = parseJson(typeof answer?.body === "string" ? answer.body : "") as
    { error?: unknown } | undefined;
  return answer?.statusCode === 404 && body?.error === "signing_key_not_found"
    ? pass(name, "404 signing_key_not_found")
    : fail(
        name,
        `answered ${String(answer?.statusCode)} ${brief(typeof answer?.body === "string" ? answer.body : result.payload)}, expected 404 signing_key_not_found`,
      );
}

function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}${path}`;
}

async function health(baseUrl: string, timeoutMs: number): Promise<SmokeCheck> {
  const name = "fred-jobs GET /health";
  const response = await fetch(joinUrl(baseUrl, "/health"), {
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  const body = parseJson(text) as { status?: unknown } | undefined;
  return response.status === 200 && body?.status === "healthy"
    ? pass(name, '200 {"status":"healthy"}')
    : fail(name, `${response.status} ${brief(text)}, expected 200 {"status":"healthy"}`);
}

async function refusesAnonymous(
  api: string,
  baseUrl: string,
  method: string,
  path: string,
  timeoutMs: number,
): Promise<SmokeCheck> {
  const name = `${api} ${method} ${path} without credentials`;
  const response = await fetch(joinUrl(baseUrl, path), {
    method,
    ...(method === "POST" ? { body: "{}", headers: { "Content-Type": "application/json" } } : {}),
    signal: AbortSignal.timeout(timeoutMs),
  });
  await response.body?.cancel();
  return response.status === 401 || response.status === 403
    ? pass(name, String(response.status))
    : fail(name, `${response.status}, expected 401 or 403`);
}

/** Runs a check; an exception (timeout, access denied, no such function) is its failure. */
async function guarded(name: string, check: () => Promise<SmokeCheck | SmokeCheck[]>) {
  try {
    const result = await check();
    return Array.isArray(result) ? result : [result];
  } catch (err) {
    const e = err as Error;
    const why = e.name === "TimeoutError" || e.name === "AbortError" ? "timed out" : e.message;
    return [fail(name, `${e.name}: ${brief(why)}`)];
  }
}

/** Every check of the stack, in a stable order; never throws for a failed check. */
export async function runSmoke(options: SmokeOptions): Promise<SmokeReport> {
  const targets = functionTargets(options.outputs);
  const unplanned = targets.filter((t) => !options.expected[t.logicalName]);
  if (unplanned.length > 0) {
    throw new SmokeError(
      `the plan of stack "${options.stack}" has no function ${unplanned.map((t) => t.logicalName).join(", ")}`,
    );
  }
  const region = options.region ?? String(options.outputs.homeRegion);
  const timeoutMs = options.timeoutMs ?? 20_000;
  const lambda = new LambdaClient({
    region,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: Math.min(timeoutMs, 5_000), requestTimeout: timeoutMs },
    ...(options.lambda?.endpoint ? { endpoint: options.lambda.endpoint } : {}),
    ...(options.lambda?.credentials ? { credentials: options.lambda.credentials } : {}),
  });
  const fnName = (logical: string) => targets.find((t) => t.logicalName === logical)!.functionName;
  const quickbetsUrl = String(options.outputs.quickbetsApiUrl);
  const fredUrl = String(options.outputs.fredJobsApiUrl);

  try {
    const groups = await Promise.all([
      ...targets.map((t) =>
        guarded(`${t.logicalName} configuration`, async () => {
          const live = await lambda.send(
            new GetFunctionConfigurationCommand({ FunctionName: t.functionName }),
            { abortSignal: AbortSignal.timeout(timeoutMs) },
          );
          return configurationChecks(t.logicalName, live, options.expected[t.logicalName]!);
        }),
      ),
      guarded(`${STREAMER} dry run`, () => streamerDryRun(lambda, fnName(STREAMER), timeoutMs)),
      guarded(`${SIGNER} unknown user`, () => signerWithoutKey(lambda, fnName(SIGNER), timeoutMs)),
      guarded("fred-jobs GET /health", () => health(fredUrl, timeoutMs)),
      ...PROTECTED_ROUTES.quickbets.map(([method, path]) =>
        guarded(`quickbets ${method} ${path} without credentials`, () =>
          refusesAnonymous("quickbets", quickbetsUrl, method, path, timeoutMs),
        ),
      ),
      ...PROTECTED_ROUTES["fred-jobs"].map(([method, path]) =>
        guarded(`fred-jobs ${method} ${path} without credentials`, () =>
          refusesAnonymous("fred-jobs", fredUrl, method, path, timeoutMs),
        ),
      ),
    ]);
    const checks = groups.flat();
    return { stack: options.stack, region, checks, ok: checks.every((c) => c.ok) };
  } finally {
    lambda.destroy();
  }
}

/** The report as a fixed-width table, failures marked so they stand out in a CI log. */
export function formatReport(report: SmokeReport): string {
  const rows = report.checks.map((c) => [c.name, c.ok ? "ok" : "FAIL", c.detail]);
  const header = ["check", "result", "detail"];
  const widths = [0, 1].map((i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell))
      .join("  ")
      .trimEnd();
  const failed = report.checks.filter((c) => !c.ok).length;
  return [
    `smoke test of stack "${report.stack}" (${report.region})`,
    line(header),
    line(widths.map((w) => "-".repeat(w)).concat("------")),
    ...rows.map(line),
    "",
    failed === 0
      ? `all ${report.checks.length} checks passed`
      : `${failed} of ${report.checks.length} checks failed`,
  ].join("\n");
}

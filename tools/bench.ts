/**
 * `npm run bench`: per QuickBets bundle its size and its load time in a fresh Node process that
 * sees only the AWS SDK (median of several runs, measured inside the child from just before
 * `require` until the handler and its module-scope SDK clients exist) against the old Python
 * stack's cold start, run for run; then our RSA-PSS signer's throughput against
 * `openssl speed rsa2048` on this machine, and the time the Alpha-Kite streamer
 * spends on indicators for a full session; then the FRED jobs API (built with tsc, against a
 * throwaway local PostgreSQL): time from process start to a passing readiness check, and the
 * latency of GET /api/v1/jobs/{id} beside the same SELECT through `pg` alone; its load figures
 * (a burst beyond the dev class's max_connections, and a database restart under load); the finance
 * API's start through run.sh with and without reading its secrets (tools/bench-finance.ts); and the
 * offline plan's wall time per stack. Every comparison alternates its two sides (A, B, A, B ...) in
 * the same run, so a shared, noisy machine moves both alike. One table of figures (Markdown;
 * `--json FILE` writes them too), each a median with its spread; exits 1 when a target is missed.
 */
import { execFileSync, spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Client } from "pg";
import { bundleHandler } from "../components/bundle";
import { financeStartBench } from "./bench-finance";
import { withIndicators, type Candle } from "../functions/alpha-kite/lib/indicators";
import { pssSign } from "../functions/quickbets/lib/signer";
import {
  ALPHA_KITE_ENTRIES,
  MAX_BUNDLE_BYTES,
  QUICKBETS_ENTRIES,
  RuntimeDir,
} from "../test/functions/helpers/lambda-runtime";
import { maxConnections } from "../components/db-connections";
import { POSTGRES_PROFILES } from "../components/postgres";
import { burst, loadThroughRestart, startInstances } from "../test/helpers/burst";
import { freePort, LocalPostgres } from "../test/helpers/postgres";
import { runCli } from "./cli";

const MAX_LOAD_MS = 150;
/** Each bundle's cold load at least this many times faster than the old Python stack's. */
const MIN_PYTHON_RATIO = 3;
const MIN_SIGN_RATIO = 0.8;
const LOAD_RUNS = 9;
const SIGN_SECONDS = 2;
/** A full regular session (390 minutes) for this many tickers, computed in under this many ms. */
const INDICATOR_TICKERS = 10;
const SESSION_BARS = 390;
const MAX_INDICATOR_MS = 50;
const INDICATOR_RUNS = 15;
/** The jobs API: process start to GET /health 200 (schema current), median of this many starts. */
const WEB_START_RUNS = 7;
const MAX_WEB_READY_MS = 1500;
/** GET /api/v1/jobs/{id}, sequential over one keep-alive connection, after a warm-up. */
const WEB_REQUESTS = 2000;
const WEB_WARMUP = 200;
const MAX_WEB_P99_MS = 25;
/** Readiness is polled as the Lambda Web Adapter does: every 10 ms. */
const READINESS_POLL_MS = 10;

/** Plan wall time per stack: runs of `npm run plan`'s program, in a fresh process each. */
const PLAN_RUNS = 3;
const MAX_PLAN_SECONDS = 3;

/**
 * The old Python stack's cold start, what each bundle is held against: boto3, requests and
 * cryptography imported and two boto3 clients created, timed inside a fresh `python3` as the
 * bundle's load is timed inside a fresh `node`.
 */
export const PYTHON_COLD_START = [
  "import time",
  "start = time.perf_counter()",
  "import boto3, requests, cryptography.hazmat.primitives.asymmetric.padding",
  'boto3.client("dynamodb", region_name="us-east-1")',
  'boto3.client("secretsmanager", region_name="us-east-1")',
  "print((time.perf_counter() - start) * 1000)",
].join("\n");

/** Ms of one Python cold start, in a fresh process. */
function pythonLoadMs(): number {
  let output: string;
  try {
    output = execFileSync("python3", ["-c", PYTHON_COLD_START], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, AWS_EC2_METADATA_DISABLED: "true" },
    });
  } catch (error) {
    throw new Error(
      `the Python baseline needs python3 with boto3, requests and cryptography: ${(error as Error).message}`,
    );
  }
  return Number(output.trim());
}

export interface Interleaved {
  readonly a: number[];
  readonly b: number[];
  readonly ratios: number[];
}

/**
 * Runs `a` and `b` alternately, `runs` times each (a, b, a, b, ...), so that a busy, shared
 * machine slows both sides alike; returns both sides' samples and the ratio of each pair.
 */
export function interleaved(
  runs: number,
  a: () => number,
  b: () => number,
  ratio: (a: number, b: number) => number,
): Interleaved {
  const out: Interleaved = { a: [], b: [], ratios: [] };
  for (let run = 0; run < runs; run++) {
    out.a.push(a());
    out.b.push(b());
    out.ratios.push(ratio(out.a.at(-1)!, out.b.at(-1)!));
  }
  return out;
}

/** One measured figure: a median over runs, its spread, and the target it is held to. */
export interface Figure {
  readonly group: string;
  readonly name: string;
  readonly unit: string;
  readonly median: number;
  readonly runs: number;
  readonly min?: number;
  readonly max?: number;
  readonly p99?: number;
  /** `value < limit` or `value >= limit` must hold. */
  readonly target?: { readonly op: "<" | ">="; readonly limit: number };
  /** What it is compared with, measured in the same run. */
  readonly note?: string;
}

/** Whether a figure meets its target (true when it has none). */
export function meets(figure: Figure): boolean {
  if (!figure.target) return true;
  return figure.target.op === "<"
    ? figure.median < figure.target.limit
    : figure.median >= figure.target.limit;
}

/** A figure from raw samples. */
export function figure(
  group: string,
  name: string,
  unit: string,
  samples: readonly number[],
  extra: Partial<Pick<Figure, "target" | "note" | "p99">> = {},
): Figure {
  return {
    group,
    name,
    unit,
    median: median(samples),
    runs: samples.length,
    min: Math.min(...samples),
    max: Math.max(...samples),
    ...extra,
  };
}

const round = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2));

/** The figures as one Markdown table. */
export function figuresTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.group,
    f.name,
    `${round(f.median)} ${f.unit}`,
    f.min !== undefined && f.max !== undefined ? `${round(f.min)}–${round(f.max)}` : "",
    f.p99 !== undefined ? `${round(f.p99)}` : "",
    String(f.runs),
    f.target ? `${f.target.op} ${f.target.limit} ${f.unit}` : "",
    f.target ? (meets(f) ? "yes" : "**no**") : "",
    f.note ?? "",
  ]);
  return [
    "| group | figure | median | spread (min–max) | p99 | runs | target | met | compared with |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** `sign/s` of the rsa 2048 row of `openssl speed` output. */
export function parseOpensslSpeed(output: string): number {
  const row = /rsa\s+2048\s+bits\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)\s+[\d.]+/.exec(output);
  if (!row?.[1])
    throw new Error(`cannot find the rsa 2048 row in openssl speed output:\n${output}`);
  return Number(row[1]);
}

function signerRate(): number {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const path = "/trade-api/v2/portfolio/orders";
  for (let i = 0; i < 50; i++) pssSign(privateKey, `${Date.now()}GET${path}`); // warm up
  const deadline = performance.now() + SIGN_SECONDS * 1000;
  let count = 0;
  const start = performance.now();
  while (performance.now() < deadline) {
    pssSign(privateKey, `${Date.now()}POST${path}`);
    count++;
  }
  return count / ((performance.now() - start) / 1000);
}

function opensslRate(): number {
  const output = execFileSync("openssl", ["speed", "-seconds", String(SIGN_SECONDS), "rsa2048"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return parseOpensslSpeed(output);
}

/** Ms to compute SMA9 + VWAP for every bar of a full session of every ticker, per run. */
function indicatorSamples(): number[] {
  const start = Date.parse("2026-11-24T14:30:00Z");
  const sessions: Candle[][] = Array.from({ length: INDICATOR_TICKERS }, (_, t) =>
    Array.from({ length: SESSION_BARS }, (_, i) => {
      const close = 100 + t + Math.sin(i / 7) * 3;
      return {
        datetime: start + i * 60_000,
        open: close - 0.1,
        high: close + 0.2,
        low: close - 0.2,
        close,
        volume: 1000 + ((i * 7919) % 5000),
      };
    }),
  );
  const times: number[] = [];
  for (let run = 0; run < INDICATOR_RUNS; run++) {
    const begin = performance.now();
    for (const candles of sessions) withIndicators(candles);
    times.push(performance.now() - begin);
  }
  return times;
}

/** Wall time of the offline plan of `stack`, in a fresh process, as `npm run plan` runs it. */
function planSeconds(stack: string): number {
  const begin = performance.now();
  execFileSync(
    process.execPath,
    ["-r", join(__dirname, "register.js"), join(__dirname, "plan.ts"), "--stack", stack],
    { cwd: join(__dirname, ".."), stdio: "ignore" },
  );
  return (performance.now() - begin) / 1000;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { json: { type: "string" } }, strict: true });
  const figures: Figure[] = [];
  const log = (f: Figure) => {
    figures.push(f);
    console.error(
      `${f.group}: ${f.name} ${round(f.median)} ${f.unit}${meets(f) ? "" : "  (target missed)"}`,
    );
  };

  for (const entry of [...QUICKBETS_ENTRIES, ...ALPHA_KITE_ENTRIES]) {
    const bundle = bundleHandler(entry);
    const dir = RuntimeDir.create(bundle.code);
    let runs: Interleaved;
    try {
      const load = () => {
        const result = dir.load();
        if (!result.ok || result.ms === undefined) {
          throw new Error(
            `${entry} did not load: ${result.error ?? `handler is ${result.handlerType}`}`,
          );
        }
        return result.ms;
      };
      runs = interleaved(LOAD_RUNS, load, pythonLoadMs, (node, python) => python / node);
    } finally {
      dir.dispose();
    }
    log(
      figure(entry, "bundle size", "KB", [bundle.bytes / 1024], {
        target: { op: "<", limit: MAX_BUNDLE_BYTES / 1024 },
      }),
    );
    log(
      figure(entry, "load with SDK clients, fresh process", "ms", runs.a, {
        target: { op: "<", limit: MAX_LOAD_MS },
      }),
    );
    log(
      figure(entry, "Python stack / bundle, cold load", "×", runs.ratios, {
        target: { op: ">=", limit: MIN_PYTHON_RATIO },
        note: `boto3 + requests + cryptography and two clients, interleaved: median ${median(runs.b).toFixed(0)} ms`,
      }),
    );
  }

  // The signer and OpenSSL alternate, so machine noise hits both alike; the ratio is per pair.
  const {
    a: ours,
    b: theirs,
    ratios,
  } = interleaved(3, signerRate, opensslRate, (signer, openssl) => (signer / openssl) * 100);
  log(figure("signer", "RSA-PSS 2048 signatures", "/s", ours));
  log(figure("signer", "openssl speed rsa2048 signatures", "/s", theirs));
  log(
    figure("signer", "signer / OpenSSL", "%", ratios, {
      target: { op: ">=", limit: MIN_SIGN_RATIO * 100 },
      note: "openssl speed rsa2048, same run",
    }),
  );
  log(
    figure(
      "alpha-kite",
      `SMA9 + VWAP, ${SESSION_BARS} bars × ${INDICATOR_TICKERS} tickers`,
      "ms",
      indicatorSamples(),
      { target: { op: "<", limit: MAX_INDICATOR_MS } },
    ),
  );
  for (const f of await webApiBench()) log(f);
  for (const f of await webApiLoadBench()) log(f);
  for (const f of await financeStartBench()) log(f);
  for (const stack of ["dev", "prod"]) {
    const samples = Array.from({ length: PLAN_RUNS }, () => planSeconds(stack));
    log(
      figure("plan", `npm run plan -- --stack ${stack}`, "s", samples, {
        target: { op: "<", limit: MAX_PLAN_SECONDS },
      }),
    );
  }

  const table = figuresTable(figures);
  console.log(table);
  if (values.json) writeFileSync(values.json, `${JSON.stringify({ figures }, null, 2)}\n`);
  const missed = figures.filter((f) => !meets(f)).length;
  console.log(missed === 0 ? "\nall targets met" : `\n${missed} target(s) missed`);
  return missed === 0 ? 0 : 1;
}

/** The p-th percentile (nearest rank) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

const WEB_API_DIR = join(__dirname, "..", "containers", "web-api");

/** The jobs API compiled as its Dockerfile compiles it, into a temporary directory. */
function buildWebApi(): { dir: string; entry: string } {
  const dir = mkdtempSync(join(tmpdir(), "web-api-build-"));
  execFileSync(
    process.execPath,
    [require.resolve("typescript/bin/tsc"), "-p", WEB_API_DIR, "--outDir", join(dir, "dist")],
    { stdio: "inherit" },
  );
  // server.ts reads its version from ../package.json.
  copyFileSync(join(WEB_API_DIR, "package.json"), join(dir, "package.json"));
  return { dir, entry: join(dir, "dist", "server.js") };
}

interface WebProcess {
  port: number;
  /** ms from spawn to the first GET /health 200. */
  readyMs: number;
  stop(): Promise<void>;
}

async function startWebApi(entry: string, env: Record<string, string>): Promise<WebProcess> {
  const port = await freePort();
  const begin = performance.now();
  const child = spawn(process.execPath, [entry], {
    env: {
      PATH: process.env.PATH ?? "",
      // The build lives outside the repository; its dependencies are the repository's.
      NODE_PATH: join(__dirname, "..", "node_modules"),
      AWS_EC2_METADATA_DISABLED: "true",
      ...env,
      PORT: String(port),
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      resolve();
    }),
  );
  const deadline = begin + 30_000;
  for (;;) {
    if (exited) throw new Error("the jobs API exited before it was ready");
    if (performance.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error("the jobs API was not ready within 30 s");
    }
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      await response.arrayBuffer();
      if (response.status === 200) break;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, READINESS_POLL_MS));
  }
  const readyMs = performance.now() - begin;
  return {
    port,
    readyMs,
    stop: async () => {
      child.kill("SIGTERM");
      await exit;
    },
  };
}

async function timed(count: number, action: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const begin = performance.now();
    await action();
    times.push(performance.now() - begin);
  }
  return times;
}

async function webApiBench(): Promise<Figure[]> {
  const pg = await LocalPostgres.start();
  const build = buildWebApi();
  try {
    await pg.createDatabase("bench");
    const env = {
      ...pg.appEnv("bench"),
      APP_ENV: "test",
      AWS_REGION: "us-east-1",
      UPLOAD_BUCKET: "fred-bench-uploads",
    };
    // The first start applies the migrations; the measured ones find the schema current, as
    // every cold start after a deployment's first does.
    const first = await startWebApi(build.entry, env);
    await first.stop();
    const starts: number[] = [];
    for (let run = 0; run < WEB_START_RUNS; run++) {
      const server = await startWebApi(build.entry, env);
      starts.push(server.readyMs);
      await server.stop();
    }

    const server = await startWebApi(build.entry, env);
    const client = new Client(pg.config("bench"));
    await client.connect();
    let api: number[];
    let raw: number[];
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const created = await fetch(`${base}/api/v1/jobs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "bench-job", description: "latency probe" }),
      });
      const { id } = (await created.json()) as { id: string };
      const get = async () => {
        const response = await fetch(`${base}/api/v1/jobs/${id}`);
        if (response.status !== 200) throw new Error(`GET job answered ${response.status}`);
        await response.arrayBuffer();
      };
      const select = () =>
        client.query("SELECT id, name, description, created_at FROM jobs WHERE id = $1", [id]);
      // The API and the bare query alternate, request by request: noise hits both alike.
      await timed(WEB_WARMUP, get);
      await timed(WEB_WARMUP, select);
      api = [];
      raw = [];
      for (let i = 0; i < WEB_REQUESTS; i++) {
        api.push(...(await timed(1, get)));
        raw.push(...(await timed(1, select)));
      }
    } finally {
      await client.end();
      await server.stop();
    }

    return [
      figure("fred-jobs", "process start to GET /health 200 (schema current)", "ms", starts, {
        target: { op: "<", limit: MAX_WEB_READY_MS },
        note: `first start with migrations: ${first.readyMs.toFixed(0)} ms`,
      }),
      figure("fred-jobs", `GET /api/v1/jobs/{id} × ${WEB_REQUESTS}`, "ms", api, {
        p99: percentile(api, 99),
        note: `the same SELECT through pg alone, interleaved: median ${median(raw).toFixed(2)} ms, p99 ${percentile(raw, 99).toFixed(2)} ms`,
      }),
      figure("fred-jobs", "p99 of GET /api/v1/jobs/{id}", "ms", [percentile(api, 99)], {
        target: { op: "<", limit: MAX_WEB_P99_MS },
      }),
      figure("fred-jobs", `SELECT through pg alone × ${WEB_REQUESTS}`, "ms", raw, {
        p99: percentile(raw, 99),
      }),
    ];
  } finally {
    await pg.stop();
    rmSync(build.dir, { recursive: true, force: true });
  }
}

/**
 * The jobs API against a PostgreSQL started with the dev class's max_connections: a burst of
 * 4 × max_connections requests over 1.5 × max_connections instances (one connection each, as
 * Lambda environments), then the server stopped and started under load. Every request must be
 * answered 2xx or 503 + Retry-After; errors (anything else, or a hang) must be zero.
 */
export async function webApiLoadBench(): Promise<Figure[]> {
  const instanceClass = POSTGRES_PROFILES.dev.instanceClass;
  const max = maxConnections(instanceClass);
  const pg = await LocalPostgres.start({ maxConnections: max });
  try {
    const instances = await startInstances(pg, "burst", { count: Math.ceil(1.5 * max) });
    const { figures: b } = await burst(instances, pg, 4 * max, 15_000).finally(() =>
      instances.close(),
    );
    const restarting = await startInstances(pg, "restart", { count: 8 });
    const run = await loadThroughRestart(restarting, pg, {
      clients: 8,
      beforeMs: 500,
      downMs: 1000,
      afterMs: 1500,
    }).finally(() => restarting.close());
    const answered = run.outcomes.filter((o) => o !== "hung");
    const restartErrors = run.outcomes.filter(
      (o) =>
        o === "hung" ||
        !([200, 201].includes(o.status) || (o.status === 503 && o.retryAfter !== null)),
    ).length;
    const group = "fred-jobs load";
    const setting = `${instanceClass}, max_connections ${max}`;
    return [
      figure(
        group,
        `burst: requests (${setting}, ${Math.ceil(1.5 * max)} instances)`,
        "",
        [b.requests],
        {
          note: `${b.ok} 2xx, ${b.unavailable} 503 + Retry-After, in ${b.wallMs.toFixed(0)} ms`,
        },
      ),
      figure(group, "burst: latency p50", "ms", [b.p50], {
        p99: b.p99,
        note: `max ${b.max.toFixed(0)} ms`,
      }),
      figure(group, "burst: errors (not 2xx or 503 + Retry-After, or hung)", "", [b.errors], {
        target: { op: "<", limit: 1 },
      }),
      figure(group, "burst: peak server connections", "", [b.peakConnections], {
        target: { op: "<", limit: max + 1 },
      }),
      figure(group, "restart: requests through a 1 s stop", "", [run.outcomes.length], {
        note: `${answered.filter((o) => o.status === 503).length} answered 503 + Retry-After`,
      }),
      figure(group, "restart: first request served after the restart", "ms", [run.recoveryMs], {
        target: { op: "<", limit: 1500 },
      }),
      figure(
        group,
        "restart: errors (not 2xx or 503 + Retry-After, or hung)",
        "",
        [restartErrors],
        {
          target: { op: "<", limit: 1 },
        },
      ),
    ];
  } finally {
    await pg.stop();
  }
}

if (require.main === module) {
  runCli(main);
}

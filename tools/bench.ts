/**
 * `npm run bench`: per QuickBets bundle its size and its load time in a fresh Node process that
 * sees only the AWS SDK (median of several runs, measured inside the child from just before
 * `require` until the handler and its module-scope SDK clients exist), then our RSA-PSS signer's
 * throughput against `openssl speed rsa2048` on this machine, and the time the Alpha-Kite streamer
 * spends on indicators for a full session; then the FRED jobs API (built with tsc, against a
 * throwaway local PostgreSQL): time from process start to a passing readiness check, and the
 * latency of GET /api/v1/jobs/{id} beside the same SELECT through `pg` alone. Exits 1 when a
 * target is missed.
 */
import { execFileSync, spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { bundleHandler } from "../components/bundle";
import { withIndicators, type Candle } from "../functions/alpha-kite/lib/indicators";
import { pssSign } from "../functions/quickbets/lib/signer";
import {
  ALPHA_KITE_ENTRIES,
  MAX_BUNDLE_BYTES,
  QUICKBETS_ENTRIES,
  RuntimeDir,
} from "../test/functions/helpers/lambda-runtime";
import { freePort, LocalPostgres } from "../test/helpers/postgres";

const MAX_LOAD_MS = 150;
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

/** Median ms to compute SMA9 + VWAP for every bar of a full session of every ticker. */
function indicatorMs(): number {
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
  return median(times);
}

function pad(text: string, width: number): string {
  return text.padEnd(width);
}

async function main(): Promise<number> {
  let missed = 0;
  console.log(`${pad("bundle", 34)}${pad("size", 20)}load (median of ${LOAD_RUNS})`);
  for (const entry of [...QUICKBETS_ENTRIES, ...ALPHA_KITE_ENTRIES]) {
    const bundle = bundleHandler(entry);
    const dir = RuntimeDir.create(bundle.code);
    const times: number[] = [];
    try {
      for (let run = 0; run < LOAD_RUNS; run++) {
        const result = dir.load();
        if (!result.ok || result.ms === undefined) {
          throw new Error(
            `${entry} did not load: ${result.error ?? `handler is ${result.handlerType}`}`,
          );
        }
        times.push(result.ms);
      }
    } finally {
      dir.dispose();
    }
    const kb = bundle.bytes / 1024;
    const ms = median(times);
    const sizeOk = bundle.bytes < MAX_BUNDLE_BYTES;
    const loadOk = ms < MAX_LOAD_MS;
    missed += Number(!sizeOk) + Number(!loadOk);
    console.log(
      `${pad(entry, 34)}${pad(`${kb.toFixed(1)} KB ${sizeOk ? "<" : "≥"} 150`, 20)}` +
        `${ms.toFixed(1)} ms ${loadOk ? "<" : "≥"} ${MAX_LOAD_MS}  (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)})`,
    );
  }

  const ours = signerRate();
  const openssl = opensslRate();
  const ratio = ours / openssl;
  const signOk = ratio >= MIN_SIGN_RATIO;
  missed += Number(!signOk);
  console.log(
    `\nRSA-PSS 2048 signatures/s: signer ${ours.toFixed(0)}, openssl speed ${openssl.toFixed(0)}, ` +
      `ratio ${(ratio * 100).toFixed(1)} % ${signOk ? "≥" : "<"} ${MIN_SIGN_RATIO * 100} %`,
  );
  const indicators = indicatorMs();
  const indicatorsOk = indicators < MAX_INDICATOR_MS;
  missed += Number(!indicatorsOk);
  console.log(
    `Alpha-Kite SMA9 + VWAP, ${SESSION_BARS} bars × ${INDICATOR_TICKERS} tickers: ` +
      `${indicators.toFixed(2)} ms (median of ${INDICATOR_RUNS}) ${indicatorsOk ? "<" : "≥"} ${MAX_INDICATOR_MS}`,
  );
  missed += await webApiBench();
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

async function webApiBench(): Promise<number> {
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
      await timed(WEB_WARMUP, get);
      api = await timed(WEB_REQUESTS, get);
      await timed(WEB_WARMUP, select);
      raw = await timed(WEB_REQUESTS, select);
    } finally {
      await client.end();
      await server.stop();
    }

    const ready = median(starts);
    const p99 = percentile(api, 99);
    const readyOk = ready < MAX_WEB_READY_MS;
    const p99Ok = p99 < MAX_WEB_P99_MS;
    console.log(
      `\nFRED jobs API (node ${process.version}, local PostgreSQL, schema current): start to GET /health 200 ` +
        `${ready.toFixed(0)} ms (median of ${WEB_START_RUNS}, min ${Math.min(...starts).toFixed(0)}, ` +
        `max ${Math.max(...starts).toFixed(0)}; first start with migrations ${first.readyMs.toFixed(0)}) ` +
        `${readyOk ? "<" : "≥"} ${MAX_WEB_READY_MS}`,
    );
    console.log(
      `GET /api/v1/jobs/{id} × ${WEB_REQUESTS}: median ${median(api).toFixed(2)} ms, ` +
        `p99 ${p99.toFixed(2)} ms ${p99Ok ? "<" : "≥"} ${MAX_WEB_P99_MS}; ` +
        `the same SELECT through pg alone: median ${median(raw).toFixed(2)} ms, p99 ${percentile(raw, 99).toFixed(2)} ms`,
    );
    return Number(!readyOk) + Number(!p99Ok);
  } finally {
    await pg.stop();
    rmSync(build.dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}

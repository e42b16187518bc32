/**
 * `npm run bench`: per QuickBets bundle its size and its load time in a fresh Node process that
 * sees only the AWS SDK (median of several runs, measured inside the child from just before
 * `require` until the handler and its module-scope SDK clients exist), then our RSA-PSS signer's
 * throughput against `openssl speed rsa2048` on this machine, and the time the Alpha-Kite streamer
 * spends on indicators for a full session. Exits 1 when a target is missed.
 */
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { bundleHandler } from "../components/bundle";
import { withIndicators, type Candle } from "../functions/alpha-kite/lib/indicators";
import { pssSign } from "../functions/quickbets/lib/signer";
import {
  ALPHA_KITE_ENTRIES,
  MAX_BUNDLE_BYTES,
  QUICKBETS_ENTRIES,
  RuntimeDir,
} from "../test/functions/helpers/lambda-runtime";

const MAX_LOAD_MS = 150;
const MIN_SIGN_RATIO = 0.8;
const LOAD_RUNS = 9;
const SIGN_SECONDS = 2;
/** A full regular session (390 minutes) for this many tickers, computed in under this many ms. */
const INDICATOR_TICKERS = 10;
const SESSION_BARS = 390;
const MAX_INDICATOR_MS = 50;
const INDICATOR_RUNS = 15;

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

function main(): number {
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
  console.log(missed === 0 ? "\nall targets met" : `\n${missed} target(s) missed`);
  return missed === 0 ? 0 : 1;
}

if (require.main === module) process.exitCode = main();

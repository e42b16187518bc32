/**
 * `npm run bench`: per QuickBets bundle its size and its load time in a fresh Node process that
 * sees only the AWS SDK (median of several runs, measured inside the child from just before
 * `require` until the handler and its module-scope SDK clients exist), then our RSA-PSS signer's
 * throughput against `openssl speed rsa2048` on this machine. Exits 1 when a target is missed.
 */
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { bundleHandler } from "../components/bundle";
import { pssSign } from "../functions/quickbets/lib/signer";
import {
  MAX_BUNDLE_BYTES,
  QUICKBETS_ENTRIES,
  RuntimeDir,
} from "../test/functions/helpers/lambda-runtime";

const MAX_LOAD_MS = 150;
const MIN_SIGN_RATIO = 0.8;
const LOAD_RUNS = 9;
const SIGN_SECONDS = 2;

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

function pad(text: string, width: number): string {
  return text.padEnd(width);
}

function main(): number {
  let missed = 0;
  console.log(`${pad("bundle", 34)}${pad("size", 20)}load (median of ${LOAD_RUNS})`);
  for (const entry of QUICKBETS_ENTRIES) {
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
  console.log(missed === 0 ? "\nall targets met" : `\n${missed} target(s) missed`);
  return missed === 0 ? 0 : 1;
}

if (require.main === module) process.exitCode = main();

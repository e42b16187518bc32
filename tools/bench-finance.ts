/**
 * The finance API's start as the adapter sees it: the fixture app (test/fixtures/finance-app),
 * packaged by the real packaging code, unpacked by unzip and started through its run.sh with
 * Debian's Python, timed from spawn to the first GET /health 200 (polled every 10 ms like the
 * adapter's readiness check); once without secrets and once reading MONGODB_URL and GOOGLE_API_KEY
 * with the launcher (standard library SigV4) from a local stand-in Secrets Manager, alternating. The difference is what the
 * secrets step adds to a cold start, less Secrets Manager's own round trips in a region.
 */
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { packagePythonApp } from "../components/python-app";
import { financeFixtureWheels } from "../test/helpers/wheels";
import { figure, median, type Figure } from "./bench";

const RUNS = 7;
/** What reading two secrets may add to a start, ms (stdlib only; boto3 alone took over 1 s here). */
const MAX_SECRETS_MS = 300;
const POLL_MS = 10;

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

async function freePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}

/** Spawn to /health 200, ms; the launcher's own "secrets read in N ms" when it printed one. */
async function startOnce(
  dir: string,
  env: Record<string, string>,
): Promise<{ ready: number; secrets?: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn("./run.sh", [], {
    cwd: dir,
    env: { PATH: "/usr/bin:/bin", AWS_LWA_PORT: String(port), ...env },
  });
  let log = "";
  child.stderr.on("data", (c: Buffer) => (log += c.toString()));
  try {
    for (;;) {
      if (performance.now() - started > 30_000) throw new Error(`no /health in 30 s:\n${log}`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health`)).status === 200) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const ready = performance.now() - started;
    const secrets = /secrets read in (\d+) ms/.exec(log)?.[1];
    return { ready, ...(secrets ? { secrets: Number(secrets) } : {}) };
  } finally {
    child.kill();
    await new Promise((r) => child.once("exit", r));
  }
}

export async function financeStartBench(): Promise<Figure[]> {
  const wheels = financeFixtureWheels(tmp("bench-wheels-"));
  const built = packagePythonApp({
    dir: path.join(__dirname, "..", "test", "fixtures", "finance-app"),
    app: "main:app",
    wheels: { findLinks: wheels },
    cacheDir: tmp("bench-cache-"),
  });
  const dir = tmp("bench-unpacked-");
  execFileSync("unzip", ["-q", built.file, "-d", dir]);

  const values: Record<string, string> = {
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:mongo": "mongodb+srv://bench",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:genai": "bench-key",
  };
  const endpoint = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const id = (JSON.parse(body) as { SecretId: string }).SecretId;
      res.setHeader("content-type", "application/x-amz-json-1.1");
      res.end(JSON.stringify({ ARN: id, Name: id, SecretString: values[id] }));
    });
  });
  await new Promise<void>((r) => endpoint.listen(0, "127.0.0.1", r));
  const [mongo, genai] = Object.keys(values);
  const withSecrets = {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "AKIABENCH",
    AWS_SECRET_ACCESS_KEY: "bench",
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`,
    PLATFORM_APP_SECRETS: "MONGODB_URL,GOOGLE_API_KEY",
    MONGODB_URL_SECRET_ARN: mongo!,
    GOOGLE_API_KEY_SECRET_ARN: genai!,
  };
  const plain: number[] = [];
  const secret: number[] = [];
  const added: number[] = [];
  const inLauncher: number[] = [];
  try {
    await startOnce(dir, {}); // warms the page cache for both
    for (let run = 0; run < RUNS; run++) {
      const a = await startOnce(dir, {});
      const b = await startOnce(dir, withSecrets);
      plain.push(a.ready);
      secret.push(b.ready);
      added.push(b.ready - a.ready);
      if (b.secrets !== undefined) inLauncher.push(b.secrets);
    }
  } finally {
    await new Promise((r) => endpoint.close(r));
  }
  const group = "finance-api";
  return [
    figure(
      group,
      `run.sh to /health 200, no secrets (archive ${(built.bytes / 1024).toFixed(0)} KB)`,
      "ms",
      plain,
    ),
    figure(group, "run.sh to /health 200, 2 secrets from Secrets Manager", "ms", secret),
    figure(group, "added by reading the secrets (paired)", "ms", added, {
      target: { op: "<", limit: MAX_SECRETS_MS },
      note: `launcher's own timing ${median(inLauncher).toFixed(0)} ms (2 SigV4-signed calls to a local endpoint, standard library); add ~2 in-region round trips on Lambda`,
    }),
  ];
}

/**
 * Shared by the web API's tests: the app served over real HTTP on a free port, the environment of
 * a server process, and server processes started from the TypeScript entry point.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { Pool } from "pg";
import { createApp, type AppDeps } from "../../../containers/web-api/src/app";
import { silentLogger } from "../../../containers/web-api/src/log";
import { migrate } from "../../../containers/web-api/src/migrate";
import { uploadClient } from "../../../containers/web-api/src/uploads";
import { LocalPostgres } from "../../helpers/postgres";
import { listen } from "../../../containers/web-api/src/listen";
import type { Level, Logger } from "../../../containers/web-api/src/log";

export const APP_DIR = join(__dirname, "..", "..", "..", "containers", "web-api");
export const SERVER_ENTRY = join(APP_DIR, "src", "server.ts");

/** Static, fake AWS credentials: presigning works offline with them, nothing else does. */
export const FAKE_AWS = {
  AWS_ACCESS_KEY_ID: "AKIAFAKEFAKEFAKEFAKE",
  AWS_SECRET_ACCESS_KEY: "fake-secret-access-key",
  AWS_REGION: "us-east-1",
};

export const BUCKET = "fred-uploads-test";

export interface LogLine {
  level: Level;
  message: string;
  fields: Record<string, unknown>;
}

/** A logger that keeps what it is given. */
export function memoryLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { lines, log: (level, message, fields = {}) => lines.push({ level, message, fields }) };
}

export interface Served {
  base: string;
  close(): Promise<void>;
}

/** `createApp(deps)` on the app's HTTP server (listen.ts), on 127.0.0.1 and a free port. */
export async function serveApp(deps: AppDeps): Promise<Served> {
  const app = createApp(deps);
  // The server the entry point runs, so its own error answers are tested too.
  const server = await listen(app.fetch, 0, "127.0.0.1");
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** The app served on a fresh, migrated database of its own local PostgreSQL. */
export interface ServedOnDatabase extends Served {
  readonly pool: Pool;
  /** Closes the server, the pool and the database server. */
  stop(): Promise<void>;
}

/** `serveApp` over a new PostgreSQL with database `name` migrated, and the test bucket. */
export async function serveOnFreshDatabase(
  name: string,
  deps: Partial<AppDeps> = {},
): Promise<ServedOnDatabase> {
  const pg = await LocalPostgres.start();
  const pool = new Pool(await pg.createDatabase(name));
  await migrate(pool, silentLogger);
  const served = await serveApp({
    db: pool,
    uploads: { s3: uploadClient("us-east-1"), bucket: BUCKET, prefix: "uploads/" },
    environment: "test",
    version: "1.0.0",
    ...deps,
  });
  return {
    ...served,
    pool,
    stop: async () => {
      await served.close();
      await pool.end();
      await pg.stop();
    },
  };
}

export interface ServerProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** Every JSON log line so far. */
  logs: Record<string, unknown>[];
  /** Resolves with the port once the server logs "listening"; rejects if it exits first. */
  listening: Promise<number>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** The server entry point (through ts-node) as a child process with `env` over a clean base. */
export function startServerProcess(env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", SERVER_ENTRY], {
    cwd: APP_DIR,
    // Only what the app reads (plus PATH/HOME for Node itself): nothing leaks in from the shell.
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      AWS_EC2_METADATA_DISABLED: "true",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const listening = new Promise<number>((resolve, reject) => {
    let pending = "";
    child.stdout.on("data", (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.message === "listening") resolve(entry.port as number);
      }
    });
    // A no-op once "listening" has resolved the promise.
    child.once("exit", (code) =>
      reject(
        new Error(`server exited (${code}) before listening:\n${stderr}\n${JSON.stringify(logs)}`),
      ),
    );
  });
  // Callers that only await `exited` must not see an unhandled rejection.
  listening.catch(() => undefined);
  return { child, logs, listening, exited };
}

/** A JSON request: `body` is sent as is when a string, JSON-encoded otherwise. */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = body === undefined
    ? {}
    : { "content-type": "application/json" },
): Promise<{ status: number; json: any; headers: Headers }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const textBody = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(textBody);
  } catch {
    throw new Error(
      `${method} ${path} answered ${response.status} with non-JSON: ${textBody.slice(0, 200)}`,
    );
  }
  return { status: response.status, json, headers: response.headers };
}

/**
 * Load against the FRED jobs API on a real PostgreSQL, shared by its load and fault tests and by
 * `npm run bench`. Each "instance" is one app with its own pool of DB_POOL_MAX connections, as
 * each Lambda environment is; requests are spread over the instances and all sent at once.
 */
import { Client, Pool } from "pg";
import { createApp } from "../../containers/web-api/src/app";
import { CONNECT_TIMEOUT_MS } from "../../containers/web-api/src/db";
import { silentLogger } from "../../containers/web-api/src/log";
import { migrate } from "../../containers/web-api/src/migrate";
import { uploadClient } from "../../containers/web-api/src/uploads";
import type { LocalPostgres } from "./postgres";

export interface Outcome {
  /** Which request (its run parameters carry it as `n`). */
  n: number;
  method: "GET" | "POST";
  status: number;
  ms: number;
  retryAfter: string | null;
  /** The run's id, for a POST answered 201. */
  runId?: string;
}

export interface Instances {
  jobId: string;
  /** Sends request `n` to instance `n % count`: even n reads the job, odd n creates a run. */
  send(n: number): Promise<Outcome>;
  /** An admin pool of its own, to inspect the database. */
  admin: Pool;
  close(): Promise<void>;
}

/** `count` app instances, each with a pool of `poolMax`, on a fresh migrated database. */
export async function startInstances(
  pg: LocalPostgres,
  database: string,
  { count, poolMax = 1 }: { count: number; poolMax?: number },
): Promise<Instances> {
  const config = await pg.createDatabase(database);
  const admin = new Pool({ ...config, max: 1 });
  admin.on("error", () => undefined);
  await migrate(admin, silentLogger);
  const { rows } = await admin.query<{ id: string }>(
    "INSERT INTO jobs (name) VALUES ('burst') RETURNING id",
  );
  const jobId = rows[0]!.id;
  const pools: Pool[] = [];
  const apps = Array.from({ length: count }, () => {
    // The app's own pool settings (db.ts): the bounded wait is what turns saturation into 503s.
    const pool = new Pool({
      ...config,
      max: poolMax,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
    });
    // A connection the server dropped while idle (a restart) must not kill the process.
    pool.on("error", () => undefined);
    pools.push(pool);
    return createApp({
      db: pool,
      uploads: { s3: uploadClient("us-east-1"), bucket: "fred-uploads-test", prefix: "uploads/" },
      environment: "test",
      version: "1.0.0",
    });
  });
  return {
    jobId,
    admin,
    async send(n) {
      const app = apps[n % apps.length]!;
      const method = n % 2 === 0 ? "GET" : "POST";
      const start = performance.now();
      const response =
        method === "GET"
          ? await app.request(`/api/v1/jobs/${jobId}`)
          : await app.request("/api/v1/runs", {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ jobId, parameters: { n } }),
            });
      const body = (await response.json()) as { id?: string };
      return {
        n,
        method,
        status: response.status,
        ms: performance.now() - start,
        retryAfter: response.headers.get("retry-after"),
        ...(method === "POST" && response.status === 201 ? { runId: body.id } : {}),
      };
    },
    async close() {
      await Promise.all([...pools, admin].map((pool) => pool.end().catch(() => undefined)));
    },
  };
}

/** `promise`, or "hung" when it has not settled within `ms`. */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | "hung"> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"hung">((resolve) => {
    timer = setTimeout(() => resolve("hung"), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export interface BurstFigures {
  requests: number;
  ok: number;
  /** 503 with Retry-After. */
  unavailable: number;
  /** Anything else: other statuses, a 503 without Retry-After, a request that hung. */
  errors: number;
  hung: number;
  p50: number;
  p99: number;
  max: number;
  wallMs: number;
  /** The most connections the server had at once, as pg_stat_activity saw it while loaded. */
  peakConnections: number;
}

/** The `q` quantile (0..1) of `values`, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * `requests` requests sent at once over `instances`, each given `deadlineMs` to be answered;
 * connections are sampled from pg_stat_activity on a superuser connection meanwhile.
 */
export async function burst(
  instances: Instances,
  pg: LocalPostgres,
  requests: number,
  deadlineMs: number,
): Promise<{ figures: BurstFigures; outcomes: (Outcome | "hung")[] }> {
  let peak = 0;
  let sampling = true;
  // A superuser connection of its own, open before the burst: it never competes for a slot.
  const client = new Client(pg.config());
  await client.connect();
  const sampler = (async () => {
    try {
      while (sampling) {
        const { rows } = await client.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend'",
        );
        peak = Math.max(peak, rows[0]!.n);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await client.end();
    }
  })();
  const start = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: requests }, (_, n) => withDeadline(instances.send(n), deadlineMs)),
  );
  const wallMs = performance.now() - start;
  sampling = false;
  await sampler;
  const answered = outcomes.filter((o): o is Outcome => o !== "hung");
  const ok = answered.filter((o) => o.status === 200 || o.status === 201).length;
  const unavailable = answered.filter((o) => o.status === 503 && o.retryAfter !== null).length;
  const hung = outcomes.length - answered.length;
  const ms = answered.map((o) => o.ms);
  return {
    outcomes,
    figures: {
      requests,
      ok,
      unavailable,
      errors: requests - ok - unavailable,
      hung,
      p50: quantile(ms, 0.5),
      p99: quantile(ms, 0.99),
      max: Math.max(...ms),
      wallMs,
      peakConnections: peak,
    },
  };
}

export interface RestartRun {
  outcomes: (Outcome | "hung")[];
  /** Indexes into `outcomes` when the server was stopped and when it accepted connections again. */
  stoppedAt: number;
  resumedAt: number;
  /** From the restart to the first request served again, in ms. */
  recoveryMs: number;
}

/**
 * `clients` clients each sending its next request as soon as the last is answered (backing off
 * 50 ms after a 503), while the server runs `beforeMs`, is stopped (fast shutdown: sessions
 * killed) for `downMs`, and runs again for `afterMs`. The app instances are never restarted.
 */
export async function loadThroughRestart(
  instances: Instances,
  pg: LocalPostgres,
  {
    clients,
    beforeMs,
    downMs,
    afterMs,
  }: { clients: number; beforeMs: number; downMs: number; afterMs: number },
): Promise<RestartRun> {
  const outcomes: (Outcome | "hung")[] = [];
  const answeredAt: number[] = [];
  let n = 0;
  let running = true;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      const outcome = await withDeadline(instances.send(n++), 10_000);
      outcomes.push(outcome);
      answeredAt.push(performance.now());
      if (outcome !== "hung" && outcome.status === 503) await sleep(50);
    }
  });
  try {
    await sleep(beforeMs);
    pg.halt();
    const stoppedAt = outcomes.length;
    await sleep(downMs);
    await pg.resume();
    const resumedAt = outcomes.length;
    const resumedTime = performance.now();
    await sleep(afterMs);
    running = false;
    await Promise.all(loops);
    const firstServed = outcomes.findIndex(
      (o, i) => i >= resumedAt && o !== "hung" && (o.status === 200 || o.status === 201),
    );
    return {
      outcomes,
      stoppedAt,
      resumedAt,
      recoveryMs: firstServed === -1 ? Infinity : answeredAt[firstServed]! - resumedTime,
    };
  } finally {
    running = false;
    await Promise.all(loops);
  }
}

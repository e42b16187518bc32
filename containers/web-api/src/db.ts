/**
 * PostgreSQL: the connection pool and the queries behind the API. Every statement is
 * parameterized and writes in one statement, so a request either writes all it means to or nothing.
 */
import { Pool, type PoolConfig, type QueryResultRow } from "pg";
import type { Credentials } from "./credentials";
import type { DatabaseConfig } from "./config";

/** What the queries need from a pool or a client. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

export const RUN_STATUSES = ["pending", "running", "succeeded", "failed"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface Job {
  id: string;
  name: string;
  description: string | null;
  createdAt: string;
}

export interface Run {
  id: string;
  jobId: string;
  parameters: Record<string, unknown>;
  status: RunStatus;
  createdAt: string;
}

/**
 * The pool options for `config`. `password` is asked for on every new connection, so a rotated
 * secret is picked up (through the credentials cache) without a restart.
 */
export function poolConfig(
  config: DatabaseConfig,
  user: string,
  password: () => Promise<string>,
): PoolConfig {
  return {
    host: config.host,
    port: config.port,
    database: config.database,
    user,
    password,
    ssl: config.ssl,
    max: config.poolMax,
    // A Lambda environment is frozen between invocations; short idle lifetimes keep it from
    // holding connections RDS has long given up on.
    idleTimeoutMillis: 30_000,
    // Bounds both the wait for a free slot of the pool and a new connection's handshake: a
    // saturated or restarting database answers 503 Retry-After instead of hanging.
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: 10_000,
    application_name: "fred-jobs-api",
  };
}

/** A pool whose user and password come from `credentials` (fetched now, so start fails early). */
export async function createPool(
  config: DatabaseConfig,
  credentials: () => Promise<Partial<Credentials>>,
  onIdleError: (error: Error) => void,
): Promise<Pool> {
  const first = await credentials();
  const user = config.user ?? first.username;
  if (user === undefined) throw new Error("DB_USER is not set and the secret names no username");
  const pool = new Pool(poolConfig(config, user, async () => (await credentials()).password ?? ""));
  // An idle client whose server went away emits "error" on the pool; unhandled, it kills the process.
  pool.on("error", onIdleError);
  return pool;
}

/** How long a request waits for a connection (a free pool slot, or a new connection) before a 503. */
export const CONNECT_TIMEOUT_MS = 2_000;

/** Seconds a client is told to wait (Retry-After) when the database is saturated or down. */
export const RETRY_AFTER_SECONDS = 1;

// SQLSTATE classes and codes that say "the database cannot serve you right now", not "your
// query is wrong": connection exceptions, too many connections, shutting down or starting up.
const UNAVAILABLE_CODES = new Set([
  "53300",
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
]);
const UNAVAILABLE_NODE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
]);

/**
 * True when `error` means the database is saturated, restarting or unreachable, so the request
 * may simply be retried: the pool's wait for a connection ran out, PostgreSQL refused one more
 * connection, or the connection died under the query.
 */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (
    typeof code === "string" &&
    (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_NODE_CODES.has(code))
  ) {
    return true;
  }
  // pg-pool and pg say these in words only.
  return /timeout exceeded when trying to connect|Connection terminated|connection timeout|Client has encountered a connection error/i.test(
    error.message,
  );
}

/** Resolves when the database answers `SELECT 1` within `timeoutMs`; rejects otherwise. */
export async function ping(db: Queryable, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the database did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([db.query("SELECT 1"), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface JobRow {
  id: string;
  name: string;
  description: string | null;
  created_at: Date;
}

interface RunRow {
  id: string;
  job_id: string;
  parameters: Record<string, unknown>;
  status: RunStatus;
  created_at: Date;
}

const JOB_COLUMNS = "id, name, description, created_at";
const RUN_COLUMNS = "id, job_id, parameters, status, created_at";

const toJob = (row: JobRow): Job => ({
  id: row.id,
  name: row.name,
  description: row.description,
  createdAt: row.created_at.toISOString(),
});

const toRun = (row: RunRow): Run => ({
  id: row.id,
  jobId: row.job_id,
  parameters: row.parameters,
  status: row.status,
  createdAt: row.created_at.toISOString(),
});

export async function insertJob(
  db: Queryable,
  job: { name: string; description: string | null },
): Promise<Job> {
  const { rows } = await db.query<JobRow>(
    `INSERT INTO jobs (name, description) VALUES ($1, $2) RETURNING ${JOB_COLUMNS}`,
    [job.name, job.description],
  );
  return toJob(rows[0]!);
}

export async function findJob(db: Queryable, id: string): Promise<Job | undefined> {
  const { rows } = await db.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1`, [id]);
  return rows[0] && toJob(rows[0]);
}

/** The new pending run, or undefined when job `jobId` does not exist (nothing is written then). */
export async function insertRun(
  db: Queryable,
  run: { jobId: string; parameters: Record<string, unknown> },
): Promise<Run | undefined> {
  // One statement: the job check and the insert cannot be split by a concurrent change.
  const { rows } = await db.query<RunRow>(
    `INSERT INTO runs (job_id, parameters)
     SELECT id, $2::jsonb FROM jobs WHERE id = $1
     RETURNING ${RUN_COLUMNS}`,
    [run.jobId, JSON.stringify(run.parameters)],
  );
  return rows[0] && toRun(rows[0]);
}

export async function findRun(db: Queryable, id: string): Promise<Run | undefined> {
  const { rows } = await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1`, [id]);
  return rows[0] && toRun(rows[0]);
}

/** True when run `id` exists (cheaper than fetching its parameters). */
export async function runExists(db: Queryable, id: string): Promise<boolean> {
  const { rows } = await db.query("SELECT 1 FROM runs WHERE id = $1", [id]);
  return rows.length > 0;
}

/**
 * Schema migrations, applied at start. Many cold starts can begin at once (Lambda scales out), so
 * they serialize on a PostgreSQL advisory lock: the first applies what is pending, the others wait
 * for the lock and then find nothing left to do. Each migration runs in its own transaction with
 * its row in `schema_migrations`, so a failed one leaves no trace and is retried by the next start.
 */
import { createHash } from "node:crypto";
import type { Pool, PoolClient } from "pg";
import type { Logger } from "./log";

export interface Migration {
  /** Sortable and never renamed: `0001_jobs_and_runs`. */
  id: string;
  sql: string;
}

/** In order; append only. An applied migration's SQL must never change (its checksum is checked). */
export const MIGRATIONS: readonly Migration[] = [
  {
    id: "0001_jobs_and_runs",
    sql: `
      CREATE TABLE jobs (
        id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
        name        text        NOT NULL CHECK (name <> ''),
        description text,
        created_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE runs (
        id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
        job_id      uuid        NOT NULL REFERENCES jobs (id),
        parameters  jsonb       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(parameters) = 'object'),
        status      text        NOT NULL DEFAULT 'pending'
                                CHECK (status IN ('pending', 'running', 'succeeded', 'failed')),
        created_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX runs_job_id_idx ON runs (job_id);
    `,
  },
];

/** The advisory lock key migrations hold: "FRED" in ASCII, so it reads in pg_locks. */
export const MIGRATION_LOCK_KEY = 0x46524544;

export function checksum(sql: string): string {
  return createHash("sha256").update(sql).digest("hex");
}

/** Migrations in `all` not yet in `applied`; throws when an applied one's SQL has changed. */
export function pending(
  all: readonly Migration[],
  applied: ReadonlyMap<string, string>,
): Migration[] {
  const ids = all.map((m) => m.id);
  const sorted = [...ids].sort();
  if (ids.some((id, i) => id !== sorted[i]) || new Set(ids).size !== ids.length) {
    throw new Error(`migration ids must be unique and in sorted order: ${ids.join(", ")}`);
  }
  return all.filter((migration) => {
    const sum = applied.get(migration.id);
    if (sum !== undefined && sum !== checksum(migration.sql)) {
      throw new Error(
        `migration ${migration.id} was applied with different SQL; add a new migration instead of editing it`,
      );
    }
    return sum === undefined;
  });
}

/**
 * Applies the pending migrations of `migrations` under the advisory lock; returns the ids applied
 * by this call. Migrations the database has and this code does not know (a newer version ran
 * first) are left alone.
 */
export async function migrate(
  pool: Pick<Pool, "connect">,
  logger: Logger,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<string[]> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    // Session-level: released by the unlock below, or by PostgreSQL if this process dies.
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      return await applyPending(client, logger, migrations);
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  } catch (error) {
    // Don't hand a connection in an unknown state back to the pool.
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(broken);
  }
}

async function applyPending(
  client: PoolClient,
  logger: Logger,
  migrations: readonly Migration[],
): Promise<string[]> {
  await client.query(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      id         text        PRIMARY KEY,
      checksum   text        NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  const { rows } = await client.query<{ id: string; checksum: string }>(
    "SELECT id, checksum FROM schema_migrations",
  );
  const applied = new Map(rows.map((row) => [row.id, row.checksum]));
  const known = new Set(migrations.map((m) => m.id));
  const unknown = [...applied.keys()].filter((id) => !known.has(id));
  if (unknown.length > 0) {
    logger.log("warn", "the database has migrations this version does not know", { unknown });
  }
  const done: string[] = [];
  for (const migration of pending(migrations, applied)) {
    const start = performance.now();
    await client.query("BEGIN");
    try {
      await client.query(migration.sql);
      await client.query("INSERT INTO schema_migrations (id, checksum) VALUES ($1, $2)", [
        migration.id,
        checksum(migration.sql),
      ]);
      await client.query("COMMIT");
    } catch (error) {
      // The migration's error is the one worth reporting, not a failed ROLLBACK on a dead link.
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    }
    done.push(migration.id);
    logger.log("info", "migration applied", {
      migration: migration.id,
      ms: Math.round(performance.now() - start),
    });
  }
  return done;
}

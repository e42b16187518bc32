/**
 * How many connections an RDS PostgreSQL instance class takes, and how much Lambda concurrency a
 * database client may therefore have. Pure, so the arithmetic is table-tested and the load test
 * starts its local PostgreSQL with the same figure.
 */

/** Memory of the RDS instance classes the program offers, in GiB. */
export const CLASS_MEMORY_GIB: Readonly<Record<string, number>> = {
  "db.t4g.micro": 1,
  "db.t4g.small": 2,
  "db.t4g.medium": 4,
  "db.t4g.large": 8,
  "db.t4g.xlarge": 16,
  "db.t3.micro": 1,
  "db.t3.small": 2,
  "db.t3.medium": 4,
  "db.t3.large": 8,
  "db.m7g.large": 8,
  "db.m7g.xlarge": 16,
  "db.m6g.large": 8,
  "db.m6g.xlarge": 16,
  "db.r7g.large": 16,
  "db.r6g.large": 16,
};

/**
 * The part of an instance's memory RDS reports as DBInstanceClassMemory (it keeps the rest for
 * the OS and its agents). Observed max_connections put it near 0.88-0.92 of nominal memory on
 * 2-4 GiB classes; 0.8 stays below it on the smallest ones too.
 */
const CLASS_MEMORY_SHARE = 0.8;

/**
 * Connections no API instance may take: PostgreSQL's superuser_reserved_connections (3), RDS's
 * own rdsadmin sessions, migrations at a cold start and an operator's psql.
 */
export const RESERVED_CONNECTIONS = 10;

/**
 * RDS PostgreSQL's default max_connections for `instanceClass`:
 * LEAST({DBInstanceClassMemory/9531392}, 5000), with DBInstanceClassMemory estimated low.
 */
export function maxConnections(instanceClass: string): number {
  const gib = CLASS_MEMORY_GIB[instanceClass];
  if (gib === undefined) {
    throw new Error(
      `no memory figure for ${instanceClass}; add it to CLASS_MEMORY_GIB (components/db-connections.ts)`,
    );
  }
  return Math.min(Math.floor((gib * 2 ** 30 * CLASS_MEMORY_SHARE) / 9531392), 5000);
}

/**
 * The reserved concurrency of a function whose instances each hold up to `poolMax` connections:
 * as many instances as the class's connections allow after RESERVED_CONNECTIONS, and no more
 * than `budget` (the share of the account's reservations this function may take).
 */
export function databaseConcurrency(
  instanceClass: string,
  poolMax: number,
  budget: number,
): { maxConnections: number; concurrency: number } {
  const max = maxConnections(instanceClass);
  const concurrency = Math.min(budget, Math.floor((max - RESERVED_CONNECTIONS) / poolMax));
  if (concurrency < 1) {
    throw new Error(
      `${instanceClass} takes ${max} connections: not enough for one instance holding ${poolMax}`,
    );
  }
  return { maxConnections: max, concurrency };
}

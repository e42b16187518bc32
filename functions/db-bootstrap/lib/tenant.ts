/**
 * A workload's database and role on a shared PostgreSQL instance, made by its master user: a
 * LOGIN role with nothing else, a database it owns, and no CONNECT for anyone else (nor to the
 * master's own database). Every statement
 * is idempotent, so running it again converges (and rotates the password); names are validated and
 * quoted, never spliced in. The password reaches the server only as a SCRAM-SHA-256 verifier, so no
 * server log (a slow statement's text, an error) can ever hold it.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import type * as pg from "pg";

// pg's index also wires its optional native binding (pg-native), which no bundle can hold: the
// quoting functions are taken from the pure-JavaScript module they live in.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { escapeIdentifier, escapeLiteral } = require("pg/lib/utils") as Pick<
  typeof pg,
  "escapeIdentifier" | "escapeLiteral"
>;

/** What the statements need of a client: pg's `Client` or `PoolClient`. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** A workload's database and the role that owns it. */
export interface Tenant {
  database: string;
  role: string;
}

/**
 * Lowercase identifiers of at most 63 bytes (PostgreSQL's NAMEDATALEN - 1), so a name never needs
 * case folding and reads the same quoted or not.
 */
const IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * Names PostgreSQL or RDS own: system roles (`pg_*`), RDS's (`rds*`, `rdsadmin`), the default
 * superuser, and the template and maintenance databases.
 */
const RESERVED =
  /^(pg_|rds)|^(postgres|public|template0|template1|none|current_user|session_user|current_role|user)$/;

/** At least this many characters: the program generates 40. */
export const MIN_PASSWORD_LENGTH = 16;

/** Why `name` cannot be a tenant's database or role, or undefined when it can. */
export function nameProblem(kind: "database" | "role", name: unknown): string | undefined {
  if (typeof name !== "string" || !IDENTIFIER.test(name)) {
    return `${kind} ${JSON.stringify(name)} must be a lowercase identifier (a-z, 0-9, _), 1-63 characters`;
  }
  if (RESERVED.test(name)) return `${kind} ${name} is reserved by PostgreSQL or RDS`;
  return undefined;
}

/** Every problem with `tenant` for an instance whose master user is `master`. */
export function tenantProblems(tenant: Tenant, master: string): string[] {
  return [
    nameProblem("database", tenant.database),
    nameProblem("role", tenant.role),
    tenant.role === master ? `role ${tenant.role} is the master user` : undefined,
  ].filter((p): p is string => p !== undefined);
}

/**
 * Printable ASCII only: PostgreSQL SASLprep-normalizes other passwords before hashing, which the
 * verifier below does not, so such a password could never log in.
 */
export function passwordProblem(password: unknown): string | undefined {
  if (typeof password !== "string" || password.length < MIN_PASSWORD_LENGTH) {
    return `the password must be at least ${MIN_PASSWORD_LENGTH} characters`;
  }
  return /^[\x21-\x7e]+$/.test(password)
    ? undefined
    : "the password must be printable ASCII without spaces";
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802, RFC 7677): given as the
 * PASSWORD of CREATE/ALTER ROLE it is kept as is.
 * https://www.postgresql.org/docs/current/catalog-pg-authid.html
 */
export function scramVerifier(
  password: string,
  salt: Buffer = randomBytes(16),
  iterations = 4096,
): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const hmac = (key: Buffer, text: string) => createHmac("sha256", key).update(text).digest();
  const storedKey = createHash("sha256").update(hmac(salted, "Client Key")).digest();
  const serverKey = hmac(salted, "Server Key");
  const b64 = (b: Buffer) => b.toString("base64");
  return `SCRAM-SHA-256$${iterations}:${b64(salt)}$${b64(storedKey)}:${b64(serverKey)}`;
}

export class TenantError extends Error {
  override readonly name = "TenantError";
}

/** What `ensureTenant` found and did. */
export interface EnsureResult extends Tenant {
  createdRole: boolean;
  createdDatabase: boolean;
}

/** Role attributes a tenant role never has: one that has any was not made by the bootstrap. */
const PRIVILEGED = ["rolsuper", "rolcreaterole", "rolcreatedb", "rolreplication", "rolbypassrls"];

/**
 * Creates or converges `tenant`: the role (LOGIN, `password`), the master's membership in it (so it
 * may create and later drop a database owned by it), the database owned by the role, and CONNECT
 * and TEMP revoked from PUBLIC there and on the master's database. Refuses a role with more than LOGIN and a database another role
 * owns: another workload's, or one made by hand.
 */
export async function ensureTenant(
  client: Queryable,
  tenant: Tenant,
  password: string,
  master: string,
): Promise<EnsureResult> {
  const problems = [...tenantProblems(tenant, master), passwordProblem(password)].filter(
    (p): p is string => p !== undefined,
  );
  if (problems.length > 0) throw new TenantError(problems.join("; "));
  const role = escapeIdentifier(tenant.role);
  const database = escapeIdentifier(tenant.database);
  const verifier = escapeLiteral(scramVerifier(password));

  const { rows: roles } = await client.query(
    `SELECT ${PRIVILEGED.join(", ")} FROM pg_roles WHERE rolname = $1`,
    [tenant.role],
  );
  const existing = roles[0];
  if (existing && PRIVILEGED.some((attribute) => existing[attribute] === true)) {
    throw new TenantError(`role ${tenant.role} exists with more than LOGIN: not a tenant role`);
  }
  await client.query(
    existing
      ? `ALTER ROLE ${role} WITH LOGIN PASSWORD ${verifier}`
      : `CREATE ROLE ${role} WITH LOGIN PASSWORD ${verifier}`,
  );
  // PostgreSQL 16+ gives the creating role ADMIN but not SET on the new role; CREATE DATABASE
  // ... OWNER needs the master to be able to become it (a no-op notice when it already can).
  await client.query(`GRANT ${role} TO CURRENT_USER`);

  const { rows: databases } = await client.query(
    "SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1",
    [tenant.database],
  );
  const owner = databases[0]?.owner as string | undefined;
  if (owner !== undefined && owner !== tenant.role) {
    throw new TenantError(`database ${tenant.database} exists and belongs to ${owner}`);
  }
  if (owner === undefined) await client.query(`CREATE DATABASE ${database} OWNER ${role}`);
  await client.query(`REVOKE ALL ON DATABASE ${database} FROM PUBLIC`);
  // The master's own database (the instance's initial one) is closed to tenants as well.
  const { rows: current } = await client.query("SELECT current_database() AS name");
  await client.query(
    `REVOKE ALL ON DATABASE ${escapeIdentifier(String(current[0]?.name))} FROM PUBLIC`,
  );
  return { ...tenant, createdRole: !existing, createdDatabase: owner === undefined };
}

/**
 * Drops `tenant`'s database (closing its sessions) and then its role: what an operator runs when
 * a workload leaves a shared instance. Refuses a database another role owns.
 */
export async function dropTenant(
  client: Queryable,
  tenant: Tenant,
  master: string,
): Promise<{ droppedDatabase: boolean; droppedRole: boolean }> {
  const problems = tenantProblems(tenant, master);
  if (problems.length > 0) throw new TenantError(problems.join("; "));
  const { rows: databases } = await client.query(
    "SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1",
    [tenant.database],
  );
  const owner = databases[0]?.owner as string | undefined;
  if (owner !== undefined && owner !== tenant.role) {
    throw new TenantError(`database ${tenant.database} belongs to ${owner}, not ${tenant.role}`);
  }
  if (owner !== undefined) {
    await client.query(`DROP DATABASE ${escapeIdentifier(tenant.database)} WITH (FORCE)`);
  }
  const { rows: roles } = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [
    tenant.role,
  ]);
  if (roles.length > 0) await client.query(`DROP ROLE ${escapeIdentifier(tenant.role)}`);
  return { droppedDatabase: owner !== undefined, droppedRole: roles.length > 0 };
}

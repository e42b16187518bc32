/**
 * A real, throwaway PostgreSQL for a test suite, from the machine's own binaries: `initdb` into a
 * temporary directory (trust auth, no fsync), `pg_ctl start` on a free port of 127.0.0.1 with its
 * socket in that directory, and `stop()` deletes it all. PostgreSQL refuses to run as root, so as
 * root the server runs as the `postgres` user (via runuser) in a directory that user owns.
 *
 *   const pg = await LocalPostgres.start();
 *   const config = await pg.createDatabase("api_test");   // a pg.ClientConfig
 *   ...
 *   await pg.stop();
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { Client, escapeIdentifier, type ClientConfig } from "pg";

const BINARIES = ["initdb", "pg_ctl", "postgres"] as const;
const READY_TIMEOUT_MS = 30_000;
const SUPERUSER = "postgres";

/**
 * The directory holding all of initdb, pg_ctl and postgres: the first on PATH, else the newest
 * `/usr/lib/postgresql/<major>/bin`. Throws with the install hint when there is none.
 */
export function findPostgresBin(
  path = process.env.PATH ?? "",
  exists: (file: string) => boolean = existsSync,
  versionDirs: () => string[] = () => listDir("/usr/lib/postgresql"),
): string {
  const hasAll = (dir: string): boolean => BINARIES.every((name) => exists(join(dir, name)));
  const onPath = path.split(delimiter).filter(Boolean).find(hasAll);
  if (onPath) return onPath;
  const installed = newestFirst(versionDirs())
    .map((version) => join("/usr/lib/postgresql", version, "bin"))
    .find(hasAll);
  if (installed) return installed;
  throw new Error(
    "PostgreSQL server binaries (initdb, pg_ctl, postgres) are neither on PATH nor under " +
      "/usr/lib/postgresql/*/bin; install them with `apt-get install postgresql`",
  );
}

/** Version directory names, numerically newest first ("16" before "9.6"); non-versions dropped. */
export function newestFirst(names: readonly string[]): string[] {
  const parse = (name: string): number[] => name.split(".").map(Number);
  return names
    .filter((name) => /^\d+(\.\d+)*$/.test(name))
    .sort((a, b) => {
      const [x, y] = [parse(a), parse(b)];
      for (let i = 0; i < Math.max(x.length, y.length); i++) {
        const diff = (y[i] ?? 0) - (x[i] ?? 0);
        if (diff !== 0) return diff;
      }
      return 0;
    });
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** A free TCP port on 127.0.0.1 (free when asked; the caller binds it right away). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

interface RunAs {
  /** Prefix that runs a command as the server's owner ([] when we are not root). */
  prefix: string[];
  uid?: number;
  gid?: number;
}

function runAs(): RunAs {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const id = (flag: string): number =>
    Number(execFileSync("id", [flag, SUPERUSER], { encoding: "utf8" }).trim());
  let uid: number;
  try {
    uid = id("-u");
  } catch {
    throw new Error(
      `running as root, and PostgreSQL refuses root: there is no "${SUPERUSER}" user to run it ` +
        "as (apt-get install postgresql creates it)",
    );
  }
  return { prefix: ["runuser", "-u", SUPERUSER, "--"], uid, gid: id("-g") };
}

export class LocalPostgres {
  private running = false;
  private readonly exitHook = (): void => this.stopSync();

  private constructor(
    private readonly bin: string,
    private readonly as: RunAs,
    /** Holds data/, the socket and the log; deleted by stop(). */
    readonly baseDir: string,
    readonly port: number,
    readonly maxConnections = 200,
  ) {}

  readonly host = "127.0.0.1";
  readonly user = SUPERUSER;

  get dataDir(): string {
    return join(this.baseDir, "data");
  }

  get socketDir(): string {
    return join(this.baseDir, "socket");
  }

  get logFile(): string {
    return join(this.baseDir, "postgres.log");
  }

  /**
   * initdb + start; resolves when the server accepts connections. `maxConnections` sets
   * PostgreSQL's max_connections (a load test gives it an RDS class's figure).
   */
  static async start({
    maxConnections = 200,
  }: { maxConnections?: number } = {}): Promise<LocalPostgres> {
    const bin = findPostgresBin();
    const as = runAs();
    const baseDir = mkdtempSync(join(tmpdir(), "pg-test-"));
    const server = new LocalPostgres(bin, as, baseDir, await freePort(), maxConnections);
    try {
      mkdirSync(server.socketDir);
      if (as.uid !== undefined && as.gid !== undefined) {
        for (const dir of [baseDir, server.socketDir]) chownSync(dir, as.uid, as.gid);
      }
      server.run("initdb", [
        "-D",
        server.dataDir,
        "-U",
        SUPERUSER,
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",
      ]);
      await server.resume();
      return server;
    } catch (error) {
      server.stopSync();
      throw error;
    }
  }

  /** Connection settings for `database` (TCP to 127.0.0.1; trust auth needs no password). */
  config(database = "postgres"): ClientConfig {
    return { host: this.host, port: this.port, user: this.user, database };
  }

  /** Environment variables the app reads for `database`, TLS off (a local server has none). */
  appEnv(database: string): Record<string, string> {
    return {
      DB_HOST: this.host,
      DB_PORT: String(this.port),
      DB_NAME: database,
      DB_USER: this.user,
      DB_SSL: "disable",
    };
  }

  /** Creates `name` (fresh, empty) and returns its connection settings. */
  async createDatabase(name: string): Promise<ClientConfig> {
    const client = new Client(this.config());
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${escapeIdentifier(name)}`);
    } finally {
      await client.end();
    }
    return this.config(name);
  }

  /** Starts the (initialized, stopped) server again; resolves when it accepts connections. */
  async resume(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      `-k ${this.socketDir}`,
      "-c listen_addresses=127.0.0.1",
      // Durability is worthless for a throwaway database, and fsync is most of the write latency.
      "-F",
      "-c synchronous_commit=off",
      "-c full_page_writes=off",
      `-c max_connections=${this.maxConnections}`,
    ].join(" ");
    this.run("pg_ctl", ["start", "-D", this.dataDir, "-l", this.logFile, "-W", "-o", options]);
    this.running = true;
    process.once("exit", this.exitHook);
    await this.waitUntilReady();
  }

  /** Stops the server, keeping its data for resume(). */
  halt(): void {
    if (!this.running) return;
    this.run("pg_ctl", ["stop", "-D", this.dataDir, "-m", "fast", "-w"]);
    this.running = false;
    process.removeListener("exit", this.exitHook);
  }

  /** Stops the server and deletes its directory. */
  async stop(): Promise<void> {
    this.stopSync();
    return Promise.resolve();
  }

  private stopSync(): void {
    if (this.running) {
      // Immediate: the data is about to be deleted, so there is nothing to shut down cleanly.
      spawnSync(...this.command("pg_ctl", ["stop", "-D", this.dataDir, "-m", "immediate", "-w"]), {
        stdio: "ignore",
      });
      this.running = false;
    }
    process.removeListener("exit", this.exitHook);
    rmSync(this.baseDir, { recursive: true, force: true });
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last: unknown;
    while (Date.now() < deadline) {
      const client = new Client({ ...this.config(), connectionTimeoutMillis: 1000 });
      try {
        await client.connect();
        await client.query("SELECT 1");
        await client.end();
        return;
      } catch (error) {
        last = error;
        await client.end().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    throw new Error(
      `PostgreSQL did not accept connections within ${READY_TIMEOUT_MS} ms ` +
        `(${last instanceof Error ? last.message : String(last)}); log:\n${this.logTail()}`,
    );
  }

  private logTail(): string {
    try {
      return readFileSync(this.logFile, "utf8").split("\n").slice(-20).join("\n");
    } catch {
      return "(no log)";
    }
  }

  private command(name: string, args: string[]): [string, string[]] {
    const [head, ...rest] = [...this.as.prefix, join(this.bin, name), ...args];
    return [head!, rest];
  }

  private run(name: string, args: string[]): void {
    const [file, rest] = this.command(name, args);
    const result = spawnSync(file, rest, { encoding: "utf8", cwd: this.baseDir });
    if (result.status !== 0) {
      throw new Error(
        `${name} failed (${result.error?.message ?? `exit ${result.status}`}):\n` +
          `${result.stdout}${result.stderr}\n${this.logTail()}`,
      );
    }
  }
}

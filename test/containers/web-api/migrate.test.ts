import { expect } from "chai";
import { Client, Pool } from "pg";
import { silentLogger } from "../../../containers/web-api/src/log";
import {
  checksum,
  migrate,
  MIGRATION_LOCK_KEY,
  MIGRATIONS,
  pending,
  type Migration,
} from "../../../containers/web-api/src/migrate";
import { rejection } from "../../helpers/errors";
import { LocalPostgres } from "../../helpers/postgres";
import { BUCKET, FAKE_AWS, memoryLogger, startServerProcess } from "./helpers";

const m = (id: string, sql = `SELECT '${id}'`): Migration => ({ id, sql });

describe("migrations: which are pending", () => {
  const cases: {
    what: string;
    all: Migration[];
    applied: [string, string][];
    want: string[] | RegExp;
  }[] = [
    {
      what: "all on an empty database",
      all: [m("0001"), m("0002")],
      applied: [],
      want: ["0001", "0002"],
    },
    {
      what: "only the new ones",
      all: [m("0001"), m("0002")],
      applied: [["0001", checksum(m("0001").sql)]],
      want: ["0002"],
    },
    {
      what: "none when all are applied",
      all: [m("0001")],
      applied: [["0001", checksum(m("0001").sql)]],
      want: [],
    },
    {
      what: "ignores applied ids this version does not know",
      all: [m("0001")],
      applied: [
        ["0001", checksum(m("0001").sql)],
        ["0009", "x"],
      ],
      want: [],
    },
    {
      what: "refuses an edited applied migration",
      all: [m("0001", "SELECT 2")],
      applied: [["0001", checksum("SELECT 1")]],
      want: /was applied with different SQL/,
    },
    {
      what: "refuses ids out of order",
      all: [m("0002"), m("0001")],
      applied: [],
      want: /sorted order/,
    },
    { what: "refuses duplicate ids", all: [m("0001"), m("0001")], applied: [], want: /unique/ },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const run = () => pending(c.all, new Map(c.applied)).map((x) => x.id);
      if (c.want instanceof RegExp) expect(run).to.throw(c.want);
      else expect(run()).to.deep.equal(c.want);
    });
  }

  it("the shipped migrations are in order and unique", () => {
    expect(pending(MIGRATIONS, new Map()).map((x) => x.id)).to.deep.equal(
      MIGRATIONS.map((x) => x.id),
    );
  });
});

describe("migrations on a real PostgreSQL", () => {
  let pg: LocalPostgres;
  let next = 0;
  const freshDatabase = async () => pg.createDatabase(`migrate_${next++}`);

  before(async () => {
    pg = await LocalPostgres.start();
  });
  after(async () => {
    await pg?.stop();
  });

  const appliedRows = async (config: object) => {
    const client = new Client(config);
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string }>(
        "SELECT id FROM schema_migrations ORDER BY id",
      );
      return rows.map((row) => row.id);
    } finally {
      await client.end();
    }
  };

  it("applies everything once; a second start applies nothing", async () => {
    const pool = new Pool(await freshDatabase());
    try {
      expect(await migrate(pool, silentLogger)).to.deep.equal(MIGRATIONS.map((x) => x.id));
      expect(await migrate(pool, silentLogger)).to.deep.equal([]);
      const { rows } = await pool.query("SELECT id, checksum FROM schema_migrations");
      expect(rows).to.deep.equal(MIGRATIONS.map((x) => ({ id: x.id, checksum: checksum(x.sql) })));
    } finally {
      await pool.end();
    }
  });

  it("ten concurrent starts (separate connections) migrate exactly once", async () => {
    const config = await freshDatabase();
    const pools = Array.from({ length: 10 }, () => new Pool({ ...config, max: 1 }));
    try {
      const results = await Promise.all(pools.map((pool) => migrate(pool, silentLogger)));
      expect(results.filter((ids) => ids.length > 0)).to.deep.equal([MIGRATIONS.map((x) => x.id)]);
      expect(await appliedRows(config)).to.deep.equal(MIGRATIONS.map((x) => x.id));
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it("a failing migration leaves no trace and releases the lock", async () => {
    const config = await freshDatabase();
    const pool = new Pool(config);
    const logger = memoryLogger();
    try {
      const migrations = [
        m("0001_ok", "CREATE TABLE ok_table (id int)"),
        m("0002_broken", "CREATE TABLE half_done (id int); SELECT * FROM no_such_table"),
      ];
      expect((await rejection(migrate(pool, logger, migrations))).message).to.match(
        /no_such_table/,
      );
      expect(await appliedRows(config)).to.deep.equal(["0001_ok"]);
      const { rows } = await pool.query(
        "SELECT to_regclass('ok_table')::text AS ok, to_regclass('half_done')::text AS half",
      );
      expect(rows[0]).to.deep.equal({ ok: "ok_table", half: null });
      const locks = await pool.query(
        "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1",
        [MIGRATION_LOCK_KEY],
      );
      expect(locks.rows[0].n).to.equal(0);
    } finally {
      await pool.end();
    }
  });

  it("two server processes starting at once on a fresh database migrate once and both serve", async function () {
    this.timeout(60_000);
    const database = `procs_${next++}`;
    await pg.createDatabase(database);
    const env = {
      ...pg.appEnv(database),
      ...FAKE_AWS,
      APP_ENV: "test",
      PORT: "0",
      UPLOAD_BUCKET: BUCKET,
    };
    const servers = [startServerProcess(env), startServerProcess(env)];
    try {
      const ports = await Promise.all(servers.map((s) => s.listening));
      for (const port of ports) {
        const response = await fetch(`http://127.0.0.1:${port}/health`);
        expect(response.status).to.equal(200);
      }
      const applied = servers.flatMap((s) =>
        s.logs.filter((l) => l.message === "migration applied"),
      );
      expect(applied.map((l) => l.migration)).to.deep.equal(MIGRATIONS.map((x) => x.id));
      expect(servers.flatMap((s) => s.logs.filter((l) => l.level === "error"))).to.deep.equal([]);
      expect(await appliedRows(pg.config(database))).to.deep.equal(MIGRATIONS.map((x) => x.id));
    } finally {
      for (const server of servers) server.child.kill("SIGTERM");
    }
    // SIGTERM is a clean shutdown: exit 0, after "stopped".
    expect(await Promise.all(servers.map((s) => s.exited))).to.deep.equal([0, 0]);
    for (const server of servers) expect(server.logs.map((l) => l.message)).to.include("stopped");
  });

  it("a server process with a bad configuration exits 1, naming the variable", async () => {
    const server = startServerProcess({
      ...pg.appEnv("postgres"),
      ...FAKE_AWS,
      APP_ENV: "prod",
      UPLOAD_BUCKET: BUCKET,
    });
    expect(await server.exited).to.equal(1);
    const failure = server.logs.find((l) => l.message === "start failed");
    expect(failure?.reason).to.match(/DB_SECRET_ARN/);
  });
});

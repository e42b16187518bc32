/**
 * The jobs API under load and faults, against a real local PostgreSQL started with the dev
 * class's max_connections: a burst of far more instances and requests than it takes answers
 * every request (200/201, or 503 with Retry-After) without one hanging; the database stopped and
 * started again mid-load is survived without restarting the app, and leaves no partial writes.
 */
import { expect } from "chai";
import { databaseConcurrency, maxConnections } from "../../../components/db-connections";
import { POSTGRES_PROFILES } from "../../../components/postgres";
import { FRED_JOBS_CONCURRENCY_BUDGET, FRED_JOBS_POOL_MAX } from "../../../workloads/fred-jobs";
import { burst, loadThroughRestart, startInstances, type Outcome } from "../../helpers/burst";
import { LocalPostgres } from "../../helpers/postgres";

const CLASS = POSTGRES_PROFILES.dev.instanceClass;

describe("FRED jobs API: connection budget", () => {
  it("reserves concurrency × connections per instance below the class's max_connections", () => {
    for (const instanceClass of [
      POSTGRES_PROFILES.dev.instanceClass,
      POSTGRES_PROFILES.prod.instanceClass,
    ]) {
      const { maxConnections: max, concurrency } = databaseConcurrency(
        instanceClass,
        FRED_JOBS_POOL_MAX,
        FRED_JOBS_CONCURRENCY_BUDGET,
      );
      expect(concurrency * FRED_JOBS_POOL_MAX, instanceClass).to.be.lessThan(max);
      expect(concurrency).to.be.at.least(1);
    }
  });

  const table: [string, number][] = [
    ["db.t4g.micro", 90],
    ["db.t4g.small", 180],
    ["db.t4g.medium", 360],
    ["db.r6g.large", 1441],
  ];
  for (const [instanceClass, want] of table) {
    it(`${instanceClass} takes about ${want} connections`, () =>
      expect(maxConnections(instanceClass)).to.equal(want));
  }

  it("bounds by the class when the budget is larger, and refuses a class too small", () => {
    expect(databaseConcurrency("db.t4g.micro", 4, 1000).concurrency).to.equal(20);
    expect(() => databaseConcurrency("db.t4g.micro", 100, 5)).to.throw(
      /not enough for one instance/,
    );
    expect(() => maxConnections("db.x9.huge")).to.throw(/add it to CLASS_MEMORY_GIB/);
  });
});

describe("FRED jobs API under a burst and a database restart (real PostgreSQL)", function () {
  const max = maxConnections(CLASS);
  let pg: LocalPostgres;

  before(async () => {
    pg = await LocalPostgres.start({ maxConnections: max });
  });
  after(() => pg?.stop());

  it(`answers a burst of ${4 * max} requests over ${Math.ceil(1.5 * max)} instances with 2xx or 503 + Retry-After, none hanging`, async () => {
    const instances = await startInstances(pg, "burst", { count: Math.ceil(1.5 * max) });
    try {
      const { figures, outcomes } = await burst(instances, pg, 4 * max, 15_000);
      const unexpected = outcomes.filter(
        (o) =>
          o === "hung" ||
          !([200, 201].includes(o.status) || (o.status === 503 && o.retryAfter === "1")),
      );
      expect(unexpected, JSON.stringify(unexpected.slice(0, 3))).to.deep.equal([]);
      expect(figures.hung).to.equal(0);
      expect(figures.ok, "requests are served meanwhile").to.be.greaterThan(0);
      expect(figures.unavailable, "instances beyond max_connections are refused").to.be.greaterThan(
        0,
      );
      expect(figures.peakConnections).to.be.at.most(max);
      // Every 201 is a stored run, and nothing else was written.
      const created = outcomes.filter((o): o is Outcome => o !== "hung" && o.status === 201);
      const { rows } = await instances.admin.query<{ id: string }>("SELECT id FROM runs");
      expect(rows.map((r) => r.id).sort()).to.deep.equal(created.map((o) => o.runId).sort());
    } finally {
      await instances.close();
    }
  });

  it("survives the database stopping and starting mid-load: 503s meanwhile, then service again, no partial writes", async () => {
    const instances = await startInstances(pg, "restart", { count: 8 });
    try {
      const { outcomes, stoppedAt, resumedAt, recoveryMs } = await loadThroughRestart(
        instances,
        pg,
        {
          clients: 8,
          beforeMs: 500,
          downMs: 1000,
          afterMs: 1500,
        },
      );
      expect(recoveryMs, "served again after the restart").to.be.lessThan(1500);
      const answered = outcomes.filter((o): o is Outcome => o !== "hung");
      expect(answered.length, "no request hung").to.equal(outcomes.length);
      const bad = answered.filter(
        (o) => !([200, 201].includes(o.status) || (o.status === 503 && o.retryAfter === "1")),
      );
      expect(bad, JSON.stringify(bad.slice(0, 3))).to.deep.equal([]);
      const during = answered.slice(stoppedAt, resumedAt);
      expect(
        during.some((o) => o.status === 503),
        "503s while it was down",
      ).to.equal(true);
      const last = answered.slice(-16);
      expect(
        last.every((o) => o.status === 200 || o.status === 201),
        "served again, same pools",
      ).to.equal(true);

      // Every 201 is stored; every stored run is one that was sent, whole.
      const created = answered.filter((o) => o.status === 201);
      const { rows } = await instances.admin.query<{ id: string; parameters: { n: number } }>(
        "SELECT id, parameters FROM runs",
      );
      const stored = new Map(rows.map((r) => [r.id, r.parameters]));
      for (const o of created) expect(stored.get(o.runId!)).to.deep.equal({ n: o.n });
      const sentPosts = new Set(answered.filter((o) => o.method === "POST").map((o) => o.n));
      for (const parameters of stored.values()) expect(sentPosts.has(parameters.n)).to.equal(true);
    } finally {
      await instances.close();
    }
  });
});

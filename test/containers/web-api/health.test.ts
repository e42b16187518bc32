import { expect } from "chai";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { Pool } from "pg";
import { silentLogger } from "../../../containers/web-api/src/log";
import { migrate } from "../../../containers/web-api/src/migrate";
import { uploadClient } from "../../../containers/web-api/src/uploads";
import { freePort, LocalPostgres } from "../../helpers/postgres";
import { BUCKET, call, memoryLogger, serveApp } from "./helpers";

const uploads = { s3: uploadClient("us-east-1"), bucket: BUCKET, prefix: "uploads/" };

describe("GET /health when the database is down", () => {
  it("answers 503 unhealthy while PostgreSQL is stopped, and healthy again once it is back", async () => {
    const pg = await LocalPostgres.start();
    const pool = new Pool({
      ...(await pg.createDatabase("health")),
      connectionTimeoutMillis: 1000,
    });
    // Killed connections surface as idle-client errors; the app's pool logs them, so does this one.
    pool.on("error", () => undefined);
    const logger = memoryLogger();
    const served = await serveApp({
      db: pool,
      uploads,
      environment: "test",
      version: "1",
      logger,
      healthTimeoutMs: 1500,
    });
    try {
      await migrate(pool, silentLogger);
      expect((await call(served.base, "GET", "/health")).status).to.equal(200);

      pg.halt();
      const down = await call(served.base, "GET", "/health");
      expect(down.status).to.equal(503);
      expect(down.json).to.deep.include({ status: "unhealthy", error: "database_unavailable" });
      expect(logger.lines.some((l) => l.message === "health check failed")).to.be.true;

      await pg.resume();
      expect((await call(served.base, "GET", "/health")).status).to.equal(200);
    } finally {
      await served.close();
      await pool.end();
      await pg.stop();
    }
  });

  it("answers 503 within the timeout when nothing listens on the database port", async () => {
    const pool = new Pool({ host: "127.0.0.1", port: await freePort(), user: "x", database: "x" });
    const served = await serveApp({
      db: pool,
      uploads,
      environment: "test",
      version: "1",
      healthTimeoutMs: 1000,
    });
    try {
      const start = performance.now();
      const { status, json } = await call(served.base, "GET", "/health");
      expect(status).to.equal(503);
      expect(json.status).to.equal("unhealthy");
      expect(performance.now() - start).to.be.below(1500);
    } finally {
      await served.close();
      await pool.end();
    }
  });

  it("answers 503 at the timeout when the database accepts connections but never answers", async () => {
    // A TCP server that never speaks: the pg handshake hangs, as with a blackholed network path.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as AddressInfo).port;
    const pool = new Pool({ host: "127.0.0.1", port, user: "x", database: "x" });
    const served = await serveApp({
      db: pool,
      uploads,
      environment: "test",
      version: "1",
      healthTimeoutMs: 300,
    });
    try {
      const start = performance.now();
      expect((await call(served.base, "GET", "/health")).status).to.equal(503);
      expect(performance.now() - start).to.be.within(250, 1500);
    } finally {
      await served.close();
      for (const socket of sockets) socket.destroy();
      silent.close();
      await pool.end().catch(() => undefined);
    }
  });
});

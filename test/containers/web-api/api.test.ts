import { expect } from "chai";
import { Pool } from "pg";
import { createApp, ENDPOINTS } from "../../../containers/web-api/src/app";
import type { Queryable } from "../../../containers/web-api/src/db";
import { silentLogger } from "../../../containers/web-api/src/log";
import { migrate } from "../../../containers/web-api/src/migrate";
import { uploadClient } from "../../../containers/web-api/src/uploads";
import { LocalPostgres } from "../../helpers/postgres";
import { BUCKET, call, FAKE_AWS, memoryLogger, serveApp, type Served } from "./helpers";

const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";

describe("FRED jobs API over HTTP, on a real PostgreSQL", () => {
  let pg: LocalPostgres;
  let pool: Pool;
  let served: Served;
  const logger = memoryLogger();
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    for (const [key, value] of Object.entries(FAKE_AWS)) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
    pg = await LocalPostgres.start();
    pool = new Pool(await pg.createDatabase("api"));
    await migrate(pool, silentLogger);
    served = await serveApp({
      db: pool,
      uploads: { s3: uploadClient(FAKE_AWS.AWS_REGION), bucket: BUCKET, prefix: "uploads/" },
      environment: "test",
      version: "1.0.0",
      logger,
    });
  });

  after(async () => {
    await served?.close();
    await pool?.end();
    await pg?.stop();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  const counts = async (): Promise<{ jobs: number; runs: number }> => {
    const { rows } = await pool.query<{ jobs: number; runs: number }>(
      "SELECT (SELECT count(*) FROM jobs)::int AS jobs, (SELECT count(*) FROM runs)::int AS runs",
    );
    return rows[0]!;
  };

  const newJob = async (body: unknown = { name: "test-job", description: "Test job" }) => {
    const { status, json } = await call(served.base, "POST", "/api/v1/jobs", body);
    expect(status, JSON.stringify(json)).to.equal(201);
    return json as { id: string; name: string; description: string | null; createdAt: string };
  };

  const newRun = async (jobId: string, parameters?: unknown) => {
    const body = parameters === undefined ? { jobId } : { jobId, parameters };
    const { status, json } = await call(served.base, "POST", "/api/v1/runs", body);
    expect(status, JSON.stringify(json)).to.equal(201);
    return json as { id: string; jobId: string; parameters: unknown; status: string };
  };

  describe("the old system's acceptance checks", () => {
    it("GET /health is healthy", async () => {
      const { status, json } = await call(served.base, "GET", "/health");
      expect(status).to.equal(200);
      expect(json).to.deep.equal({ status: "healthy" });
    });

    it("GET /api/v1/registration names the app, its version, environment and endpoints", async () => {
      const { status, json } = await call(served.base, "GET", "/api/v1/registration");
      expect(status).to.equal(200);
      expect(json).to.deep.equal({
        name: "fred-jobs-api",
        version: "1.0.0",
        environment: "test",
        endpoints: [...ENDPOINTS],
      });
    });

    it("POST /api/v1/jobs test-job answers 201 with the job", async () => {
      const job = await newJob();
      expect(job.id).to.match(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(job).to.include({ name: "test-job", description: "Test job" });
      expect(Date.parse(job.createdAt)).to.be.closeTo(Date.now(), 60_000);
    });
  });

  describe("jobs", () => {
    it("reads a job back by id, exactly as created", async () => {
      const job = await newJob({ name: "nightly-ingest" });
      const { status, json } = await call(served.base, "GET", `/api/v1/jobs/${job.id}`);
      expect(status).to.equal(200);
      expect(json).to.deep.equal({ ...job, description: null });
    });

    it("accepts an upper-case id and answers with the canonical one", async () => {
      const job = await newJob();
      const { status, json } = await call(
        served.base,
        "GET",
        `/api/v1/jobs/${job.id.toUpperCase()}`,
      );
      expect(status).to.equal(200);
      expect(json.id).to.equal(job.id);
    });

    it("stores SQL metacharacters, quotes and non-ASCII verbatim", async () => {
      const names = [
        "Robert'); DROP TABLE jobs;--",
        `"; DELETE FROM runs WHERE '1'='1`,
        "100% _wild_ \\backslash\\ $1 $$dollar$$ E'\\x00'",
        "emoji 🚀, ümlaut, 日本語, tab\tnewline\n",
      ];
      for (const name of names) {
        const job = await newJob({ name, description: name });
        const { json } = await call(served.base, "GET", `/api/v1/jobs/${job.id}`);
        expect(json.name).to.equal(name);
        expect(json.description).to.equal(name);
      }
      const { rows } = await pool.query(
        "SELECT to_regclass('jobs') AS jobs, to_regclass('runs') AS runs",
      );
      expect(rows[0]).to.deep.equal({ jobs: "jobs", runs: "runs" });
    });
  });

  describe("runs", () => {
    it("creates a pending run with its parameters and reads it back", async () => {
      const job = await newJob();
      const parameters = {
        series: "GDPC1",
        window: { from: "2020-01-01", to: null },
        n: [1, 2.5],
        q: "x' OR 1=1",
      };
      const run = await newRun(job.id, parameters);
      expect(run).to.include({ jobId: job.id, status: "pending" });
      expect(run.parameters).to.deep.equal(parameters);
      const { status, json } = await call(served.base, "GET", `/api/v1/runs/${run.id}`);
      expect(status).to.equal(200);
      expect(json).to.deep.equal(run);
    });

    it("defaults parameters to {}", async () => {
      const run = await newRun((await newJob()).id);
      expect(run.parameters).to.deep.equal({});
    });

    it("answers 404 for a run of an unknown job, writing nothing", async () => {
      const before = await counts();
      const { status, json } = await call(served.base, "POST", "/api/v1/runs", {
        jobId: UNKNOWN_ID,
      });
      expect(status).to.equal(404);
      expect(json).to.deep.include({ error: "not_found", field: "jobId" });
      expect(await counts()).to.deep.equal(before);
    });
  });

  describe("upload URLs", () => {
    it("presigns a 15-minute S3 PUT of the run's input key in the upload bucket", async () => {
      const run = await newRun((await newJob()).id);
      const { status, json } = await call(served.base, "GET", `/api/v1/runs/${run.id}/upload-url`);
      expect(status).to.equal(200);
      expect(json.bucket).to.equal(BUCKET);
      expect(json.key).to.equal(`uploads/${run.id}/input`);
      const url = new URL(json.url);
      expect(url.protocol).to.equal("https:");
      expect(url.hostname).to.equal(`${BUCKET}.s3.${FAKE_AWS.AWS_REGION}.amazonaws.com`);
      expect(url.pathname).to.equal(`/uploads/${run.id}/input`);
      const query = url.searchParams;
      expect(query.get("X-Amz-Expires")).to.equal("900");
      expect(query.get("x-id")).to.equal("PutObject");
      expect(query.get("X-Amz-Algorithm")).to.equal("AWS4-HMAC-SHA256");
      expect(query.get("X-Amz-Credential")).to.match(
        new RegExp(`^${FAKE_AWS.AWS_ACCESS_KEY_ID}/\\d{8}/${FAKE_AWS.AWS_REGION}/s3/aws4_request$`),
      );
      expect(query.get("X-Amz-SignedHeaders")).to.equal("host");
      // A checksum of the empty body signed into the URL would make S3 reject every real upload.
      expect([...query.keys()].filter((key) => /checksum/i.test(key))).to.deep.equal([]);
      const signed = query.get("X-Amz-Date")!;
      const signedAt = Date.parse(
        `${signed.slice(0, 4)}-${signed.slice(4, 6)}-${signed.slice(6, 8)}T${signed.slice(9, 11)}:${signed.slice(11, 13)}:${signed.slice(13, 15)}Z`,
      );
      expect(Date.parse(json.expiresAt) - signedAt).to.equal(900_000);
    });

    it("answers 404 for an unknown run and 400 for a non-UUID one", async () => {
      const unknown = await call(served.base, "GET", `/api/v1/runs/${UNKNOWN_ID}/upload-url`);
      expect(unknown.status).to.equal(404);
      expect(unknown.json).to.deep.include({ error: "not_found", field: "run_id" });
      const bad = await call(served.base, "GET", "/api/v1/runs/not-a-uuid/upload-url");
      expect(bad.status).to.equal(400);
      expect(bad.json).to.deep.include({ error: "invalid_request", field: "run_id" });
    });
  });

  describe("bad input: a 4xx JSON error, never a 500, nothing written", () => {
    const json = { "content-type": "application/json" };
    let jobId: string;
    before(async () => {
      jobId = (await newJob()).id;
    });

    type Case = {
      what: string;
      method: string;
      path: string | (() => string);
      body?: unknown;
      headers?: Record<string, string>;
      status: number;
      error: string;
      field?: string;
    };
    const cases: Case[] = [
      {
        what: "malformed JSON",
        method: "POST",
        path: "/api/v1/jobs",
        body: '{"name": "x",',
        headers: json,
        status: 400,
        error: "invalid_json",
      },
      {
        what: "an empty body",
        method: "POST",
        path: "/api/v1/jobs",
        body: "",
        headers: json,
        status: 400,
        error: "invalid_json",
      },
      {
        what: "invalid UTF-8",
        method: "POST",
        path: "/api/v1/jobs",
        body: Buffer.from([0x7b, 0xff, 0x7d]),
        headers: json,
        status: 400,
        error: "invalid_json",
      },
      {
        what: "a JSON array",
        method: "POST",
        path: "/api/v1/jobs",
        body: "[]",
        headers: json,
        status: 400,
        error: "invalid_request",
      },
      {
        what: "a number as the name",
        method: "POST",
        path: "/api/v1/jobs",
        body: { name: 42 },
        status: 400,
        error: "invalid_request",
        field: "name",
      },
      {
        what: "a missing name",
        method: "POST",
        path: "/api/v1/jobs",
        body: { description: "d" },
        status: 400,
        error: "invalid_request",
        field: "name",
      },
      {
        what: "an empty name",
        method: "POST",
        path: "/api/v1/jobs",
        body: { name: "" },
        status: 400,
        error: "invalid_request",
        field: "name",
      },
      {
        what: "a 201-character name",
        method: "POST",
        path: "/api/v1/jobs",
        body: { name: "n".repeat(201) },
        status: 400,
        error: "invalid_request",
        field: "name",
      },
      {
        what: "a NUL in the name",
        method: "POST",
        path: "/api/v1/jobs",
        body: { name: "a\u0000b" },
        status: 400,
        error: "invalid_request",
        field: "name",
      },
      {
        what: "an unpaired surrogate",
        method: "POST",
        path: "/api/v1/jobs",
        body: '{"name": "\\ud800x"}',
        headers: json,
        status: 400,
        error: "invalid_request",
        field: "name",
      },
      {
        what: "an unknown field",
        method: "POST",
        path: "/api/v1/jobs",
        body: { name: "x", owner: "me" },
        status: 400,
        error: "invalid_request",
        field: "owner",
      },
      {
        what: "no Content-Type",
        method: "POST",
        path: "/api/v1/jobs",
        body: '{"name": "x"}',
        headers: {},
        status: 415,
        error: "unsupported_media_type",
      },
      {
        what: "a text/plain body",
        method: "POST",
        path: "/api/v1/jobs",
        body: '{"name": "x"}',
        headers: { "content-type": "text/plain" },
        status: 415,
        error: "unsupported_media_type",
      },
      {
        what: "a 2 MB body",
        method: "POST",
        path: "/api/v1/jobs",
        body: JSON.stringify({ name: "x", description: "d".repeat(2 * 1024 * 1024) }),
        headers: json,
        status: 413,
        error: "payload_too_large",
      },
      {
        what: "a non-UUID job id",
        method: "GET",
        path: "/api/v1/jobs/1%20OR%201=1",
        status: 400,
        error: "invalid_request",
        field: "job_id",
      },
      {
        what: "an unknown job id",
        method: "GET",
        path: `/api/v1/jobs/${UNKNOWN_ID}`,
        status: 404,
        error: "not_found",
        field: "job_id",
      },
      {
        what: "a non-UUID run id",
        method: "GET",
        path: "/api/v1/runs/'; DROP TABLE runs;--",
        status: 400,
        error: "invalid_request",
        field: "run_id",
      },
      {
        what: "an unknown run id",
        method: "GET",
        path: `/api/v1/runs/${UNKNOWN_ID}`,
        status: 404,
        error: "not_found",
        field: "run_id",
      },
      {
        what: "a non-UUID jobId",
        method: "POST",
        path: "/api/v1/runs",
        body: { jobId: "42" },
        status: 400,
        error: "invalid_request",
        field: "jobId",
      },
      {
        what: "array parameters",
        method: "POST",
        path: "/api/v1/runs",
        body: () => ({ jobId, parameters: [1] }),
        status: 400,
        error: "invalid_request",
        field: "parameters",
      },
      {
        what: "an unknown run field",
        method: "POST",
        path: "/api/v1/runs",
        body: () => ({ jobId, status: "succeeded" }),
        status: 400,
        error: "invalid_request",
        field: "status",
      },
      {
        what: "a NUL deep in parameters",
        method: "POST",
        path: "/api/v1/runs",
        body: () => ({ jobId, parameters: { a: [{ b: "x\u0000" }] } }),
        status: 400,
        error: "invalid_request",
        field: "parameters.a.0.b",
      },
      {
        what: "parameters nested 100 deep",
        method: "POST",
        path: "/api/v1/runs",
        body: () => ({
          jobId,
          parameters: JSON.parse(`${'{"a":'.repeat(100)}1${"}".repeat(100)}`),
        }),
        status: 400,
        error: "invalid_request",
      },
      {
        what: "an unknown route",
        method: "GET",
        path: "/api/v2/jobs",
        status: 404,
        error: "not_found",
      },
      {
        what: "an unsupported method",
        method: "DELETE",
        path: `/api/v1/jobs/${UNKNOWN_ID}`,
        status: 405,
        error: "method_not_allowed",
      },
    ];

    for (const c of cases) {
      it(`${c.what}: ${c.status} ${c.error}${c.field ? ` (${c.field})` : ""}`, async () => {
        const before = await counts();
        const path = typeof c.path === "function" ? c.path() : c.path;
        let body = typeof c.body === "function" ? (c.body as () => unknown)() : c.body;
        if (body !== undefined && !(typeof body === "string" || Buffer.isBuffer(body)))
          body = JSON.stringify(body);
        const response = await fetch(`${served.base}${path}`, {
          method: c.method,
          headers: c.headers ?? (body === undefined ? {} : json),
          ...(body === undefined ? {} : { body: body as string | Buffer }),
        });
        expect(response.headers.get("content-type")).to.match(/^application\/json/);
        const answer = (await response.json()) as Record<string, unknown>;
        expect(response.status, JSON.stringify(answer)).to.equal(c.status);
        expect(answer.error).to.equal(c.error);
        expect(answer.message).to.be.a("string").and.not.equal("");
        if (c.field !== undefined) expect(answer.field).to.equal(c.field);
        expect(await counts()).to.deep.equal(before);
      });
    }

    it("a 2 MB chunked body (no Content-Length) is cut off at the limit too", async () => {
      const before = await counts();
      const chunk = new TextEncoder().encode(" ".repeat(64 * 1024));
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= 2 * 1024 * 1024) return controller.close();
          sent += chunk.byteLength;
          controller.enqueue(chunk);
        },
      });
      const response = await fetch(`${served.base}/api/v1/jobs`, {
        method: "POST",
        headers: json,
        body: stream,
        duplex: "half",
      });
      expect(response.status).to.equal(413);
      expect(await response.json()).to.include({ error: "payload_too_large" });
      expect(await counts()).to.deep.equal(before);
    });
  });

  it("logs one JSON line per request (method, path, status, ms) and no request bodies", async () => {
    logger.lines.length = 0;
    await call(served.base, "POST", "/api/v1/jobs", { name: "secret-looking-name" });
    await call(served.base, "GET", "/nope");
    const requests = logger.lines.filter((line) => line.message === "request");
    expect(requests.map((l) => [l.fields.method, l.fields.path, l.fields.status])).to.deep.equal([
      ["POST", "/api/v1/jobs", 201],
      ["GET", "/nope", 404],
    ]);
    for (const line of requests) expect(line.fields.ms).to.be.a("number");
    expect(JSON.stringify(logger.lines)).not.to.include("secret-looking-name");
  });
});

describe("FRED jobs API: real faults", () => {
  it("answers a generic 500 with a request id, and logs the cause", async () => {
    const logger = memoryLogger();
    const broken: Queryable = {
      query: () =>
        Promise.reject(
          Object.assign(new Error('relation "jobs" does not exist'), { code: "42P01" }),
        ),
    };
    const app = createApp({
      db: broken,
      uploads: { s3: uploadClient("us-east-1"), bucket: BUCKET, prefix: "uploads/" },
      environment: "test",
      version: "1.0.0",
      logger,
    });
    const response = await app.request("/api/v1/jobs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "x" }),
    });
    expect(response.status).to.equal(500);
    const body = (await response.json()) as { error: string; message: string };
    const requestId = response.headers.get("x-request-id")!;
    expect(body).to.deep.equal({
      error: "internal_error",
      message: `internal error; request id ${requestId}`,
    });
    const failure = logger.lines.find((line) => line.message === "unexpected failure");
    expect(failure?.fields).to.include({ requestId, code: "42P01", path: "/api/v1/jobs" });
  });
});

/**
 * The app in process (`app.request()`), on a scripted database: what every answer carries, each
 * route's validation both ways with the exact status, code and field, and how failures of the
 * database are answered and logged. The real-PostgreSQL behaviour is api.test.ts's.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import {
  allowHeader,
  APP_NAME,
  CORS_ALLOW_HEADERS,
  createApp,
  ENDPOINTS,
  HEALTH_TIMEOUT_MS,
  routeMethods,
  type AppDeps,
} from "../../../containers/web-api/src/app";
import type { Queryable } from "../../../containers/web-api/src/db";
import { MAX_BODY_BYTES } from "../../../containers/web-api/src/http";
import { memoryLogger } from "./helpers";

const JOB_ID = "0b7e3c2a-1f4d-4c8e-9a6b-2d5f7e8c9a10";
const RUN_ID = "5c1f2e3d-4b5a-4c6d-8e7f-9a0b1c2d3e4f";
const CREATED = new Date("2026-01-02T03:04:05.000Z");
const ORIGIN = "https://app.example.com";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const jobRow = { id: JOB_ID, name: "nightly", description: null, created_at: CREATED };
const runRow = {
  id: RUN_ID,
  job_id: JOB_ID,
  parameters: { a: 1 },
  status: "pending",
  created_at: CREATED,
};

type Answer = unknown[] | Error | "hang";

/** A database answering each query with `answer(sql)` (rows, a failure, or never), recorded. */
function database(answer: (sql: string) => Answer = () => []) {
  const queries: { sql: string; values?: unknown[] }[] = [];
  const db: Queryable = {
    query: (sql: string, values?: unknown[]) => {
      queries.push({ sql, ...(values ? { values } : {}) });
      const result = answer(sql);
      if (result === "hang") return new Promise(() => undefined);
      if (result instanceof Error) return Promise.reject(result);
      return Promise.resolve({ rows: result as never[], rowCount: result.length });
    },
  };
  return { db, queries };
}

const s3 = new S3Client({
  region: "us-east-1",
  credentials: { accessKeyId: "AKIAFAKEFAKEFAKEFAKE", secretAccessKey: "fake" },
  requestChecksumCalculation: "WHEN_REQUIRED",
});

function app(answer?: (sql: string) => Answer, deps: Partial<AppDeps> = {}) {
  const { db, queries } = database(answer);
  const logger = memoryLogger();
  const instance = createApp({
    db,
    uploads: { s3, bucket: "fred-uploads", prefix: "uploads/" },
    environment: "test",
    version: "1.2.3",
    logger,
    corsOrigins: [ORIGIN],
    ...deps,
  });
  /** The answer to one request: status, headers and JSON body (null when empty). */
  const request = async (method: string, path: string, body?: unknown, headers = {}) => {
    const response = await instance.request(path, {
      method,
      headers: {
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...headers,
      },
      ...(body === undefined
        ? {}
        : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      json: text ? JSON.parse(text) : null,
    };
  };
  return { request, queries, logs: logger.lines };
}

/** What an error answer says: status and body. */
const refusal = (r: { status: number; json: unknown }) => ({ status: r.status, body: r.json });

describe("FRED jobs API app (in process, a scripted database)", () => {
  describe("on every answer", () => {
    for (const [what, method, path, status] of [
      ["a success", "GET", "/api/v1/registration", 200],
      ["a 404", "GET", "/nowhere", 404],
      ["a 405", "DELETE", "/api/v1/jobs", 405],
      ["a 400", "GET", "/api/v1/jobs/42", 400],
    ] as const) {
      it(`${what}: a request id, no-store, Vary: Origin, and one log line`, async () => {
        const { request, logs } = app();
        const r = await request(method, path);
        expect(r.status).to.equal(status);
        const id = r.headers.get("X-Request-Id");
        expect(id).to.match(UUID);
        expect(r.headers.get("Cache-Control")).to.equal("no-store");
        expect(r.headers.get("Vary")).to.equal("Origin");
        expect(logs).to.have.length(1);
        const { fields, ...line } = logs[0]!;
        expect(line).to.deep.equal({ level: "info", message: "request" });
        expect(fields).to.deep.include({ method, path, status, requestId: id });
        expect(fields.ms).to.be.a("number").and.at.least(0);
        expect(Object.keys(fields).sort()).to.deep.equal(
          ["method", "ms", "path", "requestId", "status"].sort(),
        );
      });
    }

    it("logs the time taken in milliseconds, to a tenth", async () => {
      const { request, logs } = app();
      const started = performance.now();
      await request("GET", "/api/v1/registration");
      const took = performance.now() - started;
      const ms = logs[0]!.fields.ms as number;
      expect(ms).to.be.within(0, took + 0.05);
      expect(Math.abs(ms * 10 - Math.round(ms * 10))).to.be.below(1e-9);
    });

    it("counts the time the route waits for the database", async () => {
      const slow = (): Promise<{ rows: never[]; rowCount: number }> =>
        new Promise((resolve) => setTimeout(() => resolve({ rows: [], rowCount: 0 }), 40));
      const { request, logs } = app(undefined, { db: { query: slow } });
      const r = await request("GET", `/api/v1/jobs/${JOB_ID}`);
      expect(r.status).to.equal(404);
      // A timer never fires early, so the request took at least 40 ms; allow 1 ms for rounding.
      expect(logs[0]!.fields.ms).to.be.at.least(39);
    });

    it("a fresh request id each time", async () => {
      const { request } = app();
      const [a, b] = [await request("GET", "/nowhere"), await request("GET", "/nowhere")];
      expect(a.headers.get("X-Request-Id")).not.to.equal(b.headers.get("X-Request-Id"));
    });

    it("CORS headers for an allowed origin only", async () => {
      const { request } = app();
      const allowed = await request("GET", "/api/v1/registration", undefined, { Origin: ORIGIN });
      expect(allowed.headers.get("Access-Control-Allow-Origin")).to.equal(ORIGIN);
      expect(allowed.headers.get("Access-Control-Expose-Headers")).to.equal("X-Request-Id");
      for (const headers of [{ Origin: "https://evil.example.com" }, {}]) {
        const other = await request("GET", "/api/v1/registration", undefined, headers);
        expect(other.headers.get("Access-Control-Allow-Origin")).to.equal(null);
        expect(other.headers.get("Access-Control-Expose-Headers")).to.equal(null);
      }
    });

    it("no CORS headers when no origin is configured (the default)", async () => {
      const { request } = app(undefined, { corsOrigins: undefined });
      for (const origin of [ORIGIN, "null", "Stryker was here"]) {
        const r = await request("GET", "/api/v1/registration", undefined, { Origin: origin });
        expect(r.headers.get("Access-Control-Allow-Origin")).to.equal(null);
      }
      const preflight = await request("OPTIONS", "/api/v1/jobs", undefined, { Origin: ORIGIN });
      expect(preflight.headers.get("Access-Control-Allow-Methods")).to.equal(null);
    });
  });

  describe("GET /health", () => {
    it("healthy when SELECT 1 answers", async () => {
      const { request, queries } = app(() => [{ "?column?": 1 }]);
      const r = await request("GET", "/health");
      expect([r.status, r.json]).to.deep.equal([200, { status: "healthy" }]);
      expect(queries).to.deep.equal([{ sql: "SELECT 1" }]);
    });

    const UNHEALTHY = {
      status: "unhealthy",
      error: "database_unavailable",
      message: "the database cannot be reached",
    };

    it("503 when the database fails, logging why", async () => {
      const { request, logs } = app(() =>
        Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      );
      const r = await request("GET", "/health");
      expect([r.status, r.json]).to.deep.equal([503, UNHEALTHY]);
      expect(logs[0]).to.deep.include({ level: "warn", message: "health check failed" });
      expect(logs[0]!.fields).to.deep.include({
        error: "Error",
        reason: "connect ECONNREFUSED",
        code: "ECONNREFUSED",
      });
      expect(logs[1]).to.deep.include({ level: "error", message: "request" });
    });

    it("503 after the given timeout when the database never answers", async () => {
      const { request } = app(() => "hang", { healthTimeoutMs: 50 });
      const r = await request("GET", "/health");
      expect([r.status, r.json]).to.deep.equal([503, UNHEALTHY]);
    });

    it(`waits ${HEALTH_TIMEOUT_MS} ms by default`, async () => {
      expect(HEALTH_TIMEOUT_MS).to.equal(2000);
      const { request } = app(() => "hang");
      const started = Date.now();
      expect((await request("GET", "/health")).status).to.equal(503);
      expect(Date.now() - started).to.be.within(HEALTH_TIMEOUT_MS - 50, HEALTH_TIMEOUT_MS + 1500);
    });
  });

  it("GET /api/v1/registration names the app, its version, environment and endpoints", async () => {
    const r = await app().request("GET", "/api/v1/registration");
    expect(r.json).to.deep.equal({
      name: APP_NAME,
      version: "1.2.3",
      environment: "test",
      endpoints: [...ENDPOINTS],
    });
    expect(APP_NAME).to.equal("fred-jobs-api");
  });

  describe("POST /api/v1/jobs", () => {
    const created = (name: string, description: string | null) => [
      { ...jobRow, name, description },
    ];

    const accepted: [string, unknown, [string, string | null]][] = [
      ["a name alone (no description: null)", { name: "n" }, ["n", null]],
      ["a 200-character name", { name: "n".repeat(200) }, ["n".repeat(200), null]],
      ["a null description", { name: "n", description: null }, ["n", null]],
      ["an empty description", { name: "n", description: "" }, ["n", ""]],
      [
        "a 2000-character description",
        { name: "n", description: "d".repeat(2000) },
        ["n", "d".repeat(2000)],
      ],
    ];
    for (const [what, body, values] of accepted) {
      it(`accepts ${what}`, async () => {
        const { request, queries } = app(() => created(...values));
        const r = await request("POST", "/api/v1/jobs", body);
        expect(r.status).to.equal(201);
        expect(r.json).to.deep.equal({
          id: JOB_ID,
          name: values[0],
          description: values[1],
          createdAt: CREATED.toISOString(),
        });
        expect(queries.map((q) => q.values)).to.deep.equal([values]);
      });
    }

    const refused: [string, unknown, string, string | undefined, string][] = [
      [
        "an empty name",
        { name: "" },
        "invalid_request",
        "name",
        "name: Too small: expected string to have >=1 characters",
      ],
      [
        "a 201-character name",
        { name: "n".repeat(201) },
        "invalid_request",
        "name",
        "name: Too big: expected string to have <=200 characters",
      ],
      ["no name", { description: "d" }, "invalid_request", "name", "name is required"],
      [
        "a NUL in the name",
        { name: "a\u0000b" },
        "invalid_request",
        "name",
        "name: must not contain NUL characters or unpaired surrogates",
      ],
      [
        "a 2001-character description",
        { name: "n", description: "d".repeat(2001) },
        "invalid_request",
        "description",
        "description: Too big: expected string to have <=2000 characters",
      ],
      [
        "an unknown field",
        { name: "n", owner: "x" },
        "invalid_request",
        "owner",
        'unknown field "owner" in request body',
      ],
      ["an array", [], "invalid_request", undefined, "request body must be a JSON object"],
      [
        "a repeated key",
        '{"name":"a","name":"b"}',
        "invalid_request",
        "name",
        "name is a duplicate key",
      ],
      [
        "broken JSON",
        '{"name":',
        "invalid_json",
        undefined,
        "request body is not valid JSON: Unexpected end of JSON input",
      ],
    ];
    for (const [what, body, error, field, message] of refused) {
      it(`refuses ${what}: 400 ${error}${field ? ` (${field})` : ""}, nothing written`, async () => {
        const { request, queries } = app();
        const r = await request("POST", "/api/v1/jobs", body);
        expect(refusal(r)).to.deep.equal({
          status: 400,
          body: { error, message, ...(field ? { field } : {}) },
        });
        expect(queries).to.deep.equal([]);
      });
    }

    it("refuses a body that is a negative zero, naming no field", async () => {
      const { request, queries } = app();
      expect(refusal(await request("POST", "/api/v1/jobs", "-0"))).to.deep.equal({
        status: 400,
        body: {
          error: "invalid_request",
          message: "request body -0 is a negative zero, which cannot be stored; send 0",
        },
      });
      expect(queries).to.deep.equal([]);
    });

    it("refuses a body that is not JSON by its Content-Type: 415", async () => {
      const { request, queries } = app();
      const r = await request("POST", "/api/v1/jobs", '{"name":"n"}', {
        "Content-Type": "text/plain",
      });
      expect(refusal(r)).to.deep.equal({
        status: 415,
        body: {
          error: "unsupported_media_type",
          message: 'Content-Type must be application/json, got "text/plain"',
        },
      });
      expect(queries).to.deep.equal([]);
    });

    it(`refuses a body over ${MAX_BODY_BYTES} bytes: 413, closing the connection`, async () => {
      const { request, queries } = app();
      const body = JSON.stringify({ name: "n", description: "d".repeat(MAX_BODY_BYTES) });
      const r = await request("POST", "/api/v1/jobs", body);
      expect(refusal(r)).to.deep.equal({
        status: 413,
        body: {
          error: "payload_too_large",
          message: `request body exceeds the limit of ${MAX_BODY_BYTES} bytes`,
        },
      });
      expect(r.headers.get("Connection")).to.equal("close");
      expect(queries).to.deep.equal([]);
    });

    it(`accepts a body of exactly ${MAX_BODY_BYTES} bytes up to the schema`, async () => {
      const { request } = app();
      const padding = MAX_BODY_BYTES - JSON.stringify({ name: "n", description: "" }).length;
      const body = JSON.stringify({ name: "n", description: "d".repeat(padding) });
      expect(body.length).to.equal(MAX_BODY_BYTES);
      // Past the body limit, the schema refuses the long description (2000 at most).
      expect((await request("POST", "/api/v1/jobs", body)).json.field).to.equal("description");
    });
  });

  describe("GET /api/v1/jobs/{job_id}", () => {
    it("answers the job, looked up by its lower-case id", async () => {
      const { request, queries } = app(() => [jobRow]);
      const r = await request("GET", `/api/v1/jobs/${JOB_ID.toUpperCase()}`);
      expect([r.status, r.json]).to.deep.equal([
        200,
        { id: JOB_ID, name: "nightly", description: null, createdAt: CREATED.toISOString() },
      ]);
      expect(queries[0]!.values).to.deep.equal([JOB_ID]);
    });

    it("404 naming job_id for an unknown job", async () => {
      const r = await app().request("GET", `/api/v1/jobs/${JOB_ID}`);
      expect(refusal(r)).to.deep.equal({
        status: 404,
        body: { error: "not_found", message: `job ${JOB_ID} does not exist`, field: "job_id" },
      });
    });

    it("400 naming job_id for an id that is no UUID, without asking the database", async () => {
      const { request, queries } = app();
      const r = await request("GET", "/api/v1/jobs/42");
      expect(refusal(r)).to.deep.equal({
        status: 400,
        body: { error: "invalid_request", message: "job_id must be a UUID", field: "job_id" },
      });
      expect(queries).to.deep.equal([]);
    });
  });

  describe("POST /api/v1/runs", () => {
    it("creates the run of a job (lower-cased id), parameters {} by default", async () => {
      const { request, queries } = app(() => [runRow]);
      const r = await request("POST", "/api/v1/runs", { jobId: JOB_ID.toUpperCase() });
      expect([r.status, r.json]).to.deep.equal([
        201,
        {
          id: RUN_ID,
          jobId: JOB_ID,
          parameters: { a: 1 },
          status: "pending",
          createdAt: CREATED.toISOString(),
        },
      ]);
      expect(queries.map((q) => q.values)).to.deep.equal([[JOB_ID, "{}"]]);
    });

    it("passes the parameters on as given, 32 levels deep", async () => {
      const { request, queries } = app(() => [runRow]);
      let parameters: Record<string, unknown> = { leaf: "x" };
      for (let depth = 1; depth < 32; depth++) parameters = { a: parameters };
      const r = await request("POST", "/api/v1/runs", { jobId: JOB_ID, parameters });
      expect(r.status).to.equal(201);
      expect(queries[0]!.values).to.deep.equal([JOB_ID, JSON.stringify(parameters)]);
    });

    it("404 naming jobId for a run of an unknown job", async () => {
      const r = await app().request("POST", "/api/v1/runs", { jobId: JOB_ID });
      expect(refusal(r)).to.deep.equal({
        status: 404,
        body: { error: "not_found", message: `job ${JOB_ID} does not exist`, field: "jobId" },
      });
    });

    const deep = (levels: number): unknown => (levels === 0 ? 1 : { a: deep(levels - 1) });
    const refused: [string, unknown, string, string][] = [
      ["a jobId that is no UUID", { jobId: "42" }, "jobId", "jobId: must be a UUID"],
      ["no jobId", { parameters: {} }, "jobId", "jobId is required"],
      [
        "parameters that are a list",
        { jobId: JOB_ID, parameters: [1] },
        "parameters",
        "parameters: must be a JSON object",
      ],
      [
        "parameters that are null",
        { jobId: JOB_ID, parameters: null },
        "parameters",
        "parameters: must be a JSON object",
      ],
      [
        "parameters that are a string",
        { jobId: JOB_ID, parameters: "{}" },
        "parameters",
        "parameters: must be a JSON object",
      ],
      [
        "parameters that are a number",
        { jobId: JOB_ID, parameters: 1 },
        "parameters",
        "parameters: must be a JSON object",
      ],
      [
        "a repeated parameter",
        `{"jobId":"${JOB_ID}","parameters":{"x":1,"x":2}}`,
        "parameters.x",
        "parameters.x is a duplicate key",
      ],
      [
        "parameters 33 levels deep",
        { jobId: JOB_ID, parameters: deep(33) },
        `parameters.${Array(32).fill("a").join(".")}`,
        `parameters.${Array(32).fill("a").join(".")} nests deeper than 32 levels`,
      ],
      [
        "a NUL in a parameter",
        { jobId: JOB_ID, parameters: { list: ["ok", "a\u0000"] } },
        "parameters.list.1",
        "parameters.list.1 must not contain NUL characters or unpaired surrogates",
      ],
    ];
    for (const [what, body, field, message] of refused) {
      it(`refuses ${what}: 400 naming ${field}, nothing written`, async () => {
        const { request, queries } = app();
        const r = await request("POST", "/api/v1/runs", body);
        expect(refusal(r)).to.deep.equal({
          status: 400,
          body: { error: "invalid_request", message, field },
        });
        expect(queries).to.deep.equal([]);
      });
    }
  });

  describe("GET /api/v1/runs/{run_id} and its upload URL", () => {
    it("answers the run", async () => {
      const { request, queries } = app(() => [runRow]);
      const r = await request("GET", `/api/v1/runs/${RUN_ID.toUpperCase()}`);
      expect(r.status).to.equal(200);
      expect(r.json).to.deep.include({ id: RUN_ID, jobId: JOB_ID, status: "pending" });
      expect(queries[0]!.values).to.deep.equal([RUN_ID]);
    });

    for (const suffix of ["", "/upload-url"]) {
      it(`GET /api/v1/runs/{run_id}${suffix}: 404 and 400 naming run_id`, async () => {
        const { request, queries } = app();
        expect(refusal(await request("GET", `/api/v1/runs/${RUN_ID}${suffix}`))).to.deep.equal({
          status: 404,
          body: { error: "not_found", message: `run ${RUN_ID} does not exist`, field: "run_id" },
        });
        expect(queries).to.have.length(1);
        expect(refusal(await request("GET", `/api/v1/runs/x${suffix}`))).to.deep.equal({
          status: 400,
          body: { error: "invalid_request", message: "run_id must be a UUID", field: "run_id" },
        });
        expect(queries).to.have.length(1);
      });
    }

    it("presigns the run's input key, valid 15 minutes from the app's clock", async () => {
      const now = new Date("2026-01-02T03:04:05.678Z");
      const { request, queries } = app(() => [{ "?column?": 1 }], { now: () => now });
      const r = await request("GET", `/api/v1/runs/${RUN_ID}/upload-url`);
      expect(r.status).to.equal(200);
      expect(queries.map((q) => q.values)).to.deep.equal([[RUN_ID]]);
      expect(r.json).to.deep.include({
        bucket: "fred-uploads",
        key: `uploads/${RUN_ID}/input`,
        expiresAt: "2026-01-02T03:19:05.000Z",
      });
      const url = new URL(r.json.url);
      expect(url.pathname).to.equal(`/uploads/${RUN_ID}/input`);
      expect(url.searchParams.get("X-Amz-Date")).to.equal("20260102T030405Z");
      expect(url.searchParams.get("X-Amz-Expires")).to.equal("900");
    });

    it("presigns from the real clock by default", async () => {
      const { request } = app(() => [{ "?column?": 1 }], { now: undefined });
      const before = Date.now();
      const r = await request("GET", `/api/v1/runs/${RUN_ID}/upload-url`);
      const expires = Date.parse(r.json.expiresAt);
      expect(expires).to.be.within(before - 1000 + 900_000, Date.now() + 900_000);
    });
  });

  describe("methods", () => {
    it("405 naming the methods a path has", async () => {
      const { request } = app();
      const r = await request("DELETE", `/api/v1/jobs/${JOB_ID}`);
      expect(refusal(r)).to.deep.equal({
        status: 405,
        body: {
          error: "method_not_allowed",
          message: `DELETE is not allowed on /api/v1/jobs/${JOB_ID}; allowed: GET, HEAD, OPTIONS`,
        },
      });
      expect(r.headers.get("Allow")).to.equal("GET, HEAD, OPTIONS");
    });

    it("quotes at most 20 characters of a method and 200 of a path", async () => {
      const long = `/${"p".repeat(300)}`;
      const missing = await app().request("GET", long);
      expect(missing.json).to.deep.equal({
        error: "not_found",
        message: `no route for GET ${long.slice(0, 200)}`,
      });
      const longId = `/api/v1/jobs/${"j".repeat(300)}`;
      const wrong = await app().request("PUT", longId);
      expect(wrong.json.message).to.equal(
        `PUT is not allowed on ${longId.slice(0, 200)}; allowed: GET, HEAD, OPTIONS`,
      );
      const method = "M".repeat(30);
      const r = await app().request(method, "/api/v1/jobs");
      expect(r.json.message).to.equal(
        `${"M".repeat(20)} is not allowed on /api/v1/jobs; allowed: POST, OPTIONS`,
      );
    });

    it("OPTIONS: 204 with Allow, and the CORS preflight headers for an allowed origin only", async () => {
      const { request } = app();
      const plain = await request("OPTIONS", "/api/v1/jobs");
      expect([plain.status, plain.json]).to.deep.equal([204, null]);
      expect(plain.headers.get("Allow")).to.equal("POST, OPTIONS");
      expect(plain.headers.get("Access-Control-Allow-Methods")).to.equal(null);

      const preflight = await request("OPTIONS", "/api/v1/jobs", undefined, { Origin: ORIGIN });
      expect(preflight.status).to.equal(204);
      expect(preflight.headers.get("Access-Control-Allow-Methods")).to.equal("POST, OPTIONS");
      expect(preflight.headers.get("Access-Control-Allow-Headers")).to.equal(CORS_ALLOW_HEADERS);
      expect(preflight.headers.get("Access-Control-Max-Age")).to.equal("600");

      const foreign = await request("OPTIONS", "/api/v1/jobs", undefined, {
        Origin: "https://evil.example.com",
      });
      expect(foreign.headers.get("Access-Control-Allow-Methods")).to.equal(null);
      expect(foreign.headers.get("Access-Control-Allow-Headers")).to.equal(null);
      expect(foreign.headers.get("Access-Control-Max-Age")).to.equal(null);
    });

    it("CORS_ALLOW_HEADERS lets a browser send SigV4 and JSON", () => {
      expect(CORS_ALLOW_HEADERS).to.equal(
        "Authorization, Content-Type, X-Amz-Date, X-Amz-Security-Token",
      );
    });

    it("routeMethods: each path in Hono's syntax with its methods", () => {
      expect([...routeMethods()]).to.deep.equal([
        ["/health", ["GET"]],
        ["/api/v1/registration", ["GET"]],
        ["/api/v1/jobs", ["POST"]],
        ["/api/v1/jobs/:job_id", ["GET"]],
        ["/api/v1/runs", ["POST"]],
        ["/api/v1/runs/:run_id", ["GET"]],
        ["/api/v1/runs/:run_id/upload-url", ["GET"]],
      ]);
    });

    const allows: [string[], string][] = [
      [["POST"], "POST, OPTIONS"],
      [["GET"], "GET, HEAD, OPTIONS"],
      [["GET", "POST"], "GET, POST, HEAD, OPTIONS"],
      [["OPTIONS"], "OPTIONS"],
    ];
    for (const [methods, allow] of allows) {
      it(`allowHeader(${methods.join(", ")}) → ${allow}`, () =>
        expect(allowHeader(methods)).to.equal(allow));
    }
  });

  describe("failures", () => {
    it("a database that is unavailable: 503 with Retry-After, logged as a warning", async () => {
      const failure = Object.assign(new Error("terminating connection"), { code: "57P01" });
      const { request, logs } = app(() => failure);
      const r = await request("GET", `/api/v1/jobs/${JOB_ID}`);
      expect(refusal(r)).to.deep.equal({
        status: 503,
        body: {
          error: "database_unavailable",
          message: "the database is busy or restarting; retry shortly",
        },
      });
      expect(r.headers.get("Retry-After")).to.equal("1");
      const requestId = r.headers.get("X-Request-Id");
      expect(logs[0]).to.deep.include({ level: "warn", message: "database unavailable" });
      expect(logs[0]!.fields).to.deep.include({
        requestId,
        path: `/api/v1/jobs/${JOB_ID}`,
        error: "Error",
        reason: "terminating connection",
        code: "57P01",
      });
      expect(logs[1]).to.deep.include({ level: "error", message: "request" });
    });

    it("any other failure: 500 with the request id, the cause only in the log", async () => {
      const { request, logs } = app(() => new Error("relation jobs does not exist"));
      const r = await request("POST", "/api/v1/jobs", { name: "n" });
      const requestId = r.headers.get("X-Request-Id");
      expect(refusal(r)).to.deep.equal({
        status: 500,
        body: { error: "internal_error", message: `internal error; request id ${requestId}` },
      });
      expect(r.headers.get("Retry-After")).to.equal(null);
      expect(logs[0]).to.deep.include({ level: "error", message: "unexpected failure" });
      expect(logs[0]!.fields).to.deep.include({
        requestId,
        method: "POST",
        path: "/api/v1/jobs",
        error: "Error",
        reason: "relation jobs does not exist",
      });
      expect(logs[1]).to.deep.include({ level: "error", message: "request" });
      expect(logs[1]!.fields.status).to.equal(500);
    });
  });
});

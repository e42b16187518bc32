/**
 * The FRED jobs API as a Hono app. `createApp` takes everything with a side effect (the database,
 * S3, the logger, the clock), so tests run it with `app.request()` or serve it over real HTTP
 * against a real PostgreSQL, and server.ts wires it to the environment.
 */
import { randomUUID } from "node:crypto";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import * as z from "zod/mini";
import {
  findJob,
  findRun,
  insertJob,
  insertRun,
  isUnavailable,
  ping,
  RETRY_AFTER_SECONDS,
  runExists,
  type Queryable,
} from "./db";
import {
  HttpError,
  jsonObject,
  jsonProblem,
  MAX_BODY_BYTES,
  parseId,
  parseJsonBody,
  text,
  uuid,
  type ErrorBody,
} from "./http";
import { describeError, silentLogger, type Logger } from "./log";
import { presignUpload, type UploadTarget } from "./uploads";

export const APP_NAME = "fred-jobs-api";

/** Every route, as listed by GET /api/v1/registration. */
export const ENDPOINTS = [
  "GET /health",
  "GET /api/v1/registration",
  "POST /api/v1/jobs",
  "GET /api/v1/jobs/{job_id}",
  "POST /api/v1/runs",
  "GET /api/v1/runs/{run_id}",
  "GET /api/v1/runs/{run_id}/upload-url",
] as const;

/** How long /health waits for `SELECT 1` before answering 503. */
export const HEALTH_TIMEOUT_MS = 2000;

export interface AppDeps {
  db: Queryable;
  uploads: UploadTarget;
  /** APP_ENV, echoed by the registration endpoint. */
  environment: string;
  /** The package version, echoed by the registration endpoint. */
  version: string;
  logger?: Logger;
  healthTimeoutMs?: number;
  now?: () => Date;
  /**
   * Browser origins whose requests are answered with CORS headers (every answer, errors too).
   * @default []
   */
  corsOrigins?: readonly string[];
}

/** Request headers a browser may send cross-origin (SigV4 and JSON). */
export const CORS_ALLOW_HEADERS = "Authorization, Content-Type, X-Amz-Date, X-Amz-Security-Token";

const NewJob = z.strictObject({
  name: text(1, 200),
  description: z.optional(z.nullable(text(0, 2000))),
});

const NewRun = z.strictObject({
  jobId: uuid(),
  parameters: z.optional(jsonObject()),
});

type Env = { Variables: { requestId: string } };

export function createApp(deps: AppDeps): Hono<Env> {
  const { db, uploads, logger = silentLogger, now = () => new Date() } = deps;
  const healthTimeoutMs = deps.healthTimeoutMs ?? HEALTH_TIMEOUT_MS;
  const corsOrigins = deps.corsOrigins ?? [];
  const app = new Hono<Env>();

  // One log line per request, written after the answer is known (errors included).
  app.use(async (c, next) => {
    const start = performance.now();
    c.set("requestId", randomUUID());
    c.header("X-Request-Id", c.get("requestId"));
    c.header("Cache-Control", "no-store");
    // Set before the route runs, so every answer carries them (errors and 404s included).
    c.header("Vary", "Origin");
    const origin = c.req.header("origin");
    if (origin !== undefined && corsOrigins.includes(origin)) {
      c.header("Access-Control-Allow-Origin", origin);
      c.header("Access-Control-Expose-Headers", "X-Request-Id");
    }
    await next();
    logger.log(c.res.status >= 500 ? "error" : "info", "request", {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - start) * 10) / 10,
      requestId: c.get("requestId"),
    });
  });

  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => {
        // The rest of the body is never read, so the connection cannot carry another request.
        c.header("Connection", "close");
        return problem(
          c,
          new HttpError(
            413,
            "payload_too_large",
            `request body exceeds the limit of ${MAX_BODY_BYTES} bytes`,
          ),
        );
      },
    }),
  );

  app.get("/health", async (c) => {
    try {
      await ping(db, healthTimeoutMs);
      return c.json({ status: "healthy" });
    } catch (error) {
      logger.log("warn", "health check failed", describeError(error));
      return c.json(
        {
          status: "unhealthy",
          error: "database_unavailable",
          message: "the database cannot be reached",
        },
        503,
      );
    }
  });

  app.get("/api/v1/registration", (c) =>
    c.json({
      name: APP_NAME,
      version: deps.version,
      environment: deps.environment,
      endpoints: ENDPOINTS,
    }),
  );

  app.post("/api/v1/jobs", async (c) => {
    const body = parseJsonBody(c.req.header("content-type"), await c.req.arrayBuffer(), NewJob);
    const job = await insertJob(db, { name: body.name, description: body.description ?? null });
    return c.json(job, 201);
  });

  app.get("/api/v1/jobs/:job_id", async (c) => {
    const id = parseId(c.req.param("job_id"), "job_id");
    const job = await findJob(db, id);
    if (!job) throw new HttpError(404, "not_found", `job ${id} does not exist`, "job_id");
    return c.json(job);
  });

  app.post("/api/v1/runs", async (c) => {
    const body = parseJsonBody(c.req.header("content-type"), await c.req.arrayBuffer(), NewRun);
    const parameters = body.parameters ?? {};
    const problemAt = jsonProblem(parameters);
    if (problemAt) {
      const field = ["parameters", ...problemAt.path].join(".");
      throw new HttpError(400, "invalid_request", `${field} ${problemAt.reason}`, field);
    }
    const jobId = body.jobId.toLowerCase();
    const run = await insertRun(db, { jobId, parameters });
    if (!run) throw new HttpError(404, "not_found", `job ${jobId} does not exist`, "jobId");
    return c.json(run, 201);
  });

  app.get("/api/v1/runs/:run_id", async (c) => {
    const id = parseId(c.req.param("run_id"), "run_id");
    const run = await findRun(db, id);
    if (!run) throw new HttpError(404, "not_found", `run ${id} does not exist`, "run_id");
    return c.json(run);
  });

  app.get("/api/v1/runs/:run_id/upload-url", async (c) => {
    const id = parseId(c.req.param("run_id"), "run_id");
    if (!(await runExists(db, id))) {
      throw new HttpError(404, "not_found", `run ${id} does not exist`, "run_id");
    }
    return c.json(await presignUpload(uploads, id, now()));
  });

  // A known path asked with another method: 405 naming the methods it has (as Flask answered),
  // and OPTIONS lists them. Registered last, so the routes above answer their own methods first.
  for (const [path, methods] of routeMethods()) {
    const allow = allowHeader(methods);
    app.all(path, (c) => {
      c.header("Allow", allow);
      if (c.req.method === "OPTIONS") {
        // A CORS preflight (the API Gateway in front answers its own; this serves ECS or a laptop).
        if (corsOrigins.includes(c.req.header("origin") ?? "")) {
          c.header("Access-Control-Allow-Methods", allow);
          c.header("Access-Control-Allow-Headers", CORS_ALLOW_HEADERS);
          c.header("Access-Control-Max-Age", "600");
        }
        return c.body(null, 204);
      }
      return problem(
        c,
        new HttpError(
          405,
          "method_not_allowed",
          `${c.req.method.slice(0, 20)} is not allowed on ${c.req.path.slice(0, 200)}; allowed: ${allow}`,
        ),
      );
    });
  }

  app.notFound((c) =>
    problem(
      c,
      new HttpError(404, "not_found", `no route for ${c.req.method} ${c.req.path.slice(0, 200)}`),
    ),
  );

  app.onError((error, c) => {
    if (error instanceof HttpError) return problem(c, error);
    if (isUnavailable(error)) {
      // Saturated, restarting or unreachable: nothing was written, and a retry may succeed.
      logger.log("warn", "database unavailable", {
        requestId: c.get("requestId"),
        path: c.req.path,
        ...describeError(error),
      });
      c.header("Retry-After", String(RETRY_AFTER_SECONDS));
      return problem(
        c,
        new HttpError(
          503,
          "database_unavailable",
          "the database is busy or restarting; retry shortly",
        ),
      );
    }
    // A real fault: the details go to the log, the client gets an id to quote.
    logger.log("error", "unexpected failure", {
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      ...describeError(error),
    });
    return problem(
      c,
      new HttpError(500, "internal_error", `internal error; request id ${c.get("requestId")}`),
    );
  });

  return app;
}

/** Each route path of ENDPOINTS in Hono's syntax (`/jobs/:job_id`) with its methods. */
export function routeMethods(): Map<string, string[]> {
  const paths = new Map<string, string[]>();
  for (const endpoint of ENDPOINTS) {
    const [method = "", path = ""] = endpoint.split(" ");
    const honoPath = path.replace(/\{(\w+)\}/g, ":$1");
    paths.set(honoPath, [...(paths.get(honoPath) ?? []), method]);
  }
  return paths;
}

/** The `Allow` header of a path with these methods: HEAD comes with GET, OPTIONS always. */
export function allowHeader(methods: readonly string[]): string {
  const all = new Set(methods);
  if (all.has("GET")) all.add("HEAD");
  all.add("OPTIONS");
  return [...all].join(", ");
}

function problem(c: Context, error: HttpError): Response {
  return c.json<ErrorBody, typeof error.status>(error.toJSON(), error.status);
}

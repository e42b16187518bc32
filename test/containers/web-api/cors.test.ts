/**
 * CORS on the app's own answers, over HTTP against a real PostgreSQL: a browser on an allowed
 * origin can read every answer (created, read, refused, not found, wrong method); any other
 * origin gets no Access-Control-Allow-Origin.
 */
import { expect } from "chai";
import { serveOnFreshDatabase, type ServedOnDatabase } from "./helpers";

const ALLOWED = "https://app.example.com";

describe("FRED jobs API: CORS on its own answers", () => {
  let served: ServedOnDatabase;
  let jobId: string;

  before(async () => {
    served = await serveOnFreshDatabase("cors", {
      corsOrigins: [ALLOWED, "http://localhost:5173"],
    });
    const created = await fetch(`${served.base}/api/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ALLOWED },
      body: JSON.stringify({ name: "cors" }),
    });
    expect(created.status).to.equal(201);
    expect(created.headers.get("access-control-allow-origin")).to.equal(ALLOWED);
    jobId = ((await created.json()) as { id: string }).id;
  });

  after(async () => {
    await served?.stop();
  });

  const requests: [string, string, string, unknown, number][] = [
    ["a read", "GET", "/api/v1/jobs/{job}", undefined, 200],
    ["a created run", "POST", "/api/v1/runs", { jobId: "{job}" }, 201],
    ["a refused body", "POST", "/api/v1/runs", '{"jobId":"{job}","parameters":{"a":-0}}', 400],
    ["a 404", "GET", "/api/v1/nothing", undefined, 404],
    ["a 405", "DELETE", "/api/v1/jobs/{job}", undefined, 405],
    ["the health check", "GET", "/health", undefined, 200],
  ];
  for (const [what, method, path, body, status] of requests) {
    const send = (origin: string): Promise<Response> =>
      fetch(`${served.base}${path.replace("{job}", jobId)}`, {
        method,
        headers: { origin, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined
          ? {}
          : {
              body: (typeof body === "string" ? body : JSON.stringify(body)).replace(
                "{job}",
                jobId,
              ),
            }),
      });

    it(`${what} (${status}) carries the allowed origin, and Vary: Origin`, async () => {
      const response = await send(ALLOWED);
      expect(response.status).to.equal(status);
      expect(response.headers.get("access-control-allow-origin")).to.equal(ALLOWED);
      expect(response.headers.get("access-control-expose-headers")).to.equal("X-Request-Id");
      expect(response.headers.get("vary")).to.match(/Origin/);
    });

    it(`${what} (${status}) has no CORS grant for another origin`, async () => {
      const response = await send("https://evil.example.com");
      expect(response.status).to.equal(status);
      expect(response.headers.get("access-control-allow-origin")).to.equal(null);
    });
  }

  it("answers a preflight for an allowed origin with the path's methods", async () => {
    const response = await fetch(`${served.base}/api/v1/runs`, {
      method: "OPTIONS",
      headers: { origin: ALLOWED, "access-control-request-method": "POST" },
    });
    expect(response.status).to.equal(204);
    expect(response.headers.get("access-control-allow-origin")).to.equal(ALLOWED);
    expect(response.headers.get("access-control-allow-methods")).to.equal("POST, OPTIONS");
    expect(response.headers.get("access-control-allow-headers")).to.include("Content-Type");
  });

  it("a 413 (the body limit's answer) carries it too", async () => {
    const response = await fetch(`${served.base}/api/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ALLOWED },
      body: JSON.stringify({ name: "x".repeat(2 * 1024 * 1024) }),
    });
    expect(response.status).to.equal(413);
    expect(response.headers.get("access-control-allow-origin")).to.equal(ALLOWED);
  });
});

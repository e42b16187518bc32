/**
 * Wrong methods and requests the HTTP server refuses by itself, over real sockets: every answer
 * is the app's JSON error shape, and a known path asked with another method is a 405 that says
 * which methods it has.
 */
import { connect } from "node:net";
import { expect } from "chai";
import { allowHeader, routeMethods } from "../../../containers/web-api/src/app";
import { serverError } from "../../../containers/web-api/src/listen";
import { uploadClient } from "../../../containers/web-api/src/uploads";
import { FRED_JOBS_ROUTES } from "../../../workloads/fred-jobs";
import { BUCKET, serveApp, type Served } from "./helpers";

const ID = "0b7e3c2a-1f4d-4c8e-9a6b-2d5f7e8c9a10";

/** Sends `raw` bytes on a fresh connection; resolves with everything the server answered. */
function rawRequest(base: string, raw: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(raw));
    let answer = "";
    socket.on("data", (chunk) => (answer += chunk.toString()));
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
    socket.setTimeout(5000, () => reject(new Error(`no answer; got so far: ${answer}`)));
  });
}

function parseRaw(answer: string): { status: number; headers: string; body: any } {
  const [head = "", body = ""] = answer.split("\r\n\r\n");
  return {
    status: Number(head.split(" ")[1]),
    headers: head.toLowerCase(),
    body: JSON.parse(body),
  };
}

describe("FRED jobs API: wrong methods and the server's own errors", () => {
  let served: Served;
  before(async () => {
    served = await serveApp({
      // No route under test reaches the database.
      db: { query: () => Promise.reject(new Error("the database is not part of this test")) },
      uploads: { s3: uploadClient("us-east-1"), bucket: BUCKET, prefix: "uploads/" },
      environment: "test",
      version: "1.0.0",
    });
  });
  after(() => served?.close());

  it("knows each path's methods from the endpoint list", () => {
    expect(Object.fromEntries(routeMethods())).to.deep.equal({
      "/health": ["GET"],
      "/api/v1/registration": ["GET"],
      "/api/v1/jobs": ["POST"],
      "/api/v1/jobs/:job_id": ["GET"],
      "/api/v1/runs": ["POST"],
      "/api/v1/runs/:run_id": ["GET"],
      "/api/v1/runs/:run_id/upload-url": ["GET"],
    });
    expect(allowHeader(["GET"])).to.equal("GET, HEAD, OPTIONS");
    expect(allowHeader(["POST"])).to.equal("POST, OPTIONS");
  });

  it("the API Gateway in front forwards every method of each app path to the app", () => {
    const shape = (path: string): string => path.replace(/[{:](\w+)\}?/g, "{}");
    const forwarded = new Map<string, Set<string>>();
    for (const { method, path } of Object.values(FRED_JOBS_ROUTES)) {
      forwarded.set(shape(path), (forwarded.get(shape(path)) ?? new Set()).add(method));
    }
    for (const [path, methods] of routeMethods()) {
      const gateway = forwarded.get(shape(path));
      expect(gateway, path).to.not.equal(undefined);
      expect([...gateway!], path).to.include.members([...methods, "ANY"]);
    }
  });

  const wrong: [string, string, string][] = [
    ["POST", "/health", "GET, HEAD, OPTIONS"],
    ["DELETE", `/api/v1/jobs/${ID}`, "GET, HEAD, OPTIONS"],
    ["PUT", "/api/v1/jobs/not-even-a-uuid", "GET, HEAD, OPTIONS"],
    ["GET", "/api/v1/jobs", "POST, OPTIONS"],
    ["PATCH", "/api/v1/runs", "POST, OPTIONS"],
    ["POST", `/api/v1/runs/${ID}/upload-url`, "GET, HEAD, OPTIONS"],
    ["DELETE", "/api/v1/registration", "GET, HEAD, OPTIONS"],
  ];
  for (const [method, path, allow] of wrong) {
    it(`${method} ${path}: 405, Allow: ${allow}`, async () => {
      const response = await fetch(`${served.base}${path}`, { method });
      expect(response.status).to.equal(405);
      expect(response.headers.get("allow")).to.equal(allow);
      expect(response.headers.get("content-type")).to.match(/^application\/json/);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body.error).to.equal("method_not_allowed");
      expect(body.message).to.include(allow);
    });
  }

  it("OPTIONS on a route: 204 with Allow", async () => {
    const response = await fetch(`${served.base}/api/v1/jobs`, { method: "OPTIONS" });
    expect(response.status).to.equal(204);
    expect(response.headers.get("allow")).to.equal("POST, OPTIONS");
  });

  it("an unknown path is still a 404, whatever the method", async () => {
    const response = await fetch(`${served.base}/api/v1/nothing`, { method: "DELETE" });
    expect(response.status).to.equal(404);
    expect(await response.json()).to.include({ error: "not_found" });
  });

  it("a malformed request line: 400 JSON", async () => {
    const { status, headers, body } = parseRaw(
      await rawRequest(served.base, "GET /\u0001 HTTP/1.1\r\n\r\n"),
    );
    expect(status).to.equal(400);
    expect(headers).to.include("content-type: application/json");
    expect(body.error).to.equal("bad_request");
  });

  it("headers over Node's limit: 431 JSON", async () => {
    const raw = `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20 * 1024)}\r\n\r\n`;
    const { status, body } = parseRaw(await rawRequest(served.base, raw));
    expect(status).to.equal(431);
    expect(body.error).to.equal("headers_too_large");
  });

  it("a backslash in the path (refused by the adapter before the app): 400 JSON", async () => {
    const raw = "GET /api\\v1/jobs HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    const { status, headers, body } = parseRaw(await rawRequest(served.base, raw));
    expect(status).to.equal(400);
    expect(headers).to.include("content-type: application/json");
    expect(body).to.deep.include({ error: "bad_request" });
    expect(body.message).to.be.a("string");
  });

  it("maps server-level errors to statuses", () => {
    const coded = (code: string): Error => Object.assign(new Error(code), { code });
    expect(serverError(coded("HPE_HEADER_OVERFLOW")).status).to.equal(431);
    expect(serverError(coded("ERR_HTTP_REQUEST_TIMEOUT")).status).to.equal(408);
    expect(serverError(coded("HPE_INVALID_METHOD")).status).to.equal(400);
    expect(serverError(new Error("boom")).status).to.equal(500);
  });
});

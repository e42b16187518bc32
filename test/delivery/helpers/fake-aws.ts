/**
 * Loopback stand-ins for what the smoke test talks to: the Lambda REST API (answered to the real
 * SDK client) and the two API Gateway stages.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { FunctionConfiguration } from "@aws-sdk/client-lambda";

export interface Invocation {
  payload: unknown;
  /** Lambda's `X-Amz-Function-Error`, e.g. "Unhandled". */
  functionError?: string;
}

export interface FakeLambda {
  readonly url: string;
  readonly configs: Map<string, FunctionConfiguration>;
  readonly invokers: Map<string, (event: unknown) => Promise<Invocation> | Invocation>;
  /** Method, path and whether the request carried a SigV4 signature. */
  readonly requests: { method: string; path: string; signed: boolean }[];
  close(): Promise<void>;
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function notFound(res: http.ServerResponse, name: string): void {
  res.writeHead(404, {
    "Content-Type": "application/json",
    "x-amzn-errortype": "ResourceNotFoundException",
  });
  res.end(JSON.stringify({ Type: "User", message: `Function not found: ${name}` }));
}

/** `GET .../functions/{name}/configuration` and `POST .../functions/{name}/invocations`. */
export async function fakeLambda(): Promise<FakeLambda> {
  const configs = new Map<string, FunctionConfiguration>();
  const invokers = new Map<string, (event: unknown) => Promise<Invocation> | Invocation>();
  const requests: FakeLambda["requests"] = [];
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      requests.push({
        method: req.method ?? "",
        path: url.pathname,
        signed: /^AWS4-HMAC-SHA256 Credential=/.test(req.headers.authorization ?? ""),
      });
      const match = /^\/2015-03-31\/functions\/([^/]+)\/(configuration|invocations)$/.exec(
        url.pathname,
      );
      const name = decodeURIComponent(match?.[1] ?? "");
      if (match?.[2] === "configuration" && req.method === "GET") {
        const config = configs.get(name);
        if (!config) return notFound(res, name);
        res.writeHead(200, { "Content-Type": "application/json" });
        return res.end(JSON.stringify(config));
      }
      if (match?.[2] === "invocations" && req.method === "POST") {
        const invoker = invokers.get(name);
        if (!invoker) return notFound(res, name);
        const result = await invoker(JSON.parse(await readBody(req)));
        res.writeHead(200, {
          "Content-Type": "application/json",
          "X-Amz-Executed-Version": "$LATEST",
          ...(result.functionError ? { "X-Amz-Function-Error": result.functionError } : {}),
        });
        return res.end(JSON.stringify(result.payload));
      }
      res.writeHead(400, { "x-amzn-errortype": "InvalidRequestContentException" });
      res.end(JSON.stringify({ message: `unexpected ${req.method} ${url.pathname}` }));
    })().catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  const url = await listen(server);
  return { url, configs, invokers, requests, close: () => close(server) };
}

export type Scripted = { status: number; body: unknown } | "hang";

export interface FakeApis {
  readonly quickbetsUrl: string;
  readonly fredJobsUrl: string;
  /** Answers by `"<METHOD> <path under the stage>"` per API; unscripted requests get a 401/403. */
  readonly quickbets: Map<string, Scripted>;
  readonly fredJobs: Map<string, Scripted>;
  readonly requests: { api: string; method: string; path: string; authorization?: string }[];
  close(): Promise<void>;
}

/**
 * Both APIs on one server under their stage paths, answering as API Gateway does without
 * credentials: QuickBets' Cognito authorizer 401, FRED's IAM authorization 403, FRED's /health 200.
 */
export async function fakeApis(): Promise<FakeApis> {
  const quickbets = new Map<string, Scripted>();
  const fredJobs = new Map<string, Scripted>([
    ["GET /health", { status: 200, body: { status: "healthy" } }],
  ]);
  const requests: FakeApis["requests"] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const [, api, stage, ...rest] = url.pathname.split("/");
    const path = `/${rest.join("/")}`;
    requests.push({
      api: api ?? "",
      method: req.method ?? "",
      path,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    const scripts = api === "quickbets" ? quickbets : fredJobs;
    const script: Scripted | undefined =
      stage === "v1" ? scripts.get(`${req.method} ${path}`) : undefined;
    if (script === "hang") return; // never answers: the client's timeout must end it
    const answer =
      script ??
      (api === "quickbets"
        ? { status: 401, body: { message: "Unauthorized" } }
        : { status: 403, body: { message: "Missing Authentication Token" } });
    res.writeHead(answer.status, { "Content-Type": "application/json" });
    res.end(JSON.stringify(answer.body));
  });
  const url = await listen(server);
  return {
    quickbetsUrl: `${url}/quickbets/v1`,
    fredJobsUrl: `${url}/fred-jobs/v1/`,
    quickbets,
    fredJobs,
    requests,
    close: () => close(server),
  };
}

/**
 * A local HTTP server playing Kalshi: records every request and answers from a script of routes
 * (JSON, raw text for invalid JSON, any status, or a hang to provoke timeouts).
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
}

export type Reply =
  { status: number; json: unknown } | { status: number; text: string } | { hang: true };

export type Responder = (request: RecordedRequest) => Reply;

export class FakeKalshi {
  readonly requests: RecordedRequest[] = [];
  private routes: { path: string; respond: Responder }[] = [];
  private server?: http.Server;
  private readonly hanging = new Set<http.ServerResponse>();

  /** The origin to put in UPSTREAM_BASE_URL. */
  get baseUrl(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error("FakeKalshi is not started");
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const request: RecordedRequest = {
        method: req.method ?? "",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
      };
      this.requests.push(request);
      const route = this.routes.find((r) => r.path === url.pathname);
      const reply: Reply = route
        ? route.respond(request)
        : { status: 404, json: { error: { code: "not_found" } } };
      if ("hang" in reply) {
        this.hanging.add(res);
        return;
      }
      const body = "json" in reply ? JSON.stringify(reply.json) : reply.text;
      res.writeHead(reply.status, { "Content-Type": "application/json" }).end(body);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
  }

  /** Answers GET `path` (exact pathname) with `respond`; later routes for a path replace earlier. */
  on(path: string, respond: Responder | Reply): this {
    this.routes = this.routes.filter((r) => r.path !== path);
    this.routes.push({ path, respond: typeof respond === "function" ? respond : () => respond });
    return this;
  }

  reset(): void {
    this.routes = [];
    this.requests.length = 0;
    this.releaseHanging();
  }

  async stop(): Promise<void> {
    this.releaseHanging();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    this.server = undefined;
  }

  private releaseHanging(): void {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }
}

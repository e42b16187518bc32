/**
 * The HTTP server around the app. Two kinds of request never reach Hono: ones Node's parser
 * refuses (a malformed request line, headers over the limit, a request too slow to arrive), and
 * ones @hono/node-server cannot turn into a Request (a backslash in the path, a bad Host). Both
 * get the app's JSON error shape here instead of an empty or plain-text answer.
 */
import { createServer, type Server } from "node:http";
import type { Duplex } from "node:stream";
import { getRequestListener } from "@hono/node-server";
import type { ErrorBody } from "./http";

type Fetch = (request: Request) => Response | Promise<Response>;

/** What the server answers for a request it could not hand to the app. */
export function serverError(error: unknown): { status: number; body: ErrorBody } {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "HPE_HEADER_OVERFLOW") {
    return {
      status: 431,
      body: {
        error: "headers_too_large",
        message: "the request headers exceed the server's limit",
      },
    };
  }
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") {
    return {
      status: 408,
      body: { error: "request_timeout", message: "the request did not arrive in time" },
    };
  }
  if (error instanceof Error && (error.name === "RequestError" || typeof code === "string")) {
    return {
      status: 400,
      body: { error: "bad_request", message: `the request is malformed: ${error.message}` },
    };
  }
  return { status: 500, body: { error: "internal_error", message: "internal error" } };
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  408: "Request Timeout",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
};

/** An HTTP server running `fetch`, whose own error answers are JSON too. */
export function createHttpServer(fetch: Fetch): Server {
  const listener = getRequestListener(fetch, {
    errorHandler: (error) => {
      const { status, body } = serverError(error);
      return Response.json(body, { status, headers: { "Cache-Control": "no-store" } });
    },
  });
  // The listener answers every failure itself, so its promise never rejects.
  const server = createServer((request, response) => void listener(request, response));
  server.on("clientError", (error: Error, socket: Duplex) => answerClientError(error, socket));
  return server;
}

function answerClientError(error: Error, socket: Duplex): void {
  // A reset or a response already under way leaves nothing to answer.
  const inFlight = (socket as { _httpMessage?: unknown })._httpMessage;
  if ((error as { code?: string }).code === "ECONNRESET" || !socket.writable || inFlight) {
    socket.destroy();
    return;
  }
  const { status, body } = serverError(error);
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}\r\n` +
      "Content-Type: application/json\r\n" +
      `Content-Length: ${Buffer.byteLength(json)}\r\n` +
      "Cache-Control: no-store\r\n" +
      "Connection: close\r\n\r\n" +
      json,
  );
}

/** `createHttpServer(fetch)` listening on `port` (and `hostname`, default all interfaces). */
export function listen(fetch: Fetch, port: number, hostname?: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createHttpServer(fetch);
    server.once("error", reject);
    server.listen(port, hostname, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}

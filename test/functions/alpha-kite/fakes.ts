/**
 * Local stand-ins for what the streamer talks to: Schwab (price history + OAuth token endpoint)
 * and Supabase PostgREST as real HTTP servers on 127.0.0.1, Secrets Manager as an in-memory store
 * behind aws-sdk-client-mock, and a capture of everything Powertools prints (logs and EMF).
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One scripted answer; `hang` never answers (for timeouts; the socket is closed at `close`). */
export type Scripted = { status: number; body?: unknown } | "hang";

interface Server {
  url: string;
  close(): Promise<void>;
}

async function listen(
  handle: (req: Recorded, res: http.ServerResponse) => void,
  requests: Recorded[],
): Promise<Server> {
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const recorded = {
        method: req.method ?? "",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
      };
      requests.push(recorded);
      handle(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: http.ServerResponse, answer: Exclude<Scripted, "hang">): void {
  const text = answer.body === undefined ? "" : JSON.stringify(answer.body);
  res.writeHead(answer.status, { "Content-Type": "application/json" }).end(text);
}

export interface SchwabCandleJson {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  datetime: number;
}

export interface FakeSchwab extends Server {
  requests: Recorded[];
  /** Price-history requests only. */
  history(): Recorded[];
  /** Token-endpoint requests only, with their form bodies parsed. */
  tokenRequests(): (Recorded & { form: URLSearchParams })[];
  /** What price history answers per symbol (unless scripted). */
  candles: Map<string, SchwabCandleJson[]>;
  /** Answers given before the default, per symbol, in order. */
  script: Map<string, Scripted[]>;
  /** Answers of the token endpoint before its default (a new access token). */
  tokenScript: Scripted[];
  /** Access tokens price history accepts. */
  validTokens: Set<string>;
  /** The Basic credentials the token endpoint accepts. */
  basic: string;
  /** Access tokens issued so far (the next is `access-token-${issued + 1}`). */
  issued: number;
}

export async function fakeSchwab(appKey: string, appSecret: string): Promise<FakeSchwab> {
  const requests: Recorded[] = [];
  const fake = {
    requests,
    issued: 0,
    candles: new Map<string, SchwabCandleJson[]>(),
    script: new Map<string, Scripted[]>(),
    tokenScript: [] as Scripted[],
    validTokens: new Set<string>(),
    basic: `Basic ${Buffer.from(`${appKey}:${appSecret}`).toString("base64")}`,
    history: () => requests.filter((r) => r.path === "/marketdata/v1/pricehistory"),
    tokenRequests: () =>
      requests
        .filter((r) => r.path === "/v1/oauth/token")
        .map((r) => ({ ...r, form: new URLSearchParams(r.body) })),
  };
  const server = await listen((req, res) => {
    if (req.method === "POST" && req.path === "/v1/oauth/token") {
      if (req.headers.authorization !== fake.basic) {
        send(res, { status: 401, body: { error: "invalid_client" } });
        return;
      }
      const scripted = fake.tokenScript.shift();
      if (scripted === "hang") return;
      if (scripted) {
        send(res, scripted);
        return;
      }
      const form = new URLSearchParams(req.body);
      const accessToken = `access-token-${++fake.issued}`;
      fake.validTokens.add(accessToken);
      send(res, {
        status: 200,
        body: {
          access_token: accessToken,
          refresh_token: form.get("refresh_token") ?? `refresh-token-${fake.issued}`,
          expires_in: 1800,
          token_type: "Bearer",
          scope: "api",
          id_token: "id-token",
        },
      });
      return;
    }
    if (req.method === "GET" && req.path === "/marketdata/v1/pricehistory") {
      const symbol = req.query.get("symbol") ?? "";
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (bearer === undefined || !fake.validTokens.has(bearer)) {
        send(res, { status: 401, body: { message: "Unauthorized" } });
        return;
      }
      const scripted = fake.script.get(symbol)?.shift();
      if (scripted === "hang") return;
      if (scripted) {
        send(res, scripted);
        return;
      }
      const candles = fake.candles.get(symbol) ?? [];
      send(res, { status: 200, body: { symbol, empty: candles.length === 0, candles } });
      return;
    }
    send(res, { status: 404, body: { message: `no route ${req.method} ${req.path}` } });
  }, requests);
  return Object.assign(fake, server);
}

export interface SupabaseRow {
  ticker: string;
  bar_time: string;
  [column: string]: unknown;
}

export interface FakeSupabase extends Server {
  requests: Recorded[];
  /** The table, keyed by `ticker|bar_time` as its primary key is. */
  table: Map<string, SupabaseRow>;
  /** Statuses answered (without storing) before requests succeed again. */
  failures: Scripted[];
  /** The table's rows in (ticker, bar_time) order. */
  rows(): SupabaseRow[];
}

export async function fakeSupabase(tableName: string, key: string): Promise<FakeSupabase> {
  const requests: Recorded[] = [];
  const table = new Map<string, SupabaseRow>();
  const fake = {
    requests,
    table,
    failures: [] as Scripted[],
    rows: () =>
      [...table.values()].sort((a, b) =>
        a.ticker === b.ticker
          ? a.bar_time.localeCompare(b.bar_time)
          : a.ticker.localeCompare(b.ticker),
      ),
  };
  const server = await listen((req, res) => {
    if (req.method !== "POST" || req.path !== `/rest/v1/${tableName}`) {
      send(res, { status: 404, body: { message: "not found" } });
      return;
    }
    if (req.headers.apikey !== key || req.headers.authorization !== `Bearer ${key}`) {
      send(res, { status: 401, body: { message: "Invalid API key" } });
      return;
    }
    const failure = fake.failures.shift();
    if (failure === "hang") return;
    if (failure) {
      send(res, failure);
      return;
    }
    const rows = JSON.parse(req.body) as SupabaseRow[];
    const mergeDuplicates = /resolution=merge-duplicates/.test(String(req.headers.prefer));
    const conflict = req.query.get("on_conflict") === "ticker,bar_time";
    for (const row of rows) {
      const id = `${row.ticker}|${row.bar_time}`;
      if (fake.table.has(id) && !(mergeDuplicates && conflict)) {
        send(res, { status: 409, body: { code: "23505", message: "duplicate key" } });
        return;
      }
    }
    for (const row of rows) fake.table.set(`${row.ticker}|${row.bar_time}`, row);
    res.writeHead(201).end();
  }, requests);
  return Object.assign(fake, server);
}

/** Secrets Manager as a map of SecretId → SecretString, for every SecretsManagerClient. */
export class FakeSecrets {
  readonly values = new Map<string, string>();
  readonly mock = mockClient(SecretsManagerClient);
  /** Failures thrown by PutSecretValue, in order. */
  readonly putFailures: Error[] = [];

  constructor() {
    this.install();
  }

  install(): void {
    this.mock.reset();
    this.mock.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => {
      const value = this.values.get(input.SecretId);
      if (value === undefined) {
        throw new ResourceNotFoundException({
          message:
            "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
          $metadata: {},
        });
      }
      return { ARN: input.SecretId, SecretString: value, VersionId: "v" };
    });
    this.mock
      .on(PutSecretValueCommand)
      .callsFake((input: { SecretId: string; SecretString: string }) => {
        const failure = this.putFailures.shift();
        if (failure) throw failure;
        this.values.set(input.SecretId, input.SecretString);
        return { ARN: input.SecretId, VersionId: "v2" };
      });
  }

  reads(id?: string): number {
    return this.mock
      .commandCalls(GetSecretValueCommand)
      .filter((c) => id === undefined || c.args[0].input.SecretId === id).length;
  }

  writes(): { SecretId?: string; SecretString?: string }[] {
    return this.mock.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input);
  }

  restore(): void {
    this.mock.restore();
  }
}

export interface EmfRecord {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

export interface Captured<T> {
  value?: T;
  error?: unknown;
  /** EMF records, in the order printed. */
  emf: EmfRecord[];
  /** Log records (Powertools Logger JSON). */
  logs: { level: string; message: string; [key: string]: unknown }[];
  /** Everything printed, verbatim. */
  text: string;
}

/** Runs `fn` with stdout and stderr captured (and kept out of the test output). */
export async function capture<T>(fn: () => Promise<T>): Promise<Captured<T>> {
  let text = "";
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const sink = ((chunk: string | Uint8Array) => {
    text += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = sink;
  process.stderr.write = sink;
  const result: Captured<T> = { emf: [], logs: [], text: "" };
  try {
    result.value = await fn();
  } catch (error) {
    result.error = error;
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  result.text = text;
  for (const line of text.split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    const record = JSON.parse(line) as Record<string, unknown>;
    if ("_aws" in record) result.emf.push(record as EmfRecord);
    else result.logs.push(record as Captured<T>["logs"][number]);
  }
  return result;
}

/** Metric name → { value, unit, dimensions } from EMF records (each metric once per run). */
export function metricsOf(
  emf: readonly EmfRecord[],
): Map<string, { value: unknown; unit: string; dimensions: Record<string, unknown> }[]> {
  const metrics = new Map<
    string,
    { value: unknown; unit: string; dimensions: Record<string, unknown> }[]
  >();
  for (const record of emf) {
    for (const directive of record._aws.CloudWatchMetrics) {
      const names = [...new Set(directive.Dimensions.flat())];
      const dimensions = Object.fromEntries(names.map((n) => [n, record[n]]));
      for (const metric of directive.Metrics) {
        const list = metrics.get(metric.Name) ?? [];
        list.push({ value: record[metric.Name], unit: metric.Unit, dimensions });
        metrics.set(metric.Name, list);
      }
    }
  }
  return metrics;
}

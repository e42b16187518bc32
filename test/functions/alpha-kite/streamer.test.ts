/**
 * The streamer's handler end to end against local Schwab and Supabase servers, Secrets Manager
 * mocked in memory, and a test clock; every path's EMF metrics and logs are captured and checked.
 */
import { expect } from "chai";
// The helpers first: they quiet the Logger the handler module builds at import.
import { withEnv } from "../helpers/api";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { createStreamer, RunFailed, type RunResult } from "../../../functions/alpha-kite/streamer";
import { newYorkEpochMs } from "../../../functions/alpha-kite/lib/calendar";
import {
  capture,
  fakeSchwab,
  FakeSecrets,
  fakeSupabase,
  metricsOf,
  type Captured,
  type FakeSchwab,
  type FakeSupabase,
  type SchwabCandleJson,
  type Scripted,
} from "./fakes";

const APP = { appKey: "app-key-7f3a", appSecret: "app-secret-9c1e" };
const SUPABASE_KEY = "service-role-key-5b2d";
const TABLE = "minute_bars";
const NAMESPACE = "AlphaKite";
const SERVICE = "alpha-kite-streamer";
const LOGIN = "npm run schwab-login -- --stack dev";
const ARN = {
  token: "arn:aws:secretsmanager:us-east-1:111111111111:secret:alpha-kite/dev/schwab-token-AbCdEf",
  app: "arn:aws:secretsmanager:us-east-1:111111111111:secret:alpha-kite/dev/schwab-app-AbCdEf",
  supabase: "arn:aws:secretsmanager:us-east-1:111111111111:secret:alpha-kite/dev/supabase-AbCdEf",
};
/** Every secret value the tests use: none may ever be printed. */
const SECRET_VALUES = [APP.appSecret, SUPABASE_KEY, "access-token-", "refresh-token-", "id-token"];

const MINUTE = 60_000;
/** Tuesday 2026-11-24, a regular session (EST, UTC-5). */
const DAY = "2026-11-24";
const OPEN = newYorkEpochMs(DAY, "09:30");
const AT_1005 = OPEN + 35 * MINUTE + 30_000; // 10:05:30 ET: bars 09:30 … 10:04 are out

/** `count` deterministic minute candles from `start`, around `base`. */
function candles(start: number, count: number, base: number): SchwabCandleJson[] {
  return Array.from({ length: count }, (_, i) => {
    const close = base + Math.sin(i / 3) * 2 + i * 0.01;
    return {
      open: close - 0.05,
      high: close + 0.25,
      low: close - 0.3,
      close,
      volume: 1000 + ((i * 7919) % 5000),
      datetime: start + i * MINUTE,
    };
  });
}

/** The SMA9 and VWAP of bar `i`, computed the slow, obvious way. */
function expected(
  bars: readonly SchwabCandleJson[],
  i: number,
): { sma9: number | null; vwap: number } {
  const window = bars.slice(Math.max(0, i - 8), i + 1);
  const sma9 = i >= 8 ? window.reduce((s, b) => s + b.close, 0) / 9 : null;
  const upTo = bars.slice(0, i + 1);
  const pv = upTo.reduce((s, b) => s + ((b.high + b.low + b.close) / 3) * b.volume, 0);
  const v = upTo.reduce((s, b) => s + b.volume, 0);
  return { sma9, vwap: pv / v };
}

function tokenRecord(overrides: Record<string, unknown> = {}) {
  return {
    accessToken: "access-token-initial",
    refreshToken: "refresh-token-initial",
    accessTokenExpiresAt: AT_1005 + 20 * MINUTE,
    refreshTokenExpiresAt: AT_1005 + 3 * 24 * 60 * MINUTE,
    ...overrides,
  };
}

/** The same failure for every attempt of a call (the streamer tries a transient one 3 times). */
const thrice = (answer: Scripted): Scripted[] => [answer, answer, answer];

describe("Alpha-Kite streamer handler", () => {
  let schwab: FakeSchwab;
  let supabase: FakeSupabase;
  let secrets: FakeSecrets;
  let restoreEnv: () => void;
  let clock: number;
  let printed: string;

  before(async () => {
    schwab = await fakeSchwab(APP.appKey, APP.appSecret);
    supabase = await fakeSupabase(TABLE, SUPABASE_KEY);
    secrets = new FakeSecrets();
    restoreEnv = withEnv({
      TICKERS: "QQQ, SPY",
      SCHWAB_BASE_URL: schwab.url,
      SUPABASE_URL: supabase.url,
      SUPABASE_TABLE: TABLE,
      TOKEN_SECRET_ARN: ARN.token,
      SCHWAB_APP_SECRET_ARN: ARN.app,
      SUPABASE_KEY_SECRET_ARN: ARN.supabase,
      UPSTREAM_TIMEOUT_MS: "1000",
      LOGIN_COMMAND: LOGIN,
    });
  });
  after(async () => {
    restoreEnv();
    secrets.restore();
    await schwab.close();
    await supabase.close();
  });
  beforeEach(() => {
    clock = AT_1005;
    printed = "";
    schwab.requests.length = 0;
    schwab.script.clear();
    schwab.tokenScript.length = 0;
    schwab.issued = 0;
    schwab.validTokens.clear();
    schwab.validTokens.add("access-token-initial");
    schwab.candles.set("QQQ", candles(OPEN, 35, 500));
    schwab.candles.set("SPY", candles(OPEN, 35, 650));
    supabase.requests.length = 0;
    supabase.table.clear();
    supabase.failures.length = 0;
    secrets.install();
    secrets.values.clear();
    secrets.putFailures.length = 0;
    secrets.values.set(ARN.token, JSON.stringify(tokenRecord()));
    secrets.values.set(ARN.app, JSON.stringify(APP));
    secrets.values.set(ARN.supabase, SUPABASE_KEY);
  });
  afterEach(() => {
    for (const value of SECRET_VALUES) {
      expect(printed, `printed output holds a secret (${value})`).not.to.include(value);
    }
  });

  /** A fresh function instance (cold caches) on the test clock. */
  const streamer = () =>
    createStreamer({
      logger: new Logger({ logLevel: "DEBUG", serviceName: SERVICE }),
      metrics: new Metrics({ namespace: NAMESPACE, serviceName: SERVICE }),
      secretsClient: new SecretsManagerClient({ region: "us-east-1" }),
      now: () => clock,
    });

  const invoke = async (
    handler: ReturnType<typeof streamer>,
    event: unknown = {},
  ): Promise<Captured<unknown>> => {
    const result = await capture(() => handler(event));
    printed += result.text;
    return result;
  };

  /** Asserts the run's metric set: service dimension only, and the given values. */
  const expectRunMetrics = (
    run: Captured<unknown>,
    values: Partial<
      Record<"DataPointsFetched" | "SupabaseUploadSuccess" | "TokenRefreshEvents", number>
    >,
  ) => {
    const metrics = metricsOf(run.emf);
    for (const record of run.emf) {
      expect(record._aws.CloudWatchMetrics[0]!.Namespace).to.equal(NAMESPACE);
      expect(record.service).to.equal(SERVICE);
    }
    for (const name of ["DataPointsFetched", "TokenRefreshEvents", "LatencyMilliseconds"]) {
      expect(metrics.get(name), name).to.have.length(1);
      expect(metrics.get(name)![0]!.dimensions).to.deep.equal({ service: SERVICE });
    }
    expect(metrics.get("LatencyMilliseconds")![0]!.unit).to.equal("Milliseconds");
    expect(metrics.get("LatencyMilliseconds")![0]!.value).to.be.a("number").at.least(0);
    for (const [name, value] of Object.entries(values)) {
      expect(metrics.get(name), name).to.have.length(1);
      const [metric] = metrics.get(name)!;
      expect(metric, name).to.deep.equal({
        value,
        unit: "Count",
        dimensions: { service: SERVICE },
      });
    }
    if (!("SupabaseUploadSuccess" in values))
      expect(metrics.has("SupabaseUploadSuccess")).to.equal(false);
    return metrics;
  };

  /** `Errors` per ErrorType (each in its own metric set with service + ErrorType). */
  const errorsOf = (run: Captured<unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const metric of metricsOf(run.emf).get("Errors") ?? []) {
      expect(metric.unit).to.equal("Count");
      expect(Object.keys(metric.dimensions).sort()).to.deep.equal(["ErrorType", "service"]);
      out[String(metric.dimensions.ErrorType)] = metric.value;
    }
    for (const record of run.emf) {
      const names = record._aws.CloudWatchMetrics[0]!.Metrics.map((m) => m.Name);
      if (names.includes("Errors")) expect(names).to.deep.equal(["Errors"]);
      else expect(record._aws.CloudWatchMetrics[0]!.Dimensions).to.deep.equal([["service"]]);
    }
    return out;
  };

  const failed = (run: Captured<unknown>): RunFailed => {
    expect(run.error, "the run should have failed").to.be.instanceOf(RunFailed);
    return run.error as RunFailed;
  };

  it("fetches every ticker, computes SMA9 and VWAP, upserts once, and reports its metrics", async () => {
    const run = await invoke(streamer());
    expect(run.error).to.equal(undefined);
    expect(run.value).to.deep.equal({
      date: DAY,
      time: "10:05",
      bars: { QQQ: 35, SPY: 35 },
      rowsUploaded: 70,
      tokenRefreshed: false,
    } satisfies RunResult);

    const history = schwab.history();
    expect(history.map((r) => r.query.get("symbol")).sort()).to.deep.equal(["QQQ", "SPY"]);
    for (const request of history) {
      expect(request.headers.authorization).to.equal("Bearer access-token-initial");
      expect(Object.fromEntries(request.query)).to.deep.equal({
        symbol: request.query.get("symbol"),
        periodType: "day",
        period: "1",
        frequencyType: "minute",
        frequency: "1",
        startDate: String(Date.parse("2026-11-24T14:30:00Z")),
        endDate: String(AT_1005),
        needExtendedHoursData: "false",
        needPreviousClose: "false",
      });
    }
    expect(schwab.tokenRequests()).to.have.length(0);

    expect(supabase.requests).to.have.length(1);
    const [upload] = supabase.requests;
    expect(upload!.method).to.equal("POST");
    expect(upload!.path).to.equal(`/rest/v1/${TABLE}`);
    expect(Object.fromEntries(upload!.query)).to.deep.equal({ on_conflict: "ticker,bar_time" });
    expect(upload!.headers).to.include({
      apikey: SUPABASE_KEY,
      authorization: `Bearer ${SUPABASE_KEY}`,
      "content-type": "application/json",
      prefer: "resolution=merge-duplicates,return=minimal",
    });
    const rows = JSON.parse(upload!.body) as Record<string, unknown>[];
    expect(rows).to.have.length(70);
    const qqq = schwab.candles.get("QQQ")!;
    const qqqRows = rows.filter((r) => r.ticker === "QQQ");
    expect(qqqRows[0]).to.deep.equal({
      ticker: "QQQ",
      bar_time: "2026-11-24T14:30:00.000Z",
      open: qqq[0]!.open,
      high: qqq[0]!.high,
      low: qqq[0]!.low,
      close: qqq[0]!.close,
      volume: qqq[0]!.volume,
      sma9: null,
      vwap: expected(qqq, 0).vwap,
    });
    qqqRows.forEach((row, i) => {
      const want = expected(qqq, i);
      expect(row.bar_time).to.equal(new Date(OPEN + i * MINUTE).toISOString());
      if (want.sma9 === null) expect(row.sma9).to.equal(null);
      else expect(row.sma9).to.be.closeTo(want.sma9, 1e-9);
      expect(row.vwap).to.be.closeTo(want.vwap, 1e-9);
    });

    expectRunMetrics(run, {
      DataPointsFetched: 70,
      SupabaseUploadSuccess: 1,
      TokenRefreshEvents: 0,
    });
    expect(errorsOf(run)).to.deep.equal({});
    // Cached secrets: the next minute reads none again.
    const handler = streamer();
    await invoke(handler);
    const reads = secrets.reads();
    clock += MINUTE;
    await invoke(handler);
    expect(secrets.reads()).to.equal(reads);
  });

  it("keeps only today's session bars, sorted, one per minute (the later duplicate wins)", async () => {
    const qqq = candles(OPEN, 5, 500);
    const revised = { ...qqq[2]!, close: 777 };
    schwab.candles.set("QQQ", [
      { ...qqq[0]!, datetime: OPEN - MINUTE }, // 09:29, pre-market
      qqq[3]!,
      qqq[0]!,
      qqq[2]!,
      qqq[1]!,
      revised,
      qqq[4]!,
      { ...qqq[4]!, datetime: newYorkEpochMs(DAY, "16:00") }, // after the close
    ]);
    const run = await invoke(streamer());
    expect(run.error).to.equal(undefined);
    const rows = supabase.rows().filter((r) => r.ticker === "QQQ");
    expect(rows.map((r) => r.bar_time)).to.deep.equal(
      qqq.map((c) => new Date(c.datetime).toISOString()),
    );
    expect(rows[2]!.close).to.equal(777);
    expectRunMetrics(run, { DataPointsFetched: 40, SupabaseUploadSuccess: 1 });
  });

  it("runs at the close minute and stores the whole session: 390 bars per ticker", async () => {
    clock = newYorkEpochMs(DAY, "16:00") + 20_000;
    schwab.candles.set("QQQ", candles(OPEN, 391, 500)); // the 391st is 16:00, after the close
    schwab.candles.set("SPY", candles(OPEN, 390, 650));
    const run = await invoke(streamer());
    expect(run.error).to.equal(undefined);
    expect((run.value as RunResult).bars).to.deep.equal({ QQQ: 390, SPY: 390 });
    expect(supabase.table.size).to.equal(780);
  });

  it("refreshes an access token about to expire exactly once, writes it back, and reuses it", async () => {
    const original = tokenRecord({ accessTokenExpiresAt: AT_1005 + 4 * MINUTE });
    secrets.values.set(ARN.token, JSON.stringify(original));
    const handler = streamer();
    const run = await invoke(handler);
    expect(run.error).to.equal(undefined);
    expect((run.value as RunResult).tokenRefreshed).to.equal(true);

    const [refresh, ...more] = schwab.tokenRequests();
    expect(more).to.have.length(0);
    expect(refresh!.headers.authorization).to.equal(
      `Basic ${Buffer.from(`${APP.appKey}:${APP.appSecret}`).toString("base64")}`,
    );
    expect(refresh!.headers["content-type"]).to.equal("application/x-www-form-urlencoded");
    expect(Object.fromEntries(refresh!.form)).to.deep.equal({
      grant_type: "refresh_token",
      refresh_token: "refresh-token-initial",
    });
    expect(schwab.history().map((r) => r.headers.authorization)).to.deep.equal([
      "Bearer access-token-1",
      "Bearer access-token-1",
    ]);
    const writes = secrets.writes();
    expect(writes).to.have.length(1);
    expect(writes[0]!.SecretId).to.equal(ARN.token);
    expect(JSON.parse(writes[0]!.SecretString!)).to.deep.equal({
      accessToken: "access-token-1",
      refreshToken: "refresh-token-initial",
      accessTokenExpiresAt: AT_1005 + 1800 * 1000,
      refreshTokenExpiresAt: original.refreshTokenExpiresAt,
    });
    expectRunMetrics(run, {
      TokenRefreshEvents: 1,
      DataPointsFetched: 70,
      SupabaseUploadSuccess: 1,
    });
    expect(run.logs.some((l) => l.message === "refreshed the Schwab access token")).to.equal(true);

    // Next minute: the refreshed token from memory, no second refresh, no stale cached read.
    clock += MINUTE;
    const next = await invoke(handler);
    expect(next.error).to.equal(undefined);
    expect(schwab.tokenRequests()).to.have.length(1);
    expect(
      schwab
        .history()
        .slice(2)
        .map((r) => r.headers.authorization),
    ).to.deep.equal(["Bearer access-token-1", "Bearer access-token-1"]);
    expectRunMetrics(next, { TokenRefreshEvents: 0, SupabaseUploadSuccess: 1 });
  });

  it("keeps the new token in memory when writing it back fails, and reports TokenWriteFailed", async () => {
    secrets.values.set(ARN.token, JSON.stringify(tokenRecord({ accessTokenExpiresAt: AT_1005 })));
    secrets.putFailures.push(
      Object.assign(new Error("not authorized to PutSecretValue"), {
        name: "AccessDeniedException",
      }),
    );
    const handler = streamer();
    const run = await invoke(handler);
    expect(failed(run).errorTypes).to.deep.equal(["TokenWriteFailed"]);
    expect(supabase.table.size).to.equal(70);
    expect(errorsOf(run)).to.deep.equal({ TokenWriteFailed: 1 });
    clock += MINUTE;
    const next = await invoke(handler);
    expect(next.error).to.equal(undefined);
    expect(schwab.tokenRequests()).to.have.length(1);
  });

  describe("when Schwab login has to be redone, says exactly how, and fetches nothing", () => {
    const cases: [string, () => void, string, RegExp, number][] = [
      [
        "the refresh token's 7 days are over",
        () =>
          secrets.values.set(
            ARN.token,
            JSON.stringify(
              tokenRecord({
                accessTokenExpiresAt: AT_1005 - MINUTE,
                refreshTokenExpiresAt: AT_1005 - 1000,
              }),
            ),
          ),
        "RefreshTokenExpired",
        /refresh token expired at 2026-11-24T15:05:29\.000Z/,
        0,
      ],
      [
        "Schwab refuses the refresh token (400 invalid_grant)",
        () => {
          secrets.values.set(
            ARN.token,
            JSON.stringify(tokenRecord({ accessTokenExpiresAt: AT_1005 })),
          );
          schwab.tokenScript.push({
            status: 400,
            body: { error: "invalid_grant", error_description: "refresh-token-initial is bad" },
          });
        },
        "RefreshTokenExpired",
        /refused the refresh token \(HTTP 400 invalid_grant\)/,
        1,
      ],
      [
        "Schwab answers 401 to the refresh",
        () => {
          secrets.values.set(
            ARN.token,
            JSON.stringify(tokenRecord({ accessTokenExpiresAt: AT_1005 })),
          );
          schwab.tokenScript.push({ status: 401, body: { error: "unauthorized" } });
        },
        "RefreshTokenExpired",
        /HTTP 401/,
        1,
      ],
      [
        "the token secret has no value yet",
        () => secrets.values.delete(ARN.token),
        "TokenMissing",
        /no value yet/,
        0,
      ],
      [
        "the token secret is empty",
        () => secrets.values.set(ARN.token, ""),
        "TokenMissing",
        /empty/,
        0,
      ],
      [
        "the token secret is not a token record",
        () => secrets.values.set(ARN.token, JSON.stringify({ accessToken: "access-token-x" })),
        "TokenMissing",
        /not a token record \(refreshToken is missing or invalid\)/,
        0,
      ],
    ];
    for (const [title, arrange, errorType, message, tokenCalls] of cases) {
      it(title, async () => {
        arrange();
        const run = await invoke(streamer());
        expect(failed(run).errorTypes).to.deep.equal([errorType]);
        expect(schwab.tokenRequests()).to.have.length(tokenCalls);
        expect(schwab.history()).to.have.length(0);
        expect(supabase.requests).to.have.length(0);
        const errors = run.logs.filter((l) => l.level === "ERROR");
        expect(errors).to.have.length(1);
        expect(errors[0]!.message).to.match(message);
        expect(errors[0]!.message.endsWith(`Sign in to Schwab again with: ${LOGIN}`)).to.equal(
          true,
        );
        expect(errors[0]!.errorType).to.equal(errorType);
        expectRunMetrics(run, { DataPointsFetched: 0, TokenRefreshEvents: 0 });
        expect(errorsOf(run)).to.deep.equal({ [errorType]: 1 });
        expect(secrets.writes()).to.have.length(0);
      });
    }
  });

  it("warns a day ahead that the refresh token is running out, with the login command", async () => {
    secrets.values.set(
      ARN.token,
      JSON.stringify(tokenRecord({ refreshTokenExpiresAt: AT_1005 + 60 * MINUTE })),
    );
    const run = await invoke(streamer());
    expect(run.error).to.equal(undefined);
    const warning = run.logs.find((l) => l.level === "WARN");
    expect(warning?.message).to.include(LOGIN);
  });

  it("on a Schwab 401 refreshes once for all tickers and retries each once", async () => {
    schwab.validTokens.clear(); // the stored access token was revoked
    const run = await invoke(streamer());
    expect(run.error).to.equal(undefined);
    expect(schwab.tokenRequests()).to.have.length(1);
    const auth = schwab.history().map((r) => `${r.query.get("symbol")} ${r.headers.authorization}`);
    expect(auth.sort()).to.deep.equal([
      "QQQ Bearer access-token-1",
      "QQQ Bearer access-token-initial",
      "SPY Bearer access-token-1",
      "SPY Bearer access-token-initial",
    ]);
    expectRunMetrics(run, {
      TokenRefreshEvents: 1,
      DataPointsFetched: 70,
      SupabaseUploadSuccess: 1,
    });
    expect(secrets.writes()).to.have.length(1);
  });

  it("a second 401 after the retry fails that ticker only (SchwabUnauthorized)", async () => {
    schwab.script.set("QQQ", [{ status: 401 }, { status: 401 }]);
    const run = await invoke(streamer());
    const error = failed(run);
    expect(error.errorTypes).to.deep.equal(["SchwabUnauthorized"]);
    expect(error.message).to.match(/\[QQQ\] Schwab refused the access token for QQQ \(HTTP 401\)/);
    expect(schwab.tokenRequests()).to.have.length(1);
    expect(schwab.history().filter((r) => r.query.get("symbol") === "QQQ")).to.have.length(2);
    expect([...supabase.table.values()].map((r) => r.ticker)).to.satisfy((t: string[]) =>
      t.every((x) => x === "SPY"),
    );
    expect(supabase.table.size).to.equal(35);
    expectRunMetrics(run, {
      DataPointsFetched: 35,
      SupabaseUploadSuccess: 1,
      TokenRefreshEvents: 1,
    });
    expect(errorsOf(run)).to.deep.equal({ SchwabUnauthorized: 1 });
  });

  describe("a failing ticker: the others are uploaded, then the run fails with its ErrorType", () => {
    const cases: [string, () => void, string, RegExp][] = [
      [
        "429",
        () => schwab.script.set("QQQ", thrice({ status: 429 })),
        "SchwabRateLimited",
        /HTTP 429/,
      ],
      [
        "500",
        () => schwab.script.set("QQQ", thrice({ status: 500 })),
        "SchwabUnavailable",
        /HTTP 500/,
      ],
      [
        "503",
        () => schwab.script.set("QQQ", thrice({ status: 503 })),
        "SchwabUnavailable",
        /HTTP 503/,
      ],
      ["400", () => schwab.script.set("QQQ", [{ status: 400 }]), "SchwabRequestFailed", /HTTP 400/],
      [
        "a timeout",
        () => schwab.script.set("QQQ", thrice("hang")),
        "SchwabTimeout",
        /within 1000 ms/,
      ],
      [
        "a candle with a string close",
        () =>
          schwab.script.set("QQQ", [
            {
              status: 200,
              body: { symbol: "QQQ", candles: [{ ...candles(OPEN, 1, 1)[0], close: "1.5" }] },
            },
          ]),
        "MalformedCandles",
        /Schwab price history for QQQ is malformed at candles\.0\.close/,
      ],
      [
        "a body without candles",
        () => schwab.script.set("QQQ", [{ status: 200, body: { symbol: "QQQ", empty: false } }]),
        "MalformedCandles",
        /for QQQ is malformed at candles/,
      ],
      [
        "a negative volume",
        () =>
          schwab.script.set("QQQ", [
            {
              status: 200,
              body: { symbol: "QQQ", candles: [{ ...candles(OPEN, 1, 1)[0], volume: -1 }] },
            },
          ]),
        "MalformedCandles",
        /for QQQ is malformed at candles\.0\.volume/,
      ],
      [
        "another symbol's history",
        () => schwab.script.set("QQQ", [{ status: 200, body: { symbol: "SPY", candles: [] } }]),
        "MalformedCandles",
        /answered for symbol "SPY"/,
      ],
    ];
    for (const [title, arrange, errorType, message] of cases) {
      it(title, async () => {
        arrange();
        const run = await invoke(streamer());
        const error = failed(run);
        expect(error.errorTypes).to.deep.equal([errorType]);
        expect(error.message).to.match(message);
        expect(error.message).to.include("[QQQ]");
        expect(supabase.table.size).to.equal(35);
        expectRunMetrics(run, {
          DataPointsFetched: 35,
          SupabaseUploadSuccess: 1,
          TokenRefreshEvents: 0,
        });
        expect(errorsOf(run)).to.deep.equal({ [errorType]: 1 });
        const logged = run.logs.filter((l) => l.level === "ERROR");
        expect(logged.map((l) => [l.errorType, l.tickers])).to.deep.equal([[errorType, ["QQQ"]]]);
      });
    }

    it("every ticker failing uploads nothing and counts each failure", async () => {
      schwab.script.set("QQQ", thrice({ status: 429 }));
      schwab.script.set("SPY", thrice({ status: 502 }));
      const run = await invoke(streamer());
      expect(failed(run).errorTypes.slice().sort()).to.deep.equal([
        "SchwabRateLimited",
        "SchwabUnavailable",
      ]);
      expect(supabase.requests).to.have.length(0);
      expectRunMetrics(run, { DataPointsFetched: 0 });
      expect(errorsOf(run)).to.deep.equal({ SchwabRateLimited: 1, SchwabUnavailable: 1 });
    });
  });

  it("a failed upload heals on the next run: nothing lost, nothing doubled", async () => {
    const handler = streamer();
    supabase.failures.push(...thrice({ status: 503, body: { message: "upstream unavailable" } }));
    const first = await invoke(handler);
    expect(failed(first).errorTypes).to.deep.equal(["SupabaseUploadFailed"]);
    expect(failed(first).message).to.match(/HTTP 503/);
    expect(supabase.table.size).to.equal(0);
    expectRunMetrics(first, { SupabaseUploadSuccess: 0, DataPointsFetched: 70 });
    expect(errorsOf(first)).to.deep.equal({ SupabaseUploadFailed: 1 });

    // One minute later one more bar exists, and the last one of before was revised.
    clock += MINUTE;
    const qqq = candles(OPEN, 36, 500);
    qqq[34] = { ...qqq[34]!, close: qqq[34]!.close + 1 };
    schwab.candles.set("QQQ", qqq);
    schwab.candles.set("SPY", candles(OPEN, 36, 650));
    const second = await invoke(handler);
    expect(second.error).to.equal(undefined);
    expectRunMetrics(second, { SupabaseUploadSuccess: 1, DataPointsFetched: 72 });
    const third = await invoke(handler);
    expect(third.error).to.equal(undefined);

    expect(supabase.table.size).to.equal(72);
    for (const [ticker, bars] of [
      ["QQQ", qqq],
      ["SPY", candles(OPEN, 36, 650)],
    ] as const) {
      bars.forEach((bar, i) => {
        const row = supabase.table.get(`${ticker}|${new Date(bar.datetime).toISOString()}`);
        expect(row, `${ticker} bar ${i}`).not.to.equal(undefined);
        expect(row!.close).to.equal(bar.close);
        expect(row!.vwap).to.be.closeTo(expected(bars, i).vwap, 1e-9);
      });
    }
  });

  describe("transient upstream failures: bounded retries, counted, nothing lost or doubled", () => {
    const retries = (run: Captured<unknown>) => {
      const metrics = metricsOf(run.emf);
      return {
        schwab: metrics.get("SchwabRetries")?.[0]?.value,
        supabase: metrics.get("SupabaseRetries")?.[0]?.value,
      };
    };

    it("Schwab 503 then 429 then the bars: the run succeeds with every bar, 2 retries counted", async () => {
      schwab.script.set("QQQ", [{ status: 503 }, { status: 429 }]);
      const run = await invoke(streamer());
      expect(run.error).to.equal(undefined);
      expect(schwab.requests.filter((r) => r.query.get("symbol") === "QQQ")).to.have.length(3);
      expect(supabase.table.size).to.equal(70);
      expect(supabase.requests).to.have.length(1);
      expect(retries(run)).to.deep.equal({ schwab: 2, supabase: 0 });
      expect(errorsOf(run)).to.deep.equal({});
    });

    it("a Schwab timeout then the bars: one retry after the timeout, every bar stored", async () => {
      schwab.script.set("SPY", ["hang"]);
      const run = await invoke(streamer());
      expect(run.error).to.equal(undefined);
      expect(supabase.table.size).to.equal(70);
      expect(retries(run).schwab).to.equal(1);
    });

    it("a Supabase timeout then 502 then success: the rows stored once each, 2 retries counted", async () => {
      supabase.failures.push("hang", { status: 502, body: { message: "bad gateway" } });
      const run = await invoke(streamer());
      expect(run.error).to.equal(undefined);
      expect(supabase.requests).to.have.length(3);
      expect(supabase.table.size).to.equal(70);
      expectRunMetrics(run, { SupabaseUploadSuccess: 1, DataPointsFetched: 70 });
      expect(retries(run)).to.deep.equal({ schwab: 0, supabase: 2 });
    });

    it("a Supabase 400 is not retried: one request, SupabaseUploadFailed", async () => {
      supabase.failures.push({ status: 400, body: { code: "PGRST204" } });
      const run = await invoke(streamer());
      expect(failed(run).errorTypes).to.deep.equal(["SupabaseUploadFailed"]);
      expect(supabase.requests).to.have.length(1);
      expect(retries(run).supabase).to.equal(0);
    });

    it("a Schwab 400 is not retried either", async () => {
      schwab.script.set("QQQ", [{ status: 400 }]);
      const run = await invoke(streamer());
      expect(failed(run).errorTypes).to.deep.equal(["SchwabRequestFailed"]);
      expect(schwab.requests.filter((r) => r.query.get("symbol") === "QQQ")).to.have.length(1);
    });
  });

  it("a Supabase timeout is SupabaseUploadFailed", async () => {
    supabase.failures.push(...thrice("hang"));
    const run = await invoke(streamer());
    expect(failed(run).message).to.match(/did not answer within 1000 ms/);
    expect(errorsOf(run)).to.deep.equal({ SupabaseUploadFailed: 1 });
  });

  describe("outside the session it does nothing: no HTTP, no secret read, no metric", () => {
    const cases: [string, string, string, string][] = [
      ["a Saturday", "2026-11-28", "11:00", "weekend"],
      ["Thanksgiving", "2026-11-26", "11:00", "holiday"],
      ["09:29", DAY, "09:29", "before-open"],
      ["16:01", DAY, "16:01", "after-close"],
      ["13:01 on the day after Thanksgiving (early close)", "2026-11-27", "13:01", "after-close"],
    ];
    for (const [title, date, time, reason] of cases) {
      it(title, async () => {
        clock = newYorkEpochMs(date, time) + 30_000;
        const run = await invoke(streamer());
        expect(run.value).to.deep.equal({ skipped: reason, date, time });
        expect(schwab.requests).to.have.length(0);
        expect(supabase.requests).to.have.length(0);
        expect(secrets.reads()).to.equal(0);
        expect(run.emf).to.deep.equal([]);
        expect(run.logs.map((l) => l.level)).to.deep.equal(["INFO"]);
      });
    }

    it("but 13:00 on an early-close day runs", async () => {
      clock = newYorkEpochMs("2026-11-27", "13:00") + 5_000;
      const record = tokenRecord({ accessTokenExpiresAt: clock + 20 * MINUTE });
      secrets.values.set(ARN.token, JSON.stringify(record));
      const run = await invoke(streamer());
      expect(run.error).to.equal(undefined);
      expect(schwab.history()).to.have.length(2);
    });
  });

  it("a dry run reads config and calendar only", async () => {
    const run = await invoke(streamer(), { dryRun: true });
    expect(run.value).to.deep.equal({
      dryRun: true,
      marketOpen: true,
      date: DAY,
      time: "10:05",
      session: { open: "09:30", close: "16:00" },
      tickers: ["QQQ", "SPY"],
      calendarYears: [2026, 2027],
    });
    clock = newYorkEpochMs("2026-11-26", "10:00");
    const closed = await invoke(streamer(), { dryRun: true });
    expect(closed.value).to.include({ marketOpen: false, reason: "holiday" });
    expect(schwab.requests).to.have.length(0);
    expect(supabase.requests).to.have.length(0);
    expect(secrets.reads()).to.equal(0);
    expect([...run.emf, ...closed.emf]).to.deep.equal([]);
  });

  it("refuses an event that is not {} or { dryRun }", async () => {
    const run = await invoke(streamer(), { dryRun: "yes" });
    expect(String(run.error)).to.match(/the event must be \{\} or \{ "dryRun": true \}/);
    expect(schwab.requests).to.have.length(0);
  });

  it("a bad configuration names the variable and counts as ConfigInvalid", async () => {
    const restore = withEnv({ SUPABASE_TABLE: undefined });
    try {
      const run = await invoke(streamer());
      expect(String(run.error)).to.match(/environment variable SUPABASE_TABLE is not set/);
      expect(errorsOf(run)).to.deep.equal({ ConfigInvalid: 1 });
      expect(schwab.requests).to.have.length(0);
    } finally {
      restore();
    }
  });
});

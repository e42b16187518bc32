import { expect } from "chai";
// The helpers first: they quiet the Logger the handler builds at import.
import {
  answer,
  apiEvent,
  expectError,
  ORIGIN,
  quickbetsEnv,
  withEnv,
  type ApiEventInput,
} from "../helpers/api";
import { FakeKalshi } from "../helpers/kalshi-server";
import type { EventSummary } from "../../../functions/quickbets/lib/kalshi";
import { handler } from "../../../functions/quickbets/events";

const event = (ticker: string, series: string) => ({
  event_ticker: ticker,
  series_ticker: series,
  title: `Title ${ticker}`,
  sub_title: `Sub ${ticker}`,
  category: "Sports",
  strike_date: "2025-11-27T21:30:00Z",
  mutually_exclusive: true,
});

describe("GET /events", () => {
  const kalshi = new FakeKalshi();
  let restore: () => void;

  before(async () => {
    await kalshi.start();
    restore = withEnv(quickbetsEnv(kalshi.baseUrl));
  });
  after(async () => {
    restore();
    await kalshi.stop();
  });
  beforeEach(() => kalshi.reset());

  const get = async (input: ApiEventInput = {}) =>
    answer(await handler(apiEvent({ method: "GET", path: "/events", ...input })));

  it("follows cursors, re-sending every filter, across all configured series", async () => {
    kalshi.on("/trade-api/v2/events", (req) => {
      if (req.query.series_ticker === "KXNFLGAME") {
        if (!req.query.cursor)
          return {
            status: 200,
            json: { events: [event("KXNFLGAME-A", "KXNFLGAME")], cursor: "c1" },
          };
        if (req.query.cursor === "c1")
          return {
            status: 200,
            json: { events: [event("KXNFLGAME-B", "KXNFLGAME")], cursor: "c2" },
          };
        return { status: 200, json: { events: [event("KXNFLGAME-C", "KXNFLGAME")], cursor: "" } };
      }
      return { status: 200, json: { events: [event("KXNBAGAME-X", "KXNBAGAME")] } };
    });
    const result = await get();
    expect(result.status).to.equal(200);
    expect(result.headers["Access-Control-Allow-Origin"]).to.equal(ORIGIN);
    expect(result.json.count).to.equal(4);
    expect((result.json.events as EventSummary[]).map((e) => e.ticker).sort()).to.deep.equal([
      "KXNBAGAME-X",
      "KXNFLGAME-A",
      "KXNFLGAME-B",
      "KXNFLGAME-C",
    ]);
    expect(
      (result.json.events as EventSummary[]).find((e) => e.ticker === "KXNFLGAME-A"),
    ).to.deep.equal({
      ticker: "KXNFLGAME-A",
      seriesTicker: "KXNFLGAME",
      title: "Title KXNFLGAME-A",
      subtitle: "Sub KXNFLGAME-A",
      category: "Sports",
      strikeDate: "2025-11-27T21:30:00Z",
    });
    const nfl = kalshi.requests.filter((r) => r.query.series_ticker === "KXNFLGAME");
    expect(nfl.map((r) => r.query)).to.deep.equal([
      { status: "open", series_ticker: "KXNFLGAME", limit: "200" },
      { status: "open", series_ticker: "KXNFLGAME", limit: "200", cursor: "c1" },
      { status: "open", series_ticker: "KXNFLGAME", limit: "200", cursor: "c2" },
    ]);
    expect(
      kalshi.requests.every(
        (r) => r.method === "GET" && r.headers["kalshi-access-signature"] === undefined,
      ),
    ).to.equal(true);
  });

  it("narrows to one configured series with ?series=", async () => {
    kalshi.on("/trade-api/v2/events", {
      status: 200,
      json: { events: [event("KXNBAGAME-X", "KXNBAGAME")], cursor: null },
    });
    const result = await get({ query: { series: "KXNBAGAME" } });
    expect(result.status).to.equal(200);
    expect(result.json).to.deep.include({ count: 1 });
    expect(kalshi.requests.map((r) => r.query.series_ticker)).to.deep.equal(["KXNBAGAME"]);
  });

  it("normalizes absent fields to null and an empty list to count 0", async () => {
    kalshi.on("/trade-api/v2/events", {
      status: 200,
      json: { events: [{ event_ticker: "KXNFLGAME-Z" }] },
    });
    const one = await get({ query: { series: "KXNFLGAME" } });
    expect(one.json.events).to.deep.equal([
      {
        ticker: "KXNFLGAME-Z",
        seriesTicker: null,
        title: null,
        subtitle: null,
        category: null,
        strikeDate: null,
      },
    ]);
    kalshi.on("/trade-api/v2/events", { status: 200, json: { events: [] } });
    expect((await get({ query: { series: "KXNFLGAME" } })).json).to.deep.equal({
      events: [],
      count: 0,
    });
  });

  describe("refuses with a JSON error naming the problem", () => {
    beforeEach(() => kalshi.on("/trade-api/v2/events", { status: 200, json: { events: [] } }));

    const refusals: [string, ApiEventInput, number, string, RegExp][] = [
      ["no claims", { sub: null }, 401, "unauthorized", /claim sub/],
      [
        "an unknown parameter",
        { query: { status: "closed" } },
        400,
        "invalid_request",
        /unknown query parameter "status"/,
      ],
      [
        "a userId parameter",
        { query: { userId: "user-b" } },
        400,
        "invalid_request",
        /unknown query parameter "userId"/,
      ],
      [
        "a series not configured",
        { query: { series: "KXMLB" } },
        400,
        "invalid_request",
        /series must be one of KXNFLGAME, KXNBAGAME/,
      ],
      [
        "a malformed series",
        { query: { series: "kx nfl" } },
        400,
        "invalid_request",
        /^series: must be a series ticker/,
      ],
      [
        "a repeated series",
        { multiQuery: { series: ["KXNFLGAME", "KXNBAGAME"] } },
        400,
        "invalid_request",
        /series is given more than once/,
      ],
    ];
    for (const [label, input, status, code, message] of refusals) {
      it(`${label} → ${status} ${code}`, async () => {
        expectError(await get(input), status, code, message);
        expect(kalshi.requests).to.have.length(0);
      });
    }
  });

  describe("maps Kalshi failures to 502/504", () => {
    const failures: [string, Parameters<FakeKalshi["on"]>[1], RegExp][] = [
      ["HTTP 500", { status: 500, json: { error: "boom" } }, /answered HTTP 500/],
      ["HTTP 429", { status: 429, json: { error: "slow down" } }, /answered HTTP 429/],
      ["HTTP 400", { status: 400, json: { error: "bad" } }, /answered HTTP 400/],
      ["invalid JSON", { status: 200, text: "<html>" }, /invalid JSON/],
      [
        "an unexpected shape",
        { status: 200, json: { events: "nope" } },
        /unexpected shape at events/,
      ],
      [
        "an event without ticker",
        { status: 200, json: { events: [{ title: "x" }] } },
        /unexpected shape at events.0.event_ticker/,
      ],
    ];
    for (const [label, reply, message] of failures) {
      it(`${label} → 502 upstream_error`, async () => {
        kalshi.on("/trade-api/v2/events", reply);
        expectError(await get({ query: { series: "KXNFLGAME" } }), 502, "upstream_error", message);
      });
    }

    it("a cursor that never ends → 502 after 20 pages", async () => {
      let page = 0;
      kalshi.on("/trade-api/v2/events", () => ({
        status: 200,
        json: { events: [], cursor: `c${++page}` },
      }));
      expectError(
        await get({ query: { series: "KXNFLGAME" } }),
        502,
        "upstream_error",
        /did not end after 20 pages/,
      );
      expect(kalshi.requests).to.have.length(20);
    });

    it("a cursor that repeats → 502 without looping", async () => {
      kalshi.on("/trade-api/v2/events", { status: 200, json: { events: [], cursor: "same" } });
      expectError(
        await get({ query: { series: "KXNFLGAME" } }),
        502,
        "upstream_error",
        /repeated a cursor/,
      );
      expect(kalshi.requests).to.have.length(2);
    });

    it("a hang → 504 upstream_timeout after UPSTREAM_TIMEOUT_MS", async () => {
      kalshi.on("/trade-api/v2/events", { hang: true });
      const restoreTimeout = withEnv({ UPSTREAM_TIMEOUT_MS: "150" });
      try {
        expectError(
          await get({ query: { series: "KXNFLGAME" } }),
          504,
          "upstream_timeout",
          /within 150 ms/,
        );
      } finally {
        restoreTimeout();
      }
    });

    it("an unreachable Kalshi → 502", async () => {
      const closed = new FakeKalshi();
      await closed.start();
      const url = closed.baseUrl;
      await closed.stop();
      const restoreUrl = withEnv({ UPSTREAM_BASE_URL: url });
      try {
        expectError(
          await get({ query: { series: "KXNFLGAME" } }),
          502,
          "upstream_error",
          /cannot reach Kalshi/,
        );
      } finally {
        restoreUrl();
      }
    });
  });

  it("a missing KALSHI_SERIES is a logged 500 without details", async () => {
    const restoreSeries = withEnv({ KALSHI_SERIES: undefined });
    try {
      const result = await get();
      expect(result.status).to.equal(500);
      expect(result.json.error).to.equal("internal_error");
    } finally {
      restoreSeries();
    }
  });
});

import { expect } from "chai";
import { parseStackConfig } from "../../../config";
import { MAX_TICKERS } from "../../../workloads/alpha-kite/settings";
import { problem, settingCases } from "../../helpers/setting-cases";
import { problemsOf, validRaw } from "../../helpers/stack-config";

const tickers = (n: number) => Array.from({ length: n }, (_, i) => `T${i}`);

describe("alphaKite settings", () => {
  it("fills its defaults", () => {
    expect(parseStackConfig(validRaw()).alphaKite).to.deep.include({
      tickers: ["QQQ"],
      schwabBaseUrl: "https://api.schwabapi.com",
      supabaseUrl: "https://alpha-kite-dev.supabase.co",
      supabaseTable: "minute_bars",
      metricsNamespace: "AlphaKite",
      upstreamTimeoutMs: 8000,
    });
    expect(parseStackConfig(validRaw()).alphaKite).not.to.have.property("alertEmail");
  });

  it("is required, with its Supabase URL", () => {
    const raw = validRaw();
    delete raw["platform:alphaKite"];
    expect(problemsOf(raw)).to.deep.equal(problem("alphaKite", "is required"));
    expect(problemsOf({ ...raw, "platform:alphaKite": "{}" })).to.deep.equal(
      problem("alphaKite.supabaseUrl", "is required"),
    );
  });

  const ticker = "must be a ticker symbol (upper-case letters, digits, . / -)";
  const table = "must be a lower-case Postgres table name";
  const namespace = "must be a CloudWatch namespace not starting with AWS/";
  const timeout = "must be 100 to 30000";
  settingCases("alphaKite", [
    ["one ticker", (a) => (a.tickers = ["SPY"]), "ok"],
    [`${MAX_TICKERS} tickers`, (a) => (a.tickers = tickers(MAX_TICKERS)), "ok"],
    [
      `${MAX_TICKERS + 1} tickers`,
      (a) => (a.tickers = tickers(MAX_TICKERS + 1)),
      problem(
        "alphaKite.tickers",
        "must list at most 50 tickers (one Schwab request each per minute)",
      ),
    ],
    [
      "no ticker",
      (a) => (a.tickers = []),
      problem("alphaKite.tickers", "must list at least one ticker"),
    ],
    [
      "tickers like BRK.B, BF/B, A-1 and ABCDEFGHIJ",
      (a) => (a.tickers = ["BRK.B", "BF/B", "A-1", "ABCDEFGHIJ"]),
      "ok",
    ],
    [
      "a lower-case ticker",
      (a) => (a.tickers = ["SPY", "qqq"]),
      problem("alphaKite.tickers[1]", ticker),
    ],
    [
      "a ticker of 11 characters",
      (a) => (a.tickers = ["ABCDEFGHIJK"]),
      problem("alphaKite.tickers[0]", ticker),
    ],
    [
      "a ticker starting with a digit",
      (a) => (a.tickers = ["1X"]),
      problem("alphaKite.tickers[0]", ticker),
    ],
    [
      "a ticker with a space",
      (a) => (a.tickers = ["SP Y"]),
      problem("alphaKite.tickers[0]", ticker),
    ],
    [
      "table names like _bars and 63 characters",
      (a) => (a.supabaseTable = `_${"b".repeat(62)}`),
      "ok",
    ],
    [
      "a table name of 64 characters",
      (a) => (a.supabaseTable = "b".repeat(64)),
      problem("alphaKite.supabaseTable", table),
    ],
    [
      "an upper-case table name",
      (a) => (a.supabaseTable = "Bars"),
      problem("alphaKite.supabaseTable", table),
    ],
    [
      "a table name starting with a digit",
      (a) => (a.supabaseTable = "1bars"),
      problem("alphaKite.supabaseTable", table),
    ],
    [
      "a table name with a dash",
      (a) => (a.supabaseTable = "minute-bars"),
      problem("alphaKite.supabaseTable", table),
    ],
    [
      "a namespace starting with AWS but not AWS/",
      (a) => (a.metricsNamespace = "AWSome/Kite"),
      "ok",
    ],
    ["a namespace of 255 characters", (a) => (a.metricsNamespace = "K".repeat(255)), "ok"],
    ["a namespace with . _ / # : -", (a) => (a.metricsNamespace = "a.b_c/d#e:f-g"), "ok"],
    [
      "an AWS/ namespace",
      (a) => (a.metricsNamespace = "AWS/Lambda"),
      problem("alphaKite.metricsNamespace", namespace),
    ],
    [
      "a namespace of 256 characters",
      (a) => (a.metricsNamespace = "K".repeat(256)),
      problem("alphaKite.metricsNamespace", namespace),
    ],
    [
      "an empty namespace",
      (a) => (a.metricsNamespace = ""),
      problem("alphaKite.metricsNamespace", namespace),
    ],
    [
      "a namespace with a space",
      (a) => (a.metricsNamespace = "Alpha Kite"),
      problem("alphaKite.metricsNamespace", namespace),
    ],
    ["a timeout of 100 ms", (a) => (a.upstreamTimeoutMs = 100), "ok"],
    ["a timeout of 30000 ms", (a) => (a.upstreamTimeoutMs = 30000), "ok"],
    [
      "a timeout of 99 ms",
      (a) => (a.upstreamTimeoutMs = 99),
      problem("alphaKite.upstreamTimeoutMs", timeout),
    ],
    [
      "a timeout of 30001 ms",
      (a) => (a.upstreamTimeoutMs = 30001),
      problem("alphaKite.upstreamTimeoutMs", timeout),
    ],
    ["an alert email", (a) => (a.alertEmail = "oncall@trading.io"), "ok"],
    [
      "an alert email that is not one",
      (a) => (a.alertEmail = "oncall"),
      problem("alphaKite.alertEmail", "must be an email address"),
    ],
    [
      "an http Supabase URL",
      (a) => (a.supabaseUrl = "http://x.supabase.co"),
      problem("alphaKite.supabaseUrl", "must be an https:// base URL without a path"),
    ],
  ]);
});

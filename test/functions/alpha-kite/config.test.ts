import { expect } from "chai";
import {
  DEFAULT_UPSTREAM_TIMEOUT_MS,
  FALLBACK_LOGIN_COMMAND,
  parseStreamerConfig,
} from "../../../functions/alpha-kite/lib/config";

const ENV = {
  TICKERS: "qqq, SPY,QQQ , BRK.B",
  SCHWAB_BASE_URL: "https://api.schwabapi.com/",
  SUPABASE_URL: "https://abc.supabase.co",
  SUPABASE_TABLE: "minute_bars",
  TOKEN_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:1:secret:t",
  SCHWAB_APP_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:1:secret:a",
  SUPABASE_KEY_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:1:secret:s",
  LOGIN_COMMAND: "npm run schwab-login -- --stack prod",
};

describe("Alpha-Kite streamer configuration", () => {
  it("parses the environment the infrastructure sets", () => {
    expect(parseStreamerConfig(ENV)).to.deep.equal({
      tickers: ["QQQ", "SPY", "BRK.B"],
      schwabBaseUrl: "https://api.schwabapi.com",
      supabaseUrl: "https://abc.supabase.co",
      supabaseTable: "minute_bars",
      tokenSecretArn: ENV.TOKEN_SECRET_ARN,
      appSecretArn: ENV.SCHWAB_APP_SECRET_ARN,
      supabaseKeySecretArn: ENV.SUPABASE_KEY_SECRET_ARN,
      upstreamTimeoutMs: DEFAULT_UPSTREAM_TIMEOUT_MS,
      loginCommand: "npm run schwab-login -- --stack prod",
    });
    const fallback = parseStreamerConfig({ ...ENV, LOGIN_COMMAND: undefined });
    expect(fallback.loginCommand).to.equal(FALLBACK_LOGIN_COMMAND);
  });

  const refusals: [string, Record<string, string | undefined>, RegExp][] = [
    ["no tickers", { TICKERS: " , " }, /TICKERS lists no values/],
    ["a bad ticker", { TICKERS: "QQQ,DROP TABLE" }, /TICKERS has an invalid ticker "DROP TABLE"/],
    ["no Schwab URL", { SCHWAB_BASE_URL: undefined }, /SCHWAB_BASE_URL is not set/],
    ["plain http", { SUPABASE_URL: "http://abc.supabase.co" }, /SUPABASE_URL must use https:/],
    [
      "a path",
      { SCHWAB_BASE_URL: "https://api.schwabapi.com/v1" },
      /SCHWAB_BASE_URL must be an origin/,
    ],
    [
      "a table with a dot",
      { SUPABASE_TABLE: "public.bars" },
      /SUPABASE_TABLE must be a plain table name/,
    ],
    [
      "a secret name for an ARN",
      { TOKEN_SECRET_ARN: "alpha/token" },
      /TOKEN_SECRET_ARN must be an ARN/,
    ],
    ["no app secret", { SCHWAB_APP_SECRET_ARN: "" }, /SCHWAB_APP_SECRET_ARN is not set/],
    ["a bad timeout", { UPSTREAM_TIMEOUT_MS: "8s" }, /UPSTREAM_TIMEOUT_MS must be an integer/],
    [
      "a zero timeout",
      { UPSTREAM_TIMEOUT_MS: "0" },
      /UPSTREAM_TIMEOUT_MS must be between 1 and 60000/,
    ],
  ];
  for (const [title, change, message] of refusals) {
    it(`refuses ${title}, naming the variable`, () => {
      expect(() => parseStreamerConfig({ ...ENV, ...change })).to.throw(message);
    });
  }

  it("allows http to this machine only (local fakes)", () => {
    expect(
      parseStreamerConfig({ ...ENV, SUPABASE_URL: "http://127.0.0.1:5432" }).supabaseUrl,
    ).to.equal("http://127.0.0.1:5432");
  });
});

/**
 * The streamer as deployed: the minified bundle under the size target, loading where only the AWS
 * SDK resolves, and answering a dry run (no network needed) in a fresh process.
 */
import { expect } from "chai";
import { bundleHandler } from "../../../components/bundle";
import { ALPHA_KITE_ENTRIES, MAX_BUNDLE_BYTES, RuntimeDir } from "../helpers/lambda-runtime";

describe("the Alpha-Kite streamer bundle", () => {
  const [entry] = ALPHA_KITE_ENTRIES;
  let runtime: RuntimeDir;

  before(() => {
    runtime = RuntimeDir.create(bundleHandler(entry!).code);
  });
  after(() => runtime.dispose());

  it("is under 150 KB, leaves only the AWS SDK and node: built-ins external, and loads", () => {
    const bundle = bundleHandler(entry!);
    expect(bundle.bytes, `${bundle.bytes} bytes`).to.be.below(MAX_BUNDLE_BYTES);
    expect(bundle.externals.filter((e) => !/^(@aws-sdk\/|node:)/.test(e))).to.deep.equal([]);
    // zod/mini only: full zod alone would blow the size budget.
    expect(bundle.code).not.to.include("ZodEffects");
    const result = runtime.load();
    expect(result, JSON.stringify(result)).to.deep.include({ ok: true, handlerType: "function" });
  });

  it("answers a dry run with the calendar and the tickers, touching nothing", async () => {
    const { result, logs } = await runtime.invoke(
      { dryRun: true },
      {
        TICKERS: "QQQ,SPY,IWM",
        SCHWAB_BASE_URL: "https://api.schwabapi.com",
        SUPABASE_URL: "https://example.supabase.co",
        SUPABASE_TABLE: "minute_bars",
        TOKEN_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:111111111111:secret:t",
        SCHWAB_APP_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:111111111111:secret:a",
        SUPABASE_KEY_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:111111111111:secret:s",
        // Any AWS call would fail here, and fast.
        AWS_ENDPOINT_URL_SECRETS_MANAGER: "http://127.0.0.1:9",
        POWERTOOLS_SERVICE_NAME: "alpha-kite-streamer",
        POWERTOOLS_METRICS_NAMESPACE: "AlphaKite",
        POWERTOOLS_LOG_LEVEL: "INFO",
      },
    );
    const answer = result as Record<string, unknown>;
    expect(answer).to.include({ dryRun: true });
    expect(answer.marketOpen).to.be.a("boolean");
    expect(answer.tickers).to.deep.equal(["QQQ", "SPY", "IWM"]);
    expect(answer.date).to.match(/^\d{4}-\d{2}-\d{2}$/);
    expect(answer.calendarYears).to.include(new Date().getUTCFullYear());
    expect(logs).to.include('"message":"dry run"');
    expect(logs).not.to.include("_aws"); // no metrics
  });
});

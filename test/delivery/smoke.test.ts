import { expect } from "chai";
// The helpers first: they quiet the Logger the sign handler builds at import.
import { quickbetsEnv, withEnv } from "../functions/helpers/api";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import type { FunctionConfiguration } from "@aws-sdk/client-lambda";
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { handler as signHandler } from "../../functions/quickbets/sign";
import type { Plan } from "../../engine/engine";
import {
  expectationsFromPlan,
  formatReport,
  runSmoke,
  SmokeError,
  type PlannedFunction,
  type SmokeOptions,
  type SmokeReport,
} from "../../tools/smoke/run";
import { cachedPlan, root } from "../helpers/plan-cli";
import { fakeApis, fakeLambda, type FakeApis, type FakeLambda } from "./helpers/fake-aws";

const run = promisify(execFile);
const CREDENTIALS = { accessKeyId: "AKIDSMOKETEST", secretAccessKey: "smoke-test-secret" };

/** What Lambda reports for a function deployed exactly as planned. */
function deployedAs(
  functionName: string,
  planned: PlannedFunction,
  variables: Record<string, string>,
): FunctionConfiguration {
  return {
    FunctionName: functionName,
    PackageType: planned.packageType,
    ...(planned.runtime ? { Runtime: planned.runtime as FunctionConfiguration["Runtime"] } : {}),
    Architectures: [...planned.architectures] as FunctionConfiguration["Architectures"],
    TracingConfig: { Mode: planned.tracingMode as "Active" },
    MemorySize: planned.memorySize,
    Timeout: planned.timeout,
    Layers: planned.layers.map((Arn) => ({ Arn, CodeSize: 1 })),
    Environment: { Variables: { ...variables } }, // a copy: cases mutate it
    State: "Active",
    LastUpdateStatus: "Successful",
  };
}

describe("smoke test (npm run smoke)", function () {
  let plan: Plan;
  let expected: Record<string, PlannedFunction>;
  let lambda: FakeLambda;
  let apis: FakeApis;
  let outputs: Record<string, unknown>;
  let restoreEnv: () => void;
  // Installed in before(), not at load: it patches every SecretsManagerClient of the process.
  let secrets: AwsClientStub<SecretsManagerClient>;

  /** The physical name the outputs give a checked function, by its logical name. */
  const checkedName = (logical: string): string | undefined => {
    const routes = outputs.quickbetsFunctionNames as Record<string, string>;
    const route = /^quickbets-(\w+)-fn$/.exec(logical)?.[1];
    if (route) return routes[route];
    const byOutput: Record<string, unknown> = {
      "alpha-kite-streamer-fn": outputs.alphaKiteFunctionName,
      "fred-jobs-fn": outputs.fredJobsFunctionName,
      "finance-api-fn": outputs.financeApiFunctionName,
    };
    const name = byOutput[logical];
    return typeof name === "string" ? name : undefined;
  };
  const physical = (logical: string): string => {
    const name = checkedName(logical);
    if (name === undefined) throw new Error(`the smoke test does not check ${logical}`);
    return name;
  };
  const config = (logical: string) => lambda.configs.get(physical(logical))!;
  const smoke = (overrides: Partial<SmokeOptions> = {}): Promise<SmokeReport> =>
    runSmoke({
      stack: "dev",
      outputs,
      expected,
      lambda: { endpoint: lambda.url, credentials: CREDENTIALS },
      timeoutMs: 2_000,
      ...overrides,
    });
  const failed = (report: SmokeReport) => report.checks.filter((c) => !c.ok).map((c) => c.name);

  before(async function () {
    // The expectations come from the real program's plan, as in `npm run smoke`.
    const planned = await cachedPlan("dev");
    if (!planned.plan) throw new Error(`plan failed:\n${planned.stderr}`);
    plan = planned.plan;
    expected = expectationsFromPlan(plan.resources);
    secrets = mockClient(SecretsManagerClient);
  });

  beforeEach(async function () {
    lambda = await fakeLambda();
    apis = await fakeApis();
    outputs = {
      ...plan.outputs,
      quickbetsApiUrl: apis.quickbetsUrl,
      fredJobsApiUrl: apis.fredJobsUrl,
    };
    // Every function the outputs name, deployed as planned (the database bootstrap is not checked).
    for (const r of plan.resources.filter((r) => r.type === "aws:lambda/function:Function")) {
      const name = checkedName(r.name);
      if (name === undefined) continue;
      const env = (r.inputs.environment as { variables?: Record<string, string> } | undefined)
        ?.variables;
      lambda.configs.set(name, deployedAs(name, expected[r.name]!, env ?? {}));
    }
    lambda.invokers.set(physical("alpha-kite-streamer-fn"), () => ({
      payload: {
        dryRun: true,
        marketOpen: false,
        date: "2026-11-28",
        time: "11:00",
        reason: "weekend",
        tickers: ["QQQ"],
        calendarYears: [2026],
      },
    }));
    // The real sign handler answers the smoke test's synthetic event; no user has a key.
    restoreEnv = withEnv(quickbetsEnv("http://127.0.0.1:9"));
    secrets.reset();
    secrets
      .on(GetSecretValueCommand)
      .rejects(
        new ResourceNotFoundException({ message: "Secrets Manager can't find it", $metadata: {} }),
      );
    lambda.invokers.set(physical("quickbets-sign-fn"), async (event) => ({
      payload: await signHandler(event as never, {} as never),
    }));
  });

  afterEach(async function () {
    restoreEnv();
    await Promise.all([lambda.close(), apis.close()]);
  });

  after(() => secrets.restore());

  it("passes a stack deployed as planned, through the real Lambda client", async function () {
    const report = await smoke();
    expect(failed(report)).to.deep.equal([]);
    expect(report.ok).to.be.true;
    expect(report.region).to.equal("us-east-1");
    const names = report.checks.map((c) => c.name);
    const checked = Object.keys(expected).filter((n) => checkedName(n) !== undefined);
    expect(checked).to.include.members([
      "alpha-kite-streamer-fn",
      "fred-jobs-fn",
      "finance-api-fn",
    ]);
    for (const fn of checked.filter((n) => n !== "quickbets-lifecycle-fn")) {
      for (const setting of ["state", "runtime", "architecture", "tracing", "memory", "timeout"]) {
        expect(names).to.include(`${fn} ${setting}`);
      }
      expect(names).to.include.members([`${fn} layers`, `${fn} environment`]);
    }
    expect(names).to.include.members([
      "alpha-kite-streamer-fn dry run",
      "quickbets-sign-fn unknown user",
      "fred-jobs GET /health",
      "quickbets GET /events without credentials",
      "quickbets POST /launch without credentials",
      "quickbets GET /sessions without credentials",
      "quickbets POST /sign without credentials",
      "fred-jobs GET /api/v1/registration without credentials",
      "fred-jobs POST /api/v1/jobs without credentials",
    ]);
    expect(report.checks.find((c) => c.name === "fred-jobs-fn runtime")?.detail).to.equal(
      "Image package",
    );
    // Every Lambda call was SigV4-signed by the SDK, and no API call carried credentials.
    expect(lambda.requests.every((r) => r.signed)).to.be.true;
    expect(lambda.requests.filter((r) => r.path.endsWith("/invocations"))).to.have.length(2);
    expect(apis.requests.some((r) => r.authorization)).to.be.false;
    expect(apis.requests.map((r) => `${r.api} ${r.method} ${r.path}`)).to.include(
      "fred-jobs GET /health",
    );

    const table = formatReport(report);
    expect(table).to.match(/^check +result +detail$/m);
    expect(table).to.match(/^quickbets-sign-fn unknown user +ok +404 signing_key_not_found$/m);
    expect(table).to.match(/all \d+ checks passed$/);
  });

  it("asks the signer as a random user who has no key", async function () {
    const seen: string[] = [];
    lambda.invokers.set(physical("quickbets-sign-fn"), async (event: any) => {
      seen.push(event.requestContext.authorizer.claims.sub);
      expect(JSON.parse(event.body)).to.deep.equal({
        method: "GET",
        path: "/trade-api/v2/portfolio/balance",
      });
      return { payload: await signHandler(event, {} as never) };
    });
    await smoke();
    await smoke();
    expect(seen).to.have.length(2);
    expect(seen[0]).to.match(/^smoke-test-no-key-[0-9a-f]{12}$/);
    expect(seen[0]).to.not.equal(seen[1]);
  });

  const drifts: [string, string, () => void][] = [
    [
      "a wrong runtime",
      "quickbets-events-fn runtime",
      () => {
        config("quickbets-events-fn").Runtime = "nodejs20.x";
      },
    ],
    [
      "an x86 function",
      "quickbets-sign-fn architecture",
      () => {
        config("quickbets-sign-fn").Architectures = ["x86_64"];
      },
    ],
    [
      "tracing off",
      "fred-jobs-fn tracing",
      () => {
        config("fred-jobs-fn").TracingConfig = { Mode: "PassThrough" };
      },
    ],
    [
      "a wrong memory size",
      "alpha-kite-streamer-fn memory",
      () => {
        config("alpha-kite-streamer-fn").MemorySize = 128;
      },
    ],
    [
      "a wrong timeout",
      "quickbets-sessions-fn timeout",
      () => {
        config("quickbets-sessions-fn").Timeout = 3;
      },
    ],
    [
      "a zip where an image was planned",
      "fred-jobs-fn runtime",
      () => {
        Object.assign(config("fred-jobs-fn"), { PackageType: "Zip", Runtime: "nodejs22.x" });
      },
    ],
    [
      "an unplanned layer",
      "quickbets-sign-fn layers",
      () => {
        config("quickbets-sign-fn").Layers = [
          { Arn: "arn:aws:lambda:us-east-1:123456789012:layer:crypto:3" },
        ];
      },
    ],
    [
      "a secret-looking environment value",
      "quickbets-launch-fn environment",
      () => {
        config("quickbets-launch-fn").Environment!.Variables!.KALSHI_PRIVATE_KEY =
          "-----BEGIN PRIVATE KEY-----\nMIIE...";
      },
    ],
    [
      "a function whose last update failed",
      "quickbets-events-fn state",
      () => {
        Object.assign(config("quickbets-events-fn"), {
          LastUpdateStatus: "Failed",
          LastUpdateStatusReason: "image not found",
        });
      },
    ],
    [
      "a streamer whose dry run fails",
      "alpha-kite-streamer-fn dry run",
      () => {
        lambda.invokers.set(physical("alpha-kite-streamer-fn"), () => ({
          functionError: "Unhandled",
          payload: { errorType: "Error", errorMessage: "environment variable TICKERS is not set" },
        }));
      },
    ],
    [
      "a signer that answers 200",
      "quickbets-sign-fn unknown user",
      () => {
        lambda.invokers.set(physical("quickbets-sign-fn"), () => ({
          payload: { statusCode: 200, body: JSON.stringify({ headers: {} }) },
        }));
      },
    ],
    [
      "a health check answering 503",
      "fred-jobs GET /health",
      () => {
        apis.fredJobs.set("GET /health", { status: 503, body: { status: "unhealthy" } });
      },
    ],
    [
      "a protected QuickBets route answering 200",
      "quickbets GET /sessions without credentials",
      () => {
        apis.quickbets.set("GET /sessions", { status: 200, body: { sessions: [] } });
      },
    ],
    [
      "a protected FRED route answering 200",
      "fred-jobs POST /api/v1/jobs without credentials",
      () => {
        apis.fredJobs.set("POST /api/v1/jobs", { status: 201, body: { id: 1 } });
      },
    ],
  ];
  for (const [what, check, drift] of drifts) {
    it(`reports ${what} as "${check}"`, async function () {
      drift();
      const report = await smoke();
      expect(failed(report)).to.deep.equal([check]);
      expect(report.ok).to.be.false;
      expect(formatReport(report)).to.match(new RegExp(`^${check} +FAIL +\\S`, "m"));
      expect(formatReport(report)).to.match(/1 of \d+ checks failed$/);
    });
  }

  it("names the setting and both values in a drift's detail", async function () {
    config("quickbets-events-fn").Runtime = "nodejs20.x";
    config("quickbets-events-fn").MemorySize = 1024;
    const report = await smoke();
    const detail = (name: string) => report.checks.find((c) => c.name === name)?.detail;
    expect(detail("quickbets-events-fn runtime")).to.equal(
      `nodejs20.x, planned ${expected["quickbets-events-fn"]!.runtime}`,
    );
    expect(detail("quickbets-events-fn memory")).to.equal(
      `1024 MB, planned ${expected["quickbets-events-fn"]!.memorySize} MB`,
    );
  });

  it("reports a function Lambda does not know, and carries on with the rest", async function () {
    lambda.configs.delete(physical("quickbets-sessions-fn"));
    const report = await smoke();
    expect(failed(report)).to.deep.equal(["quickbets-sessions-fn configuration"]);
    expect(report.checks.find((c) => !c.ok)?.detail).to.match(/ResourceNotFoundException/);
  });

  it("bounds every request: an API that never answers fails its check in time", async function () {
    apis.fredJobs.set("GET /health", "hang");
    const started = Date.now();
    const report = await smoke({ timeoutMs: 300 });
    expect(Date.now() - started).to.be.below(5_000);
    expect(failed(report)).to.deep.equal(["fred-jobs GET /health"]);
    expect(report.checks.find((c) => !c.ok)?.detail).to.match(/timed out/);
  });

  it("refuses outputs that lack what it checks, naming them", async function () {
    const partial = { ...outputs, fredJobsApiUrl: undefined };
    await smoke({ outputs: partial }).then(
      () => expect.fail("expected a SmokeError"),
      (err: Error) => {
        expect(err).to.be.instanceOf(SmokeError);
        expect(err.message).to.match(/outputs lack fredJobsApiUrl/);
      },
    );
    const routes = { ...(outputs.quickbetsFunctionNames as object), sign: undefined };
    await smoke({ outputs: { ...outputs, quickbetsFunctionNames: routes } }).then(
      () => expect.fail("expected a SmokeError"),
      (err: Error) => expect(err.message).to.match(/quickbetsFunctionNames lacks sign/),
    );
    expect(lambda.requests).to.have.length(0);
  });

  it("takes the expected settings from the plan, not from a copy", function () {
    const streamer = plan.resources.find((r) => r.name === "alpha-kite-streamer-fn")!;
    expect(expected["alpha-kite-streamer-fn"]).to.include({
      packageType: "Zip",
      runtime: streamer.inputs.runtime,
      memorySize: streamer.inputs.memorySize,
      timeout: streamer.inputs.timeout,
    });
    expect(expected["fred-jobs-fn"]).to.include({ packageType: "Image" });
    expect(expected["fred-jobs-fn"]).to.not.have.property("runtime");
  });

  describe("the CLI", function () {
    /** The CLI's exit code and output (execFile rejects on a non-zero exit, with both). */
    const cli = (args: string[], env: Record<string, string> = {}) =>
      run(process.execPath, ["-r", "ts-node/register/transpile-only", "tools/smoke.ts", ...args], {
        cwd: root,
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
          AWS_ENDPOINT_URL_LAMBDA: lambda.url,
          AWS_CONFIG_FILE: "/dev/null",
          AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
          ...env,
        },
      }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (err: { code: number; stdout: string; stderr: string }) => ({
          code: err.code,
          stdout: err.stdout,
          stderr: err.stderr,
        }),
      );
    const outputsFile = (value: unknown) => {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "smoke-")), "outputs.json");
      fs.writeFileSync(file, JSON.stringify(value));
      return file;
    };

    it("plans the stack, checks it and exits 0 with the table", async function () {
      // The child has no mocked Secrets Manager: the signer's answer is scripted here.
      lambda.invokers.set(physical("quickbets-sign-fn"), () => ({
        payload: {
          statusCode: 404,
          body: JSON.stringify({ error: "signing_key_not_found", message: "no key" }),
        },
      }));
      const result = await cli(["--stack", "dev", "--outputs", outputsFile(outputs)]);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.match(/^smoke test of stack "dev" \(us-east-1\)$/m);
      expect(result.stdout).to.match(/^quickbets-sign-fn runtime +ok +nodejs/m);
      expect(result.stdout).to.match(/all \d+ checks passed/);
    });

    it("exits 2 with a clear message when an output is missing", async function () {
      const partial = { ...outputs };
      delete partial.alphaKiteFunctionName;
      const result = await cli(["--stack", "dev", "--outputs", outputsFile(partial)]);
      expect(result.code).to.equal(2);
      expect(result.stderr).to.match(
        /smoke test of stack "dev" cannot run: the stack's outputs lack alphaKiteFunctionName/,
      );
      expect(result.stderr).to.not.match(/\n\s+at /); // no stack trace
    });

    it("exits 2 on bad arguments", async function () {
      expect((await cli(["--outputs", "x.json"])).stderr).to.match(/--stack is required/);
      expect((await cli(["--stack", "dev", "--timeout", "soon"])).code).to.equal(2);
    });
  });
});

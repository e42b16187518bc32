/**
 * The finance API workload under mocks with each stack's real settings, packaging the fixture app
 * from a local wheel directory; and what happens without `financeApi.appDir`.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import {
  ConfigError,
  OFFLINE_PLAN,
  parseStackConfig,
  type OfflinePlanRecord,
} from "../../../config";
import { loadStackFiles } from "../../../engine/stack-files";
import { FINANCE_APP_DIR_ENV, FinanceApi } from "../../../workloads/finance-api";
import type { FinanceApiSettings } from "../../../workloads/finance-api/settings";
import { testContext } from "../../helpers/context";
import {
  failureOf,
  finder,
  inHomeRegion,
  runWithMocks,
  statementsOf,
} from "../../helpers/mock-runtime";
import { financeFixtureWheels } from "../../helpers/wheels";

const root = path.resolve(__dirname, "..", "..", "..");
const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** The stack's financeApi settings, as the program reads them from the stack files. */
function settingsOf(stack: "dev" | "prod"): FinanceApiSettings {
  const files = loadStackFiles(root, stack);
  return parseStackConfig(files.config, files.secretKeys).financeApi;
}

const MONGO = "mongodb+srv://app:fixture-password-1f2e@cluster0.example.net";
const GENAI = "fixture-genai-key-9c8b7a";

function build(stack: "dev" | "prod", settings: FinanceApiSettings, wheels: string) {
  return inHomeRegion((provider) => {
    new FinanceApi(
      "finance-api",
      {
        context: testContext(stack, provider),
        settings,
        secrets: { mongodbUrl: pulumi.secret(MONGO), googleApiKey: pulumi.secret(GENAI) },
        wheels: { findLinks: wheels },
      },
      { provider },
    );
  });
}

describe("FinanceApi", function () {
  this.timeout(120_000);
  let wheels: string;
  let appDir: string;

  before(() => {
    wheels = financeFixtureWheels(tmp("finance-wheels-"));
    appDir = tmp("finance-app-");
    fs.cpSync(path.join(__dirname, "..", "..", "fixtures", "finance-app"), appDir, {
      recursive: true,
    });
  });

  for (const stack of ["dev", "prod"] as const) {
    describe(`with the ${stack} stack's settings`, () => {
      let find: ReturnType<typeof finder>;
      before(async () => {
        find = finder(
          await runWithMocks(build(stack, { ...settingsOf(stack), appDir }, wheels), {
            home: "us-east-1",
          }),
        );
      });

      it("runs the packaged app on Python 3.13 arm64 through the adapter 1.0 layer and run.sh", () => {
        const fn = find.named("finance-api-fn");
        expect(fn.inputs).to.include({
          runtime: "python3.13",
          handler: "run.sh",
          // Dev's stack file trims memory to 512 MB (docs/cost.md); prod keeps the 1024 MB default.
          memorySize: stack === "dev" ? 512 : 1024,
          timeout: 30,
        });
        expect(fn.inputs.architectures).to.deep.equal(["arm64"]);
        expect(fn.inputs.layers).to.deep.equal([
          "arn:aws:lambda:us-east-1:753240598075:layer:LambdaAdapterLayerArm64:26",
        ]);
        expect(fn.inputs.tracingConfig).to.deep.equal({ mode: "Active" });
        const variables = fn.inputs.environment.variables as Record<string, string>;
        expect(variables).to.include({
          AWS_LAMBDA_EXEC_WRAPPER: "/opt/bootstrap",
          AWS_LWA_PORT: "8080",
          AWS_LWA_READINESS_CHECK_PATH: "/health",
          MONGODB_DATABASE: "financial_tracker",
          GENAI_MODEL: "models/gemini-2.5-flash",
          ALLOWED_HOSTS: "*",
          ENFORCE_HTTPS: "false",
          PLATFORM_APP_SECRETS: "MONGODB_URL,GOOGLE_API_KEY",
          PLATFORM_IDENTITY_HEADER: "X-User-ID",
        });
      });

      it("deploys the archive it wrote, redeployed by that archive's hash", async () => {
        const fn = find.named("finance-api-fn");
        // A FileArchive of a .zip: Pulumi sends the file as it is, modes included.
        const archivePath = await (fn.inputs.code as pulumi.asset.FileArchive).path;
        expect(archivePath).to.match(/\.zip$/);
        const bytes = fs.readFileSync(archivePath);
        expect(fn.inputs.sourceCodeHash).to.equal(
          createHash("sha256").update(bytes).digest("base64"),
        );
      });

      it("stores MONGODB_URL and GOOGLE_API_KEY in Secrets Manager; the function gets ARNs only", () => {
        const fn = find.named("finance-api-fn");
        const variables = fn.inputs.environment.variables as Record<string, string>;
        const mongo = find.named("finance-api-mongodb-url");
        const genai = find.named("finance-api-google-api-key");
        expect(variables).to.include({
          MONGODB_URL_SECRET_ARN: mongo.state.arn,
          GOOGLE_API_KEY_SECRET_ARN: genai.state.arn,
        });
        expect(variables).not.to.have.any.keys("MONGODB_URL", "GOOGLE_API_KEY");
        const everything = JSON.stringify(fn.inputs);
        expect(everything).not.to.include(MONGO);
        expect(everything).not.to.include(GENAI);
        expect(mongo.inputs.recoveryWindowInDays).to.equal(stack === "prod" ? 30 : 7);
        const reads = statementsOf(find.named("finance-api-policy")).filter(
          (s) => s.Action === "secretsmanager:GetSecretValue",
        );
        expect(reads.flatMap((s) => [s.Resource].flat())).to.have.members([
          mongo.state.arn,
          genai.state.arn,
        ]);
      });

      it("keeps /health open and every other path behind IAM, with the old template's API settings", () => {
        const methods = find
          .ofType("aws:apigateway/method:Method")
          .filter((m) => m.inputs.httpMethod !== "OPTIONS");
        expect(
          Object.fromEntries(methods.map((m) => [m.name, m.inputs.authorization])),
        ).to.deep.equal({
          "finance-api-health-method": "NONE",
          "finance-api-proxy-method": "AWS_IAM",
        });
        expect(find.named("finance-api-throttling").inputs.settings).to.include({
          throttlingRateLimit: 500,
          throttlingBurstLimit: 1000,
        });
        expect(find.named("finance-api-api").inputs.binaryMediaTypes).to.include.members([
          "multipart/form-data",
          "application/octet-stream",
        ]);
        expect(find.named("finance-api-stage").inputs.xrayTracingEnabled).to.equal(true);
        expect(find.named("finance-api-logs").inputs.retentionInDays).to.equal(30);
        expect(find.named("finance-api-access-logs").inputs.retentionInDays).to.equal(30);
      });

      if (stack === "prod") {
        it("puts a web ACL with a per-IP rate limit and AWS managed rules on the stage", () => {
          const acl = find.named("finance-api-waf");
          expect(acl.inputs.scope).to.equal("REGIONAL");
          const rules = acl.inputs.rules as {
            name: string;
            statement: Record<string, any>;
          }[];
          expect(rules.map((r) => r.name)).to.deep.equal([
            "rate-limit-per-ip",
            "AWSManagedRulesAmazonIpReputationList",
            "AWSManagedRulesCommonRuleSet",
            "AWSManagedRulesKnownBadInputsRuleSet",
          ]);
          expect(rules[0]!.statement.rateBasedStatement).to.deep.equal({
            limit: 2000,
            aggregateKeyType: "IP",
          });
          // File uploads exceed the common set's 8 KB body rule: counted, not blocked.
          expect(rules[2]!.statement.managedRuleGroupStatement.ruleActionOverrides).to.deep.equal([
            { name: "SizeRestrictions_BODY", actionToUse: { count: {} } },
          ]);
          const association = find.named("finance-api-waf-stage");
          expect(association.inputs).to.deep.include({
            webAclArn: acl.state.arn,
            resourceArn: find.named("finance-api-stage").state.arn,
          });
          expect(association.inputs.resourceArn).to.match(
            /^arn:aws:apigateway:us-east-1::\/restapis\/\w+\/stages\/v1$/,
          );
        });

        it("alarms on 5XX, throttles, p95 duration and function errors to the topic", () => {
          const topic = find.named("finance-api-alarms");
          const alarms = find
            .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
            .sort((a, b) => a.name.localeCompare(b.name));
          expect(
            alarms.map((a) => [
              a.name,
              a.inputs.namespace,
              a.inputs.metricName,
              a.inputs.statistic ?? a.inputs.extendedStatistic,
            ]),
          ).to.deep.equal([
            ["finance-api-5xx", "AWS/ApiGateway", "5XXError", "Sum"],
            ["finance-api-errors", "AWS/Lambda", "Errors", "Sum"],
            ["finance-api-p95-duration", "AWS/Lambda", "Duration", "p95"],
            ["finance-api-throttles", "AWS/Lambda", "Throttles", "Sum"],
          ]);
          for (const a of alarms) expect(a.inputs.alarmActions).to.deep.equal([topic.state.arn]);
          expect(alarms[0]!.inputs.dimensions).to.deep.equal({
            ApiName: find.named("finance-api-api").state.name,
            Stage: "v1",
          });
          expect(find.named("finance-api-alarms-email").inputs.endpoint).to.equal(
            "platform-oncall@example.com",
          );
        });

        it("serves the custom domain over TLS 1.2+, mapped to the stage and aliased in the zone", () => {
          const domain = find.named("finance-api-domain");
          expect(domain.inputs).to.include({
            domainName: "api.finance.example.com",
            securityPolicy: "TLS_1_2",
          });
          expect(find.named("finance-api-domain-mapping").inputs).to.include({ stageName: "v1" });
          const alias = find.named("finance-api-domain-alias");
          expect(alias.inputs).to.include({ zoneId: "Z0EXAMPLE12345", type: "A" });
          expect(alias.inputs.aliases[0].name).to.equal(domain.state.regionalDomainName);
        });
      } else {
        it("has no web ACL, alarms or custom domain in dev", () => {
          expect(find.ofType("aws:wafv2/webAcl:WebAcl")).to.be.empty;
          expect(find.ofType("aws:cloudwatch/metricAlarm:MetricAlarm")).to.be.empty;
          expect(find.ofType("aws:apigateway/domainName:DomainName")).to.be.empty;
        });
      }
    });
  }

  describe("without financeApi.appDir", () => {
    const globals = globalThis as Record<symbol, OfflinePlanRecord | undefined>;
    afterEach(() => {
      delete globals[OFFLINE_PLAN];
    });

    it("packages the checkout CI names in PLATFORM_FINANCE_APP_DIR", async () => {
      process.env[FINANCE_APP_DIR_ENV] = appDir;
      const offline: OfflinePlanRecord = { pending: [] };
      globals[OFFLINE_PLAN] = offline;
      try {
        const find = finder(
          await runWithMocks(build("dev", settingsOf("dev"), wheels), { home: "us-east-1" }),
        );
        expect(find.named("finance-api-fn").inputs).to.include({ handler: "run.sh" });
        expect(offline.pending).to.deep.equal([]);
      } finally {
        delete process.env[FINANCE_APP_DIR_ENV];
      }
    });

    it("stops a real preview or up with an error naming the key", async () => {
      const error = await failureOf(build("dev", settingsOf("dev"), wheels));
      expect(error).to.be.instanceOf(ConfigError);
      expect(error!.message).to.include(
        "platform:financeApi.appDir: is required before pulumi preview/up",
      );
    });

    it("plans offline with the platform's files only, listing the setting to set", async () => {
      const offline: OfflinePlanRecord = { pending: [] };
      globals[OFFLINE_PLAN] = offline;
      const find = finder(
        await runWithMocks(build("dev", settingsOf("dev"), wheels), { home: "us-east-1" }),
      );
      const fn = find.named("finance-api-fn");
      expect(fn.inputs).to.include({ runtime: "python3.13", handler: "run.sh" });
      expect(offline.pending).to.deep.equal([
        {
          kind: "unset",
          key: "platform:financeApi.appDir",
          how: "the directory of the finance FastAPI app (CI names its checkout in PLATFORM_FINANCE_APP_DIR): pulumi config set --path financeApi.appDir <dir>",
        },
      ]);
    });
  });
});

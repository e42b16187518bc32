/**
 * Finance API in the whole program: both stacks through the offline engine, as `npm run plan` runs
 * them (test/plan.test.ts covers what the platform itself creates).
 */
import { expect } from "chai";
import type { PlannedResource } from "../../../engine/engine";
import { describeEachStack, ofType } from "../../helpers/plan-queries";

describeEachStack(
  (stack) => `Finance API in the ${stack} stack, planned offline`,
  (s) => {
    const { stack } = s;

    const inFinance = (r: PlannedResource): boolean => {
      const parent = s.p.resources.find((c) => c.urn === r.parent);
      return parent !== undefined && (parent.name === "finance-api" || inFinance(parent));
    };

    it("shows the API, /health open and the rest behind IAM, on Python 3.13 arm64", () => {
      expect(s.result.stdout).to.include("REST API finance-api-api (us-east-1), stage v1:");
      expect(s.result.stdout).to.match(/ANY +\/\{proxy\+\} +AWS_IAM +→ finance-api-fn/);
      expect(s.result.stdout).to.match(/GET +\/health +NONE +→ finance-api-fn/);
      expect(s.result.stdout).to.include(
        `finance-api-fn (us-east-1): python3.13 arm64, ${stack === "dev" ? 512 : 1024} MB, 30 s`,
      );
      const fn = ofType(s.p, "aws:lambda/function:Function").find(inFinance)!;
      expect(fn.inputs.layers).to.deep.equal([
        "arn:aws:lambda:us-east-1:753240598075:layer:LambdaAdapterLayerArm64:26",
      ]);
    });

    it("lists financeApi.appDir as a setting to set before pulumi up, with the command", () => {
      expect(s.p.unsetSettings.map((u) => u.key)).to.deep.equal(["platform:financeApi.appDir"]);
      expect(s.result.stdout).to.include(
        `platform:financeApi.appDir: the directory of the finance FastAPI app (CI names its checkout in PLATFORM_FINANCE_APP_DIR): pulumi config set --path financeApi.appDir <dir> --stack ${stack}`,
      );
    });

    it("passes its secrets as ARNs of protected-in-prod secrets, never values", () => {
      const fn = ofType(s.p, "aws:lambda/function:Function").find(inFinance)!;
      const variables = (fn.inputs.environment as { variables: Record<string, string> }).variables;
      const secrets = ofType(s.p, "aws:secretsmanager/secret:Secret").filter(inFinance);
      expect(secrets.map((x) => x.name).sort()).to.deep.equal([
        "finance-api-google-api-key",
        "finance-api-mongodb-url",
      ]);
      for (const secret of secrets) {
        const options = (secret as PlannedResource & { options: { protect: boolean } }).options;
        expect(options.protect, secret.name).to.equal(stack === "prod");
      }
      expect(Object.keys(variables)).not.to.include.members(["MONGODB_URL", "GOOGLE_API_KEY"]);
      expect(variables.MONGODB_URL_SECRET_ARN).to.match(/^arn:aws:secretsmanager:us-east-1:/);
      const versions = ofType(s.p, "aws:secretsmanager/secretVersion:SecretVersion").filter(
        inFinance,
      );
      expect(versions.map((v) => v.inputs.secretString)).to.deep.equal(["[secret]", "[secret]"]);
    });

    it(
      stack === "prod"
        ? "puts a WAF on the stage, alarms to a topic, and exports the custom domain's URL"
        : "has no WAF or alarms in dev, and exports the stage's URL",
      () => {
        const acls = ofType(s.p, "aws:wafv2/webAcl:WebAcl").filter(inFinance);
        const alarms = ofType(s.p, "aws:cloudwatch/metricAlarm:MetricAlarm").filter(inFinance);
        if (stack === "prod") {
          expect(acls).to.have.length(1);
          const association = ofType(s.p, "aws:wafv2/webAclAssociation:WebAclAssociation").find(
            inFinance,
          )!;
          const stageArn = ofType(s.p, "aws:apigateway/stage:Stage").find(inFinance)!.outputs!.arn;
          expect(association.inputs.resourceArn).to.equal(stageArn);
          expect(alarms.map((a) => a.name).sort()).to.deep.equal(
            ["5xx", "errors", "p95-duration", "throttles"].map((n) => `finance-api-${n}`),
          );
          expect(s.p.outputs.financeApiUrl).to.equal("https://api.finance.example.com");
        } else {
          expect(acls).to.be.empty;
          expect(alarms).to.be.empty;
          expect(s.p.outputs.financeApiUrl).to.match(
            /^https:\/\/\w+\.execute-api\.us-east-1\.amazonaws\.com\/v1$/,
          );
        }
      },
    );
  },
);

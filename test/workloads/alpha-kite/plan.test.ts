/**
 * Alpha-Kite in the whole program: both stacks through the offline engine, as `npm run plan` runs
 * them (test/plan.test.ts covers what the platform itself creates).
 */
import { expect } from "chai";
import type { PlannedResource } from "../../../engine/engine";
import { describeEachStack, ofType } from "../../helpers/plan-queries";

describeEachStack(
  (stack) => `Alpha-Kite in the ${stack} stack, planned offline`,
  (s) => {
    const { stack } = s;

    const under =
      (name: string) =>
      (r: PlannedResource): boolean => {
        const parent = s.p.resources.find((c) => c.urn === r.parent);
        return parent !== undefined && (parent.name === name || under(name)(parent));
      };
    const inAlphaKite = under("alpha-kite");

    it("shows the streamer with its three schedules in America/New_York, and its alarms", () => {
      for (const [window, cron] of [
        ["open", "cron(30-59 9 ? * MON-FRI *)"],
        ["day", "cron(* 10-15 ? * MON-FRI *)"],
        ["close", "cron(0 16 ? * MON-FRI *)"],
      ]) {
        expect(s.result.stdout).to.include(
          `alpha-kite-streamer-${window} (us-east-1): ${cron} America/New_York → alpha-kite-streamer-fn`,
        );
      }
      for (const alarm of [
        "errors",
        "dead-letters",
        "no-data",
        "upload-success",
        "refresh-token",
      ]) {
        expect(s.result.stdout).to.match(
          new RegExp(`alpha-kite-streamer-${alarm} \\(us-east-1\\): `),
        );
      }
      expect(s.result.stdout).to.match(
        /alpha-kite-streamer-no-data \(us-east-1\): AlphaKite DataPointsFetched Sum <= 0 for 3 × 60 s/,
      );
    });

    it("lists the secrets the stack still has to set, with the command", () => {
      expect(s.p.unsetSecrets).to.deep.equal([
        "platform:schwabAppKey",
        "platform:schwabAppSecret",
        "platform:supabaseServiceKey",
        "platform:arbeesVpnPrivateKey",
        "platform:arbeesVpnAddresses",
        "platform:financeMongodbUrl",
        "platform:financeGoogleApiKey",
      ]);
      expect(s.result.stdout).to.include(
        `platform:schwabAppKey: pulumi config set --secret schwabAppKey --stack ${stack}`,
      );
    });

    it("stores the config secrets in Secrets Manager as secrets, and creates the token secret empty", () => {
      const versions = ofType(s.p, "aws:secretsmanager/secretVersion:SecretVersion").filter(
        inAlphaKite,
      );
      expect(versions.map((v) => v.name).sort()).to.deep.equal([
        "alpha-kite-schwab-app-value",
        "alpha-kite-supabase-key-value",
      ]);
      for (const v of versions) expect(v.inputs.secretString, v.name).to.equal("[secret]");
      const secrets = ofType(s.p, "aws:secretsmanager/secret:Secret").filter(inAlphaKite);
      expect(secrets.map((x) => x.name).sort()).to.deep.equal([
        "alpha-kite-schwab-app",
        "alpha-kite-schwab-token",
        "alpha-kite-supabase-key",
      ]);
    });

    it("keeps every secret value out of the function's environment, passing ARNs only", () => {
      const fn = ofType(s.p, "aws:lambda/function:Function").find(
        (f) => f.name === "alpha-kite-streamer-fn",
      )!;
      const variables = (fn.inputs.environment as { variables: Record<string, string> }).variables;
      for (const [name, value] of Object.entries(variables)) {
        expect(value, name).not.to.include("secret]");
        expect(value, name).not.to.include("offline-secret");
      }
      for (const name of ["TOKEN_SECRET_ARN", "SCHWAB_APP_SECRET_ARN", "SUPABASE_KEY_SECRET_ARN"]) {
        expect(variables[name], name).to.match(
          /^arn:aws:secretsmanager:us-east-1:123456789012:secret:/,
        );
      }
      expect(fn.inputs.reservedConcurrentExecutions).to.equal(1);
    });
  },
);

/**
 * QuickBets in the whole program: both stacks through the offline engine, as `npm run plan` runs
 * them (test/plan.test.ts covers what the platform itself creates).
 */
import { expect } from "chai";
import type { PlannedResource } from "../../../engine/engine";
import { describeEachStack, ofType } from "../../helpers/plan-queries";

describeEachStack(
  (stack) => `QuickBets in the ${stack} stack, planned offline`,
  (s) => {
    const { stack } = s;

    const inQuickBets = (r: PlannedResource): boolean => {
      const parent = s.p.resources.find((c) => c.urn === r.parent);
      return parent !== undefined && (parent.name === "quickbets" || inQuickBets(parent));
    };

    it("shows the API with its four routes, each behind Cognito, and its functions", () => {
      const routes = [
        ["GET", "/events", "quickbets-events-fn"],
        ["POST", "/launch", "quickbets-launch-fn"],
        ["GET", "/sessions", "quickbets-sessions-fn"],
        ["POST", "/sign", "quickbets-sign-fn"],
      ];
      expect(s.result.stdout).to.include("REST API quickbets-api (us-east-1), stage v1:");
      for (const [method, route, fn] of routes) {
        expect(s.result.stdout).to.match(
          new RegExp(`${method} +${route} +COGNITO_USER_POOLS +→ ${fn}`),
        );
        expect(s.result.stdout).to.match(new RegExp(`OPTIONS +${route} +NONE +→ MOCK`));
      }
      expect(s.result.stdout).to.match(/Table quickbets-sessions \(us-east-1\)/);
      expect(s.result.stdout).to.match(/Cluster quickbets-sessions \(us-east-1\)/);
    });

    it("runs entirely in the home region", () => {
      const all = s.p.resources.filter((r) => r.custom && inQuickBets(r));
      expect(all.length).to.be.greaterThan(60);
      expect(new Set(all.map((r) => r.region))).to.deep.equal(new Set(["us-east-1"]));
    });

    it("deploys bundles under 150 KB, with no layers, on Node.js 24 arm64", () => {
      const fns = ofType(s.p, "aws:lambda/function:Function").filter(inQuickBets);
      expect(fns.map((f) => f.name).sort()).to.deep.equal(
        ["events", "launch", "lifecycle", "sessions", "sign"].map((n) => `quickbets-${n}-fn`),
      );
      for (const fn of fns) {
        const code = fn.inputs.code as { archive: Record<string, { asset: { bytes: number } }> };
        expect(Object.keys(code.archive).sort(), fn.name).to.deep.equal([
          "index.js",
          "index.js.map",
        ]);
        expect(code.archive["index.js"]!.asset.bytes, fn.name).to.be.below(150 * 1024);
        expect(fn.inputs.layers ?? [], fn.name).to.deep.equal([]);
        expect(fn.inputs).to.include({ runtime: "nodejs24.x" });
      }
    });

    it("deploys the API only after every method and integration exists", () => {
      const deployment = ofType(s.p, "aws:apigateway/deployment:Deployment").find(inQuickBets)!;
      const needed = [
        ...ofType(s.p, "aws:apigateway/method:Method"),
        ...ofType(s.p, "aws:apigateway/integration:Integration"),
      ].filter(inQuickBets);
      expect(needed).to.have.length(16);
      const deps = (deployment as PlannedResource & { dependencies: string[] }).dependencies;
      for (const r of needed) expect(deps, r.name).to.include(r.urn);
    });

    it("keeps sessions per user with TTL, and PITR, deletion protection and protect in prod", () => {
      const table = ofType(s.p, "aws:dynamodb/table:Table").find(inQuickBets)!;
      expect(table.inputs).to.include({
        hashKey: "pk",
        rangeKey: "sk",
        billingMode: "PAY_PER_REQUEST",
      });
      expect(table.inputs.ttl).to.deep.equal({ attributeName: "expiresAt", enabled: true });
      expect(table.inputs.pointInTimeRecovery).to.deep.equal({ enabled: stack === "prod" });
      expect(table.inputs.deletionProtectionEnabled).to.equal(stack === "prod");
      const options = (table as PlannedResource & { options: { protect: boolean } }).options;
      expect(options.protect).to.equal(stack === "prod");
    });

    it(
      stack === "prod"
        ? "serves session WebSockets over TLS 1.3 only"
        : "serves session WebSockets over plain HTTP in dev",
      () => {
        const listeners = ofType(s.p, "aws:lb/listener:Listener").filter(inQuickBets);
        const protocols = listeners
          .map((l) => `${String(l.inputs.protocol)}:${String(l.inputs.port)}`)
          .sort();
        if (stack === "prod") {
          expect(protocols).to.deep.equal(["HTTP:80", "HTTPS:443"]);
          const http = listeners.find((l) => l.inputs.protocol === "HTTP")!;
          expect((http.inputs.defaultActions as { type: string }[])[0]!.type).to.equal("redirect");
          expect(s.p.outputs.quickbetsWebsocketBaseUrl).to.equal(
            "wss://sessions.quickbets.example.com",
          );
        } else {
          expect(protocols).to.deep.equal(["HTTP:80"]);
          expect(s.p.outputs.quickbetsWebsocketBaseUrl).to.match(
            /^ws:\/\/quickbets-ws-.+\.elb\.amazonaws\.com$/,
          );
        }
      },
    );

    it("lets launch run only the session task definition, in its cluster, passing only its roles", () => {
      const policy = ofType(s.p, "aws:iam/rolePolicy:RolePolicy").find(
        (r) => r.name === "quickbets-launch-policy",
      )!;
      const statements = JSON.parse(String(policy.inputs.policy)).Statement as Record<
        string,
        any
      >[];
      const run = statements.find((s) => s.Action === "ecs:RunTask")!;
      expect(run.Resource).to.match(/:task-definition\/quickbets-\w+-session:\*$/);
      expect(run.Condition.ArnEquals["ecs:cluster"]).to.match(/:cluster\/quickbets-sessions-/);
      const pass = statements.find((s) => s.Action === "iam:PassRole")!;
      expect(pass.Resource).to.have.length(2);
      expect(pass.Condition.StringEquals["iam:PassedToService"]).to.equal(
        "ecs-tasks.amazonaws.com",
      );
    });

    it("exports the API URL, user pool and client ids, and function names", () => {
      expect(s.p.outputs.quickbetsApiUrl).to.match(
        /^https:\/\/\w+\.execute-api\.us-east-1\.amazonaws\.com\/v1$/,
      );
      expect(s.p.outputs.quickbetsUserPoolId).to.be.a("string");
      expect(s.p.outputs.quickbetsUserPoolClientId).to.be.a("string");
      expect(Object.keys(s.p.outputs.quickbetsFunctionNames as object).sort()).to.deep.equal([
        "events",
        "launch",
        "sessions",
        "sign",
      ]);
    });
  },
);

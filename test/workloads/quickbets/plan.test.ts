/**
 * QuickBets in the whole program: both stacks through the offline engine, as `npm run plan` runs
 * them (test/plan.test.ts covers what the platform itself creates).
 */
import { expect } from "chai";
import { WORKLOAD_BOUNDARY_NAME } from "../../../components/permissions-boundary";
import { bootstrapTemplate } from "../../../tools/bootstrap/template";
import { allows, roleArn, rolePermissions, type PolicyDocument } from "../../helpers/iam-eval";
import type { PlannedResource } from "../../../engine/engine";
import { byId, describeEachStack, ofType } from "../../helpers/plan-queries";

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

    it(`has Container Insights ${stack === "prod" ? "on" : "off"} on the sessions cluster (platform:containerInsights)`, () => {
      const cluster = ofType(s.p, "aws:ecs/cluster:Cluster").find(
        (c) => c.name === "quickbets-sessions",
      )!;
      expect(cluster.inputs.settings).to.deep.equal([
        { name: "containerInsights", value: stack === "prod" ? "enabled" : "disabled" },
      ]);
    });

    it(`puts the user pool on the ${stack === "prod" ? "Plus plan (threat protection, as prod sets)" : "Lite plan (quickbets.userPoolTier)"}`, () => {
      const pool = ofType(s.p, "aws:cognito/userPool:UserPool").find(
        (p) => p.name === "quickbets-users",
      )!;
      expect(pool.inputs.userPoolTier).to.equal(stack === "prod" ? "PLUS" : "LITE");
      const { cost } = s.p as typeof s.p & {
        cost: { items: { name: string; charges: { item: string }[] }[] };
      };
      const pool$ = cost.items.find((i) => i.name === "quickbets-users")!;
      expect(pool$.charges.map((c) => c.item)).to.deep.equal([
        stack === "prod" ? "cognito.mau.plus" : "cognito.mau.lite",
      ]);
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
        ? "serves session WebSockets over TLS 1.3 only, on the shared load balancer"
        : "serves session WebSockets over plain HTTP on 8080 of the shared load balancer in dev",
      () => {
        // The listener the lifecycle function adds each session's rule to.
        const lifecycle = ofType(s.p, "aws:lambda/function:Function").find(
          (f) => f.name === "quickbets-lifecycle-fn",
        )!;
        const { variables } = lifecycle.inputs.environment as {
          variables: Record<string, string>;
        };
        const listener = byId(s.p, variables.LISTENER_ARN)!;
        const lb = byId(s.p, listener.inputs.loadBalancerArn)!;
        expect(lb.name).to.equal("home-alb");
        const siblings = ofType(s.p, "aws:lb/listener:Listener").filter(
          (l) => l.inputs.loadBalancerArn === lb.id,
        );
        if (stack === "prod") {
          expect(listener.inputs).to.include({ protocol: "HTTPS", port: 443 });
          expect(String(listener.inputs.sslPolicy)).to.match(/^ELBSecurityPolicy-TLS13-/);
          const http = siblings.find((l) => l.inputs.protocol === "HTTP")!;
          expect((http.inputs.defaultActions as { type: string }[])[0]!.type).to.equal("redirect");
          expect(s.p.outputs.quickbetsWebsocketBaseUrl).to.equal(
            "wss://sessions.quickbets.example.com",
          );
        } else {
          expect(listener.inputs).to.include({ protocol: "HTTP", port: 8080 });
          expect(s.p.outputs.quickbetsWebsocketBaseUrl).to.match(
            /^ws:\/\/home-alb-.+\.elb\.amazonaws\.com:8080$/,
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

    describe("a session reads only its own user's key (the planned policies, evaluated)", () => {
      const boundaries = {
        [WORKLOAD_BOUNDARY_NAME]: (
          bootstrapTemplate() as unknown as {
            Resources: { WorkloadBoundary: { Properties: { PolicyDocument: PolicyDocument } } };
          }
        ).Resources.WorkloadBoundary.Properties.PolicyDocument,
      };
      const role = (name: string) => rolePermissions(s.p, name, boundaries);
      const account = () => roleArn(s.p, "quickbets-session-task").split(":")[4]!;
      const key = (stackName: string, sub: string) =>
        `arn:aws:secretsmanager:us-east-1:${account()}:secret:quickbets/${stackName}/users/${sub}-AbCdEf`;
      const getKey = (resource: string) => ({
        action: "secretsmanager:GetSecretValue",
        resource,
      });

      it("the session's task role can read no user's key, nor any secret", () => {
        const task = role("quickbets-session-task");
        for (const sub of ["user-a", "user-b"]) {
          expect(allows(task, getKey(key(stack, sub))), sub).to.equal(false);
        }
        for (const action of ["secretsmanager:GetSecretValue", "secretsmanager:ListSecrets"]) {
          expect(allows(task, { action, resource: "*" }), action).to.equal(false);
        }
      });

      it("the execution role can read keys under the stack's users prefix only", () => {
        const execution = role("quickbets-session-execution");
        expect(execution.boundary, "the workload boundary applies").to.exist;
        for (const sub of ["user-a", "user-b"]) {
          expect(allows(execution, getKey(key(stack, sub))), sub).to.equal(true);
        }
        const other = stack === "dev" ? "prod" : "dev";
        for (const outside of [
          key(other, "user-a"),
          `arn:aws:secretsmanager:us-east-1:${account()}:secret:quickbets/${stack}/admins/a-x`,
          `arn:aws:secretsmanager:us-east-1:${account()}:secret:alpha-kite/${stack}/schwab-app-x`,
          `arn:aws:secretsmanager:eu-central-1:${account()}:secret:quickbets/${stack}/users/a-x`,
        ]) {
          expect(allows(execution, getKey(outside)), outside).to.equal(false);
        }
      });

      it("launch can pass exactly the session's two roles, and only to ECS tasks", () => {
        const launch = role("quickbets-launch-role");
        const passable = ofType(s.p, "aws:iam/role:Role")
          .map((r) => r.name)
          .filter((name) =>
            allows(launch, {
              action: "iam:PassRole",
              resource: roleArn(s.p, name),
              context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
            }),
          );
        expect(passable.sort()).to.deep.equal([
          "quickbets-session-execution",
          "quickbets-session-task",
        ]);
        const toLambda = {
          action: "iam:PassRole",
          resource: roleArn(s.p, "quickbets-session-task"),
          context: { "iam:PassedToService": "lambda.amazonaws.com" },
        };
        expect(allows(launch, toLambda)).to.equal(false);
      });

      it("launch registers, runs and retires revisions of the session family only", () => {
        const launch = role("quickbets-launch-role");
        const revision = (family: string) =>
          `arn:aws:ecs:us-east-1:${account()}:task-definition/${family}:42`;
        const session = revision(`quickbets-${stack}-session`);
        const cluster = String(
          ofType(s.p, "aws:ecs/cluster:Cluster").find((c) => c.name === "quickbets-sessions")!
            .outputs!.arn,
        );
        const register = (resource: string) =>
          allows(launch, { action: "ecs:RegisterTaskDefinition", resource });
        expect(register(session)).to.equal(true);
        expect(register(revision(`arbees-home-api`))).to.equal(false);
        const run = (resource: string, inCluster: string) =>
          allows(launch, {
            action: "ecs:RunTask",
            resource,
            context: { "ecs:cluster": inCluster },
          });
        expect(run(session, cluster)).to.equal(true);
        expect(run(session, cluster.replace(/quickbets-sessions-\w+$/, "other"))).to.equal(false);
        expect(run(revision("arbees-home-api"), cluster)).to.equal(false);
        for (const action of ["ecs:DescribeTaskDefinition", "ecs:DeregisterTaskDefinition"]) {
          expect(allows(launch, { action, resource: "*" }), action).to.equal(true);
        }
        // Launch itself never reads a key's value; it only finds the caller's secret.
        expect(allows(launch, getKey(key(stack, "user-a")))).to.equal(false);
      });
    });
  },
);

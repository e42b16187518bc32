/**
 * The whole program through the offline engine, one child process per stack (Pulumi's runtime
 * state is global), exactly as `npm run plan` runs it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import type { Plan, PlannedResource } from "../engine/engine";
import type { PolicyReport } from "../engine/policy";
import { bootstrapTemplate } from "../tools/bootstrap/template";
import { WORKLOAD_BOUNDARY_NAME } from "../components/permissions-boundary";
import { allows, roleArn, rolePermissions, type PolicyDocument } from "./helpers/iam-eval";
import { cachedPlan, planCli as plan, root, type PlanRun } from "./helpers/plan-cli";

const ofType = (p: Plan, type: string) => p.resources.filter((r) => r.type === type);
const byId = (p: Plan, id: unknown) => p.resources.find((r) => r.id === id);
const child = (p: Plan, component: string) => (r: PlannedResource) =>
  r.parent !== null && p.resources.find((c) => c.urn === r.parent)?.name === component;

const expected = {
  dev: { natPerRegion: 1, azs: 2, home: "10.10.0.0/16", remote: "10.20.0.0/16", retention: 14 },
  prod: { natPerRegion: 3, azs: 3, home: "10.110.0.0/16", remote: "10.120.0.0/16", retention: 90 },
};

for (const stack of ["dev", "prod"] as const) {
  describe(`the ${stack} stack, planned offline`, () => {
    let result: PlanRun;
    let p: Plan;
    const want = expected[stack];

    before(async () => {
      result = await cachedPlan(stack);
      expect(result.code, result.stderr).to.equal(0);
      p = result.plan!;
    });

    it("writes the JSON contract", () => {
      expect(p.project).to.equal("platform");
      expect(p.stack).to.equal(stack);
      for (const r of p.resources) {
        expect(r).to.include.keys("urn", "type", "name", "parent", "region", "inputs");
      }
      expect(p.outputs).to.include({
        homeVpcCidr: want.home,
        remoteVpcCidr: want.remote,
        environment: stack,
      });
      expect(p.outputs.homeVpcId).to.match(/^vpc-[0-9a-f]{17}$/);
      expect(p.outputs.peeringConnectionId).to.match(/^pcx-[0-9a-f]{17}$/);
    });

    it("prints both regions with their key facts", () => {
      expect(result.stdout).to.include(`us-east-1 (provider home)`);
      expect(result.stdout).to.include(`eu-central-1 (provider remote)`);
      expect(result.stdout).to.include(`VPC home-vpc ${want.home}`);
      expect(result.stdout).to.include(`VPC remote-vpc ${want.remote}`);
      expect(result.stdout).to.match(new RegExp(`NAT gateways: ${want.natPerRegion};`));
      expect(result.stdout).to.include(
        "Peering peering-connection: us-east-1 requests, eu-central-1 accepts",
      );
    });

    it("puts the home network in us-east-1 and the remote one in eu-central-1", () => {
      const home = p.resources.filter(child(p, "home")).filter((r) => r.custom);
      const remote = p.resources.filter(child(p, "remote")).filter((r) => r.custom);
      expect(home).to.have.length.greaterThan(30);
      expect(remote).to.have.length(home.length);
      expect(new Set(home.map((r) => r.region))).to.deep.equal(new Set(["us-east-1"]));
      expect(new Set(remote.map((r) => r.region))).to.deep.equal(new Set(["eu-central-1"]));
    });

    it("gives every AWS resource an explicit regional provider", () => {
      const aws = p.resources.filter((r) => r.custom && r.type.startsWith("aws:"));
      expect(aws.filter((r) => r.provider === null).map((r) => r.name)).to.be.empty;
    });

    it(`makes ${want.natPerRegion} NAT gateway(s) per region`, () => {
      const nats = ofType(p, "aws:ec2/natGateway:NatGateway");
      expect(nats.filter((n) => n.region === "us-east-1")).to.have.length(want.natPerRegion);
      expect(nats.filter((n) => n.region === "eu-central-1")).to.have.length(want.natPerRegion);
    });

    it("routes to the peer CIDR from every private and isolated route table on both sides", () => {
      const pcx = ofType(p, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection");
      expect(pcx).to.have.length(1);
      const peeringRoutes = ofType(p, "aws:ec2/route:Route").filter(
        (r) => r.inputs.vpcPeeringConnectionId === pcx[0]!.id,
      );
      for (const [side, peerCidr] of [
        ["home", want.remote],
        ["remote", want.home],
      ] as const) {
        const internal = ofType(p, "aws:ec2/routeTable:RouteTable")
          .filter(child(p, side))
          .filter((t) => /-(private|isolated)-rt-/.test(t.name));
        expect(internal).to.have.length(want.azs * 2);
        for (const table of internal) {
          const routes = peeringRoutes.filter((r) => r.inputs.routeTableId === table.id);
          expect(
            routes.map((r) => r.inputs.destinationCidrBlock),
            table.name,
          ).to.deep.equal([peerCidr]);
          expect(routes[0]!.region).to.equal(table.region);
        }
      }
    });

    it("turns on flow logs on both VPCs, to log groups with the stack's retention", () => {
      for (const vpc of ofType(p, "aws:ec2/vpc:Vpc")) {
        const logs = ofType(p, "aws:ec2/flowLog:FlowLog").filter((f) => f.inputs.vpcId === vpc.id);
        expect(logs, vpc.name).to.have.length(1);
        expect(logs[0]!.inputs.trafficType).to.equal("ALL");
        const group = ofType(p, "aws:cloudwatch/logGroup:LogGroup").find((g) =>
          String(logs[0]!.inputs.logDestination).endsWith(`:log-group:${g.id}`),
        );
        expect(group, `log group of ${vpc.name}`).to.exist;
        expect(group!.region).to.equal(vpc.region);
        expect(group!.inputs.retentionInDays).to.equal(want.retention);
      }
    });

    it("carries the default tags over to both regional providers", () => {
      for (const provider of ofType(p, "pulumi:providers:aws")) {
        expect(JSON.parse(String(provider.inputs.defaultTags))).to.deep.equal({
          tags: { project: "platform", environment: stack, "managed-by": "pulumi" },
        });
      }
    });

    it("passes the policy pack with its stack config: no mandatory violation", () => {
      const policy = (p as Plan & { policy?: PolicyReport }).policy!;
      expect(policy.config).to.equal(`policy/${stack}.json`);
      expect(policy.policies).to.be.at.least(40);
      const mandatory = policy.violations.filter((v) => v.enforcementLevel === "mandatory");
      expect(
        mandatory.map((v) => `${v.policy} on ${v.resource?.name}: ${v.message}`),
      ).to.deep.equal([]);
      expect(result.stdout).to.match(
        /^Policy: \d+ rules with policy\/(dev|prod)\.json: 0 mandatory/m,
      );
    });

    it("explains every advisory finding in policy/README.md", () => {
      const policy = (p as Plan & { policy?: PolicyReport }).policy!;
      const readme = fs.readFileSync(path.join(root, "policy", "README.md"), "utf8");
      const explained = readme.slice(readme.indexOf("## Advisory rules and findings"));
      for (const v of policy.violations.filter((x) => x.enforcementLevel === "advisory")) {
        expect(explained, v.policy).to.include(`\`${v.policy}\``);
      }
    });

    describe("QuickBets", () => {
      const inQuickBets = (r: PlannedResource): boolean => {
        const parent = p.resources.find((c) => c.urn === r.parent);
        return parent !== undefined && (parent.name === "quickbets" || inQuickBets(parent));
      };

      it("shows the API with its four routes, each behind Cognito, and its functions", () => {
        const routes = [
          ["GET", "/events", "quickbets-events-fn"],
          ["POST", "/launch", "quickbets-launch-fn"],
          ["GET", "/sessions", "quickbets-sessions-fn"],
          ["POST", "/sign", "quickbets-sign-fn"],
        ];
        expect(result.stdout).to.include("REST API quickbets-api (us-east-1), stage v1:");
        for (const [method, route, fn] of routes) {
          expect(result.stdout).to.match(
            new RegExp(`${method} +${route} +COGNITO_USER_POOLS +→ ${fn}`),
          );
          expect(result.stdout).to.match(new RegExp(`OPTIONS +${route} +NONE +→ MOCK`));
        }
        expect(result.stdout).to.match(/Table quickbets-sessions \(us-east-1\)/);
        expect(result.stdout).to.match(/Cluster quickbets-sessions \(us-east-1\)/);
      });

      it("runs entirely in the home region", () => {
        const all = p.resources.filter((r) => r.custom && inQuickBets(r));
        expect(all.length).to.be.greaterThan(60);
        expect(new Set(all.map((r) => r.region))).to.deep.equal(new Set(["us-east-1"]));
      });

      it("deploys bundles under 150 KB, with no layers, on Node.js 24 arm64", () => {
        const fns = ofType(p, "aws:lambda/function:Function").filter(inQuickBets);
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
        const deployment = ofType(p, "aws:apigateway/deployment:Deployment").find(inQuickBets)!;
        const needed = [
          ...ofType(p, "aws:apigateway/method:Method"),
          ...ofType(p, "aws:apigateway/integration:Integration"),
        ].filter(inQuickBets);
        expect(needed).to.have.length(16);
        const deps = (deployment as PlannedResource & { dependencies: string[] }).dependencies;
        for (const r of needed) expect(deps, r.name).to.include(r.urn);
      });

      it("keeps sessions per user with TTL, and PITR, deletion protection and protect in prod", () => {
        const table = ofType(p, "aws:dynamodb/table:Table").find(inQuickBets)!;
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
          const listeners = ofType(p, "aws:lb/listener:Listener").filter(inQuickBets);
          const protocols = listeners
            .map((l) => `${String(l.inputs.protocol)}:${String(l.inputs.port)}`)
            .sort();
          if (stack === "prod") {
            expect(protocols).to.deep.equal(["HTTP:80", "HTTPS:443"]);
            const http = listeners.find((l) => l.inputs.protocol === "HTTP")!;
            expect((http.inputs.defaultActions as { type: string }[])[0]!.type).to.equal(
              "redirect",
            );
            expect(p.outputs.quickbetsWebsocketBaseUrl).to.equal(
              "wss://sessions.quickbets.example.com",
            );
          } else {
            expect(protocols).to.deep.equal(["HTTP:80"]);
            expect(p.outputs.quickbetsWebsocketBaseUrl).to.match(
              /^ws:\/\/quickbets-ws-.+\.elb\.amazonaws\.com$/,
            );
          }
        },
      );

      it("lets launch run only the session task definition, in its cluster, passing only its roles", () => {
        const policy = ofType(p, "aws:iam/rolePolicy:RolePolicy").find(
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

      describe("a session reads only its own user's key (the planned policies, evaluated)", () => {
        const boundaries = {
          [WORKLOAD_BOUNDARY_NAME]: (
            bootstrapTemplate() as unknown as {
              Resources: { WorkloadBoundary: { Properties: { PolicyDocument: PolicyDocument } } };
            }
          ).Resources.WorkloadBoundary.Properties.PolicyDocument,
        };
        const role = (name: string) => rolePermissions(p, name, boundaries);
        const account = () => roleArn(p, "quickbets-session-task").split(":")[4]!;
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
          const passable = ofType(p, "aws:iam/role:Role")
            .map((r) => r.name)
            .filter((name) =>
              allows(launch, {
                action: "iam:PassRole",
                resource: roleArn(p, name),
                context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
              }),
            );
          expect(passable.sort()).to.deep.equal([
            "quickbets-session-execution",
            "quickbets-session-task",
          ]);
          const toLambda = {
            action: "iam:PassRole",
            resource: roleArn(p, "quickbets-session-task"),
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
            ofType(p, "aws:ecs/cluster:Cluster").find((c) => c.name === "quickbets-sessions")!
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

      it("exports the API URL, user pool and client ids, and function names", () => {
        expect(p.outputs.quickbetsApiUrl).to.match(
          /^https:\/\/\w+\.execute-api\.us-east-1\.amazonaws\.com\/v1$/,
        );
        expect(p.outputs.quickbetsUserPoolId).to.be.a("string");
        expect(p.outputs.quickbetsUserPoolClientId).to.be.a("string");
        expect(Object.keys(p.outputs.quickbetsFunctionNames as object).sort()).to.deep.equal([
          "events",
          "launch",
          "sessions",
          "sign",
        ]);
      });
    });

    describe("Alpha-Kite", () => {
      const under =
        (name: string) =>
        (r: PlannedResource): boolean => {
          const parent = p.resources.find((c) => c.urn === r.parent);
          return parent !== undefined && (parent.name === name || under(name)(parent));
        };
      const inAlphaKite = under("alpha-kite");

      it("shows the streamer with its three schedules in America/New_York, and its alarms", () => {
        for (const [window, cron] of [
          ["open", "cron(30-59 9 ? * MON-FRI *)"],
          ["day", "cron(* 10-15 ? * MON-FRI *)"],
          ["close", "cron(0 16 ? * MON-FRI *)"],
        ]) {
          expect(result.stdout).to.include(
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
          expect(result.stdout).to.match(
            new RegExp(`alpha-kite-streamer-${alarm} \\(us-east-1\\): `),
          );
        }
        expect(result.stdout).to.match(
          /alpha-kite-streamer-no-data \(us-east-1\): AlphaKite DataPointsFetched Sum <= 0 for 3 × 60 s/,
        );
      });

      it("lists the secrets the stack still has to set, with the command", () => {
        expect(p.unsetSecrets).to.deep.equal([
          "platform:schwabAppKey",
          "platform:schwabAppSecret",
          "platform:supabaseServiceKey",
          "platform:arbeesVpnPrivateKey",
          "platform:arbeesVpnAddresses",
          "platform:financeMongodbUrl",
          "platform:financeGoogleApiKey",
        ]);
        expect(result.stdout).to.include(
          `platform:schwabAppKey: pulumi config set --secret schwabAppKey --stack ${stack}`,
        );
      });

      it("stores the config secrets in Secrets Manager as secrets, and creates the token secret empty", () => {
        const versions = ofType(p, "aws:secretsmanager/secretVersion:SecretVersion").filter(
          inAlphaKite,
        );
        expect(versions.map((v) => v.name).sort()).to.deep.equal([
          "alpha-kite-schwab-app-value",
          "alpha-kite-supabase-key-value",
        ]);
        for (const v of versions) expect(v.inputs.secretString, v.name).to.equal("[secret]");
        const secrets = ofType(p, "aws:secretsmanager/secret:Secret").filter(inAlphaKite);
        expect(secrets.map((x) => x.name).sort()).to.deep.equal([
          "alpha-kite-schwab-app",
          "alpha-kite-schwab-token",
          "alpha-kite-supabase-key",
        ]);
      });

      it("keeps every secret value out of the function's environment, passing ARNs only", () => {
        const fn = ofType(p, "aws:lambda/function:Function").find(
          (f) => f.name === "alpha-kite-streamer-fn",
        )!;
        const variables = (fn.inputs.environment as { variables: Record<string, string> })
          .variables;
        for (const [name, value] of Object.entries(variables)) {
          expect(value, name).not.to.include("secret]");
          expect(value, name).not.to.include("offline-secret");
        }
        for (const name of [
          "TOKEN_SECRET_ARN",
          "SCHWAB_APP_SECRET_ARN",
          "SUPABASE_KEY_SECRET_ARN",
        ]) {
          expect(variables[name], name).to.match(
            /^arn:aws:secretsmanager:us-east-1:123456789012:secret:/,
          );
        }
        expect(fn.inputs.reservedConcurrentExecutions).to.equal(1);
      });
    });

    describe("FRED jobs API", () => {
      const inFred = (r: PlannedResource): boolean => {
        const parent = p.resources.find((c) => c.urn === r.parent);
        return parent !== undefined && (parent.name === "fred-jobs" || inFred(parent));
      };

      it("shows the API, every route but /health behind IAM, its database and bucket", () => {
        expect(result.stdout).to.include("REST API fred-jobs-api (us-east-1), stage v1:");
        expect(result.stdout).to.match(/GET +\/health +NONE +→ fred-jobs-fn/);
        for (const [method, route] of [
          ["GET", "/api/v1/registration"],
          ["POST", "/api/v1/jobs"],
          ["GET", "/api/v1/jobs/{jobId}"],
          ["POST", "/api/v1/runs"],
          ["GET", "/api/v1/runs/{runId}"],
          ["GET", "/api/v1/runs/{runId}/upload-url"],
          ["ANY", "/{proxy+}"],
        ]) {
          const escaped = route!.replace(/[{}+]/g, (c) => `\\${c}`);
          expect(result.stdout).to.match(
            new RegExp(`${method} +${escaped} +AWS_IAM +→ fred-jobs-fn`),
          );
        }
        expect(result.stdout).to.match(
          stack === "prod"
            ? /Instance fred-jobs-db \(us-east-1\): postgres 18 db\.t4g\.medium, Multi-AZ, deletion protection, backups 14 d, protected/
            : /Instance fred-jobs-db \(us-east-1\): postgres 18 db\.t4g\.micro, single-AZ, backups 1 d$/m,
        );
        expect(result.stdout).to.include("Bucket fred-jobs-uploads (us-east-1)");
      });

      it("runs the image by digest in the private subnets, reaching the database on 5432 only", () => {
        const fn = ofType(p, "aws:lambda/function:Function").find(
          (f) => f.name === "fred-jobs-fn",
        )!;
        expect(fn.inputs.packageType).to.equal("Image");
        // Instances × one connection each, below the class's max_connections (db-connections.ts).
        expect(fn.inputs.reservedConcurrentExecutions).to.equal(5);
        const env = fn.inputs.environment as { variables: Record<string, string> };
        expect(env.variables.DB_POOL_MAX).to.equal("1");
        expect(fn.inputs.imageUri).to.match(
          /\.dkr\.ecr\.us-east-1\.amazonaws\.com\/.+@sha256:[0-9a-f]{64}$/,
        );
        const vpc = fn.inputs.vpcConfig as { subnetIds: string[]; securityGroupIds: string[] };
        const privateIds = ofType(p, "aws:ec2/subnet:Subnet")
          .filter((sn) => sn.region === "us-east-1" && sn.name.includes("-private-"))
          .map((sn) => sn.id);
        expect(vpc.subnetIds).to.have.members(privateIds);
        const rule = ofType(p, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").find(
          (r) => r.name === "fred-jobs-db-from-fred-jobs",
        )!;
        expect(rule.inputs).to.include({ fromPort: 5432, toPort: 5432 });
        expect(rule.inputs.referencedSecurityGroupId).to.equal(vpc.securityGroupIds[0]);
      });

      it("puts the database in isolated subnets, TLS only, and protects it in prod", () => {
        const db = ofType(p, "aws:rds/instance:Instance").find(inFred)!;
        expect(db.inputs).to.include({ publiclyAccessible: false, storageEncrypted: true });
        expect(
          (db as PlannedResource & { options: { protect: boolean } }).options.protect,
        ).to.equal(stack === "prod");
        const group = ofType(p, "aws:rds/subnetGroup:SubnetGroup").find(inFred)!;
        for (const id of group.inputs.subnetIds as string[]) {
          expect(byId(p, id)?.name, id).to.match(/-isolated-/);
        }
      });

      it("exports the URL, function, security group, bucket and database endpoint", () => {
        expect(p.outputs.fredJobsApiUrl).to.match(
          /^https:\/\/\w+\.execute-api\.us-east-1\.amazonaws\.com\/v1$/,
        );
        expect(p.outputs.fredJobsSecurityGroupId).to.match(/^sg-/);
        expect(p.outputs.fredJobsUploadBucket).to.match(/^fred-jobs-uploads-/);
        expect(p.outputs.fredJobsDatabaseEndpoint).to.match(/\.rds\.amazonaws\.com$/);
      });
    });

    describe("Finance API", () => {
      const inFinance = (r: PlannedResource): boolean => {
        const parent = p.resources.find((c) => c.urn === r.parent);
        return parent !== undefined && (parent.name === "finance-api" || inFinance(parent));
      };

      it("shows the API, /health open and the rest behind IAM, on Python 3.13 arm64", () => {
        expect(result.stdout).to.include("REST API finance-api-api (us-east-1), stage v1:");
        expect(result.stdout).to.match(/ANY +\/\{proxy\+\} +AWS_IAM +→ finance-api-fn/);
        expect(result.stdout).to.match(/GET +\/health +NONE +→ finance-api-fn/);
        expect(result.stdout).to.include(
          "finance-api-fn (us-east-1): python3.13 arm64, 1024 MB, 30 s",
        );
        const fn = ofType(p, "aws:lambda/function:Function").find(inFinance)!;
        expect(fn.inputs.layers).to.deep.equal([
          "arn:aws:lambda:us-east-1:753240598075:layer:LambdaAdapterLayerArm64:26",
        ]);
      });

      it("lists financeApi.appDir as a setting to set before pulumi up, with the command", () => {
        expect(p.unsetSettings.map((u) => u.key)).to.deep.equal(["platform:financeApi.appDir"]);
        expect(result.stdout).to.include(
          `platform:financeApi.appDir: the directory of the finance FastAPI app (CI names its checkout in PLATFORM_FINANCE_APP_DIR): pulumi config set --path financeApi.appDir <dir> --stack ${stack}`,
        );
      });

      it("passes its secrets as ARNs of protected-in-prod secrets, never values", () => {
        const fn = ofType(p, "aws:lambda/function:Function").find(inFinance)!;
        const variables = (fn.inputs.environment as { variables: Record<string, string> })
          .variables;
        const secrets = ofType(p, "aws:secretsmanager/secret:Secret").filter(inFinance);
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
        const versions = ofType(p, "aws:secretsmanager/secretVersion:SecretVersion").filter(
          inFinance,
        );
        expect(versions.map((v) => v.inputs.secretString)).to.deep.equal(["[secret]", "[secret]"]);
      });

      it(
        stack === "prod"
          ? "puts a WAF on the stage, alarms to a topic, and exports the custom domain's URL"
          : "has no WAF or alarms in dev, and exports the stage's URL",
        () => {
          const acls = ofType(p, "aws:wafv2/webAcl:WebAcl").filter(inFinance);
          const alarms = ofType(p, "aws:cloudwatch/metricAlarm:MetricAlarm").filter(inFinance);
          if (stack === "prod") {
            expect(acls).to.have.length(1);
            const association = ofType(p, "aws:wafv2/webAclAssociation:WebAclAssociation").find(
              inFinance,
            )!;
            const stageArn = ofType(p, "aws:apigateway/stage:Stage").find(inFinance)!.outputs!.arn;
            expect(association.inputs.resourceArn).to.equal(stageArn);
            expect(alarms.map((a) => a.name).sort()).to.deep.equal(
              ["5xx", "errors", "p95-duration", "throttles"].map((n) => `finance-api-${n}`),
            );
            expect(p.outputs.financeApiUrl).to.equal("https://api.finance.example.com");
          } else {
            expect(acls).to.be.empty;
            expect(alarms).to.be.empty;
            expect(p.outputs.financeApiUrl).to.match(
              /^https:\/\/\w+\.execute-api\.us-east-1\.amazonaws\.com\/v1$/,
            );
          }
        },
      );
    });

    describe("Arbees", () => {
      const within =
        (name: string) =>
        (r: PlannedResource): boolean => {
          const parent = p.resources.find((c) => c.urn === r.parent);
          return parent !== undefined && (parent.name === name || within(name)(parent));
        };
      const containersOf = (task: PlannedResource) =>
        JSON.parse(String(task.inputs.containerDefinitions)) as Record<string, any>[];

      it("puts every resource of the remote gateway in eu-central-1, and the home one in us-east-1", () => {
        const remote = p.resources.filter((r) => r.custom && within("arbees-remote")(r));
        const home = p.resources.filter((r) => r.custom && within("arbees-home")(r));
        expect(remote.length).to.be.greaterThan(20);
        expect(new Set(remote.map((r) => r.region))).to.deep.equal(new Set(["eu-central-1"]));
        expect(new Set(home.map((r) => r.region))).to.deep.equal(new Set(["us-east-1"]));
      });

      it("runs the Polymarket gateway on EC2, awsvpc, behind a VPN sidecar with only NET_ADMIN and the tun device", () => {
        const task = ofType(p, "aws:ecs/taskDefinition:TaskDefinition").find(
          (t) => t.name === "arbees-remote-market-gateway-polymarket-task",
        )!;
        expect(task.inputs).to.deep.include({
          networkMode: "awsvpc",
          requiresCompatibilities: ["EC2"],
        });
        const [vpn, gateway] = containersOf(task);
        expect(vpn!.name).to.equal("vpn");
        expect(vpn!.linuxParameters.capabilities).to.deep.equal({ add: ["NET_ADMIN"] });
        expect(vpn!.linuxParameters.devices.map((d: any) => d.hostPath)).to.deep.equal([
          "/dev/net/tun",
        ]);
        expect(vpn!.image).to.match(
          new RegExp(
            `\\.dkr\\.ecr\\.eu-central-1\\.amazonaws\\.com/platform-${stack}/arbees/gluetun:v3\\.40\\.0$`,
          ),
        );
        expect(gateway!.dependsOn).to.deep.equal([{ containerName: "vpn", condition: "HEALTHY" }]);
        const outbound = vpn!.environment.find(
          (e: any) => e.name === "FIREWALL_OUTBOUND_SUBNETS",
        ).value;
        expect(outbound.split(",")).to.have.members([want.remote, want.home]);
        const service = ofType(p, "aws:ecs/service:Service").find(
          (x) => x.name === "arbees-remote-market-gateway-polymarket-service",
        )!;
        const provider = ofType(p, "aws:ecs/capacityProvider:CapacityProvider").find(
          within("arbees-remote"),
        )!;
        // A strategy names its capacity provider; the provider's id is its ARN.
        const named = (service.inputs.capacityProviderStrategies as any[])[0].capacityProvider;
        expect(provider.id).to.equal(
          `arn:aws:ecs:eu-central-1:123456789012:capacity-provider/${named as string}`,
        );
      });

      it("runs the EC2 capacity with IMDSv2 only and encrypted volumes, in private subnets", () => {
        const template = ofType(p, "aws:ec2/launchTemplate:LaunchTemplate").find(
          within("arbees-remote"),
        )!;
        expect(template.inputs.metadataOptions).to.include({ httpTokens: "required" });
        expect((template.inputs.blockDeviceMappings as any[])[0].ebs.encrypted).to.equal("true");
        const group = ofType(p, "aws:autoscaling/group:Group").find(within("arbees-remote"))!;
        for (const id of group.inputs.vpcZoneIdentifiers as string[]) {
          expect(byId(p, id)?.name, id).to.match(/^remote-private-/);
        }
      });

      it("lets Redis (6379) and PostgreSQL (5432) in from exactly the home services' group and the remote VPC", () => {
        const redisGroup = ofType(p, "aws:ec2/securityGroup:SecurityGroup").find(
          (g) => g.name === "arbees-redis-sg",
        )!;
        const rules = [
          ...ofType(p, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"),
          ...ofType(p, "aws:ec2/securityGroupRule:SecurityGroupRule"),
        ].filter((r) => r.inputs.securityGroupId === redisGroup.id);
        const servicesGroup = ofType(p, "aws:ec2/securityGroup:SecurityGroup").find(
          (g) => g.name === "arbees-home-services",
        )!;
        expect(
          rules.map((r) => [
            r.inputs.referencedSecurityGroupId ?? r.inputs.cidrIpv4,
            r.inputs.fromPort,
            r.inputs.toPort,
          ]),
        ).to.have.deep.members([
          [servicesGroup.id, 6379, 6379],
          [want.remote, 6379, 6379],
        ]);
        const dbGroup = ofType(p, "aws:ec2/securityGroup:SecurityGroup").find(
          (g) => g.name === "arbees-db-sg",
        )!;
        const dbRules = ofType(
          p,
          "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        ).filter((r) => r.inputs.securityGroupId === dbGroup.id);
        // The Polymarket gateway reads DATABASE_URL from the remote region, over the peering.
        expect(
          dbRules.map((r) => [
            r.inputs.referencedSecurityGroupId ?? r.inputs.cidrIpv4,
            r.inputs.fromPort,
            r.inputs.toPort,
          ]),
        ).to.have.deep.members([
          [servicesGroup.id, 5432, 5432],
          [want.remote, 5432, 5432],
        ]);
      });

      it("routes /api/* to the api on 8000 before /* to the frontend on 80", () => {
        const rule = (service: string) =>
          ofType(p, "aws:lb/listenerRule:ListenerRule").find(
            (r) => r.name === `arbees-home-${service}-rule`,
          )!;
        expect(rule("api").inputs.priority).to.be.below(rule("frontend").inputs.priority as number);
        expect((rule("api").inputs.conditions as any[])[0].pathPattern.values).to.deep.equal([
          "/api/*",
        ]);
        expect((rule("frontend").inputs.conditions as any[])[0].pathPattern.values).to.deep.equal([
          "/*",
        ]);
        const port = (service: string) =>
          ofType(p, "aws:lb/targetGroup:TargetGroup").find(
            (t) => t.name === `arbees-home-${service}-tg`,
          )!.inputs.port;
        expect([port("api"), port("frontend")]).to.deep.equal([8000, 80]);
      });

      it(
        stack === "prod"
          ? "serves HTTPS with a validated certificate and redirects HTTP"
          : "serves plain HTTP in dev",
        () => {
          const listeners = ofType(p, "aws:lb/listener:Listener").filter(within("arbees-home"));
          if (stack === "prod") {
            expect(listeners.map((l) => l.inputs.protocol).sort()).to.deep.equal(["HTTP", "HTTPS"]);
            const https = listeners.find((l) => l.inputs.protocol === "HTTPS")!;
            const validation = ofType(
              p,
              "aws:acm/certificateValidation:CertificateValidation",
            ).find(within("arbees-home"))!;
            expect(https.inputs.certificateArn).to.equal(validation.inputs.certificateArn);
            const http = listeners.find((l) => l.inputs.protocol === "HTTP")!;
            expect((http.inputs.defaultActions as any[])[0].redirect).to.include({
              protocol: "HTTPS",
              port: "443",
            });
          } else {
            expect(listeners.map((l) => l.inputs.protocol)).to.deep.equal(["HTTP"]);
          }
        },
      );

      it("gives every service DATABASE_URL and REDIS_URL as secrets (replicas in the remote region), never values", () => {
        const tasks = ofType(p, "aws:ecs/taskDefinition:TaskDefinition").filter(within("arbees"));
        expect(tasks).to.have.length(6);
        for (const task of tasks) {
          const app = containersOf(task).find((c) => c.name !== "vpn")!;
          const secrets = Object.fromEntries(app.secrets.map((x: any) => [x.name, x.valueFrom]));
          expect(Object.keys(secrets).sort(), task.name).to.deep.equal([
            "DATABASE_URL",
            "REDIS_URL",
          ]);
          for (const arn of Object.values(secrets)) {
            expect(arn, task.name).to.match(
              new RegExp(`^arn:aws:secretsmanager:${task.region}:123456789012:secret:`),
            );
          }
          const env = JSON.stringify(app.environment);
          expect(env, task.name).not.to.match(
            /rediss?:\/\/|postgres(ql)?:\/\/|offline-random|\[secret\]/,
          );
          expect(app.environment.map((e: any) => e.name)).to.include.members([
            "POLL_INTERVAL",
            "CRUNCH_TIME_INTERVAL",
            "MARKET_DATA_TTL",
            "SYNC_DELTA_TOLERANCE",
          ]);
        }
        for (const name of ["arbees-redis-url", "arbees-db-url"]) {
          const secret = ofType(p, "aws:secretsmanager/secret:Secret").find(
            (x) => x.name === name,
          )!;
          expect(secret.inputs.replicas).to.deep.equal([{ region: "eu-central-1" }]);
        }
      });

      it("autoscales the strategy engine on CPU and memory", () => {
        const policies = ofType(p, "aws:appautoscaling/policy:Policy").filter(
          within("arbees-home"),
        );
        expect(
          policies
            .map(
              (x) =>
                (x.inputs.targetTrackingScalingPolicyConfiguration as any)
                  .predefinedMetricSpecification.predefinedMetricType,
            )
            .sort(),
        ).to.deep.equal(["ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization"]);
        const target = ofType(p, "aws:appautoscaling/target:Target").find(within("arbees-home"))!;
        expect(target.inputs).to.include({ minCapacity: 1, maxCapacity: stack === "prod" ? 6 : 2 });
      });

      it(
        stack === "prod"
          ? "has Multi-AZ Redis with failover and a protected database"
          : "has a one-node Redis in dev",
        () => {
          const redis = ofType(p, "aws:elasticache/replicationGroup:ReplicationGroup").find(
            within("arbees"),
          )!;
          expect(redis.inputs).to.include({
            atRestEncryptionEnabled: true,
            transitEncryptionEnabled: true,
          });
          expect(redis.inputs.authToken).to.equal("[secret]");
          if (stack === "prod") {
            expect(redis.inputs).to.include({
              automaticFailoverEnabled: true,
              multiAzEnabled: true,
              numCacheClusters: 2,
            });
            const db = ofType(p, "aws:rds/instance:Instance").find(within("arbees"))!;
            expect(db.inputs.multiAz).to.be.true;
            expect((db as PlannedResource & { options: { protect: boolean } }).options.protect).to
              .be.true;
          } else {
            expect(redis.inputs).to.include({
              numCacheClusters: 1,
              automaticFailoverEnabled: false,
            });
          }
        },
      );

      it("shows both clusters, the services, Redis and the VPN gateway in the summary", () => {
        expect(result.stdout).to.include("Cluster arbees-home-cluster (us-east-1)");
        expect(result.stdout).to.include("Cluster arbees-remote-cluster (eu-central-1)");
        expect(result.stdout).to.match(
          /arbees-remote-market-gateway-polymarket-service \(eu-central-1\): EC2 \(arbees-remote-ec2\), 1 task\(s\), sidecars: vpn/,
        );
        expect(result.stdout).to.match(
          /arbees-home-api-service \(us-east-1\): FARGATE, \d task\(s\), ALB \/api\/\* \(priority 10\)/,
        );
        expect(result.stdout).to.match(/ReplicationGroup arbees-redis \(us-east-1\): valkey 8\.0/);
      });
    });

    it("prints the monthly cost per region and workload, with no unpriced type", () => {
      expect(result.stdout).to.match(
        /^Monthly cost estimate: \$[\d,]+\.\d\d \(USD list prices as of /m,
      );
      expect(result.stdout).to.match(/by region: +us-east-1 \$[\d,.]+, eu-central-1 \$[\d,.]+/);
      for (const workload of ["quickbets", "alpha-kite", "fred-jobs", "arbees"]) {
        expect(result.stdout).to.match(new RegExp(`by workload: .*${workload} \\$`));
      }
      expect(result.stdout).to.include("Unpriced resource types: none");
      const cost = (p as Plan & { cost?: { total: number; unpriced: string[] } }).cost!;
      expect(cost.unpriced).to.deep.equal([]);
      expect(cost.total).to.be.greaterThan(stack === "prod" ? 500 : 150);
    });

    it("gives ARNs and ids the shapes AWS uses", () => {
      const subnet = ofType(p, "aws:ec2/subnet:Subnet")[0]!;
      expect(subnet.id).to.match(/^subnet-[0-9a-f]{17}$/);
      const eip = byId(p, ofType(p, "aws:ec2/natGateway:NatGateway")[0]!.inputs.allocationId);
      expect(eip?.type).to.equal("aws:ec2/eip:Eip");
      const flowLog = ofType(p, "aws:ec2/flowLog:FlowLog").find(
        (f) => f.region === "eu-central-1",
      )!;
      expect(flowLog.inputs.logDestination).to.match(
        /^arn:aws:logs:eu-central-1:123456789012:log-group:remote-flow-logs-[0-9a-f]{7}$/,
      );
    });
  });
}

describe("the plan command", () => {
  const scratch: string[] = [];
  after(() => scratch.forEach((f) => fs.rmSync(f, { force: true })));

  /** Writes a stack file beside the real ones, as a user adding a stack would. */
  function stackWith(edit: (yaml: string) => string): string {
    const name = `cicheck${process.pid}${scratch.length}`;
    const file = path.join(root, `Pulumi.${name}.yaml`);
    fs.writeFileSync(file, edit(fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8")));
    scratch.push(file);
    return name;
  }

  it("produces the same plan on every run", async () => {
    const [a, b] = await Promise.all([plan("dev"), plan("dev")]);
    expect(JSON.stringify(a.plan)).to.equal(JSON.stringify(b.plan));
  });

  it("names the known stacks for an unknown one", async () => {
    const result = await plan("qa");
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include(
      'unknown stack "qa": there is no Pulumi.qa.yaml (stacks: dev, prod',
    );
  });

  const mistakes: [string, (y: string) => string, string][] = [
    [
      "a typo in a config key",
      (y) => y.replace("platform:natStrategy:", "platform:natStrategey:"),
      "platform:natStrategey: unknown setting; did you mean platform:natStrategy?",
    ],
    [
      "an overlapping CIDR",
      (y) => y.replace("cidr: 10.20.0.0/16", "cidr: 10.10.0.0/20"),
      "platform:regions.remote.cidr: 10.10.0.0/20 overlaps platform:regions.home.cidr (10.10.0.0/16)",
    ],
    [
      "an AZ of the wrong region",
      (y) => y.replace("[eu-central-1a, eu-central-1b]", "[eu-central-1a, us-east-1b]"),
      "platform:regions.remote.availabilityZones[1]: us-east-1b is not an availability zone of eu-central-1",
    ],
    [
      "a value of the wrong declared type",
      (y) => y.replace("platform:azs: 2", "platform:azs: two"),
      'platform:azs: must be of type integer, got "two" (Pulumi.yaml declares it integer)',
    ],
  ];
  for (const [what, edit, message] of mistakes) {
    it(`reports ${what} in one clear message naming the key, without a stack trace`, async () => {
      const result = await plan(stackWith(edit));
      expect(result.code).to.equal(2);
      expect(result.stderr).to.include(message);
      expect(result.stderr.split("\n").filter((l) => l.includes(message))).to.have.length(1);
      expect(result.stderr).not.to.match(/^\s+at /m);
    });
  }

  it("lists a declared type error with every other problem of the stack file, in one run", async () => {
    const result = await plan(
      stackWith((y) =>
        y
          .replace("platform:azs: 2", "platform:azs: two")
          .replace("platform:natStrategy:", "platform:natStrategey:")
          .replace("platform:logRetentionDays:", "platfrom:logRetentionDays:")
          .replace(
            "      gluetunTag: v3.40.0",
            "      gluetunTag: v3.40.0\n      killSwitch: true",
          ),
      ),
    );
    expect(result.code).to.equal(2);
    for (const message of [
      'platform:azs: must be of type integer, got "two" (Pulumi.yaml declares it integer)',
      "platform:natStrategey: unknown setting; did you mean platform:natStrategy?",
      'platfrom:logRetentionDays: unknown namespace "platfrom"; did you mean platform:logRetentionDays?',
      "platform:arbees.vpn.killSwitch: unknown setting",
    ]) {
      expect(result.stderr).to.include(message);
    }
    // The type error once, not again in the schema's words.
    expect(result.stderr.match(/platform:azs:/g)).to.have.length(1);
    expect(result.stderr).to.include("Invalid stack configuration (3 problems)");
  });

  describe("on a probe program", () => {
    const probe = path.join(__dirname, "fixtures", "engine-probe");

    it("plans secure values as masked placeholders, never needing a passphrase", async () => {
      const result = await plan("secret", probe);
      expect(result.code, result.stderr).to.equal(0);
      const version = result.plan!.resources.find((r) => r.name === "token-value")!;
      expect(version.inputs.secretString).to.equal("[secret]");
      expect(version.region).to.equal("eu-central-1");
      expect(result.plan!.outputs.outputs).to.deep.include({ token: "[secret]" });
      expect(result.plan!.outputs.outputs)
        .to.have.property("secretArn")
        .that.matches(/^arn:aws:secretsmanager:eu-central-1:123456789012:/);
      expect(JSON.stringify(result.plan)).not.to.include("bm90LWEtcmVhbC1jaXBoZXJ0ZXh0");
    });

    it("exits 1 on a mandatory policy violation, naming the rule, the resource and the fix", async () => {
      const result = await plan("public-db", probe);
      expect(result.code).to.equal(1);
      expect(result.stdout).to.include("Policy: ");
      expect(result.stdout).to.include("with policy/public-db.json");
      expect(result.stdout).to.include("[mandatory] rds-not-publicly-accessible (RDS.2)");
      expect(result.stdout).to.include("- aws:rds/instance:Instance db: is publicly accessible");
      expect(result.stdout).to.include("fix: Set publiclyAccessible: false");
      expect(result.stderr).to.include("mandatory policy violation(s)");
      const violations = result.plan!.policy!.violations.map((v) => v.policy);
      expect(violations).to.include("rds-not-publicly-accessible");
    });

    it("fails a resource on the default provider when the stack disables it", async () => {
      const result = await plan("default-provider", probe);
      expect(result.code).to.equal(2);
      expect(result.stderr).to.include(
        'aws:s3/bucket:Bucket "ambient" uses the default aws provider, which this stack disables',
      );
    });

    it("fails an invoke it cannot answer, naming it", async () => {
      const result = await plan("unknown-invoke", probe);
      expect(result.code).to.equal(2);
      expect(result.stderr).to.include(
        "the offline engine has no answer for the invoke aws:ec2/getVpc:getVpc",
      );
    });

    it("names an apply that threw instead of exiting silently with the resources it blocked", async () => {
      const result = await plan("apply-throws", probe);
      expect(result.code).to.equal(2);
      expect(result.stderr).to.include("no tag on source-");
      expect(result.stderr).to.include("the program never finished");
      // The stack points at the TypeScript line that threw, though the plan maps stacks lazily.
      const source = fs.readFileSync(path.join(probe, "index.ts"), "utf8").split("\n");
      const line = source.findIndex((l) => l.includes("throw new Error(`no tag on")) + 1;
      expect(line).to.be.greaterThan(0);
      expect(result.stderr).to.include(`${path.join(probe, "index.ts")}:${line}:`);
    });

    it("checks values against the types Pulumi.yaml declares", async () => {
      const result = await plan("bad-type", probe);
      expect(result.code).to.equal(2);
      expect(result.stderr).to.include('probe:mode: must be of type string, got ["secret"]');
    });
  });
});

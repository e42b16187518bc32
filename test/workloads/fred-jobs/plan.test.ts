/**
 * FRED jobs API in the whole program: both stacks through the offline engine, as `npm run plan` runs
 * them (test/plan.test.ts covers what the platform itself creates).
 */
import { expect } from "chai";
import type { PlannedResource } from "../../../engine/engine";
import { byId, describeEachStack, ofType } from "../../helpers/plan-queries";

describeEachStack(
  (stack) => `FRED jobs API in the ${stack} stack, planned offline`,
  (s) => {
    const { stack } = s;

    const inFred = (r: PlannedResource): boolean => {
      const parent = s.p.resources.find((c) => c.urn === r.parent);
      return parent !== undefined && (parent.name === "fred-jobs" || inFred(parent));
    };

    it("sizes the web-app functions at 512 MB in dev and 1024 MB in prod (the stack files' lever)", () => {
      const memory = (name: string) =>
        ofType(s.p, "aws:lambda/function:Function").find((f) => f.name === name)?.inputs.memorySize;
      const want = stack === "dev" ? 512 : 1024;
      expect([memory("fred-jobs-fn"), memory("finance-api-fn")]).to.deep.equal([want, want]);
    });

    it("shows the API, every route but /health behind IAM, its database and bucket", () => {
      expect(s.result.stdout).to.include("REST API fred-jobs-api (us-east-1), stage v1:");
      expect(s.result.stdout).to.match(/GET +\/health +NONE +→ fred-jobs-fn/);
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
        expect(s.result.stdout).to.match(
          new RegExp(`${method} +${escaped} +AWS_IAM +→ fred-jobs-fn`),
        );
      }
      // prod: an instance of its own; dev: a database on the shared instance.
      expect(s.result.stdout).to.match(
        stack === "prod"
          ? /Instance fred-jobs-db \(us-east-1\): postgres 18 db\.t4g\.small, Multi-AZ, deletion protection, backups 14 d, protected/
          : /Instance shared-db \(us-east-1\): postgres 18 db\.t4g\.micro, single-AZ, backups 1 d$/m,
      );
      expect(s.result.stdout).to.include("Bucket fred-jobs-uploads (us-east-1)");
    });

    it("runs the image by digest in the private subnets, reaching the database on 5432 only", () => {
      const fn = ofType(s.p, "aws:lambda/function:Function").find(
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
      const privateIds = ofType(s.p, "aws:ec2/subnet:Subnet")
        .filter((sn) => sn.region === "us-east-1" && sn.name.includes("-private-"))
        .map((sn) => sn.id);
      expect(vpc.subnetIds).to.have.members(privateIds);
      const rule = ofType(s.p, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").find(
        (r) =>
          r.name ===
          (stack === "prod"
            ? "fred-jobs-db-from-fred-jobs"
            : "shared-db-from-fred-jobs-db-fred-jobs"),
      )!;
      expect(rule.inputs).to.include({ fromPort: 5432, toPort: 5432 });
      expect(rule.inputs.referencedSecurityGroupId).to.equal(vpc.securityGroupIds[0]);
    });

    it("puts the database in isolated subnets, TLS only, and protects it in prod", () => {
      const db =
        stack === "prod"
          ? ofType(s.p, "aws:rds/instance:Instance").find(inFred)!
          : ofType(s.p, "aws:rds/instance:Instance").find((i) => i.name === "shared-db")!;
      expect(db.inputs).to.include({ publiclyAccessible: false, storageEncrypted: true });
      expect((db as PlannedResource & { options: { protect: boolean } }).options.protect).to.equal(
        stack === "prod",
      );
      const group = ofType(s.p, "aws:rds/subnetGroup:SubnetGroup").find((g) =>
        stack === "prod" ? inFred(g) : g.name === "shared-db-subnets",
      )!;
      for (const id of group.inputs.subnetIds as string[]) {
        expect(byId(s.p, id)?.name, id).to.match(/-isolated-/);
      }
    });

    it("exports the URL, function, security group, bucket and database endpoint", () => {
      expect(s.p.outputs.fredJobsApiUrl).to.match(
        /^https:\/\/\w+\.execute-api\.us-east-1\.amazonaws\.com\/v1$/,
      );
      expect(s.p.outputs.fredJobsSecurityGroupId).to.match(/^sg-/);
      expect(s.p.outputs.fredJobsUploadBucket).to.match(/^fred-jobs-uploads-/);
      expect(s.p.outputs.fredJobsDatabaseEndpoint).to.match(/\.rds\.amazonaws\.com$/);
    });
  },
);

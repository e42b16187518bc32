import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import {
  concurrencyShortfall,
  LAMBDA_CONCURRENCY_QUOTA,
  protectStatefulResources,
  requireConcurrencyQuota,
  STATEFUL_TYPES,
  tallyReservedConcurrency,
  UNRESERVED_CONCURRENCY_MINIMUM,
} from "../../components/guards";
import {
  applyPermissionsBoundary,
  WORKLOAD_BOUNDARY_NAME,
} from "../../components/permissions-boundary";
import { FRESH_ACCOUNT } from "../../engine/fake-cloud";
import { finder, runStackWithMocks, runWithMocks } from "../helpers/mock-runtime";

/** Registers a stack transformation that records the options each resource ends up with. */
function recordOptions(): Map<string, pulumi.CustomResourceOptions> {
  const seen = new Map<string, pulumi.CustomResourceOptions>();
  pulumi.runtime.registerStackTransformation((args) => {
    seen.set(args.name, args.opts);
    return undefined;
  });
  return seen;
}

/** A resource of another type that takes any input, unlike the generated classes. */
class Reserving extends pulumi.CustomResource {
  constructor(name: string, props: pulumi.Inputs) {
    super("test:index:Reserving", name, props);
  }
}

describe("guards", () => {
  describe("protectStatefulResources", () => {
    it("protects every stateful type, and nothing else", async () => {
      let seen = new Map<string, pulumi.CustomResourceOptions>();
      await runStackWithMocks(() => {
        protectStatefulResources();
        seen = recordOptions();
        new aws.s3.Bucket("bucket");
        new aws.dynamodb.Table("table", { attributes: [{ name: "pk", type: "S" }], hashKey: "pk" });
        new aws.secretsmanager.Secret("secret");
        new aws.ecr.Repository("repo");
        new aws.cognito.UserPool("pool");
        new aws.sqs.Queue("queue");
        new aws.s3.BucketPolicy("bucket-policy", { bucket: "b", policy: "{}" });
      });
      const protectedNames = [...seen].filter(([, opts]) => opts.protect === true).map(([n]) => n);
      expect(protectedNames.sort()).to.deep.equal(["bucket", "pool", "repo", "secret", "table"]);
      expect(seen.get("queue")?.protect).to.equal(undefined);
      expect(seen.get("bucket-policy")?.protect).to.equal(undefined);
    });

    it("keeps the options a resource was given", async () => {
      let seen = new Map<string, pulumi.CustomResourceOptions>();
      await runStackWithMocks(() => {
        protectStatefulResources();
        seen = recordOptions();
        new aws.s3.Bucket("bucket", {}, { ignoreChanges: ["tags"] });
      });
      expect(seen.get("bucket")).to.deep.include({ protect: true, ignoreChanges: ["tags"] });
    });

    it("lists the types whose loss loses data", () => {
      expect(STATEFUL_TYPES).to.deep.equal([
        "aws:rds/instance:Instance",
        "aws:rds/cluster:Cluster",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "aws:dynamodb/table:Table",
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketV2:BucketV2",
        "aws:cognito/userPool:UserPool",
        "aws:secretsmanager/secret:Secret",
        "aws:ecr/repository:Repository",
      ]);
    });
  });

  describe("applyPermissionsBoundary", () => {
    it("sets the boundary on every role, and on nothing else", async () => {
      const find = finder(
        await runStackWithMocks(() => {
          applyPermissionsBoundary("arn:aws:iam::123456789012:policy/boundary");
          new aws.iam.Role("given", { assumeRolePolicy: "{}", permissionsBoundary: "arn:other" });
          new aws.iam.Role("plain", { assumeRolePolicy: "{}" });
          new aws.iam.Policy("policy", { policy: "{}" });
        }),
      );
      expect(find.named("given").inputs.permissionsBoundary).to.equal(
        "arn:aws:iam::123456789012:policy/boundary",
      );
      expect(find.named("plain").inputs).to.deep.equal({
        assumeRolePolicy: "{}",
        permissionsBoundary: "arn:aws:iam::123456789012:policy/boundary",
      });
      expect(find.named("policy").inputs).to.not.have.property("permissionsBoundary");
    });

    it("names the boundary the bootstrap template creates", () => {
      expect(WORKLOAD_BOUNDARY_NAME).to.equal("platform-workload-boundary");
    });
  });

  describe("tallyReservedConcurrency", () => {
    it("adds the positive reservations of functions only", async () => {
      let tally = { total: () => NaN };
      await runStackWithMocks(() => {
        tally = tallyReservedConcurrency();
        const fn = (name: string, reserved?: number) =>
          new aws.lambda.Function(name, {
            role: "arn:role",
            runtime: "nodejs20.x",
            handler: "index.handler",
            code: new pulumi.asset.AssetArchive({}),
            ...(reserved === undefined ? {} : { reservedConcurrentExecutions: reserved }),
          });
        fn("five", 5);
        fn("three", 3);
        fn("zero", 0);
        fn("unreserved", -1);
        fn("default");
        // Another type with the same input does not count (a Bucket would drop the unknown input,
        // so a bare custom resource carries it).
        new aws.s3.Bucket("bucket", { reservedConcurrentExecutions: 50 } as aws.s3.BucketArgs);
        new Reserving("not-a-function", { reservedConcurrentExecutions: 50 });
      });
      expect(tally.total()).to.equal(8);
    });
  });

  describe("concurrencyShortfall", () => {
    const args = { reserved: 20, elsewhere: 5, region: "eu-central-1" };
    it("fits at exactly 100 unreserved, and is one short below", () => {
      expect(UNRESERVED_CONCURRENCY_MINIMUM).to.equal(100);
      expect(concurrencyShortfall({ ...args, quota: 125 })).to.equal(undefined);
      expect(concurrencyShortfall({ ...args, quota: 126 })).to.equal(undefined);
      expect(concurrencyShortfall({ ...args, quota: 124 })).to.equal(
        "Lambda's concurrent executions quota (L-B99A9384) in eu-central-1 is 124; this stack " +
          "reserves 20, other stacks 5 (platform:reservedConcurrencyElsewhere), and Lambda keeps " +
          "100 unreserved: at least 125 is needed. Request it before deploying: aws service-quotas " +
          "request-service-quota-increase --service-code lambda --quota-code L-B99A9384 " +
          "--desired-value 1000 --region eu-central-1",
      );
    });
    it("counts the other stacks' reservations", () => {
      expect(concurrencyShortfall({ ...args, elsewhere: 6, quota: 125 })).to.be.a("string");
      expect(concurrencyShortfall({ ...args, reserved: 21, quota: 125 })).to.be.a("string");
    });
  });

  describe("requireConcurrencyQuota", () => {
    /** The quota the check passes on, or the error it fails the run with. */
    async function check(reserved: number, quota: number): Promise<number | Error> {
      let out: pulumi.Output<number> | undefined;
      await runWithMocks(
        () => {
          out = requireConcurrencyQuota({ reserved, elsewhere: 2 }, {});
        },
        {},
        { ...FRESH_ACCOUNT, lambdaConcurrencyQuota: quota },
      );
      return (out as unknown as { promise(): Promise<number> }).promise().then(
        (value) => value,
        (error: Error) => error,
      );
    }

    it("reads Lambda's quota (L-B99A9384) and passes it on when the reservations fit", async () => {
      expect(LAMBDA_CONCURRENCY_QUOTA).to.deep.equal({
        serviceCode: "lambda",
        quotaCode: "L-B99A9384",
      });
      expect(await check(8, 110)).to.equal(110);
    });

    it("fails the run with the shortfall when they do not", async () => {
      const failure = await check(9, 110);
      expect(failure).to.be.instanceOf(pulumi.RunError);
      expect((failure as Error).message).to.include(
        "quota (L-B99A9384) in us-east-1 is 110; this stack reserves 9, other stacks 2",
      );
    });
  });
});

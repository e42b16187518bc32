/**
 * Access logs in the planned stacks: which writers log where (the component's own tests are
 * test/components/access-log-bucket.test.ts; these plan whole stacks).
 */
import { expect } from "chai";
import type { PlannedResource } from "../engine/engine";
import { cachedPlan } from "./helpers/plan-cli";

const BUCKET = "aws:s3/bucket:Bucket";
const BUCKET_LOGGING = "aws:s3/bucketLogging:BucketLogging";
const LB = "aws:lb/loadBalancer:LoadBalancer";

describe("access logs in the stacks", () => {
  const byName = (resources: PlannedResource[], type: string, name: string) =>
    resources.find((r) => r.type === type && r.name === name)!;

  it("prod: the shared load balancer and the uploads bucket log to the home log bucket, after its policy", async () => {
    const run = await cachedPlan("prod");
    expect(run.code, run.stderr).to.equal(0);
    const resources = run.plan!.resources;
    const bucket = byName(resources, BUCKET, "home-access-logs");
    const policy = byName(resources, "aws:s3/bucketPolicy:BucketPolicy", "home-access-logs-policy");
    expect(bucket.region).to.equal("us-east-1");
    expect(bucket.options.protect).to.equal(true);
    expect(
      resources
        .filter((r) => r.type === LB)
        .map((lb) => [lb.name, lb.inputs.accessLogs, lb.dependencies.includes(policy.urn)]),
    ).to.deep.equal([
      // One prefix for every workload behind it.
      ["home-alb", { bucket: bucket.id, prefix: "elb/home-alb", enabled: true }, true],
    ]);
    const uploads = byName(resources, BUCKET, "fred-jobs-uploads");
    const logging = resources.filter((r) => r.type === BUCKET_LOGGING);
    expect(logging.map((l) => [l.name, l.inputs])).to.deep.equal([
      [
        "fred-jobs-uploads-logging",
        { bucket: uploads.id, targetBucket: bucket.id, targetPrefix: "s3/fred-jobs-uploads/" },
      ],
    ]);
    expect(logging[0]!.dependencies).to.include(policy.urn);
    // Every bucket but the log bucket logs its access.
    expect(resources.filter((r) => r.type === BUCKET).map((b) => b.name)).to.have.members([
      "home-access-logs",
      "fred-jobs-uploads",
    ]);
  });

  it("dev: no log bucket, no bucket logging, no load balancer access logs", async () => {
    const run = await cachedPlan("dev");
    expect(run.code, run.stderr).to.equal(0);
    const resources = run.plan!.resources;
    expect(resources.filter((r) => r.type === "platform:logs:AccessLogBucket")).to.deep.equal([]);
    expect(resources.filter((r) => r.type === BUCKET).map((b) => b.name)).to.deep.equal([
      "fred-jobs-uploads",
    ]);
    expect(resources.filter((r) => r.type === BUCKET_LOGGING)).to.deep.equal([]);
    const lbs = resources.filter((r) => r.type === LB);
    expect(lbs).to.have.length(1);
    for (const lb of lbs) expect(lb.inputs, lb.name).not.to.have.property("accessLogs");
  });
});

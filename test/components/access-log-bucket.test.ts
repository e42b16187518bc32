import { expect } from "chai";
import * as aws from "@pulumi/aws";
import {
  AccessLogBucket,
  type AccessLogBucketArgs,
  type AccessLogDestination,
} from "../../components/access-log-bucket";
import { Network } from "../../components/network";
import { PublicLoadBalancer } from "../../components/public-load-balancer";
import { FAKE_ACCOUNT_ID } from "../../engine/fake-cloud";
import {
  failureOf,
  finder,
  runWithMocks,
  statementsOf,
  type Registered,
} from "../helpers/mock-runtime";

const BUCKET_LOGGING = "aws:s3/bucketLogging:BucketLogging";

/** The log bucket in `region`, with whatever `extra` builds beside it from its target. */
function build(
  region: string,
  args: Partial<AccessLogBucketArgs> = {},
  extra?: (logs: AccessLogBucket, provider: aws.Provider) => void,
) {
  return () => {
    const provider = new aws.Provider("side", { region });
    const logs = new AccessLogBucket(
      "home-access-logs",
      { retentionInDays: 90, ...args },
      { provider },
    );
    extra?.(logs, provider);
  };
}

async function logBucketIn(
  region: string,
): Promise<ReturnType<typeof finder> & { bucket: Registered }> {
  const find = finder(await runWithMocks(build(region), { side: region }));
  return { ...find, bucket: find.named("home-access-logs") };
}

describe("AccessLogBucket", () => {
  it("encrypts with SSE-S3 (the only encryption ELB and S3 log delivery accept), owner-enforced and private", async () => {
    const { named, bucket } = await logBucketIn("us-east-1");
    const name = bucket.state.bucket as string;
    expect(named("home-access-logs-encryption").inputs).to.deep.equal({
      bucket: name,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    expect(named("home-access-logs-ownership").inputs).to.deep.equal({
      bucket: name,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    expect(named("home-access-logs-private").inputs).to.deep.equal({
      bucket: name,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(bucket.inputs).to.deep.equal({ forceDestroy: false });
  });

  it("expires every log after its retention", async () => {
    const { named, bucket } = await logBucketIn("us-east-1");
    expect(named("home-access-logs-lifecycle").inputs).to.deep.equal({
      bucket: bucket.state.bucket,
      rules: [{ id: "expire-logs", status: "Enabled", filter: {}, expiration: { days: 90 } }],
    });
    const short = finder(await runWithMocks(build("us-east-1", { retentionInDays: 7 })));
    expect(short.named("home-access-logs-lifecycle").inputs.rules[0].expiration).to.deep.equal({
      days: 7,
    });
  });

  it("denies requests without TLS, lets the region's ELB account and S3's logging service put logs under their prefixes", async () => {
    const { named, bucket } = await logBucketIn("us-east-1");
    const arn = bucket.state.arn as string;
    expect(statementsOf(named("home-access-logs-policy"))).to.deep.equal([
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [arn, `${arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      {
        Sid: "LoadBalancerAccessLogs",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::127311923021:root" },
        Action: "s3:PutObject",
        Resource: `${arn}/elb/*/AWSLogs/${FAKE_ACCOUNT_ID}/*`,
      },
      {
        Sid: "BucketServerAccessLogs",
        Effect: "Allow",
        Principal: { Service: "logging.s3.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${arn}/s3/*`,
        Condition: { StringEquals: { "aws:SourceAccount": FAKE_ACCOUNT_ID } },
      },
    ]);
  });

  it("names the ELB account of its own region (eu-central-1: 054676820928)", async () => {
    const { named } = await logBucketIn("eu-central-1");
    const elb = statementsOf(named("home-access-logs-policy")).find(
      (s) => s.Sid === "LoadBalancerAccessLogs",
    )!;
    expect(elb.Principal).to.deep.equal({ AWS: "arn:aws:iam::054676820928:root" });
  });

  it("does not log its own access (that would log its logs in a loop)", async () => {
    const all = await runWithMocks(build("us-east-1"), { side: "us-east-1" });
    expect(all.filter((r) => r.type === BUCKET_LOGGING)).to.deep.equal([]);
  });

  it("gives each writer a prefix of its own, waiting for the policy", async () => {
    let destinations: AccessLogDestination[] = [];
    let logs: AccessLogBucket | undefined;
    await runWithMocks(
      build("us-east-1", {}, (made) => {
        logs = made;
        destinations = [made.forLoadBalancer("quickbets-ws"), made.forBucket("fred-jobs-uploads")];
      }),
    );
    expect(destinations.map((d) => d.prefix)).to.deep.equal([
      "elb/quickbets-ws",
      "s3/fred-jobs-uploads/",
    ]);
    for (const d of destinations) expect(d.policy).to.equal(logs!.policy);
  });

  it("refuses a writer name that is no key prefix, and a retention below a day", async () => {
    for (const bad of ["Quickbets", "a/b", "", "x-AWSLogs"]) {
      expect(
        (await failureOf(build("us-east-1", {}, (logs) => logs.forLoadBalancer(bad))))?.message,
        bad,
      ).to.match(/is not a writer name/);
    }
    expect((await failureOf(build("us-east-1", { retentionInDays: 0 })))?.message).to.include(
      "retentionInDays 0 must be a whole number of 1 or more",
    );
  });

  it("takes writer names of lowercase letters, digits and hyphens, for buckets as for load balancers", async () => {
    let prefixes: string[] = [];
    await runWithMocks(
      build("us-east-1", {}, (logs) => {
        prefixes = [logs.forLoadBalancer("9-lb-"), logs.forBucket("a")].map((d) => d.prefix);
      }),
    );
    expect(prefixes).to.deep.equal(["elb/9-lb-", "s3/a/"]);
    for (const bad of ["-a", "a_b", "awslogs-AWSLogs", "a b"]) {
      expect(
        (await failureOf(build("us-east-1", {}, (logs) => logs.forBucket(bad))))?.message,
        bad,
      ).to.equal(
        `AccessLogBucket: ${JSON.stringify(bad)} is not a writer name (lowercase letters, digits, hyphens)`,
      );
    }
  });

  it("keeps logs a whole number of days, one at least", async () => {
    const one = finder(await runWithMocks(build("us-east-1", { retentionInDays: 1 })));
    expect(one.named("home-access-logs-lifecycle").inputs.rules[0].expiration).to.deep.equal({
      days: 1,
    });
    for (const days of [0.5, 1.5, -1]) {
      expect((await failureOf(build("us-east-1", { retentionInDays: days })))?.message).to.equal(
        `AccessLogBucket home-access-logs: retentionInDays ${days} must be a whole number of 1 or more`,
      );
    }
  });

  it("deletes its logs on destroy only when asked, and runs each hook over its child", async () => {
    const find = finder(
      await runWithMocks(
        build("us-east-1", {
          forceDestroy: true,
          transform: {
            bucket: { tags: { data: "logs" } },
            lifecycle: (args) => {
              args.expectedBucketOwner = "123456789012";
            },
            policy: { bucket: "other" },
          },
        }),
      ),
    );
    expect(find.named("home-access-logs").inputs).to.deep.equal({
      forceDestroy: true,
      tags: { data: "logs" },
    });
    expect(find.named("home-access-logs-lifecycle").inputs.expectedBucketOwner).to.equal(
      "123456789012",
    );
    expect(find.named("home-access-logs-policy").inputs.bucket).to.equal("other");
  });

  it("turns a load balancer's access logs on to its destination", async () => {
    const find = finder(
      await runWithMocks(
        build("us-east-1", {}, (logs, provider) => {
          const network = new Network(
            "home",
            { cidrBlock: "10.10.0.0/16", availabilityZones: ["us-east-1a", "us-east-1b"] },
            { provider },
          );
          new PublicLoadBalancer(
            "web",
            {
              network,
              allowHttp: true,
              deletionProtection: false,
              accessLogs: logs.forLoadBalancer("web"),
            },
            { provider },
          );
        }),
        { side: "us-east-1" },
      ),
    );
    expect(find.named("web").inputs.accessLogs).to.deep.equal({
      bucket: find.named("home-access-logs").state.bucket,
      prefix: "elb/web",
      enabled: true,
    });
  });
});

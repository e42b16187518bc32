import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { uploadsBucket, type UploadsBucketArgs } from "../../components/uploads-bucket";
import { finder, runWithMocks, statementsOf } from "../helpers/mock-runtime";

class Owner extends pulumi.ComponentResource {
  constructor(opts?: pulumi.ComponentResourceOptions) {
    super("test:index:Owner", "owner", {}, opts);
  }
}

async function build(args: Partial<UploadsBucketArgs> = {}) {
  return finder(
    await runWithMocks(() => {
      uploadsBucket("up", { prefix: "in/", ...args }, new Owner());
    }),
  );
}

describe("uploadsBucket", () => {
  it("private, SSE-S3 with a bucket key, owner-enforced, TLS only, kept on destroy", async () => {
    const find = await build();
    const bucket = find.named("up");
    expect(bucket.inputs.forceDestroy).to.equal(false);
    expect(find.named("up-private").inputs).to.deep.equal({
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(find.named("up-encryption").inputs).to.deep.equal({
      bucket: bucket.id,
      rules: [
        { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true },
      ],
    });
    expect(find.named("up-ownership").inputs).to.deep.equal({
      bucket: bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    expect(find.named("up-tls-only").inputs.bucket).to.equal(bucket.id);
    expect(statementsOf(find.named("up-tls-only"))).to.deep.equal([
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucket.state.arn, `${bucket.state.arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
    expect(find.named("up-lifecycle").inputs).to.deep.equal({
      bucket: bucket.id,
      rules: [
        {
          id: "abort-incomplete-multipart",
          status: "Enabled",
          filter: { prefix: "in/" },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        },
      ],
    });
    // No origins, no CORS.
    expect(find.ofType("aws:s3/bucketCorsConfiguration:BucketCorsConfiguration")).to.deep.equal([]);
  });

  it("lets the listed origins PUT, caching the preflight 600 s by default", async () => {
    const find = await build({ corsOrigins: ["https://app.example.com"], forceDestroy: true });
    expect(find.named("up").inputs.forceDestroy).to.equal(true);
    expect(find.named("up-cors").inputs.corsRules).to.deep.equal([
      {
        allowedMethods: ["PUT"],
        allowedOrigins: ["https://app.example.com"],
        allowedHeaders: ["Content-Type", "Content-MD5"],
        maxAgeSeconds: 600,
      },
    ]);
  });

  it("runs each hook over its child's args", async () => {
    const find = await build({
      corsOrigins: ["https://a.example.com"],
      transform: {
        bucket: { tags: { data: "uploads" } },
        bucketLifecycle: (args) => {
          args.expectedBucketOwner = "123456789012";
        },
        bucketCors: { expectedBucketOwner: "210987654321" },
      },
    });
    expect(find.named("up").inputs.tags).to.deep.equal({ data: "uploads" });
    expect(find.named("up-lifecycle").inputs.expectedBucketOwner).to.equal("123456789012");
    expect(find.named("up-cors").inputs.expectedBucketOwner).to.equal("210987654321");
  });

  it("creates every child under the owner, on the owner's provider", async () => {
    const resources = await runWithMocks(
      () => {
        const home = new aws.Provider("home", { region: "eu-west-1" });
        uploadsBucket(
          "up",
          { prefix: "in/", corsOrigins: ["https://app.example.com"] },
          new Owner({ providers: [home] }),
        );
      },
      { home: "eu-west-1" },
    );
    const placed = resources.map((r) => [r.name, r.provider, r.region]);
    expect(placed.sort()).to.deep.equal(
      [
        "up",
        "up-private",
        "up-encryption",
        "up-ownership",
        "up-tls-only",
        "up-lifecycle",
        "up-cors",
      ]
        .sort()
        .map((name) => [name, "home", "eu-west-1"]),
    );
  });
});

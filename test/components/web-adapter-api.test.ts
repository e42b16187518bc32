import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import type * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { Network } from "../../components/network";
import { Postgres } from "../../components/postgres";
import { contextDigest, imageBuildTag, type ImageBuildInputs } from "../../components/image-build";
import { uploadsLifecycleRule } from "../../components/uploads-bucket";
import {
  appAccess,
  WebAdapterApi,
  webAdapterRoutes,
  type WebAdapterApiArgs,
} from "../../components/web-adapter-api";
import {
  failureOf,
  finder,
  inHomeRegion,
  runWithMocks,
  statementsOf,
} from "../helpers/mock-runtime";

const ROUTES: WebAdapterApiArgs["routes"] = {
  health: { method: "GET", path: "/health", authorization: "none" },
  "create-job": { method: "POST", path: "/api/v1/jobs" },
  "get-job": { method: "GET", path: "/api/v1/jobs/{jobId}" },
};

type Packaging = "image" | "zip";

function build(packaging: Packaging, overrides: Partial<WebAdapterApiArgs> = {}) {
  return inHomeRegion((provider) => {
    const network = new Network(
      "home",
      { cidrBlock: "10.10.0.0/16", availabilityZones: ["us-east-1a", "us-east-1b"] },
      { provider },
    );
    const database = new Postgres(
      "db",
      { network, identifier: "web-dev", databaseName: "app" },
      { provider },
    );
    new WebAdapterApi(
      "web",
      {
        packaging:
          packaging === "image"
            ? { image: { context: "containers/web-api" } }
            : { zip: { entry: "test/fixtures/web/server.ts" } },
        routes: ROUTES,
        catchAll: true,
        network,
        database,
        uploads: { prefix: "uploads/", expireAfterDays: 30 },
        corsOrigins: ["https://app.example.com"],
        secrets: { FRED_API: "arn:aws:secretsmanager:us-east-1:123456789012:secret:fred-AbCdEf" },
        logRetentionInDays: 30,
        ...overrides,
      },
      { provider },
    );
  });
}

describe("WebAdapterApi", () => {
  for (const packaging of ["image", "zip"] as const) {
    describe(`packaged as ${packaging === "image" ? "a container image" : "a zip with the adapter layer"}`, () => {
      let find: ReturnType<typeof finder>;
      before(async () => {
        find = finder(await runWithMocks(build(packaging), { home: "us-east-1" }));
      });

      it("maps routes to resources and methods, IAM by default, the health route open", () => {
        const methods = find.ofType("aws:apigateway/method:Method");
        const auth = Object.fromEntries(
          methods
            .filter((m) => m.inputs.httpMethod !== "OPTIONS")
            .map((m) => [m.name, m.inputs.authorization]),
        );
        expect(auth).to.deep.equal({
          "web-health-method": "NONE",
          "web-create-job-method": "AWS_IAM",
          "web-get-job-method": "AWS_IAM",
          "web-proxy-method": "AWS_IAM",
        });
        expect(find.named("web-proxy-method").inputs.httpMethod).to.equal("ANY");
        expect(find.named("web-api-v1-jobs-jobid").inputs.pathPart).to.equal("{jobId}");
        const options = methods.filter((m) => m.inputs.httpMethod === "OPTIONS");
        expect(options.every((m) => m.inputs.authorization === "NONE")).to.be.true;
        expect(options).to.have.length(4);
      });

      it("throttles the stage at 500/1000 by default, with access logs and X-Ray", () => {
        expect(find.named("web-throttling").inputs.settings).to.include({
          throttlingRateLimit: 500,
          throttlingBurstLimit: 1000,
        });
        const stage = find.named("web-stage");
        expect(stage.inputs).to.include({ stageName: "v1", xrayTracingEnabled: true });
        expect(stage.inputs.accessLogSettings.destinationArn).to.equal(
          find.named("web-access-logs").state.arn,
        );
      });

      it("scopes the invoke permission to the API, per method and path", () => {
        const executionArn = find.named("web-api").state.executionArn as string;
        expect(find.named("web-proxy-invoke").inputs.sourceArn).to.equal(`${executionArn}/*/*/*`);
        expect(find.named("web-get-job-invoke").inputs.sourceArn).to.equal(
          `${executionArn}/*/GET/api/v1/jobs/*`,
        );
      });

      it("runs in the private subnets with a group of its own, allowed into the database on 5432", () => {
        const fn = find.named("web-fn");
        const sg = find.named("web-fn-sg");
        const privateSubnets = find
          .ofType("aws:ec2/subnet:Subnet")
          .filter((s) => s.name.includes("-private-"))
          .map((s) => s.id);
        expect(fn.inputs.vpcConfig.subnetIds).to.have.members(privateSubnets);
        expect(fn.inputs.vpcConfig.securityGroupIds).to.deep.equal([sg.id]);
        expect(find.named("db-from-web").inputs).to.include({
          securityGroupId: find.named("db-sg").id,
          referencedSecurityGroupId: sg.id,
          fromPort: 5432,
          toPort: 5432,
        });
        expect(find.named("web-fn-to-db").inputs).to.include({
          securityGroupId: sg.id,
          referencedSecurityGroupId: find.named("db-sg").id,
          fromPort: 5432,
        });
      });

      it("answers a function it cannot invoke (throttled) with 503 Retry-After, not 500", () => {
        const response = find.named("web-integration-failure");
        expect(response.inputs).to.deep.include({
          responseType: "INTEGRATION_FAILURE",
          statusCode: "503",
        });
        expect(response.inputs.responseParameters).to.deep.include({
          "gatewayresponse.header.Retry-After": "'1'",
          "gatewayresponse.header.Access-Control-Allow-Origin": "'https://app.example.com'",
        });
      });

      it("tells the app its CORS origins, so its own answers carry the headers", () => {
        const variables = find.named("web-fn").inputs.environment.variables;
        expect(variables.CORS_ORIGINS).to.equal("https://app.example.com");
      });

      it("passes the database and secrets by name and ARN, never a secret value", () => {
        const variables = find.named("web-fn").inputs.environment.variables as Record<
          string,
          string
        >;
        const db = find.named("db");
        expect(variables).to.include({
          DB_HOST: db.state.address,
          DB_PORT: "5432",
          DB_NAME: "app",
          DB_USER: "app_admin",
          DB_SECRET_ARN: db.state.masterUserSecrets[0].secretArn,
          FRED_API_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:fred-AbCdEf",
          AWS_LWA_PORT: "8080",
          AWS_LWA_READINESS_CHECK_PATH: "/health",
          UPLOAD_PREFIX: "uploads/",
        });
        expect(Object.keys(variables).filter((k) => /PASSWORD|TOKEN|KEY$/.test(k))).to.deep.equal(
          [],
        );
        const reads = statementsOf(find.named("web-policy")).filter(
          (s) => s.Action === "secretsmanager:GetSecretValue",
        );
        expect(reads.flatMap((s) => [s.Resource].flat())).to.have.members([
          db.state.masterUserSecrets[0].secretArn,
          "arn:aws:secretsmanager:us-east-1:123456789012:secret:fred-AbCdEf",
        ]);
      });

      it("lets the app presign PUTs under the prefix of a private, TLS-only bucket, nothing more", () => {
        const bucket = find.named("web-uploads");
        const s3 = statementsOf(find.named("web-policy")).filter((s) =>
          String(s.Action).startsWith("s3:"),
        );
        expect(s3).to.deep.equal([
          {
            Sid: "PresignUploads",
            Effect: "Allow",
            Action: "s3:PutObject",
            Resource: `${bucket.state.arn}/uploads/*`,
          },
        ]);
        expect(find.named("web-uploads-private").inputs).to.include({
          blockPublicAcls: true,
          blockPublicPolicy: true,
          ignorePublicAcls: true,
          restrictPublicBuckets: true,
        });
        const deny = statementsOf(find.named("web-uploads-tls-only"))[0]!;
        expect(deny).to.deep.include({
          Effect: "Deny",
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        });
        expect(find.named("web-uploads-cors").inputs.corsRules[0].allowedMethods).to.deep.equal([
          "PUT",
        ]);
      });

      if (packaging === "image") {
        it("builds the image into a scan-on-push repository and runs it by digest", () => {
          const repo = find.named("web-image");
          expect(repo.inputs.imageScanningConfiguration).to.deep.equal({ scanOnPush: true });
          const image = find.ofType("docker-build:index:Image")[0]!;
          expect(image.inputs.push).to.be.true;
          expect(image.inputs.platforms).to.deep.equal(["linux/arm64"]);
          expect(image.inputs.tags[0]).to.match(/:build-[0-9a-f]{16}$/);
          const fn = find.named("web-fn");
          // Lambda refuses docker-build's `repo:tag@digest` ref: the function runs `repo@digest`.
          expect(fn.inputs).to.include({
            packageType: "Image",
            imageUri: `${repo.state.repositoryUrl}@${image.state.digest}`,
          });
          expect(fn.inputs.imageUri).to.match(
            /^\d{12}\.dkr\.ecr\.us-east-1\.amazonaws\.com\/[a-z0-9._/-]+@sha256:[0-9a-f]{64}$/,
          );
          expect(fn.inputs.layers ?? []).to.deep.equal([]);
        });
      } else {
        it("bundles the app and runs it through the adapter layer's exec wrapper", () => {
          const fn = find.named("web-fn");
          expect(fn.inputs).to.include({ handler: "run.sh", runtime: "nodejs24.x" });
          expect(fn.inputs.layers).to.deep.equal([
            "arn:aws:lambda:us-east-1:753240598075:layer:LambdaAdapterLayerArm64:26",
          ]);
          expect(fn.inputs.environment.variables.AWS_LAMBDA_EXEC_WRAPPER).to.equal(
            "/opt/bootstrap",
          );
        });

        it("deploys a zip it wrote, with run.sh executable and its hash as sourceCodeHash", async () => {
          const fn = find.named("web-fn");
          const file = await (fn.inputs.code as pulumi.asset.FileArchive).path;
          const script =
            "import json, sys, zipfile\n" +
            "print(json.dumps({i.filename: i.external_attr >> 16 for i in zipfile.ZipFile(sys.argv[1]).infolist()}))";
          const modes = JSON.parse(
            execFileSync("python3", ["-c", script, file], { encoding: "utf8" }),
          ) as Record<string, number>;
          expect(modes).to.deep.equal({
            "index.js": 0o100644,
            "index.js.map": 0o100644,
            "run.sh": 0o100755,
          });
          expect(fn.inputs.sourceCodeHash).to.equal(
            createHash("sha256").update(fs.readFileSync(file)).digest("base64"),
          );
        });
      }
    });
  }

  it("contextDigest changes with content and ignores node_modules", () => {
    const a = contextDigest("test/fixtures/web");
    expect(a).to.match(/^[0-9a-f]{64}$/);
    expect(contextDigest("test/fixtures/web")).to.equal(a);
    expect(contextDigest("test/fixtures/handlers")).not.to.equal(a);
  });

  describe("forceDestroy: what a destroy may delete with its contents", () => {
    const contents = async (overrides: Partial<WebAdapterApiArgs>) => {
      const find = finder(await runWithMocks(build("image", overrides)));
      return [
        find.named("web-image").inputs.forceDelete,
        find.named("web-uploads").inputs.forceDestroy,
      ];
    };
    it("keeps images and uploads by default (a destroy stops at the first one)", async () => {
      expect(await contents({})).to.deep.equal([false, false]);
    });
    it("deletes both with their contents when asked (dev)", async () => {
      expect(await contents({ forceDestroy: true })).to.deep.equal([true, true]);
    });
  });

  describe("imageBuildTag: a new tag for every change of what the build uses", () => {
    const base: ImageBuildInputs = {
      contextDigest: "a".repeat(64),
      dockerfile: "Dockerfile",
      platforms: ["linux/arm64"],
      buildArgs: { NODE_VERSION: "24" },
    };
    const tag = imageBuildTag(base);
    it("is build- and 16 hex, the same for the same inputs", () => {
      expect(tag).to.match(/^build-[0-9a-f]{16}$/);
      expect(imageBuildTag({ ...base, buildArgs: { NODE_VERSION: "24" } })).to.equal(tag);
    });
    const changes: [string, Partial<ImageBuildInputs>][] = [
      ["the sources", { contextDigest: "b".repeat(64) }],
      ["the Dockerfile", { dockerfile: "Dockerfile.lambda" }],
      ["the platform", { platforms: ["linux/amd64"] }],
      ["a second platform", { platforms: ["linux/arm64", "linux/amd64"] }],
      ["a build argument's value", { buildArgs: { NODE_VERSION: "22" } }],
      ["an added build argument", { buildArgs: { NODE_VERSION: "24", DEBUG: "1" } }],
      ["no build arguments", { buildArgs: {} }],
      ["the target stage", { target: "runtime" }],
    ];
    for (const [what, change] of changes) {
      it(`changes with ${what}`, () => {
        expect(imageBuildTag({ ...base, ...change })).not.to.equal(tag);
      });
    }
    it("ignores the order of build arguments and platforms", () => {
      const two = {
        ...base,
        platforms: ["linux/arm64", "linux/amd64"],
        buildArgs: { A: "1", B: "2" },
      };
      expect(imageBuildTag(two)).to.equal(
        imageBuildTag({
          ...two,
          platforms: ["linux/amd64", "linux/arm64"],
          buildArgs: { B: "2", A: "1" },
        }),
      );
    });
  });

  describe("rejects bad args, naming each", () => {
    const cases: [string, Partial<WebAdapterApiArgs>, string][] = [
      ["the runtime API's port", { port: 9001 }, "port: 9001"],
      ["a relative readiness path", { readinessPath: "health" }, "readinessPath"],
      ["a prefix without a slash", { uploads: { prefix: "uploads" } }, "uploads.prefix"],
      [
        "a lower-case secret name",
        { secrets: { fred: "arn:aws:secretsmanager:x" } },
        "secrets.fred",
      ],
      [
        "a context outside containers/",
        { packaging: { image: { context: "functions" } } },
        "packaging.image.context",
      ],
      ["a database without a network", { network: undefined }, "database needs network"],
    ];
    for (const [title, overrides, fragment] of cases) {
      it(title, async () => {
        expect((await failureOf(build("image", overrides)))?.message).to.include(fragment);
      });
    }
  });

  describe("appAccess: variables and statements for what the app uses", () => {
    const base = { port: 8080, readinessPath: "/health", corsOrigins: [], secrets: {} };
    const uploads = { bucketName: "b", bucketArn: "arn:aws:s3:::b", prefix: "in/" };
    const database = { host: "h", port: "5432", name: "n", user: "u", secretArn: "arn:db" };
    const cases: [string, Partial<Parameters<typeof appAccess>[0]>, string[], string[]][] = [
      ["nothing but the adapter", {}, ["AWS_LWA_PORT", "PORT", "CORS_ORIGINS"], []],
      ["an uploads bucket", { uploads }, ["UPLOAD_BUCKET", "UPLOAD_PREFIX"], ["PresignUploads"]],
      ["a database", { database }, ["DB_HOST", "DB_SECRET_ARN"], ["DatabaseCredentials"]],
      ["secrets", { secrets: { FRED_API: "arn:s" } }, ["FRED_API_SECRET_ARN"], ["AppSecrets"]],
    ];
    for (const [title, spec, variables, sids] of cases) {
      it(title, () => {
        const access = appAccess({ ...base, ...spec });
        expect(access.environment).to.include.keys(...variables);
        expect(access.statements.map((s) => s.Sid)).to.deep.equal(sids);
      });
    }
  });

  describe("webAdapterRoutes", () => {
    const target = { functionName: "fn", invokeArn: "arn" };
    const cases: [string, boolean, Record<string, [string, string]>][] = [
      ["routes only", false, { health: ["GET /health", "none"], jobs: ["POST /jobs", "iam"] }],
      [
        "with the catch-all, behind the default authorization",
        true,
        {
          health: ["GET /health", "none"],
          jobs: ["POST /jobs", "iam"],
          proxy: ["ANY /{proxy+}", "iam"],
        },
      ],
    ];
    for (const [title, catchAll, expected] of cases) {
      it(title, () => {
        const routes = webAdapterRoutes(
          {
            health: { method: "GET", path: "/health", authorization: "none" },
            jobs: { method: "POST", path: "/jobs" },
          },
          target,
          "iam",
          catchAll,
        );
        expect(
          Object.fromEntries(
            Object.entries(routes).map(([n, r]) => [n, [`${r.method} ${r.path}`, r.authorization]]),
          ),
        ).to.deep.equal(expected);
      });
    }
  });

  describe("uploadsLifecycleRule", () => {
    const cases: [string, Parameters<typeof uploadsLifecycleRule>[0], object][] = [
      [
        "multipart cleanup after a day",
        { prefix: "u/" },
        { abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } },
      ],
      ["expiry when asked", { prefix: "u/", expireAfterDays: 30 }, { expiration: { days: 30 } }],
      [
        "a cleanup period of its own",
        { prefix: "u/", abortIncompleteAfterDays: 3 },
        { abortIncompleteMultipartUpload: { daysAfterInitiation: 3 } },
      ],
    ];
    for (const [title, args, expected] of cases) {
      it(title, () => {
        const rule = uploadsLifecycleRule(args);
        expect(rule).to.deep.include({ filter: { prefix: "u/" }, ...expected });
        if (!args.expireAfterDays) expect(rule).not.to.have.property("expiration");
      });
    }
  });

  it("takes its tunables and runs each hook over its children's args", async () => {
    const find = finder(
      await runWithMocks(
        build("image", {
          memorySize: 2048,
          corsMaxAgeSeconds: 300,
          uploads: { prefix: "uploads/", abortIncompleteAfterDays: 2 },
          packaging: { image: { context: "containers/web-api", keep: 5 } },
          transform: {
            securityGroup: { tags: { team: "jobs" } },
            egressRule: (a, _o, n) => {
              if (n === "web-fn-https-out") a.description = "out";
            },
            function: (a) => ({
              ...a,
              transform: { function: { ephemeralStorage: { size: 2048 } } },
            }),
            api: (a) => ({ ...a, transform: { stage: { cacheClusterEnabled: true } } }),
            image: { noCache: true },
            bucket: { objectLockEnabled: true },
            bucketLifecycle: (a) => ({ ...a, expectedBucketOwner: "123456789012" }),
            bucketCors: { expectedBucketOwner: "123456789012" },
          },
        }),
      ),
    );
    expect(find.named("web-fn").inputs).to.deep.include({
      memorySize: 2048,
      ephemeralStorage: { size: 2048 },
    });
    expect(find.named("web-uploads-cors").inputs.corsRules[0].maxAgeSeconds).to.equal(300);
    expect(
      find.named("web-uploads-lifecycle").inputs.rules[0].abortIncompleteMultipartUpload,
    ).to.deep.equal({ daysAfterInitiation: 2 });
    expect(
      find.named("web-api-v1-jobs-options-integration-response").inputs.responseParameters,
    ).to.include({ "method.response.header.Access-Control-Max-Age": "'300'" });
    const keep = JSON.parse(find.named("web-image-lifecycle").inputs.policy as string) as {
      rules: { selection: { countNumber: number } }[];
    };
    expect(keep.rules[1]!.selection.countNumber).to.equal(5);
    expect(find.named("web-fn-sg").inputs.tags).to.deep.equal({ team: "jobs" });
    expect(find.named("web-fn-https-out").inputs.description).to.equal("out");
    expect(find.named("web-fn-to-db").inputs.description).to.equal("PostgreSQL");
    expect(find.named("web-stage").inputs.cacheClusterEnabled).to.equal(true);
    expect(find.ofType("docker-build:index:Image")[0]!.inputs.noCache).to.equal(true);
    expect(find.named("web-uploads").inputs.objectLockEnabled).to.equal(true);
    expect(find.named("web-uploads-lifecycle").inputs.expectedBucketOwner).to.equal("123456789012");
    expect(find.named("web-uploads-cors").inputs.expectedBucketOwner).to.equal("123456789012");
  });
});

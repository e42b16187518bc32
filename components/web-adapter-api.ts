import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import type { AccessLogDestination } from "./access-log-bucket";
import { BUNDLE_FILE, PROJECT_ROOT, bundleHandler } from "./bundle";
import { BundledFunction, NODE_RUNTIME } from "./bundled-function";
import { imageRepository } from "./ecr";
import { policyDocument, type PolicyStatement } from "./iam";
import type { Network } from "./network";
import type { Postgres } from "./postgres";
import { RestApi, type RestApiRoute, type RouteAuthorization } from "./rest-api";
import type { HttpMethod } from "./rest-routes";
import { writeZip } from "./zip-archive";
import type { LogRetentionDays } from "./profile";

/** Directories a build context never sends (the Dockerfile builds them itself). */
const CONTEXT_EXCLUDED = new Set(["node_modules", "dist", ".git"]);

/**
 * SHA-256 over a build context's files (paths and contents, sorted), without what
 * CONTEXT_EXCLUDED names: equal sources give equal digests on every machine.
 */
export function contextDigest(dir: string): string {
  const hash = createHash("sha256");
  const walk = (relative: string): void => {
    const entries = fs
      .readdirSync(path.join(dir, relative), { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const child = path.posix.join(relative, entry.name);
      if (entry.isDirectory()) {
        if (!CONTEXT_EXCLUDED.has(entry.name)) walk(child);
      } else if (entry.isFile()) {
        hash
          .update(`${child}\0`)
          .update(fs.readFileSync(path.join(dir, child)))
          .update("\0");
      }
    }
  };
  walk("");
  return hash.digest("hex");
}

/** Functions run on Graviton: images are built for arm64 only. */
export const IMAGE_PLATFORM = "linux/arm64";

/** What determines an image build: the tag must change whenever any of it does. */
export interface ImageBuildInputs {
  /** `contextDigest` of the build context (the Dockerfile inside it included). */
  contextDigest: string;
  /** Dockerfile path, relative to the context. */
  dockerfile: string;
  platforms: string[];
  buildArgs: Record<string, string>;
  target?: string;
}

/**
 * The immutable tag of a build: `build-` and 16 hex of SHA-256 over every build input, in a
 * canonical order, so equal inputs give equal tags and a change of platform, argument or target
 * never pushes an existing tag again (ECR refuses that on an IMMUTABLE repository).
 */
export function imageBuildTag(inputs: ImageBuildInputs): string {
  const canonical = JSON.stringify([
    inputs.contextDigest,
    inputs.dockerfile,
    [...inputs.platforms].sort(),
    Object.entries(inputs.buildArgs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    inputs.target ?? null,
  ]);
  return `build-${createHash("sha256").update(canonical).digest("hex").slice(0, 16)}`;
}

/**
 * The AWS Lambda Web Adapter's publishing account and layer version for zip packaging: version 26
 * is adapter 1.0.0 (2026-03-20), published under the same number in every commercial region: the
 * version the adapter's own docs list for zip packages (its container image is copied at 1.1.0).
 */
export const WEB_ADAPTER_LAYER = { account: "753240598075", version: 26 };

/** The adapter layer's ARN for a region and architecture (a layer must match both). */
export function webAdapterLayerArn(region: string, architecture: "arm64" | "x86_64"): string {
  const layer = architecture === "arm64" ? "LambdaAdapterLayerArm64" : "LambdaAdapterLayerX86";
  return `arn:aws:lambda:${region}:${WEB_ADAPTER_LAYER.account}:layer:${layer}:${WEB_ADAPTER_LAYER.version}`;
}

/** A zip the program wrote (modes kept) with the script the adapter starts: see python-app.ts. */
export interface WebAdapterZip {
  /** The archive on disk. */
  file: string;
  /** Its SHA-256, base64: the function's `sourceCodeHash`. */
  base64Sha256: string;
  /** The Lambda runtime, e.g. `python3.13`. */
  runtime: string;
  /** The start script inside the archive, executable. */
  handler: string;
}

export type WebAdapterPackaging =
  | {
      /** A container image built from a context under `containers/`, with the adapter inside. */
      image: {
        /**
         * Build context, relative to the project root.
         * @example "containers/web-api"
         */
        context: string;
        /**
         * Dockerfile, relative to the context.
         * @default "Dockerfile"
         */
        dockerfile?: string;
        /**
         * Build arguments (`--build-arg`); part of the image tag.
         * @default {}
         */
        buildArgs?: Record<string, string>;
        /**
         * Stage of a multi-stage Dockerfile to build (`--target`); part of the image tag.
         * @default the last stage
         */
        target?: string;
      };
    }
  | {
      /** An entry file bundled by esbuild and run by the adapter's layer. */
      zip: {
        /**
         * The app's entry (it listens on `port`), relative to the project root.
         * @example "functions/finance/server.ts"
         */
        entry: string;
      };
    }
  | {
      /** A zip the program packaged (any language), run by the adapter's layer. */
      zip: {
        /** The archive and its start script, e.g. from `packagePythonApp`. */
        archive: WebAdapterZip;
      };
    };

export interface WebAdapterRoute {
  /** HTTP method or `ANY`. */
  method: HttpMethod;
  /** Resource path, e.g. `/api/v1/jobs/{jobId}`. */
  path: string;
  /**
   * Who may call it (overrides `authorization`).
   * @default the component's `authorization`
   */
  authorization?: RouteAuthorization;
}

export interface WebAdapterApiArgs {
  /** How the app is packaged: a container image or a bundled zip. */
  packaging: WebAdapterPackaging;
  /**
   * Port the app listens on.
   * @default 8080
   */
  port?: number;
  /**
   * Path the adapter polls until the app is ready (200).
   * @default "/health"
   */
  readinessPath?: string;
  /**
   * Memory in MB.
   * @default 1024
   */
  memorySize?: number;
  /**
   * Timeout in seconds (API Gateway gives up at 29).
   * @default 30
   */
  timeout?: number;
  /** The routes to expose, by name. */
  routes: Record<string, WebAdapterRoute>;
  /**
   * Also expose `ANY /{proxy+}`, so the app answers every other path itself (its JSON 404s).
   * @default false
   */
  catchAll?: boolean;
  /**
   * Authorization of every route without its own.
   * @default "iam"
   */
  authorization?: RouteAuthorization;
  /** The user pool of `cognito` routes. */
  cognitoUserPoolArn?: pulumi.Input<string>;
  /**
   * Run in this network's private subnets, with a security group of the component's own.
   * @default undefined (outside a VPC)
   */
  network?: Network;
  /**
   * A database to connect to: its host, port, name, user and credential secret reach the app as
   * `DB_*` variables, and the component allows the function's group into the database's.
   */
  database?: Postgres;
  /**
   * An uploads bucket the app may presign PUT URLs for under `prefix`, and nothing more.
   * @default undefined (no bucket)
   */
  uploads?: { prefix?: string; expireAfterDays?: number };
  /**
   * Server access logs of the uploads bucket, to a log bucket under the destination's prefix.
   * @default undefined (none; the policy pack requires them in prod)
   */
  accessLogs?: AccessLogDestination;
  /**
   * Browser origins allowed by CORS (API preflight, the app's answers through `CORS_ORIGINS`,
   * and the bucket's PUT).
   * @default []
   */
  corsOrigins?: string[];
  /**
   * Reserved concurrency: the most instances that run at once (each holds its own database
   * connections). Reservations come out of the account's quota.
   * @default undefined (unreserved)
   */
  reservedConcurrency?: number;
  /**
   * Stage-wide throttling.
   * @default { rateLimit: 500, burstLimit: 1000 }
   */
  throttle?: { rateLimit: number; burstLimit: number };
  /**
   * Content types the API passes as binary.
   * @default []
   */
  binaryMediaTypes?: string[];
  /**
   * X-Ray on the stage and the function.
   * @default true
   */
  tracing?: boolean;
  /**
   * Retention of the function's and the access log's groups, in days.
   * @default 14
   */
  logRetentionInDays?: LogRetentionDays;
  /**
   * Let `pulumi destroy` delete the image repository and the uploads bucket with what they hold
   * (dev); otherwise a destroy stops at the first image or upload.
   * @default false
   */
  forceDestroy?: boolean;
  /**
   * Secrets by name → Secrets Manager ARN: the app gets `<NAME>_SECRET_ARN` and may read exactly
   * those; values never sit in environment variables.
   * @default {}
   */
  secrets?: Record<string, pulumi.Input<string>>;
  /**
   * More environment variables (names and values that are not secret).
   * @default {}
   */
  environment?: Record<string, pulumi.Input<string>>;
  /**
   * The stage name.
   * @default "v1"
   */
  stageName?: string;
}

/**
 * An ordinary web app (any framework, listening on a port) on Lambda through the AWS Lambda Web
 * Adapter, behind a REST API: packaged as a container image (built, pushed to a scan-on-push ECR
 * repository, run by digest) or as a bundled zip with the adapter's layer; optionally in private
 * subnets, connected to a `Postgres`, with an uploads bucket it may presign PUTs into.
 */
export class WebAdapterApi extends pulumi.ComponentResource {
  public readonly api: RestApi;
  public readonly function: BundledFunction;
  public readonly securityGroup?: aws.ec2.SecurityGroup;
  public readonly bucket?: aws.s3.Bucket;
  public readonly repository?: aws.ecr.Repository;
  public readonly image?: dockerBuild.Image;
  public readonly url: pulumi.Output<string>;
  public readonly functionName: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string | undefined>;
  public readonly bucketName: pulumi.Output<string | undefined>;
  private readonly forceDestroy: boolean;

  constructor(name: string, args: WebAdapterApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:api:WebAdapterApi", name, {}, opts);

    // ---- normalize ----
    this.forceDestroy = args.forceDestroy ?? false;
    const port = args.port ?? 8080;
    const readinessPath = args.readinessPath ?? "/health";
    const authorization = args.authorization ?? "iam";
    const uploadPrefix = args.uploads?.prefix ?? "uploads/";
    const secrets = Object.entries(args.secrets ?? {});
    const problems = [
      ...(Number.isInteger(port) && port >= 1024 && port <= 65535 && port !== 9001
        ? []
        : [`port: ${port} must be 1024-65535 and not 9001 (the Lambda runtime API's)`]),
      ...(readinessPath.startsWith("/")
        ? []
        : [`readinessPath: ${readinessPath} must start with /`]),
      ...(/^[A-Za-z0-9!_.*'()/-]*\/$/.test(uploadPrefix)
        ? []
        : [`uploads.prefix: ${uploadPrefix} must be a key prefix ending in /`]),
      ...secrets
        .filter(([n]) => !/^[A-Z][A-Z0-9_]*$/.test(n))
        .map(([n]) => `secrets.${n}: names are UPPER_SNAKE_CASE (the app reads ${n}_SECRET_ARN)`),
      ...("image" in args.packaging && !args.packaging.image.context.startsWith("containers/")
        ? [`packaging.image.context: ${args.packaging.image.context} must be under containers/`]
        : []),
    ];
    if (problems.length > 0) throw new Error(`WebAdapterApi ${name}:\n  ${problems.join("\n  ")}`);

    // ---- create: network placement ----
    if (args.network) {
      this.securityGroup = new aws.ec2.SecurityGroup(
        `${name}-fn-sg`,
        { vpcId: args.network.vpcId, description: `${name}: the web app function` },
        { parent: this },
      );
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-fn-https-out`,
        {
          securityGroupId: this.securityGroup.id,
          description: "AWS APIs (Secrets Manager, S3) over HTTPS",
          ipProtocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrIpv4: "0.0.0.0/0",
        },
        { parent: this },
      );
    }
    if (args.database) {
      if (!this.securityGroup) {
        throw new Error(`WebAdapterApi ${name}: database needs network (the database is private)`);
      }
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-fn-to-db`,
        {
          securityGroupId: this.securityGroup.id,
          description: "PostgreSQL",
          ipProtocol: "tcp",
          fromPort: 5432,
          toPort: 5432,
          referencedSecurityGroupId: args.database.securityGroupId,
        },
        { parent: this },
      );
      args.database.allowFrom(name, this.securityGroup.id);
    }

    // ---- create: uploads bucket ----
    const statements: PolicyStatement[] = [];
    const environment: Record<string, pulumi.Input<string>> = {
      AWS_LWA_PORT: String(port),
      AWS_LWA_READINESS_CHECK_PATH: readinessPath,
      PORT: String(port),
      // The app's own answers carry CORS headers too; the gateway only answers the preflight.
      CORS_ORIGINS: (args.corsOrigins ?? []).join(","),
    };
    if (args.uploads) {
      this.bucket = this.uploadsBucket(name, uploadPrefix, args);
      if (args.accessLogs) this.serverAccessLogs(name, this.bucket, args.accessLogs);
      statements.push({
        Sid: "PresignUploads",
        Effect: "Allow",
        Action: "s3:PutObject",
        Resource: pulumi.interpolate`${this.bucket.arn}/${uploadPrefix}*`,
      });
      environment.UPLOAD_BUCKET = this.bucket.bucket;
      environment.UPLOAD_PREFIX = uploadPrefix;
    }

    // ---- create: database access, secrets ----
    if (args.database) {
      const db = args.database;
      environment.DB_HOST = db.address;
      environment.DB_PORT = db.port.apply(String);
      environment.DB_NAME = db.databaseName;
      environment.DB_USER = db.username;
      environment.DB_SECRET_ARN = db.secretArn;
      statements.push({
        Sid: "DatabaseCredentials",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: db.secretArn,
      });
    }
    for (const [secretName, arn] of secrets) environment[`${secretName}_SECRET_ARN`] = arn;
    if (secrets.length > 0) {
      statements.push({
        Sid: "AppSecrets",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: secrets.map(([, arn]) => arn),
      });
    }

    // ---- create: the function ----
    const common = {
      description: `${name}: web app on the Lambda Web Adapter`,
      memorySize: args.memorySize ?? 1024,
      reservedConcurrency: args.reservedConcurrency,
      timeout: args.timeout ?? 30,
      statements,
      logRetentionInDays: args.logRetentionInDays ?? 14,
      tracing: args.tracing ?? true,
      vpc:
        args.network && this.securityGroup
          ? { subnetIds: args.network.privateSubnetIds, securityGroupIds: [this.securityGroup.id] }
          : undefined,
    };
    if ("image" in args.packaging) {
      const { image, repository } = this.buildImage(name, args.packaging.image);
      this.image = image;
      this.repository = repository;
      this.function = new BundledFunction(
        name,
        {
          ...common,
          // Lambda takes `repo:tag` or `repo@digest`, never docker-build's `repo:tag@digest` ref.
          imageUri: pulumi.interpolate`${repository.repositoryUrl}@${image.digest}`,
          environment: { ...environment, ...args.environment },
        },
        { parent: this },
      );
    } else {
      const region = aws.getRegionOutput({}, { parent: this }).region;
      const archive = "archive" in args.packaging.zip ? args.packaging.zip.archive : undefined;
      this.function = new BundledFunction(
        name,
        {
          ...common,
          // The program writes the zip itself: Pulumi's archives would drop run.sh's exec bit.
          archive: archive ?? nodeAppArchive(args.packaging.zip as { entry: string }),
          // The adapter's bootstrap runs the handler script, which starts the app.
          handler: archive?.handler ?? "run.sh",
          layers: [region.apply((r) => webAdapterLayerArn(r, "arm64"))],
          environment: {
            ...environment,
            AWS_LAMBDA_EXEC_WRAPPER: "/opt/bootstrap",
            ...args.environment,
          },
        },
        { parent: this },
      );
    }

    // ---- create: the API ----
    const target = this.function;
    const routes = Object.fromEntries([
      ...Object.entries(args.routes).map(([routeName, r]) => [
        routeName,
        {
          method: r.method,
          path: r.path,
          target,
          authorization: r.authorization ?? authorization,
        },
      ]),
      ...(args.catchAll
        ? [["proxy", { method: "ANY" as const, path: "/{proxy+}", target, authorization }]]
        : []),
    ]) as Record<string, RestApiRoute>;
    this.api = new RestApi(
      name,
      {
        description: `${name}: web app on Lambda`,
        routes,
        cognitoUserPoolArn: args.cognitoUserPoolArn,
        corsOrigins: args.corsOrigins,
        throttle: args.throttle ?? { rateLimit: 500, burstLimit: 1000 },
        binaryMediaTypes: args.binaryMediaTypes,
        tracing: args.tracing,
        stageName: args.stageName,
        logRetentionInDays: args.logRetentionInDays,
      },
      { parent: this },
    );

    // ---- expose ----
    this.url = this.api.url;
    this.functionName = this.function.functionName;
    this.securityGroupId = this.securityGroup
      ? this.securityGroup.id
      : pulumi.output<string | undefined>(undefined);
    this.bucketName = this.bucket
      ? this.bucket.bucket
      : pulumi.output<string | undefined>(undefined);
    this.registerOutputs({
      url: this.url,
      functionName: this.functionName,
      securityGroupId: this.securityGroupId,
      bucketName: this.bucketName,
    });
  }

  /** A scan-on-push repository and the image built and pushed into it, referenced by digest. */
  private buildImage(
    name: string,
    image: {
      context: string;
      dockerfile?: string;
      buildArgs?: Record<string, string>;
      target?: string;
    },
  ): { image: dockerBuild.Image; repository: aws.ecr.Repository } {
    // Every push is new: the function runs a digest, so tags are never rewritten.
    const repository = imageRepository(
      `${name}-image`,
      { immutableTags: true, keep: 20, forceDelete: this.forceDestroy },
      { parent: this },
    );
    const credentials = aws.ecr.getAuthorizationTokenOutput(
      { registryId: repository.registryId },
      { parent: this },
    );
    const context = path.join(PROJECT_ROOT, image.context);
    const dockerfile = image.dockerfile ?? "Dockerfile";
    // Tags are immutable: one per build input (sources, Dockerfile, platform, args, target), so a
    // rebuild of the same inputs pushes nothing new and any change never reuses a tag.
    const tag = imageBuildTag({
      contextDigest: contextDigest(context),
      dockerfile,
      platforms: [IMAGE_PLATFORM],
      buildArgs: image.buildArgs ?? {},
      target: image.target,
    });
    const built = new dockerBuild.Image(
      `${name}-image`,
      {
        context: { location: context },
        dockerfile: { location: path.join(context, dockerfile) },
        platforms: [IMAGE_PLATFORM],
        ...(image.buildArgs ? { buildArgs: image.buildArgs } : {}),
        ...(image.target ? { target: image.target } : {}),
        push: true,
        tags: [pulumi.interpolate`${repository.repositoryUrl}:${tag}`],
        registries: [
          {
            address: repository.repositoryUrl,
            username: credentials.userName,
            password: pulumi.secret(credentials.password),
          },
        ],
      },
      { parent: this },
    );
    return { image: built, repository };
  }

  /** The bucket's server access logs, delivered once the log bucket's policy lets S3 write them. */
  private serverAccessLogs(
    name: string,
    bucket: aws.s3.Bucket,
    logs: AccessLogDestination,
  ): aws.s3.BucketLogging {
    return new aws.s3.BucketLogging(
      `${name}-uploads-logging`,
      { bucket: bucket.id, targetBucket: logs.bucket, targetPrefix: logs.prefix },
      { parent: this, dependsOn: [logs.policy] },
    );
  }

  /** Private, encrypted, TLS-only, with CORS for browser PUTs and stale multipart uploads removed. */
  private uploadsBucket(name: string, prefix: string, args: WebAdapterApiArgs): aws.s3.Bucket {
    const bucket = new aws.s3.Bucket(
      `${name}-uploads`,
      { forceDestroy: this.forceDestroy },
      { parent: this },
    );
    new aws.s3.BucketPublicAccessBlock(
      `${name}-uploads-private`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      { parent: this },
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-uploads-encryption`,
      {
        bucket: bucket.id,
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" },
            bucketKeyEnabled: true,
          },
        ],
      },
      { parent: this },
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-uploads-ownership`,
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      { parent: this },
    );
    new aws.s3.BucketPolicy(
      `${name}-uploads-tls-only`,
      {
        bucket: bucket.id,
        policy: pulumi.jsonStringify(
          policyDocument({
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        ),
      },
      { parent: this },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-uploads-lifecycle`,
      {
        bucket: bucket.id,
        rules: [
          {
            id: "abort-incomplete-multipart",
            status: "Enabled",
            filter: { prefix },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
            ...(args.uploads?.expireAfterDays
              ? { expiration: { days: args.uploads.expireAfterDays } }
              : {}),
          },
        ],
      },
      { parent: this },
    );
    if ((args.corsOrigins ?? []).length > 0) {
      new aws.s3.BucketCorsConfiguration(
        `${name}-uploads-cors`,
        {
          bucket: bucket.id,
          corsRules: [
            {
              allowedMethods: ["PUT"],
              allowedOrigins: args.corsOrigins!,
              allowedHeaders: ["Content-Type", "Content-MD5"],
              maxAgeSeconds: 600,
            },
          ],
        },
        { parent: this },
      );
    }
    return bucket;
  }
}

/** A Node.js app bundled by esbuild, in a zip with an executable `run.sh` that starts it. */
function nodeAppArchive(zip: { entry: string }): WebAdapterZip {
  const bundle = bundleHandler(zip.entry);
  const written = writeZip(path.join(PROJECT_ROOT, ".build", "web-adapter"), [
    { path: "run.sh", data: "#!/bin/sh\nexec node index.js\n", mode: 0o755 },
    { path: BUNDLE_FILE, data: bundle.code },
    ...(bundle.sourceMap ? [{ path: `${BUNDLE_FILE}.map`, data: bundle.sourceMap }] : []),
  ]);
  return { ...written, runtime: NODE_RUNTIME, handler: "run.sh" };
}

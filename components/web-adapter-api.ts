import * as path from "node:path";
import * as aws from "@pulumi/aws";
import type * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import type { AccessLogDestination } from "./access-log-bucket";
import { BUNDLE_FILE, PROJECT_ROOT, bundleHandler } from "./bundle";
import { BundledFunction, NODE_RUNTIME, type BundledFunctionArgs } from "./bundled-function";
import type { PolicyStatement } from "./iam";
import { pushedImage, type ContainerImageSpec } from "./image-build";
import type { Network } from "./network";
import type { PostgresDatabase } from "./postgres-database";
import {
  RestApi,
  type RestApiArgs,
  type RestApiRoute,
  type RouteAuthorization,
  type RouteTarget,
} from "./rest-api";
import type { HttpMethod } from "./rest-routes";
import { transform, type Transform } from "./transform";
import {
  uploadsBucket,
  type UploadsBucketArgs,
  type UploadsBucketTransforms,
} from "./uploads-bucket";
import { writeZip } from "./zip-archive";
import type { LogRetentionDays } from "./profile";

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
      image: ContainerImageSpec;
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
  database?: PostgresDatabase;
  /**
   * An uploads bucket the app may presign PUT URLs for under `prefix`, and nothing more.
   * @default undefined (no bucket)
   */
  uploads?: Pick<UploadsBucketArgs, "expireAfterDays" | "abortIncompleteAfterDays"> & {
    /**
     * The key prefix the app may presign PUTs under.
     * @default "uploads/"
     */
    prefix?: string;
  };
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
  /**
   * How long browsers may cache a preflight answer (the API's and the bucket's), in seconds.
   * @default 600
   */
  corsMaxAgeSeconds?: number;
  /** Hooks over the children's args, run after the component's own (see transform.ts). */
  transform?: WebAdapterApiTransforms;
}

/** Escape hatches: one hook per kind of child of a `WebAdapterApi`. */
export interface WebAdapterApiTransforms extends UploadsBucketTransforms {
  /** The function's security group, with `network`. */
  securityGroup?: Transform<aws.ec2.SecurityGroupArgs>;
  /** Each egress rule of that group (HTTPS out, and PostgreSQL with `database`). */
  egressRule?: Transform<aws.vpc.SecurityGroupEgressRuleArgs>;
  /** The function (memory, layers, statements; its own `transform` reaches the Lambda itself). */
  function?: Transform<BundledFunctionArgs>;
  /** The REST API (routes, throttling; its own `transform` reaches the stage and the rest). */
  api?: Transform<RestApiArgs>;
  /** The image build, with `image` packaging. */
  image?: Transform<dockerBuild.ImageArgs>;
}

/** Problems with a web app's args, each naming the arg (empty when valid). */
export function webAdapterApiProblems(args: WebAdapterApiArgs): string[] {
  const port = args.port ?? 8080;
  const readinessPath = args.readinessPath ?? "/health";
  const uploadPrefix = args.uploads?.prefix ?? "uploads/";
  return [
    ...(Number.isInteger(port) && port >= 1024 && port <= 65535 && port !== 9001
      ? []
      : [`port: ${port} must be 1024-65535 and not 9001 (the Lambda runtime API's)`]),
    ...(readinessPath.startsWith("/") ? [] : [`readinessPath: ${readinessPath} must start with /`]),
    ...(/^[A-Za-z0-9!_.*'()/-]*\/$/.test(uploadPrefix)
      ? []
      : [`uploads.prefix: ${uploadPrefix} must be a key prefix ending in /`]),
    ...Object.keys(args.secrets ?? {})
      .filter((n) => !/^[A-Z][A-Z0-9_]*$/.test(n))
      .map((n) => `secrets.${n}: names are UPPER_SNAKE_CASE (the app reads ${n}_SECRET_ARN)`),
    ...("image" in args.packaging && !args.packaging.image.context.startsWith("containers/")
      ? [`packaging.image.context: ${args.packaging.image.context} must be under containers/`]
      : []),
    ...(args.database && !args.network ? ["database needs network (the database is private)"] : []),
  ];
}

/** What the app is told (environment variables) and allowed (role statements). */
export interface AppAccess {
  environment: Record<string, pulumi.Input<string>>;
  statements: PolicyStatement[];
}

/**
 * The adapter's settings, and for each thing the app uses (uploads bucket, database, secrets) its
 * names and ARNs as variables and exactly the permission it needs: never a secret value.
 */
export function appAccess(spec: {
  port: number;
  readinessPath: string;
  corsOrigins: string[];
  uploads?: { bucketName: pulumi.Input<string>; bucketArn: pulumi.Input<string>; prefix: string };
  database?: {
    host: pulumi.Input<string>;
    port: pulumi.Input<string>;
    name: pulumi.Input<string>;
    user: pulumi.Input<string>;
    secretArn: pulumi.Input<string>;
  };
  secrets: Record<string, pulumi.Input<string>>;
}): AppAccess {
  const { uploads, database } = spec;
  const secrets = Object.entries(spec.secrets);
  const environment: Record<string, pulumi.Input<string>> = {
    AWS_LWA_PORT: String(spec.port),
    AWS_LWA_READINESS_CHECK_PATH: spec.readinessPath,
    PORT: String(spec.port),
    // The app's own answers carry CORS headers too; the gateway only answers the preflight.
    CORS_ORIGINS: spec.corsOrigins.join(","),
    ...(uploads ? { UPLOAD_BUCKET: uploads.bucketName, UPLOAD_PREFIX: uploads.prefix } : {}),
    ...(database
      ? {
          DB_HOST: database.host,
          DB_PORT: database.port,
          DB_NAME: database.name,
          DB_USER: database.user,
          DB_SECRET_ARN: database.secretArn,
        }
      : {}),
    ...Object.fromEntries(secrets.map(([name, arn]) => [`${name}_SECRET_ARN`, arn])),
  };
  const statements: PolicyStatement[] = [
    ...(uploads
      ? [
          {
            Sid: "PresignUploads",
            Effect: "Allow" as const,
            Action: "s3:PutObject",
            Resource: pulumi.interpolate`${uploads.bucketArn}/${uploads.prefix}*`,
          },
        ]
      : []),
    ...(database
      ? [
          {
            Sid: "DatabaseCredentials",
            Effect: "Allow" as const,
            Action: "secretsmanager:GetSecretValue",
            Resource: database.secretArn,
          },
        ]
      : []),
    ...(secrets.length > 0
      ? [
          {
            Sid: "AppSecrets",
            Effect: "Allow" as const,
            Action: "secretsmanager:GetSecretValue",
            Resource: secrets.map(([, arn]) => arn),
          },
        ]
      : []),
  ];
  return { environment, statements };
}

/** The API's routes: each named route on `target`, and with `catchAll` an `ANY /{proxy+}`. */
export function webAdapterRoutes(
  routes: Record<string, WebAdapterRoute>,
  target: RouteTarget,
  authorization: RouteAuthorization,
  catchAll: boolean,
): Record<string, RestApiRoute> {
  return Object.fromEntries([
    ...Object.entries(routes).map(([routeName, r]) => [
      routeName,
      { method: r.method, path: r.path, target, authorization: r.authorization ?? authorization },
    ]),
    ...(catchAll
      ? [["proxy", { method: "ANY" as const, path: "/{proxy+}", target, authorization }]]
      : []),
  ]) as Record<string, RestApiRoute>;
}

/**
 * An ordinary web app (any framework, listening on a port) on Lambda through the AWS Lambda Web
 * Adapter, behind a REST API: packaged as a container image (built, pushed to a scan-on-push ECR
 * repository, run by digest) or as a bundled zip with the adapter's layer; optionally in private
 * subnets, connected to a PostgreSQL database, with an uploads bucket it may presign PUTs into.
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

  private readonly name: string;
  private readonly hooks: WebAdapterApiTransforms;

  constructor(name: string, args: WebAdapterApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:api:WebAdapterApi", name, {}, opts);
    this.name = name;
    this.hooks = args.transform ?? {};

    // ---- normalize ----
    const problems = webAdapterApiProblems(args);
    if (problems.length > 0) throw new Error(`WebAdapterApi ${name}:\n  ${problems.join("\n  ")}`);
    const forceDestroy = args.forceDestroy ?? false;

    // ---- create ----
    if (args.network) this.securityGroup = this.createSecurityGroup(args.network);
    if (args.database) this.connectTo(args.database, this.securityGroup!);
    if (args.uploads) this.bucket = this.createUploadsBucket(args);
    if (this.bucket && args.accessLogs) this.serverAccessLogs(this.bucket, args.accessLogs);
    if ("image" in args.packaging) {
      ({ image: this.image, repository: this.repository } = pushedImage(
        name,
        args.packaging.image,
        { forceDelete: forceDestroy, transform: this.hooks.image, parent: this },
      ));
    }
    const access = appAccess({
      port: args.port ?? 8080,
      readinessPath: args.readinessPath ?? "/health",
      corsOrigins: args.corsOrigins ?? [],
      uploads: this.bucket && {
        bucketName: this.bucket.bucket,
        bucketArn: this.bucket.arn,
        prefix: args.uploads?.prefix ?? "uploads/",
      },
      database: args.database && {
        host: args.database.address,
        port: args.database.port.apply(String),
        name: args.database.databaseName,
        user: args.database.username,
        secretArn: args.database.secretArn,
      },
      secrets: args.secrets ?? {},
    });
    this.function = this.createFunction(args, access);
    this.api = this.createApi(args);

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

  /** The function's own group in the network, allowed out to AWS APIs over HTTPS only. */
  private createSecurityGroup(network: Network): aws.ec2.SecurityGroup {
    const group = new aws.ec2.SecurityGroup(
      ...transform(
        this.hooks.securityGroup,
        `${this.name}-fn-sg`,
        { vpcId: network.vpcId, description: `${this.name}: the web app function` },
        { parent: this },
      ),
    );
    new aws.vpc.SecurityGroupEgressRule(
      ...transform(
        this.hooks.egressRule,
        `${this.name}-fn-https-out`,
        {
          securityGroupId: group.id,
          description: "AWS APIs (Secrets Manager, S3) over HTTPS",
          ipProtocol: "tcp",
          fromPort: 443,
          toPort: 443,
          cidrIpv4: "0.0.0.0/0",
        },
        { parent: this },
      ),
    );
    return group;
  }

  /** The bucket the app may presign PUTs into (see uploads-bucket.ts). */
  private createUploadsBucket(args: WebAdapterApiArgs): aws.s3.Bucket {
    return uploadsBucket(
      `${this.name}-uploads`,
      {
        ...args.uploads,
        prefix: args.uploads?.prefix ?? "uploads/",
        corsOrigins: args.corsOrigins,
        corsMaxAgeSeconds: args.corsMaxAgeSeconds,
        forceDestroy: args.forceDestroy,
        transform: this.hooks,
      },
      this,
    );
  }

  /** The bucket's server access logs, delivered once the log bucket's policy lets S3 write them. */
  private serverAccessLogs(
    bucket: aws.s3.Bucket,
    logs: AccessLogDestination,
  ): aws.s3.BucketLogging {
    return new aws.s3.BucketLogging(
      `${this.name}-uploads-logging`,
      { bucket: bucket.id, targetBucket: logs.bucket, targetPrefix: logs.prefix },
      { parent: this, dependsOn: [logs.policy] },
    );
  }

  /** Lets the function's group out to the database's, and the database's in from it. */
  private connectTo(database: PostgresDatabase, group: aws.ec2.SecurityGroup): void {
    new aws.vpc.SecurityGroupEgressRule(
      ...transform(
        this.hooks.egressRule,
        `${this.name}-fn-to-db`,
        {
          securityGroupId: group.id,
          description: "PostgreSQL",
          ipProtocol: "tcp",
          fromPort: 5432,
          toPort: 5432,
          referencedSecurityGroupId: database.securityGroupId,
        },
        { parent: this },
      ),
    );
    database.allowFrom(this.name, group.id);
  }

  /** The function: the image by digest, or a zip the adapter's layer runs. */
  private createFunction(args: WebAdapterApiArgs, access: AppAccess): BundledFunction {
    const common = {
      description: `${this.name}: web app on the Lambda Web Adapter`,
      memorySize: args.memorySize ?? 1024,
      reservedConcurrency: args.reservedConcurrency,
      timeout: args.timeout ?? 30,
      statements: access.statements,
      logRetentionInDays: args.logRetentionInDays ?? 14,
      tracing: args.tracing ?? true,
      vpc:
        args.network && this.securityGroup
          ? { subnetIds: args.network.privateSubnetIds, securityGroupIds: [this.securityGroup.id] }
          : undefined,
    };
    let functionArgs: BundledFunctionArgs;
    if (this.image && this.repository) {
      functionArgs = {
        ...common,
        // Lambda takes `repo:tag` or `repo@digest`, never docker-build's `repo:tag@digest` ref.
        imageUri: pulumi.interpolate`${this.repository.repositoryUrl}@${this.image.digest}`,
        environment: { ...access.environment, ...args.environment },
      };
    } else {
      const zip = (args.packaging as { zip: { entry: string } | { archive: WebAdapterZip } }).zip;
      const archive = "archive" in zip ? zip.archive : nodeAppArchive(zip);
      const region = aws.getRegionOutput({}, { parent: this }).region;
      functionArgs = {
        ...common,
        // The program writes the zip itself: Pulumi's archives would drop run.sh's exec bit.
        archive,
        // The adapter's bootstrap runs the handler script, which starts the app.
        handler: archive.handler,
        layers: [region.apply((r) => webAdapterLayerArn(r, "arm64"))],
        environment: {
          ...access.environment,
          AWS_LAMBDA_EXEC_WRAPPER: "/opt/bootstrap",
          ...args.environment,
        },
      };
    }
    // On a shared instance the database and its user are made first; an own instance needs nothing.
    const ready = args.database?.ready ?? [];
    return new BundledFunction(
      ...transform(this.hooks.function, this.name, functionArgs, {
        parent: this,
        ...(ready.length > 0 ? { dependsOn: ready } : {}),
      }),
    );
  }

  private createApi(args: WebAdapterApiArgs): RestApi {
    return new RestApi(
      ...transform(
        this.hooks.api,
        this.name,
        {
          description: `${this.name}: web app on Lambda`,
          routes: webAdapterRoutes(
            args.routes,
            this.function,
            args.authorization ?? "iam",
            args.catchAll ?? false,
          ),
          cognitoUserPoolArn: args.cognitoUserPoolArn,
          corsOrigins: args.corsOrigins,
          throttle: args.throttle ?? { rateLimit: 500, burstLimit: 1000 },
          binaryMediaTypes: args.binaryMediaTypes,
          tracing: args.tracing,
          stageName: args.stageName,
          logRetentionInDays: args.logRetentionInDays,
          corsMaxAgeSeconds: args.corsMaxAgeSeconds,
        },
        { parent: this },
      ),
    );
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

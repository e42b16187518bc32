import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bundleArchive, bundleHandler, type Bundle } from "./bundle";
import { policyDocument, serviceTrustPolicy, type PolicyStatement } from "./iam";
import { transform, type Transform } from "./transform";
import { functionEnvironment } from "../functions/shared/env";
import { BUNDLED_FUNCTION_ENV } from "../functions/shared/hosts";
import type { LogRetentionDays } from "./profile";

/** The newest Node.js runtime @pulumi/aws names; bundles target node22 syntax, which it runs. */
export const NODE_RUNTIME = aws.lambda.Runtime.NodeJS24dX;

export interface BundledFunctionArgs {
  /**
   * The handler's entry file, relative to the project root; it exports `handler`. Bundled by
   * esbuild at preview with everything but the AWS SDK inlined. Exactly one of `entry` and
   * `imageUri` is given.
   * @example "functions/quickbets/sign.ts"
   */
  entry?: string;
  /**
   * A container image (digest-pinned URI) to run instead of a bundle.
   * @example "123456789012.dkr.ecr.us-east-1.amazonaws.com/web-api@sha256:..."
   */
  imageUri?: pulumi.Input<string>;
  /**
   * A zip written by the program (`zip-archive.ts`: file modes kept, e.g. an executable `run.sh`)
   * and the runtime that runs it, instead of a bundle; its hash is the function's
   * `sourceCodeHash`, so a changed archive redeploys and an unchanged one never does.
   */
  archive?: { file: string; base64Sha256: string; runtime: pulumi.Input<string> };
  /**
   * The zip's handler; with `extraFiles` it can be a script (the Lambda Web Adapter runs one).
   * @default "index.handler"
   */
  handler?: string;
  /**
   * More files beside `index.js` in the zip, name → content.
   * @default {}
   */
  extraFiles?: Record<string, string>;
  /**
   * Layer ARNs (the Lambda Web Adapter's, for instance). Never for our own libraries: those are
   * bundled, so no layer can be forgotten.
   * @default []
   */
  layers?: pulumi.Input<string>[];
  /**
   * Run inside a VPC: the subnets (private ones) and the function's security groups.
   * @default undefined (outside any VPC)
   */
  vpc?: { subnetIds: pulumi.Input<string>[]; securityGroupIds: pulumi.Input<string>[] };
  /** What the function does, shown in the console. */
  description?: pulumi.Input<string>;
  /**
   * Memory in MB (CPU scales with it).
   * @default 256
   */
  memorySize?: number;
  /**
   * Timeout in seconds.
   * @default 10
   */
  timeout?: number;
  /**
   * Environment variables: names and ARNs only, never secret values (the policy pack checks).
   * @default {}
   */
  environment?: Record<string, pulumi.Input<string>>;
  /**
   * What the function may call beyond writing its own logs and traces, scoped to ARNs.
   * @default []
   */
  statements?: PolicyStatement[];
  /**
   * Retention of the function's log group, in days.
   * @default 14
   */
  logRetentionInDays?: LogRetentionDays;
  /**
   * X-Ray active tracing.
   * @default true
   */
  tracing?: boolean;
  /**
   * Reserved concurrency; unset leaves the function on the account's shared pool.
   * @default undefined
   */
  reservedConcurrency?: number;
  /**
   * Instruction set. arm64 is cheaper per GB-second and every bundled dependency is pure JS.
   * @default "arm64"
   */
  architecture?: "arm64" | "x86_64";
  /**
   * Powertools log level of the handler.
   * @default "INFO"
   */
  logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
  /** Hooks over the children's args, run after the component's own (see transform.ts). */
  transform?: BundledFunctionTransforms;
}

/** Escape hatches: one hook per child of a `BundledFunction`. */
export interface BundledFunctionTransforms {
  /** The Lambda function (ephemeral storage, SnapStart, dead-letter config...). */
  function?: Transform<aws.lambda.FunctionArgs>;
  /** The execution role (permissions boundary, path, managed policies). */
  role?: Transform<aws.iam.RoleArgs>;
  /** The role's inline policy: logs, traces, VPC interfaces and `statements`. */
  policy?: Transform<aws.iam.RolePolicyArgs>;
  /** The function's log group. */
  logGroup?: Transform<aws.cloudwatch.LogGroupArgs>;
}

/** Problems with a function's args (empty when valid). */
export function bundledFunctionProblems(args: BundledFunctionArgs): string[] {
  const memorySize = args.memorySize ?? 256;
  const timeout = args.timeout ?? 10;
  return [
    ...(Number.isInteger(memorySize) && memorySize >= 128 && memorySize <= 10240
      ? []
      : [`memorySize must be 128 to 10240 MB (got ${memorySize})`]),
    ...(Number.isInteger(timeout) && timeout >= 1 && timeout <= 900
      ? []
      : [`timeout must be 1 to 900 seconds (got ${timeout})`]),
    ...([args.entry, args.imageUri, args.archive].filter((a) => a !== undefined).length === 1
      ? []
      : ["give exactly one of entry, imageUri and archive"]),
  ];
}

/**
 * What every function's role may do besides `statements`: write its own logs, and with tracing
 * send traces, and in a VPC manage its network interfaces.
 */
export function baseStatements(
  logGroupArn: pulumi.Input<string>,
  options: { tracing: boolean; vpc: boolean },
): PolicyStatement[] {
  return [
    {
      Sid: "OwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: pulumi.interpolate`${logGroupArn}:*`,
    },
    // X-Ray has no resource-level permissions.
    ...(options.tracing
      ? [
          {
            Sid: "Traces",
            Effect: "Allow" as const,
            Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            Resource: "*",
          },
        ]
      : []),
    // ENIs in the VPC: these EC2 actions have no resource-level permissions.
    ...(options.vpc
      ? [
          {
            Sid: "VpcNetworkInterfaces",
            Effect: "Allow" as const,
            Action: [
              "ec2:CreateNetworkInterface",
              "ec2:DescribeNetworkInterfaces",
              "ec2:DescribeSubnets",
              "ec2:DeleteNetworkInterface",
              "ec2:AssignPrivateIpAddresses",
              "ec2:UnassignPrivateIpAddresses",
            ],
            Resource: "*",
          },
        ]
      : []),
  ];
}

/**
 * A Lambda function built from one TypeScript entry file: the esbuild bundle (no layers, so no
 * layer can be missing), its own role with exactly the given statements, and its own log group
 * with a retention, written in JSON.
 */
export class BundledFunction extends pulumi.ComponentResource {
  public readonly function: aws.lambda.Function;
  public readonly role: aws.iam.Role;
  public readonly logGroup: aws.cloudwatch.LogGroup;
  /** The bundle deployed, with its size and the externals it leaves to the runtime (zip only). */
  public readonly bundle?: Bundle;
  public readonly functionName: pulumi.Output<string>;
  public readonly arn: pulumi.Output<string>;
  public readonly invokeArn: pulumi.Output<string>;

  private readonly name: string;
  private readonly hooks: BundledFunctionTransforms;

  constructor(name: string, args: BundledFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:lambda:BundledFunction", name, {}, opts);
    this.name = name;
    this.hooks = args.transform ?? {};

    // ---- normalize ----
    const problems = bundledFunctionProblems(args);
    if (problems.length > 0) throw new Error(`${name}: ${problems.join("; ")}`);
    const tracing = args.tracing ?? true;
    if (args.entry !== undefined) this.bundle = bundleHandler(args.entry);

    // ---- create ----
    this.logGroup = this.createLogGroup(args.logRetentionInDays ?? 14);
    this.role = this.createRole();
    const policy = this.createPolicy([
      ...baseStatements(this.logGroup.arn, { tracing, vpc: args.vpc !== undefined }),
      ...(args.statements ?? []),
    ]);
    this.function = this.createFunction(args, tracing, policy);

    // ---- expose ----
    this.functionName = this.function.name;
    this.arn = this.function.arn;
    this.invokeArn = this.function.invokeArn;
    this.registerOutputs({ functionName: this.functionName, arn: this.arn });
  }

  private createLogGroup(retentionInDays: number): aws.cloudwatch.LogGroup {
    return new aws.cloudwatch.LogGroup(
      ...transform(
        this.hooks.logGroup,
        `${this.name}-logs`,
        { namePrefix: `/platform/lambda/${this.name}-`, retentionInDays },
        { parent: this },
      ),
    );
  }

  private createRole(): aws.iam.Role {
    return new aws.iam.Role(
      ...transform(
        this.hooks.role,
        `${this.name}-role`,
        { assumeRolePolicy: pulumi.jsonStringify(serviceTrustPolicy("lambda.amazonaws.com")) },
        { parent: this },
      ),
    );
  }

  private createPolicy(statements: PolicyStatement[]): aws.iam.RolePolicy {
    return new aws.iam.RolePolicy(
      ...transform(
        this.hooks.policy,
        `${this.name}-policy`,
        { role: this.role.name, policy: pulumi.jsonStringify(policyDocument(...statements)) },
        { parent: this },
      ),
    );
  }

  /** The code: the bundle, a zip the program wrote, or an image. */
  private code(args: BundledFunctionArgs): Partial<aws.lambda.FunctionArgs> {
    if (this.bundle) {
      return {
        runtime: NODE_RUNTIME,
        handler: args.handler ?? "index.handler",
        code: bundleArchive(this.bundle, args.extraFiles),
      };
    }
    if (args.archive) {
      return {
        runtime: args.archive.runtime,
        handler: args.handler ?? "index.handler",
        code: new pulumi.asset.FileArchive(args.archive.file),
        sourceCodeHash: args.archive.base64Sha256,
      };
    }
    return { packageType: "Image", imageUri: args.imageUri };
  }

  private createFunction(
    args: BundledFunctionArgs,
    tracing: boolean,
    policy: aws.iam.RolePolicy,
  ): aws.lambda.Function {
    return new aws.lambda.Function(
      ...transform(
        this.hooks.function,
        `${this.name}-fn`,
        {
          description: args.description,
          architectures: [args.architecture ?? "arm64"],
          ...this.code(args),
          layers: args.layers,
          vpcConfig: args.vpc,
          role: this.role.arn,
          memorySize: args.memorySize ?? 256,
          timeout: args.timeout ?? 10,
          reservedConcurrentExecutions: args.reservedConcurrency,
          environment: {
            variables: {
              ...functionEnvironment<typeof BUNDLED_FUNCTION_ENV, string>(BUNDLED_FUNCTION_ENV, {
                NODE_OPTIONS: "--enable-source-maps",
                POWERTOOLS_SERVICE_NAME: this.name,
                POWERTOOLS_LOG_LEVEL: args.logLevel ?? "INFO",
              }),
              ...args.environment,
            },
          },
          tracingConfig: { mode: tracing ? "Active" : "PassThrough" },
          loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
        },
        // The role's policy must exist before the first invocation can log or call anything.
        { parent: this, dependsOn: [policy] },
      ),
    );
  }
}

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { functionEnvironment } from "../functions/shared/env";
import { BUNDLED_FUNCTION_ENV } from "../functions/shared/hosts";
import { bundleArchive, bundleHandler, type Bundle } from "./bundle";
import { policyDocument, serviceTrustPolicy, type PolicyStatement } from "./iam";
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

  constructor(name: string, args: BundledFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:lambda:BundledFunction", name, {}, opts);

    const memorySize = args.memorySize ?? 256;
    const timeout = args.timeout ?? 10;
    if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10240) {
      throw new Error(`${name}: memorySize must be 128 to 10240 MB (got ${memorySize})`);
    }
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 900) {
      throw new Error(`${name}: timeout must be 1 to 900 seconds (got ${timeout})`);
    }
    if ([args.entry, args.imageUri, args.archive].filter((a) => a !== undefined).length !== 1) {
      throw new Error(`${name}: give exactly one of entry, imageUri and archive`);
    }
    if (args.entry !== undefined) this.bundle = bundleHandler(args.entry);

    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { namePrefix: `/platform/lambda/${name}-`, retentionInDays: args.logRetentionInDays ?? 14 },
      { parent: this },
    );
    this.role = new aws.iam.Role(
      `${name}-role`,
      { assumeRolePolicy: pulumi.jsonStringify(serviceTrustPolicy("lambda.amazonaws.com")) },
      { parent: this },
    );
    const tracing = args.tracing ?? true;
    const statements: PolicyStatement[] = [
      {
        Sid: "OwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: pulumi.interpolate`${this.logGroup.arn}:*`,
      },
      // X-Ray has no resource-level permissions.
      ...(tracing
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
      ...(args.vpc
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
      ...(args.statements ?? []),
    ];
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      { role: this.role.name, policy: pulumi.jsonStringify(policyDocument(...statements)) },
      { parent: this },
    );

    this.function = new aws.lambda.Function(
      `${name}-fn`,
      {
        description: args.description,
        architectures: [args.architecture ?? "arm64"],
        ...(this.bundle
          ? {
              runtime: NODE_RUNTIME,
              handler: args.handler ?? "index.handler",
              code: bundleArchive(this.bundle, args.extraFiles),
            }
          : args.archive
            ? {
                runtime: args.archive.runtime,
                handler: args.handler ?? "index.handler",
                code: new pulumi.asset.FileArchive(args.archive.file),
                sourceCodeHash: args.archive.base64Sha256,
              }
            : { packageType: "Image", imageUri: args.imageUri }),
        layers: args.layers,
        vpcConfig: args.vpc,
        role: this.role.arn,
        memorySize,
        timeout,
        reservedConcurrentExecutions: args.reservedConcurrency,
        environment: {
          variables: {
            ...functionEnvironment(BUNDLED_FUNCTION_ENV, {
              NODE_OPTIONS: "--enable-source-maps",
              POWERTOOLS_SERVICE_NAME: name,
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
    );

    this.functionName = this.function.name;
    this.arn = this.function.arn;
    this.invokeArn = this.function.invokeArn;
    this.registerOutputs({ functionName: this.functionName, arn: this.arn });
  }
}

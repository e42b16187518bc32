import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { functionEnvironment } from "../functions/shared/env";
import { SIGNED_API_ENV } from "../functions/shared/hosts";
import { BundledFunction } from "./bundled-function";
import type { PolicyStatement } from "./iam";
import { RestApi } from "./rest-api";
import type { HttpMethod } from "./rest-routes";
import type { LogRetentionDays } from "./profile";

/** What a route's function may do with the caller's key secret (`<secretPrefix><sub>`). */
export type KeyAccess = "sign" | "describe" | "none";

export interface SignedApiRoute {
  /** HTTP method; `OPTIONS` is answered by the API itself for CORS. */
  method: HttpMethod;
  /**
   * Resource path, literal segments or `{param}`s.
   * @example "/sessions/{sessionId}"
   */
  path: string;
  /**
   * The handler's entry file, relative to the project root, exporting `handler`.
   * @example "functions/quickbets/sign.ts"
   */
  handler: string;
  /**
   * Access to the caller's key secret: `sign` reads it (`GetSecretValue`), `describe` only finds
   * its ARN (`DescribeSecret`), `none` neither. Always scoped to `<secretPrefix>*`.
   * @default "sign"
   */
  keyAccess?: KeyAccess;
  /**
   * Further statements for this route's role, scoped to ARNs.
   * @default []
   */
  statements?: PolicyStatement[];
  /**
   * Environment variables of this route's function (merged over `environment`).
   * @default {}
   */
  environment?: Record<string, pulumi.Input<string>>;
  /**
   * Timeout in seconds; API Gateway gives up after 29.
   * @default 10
   */
  timeout?: number;
  /**
   * Memory in MB.
   * @default 256
   */
  memorySize?: number;
  /** What the route does, for the function's description. */
  description?: string;
}

export interface SignedApiAuth {
  /**
   * An existing Cognito user pool to authorize against. Unset: the component creates a pool
   * (email sign-in, 12-character passwords, optional TOTP MFA) and a public app client.
   */
  userPoolArn?: pulumi.Input<string>;
  /**
   * Let anyone sign up to the created pool; otherwise administrators create users.
   * @default false
   */
  selfSignUp?: boolean;
  /**
   * Enforce Cognito threat protection on the created pool (the Plus feature plan, billed per user).
   * @default false
   */
  threatProtection?: boolean;
  /**
   * Deletion protection on the created pool (set it in prod).
   * @default false
   */
  deletionProtection?: boolean;
}

export interface SignedApiLambdaArgs {
  /**
   * The routes, by name (the name goes into the function's name).
   * @example { sign: { method: "POST", path: "/sign", handler: "functions/quickbets/sign.ts" } }
   */
  routes: Record<string, SignedApiRoute>;
  /**
   * Who may call: every route requires a Cognito token; only `OPTIONS` is open.
   * @default {} (create a user pool and client)
   */
  auth?: SignedApiAuth;
  /** Where user keys live and which upstream the functions call. */
  signing: {
    /**
     * Secrets Manager name prefix of the per-user keys; a user's key is `<prefix><cognito sub>`.
     * @example "quickbets/dev/users/"
     */
    secretPrefix: string;
    /**
     * The upstream API's base URL, given to functions as `UPSTREAM_BASE_URL`.
     * @example "https://api.elections.kalshi.com"
     */
    upstreamUrl: string;
    /**
     * Upstream request timeout in milliseconds (`UPSTREAM_TIMEOUT_MS`).
     * @default 5000
     */
    upstreamTimeoutMs?: number;
  };
  /**
   * Browser origins allowed by CORS, exact (`https://app.example.com`). With exactly one, error
   * responses of API Gateway itself (401 from the authorizer, throttling) carry it too.
   * @default []
   */
  corsOrigins?: string[];
  /**
   * Stage-wide throttling of all methods.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  throttle?: { rateLimit: number; burstLimit: number };
  /**
   * Retention of the functions' and the access log's log groups, in days.
   * @default 14
   */
  logRetentionInDays?: LogRetentionDays;
  /**
   * X-Ray tracing on the stage and every function.
   * @default true
   */
  tracing?: boolean;
  /**
   * The stage name, the URL's first path segment.
   * @default "v1"
   */
  stageName?: string;
  /**
   * Environment variables every function gets.
   * @default {}
   */
  environment?: Record<string, pulumi.Input<string>>;
}

/**
 * A regional REST API whose Lambda handlers call an upstream API on behalf of each user, signing
 * with that user's private key from Secrets Manager. Every method requires a Cognito token except
 * the `OPTIONS` preflight of each resource; every function is bundled (no layers) with its own
 * role, scoped to the key prefix, and its own log group.
 */
export class SignedApiLambda extends pulumi.ComponentResource {
  public readonly api: RestApi;
  public readonly userPool?: aws.cognito.UserPool;
  public readonly userPoolClient?: aws.cognito.UserPoolClient;
  public readonly functions: Readonly<Record<string, BundledFunction>>;
  /** The stage's invoke URL, ending in the stage name (no trailing slash). */
  public readonly url: pulumi.Output<string>;
  public readonly apiId: pulumi.Output<string>;
  public readonly userPoolId: pulumi.Output<string>;
  /** The created app client's id; undefined with an existing user pool. */
  public readonly userPoolClientId: pulumi.Output<string | undefined>;
  public readonly functionNames: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: SignedApiLambdaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:api:SignedApiLambda", name, {}, opts);

    // ---- normalize ----
    const corsOrigins = args.corsOrigins ?? [];
    const tracing = args.tracing ?? true;
    const logRetentionInDays = args.logRetentionInDays ?? 14;
    const problems = [
      ...(/^[A-Za-z0-9/_+=.@-]+\/$/.test(args.signing.secretPrefix)
        ? []
        : [
            `signing.secretPrefix: ${args.signing.secretPrefix} must be a secret name path ending in /`,
          ]),
      ...(/^https?:\/\/[^/]+$/.test(args.signing.upstreamUrl)
        ? []
        : [`signing.upstreamUrl: ${args.signing.upstreamUrl} must be a base URL without a path`]),
    ];
    if (problems.length > 0) {
      throw new Error(`SignedApiLambda ${name}:\n  ${problems.join("\n  ")}`);
    }
    const routes = Object.entries(args.routes);

    // ---- create: identity ----
    const auth = args.auth ?? {};
    if (auth.userPoolArn === undefined) {
      this.userPool = new aws.cognito.UserPool(
        `${name}-users`,
        {
          usernameAttributes: ["email"],
          autoVerifiedAttributes: ["email"],
          passwordPolicy: {
            minimumLength: 12,
            requireLowercase: true,
            requireUppercase: true,
            requireNumbers: true,
            requireSymbols: true,
            temporaryPasswordValidityDays: 3,
          },
          mfaConfiguration: "OPTIONAL",
          softwareTokenMfaConfiguration: { enabled: true },
          adminCreateUserConfig: { allowAdminCreateUserOnly: !(auth.selfSignUp ?? false) },
          accountRecoverySetting: {
            recoveryMechanisms: [{ name: "verified_email", priority: 1 }],
          },
          deletionProtection: auth.deletionProtection ? "ACTIVE" : "INACTIVE",
          ...(auth.threatProtection
            ? { userPoolTier: "PLUS", userPoolAddOns: { advancedSecurityMode: "ENFORCED" } }
            : {}),
        },
        { parent: this, protect: auth.deletionProtection ?? false },
      );
      this.userPoolClient = new aws.cognito.UserPoolClient(
        `${name}-client`,
        {
          userPoolId: this.userPool.id,
          // A browser app: no client secret to leak; SRP keeps passwords off the wire.
          generateSecret: false,
          explicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
          preventUserExistenceErrors: "ENABLED",
          enableTokenRevocation: true,
          accessTokenValidity: 60,
          idTokenValidity: 60,
          refreshTokenValidity: 30,
          tokenValidityUnits: { accessToken: "minutes", idToken: "minutes", refreshToken: "days" },
        },
        { parent: this },
      );
    }
    const userPoolArn = this.userPool ? this.userPool.arn : pulumi.output(auth.userPoolArn!);

    // ---- create: functions ----
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const keySecrets = pulumi.interpolate`arn:${partition}:secretsmanager:${region}:${account}:secret:${args.signing.secretPrefix}*`;
    const sharedEnvironment: Record<string, pulumi.Input<string>> = {
      ...functionEnvironment(SIGNED_API_ENV, {
        ALLOWED_ORIGINS: corsOrigins.join(","),
        UPSTREAM_BASE_URL: args.signing.upstreamUrl,
        UPSTREAM_TIMEOUT_MS: String(args.signing.upstreamTimeoutMs ?? 5000),
        USER_KEY_SECRET_PREFIX: args.signing.secretPrefix,
      }),
      ...args.environment,
    };
    const functions: Record<string, BundledFunction> = {};
    for (const [routeName, route] of routes) {
      const access = route.keyAccess ?? "sign";
      const keyStatements: PolicyStatement[] =
        access === "none"
          ? []
          : [
              {
                Sid: "CallerKeys",
                Effect: "Allow",
                Action:
                  access === "sign"
                    ? "secretsmanager:GetSecretValue"
                    : "secretsmanager:DescribeSecret",
                Resource: keySecrets,
              },
            ];
      functions[routeName] = new BundledFunction(
        `${name}-${routeName}`,
        {
          entry: route.handler,
          description: route.description ?? `${route.method} ${route.path}`,
          timeout: route.timeout ?? 10,
          memorySize: route.memorySize ?? 256,
          environment: { ...sharedEnvironment, ...route.environment },
          statements: [...keyStatements, ...(route.statements ?? [])],
          logRetentionInDays,
          tracing,
        },
        { parent: this },
      );
    }
    this.functions = functions;

    // ---- create: the API, every route behind the user pool ----
    this.api = new RestApi(
      name,
      {
        description: `${name}: Cognito-protected API whose functions sign upstream requests`,
        routes: Object.fromEntries(
          routes.map(([routeName, route]) => [
            routeName,
            {
              method: route.method,
              path: route.path,
              target: functions[routeName]!,
              authorization: "cognito" as const,
            },
          ]),
        ),
        cognitoUserPoolArn: userPoolArn,
        corsOrigins,
        throttle: args.throttle,
        tracing,
        stageName: args.stageName,
        logRetentionInDays,
      },
      { parent: this },
    );

    // ---- expose ----
    this.url = this.api.url;
    this.apiId = this.api.apiId;
    this.userPoolId = this.userPool
      ? this.userPool.id
      : pulumi.output(auth.userPoolArn!).apply((arn) => arn.split("/").pop() ?? arn);
    this.userPoolClientId = this.userPoolClient
      ? this.userPoolClient.id
      : pulumi.output<string | undefined>(undefined);
    this.functionNames = pulumi.all(
      Object.fromEntries(Object.entries(functions).map(([n, f]) => [n, f.functionName])),
    );
    this.registerOutputs({
      url: this.url,
      apiId: this.apiId,
      userPoolId: this.userPoolId,
      userPoolClientId: this.userPoolClientId,
      functionNames: this.functionNames,
    });
  }
}

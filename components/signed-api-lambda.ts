import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BundledFunction, type BundledFunctionArgs } from "./bundled-function";
import type { PolicyStatement } from "./iam";
import { RestApi, type RestApiArgs } from "./rest-api";
import type { HttpMethod } from "./rest-routes";
import { transform, type Transform } from "./transform";
import { functionEnvironment } from "../functions/shared/env";
import { SIGNED_API_ENV } from "../functions/shared/hosts";
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

/**
 * Cognito user pool feature plans, cheapest first. Lite has what a pool signing users in through
 * the SDK needs (SRP, TOTP MFA, email verification, ID-token claims, the classic hosted UI);
 * Essentials adds managed login, access-token customization, email MFA, password history and
 * passwordless sign-in; Plus adds threat protection.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-sign-in-feature-plans.html
 */
export const USER_POOL_TIERS = ["LITE", "ESSENTIALS", "PLUS"] as const;
export type UserPoolTier = (typeof USER_POOL_TIERS)[number];

/**
 * The created pool's feature plan: the one asked for, else Plus with threat protection and AWS's
 * default for new pools (Essentials) without. Threat protection exists on Plus only.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-settings-threat-protection.html
 */
export function userPoolTierOf(
  auth: Pick<SignedApiAuth, "userPoolTier" | "threatProtection">,
): UserPoolTier {
  const threatProtection = auth.threatProtection ?? false;
  const tier = auth.userPoolTier ?? (threatProtection ? "PLUS" : "ESSENTIALS");
  if (threatProtection && tier !== "PLUS") {
    throw new Error(
      `userPoolTier ${tier} has no threat protection: set userPoolTier "PLUS" or threatProtection false`,
    );
  }
  return tier;
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
   * The created pool's feature plan, billed per monthly active user (see USER_POOL_TIERS for what
   * each adds). Threat protection needs PLUS.
   * @default "PLUS" with threatProtection, else "ESSENTIALS" (AWS's default for new pools)
   */
  userPoolTier?: UserPoolTier;
  /**
   * Deletion protection on the created pool (set it in prod).
   * @default false
   */
  deletionProtection?: boolean;
  /**
   * Shortest password the created pool accepts (it also requires each character class).
   * @default 12
   */
  passwordMinimumLength?: number;
  /**
   * Lifetimes of the created client's tokens: access and id tokens in minutes, refresh in days.
   * @default { accessMinutes: 60, idMinutes: 60, refreshDays: 30 }
   */
  tokenValidity?: { accessMinutes: number; idMinutes: number; refreshDays: number };
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
  /** Hooks over the children's args, run after the component's own (see transform.ts). */
  transform?: SignedApiLambdaTransforms;
}

/** Escape hatches: one hook per kind of child of a `SignedApiLambda`. */
export interface SignedApiLambdaTransforms {
  /** The created user pool (without `auth.userPoolArn`). */
  userPool?: Transform<aws.cognito.UserPoolArgs>;
  /** The created app client. */
  userPoolClient?: Transform<aws.cognito.UserPoolClientArgs>;
  /** Each route's function (the name tells which); its own `transform` reaches the Lambda. */
  function?: Transform<BundledFunctionArgs>;
  /** The REST API; its own `transform` reaches the stage and the rest. */
  api?: Transform<RestApiArgs>;
}

/** What every route's function and the API share, defaults applied. */
interface RouteDefaults {
  readonly corsOrigins: string[];
  readonly tracing: boolean;
  readonly logRetentionInDays: LogRetentionDays;
}

/** Problems with the signing settings, each naming the arg (empty when valid). */
export function signedApiProblems(signing: SignedApiLambdaArgs["signing"]): string[] {
  return [
    ...(/^[A-Za-z0-9/_+=.@-]+\/$/.test(signing.secretPrefix)
      ? []
      : [`signing.secretPrefix: ${signing.secretPrefix} must be a secret name path ending in /`]),
    ...(/^https?:\/\/[^/]+$/.test(signing.upstreamUrl)
      ? []
      : [`signing.upstreamUrl: ${signing.upstreamUrl} must be a base URL without a path`]),
  ];
}

/** What a route's role may do with the callers' key secrets (`keySecrets`: the prefix's ARNs). */
export function keyStatements(
  access: KeyAccess,
  keySecrets: pulumi.Input<string>,
): PolicyStatement[] {
  if (access === "none") return [];
  return [
    {
      Sid: "CallerKeys",
      Effect: "Allow",
      Action: access === "sign" ? "secretsmanager:GetSecretValue" : "secretsmanager:DescribeSecret",
      Resource: keySecrets,
    },
  ];
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

  private readonly name: string;
  private readonly hooks: SignedApiLambdaTransforms;

  constructor(name: string, args: SignedApiLambdaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:api:SignedApiLambda", name, {}, opts);
    this.name = name;
    this.hooks = args.transform ?? {};

    // ---- normalize ----
    const problems = signedApiProblems(args.signing);
    if (problems.length > 0) {
      throw new Error(`SignedApiLambda ${name}:\n  ${problems.join("\n  ")}`);
    }
    const auth = args.auth ?? {};
    const shared: RouteDefaults = {
      corsOrigins: args.corsOrigins ?? [],
      tracing: args.tracing ?? true,
      logRetentionInDays: args.logRetentionInDays ?? 14,
    };

    // ---- create ----
    if (auth.userPoolArn === undefined) {
      this.userPool = this.createUserPool(auth);
      this.userPoolClient = this.createUserPoolClient(this.userPool, auth);
    }
    this.functions = this.createFunctions(args, shared);
    this.api = this.createApi(args, shared, this.userPool?.arn ?? auth.userPoolArn!);

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
      Object.fromEntries(Object.entries(this.functions).map(([n, f]) => [n, f.functionName])),
    );
    this.registerOutputs({
      url: this.url,
      apiId: this.apiId,
      userPoolId: this.userPoolId,
      userPoolClientId: this.userPoolClientId,
      functionNames: this.functionNames,
    });
  }

  /** Email sign-in, strong passwords, optional TOTP MFA; administrators create users by default. */
  private createUserPool(auth: SignedApiAuth): aws.cognito.UserPool {
    return new aws.cognito.UserPool(
      ...transform(
        this.hooks.userPool,
        `${this.name}-users`,
        {
          usernameAttributes: ["email"],
          autoVerifiedAttributes: ["email"],
          passwordPolicy: {
            minimumLength: auth.passwordMinimumLength ?? 12,
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
          userPoolTier: userPoolTierOf(auth),
          ...(auth.threatProtection
            ? { userPoolAddOns: { advancedSecurityMode: "ENFORCED" } }
            : {}),
        },
        { parent: this, protect: auth.deletionProtection ?? false },
      ),
    );
  }

  private createUserPoolClient(
    userPool: aws.cognito.UserPool,
    auth: SignedApiAuth,
  ): aws.cognito.UserPoolClient {
    const validity = auth.tokenValidity ?? { accessMinutes: 60, idMinutes: 60, refreshDays: 30 };
    return new aws.cognito.UserPoolClient(
      ...transform(
        this.hooks.userPoolClient,
        `${this.name}-client`,
        {
          userPoolId: userPool.id,
          // A browser app: no client secret to leak; SRP keeps passwords off the wire.
          generateSecret: false,
          explicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
          preventUserExistenceErrors: "ENABLED",
          enableTokenRevocation: true,
          accessTokenValidity: validity.accessMinutes,
          idTokenValidity: validity.idMinutes,
          refreshTokenValidity: validity.refreshDays,
          tokenValidityUnits: { accessToken: "minutes", idToken: "minutes", refreshToken: "days" },
        },
        { parent: this },
      ),
    );
  }

  /** One function per route, each with its own role scoped to the key prefix. */
  private createFunctions(
    args: SignedApiLambdaArgs,
    shared: RouteDefaults,
  ): Record<string, BundledFunction> {
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const keySecrets = pulumi.interpolate`arn:${partition}:secretsmanager:${region}:${account}:secret:${args.signing.secretPrefix}*`;
    const environment: Record<string, pulumi.Input<string>> = {
      ...functionEnvironment(SIGNED_API_ENV, {
        ALLOWED_ORIGINS: shared.corsOrigins.join(","),
        UPSTREAM_BASE_URL: args.signing.upstreamUrl,
        UPSTREAM_TIMEOUT_MS: String(args.signing.upstreamTimeoutMs ?? 5000),
        USER_KEY_SECRET_PREFIX: args.signing.secretPrefix,
      }),
      ...args.environment,
    };
    return Object.fromEntries(
      Object.entries(args.routes).map(([routeName, route]) => [
        routeName,
        new BundledFunction(
          ...transform(
            this.hooks.function,
            `${this.name}-${routeName}`,
            {
              entry: route.handler,
              description: route.description ?? `${route.method} ${route.path}`,
              timeout: route.timeout ?? 10,
              memorySize: route.memorySize ?? 256,
              environment: { ...environment, ...route.environment },
              statements: [
                ...keyStatements(route.keyAccess ?? "sign", keySecrets),
                ...(route.statements ?? []),
              ],
              logRetentionInDays: shared.logRetentionInDays,
              tracing: shared.tracing,
            },
            { parent: this },
          ),
        ),
      ]),
    );
  }

  /** The API, every route behind the user pool. */
  private createApi(
    args: SignedApiLambdaArgs,
    shared: RouteDefaults,
    userPoolArn: pulumi.Input<string>,
  ): RestApi {
    return new RestApi(
      ...transform(
        this.hooks.api,
        this.name,
        {
          description: `${this.name}: Cognito-protected API whose functions sign upstream requests`,
          routes: Object.fromEntries(
            Object.entries(args.routes).map(([routeName, route]) => [
              routeName,
              {
                method: route.method,
                path: route.path,
                target: this.functions[routeName]!,
                authorization: "cognito" as const,
              },
            ]),
          ),
          cognitoUserPoolArn: userPoolArn,
          corsOrigins: shared.corsOrigins,
          throttle: args.throttle,
          tracing: shared.tracing,
          stageName: args.stageName,
          logRetentionInDays: shared.logRetentionInDays,
        },
        { parent: this },
      ),
    );
  }
}

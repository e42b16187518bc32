import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BundledFunction } from "./bundled-function";
import type { PolicyStatement } from "./iam";
import {
  corsPreflightTemplate,
  deploymentFingerprint,
  invokeSourcePath,
  originProblems,
  pathSlug,
  resourceTree,
  routeProblems,
  type HttpMethod,
} from "./rest-routes";

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
  logRetentionInDays?: number;
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

const CORS_ALLOW_HEADERS = "Authorization,Content-Type,X-Amz-Date,X-Amz-Security-Token";

/** One JSON object per request; the caller is the token's `sub`, never a header. */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  caller: "$context.authorizer.claims.sub",
  requestTime: "$context.requestTimeEpoch",
  method: "$context.httpMethod",
  resourcePath: "$context.resourcePath",
  status: "$context.status",
  responseLength: "$context.responseLength",
  latency: "$context.responseLatency",
  integrationLatency: "$context.integration.latency",
  integrationError: "$context.integration.error",
  authorizerError: "$context.authorizer.error",
  xrayTraceId: "$context.xrayTraceId",
});

/**
 * A regional REST API whose Lambda handlers call an upstream API on behalf of each user, signing
 * with that user's private key from Secrets Manager. Every method requires a Cognito token except
 * the `OPTIONS` preflight of each resource; every function is bundled (no layers) with its own
 * role, scoped to the key prefix, and its own log group.
 */
export class SignedApiLambda extends pulumi.ComponentResource {
  public readonly api: aws.apigateway.RestApi;
  public readonly stage: aws.apigateway.Stage;
  public readonly deployment: aws.apigateway.Deployment;
  public readonly authorizer: aws.apigateway.Authorizer;
  public readonly userPool?: aws.cognito.UserPool;
  public readonly userPoolClient?: aws.cognito.UserPoolClient;
  public readonly functions: Readonly<Record<string, BundledFunction>>;
  public readonly accessLogGroup: aws.cloudwatch.LogGroup;
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
    const throttle = args.throttle ?? { rateLimit: 50, burstLimit: 100 };
    const tracing = args.tracing ?? true;
    const stageName = args.stageName ?? "v1";
    const logRetentionInDays = args.logRetentionInDays ?? 14;
    const problems = [
      ...routeProblems(args.routes),
      ...originProblems(corsOrigins),
      ...(throttle.rateLimit > 0 && throttle.burstLimit >= 1
        ? []
        : ["throttle: rateLimit and burstLimit must be positive"]),
      ...(/^[A-Za-z0-9/_+=.@-]+\/$/.test(args.signing.secretPrefix)
        ? []
        : [
            `signing.secretPrefix: ${args.signing.secretPrefix} must be a secret name path ending in /`,
          ]),
      ...(/^https?:\/\/[^/]+$/.test(args.signing.upstreamUrl)
        ? []
        : [`signing.upstreamUrl: ${args.signing.upstreamUrl} must be a base URL without a path`]),
      ...(/^[A-Za-z0-9_-]{1,128}$/.test(stageName) ? [] : [`stageName: ${stageName} is invalid`]),
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

    // ---- create: API and authorizer ----
    this.api = new aws.apigateway.RestApi(
      `${name}-api`,
      {
        description: `${name}: Cognito-protected API whose functions sign upstream requests`,
        endpointConfiguration: { types: "REGIONAL" },
      },
      { parent: this },
    );
    this.authorizer = new aws.apigateway.Authorizer(
      `${name}-authorizer`,
      {
        restApi: this.api.id,
        type: "COGNITO_USER_POOLS",
        providerArns: [userPoolArn],
        identitySource: "method.request.header.Authorization",
      },
      { parent: this },
    );

    // ---- create: functions ----
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const keySecrets = pulumi.interpolate`arn:${partition}:secretsmanager:${region}:${account}:secret:${args.signing.secretPrefix}*`;
    const sharedEnvironment: Record<string, pulumi.Input<string>> = {
      ALLOWED_ORIGINS: corsOrigins.join(","),
      UPSTREAM_BASE_URL: args.signing.upstreamUrl,
      UPSTREAM_TIMEOUT_MS: String(args.signing.upstreamTimeoutMs ?? 5000),
      USER_KEY_SECRET_PREFIX: args.signing.secretPrefix,
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

    // ---- create: resources, methods, integrations, permissions ----
    const resources = new Map<string, aws.apigateway.Resource>();
    for (const spec of resourceTree(routes.map(([, r]) => r.path))) {
      resources.set(
        spec.path,
        new aws.apigateway.Resource(
          `${name}-${pathSlug(spec.path)}`,
          {
            restApi: this.api.id,
            parentId: spec.parent ? resources.get(spec.parent)!.id : this.api.rootResourceId,
            pathPart: spec.pathPart,
          },
          { parent: this },
        ),
      );
    }
    const deployed: pulumi.Resource[] = [];
    for (const [routeName, route] of routes) {
      const resource = resources.get(route.path)!;
      const fn = functions[routeName]!;
      const method = new aws.apigateway.Method(
        `${name}-${routeName}-method`,
        {
          restApi: this.api.id,
          resourceId: resource.id,
          httpMethod: route.method,
          authorization: "COGNITO_USER_POOLS",
          authorizerId: this.authorizer.id,
        },
        { parent: this },
      );
      const integration = new aws.apigateway.Integration(
        `${name}-${routeName}-integration`,
        {
          restApi: this.api.id,
          resourceId: resource.id,
          httpMethod: method.httpMethod,
          type: "AWS_PROXY",
          integrationHttpMethod: "POST",
          uri: fn.invokeArn,
        },
        { parent: this },
      );
      new aws.lambda.Permission(
        `${name}-${routeName}-invoke`,
        {
          function: fn.functionName,
          action: "lambda:InvokeFunction",
          principal: "apigateway.amazonaws.com",
          sourceArn: pulumi.interpolate`${this.api.executionArn}${invokeSourcePath(route.method, route.path)}`,
        },
        { parent: this },
      );
      deployed.push(method, integration);
    }
    for (const [path, resource] of resources) {
      const methods = routes.filter(([, r]) => r.path === path).map(([, r]) => r.method);
      if (methods.length > 0) {
        deployed.push(...this.preflight(name, path, resource, methods, corsOrigins));
      }
    }
    if (corsOrigins.length === 1) {
      for (const type of ["DEFAULT_4XX", "DEFAULT_5XX"]) {
        deployed.push(
          new aws.apigateway.Response(
            `${name}-${type.toLowerCase().replace("_", "-")}`,
            {
              restApiId: this.api.id,
              responseType: type,
              responseParameters: {
                "gatewayresponse.header.Access-Control-Allow-Origin": `'${corsOrigins[0]}'`,
                "gatewayresponse.header.Vary": "'Origin'",
              },
            },
            { parent: this },
          ),
        );
      }
    }

    // ---- create: deployment and stage ----
    this.deployment = new aws.apigateway.Deployment(
      `${name}-deployment`,
      {
        restApi: this.api.id,
        description: "Replaced whenever a route, its auth or CORS changes",
        triggers: {
          redeployment: deploymentFingerprint({
            routes: routes.map(([n, r]) => [n, r.method, r.path, r.handler]),
            corsOrigins,
            auth: auth.userPoolArn === undefined ? "created" : "existing",
          }),
        },
      },
      { parent: this, dependsOn: deployed },
    );
    this.accessLogGroup = new aws.cloudwatch.LogGroup(
      `${name}-access-logs`,
      { namePrefix: `/platform/apigateway/${name}-`, retentionInDays: logRetentionInDays },
      { parent: this },
    );
    this.stage = new aws.apigateway.Stage(
      `${name}-stage`,
      {
        restApi: this.api.id,
        deployment: this.deployment.id,
        stageName,
        xrayTracingEnabled: tracing,
        accessLogSettings: {
          destinationArn: this.accessLogGroup.arn,
          format: ACCESS_LOG_FORMAT,
        },
      },
      { parent: this },
    );
    new aws.apigateway.MethodSettings(
      `${name}-throttling`,
      {
        restApi: this.api.id,
        stageName: this.stage.stageName,
        methodPath: "*/*",
        settings: {
          throttlingRateLimit: throttle.rateLimit,
          throttlingBurstLimit: throttle.burstLimit,
          metricsEnabled: true,
        },
      },
      { parent: this },
    );

    // ---- expose ----
    this.url = this.stage.invokeUrl.apply((u) => u.replace(/\/$/, ""));
    this.apiId = this.api.id;
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

  /** The unauthenticated `OPTIONS` method answering CORS preflight for one resource. */
  private preflight(
    name: string,
    path: string,
    resource: aws.apigateway.Resource,
    methods: HttpMethod[],
    origins: string[],
  ): pulumi.Resource[] {
    const prefix = `${name}-${pathSlug(path)}-options`;
    const common = { restApi: this.api.id, resourceId: resource.id, httpMethod: "OPTIONS" };
    const method = new aws.apigateway.Method(
      prefix,
      { ...common, authorization: "NONE" },
      { parent: this },
    );
    const integration = new aws.apigateway.Integration(
      `${prefix}-integration`,
      {
        ...common,
        httpMethod: method.httpMethod,
        type: "MOCK",
        requestTemplates: { "application/json": '{"statusCode": 200}' },
      },
      { parent: this },
    );
    const headers = ["Allow-Origin", "Allow-Methods", "Allow-Headers", "Max-Age"].map(
      (h) => `method.response.header.Access-Control-${h}`,
    );
    const methodResponse = new aws.apigateway.MethodResponse(
      `${prefix}-response`,
      {
        ...common,
        httpMethod: method.httpMethod,
        statusCode: "200",
        responseParameters: Object.fromEntries(
          [...headers, "method.response.header.Vary"].map((h) => [h, false]),
        ),
      },
      { parent: this },
    );
    const integrationResponse = new aws.apigateway.IntegrationResponse(
      `${prefix}-integration-response`,
      {
        ...common,
        httpMethod: method.httpMethod,
        statusCode: methodResponse.statusCode,
        responseParameters: {
          "method.response.header.Access-Control-Allow-Methods": `'${[...methods, "OPTIONS"].join(",")}'`,
          "method.response.header.Access-Control-Allow-Headers": `'${CORS_ALLOW_HEADERS}'`,
          "method.response.header.Access-Control-Max-Age": "'600'",
        },
        responseTemplates: { "application/json": corsPreflightTemplate(origins) },
      },
      { parent: this, dependsOn: [integration] },
    );
    return [method, integration, methodResponse, integrationResponse];
  }
}

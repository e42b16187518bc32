import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  allowedMethods,
  corsPreflightTemplate,
  deploymentFingerprint,
  gatewayResponses,
  invokeSourcePath,
  originProblems,
  pathSlug,
  resourceTree,
  routeProblems,
  type HttpMethod,
} from "./rest-routes";
import { transform, type Transform } from "./transform";
import type { LogRetentionDays } from "./profile";

/**
 * Who may call a route: `cognito` (a user pool token), `iam` (SigV4-signed by an IAM principal),
 * or `none` (the policy pack allows that only for allow-listed routes such as `GET /health`).
 */
export type RouteAuthorization = "cognito" | "iam" | "none";

/** The Lambda function a route invokes (a proxy integration). */
export interface RouteTarget {
  readonly functionName: pulumi.Input<string>;
  readonly invokeArn: pulumi.Input<string>;
}

export interface RestApiRoute {
  /** HTTP method, or `ANY`. */
  method: HttpMethod;
  /**
   * Resource path: literal segments, `{param}`s, or a last `{proxy+}`.
   * @example "/api/v1/jobs/{jobId}"
   */
  path: string;
  /** The function answering it. */
  target: RouteTarget;
  /** Who may call it. */
  authorization: RouteAuthorization;
}

export interface RestApiArgs {
  /** What the API is, for the console. */
  description: string;
  /** The routes, by name (names go into logical names). */
  routes: Record<string, RestApiRoute>;
  /** The user pool behind `cognito` routes; required when any route uses it. */
  cognitoUserPoolArn?: pulumi.Input<string>;
  /**
   * Browser origins allowed by CORS, exact. With exactly one, API Gateway's own error responses
   * (401, 403, throttling) carry it too.
   * @default []
   */
  corsOrigins?: string[];
  /**
   * Stage-wide throttling of all methods.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  throttle?: { rateLimit: number; burstLimit: number };
  /**
   * Content types passed to functions as binary (base64).
   * @default []
   */
  binaryMediaTypes?: string[];
  /**
   * X-Ray tracing on the stage.
   * @default true
   */
  tracing?: boolean;
  /**
   * The stage name, the URL's first path segment.
   * @default "v1"
   */
  stageName?: string;
  /**
   * Retention of the access log group, in days.
   * @default 14
   */
  logRetentionInDays?: LogRetentionDays;
  /**
   * How long browsers may cache a preflight answer (`Access-Control-Max-Age`), in seconds.
   * @default 600
   */
  corsMaxAgeSeconds?: number;
  /**
   * Per-method CloudWatch metrics (count, latency, errors by method and path) on the stage.
   * @default true
   */
  detailedMetrics?: boolean;
  /** Hooks over the children's args, run after the component's own (see transform.ts). */
  transform?: RestApiTransforms;
}

/** Escape hatches: one hook per kind of child of a `RestApi`. */
export interface RestApiTransforms {
  /** The REST API (endpoint type, binary media types, policy). */
  api?: Transform<aws.apigateway.RestApiArgs>;
  /** The Cognito authorizer, when a route uses `cognito`. */
  authorizer?: Transform<aws.apigateway.AuthorizerArgs>;
  /** Each route's method (the name tells which route); not the `OPTIONS` preflights. */
  method?: Transform<aws.apigateway.MethodArgs>;
  /** Each route's Lambda proxy integration. */
  integration?: Transform<aws.apigateway.IntegrationArgs>;
  /** Each route's permission to invoke its function. */
  permission?: Transform<aws.lambda.PermissionArgs>;
  /** The deployment (its triggers decide when a new one is made). */
  deployment?: Transform<aws.apigateway.DeploymentArgs>;
  /** The access log group. */
  accessLogGroup?: Transform<aws.cloudwatch.LogGroupArgs>;
  /** The stage (tracing, access log format, variables). */
  stage?: Transform<aws.apigateway.StageArgs>;
  /** The stage-wide method settings (throttling, metrics, logging level). */
  methodSettings?: Transform<aws.apigateway.MethodSettingsArgs>;
}

/** `args` with every default applied. */
interface ResolvedRestApi {
  readonly corsOrigins: string[];
  readonly throttle: { rateLimit: number; burstLimit: number };
  readonly stageName: string;
  readonly routes: [string, RestApiRoute][];
  readonly usesCognito: boolean;
  readonly binaryMediaTypes: string[];
  readonly corsMaxAgeSeconds: number;
}

/** The defaults applied to `args`, and every problem with them (empty when valid). */
export function resolveRestApiArgs(args: RestApiArgs): {
  resolved: ResolvedRestApi;
  problems: string[];
} {
  const resolved: ResolvedRestApi = {
    corsOrigins: args.corsOrigins ?? [],
    throttle: args.throttle ?? { rateLimit: 50, burstLimit: 100 },
    stageName: args.stageName ?? "v1",
    routes: Object.entries(args.routes),
    usesCognito: Object.values(args.routes).some((r) => r.authorization === "cognito"),
    binaryMediaTypes: args.binaryMediaTypes ?? [],
    corsMaxAgeSeconds: args.corsMaxAgeSeconds ?? 600,
  };
  const { throttle, stageName, corsMaxAgeSeconds } = resolved;
  const problems = [
    ...routeProblems(args.routes),
    ...originProblems(resolved.corsOrigins),
    ...(throttle.rateLimit > 0 && throttle.burstLimit >= 1
      ? []
      : ["throttle: rateLimit and burstLimit must be positive"]),
    ...(/^[A-Za-z0-9_-]{1,128}$/.test(stageName) ? [] : [`stageName: ${stageName} is invalid`]),
    ...(resolved.usesCognito && args.cognitoUserPoolArn === undefined
      ? ["cognitoUserPoolArn: required by the routes with cognito authorization"]
      : []),
    ...(Number.isInteger(corsMaxAgeSeconds) && corsMaxAgeSeconds >= 0 && corsMaxAgeSeconds <= 7200
      ? []
      : [`corsMaxAgeSeconds: ${corsMaxAgeSeconds} must be a whole number, 0 to 7200`]),
  ];
  return { resolved, problems };
}

const CORS_ALLOW_HEADERS = "Authorization,Content-Type,X-Amz-Date,X-Amz-Security-Token";

const AUTHORIZATION: Record<RouteAuthorization, string> = {
  cognito: "COGNITO_USER_POOLS",
  iam: "AWS_IAM",
  none: "NONE",
};

/** One JSON object per request; the caller is the token's `sub` or the IAM principal. */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  caller: "$context.authorizer.claims.sub",
  iamCaller: "$context.identity.userArn",
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
 * A regional API Gateway REST API in front of Lambda functions: the resource tree, one method per
 * route with its authorization and a proxy integration, a Lambda permission scoped to that method
 * and path, an unauthenticated `OPTIONS` preflight per routed resource, a deployment replaced
 * whenever the routes change, and a stage with JSON access logs, X-Ray and throttling.
 */
export class RestApi extends pulumi.ComponentResource {
  public readonly api: aws.apigateway.RestApi;
  public readonly authorizer?: aws.apigateway.Authorizer;
  public readonly deployment: aws.apigateway.Deployment;
  public readonly stage: aws.apigateway.Stage;
  public readonly accessLogGroup: aws.cloudwatch.LogGroup;
  /** The stage's invoke URL, ending in the stage name (no trailing slash). */
  public readonly url: pulumi.Output<string>;
  public readonly apiId: pulumi.Output<string>;
  /** `arn:<partition>:execute-api:<region>:<account>:<api id>`: append `/<stage>/<METHOD>/<path>`. */
  public readonly executionArn: pulumi.Output<string>;

  private readonly name: string;
  private readonly hooks: RestApiTransforms;

  constructor(name: string, args: RestApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:api:RestApi", name, {}, opts);
    this.name = name;
    this.hooks = args.transform ?? {};

    // ---- normalize ----
    const { resolved, problems } = resolveRestApiArgs(args);
    if (problems.length > 0) throw new Error(`RestApi ${name}:\n  ${problems.join("\n  ")}`);

    // ---- create ----
    this.api = this.createApi(args.description, resolved.binaryMediaTypes);
    if (resolved.usesCognito) this.authorizer = this.createAuthorizer(args.cognitoUserPoolArn!);
    // Everything a deployment snapshots: it must exist before the deployment is made.
    const resources = this.createResources(resolved.routes);
    const deployed = [
      ...this.createRoutes(resolved.routes, resources),
      ...this.createPreflights(resolved, resources),
      ...this.createGatewayResponses(resolved.corsOrigins),
    ];
    this.deployment = this.createDeployment(resolved, deployed);
    this.accessLogGroup = this.createAccessLogGroup(args.logRetentionInDays ?? 14);
    this.stage = this.createStage(resolved.stageName, args.tracing ?? true);
    this.createMethodSettings(resolved.throttle, args.detailedMetrics ?? true);

    // ---- expose ----
    this.url = this.stage.invokeUrl.apply((u) => u.replace(/\/$/, ""));
    this.apiId = this.api.id;
    this.executionArn = this.api.executionArn;
    this.registerOutputs({ url: this.url, apiId: this.apiId });
  }

  private createApi(description: string, binaryMediaTypes: string[]): aws.apigateway.RestApi {
    return new aws.apigateway.RestApi(
      ...transform(
        this.hooks.api,
        `${this.name}-api`,
        { description, endpointConfiguration: { types: "REGIONAL" }, binaryMediaTypes },
        { parent: this },
      ),
    );
  }

  private createAuthorizer(userPoolArn: pulumi.Input<string>): aws.apigateway.Authorizer {
    return new aws.apigateway.Authorizer(
      ...transform(
        this.hooks.authorizer,
        `${this.name}-authorizer`,
        {
          restApi: this.api.id,
          type: "COGNITO_USER_POOLS",
          providerArns: [userPoolArn],
          identitySource: "method.request.header.Authorization",
        },
        { parent: this },
      ),
    );
  }

  /** One API resource per path segment the routes need, by full path. */
  private createResources(routes: [string, RestApiRoute][]): Map<string, aws.apigateway.Resource> {
    const resources = new Map<string, aws.apigateway.Resource>();
    for (const spec of resourceTree(routes.map(([, r]) => r.path))) {
      resources.set(
        spec.path,
        new aws.apigateway.Resource(
          `${this.name}-${pathSlug(spec.path)}`,
          {
            restApi: this.api.id,
            parentId: spec.parent ? resources.get(spec.parent)!.id : this.api.rootResourceId,
            pathPart: spec.pathPart,
          },
          { parent: this },
        ),
      );
    }
    return resources;
  }

  /** Each route's method, proxy integration and permission to invoke its function. */
  private createRoutes(
    routes: [string, RestApiRoute][],
    resources: Map<string, aws.apigateway.Resource>,
  ): pulumi.Resource[] {
    return routes.flatMap(([routeName, route]) => {
      const prefix = `${this.name}-${routeName}`;
      const resource = resources.get(route.path)!;
      const method = new aws.apigateway.Method(
        ...transform(
          this.hooks.method,
          `${prefix}-method`,
          {
            restApi: this.api.id,
            resourceId: resource.id,
            httpMethod: route.method,
            authorization: AUTHORIZATION[route.authorization],
            authorizerId: route.authorization === "cognito" ? this.authorizer!.id : undefined,
          },
          { parent: this },
        ),
      );
      const integration = new aws.apigateway.Integration(
        ...transform(
          this.hooks.integration,
          `${prefix}-integration`,
          {
            restApi: this.api.id,
            resourceId: resource.id,
            httpMethod: method.httpMethod,
            type: "AWS_PROXY",
            integrationHttpMethod: "POST",
            uri: route.target.invokeArn,
          },
          { parent: this },
        ),
      );
      new aws.lambda.Permission(
        ...transform(
          this.hooks.permission,
          `${prefix}-invoke`,
          {
            function: route.target.functionName,
            action: "lambda:InvokeFunction",
            principal: "apigateway.amazonaws.com",
            sourceArn: pulumi.interpolate`${this.api.executionArn}${invokeSourcePath(route.method, route.path)}`,
          },
          { parent: this },
        ),
      );
      return [method, integration];
    });
  }

  /** The `OPTIONS` preflight of every resource a route is on. */
  private createPreflights(
    resolved: ResolvedRestApi,
    resources: Map<string, aws.apigateway.Resource>,
  ): pulumi.Resource[] {
    return [...resources].flatMap(([path, resource]) => {
      const methods = resolved.routes.filter(([, r]) => r.path === path).map(([, r]) => r.method);
      return methods.length > 0 ? this.preflight(path, resource, methods, resolved) : [];
    });
  }

  /** The unauthenticated `OPTIONS` method answering CORS preflight for one resource. */
  private preflight(
    path: string,
    resource: aws.apigateway.Resource,
    methods: HttpMethod[],
    resolved: ResolvedRestApi,
  ): pulumi.Resource[] {
    const prefix = `${this.name}-${pathSlug(path)}-options`;
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
          "method.response.header.Access-Control-Allow-Methods": `'${allowedMethods(methods)}'`,
          "method.response.header.Access-Control-Allow-Headers": `'${CORS_ALLOW_HEADERS}'`,
          "method.response.header.Access-Control-Max-Age": `'${resolved.corsMaxAgeSeconds}'`,
        },
        responseTemplates: { "application/json": corsPreflightTemplate(resolved.corsOrigins) },
      },
      { parent: this, dependsOn: [integration] },
    );
    return [method, integration, methodResponse, integrationResponse];
  }

  /** API Gateway's own answers (see `gatewayResponses`). */
  private createGatewayResponses(corsOrigins: string[]): aws.apigateway.Response[] {
    return gatewayResponses(corsOrigins).map(
      (response) =>
        new aws.apigateway.Response(
          `${this.name}-${response.suffix}`,
          {
            restApiId: this.api.id,
            responseType: response.responseType,
            ...(response.statusCode ? { statusCode: response.statusCode } : {}),
            responseParameters: response.responseParameters,
            ...(response.responseTemplates
              ? { responseTemplates: response.responseTemplates }
              : {}),
          },
          { parent: this },
        ),
    );
  }

  /** A deployment, replaced whenever what it snapshots changes. */
  private createDeployment(
    resolved: ResolvedRestApi,
    deployed: pulumi.Resource[],
  ): aws.apigateway.Deployment {
    const { routes } = resolved;
    return new aws.apigateway.Deployment(
      ...transform(
        this.hooks.deployment,
        `${this.name}-deployment`,
        {
          restApi: this.api.id,
          description: "Replaced whenever a route, its authorization or CORS changes",
          triggers: {
            // A deployment snapshots integrations, so a route's new function needs one too.
            redeployment: pulumi.all(routes.map(([, r]) => r.target.invokeArn)).apply((targets) =>
              deploymentFingerprint({
                routes: routes.map(([n, r], i) => [
                  n,
                  r.method,
                  r.path,
                  r.authorization,
                  targets[i],
                ]),
                corsOrigins: resolved.corsOrigins,
                binaryMediaTypes: resolved.binaryMediaTypes,
              }),
            ),
          },
        },
        { parent: this, dependsOn: deployed },
      ),
    );
  }

  private createAccessLogGroup(retentionInDays: number): aws.cloudwatch.LogGroup {
    return new aws.cloudwatch.LogGroup(
      ...transform(
        this.hooks.accessLogGroup,
        `${this.name}-access-logs`,
        { namePrefix: `/platform/apigateway/${this.name}-`, retentionInDays },
        { parent: this },
      ),
    );
  }

  private createStage(stageName: string, tracing: boolean): aws.apigateway.Stage {
    return new aws.apigateway.Stage(
      ...transform(
        this.hooks.stage,
        `${this.name}-stage`,
        {
          restApi: this.api.id,
          deployment: this.deployment.id,
          stageName,
          xrayTracingEnabled: tracing,
          accessLogSettings: { destinationArn: this.accessLogGroup.arn, format: ACCESS_LOG_FORMAT },
        },
        { parent: this },
      ),
    );
  }

  /** Stage-wide throttling and metrics of every method. */
  private createMethodSettings(
    throttle: { rateLimit: number; burstLimit: number },
    metricsEnabled: boolean,
  ): aws.apigateway.MethodSettings {
    return new aws.apigateway.MethodSettings(
      ...transform(
        this.hooks.methodSettings,
        `${this.name}-throttling`,
        {
          restApi: this.api.id,
          stageName: this.stage.stageName,
          methodPath: "*/*",
          settings: {
            throttlingRateLimit: throttle.rateLimit,
            throttlingBurstLimit: throttle.burstLimit,
            metricsEnabled,
          },
        },
        { parent: this },
      ),
    );
  }
}

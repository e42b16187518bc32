import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  allowedMethods,
  corsPreflightTemplate,
  deploymentFingerprint,
  invokeSourcePath,
  originProblems,
  pathSlug,
  resourceTree,
  routeProblems,
  type HttpMethod,
} from "./rest-routes";
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

  constructor(name: string, args: RestApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:api:RestApi", name, {}, opts);

    // ---- normalize ----
    const corsOrigins = args.corsOrigins ?? [];
    const throttle = args.throttle ?? { rateLimit: 50, burstLimit: 100 };
    const stageName = args.stageName ?? "v1";
    const routes = Object.entries(args.routes);
    const usesCognito = routes.some(([, r]) => r.authorization === "cognito");
    const problems = [
      ...routeProblems(args.routes),
      ...originProblems(corsOrigins),
      ...(throttle.rateLimit > 0 && throttle.burstLimit >= 1
        ? []
        : ["throttle: rateLimit and burstLimit must be positive"]),
      ...(/^[A-Za-z0-9_-]{1,128}$/.test(stageName) ? [] : [`stageName: ${stageName} is invalid`]),
      ...(usesCognito && args.cognitoUserPoolArn === undefined
        ? ["cognitoUserPoolArn: required by the routes with cognito authorization"]
        : []),
    ];
    if (problems.length > 0) throw new Error(`RestApi ${name}:\n  ${problems.join("\n  ")}`);

    // ---- create: API and authorizer ----
    this.api = new aws.apigateway.RestApi(
      `${name}-api`,
      {
        description: args.description,
        endpointConfiguration: { types: "REGIONAL" },
        binaryMediaTypes: args.binaryMediaTypes ?? [],
      },
      { parent: this },
    );
    if (usesCognito) {
      this.authorizer = new aws.apigateway.Authorizer(
        `${name}-authorizer`,
        {
          restApi: this.api.id,
          type: "COGNITO_USER_POOLS",
          providerArns: [args.cognitoUserPoolArn!],
          identitySource: "method.request.header.Authorization",
        },
        { parent: this },
      );
    }

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
      const method = new aws.apigateway.Method(
        `${name}-${routeName}-method`,
        {
          restApi: this.api.id,
          resourceId: resource.id,
          httpMethod: route.method,
          authorization: AUTHORIZATION[route.authorization],
          authorizerId: route.authorization === "cognito" ? this.authorizer!.id : undefined,
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
          uri: route.target.invokeArn,
        },
        { parent: this },
      );
      new aws.lambda.Permission(
        `${name}-${routeName}-invoke`,
        {
          function: route.target.functionName,
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

    // A function that cannot be invoked (throttled at its reserved concurrency, or failing to
    // start) is API Gateway's 500 by default; say "busy, retry" as the apps themselves do.
    deployed.push(
      new aws.apigateway.Response(
        `${name}-integration-failure`,
        {
          restApiId: this.api.id,
          responseType: "INTEGRATION_FAILURE",
          statusCode: "503",
          responseParameters: {
            "gatewayresponse.header.Retry-After": "'1'",
            ...(corsOrigins.length === 1
              ? {
                  "gatewayresponse.header.Access-Control-Allow-Origin": `'${corsOrigins[0]}'`,
                  "gatewayresponse.header.Vary": "'Origin'",
                }
              : {}),
          },
          responseTemplates: {
            "application/json":
              '{"error":"unavailable","message":"the service is at capacity or starting; retry shortly"}',
          },
        },
        { parent: this },
      ),
    );

    // ---- create: deployment and stage ----
    this.deployment = new aws.apigateway.Deployment(
      `${name}-deployment`,
      {
        restApi: this.api.id,
        description: "Replaced whenever a route, its authorization or CORS changes",
        triggers: {
          // A deployment snapshots integrations, so a route's new function needs one too.
          redeployment: pulumi.all(routes.map(([, r]) => r.target.invokeArn)).apply((targets) =>
            deploymentFingerprint({
              routes: routes.map(([n, r], i) => [n, r.method, r.path, r.authorization, targets[i]]),
              corsOrigins,
              binaryMediaTypes: args.binaryMediaTypes ?? [],
            }),
          ),
        },
      },
      { parent: this, dependsOn: deployed },
    );
    this.accessLogGroup = new aws.cloudwatch.LogGroup(
      `${name}-access-logs`,
      {
        namePrefix: `/platform/apigateway/${name}-`,
        retentionInDays: args.logRetentionInDays ?? 14,
      },
      { parent: this },
    );
    this.stage = new aws.apigateway.Stage(
      `${name}-stage`,
      {
        restApi: this.api.id,
        deployment: this.deployment.id,
        stageName,
        xrayTracingEnabled: args.tracing ?? true,
        accessLogSettings: { destinationArn: this.accessLogGroup.arn, format: ACCESS_LOG_FORMAT },
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
    this.executionArn = this.api.executionArn;
    this.registerOutputs({ url: this.url, apiId: this.apiId });
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
          "method.response.header.Access-Control-Allow-Methods": `'${allowedMethods(methods)}'`,
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

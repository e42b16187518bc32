/** Entry points: API Gateway REST APIs, Cognito user pools and application load balancers. */
import type { PolicyResource } from "@pulumi/policy";
import {
  asArray,
  asRecord,
  dependenciesOf,
  isTrue,
  ofType,
  refersTo,
  resourceRule,
  stackRule,
  text,
  type Props,
} from "./common";
import { LISTENERS, LOAD_BALANCERS } from "./types";

const METHOD = "aws:apigateway/method:Method";
const RESOURCE = "aws:apigateway/resource:Resource";
const STAGE = "aws:apigateway/stage:Stage";
const METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings";

/** The path of an API Gateway resource, walking `parentId` up to the API's root. */
export function resourcePath(resource: PolicyResource | undefined, depth = 0): string {
  if (!resource || resource.type !== RESOURCE || depth > 32) return "";
  const parent = dependenciesOf(resource, "parentId").find((d) => d.type === RESOURCE);
  return `${resourcePath(parent, depth + 1)}/${text(resource.props.pathPart, "?")}`;
}

export const DEFAULT_PUBLIC_ROUTES = ["GET /health"];

export const methodAuthorization = stackRule({
  name: "apigw-method-authorization",
  description:
    "Every API Gateway method has an authorizer or IAM auth, except OPTIONS (CORS preflight) and allow-listed public routes.",
  controls: [],
  severity: "critical",
  remediation:
    'Set authorization to "COGNITO_USER_POOLS" (with an authorizer) or "AWS_IAM"; a deliberately public route goes into publicRoutes in policy/<stack>.json.',
  configSchema: {
    properties: {
      publicRoutes: { type: "array", items: { type: "string" }, default: DEFAULT_PUBLIC_ROUTES },
    },
  },
  check: (resources, args) => {
    const publicRoutes =
      args.getConfig<{ publicRoutes?: string[] }>().publicRoutes ?? DEFAULT_PUBLIC_ROUTES;
    return ofType(resources, METHOD).flatMap((method) => {
      const verb = text(method.props.httpMethod, "").toUpperCase();
      const path =
        resourcePath(dependenciesOf(method, "resourceId").find((d) => d.type === RESOURCE)) || "/";
      const open = text(method.props.authorization, "NONE").toUpperCase() === "NONE";
      if (!open || verb === "OPTIONS" || publicRoutes.includes(`${verb} ${path}`)) return [];
      return [{ resource: method, message: `${verb} ${path} has no authorization` }];
    });
  },
});

export const stageAccessLogs = resourceRule({
  name: "apigw-stage-access-logs",
  description: "API Gateway stages write JSON access logs to CloudWatch Logs.",
  controls: [],
  severity: "medium",
  remediation:
    "Set accessLogSettings: { destinationArn: <log group ARN>, format: JSON.stringify({...}) }.",
  checks: {
    [STAGE]: (props) => {
      const settings = asRecord(props.accessLogSettings);
      return settings.destinationArn && settings.format ? [] : ["writes no access log"];
    },
  },
});

/** The method settings that apply to a stage (all methods: `*\/*`). */
function stageSettings(stage: PolicyResource, resources: PolicyResource[]): Props | undefined {
  const settings = ofType(resources, METHOD_SETTINGS).find(
    (s) => refersTo(s, "stageName", stage) && String(s.props.methodPath) === "*/*",
  );
  return settings ? asRecord(settings.props.settings) : undefined;
}

export const stageThrottling = stackRule({
  name: "apigw-stage-throttling",
  description: "Every API Gateway stage throttles all methods (rate and burst).",
  controls: [],
  severity: "medium",
  remediation:
    'Add aws.apigateway.MethodSettings for the stage with methodPath "*/*" and throttlingRateLimit/BurstLimit.',
  check: (resources) =>
    ofType(resources, STAGE).flatMap((stage) => {
      const s = stageSettings(stage, resources);
      return s && Number(s.throttlingRateLimit) > 0 && Number(s.throttlingBurstLimit) > 0
        ? []
        : [{ resource: stage, message: "has no stage-wide throttling" }];
    }),
});

export const stageExecutionLogging = stackRule({
  name: "apigw-execution-logging",
  description: "API Gateway stages log execution errors to CloudWatch Logs.",
  controls: ["APIGateway.1"],
  severity: "medium",
  enforcementLevel: "advisory",
  remediation: 'Set loggingLevel "ERROR" (or "INFO") in the stage\'s "*/*" method settings.',
  check: (resources) =>
    ofType(resources, STAGE).flatMap((stage) => {
      const level = text(stageSettings(stage, resources)?.loggingLevel, "OFF");
      return ["ERROR", "INFO"].includes(level)
        ? []
        : [{ resource: stage, message: "does not log execution" }];
    }),
});

export const stageXray = resourceRule({
  name: "apigw-prod-xray",
  description: "In prod, API Gateway stages trace with X-Ray.",
  controls: ["APIGateway.3"],
  only: "prod",
  severity: "low",
  remediation: "Set xrayTracingEnabled: true.",
  checks: {
    [STAGE]: (props) => (isTrue(props.xrayTracingEnabled) ? [] : ["does not trace with X-Ray"]),
  },
});

export const apiPermissionScoped = resourceRule({
  name: "apigw-lambda-permission-scoped",
  description: "Lambda permissions for API Gateway are scoped to the API by sourceArn.",
  controls: [],
  severity: "high",
  remediation:
    "Set sourceArn to the API's execution ARN, e.g. pulumi.interpolate`${api.executionArn}/*/GET/events`.",
  checks: {
    "aws:lambda/permission:Permission": (props) =>
      props.principal === "apigateway.amazonaws.com" && !props.sourceArn
        ? ["lets any API Gateway API invoke the function"]
        : [],
  },
});

// ---- Cognito --------------------------------------------------------------------------------

export const cognitoPasswordPolicy = resourceRule({
  name: "cognito-password-policy",
  description:
    "User pools require passwords of 12 characters or more with mixed character classes.",
  controls: [],
  severity: "medium",
  remediation:
    "Set passwordPolicy: { minimumLength: 12, requireLowercase, requireUppercase, requireNumbers, requireSymbols: true }.",
  checks: {
    "aws:cognito/userPool:UserPool": (props) => {
      const p = asRecord(props.passwordPolicy);
      const problems: string[] = [];
      if (Number(p.minimumLength ?? 8) < 12)
        problems.push(`allows passwords of ${text(p.minimumLength, 8)} characters`);
      for (const k of [
        "requireLowercase",
        "requireUppercase",
        "requireNumbers",
        "requireSymbols",
      ]) {
        if (p[k] !== undefined && !isTrue(p[k])) problems.push(`turns off ${k}`);
      }
      return problems;
    },
  },
});

export const cognitoThreatProtection = resourceRule({
  name: "cognito-threat-protection",
  description: "User pools enforce threat protection (advanced security) for sign-ins.",
  controls: ["Cognito.1"],
  severity: "medium",
  enforcementLevel: "advisory",
  remediation:
    'Set userPoolAddOns: { advancedSecurityMode: "ENFORCED" } (needs the Plus feature plan).',
  checks: {
    "aws:cognito/userPool:UserPool": (props) =>
      asRecord(props.userPoolAddOns).advancedSecurityMode === "ENFORCED"
        ? []
        : ["does not enforce threat protection"],
  },
});

// ---- Application load balancers -------------------------------------------------------------

export const MODERN_TLS_POLICIES = [
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
];

export const albTlsPolicy = resourceRule({
  name: "alb-modern-tls-policy",
  description: "HTTPS listeners use a TLS 1.3 security policy.",
  controls: ["ELB.17"],
  remediation:
    'Set sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" (or another of MODERN_TLS_POLICIES).',
  checks: Object.fromEntries(
    LISTENERS.map((type) => [
      type,
      (props: Props) =>
        props.protocol === "HTTPS" && !MODERN_TLS_POLICIES.includes(String(props.sslPolicy))
          ? [`uses TLS policy ${text(props.sslPolicy, "the default")}`]
          : [],
    ]),
  ),
});

export const albHttpRedirect = resourceRule({
  name: "alb-prod-http-redirects-to-https",
  description: "In prod, plain HTTP listeners only redirect to HTTPS.",
  controls: ["ELB.1"],
  only: "prod",
  remediation:
    'Make the port-80 listener\'s default action { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }.',
  checks: Object.fromEntries(
    LISTENERS.map((type) => [
      type,
      (props: Props) => {
        if (props.protocol !== "HTTP") return [];
        const actions = asArray<Props>(props.defaultActions);
        const redirects = actions.every(
          (a) => a.type === "redirect" && asRecord(a.redirect).protocol === "HTTPS",
        );
        return actions.length > 0 && redirects ? [] : ["serves plain HTTP"];
      },
    ]),
  ),
});

export const albDropInvalidHeaders = resourceRule({
  name: "alb-drop-invalid-headers",
  description: "Application load balancers drop invalid HTTP header fields.",
  controls: ["ELB.4"],
  severity: "medium",
  remediation: "Set dropInvalidHeaderFields: true.",
  checks: Object.fromEntries(
    LOAD_BALANCERS.map((type) => [
      type,
      (props: Props) =>
        (props.loadBalancerType ?? "application") === "application" &&
        !isTrue(props.dropInvalidHeaderFields)
          ? ["keeps invalid header fields"]
          : [],
    ]),
  ),
});

export const albDeletionProtection = resourceRule({
  name: "alb-prod-deletion-protection",
  description: "In prod, load balancers have deletion protection.",
  controls: ["ELB.6"],
  only: "prod",
  severity: "medium",
  remediation: "Set enableDeletionProtection: true.",
  checks: Object.fromEntries(
    LOAD_BALANCERS.map((type) => [
      type,
      (props: Props) =>
        isTrue(props.enableDeletionProtection) ? [] : ["has no deletion protection"],
    ]),
  ),
});

export const apiRules = [
  methodAuthorization,
  stageAccessLogs,
  stageThrottling,
  stageExecutionLogging,
  stageXray,
  apiPermissionScoped,
  cognitoPasswordPolicy,
  cognitoThreatProtection,
  albTlsPolicy,
  albHttpRedirect,
  albDropInvalidHeaders,
  albDeletionProtection,
];

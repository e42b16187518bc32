/**
 * What every rule module shares: how a rule is declared (name, description, enforcement, the AWS
 * Foundational Security Best Practices controls it enforces, a remediation), and small readers of
 * resource properties. Pure: no Pulumi runtime, no gRPC; the pack entry and the offline harness
 * both import these modules.
 */
import type {
  EnforcementLevel,
  PolicyConfigSchema,
  PolicyResource,
  ReportViolation,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

/** Resource properties as the analyzer hands them over: plain JSON. */
export type Props = Record<string, unknown>;

/** A rule is a CrossGuard policy that always carries a remediation. */
export type Rule = (ResourceValidationPolicy | StackValidationPolicy) & {
  remediationSteps: string;
  severity: Severity;
};

/** Tags that scope a rule to one environment; the stack's pack config disables it elsewhere. */
export const PROD_ONLY = "prod-only";
export const DEV_ONLY = "dev-only";

interface RuleBase {
  name: string;
  description: string;
  /** FSBP control ids, e.g. `RDS.3`; empty where no control exists. */
  controls: string[];
  remediation: string;
  severity?: Severity;
  /** @default "mandatory" */
  enforcementLevel?: EnforcementLevel;
  /** Environment the rule holds in; both when unset. */
  only?: "prod" | "dev";
  configSchema?: PolicyConfigSchema;
}

function metadata(rule: RuleBase) {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel ?? "mandatory",
    severity: rule.severity ?? "high",
    remediationSteps: rule.remediation,
    ...(rule.controls.length > 0
      ? {
          framework: {
            name: "AWS Foundational Security Best Practices",
            version: "1.0.0",
            reference: rule.controls.join(", "),
            specification:
              "https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html",
          },
        }
      : {}),
    ...(rule.only ? { tags: [rule.only === "prod" ? PROD_ONLY : DEV_ONLY] } : {}),
    ...(rule.configSchema ? { configSchema: rule.configSchema } : {}),
  };
}

/** A validation of one resource type. `check` returns the problems it finds, as messages. */
export type Check = (props: Props, args: ResourceValidationArgs) => string[];

/**
 * A validator for one type, tagged with it so the analyzer skips other types quickly, and calling
 * `notApplicable` otherwise, exactly as the SDK's `validateResourceOfType` does.
 */
export function forType(type: string, check: Check): ResourceValidation {
  const validate = (args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== type) {
      args.notApplicable(`Policy only applies to resources of type '${type}'`);
    }
    for (const message of check(args.props as Props, args)) report(message);
  };
  return Object.assign(validate, { __pulumiType: type });
}

/** A rule over single resources: one check per type it covers. */
export function resourceRule(rule: RuleBase & { checks: Record<string, Check> }): Rule {
  const validators = Object.entries(rule.checks).map(([type, check]) => forType(type, check));
  const policy: ResourceValidationPolicy & Rule = {
    ...metadata(rule),
    validateResource: validators.length === 1 ? validators[0]! : validators,
  };
  return policy;
}

/** A problem a stack rule found: the message and the resource it concerns. */
export interface Finding {
  readonly resource: PolicyResource;
  readonly message: string;
}

/** A rule over the whole stack, for relations between resources. */
export function stackRule(
  rule: RuleBase & { check: (resources: PolicyResource[], args: StackValidationArgs) => Finding[] },
): Rule {
  const policy: StackValidationPolicy & Rule = {
    ...metadata(rule),
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
      for (const finding of rule.check(args.resources, args)) {
        report(finding.message, finding.resource.urn);
      }
    },
  };
  return policy;
}

// ---- readers -------------------------------------------------------------------------------

/** A JSON document given either as a string (jsonStringify) or as an object. */
export function json(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

export function asArray<T = unknown>(value: unknown): T[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as T[];
}

export function asRecord(value: unknown): Props {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Props)
    : {};
}

/** True for `true` and `"true"` (providers pass some booleans as strings). */
export function isTrue(value: unknown): boolean {
  return value === true || value === "true";
}

export interface Statement {
  Effect?: string;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

/** The statements of a policy document, whatever shape it came in. */
export function statements(document: unknown): Statement[] {
  return asArray<Statement>(asRecord(json(document)).Statement);
}

export function strings(value: unknown): string[] {
  return asArray(value).filter((v): v is string => typeof v === "string");
}

/** True when a bucket policy document denies every request made without TLS. */
export function deniesInsecureTransport(document: unknown): boolean {
  return statements(document).some((s) => {
    const condition = asRecord(asRecord(s.Condition).Bool)["aws:SecureTransport"];
    return s.Effect === "Deny" && strings(condition).includes("false");
  });
}

/** The resources a property of `resource` was computed from (how relations survive preview). */
export function dependenciesOf(resource: PolicyResource, property: string): PolicyResource[] {
  return resource.propertyDependencies?.[property] ?? [];
}

/** True when `property` of `resource` came from `target`. */
export function refersTo(
  resource: PolicyResource,
  property: string,
  target: PolicyResource,
): boolean {
  return dependenciesOf(resource, property).some((d) => d.urn === target.urn);
}

export function ofType(resources: PolicyResource[], ...types: string[]): PolicyResource[] {
  return resources.filter((r) => types.includes(r.type));
}

/** Secret-looking values: PEM keys, AWS access keys, credentials in URLs, long opaque tokens. */
const SECRET_VALUE = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\b(AKIA|ASIA)[0-9A-Z]{16}\b/,
  /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s@/]+@/i,
  /\b(sk|pk|rk)_(live|test)_[0-9a-zA-Z]{10,}/,
  /\bey[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, // a JWT
];
/** Names that announce a secret. Their value must be a reference (an ARN or a secret's name). */
const SECRET_NAME =
  /(SECRET|PASSWORD|PASSWD|PRIVATE_?KEY|API_?KEY|ACCESS_?KEY|SERVICE_?KEY|SIGNING_?KEY|TOKEN|CREDENTIALS?)$/i;
const REFERENCE = /^(arn:aws[a-z-]*:(secretsmanager|ssm|kms):|\{\{resolve:)|_ARN$/;
/** How the offline plan shows a Pulumi secret; the real analyzer sees the plaintext instead. */
const MASKED_SECRET = "[secret]";

/** Why an environment variable looks like a plaintext secret, or undefined when it does not. */
export function secretLooking(name: string, value: unknown): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  if (value === MASKED_SECRET) {
    return `${name} holds a Pulumi secret, which the service stores and shows as plaintext`;
  }
  if (SECRET_VALUE.some((re) => re.test(value))) return `${name} holds a secret-looking value`;
  if (SECRET_NAME.test(name) && !REFERENCE.test(value) && !REFERENCE.test(name)) {
    return `${name} looks like a secret but holds a literal value, not a Secrets Manager ARN`;
  }
  return undefined;
}

/**
 * URNs of the subnets that are public: they map public IPs on launch, or their route table has a
 * route to an internet gateway. Relations come from property dependencies, so this holds at preview.
 */
export function publicSubnets(resources: PolicyResource[]): Set<string> {
  const gateways = ofType(resources, "aws:ec2/internetGateway:InternetGateway");
  const toGateway = (r: PolicyResource, property: string) =>
    gateways.some((g) => refersTo(r, property, g));
  const tables = ofType(resources, "aws:ec2/routeTable:RouteTable");
  const routes = ofType(resources, "aws:ec2/route:Route");
  const publicTables = tables.filter(
    (t) =>
      toGateway(t, "routes") ||
      routes.some((r) => refersTo(r, "routeTableId", t) && toGateway(r, "gatewayId")),
  );
  const associations = ofType(resources, "aws:ec2/routeTableAssociation:RouteTableAssociation");
  return new Set(
    ofType(resources, "aws:ec2/subnet:Subnet")
      .filter(
        (s) =>
          isTrue(s.props.mapPublicIpOnLaunch) ||
          associations.some(
            (a) =>
              refersTo(a, "subnetId", s) &&
              publicTables.some((t) => refersTo(a, "routeTableId", t)),
          ),
      )
      .map((s) => s.urn),
  );
}

/** The resources `property` of `resource` came from that are public subnets. */
export function publicSubnetsIn(
  resource: PolicyResource,
  property: string,
  publicOnes: Set<string>,
): PolicyResource[] {
  return dependenciesOf(resource, property).filter((d) => publicOnes.has(d.urn));
}

/** A scalar property as text (`fallback` when absent or not a scalar): for messages and comparisons. */
export function text(value: unknown, fallback: string | number = ""): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return String(fallback);
}

/**
 * Findings for each resource of `type` that no resource of `companionType` refers to through
 * `property` (a VPC without a flow log, a bucket without an encryption configuration).
 */
export function withoutCompanion(
  resources: PolicyResource[],
  type: string,
  companionType: string,
  property: string,
  message: string,
): Finding[] {
  const companions = ofType(resources, companionType);
  return ofType(resources, type)
    .filter((r) => !companions.some((c) => refersTo(c, property, r)))
    .map((resource) => ({ resource, message }));
}

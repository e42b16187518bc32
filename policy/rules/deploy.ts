/**
 * Deploy: what AWS enforces at create, update or destroy time and Pulumi's mocks cannot know
 * (character sets, lengths after auto-naming, value pairs, the order resources must come up in).
 * Each rule cites the AWS (or Pulumi) page that states its constraint.
 */
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
  strings,
  text,
  type Check,
  type Finding,
  type Props,
} from "./common";
import {
  FUNCTION,
  INGRESS_RULE,
  LISTENERS,
  LOAD_BALANCERS,
  REPLICATION_GROUP,
  SG,
  SG_RULE,
  TASK_DEFINITION,
} from "./types";

const EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const SERVICE = "aws:ecs/service:Service";
const CLUSTER_CAPACITY = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders";
const TARGET_GROUPS = ["aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup"];
const LISTENER_RULES = ["aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule"];
const SECRET = "aws:secretsmanager/secret:Secret";
const SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const PEERING = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection";
const ACCEPTER = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter";
const CERTIFICATE = "aws:acm/certificate:Certificate";
const CERTIFICATE_VALIDATION = "aws:acm/certificateValidation:CertificateValidation";

// ---- readers --------------------------------------------------------------------------------

/** How the engine marks a value not known until apply; such values are not checked. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A string input known at preview, or undefined (absent, computed, or not a string). */
export function known(value: unknown): string | undefined {
  return typeof value === "string" && value !== "[unknown]" && !value.includes(UNKNOWN)
    ? value
    : undefined;
}

/** The stack of a URN: `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export function stackOf(urn: string): string {
  return urn.replace(/^urn:pulumi:/, "").split("::")[0] ?? "";
}

/** The logical name of a URN: its last `::` segment. */
export function logicalName(urn: string): string {
  return urn.split("::").pop() ?? "";
}

/** The region a resource's provider deploys to, when the provider says. */
export function regionOf(resource: { provider?: { props: Props } }): string | undefined {
  return known(resource.provider?.props.region);
}

/** True when `resource` depends on `target`, directly or through the resources it depends on. */
export function dependsOn(resource: PolicyResource, target: PolicyResource): boolean {
  const seen = new Set<string>();
  const stack = [...(resource.dependencies ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (next.urn === target.urn) return true;
    if (seen.has(next.urn)) continue;
    seen.add(next.urn);
    stack.push(...(next.dependencies ?? []));
  }
  return false;
}

/** The findings for `resource` that does not depend on any of `targets` (one is enough). */
function orderedAfter(
  resource: PolicyResource,
  targets: PolicyResource[],
  message: string,
): Finding[] {
  return targets.length > 0 && !targets.some((t) => dependsOn(resource, t))
    ? [{ resource, message }]
    : [];
}

const names = (resources: PolicyResource[]) => resources.map((r) => r.name).join(", ");

// ---- EC2 descriptions -----------------------------------------------------------------------

/** Characters EC2 accepts in security group names (VPC) and group and rule descriptions. */
const EC2_TEXT = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;
export const EC2_DESCRIPTION_MAX = 255;

/** Why an EC2 description would be refused, or undefined when EC2 takes it. */
export function ec2DescriptionProblem(value: unknown): string | undefined {
  const description = known(value);
  if (description === undefined) return undefined;
  if (description.length > EC2_DESCRIPTION_MAX) {
    return `is ${description.length} characters long (at most ${EC2_DESCRIPTION_MAX})`;
  }
  if (EC2_TEXT.test(description)) return undefined;
  const bad = [...new Set([...description].filter((c) => !EC2_TEXT.test(c)))];
  return `has characters EC2 refuses: ${bad.map((c) => JSON.stringify(c)).join(" ")}`;
}

const describe = (where: string, value: unknown) => {
  const problem = ec2DescriptionProblem(value);
  return problem ? [`${where} "${text(value)}" ${problem}`] : [];
};

// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html
export const ec2Descriptions = resourceRule({
  name: "deploy-ec2-description-charset",
  description:
    "Security group and security group rule descriptions use only the characters EC2 accepts (a-zA-Z0-9, space and ._-:/()#,@[]+=&;{}!$*) and at most 255 of them.",
  controls: [],
  remediation:
    'Rewrite the description without apostrophes, quotes or other characters outside a-zA-Z0-9 ._-:/()#,@[]+=&;{}!$* (e.g. "the web app\'s function" -> "the web app function"), within 255 characters. A group\'s description cannot be updated: changing it replaces the group.',
  checks: {
    [SG]: (props) => [
      ...describe("description", props.description),
      ...(["ingress", "egress"] as const).flatMap((way) =>
        asArray<Props>(props[way]).flatMap((r, i) =>
          describe(`${way} rule ${i + 1} description`, r.description),
        ),
      ),
    ],
    ...Object.fromEntries(
      [SG_RULE, INGRESS_RULE, EGRESS_RULE].map((type) => [
        type,
        (props: Props) => describe("description", props.description),
      ]),
    ),
  },
});

// ---- Lambda packages ------------------------------------------------------------------------

/** An ECR image URI: `<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag][@sha256:digest]`. */
const ECR_IMAGE =
  /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[0-9a-f]{64}))?$/;

export interface ImageUri {
  account: string;
  region: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/** The parts of an ECR image URI, or undefined when it is not one. */
export function parseImageUri(uri: string): ImageUri | undefined {
  const m = ECR_IMAGE.exec(uri);
  if (!m) return undefined;
  return {
    account: m[1]!,
    region: m[2]!,
    repository: m[3]!,
    ...(m[4] ? { tag: m[4] } : {}),
    ...(m[5] ? { digest: m[5] } : {}),
  };
}

/** Why Lambda would refuse `uri` for a function in `region` (when known), or undefined. */
export function imageUriProblem(uri: string, region: string | undefined): string | undefined {
  const image = parseImageUri(uri);
  if (!image) {
    return `imageUri ${uri} is not <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> or ...@sha256:<digest>`;
  }
  if (image.tag && image.digest) {
    return `imageUri ${uri} names both the tag ${image.tag} and a digest; Lambda takes one of them`;
  }
  if (!image.tag && !image.digest) return `imageUri ${uri} names neither a tag nor a digest`;
  if (region && image.region !== region) {
    return `imageUri is in ECR in ${image.region} but the function is in ${region}`;
  }
  return undefined;
}

// https://docs.aws.amazon.com/lambda/latest/dg/API_CreateFunction.html
// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-images.html
export const lambdaPackage = resourceRule({
  name: "deploy-lambda-package",
  description:
    "Zip functions set runtime and handler; image functions set neither and run an ECR image of their own region by tag or by digest (not both); one architecture.",
  controls: [],
  remediation:
    "For an image, pass the repository URL, \"@\" and the image digest (docker-build's `ref` is repo:tag@sha256:..., which Lambda refuses), from ECR in the function's region, and drop runtime and handler; a zip function needs both; give one architecture.",
  checks: {
    [FUNCTION]: (props, args) => {
      const problems: string[] = [];
      if (strings(props.architectures).length > 1) {
        problems.push(`architectures lists ${strings(props.architectures).join(", ")}; give one`);
      }
      if (props.packageType === "Image") {
        for (const key of ["runtime", "handler"]) {
          if (props[key] !== undefined) problems.push(`an image function sets ${key}`);
        }
        const uri = known(props.imageUri);
        if (props.imageUri === undefined) problems.push("an image function has no imageUri");
        const problem = uri ? imageUriProblem(uri, regionOf(args)) : undefined;
        if (problem) problems.push(problem);
        return problems;
      }
      for (const key of ["runtime", "handler"]) {
        if (props[key] === undefined) problems.push(`a zip function has no ${key}`);
      }
      return problems;
    },
  },
});

// ---- physical names -------------------------------------------------------------------------

/** Characters Pulumi appends to a logical name: a hyphen and 7 random ones. */
export const AUTO_NAME_SUFFIX = 8;
/** Characters the provider appends to a `namePrefix` (a timestamp and a counter). */
export const PREFIX_SUFFIX = 26;

export interface NameSpec {
  type: string;
  /** The input holding the physical name. */
  name: string;
  /** The input holding a prefix the provider completes, if the type has one. */
  prefix?: string;
  min?: number;
  max: number;
  /** The whole name's character set, and how to say it. */
  charset?: [RegExp, string];
  /** Further rules: a message when the name breaks them. */
  rules?: ((name: string) => string | undefined)[];
  /** Pulumi lowercases the logical name when it auto-names this type. */
  lowercase?: boolean;
  /** False when Pulumi never auto-names the input (it is required or left to AWS). */
  autoNamed?: boolean;
}

const notStarting =
  (...prefixes: string[]) =>
  (name: string) => {
    const p = prefixes.find((x) => name.toLowerCase().startsWith(x));
    return p ? `must not start with "${p}"` : undefined;
  };
const hyphenRules = (name: string) =>
  name.startsWith("-") || name.endsWith("-")
    ? "must not start or end with a hyphen"
    : name.includes("--")
      ? "must not contain two hyphens in a row"
      : undefined;
const letterFirst = (name: string) =>
  /^[a-zA-Z]/.test(name) ? undefined : "must start with a letter";
const edgeHyphens = (name: string) =>
  name.startsWith("-") || name.endsWith("-") ? "must not start or end with a hyphen" : undefined;

const ALNUM_HYPHEN: [RegExp, string] = [/^[a-zA-Z0-9-]+$/, "letters, digits and hyphens"];
const IAM_NAME: [RegExp, string] = [/^[\w+=,.@-]+$/, "letters, digits and _+=,.@-"];
const ECS_NAME: [RegExp, string] = [/^[a-zA-Z0-9_-]+$/, "letters, digits, hyphens and underscores"];
const ECR_SEGMENT = "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*";

/**
 * Every type the platform creates (or may) with a documented name limit: the input that names it,
 * the maximum (and minimum) length and the character set. Sources: the API reference of each
 * service, collected in docs and cited on the rule.
 */
export const NAME_SPECS: NameSpec[] = [
  // https://docs.aws.amazon.com/lambda/latest/dg/API_CreateFunction.html
  {
    type: FUNCTION,
    name: "name",
    max: 64,
    charset: [/^[a-zA-Z0-9_-]+$/, "letters, digits, hyphens and underscores"],
  },
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
  { type: "aws:iam/role:Role", name: "name", prefix: "namePrefix", max: 64, charset: IAM_NAME },
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateInstanceProfile.html
  {
    type: "aws:iam/instanceProfile:InstanceProfile",
    name: "name",
    prefix: "namePrefix",
    max: 128,
    charset: IAM_NAME,
  },
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html
  {
    type: "aws:iam/rolePolicy:RolePolicy",
    name: "name",
    prefix: "namePrefix",
    max: 128,
    charset: IAM_NAME,
  },
  // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html
  ...["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"].map((type) => ({
    type,
    name: "name",
    prefix: "namePrefix",
    max: 32,
    charset: ALNUM_HYPHEN,
    rules: [edgeHyphens, notStarting("internal-")],
  })),
  // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html
  ...TARGET_GROUPS.map((type) => ({
    type,
    name: "name",
    prefix: "namePrefix",
    max: 32,
    charset: ALNUM_HYPHEN,
    rules: [edgeHyphens],
  })),
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
  {
    type: "aws:sqs/queue:Queue",
    name: "name",
    prefix: "namePrefix",
    max: 80,
    charset: [/^[a-zA-Z0-9_-]+(\.fifo)?$/, "letters, digits, hyphens and underscores (+ .fifo)"],
  },
  // https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html
  {
    type: "aws:sns/topic:Topic",
    name: "name",
    prefix: "namePrefix",
    max: 256,
    charset: [/^[a-zA-Z0-9_-]+(\.fifo)?$/, "letters, digits, hyphens and underscores (+ .fifo)"],
  },
  // https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html
  ...["aws:scheduler/schedule:Schedule", "aws:scheduler/scheduleGroup:ScheduleGroup"].map(
    (type) => ({
      type,
      name: "name",
      prefix: "namePrefix",
      max: 64,
      charset: [/^[0-9a-zA-Z._-]+$/, "letters, digits and ._-"] as [RegExp, string],
    }),
  ),
  // https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html
  {
    type: "aws:cloudwatch/eventRule:EventRule",
    name: "name",
    prefix: "namePrefix",
    max: 64,
    charset: [/^[.\-_A-Za-z0-9]+$/, "letters, digits and ._-"],
  },
  // https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
  {
    type: "aws:cloudwatch/logGroup:LogGroup",
    name: "name",
    prefix: "namePrefix",
    max: 512,
    charset: [/^[.\-_/#A-Za-z0-9]+$/, "letters, digits and ._-/#"],
    rules: [notStarting("aws/")],
  },
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
  {
    type: "aws:cloudwatch/metricAlarm:MetricAlarm",
    name: "name",
    max: 255,

    charset: [/^[^\x00-\x1f\x7f]+$/, "no control characters"],
  },
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
  {
    type: "aws:dynamodb/table:Table",
    name: "name",
    min: 3,
    max: 255,
    charset: [/^[a-zA-Z0-9_.-]+$/, "letters, digits and _.-"],
  },
  // https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html
  {
    type: "aws:ecr/repository:Repository",
    name: "name",
    min: 2,
    max: 256,
    lowercase: true,
    charset: [
      new RegExp(`^${ECR_SEGMENT}(?:/${ECR_SEGMENT})*$`),
      "lowercase letters and digits, joined by . _ __ - and /",
    ],
  },
  // https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html
  {
    type: REPLICATION_GROUP,
    name: "replicationGroupId",
    max: 40,
    lowercase: true,
    charset: ALNUM_HYPHEN,
    rules: [letterFirst, hyphenRules],
  },
  // https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheSubnetGroup.html
  {
    type: "aws:elasticache/subnetGroup:SubnetGroup",
    name: "name",
    max: 255,
    lowercase: true,
    charset: ALNUM_HYPHEN,
  },
  // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
  {
    type: "aws:rds/instance:Instance",
    name: "identifier",
    prefix: "identifierPrefix",
    max: 63,
    lowercase: true,
    charset: ALNUM_HYPHEN,
    rules: [letterFirst, hyphenRules],
  },
  // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html
  {
    type: "aws:rds/cluster:Cluster",
    name: "clusterIdentifier",
    prefix: "clusterIdentifierPrefix",
    max: 63,
    lowercase: true,
    charset: ALNUM_HYPHEN,
    rules: [letterFirst, hyphenRules],
  },
  // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBParameterGroup.html
  ...[
    "aws:rds/parameterGroup:ParameterGroup",
    "aws:rds/clusterParameterGroup:ClusterParameterGroup",
  ].map((type) => ({
    type,
    name: "name",
    prefix: "namePrefix",
    max: 255,
    lowercase: true,
    charset: ALNUM_HYPHEN,
    rules: [letterFirst, hyphenRules],
  })),
  // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSubnetGroup.html
  {
    type: "aws:rds/subnetGroup:SubnetGroup",
    name: "name",
    prefix: "namePrefix",
    max: 255,
    lowercase: true,
    charset: [/^[a-z0-9._ -]+$/, "lowercase letters, digits, space and ._-"],
    rules: [(n) => (n === "default" ? 'must not be "default"' : undefined)],
  },
  // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html
  {
    type: SECRET,
    name: "name",
    prefix: "namePrefix",
    max: 512,
    charset: [/^[A-Za-z0-9/_+=.@-]+$/, "letters, digits and /_+=.@-"],
  },
  // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCluster.html (and API_CreateService.html)
  ...["aws:ecs/cluster:Cluster", SERVICE].map((type) => ({
    type,
    name: "name",
    max: 255,
    charset: ECS_NAME,
  })),
  // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCapacityProvider.html
  {
    type: "aws:ecs/capacityProvider:CapacityProvider",
    name: "name",
    max: 255,
    charset: ECS_NAME,
    rules: [notStarting("aws", "ecs", "fargate")],
  },
  // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html
  { type: TASK_DEFINITION, name: "family", max: 255, charset: ECS_NAME, autoNamed: false },
  // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CreateAutoScalingGroup.html
  {
    type: "aws:autoscaling/group:Group",
    name: "name",
    prefix: "namePrefix",
    max: 255,
    charset: [/^[^:]+$/, "no colon"],
  },
  // https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPool.html (and API_CreateUserPoolClient.html)
  ...["aws:cognito/userPool:UserPool", "aws:cognito/userPoolClient:UserPoolClient"].map((type) => ({
    type,
    name: "name",
    max: 128,
    charset: [/^[\w\s+=,.@-]+$/, "letters, digits, spaces and _+=,.@-"] as [RegExp, string],
  })),
  // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html
  {
    type: SG,
    name: "name",
    prefix: "namePrefix",
    max: 255,
    charset: [EC2_TEXT, "a-zA-Z0-9, space and ._-:/()#,@[]+=&;{}!$*"],
    rules: [notStarting("sg-")],
  },
  // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplate.html
  {
    type: "aws:ec2/launchTemplate:LaunchTemplate",
    name: "name",
    prefix: "namePrefix",
    min: 3,
    max: 128,
    charset: [/^[a-zA-Z0-9().\-/_]+$/, "letters, digits and ().-/_"],
  },
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
  ...["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"].map((type) => ({
    type,
    name: "bucket",
    prefix: "bucketPrefix",
    min: 3,
    max: 63,
    lowercase: true,
    charset: [/^[a-z0-9.-]+$/, "lowercase letters, digits, dots and hyphens"] as [RegExp, string],
    rules: [
      (n: string) =>
        /^[a-z0-9].*[a-z0-9]$/.test(n) ? undefined : "must start and end with a letter or digit",
      (n: string) => (n.includes("..") ? "must not contain two dots in a row" : undefined),
      (n: string) =>
        /^\d+\.\d+\.\d+\.\d+$/.test(n) ? "must not look like an IP address" : undefined,
      notStarting("xn--", "sthree-"),
      (n: string) =>
        /(-s3alias|--ol-s3)$/.test(n) ? "must not end in -s3alias or --ol-s3" : undefined,
    ],
  })),
  // https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html
  {
    type: "aws:wafv2/webAcl:WebAcl",
    name: "name",
    prefix: "namePrefix",
    max: 128,
    charset: [/^[\w-]+$/, "letters, digits, hyphens and underscores"],
  },
];

/** What a name will be: the explicit one, or what Pulumi or the provider makes of it. */
export function physicalName(
  spec: NameSpec,
  props: Props,
  logical: string,
): { name: string; how: string } | undefined {
  if (props[spec.name] !== undefined) {
    const name = known(props[spec.name]);
    return name === undefined ? undefined : { name, how: `${spec.name} "${name}"` };
  }
  if (spec.prefix && props[spec.prefix] !== undefined) {
    const prefix = known(props[spec.prefix]);
    if (prefix === undefined) return undefined;
    return {
      name: `${prefix}${"0".repeat(PREFIX_SUFFIX)}`,
      how: `${spec.prefix} "${prefix}" (+${PREFIX_SUFFIX} characters the provider appends)`,
    };
  }
  if (spec.autoNamed === false) return undefined;
  const base = spec.lowercase ? logical.toLowerCase() : logical;
  return {
    name: `${base}-${"a".repeat(AUTO_NAME_SUFFIX - 1)}`,
    how: `the auto-name from logical name "${logical}" (+${AUTO_NAME_SUFFIX} characters Pulumi appends)`,
  };
}

/** Why AWS would refuse the name this resource gets, or undefined. */
export function nameProblems(spec: NameSpec, props: Props, logical: string): string[] {
  const physical = physicalName(spec, props, logical);
  if (!physical) return [];
  const { name, how } = physical;
  const problems: string[] = [];
  if (name.length > spec.max) {
    problems.push(`${how} makes a name of ${name.length} characters, above ${spec.max}`);
  }
  if (spec.min !== undefined && name.length < spec.min) {
    problems.push(`${how} is shorter than ${spec.min} characters`);
  }
  if (spec.charset && !spec.charset[0].test(name)) {
    problems.push(`${how} may only use ${spec.charset[1]}`);
  }
  for (const rule of spec.rules ?? []) {
    const problem = rule(name);
    if (problem) problems.push(`${how} ${problem}`);
  }
  return problems;
}

// Each type's API reference, above its NAME_SPECS entry; the auto-name suffix:
// https://www.pulumi.com/docs/iac/concepts/resources/names/
export const physicalNames = resourceRule({
  name: "deploy-physical-name-limits",
  description:
    "Physical names fit the AWS length limit and character set of their type, counting the 8 characters Pulumi appends to a logical name and the 26 a namePrefix gets.",
  controls: [],
  remediation:
    "Shorten the logical name (resource name) so it plus 8 characters fits, shorten namePrefix so it plus 26 fits, or fix the explicit name's characters; e.g. an ALB or target group logical name has 24 characters of room.",
  checks: Object.fromEntries(
    NAME_SPECS.map((spec): [string, Check] => [
      spec.type,
      (props, args) => nameProblems(spec, props, logicalName(args.urn)),
    ]),
  ),
});

// ---- names per stack ------------------------------------------------------------------------

/** True when `name` holds `stack` as a whole word (between hyphens, underscores or the ends). */
export function namesStack(name: string, stack: string): boolean {
  return name.split(/[-_/.]/).includes(stack);
}

// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html
export const familyPerStack = resourceRule({
  name: "deploy-ecs-family-per-stack",
  description:
    "ECS task definition families contain the stack name: dev and prod share one account and region, where a family is one list of revisions.",
  controls: [],
  remediation:
    'Build the family from the stack, e.g. `${name}-${pulumi.getStack()}-${service}` ("arbees-dev-api").',
  checks: {
    [TASK_DEFINITION]: (props, args) => {
      const family = known(props.family);
      const stack = stackOf(args.urn);
      return family === undefined || namesStack(family, stack)
        ? []
        : [`family "${family}" does not contain the stack name "${stack}"`];
    },
  },
});

// ---- ECS ordering ---------------------------------------------------------------------------

// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html
// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_PutClusterCapacityProviders.html
export const serviceAfterCapacityProviders = stackRule({
  name: "deploy-ecs-service-after-capacity-providers",
  description:
    "ECS services with a capacity provider strategy depend on their cluster's ClusterCapacityProviders: a strategy may only name providers already associated with the cluster.",
  controls: [],
  remediation:
    "Pass the cluster's aws.ecs.ClusterCapacityProviders in the service's dependsOn (and create one for the cluster if there is none).",
  check: (resources) => {
    const associations = ofType(resources, CLUSTER_CAPACITY);
    return ofType(resources, SERVICE)
      .filter((s) => asArray(s.props.capacityProviderStrategies).length > 0)
      .flatMap((service) => {
        const clusters = dependenciesOf(service, "cluster").filter(
          (c) => c.type === "aws:ecs/cluster:Cluster",
        );
        return clusters.flatMap((cluster) => {
          const own = associations.filter((a) => refersTo(a, "clusterName", cluster));
          if (own.length === 0) {
            return [
              {
                resource: service,
                message: `uses a capacity provider strategy but cluster ${cluster.name} has no ClusterCapacityProviders`,
              },
            ];
          }
          return orderedAfter(
            service,
            own,
            `does not depend on ${names(own)}, the capacity providers of cluster ${cluster.name}`,
          );
        });
      });
  },
});

/** True when a listener action (or a listener's default action) forwards to `group`. */
const forwardsTo = (r: PolicyResource, group: PolicyResource) =>
  refersTo(r, LISTENER_RULES.includes(r.type) ? "actions" : "defaultActions", group);

// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_LoadBalancer.html
// (failure mode: "The target group ... does not have an associated load balancer")
export const serviceAfterListener = stackRule({
  name: "deploy-ecs-service-after-listener",
  description:
    "ECS services behind a load balancer depend on the listener or listener rule that forwards to their target group: ECS refuses a target group not yet attached to a load balancer.",
  controls: [],
  remediation:
    "Pass the listener rule (or listener) that forwards to the target group in the service's dependsOn.",
  check: (resources) => {
    const forwarders = ofType(resources, ...LISTENER_RULES, ...LISTENERS);
    return ofType(resources, SERVICE).flatMap((service) =>
      dependenciesOf(service, "loadBalancers")
        .filter((g) => TARGET_GROUPS.includes(g.type))
        .flatMap((group) => {
          const attaching = forwarders.filter((f) => forwardsTo(f, group));
          if (attaching.length === 0) {
            return [
              {
                resource: service,
                message: `target group ${group.name} has no listener or rule forwarding to it`,
              },
            ];
          }
          return orderedAfter(
            service,
            attaching,
            `does not depend on ${names(attaching)}, which attaches target group ${group.name}`,
          );
        }),
    );
  },
});

// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html
export const serviceAfterSecretValues = stackRule({
  name: "deploy-ecs-service-after-secret-values",
  description:
    "ECS services whose containers read Secrets Manager secrets the stack writes depend on a SecretVersion of each: tasks read the AWSCURRENT value when they start.",
  controls: [],
  remediation:
    "Pass the secrets' aws.secretsmanager.SecretVersion resources in the service's dependsOn (or the task definition's).",
  check: (resources) => {
    const versions = ofType(resources, SECRET_VERSION);
    return ofType(resources, SERVICE).flatMap((service) =>
      dependenciesOf(service, "taskDefinition")
        .filter((t) => t.type === TASK_DEFINITION)
        .flatMap((task) =>
          dependenciesOf(task, "containerDefinitions")
            .filter((s) => s.type === SECRET)
            .flatMap((secret) => {
              // A secret no version of the stack writes is filled from outside: nothing to wait on.
              const own = versions.filter((v) => refersTo(v, "secretId", secret));
              return orderedAfter(
                service,
                own,
                `does not depend on ${names(own)}, the value of secret ${secret.name} that task definition ${task.name} reads`,
              );
            }),
        ),
    );
  },
});

// ---- Auto Scaling ---------------------------------------------------------------------------

// https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DeleteAutoScalingGroup.html
// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_AutoScalingGroupProvider.html
export const asgForceDelete = resourceRule({
  name: "deploy-asg-scale-in-protection-force-delete",
  description:
    "Auto Scaling groups that protect instances from scale-in set forceDelete, so destroying the stack does not hang on protected instances.",
  controls: [],
  severity: "medium",
  remediation:
    "Set forceDelete: true on the group (ECS managed termination protection keeps protectFromScaleIn).",
  checks: {
    "aws:autoscaling/group:Group": (props) =>
      isTrue(props.protectFromScaleIn) && !isTrue(props.forceDelete)
        ? ["protects instances from scale-in without forceDelete"]
        : [],
  },
});

// ---- EC2 Spot --------------------------------------------------------------------------------

const ASG = "aws:autoscaling/group:Group";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const CAPACITY_PROVIDER = "aws:ecs/capacityProvider:CapacityProvider";

/** The ECS agent setting that drains a container instance on its Spot interruption warning. */
export const SPOT_DRAINING = "ECS_ENABLE_SPOT_INSTANCE_DRAINING=true";

/**
 * True when a group's mixed instances policy launches Spot instances: less than 100% on demand
 * above the base (AWS's default is 100). Without a policy, the launch template decides.
 */
export function launchesSpot(group: Props): boolean {
  const policy = asRecord(group.mixedInstancesPolicy);
  if (Object.keys(policy).length === 0) return false;
  const share = asRecord(policy.instancesDistribution).onDemandPercentageAboveBaseCapacity;
  return Number(share ?? 100) < 100;
}

/** A launch template's user data, decoded (base64), or undefined while unknown. */
function userDataOf(template: PolicyResource): string | undefined {
  const data = known(template.props.userData);
  return data === undefined ? undefined : Buffer.from(data, "base64").toString("utf8");
}

// A mixed instances policy decides Spot or on demand; Auto Scaling refuses a launch template that
// requests Spot itself. ECS drains a container instance on the two-minute warning only when its
// agent is told to (off by default).
// https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-mixed-instances-groups.html
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/spot-instance-draining-linux-container.html
export const asgSpot = stackRule({
  name: "deploy-asg-spot",
  description:
    "Auto Scaling groups with a mixed instances policy use a launch template without instanceMarketOptions; ECS container instances they launch on Spot drain on the interruption warning (ECS_ENABLE_SPOT_INSTANCE_DRAINING=true in the user data), and with Capacity Rebalancing their capacity provider sets managedDraining ENABLED.",
  controls: [],
  severity: "medium",
  remediation:
    "Remove instanceMarketOptions from the template (the policy's instancesDistribution sets Spot); add ECS_ENABLE_SPOT_INSTANCE_DRAINING=true to /etc/ecs/ecs.config in the user data; set autoScalingGroupProvider.managedDraining to ENABLED on the capacity provider.",
  check: (resources) =>
    ofType(resources, ASG).flatMap((group): Finding[] => {
      const templates = dependenciesOf(group, "mixedInstancesPolicy").filter(
        (t) => t.type === LAUNCH_TEMPLATE,
      );
      if (templates.length === 0) return [];
      const findings: Finding[] = templates
        .filter((t) => Object.keys(asRecord(t.props.instanceMarketOptions)).length > 0)
        .map((t) => ({
          resource: group,
          message: `uses launch template ${t.name}, which sets instanceMarketOptions; in a mixed instances policy the policy decides Spot`,
        }));
      const providers = ofType(resources, CAPACITY_PROVIDER).filter((p) =>
        refersTo(p, "autoScalingGroupProvider", group),
      );
      const forEcs = providers.length > 0;
      if (forEcs && isTrue(group.props.capacityRebalance)) {
        for (const p of providers) {
          const draining = text(asRecord(p.props.autoScalingGroupProvider).managedDraining);
          if (draining !== "ENABLED") {
            findings.push({
              resource: group,
              message: `rebalances Spot capacity, but capacity provider ${p.name} does not set managedDraining ENABLED: ECS gets no Spot warning for an instance Capacity Rebalancing removes`,
            });
          }
        }
      }
      if (forEcs && launchesSpot(group.props)) {
        for (const t of templates) {
          const data = userDataOf(t);
          if (data !== undefined && !data.includes(SPOT_DRAINING)) {
            findings.push({
              resource: group,
              message: `launches ECS container instances on Spot, but launch template ${t.name}'s user data does not set ${SPOT_DRAINING}`,
            });
          }
        }
      }
      return findings;
    }),
});

// ---- prod protection ------------------------------------------------------------------------

/** Types holding data a replacement or a destroy would lose. */
export const STATEFUL_TYPES = [
  "aws:rds/instance:Instance",
  "aws:rds/cluster:Cluster",
  REPLICATION_GROUP,
  "aws:dynamodb/table:Table",
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketV2:BucketV2",
  "aws:cognito/userPool:UserPool",
  SECRET,
  "aws:ecr/repository:Repository",
];

// https://www.pulumi.com/docs/iac/concepts/options/protect/
export const protectStateful = resourceRule({
  name: "deploy-prod-protect-stateful",
  description:
    "In prod, stateful resources (databases, caches, tables, buckets, user pools, secrets, image repositories) are protected, so no update or destroy deletes them.",
  controls: [],
  only: "prod",
  remediation:
    'Create the resource with { protect: true } in prod (e.g. `protect: pulumi.getStack() === "prod"`); unprotect deliberately before a planned replacement.',
  checks: Object.fromEntries(
    STATEFUL_TYPES.map((type): [string, Check] => [
      type,
      (_props, args) => (args.opts.protect ? [] : ["is not protected"]),
    ]),
  ),
});

// ---- API Gateway logging --------------------------------------------------------------------

export const DEFAULT_ACCOUNT_ROLE_REGIONS = ["us-east-1"];

const accountRoleCheck =
  (logs: (props: Props) => string | undefined): Check =>
  (props, args) => {
    const what = logs(props);
    const region = regionOf(args);
    if (!what || !region) return [];
    const regions =
      args.getConfig<{ accountRoleRegions?: string[] }>().accountRoleRegions ??
      DEFAULT_ACCOUNT_ROLE_REGIONS;
    return regions.includes(region)
      ? []
      : [
          `${what} in ${region}, where the account has no CloudWatch role (${regions.join(", ")} do)`,
        ];
  };

// https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
export const apiLoggingRole = resourceRule({
  name: "deploy-apigw-logging-account-role",
  description:
    "API Gateway stages log (access logs, execution logs) only in regions where the account's CloudWatch role is set (accountRoleRegions).",
  controls: [],
  remediation:
    "Point that region's API Gateway account setting at the bootstrap's role (aws apigateway update-account --region <region> --patch-operations op=replace,path=/cloudwatchRoleArn,value=<ApiGatewayCloudWatchRoleArn>; docs/delivery.md) and add the region to accountRoleRegions in policy/<stack>.json, or turn logging off there.",
  configSchema: {
    properties: {
      accountRoleRegions: {
        type: "array",
        items: { type: "string" },
        default: DEFAULT_ACCOUNT_ROLE_REGIONS,
      },
    },
  },
  checks: {
    "aws:apigateway/stage:Stage": accountRoleCheck((props) =>
      asRecord(props.accessLogSettings).destinationArn ? "writes access logs" : undefined,
    ),
    "aws:apigateway/methodSettings:MethodSettings": accountRoleCheck((props) => {
      const s = asRecord(props.settings);
      const level = text(s.loggingLevel, "OFF").toUpperCase();
      if (level !== "OFF") return `logs execution at ${level}`;
      return isTrue(s.dataTraceEnabled) ? "logs full requests" : undefined;
    }),
  },
});

// ---- Lambda reserved concurrency ------------------------------------------------------------

export const DEFAULT_MAX_RESERVED_CONCURRENCY = 10;

// https://docs.aws.amazon.com/lambda/latest/dg/API_PutFunctionConcurrency.html
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
export const reservedConcurrency = stackRule({
  name: "deploy-lambda-reserved-concurrency-budget",
  description:
    "The stack's functions reserve at most maxReservedConcurrency executions in all (10): AWS keeps 100 of the account's quota unreserved and refuses reservations beyond it.",
  controls: [],
  severity: "medium",
  remediation:
    "Lower reservedConcurrentExecutions (or drop it) on the functions listed, or raise maxReservedConcurrency in policy/<stack>.json once the account's concurrency quota allows it.",
  configSchema: {
    properties: {
      maxReservedConcurrency: { type: "integer", default: DEFAULT_MAX_RESERVED_CONCURRENCY },
    },
  },
  check: (resources, args) => {
    const max =
      args.getConfig<{ maxReservedConcurrency?: number }>().maxReservedConcurrency ??
      DEFAULT_MAX_RESERVED_CONCURRENCY;
    const reserving = ofType(resources, FUNCTION)
      .map((fn) => ({ fn, n: Number(fn.props.reservedConcurrentExecutions ?? -1) }))
      .filter(({ n }) => Number.isFinite(n) && n > 0);
    const total = reserving.reduce((sum, { n }) => sum + n, 0);
    return total <= max
      ? []
      : reserving.map(({ fn, n }) => ({
          resource: fn,
          message: `reserves ${n} of the stack's ${total} reserved executions, above ${max}`,
        }));
  },
});

// ---- Fargate task sizes ---------------------------------------------------------------------

/** `from` to `to` in steps of `step`. */
const steps = (from: number, to: number, step: number) =>
  Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);

/** Fargate's task sizes: CPU units and the memory sizes (MiB) each takes. */
export const FARGATE_MEMORY: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: steps(1024, 4096, 1024),
  1024: steps(2048, 8192, 1024),
  2048: steps(4096, 16384, 1024),
  4096: steps(8192, 30720, 1024),
  8192: steps(16384, 61440, 4096),
  16384: steps(32768, 122880, 8192),
};

/** CPU units or MiB from "1024", 1024, "1 vCPU" or "2 GB". */
function units(value: unknown): number | undefined {
  const s = known(typeof value === "number" ? String(value) : value);
  const m = s ? /^\s*(\d+(?:\.\d+)?)\s*(vcpu|gb)?\s*$/i.exec(s) : null;
  if (!m) return undefined;
  return Number(m[1]) * (m[2] ? 1024 : 1);
}

// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AWS_Fargate.html
// https://docs.aws.amazon.com/AmazonECS/latest/userguide/task-cpu-memory-error.html
export const fargateSize = resourceRule({
  name: "deploy-fargate-cpu-memory",
  description:
    "Fargate task definitions set task-level cpu and memory to one of the pairs Fargate supports (256 CPU units: 512-2048 MiB, 512: 1-4 GB, ...).",
  controls: [],
  remediation:
    "Pick a supported pair: 256 with 512/1024/2048, 512 with 1024-4096, 1024 with 2048-8192, 2048 with 4096-16384 (steps of 1024), 4096 with 8192-30720 (steps of 1024), 8192 with 16384-61440 (steps of 4096), 16384 with 32768-122880 (steps of 8192).",
  checks: {
    [TASK_DEFINITION]: (props) => {
      if (!strings(props.requiresCompatibilities).includes("FARGATE")) return [];
      if (props.cpu === undefined || props.memory === undefined) {
        return ["runs on Fargate without task-level cpu and memory"];
      }
      const cpu = units(props.cpu);
      const memory = units(props.memory);
      if (cpu === undefined || memory === undefined) return [];
      const allowed = FARGATE_MEMORY[cpu];
      if (!allowed) {
        return [`cpu ${cpu} is not a Fargate size (${Object.keys(FARGATE_MEMORY).join(", ")})`];
      }
      return allowed.includes(memory)
        ? []
        : [
            `cpu ${cpu} takes memory ${allowed[0]}-${allowed[allowed.length - 1]} MiB, not ${memory}`,
          ];
    },
  },
});

// ---- Fargate Spot ---------------------------------------------------------------------------

/** The Fargate platform version Fargate Spot needs per Linux architecture (Windows: none). */
export const FARGATE_SPOT_MIN_PLATFORM: Record<string, string> = {
  X86_64: "1.3.0",
  ARM64: "1.4.0",
};

/** -1, 0 or 1 as dotted version `a` is older than, equal to or newer than `b`. */
function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number)) as [number[], number[]];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

// The API reference: "FARGATE_SPOT supports Linux tasks with the X86_64 architecture on platform
// version 1.3.0 or later. FARGATE_SPOT supports Linux tasks with the ARM64 architecture on platform
// version 1.4.0 or later" (ARM64 since September 2024; the developer guide's capacity-provider page
// still says X86_64 only). Windows containers on Fargate do not support Fargate Spot.
// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html
// https://aws.amazon.com/about-aws/whats-new/2024/09/amazon-ecs-graviton-based-spot-compute-fargate/
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html
export const fargateSpotPlatform = stackRule({
  name: "deploy-fargate-spot-platform",
  description:
    "ECS services on FARGATE_SPOT run tasks Fargate Spot supports: Linux, X86_64 on platform version 1.3.0 or later, ARM64 on 1.4.0 or later (LATEST is 1.4.0).",
  controls: [],
  remediation:
    'Leave platformVersion unset (LATEST) or set "1.4.0" for ARM64 tasks; run Windows tasks on FARGATE.',
  check: (resources) =>
    ofType(resources, SERVICE)
      .filter((service) =>
        asArray<Props>(service.props.capacityProviderStrategies).some(
          (s) => text(s.capacityProvider) === "FARGATE_SPOT",
        ),
      )
      .flatMap((service) =>
        dependenciesOf(service, "taskDefinition")
          .filter((t) => t.type === TASK_DEFINITION)
          .flatMap((task): Finding[] => {
            const platform = asRecord(task.props.runtimePlatform);
            const os = text(platform.operatingSystemFamily, "LINUX");
            const arch = text(platform.cpuArchitecture, "X86_64");
            const version = text(service.props.platformVersion, "LATEST");
            const needed = FARGATE_SPOT_MIN_PLATFORM[arch];
            const problem =
              os !== "LINUX"
                ? `runs ${os} tasks (task definition ${task.name}) on FARGATE_SPOT, which runs Linux tasks only`
                : !needed
                  ? `runs ${arch} tasks (task definition ${task.name}) on FARGATE_SPOT, which does not support them`
                  : version !== "LATEST" && compareVersions(version, needed) < 0
                    ? `runs ${arch} tasks (task definition ${task.name}) on FARGATE_SPOT at platform version ${version}; Fargate Spot needs ${needed} or later for ${arch}`
                    : undefined;
            return problem ? [{ resource: service, message: problem }] : [];
          }),
      ),
});

// ---- CloudWatch -----------------------------------------------------------------------------

/** Why CloudWatch would refuse an alarm period, or undefined. */
export function periodProblem(period: unknown): string | undefined {
  if (period === undefined) return undefined;
  const p = Number(period);
  return [10, 20, 30].includes(p) || (p > 0 && p % 60 === 0)
    ? undefined
    : `period ${text(period)} is not 10, 20, 30 or a multiple of 60`;
}

// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
// ("ValidationError: DatapointsToAlarm must be less than or equal to EvaluationPeriods")
export const alarmShape = resourceRule({
  name: "deploy-alarm-period-and-datapoints",
  description:
    "Metric alarms use a period of 10, 20, 30 or a multiple of 60 seconds, and alarm on at most as many datapoints as they evaluate (M out of N, M <= N).",
  controls: [],
  severity: "medium",
  remediation:
    "Set period to 60 (or 10/20/30 for high-resolution metrics, or a multiple of 60) and datapointsToAlarm to evaluationPeriods or fewer.",
  checks: {
    "aws:cloudwatch/metricAlarm:MetricAlarm": (props) => {
      const periods = [
        props.period,
        ...asArray<Props>(props.metricQueries).map((q) => asRecord(q.metric).period),
      ];
      const problems = periods.map(periodProblem).filter((m): m is string => m !== undefined);
      const m = props.datapointsToAlarm;
      const n = props.evaluationPeriods;
      if (m !== undefined && n !== undefined && Number(m) > Number(n)) {
        problems.push(`alarms on ${text(m)} datapoints out of ${text(n)} evaluated`);
      }
      return problems;
    },
  },
});

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
export const logRetentionValues = resourceRule({
  name: "deploy-log-retention-values",
  description:
    "Log group retention is one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653 days).",
  controls: [],
  severity: "medium",
  remediation: `Round retentionInDays to one of ${LOG_RETENTION_DAYS.join(", ")} (0 or unset keeps logs forever).`,
  checks: {
    "aws:cloudwatch/logGroup:LogGroup": (props) => {
      const days = props.retentionInDays;
      return days === undefined || Number(days) === 0 || LOG_RETENTION_DAYS.includes(Number(days))
        ? []
        : [`retention of ${text(days)} days is not a value CloudWatch Logs accepts`];
    },
  },
});

// ---- ElastiCache ----------------------------------------------------------------------------

// https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html
// https://www.pulumi.com/registry/packages/aws/api-docs/elasticache/replicationgroup/
export const cacheSettingPairs = resourceRule({
  name: "deploy-elasticache-setting-pairs",
  description:
    "Replication groups set authToken only with transit encryption, Multi-AZ only with automatic failover, and automatic failover only with a replica.",
  controls: [],
  remediation:
    "Set transitEncryptionEnabled: true with authToken; automaticFailoverEnabled: true with multiAzEnabled; numCacheClusters: 2 or more with automatic failover.",
  checks: {
    [REPLICATION_GROUP]: (props) => {
      const problems: string[] = [];
      if (props.authToken !== undefined && !isTrue(props.transitEncryptionEnabled)) {
        problems.push("sets authToken without transitEncryptionEnabled");
      }
      if (isTrue(props.multiAzEnabled) && !isTrue(props.automaticFailoverEnabled)) {
        problems.push("is Multi-AZ without automatic failover");
      }
      const clusters = props.numCacheClusters;
      if (
        isTrue(props.automaticFailoverEnabled) &&
        props.numNodeGroups === undefined &&
        clusters !== undefined &&
        Number(clusters) < 2
      ) {
        problems.push(`fails over automatically with ${text(clusters)} cache cluster (no replica)`);
      }
      return problems;
    },
  },
});

// ---- network ordering -----------------------------------------------------------------------

/** The peering connections a resource's `vpcPeeringConnectionId` came from (directly or via an accepter). */
function peeringsOf(resource: PolicyResource, property: string): PolicyResource[] {
  return dependenciesOf(resource, property).flatMap((d) =>
    d.type === PEERING
      ? [d]
      : d.type === ACCEPTER
        ? dependenciesOf(d, "vpcPeeringConnectionId").filter((p) => p.type === PEERING)
        : [],
  );
}

// https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html
// https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-dns.html
export const peeringAfterAccepter = stackRule({
  name: "deploy-peering-after-accepter",
  description:
    "Routes and peering options over a peering connection that the stack accepts depend on the accepter: until accepted, routes are blackholes and options cannot be set.",
  controls: [],
  remediation:
    "Take vpcPeeringConnectionId from the VpcPeeringConnectionAccepter (accepter.id), or add the accepter to dependsOn.",
  check: (resources) => {
    const accepters = ofType(resources, ACCEPTER);
    return ofType(
      resources,
      "aws:ec2/route:Route",
      "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions",
    ).flatMap((r) =>
      peeringsOf(r, "vpcPeeringConnectionId").flatMap((peering) => {
        const own = accepters.filter((a) => refersTo(a, "vpcPeeringConnectionId", peering));
        return orderedAfter(
          r,
          own,
          `uses peering ${peering.name} without depending on its accepter ${names(own)}`,
        );
      }),
    );
  },
});

// https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-troubleshooting.html
export const natAfterInternetGateway = stackRule({
  name: "deploy-nat-after-internet-gateway",
  description:
    "Public NAT gateways depend on their VPC's internet gateway: AWS refuses one in a VPC without an attached internet gateway.",
  controls: [],
  remediation: "Add the VPC's internet gateway (or its attachment) to the NAT gateway's dependsOn.",
  check: (resources) => {
    const gateways = ofType(
      resources,
      "aws:ec2/internetGateway:InternetGateway",
      "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment",
    );
    return ofType(resources, "aws:ec2/natGateway:NatGateway")
      .filter((nat) => text(nat.props.connectivityType, "public") === "public")
      .flatMap((nat) =>
        dependenciesOf(nat, "subnetId")
          .flatMap((s) => dependenciesOf(s, "vpcId"))
          .filter((v) => v.type === "aws:ec2/vpc:Vpc")
          .flatMap((vpc) => {
            const own = gateways.filter((g) => refersTo(g, "vpcId", vpc));
            if (own.length === 0) {
              return [{ resource: nat, message: `VPC ${vpc.name} has no internet gateway` }];
            }
            return orderedAfter(
              nat,
              own,
              `does not depend on ${names(own)}, the internet gateway of VPC ${vpc.name}`,
            );
          }),
      );
  },
});

const ROLE_GRANTS = [
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
];

// An instance calls AWS with its role from the first second of its boot (user data, the ECS and
// SSM agents), and user data runs once: a grant that lands after the launch fails that boot.
// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html
export const asgAfterInstanceGrants = stackRule({
  name: "deploy-asg-after-instance-grants",
  description:
    "Auto Scaling groups depend on every policy of the role their launch template's instance profile carries: instances use it at boot, and user data runs only once.",
  controls: [],
  remediation:
    "Add the role's RolePolicy and RolePolicyAttachment resources to the Auto Scaling group's dependsOn.",
  check: (resources) =>
    ofType(resources, ASG).flatMap((group) => {
      const templates = [
        ...dependenciesOf(group, "launchTemplate"),
        ...dependenciesOf(group, "mixedInstancesPolicy"),
      ].filter((t) => t.type === LAUNCH_TEMPLATE);
      const roles = templates
        .flatMap((t) => dependenciesOf(t, "iamInstanceProfile"))
        .filter((p) => p.type === "aws:iam/instanceProfile:InstanceProfile")
        .flatMap((p) => dependenciesOf(p, "role"))
        .filter((r) => r.type === "aws:iam/role:Role");
      return ofType(resources, ...ROLE_GRANTS)
        .filter((grant) => roles.some((role) => refersTo(grant, "role", role)))
        .filter((grant) => !dependsOn(group, grant))
        .map((grant) => ({
          resource: group,
          message: `does not depend on ${grant.name}, a policy of the role its instances boot with`,
        }));
    }),
});

/** Default routes (0.0.0.0/0) of the route tables `subnet` is associated with. */
function defaultRoutesOf(resources: PolicyResource[], subnet: PolicyResource): PolicyResource[] {
  const tables = ofType(resources, "aws:ec2/routeTableAssociation:RouteTableAssociation")
    .filter((a) => refersTo(a, "subnetId", subnet))
    .flatMap((a) => dependenciesOf(a, "routeTableId"));
  return ofType(resources, "aws:ec2/route:Route").filter(
    (route) =>
      text(route.props.destinationCidrBlock) === "0.0.0.0/0" &&
      tables.some((table) => refersTo(route, "routeTableId", table)),
  );
}

// A function in a VPC reaches AWS APIs (Secrets Manager) through its subnets' default route when
// the VPC has no interface endpoint; an invocation made during the update waits for that route.
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html
export const invocationAfterEgress = stackRule({
  name: "deploy-vpc-invocation-after-egress",
  description:
    "A Lambda invocation made during the update (aws:lambda/invocation) of a function in a VPC depends on the default routes of the function's subnets, and so on the NAT they lead to.",
  controls: [],
  remediation:
    "Add the private subnets' default routes and their NAT (gateway or instance group) to the invocation's dependsOn.",
  check: (resources) =>
    ofType(resources, "aws:lambda/invocation:Invocation").flatMap((invocation) => {
      const subnets = dependenciesOf(invocation, "functionName")
        .filter((f) => f.type === FUNCTION)
        .flatMap((f) => dependenciesOf(f, "vpcConfig"))
        .filter((s) => s.type === "aws:ec2/subnet:Subnet");
      return [...new Set(subnets.flatMap((subnet) => defaultRoutesOf(resources, subnet)))]
        .filter((route) => !dependsOn(invocation, route))
        .map((route) => ({
          resource: invocation,
          message: `does not depend on ${route.name}, the default route its function's subnet takes out`,
        }));
    }),
});

// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/create-https-listener.html
// https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html
export const listenerAfterValidation = stackRule({
  name: "deploy-https-listener-after-certificate-validation",
  description:
    "HTTPS listeners (and listener certificates) using an ACM certificate of the stack depend on its CertificateValidation: a certificate not yet issued cannot be used.",
  controls: [],
  remediation:
    "Take certificateArn from the aws.acm.CertificateValidation (validation.certificateArn) rather than from the certificate.",
  check: (resources) => {
    const validations = ofType(resources, CERTIFICATE_VALIDATION);
    return ofType(
      resources,
      ...LISTENERS,
      "aws:lb/listenerCertificate:ListenerCertificate",
      "aws:alb/listenerCertificate:ListenerCertificate",
    ).flatMap((listener) =>
      dependenciesOf(listener, "certificateArn")
        .filter((c) => c.type === CERTIFICATE)
        .flatMap((cert) => {
          const own = validations.filter((v) => refersTo(v, "certificateArn", cert));
          // Imported and private-CA certificates are issued at once; only validated ones wait.
          if (own.length === 0 && cert.props.validationMethod === undefined) return [];
          if (own.length === 0) {
            return [
              {
                resource: listener,
                message: `uses certificate ${cert.name}, which nothing in the stack waits to be validated`,
              },
            ];
          }
          return orderedAfter(
            listener,
            own,
            `does not depend on ${names(own)}, the validation of certificate ${cert.name}`,
          );
        }),
    );
  },
});

/** ELB's per-load-balancer quotas (default values; rules and certificates exclude the default ones). */
export const ALB_LIMITS = { rules: 100, certificates: 25, listeners: 50 };
const LISTENER_CERTIFICATES = [
  "aws:lb/listenerCertificate:ListenerCertificate",
  "aws:alb/listenerCertificate:ListenerCertificate",
];

// https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateRule.html
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
export const albRulesAndQuotas = stackRule({
  name: "deploy-alb-rule-priorities-and-quotas",
  description:
    "Listener rule priorities are whole numbers from 1 to 50000, unique per listener; an application load balancer holds at most 100 rules, 25 certificates besides the default ones and 50 listeners (ELB's default quotas).",
  controls: [],
  remediation:
    "Give each workload on a shared load balancer its own priority block (SharedLoadBalancer's priorityBlock), or move workloads to another load balancer (platform:sharedLoadBalancer false) or ask AWS for a higher quota; rules created at run time (QuickBets' sessions) count too.",
  check: (resources) => {
    const findings: Finding[] = [];
    const rules = ofType(resources, ...LISTENER_RULES);
    const certificates = ofType(resources, ...LISTENER_CERTIFICATES);
    const listeners = ofType(resources, ...LISTENERS);
    for (const listener of listeners) {
      const own = rules.filter((r) => refersTo(r, "listenerArn", listener));
      const seen = new Map<number, PolicyResource>();
      for (const rule of own) {
        const priority: unknown = rule.props.priority;
        // Unset: ELB gives the next free one.
        if (priority === undefined) continue;
        const p = Number(priority);
        if (!Number.isInteger(p) || p < 1 || p > 50_000) {
          findings.push({
            resource: rule,
            message: `priority ${text(priority)} is not 1 to 50000`,
          });
          continue;
        }
        const other = seen.get(p);
        if (other) {
          findings.push({
            resource: rule,
            message: `priority ${p} is also ${other.name}'s on listener ${listener.name}`,
          });
        }
        seen.set(p, rule);
      }
    }
    for (const lb of ofType(resources, ...LOAD_BALANCERS)) {
      const own = listeners.filter((l) => refersTo(l, "loadBalancerArn", lb));
      const on = (xs: PolicyResource[]) =>
        xs.filter((x) => own.some((l) => refersTo(x, "listenerArn", l)));
      const counts = {
        rules: on(rules).length,
        certificates: on(certificates).length,
        listeners: own.length,
      };
      for (const key of ["rules", "certificates", "listeners"] as const) {
        if (counts[key] > ALB_LIMITS[key]) {
          findings.push({
            resource: lb,
            message: `has ${counts[key]} ${key === "certificates" ? "listener certificates" : key}, more than ELB's ${ALB_LIMITS[key]}`,
          });
        }
      }
    }
    return findings;
  },
});

export const deployRules = [
  ec2Descriptions,
  lambdaPackage,
  physicalNames,
  familyPerStack,
  serviceAfterCapacityProviders,
  serviceAfterListener,
  serviceAfterSecretValues,
  asgForceDelete,
  asgSpot,
  protectStateful,
  apiLoggingRole,
  reservedConcurrency,
  fargateSize,
  fargateSpotPlatform,
  alarmShape,
  logRetentionValues,
  cacheSettingPairs,
  peeringAfterAccepter,
  natAfterInternetGateway,
  asgAfterInstanceGrants,
  invocationAfterEgress,
  listenerAfterValidation,
  albRulesAndQuotas,
];

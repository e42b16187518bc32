/**
 * The deploy rules, both ways: compliant stacks raise nothing; violating ones are reported on
 * exactly the resources named, with boundary cases (at the limit passes, one over fails). Plans
 * are built from small specs; explicit dependencies (`after`) and regions are added to them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { rules } from "../policy/rules";
import {
  AUTO_NAME_SUFFIX,
  deployRules,
  dependsOn,
  ec2DescriptionProblem,
  FARGATE_MEMORY,
  imageUriProblem,
  logicalName,
  NAME_SPECS,
  nameProblems,
  namesStack,
  parseImageUri,
  physicalName,
  PREFIX_SUFFIX,
  stackOf,
  SPOT_DRAINING,
  STATEFUL_TYPES,
} from "../policy/rules/deploy";
import type { Plan, PlannedResource } from "../engine/engine";
import { evaluatePolicies, type PackConfig } from "../engine/policy";
import { planOf, spec, type Spec } from "./helpers/plan-builder";

/** A spec with explicit dependencies (names) and the region of its provider. */
type DSpec = Spec & { after?: string[]; region?: string };

interface Case {
  rule: string;
  good: DSpec[][];
  /** Violating stacks, each with the resources the violations must name (and nothing else). */
  bad: [DSpec[], string | string[], RegExp?][];
  config?: PackConfig;
}

const r = (
  type: string,
  name: string,
  inputs?: Record<string, unknown>,
  deps?: Record<string, string[]>,
  extra?: Partial<DSpec>,
): DSpec => spec<DSpec>(type, name, inputs, deps, extra);

/** The plan of the specs: explicit dependencies added, resources with a region on its provider. */
function build(specs: DSpec[]): Plan {
  const plan = planOf(specs.map(({ after: _a, region: _r, ...spec }) => spec));
  const urnNamed = (name: string) => {
    const found = plan.resources.find((x) => x.name === name);
    if (!found) throw new Error(`no resource named ${name}`);
    return found.urn;
  };
  const base = plan.resources.find((x) => x.type === "pulumi:providers:aws")!;
  const regions = [...new Set(specs.flatMap((s) => (s.region ? [s.region] : [])))];
  const providers = regions.map((region): PlannedResource => ({
    ...base,
    urn: base.urn.replace(/[^:]+$/, region),
    name: region,
    region,
    inputs: { ...base.inputs, region },
  }));
  const resources = plan.resources.map((res): PlannedResource => {
    const spec = specs.find((s) => s.name === res.name && s.type === res.type);
    if (!spec) return res;
    return {
      ...res,
      dependencies: [...new Set([...res.dependencies, ...(spec.after ?? []).map(urnNamed)])],
      ...(spec.region
        ? { region: spec.region, provider: providers.find((p) => p.name === spec.region)!.urn }
        : {}),
    };
  });
  return { ...plan, resources: [...providers, ...resources] };
}

/** The violations of one rule, evaluated on its own. */
async function violations(rule: string, specs: DSpec[], config: PackConfig = {}) {
  const only = deployRules.filter((x) => x.name === rule);
  expect(only, rule).to.have.length(1);
  const report = await evaluatePolicies(build(specs), config, { rules: only });
  return report.violations.filter((v) => v.policy === rule);
}

const FN = "aws:lambda/function:Function";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const TASK = "aws:ecs/taskDefinition:TaskDefinition";
const SERVICE = "aws:ecs/service:Service";
const CLUSTER = "aws:ecs/cluster:Cluster";
const CAPACITY = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders";
const TG = "aws:lb/targetGroup:TargetGroup";
const LISTENER = "aws:lb/listener:Listener";
const LISTENER_RULE = "aws:lb/listenerRule:ListenerRule";
const SECRET = "aws:secretsmanager/secret:Secret";
const VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const ASG = "aws:autoscaling/group:Group";
const STAGE = "aws:apigateway/stage:Stage";
const SETTINGS = "aws:apigateway/methodSettings:MethodSettings";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const REDIS = "aws:elasticache/replicationGroup:ReplicationGroup";
const VPC = "aws:ec2/vpc:Vpc";
const SUBNET = "aws:ec2/subnet:Subnet";
const IGW = "aws:ec2/internetGateway:InternetGateway";
const NAT = "aws:ec2/natGateway:NatGateway";
const PEERING = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection";
const ACCEPTER = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter";
const ROUTE = "aws:ec2/route:Route";
const OPTIONS = "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions";
const CERT = "aws:acm/certificate:Certificate";
const VALIDATION = "aws:acm/certificateValidation:CertificateValidation";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
const ECR = (region = "us-east-1") => `123456789012.dkr.ecr.${region}.amazonaws.com`;
const zipFn = (name: string, inputs: object = {}, extra: Partial<DSpec> = {}) =>
  r(FN, name, { runtime: "nodejs22.x", handler: "index.handler", ...inputs }, undefined, extra);
const imageFn = (name: string, imageUri: string, inputs: object = {}, region?: string) =>
  r(FN, name, { packageType: "Image", imageUri, ...inputs }, undefined, region ? { region } : {});
/** A logical name of exactly `length` characters. */
const named = (length: number, stem = "n") => stem.padEnd(length, "x");
/** An EC2 description of exactly `length` allowed characters, every special one included. */
const description = (length: number) => "._-:/()#,@[]+=&;{}!$* aZ09".repeat(20).slice(0, length);

// The ECS pieces the ordering rules relate.
const cluster = (name = "cluster") => r(CLUSTER, name);
const capacity = (name = "capacity", of = "cluster") =>
  r(CAPACITY, name, { capacityProviders: ["FARGATE"] }, { clusterName: [of] });
const TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const b64 = (text: string) => Buffer.from(text).toString("base64");
/** A launch template whose user data joins a cluster, with Spot draining or without. */
const spotTemplate = (draining: boolean) =>
  r(TEMPLATE, "lt", {
    userData: b64(`ECS_CLUSTER=c\n${draining ? `${SPOT_DRAINING}\n` : ""}`),
  });
/** A group over `lt` whose mixed instances policy runs `onDemand`% above the base on demand. */
const spotGroup = (onDemand: number) =>
  r(
    ASG,
    "asg",
    {
      mixedInstancesPolicy: {
        instancesDistribution: {
          onDemandBaseCapacity: 0,
          onDemandPercentageAboveBaseCapacity: onDemand,
        },
        launchTemplate: { launchTemplateSpecification: { launchTemplateId: "lt-1" } },
      },
    },
    { mixedInstancesPolicy: ["lt"] },
  );
const capacityProvider = (managedDraining?: string) =>
  r(
    "aws:ecs/capacityProvider:CapacityProvider",
    "cp",
    {
      autoScalingGroupProvider: {
        autoScalingGroupArn: "arn",
        ...(managedDraining ? { managedDraining } : {}),
      },
    },
    { autoScalingGroupProvider: ["asg"] },
  );
/** `spotGroup` with Capacity Rebalancing on. */
const rebalancing = (onDemand = 0) => {
  const group = spotGroup(onDemand);
  return { ...group, inputs: { ...group.inputs, capacityRebalance: true } };
};
const service = (name: string, deps: Record<string, string[]>, after: string[] = [], inputs = {}) =>
  r(SERVICE, name, inputs, deps, { after });
const onFargate = { capacityProviderStrategies: [{ capacityProvider: "FARGATE", weight: 1 }] };
const spotTask = (cpuArchitecture: string, operatingSystemFamily = "LINUX") =>
  r(TASK, "task", {
    requiresCompatibilities: ["FARGATE"],
    runtimePlatform: { cpuArchitecture, operatingSystemFamily },
  });
const onSpot = (platformVersion?: string) =>
  service("svc", { taskDefinition: ["task"] }, [], {
    capacityProviderStrategies: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }],
    ...(platformVersion ? { platformVersion } : {}),
  });
const balanced = (tg = "tg") => [
  r(TG, tg),
  r(LISTENER, `${tg}-listener`, { protocol: "HTTP", port: 80 }),
  r(
    LISTENER_RULE,
    `${tg}-rule`,
    { actions: [{ type: "forward" }] },
    { actions: [tg], listenerArn: [`${tg}-listener`] },
  ),
];
const secretReader = (secrets: string[], arn = "arn:aws:secretsmanager:us-east-1:1:secret:x") =>
  r(
    TASK,
    "task",
    {
      family: "app-test",
      containerDefinitions: JSON.stringify([
        { name: "app", secrets: secrets.map((s) => ({ name: s, valueFrom: arn })) },
      ]),
    },
    { containerDefinitions: secrets },
  );
const secretWithValue = (name: string) => [
  r(SECRET, name),
  r(VERSION, `${name}-value`, { secretString: "[secret]" }, { secretId: [name] }),
];
const network = (igw = true) => [
  r(VPC, "vpc"),
  r(SUBNET, "public-0", {}, { vpcId: ["vpc"] }),
  ...(igw ? [r(IGW, "igw", {}, { vpcId: ["vpc"] })] : []),
];
const peering = [
  r(VPC, "home"),
  r(VPC, "remote", {}, undefined, { region: "eu-central-1" }),
  r(PEERING, "pcx", { peerRegion: "eu-central-1" }, { vpcId: ["home"], peerVpcId: ["remote"] }),
  r(
    ACCEPTER,
    "pcx-accepter",
    { autoAccept: true },
    { vpcPeeringConnectionId: ["pcx"] },
    {
      region: "eu-central-1",
    },
  ),
  r("aws:ec2/routeTable:RouteTable", "rt", {}, { vpcId: ["home"] }),
];
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const INVOCATION = "aws:lambda/invocation:Invocation";
/** An instance role with a managed and an inline policy, its profile, and a template using it. */
const instanceRole = () => [
  r(ROLE, "role"),
  r("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "role-ssm", {}, { role: ["role"] }),
  r(ROLE_POLICY, "role-eni", {}, { role: ["role"] }),
  r("aws:iam/instanceProfile:InstanceProfile", "profile", {}, { role: ["role"] }),
  r(TEMPLATE, "lt", {}, { iamInstanceProfile: ["profile"] }),
];
const GRANTS = ["role-ssm", "role-eni"];
/** Two private subnets, each with a route table whose default route leads to a NAT. */
const privateEgress = () =>
  [0, 1].flatMap((i) => [
    r(SUBNET, `private-${i}`),
    r("aws:ec2/routeTable:RouteTable", `rt-${i}`),
    r(
      "aws:ec2/routeTableAssociation:RouteTableAssociation",
      `rta-${i}`,
      {},
      { subnetId: [`private-${i}`], routeTableId: [`rt-${i}`] },
    ),
    r(
      ROUTE,
      `private-nat-${i}`,
      { destinationCidrBlock: "0.0.0.0/0" },
      { routeTableId: [`rt-${i}`] },
    ),
  ]);
/** A function in both private subnets and an invocation of it waiting for `after`. */
const invocation = (after: string[]) => [
  r(FN, "fn", {}, { vpcConfig: ["private-0", "private-1"] }),
  r(INVOCATION, "run", {}, { functionName: ["fn"] }, { after }),
];
const certificate = (validated = true) => [
  r("aws:lb/loadBalancer:LoadBalancer", "alb"),
  r(CERT, "cert", { domainName: "example.com", validationMethod: "DNS" }),
  ...(validated ? [r(VALIDATION, "cert-validation", {}, { certificateArn: ["cert"] })] : []),
];
const https = (name: string, certificateFrom: string[], after: string[] = []) =>
  r(
    LISTENER,
    name,
    { protocol: "HTTPS", port: 443 },
    { loadBalancerArn: ["alb"], certificateArn: certificateFrom },
    { after },
  );
const alarm = (inputs: object) =>
  r(ALARM, "alarm", { comparisonOperator: "GreaterThanThreshold", period: 60, ...inputs });
const fargate = (cpu: unknown, memory: unknown, compatibilities = ["FARGATE"]) =>
  r(TASK, "task", { family: "app-test", cpu, memory, requiresCompatibilities: compatibilities });
const redis = (inputs: object) =>
  r(REDIS, "bus", { transitEncryptionEnabled: true, numCacheClusters: 2, ...inputs });

const cases: Case[] = [
  {
    rule: "deploy-ec2-description-charset",
    good: [
      [
        r(SG, "fn-sg", {
          description: "fred-jobs: the web app function",
          ingress: [{ description: "HTTPS from the ALB (443)" }],
          egress: [{ description: description(255) }],
        }),
        r("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "in", {
          description: description(255),
        }),
        r("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "out"),
        r(SG, "default-description"),
      ],
    ],
    bad: [
      [
        [r(SG, "fred-jobs-fn-sg", { description: "fred-jobs: the web app's function" })],
        "fred-jobs-fn-sg",
        /^description "fred-jobs: the web app's function" has characters EC2 refuses: "'"$/,
      ],
      [
        [r(SG, "ingress", { ingress: [{ description: "from 'home'" }, { description: "ok" }] })],
        "ingress",
        /^ingress rule 1 description "from 'home'" has characters EC2 refuses: "'"$/,
      ],
      [
        [
          r("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "long", {
            description: description(256),
          }),
        ],
        "long",
        /256 characters long \(at most 255\)/,
      ],
      [
        [
          r("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "quoted", {
            description: 'To the "api"',
          }),
          r(SG, "fine", { description: "fine" }),
        ],
        "quoted",
      ],
      [
        [r(SG, "inline", { egress: [{ description: "ok" }, { description: "Zürich" }] })],
        "inline",
        /egress rule 2 description "Zürich"/,
      ],
      [
        [r("aws:ec2/securityGroupRule:SecurityGroupRule", "legacy", { description: "a < b" })],
        "legacy",
      ],
    ],
  },
  {
    rule: "deploy-lambda-package",
    good: [
      [
        zipFn("zip"),
        imageFn("by-digest", `${ECR()}/fred-jobs@${DIGEST}`),
        imageFn("by-tag", `${ECR()}/team/fred-jobs:v1.2`),
        imageFn("remote", `${ECR("eu-central-1")}/app@${DIGEST}`, {}, "eu-central-1"),
        imageFn("not-yet-known", "[unknown]"),
        imageFn("computed", `${ECR()}/04da6b54-80e4-46f7-96ec-b56ff0331ba9`),
        zipFn("one-arch", { architectures: ["arm64"] }),
      ],
    ],
    bad: [
      [
        [imageFn("ref", `${ECR()}/fred-jobs:ctx-d9fe33013ef2d722@${DIGEST}`), zipFn("zip")],
        "ref",
        /names both the tag ctx-d9fe33013ef2d722 and a digest/,
      ],
      [
        [imageFn("image-runtime", `${ECR()}/app@${DIGEST}`, { runtime: "nodejs22.x" })],
        "image-runtime",
        /an image function sets runtime/,
      ],
      [
        [imageFn("image-handler", `${ECR()}/app:v1`, { handler: "index.handler" })],
        "image-handler",
      ],
      [
        [zipFn("no-handler", { handler: undefined })],
        "no-handler",
        /a zip function has no handler/,
      ],
      [
        [r(FN, "no-runtime", { packageType: "Zip", handler: "index.handler" })],
        "no-runtime",
        /no runtime/,
      ],
      [
        [imageFn("cross-region", `${ECR()}/app@${DIGEST}`, {}, "eu-central-1")],
        "cross-region",
        /in ECR in us-east-1 but the function is in eu-central-1/,
      ],
      [[imageFn("docker-hub", "docker.io/library/node:22")], "docker-hub", /is not <account>/],
      [[imageFn("bare-repo", `${ECR()}/app`)], "bare-repo", /neither a tag nor a digest/],
      [[imageFn("no-uri", undefined as unknown as string)], "no-uri", /has no imageUri/],
      [
        [zipFn("two-arch", { architectures: ["arm64", "x86_64"] })],
        "two-arch",
        /^architectures lists arm64, x86_64; give one$/,
      ],
    ],
  },
  {
    rule: "deploy-physical-name-limits",
    good: [
      [
        zipFn(named(64 - AUTO_NAME_SUFFIX, "fn")),
        zipFn("explicit", { name: named(64, "f") }),
        r(TG, named(24, "tg")),
        r(TG, "tg-explicit", { name: named(32, "t") }),
        r("aws:lb/loadBalancer:LoadBalancer", "alb", { namePrefix: "web-" }),
        r("aws:lb/loadBalancer:LoadBalancer", "alb6", { namePrefix: "abcdef" }),
        r("aws:iam/role:Role", "role", { namePrefix: named(64 - PREFIX_SUFFIX, "r") }),
        r("aws:s3/bucket:Bucket", "Uploads"),
        r("aws:s3/bucket:Bucket", named(63 - AUTO_NAME_SUFFIX, "b")),
        r("aws:s3/bucket:Bucket", "explicit-bucket", { bucket: "fred-jobs.uploads-1" }),
        r("aws:ecr/repository:Repository", "repo", { name: "arbees/market__gateway--kalshi" }),
        r(REDIS, "cache", { replicationGroupId: named(40, "r") }),
        r(REDIS, named(40 - AUTO_NAME_SUFFIX, "c")),
        r("aws:rds/instance:Instance", "db", { identifier: "fred-jobs-prod" }),
        r("aws:rds/instance:Instance", "db-prefixed", { identifierPrefix: "db-" }),
        r(LOG_GROUP, "lambda-logs", { name: "/aws/lambda/fn" }),
        r(TASK, "task", { family: named(255, "f") }),
        r(TASK, "no-family"),
        r("aws:ecs/capacityProvider:CapacityProvider", "arbees-ec2"),
        r(SG, "web", { name: "web-sg" }),
        zipFn("computed", { name: "[unknown]" }),
        r("aws:cloudwatch/metricAlarm:MetricAlarm", "alarm", { name: "5xx > 1% (ALB)" }),
      ],
    ],
    bad: [
      [
        [zipFn(named(64 - AUTO_NAME_SUFFIX + 1, "fn")), zipFn(named(64 - AUTO_NAME_SUFFIX, "ok"))],
        named(57, "fn"),
        /makes a name of 65 characters, above 64/,
      ],
      [[zipFn("explicit", { name: named(65, "f") })], "explicit", /65 characters, above 64/],
      [[zipFn("dotted", { name: "my.function" })], "dotted", /letters, digits, hyphens/],
      [[r(TG, named(25, "tg"))], named(25, "tg"), /33 characters, above 32/],
      [[r(TG, "edge", { name: "-api" })], "edge", /must not start or end with a hyphen/],
      [
        [r("aws:lb/loadBalancer:LoadBalancer", "internal", { name: "internal-api" })],
        "internal",
        /must not start with "internal-"/,
      ],
      [
        [r("aws:lb/loadBalancer:LoadBalancer", "alb7", { namePrefix: "abcdefg" })],
        "alb7",
        /namePrefix "abcdefg" \(\+26 characters the provider appends\) makes a name of 33/,
      ],
      [
        [r("aws:iam/role:Role", "role", { namePrefix: named(64 - PREFIX_SUFFIX + 1, "r") })],
        "role",
      ],
      [[r("aws:s3/bucket:Bucket", "upper", { bucket: "My_Bucket" })], "upper", /lowercase/],
      [[r("aws:s3/bucket:Bucket", named(56, "b"))], named(56, "b"), /64 characters, above 63/],
      [[r("aws:s3/bucket:Bucket", "dots", { bucket: "a..b" })], "dots", /two dots/],
      [[r("aws:ecr/repository:Repository", "repo", { name: "Arbees/API" })], "repo"],
      [
        [r(REDIS, "cache", { replicationGroupId: named(41, "r") })],
        "cache",
        /41 characters, above 40/,
      ],
      [[r(REDIS, named(40 - AUTO_NAME_SUFFIX + 1, "c"))], named(33, "c")],
      [[r(REDIS, "digit", { replicationGroupId: "1cache" })], "digit", /start with a letter/],
      [
        [r("aws:rds/instance:Instance", "db", { identifier: "fred-jobs--prod" })],
        "db",
        /two hyphens in a row/,
      ],
      [
        [r("aws:rds/subnetGroup:SubnetGroup", "default-group", { name: "default" })],
        "default-group",
      ],
      [[r(SG, "named", { name: "sg-web" })], "named", /must not start with "sg-"/],
      [[r(SG, "sg-web")], "sg-web", /auto-name from logical name "sg-web"/],
      [
        [r("aws:ecs/capacityProvider:CapacityProvider", "cp", { name: "fargate-arm" })],
        "cp",
        /must not start with "fargate"/,
      ],
      [[r(LOG_GROUP, "reserved", { name: "aws/custom" })], "reserved", /"aws\/"/],
      [[r(TASK, "task", { family: named(256, "f") })], "task", /256 characters, above 255/],
      [[r(TASK, "task", { family: "app.v2" })], "task", /letters, digits, hyphens and underscores/],
      [[r("aws:autoscaling/group:Group", "asg", { name: "asg:1" })], "asg", /no colon/],
    ],
  },
  {
    rule: "deploy-ecs-family-per-stack",
    good: [
      [
        r(TASK, "a", { family: "arbees-test-api" }),
        r(TASK, "b", { family: "test-session" }),
        r(TASK, "c", { family: "quickbets_test" }),
        r(TASK, "d", { family: "arbees/test/api" }),
        r(TASK, "e", { family: "app.test" }),
        r(TASK, "computed", { family: "[unknown]" }),
      ],
    ],
    bad: [
      [
        [r(TASK, "home", { family: "arbees-home-api" })],
        "home",
        /^family "arbees-home-api" does not contain the stack name "test"$/,
      ],
      [[r(TASK, "word", { family: "arbees-testing-api" })], "word"],
      [[r(TASK, "glued", { family: "latestapi" }), r(TASK, "ok", { family: "x-test" })], "glued"],
    ],
  },
  {
    rule: "deploy-ecs-service-after-capacity-providers",
    good: [
      [cluster(), capacity(), service("svc", { cluster: ["cluster"] }, ["capacity"], onFargate)],
      [
        cluster(),
        capacity(),
        r("aws:iam/rolePolicy:RolePolicy", "policy", {}, undefined, { after: ["capacity"] }),
        service("transitive", { cluster: ["cluster"] }, ["policy"], onFargate),
      ],
      [cluster(), service("launch-type", { cluster: ["cluster"] }, [], { launchType: "FARGATE" })],
      [service("external-cluster", {}, [], onFargate)],
    ],
    bad: [
      [
        [cluster(), capacity(), service("svc", { cluster: ["cluster"] }, [], onFargate)],
        "svc",
        /does not depend on capacity, the capacity providers of cluster cluster/,
      ],
      [
        [cluster(), service("bare", { cluster: ["cluster"] }, [], onFargate)],
        "bare",
        /cluster cluster has no ClusterCapacityProviders/,
      ],
      [
        [
          cluster("a"),
          cluster("b"),
          capacity("a-capacity", "a"),
          capacity("b-capacity", "b"),
          service("wrong", { cluster: ["b"] }, ["a-capacity"], onFargate),
          service("right", { cluster: ["a"] }, ["a-capacity"], onFargate),
        ],
        "wrong",
      ],
    ],
  },
  {
    rule: "deploy-ecs-service-after-listener",
    good: [
      [...balanced(), service("svc", { loadBalancers: ["tg"] }, ["tg-rule"])],
      [
        r(TG, "tg"),
        r(
          LISTENER,
          "listener",
          { defaultActions: [{ type: "forward" }] },
          {
            defaultActions: ["tg"],
          },
        ),
        service("svc", { loadBalancers: ["tg"] }, ["listener"]),
      ],
      [...balanced(), service("no-lb", {})],
    ],
    bad: [
      [
        [...balanced(), service("svc", { loadBalancers: ["tg"] })],
        "svc",
        /which attaches target group tg/,
      ],
      [
        [r(TG, "orphan"), service("svc", { loadBalancers: ["orphan"] })],
        "svc",
        /no listener or rule/,
      ],
      [
        [
          ...balanced("a"),
          ...balanced("b"),
          service("crossed", { loadBalancers: ["b"] }, ["a-rule"]),
          service("fine", { loadBalancers: ["a"] }, ["a-rule"]),
        ],
        "crossed",
      ],
    ],
  },
  {
    rule: "deploy-ecs-service-after-secret-values",
    good: [
      [
        ...secretWithValue("db-url"),
        secretReader(["db-url"]),
        service("svc", { taskDefinition: ["task"] }, ["db-url-value"]),
      ],
      [
        ...secretWithValue("db-url"),
        { ...secretReader(["db-url"]), after: ["db-url-value"] },
        service("via-task", { taskDefinition: ["task"] }),
      ],
      // A secret no version of the stack writes (filled by the team) has nothing to wait on.
      [r(SECRET, "vpn"), secretReader(["vpn"]), service("svc", { taskDefinition: ["task"] })],
    ],
    bad: [
      [
        [
          ...secretWithValue("db-url"),
          secretReader(["db-url"]),
          service("svc", { taskDefinition: ["task"] }),
        ],
        "svc",
        /does not depend on db-url-value, the value of secret db-url that task definition task reads/,
      ],
      [
        [
          ...secretWithValue("db-url"),
          ...secretWithValue("redis-url"),
          secretReader(["db-url", "redis-url"]),
          service("half", { taskDefinition: ["task"] }, ["db-url-value"]),
        ],
        "half",
        /redis-url-value/,
      ],
      // The replica region's ARN is rewritten, but the dependency on the primary secret stays.
      [
        [
          ...secretWithValue("db-url"),
          {
            ...secretReader(["db-url"], "arn:aws:secretsmanager:eu-central-1:1:secret:db-url-AbC"),
            region: "eu-central-1",
          },
          { ...service("remote", { taskDefinition: ["task"] }), region: "eu-central-1" },
        ],
        "remote",
      ],
    ],
  },
  {
    rule: "deploy-asg-scale-in-protection-force-delete",
    good: [
      [
        r(ASG, "protected", { protectFromScaleIn: true, forceDelete: true }),
        r(ASG, "plain", { minSize: 1 }),
      ],
    ],
    bad: [
      [
        [r(ASG, "stuck", { protectFromScaleIn: true })],
        "stuck",
        /^protects instances from scale-in without forceDelete$/,
      ],
      [[r(ASG, "strings", { protectFromScaleIn: "true", forceDelete: false })], "strings"],
    ],
  },
  {
    rule: "deploy-asg-spot",
    good: [
      // An ECS group on Spot whose instances drain on the warning.
      [spotTemplate(true), spotGroup(0), capacityProvider()],
      // On demand through the policy (100% above the base): no draining needed.
      [spotTemplate(false), spotGroup(100), capacityProvider()],
      // Spot without ECS (a NAT instance): nothing to drain.
      [spotTemplate(false), spotGroup(0)],
      [spotTemplate(false), rebalancing()],
      // Rebalancing, and ECS drains what Auto Scaling removes.
      [spotTemplate(true), rebalancing(), capacityProvider("ENABLED")],
      // No mixed instances policy: the template may request Spot itself.
      [
        r(TEMPLATE, "lt", { instanceMarketOptions: { marketType: "spot" } }),
        r(ASG, "asg", { launchTemplate: { id: "lt-1" } }, { launchTemplate: ["lt"] }),
      ],
    ],
    bad: [
      [
        [spotTemplate(false), spotGroup(0), capacityProvider()],
        "asg",
        /launches ECS container instances on Spot, but launch template lt's user data does not set ECS_ENABLE_SPOT_INSTANCE_DRAINING=true/,
      ],
      [
        [spotTemplate(true), rebalancing(), capacityProvider()],
        "asg",
        /^rebalances Spot capacity, but capacity provider cp does not set managedDraining ENABLED: ECS gets no Spot warning for an instance Capacity Rebalancing removes$/,
      ],
      [
        [spotTemplate(true), rebalancing(), capacityProvider("DISABLED")],
        "asg",
        /capacity provider cp does not set managedDraining ENABLED/,
      ],
      // 99% on demand still puts one in a hundred on Spot.
      [[spotTemplate(false), spotGroup(99), capacityProvider()], "asg", /does not set/],
      [
        [
          r(TEMPLATE, "lt", {
            instanceMarketOptions: { marketType: "spot" },
            userData: b64(SPOT_DRAINING),
          }),
          spotGroup(0),
        ],
        "asg",
        /uses launch template lt, which sets instanceMarketOptions/,
      ],
    ],
  },
  {
    rule: "deploy-prod-protect-stateful",
    good: [
      [
        ...STATEFUL_TYPES.map((type, i) => r(type, `state-${i}`, {}, undefined, { protect: true })),
        r("aws:iam/role:Role", "role"),
        r(LOG_GROUP, "logs"),
      ],
    ],
    bad: STATEFUL_TYPES.map((type): Case["bad"][number] => [
      [r(type, "unprotected"), r("aws:iam/role:Role", "role")],
      "unprotected",
      /is not protected/,
    ]),
  },
  {
    rule: "deploy-apigw-logging-account-role",
    good: [
      [
        r(STAGE, "home-stage", { accessLogSettings: { destinationArn: "arn:logs", format: "{}" } }),
        r(SETTINGS, "home-settings", { settings: { loggingLevel: "ERROR" } }),
        r(STAGE, "quiet", {}, undefined, { region: "eu-central-1" }),
        r(
          SETTINGS,
          "off",
          { settings: { loggingLevel: "OFF", throttlingRateLimit: 10 } },
          undefined,
          {
            region: "eu-central-1",
          },
        ),
      ],
    ],
    bad: [
      [
        [
          r(
            STAGE,
            "remote-stage",
            { accessLogSettings: { destinationArn: "arn:logs" } },
            undefined,
            {
              region: "eu-central-1",
            },
          ),
        ],
        "remote-stage",
        /writes access logs in eu-central-1, where the account has no CloudWatch role \(us-east-1 do\)/,
      ],
      [
        [
          r(SETTINGS, "remote-settings", { settings: { loggingLevel: "INFO" } }, undefined, {
            region: "eu-central-1",
          }),
          r(SETTINGS, "home-settings", { settings: { loggingLevel: "INFO" } }),
        ],
        "remote-settings",
        /logs execution at INFO/,
      ],
      [
        [
          r(SETTINGS, "trace", { settings: { dataTraceEnabled: true } }, undefined, {
            region: "eu-central-1",
          }),
        ],
        "trace",
      ],
    ],
  },
  {
    rule: "deploy-lambda-reserved-concurrency-budget",
    good: [
      [
        zipFn("a", { reservedConcurrentExecutions: 4 }),
        zipFn("b", { reservedConcurrentExecutions: 6 }),
        zipFn("unreserved", { reservedConcurrentExecutions: -1 }),
        zipFn("throttled", { reservedConcurrentExecutions: 0 }),
        zipFn("computed", { reservedConcurrentExecutions: "[unknown]" }),
        zipFn("default"),
      ],
    ],
    bad: [
      [
        [
          zipFn("a", { reservedConcurrentExecutions: 4 }),
          zipFn("b", { reservedConcurrentExecutions: 7 }),
          zipFn("default"),
        ],
        ["a", "b"],
        /^reserves 4 of the stack's 11 reserved executions, above 10\nreserves 7 of the stack's 11 reserved executions, above 10$/,
      ],
      [[zipFn("greedy", { reservedConcurrentExecutions: 11 })], "greedy"],
    ],
  },
  {
    rule: "deploy-fargate-cpu-memory",
    good: [
      [fargate("256", "512")],
      [fargate("256", "2048")],
      [fargate(512, 4096)],
      [fargate("4096", "30720")],
      [fargate("16384", "122880")],
      [fargate("1 vCPU", "2 GB")],
      [fargate(" 0.25 VCPU ", "0.5 gb")],
      [
        fargate("8192", "61440"),
        r(TASK, "min", {
          cpu: "8192",
          memory: "16384",
          requiresCompatibilities: ["EC2", "FARGATE"],
        }),
      ],
      [fargate("2048", "16 GB")],
      // A unit the rule does not read is left to AWS.
      [fargate("1024", "512 MB")],
      [fargate("256", "4096", ["EC2"])],
      [fargate("[unknown]", "512")],
    ],
    bad: [
      [[fargate("256", "4096")], "task", /cpu 256 takes memory 512-2048 MiB, not 4096/],
      [[fargate("1024", "1024")], "task"],
      [[fargate("4096", "31744")], "task", /8192-30720/],
      [
        [fargate("300", "512")],
        "task",
        /^cpu 300 is not a Fargate size \(256, 512, 1024, 2048, 4096, 8192, 16384\)$/,
      ],
      [[fargate("8192", "65536")], "task", /^cpu 8192 takes memory 16384-61440 MiB, not 65536$/],
      [[fargate("16384", "32767")], "task"],
      [[fargate("2048", undefined)], "task", /^runs on Fargate without task-level cpu and memory$/],
      [[r(TASK, "task", { requiresCompatibilities: ["FARGATE"] })], "task", /without task-level/],
    ],
  },
  {
    rule: "deploy-fargate-spot-platform",
    good: [
      [spotTask("ARM64"), onSpot()],
      [spotTask("ARM64"), onSpot("1.4.0")],
      [spotTask("ARM64"), onSpot("LATEST")],
      [spotTask("X86_64"), onSpot("1.3.0")],
      [r(TASK, "task", { requiresCompatibilities: ["FARGATE"] }), onSpot("1.3.0")],
      // On demand, any platform Fargate runs.
      [
        spotTask("ARM64"),
        service("svc", { taskDefinition: ["task"] }, [], {
          ...onFargate,
          platformVersion: "1.3.0",
        }),
      ],
    ],
    bad: [
      [
        [spotTask("ARM64"), onSpot("1.3.0")],
        "svc",
        /runs ARM64 tasks \(task definition task\) on FARGATE_SPOT at platform version 1\.3\.0; Fargate Spot needs 1\.4\.0 or later for ARM64/,
      ],
      [[spotTask("X86_64"), onSpot("1.2.0")], "svc", /needs 1\.3\.0 or later for X86_64/],
      [
        [spotTask("X86_64", "WINDOWS_SERVER_2022_CORE"), onSpot()],
        "svc",
        /runs WINDOWS_SERVER_2022_CORE tasks .* which runs Linux tasks only/,
      ],
      [
        [
          spotTask("ARM64"),
          service("mixed", { taskDefinition: ["task"] }, [], {
            platformVersion: "1.3.0",
            capacityProviderStrategies: [
              { capacityProvider: "FARGATE", base: 1, weight: 0 },
              { capacityProvider: "FARGATE_SPOT", weight: 1 },
            ],
          }),
        ],
        "mixed",
      ],
    ],
  },
  {
    rule: "deploy-alarm-period-and-datapoints",
    good: [
      [alarm({ evaluationPeriods: 3, datapointsToAlarm: 3 })],
      [alarm({ period: 10 }), alarm({ period: 20 })],
      [alarm({ period: "30" })],
      [alarm({ evaluationPeriods: 3 })],
      [alarm({ datapointsToAlarm: 3 })],
      [alarm({ period: 300, evaluationPeriods: 5, datapointsToAlarm: 2 })],
      [alarm({ period: undefined, metricQueries: [{ id: "e1", expression: "m1" }] })],
    ],
    bad: [
      [[alarm({ period: 45 })], "alarm", /period 45 is not 10, 20, 30 or a multiple of 60/],
      [[alarm({ period: 90 })], "alarm"],
      [[alarm({ period: 0 })], "alarm", /^period 0 is not 10, 20, 30 or a multiple of 60$/],
      [[alarm({ period: -60 })], "alarm"],
      [[alarm({ period: 15 })], "alarm"],
      [
        [alarm({ evaluationPeriods: 3, datapointsToAlarm: 4 })],
        "alarm",
        /alarms on 4 datapoints out of 3 evaluated/,
      ],
      [
        [alarm({ period: undefined, metricQueries: [{ id: "m1", metric: { period: 45 } }] })],
        "alarm",
      ],
    ],
  },
  {
    rule: "deploy-log-retention-values",
    good: [
      [
        r(LOG_GROUP, "a", { retentionInDays: 14 }),
        r(LOG_GROUP, "b", { retentionInDays: 3653 }),
        r(LOG_GROUP, "c"),
        r(LOG_GROUP, "d", { retentionInDays: 0 }),
      ],
    ],
    bad: [
      [
        [r(LOG_GROUP, "odd", { retentionInDays: 15 }), r(LOG_GROUP, "ok", { retentionInDays: 30 })],
        "odd",
      ],
      [
        [r(LOG_GROUP, "ten", { retentionInDays: 10 })],
        "ten",
        /^retention of 10 days is not a value CloudWatch Logs accepts$/,
      ],
    ],
  },
  {
    rule: "deploy-elasticache-setting-pairs",
    good: [
      [redis({ authToken: "[secret]" })],
      [redis({ multiAzEnabled: true, automaticFailoverEnabled: true })],
      [redis({ transitEncryptionEnabled: false, numCacheClusters: 1 })],
      [redis({ authToken: "[secret]", transitEncryptionEnabled: "true" })],
      // Cluster mode counts replicas per node group; an unset count is the provider's.
      [redis({ automaticFailoverEnabled: true, numCacheClusters: 1, numNodeGroups: 2 })],
      [redis({ automaticFailoverEnabled: true, numCacheClusters: undefined })],
    ],
    bad: [
      [
        [redis({ authToken: "[secret]", transitEncryptionEnabled: false })],
        "bus",
        /^sets authToken without transitEncryptionEnabled$/,
      ],
      [[redis({ authToken: "", transitEncryptionEnabled: undefined })], "bus"],
      [[redis({ multiAzEnabled: true })], "bus", /^is Multi-AZ without automatic failover$/],
      [[redis({ multiAzEnabled: "true", automaticFailoverEnabled: false })], "bus"],
      [
        [redis({ automaticFailoverEnabled: "true", numCacheClusters: "1" })],
        "bus",
        /^fails over automatically with 1 cache cluster \(no replica\)$/,
      ],
    ],
  },
  {
    rule: "deploy-peering-after-accepter",
    good: [
      [
        ...peering,
        r(ROUTE, "route", {}, { routeTableId: ["rt"], vpcPeeringConnectionId: ["pcx-accepter"] }),
        r(OPTIONS, "options", {}, { vpcPeeringConnectionId: ["pcx-accepter"] }),
      ],
      [
        r(VPC, "a"),
        r(VPC, "b"),
        r(PEERING, "same-region", { autoAccept: true }, { vpcId: ["a"], peerVpcId: ["b"] }),
        r(ROUTE, "route", {}, { vpcPeeringConnectionId: ["same-region"] }),
      ],
    ],
    bad: [
      [
        [
          ...peering,
          r(ROUTE, "early", {}, { routeTableId: ["rt"], vpcPeeringConnectionId: ["pcx"] }),
        ],
        "early",
        /uses peering pcx without depending on its accepter pcx-accepter/,
      ],
      [[...peering, r(OPTIONS, "options", {}, { vpcPeeringConnectionId: ["pcx"] })], "options"],
    ],
  },
  {
    rule: "deploy-nat-after-internet-gateway",
    good: [
      [...network(), r(NAT, "nat", {}, { subnetId: ["public-0"] }, { after: ["igw"] })],
      [
        ...network(false),
        r(NAT, "private", { connectivityType: "private" }, { subnetId: ["public-0"] }),
      ],
      [r(NAT, "external-subnet", { subnetId: "subnet-0123" })],
    ],
    bad: [
      [
        [...network(), r(NAT, "nat", {}, { subnetId: ["public-0"] })],
        "nat",
        /^does not depend on igw, the internet gateway of VPC vpc$/,
      ],
      [
        [
          ...network(false),
          r(
            "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment",
            "attach",
            {},
            { vpcId: ["vpc"] },
          ),
          r(NAT, "nat", { connectivityType: "public" }, { subnetId: ["public-0"] }),
        ],
        "nat",
        /^does not depend on attach, the internet gateway of VPC vpc$/,
      ],
      [
        [...network(false), r(NAT, "nat", {}, { subnetId: ["public-0"] })],
        "nat",
        /^VPC vpc has no internet gateway$/,
      ],
    ],
  },
  {
    rule: "deploy-asg-after-instance-grants",
    good: [
      [...instanceRole(), r(ASG, "group", {}, { launchTemplate: ["lt"] }, { after: GRANTS })],
      [...instanceRole(), r(ASG, "group", {}, { mixedInstancesPolicy: ["lt"] }, { after: GRANTS })],
      // Through a resource that waits for both grants.
      [
        ...instanceRole(),
        r(IGW, "gate", {}, undefined, { after: GRANTS }),
        r(ASG, "group", {}, { launchTemplate: ["lt"] }, { after: ["gate"] }),
      ],
      // Another role's policy is not the instances' concern.
      [
        ...instanceRole(),
        r(ROLE, "other"),
        r(ROLE_POLICY, "other-policy", {}, { role: ["other"] }),
        r(ASG, "group", {}, { launchTemplate: ["lt"] }, { after: GRANTS }),
      ],
      // A template without an instance profile, and a group with no template of the stack.
      [r(TEMPLATE, "lt"), r(ASG, "group", {}, { launchTemplate: ["lt"] })],
      [...instanceRole(), r(ASG, "group", { launchTemplate: { id: "lt-0123" } })],
    ],
    bad: [
      [
        [...instanceRole(), r(ASG, "group", {}, { launchTemplate: ["lt"] })],
        "group",
        /^does not depend on role-ssm, a policy of the role its instances boot with\ndoes not depend on role-eni, a policy of the role its instances boot with$/,
      ],
      [
        [
          ...instanceRole(),
          r(ASG, "group", {}, { mixedInstancesPolicy: ["lt"] }, { after: ["role-ssm"] }),
        ],
        "group",
        /^does not depend on role-eni, a policy of the role its instances boot with$/,
      ],
    ],
  },
  {
    rule: "deploy-vpc-invocation-after-egress",
    good: [
      [...privateEgress(), ...invocation(["private-nat-0", "private-nat-1"])],
      // Through the NAT's group, which waits for both routes.
      [
        ...privateEgress(),
        r(ASG, "nat", {}, undefined, { after: ["private-nat-0", "private-nat-1"] }),
        ...invocation(["nat"]),
      ],
      // Routes other than the default one, and a function outside the VPC.
      [
        ...privateEgress().filter((x) => x.type !== ROUTE),
        r(ROUTE, "to-peer", { destinationCidrBlock: "10.20.0.0/16" }, { routeTableId: ["rt-0"] }),
        ...invocation([]),
      ],
      [r(FN, "fn"), r(INVOCATION, "run", {}, { functionName: ["fn"] })],
    ],
    bad: [
      [
        [...privateEgress(), ...invocation([])],
        "run",
        /^does not depend on private-nat-0, the default route its function's subnet takes out\ndoes not depend on private-nat-1, the default route its function's subnet takes out$/,
      ],
      [
        [...privateEgress(), ...invocation(["private-nat-0"])],
        "run",
        /^does not depend on private-nat-1, the default route/,
      ],
    ],
  },
  {
    rule: "deploy-https-listener-after-certificate-validation",
    good: [
      [...certificate(), https("https", ["cert-validation"])],
      [...certificate(), https("https", ["cert"], ["cert-validation"])],
      [
        ...certificate(false),
        r(LISTENER, "given", { protocol: "HTTPS", certificateArn: "arn:aws:acm:x" }),
      ],
      [
        r("aws:lb/loadBalancer:LoadBalancer", "alb"),
        r(CERT, "imported", { certificateBody: "[secret]" }),
        https("https", ["imported"]),
      ],
    ],
    bad: [
      [[...certificate(), https("early", ["cert"])], "early", /does not depend on cert-validation/],
      [
        [...certificate(false), https("unvalidated", ["cert"])],
        "unvalidated",
        /nothing in the stack waits/,
      ],
      [
        [
          ...certificate(),
          r(
            "aws:lb/listenerCertificate:ListenerCertificate",
            "extra",
            {},
            { certificateArn: ["cert"] },
          ),
        ],
        "extra",
      ],
    ],
  },
  {
    rule: "deploy-alb-rule-priorities-and-quotas",
    good: [
      [
        ...alb(),
        albRule("first", 1, "https"),
        albRule("last", 50_000, "https"),
        // The same priority on another listener of the load balancer.
        albRule("other-listener", 1, "http"),
        ...range(25).map((i) => listenerCertificate(`sni-${i}`)),
      ],
      [...alb(), ...range(100).map((i) => albRule(`rule-${i}`, i + 1, "https"))],
      [...alb(48)],
    ],
    bad: [
      [
        [...alb(), albRule("zero", 0, "https"), albRule("past", 50_001, "https")],
        ["zero", "past"],
      ],
      [
        [...alb(), albRule("a", 2001, "https"), albRule("b", 2001, "https")],
        "b",
        /priority 2001 is also a's on listener https/,
      ],
      [
        [...alb(), ...range(101).map((i) => albRule(`rule-${i}`, i + 1, "https"))],
        "alb",
        /101 rules, more than ELB's 100/,
      ],
      [
        [...alb(), ...range(26).map((i) => listenerCertificate(`sni-${i}`))],
        "alb",
        /26 listener certificates, more than ELB's 25/,
      ],
      [[...alb(49)], "alb", /51 listeners, more than ELB's 50/],
    ],
  },
];

/** An ALB with an HTTPS and an HTTP listener, and `more` listeners on other ports. */
function alb(more = 0): DSpec[] {
  return [
    r("aws:lb/loadBalancer:LoadBalancer", "alb"),
    r(LISTENER, "https", { protocol: "HTTPS", port: 443 }, { loadBalancerArn: ["alb"] }),
    r(LISTENER, "http", { protocol: "HTTP", port: 80 }, { loadBalancerArn: ["alb"] }),
    ...range(more).map((i) =>
      r(LISTENER, `port-${i}`, { protocol: "HTTP", port: 8000 + i }, { loadBalancerArn: ["alb"] }),
    ),
  ];
}

function albRule(name: string, priority: number, listener: string): DSpec {
  return r("aws:lb/listenerRule:ListenerRule", name, { priority }, { listenerArn: [listener] });
}

function listenerCertificate(name: string): DSpec {
  return r(
    "aws:lb/listenerCertificate:ListenerCertificate",
    name,
    { certificateArn: `arn:aws:acm:us-east-1:123456789012:certificate/${name}` },
    { listenerArn: ["https"] },
  );
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** A type's documented name limits, as AWS states them (not read from NAME_SPECS). */
interface Limits {
  type: string;
  /** The input that names it, and the one holding a prefix the provider completes. */
  input: string;
  prefix?: string;
  min?: number;
  max: number;
  /** Pulumi lowercases the logical name when it auto-names the type. */
  lowercase: boolean;
  /** A name using every kind of character the type takes. */
  valid: string;
  /** The character set as the message says it, and names outside it. */
  charset: string;
  invalid: string[];
  /** Names the type's further rules refuse, with what the message says. */
  refused?: [string, string][];
}

const LETTERS_DIGITS_HYPHENS = "letters, digits and hyphens";
const IAM = "letters, digits and _+=,.@-";
const ECS = "letters, digits, hyphens and underscores";
const HYPHEN_EDGES: [string, string][] = [
  ["-a", "must not start or end with a hyphen"],
  ["a-", "must not start or end with a hyphen"],
];
/** Names RDS and ElastiCache refuse: a digit first, hyphens at the ends or doubled. */
const RDS_RULES: [string, string][] = [
  ["1a", "must start with a letter"],
  ["a-", "must not start or end with a hyphen"],
  ["a--b", "must not contain two hyphens in a row"],
];
const NAME_LIMITS: Limits[] = [
  {
    type: FN,
    input: "name",
    max: 64,
    lowercase: false,
    valid: "aZ09_-",
    charset: ECS,
    invalid: ["a.b", ".a", "a."],
  },
  ...[
    "aws:iam/role:Role",
    "aws:iam/instanceProfile:InstanceProfile",
    "aws:iam/rolePolicy:RolePolicy",
  ].map((type): Limits => ({
    type,
    input: "name",
    prefix: "namePrefix",
    max: type === "aws:iam/role:Role" ? 64 : 128,
    lowercase: false,
    valid: "aZ09_+=,.@-",
    charset: IAM,
    invalid: ["a b", "a/b", "a:"],
  })),
  ...["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"].map(
    (type): Limits => ({
      type,
      input: "name",
      prefix: "namePrefix",
      max: 32,
      lowercase: false,
      valid: "aZ0-9",
      charset: LETTERS_DIGITS_HYPHENS,
      invalid: ["a_b", "a.b"],
      refused: [...HYPHEN_EDGES, ["Internal-api", 'must not start with "internal-"']],
    }),
  ),
  ...[TG, "aws:alb/targetGroup:TargetGroup"].map((type): Limits => ({
    type,
    input: "name",
    prefix: "namePrefix",
    max: 32,
    lowercase: false,
    valid: "aZ0-9",
    charset: LETTERS_DIGITS_HYPHENS,
    invalid: ["a_b"],
    refused: HYPHEN_EDGES,
  })),
  ...[
    ["aws:sqs/queue:Queue", 80],
    ["aws:sns/topic:Topic", 256],
  ].map(([type, max]): Limits => ({
    type: type as string,
    input: "name",
    prefix: "namePrefix",
    max: max as number,
    lowercase: false,
    valid: "aZ09_-.fifo",
    charset: "letters, digits, hyphens and underscores (+ .fifo)",
    invalid: ["a.fif", "a.b", ".fifo", "a.fifox"],
  })),
  ...[
    "aws:scheduler/schedule:Schedule",
    "aws:scheduler/scheduleGroup:ScheduleGroup",
    "aws:cloudwatch/eventRule:EventRule",
  ].map((type): Limits => ({
    type,
    input: "name",
    prefix: "namePrefix",
    max: 64,
    lowercase: false,
    valid: "aZ09._-",
    charset: "letters, digits and ._-",
    invalid: ["a b", "a/b", "a:"],
  })),
  {
    type: LOG_GROUP,
    input: "name",
    prefix: "namePrefix",
    max: 512,
    lowercase: false,
    valid: "/aws/lambda/aZ09._-#",
    charset: "letters, digits and ._-/#",
    invalid: ["a b", "a:b", "a$"],
    refused: [
      ["aws/x", 'must not start with "aws/"'],
      ["AWS/x", 'must not start with "aws/"'],
    ],
  },
  {
    type: ALARM,
    input: "name",
    max: 255,
    lowercase: false,
    valid: "5xx > 1% (ALB) ü",
    charset: "no control characters",
    invalid: ["a\tb", "a\nb", "\u007f"],
  },
  {
    type: "aws:dynamodb/table:Table",
    input: "name",
    min: 3,
    max: 255,
    lowercase: false,
    valid: "aZ09_.-",
    charset: "letters, digits and _.-",
    invalid: ["a b", "a/b", "a:b"],
  },
  {
    type: "aws:ecr/repository:Repository",
    input: "name",
    min: 2,
    max: 256,
    lowercase: true,
    valid: "a0.b_c__d-e--f/g",
    charset: "lowercase letters and digits, joined by . _ __ - and /",
    invalid: ["Ab", "a..b", "a___b", "a/", "/a", "-a", "a-", "a//b", "a:b"],
  },
  {
    type: REDIS,
    input: "replicationGroupId",
    max: 40,
    lowercase: true,
    valid: "aZ0-9",
    charset: LETTERS_DIGITS_HYPHENS,
    invalid: ["a_b"],
    refused: RDS_RULES,
  },
  {
    type: "aws:elasticache/subnetGroup:SubnetGroup",
    input: "name",
    max: 255,
    lowercase: true,
    valid: "aZ0-9",
    charset: LETTERS_DIGITS_HYPHENS,
    invalid: ["a_b"],
  },
  {
    type: "aws:rds/instance:Instance",
    input: "identifier",
    prefix: "identifierPrefix",
    max: 63,
    lowercase: true,
    valid: "aZ0-9",
    charset: LETTERS_DIGITS_HYPHENS,
    invalid: ["a_b"],
    refused: RDS_RULES,
  },
  {
    type: "aws:rds/cluster:Cluster",
    input: "clusterIdentifier",
    prefix: "clusterIdentifierPrefix",
    max: 63,
    lowercase: true,
    valid: "aZ0-9",
    charset: LETTERS_DIGITS_HYPHENS,
    invalid: ["a_b"],
    refused: RDS_RULES,
  },
  ...[
    "aws:rds/parameterGroup:ParameterGroup",
    "aws:rds/clusterParameterGroup:ClusterParameterGroup",
  ].map((type): Limits => ({
    type,
    input: "name",
    prefix: "namePrefix",
    max: 255,
    lowercase: true,
    valid: "aZ0-9",
    charset: LETTERS_DIGITS_HYPHENS,
    invalid: ["a_b"],
    refused: RDS_RULES,
  })),
  {
    type: "aws:rds/subnetGroup:SubnetGroup",
    input: "name",
    prefix: "namePrefix",
    max: 255,
    lowercase: true,
    valid: "a09._ -",
    charset: "lowercase letters, digits, space and ._-",
    invalid: ["Ab", "a/b"],
    refused: [["default", 'must not be "default"']],
  },
  {
    type: SECRET,
    input: "name",
    prefix: "namePrefix",
    max: 512,
    lowercase: false,
    valid: "aZ09/_+=.@-",
    charset: "letters, digits and /_+=.@-",
    invalid: ["a b", "a:b", "a!"],
  },
  ...[CLUSTER, SERVICE].map((type): Limits => ({
    type,
    input: "name",
    max: 255,
    lowercase: false,
    valid: "aZ09_-",
    charset: ECS,
    invalid: ["a.b", "a b"],
  })),
  {
    type: "aws:ecs/capacityProvider:CapacityProvider",
    input: "name",
    max: 255,
    lowercase: false,
    valid: "aZ09_-",
    charset: ECS,
    invalid: ["a.b"],
    refused: [
      ["AWS-x", 'must not start with "aws"'],
      ["ecs-x", 'must not start with "ecs"'],
      ["Fargate_x", 'must not start with "fargate"'],
    ],
  },
  {
    type: ASG,
    input: "name",
    prefix: "namePrefix",
    max: 255,
    lowercase: false,
    valid: "a Z/0_9.-",
    charset: "no colon",
    invalid: ["a:b", ":"],
  },
  ...["aws:cognito/userPool:UserPool", "aws:cognito/userPoolClient:UserPoolClient"].map(
    (type): Limits => ({
      type,
      input: "name",
      max: 128,
      lowercase: false,
      valid: "aZ09_ +=,.@-",
      charset: "letters, digits, spaces and _+=,.@-",
      invalid: ["a/b", "a:b", "a!"],
    }),
  ),
  {
    type: SG,
    input: "name",
    prefix: "namePrefix",
    max: 255,
    lowercase: false,
    valid: "aZ09 ._-:/()#,@[]+=&;{}!$*",
    charset: "a-zA-Z0-9, space and ._-:/()#,@[]+=&;{}!$*",
    invalid: ["a'b", 'a"b', "a~b"],
    refused: [
      ["sg-web", 'must not start with "sg-"'],
      ["SG-web", 'must not start with "sg-"'],
    ],
  },
  {
    type: "aws:ec2/launchTemplate:LaunchTemplate",
    input: "name",
    prefix: "namePrefix",
    min: 3,
    max: 128,
    lowercase: false,
    valid: "aZ09().-/_",
    charset: "letters, digits and ().-/_",
    invalid: ["a b", "a:b"],
  },
  ...["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"].map((type): Limits => ({
    type,
    input: "bucket",
    prefix: "bucketPrefix",
    min: 3,
    max: 63,
    lowercase: true,
    valid: "a0.b-9",
    charset: "lowercase letters, digits, dots and hyphens",
    invalid: ["aB1", "a_b"],
    refused: [
      [".ab", "must start and end with a letter or digit"],
      ["ab-", "must start and end with a letter or digit"],
      ["a..b", "must not contain two dots in a row"],
      ["192.168.10.1", "must not look like an IP address"],
      ["xn--ab", 'must not start with "xn--"'],
      ["sthree-ab", 'must not start with "sthree-"'],
      ["ab-s3alias", "must not end in -s3alias or --ol-s3"],
      ["ab--ol-s3", "must not end in -s3alias or --ol-s3"],
    ],
  })),
  {
    type: "aws:wafv2/webAcl:WebAcl",
    input: "name",
    prefix: "namePrefix",
    max: 128,
    lowercase: false,
    valid: "aZ09_-",
    charset: ECS,
    invalid: ["a.b", "a b"],
  },
];

describe("policy deploy rules", () => {
  it("covers every deploy rule both ways, each with a remediation and no FSBP control", () => {
    const covered = cases.filter((c) => c.good.length > 0 && c.bad.length > 0).map((c) => c.rule);
    expect(deployRules.map((x) => x.name)).to.have.members(covered);
    for (const rule of deployRules) {
      expect(rule.framework, rule.name).to.equal(undefined);
      expect(rule.enforcementLevel, rule.name).to.equal("mandatory");
      expect(rule.remediationSteps, rule.name).to.have.length.greaterThan(20);
      expect(rules, rule.name).to.include(rule);
    }
  });

  for (const c of cases) {
    describe(c.rule, () => {
      c.good.forEach((stack, i) => {
        it(`passes compliant stack ${i + 1}`, async () => {
          expect((await violations(c.rule, stack, c.config)).map((v) => v.message)).to.deep.equal(
            [],
          );
        });
      });
      c.bad.forEach(([stack, targets, message], i) => {
        it(`reports violating stack ${i + 1} on ${String(targets)}`, async () => {
          const found = await violations(c.rule, stack, c.config);
          expect([...new Set(found.map((v) => v.resource?.name))].sort()).to.deep.equal(
            ([] as string[]).concat(targets).sort(),
          );
          if (message) expect(found.map((v) => v.message).join("\n")).to.match(message);
        });
      });
    });
  }

  describe("configuration", () => {
    const remoteStage = [
      r(STAGE, "remote-stage", { accessLogSettings: { destinationArn: "arn:logs" } }, undefined, {
        region: "eu-central-1",
      }),
    ];

    it("takes the regions with the API Gateway CloudWatch role from accountRoleRegions", async () => {
      const config = {
        "deploy-apigw-logging-account-role": { accountRoleRegions: ["us-east-1", "eu-central-1"] },
      };
      expect(await violations("deploy-apigw-logging-account-role", remoteStage, config)).to.be
        .empty;
      const homeOnly = {
        "deploy-apigw-logging-account-role": { accountRoleRegions: ["eu-central-1"] },
      };
      const home = [r(STAGE, "home-stage", { accessLogSettings: { destinationArn: "arn:logs" } })];
      expect(
        (await violations("deploy-apigw-logging-account-role", home, homeOnly)).map(
          (v) => v.resource?.name,
        ),
      ).to.deep.equal(["home-stage"]);
    });

    it("raises the reserved concurrency budget from maxReservedConcurrency", async () => {
      const stack = [zipFn("a", { reservedConcurrentExecutions: 15 })];
      const rule = "deploy-lambda-reserved-concurrency-budget";
      expect(await violations(rule, stack)).to.have.length(1);
      expect(await violations(rule, stack, { [rule]: { maxReservedConcurrency: 15 } })).to.be.empty;
      expect(
        await violations(rule, stack, { [rule]: { maxReservedConcurrency: 14 } }),
      ).to.have.length(1);
    });

    it("is prod-only where the stack configs say so", () => {
      const read = (stack: string) =>
        JSON.parse(
          fs.readFileSync(path.join(__dirname, "..", "policy", `${stack}.json`), "utf8"),
        ) as PackConfig;
      expect(read("dev")["deploy-prod-protect-stateful"]).to.equal("disabled");
      expect(read("prod")["deploy-prod-protect-stateful"]).to.equal(undefined);
      const rule = deployRules.find((x) => x.name === "deploy-prod-protect-stateful")!;
      expect(rule.tags).to.deep.equal(["prod-only"]);
      expect(deployRules.filter((x) => x.tags?.length)).to.deep.equal([rule]);
    });
  });

  describe("physical name limits of every type", () => {
    it("covers every type the rule knows, and only those", () => {
      // Plus task definitions, whose family is never auto-named (the last test here).
      expect(NAME_SPECS.map((x) => x.type)).to.have.members([
        ...NAME_LIMITS.map((x) => x.type),
        TASK,
      ]);
    });

    for (const limits of NAME_LIMITS) {
      it(`${limits.type}: ${limits.input}, length, characters, prefix, auto-name`, async () => {
        const { type, input, prefix, min, max, charset } = limits;
        /** The rule's messages for a resource of the type named `logical`, with `inputs`. */
        const problems = async (inputs: Record<string, unknown>, logical = "ok") =>
          (await violations("deploy-physical-name-limits", [r(type, logical, inputs)])).map(
            (v) => v.message,
          );
        const explicit = (name: string) => `${input} "${name}"`;
        expect(await problems({ [input]: limits.valid }), "valid").to.deep.equal([]);
        expect(await problems({ [input]: "a".repeat(max) }), "at the maximum").to.deep.equal([]);
        const over = "a".repeat(max + 1);
        expect(await problems({ [input]: over }), "one over").to.deep.equal([
          `${explicit(over)} makes a name of ${max + 1} characters, above ${max}`,
        ]);
        if (min !== undefined) {
          expect(await problems({ [input]: "a".repeat(min) }), "at the minimum").to.deep.equal([]);
          const under = "a".repeat(min - 1);
          expect(await problems({ [input]: under }), "one under").to.include(
            `${explicit(under)} is shorter than ${min} characters`,
          );
        }
        for (const name of limits.invalid) {
          expect(await problems({ [input]: name }), name).to.include(
            `${explicit(name)} may only use ${charset}`,
          );
        }
        for (const [name, why] of limits.refused ?? []) {
          expect(await problems({ [input]: name }), name).to.include(`${explicit(name)} ${why}`);
        }
        // An explicit name wins over a prefix; a prefix, over the auto-name.
        expect(
          await problems({ [input]: "ab0", namePrefix: over, [prefix ?? "x"]: over }),
        ).to.deep.equal([]);
        if (prefix) {
          expect(await problems({ [prefix]: "a".repeat(max - PREFIX_SUFFIX) })).to.deep.equal([]);
          const long = "a".repeat(max - PREFIX_SUFFIX + 1);
          expect(await problems({ [prefix]: long })).to.deep.equal([
            `${prefix} "${long}" (+26 characters the provider appends) makes a name of ${max + 1} characters, above ${max}`,
          ]);
        } else {
          // No prefix input: a namePrefix is not this type's, the auto-name applies.
          expect(await problems({ namePrefix: over })).to.deep.equal([]);
        }
        const room = max - AUTO_NAME_SUFFIX;
        expect(await problems({}, "a".repeat(room)), "auto-name at the maximum").to.deep.equal([]);
        expect(await problems({}, "a".repeat(room + 1))).to.deep.equal([
          `the auto-name from logical name "${"a".repeat(room + 1)}" (+8 characters Pulumi appends) makes a name of ${max + 1} characters, above ${max}`,
        ]);
        const spec = NAME_SPECS.find((x) => x.type === type)!;
        expect(physicalName(spec, {}, "Ab")!.name).to.equal(
          limits.lowercase ? "ab-aaaaaaa" : "Ab-aaaaaaa",
        );
      });
    }

    it("reads no name that is not known yet, and none ECS leaves to the family", () => {
      const fnSpec = NAME_SPECS.find((x) => x.type === FN)!;
      expect(nameProblems(fnSpec, { name: "[unknown]" }, "x".repeat(100))).to.deep.equal([]);
      const role = NAME_SPECS.find((x) => x.type === "aws:iam/role:Role")!;
      expect(nameProblems(role, { namePrefix: 42 }, "x".repeat(100))).to.deep.equal([]);
      const task = NAME_SPECS.find((x) => x.type === TASK)!;
      expect(nameProblems(task, {}, "x".repeat(300))).to.deep.equal([]);
      expect(nameProblems(task, { family: "x".repeat(256) }, "t")).to.have.length(1);
    });
  });

  describe("helpers", () => {
    it("parses ECR image URIs into account, region, repository, tag and digest", () => {
      expect(parseImageUri(`${ECR("eu-central-1")}/team/app:v1`)).to.deep.equal({
        account: "123456789012",
        region: "eu-central-1",
        repository: "team/app",
        tag: "v1",
      });
      expect(parseImageUri(`${ECR()}/app@${DIGEST}`)).to.deep.equal({
        account: "123456789012",
        region: "us-east-1",
        repository: "app",
        digest: DIGEST,
      });
      expect(parseImageUri(`${ECR()}/App:v1`)).to.equal(undefined);
      expect(parseImageUri(`${ECR()}/app@sha256:abc`)).to.equal(undefined);
      expect(imageUriProblem(`${ECR()}/app:v1`, undefined)).to.equal(undefined);
      expect(imageUriProblem(`${ECR()}/app:v1`, "eu-central-1")).to.match(/eu-central-1/);
    });

    it("reads EC2 descriptions against EC2's character set and length", () => {
      const table: [unknown, RegExp | undefined][] = [
        ["Kalshi, ECR and Secrets Manager over HTTPS", undefined],
        ["Redis from remote-vpc (10.20.0.0/16)", undefined],
        [description(255), undefined],
        [description(256), /256 characters/],
        ["it's", /"'"/],
        ["tab\there", /"\\t"/],
        ["a `b` ~c", /"`" "~"/],
        [undefined, undefined],
        ["[unknown]", undefined],
      ];
      for (const [value, problem] of table) {
        const found = ec2DescriptionProblem(value);
        if (problem) expect(found, String(value)).to.match(problem);
        else expect(found, String(value)).to.equal(undefined);
      }
    });

    it("names what Pulumi, the provider or the program will call a resource", () => {
      const fn = NAME_SPECS.find((s) => s.type === FN)!;
      expect(physicalName(fn, {}, "events")).to.deep.include({ name: "events-aaaaaaa" });
      expect(physicalName(fn, { name: "x" }, "events")).to.deep.include({ name: "x" });
      const bucket = NAME_SPECS.find((s) => s.type === "aws:s3/bucket:Bucket")!;
      expect(physicalName(bucket, {}, "Uploads")!.name).to.equal("uploads-aaaaaaa");
      expect(physicalName(bucket, { bucketPrefix: "up-" }, "x")!.name).to.have.length(3 + 26);
      const task = NAME_SPECS.find((s) => s.type === TASK)!;
      expect(physicalName(task, {}, "task")).to.equal(undefined);
      expect(new Set(NAME_SPECS.map((s) => s.type)).size).to.equal(NAME_SPECS.length);
    });

    it("reads the stack and the logical name from a URN", () => {
      const urn = "urn:pulumi:prod::platform::platform:ecs:Gateway$aws:ecs/service:Service::api";
      expect(stackOf(urn)).to.equal("prod");
      expect(logicalName(urn)).to.equal("api");
      expect(namesStack("arbees-prod-api", "prod")).to.equal(true);
      expect(namesStack("arbees-production-api", "prod")).to.equal(false);
    });

    it("follows dependencies transitively, and survives cycles", () => {
      type Node = { urn: string; dependencies: Node[] };
      const a: Node = { urn: "a", dependencies: [] };
      const b: Node = { urn: "b", dependencies: [a] };
      const c: Node = { urn: "c", dependencies: [b] };
      a.dependencies.push(c);
      const d: Node = { urn: "d", dependencies: [] };
      const as = (n: Node) => n as unknown as Parameters<typeof dependsOn>[0];
      expect(dependsOn(as(c), as(a))).to.equal(true);
      expect(dependsOn(as(c), as(d))).to.equal(false);
    });

    it("lists Fargate's memory sizes per CPU size", () => {
      expect(FARGATE_MEMORY[256]).to.deep.equal([512, 1024, 2048]);
      expect(FARGATE_MEMORY[512]).to.deep.equal([1024, 2048, 3072, 4096]);
      expect(FARGATE_MEMORY[4096]).to.have.length(23);
      expect(FARGATE_MEMORY[8192]![1]).to.equal(20480);
    });
  });
});

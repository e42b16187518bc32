/**
 * Every rule of the pack, both ways: compliant stacks raise nothing, violating ones are reported on
 * the right resource. Cases start from the real dev plan where the program already makes the type
 * (network, IAM, logs, tags) and from the shapes the components will produce elsewhere.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { rules } from "../policy/rules";
import {
  asArray,
  asRecord,
  deniesInsecureTransport,
  isTrue,
  json,
  secretLooking,
  statements,
  strings,
  text,
} from "../policy/rules/common";
import { deployRules } from "../policy/rules/deploy";
import { isGravitonType } from "../policy/rules/network";
import type { Plan } from "../engine/engine";
import { evaluatePolicies, formatPolicyReport, type PackConfig } from "../engine/policy";
import { section, tableCells } from "../tools/generated-docs";
import { SECTION, policyTable } from "../tools/policy-docs";
import { edit, planOf, spec, type Spec } from "./helpers/plan-builder";
import { cachedPlan } from "./helpers/plan-cli";

/** A stack to evaluate: specs on their own, or specs added to (an edit of) the real dev plan. */
type Stack = Spec[] | ((real: Plan) => Plan);

interface Case {
  rule: string;
  good: Stack[];
  /**
   * Violating stacks, each with the resources the violations must name (and nothing else) and,
   * where the message carries a value (a port, a limit, a name), the messages exactly or a pattern.
   */
  bad: [Stack, string | string[], (string[] | RegExp)?][];
  config?: PackConfig;
}

const r = spec;
const onReal =
  (...specs: Spec[]): ((real: Plan) => Plan) =>
  (real) =>
    planOf(specs, real);
const editReal =
  (change: Parameters<typeof edit>[1]): ((real: Plan) => Plan) =>
  (real) =>
    edit(real, change);
const without = (name: string) => editReal((x) => (x.name === name ? undefined : x));
const withInputs = (name: string, inputs: Record<string, unknown>) =>
  editReal((x) => (x.name === name ? { ...x, inputs: { ...x.inputs, ...inputs } } : x));

const doc = (...statements: object[]) =>
  JSON.stringify({ Version: "2012-10-17", Statement: statements });
const allow = (Action: unknown, Resource: unknown) => ({ Effect: "Allow", Action, Resource });
const trust = (Principal: unknown) => doc({ Effect: "Allow", Principal, Action: "sts:AssumeRole" });
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const POLICY = "aws:iam/policy:Policy";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const ADMIN = 'a statement allows "*" on "*"';
const BOUNDARY = "arn:aws:iam::123456789012:policy/platform-boundary";
/** The service principals the platform's roles may trust. */
const TRUSTED_SERVICES = [
  "lambda.amazonaws.com",
  "ecs-tasks.amazonaws.com",
  "ec2.amazonaws.com",
  "vpc-flow-logs.amazonaws.com",
  "scheduler.amazonaws.com",
  "apigateway.amazonaws.com",
  "monitoring.rds.amazonaws.com",
  "events.amazonaws.com",
];
const SECRETS = "arn:aws:secretsmanager:us-east-1:123456789012:secret:";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const BUCKET = "aws:s3/bucket:Bucket";
const DB = "aws:rds/instance:Instance";
const REDIS = "aws:elasticache/replicationGroup:ReplicationGroup";
const TABLE = "aws:dynamodb/table:Table";
const FN = "aws:lambda/function:Function";
const PERMISSION = "aws:lambda/permission:Permission";
const TASK = "aws:ecs/taskDefinition:TaskDefinition";
const REPO = "aws:ecr/repository:Repository";
const SCHEDULE = "aws:scheduler/schedule:Schedule";
const STAGE = "aws:apigateway/stage:Stage";
const METHOD = "aws:apigateway/method:Method";
const POOL = "aws:cognito/userPool:UserPool";
const LISTENER = "aws:lb/listener:Listener";
const LB = "aws:lb/loadBalancer:LoadBalancer";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const SECRET = "aws:secretsmanager/secret:Secret";
const INVOCATION = "aws:lambda/invocation:Invocation";

const INSTANCE = "aws:ec2/instance:Instance";
const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const ENI = "aws:ec2/networkInterface:NetworkInterface";
const ROUTE = "aws:ec2/route:Route";
const ARM64_AMI =
  "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";
const X86_AMI = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
/** Inputs of the real plan's resource of `type` named `name` (names repeat across types). */
const typedInputs = (type: string, name: string, inputs: Record<string, unknown>) =>
  editReal((x) =>
    x.type === type && x.name === name ? { ...x, inputs: { ...x.inputs, ...inputs } } : x,
  );
/** A NAT launch template as NatInstance makes it: its user data computed from a forwarding ENI. */
const natStack = (lt: object = {}, eni: object = {}, extra: Spec[] = []): Spec[] => [
  r(SG, "nat-sg"),
  r(ENI, "nat-eni", { sourceDestCheck: false, ...eni }, { securityGroups: ["nat-sg"] }),
  r(
    LT,
    "nat-lt",
    {
      metadataOptions: { httpTokens: "required" },
      networkInterfaces: [{ associatePublicIpAddress: "true" }],
      ...lt,
    },
    { userData: ["nat-eni"], networkInterfaces: ["nat-sg"] },
  ),
  ...extra,
];
const natIngress = (inputs: Record<string, unknown>) =>
  r("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "nat-in", inputs, {
    securityGroupId: ["nat-sg"],
  });

const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";
const VPC = "aws:ec2/vpc:Vpc";
const SUBNET = "aws:ec2/subnet:Subnet";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";

/** Ingress from the internet (IPv4) on ports `fromPort`-`toPort`. */
const ports = (fromPort: number, toPort: number, protocol = "tcp") => ({
  fromPort,
  toPort,
  protocol,
  cidrBlocks: ["0.0.0.0/0"],
});
const anywhere = (port: number, protocol = "tcp") => ports(port, port, protocol);
const open = (port: number) => `port ${port} is open to the internet`;
const task = (container: object, extra: object = {}) =>
  r(TASK, "gateway-task", {
    family: "gateway",
    networkMode: "awsvpc",
    containerDefinitions: JSON.stringify([
      {
        name: "app",
        image: "repo@sha256:abc",
        logConfiguration: { logDriver: "awslogs" },
        ...container,
      },
    ]),
    ...extra,
  });
const postgres = (inputs: object = {}) =>
  r(DB, "db", {
    engine: "postgres",
    instanceClass: "db.t4g.micro",
    storageEncrypted: true,
    ...inputs,
  });
const redis = (inputs: object = {}) =>
  r(REDIS, "bus", {
    nodeType: "cache.t4g.micro",
    atRestEncryptionEnabled: true,
    transitEncryptionEnabled: true,
    authToken: "[secret]",
    ...inputs,
  });
const fn = (inputs: object = {}) =>
  r(FN, "events", { runtime: "nodejs22.x", tracingConfig: { mode: "Active" }, ...inputs });
const SERVICE = "aws:ecs/service:Service";
const ECS_CLUSTER = "aws:ecs/cluster:Cluster";
/** The runtimes functions may use by default. */
const RUNTIMES = [
  "nodejs20.x",
  "nodejs22.x",
  "nodejs24.x",
  "python3.12",
  "python3.13",
  "provided.al2023",
];
const ecrLifecycle = (repository: string) =>
  r(
    "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    `${repository}-lc`,
    { policy: "{}" },
    { repository: [repository] },
  );
const bucketWith = (extra: Spec[]) => [r(BUCKET, "uploads"), ...extra];
const PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const ALL_BLOCKED = {
  blockPublicAcls: true,
  blockPublicPolicy: true,
  ignorePublicAcls: true,
  restrictPublicBuckets: true,
};
const publicAccessBlock = (restrictPublicBuckets: boolean) =>
  r(PAB, "pab", { ...ALL_BLOCKED, restrictPublicBuckets }, { bucket: ["uploads"] });
const sse = (bucket: string) =>
  r(
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    `${bucket}-sse`,
    { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
    { bucket: [bucket] },
  );
/** The statement that denies requests to `bucket` without TLS. */
const denyHttpOn = (bucket: string) => ({
  Effect: "Deny",
  Principal: "*",
  Action: "s3:*",
  Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
  Condition: { Bool: { "aws:SecureTransport": "false" } },
});
const tlsPolicy = (bucket: string, policy: unknown) =>
  r("aws:s3/bucketPolicy:BucketPolicy", `${bucket}-policy`, { policy }, { bucket: [bucket] });
const RDS_CLUSTER = "aws:rds/cluster:Cluster";
const PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup";
const CLUSTER_PARAMETER_GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup";
const SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup";
const CACHE_CLUSTER = "aws:elasticache/cluster:Cluster";
const KEY = "aws:kms/key:Key";
const ROUTE_TABLE = "aws:ec2/routeTable:RouteTable";
const ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation";
/**
 * A VPC's subnets, public and private: `mapped` maps public IPs on launch; `inline-routed` has a
 * table with an inline route to the internet gateway, `routed` a table with a route resource to
 * it; `natted` and `vpn` route through a NAT and a VPN gateway; `lonely` has no table.
 */
const topology = (): Spec[] => {
  const subnet = (name: string, inputs: Record<string, unknown> = {}) =>
    r(SUBNET, name, inputs, { vpcId: ["v"] });
  const table = (name: string, deps: Record<string, string[]> = {}) =>
    r(ROUTE_TABLE, name, {}, { vpcId: ["v"], ...deps });
  const associate = (subnetName: string, tableName: string) =>
    r(
      ASSOCIATION,
      `${subnetName}-association`,
      {},
      { subnetId: [subnetName], routeTableId: [tableName] },
    );
  return [
    r(VPC, "v"),
    r("aws:ec2/internetGateway:InternetGateway", "igw", {}, { vpcId: ["v"] }),
    r("aws:ec2/natGateway:NatGateway", "nat", {}, { subnetId: ["routed"] }),
    r("aws:ec2/vpnGateway:VpnGateway", "vgw", {}, { vpcId: ["v"] }),
    subnet("mapped", { mapPublicIpOnLaunch: "true" }),
    subnet("inline-routed"),
    subnet("routed"),
    subnet("natted"),
    subnet("vpn"),
    subnet("lonely", { mapPublicIpOnLaunch: false }),
    table("inline-table", { routes: ["igw"] }),
    table("public-table"),
    table("nat-table", { routes: ["nat"] }),
    table("vpn-table"),
    r(ROUTE, "internet", {}, { routeTableId: ["public-table"], gatewayId: ["igw"] }),
    r(ROUTE, "to-nat", {}, { routeTableId: ["nat-table"], natGatewayId: ["nat"] }),
    r(ROUTE, "to-vpn", {}, { routeTableId: ["vpn-table"], gatewayId: ["vgw"] }),
    associate("inline-routed", "inline-table"),
    associate("routed", "public-table"),
    associate("natted", "nat-table"),
    associate("vpn", "vpn-table"),
  ];
};
const schedule = (inputs: object) =>
  r(SCHEDULE, "minute", {
    scheduleExpression: "cron(* 9-15 ? * MON-FRI *)",
    scheduleExpressionTimezone: "America/New_York",
    target: {
      arn: "arn:aws:lambda:us-east-1:123456789012:function:f",
      deadLetterConfig: { arn: "arn:aws:sqs:us-east-1:123456789012:dlq" },
      retryPolicy: { maximumRetryAttempts: 2 },
    },
    ...inputs,
  });
const stageWithSettings = (settings: object, inputs: object = {}) => [
  r(STAGE, "api-stage", { stageName: "v1" }),
  r(
    "aws:apigateway/methodSettings:MethodSettings",
    "api-settings",
    { methodPath: "*/*", settings, ...inputs },
    { stageName: ["api-stage"] },
  ),
];
const api = (...methods: Spec[]) => [
  r("aws:apigateway/restApi:RestApi", "api"),
  r(
    "aws:apigateway/resource:Resource",
    "api-events",
    { pathPart: "events" },
    { parentId: ["api"] },
  ),
  r(
    "aws:apigateway/resource:Resource",
    "api-health",
    { pathPart: "health" },
    { parentId: ["api"] },
  ),
  r(
    "aws:apigateway/resource:Resource",
    "api-launch",
    { pathPart: "launch" },
    { parentId: ["api"] },
  ),
  ...methods,
];
const RESOURCE = "aws:apigateway/resource:Resource";
const ALB = "aws:alb/loadBalancer:LoadBalancer";
const ALB_LISTENER = "aws:alb/listener:Listener";
const TLS13_POLICIES = [
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
];
const REDIRECT = {
  type: "redirect",
  redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" },
};
const FORWARD = { type: "forward", targetGroupArn: "arn" };
const method = (name: string, httpMethod: string, resource: string, authorization: string) =>
  r(METHOD, name, { httpMethod, authorization }, { resourceId: [resource], restApiId: ["api"] });

// Access logs: a log bucket, its policy and lifecycle, and the writers that log to it.
const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const BUCKET_LOGGING = "aws:s3/bucketLogging:BucketLogging";
const LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration";
const denyHttp = {
  Effect: "Deny",
  Principal: "*",
  Action: "s3:*",
  Resource: ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"],
  Condition: { Bool: { "aws:SecureTransport": "false" } },
};
const s3Delivery = {
  Effect: "Allow",
  Principal: { Service: "logging.s3.amazonaws.com" },
  Action: "s3:PutObject",
  Resource: "arn:aws:s3:::logs/s3/*",
};
const logPolicy = (...statements: object[]) =>
  r(BUCKET_POLICY, "logs-policy", { policy: doc(...statements) }, { bucket: ["logs"] });
const expiring = (status = "Enabled", expiration: object = { days: 90 }) =>
  r(
    LIFECYCLE,
    "logs-lifecycle",
    { rules: [{ id: "expire-logs", status, filter: {}, expiration }] },
    { bucket: ["logs"] },
  );
/** The log bucket as AccessLogBucket makes it: expiring, TLS only, S3 and ELB may write. */
const logBucket = (...overrides: Spec[]) => [
  r(BUCKET, "logs"),
  ...[expiring(), logPolicy(denyHttp, s3Delivery)].filter(
    (x) => !overrides.some((o) => o.name === x.name),
  ),
  ...overrides,
];
const serverLogs = (source: string) =>
  r(
    BUCKET_LOGGING,
    `${source}-logging`,
    { targetPrefix: `s3/${source}/` },
    { bucket: [source], targetBucket: ["logs"] },
  );
const loggingLb = (enabled: unknown = true, inputs: object = {}, bucket = "logs") =>
  r(
    LB,
    "alb",
    {
      loadBalancerType: "application",
      accessLogs: { bucket, prefix: "elb/alb", enabled },
      ...inputs,
    },
    { accessLogs: [bucket] },
  );
const BUCKET_LOGGING_V2 = "aws:s3/bucketLoggingV2:BucketLoggingV2";
const LIFECYCLE_V2 = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2";
/** A policy letting `service` write into `bucket`. */
const deliveryPolicy = (bucket: string, service: unknown) =>
  r(
    BUCKET_POLICY,
    `${bucket}-policy`,
    { policy: doc({ ...s3Delivery, Principal: { Service: service } }) },
    { bucket: [bucket] },
  );
const NOT_LOGGING = "does not log access (accessLogs.enabled with a bucket)";
const FOREVER = "keeps access logs forever (no lifecycle expiration)";
const NO_TLS = "receives access logs but does not deny non-TLS requests";
const NAT = "aws:ec2/natGateway:NatGateway";
const EC2_SIZES = [
  "t4g.nano",
  "t4g.micro",
  "t4g.small",
  "t4g.medium",
  "t3.micro",
  "t3.small",
  "t3.medium",
];
/** The types the platform makes that take tags. */
const TAGGED_TYPES = [
  "aws:apigateway/restApi:RestApi",
  "aws:apigateway/stage:Stage",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:cloudwatch/metricAlarm:MetricAlarm",
  "aws:cognito/userPool:UserPool",
  "aws:dynamodb/table:Table",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  "aws:ec2/eip:Eip",
  "aws:ec2/flowLog:FlowLog",
  "aws:ec2/instance:Instance",
  "aws:ec2/internetGateway:InternetGateway",
  "aws:ec2/launchTemplate:LaunchTemplate",
  "aws:ec2/natGateway:NatGateway",
  "aws:ec2/routeTable:RouteTable",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:ec2/subnet:Subnet",
  "aws:ec2/vpc:Vpc",
  "aws:ec2/vpcEndpoint:VpcEndpoint",
  "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
  "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter",
  "aws:ecr/repository:Repository",
  "aws:ecs/cluster:Cluster",
  "aws:ecs/service:Service",
  "aws:ecs/taskDefinition:TaskDefinition",
  "aws:elasticache/replicationGroup:ReplicationGroup",
  "aws:elasticache/subnetGroup:SubnetGroup",
  "aws:iam/policy:Policy",
  "aws:iam/role:Role",
  "aws:kms/key:Key",
  "aws:lambda/function:Function",
  "aws:lb/listener:Listener",
  "aws:lb/loadBalancer:LoadBalancer",
  "aws:lb/targetGroup:TargetGroup",
  "aws:rds/instance:Instance",
  "aws:rds/parameterGroup:ParameterGroup",
  "aws:rds/subnetGroup:SubnetGroup",
  "aws:s3/bucket:Bucket",
  "aws:scheduler/scheduleGroup:ScheduleGroup",
  "aws:secretsmanager/secret:Secret",
  "aws:sns/topic:Topic",
  "aws:sqs/queue:Queue",
];
/** The specs' plan, `dependent` also depending on `dependencies` (a `dependsOn`). */
const withDependsOn =
  (specs: Spec[], dependent: string, ...dependencies: string[]) =>
  (): Plan => {
    const plan = planOf(specs);
    const urnOf = (name: string) => plan.resources.find((x) => x.name === name)!.urn;
    return edit(plan, (x) =>
      x.name === dependent
        ? { ...x, dependencies: [...x.dependencies, ...dependencies.map(urnOf)] }
        : x,
    );
  };

const cases: Case[] = [
  // ---- identity
  {
    rule: "iam-no-admin-statements",
    good: [
      (real) => real,
      // Everything on some resources, some actions on everything, or a denial.
      [r(ROLE_POLICY, "p", { policy: doc(allow("*", "arn:aws:s3:::b/*"), allow("s3:*", "*")) })],
      [r(ROLE_POLICY, "deny", { policy: doc({ ...allow("*", "*"), Effect: "Deny" }) })],
    ],
    bad: [
      [[r(ROLE_POLICY, "admin", { policy: doc(allow("*", "*")) })], "admin", [ADMIN]],
      [
        [
          r(ROLE, "inline", {
            inlinePolicies: [
              { name: "read", policy: doc(allow("s3:GetObject", "*")) },
              { name: "all", policy: doc(allow(["s3:GetObject", "*"], ["arn:aws:s3:::b", "*"])) },
            ],
          }),
        ],
        "inline",
        [ADMIN],
      ],
      [
        [
          r(POLICY, "managed", {
            policy: { Version: "2012-10-17", Statement: allow("*", "*") },
          }),
        ],
        "managed",
        [ADMIN],
      ],
    ],
  },
  {
    rule: "iam-no-service-wildcard-actions",
    good: [
      (real) => real,
      [
        r(POLICY, "scoped", {
          policy: doc(allow(["s3:Get*", "s3:*Object", "*"], "arn:aws:s3:::b/*"), {
            ...allow("s3:*", "*"),
            Effect: "Deny",
          }),
        }),
      ],
    ],
    bad: [
      [
        [r(POLICY, "s3-all", { policy: doc(allow(["s3:GetObject", "s3:*"], "arn:aws:s3:::b/*")) })],
        "s3-all",
        ["the action s3:* grants a whole service"],
      ],
      [
        [
          r(ROLE, "role", {
            inlinePolicies: [
              { name: "p", policy: doc(allow(["secretsmanager:*", "logs:*"], "*")) },
            ],
          }),
        ],
        "role",
        [
          "the action secretsmanager:* grants a whole service",
          "the action logs:* grants a whole service",
        ],
      ],
    ],
  },
  {
    rule: "iam-roles-have-permissions-boundary",
    // The real plan: every role of the program carries it.
    good: [
      (real) => real,
      [r(ROLE, "gov", { permissionsBoundary: "arn:aws-us-gov:iam::123456789012:policy/b" })],
    ],
    bad: [
      [
        [r(ROLE, "unbounded", { assumeRolePolicy: "{}" })],
        "unbounded",
        ["has no permissions boundary"],
      ],
      [
        [
          r(ROLE, "wrong", {
            assumeRolePolicy: "{}",
            permissionsBoundary: "arn:aws:iam::aws:policy/AdministratorAccess-not-ours",
          }),
        ],
        "wrong",
      ],
      // Not a string, no policy name, an account id one digit short, something before the ARN.
      [[r(ROLE, "object", { permissionsBoundary: { arn: BOUNDARY } })], "object"],
      [
        [r(ROLE, "nameless", { permissionsBoundary: "arn:aws:iam::123456789012:policy/" })],
        "nameless",
      ],
      [[r(ROLE, "short", { permissionsBoundary: "arn:aws:iam::12345678901:policy/b" })], "short"],
      [[r(ROLE, "prefixed", { permissionsBoundary: `x${BOUNDARY}` })], "prefixed"],
    ],
  },
  {
    rule: "iam-no-passrole-on-any-role",
    good: [
      [
        r(ROLE_POLICY, "launch", {
          policy: doc(
            allow("iam:PassRole", "arn:aws:iam::123456789012:role/task"),
            allow(["iam:GetRole", "iam:PassRoles"], "*"),
            { ...allow("iam:PassRole", "*"), Effect: "Deny" },
          ),
        }),
      ],
    ],
    bad: [
      [
        [r(ROLE_POLICY, "launch", { policy: doc(allow(["ecs:RunTask", "iam:PassRole"], "*")) })],
        "launch",
        ["iam:PassRole is allowed on every role"],
      ],
      [[r(ROLE_POLICY, "iam-all", { policy: doc(allow("iam:*", ["arn:x", "*"])) })], "iam-all"],
      [[r(ROLE_POLICY, "pass-any", { policy: doc(allow("iam:Pass*", "*")) })], "pass-any"],
      [[r(ROLE_POLICY, "upper", { policy: doc(allow("IAM:PASSROLE", "*")) })], "upper"],
      [[r(POLICY, "everything", { policy: doc(allow("*", "*")) })], "everything"],
    ],
  },
  {
    rule: "iam-no-admin-managed-policies",
    good: [
      [
        r(ATTACHMENT, "basic", {
          policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        }),
        // An AWS policy whose name only starts like the administrator's.
        r(ATTACHMENT, "amplify", {
          policyArn: "arn:aws:iam::aws:policy/AdministratorAccess-Amplify",
        }),
        r(ROLE, "reader", { managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] }),
      ],
    ],
    bad: [
      [
        [r(ATTACHMENT, "admin", { policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" })],
        "admin",
        ["attaches arn:aws:iam::aws:policy/AdministratorAccess"],
      ],
      [
        [r(ATTACHMENT, "power", { policyArn: "arn:aws:iam::aws:policy/PowerUserAccess" })],
        "power",
        ["attaches arn:aws:iam::aws:policy/PowerUserAccess"],
      ],
      [
        [
          r(ROLE, "role", {
            managedPolicyArns: [
              "arn:aws:iam::aws:policy/ReadOnlyAccess",
              "arn:aws:iam::aws:policy/IAMFullAccess",
            ],
          }),
        ],
        "role",
        ["attaches arn:aws:iam::aws:policy/IAMFullAccess"],
      ],
    ],
  },
  {
    rule: "iam-ecs-task-role-no-secret-patterns",
    good: [
      // The real plan: every task role reads named secrets or none (sessions get theirs injected).
      onReal(),
      [
        r(ROLE, "app-task", {}),
        {
          ...r(ROLE_POLICY, "app-task-policy", {
            policy: doc(
              allow("secretsmanager:GetSecretValue", `${SECRETS}app/db-AbCdEf`),
              // Patterns that do not cover GetSecretValue, read other services or deny.
              allow(
                ["secretsmanager:Describe*", "secretsmanager.GetSecretValue"],
                `${SECRETS}users/*`,
              ),
              allow(["secretsmanager:GetSecret", "manager:GetSecretValue"], `${SECRETS}users/*`),
              allow("s3:GetObject", "arn:aws:s3:::b/*"),
              { ...allow("secretsmanager:*", "*"), Effect: "Deny" },
            ),
          }),
          deps: { role: ["app-task"] },
        },
        { ...task({}), deps: { taskRoleArn: ["app-task"] } },
      ],
      // A pattern on an execution role is how ECS injects secrets: not this rule's business.
      [
        r(ROLE, "app-execution", {}),
        {
          ...r(ROLE_POLICY, "app-execution-policy", {
            policy: doc(allow("secretsmanager:GetSecretValue", `${SECRETS}users/*`)),
          }),
          deps: { role: ["app-execution"] },
        },
        { ...task({}), deps: { executionRoleArn: ["app-execution"] } },
      ],
    ],
    bad: [
      // What QuickBets' sessions had: any user's key under the prefix.
      [
        onReal({
          ...r(ROLE_POLICY, "quickbets-session-task-policy", {
            policy: doc(allow("secretsmanager:GetSecretValue", `${SECRETS}quickbets/dev/users/*`)),
          }),
          deps: { role: ["quickbets-session-task"] },
        }),
        "quickbets-session-task-policy",
        [
          `lets quickbets-session-task, the task role of quickbets-session, read secrets matching ${SECRETS}quickbets/dev/users/*`,
        ],
      ],
      [
        [
          r(ROLE, "app-task", {
            inlinePolicies: [{ name: "secrets", policy: doc(allow("secretsmanager:*", "*")) }],
          }),
          { ...task({}), deps: { taskRoleArn: ["app-task"] } },
        ],
        "app-task",
        ["lets app-task, the task role of gateway-task, read secrets matching *"],
      ],
      // Wildcards in the action, either kind, any case.
      [
        [
          r(ROLE, "app-task", {}),
          {
            ...r(ROLE_POLICY, "app-task-policy", {
              policy: doc(
                allow("secretsmanager:Get*", `${SECRETS}a/*`),
                allow("SecretsManager:GetSecretValu?", [`${SECRETS}b-AbCdEf`, `${SECRETS}c/*`]),
              ),
            }),
            deps: { role: ["app-task"] },
          },
          { ...task({}), deps: { taskRoleArn: ["app-task"] } },
        ],
        "app-task-policy",
        [
          `lets app-task, the task role of gateway-task, read secrets matching ${SECRETS}a/*`,
          `lets app-task, the task role of gateway-task, read secrets matching ${SECRETS}c/*`,
        ],
      ],
    ],
  },
  {
    rule: "iam-trust-expected-services-only",
    good: [
      (real) => real,
      [r(ROLE, "task", { assumeRolePolicy: trust({ Service: "ecs-tasks.amazonaws.com" }) })],
      // Every service the platform's roles may trust, as an object too.
      [
        r(ROLE, "services", {
          assumeRolePolicy: JSON.parse(trust({ Service: TRUSTED_SERVICES })) as unknown,
        }),
      ],
      // A denial names whom it likes.
      [
        r(ROLE, "deny", {
          assumeRolePolicy: doc({ Effect: "Deny", Principal: "*", Action: "sts:AssumeRole" }),
        }),
      ],
    ],
    bad: [
      [
        [
          r(ROLE, "cross-account", {
            assumeRolePolicy: trust({ AWS: "arn:aws:iam::999999999999:root" }),
          }),
        ],
        "cross-account",
        ["trusts AWS principals (arn:aws:iam::999999999999:root)"],
      ],
      [
        [
          r(ROLE, "mixed", {
            assumeRolePolicy: trust({
              Service: ["lambda.amazonaws.com", "sagemaker.amazonaws.com"],
              Federated: ["cognito-identity.amazonaws.com", "accounts.google.com"],
            }),
          }),
        ],
        "mixed",
        [
          "trusts Federated principals (cognito-identity.amazonaws.com, accounts.google.com)",
          "trusts sagemaker.amazonaws.com, which is not in allowedServices",
        ],
      ],
      [
        [r(ROLE, "anyone", { assumeRolePolicy: trust("*") })],
        "anyone",
        ["trusts any principal (*)"],
      ],
    ],
  },
  {
    rule: "iam-no-users",
    good: [(real) => real],
    bad: [
      [[r("aws:iam/user:User", "deployer")], "deployer", ["User resources are not allowed"]],
      [
        [
          r("aws:iam/userPolicy:UserPolicy", "p"),
          r("aws:iam/userPolicyAttachment:UserPolicyAttachment", "a"),
          r("aws:iam/accessKey:AccessKey", "k"),
        ],
        ["p", "a", "k"],
        [
          "UserPolicy resources are not allowed",
          "UserPolicyAttachment resources are not allowed",
          "AccessKey resources are not allowed",
        ],
      ],
    ],
  },
  // ---- network
  {
    rule: "sg-no-ssh-rdp-from-anywhere",
    good: [
      [r(SG, "alb-sg", { ingress: [anywhere(443)] })],
      // Ranges just around 22 and 3389.
      [r(SG, "near", { ingress: [ports(0, 21), ports(23, 3388), ports(3390, 65535)] })],
      // From a peer, not the internet.
      [r(SG, "peer", { ingress: [{ ...anywhere(22), cidrBlocks: ["10.20.0.0/16"] }] })],
      // Egress is not ingress.
      [r(SG_RULE, "out", { type: "egress", ...ports(0, 0, "-1") })],
      [
        r(INGRESS_RULE, "https6", {
          fromPort: 443,
          toPort: 443,
          ipProtocol: "tcp",
          cidrIpv6: "::/0",
        }),
      ],
    ],
    bad: [
      [[r(SG, "bastion", { ingress: [anywhere(22)] })], "bastion", [open(22)]],
      // The internet among other sources.
      [
        [
          r(SG, "mixed", {
            ingress: [{ ...anywhere(22), cidrBlocks: ["10.20.0.0/16", "0.0.0.0/0"] }],
          }),
        ],
        "mixed",
        [open(22)],
      ],
      [[r(SG, "windows", { ingress: [anywhere(3389)] })], "windows", [open(3389)]],
      [
        [r(SG, "edges", { ingress: [ports(21, 22), ports(3389, 3390)] })],
        "edges",
        [open(22), open(3389)],
      ],
      [[r(SG, "span", { ingress: [ports(22, 3389)] })], "span", [open(22), open(3389)]],
      // Without ports a rule spans 0-65535; without a protocol, or with "all", every port.
      [
        [r(SG, "portless", { ingress: [{ protocol: "tcp", cidrBlocks: ["0.0.0.0/0"] }] })],
        "portless",
        [open(22), open(3389)],
      ],
      [
        [
          r(SG, "from-only", {
            ingress: [{ fromPort: 3000, protocol: "tcp", cidrBlocks: ["0.0.0.0/0"] }],
          }),
        ],
        "from-only",
        [open(3389)],
      ],
      [
        [
          r(SG, "to-only", {
            ingress: [{ toPort: 22, protocol: "tcp", cidrBlocks: ["0.0.0.0/0"] }],
          }),
        ],
        "to-only",
        [open(22)],
      ],
      [
        [
          r(SG, "any-protocol", {
            ingress: [{ fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }],
          }),
        ],
        "any-protocol",
        [open(22), open(3389)],
      ],
      [[r(SG, "all", { ingress: [ports(443, 443, "all")] })], "all", [open(22), open(3389)]],
      [
        [
          r(SG_RULE, "all6", {
            type: "ingress",
            fromPort: 0,
            toPort: 0,
            protocol: "-1",
            ipv6CidrBlocks: ["::/0"],
          }),
        ],
        "all6",
        [open(22), open(3389)],
      ],
      [
        [
          r(INGRESS_RULE, "ssh4", {
            fromPort: 22,
            toPort: 22,
            ipProtocol: "tcp",
            cidrIpv4: "0.0.0.0/0",
          }),
        ],
        "ssh4",
        [open(22)],
      ],
      [
        [
          r(INGRESS_RULE, "rdp6", {
            fromPort: 3389,
            toPort: 3389,
            ipProtocol: "tcp",
            cidrIpv6: "::/0",
          }),
        ],
        "rdp6",
        [open(3389)],
      ],
    ],
  },
  {
    rule: "sg-no-public-ingress",
    good: [
      [
        r(SG, "alb-sg", { ingress: [anywhere(80), anywhere(443)] }),
        r(LB, "alb", { loadBalancerType: "application" }, { securityGroups: ["alb-sg"] }),
      ],
      // A dev listener of its own port on a shared load balancer.
      [
        r(SG, "alb-sg", { ingress: [anywhere(8080)] }),
        r(LB, "alb", {}, { securityGroups: ["alb-sg"] }),
        r(LISTENER, "alb-sessions", { port: 8080, protocol: "HTTP" }, { loadBalancerArn: ["alb"] }),
      ],
      // Under the alb module; rules of either kind on the load balancer's group.
      [
        r(SG, "alb-sg"),
        r("aws:alb/loadBalancer:LoadBalancer", "alb", {}, { securityGroups: ["alb-sg"] }),
        r(SG_RULE, "http", { type: "ingress", ...anywhere(80) }, { securityGroupId: ["alb-sg"] }),
        r(
          INGRESS_RULE,
          "https",
          { fromPort: 443, toPort: 443, ipProtocol: "tcp", cidrIpv6: "::/0" },
          { securityGroupId: ["alb-sg"] },
        ),
      ],
      // From a peer, or leaving: not the internet coming in.
      [
        r(SG, "db-sg", { ingress: [{ ...anywhere(5432), cidrBlocks: ["10.20.0.0/16"] }] }),
        r(SG_RULE, "out", { type: "egress", ...ports(0, 0, "-1") }, { securityGroupId: ["db-sg"] }),
      ],
    ],
    bad: [
      [
        [r(SG, "orphan-sg", { ingress: [anywhere(443)] })],
        "orphan-sg",
        ["admits the internet on 443-443 on a group no load balancer uses"],
      ],
      [
        [
          r(SG, "alb-sg", { ingress: [anywhere(8080), anywhere(80)] }),
          r(LB, "alb", {}, { securityGroups: ["alb-sg"] }),
        ],
        "alb-sg",
        ["admits the internet on 8080-8080"],
      ],
      // A range from 80 to 443, or every port, is not the web ports.
      [
        [
          r(SG, "alb-sg", { ingress: [ports(80, 443)] }),
          r(LB, "alb", {}, { securityGroups: ["alb-sg"] }),
        ],
        "alb-sg",
        ["admits the internet on 80-443"],
      ],
      [
        [
          r(SG, "alb-sg", { ingress: [ports(443, 443, "-1")] }),
          r(LB, "alb", {}, { securityGroups: ["alb-sg"] }),
          r(LISTENER, "alb-8081", { port: 8081, protocol: "HTTP" }, { loadBalancerArn: ["alb"] }),
        ],
        "alb-sg",
        ["admits the internet on all ports"],
      ],
      [
        [
          r(SG, "open-sg", { ingress: [{ ...anywhere(8080), toPort: 8081 }] }),
          r(LB, "alb", {}, { securityGroups: ["open-sg"] }),
          r(LISTENER, "alb-8080", { port: 8080, protocol: "HTTP" }, { loadBalancerArn: ["alb"] }),
        ],
        "open-sg",
      ],
      [
        [
          r(SG, "alb-sg", { ingress: [anywhere(8080)] }),
          r(LB, "alb", {}, { securityGroups: ["alb-sg"] }),
        ],
        "alb-sg",
        ["admits the internet on 8080-8080"],
      ],
      // Only the load balancer's own group may: another group of the stack may not.
      [
        [
          r(SG, "alb-sg", { ingress: [anywhere(443)] }),
          r(SG, "app-sg", { ingress: [anywhere(443)] }),
          r(LB, "alb", {}, { securityGroups: ["alb-sg"] }),
        ],
        "app-sg",
        ["admits the internet on 443-443 on a group no load balancer uses"],
      ],
      [
        [
          r(SG, "db-sg"),
          r(
            INGRESS_RULE,
            "db-open",
            { fromPort: 5432, toPort: 5432, ipProtocol: "tcp", cidrIpv4: "0.0.0.0/0" },
            { securityGroupId: ["db-sg"] },
          ),
        ],
        "db-open",
        ["admits the internet on 5432-5432 on a group no load balancer uses"],
      ],
      [
        [
          r(SG, "alb-sg"),
          r(LB, "alb", {}, { securityGroups: ["alb-sg"] }),
          r(SG_RULE, "ssh", { type: "ingress", ...anywhere(22) }, { securityGroupId: ["alb-sg"] }),
        ],
        "ssh",
        ["admits the internet on 22-22"],
      ],
      // A rule whose group is not in the stack.
      [
        [r(SG_RULE, "stray", { type: "ingress", ...anywhere(443) })],
        "stray",
        ["admits the internet on 443-443 on a group no load balancer uses"],
      ],
    ],
  },
  {
    rule: "vpc-flow-logs",
    good: [
      (real) => real,
      [r(VPC, "v"), r("aws:ec2/flowLog:FlowLog", "v-flow", {}, { vpcId: ["v"] })],
    ],
    bad: [
      [without("home-flow-log"), "home-vpc", ["has no flow log"]],
      [
        [r(VPC, "v"), r(VPC, "w"), r("aws:ec2/flowLog:FlowLog", "v-flow", {}, { vpcId: ["v"] })],
        "w",
      ],
    ],
  },
  {
    rule: "vpc-default-sg-no-rules",
    good: [(real) => real, [r(DEFAULT_SG, "d", { ingress: [], egress: [] })]],
    bad: [
      [
        withInputs("home-default-sg", {
          ingress: [{ fromPort: 0, toPort: 0, protocol: "-1", self: true }],
        }),
        "home-default-sg",
        ["has ingress rules"],
      ],
      [[r(DEFAULT_SG, "d", { egress: [ports(0, 0, "-1")] })], "d", ["has egress rules"]],
      [
        [r(DEFAULT_SG, "d", { ingress: [ports(0, 0, "-1")], egress: [ports(0, 0, "-1")] })],
        "d",
        ["has ingress rules", "has egress rules"],
      ],
    ],
  },
  {
    rule: "vpc-default-sg-adopted",
    good: [(real) => real, [r(VPC, "v"), r(DEFAULT_SG, "v-default", {}, { vpcId: ["v"] })]],
    bad: [
      [
        without("remote-default-sg"),
        "remote-vpc",
        ["leaves its default security group with AWS's allow-all rules"],
      ],
      [[r(VPC, "v"), r(VPC, "w"), r(DEFAULT_SG, "v-default", {}, { vpcId: ["v"] })], "w"],
    ],
  },
  {
    rule: "subnet-no-auto-public-ip",
    good: [(real) => real, [r(SUBNET, "s", { mapPublicIpOnLaunch: false })]],
    bad: [
      [
        withInputs("home-public-0", { mapPublicIpOnLaunch: true }),
        "home-public-0",
        ["maps public IPs on launch"],
      ],
      [[r(SUBNET, "s", { mapPublicIpOnLaunch: "true" })], "s"],
    ],
  },
  {
    rule: "ec2-imdsv2-required",
    good: [
      [r(LAUNCH_TEMPLATE, "lt", { metadataOptions: { httpTokens: "required" } })],
      [r(INSTANCE, "vm", { metadataOptions: { httpTokens: "required" } })],
    ],
    bad: [
      [
        [r(INSTANCE, "vm", { metadataOptions: { httpTokens: "optional" } })],
        "vm",
        ["does not require IMDSv2"],
      ],
      [[r(LAUNCH_TEMPLATE, "lt")], "lt", ["does not require IMDSv2"]],
    ],
  },
  {
    rule: "ec2-encrypted-volumes",
    good: [
      [
        r(LAUNCH_TEMPLATE, "lt", {
          blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true" } }],
        }),
      ],
      [
        r(INSTANCE, "vm", {
          rootBlockDevice: { encrypted: true },
          ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: "true" }],
        }),
      ],
      [r("aws:ebs/volume:Volume", "data", { encrypted: "true" })],
    ],
    bad: [
      [
        [r(LAUNCH_TEMPLATE, "lt")],
        "lt",
        ["declares no block device, so the AMI's unencrypted default applies"],
      ],
      [
        [
          r(LAUNCH_TEMPLATE, "lt", {
            blockDeviceMappings: [
              { deviceName: "/dev/xvda", ebs: { encrypted: "true" } },
              { deviceName: "/dev/sdf", ebs: { encrypted: "false" } },
              { deviceName: "/dev/sdg" },
            ],
          }),
        ],
        "lt",
        ["volume /dev/sdf is not encrypted", "volume /dev/sdg is not encrypted"],
      ],
      [
        [
          r(INSTANCE, "vm", {
            ebsBlockDevices: [
              { deviceName: "/dev/sdf", encrypted: true },
              { deviceName: "/dev/sdg", encrypted: false },
            ],
          }),
        ],
        "vm",
        ["root volume is not encrypted", "volume /dev/sdg is not encrypted"],
      ],
      [[r("aws:ebs/volume:Volume", "data", { encrypted: false })], "data", ["is not encrypted"]],
    ],
  },
  {
    rule: "ec2-no-public-ip",
    good: [
      [
        r(LAUNCH_TEMPLATE, "lt", {
          networkInterfaces: [{ associatePublicIpAddress: "false" }],
        }),
      ],
      [r(INSTANCE, "vm", { associatePublicIpAddress: false })],
      // The dev plan's NAT instances, and one computed from a forwarding interface.
      (real) => real,
      natStack(),
      [r(INSTANCE, "nat-vm", { sourceDestCheck: false, associatePublicIpAddress: true })],
    ],
    bad: [
      [[r("aws:ec2/instance:Instance", "vm", { associatePublicIpAddress: true })], "vm"],
      [
        [
          r(LAUNCH_TEMPLATE, "lt", {
            networkInterfaces: [
              { associatePublicIpAddress: "false" },
              { associatePublicIpAddress: "true" },
            ],
          }),
        ],
        "lt",
      ],
      // An interface with the check on does not make its launch template a NAT.
      [natStack({}, { sourceDestCheck: true }), "nat-lt"],
      [typedInputs(ENI, "home-nat-eni", { sourceDestCheck: true }), "home-nat"],
    ],
  },
  {
    rule: "nat-instance-locked-down",
    good: [
      (real) => real,
      natStack(),
      // Everything from the VPC is what a NAT admits.
      natStack({}, {}, [natIngress({ ipProtocol: "-1", cidrIpv4: "10.10.0.0/16" })]),
    ],
    bad: [
      [typedInputs(LT, "home-nat", { metadataOptions: { httpTokens: "optional" } }), "home-nat"],
      [natStack({ keyName: "ops" }), "nat-lt"],
      [
        natStack({}, {}, [
          natIngress({ fromPort: 22, toPort: 22, ipProtocol: "tcp", cidrIpv4: "0.0.0.0/0" }),
        ]),
        "nat-lt",
      ],
      [natStack({}, {}, [natIngress({ ipProtocol: "-1", cidrIpv6: "::/0" })]), "nat-lt"],
      [[r(INSTANCE, "nat-vm", { sourceDestCheck: false })], "nat-vm"],
    ],
  },
  {
    rule: "vpc-route-to-nat-interface",
    good: [
      (real) => real,
      // A route to a forwarding interface that is not the default route may go anywhere.
      onReal(
        r(
          ROUTE,
          "to-appliance",
          { destinationCidrBlock: "192.168.0.0/16" },
          { routeTableId: ["home-public-rt-0"], networkInterfaceId: ["home-nat-eni"] },
        ),
      ),
    ],
    bad: [
      // Dev's one NAT instance serves both private route tables: each route is reported.
      [
        typedInputs(ENI, "home-nat-eni", { sourceDestCheck: true }),
        ["home-private-nat-0", "home-private-nat-1"],
      ],
      [
        (real) => {
          const privateSubnet = real.resources.find((x) => x.name === "home-private-0")!.urn;
          return edit(real, (x) =>
            x.type === ENI && x.name === "home-nat-eni"
              ? {
                  ...x,
                  propertyDependencies: { ...x.propertyDependencies, subnetId: [privateSubnet] },
                }
              : x,
          );
        },
        ["home-private-nat-0", "home-private-nat-1"],
      ],
      [
        onReal(
          r(
            ROUTE,
            "public-to-nat",
            { destinationCidrBlock: "0.0.0.0/0" },
            { routeTableId: ["home-public-rt-0"], networkInterfaceId: ["home-nat-eni"] },
          ),
        ),
        "public-to-nat",
      ],
    ],
  },
  {
    rule: "ec2-ami-architecture-matches-type",
    good: [
      (real) => real,
      [r(LT, "lt", { imageId: ARM64_AMI, instanceType: "c7gn.large" })],
      [r(LT, "lt", { imageId: X86_AMI, instanceType: "t3.micro" })],
      // An AMI id says nothing of its architecture: not checked.
      [r(INSTANCE, "vm", { ami: "ami-0123456789abcdef0", instanceType: "t4g.nano" })],
    ],
    bad: [
      [[r(LT, "lt", { imageId: ARM64_AMI, instanceType: "t3.micro" })], "lt"],
      // g5 is a GPU family on x86, not Graviton.
      [[r(LT, "gpu", { imageId: ARM64_AMI, instanceType: "g5.xlarge" })], "gpu"],
      [[r(INSTANCE, "vm", { ami: X86_AMI, instanceType: "t4g.small" })], "vm"],
    ],
  },
  // ---- data
  {
    rule: "s3-block-public-access",
    good: [
      bucketWith([publicAccessBlock(true)]),
      bucketWith([
        r(PAB, "pab", { ...ALL_BLOCKED, blockPublicAcls: "true" }, { bucket: ["uploads"] }),
      ]),
    ],
    bad: [
      [bucketWith([]), "uploads", ["has no public access block"]],
      [
        bucketWith([publicAccessBlock(false)]),
        "uploads",
        ["public access block leaves restrictPublicBuckets off"],
      ],
      [
        bucketWith([
          r(
            PAB,
            "pab",
            { ...ALL_BLOCKED, blockPublicAcls: false, ignorePublicAcls: "false" },
            { bucket: ["uploads"] },
          ),
        ]),
        "uploads",
        ["public access block leaves blockPublicAcls, ignorePublicAcls off"],
      ],
      [
        bucketWith([
          r(PAB, "pab", { ...ALL_BLOCKED, blockPublicPolicy: undefined }, { bucket: ["uploads"] }),
        ]),
        "uploads",
        ["public access block leaves blockPublicPolicy off"],
      ],
      // Another bucket's block does not count.
      [[r(BUCKET, "other"), ...bucketWith([publicAccessBlock(true)])], "other"],
    ],
  },
  {
    rule: "s3-encryption-configured",
    good: [bucketWith([sse("uploads")])],
    bad: [
      [bucketWith([]), "uploads", ["declares no server-side encryption"]],
      [[r(BUCKET, "other"), ...bucketWith([sse("uploads")])], "other"],
    ],
  },
  {
    rule: "s3-deny-insecure-transport",
    good: [
      bucketWith([tlsPolicy("uploads", doc(denyHttpOn("uploads")))]),
      // The condition's value as a list, and the policy as an object.
      bucketWith([
        tlsPolicy("uploads", {
          Version: "2012-10-17",
          Statement: [
            allow("s3:GetObject", "arn:aws:s3:::uploads/*"),
            {
              ...denyHttpOn("uploads"),
              Condition: { Bool: { "aws:SecureTransport": ["false"] } },
            },
          ],
        }),
      ]),
    ],
    bad: [
      [
        bucketWith([tlsPolicy("uploads", doc(allow("s3:GetObject", "arn:aws:s3:::uploads/*")))]),
        "uploads",
        ["does not deny non-TLS requests"],
      ],
      // Allowing without TLS, or denying with it, is not denying without.
      [
        bucketWith([tlsPolicy("uploads", doc({ ...denyHttpOn("uploads"), Effect: "Allow" }))]),
        "uploads",
      ],
      [
        bucketWith([
          tlsPolicy(
            "uploads",
            doc({
              ...denyHttpOn("uploads"),
              Condition: { Bool: { "aws:SecureTransport": "true" } },
            }),
          ),
        ]),
        "uploads",
      ],
      [bucketWith([tlsPolicy("uploads", "{not json")]), "uploads"],
      // Another bucket's policy does not count.
      [
        [r(BUCKET, "other"), ...bucketWith([tlsPolicy("uploads", doc(denyHttpOn("uploads")))])],
        "other",
      ],
    ],
  },
  {
    rule: "s3-no-public-acl",
    good: [
      [
        r("aws:s3/bucketAcl:BucketAcl", "acl", { acl: "private" }),
        r("aws:s3/bucketAcl:BucketAcl", "owner", { acl: "bucket-owner-full-control" }),
      ],
    ],
    bad: [
      [
        [r("aws:s3/bucketAcl:BucketAcl", "acl", { acl: "public-read" })],
        "acl",
        ["grants public-read"],
      ],
      [
        [
          r("aws:s3/bucketAcl:BucketAcl", "rw", { acl: "public-read-write" }),
          r("aws:s3/bucketAcl:BucketAcl", "authenticated", { acl: "authenticated-read" }),
        ],
        ["rw", "authenticated"],
        ["grants public-read-write", "grants authenticated-read"],
      ],
    ],
  },
  {
    rule: "rds-encrypted",
    good: [[postgres(), r(RDS_CLUSTER, "aurora", { storageEncrypted: "true" })]],
    bad: [
      [
        [r(RDS_CLUSTER, "aurora", { storageEncrypted: false })],
        "aurora",
        ["storage is not encrypted"],
      ],
      [[postgres({ storageEncrypted: undefined })], "db", ["storage is not encrypted"]],
    ],
  },
  {
    rule: "rds-not-publicly-accessible",
    good: [[postgres({ publiclyAccessible: false })], [postgres()]],
    bad: [
      [[postgres({ publiclyAccessible: true })], "db", ["is publicly accessible"]],
      [[postgres({ publiclyAccessible: "true" })], "db"],
    ],
  },
  {
    rule: "rds-not-in-public-subnets",
    good: [
      onReal(
        r(
          "aws:rds/subnetGroup:SubnetGroup",
          "db-subnets",
          {},
          { subnetIds: ["home-isolated-0", "home-isolated-1"] },
        ),
      ),
      // Routed through NAT, or a gateway that is not the internet's, or associated with nothing.
      [
        ...topology(),
        r(SUBNET_GROUP, "db-subnets", {}, { subnetIds: ["natted", "vpn", "lonely"] }),
      ],
    ],
    bad: [
      [
        onReal(
          r(
            "aws:rds/subnetGroup:SubnetGroup",
            "db-subnets",
            {},
            { subnetIds: ["home-isolated-0", "home-public-1"] },
          ),
        ),
        "db-subnets",
        ["includes public subnets home-public-1"],
      ],
      // Public by launch-time addresses, an inline route or a route resource to the gateway.
      [
        [
          ...topology(),
          r(
            SUBNET_GROUP,
            "db-subnets",
            {},
            { subnetIds: ["mapped", "natted", "inline-routed", "routed"] },
          ),
        ],
        "db-subnets",
        ["includes public subnets mapped, inline-routed, routed"],
      ],
    ],
  },
  {
    rule: "rds-force-ssl",
    good: [
      [
        r(PARAMETER_GROUP, "pg", {
          family: "postgres17",
          parameters: [
            { name: "log_min_duration_statement", value: "1000" },
            { name: "rds.force_ssl", value: 1 },
          ],
        }),
        { ...postgres(), deps: { parameterGroupName: ["pg"] } },
      ],
      [
        r(CLUSTER_PARAMETER_GROUP, "cpg", { parameters: [{ name: "rds.force_ssl", value: "1" }] }),
        r(
          RDS_CLUSTER,
          "aurora",
          { engine: "aurora-postgresql" },
          { dbClusterParameterGroupName: ["cpg"] },
        ),
      ],
      // Not PostgreSQL.
      [postgres({ engine: "mysql" }), r(RDS_CLUSTER, "aurora", { engine: "aurora-mysql" })],
    ],
    bad: [
      [[postgres()], "db", ["uses the default parameter group"]],
      [
        [
          r(PARAMETER_GROUP, "pg", { parameters: [{ name: "rds.force_ssl", value: "0" }] }),
          { ...postgres(), deps: { parameterGroupName: ["pg"] } },
        ],
        "db",
        ["parameter group pg does not set rds.force_ssl = 1"],
      ],
      [
        [r(RDS_CLUSTER, "aurora", { engine: "aurora-postgresql" })],
        "aurora",
        ["uses the default parameter group"],
      ],
      // A group by the other property of the other kind is not this database's.
      [
        [
          r(CLUSTER_PARAMETER_GROUP, "cpg", {
            parameters: [{ name: "rds.force_ssl", value: "1" }],
          }),
          r(
            RDS_CLUSTER,
            "aurora",
            { engine: "aurora-postgresql" },
            { parameterGroupName: ["cpg"] },
          ),
        ],
        "aurora",
      ],
    ],
  },
  {
    rule: "rds-no-timescaledb",
    good: [
      [
        r(PARAMETER_GROUP, "pg", {
          parameters: [{ name: "shared_preload_libraries", value: "pg_stat_statements" }],
        }),
        r(PARAMETER_GROUP, "none", {
          parameters: [{ name: "timescaledb.max_background_workers", value: "8" }],
        }),
      ],
    ],
    bad: [
      [
        [
          r(PARAMETER_GROUP, "pg", {
            parameters: [
              { name: "shared_preload_libraries", value: "pg_stat_statements,timescaledb" },
            ],
          }),
        ],
        "pg",
        ["shared_preload_libraries asks for timescaledb"],
      ],
      [
        [
          r(CLUSTER_PARAMETER_GROUP, "cpg", {
            parameters: [{ name: "shared_preload_libraries", value: "TimescaleDB" }],
          }),
        ],
        "cpg",
      ],
    ],
  },
  {
    rule: "rds-log-exports",
    good: [
      [postgres({ enabledCloudwatchLogsExports: ["postgresql", "upgrade"] })],
      [postgres({ engine: "mysql" })],
    ],
    bad: [
      [[postgres()], "db", ["does not export the postgresql log"]],
      [[postgres({ enabledCloudwatchLogsExports: ["upgrade"] })], "db"],
    ],
  },
  {
    rule: "rds-prod-multi-az",
    good: [[postgres({ multiAz: true })], [postgres({ multiAz: "true" })]],
    bad: [
      [[postgres({ multiAz: false })], "db", ["is single-AZ"]],
      [[postgres()], "db"],
    ],
  },
  {
    rule: "rds-prod-deletion-protection",
    good: [
      [
        postgres({ deletionProtection: true }),
        r(RDS_CLUSTER, "aurora", { deletionProtection: "true" }),
      ],
    ],
    bad: [
      [[postgres()], "db", ["has no deletion protection"]],
      [
        [r(RDS_CLUSTER, "aurora", { deletionProtection: false })],
        "aurora",
        ["has no deletion protection"],
      ],
    ],
  },
  {
    rule: "rds-prod-backups",
    good: [
      [postgres({ backupRetentionPeriod: 14 })],
      // The minimum itself, from the schema default or the code's own.
      [
        postgres({ backupRetentionPeriod: 7 }),
        r(RDS_CLUSTER, "aurora", { backupRetentionPeriod: 7 }),
      ],
    ],
    bad: [
      [[postgres({ backupRetentionPeriod: 6 })], "db", ["keeps backups 6 day(s), below 7"]],
      [
        [r(RDS_CLUSTER, "aurora", { backupRetentionPeriod: 3 })],
        "aurora",
        ["keeps backups 3 day(s), below 7"],
      ],
      // RDS's default when unset: one day.
      [[postgres()], "db", ["keeps backups 1 day(s), below 7"]],
    ],
  },
  {
    rule: "rds-prod-final-snapshot",
    good: [
      [postgres({ skipFinalSnapshot: false, finalSnapshotIdentifier: "db-final" })],
      [r(RDS_CLUSTER, "aurora", { finalSnapshotIdentifier: "aurora-final" })],
    ],
    bad: [
      [
        [postgres({ skipFinalSnapshot: true })],
        "db",
        ["would be deleted without a final snapshot"],
      ],
      [[postgres({ skipFinalSnapshot: false })], "db"],
      [[postgres({ skipFinalSnapshot: "true", finalSnapshotIdentifier: "db-final" })], "db"],
      [
        [r(RDS_CLUSTER, "aurora", { skipFinalSnapshot: true, finalSnapshotIdentifier: "f" })],
        "aurora",
      ],
    ],
  },
  {
    rule: "elasticache-encrypted-at-rest",
    good: [
      [redis()],
      [redis({ atRestEncryptionEnabled: "true" })],
      [r(CACHE_CLUSTER, "member", { replicationGroupId: "bus" })],
    ],
    bad: [
      [[redis({ atRestEncryptionEnabled: false })], "bus", ["does not encrypt at rest"]],
      [
        [r(CACHE_CLUSTER, "lone", { engine: "redis" })],
        "lone",
        ["is a standalone cache cluster without encryption"],
      ],
    ],
  },
  {
    rule: "elasticache-encrypted-in-transit",
    good: [[redis()], [redis({ transitEncryptionEnabled: "true" })]],
    bad: [
      [[redis({ transitEncryptionEnabled: false })], "bus", ["does not require TLS"]],
      [[redis({ transitEncryptionEnabled: undefined })], "bus"],
    ],
  },
  {
    rule: "elasticache-authentication",
    good: [[redis()], [redis({ authToken: undefined, userGroupIds: ["app-users"] })]],
    bad: [
      [[redis({ authToken: undefined })], "bus", ["accepts unauthenticated clients"]],
      [[redis({ authToken: "", userGroupIds: [] })], "bus"],
    ],
  },
  {
    rule: "elasticache-prod-failover",
    good: [
      [redis({ numCacheClusters: 2, automaticFailoverEnabled: true, multiAzEnabled: true })],
      [redis({ numCacheClusters: "3", automaticFailoverEnabled: "true", multiAzEnabled: "true" })],
    ],
    bad: [
      [
        [redis({ numCacheClusters: 1 })],
        "bus",
        ["has no automatic failover", "is not Multi-AZ", "has no replica"],
      ],
      [
        [redis({ automaticFailoverEnabled: true, multiAzEnabled: true })],
        "bus",
        ["has no replica"],
      ],
      [
        [redis({ numCacheClusters: 2, automaticFailoverEnabled: true, multiAzEnabled: false })],
        "bus",
        ["is not Multi-AZ"],
      ],
      [
        [redis({ numCacheClusters: 2, automaticFailoverEnabled: false, multiAzEnabled: true })],
        "bus",
        ["has no automatic failover"],
      ],
    ],
  },
  {
    rule: "dynamodb-prod-pitr",
    good: [
      [r(TABLE, "sessions", { pointInTimeRecovery: { enabled: true } })],
      [r(TABLE, "events", { pointInTimeRecovery: { enabled: "true" } })],
    ],
    bad: [
      [[r(TABLE, "sessions")], "sessions", ["has no point-in-time recovery"]],
      [[r(TABLE, "sessions", { pointInTimeRecovery: { enabled: false } })], "sessions"],
    ],
  },
  {
    rule: "dynamodb-prod-deletion-protection",
    good: [
      [r(TABLE, "sessions", { deletionProtectionEnabled: true })],
      [r(TABLE, "events", { deletionProtectionEnabled: "true" })],
    ],
    bad: [[[r(TABLE, "sessions")], "sessions", ["has no deletion protection"]]],
  },
  {
    rule: "kms-key-rotation",
    good: [
      [r(KEY, "k", { enableKeyRotation: true }), r(KEY, "s", { enableKeyRotation: "true" })],
      // Asymmetric and HMAC keys cannot rotate, by either property.
      [
        r(KEY, "signing", { customerMasterKeySpec: "RSA_2048" }),
        r(KEY, "mac", { keySpec: "HMAC_256" }),
      ],
    ],
    bad: [
      [[r(KEY, "k")], "k", ["does not rotate"]],
      [[r(KEY, "sym", { keySpec: "SYMMETRIC_DEFAULT", enableKeyRotation: false })], "sym"],
      [[r(KEY, "cmk", { customerMasterKeySpec: "SYMMETRIC_DEFAULT" })], "cmk"],
    ],
  },
  {
    rule: "secretsmanager-prod-recovery-window",
    good: [
      [r(SECRET, "token")],
      [
        r(SECRET, "week", { recoveryWindowInDays: 7 }),
        r(SECRET, "month", { recoveryWindowInDays: 30 }),
      ],
    ],
    bad: [
      [[r(SECRET, "token", { recoveryWindowInDays: 0 })], "token", ["recovery window is 0 days"]],
      [[r(SECRET, "short", { recoveryWindowInDays: 6 })], "short", ["recovery window is 6 days"]],
    ],
  },
  {
    rule: "secretsmanager-stored-where-read",
    good: [
      // The dev plan: the Arbees URLs are replicated to eu-central-1, where the Polymarket
      // gateway's task reads them; the VPN secret is created there and read there.
      onReal(),
      // A secret nothing in the stack reads (an operator's) is not judged.
      [r(SECRET, "ops")],
      [r(SECRET, "key"), { ...fn(), deps: { environment: ["key"] } }],
    ],
    bad: [
      // Without the remote task, nothing reads either URL's eu-central-1 replica.
      [
        without("arbees-remote-market-gateway-polymarket-task"),
        ["arbees-db-url", "arbees-redis-url"],
      ],
      [
        withInputs("arbees-redis-url", {
          replicas: [{ region: "eu-central-1" }, { region: "eu-west-1" }],
        }),
        "arbees-redis-url",
      ],
      [
        [
          r(SECRET, "key", { replicas: [{ region: "eu-central-1" }] }),
          { ...fn(), deps: { environment: ["key"] } },
        ],
        "key",
      ],
    ],
  },
  {
    rule: "lambda-database-clients-in-vpc",
    good: [
      [
        postgres(),
        {
          ...fn({ vpcConfig: { subnetIds: ["subnet-1"], securityGroupIds: ["sg-1"] } }),
          deps: { environment: ["db"] },
        },
      ],
      // A function that reaches no database may run outside the VPC.
      [postgres(), fn()],
    ],
    bad: [
      [[postgres(), { ...fn(), deps: { environment: ["db"] } }], "events"],
      [
        [
          postgres(),
          {
            ...fn({ vpcConfig: { subnetIds: ["subnet-1"], securityGroupIds: [] } }),
            deps: { environment: ["db"] },
          },
        ],
        "events",
      ],
    ],
  },
  {
    rule: "rds-prod-no-shared-instance",
    good: [
      [postgres()],
      // An invocation unrelated to the instance makes no tenant of it.
      [postgres(), r(INVOCATION, "seed", { input: "{}" })],
    ],
    bad: [
      [
        [
          postgres(),
          {
            ...r(INVOCATION, "fred-db-bootstrap", { triggers: { instance: "db-X" } }),
            deps: { triggers: ["db"] },
          },
        ],
        "db",
      ],
    ],
  },
  {
    rule: "lambda-invocation-input-no-secrets",
    good: [
      [
        r(INVOCATION, "bootstrap", {
          input: JSON.stringify({
            operation: "ensure",
            role: "fred_app",
            credentialsSecretArn: `${SECRETS}shared-db/tenants/fred-AbCdEf`,
          }),
        }),
      ],
    ],
    bad: [
      [
        [r(INVOCATION, "bootstrap", { input: JSON.stringify({ password: "Hunter2Hunter2x" }) })],
        "bootstrap",
      ],
      [
        [
          r(INVOCATION, "bootstrap", {
            input: JSON.stringify({ target: { url: "postgresql://app:pw0123456789@db:5432/x" } }),
          }),
        ],
        "bootstrap",
      ],
      [[r(INVOCATION, "bootstrap", { input: JSON.stringify({ token: "[secret]" }) })], "bootstrap"],
    ],
  },
  // ---- compute
  {
    rule: "lambda-supported-runtime",
    good: [
      [fn(), fn({ packageType: "Image", runtime: undefined })],
      // Every runtime of the default allow-list.
      RUNTIMES.map((runtime) => r(FN, runtime, { runtime })),
    ],
    bad: [
      [
        [fn({ runtime: "nodejs16.x" })],
        "events",
        [`runtime nodejs16.x is not in ${RUNTIMES.join(", ")}`],
      ],
      [[fn({ runtime: undefined })], "events", [`runtime none is not in ${RUNTIMES.join(", ")}`]],
      [[fn({ packageType: "Zip", runtime: "python3.9" })], "events"],
    ],
  },
  {
    rule: "lambda-xray-active",
    good: [[fn()]],
    bad: [
      [[fn({ tracingConfig: { mode: "PassThrough" } })], "events", ["does not trace with X-Ray"]],
      [[fn({ tracingConfig: undefined })], "events"],
    ],
  },
  {
    rule: "lambda-vpc-private-subnets",
    good: [
      onReal({ ...fn(), deps: { vpcConfig: ["home-private-0", "home-private-1"] } }),
      [...topology(), { ...fn(), deps: { vpcConfig: ["natted", "vpn", "lonely"] } }],
    ],
    bad: [
      [
        onReal({ ...fn(), deps: { vpcConfig: ["home-public-0"] } }),
        "events",
        ["runs in public subnets home-public-0"],
      ],
      [
        [...topology(), { ...fn(), deps: { vpcConfig: ["natted", "routed", "mapped"] } }],
        "events",
        ["runs in public subnets routed, mapped"],
      ],
    ],
  },
  {
    rule: "lambda-no-secret-environment",
    good: [
      [
        fn({
          environment: {
            variables: {
              KEY_SECRET_PREFIX: "quickbets/kalshi/",
              SCHWAB_TOKEN_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:t",
              LOG_LEVEL: "INFO",
            },
          },
        }),
      ],
    ],
    bad: [
      [
        [
          fn({
            environment: {
              variables: {
                KALSHI_PRIVATE_KEY:
                  "-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----",
                LOG_LEVEL: "INFO",
              },
            },
          }),
        ],
        "events",
        ["KALSHI_PRIVATE_KEY holds a secret-looking value"],
      ],
      [
        [fn({ environment: { variables: { DB_PASSWORD: "hunter2hunter2" } } })],
        "events",
        ["DB_PASSWORD looks like a secret but holds a literal value, not a Secrets Manager ARN"],
      ],
      [
        [fn({ environment: { variables: { SUPABASE_SERVICE_KEY: "[secret]" } } })],
        "events",
        [
          "SUPABASE_SERVICE_KEY holds a Pulumi secret, which the service stores and shows as plaintext",
        ],
      ],
      [[fn({ environment: { variables: { CREDS: "AKIAIOSFODNN7EXAMPLE" } } })], "events"],
    ],
  },
  {
    rule: "lambda-permission-not-public",
    good: [
      [
        r(PERMISSION, "p", {
          principal: "scheduler.amazonaws.com",
          sourceArn: "arn:aws:scheduler:us-east-1:123456789012:schedule/g/s",
        }),
        r(PERMISSION, "q", { principal: "s3.amazonaws.com", sourceAccount: "123456789012" }),
        // An account is a principal that names itself.
        r(PERMISSION, "account", { principal: "123456789012" }),
      ],
    ],
    bad: [
      [[r(PERMISSION, "p", { principal: "*" })], "p", ["lets anyone invoke the function"]],
      [
        [r(PERMISSION, "p", { principal: "events.amazonaws.com" })],
        "p",
        ["lets events.amazonaws.com invoke the function for any account's resource"],
      ],
    ],
  },
  {
    rule: "ecs-not-privileged",
    good: [[task({}), task({ privileged: false })]],
    bad: [
      [[task({ privileged: true })], "gateway-task", ["container app runs privileged"]],
      [
        [
          r(TASK, "anonymous", {
            containerDefinitions: [{ image: "repo@sha256:abc", privileged: true }],
          }),
        ],
        "anonymous",
        ["container ? runs privileged"],
      ],
    ],
  },
  {
    rule: "ecs-capabilities-allow-list",
    good: [[task({ linuxParameters: { capabilities: { add: ["NET_ADMIN"] } } })]],
    bad: [
      [
        [task({ linuxParameters: { capabilities: { add: ["NET_ADMIN", "SYS_ADMIN"] } } })],
        "gateway-task",
        ["container app adds SYS_ADMIN"],
      ],
      [
        [
          r(TASK, "anonymous", {
            containerDefinitions: [{ linuxParameters: { capabilities: { add: ["SYS_PTRACE"] } } }],
          }),
        ],
        "anonymous",
        ["container ? adds SYS_PTRACE"],
      ],
    ],
  },
  {
    rule: "ecs-logging",
    good: [[task({})]],
    bad: [
      [
        [task({ logConfiguration: undefined })],
        "gateway-task",
        ["container app does not log to CloudWatch"],
      ],
      [[task({ logConfiguration: { logDriver: "fluentd" } })], "gateway-task"],
    ],
  },
  {
    rule: "ecs-secrets-by-reference",
    good: [
      [
        task({
          secrets: [
            {
              name: "REDIS_PASSWORD",
              valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:redis",
            },
          ],
          environment: [{ name: "PORT", value: "8080" }],
        }),
      ],
    ],
    bad: [
      [
        [
          task({
            environment: [
              { name: "PORT", value: "8080" },
              { name: "REDIS_PASSWORD", value: "s3cr3t-value" },
            ],
          }),
        ],
        "gateway-task",
        [
          "container app REDIS_PASSWORD looks like a secret but holds a literal value, not a Secrets Manager ARN",
        ],
      ],
    ],
  },
  {
    rule: "ecs-awsvpc-network-mode",
    good: [[task({})]],
    bad: [
      [[task({}, { networkMode: "host" })], "gateway-task", ["uses network mode host"]],
      [[task({}, { networkMode: undefined })], "gateway-task", ["uses network mode bridge"]],
    ],
  },
  {
    rule: "ecs-no-public-ip",
    good: [
      [r(SERVICE, "svc", { networkConfiguration: { assignPublicIp: false } })],
      [r(SERVICE, "svc")],
    ],
    bad: [
      [
        [r(SERVICE, "svc", { networkConfiguration: { assignPublicIp: true } })],
        "svc",
        ["assigns public IPs"],
      ],
      [[r(SERVICE, "svc", { networkConfiguration: { assignPublicIp: "true" } })], "svc"],
    ],
  },
  {
    rule: "ecs-prod-container-insights",
    good: [
      [
        r(ECS_CLUSTER, "c", { settings: [{ name: "containerInsights", value: "enhanced" }] }),
        r(ECS_CLUSTER, "d", { settings: [{ name: "containerInsights", value: "enabled" }] }),
      ],
    ],
    bad: [
      [[r(ECS_CLUSTER, "c")], "c", ["has Container Insights off"]],
      [
        [r(ECS_CLUSTER, "c", { settings: [{ name: "containerInsights", value: "disabled" }] })],
        "c",
      ],
      [[r(ECS_CLUSTER, "c", { settings: [{ name: "other", value: "enabled" }] })], "c"],
    ],
  },
  {
    rule: "ec2-prod-on-demand",
    good: [
      [r("aws:autoscaling/group:Group", "g", { launchTemplate: { id: "lt-1" } })],
      // 100% on demand above the base: a mixed instances policy without Spot.
      [
        r("aws:autoscaling/group:Group", "g", {
          mixedInstancesPolicy: {
            instancesDistribution: { onDemandPercentageAboveBaseCapacity: 100 },
          },
        }),
      ],
      // AWS's default share is 100% on demand.
      [r("aws:autoscaling/group:Group", "g", { mixedInstancesPolicy: { launchTemplate: {} } })],
    ],
    bad: [
      [
        [
          r("aws:autoscaling/group:Group", "g", {
            mixedInstancesPolicy: {
              instancesDistribution: { onDemandPercentageAboveBaseCapacity: 0 },
            },
          }),
        ],
        "g",
      ],
      [
        [
          r("aws:autoscaling/group:Group", "g", {
            mixedInstancesPolicy: {
              instancesDistribution: { onDemandPercentageAboveBaseCapacity: 99 },
            },
          }),
        ],
        "g",
      ],
    ],
  },
  {
    rule: "ecr-scan-on-push",
    good: [
      [
        r(REPO, "app", { imageScanningConfiguration: { scanOnPush: true } }),
        r(REPO, "web", { imageScanningConfiguration: { scanOnPush: "true" } }),
      ],
    ],
    bad: [
      [[r(REPO, "app")], "app", ["does not scan on push"]],
      [[r(REPO, "app", { imageScanningConfiguration: { scanOnPush: false } })], "app"],
    ],
  },
  {
    rule: "ecr-lifecycle-policy",
    good: [[r(REPO, "app"), ecrLifecycle("app")]],
    bad: [
      [[r(REPO, "app")], "app", ["has no lifecycle policy"]],
      [[r(REPO, "app"), r(REPO, "web"), ecrLifecycle("app")], "web"],
    ],
  },
  {
    rule: "ecr-prod-immutable-tags",
    good: [
      [
        r(REPO, "app", { imageTagMutability: "IMMUTABLE" }),
        r(REPO, "web", { imageTagMutability: "IMMUTABLE_WITH_EXCLUSION" }),
      ],
    ],
    bad: [
      [[r(REPO, "app", { imageTagMutability: "MUTABLE" })], "app", ["has mutable tags"]],
      [[r(REPO, "app")], "app"],
    ],
  },
  {
    rule: "scheduler-explicit-time-zone",
    good: [
      [schedule({})],
      [schedule({ scheduleExpression: "rate(5 minutes)", scheduleExpressionTimezone: undefined })],
    ],
    bad: [
      [
        [schedule({ scheduleExpressionTimezone: undefined })],
        "minute",
        ["runs a cron expression in UTC by default"],
      ],
    ],
  },
  {
    rule: "scheduler-dead-letter-queue",
    good: [[schedule({})]],
    bad: [
      [
        [schedule({ target: { arn: "arn:aws:lambda:us-east-1:123456789012:function:f" } })],
        "minute",
        ["has no dead-letter queue", "has no retry policy"],
      ],
      [
        [
          schedule({
            target: {
              arn: "arn:aws:lambda:us-east-1:123456789012:function:f",
              deadLetterConfig: {},
              retryPolicy: { maximumRetryAttempts: 2 },
            },
          }),
        ],
        "minute",
        ["has no dead-letter queue"],
      ],
      [
        [
          schedule({
            target: {
              arn: "arn:aws:lambda:us-east-1:123456789012:function:f",
              deadLetterConfig: { arn: "arn:aws:sqs:us-east-1:123456789012:dlq" },
            },
          }),
        ],
        "minute",
        ["has no retry policy"],
      ],
    ],
  },
  // ---- api
  {
    rule: "apigw-method-authorization",
    good: [
      api(
        method("get-events", "GET", "api-events", "COGNITO_USER_POOLS"),
        method("post-events", "POST", "api-events", "AWS_IAM"),
        method("options-events", "OPTIONS", "api-events", "NONE"),
        method("options-root", "options", "api", "NONE"),
        method("get-health", "get", "api-health", "NONE"),
      ),
    ],
    bad: [
      [
        api(method("post-launch", "POST", "api-launch", "NONE")),
        "post-launch",
        ["POST /launch has no authorization"],
      ],
      // On the API's root; nested; unnamed; without an authorization; "none" in any case.
      [api(method("get-root", "GET", "api", "NONE")), "get-root", ["GET / has no authorization"]],
      [
        api(
          r(RESOURCE, "api-event", { pathPart: "{id}" }, { parentId: ["api-events"] }),
          r(RESOURCE, "api-deep", { pathPart: "deep" }, { parentId: ["api-health"] }),
          r(RESOURCE, "api-nameless", {}, { parentId: ["api"] }),
          method("get-event", "GET", "api-event", "NONE"),
          method("get-deep", "GET", "api-deep", "none"),
          r(METHOD, "delete-nameless", { httpMethod: "DELETE" }, { resourceId: ["api-nameless"] }),
        ),
        ["get-event", "get-deep", "delete-nameless"],
        [
          "GET /events/{id} has no authorization",
          "GET /health/deep has no authorization",
          "DELETE /? has no authorization",
        ],
      ],
      // GET /health is public, not POST /health.
      [
        api(method("post-health", "POST", "api-health", "NONE")),
        "post-health",
        ["POST /health has no authorization"],
      ],
      // Parents in a cycle (no real API has one): the path stops at 33 levels.
      [
        [
          r(RESOURCE, "a", { pathPart: "a" }, { parentId: ["b"] }),
          r(RESOURCE, "b", { pathPart: "b" }, { parentId: ["a"] }),
          r(METHOD, "get-a", { httpMethod: "GET", authorization: "NONE" }, { resourceId: ["a"] }),
        ],
        "get-a",
        [`GET ${"/a/b".repeat(16)}/a has no authorization`],
      ],
    ],
  },
  {
    rule: "apigw-method-authorization",
    config: { "apigw-method-authorization": { publicRoutes: ["POST /launch"] } },
    good: [api(method("post-launch", "POST", "api-launch", "NONE"))],
    // The configured list replaces the default.
    bad: [[api(method("get-health", "GET", "api-health", "NONE")), "get-health"]],
  },
  {
    rule: "apigw-stage-access-logs",
    good: [
      [
        r(STAGE, "stage", {
          accessLogSettings: {
            destinationArn: "arn:aws:logs:us-east-1:123456789012:log-group:access",
            format: "{}",
          },
        }),
      ],
    ],
    bad: [
      [[r(STAGE, "stage")], "stage", ["writes no access log"]],
      [[r(STAGE, "stage", { accessLogSettings: { format: "{}" } })], "stage"],
      [[r(STAGE, "stage", { accessLogSettings: { destinationArn: "arn:aws:logs:x" } })], "stage"],
    ],
  },
  {
    rule: "apigw-stage-throttling",
    good: [stageWithSettings({ throttlingRateLimit: 500, throttlingBurstLimit: 1000 })],
    bad: [
      [[r(STAGE, "api-stage")], "api-stage", ["has no stage-wide throttling"]],
      [stageWithSettings({ throttlingRateLimit: 0, throttlingBurstLimit: 1000 }), "api-stage"],
      [stageWithSettings({ throttlingRateLimit: 500 }), "api-stage"],
      // Settings of one method, or of another stage.
      [
        stageWithSettings(
          { throttlingRateLimit: 500, throttlingBurstLimit: 1000 },
          { methodPath: "events/GET" },
        ),
        "api-stage",
      ],
      [
        [
          ...stageWithSettings({ throttlingRateLimit: 500, throttlingBurstLimit: 1000 }),
          r(STAGE, "other-stage"),
        ],
        "other-stage",
      ],
    ],
  },
  {
    rule: "apigw-execution-logging",
    good: [
      stageWithSettings({ loggingLevel: "ERROR" }),
      stageWithSettings({ loggingLevel: "INFO" }),
    ],
    bad: [
      [stageWithSettings({ loggingLevel: "OFF" }), "api-stage", ["does not log execution"]],
      [stageWithSettings({}), "api-stage"],
      [[r(STAGE, "api-stage")], "api-stage"],
    ],
  },
  {
    rule: "apigw-prod-xray",
    good: [
      [
        r(STAGE, "stage", { xrayTracingEnabled: true }),
        r(STAGE, "other", { xrayTracingEnabled: "true" }),
      ],
    ],
    bad: [[[r(STAGE, "stage")], "stage", ["does not trace with X-Ray"]]],
  },
  {
    rule: "apigw-lambda-permission-scoped",
    good: [
      [
        r(PERMISSION, "p", {
          principal: "apigateway.amazonaws.com",
          sourceArn: "arn:aws:execute-api:us-east-1:123456789012:abc/*/GET/events",
        }),
        // Other services are lambda-permission-not-public's.
        r(PERMISSION, "q", { principal: "events.amazonaws.com" }),
      ],
    ],
    bad: [
      [
        [
          r(PERMISSION, "p", {
            principal: "apigateway.amazonaws.com",
            sourceAccount: "123456789012",
          }),
        ],
        "p",
        ["lets any API Gateway API invoke the function"],
      ],
    ],
  },
  {
    rule: "cognito-password-policy",
    good: [
      [r(POOL, "users", { passwordPolicy: { minimumLength: 12, requireSymbols: true } })],
      [
        r(POOL, "users", {
          passwordPolicy: {
            minimumLength: 16,
            requireLowercase: true,
            requireUppercase: "true",
            requireNumbers: true,
            requireSymbols: true,
          },
        }),
      ],
    ],
    bad: [
      [
        [r(POOL, "users", { passwordPolicy: { minimumLength: 8 } })],
        "users",
        ["allows passwords of 8 characters"],
      ],
      [
        [r(POOL, "users", { passwordPolicy: { minimumLength: 11 } })],
        "users",
        ["allows passwords of 11 characters"],
      ],
      // Cognito's default length.
      [[r(POOL, "users")], "users", ["allows passwords of 8 characters"]],
      [
        [
          r(POOL, "users", {
            passwordPolicy: {
              minimumLength: 12,
              requireLowercase: false,
              requireUppercase: "false",
              requireNumbers: false,
              requireSymbols: false,
            },
          }),
        ],
        "users",
        [
          "turns off requireLowercase",
          "turns off requireUppercase",
          "turns off requireNumbers",
          "turns off requireSymbols",
        ],
      ],
    ],
  },
  {
    rule: "cognito-threat-protection",
    good: [[r(POOL, "users", { userPoolAddOns: { advancedSecurityMode: "ENFORCED" } })]],
    bad: [
      [
        [r(POOL, "users", { userPoolAddOns: { advancedSecurityMode: "AUDIT" } })],
        "users",
        ["does not enforce threat protection"],
      ],
      [[r(POOL, "users")], "users"],
    ],
  },
  {
    rule: "alb-modern-tls-policy",
    good: [
      // Every modern policy, and plain listeners that have none.
      TLS13_POLICIES.map((sslPolicy, i) =>
        r(i % 2 ? LISTENER : ALB_LISTENER, `https-${i}`, { protocol: "HTTPS", sslPolicy }),
      ),
      [r(LISTENER, "http", { protocol: "HTTP" }), r(LISTENER, "tcp", { protocol: "TCP" })],
    ],
    bad: [
      [
        [r(LISTENER, "https", { protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-2016-08" })],
        "https",
        ["uses TLS policy ELBSecurityPolicy-2016-08"],
      ],
      [[r(ALB_LISTENER, "https", { protocol: "HTTPS" })], "https", ["uses TLS policy the default"]],
    ],
  },
  {
    rule: "alb-prod-http-redirects-to-https",
    good: [
      [
        r(LISTENER, "http", { protocol: "HTTP", defaultActions: [REDIRECT] }),
        r(ALB_LISTENER, "alb-http", { protocol: "HTTP", defaultActions: [REDIRECT] }),
        r(LISTENER, "https", { protocol: "HTTPS", defaultActions: [FORWARD] }),
      ],
    ],
    bad: [
      [
        [r(LISTENER, "http", { protocol: "HTTP", defaultActions: [FORWARD] })],
        "http",
        ["serves plain HTTP"],
      ],
      [[r(ALB_LISTENER, "http", { protocol: "HTTP" })], "http"],
      [[r(LISTENER, "http", { protocol: "HTTP", defaultActions: [REDIRECT, FORWARD] })], "http"],
      [
        [
          r(LISTENER, "http", {
            protocol: "HTTP",
            defaultActions: [{ ...REDIRECT, redirect: { protocol: "HTTP", port: "8080" } }],
          }),
        ],
        "http",
      ],
    ],
  },
  {
    rule: "alb-drop-invalid-headers",
    good: [
      [r(LB, "alb", { dropInvalidHeaderFields: true })],
      [r(ALB, "alb", { dropInvalidHeaderFields: "true" })],
      [
        r(LB, "nlb", { loadBalancerType: "network" }),
        r(LB, "gwlb", { loadBalancerType: "gateway" }),
      ],
    ],
    bad: [
      [[r(LB, "alb", { loadBalancerType: "application" })], "alb", ["keeps invalid header fields"]],
      [[r(ALB, "alb", { dropInvalidHeaderFields: false })], "alb"],
    ],
  },
  {
    rule: "alb-prod-deletion-protection",
    good: [
      [
        r(LB, "alb", { enableDeletionProtection: true }),
        r(ALB, "nlb", { loadBalancerType: "network", enableDeletionProtection: "true" }),
      ],
    ],
    bad: [
      [[r(LB, "alb")], "alb", ["has no deletion protection"]],
      [[r(ALB, "alb", { enableDeletionProtection: false })], "alb"],
    ],
  },
  // ---- observability
  {
    rule: "elb-prod-access-logs",
    good: [
      withDependsOn([...logBucket(), loggingLb()], "alb", "logs-policy"),
      // Through another resource that waits for the policy.
      withDependsOn(
        [...logBucket(), r(BUCKET_LOGGING, "waits", {}, { bucket: ["logs-policy"] }), loggingLb()],
        "alb",
        "waits",
      ),
      // At preview: the bucket's name is not known yet, its dependency names it.
      withDependsOn(
        [
          ...logBucket(),
          r(LB, "alb", { accessLogs: { enabled: "true" } }, { accessLogs: ["logs"] }),
        ],
        "alb",
        "logs-policy",
      ),
      // A bucket outside the stack, by name.
      [
        r(LB, "nlb", {
          loadBalancerType: "network",
          accessLogs: { bucket: "central-logs", enabled: true },
        }),
        r(ALB, "alb", { accessLogs: { bucket: "central-logs", enabled: true } }),
      ],
      // Gateway load balancers have no access logs.
      [r(LB, "gwlb", { loadBalancerType: "gateway" })],
    ],
    bad: [
      [[r(LB, "alb", { loadBalancerType: "application" })], "alb", [NOT_LOGGING]],
      [[r(LB, "alb")], "alb", [NOT_LOGGING]],
      [[r(LB, "nlb", { loadBalancerType: "network" })], "nlb", [NOT_LOGGING]],
      [[r(ALB, "alb", { accessLogs: { bucket: "central-logs" } })], "alb", [NOT_LOGGING]],
      [withDependsOn([...logBucket(), loggingLb(false)], "alb", "logs-policy"), "alb"],
      [withDependsOn([...logBucket(), loggingLb("false")], "alb", "logs-policy"), "alb"],
      [[r(LB, "alb", { accessLogs: { enabled: true } })], "alb", [NOT_LOGGING]],
      // Configured while ELB may not yet write: the policy is not among its dependencies.
      [[...logBucket(), loggingLb()], "alb"],
      [[r(BUCKET, "logs"), loggingLb()], "alb"],
      // Another bucket's policy does not let ELB write to this one.
      [
        withDependsOn(
          [...logBucket(), r(BUCKET, "other"), loggingLb(true, {}, "other")],
          "alb",
          "logs-policy",
        ),
        "alb",
        ["logs to other, which has no policy letting ELB write"],
      ],
    ],
  },
  {
    rule: "s3-prod-server-access-logs",
    good: [
      [r(BUCKET, "uploads"), ...logBucket(), serverLogs("uploads")],
      [
        r(BUCKET, "uploads"),
        ...logBucket(),
        r(
          BUCKET_LOGGING_V2,
          "uploads-logging",
          {},
          { bucket: ["uploads"], targetBucket: ["logs"] },
        ),
      ],
      // A log bucket is exempt, whether a writer names it or only its policy lets S3 deliver.
      logBucket(),
      [
        r(BUCKET, "logs"),
        r(LB, "alb", { accessLogs: { enabled: true } }, { accessLogs: ["logs"] }),
      ],
      [
        r(BUCKET, "logs"),
        r(ALB, "alb", { accessLogs: { enabled: true } }, { accessLogs: ["logs"] }),
      ],
      [r(BUCKET, "logs"), r(BUCKET_LOGGING_V2, "uploads-logging", {}, { targetBucket: ["logs"] })],
      // Each service that delivers logs makes one.
      [
        r(BUCKET, "elb-logs"),
        deliveryPolicy("elb-logs", "logdelivery.elasticloadbalancing.amazonaws.com"),
      ],
      [r(BUCKET, "vended"), deliveryPolicy("vended", ["delivery.logs.amazonaws.com"])],
    ],
    bad: [
      [[r(BUCKET, "uploads")], "uploads", ["does not log its server access"]],
      [[r(BUCKET, "uploads"), r(BUCKET, "other"), ...logBucket(), serverLogs("other")], "uploads"],
      // A policy letting another service write does not make a log bucket, nor one denying S3.
      [[r(BUCKET, "uploads"), deliveryPolicy("uploads", "cloudfront.amazonaws.com")], "uploads"],
      [
        [
          r(BUCKET, "uploads"),
          r(
            BUCKET_POLICY,
            "uploads-policy",
            { policy: doc({ ...s3Delivery, Effect: "Deny" }) },
            { bucket: ["uploads"] },
          ),
        ],
        "uploads",
      ],
      // The delivery policy of another bucket.
      [[r(BUCKET, "uploads"), r(BUCKET, "logs"), logPolicy(s3Delivery)], "uploads"],
    ],
  },
  {
    rule: "s3-access-log-bucket-retention",
    good: [
      [r(BUCKET, "uploads"), ...logBucket(), serverLogs("uploads")],
      [...logBucket(expiring("Enabled", { date: "2030-01-01T00:00:00Z" }))],
      [
        ...logBucket(
          r(
            LIFECYCLE_V2,
            "logs-lifecycle",
            {
              rules: [
                { id: "old", status: "Disabled", expiration: { days: 1 } },
                { id: "expire-logs", status: "Enabled", expiration: { days: "1" } },
              ],
            },
            { bucket: ["logs"] },
          ),
        ),
      ],
      // A bucket that receives no logs is not held to it.
      [r(BUCKET, "uploads")],
    ],
    bad: [
      [
        [r(BUCKET, "uploads"), r(BUCKET, "logs"), logPolicy(denyHttp), serverLogs("uploads")],
        "logs",
        [FOREVER],
      ],
      [logBucket(expiring("Disabled")), "logs", [FOREVER]],
      [logBucket(expiring("Enabled", {})), "logs", [FOREVER]],
      [logBucket(expiring("Enabled", { days: 0 })), "logs", [FOREVER]],
      [logBucket(expiring("Enabled", { date: "" })), "logs", [FOREVER]],
      [logBucket(logPolicy(s3Delivery)), "logs", [NO_TLS]],
      [[r(BUCKET, "logs"), expiring(), loggingLb()], "logs", [NO_TLS]],
      // Another bucket's lifecycle and policy.
      [
        [
          r(BUCKET, "logs"),
          r(BUCKET, "other"),
          r(
            LIFECYCLE,
            "lc",
            { rules: [{ status: "Enabled", expiration: { days: 90 } }] },
            { bucket: ["other"] },
          ),
          tlsPolicy("other", doc(denyHttpOn("other"))),
          loggingLb(),
        ],
        "logs",
        [FOREVER, NO_TLS],
      ],
    ],
  },
  {
    rule: "logs-retention",
    good: [(real) => real, [r(LOG_GROUP, "exact", { retentionInDays: 14 })]],
    bad: [
      [
        withInputs("home-flow-logs", { retentionInDays: 7 }),
        "home-flow-logs",
        ["keeps logs 7 days, below 14"],
      ],
      [[r(LOG_GROUP, "short", { retentionInDays: 13 })], "short", ["keeps logs 13 days, below 14"]],
      [
        withInputs("remote-flow-logs", { retentionInDays: undefined }),
        "remote-flow-logs",
        ["keeps logs forever (no retention)"],
      ],
      [
        [r(LOG_GROUP, "zero", { retentionInDays: 0 })],
        "zero",
        ["keeps logs forever (no retention)"],
      ],
    ],
  },
  {
    rule: "logs-retention",
    config: { "logs-retention": { minimumDays: 30 } },
    good: [[r(LOG_GROUP, "month", { retentionInDays: 30 })]],
    bad: [
      [[r(LOG_GROUP, "short", { retentionInDays: 29 })], "short", ["keeps logs 29 days, below 30"]],
    ],
  },
  {
    rule: "lambda-own-log-group",
    good: [
      [fn(), r(LOG_GROUP, "events-logs", { retentionInDays: 14 }, { name: ["events"] })],
      [
        r(LOG_GROUP, "events-logs", { retentionInDays: 14 }),
        { ...fn(), deps: { loggingConfig: ["events-logs"] } },
      ],
    ],
    bad: [
      [[fn()], "events", ["has no log group of its own"]],
      [
        [fn(), r(LOG_GROUP, "events-logs", {}, { name: ["events"] })],
        "events",
        ["log group events-logs has no retention"],
      ],
      // Another function's group.
      [
        [
          fn(),
          r(FN, "other", { runtime: "nodejs22.x" }),
          r(LOG_GROUP, "other-logs", { retentionInDays: 14 }, { name: ["other"] }),
        ],
        "events",
      ],
    ],
  },
  // ---- tagging
  {
    rule: "tags-required",
    good: [
      (real) => real,
      [
        {
          ...r(VPC, "tagged-by-hand", {
            tags: { project: "p", environment: "dev", "managed-by": "pulumi" },
          }),
          provider: "bare",
        },
      ],
      // The resource's tags complete the provider's.
      [
        r(VPC, "override", { tags: { environment: "prod" } }),
        // Types that take no tags are not held to them.
        { ...r("aws:ec2/route:Route", "route"), provider: "bare" },
      ],
    ],
    bad: [
      [
        [{ ...r(VPC, "untagged", { tags: { Name: "x" } }), provider: "bare" }],
        "untagged",
        ["ends up without the tags project, environment, managed-by"],
      ],
      // An empty tag is no tag.
      [
        [r(VPC, "emptied", { tags: { environment: "" } })],
        "emptied",
        ["ends up without the tags environment"],
      ],
      // Every taggable type the platform makes.
      [
        TAGGED_TYPES.map((type, i) => ({ ...r(type, `untagged-${i}`), provider: "bare" as const })),
        TAGGED_TYPES.map((_, i) => `untagged-${i}`),
      ],
    ],
  },
  {
    rule: "tags-required",
    config: { "tags-required": { requiredTags: ["owner"] } },
    good: [[r(VPC, "owned", { tags: { owner: "team" } })]],
    bad: [[[r(VPC, "v")], "v", ["ends up without the tags owner"]]],
  },
  // ---- cost
  {
    rule: "cost-dev-instance-sizes",
    good: [
      [postgres(), redis()],
      [
        ...["db.t4g.micro", "db.t4g.small", "db.t4g.medium"].map((instanceClass) =>
          r(DB, instanceClass, { instanceClass }),
        ),
        ...["cache.t4g.micro", "cache.t4g.small"].map((nodeType) =>
          r(REDIS, nodeType, { nodeType }),
        ),
        r(CACHE_CLUSTER, "member", { replicationGroupId: "bus" }),
        ...EC2_SIZES.map((instanceType) => r(INSTANCE, instanceType, { instanceType })),
        r(LAUNCH_TEMPLATE, "lt", { instanceType: "t4g.small" }),
      ],
    ],
    bad: [
      [
        [postgres({ instanceClass: "db.r6g.xlarge" })],
        "db",
        [
          "instance class db.r6g.xlarge is not in the dev allow-list (db.t4g.micro, db.t4g.small, db.t4g.medium)",
        ],
      ],
      [
        [redis({ nodeType: "cache.r7g.large" })],
        "bus",
        [
          "node type cache.r7g.large is not in the dev allow-list (cache.t4g.micro, cache.t4g.small)",
        ],
      ],
      [[r(CACHE_CLUSTER, "lone", { nodeType: "cache.t4g.medium" })], "lone"],
      [
        [r(INSTANCE, "vm", { instanceType: "m7g.large" })],
        "vm",
        [`instance type m7g.large is not in the dev allow-list (${EC2_SIZES.join(", ")})`],
      ],
      [[r(LAUNCH_TEMPLATE, "lt", { instanceType: "c7g.xlarge" })], "lt"],
    ],
  },
  {
    rule: "cost-dev-instance-sizes",
    config: { "cost-dev-instance-sizes": { dbInstanceClasses: ["db.r6g.large"] } },
    good: [[postgres({ instanceClass: "db.r6g.large" }), redis()]],
    bad: [[[postgres()], "db"]],
  },
  {
    rule: "cost-dev-single-nat",
    good: [
      (real) => real,
      // One NAT in each of two VPCs.
      [
        r(VPC, "v"),
        r(VPC, "w"),
        r(SUBNET, "v0", {}, { vpcId: ["v"] }),
        r(SUBNET, "w0", {}, { vpcId: ["w"] }),
        r(NAT, "nv", {}, { subnetId: ["v0"] }),
        r(NAT, "nw", {}, { subnetId: ["w0"] }),
      ],
    ],
    bad: [
      [
        [
          r(VPC, "v"),
          r(VPC, "w"),
          r(SUBNET, "s0", {}, { vpcId: ["v"] }),
          r(SUBNET, "s1", {}, { vpcId: ["v"] }),
          r(SUBNET, "w0", {}, { vpcId: ["w"] }),
          r(NAT, "n0", {}, { subnetId: ["s0"] }),
          r(NAT, "n1", {}, { subnetId: ["s1"] }),
          r(NAT, "n2", {}, { subnetId: ["s1"] }),
          r(NAT, "nw", {}, { subnetId: ["w0"] }),
        ],
        "v",
        ["has 3 NAT gateways"],
      ],
    ],
  },
];

describe("policy rules", function () {
  let real: Plan;
  before(async () => {
    const run = await cachedPlan("dev");
    // Exit 1 is a mandatory violation, plan.test's business: these cases only need the plan.
    expect(run.code, run.stderr).to.be.oneOf([0, 1]);
    expect(run.plan, run.stderr).to.not.equal(undefined);
    real = run.plan!;
  });

  const build = (stack: Stack) => (typeof stack === "function" ? stack(real) : planOf(stack));
  /**
   * The violations of one rule, evaluated on its own (the others' findings are not its business).
   * `schemaless` drops the rule's config schema, so its code's own defaults apply.
   */
  const violationsOf = async (
    rule: string,
    stack: Stack,
    config: PackConfig = {},
    schemaless = false,
  ) => {
    const only = rules
      .filter((x) => x.name === rule)
      .map((x) => (schemaless ? { ...x, configSchema: undefined } : x));
    expect(only, rule).to.have.length(1);
    const report = await evaluatePolicies(build(stack), config, { rules: only });
    return report.violations.filter((v) => v.policy === rule);
  };
  /**
   * The violations of a case's stack; for a rule with settings and a case without config, the
   * same when no schema default reaches the rule (an analyzer without them).
   */
  const caseViolations = async (c: Case, stack: Stack) => {
    const found = await violationsOf(c.rule, stack, c.config);
    if (!c.config && rules.find((x) => x.name === c.rule)!.configSchema)
      expect(await violationsOf(c.rule, stack, {}, true), "without schema defaults").to.deep.equal(
        found,
      );
    return found;
  };

  it("has at least 40 rules, each named once, with a description, a level and a remediation", () => {
    expect(rules.length).to.be.at.least(40);
    expect(new Set(rules.map((x) => x.name)).size).to.equal(rules.length);
    for (const rule of rules) {
      expect(rule.description, rule.name).to.have.length.greaterThan(20);
      expect(rule.remediationSteps, rule.name).to.have.length.greaterThan(10);
      expect(["mandatory", "advisory"], rule.name).to.include(rule.enforcementLevel);
      if (rule.framework)
        expect(rule.framework.reference, rule.name).to.match(
          /^[A-Za-z0-9]+\.\d+(, [A-Za-z0-9]+\.\d+)*$/,
        );
    }
    expect(rules.filter((x) => x.framework).length).to.be.at.least(35);
  });

  describe("policy/README.md", () => {
    const page = fs.readFileSync(path.join(__dirname, "..", "policy", "README.md"), "utf8");

    // The published table is how a change of a rule's controls, level, severity or stacks shows.
    it("holds the table of rules the rule modules generate", () => {
      expect(tableCells(section(page, SECTION)), "run `npm run docs`").to.deep.equal(
        tableCells(policyTable()),
      );
    });

    it("lists every rule", () => {
      for (const rule of rules) expect(page).to.include(`\`${rule.name}\``);
    });
  });

  it("cites the FSBP standard, by name, version and page, for every rule with controls", () => {
    const cited = rules.filter((x) => x.framework);
    expect(cited.length).to.be.at.least(35);
    for (const rule of cited) {
      expect(rule.framework, rule.name).to.deep.equal({
        name: "AWS Foundational Security Best Practices",
        version: "1.0.0",
        reference: rule.framework!.reference,
        specification:
          "https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html",
      });
    }
    // Several controls, comma-separated: the table in policy/README.md holds each rule's.
    expect(rules.find((x) => x.name === "ec2-imdsv2-required")!.framework!.reference).to.equal(
      "EC2.8, EC2.170, AutoScaling.3",
    );
  });

  it("has a compliant and a violating case for every rule", () => {
    // The deploy domain has its own cases, in policy-deploy.test.ts.
    const covered = new Set([
      ...cases.filter((c) => c.good.length > 0 && c.bad.length > 0).map((c) => c.rule),
      ...deployRules.map((x) => x.name),
    ]);
    expect(rules.map((x) => x.name).filter((name) => !covered.has(name))).to.deep.equal([]);
  });

  for (const c of cases) {
    describe(c.rule, () => {
      c.good.forEach((stack, i) => {
        it(`passes compliant stack ${i + 1}`, async () => {
          const found = await caseViolations(c, stack);
          expect(found.map((v) => `${v.resource?.name}: ${v.message}`)).to.deep.equal([]);
        });
      });
      c.bad.forEach(([stack, targets, messages], i) => {
        it(`reports violating stack ${i + 1} on ${String(targets)}`, async () => {
          const found = await caseViolations(c, stack);
          expect([...new Set(found.map((v) => v.resource?.name))].sort()).to.deep.equal(
            ([] as string[]).concat(targets).sort(),
          );
          expect(found[0]!.remediation).to.have.length.greaterThan(10);
          if (messages instanceof RegExp)
            expect(found.map((v) => v.message).join("\n")).to.match(messages);
          else if (messages) expect(found.map((v) => v.message)).to.deep.equal(messages);
        });
      });
    });
  }

  describe("isGravitonType", () => {
    const table: [string, boolean][] = [
      ["t4g.nano", true],
      ["m7gd.large", true],
      ["c6gn.xlarge", true],
      ["x2gd.medium", true],
      ["im4gn.large", true],
      ["g5g.xlarge", true],
      ["t3.micro", false],
      ["g5.xlarge", false],
      ["g4dn.xlarge", false],
      ["m7i-flex.large", false],
      ["c5ad.large", false],
    ];
    for (const [type, graviton] of table) {
      it(`${type}: ${graviton ? "arm64" : "x86_64"}`, () =>
        expect(isGravitonType(type)).to.equal(graviton));
    }
  });

  describe("readers of resource properties", () => {
    it("takes lists, records, booleans, strings and text as providers hand them over", () => {
      expect([undefined, null, "a", ["a"], [null]].map((x) => asArray(x))).to.deep.equal([
        [],
        [],
        ["a"],
        ["a"],
        [null],
      ]);
      expect([null, ["a"], "a", 1, { a: 1 }].map(asRecord)).to.deep.equal([
        {},
        {},
        {},
        {},
        { a: 1 },
      ]);
      expect([true, "true", "TRUE", 1, "1", false, undefined].map(isTrue)).to.deep.equal([
        true,
        true,
        false,
        false,
        false,
        false,
        false,
      ]);
      expect(strings(["a", 1, null, "b"])).to.deep.equal(["a", "b"]);
      expect(strings("a")).to.deep.equal(["a"]);
      expect([
        text("a"),
        text(1),
        text(false),
        text({}),
        text(null, 7),
        text(undefined, "x"),
      ]).to.deep.equal(["a", "1", "false", "", "7", "x"]);
    });

    it("reads policy documents as text or objects, and nothing from broken JSON", () => {
      const statement = { Effect: "Allow", Action: "s3:GetObject", Resource: "*" };
      expect(json('{"a":1}')).to.deep.equal({ a: 1 });
      expect(json({ a: 1 })).to.deep.equal({ a: 1 });
      expect(json("{")).to.equal(undefined);
      expect(statements(doc(statement))).to.deep.equal([statement]);
      expect(statements({ Statement: statement })).to.deep.equal([statement]);
      expect(statements("{")).to.deep.equal([]);
      expect(statements(undefined)).to.deep.equal([]);
      expect(deniesInsecureTransport(doc(denyHttp))).to.equal(true);
      expect(deniesInsecureTransport(doc({ ...denyHttp, Effect: "Allow" }))).to.equal(false);
      expect(deniesInsecureTransport(doc({ ...denyHttp, Condition: {} }))).to.equal(false);
      expect(
        deniesInsecureTransport(
          doc({ ...denyHttp, Condition: { Bool: { "aws:SecureTransport": [false, "false"] } } }),
        ),
      ).to.equal(true);
    });
  });

  describe("secret-looking values", () => {
    const LITERAL = "looks like a secret but holds a literal value, not a Secrets Manager ARN";
    const LOOKS = "holds a secret-looking value";
    const table: [string, unknown, string | undefined][] = [
      // Values that are secrets whatever their name.
      ["V", "-----BEGIN PRIVATE KEY-----\nMIIE", LOOKS],
      ["V", "-----BEGIN EC PRIVATE KEY-----", LOOKS],
      ["V", "-----BEGIN PUBLIC KEY-----", undefined],
      ["V", "AKIAIOSFODNN7EXAMPLE", LOOKS],
      ["V", "key ASIAIOSFODNN7EXAMPLE here", LOOKS],
      ["V", "AKIAIOSFODNN7EXAMPL", undefined], // 15 characters after AKIA
      ["V", "AKIAIOSFODNN7EXAMPLEX", undefined], // 17
      ["V", "postgres://app:hunter2@db:5432/app", LOOKS],
      ["V", "https://example.com/path@x", undefined],
      ["V", "sk_live_0123456789", LOOKS],
      ["V", "pk_test_0123456789abc", LOOKS],
      ["V", "sk_live_012345678", undefined], // 9 characters
      ["V", "eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2Q", LOOKS],
      ["V", "eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0", undefined],
      // Names that announce a secret, holding a literal.
      ...[
        "DB_SECRET",
        "DB_PASSWORD",
        "db_passwd",
        "PRIVATE_KEY",
        "RSA_PRIVATEKEY",
        "OPENAI_API_KEY",
        "STRIPE_APIKEY",
        "AWS_ACCESS_KEY",
        "SUPABASE_SERVICE_KEY",
        "JWT_SIGNING_KEY",
        "GITHUB_TOKEN",
        "DB_CREDENTIAL",
        "DB_CREDENTIALS",
      ].map((name): [string, unknown, string] => [name, "x", `${name} ${LITERAL}`]),
      ["TOKEN_TTL", "3600", undefined],
      ["KEY_SECRET_PREFIX", "quickbets/kalshi/", undefined],
      // References to a secret.
      ["DB_SECRET", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db", undefined],
      ["DB_PASSWORD", "arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/db", undefined],
      ["SIGNING_KEY", "arn:aws:kms:us-east-1:123456789012:key/k", undefined],
      ["DB_PASSWORD", "arn:aws:s3:::bucket/password", `DB_PASSWORD ${LITERAL}`],
      ["DB_PASSWORD", "{{resolve:secretsmanager:db}}", undefined],
      ["DB_PASSWORD", "x{{resolve:secretsmanager:db}}", `DB_PASSWORD ${LITERAL}`],
      ["TOKEN_SECRET_ARN", "computed later", undefined],
      ["DB_SECRET", "db_ARN", undefined],
      ["DB_SECRET", "db_ARN_x", `DB_SECRET ${LITERAL}`],
      // Nothing to read.
      ["DB_PASSWORD", "", undefined],
      ["DB_PASSWORD", 42, undefined],
      ["DB_PASSWORD", undefined, undefined],
      [
        "DB_PASSWORD",
        "[secret]",
        "DB_PASSWORD holds a Pulumi secret, which the service stores and shows as plaintext",
      ],
    ];

    it("tells secrets by value, by name with a literal, and references apart", () => {
      for (const [name, value, expected] of table) {
        const found = secretLooking(name, value);
        const why = `${name}=${String(value)}`;
        if (expected === LOOKS) expect(found, why).to.equal(`${name} ${LOOKS}`);
        else expect(found, why).to.equal(expected);
      }
    });
  });

  describe("access logs", () => {
    const stackConfig = (stack: string) =>
      JSON.parse(
        fs.readFileSync(path.join(__dirname, "..", "policy", `${stack}.json`), "utf8"),
      ) as PackConfig;
    const unlogged = [r(LB, "alb", { loadBalancerType: "application" }), r(BUCKET, "uploads")];

    it("holds ELB.5 and S3.9 in prod only: dev's pack config disables them", async () => {
      for (const rule of ["elb-prod-access-logs", "s3-prod-server-access-logs"]) {
        expect(rules.find((x) => x.name === rule)!.tags, rule).to.deep.equal(["prod-only"]);
        expect(await violationsOf(rule, unlogged, stackConfig("prod")), rule).to.have.length(1);
        expect(await violationsOf(rule, unlogged, stackConfig("dev")), rule).to.deep.equal([]);
      }
    });

    it("says which of retention and TLS a log bucket lacks", async () => {
      const messages = async (stack: Spec[]) =>
        (await violationsOf("s3-access-log-bucket-retention", stack)).map((v) => v.message);
      expect(await messages([r(BUCKET, "logs"), loggingLb()])).to.deep.equal([
        "keeps access logs forever (no lifecycle expiration)",
        "receives access logs but does not deny non-TLS requests",
      ]);
      expect(await messages(logBucket(logPolicy(s3Delivery)))).to.deep.equal([
        "receives access logs but does not deny non-TLS requests",
      ]);
      expect(await messages(logBucket(expiring("Disabled")))).to.deep.equal([
        "keeps access logs forever (no lifecycle expiration)",
      ]);
    });

    it("tells a load balancer that does not log from one configured before the policy", async () => {
      const messages = async (stack: Stack) =>
        (await violationsOf("elb-prod-access-logs", stack)).map((v) => v.message);
      expect(
        await messages(withDependsOn([...logBucket(), loggingLb(false)], "alb", "logs-policy")),
      ).to.deep.equal(["does not log access (accessLogs.enabled with a bucket)"]);
      expect(await messages([...logBucket(), loggingLb()])).to.deep.equal([
        "does not wait for logs-policy: ELB tests its write access when logging is turned on",
      ]);
      expect(await messages([r(BUCKET, "logs"), loggingLb()])).to.deep.equal([
        "logs to logs, which has no policy letting ELB write",
      ]);
    });
  });

  describe("configuration", () => {
    it("declares the settings policy/<stack>.json may give: names, JSON types and defaults", () => {
      const list = (defaults: string[]) => ({
        type: "array",
        items: { type: "string" },
        default: defaults,
      });
      const integer = (defaults: number) => ({ type: "integer", default: defaults });
      const schemas = Object.fromEntries(
        rules.filter((x) => x.configSchema).map((x) => [x.name, x.configSchema]),
      );
      expect(schemas).to.deep.equal({
        "iam-trust-expected-services-only": {
          properties: { allowedServices: list(TRUSTED_SERVICES) },
        },
        "rds-prod-backups": { properties: { minimumDays: integer(7) } },
        "lambda-supported-runtime": { properties: { allowedRuntimes: list(RUNTIMES) } },
        "ecs-capabilities-allow-list": { properties: { allowedCapabilities: list(["NET_ADMIN"]) } },
        "apigw-method-authorization": { properties: { publicRoutes: list(["GET /health"]) } },
        "logs-retention": { properties: { minimumDays: integer(14) } },
        "tags-required": {
          properties: { requiredTags: list(["project", "environment", "managed-by"]) },
        },
        "cost-dev-instance-sizes": {
          properties: {
            dbInstanceClasses: list(["db.t4g.micro", "db.t4g.small", "db.t4g.medium"]),
            cacheNodeTypes: list(["cache.t4g.micro", "cache.t4g.small"]),
            ec2InstanceTypes: list(EC2_SIZES),
          },
        },
        "deploy-apigw-logging-account-role": {
          properties: { accountRoleRegions: list(["us-east-1"]) },
        },
        "deploy-lambda-reserved-concurrency-budget": {
          properties: { maxReservedConcurrency: integer(10) },
        },
      });
    });

    it("raises a rule's minimum from the pack config", async () => {
      const stack = [postgres({ backupRetentionPeriod: 14 })];
      expect(
        await violationsOf("rds-prod-backups", stack, { "rds-prod-backups": { minimumDays: 20 } }),
      ).to.have.length(1);
    });

    it("extends an allow-list from the pack config", async () => {
      const stack = [task({ linuxParameters: { capabilities: { add: ["SYS_TIME"] } } })];
      expect(await violationsOf("ecs-capabilities-allow-list", stack)).to.have.length(1);
      expect(
        await violationsOf("ecs-capabilities-allow-list", stack, {
          "ecs-capabilities-allow-list": { allowedCapabilities: ["NET_ADMIN", "SYS_TIME"] },
        }),
      ).to.be.empty;
    });

    it("skips a disabled rule and applies `all` below a rule's own entry", async () => {
      const stack = [postgres({ publiclyAccessible: true })];
      expect(
        await violationsOf("rds-not-publicly-accessible", stack, {
          "rds-not-publicly-accessible": "disabled",
        }),
      ).to.be.empty;
      const advisory = await violationsOf("rds-not-publicly-accessible", stack, {
        all: "advisory",
      });
      expect(advisory.map((v) => v.enforcementLevel)).to.deep.equal(["advisory"]);
      const own = await violationsOf("rds-not-publicly-accessible", stack, {
        all: "advisory",
        "rds-not-publicly-accessible": "mandatory",
      });
      expect(own.map((v) => v.enforcementLevel)).to.deep.equal(["mandatory"]);
    });

    it("counts the resources each rule does not apply to, per validator, as the analyzer does", async () => {
      const report = await evaluatePolicies(planOf([postgres()]), {});
      // rds-encrypted has a validator for clusters that the instance skips.
      expect(report.notApplicable["rds-encrypted"]).to.equal(1);
      expect(report.notApplicable).not.to.have.property("rds-not-publicly-accessible");
    });
  });

  it("reports deliberately broken resources with the rule, the resource and the remediation", async () => {
    const broken = planOf([
      postgres({ publiclyAccessible: true }),
      r(BUCKET, "leaky"),
      r(ROLE_POLICY, "god-mode", { policy: doc(allow("*", "*")) }),
    ]);
    const text = formatPolicyReport(await evaluatePolicies(broken, {}));
    expect(text).to.include("[mandatory] rds-not-publicly-accessible (RDS.2)");
    expect(text).to.include("- aws:rds/instance:Instance db: is publicly accessible");
    expect(text).to.include("fix: Set publiclyAccessible: false");
    expect(text).to.include("[mandatory] s3-block-public-access (S3.8)");
    expect(text).to.include("- aws:s3/bucket:Bucket leaky: has no public access block");
    expect(text).to.include("[mandatory] iam-no-admin-statements (IAM.1)");
    expect(text).to.include(
      '- aws:iam/rolePolicy:RolePolicy god-mode: a statement allows "*" on "*"',
    );
  });
});

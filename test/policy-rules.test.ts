/**
 * Every rule of the pack, both ways: compliant stacks raise nothing, violating ones are reported on
 * the right resource. Cases start from the real dev plan where the program already makes the type
 * (network, IAM, logs, tags) and from the shapes the components will produce elsewhere.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { rules } from "../policy/rules";
import { deployRules } from "../policy/rules/deploy";
import { isGravitonType } from "../policy/rules/network";
import type { Plan } from "../engine/engine";
import { evaluatePolicies, formatPolicyReport, type PackConfig } from "../engine/policy";
import { edit, planOf, spec, type Spec } from "./helpers/plan-builder";
import { cachedPlan } from "./helpers/plan-cli";

/** A stack to evaluate: specs on their own, or specs added to (an edit of) the real dev plan. */
type Stack = Spec[] | ((real: Plan) => Plan);

interface Case {
  rule: string;
  good: Stack[];
  /** Violating stacks, each with the name of the resource the violation must name. */
  bad: [Stack, string][];
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

const anywhere = (port: number, protocol = "tcp") => ({
  fromPort: port,
  toPort: port,
  protocol,
  cidrBlocks: ["0.0.0.0/0"],
});
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
const bucketWith = (extra: Spec[]) => [r(BUCKET, "uploads"), ...extra];
const publicAccessBlock = (restrictPublicBuckets: boolean) =>
  r(
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "pab",
    {
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets,
    },
    { bucket: ["uploads"] },
  );
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
const stageWithSettings = (settings: object) => [
  r(STAGE, "api-stage", { stageName: "v1" }),
  r(
    "aws:apigateway/methodSettings:MethodSettings",
    "api-settings",
    { methodPath: "*/*", settings },
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
const loggingLb = (enabled: unknown = true, inputs: object = {}) =>
  r(
    LB,
    "alb",
    {
      loadBalancerType: "application",
      accessLogs: { bucket: "logs", prefix: "elb/alb", enabled },
      ...inputs,
    },
    { accessLogs: ["logs"] },
  );
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
    good: [(real) => real],
    bad: [
      [[r(ROLE_POLICY, "admin", { policy: doc(allow("*", "*")) })], "admin"],
      [
        [
          r("aws:iam/role:Role", "inline", {
            inlinePolicies: [{ name: "all", policy: doc(allow(["*"], ["*"])) }],
          }),
        ],
        "inline",
      ],
      [
        [
          r("aws:iam/policy:Policy", "managed", {
            policy: { Version: "2012-10-17", Statement: allow("*", "*") },
          }),
        ],
        "managed",
      ],
    ],
  },
  {
    rule: "iam-no-service-wildcard-actions",
    good: [(real) => real],
    bad: [
      [
        [
          r("aws:iam/policy:Policy", "s3-all", {
            policy: doc(allow(["s3:*"], "arn:aws:s3:::b/*")),
          }),
        ],
        "s3-all",
      ],
    ],
  },
  {
    rule: "iam-roles-have-permissions-boundary",
    // The real plan: every role of the program carries it.
    good: [(real) => real],
    bad: [
      [[r("aws:iam/role:Role", "unbounded", { assumeRolePolicy: "{}" })], "unbounded"],
      [
        [
          r("aws:iam/role:Role", "wrong", {
            assumeRolePolicy: "{}",
            permissionsBoundary: "arn:aws:iam::aws:policy/AdministratorAccess-not-ours",
          }),
        ],
        "wrong",
      ],
    ],
  },
  {
    rule: "iam-no-passrole-on-any-role",
    good: [
      [
        r(ROLE_POLICY, "launch", {
          policy: doc(allow("iam:PassRole", "arn:aws:iam::123456789012:role/task")),
        }),
      ],
    ],
    bad: [
      [
        [r(ROLE_POLICY, "launch", { policy: doc(allow(["ecs:RunTask", "iam:PassRole"], "*")) })],
        "launch",
      ],
    ],
  },
  {
    rule: "iam-no-admin-managed-policies",
    good: [
      [
        r("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "basic", {
          policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        }),
      ],
    ],
    bad: [
      [
        [
          r("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "admin", {
            policyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
          }),
        ],
        "admin",
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
            policy: doc(allow("secretsmanager:GetSecretValue", `${SECRETS}app/db-AbCdEf`)),
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
      ],
      [
        [
          r(ROLE, "app-task", {
            inlinePolicies: [{ name: "secrets", policy: doc(allow("secretsmanager:*", "*")) }],
          }),
          { ...task({}), deps: { taskRoleArn: ["app-task"] } },
        ],
        "app-task",
      ],
    ],
  },
  {
    rule: "iam-trust-expected-services-only",
    good: [
      (real) => real,
      [
        r("aws:iam/role:Role", "task", {
          assumeRolePolicy: trust({ Service: "ecs-tasks.amazonaws.com" }),
        }),
      ],
    ],
    bad: [
      [
        [
          r("aws:iam/role:Role", "cross-account", {
            assumeRolePolicy: trust({ AWS: "arn:aws:iam::999999999999:root" }),
          }),
        ],
        "cross-account",
      ],
      [
        [
          r("aws:iam/role:Role", "sagemaker", {
            assumeRolePolicy: trust({ Service: "sagemaker.amazonaws.com" }),
          }),
        ],
        "sagemaker",
      ],
      [[r("aws:iam/role:Role", "anyone", { assumeRolePolicy: trust("*") })], "anyone"],
    ],
  },
  {
    rule: "iam-no-users",
    good: [(real) => real],
    bad: [[[r("aws:iam/user:User", "deployer")], "deployer"]],
  },
  // ---- network
  {
    rule: "sg-no-ssh-rdp-from-anywhere",
    good: [[r(SG, "alb-sg", { ingress: [anywhere(443)] })]],
    bad: [
      [[r(SG, "bastion", { ingress: [anywhere(22)] })], "bastion"],
      [
        [
          r("aws:ec2/securityGroupRule:SecurityGroupRule", "all", {
            type: "ingress",
            fromPort: 0,
            toPort: 0,
            protocol: "-1",
            ipv6CidrBlocks: ["::/0"],
          }),
        ],
        "all",
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
    ],
    bad: [
      [[r(SG, "orphan-sg", { ingress: [anywhere(443)] })], "orphan-sg"],
      [
        [
          r(SG, "alb-sg", { ingress: [anywhere(8080)] }),
          r(LB, "alb", {}, { securityGroups: ["alb-sg"] }),
          r(LISTENER, "alb-8081", { port: 8081, protocol: "HTTP" }, { loadBalancerArn: ["alb"] }),
        ],
        "alb-sg",
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
      ],
      [
        [
          r(SG, "db-sg"),
          r(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "db-open",
            { fromPort: 5432, toPort: 5432, ipProtocol: "tcp", cidrIpv4: "0.0.0.0/0" },
            { securityGroupId: ["db-sg"] },
          ),
        ],
        "db-open",
      ],
    ],
  },
  { rule: "vpc-flow-logs", good: [(real) => real], bad: [[without("home-flow-log"), "home-vpc"]] },
  {
    rule: "vpc-default-sg-no-rules",
    good: [(real) => real],
    bad: [
      [
        withInputs("home-default-sg", {
          ingress: [{ fromPort: 0, toPort: 0, protocol: "-1", self: true }],
        }),
        "home-default-sg",
      ],
    ],
  },
  {
    rule: "vpc-default-sg-adopted",
    good: [(real) => real],
    bad: [[without("remote-default-sg"), "remote-vpc"]],
  },
  {
    rule: "subnet-no-auto-public-ip",
    good: [(real) => real],
    bad: [[withInputs("home-public-0", { mapPublicIpOnLaunch: true }), "home-public-0"]],
  },
  {
    rule: "ec2-imdsv2-required",
    good: [
      [
        r("aws:ec2/launchTemplate:LaunchTemplate", "lt", {
          metadataOptions: { httpTokens: "required" },
        }),
      ],
    ],
    bad: [
      [
        [r("aws:ec2/instance:Instance", "vm", { metadataOptions: { httpTokens: "optional" } })],
        "vm",
      ],
    ],
  },
  {
    rule: "ec2-encrypted-volumes",
    good: [
      [
        r("aws:ec2/launchTemplate:LaunchTemplate", "lt", {
          blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true" } }],
        }),
      ],
    ],
    bad: [
      [[r("aws:ec2/launchTemplate:LaunchTemplate", "lt")], "lt"],
      [[r("aws:ebs/volume:Volume", "data", { encrypted: false })], "data"],
    ],
  },
  {
    rule: "ec2-no-public-ip",
    good: [
      [
        r("aws:ec2/launchTemplate:LaunchTemplate", "lt", {
          networkInterfaces: [{ associatePublicIpAddress: "false" }],
        }),
      ],
      // The dev plan's NAT instances, and one computed from a forwarding interface.
      (real) => real,
      natStack(),
      [r(INSTANCE, "nat-vm", { sourceDestCheck: false, associatePublicIpAddress: true })],
    ],
    bad: [
      [[r("aws:ec2/instance:Instance", "vm", { associatePublicIpAddress: true })], "vm"],
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
      [typedInputs(ENI, "home-nat-eni", { sourceDestCheck: true }), "home-private-nat-0"],
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
        "home-private-nat-1",
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
    good: [bucketWith([publicAccessBlock(true)])],
    bad: [
      [bucketWith([]), "uploads"],
      [bucketWith([publicAccessBlock(false)]), "uploads"],
    ],
  },
  {
    rule: "s3-encryption-configured",
    good: [
      bucketWith([
        r(
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          "sse",
          { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
          { bucket: ["uploads"] },
        ),
      ]),
    ],
    bad: [[bucketWith([]), "uploads"]],
  },
  {
    rule: "s3-deny-insecure-transport",
    good: [
      bucketWith([
        r(
          "aws:s3/bucketPolicy:BucketPolicy",
          "tls",
          {
            policy: doc({
              Effect: "Deny",
              Principal: "*",
              Action: "s3:*",
              Resource: ["arn:aws:s3:::uploads", "arn:aws:s3:::uploads/*"],
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            }),
          },
          { bucket: ["uploads"] },
        ),
      ]),
    ],
    bad: [
      [
        bucketWith([
          r(
            "aws:s3/bucketPolicy:BucketPolicy",
            "open",
            { policy: doc(allow("s3:GetObject", "arn:aws:s3:::uploads/*")) },
            { bucket: ["uploads"] },
          ),
        ]),
        "uploads",
      ],
    ],
  },
  {
    rule: "s3-no-public-acl",
    good: [[r("aws:s3/bucketAcl:BucketAcl", "acl", { acl: "private" })]],
    bad: [[[r("aws:s3/bucketAcl:BucketAcl", "acl", { acl: "public-read" })], "acl"]],
  },
  {
    rule: "rds-encrypted",
    good: [[postgres()]],
    bad: [[[r("aws:rds/cluster:Cluster", "aurora", { storageEncrypted: false })], "aurora"]],
  },
  {
    rule: "rds-not-publicly-accessible",
    good: [[postgres({ publiclyAccessible: false })]],
    bad: [[[postgres({ publiclyAccessible: true })], "db"]],
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
      ],
    ],
  },
  {
    rule: "rds-force-ssl",
    good: [
      [
        r("aws:rds/parameterGroup:ParameterGroup", "pg", {
          family: "postgres17",
          parameters: [{ name: "rds.force_ssl", value: "1" }],
        }),
        { ...postgres(), deps: { parameterGroupName: ["pg"] } },
      ],
    ],
    bad: [
      [[postgres()], "db"],
      [
        [
          r("aws:rds/parameterGroup:ParameterGroup", "pg", {
            parameters: [{ name: "rds.force_ssl", value: "0" }],
          }),
          { ...postgres(), deps: { parameterGroupName: ["pg"] } },
        ],
        "db",
      ],
    ],
  },
  {
    rule: "rds-no-timescaledb",
    good: [
      [
        r("aws:rds/parameterGroup:ParameterGroup", "pg", {
          parameters: [{ name: "shared_preload_libraries", value: "pg_stat_statements" }],
        }),
      ],
    ],
    bad: [
      [
        [
          r("aws:rds/parameterGroup:ParameterGroup", "pg", {
            parameters: [
              { name: "shared_preload_libraries", value: "pg_stat_statements,timescaledb" },
            ],
          }),
        ],
        "pg",
      ],
    ],
  },
  {
    rule: "rds-log-exports",
    good: [[postgres({ enabledCloudwatchLogsExports: ["postgresql", "upgrade"] })]],
    bad: [[[postgres()], "db"]],
  },
  {
    rule: "rds-prod-multi-az",
    good: [[postgres({ multiAz: true })]],
    bad: [[[postgres({ multiAz: false })], "db"]],
  },
  {
    rule: "rds-prod-deletion-protection",
    good: [[postgres({ deletionProtection: true })]],
    bad: [[[postgres()], "db"]],
  },
  {
    rule: "rds-prod-backups",
    good: [[postgres({ backupRetentionPeriod: 14 })]],
    bad: [[[postgres({ backupRetentionPeriod: 3 })], "db"]],
  },
  {
    rule: "rds-prod-final-snapshot",
    good: [[postgres({ skipFinalSnapshot: false, finalSnapshotIdentifier: "db-final" })]],
    bad: [[[postgres({ skipFinalSnapshot: true })], "db"]],
  },
  {
    rule: "elasticache-encrypted-at-rest",
    good: [[redis()]],
    bad: [
      [[redis({ atRestEncryptionEnabled: false })], "bus"],
      [[r("aws:elasticache/cluster:Cluster", "lone", { engine: "redis" })], "lone"],
    ],
  },
  {
    rule: "elasticache-encrypted-in-transit",
    good: [[redis()]],
    bad: [[[redis({ transitEncryptionEnabled: false })], "bus"]],
  },
  {
    rule: "elasticache-authentication",
    good: [[redis()]],
    bad: [[[redis({ authToken: undefined })], "bus"]],
  },
  {
    rule: "elasticache-prod-failover",
    good: [[redis({ numCacheClusters: 2, automaticFailoverEnabled: true, multiAzEnabled: true })]],
    bad: [[[redis({ numCacheClusters: 1 })], "bus"]],
  },
  {
    rule: "dynamodb-prod-pitr",
    good: [[r(TABLE, "sessions", { pointInTimeRecovery: { enabled: true } })]],
    bad: [[[r(TABLE, "sessions")], "sessions"]],
  },
  {
    rule: "dynamodb-prod-deletion-protection",
    good: [[r(TABLE, "sessions", { deletionProtectionEnabled: true })]],
    bad: [[[r(TABLE, "sessions")], "sessions"]],
  },
  {
    rule: "kms-key-rotation",
    good: [
      [r("aws:kms/key:Key", "k", { enableKeyRotation: true })],
      [r("aws:kms/key:Key", "signing", { customerMasterKeySpec: "RSA_2048" })],
    ],
    bad: [[[r("aws:kms/key:Key", "k")], "k"]],
  },
  {
    rule: "secretsmanager-prod-recovery-window",
    good: [[r("aws:secretsmanager/secret:Secret", "token")]],
    bad: [[[r("aws:secretsmanager/secret:Secret", "token", { recoveryWindowInDays: 0 })], "token"]],
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
      [without("arbees-remote-market-gateway-polymarket-task"), "arbees-db-url"],
      [without("arbees-remote-market-gateway-polymarket-task"), "arbees-redis-url"],
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
    good: [[fn()], [fn({ packageType: "Image", runtime: undefined })]],
    bad: [[[fn({ runtime: "nodejs16.x" })], "events"]],
  },
  {
    rule: "lambda-xray-active",
    good: [[fn()]],
    bad: [[[fn({ tracingConfig: { mode: "PassThrough" } })], "events"]],
  },
  {
    rule: "lambda-vpc-private-subnets",
    good: [onReal({ ...fn(), deps: { vpcConfig: ["home-private-0", "home-private-1"] } })],
    bad: [[onReal({ ...fn(), deps: { vpcConfig: ["home-public-0"] } }), "events"]],
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
              },
            },
          }),
        ],
        "events",
      ],
      [[fn({ environment: { variables: { DB_PASSWORD: "hunter2hunter2" } } })], "events"],
      [[fn({ environment: { variables: { SUPABASE_SERVICE_KEY: "[secret]" } } })], "events"],
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
      ],
    ],
    bad: [
      [[r(PERMISSION, "p", { principal: "*" })], "p"],
      [[r(PERMISSION, "p", { principal: "events.amazonaws.com" })], "p"],
    ],
  },
  {
    rule: "ecs-not-privileged",
    good: [[task({})]],
    bad: [[[task({ privileged: true })], "gateway-task"]],
  },
  {
    rule: "ecs-capabilities-allow-list",
    good: [[task({ linuxParameters: { capabilities: { add: ["NET_ADMIN"] } } })]],
    bad: [
      [
        [task({ linuxParameters: { capabilities: { add: ["NET_ADMIN", "SYS_ADMIN"] } } })],
        "gateway-task",
      ],
    ],
  },
  {
    rule: "ecs-logging",
    good: [[task({})]],
    bad: [[[task({ logConfiguration: undefined })], "gateway-task"]],
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
        [task({ environment: [{ name: "REDIS_PASSWORD", value: "s3cr3t-value" }] })],
        "gateway-task",
      ],
    ],
  },
  {
    rule: "ecs-awsvpc-network-mode",
    good: [[task({})]],
    bad: [[[task({}, { networkMode: "host" })], "gateway-task"]],
  },
  {
    rule: "ecs-no-public-ip",
    good: [
      [r("aws:ecs/service:Service", "svc", { networkConfiguration: { assignPublicIp: false } })],
    ],
    bad: [
      [
        [r("aws:ecs/service:Service", "svc", { networkConfiguration: { assignPublicIp: true } })],
        "svc",
      ],
    ],
  },
  {
    rule: "ecs-prod-container-insights",
    good: [
      [
        r("aws:ecs/cluster:Cluster", "c", {
          settings: [{ name: "containerInsights", value: "enhanced" }],
        }),
      ],
    ],
    bad: [[[r("aws:ecs/cluster:Cluster", "c")], "c"]],
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
    good: [[r(REPO, "app", { imageScanningConfiguration: { scanOnPush: true } })]],
    bad: [[[r(REPO, "app")], "app"]],
  },
  {
    rule: "ecr-lifecycle-policy",
    good: [
      [
        r(REPO, "app"),
        r(
          "aws:ecr/lifecyclePolicy:LifecyclePolicy",
          "app-lc",
          { policy: "{}" },
          { repository: ["app"] },
        ),
      ],
    ],
    bad: [[[r(REPO, "app")], "app"]],
  },
  {
    rule: "ecr-prod-immutable-tags",
    good: [[r(REPO, "app", { imageTagMutability: "IMMUTABLE" })]],
    bad: [[[r(REPO, "app", { imageTagMutability: "MUTABLE" })], "app"]],
  },
  {
    rule: "scheduler-explicit-time-zone",
    good: [
      [schedule({})],
      [schedule({ scheduleExpression: "rate(5 minutes)", scheduleExpressionTimezone: undefined })],
    ],
    bad: [[[schedule({ scheduleExpressionTimezone: undefined })], "minute"]],
  },
  {
    rule: "scheduler-dead-letter-queue",
    good: [[schedule({})]],
    bad: [
      [
        [schedule({ target: { arn: "arn:aws:lambda:us-east-1:123456789012:function:f" } })],
        "minute",
      ],
    ],
  },
  // ---- api
  {
    rule: "apigw-method-authorization",
    good: [
      api(
        method("get-events", "GET", "api-events", "COGNITO_USER_POOLS"),
        method("options-events", "OPTIONS", "api-events", "NONE"),
        method("get-health", "GET", "api-health", "NONE"),
      ),
    ],
    bad: [[api(method("post-launch", "POST", "api-launch", "NONE")), "post-launch"]],
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
    bad: [[[r(STAGE, "stage")], "stage"]],
  },
  {
    rule: "apigw-stage-throttling",
    good: [stageWithSettings({ throttlingRateLimit: 500, throttlingBurstLimit: 1000 })],
    bad: [[[r(STAGE, "api-stage")], "api-stage"]],
  },
  {
    rule: "apigw-execution-logging",
    good: [stageWithSettings({ loggingLevel: "ERROR" })],
    bad: [[stageWithSettings({ loggingLevel: "OFF" }), "api-stage"]],
  },
  {
    rule: "apigw-prod-xray",
    good: [[r(STAGE, "stage", { xrayTracingEnabled: true })]],
    bad: [[[r(STAGE, "stage")], "stage"]],
  },
  {
    rule: "apigw-lambda-permission-scoped",
    good: [
      [
        r(PERMISSION, "p", {
          principal: "apigateway.amazonaws.com",
          sourceArn: "arn:aws:execute-api:us-east-1:123456789012:abc/*/GET/events",
        }),
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
      ],
    ],
  },
  {
    rule: "cognito-password-policy",
    good: [[r(POOL, "users", { passwordPolicy: { minimumLength: 12, requireSymbols: true } })]],
    bad: [[[r(POOL, "users", { passwordPolicy: { minimumLength: 8 } })], "users"]],
  },
  {
    rule: "cognito-threat-protection",
    good: [[r(POOL, "users", { userPoolAddOns: { advancedSecurityMode: "ENFORCED" } })]],
    bad: [[[r(POOL, "users", { userPoolAddOns: { advancedSecurityMode: "AUDIT" } })], "users"]],
  },
  {
    rule: "alb-modern-tls-policy",
    good: [
      [
        r(LISTENER, "https", {
          protocol: "HTTPS",
          sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        }),
      ],
    ],
    bad: [
      [
        [r(LISTENER, "https", { protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-2016-08" })],
        "https",
      ],
    ],
  },
  {
    rule: "alb-prod-http-redirects-to-https",
    good: [
      [
        r(LISTENER, "http", {
          protocol: "HTTP",
          defaultActions: [
            {
              type: "redirect",
              redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" },
            },
          ],
        }),
      ],
    ],
    bad: [
      [
        [
          r(LISTENER, "http", {
            protocol: "HTTP",
            defaultActions: [{ type: "forward", targetGroupArn: "arn" }],
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
      [r(LB, "nlb", { loadBalancerType: "network" })],
    ],
    bad: [[[r(LB, "alb", { loadBalancerType: "application" })], "alb"]],
  },
  {
    rule: "alb-prod-deletion-protection",
    good: [[r(LB, "alb", { enableDeletionProtection: true })]],
    bad: [[[r(LB, "alb")], "alb"]],
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
      // A bucket outside the stack, by name.
      [
        r(LB, "nlb", {
          loadBalancerType: "network",
          accessLogs: { bucket: "central-logs", enabled: true },
        }),
      ],
      // Gateway load balancers have no access logs.
      [r(LB, "gwlb", { loadBalancerType: "gateway" })],
    ],
    bad: [
      [[r(LB, "alb", { loadBalancerType: "application" })], "alb"],
      [[r(LB, "alb")], "alb"],
      [withDependsOn([...logBucket(), loggingLb(false)], "alb", "logs-policy"), "alb"],
      [withDependsOn([...logBucket(), loggingLb("false")], "alb", "logs-policy"), "alb"],
      [[r(LB, "alb", { accessLogs: { enabled: true } })], "alb"],
      // Configured while ELB may not yet write: the policy is not among its dependencies.
      [[...logBucket(), loggingLb()], "alb"],
      [[r(BUCKET, "logs"), loggingLb()], "alb"],
    ],
  },
  {
    rule: "s3-prod-server-access-logs",
    good: [
      [r(BUCKET, "uploads"), ...logBucket(), serverLogs("uploads")],
      // A log bucket is exempt, whether a writer names it or only its policy lets S3 deliver.
      logBucket(),
      [
        r(BUCKET, "logs"),
        r(LB, "alb", { accessLogs: { enabled: true } }, { accessLogs: ["logs"] }),
      ],
    ],
    bad: [
      [[r(BUCKET, "uploads")], "uploads"],
      [[r(BUCKET, "uploads"), r(BUCKET, "other"), ...logBucket(), serverLogs("other")], "uploads"],
      // A policy letting another service write does not make a log bucket.
      [
        [
          r(BUCKET, "uploads"),
          r(
            BUCKET_POLICY,
            "uploads-policy",
            {
              policy: doc({
                ...s3Delivery,
                Principal: { Service: "cloudfront.amazonaws.com" },
              }),
            },
            { bucket: ["uploads"] },
          ),
        ],
        "uploads",
      ],
    ],
  },
  {
    rule: "s3-access-log-bucket-retention",
    good: [
      [r(BUCKET, "uploads"), ...logBucket(), serverLogs("uploads")],
      [...logBucket(expiring("Enabled", { date: "2030-01-01T00:00:00Z" }))],
      // A bucket that receives no logs is not held to it.
      [r(BUCKET, "uploads")],
    ],
    bad: [
      [
        [r(BUCKET, "uploads"), r(BUCKET, "logs"), logPolicy(denyHttp), serverLogs("uploads")],
        "logs",
      ],
      [logBucket(expiring("Disabled")), "logs"],
      [logBucket(expiring("Enabled", {})), "logs"],
      [logBucket(logPolicy(s3Delivery)), "logs"],
      [[r(BUCKET, "logs"), expiring(), loggingLb()], "logs"],
    ],
  },
  {
    rule: "logs-retention",
    good: [(real) => real],
    bad: [
      [withInputs("home-flow-logs", { retentionInDays: 7 }), "home-flow-logs"],
      [withInputs("remote-flow-logs", { retentionInDays: undefined }), "remote-flow-logs"],
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
      [[fn()], "events"],
      [[fn(), r(LOG_GROUP, "events-logs", {}, { name: ["events"] })], "events"],
    ],
  },
  // ---- tagging
  {
    rule: "tags-required",
    good: [
      (real) => real,
      [
        {
          ...r("aws:ec2/vpc:Vpc", "tagged-by-hand", {
            tags: { project: "p", environment: "dev", "managed-by": "pulumi" },
          }),
          provider: "bare",
        },
      ],
    ],
    bad: [
      [
        [{ ...r("aws:ec2/vpc:Vpc", "untagged", { tags: { Name: "x" } }), provider: "bare" }],
        "untagged",
      ],
    ],
  },
  // ---- cost
  {
    rule: "cost-dev-instance-sizes",
    good: [[postgres(), redis()]],
    bad: [
      [[postgres({ instanceClass: "db.r6g.xlarge" })], "db"],
      [[redis({ nodeType: "cache.r7g.large" })], "bus"],
    ],
  },
  {
    rule: "cost-dev-single-nat",
    good: [(real) => real],
    bad: [
      [
        [
          r("aws:ec2/vpc:Vpc", "v"),
          r("aws:ec2/subnet:Subnet", "s0", {}, { vpcId: ["v"] }),
          r("aws:ec2/subnet:Subnet", "s1", {}, { vpcId: ["v"] }),
          r("aws:ec2/natGateway:NatGateway", "n0", {}, { subnetId: ["s0"] }),
          r("aws:ec2/natGateway:NatGateway", "n1", {}, { subnetId: ["s1"] }),
        ],
        "v",
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
  const violationsOf = async (rule: string, stack: Stack, config: PackConfig = {}) => {
    const report = await evaluatePolicies(build(stack), config);
    return report.violations.filter((v) => v.policy === rule);
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
          expect(await violationsOf(c.rule, stack, c.config)).to.deep.equal([]);
        });
      });
      c.bad.forEach(([stack, target], i) => {
        it(`reports violating stack ${i + 1} on ${target}`, async () => {
          const found = await violationsOf(c.rule, stack, c.config);
          expect(found.map((v) => v.resource?.name)).to.include(target);
          expect(found[0]!.remediation).to.have.length.greaterThan(10);
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

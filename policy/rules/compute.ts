/** Compute: Lambda, ECS, ECR images and EventBridge schedules. */
import {
  asArray,
  asRecord,
  isTrue,
  json,
  ofType,
  publicSubnets,
  publicSubnetsIn,
  resourceRule,
  secretLooking,
  stackRule,
  withoutCompanion,
  strings,
  text,
  type Props,
} from "./common";
import { launchesSpot } from "./deploy";
import { FUNCTION, TASK_DEFINITION } from "./types";

const REPOSITORY = "aws:ecr/repository:Repository";

// ---- Lambda ---------------------------------------------------------------------------------

/** Runtimes AWS still supports and the platform uses; config can extend the list. */
export const DEFAULT_RUNTIMES = [
  "nodejs20.x",
  "nodejs22.x",
  "nodejs24.x",
  "python3.12",
  "python3.13",
  "provided.al2023",
];

export const lambdaRuntime = resourceRule({
  name: "lambda-supported-runtime",
  description: "Zip-packaged functions run on a supported runtime from the allow-list.",
  controls: ["Lambda.2"],
  remediation: "Use nodejs22.x (the platform's default) or another runtime of allowedRuntimes.",
  configSchema: {
    properties: {
      allowedRuntimes: { type: "array", items: { type: "string" }, default: DEFAULT_RUNTIMES },
    },
  },
  checks: {
    [FUNCTION]: (props, args) => {
      if (props.packageType === "Image") return [];
      const allowed =
        args.getConfig<{ allowedRuntimes?: string[] }>().allowedRuntimes ?? DEFAULT_RUNTIMES;
      const runtime = text(props.runtime, "none");
      return allowed.includes(runtime)
        ? []
        : [`runtime ${runtime} is not in ${allowed.join(", ")}`];
    },
  },
});

export const lambdaTracing = resourceRule({
  name: "lambda-xray-active",
  description: "Functions trace with X-Ray in Active mode.",
  controls: ["Lambda.7"],
  severity: "low",
  remediation: 'Set tracingConfig: { mode: "Active" }.',
  checks: {
    [FUNCTION]: (props) =>
      asRecord(props.tracingConfig).mode === "Active" ? [] : ["does not trace with X-Ray"],
  },
});

export const lambdaPrivateSubnets = stackRule({
  name: "lambda-vpc-private-subnets",
  description: "Functions attached to a VPC use private subnets only.",
  controls: [],
  remediation: "Attach the function to the Network's privateSubnetIds (egress through NAT).",
  check: (resources) => {
    const pub = publicSubnets(resources);
    return ofType(resources, FUNCTION).flatMap((fn) => {
      const exposed = publicSubnetsIn(fn, "vpcConfig", pub);
      return exposed.length > 0
        ? [
            {
              resource: fn,
              message: `runs in public subnets ${exposed.map((s) => s.name).join(", ")}`,
            },
          ]
        : [];
    });
  },
});

export const lambdaNoSecretEnvironment = resourceRule({
  name: "lambda-no-secret-environment",
  description:
    "No Lambda environment variable holds a secret-looking value (private keys, AWS keys, passwords, tokens).",
  controls: [],
  severity: "critical",
  remediation:
    "Store the secret in Secrets Manager, pass its ARN (a *_SECRET_ARN variable) and read it with Powertools Parameters.",
  checks: {
    [FUNCTION]: (props) =>
      Object.entries(asRecord(asRecord(props.environment).variables))
        .map(([name, value]) => secretLooking(name, value))
        .filter((m): m is string => m !== undefined),
  },
});

export const lambdaNotPublic = resourceRule({
  name: "lambda-permission-not-public",
  description:
    "Lambda permissions never grant invocation to everyone, and service grants name their source.",
  controls: ["Lambda.1"],
  severity: "critical",
  remediation: 'Grant a service principal with sourceArn (or sourceAccount); never principal "*".',
  checks: {
    "aws:lambda/permission:Permission": (props) => {
      const principal = text(props.principal, "");
      if (principal === "*") return ["lets anyone invoke the function"];
      if (principal.endsWith(".amazonaws.com") && !props.sourceArn && !props.sourceAccount) {
        return [`lets ${principal} invoke the function for any account's resource`];
      }
      return [];
    },
  },
});

// ---- ECS ------------------------------------------------------------------------------------

interface Container {
  name?: string;
  privileged?: boolean;
  linuxParameters?: { capabilities?: { add?: string[] } };
  logConfiguration?: { logDriver?: string };
  environment?: { name: string; value: string }[];
  secrets?: { name: string; valueFrom: string }[];
}

function containers(props: Props): Container[] {
  return asArray<Container>(json(props.containerDefinitions));
}

/** One check over every container of a task definition. */
function eachContainer(check: (c: Container, props: Props) => string[]) {
  return {
    [TASK_DEFINITION]: (props: Props) =>
      containers(props).flatMap((c) =>
        check(c, props).map((m) => `container ${c.name ?? "?"} ${m}`),
      ),
  };
}

export const ecsNotPrivileged = resourceRule({
  name: "ecs-not-privileged",
  description: "No container runs privileged.",
  controls: ["ECS.4"],
  remediation:
    "Drop privileged; add the one Linux capability the container needs (see ecs-capabilities-allow-list).",
  checks: eachContainer((c) => (c.privileged ? ["runs privileged"] : [])),
});

export const DEFAULT_CAPABILITIES = ["NET_ADMIN"];

export const ecsCapabilities = resourceRule({
  name: "ecs-capabilities-allow-list",
  description:
    "Containers add Linux capabilities only from the pack config's allow-list (the VPN sidecar's NET_ADMIN).",
  controls: [],
  remediation:
    "Remove the capability, or add it to allowedCapabilities in policy/<stack>.json with a reason.",
  configSchema: {
    properties: {
      allowedCapabilities: {
        type: "array",
        items: { type: "string" },
        default: DEFAULT_CAPABILITIES,
      },
    },
  },
  checks: {
    [TASK_DEFINITION]: (props, args) => {
      const allowed =
        args.getConfig<{ allowedCapabilities?: string[] }>().allowedCapabilities ??
        DEFAULT_CAPABILITIES;
      return containers(props).flatMap((c) =>
        strings(c.linuxParameters?.capabilities?.add)
          .filter((cap) => !allowed.includes(cap))
          .map((cap) => `container ${c.name ?? "?"} adds ${cap}`),
      );
    },
  },
});

export const ecsLogging = resourceRule({
  name: "ecs-logging",
  description: "Every container sends its logs to CloudWatch Logs (awslogs).",
  controls: ["ECS.9"],
  severity: "medium",
  remediation:
    'Set logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": ..., "awslogs-region": ... } }.',
  checks: eachContainer((c) =>
    c.logConfiguration?.logDriver === "awslogs" ? [] : ["does not log to CloudWatch"],
  ),
});

export const ecsSecretsFromValueFrom = resourceRule({
  name: "ecs-secrets-by-reference",
  description:
    "Containers take secrets through `secrets`/`valueFrom`, never as environment values.",
  controls: ["ECS.8"],
  severity: "critical",
  remediation:
    "Move the value to Secrets Manager and list it under secrets: [{ name, valueFrom: <secret ARN> }].",
  checks: eachContainer((c) =>
    asArray<{ name: string; value: unknown }>(c.environment)
      .map((e) => secretLooking(e.name, e.value))
      .filter((m): m is string => m !== undefined),
  ),
});

export const ecsNetworkMode = resourceRule({
  name: "ecs-awsvpc-network-mode",
  description:
    "Task definitions use the awsvpc network mode (a security group per task), never host.",
  controls: ["ECS.1"],
  remediation: 'Set networkMode: "awsvpc".',
  checks: {
    [TASK_DEFINITION]: (props) =>
      props.networkMode === "awsvpc"
        ? []
        : [`uses network mode ${text(props.networkMode, "bridge")}`],
  },
});

export const ecsNoPublicIp = resourceRule({
  name: "ecs-no-public-ip",
  description: "ECS services do not assign public IPs to their tasks.",
  controls: ["ECS.2"],
  remediation: "Run tasks in private subnets with assignPublicIp: false.",
  checks: {
    "aws:ecs/service:Service": (props) =>
      isTrue(asRecord(props.networkConfiguration).assignPublicIp) ? ["assigns public IPs"] : [],
  },
});

export const ecsContainerInsights = resourceRule({
  name: "ecs-prod-container-insights",
  description:
    "In prod, ECS clusters have Container Insights on (dev may turn it off to save its custom metrics: platform:containerInsights).",
  controls: ["ECS.12"],
  only: "prod",
  severity: "medium",
  remediation:
    'Set settings: [{ name: "containerInsights", value: "enabled" }] ("enhanced" also passes).',
  checks: {
    "aws:ecs/cluster:Cluster": (props) =>
      asArray<Props>(props.settings).some(
        (s) => s.name === "containerInsights" && ["enabled", "enhanced"].includes(String(s.value)),
      )
        ? []
        : ["has Container Insights off"],
  },
});

// ---- EC2 ------------------------------------------------------------------------------------

export const ec2ProdOnDemand = resourceRule({
  name: "ec2-prod-on-demand",
  description:
    "In prod, Auto Scaling groups launch on-demand instances: Spot interruptions are for dev (platform:ec2Spot).",
  controls: [],
  only: "prod",
  severity: "medium",
  remediation:
    "Leave platform:ec2Spot unset in prod (or false), or set the group's onDemandPercentageAboveBaseCapacity to 100.",
  checks: {
    "aws:autoscaling/group:Group": (props) =>
      launchesSpot(props) ? ["launches Spot instances (mixed instances policy)"] : [],
  },
});

// ---- ECR ------------------------------------------------------------------------------------

export const ecrScanOnPush = resourceRule({
  name: "ecr-scan-on-push",
  description: "ECR repositories scan images on push.",
  controls: ["ECR.1"],
  severity: "medium",
  remediation: "Set imageScanningConfiguration: { scanOnPush: true }.",
  checks: {
    [REPOSITORY]: (props) =>
      isTrue(asRecord(props.imageScanningConfiguration).scanOnPush)
        ? []
        : ["does not scan on push"],
  },
});

export const ecrLifecyclePolicy = stackRule({
  name: "ecr-lifecycle-policy",
  description: "Every ECR repository has a lifecycle policy.",
  controls: ["ECR.3"],
  severity: "medium",
  remediation:
    "Add aws.ecr.LifecyclePolicy expiring untagged images and keeping the last N tagged ones.",
  check: (resources) =>
    withoutCompanion(
      resources,
      REPOSITORY,
      "aws:ecr/lifecyclePolicy:LifecyclePolicy",
      "repository",
      "has no lifecycle policy",
    ),
});

export const ecrImmutableTags = resourceRule({
  name: "ecr-prod-immutable-tags",
  description: "In prod, ECR image tags are immutable.",
  controls: ["ECR.2"],
  only: "prod",
  severity: "medium",
  remediation: 'Set imageTagMutability: "IMMUTABLE" and deploy by digest.',
  checks: {
    [REPOSITORY]: (props) =>
      text(props.imageTagMutability, "MUTABLE").startsWith("IMMUTABLE") ? [] : ["has mutable tags"],
  },
});

// ---- EventBridge Scheduler ------------------------------------------------------------------

export const schedulerTimeZone = resourceRule({
  name: "scheduler-explicit-time-zone",
  description:
    "Cron schedules name their time zone, so wall-clock windows survive daylight saving time.",
  controls: [],
  severity: "medium",
  remediation: 'Set scheduleExpressionTimezone (e.g. "America/New_York").',
  checks: {
    "aws:scheduler/schedule:Schedule": (props) =>
      text(props.scheduleExpression, "").startsWith("cron(") && !props.scheduleExpressionTimezone
        ? ["runs a cron expression in UTC by default"]
        : [],
  },
});

export const schedulerDeadLetters = resourceRule({
  name: "scheduler-dead-letter-queue",
  description:
    "Schedule targets have a retry policy and a dead-letter queue, so failed invocations are kept.",
  controls: [],
  severity: "medium",
  remediation: "Set target.deadLetterConfig.arn to an SQS queue and target.retryPolicy.",
  checks: {
    "aws:scheduler/schedule:Schedule": (props) => {
      const target = asRecord(props.target);
      return [
        ...(asRecord(target.deadLetterConfig).arn ? [] : ["has no dead-letter queue"]),
        ...(target.retryPolicy ? [] : ["has no retry policy"]),
      ];
    },
  },
});

export const computeRules = [
  lambdaRuntime,
  lambdaTracing,
  lambdaPrivateSubnets,
  lambdaNoSecretEnvironment,
  lambdaNotPublic,
  ecsNotPrivileged,
  ecsCapabilities,
  ecsLogging,
  ecsSecretsFromValueFrom,
  ecsNetworkMode,
  ecsNoPublicIp,
  ecsContainerInsights,
  ec2ProdOnDemand,
  ecrScanOnPush,
  ecrLifecyclePolicy,
  ecrImmutableTags,
  schedulerTimeZone,
  schedulerDeadLetters,
];

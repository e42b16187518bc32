import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AccessLogDestination } from "./access-log-bucket";
import { ec2Capacity, type Ec2CapacitySize, type Ec2CapacityTransforms } from "./ec2-capacity";
import { ecsCluster } from "./ecs-cluster";
import {
  capacityFor,
  containerDefinitions,
  fargateSizeProblem,
  rulePriorities,
  SPOT_STOP_TIMEOUT,
  taskDefinitionArgs,
  type Launch,
  type VpnSidecar,
} from "./ecs-tasks";
import type { Network } from "./network";
import type { EnvironmentProfile, LogRetentionDays } from "./profile";
import {
  PublicLoadBalancer,
  ruleConditions,
  type LoadBalancerAttachment,
  type PriorityRange,
  type PublicLoadBalancerTransforms,
} from "./public-load-balancer";
import type { SharedLoadBalancerSlot } from "./shared-load-balancer";
import { taskRuntime } from "./task-runtime";
import { transform, type Transform } from "./transform";

/** The VPN sidecar of a service; `outboundSubnets` come from the gateway (local + peer VPCs). */
export type ServiceVpn = Omit<VpnSidecar, "outboundSubnets" | "image" | "secretArn"> & {
  image: pulumi.Input<string>;
  secretArn: pulumi.Input<string>;
  /** WireGuard endpoint port the sidecar dials out to. @default 51820 */
  port?: number;
};

/** Routes from the load balancer to a service, and how the load balancer checks its tasks. */
export interface ServiceIngress {
  pathPatterns: string[];
  /** Listener rule priority, 1 to 50000. @default by specificity, in steps of 10 */
  priority?: number;
  /** @default "/health" */
  healthCheckPath?: string;
  /**
   * The target group's health check: every `interval` seconds, healthy after `healthyThreshold`
   * answers in `matcher`, unhealthy after `unhealthyThreshold` failures.
   * @default { interval: 15, healthyThreshold: 2, unhealthyThreshold: 3, matcher: "200-399" }
   */
  healthCheck?: {
    interval?: number;
    healthyThreshold?: number;
    unhealthyThreshold?: number;
    matcher?: string;
  };
  /** Seconds a leaving task keeps serving the requests it has. @default 30 */
  deregistrationDelay?: number;
  /** Seconds ECS ignores failed health checks of a starting task. @default 60 */
  healthCheckGracePeriod?: number;
}

/** Target tracking between `min` and `max` tasks. */
export interface ServiceAutoscaling {
  min: number;
  max: number;
  /** Average CPU, in percent, to track. @default undefined (not tracked) */
  cpuTarget?: number;
  /** Average memory, in percent, to track. @default undefined (not tracked) */
  memoryTarget?: number;
  /** Seconds after a scale-in before the next one. @default 120 */
  scaleInCooldown?: number;
  /** Seconds after a scale-out before the next one. @default 60 */
  scaleOutCooldown?: number;
}

export interface GatewayService {
  /** Lowercase name: part of every resource name. */
  name: string;
  /** Full image reference (a digest or a tag from config in the program's ECR repository). */
  image: pulumi.Input<string>;
  /** Task CPU units and memory (MB). */
  cpu: number;
  memory: number;
  /** Container port; required with `ingress`. */
  port?: number;
  command?: string[];
  /** Non-secret environment. @default {} */
  environment?: Record<string, string>;
  /** Name → Secrets Manager ARN, delivered through `secrets`/`valueFrom`. @default {} */
  secrets?: Record<string, pulumi.Input<string>>;
  /** @default 1 */
  desiredCount?: number;
  /** Target tracking on CPU and/or memory between min and max tasks. */
  autoscaling?: ServiceAutoscaling;
  /** Routes from the load balancer: path patterns, optional priority, health check. */
  ingress?: ServiceIngress;
  /** Where it runs; a VPN sidecar needs `ec2`. @default "fargate" */
  launch?: Launch;
  vpn?: ServiceVpn;
  /**
   * Rolling deployments: the percent of `desiredCount` kept running, and the most running at once.
   * @default { minimumHealthyPercent: 100, maximumPercent: 200 }
   */
  deployment?: { minimumHealthyPercent?: number; maximumPercent?: number };
  /**
   * Why the service must not run yet (its image is not pushed, say). While set, the service is
   * created with 0 tasks (autoscaling's minimum 0), tagged `parked` with the reason, and previews
   * warn with it; once it resolves to undefined, the next update starts the tasks.
   * @default undefined (runs)
   */
  parkedReason?: pulumi.Input<string | undefined>;
  /**
   * What the service reads at start and must wait for: the secret versions behind `secrets` and
   * the VPN's secret (ECS reads their AWSCURRENT value when a task starts).
   * @default []
   */
  waitFor?: pulumi.Resource[];
}

/** An alarm over `evaluationPeriods` periods of `period` seconds. */
export interface AlarmWindow {
  period?: number;
  evaluationPeriods?: number;
}

export interface GatewayAlarms {
  /**
   * Services answered `threshold` or more 5xx within `period` seconds: the gateway's own load
   * balancer's count, or each routed service's (its target group's) on a shared one, which
   * counts other workloads' answers too.
   * @default { threshold: 10, period: 300 }
   */
  serverErrors?: { threshold?: number; period?: number };
  /**
   * Each routed service's: a target failing health checks through the window.
   * @default { period: 60, evaluationPeriods: 3 }
   */
  unhealthyTargets?: AlarmWindow;
  /**
   * Each service's: fewer tasks running than wanted through the window. With Container Insights
   * on, Insights' RunningTaskCount against the wanted count; off, no task running at all (ECS sends
   * a service's free AWS/ECS CPUUtilization only while it has a RUNNING task), which is the same
   * alarm for a service that wants one task.
   * @default { period: 60, evaluationPeriods: 5 }
   */
  runningTasks?: AlarmWindow;
}

/**
 * Escape hatches: each hook edits one kind of child's args after the gateway has set them. Hooks
 * over per-service children get the child's name (`<gateway>-<service>-<suffix>`) as third argument.
 */
export interface GatewayTransforms {
  /** The ECS cluster (Container Insights as `containerInsights` says). */
  cluster?: Transform<aws.ecs.ClusterArgs>;
  /** The cluster's capacity providers and default strategy. */
  capacityProviders?: Transform<aws.ecs.ClusterCapacityProvidersArgs>;
  /** The EC2 capacity's launch template, Auto Scaling group and capacity provider. */
  ec2?: Ec2CapacityTransforms;
  /** The SNS topic every alarm notifies. */
  alarmTopic?: Transform<aws.sns.TopicArgs>;
  /**
   * Every alarm: `-alb-5xx` (each routed service's `-5xx` on a shared load balancer), each routed
   * service's `-unhealthy`, each service's `-running`.
   */
  alarm?: Transform<aws.cloudwatch.MetricAlarmArgs>;
  /** The gateway's own public load balancer's children (a shared one has its own hooks). */
  loadBalancer?: PublicLoadBalancerTransforms;
  /** The group every service carries (what data stores admit). */
  servicesGroup?: Transform<aws.ec2.SecurityGroupArgs>;
  /** Each service's own security group (`-sg`). */
  securityGroup?: Transform<aws.ec2.SecurityGroupArgs>;
  /** Each service's log group (`-logs`). */
  logGroup?: Transform<aws.cloudwatch.LogGroupArgs>;
  /** Each service's execution role (`-execution`): ECR pull, logs, secrets. */
  executionRole?: Transform<aws.iam.RoleArgs>;
  /** Each service's task role (`-task`), which the app runs as. */
  taskRole?: Transform<aws.iam.RoleArgs>;
  /** Each service's task definition (`-task`). */
  taskDefinition?: Transform<aws.ecs.TaskDefinitionArgs>;
  /** Each ECS service (`-service`). */
  service?: Transform<aws.ecs.ServiceArgs>;
  /** Each routed service's target group (`-tg`). */
  targetGroup?: Transform<aws.lb.TargetGroupArgs>;
  /** Each routed service's listener rule (`-rule`). */
  listenerRule?: Transform<aws.lb.ListenerRuleArgs>;
  /** Each autoscaled service's scalable target (`-scaling`). */
  scalingTarget?: Transform<aws.appautoscaling.TargetArgs>;
  /** Each autoscaled service's target tracking policies (`-cpu`, `-memory`). */
  scalingPolicy?: Transform<aws.appautoscaling.PolicyArgs>;
}

export interface GatewayArgs {
  /** The region's network: tasks in its private subnets, the ALB in its public ones. */
  network: Network;
  services: GatewayService[];
  /**
   * A public ALB in front of the services with `ingress`. With `domainName` (and a Route 53 zone)
   * it serves HTTPS with an ACM certificate validated in the zone and redirects HTTP; without, it
   * serves plain HTTP, which only `allowHttp` (dev) permits.
   */
  loadBalancer?: {
    domainName?: string;
    hostedZoneId?: string;
    allowHttp?: boolean;
    /**
     * The gateway's own load balancer's access logs (a shared one has its own).
     * @default undefined (none; the policy pack requires them in prod)
     */
    accessLogs?: AccessLogDestination;
    /**
     * The region's shared load balancer to attach to instead of building one: a listener on its
     * port without a domain, the domain on the shared HTTPS listener with one, its block of rule
     * priorities either way (`ingress.priority` counts from the block's start).
     * @default undefined (a load balancer of the gateway's own, `<name>-alb`)
     */
    shared?: SharedLoadBalancerSlot;
  };
  /** CIDRs of peered VPCs the services may reach (Redis and the database at home). @default [] */
  peerCidrs?: string[];
  /** prod: deletion protection on the ALB. */
  environment: EnvironmentProfile;
  /**
   * Container Insights on the cluster: per-service and per-task metrics, billed as custom metrics,
   * and the running-task alarms on its RunningTaskCount. Off, those alarms read free metrics.
   * @default true
   */
  containerInsights?: boolean;
  /** @default 14 */
  logRetentionInDays?: LogRetentionDays;
  /**
   * EC2 capacity for services that need it.
   * @default { instanceType: "t4g.medium", min: 1, max: 3, volumeSize: 30, targetCapacity: 100, detailedMonitoring: true }
   */
  ec2?: Ec2CapacitySize;
  /** Subscribed to the alarm topic. */
  alarmEmail?: string;
  /** Alarm thresholds and windows. @default see GatewayAlarms */
  alarms?: GatewayAlarms;
  transform?: GatewayTransforms;
}

/** A parked service's reason as an EC2-compatible tag value (letters, digits, space, + - = . _ : / @). */
export function parkedTag(reason: string): string {
  return reason
    .replace(/[^A-Za-z0-9 +\-=._:/@]/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 256);
}

/** A window in words for alarm descriptions: 300 → "5 minutes", 60 → "1 minute", 90 → "90 seconds". */
export function spokenDuration(seconds: number): string {
  if (seconds % 60 !== 0) return `${seconds} seconds`;
  const minutes = seconds / 60;
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

/** What is wrong with the gateway's args, one line each (empty when nothing is). */
export function gatewayProblems(name: string, args: GatewayArgs): string[] {
  const routed = args.services.filter((s) => s.ingress);
  const lb = args.loadBalancer;
  const names = args.services.map((s) => s.name);
  return [
    ...args.services
      .filter((s) => !/^[a-z][a-z0-9-]{0,31}$/.test(s.name))
      .map((s) => `services.${s.name}: names are lowercase, 1-32 characters`),
    ...routed.filter((s) => !s.port).map((s) => `services.${s.name}.port: required with ingress`),
    // Target groups are auto-named `<logical>-<7 chars>` within ELB's 32.
    ...routed
      .filter((s) => `${name}-${s.name}-tg`.length > 24)
      .map(
        (s) =>
          `services.${s.name}: with ingress, "${name}-${s.name}" must be at most 21 characters (its target group's name fits ELB's 32 with Pulumi's suffix)`,
      ),
    ...(routed.length > 0 && !lb ? ["loadBalancer: required by services with ingress"] : []),
    ...(lb && lb.domainName === undefined && !lb.allowHttp
      ? ["loadBalancer.domainName: required unless allowHttp (plain HTTP is for dev only)"]
      : []),
    ...(lb?.domainName && !lb.hostedZoneId
      ? ["loadBalancer.hostedZoneId: required with domainName (the certificate is validated there)"]
      : []),
    // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
    ...args.services
      .filter((s) => (s.launch ?? (s.vpn ? "ec2" : "fargate")) !== "ec2")
      .flatMap((s) => {
        const problem = fargateSizeProblem(s.cpu, s.memory);
        return problem ? [`services.${s.name}.memory: ${problem}`] : [];
      }),
    ...args.services
      .filter(
        (s) => s.autoscaling && (s.autoscaling.min < 1 || s.autoscaling.max < s.autoscaling.min),
      )
      .map((s) => `services.${s.name}.autoscaling: need 1 <= min <= max`),
    ...names.filter((n, i) => names.indexOf(n) !== i).map((n) => `services.${n}: listed twice`),
  ];
}

/**
 * A route's priority on its listener: the gateway's own (10, 20, ... or `ingress.priority`)
 * counted from the start of the priorities it may take.
 * @throws Error when it falls past the last of them
 */
export function blockPriority(service: string, priority: number, range: PriorityRange): number {
  const onListener = range.first - 1 + priority;
  if (onListener > range.last) {
    throw new Error(
      `services.${service}.ingress: priority ${priority} is past the ${range.last - range.first + 1} the load balancer gives this gateway (${range.first}-${range.last})`,
    );
  }
  return onListener;
}

/** The alarms' thresholds and windows, with the defaults filled in. */
function alarmSettings(alarms: GatewayAlarms = {}) {
  return {
    serverErrors: {
      threshold: alarms.serverErrors?.threshold ?? 10,
      period: alarms.serverErrors?.period ?? 300,
    },
    unhealthyTargets: {
      period: alarms.unhealthyTargets?.period ?? 60,
      evaluationPeriods: alarms.unhealthyTargets?.evaluationPeriods ?? 3,
    },
    runningTasks: {
      period: alarms.runningTasks?.period ?? 60,
      evaluationPeriods: alarms.runningTasks?.evaluationPeriods ?? 5,
    },
  };
}

/** What the gateway's services are built from, once normalized. */
interface GatewayContext {
  name: string;
  network: Network;
  launches: Readonly<Record<string, Launch>>;
  priorities: Readonly<Record<string, number>>;
  /** The local VPC and the peers: reachable from every task, and past the VPN. */
  internalCidrs: string[];
  region: pulumi.Output<string>;
  account: pulumi.Output<string>;
  partition: pulumi.Output<string>;
  logRetentionInDays: LogRetentionDays;
  alarms: ReturnType<typeof alarmSettings>;
  /** Whether the cluster sends Container Insights' RunningTaskCount for the alarms to read. */
  containerInsights: boolean;
  /** Services wait for it: CreateService fails while their providers are not associated. */
  capacity: aws.ecs.ClusterCapacityProviders;
  ec2Provider?: aws.ecs.CapacityProvider;
  alb?: LoadBalancerAttachment;
  /** The load balancer is shared: alarms count 5xx per target group. */
  sharedAlb: boolean;
}

/** A routed service's target group and the listener rule forwarding to it. */
interface ServiceRoute {
  targetGroup: aws.lb.TargetGroup;
  listenerRule: aws.lb.ListenerRule;
}

/**
 * The platform's ECS footprint in one region: a cluster (Container Insights optional), Fargate, Fargate
 * Spot and (when a service needs it) EC2 capacity; per service a task definition (awsvpc), a
 * service with the deployment circuit breaker, a security group reachable only from the ALB on its
 * port, a log group and autoscaling; the ALB with its listeners and rules; alarms to a topic.
 */
export class RegionalGateway extends pulumi.ComponentResource {
  public readonly cluster: aws.ecs.Cluster;
  public readonly services: Readonly<Record<string, aws.ecs.Service>>;
  public readonly taskDefinitions: Readonly<Record<string, aws.ecs.TaskDefinition>>;
  public readonly serviceSecurityGroups: Readonly<Record<string, aws.ec2.SecurityGroup>>;
  /**
   * One group every service of this gateway carries, with no rules of its own: what data stores
   * admit ("the services of this region"), so adding a service never touches their rules.
   */
  public readonly servicesGroup: aws.ec2.SecurityGroup;
  public readonly loadBalancer?: aws.lb.LoadBalancer;
  public readonly alarmTopic: aws.sns.Topic;
  public readonly clusterName: pulumi.Output<string>;
  public readonly serviceNames: pulumi.Output<string[]>;
  public readonly albDnsName: pulumi.Output<string | undefined>;
  public readonly url: pulumi.Output<string | undefined>;
  /** Every service's security group id, by service. */
  public readonly securityGroupIds: pulumi.Output<Record<string, string>>;
  public readonly servicesGroupId: pulumi.Output<string>;
  private readonly hooks: GatewayTransforms;

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:ecs:RegionalGateway", name, {}, opts);
    this.hooks = args.transform ?? {};

    // ---- normalize ----
    const launches = Object.fromEntries(args.services.map((s) => [s.name, capacityFor(s)]));
    const problems = gatewayProblems(name, args);
    if (problems.length > 0)
      throw new Error(`RegionalGateway ${name}:\n  ${problems.join("\n  ")}`);
    const priorities = rulePriorities(
      args.services
        .filter((s) => s.ingress)
        .map((s) => ({
          service: s.name,
          pathPatterns: s.ingress!.pathPatterns,
          priority: s.ingress!.priority,
        })),
    );
    const alarms = alarmSettings(args.alarms);
    const containerInsights = args.containerInsights ?? true;

    // ---- create: cluster, capacity, alarm topic, load balancer ----
    this.cluster = ecsCluster(
      `${name}-cluster`,
      {
        containerInsights: containerInsights ? "enabled" : "disabled",
        transform: this.hooks.cluster,
      },
      { parent: this },
    );
    const ec2Provider = Object.values(launches).includes("ec2")
      ? ec2Capacity(
          name,
          {
            ...(args.ec2 ?? { instanceType: "t4g.medium", min: 1, max: 3 }),
            network: args.network,
            clusterName: this.cluster.name,
            transform: this.hooks.ec2,
          },
          { parent: this },
        )
      : undefined;
    const capacity = this.capacityProviders(name, ec2Provider);
    this.alarmTopic = this.alarmsTopic(name, args.alarmEmail);
    const alb = args.loadBalancer
      ? this.publicLoadBalancer(name, args, args.loadBalancer, alarms.serverErrors)
      : undefined;
    this.loadBalancer = alb?.loadBalancer;

    // ---- create: services ----
    this.servicesGroup = new aws.ec2.SecurityGroup(
      ...transform(
        this.hooks.servicesGroup,
        `${name}-services`,
        {
          vpcId: args.network.vpcId,
          description: `${name}: every service (what data stores admit)`,
        },
        { parent: this },
      ),
    );
    const context: GatewayContext = {
      name,
      network: args.network,
      launches,
      priorities,
      internalCidrs: [args.network.cidrBlock, ...(args.peerCidrs ?? [])],
      region: aws.getRegionOutput({}, { parent: this }).region,
      account: aws.getCallerIdentityOutput({}, { parent: this }).accountId,
      partition: aws.getPartitionOutput({}, { parent: this }).partition,
      logRetentionInDays: args.logRetentionInDays ?? 14,
      alarms,
      containerInsights,
      capacity,
      ec2Provider,
      alb,
      sharedAlb: args.loadBalancer?.shared !== undefined,
    };
    const built = args.services.map((service) => ({
      name: service.name,
      ...this.service(service, context),
    }));
    this.services = Object.fromEntries(built.map((b) => [b.name, b.service]));
    this.taskDefinitions = Object.fromEntries(built.map((b) => [b.name, b.taskDefinition]));
    this.serviceSecurityGroups = Object.fromEntries(built.map((b) => [b.name, b.securityGroup]));

    // ---- expose ----
    this.clusterName = this.cluster.name;
    this.servicesGroupId = this.servicesGroup.id;
    this.serviceNames = pulumi.all(built.map((b) => b.service.name));
    this.albDnsName = alb ? alb.loadBalancer.dnsName : pulumi.output<string | undefined>(undefined);
    this.url = alb ? alb.url : pulumi.output<string | undefined>(undefined);
    this.securityGroupIds = pulumi.all(
      Object.fromEntries(built.map((b) => [b.name, b.securityGroup.id])),
    );
    this.registerOutputs({
      clusterName: this.clusterName,
      serviceNames: this.serviceNames,
      albDnsName: this.albDnsName,
      url: this.url,
    });
  }

  /**
   * Fargate, Fargate Spot and the EC2 provider, if any, associated with the cluster. Services name
   * these providers in their strategies: CreateService fails while they are not yet associated,
   * and destroy fails while a service still uses them.
   */
  private capacityProviders(
    name: string,
    ec2Provider: aws.ecs.CapacityProvider | undefined,
  ): aws.ecs.ClusterCapacityProviders {
    return new aws.ecs.ClusterCapacityProviders(
      ...transform(
        this.hooks.capacityProviders,
        `${name}-capacity`,
        {
          clusterName: this.cluster.name,
          capacityProviders: [
            "FARGATE",
            "FARGATE_SPOT",
            ...(ec2Provider ? [ec2Provider.name] : []),
          ],
          defaultCapacityProviderStrategies: [{ capacityProvider: "FARGATE", weight: 1, base: 0 }],
        },
        { parent: this },
      ),
    );
  }

  /** The topic every alarm notifies, with the on-call address subscribed. */
  private alarmsTopic(name: string, alarmEmail: string | undefined): aws.sns.Topic {
    const topic = new aws.sns.Topic(
      ...transform(this.hooks.alarmTopic, `${name}-alarms`, {}, { parent: this }),
    );
    if (alarmEmail) {
      new aws.sns.TopicSubscription(
        `${name}-alarms-email`,
        { topic: topic.arn, protocol: "email", endpoint: alarmEmail },
        { parent: this },
      );
    }
    return topic;
  }

  /** An alarm to the topic, also when it clears; missing data is fine unless `alarmArgs` says. */
  private alarm(
    alarmName: string,
    alarmArgs: aws.cloudwatch.MetricAlarmArgs,
  ): aws.cloudwatch.MetricAlarm {
    return new aws.cloudwatch.MetricAlarm(
      ...transform(
        this.hooks.alarm,
        alarmName,
        {
          alarmActions: [this.alarmTopic.arn],
          okActions: [this.alarmTopic.arn],
          treatMissingData: "notBreaching",
          ...alarmArgs,
        },
        { parent: this },
      ),
    );
  }

  /**
   * The routed services' place on a public ALB: the region's shared one, or one of the gateway's
   * own with its alarm on their 5xx answers (each route has its own on a shared one).
   */
  private publicLoadBalancer(
    name: string,
    args: GatewayArgs,
    lb: NonNullable<GatewayArgs["loadBalancer"]>,
    serverErrors: GatewayContext["alarms"]["serverErrors"],
  ): LoadBalancerAttachment {
    const routed = args.services.filter((s) => s.ingress).length;
    if (lb.shared) {
      return lb.shared.loadBalancer.attach(name, {
        tls:
          lb.domainName !== undefined
            ? { domainName: lb.domainName, hostedZoneId: lb.hostedZoneId! }
            : undefined,
        port: lb.shared.port,
        priorityBlock: lb.shared.priorityBlock,
        reserve: { rules: routed, targetGroups: routed },
      });
    }
    const alb = new PublicLoadBalancer(
      `${name}-alb`,
      {
        network: args.network,
        tls:
          lb.domainName !== undefined
            ? { domainName: lb.domainName, hostedZoneId: lb.hostedZoneId! }
            : undefined,
        allowHttp: lb.allowHttp,
        deletionProtection: args.environment === "prod",
        accessLogs: lb.accessLogs,
        transform: this.hooks.loadBalancer,
      },
      { parent: this },
    );
    this.alarm(`${name}-alb-5xx`, {
      alarmDescription: `${name}: services answered ${serverErrors.threshold} or more 5xx in ${spokenDuration(serverErrors.period)}`,
      namespace: "AWS/ApplicationELB",
      metricName: "HTTPCode_Target_5XX_Count",
      dimensions: { LoadBalancer: alb.loadBalancer.arnSuffix },
      statistic: "Sum",
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: serverErrors.threshold,
      period: serverErrors.period,
      evaluationPeriods: 1,
    });
    return alb;
  }

  /** One service: its log group and roles, security group, task definition, route and ECS service. */
  private service(
    service: GatewayService,
    c: GatewayContext,
  ): {
    service: aws.ecs.Service;
    taskDefinition: aws.ecs.TaskDefinition;
    securityGroup: aws.ec2.SecurityGroup;
  } {
    const id = `${c.name}-${service.name}`;
    const runtime = taskRuntime(
      id,
      {
        images: { account: c.account, partition: c.partition },
        logRetentionInDays: c.logRetentionInDays,
        secretArns: [
          ...Object.values(service.secrets ?? {}),
          ...(service.vpn ? [service.vpn.secretArn] : []),
        ],
        transform: {
          logGroup: this.hooks.logGroup,
          executionRole: this.hooks.executionRole,
          taskRole: this.hooks.taskRole,
        },
      },
      { parent: this },
    );
    const securityGroup = this.serviceSecurityGroup(id, service, c);
    const taskDefinition = new aws.ecs.TaskDefinition(
      ...transform(
        this.hooks.taskDefinition,
        `${id}-task`,
        taskDefinitionArgs({
          // Families are account-wide per region: dev and prod share the account.
          family: `${id}-${pulumi.getStack()}`,
          launch: c.launches[service.name]!,
          cpu: service.cpu,
          memory: service.memory,
          executionRoleArn: runtime.executionRole.arn,
          taskRoleArn: runtime.taskRole.arn,
          containerDefinitions: this.containers(service, runtime.logGroup, c),
        }),
        { parent: this },
      ),
    );
    const route =
      service.ingress && c.alb ? this.route(id, service, service.ingress, c) : undefined;
    return {
      service: this.ecsService(id, service, taskDefinition, securityGroup, route, c),
      taskDefinition,
      securityGroup,
    };
  }

  /**
   * A service's own group: out to HTTPS anywhere, to the internal CIDRs, to the VPN provider;
   * in only from the load balancer on its port, when routed.
   */
  private serviceSecurityGroup(
    id: string,
    service: GatewayService,
    c: GatewayContext,
  ): aws.ec2.SecurityGroup {
    const group = new aws.ec2.SecurityGroup(
      ...transform(
        this.hooks.securityGroup,
        `${id}-sg`,
        { vpcId: c.network.vpcId, description: `${id}: reachable only from the load balancer` },
        { parent: this },
      ),
    );
    const egress = (suffix: string, rule: Partial<aws.vpc.SecurityGroupEgressRuleArgs>) =>
      new aws.vpc.SecurityGroupEgressRule(
        `${id}-out-${suffix}`,
        { securityGroupId: group.id, ipProtocol: "tcp", ...rule },
        { parent: this },
      );
    egress("https", {
      description: "HTTPS (APIs, ECR, Secrets Manager)",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    });
    c.internalCidrs.forEach((cidr, i) =>
      egress(`internal-${i}`, {
        description: `Internal services in ${cidr}`,
        fromPort: 0,
        toPort: 65535,
        cidrIpv4: cidr,
      }),
    );
    if (service.vpn) {
      egress("wireguard", {
        description: "WireGuard to the VPN provider",
        ipProtocol: "udp",
        fromPort: service.vpn.port ?? 51820,
        toPort: service.vpn.port ?? 51820,
        cidrIpv4: "0.0.0.0/0",
      });
    }
    if (service.ingress && c.alb) {
      new aws.vpc.SecurityGroupIngressRule(
        `${id}-from-alb`,
        {
          securityGroupId: group.id,
          description: "From the load balancer",
          ipProtocol: "tcp",
          fromPort: service.port!,
          toPort: service.port!,
          referencedSecurityGroupId: c.alb.securityGroup.id,
        },
        { parent: this },
      );
      c.alb.allowTo(service.name, service.port!, group.id);
    }
    return group;
  }

  /** The task's containers as JSON: the app, and the VPN sidecar when it has one. */
  private containers(
    service: GatewayService,
    logGroup: aws.cloudwatch.LogGroup,
    c: GatewayContext,
  ): pulumi.Output<string> {
    return pulumi
      .all([
        service.image,
        logGroup.name,
        c.region,
        pulumi.all(service.secrets ?? {}),
        service.vpn ? pulumi.all([service.vpn.image, service.vpn.secretArn]) : undefined,
      ])
      .apply(([image, logGroupName, regionName, secrets, vpnRefs]) =>
        JSON.stringify(
          containerDefinitions({
            name: service.name,
            image,
            cpu: service.cpu,
            memory: service.memory,
            port: service.port,
            command: service.command,
            environment: service.environment,
            secrets,
            logGroup: logGroupName,
            region: regionName,
            stopTimeout: c.launches[service.name] === "fargateSpot" ? SPOT_STOP_TIMEOUT : undefined,
            vpn:
              service.vpn && vpnRefs
                ? {
                    provider: service.vpn.provider,
                    serverCountries: service.vpn.serverCountries,
                    secretKeys: service.vpn.secretKeys,
                    image: vpnRefs[0],
                    secretArn: vpnRefs[1],
                    outboundSubnets: c.internalCidrs,
                  }
                : undefined,
          }),
        ),
      );
  }

  /** A routed service's target group, its listener rule, and the alarm on unhealthy targets. */
  private route(
    id: string,
    service: GatewayService,
    ingress: ServiceIngress,
    c: GatewayContext,
  ): ServiceRoute {
    const alb = c.alb!;
    const priority = blockPriority(service.name, c.priorities[service.name]!, alb.priorities);
    const health = ingress.healthCheck ?? {};
    const targetGroup = new aws.lb.TargetGroup(
      ...transform(
        this.hooks.targetGroup,
        `${id}-tg`,
        {
          vpcId: c.network.vpcId,
          targetType: "ip",
          protocol: "HTTP",
          port: service.port!,
          deregistrationDelay: ingress.deregistrationDelay ?? 30,
          healthCheck: {
            path: ingress.healthCheckPath ?? "/health",
            matcher: health.matcher ?? "200-399",
            interval: health.interval ?? 15,
            healthyThreshold: health.healthyThreshold ?? 2,
            unhealthyThreshold: health.unhealthyThreshold ?? 3,
          },
        },
        { parent: this },
      ),
    );
    const listenerRule = new aws.lb.ListenerRule(
      ...transform(
        this.hooks.listenerRule,
        `${id}-rule`,
        {
          listenerArn: alb.listener.arn,
          priority,
          conditions: ruleConditions(alb, ingress.pathPatterns),
          actions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
        },
        { parent: this },
      ),
    );
    if (c.sharedAlb) {
      // Other workloads' answers count in the load balancer's total: this route's own count.
      // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html
      const serverErrors = c.alarms.serverErrors;
      this.alarm(`${id}-5xx`, {
        alarmDescription: `${id}: answered ${serverErrors.threshold} or more 5xx in ${spokenDuration(serverErrors.period)}`,
        namespace: "AWS/ApplicationELB",
        metricName: "HTTPCode_Target_5XX_Count",
        dimensions: {
          TargetGroup: targetGroup.arnSuffix,
          LoadBalancer: alb.loadBalancer.arnSuffix,
        },
        statistic: "Sum",
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: serverErrors.threshold,
        period: serverErrors.period,
        evaluationPeriods: 1,
      });
    }
    const window = c.alarms.unhealthyTargets;
    this.alarm(`${id}-unhealthy`, {
      alarmDescription: `${id}: targets failing health checks for ${spokenDuration(window.period * window.evaluationPeriods)}`,
      namespace: "AWS/ApplicationELB",
      metricName: "UnHealthyHostCount",
      dimensions: {
        TargetGroup: targetGroup.arnSuffix,
        LoadBalancer: alb.loadBalancer.arnSuffix,
      },
      statistic: "Maximum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      period: window.period,
      evaluationPeriods: window.evaluationPeriods,
    });
    return { targetGroup, listenerRule };
  }

  /**
   * The ECS service (0 tasks while parked), its alarm on fewer tasks running than wanted, and its
   * autoscaling.
   */
  private ecsService(
    id: string,
    service: GatewayService,
    taskDefinition: aws.ecs.TaskDefinition,
    securityGroup: aws.ec2.SecurityGroup,
    route: ServiceRoute | undefined,
    c: GatewayContext,
  ): aws.ecs.Service {
    const launch = c.launches[service.name]!;
    const wanted = service.autoscaling?.min ?? service.desiredCount ?? 1;
    const parkedReason = pulumi.output(service.parkedReason);
    parkedReason.apply((reason) => {
      if (reason) void pulumi.log.warn(`${id}: parked with 0 tasks: ${reason}`, this);
    });
    const desired = parkedReason.apply((reason) => (reason ? 0 : wanted));
    const ecsService = new aws.ecs.Service(
      ...transform(
        this.hooks.service,
        `${id}-service`,
        {
          cluster: this.cluster.arn,
          taskDefinition: taskDefinition.arn,
          desiredCount: desired,
          // `pulumi up` fails, and the next one retries, when a rollout does not reach steady
          // state (the circuit breaker rolled it back) instead of reporting success.
          waitForSteadyState: parkedReason.apply((reason) => !reason),
          tags: parkedReason.apply((reason): Record<string, string> =>
            reason ? { parked: parkedTag(reason) } : {},
          ),
          capacityProviderStrategies: [
            {
              capacityProvider:
                launch === "ec2"
                  ? c.ec2Provider!.name
                  : launch === "fargateSpot"
                    ? "FARGATE_SPOT"
                    : "FARGATE",
              weight: 1,
            },
          ],
          networkConfiguration: {
            subnets: c.network.privateSubnetIds,
            securityGroups: [securityGroup.id, this.servicesGroup.id],
            assignPublicIp: false,
          },
          deploymentCircuitBreaker: { enable: true, rollback: true },
          deploymentMinimumHealthyPercent: service.deployment?.minimumHealthyPercent ?? 100,
          deploymentMaximumPercent: service.deployment?.maximumPercent ?? 200,
          propagateTags: "SERVICE",
          enableEcsManagedTags: true,
          ...(route
            ? {
                loadBalancers: [
                  {
                    targetGroupArn: route.targetGroup.arn,
                    containerName: service.name,
                    containerPort: service.port!,
                  },
                ],
                healthCheckGracePeriodSeconds: service.ingress?.healthCheckGracePeriod ?? 60,
              }
            : {}),
        },
        {
          parent: this,
          // Autoscaling owns the count once it exists (raising its minimum starts parked tasks).
          ignoreChanges: service.autoscaling ? ["desiredCount"] : [],
          dependsOn: [
            c.capacity,
            ...(route ? [route.listenerRule] : []),
            ...(service.waitFor ?? []),
          ],
        },
      ),
    );
    this.runningTasksAlarm(id, ecsService, desired, parkedReason, c);
    if (service.autoscaling) this.autoscale(id, service.autoscaling, ecsService, desired);
    return ecsService;
  }

  /**
   * The alarm on a service running fewer tasks than wanted. With Container Insights: its
   * RunningTaskCount below the wanted count. Without: no AWS/ECS CPUUtilization sample at all,
   * which ECS sends, free, for every service with a RUNNING task and for no other
   * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/available-metrics.html). Either
   * way no data from a running service is an outage; from a parked one, expected.
   */
  private runningTasksAlarm(
    id: string,
    ecsService: aws.ecs.Service,
    desired: pulumi.Output<number>,
    parkedReason: pulumi.Output<string | undefined>,
    c: GatewayContext,
  ): void {
    const window = c.alarms.runningTasks;
    const duration = spokenDuration(window.period * window.evaluationPeriods);
    const dimensions = { ClusterName: this.cluster.name, ServiceName: ecsService.name };
    this.alarm(`${id}-running`, {
      ...(c.containerInsights
        ? {
            alarmDescription: pulumi.interpolate`${id}: fewer tasks running than the ${desired} wanted, for ${duration}`,
            namespace: "ECS/ContainerInsights",
            metricName: "RunningTaskCount",
            statistic: "Minimum",
            threshold: desired,
          }
        : {
            alarmDescription: `${id}: no task running (no CPUUtilization sample), for ${duration}`,
            namespace: "AWS/ECS",
            metricName: "CPUUtilization",
            statistic: "SampleCount",
            threshold: 1,
          }),
      dimensions,
      comparisonOperator: "LessThanThreshold",
      period: window.period,
      evaluationPeriods: window.evaluationPeriods,
      treatMissingData: parkedReason.apply((reason) => (reason ? "notBreaching" : "breaching")),
    });
  }

  /** Target tracking on CPU and memory between min and max tasks. */
  private autoscale(
    id: string,
    scaling: ServiceAutoscaling,
    ecsService: aws.ecs.Service,
    minimum: pulumi.Output<number>,
  ): void {
    const target = new aws.appautoscaling.Target(
      ...transform(
        this.hooks.scalingTarget,
        `${id}-scaling`,
        {
          serviceNamespace: "ecs",
          scalableDimension: "ecs:service:DesiredCount",
          resourceId: pulumi.interpolate`service/${this.cluster.name}/${ecsService.name}`,
          // 0 while parked; raising it to min later makes Application Auto Scaling start the tasks.
          minCapacity: minimum,
          maxCapacity: scaling.max,
        },
        { parent: this },
      ),
    );
    const metrics = [
      ["cpu", "ECSServiceAverageCPUUtilization", scaling.cpuTarget],
      ["memory", "ECSServiceAverageMemoryUtilization", scaling.memoryTarget],
    ] as const;
    for (const [key, metric, value] of metrics) {
      if (value === undefined) continue;
      new aws.appautoscaling.Policy(
        ...transform(
          this.hooks.scalingPolicy,
          `${id}-${key}`,
          {
            policyType: "TargetTrackingScaling",
            resourceId: target.resourceId,
            scalableDimension: target.scalableDimension,
            serviceNamespace: target.serviceNamespace,
            targetTrackingScalingPolicyConfiguration: {
              targetValue: value,
              predefinedMetricSpecification: { predefinedMetricType: metric },
              scaleInCooldown: scaling.scaleInCooldown ?? 120,
              scaleOutCooldown: scaling.scaleOutCooldown ?? 60,
            },
          },
          { parent: this },
        ),
      );
    }
  }
}

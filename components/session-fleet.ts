import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AccessLogDestination } from "./access-log-bucket";
import { imageRepository, type ImageRepositoryOptions } from "./ecr";
import { ecsCluster } from "./ecs-cluster";
import { taskDefinitionArgs } from "./ecs-tasks";
import type { PolicyStatement } from "./iam";
import type { Network } from "./network";
import type { EnvironmentProfile, LogRetentionDays } from "./profile";
import {
  PublicLoadBalancer,
  type LoadBalancerAttachment,
  type LoadBalancerTls,
  type PriorityRange,
  type PublicLoadBalancerTransforms,
} from "./public-load-balancer";
import type { SharedLoadBalancerSlot } from "./shared-load-balancer";
import { taskRuntime } from "./task-runtime";
import { transform, type Transform } from "./transform";

/** The session container, as the task definition describes it. */
export interface SessionContainer {
  /** Tag of the session image in the fleet's repository. */
  imageTag: string;
  /** Task CPU units and memory (MB), within Fargate's sizes. */
  cpu: number;
  memory: number;
  /** Port the container serves its WebSocket on (also its `PORT`). */
  port: number;
  /** What the image is built for. @default "ARM64" */
  cpuArchitecture?: "ARM64" | "X86_64";
  /** Non-secret environment, after `PORT`, in this order. @default {} */
  environment?: Record<string, string>;
}

export interface SessionFleetArgs {
  /** Sessions in its private subnets, the load balancer in its public ones. */
  network: Network;
  /** prod: immutable image tags, no plain ws://, deletion protection on the load balancer. */
  environment: EnvironmentProfile;
  /** What the sessions are, as their security group's description. */
  description: string;
  session: SessionContainer;
  /** The container's name in the task definition (a launch overrides it by name). @default "session" */
  containerName?: string;
  /** What a session itself may do: its task role's policy. @default [] (no AWS API) */
  taskStatements?: PolicyStatement[];
  /**
   * Secrets Manager ARNs (or ARN patterns) a launch may inject into a session through the
   * session's own task-definition revision (`secrets`/`valueFrom`). Only the execution role, which
   * the ECS/Fargate agent uses and the container never sees, may read them.
   * @default [] (none)
   */
  injectedSecretArns?: pulumi.Input<string>[];
  /** Days the sessions' logs are kept. */
  logRetentionInDays: LogRetentionDays;
  /**
   * Container Insights on the sessions' cluster: per-task metrics, billed as custom metrics while
   * sessions run.
   * @default true
   */
  containerInsights?: boolean;
  /**
   * wss:// with a host name and its certificate (and a zone to alias it in).
   * @default undefined (plain ws:// on the load balancer's name; dev only)
   */
  tls?: LoadBalancerTls;
  /**
   * The region's shared load balancer to route sessions through instead of one of the fleet's
   * own: a listener on its port without TLS, its host on the shared HTTPS listener with TLS, its
   * block of rule priorities either way.
   * @default undefined (a load balancer of the fleet's own, `<name>-ws`)
   */
  sharedLoadBalancer?: SharedLoadBalancerSlot;
  /**
   * Sessions running at once at most: each holds a listener rule and a target group, which a
   * shared load balancer counts against ELB's quotas.
   * @default 0 (not counted)
   */
  maxSessions?: number;
  /**
   * The fleet's own load balancer's access logs (a shared one has its own).
   * @default undefined (none; the policy pack requires them in prod)
   */
  accessLogs?: AccessLogDestination;
  /** Seconds an idle WebSocket stays open (the load balancer's idle timeout). @default 3600 */
  idleTimeout?: number;
  /** JSON body of the 404 for a path no session's rule routes. @default '{"error":"unknown_session"}' */
  notFoundBody?: string;
  /**
   * Name prefix of the target groups the router creates, one per session: ELB's names hold 32
   * characters, the prefix and a 22-character session id.
   */
  targetGroupPrefix: string;
  /** Description of the sessions' HTTPS egress. @default "ECR, Secrets Manager and APIs over HTTPS" */
  httpsEgressDescription?: string;
  /** Images kept in the repository. @default 30 */
  keepImages?: number;
  /**
   * The component that created these resources before the fleet existed: each direct child gets
   * an alias with that parent, so `pulumi up` moves it under the fleet instead of replacing it.
   * @default undefined (a fleet created as one)
   */
  formerParent?: pulumi.Resource;
  transform?: SessionFleetTransforms;
}

/** Escape hatches: each hook edits one child's args after the fleet has set them. */
export interface SessionFleetTransforms {
  /** The sessions' image repository (`<name>-session-image`) and its lifecycle policy. */
  repository?: ImageRepositoryOptions["transform"];
  /** The ECS cluster (`<name>-sessions`). */
  cluster?: Transform<aws.ecs.ClusterArgs>;
  /** The sessions' log group (`<name>-session-logs`). */
  logGroup?: Transform<aws.cloudwatch.LogGroupArgs>;
  /** The role ECS starts a session with (`<name>-session-execution`): pull, logs. */
  executionRole?: Transform<aws.iam.RoleArgs>;
  /** The role a session runs as (`<name>-session-task`). */
  taskRole?: Transform<aws.iam.RoleArgs>;
  /** The session task definition (`<name>-session`). */
  taskDefinition?: Transform<aws.ecs.TaskDefinitionArgs>;
  /** The sessions' security group (`<name>-session-tasks`). */
  securityGroup?: Transform<aws.ec2.SecurityGroupArgs>;
  /** The fleet's own load balancer's children (`<name>-ws`; a shared one has its own hooks). */
  loadBalancer?: PublicLoadBalancerTransforms;
}

/** The session's container definitions: read-only root, the port, `PORT` first, logs to the group. */
export function sessionContainerDefinitions(spec: {
  name: string;
  image: string;
  port: number;
  environment: Record<string, string>;
  logGroup: string;
  region: string;
}): Record<string, unknown>[] {
  return [
    {
      name: spec.name,
      image: spec.image,
      essential: true,
      readonlyRootFilesystem: true,
      portMappings: [{ containerPort: spec.port, protocol: "tcp" }],
      environment: Object.entries({ PORT: String(spec.port), ...spec.environment }).map(
        ([name, value]) => ({ name, value }),
      ),
      linuxParameters: { initProcessEnabled: true },
      logConfiguration: {
        logDriver: "awslogs",
        options: {
          "awslogs-group": spec.logGroup,
          "awslogs-region": spec.region,
          "awslogs-stream-prefix": spec.name,
        },
      },
    },
  ];
}

/**
 * Tasks started on demand, one per user session, rather than kept running by an ECS service: the
 * sessions' image repository, cluster, task definition with its log group and roles, a security
 * group, and a public load balancer (its own, or a place on the region's shared one) whose listener
 * routes each session's WebSocket by a rule its router creates at run time. Built from the same
 * blocks as RegionalGateway (ecs-cluster, task-runtime, ecs-tasks, public-load-balancer).
 */
export class SessionFleet extends pulumi.ComponentResource {
  public readonly repository: aws.ecr.Repository;
  public readonly cluster: aws.ecs.Cluster;
  public readonly taskDefinition: aws.ecs.TaskDefinition;
  public readonly executionRole: aws.iam.Role;
  public readonly taskRole: aws.iam.Role;
  /** The group every session carries (RunTask's `securityGroups`). */
  public readonly securityGroup: aws.ec2.SecurityGroup;
  public readonly loadBalancer: aws.lb.LoadBalancer;
  /** The listener each session's rule attaches to. */
  public readonly listener: aws.lb.Listener;
  /** The priorities sessions' rules may take on the listener. */
  public readonly rulePriorities: PriorityRange;
  /** The host sessions' rules also match, on a listener shared with other workloads. */
  public readonly host?: string;
  /** The container a launch overrides by name. */
  public readonly containerName: string;
  public readonly targetGroupPrefix: string;
  /** `wss://host` (or `ws://<alb dns>[:port]` without TLS): a session's socket is under it. */
  public readonly websocketBaseUrl: pulumi.Output<string>;
  private readonly region: pulumi.Output<string>;
  private readonly account: pulumi.Output<string>;
  private readonly partition: pulumi.Output<string>;

  constructor(name: string, args: SessionFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:ecs:SessionFleet", name, {}, opts);

    // ---- normalize ----
    const isProd = args.environment === "prod";
    const hooks = args.transform ?? {};
    const session = args.session;
    this.containerName = args.containerName ?? "session";
    this.targetGroupPrefix = args.targetGroupPrefix;
    this.region = aws.getRegionOutput({}, { parent: this }).region;
    this.account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    this.partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const childOpts: pulumi.CustomResourceOptions = {
      parent: this,
      ...(args.formerParent ? { aliases: [{ parent: args.formerParent }] } : {}),
    };

    // ---- create: image, cluster, task definition ----
    this.repository = imageRepository(
      `${name}-session-image`,
      {
        immutableTags: isProd,
        forceDelete: !isProd,
        keep: args.keepImages,
        transform: hooks.repository,
      },
      childOpts,
    );
    this.cluster = ecsCluster(
      `${name}-sessions`,
      {
        containerInsights: (args.containerInsights ?? true) ? "enabled" : "disabled",
        transform: hooks.cluster,
      },
      childOpts,
    );
    const runtime = taskRuntime(
      `${name}-session`,
      {
        images: { repositoryArn: this.repository.arn },
        logRetentionInDays: args.logRetentionInDays,
        logGroupPrefix: `/platform/ecs/${name}-sessions-`,
        secretArns: args.injectedSecretArns,
        taskStatements: args.taskStatements,
        transform: {
          logGroup: hooks.logGroup,
          executionRole: hooks.executionRole,
          taskRole: hooks.taskRole,
        },
      },
      childOpts,
    );
    this.executionRole = runtime.executionRole;
    this.taskRole = runtime.taskRole;
    const containers = pulumi
      .all([this.repository.repositoryUrl, runtime.logGroup.name, this.region])
      .apply(([repositoryUrl, logGroup, region]) =>
        JSON.stringify(
          sessionContainerDefinitions({
            name: this.containerName,
            image: `${repositoryUrl}:${session.imageTag}`,
            port: session.port,
            environment: session.environment ?? {},
            logGroup,
            region,
          }),
        ),
      );
    this.taskDefinition = new aws.ecs.TaskDefinition(
      ...transform(
        hooks.taskDefinition,
        `${name}-session`,
        taskDefinitionArgs({
          family: `${name}-${args.environment}-session`,
          launch: "fargate",
          cpu: session.cpu,
          memory: session.memory,
          cpuArchitecture: session.cpuArchitecture,
          executionRoleArn: runtime.executionRole.arn,
          taskRoleArn: runtime.taskRole.arn,
          containerDefinitions: containers,
        }),
        childOpts,
      ),
    );

    // ---- create: WebSocket ingress, a public load balancer (own or shared) → session tasks ----
    // WebSockets stay open; the ALB closes idle connections after this many seconds.
    const idleTimeout = args.idleTimeout ?? 3600;
    const notFoundBody = args.notFoundBody ?? '{"error":"unknown_session"}';
    const shared = args.sharedLoadBalancer;
    const alb: LoadBalancerAttachment = shared
      ? shared.loadBalancer.attach(name, {
          tls: args.tls,
          port: shared.port,
          priorityBlock: shared.priorityBlock,
          idleTimeout,
          notFoundBody,
          reserve: { rules: args.maxSessions ?? 0, targetGroups: args.maxSessions ?? 0 },
        })
      : new PublicLoadBalancer(
          `${name}-ws`,
          {
            network: args.network,
            tls: args.tls,
            allowHttp: !isProd,
            idleTimeout,
            deletionProtection: isProd,
            accessLogs: args.accessLogs,
            notFoundBody,
            transform: hooks.loadBalancer,
          },
          childOpts,
        );
    this.loadBalancer = alb.loadBalancer;
    this.listener = alb.listener;
    this.rulePriorities = alb.priorities;
    this.host = alb.host;
    this.securityGroup = this.sessionSecurityGroup(name, args, alb, childOpts);

    // ---- expose ----
    this.websocketBaseUrl = alb.url.apply((url) => url.replace(/^http/, "ws"));
    this.registerOutputs({
      clusterName: this.cluster.name,
      repositoryUrl: this.repository.repositoryUrl,
      websocketBaseUrl: this.websocketBaseUrl,
    });
  }

  /**
   * What starting a session takes: registering the session's own revision of this task definition
   * (to inject its secrets), RunTask of it in this cluster only, deregistering it, and passing only
   * the two roles.
   */
  launchStatements(): PolicyStatement[] {
    const revisions = pulumi.interpolate`arn:${this.partition}:ecs:${this.region}:${this.account}:task-definition/${this.taskDefinition.family}:*`;
    return [
      {
        Sid: "RegisterSessionRevision",
        Effect: "Allow",
        Action: "ecs:RegisterTaskDefinition",
        Resource: revisions,
      },
      {
        // The Service Authorization Reference lists no resource type for these two: `*` only.
        Sid: "ReadAndRetireRevisions",
        Effect: "Allow",
        Action: ["ecs:DescribeTaskDefinition", "ecs:DeregisterTaskDefinition"],
        Resource: "*",
      },
      {
        Sid: "RunSession",
        Effect: "Allow",
        Action: "ecs:RunTask",
        Resource: revisions,
        Condition: { ArnEquals: { "ecs:cluster": this.cluster.arn } },
      },
      {
        Sid: "PassSessionRoles",
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: [this.executionRole.arn, this.taskRole.arn],
        Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
      },
    ];
  }

  /**
   * What routing sessions takes: a target group (by the prefix) and a listener rule per running
   * session, created and removed; stopping a session's task that nobody routes.
   */
  routingStatements(): PolicyStatement[] {
    const listenerRules = this.listener.arn.apply(
      (arn) => `${arn.replace(":listener/", ":listener-rule/")}/*`,
    );
    return [
      {
        // A task that started although launch gave up on it (RunTask failed late) is stopped.
        Sid: "StopOrphanedSessions",
        Effect: "Allow",
        Action: "ecs:StopTask",
        Resource: pulumi.interpolate`arn:${this.partition}:ecs:${this.region}:${this.account}:task/${this.cluster.name}/*`,
        Condition: { ArnEquals: { "ecs:cluster": this.cluster.arn } },
      },
      {
        Sid: "SessionTargets",
        Effect: "Allow",
        Action: [
          "elasticloadbalancing:CreateTargetGroup",
          "elasticloadbalancing:RegisterTargets",
          "elasticloadbalancing:DeleteTargetGroup",
        ],
        Resource: pulumi.interpolate`arn:${this.partition}:elasticloadbalancing:${this.region}:${this.account}:targetgroup/${this.targetGroupPrefix}*/*`,
      },
      {
        Sid: "SessionRules",
        Effect: "Allow",
        Action: "elasticloadbalancing:CreateRule",
        Resource: [this.listener.arn, listenerRules],
      },
      {
        Sid: "RemoveSessionRules",
        Effect: "Allow",
        Action: "elasticloadbalancing:DeleteRule",
        Resource: listenerRules,
      },
      // Describe calls have no resource-level permissions.
      {
        Sid: "FindFreePriority",
        Effect: "Allow",
        Action: ["elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTargetGroups"],
        Resource: "*",
      },
    ];
  }

  /** The sessions' group: in from the load balancer on the session port, out to HTTPS. */
  private sessionSecurityGroup(
    name: string,
    args: SessionFleetArgs,
    alb: LoadBalancerAttachment,
    childOpts: pulumi.CustomResourceOptions,
  ): aws.ec2.SecurityGroup {
    const port = args.session.port;
    const group = new aws.ec2.SecurityGroup(
      ...transform(
        args.transform?.securityGroup,
        `${name}-session-tasks`,
        { vpcId: args.network.vpcId, description: args.description },
        childOpts,
      ),
    );
    alb.allowTo("sessions", port, group.id);
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-session-from-alb`,
      {
        securityGroupId: group.id,
        description: "From the session load balancer",
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        referencedSecurityGroupId: alb.securityGroup.id,
      },
      childOpts,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-session-https-out`,
      {
        securityGroupId: group.id,
        description: args.httpsEgressDescription ?? "ECR, Secrets Manager and APIs over HTTPS",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: "0.0.0.0/0",
      },
      childOpts,
    );
    return group;
  }
}

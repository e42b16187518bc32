/**
 * The QuickBets workload in the home region: the Cognito-protected API (SignedApiLambda) with its
 * four routes, the sessions table, and the Fargate trading sessions reached over WebSockets
 * through a public load balancer, each session routed by a listener rule of its own.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { QuickBetsSettings } from "../../config";
import { BundledFunction } from "../../components/bundled-function";
import { imageRepository } from "../../components/ecr";
import { policyDocument, serviceTrustPolicy, type PolicyStatement } from "../../components/iam";
import type { Network } from "../../components/network";
import { PublicLoadBalancer } from "../../components/public-load-balancer";
import { SignedApiLambda } from "../../components/signed-api-lambda";
import { EVENTS_ENV, LAUNCH_ENV, LIFECYCLE_ENV, SESSIONS_ENV } from "../../functions/quickbets/env";
import { functionEnvironment } from "../../functions/shared/env";

export interface QuickBetsArgs {
  /** The home region's network: sessions in its private subnets, the load balancer in its public ones. */
  network: Network;
  settings: QuickBetsSettings;
  environment: "dev" | "prod";
  logRetentionInDays: number;
}

/** The session container's name in the task definition (launch overrides it by name). */
export const SESSION_CONTAINER = "session";

/** Route path of a session's WebSocket on the load balancer, as the lifecycle function writes it. */
export const SESSION_PATH_PREFIX = "/sessions/";

export class QuickBets extends pulumi.ComponentResource {
  public readonly api: SignedApiLambda;
  public readonly table: aws.dynamodb.Table;
  public readonly cluster: aws.ecs.Cluster;
  public readonly taskDefinition: aws.ecs.TaskDefinition;
  public readonly repository: aws.ecr.Repository;
  public readonly loadBalancer: aws.lb.LoadBalancer;
  public readonly listener: aws.lb.Listener;
  public readonly lifecycle: BundledFunction;
  /** `wss://host` (or `ws://<alb dns>` without TLS): a session's socket is `<base>/sessions/<id>`. */
  public readonly websocketBaseUrl: pulumi.Output<string>;

  constructor(name: string, args: QuickBetsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:workload:QuickBets", name, {}, opts);
    const { network, settings, environment } = args;
    const isProd = environment === "prod";
    const sessions = settings.sessions;
    const secretPrefix = `${name}/${environment}/users/`;
    // Target group names hold 32 characters: prefix + a 22-character session id.
    const targetGroupPrefix = `qb-${environment}-`;
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;

    // ---- data ----
    this.table = new aws.dynamodb.Table(
      `${name}-sessions`,
      {
        billingMode: "PAY_PER_REQUEST",
        hashKey: "pk",
        rangeKey: "sk",
        attributes: [
          { name: "pk", type: "S" },
          { name: "sk", type: "S" },
        ],
        ttl: { attributeName: "expiresAt", enabled: true },
        pointInTimeRecovery: { enabled: isProd },
        serverSideEncryption: { enabled: true },
        deletionProtectionEnabled: isProd,
      },
      { parent: this, protect: isProd },
    );

    // ---- trading sessions: image, cluster, task definition ----
    this.repository = imageRepository(
      `${name}-session-image`,
      { immutableTags: isProd, forceDelete: !isProd },
      { parent: this },
    );
    this.cluster = new aws.ecs.Cluster(
      `${name}-sessions`,
      { settings: [{ name: "containerInsights", value: "enabled" }] },
      { parent: this },
    );
    const sessionLogs = new aws.cloudwatch.LogGroup(
      `${name}-session-logs`,
      { namePrefix: `/platform/ecs/${name}-sessions-`, retentionInDays: args.logRetentionInDays },
      { parent: this },
    );
    const keySecrets = pulumi.interpolate`arn:aws:secretsmanager:${region}:${account}:secret:${secretPrefix}*`;
    const executionRole = this.role(`${name}-session-execution`, "ecs-tasks.amazonaws.com", [
      { Sid: "EcrAuth", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
      {
        Sid: "PullImage",
        Effect: "Allow",
        Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        Resource: this.repository.arn,
      },
      {
        Sid: "Logs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: pulumi.interpolate`${sessionLogs.arn}:*`,
      },
    ]);
    // The session reads its user's key by the ARN launch passes in (KALSHI_KEY_SECRET_ARN).
    const taskRole = this.role(`${name}-session-task`, "ecs-tasks.amazonaws.com", [
      {
        Sid: "UserKeys",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: keySecrets,
      },
    ]);
    this.taskDefinition = new aws.ecs.TaskDefinition(
      `${name}-session`,
      {
        family: `${name}-${environment}-session`,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(sessions.cpu),
        memory: String(sessions.memory),
        runtimePlatform: {
          operatingSystemFamily: "LINUX",
          cpuArchitecture: sessions.cpuArchitecture,
        },
        executionRoleArn: executionRole.arn,
        taskRoleArn: taskRole.arn,
        containerDefinitions: pulumi.jsonStringify([
          {
            name: SESSION_CONTAINER,
            image: pulumi.interpolate`${this.repository.repositoryUrl}:${sessions.imageTag}`,
            essential: true,
            readonlyRootFilesystem: true,
            portMappings: [{ containerPort: sessions.port, protocol: "tcp" }],
            environment: [
              { name: "PORT", value: String(sessions.port) },
              { name: "KALSHI_BASE_URL", value: settings.kalshiBaseUrl },
            ],
            linuxParameters: { initProcessEnabled: true },
            logConfiguration: {
              logDriver: "awslogs",
              options: {
                "awslogs-group": sessionLogs.name,
                "awslogs-region": region,
                "awslogs-stream-prefix": "session",
              },
            },
          },
        ]),
      },
      { parent: this },
    );

    // ---- WebSocket ingress: public ALB → session tasks ----
    const domainName = settings.websocket.domainName;
    const alb = new PublicLoadBalancer(
      `${name}-ws`,
      {
        network,
        tls:
          domainName && settings.websocket.certificateArn
            ? {
                domainName,
                certificateArn: settings.websocket.certificateArn,
                hostedZoneId: settings.websocket.hostedZoneId,
              }
            : undefined,
        allowHttp: !isProd,
        // WebSockets stay open; the ALB closes idle connections after this many seconds.
        idleTimeout: 3600,
        deletionProtection: isProd,
        notFoundBody: '{"error":"unknown_session"}',
      },
      { parent: this },
    );
    this.loadBalancer = alb.loadBalancer;
    this.listener = alb.listener;
    const taskGroup = new aws.ec2.SecurityGroup(
      `${name}-session-tasks`,
      { vpcId: network.vpcId, description: "QuickBets trading-session tasks" },
      { parent: this },
    );
    alb.allowTo("sessions", sessions.port, taskGroup.id);
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-session-from-alb`,
      {
        securityGroupId: taskGroup.id,
        description: "From the session load balancer",
        ipProtocol: "tcp",
        fromPort: sessions.port,
        toPort: sessions.port,
        referencedSecurityGroupId: alb.securityGroup.id,
      },
      { parent: this },
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-session-https-out`,
      {
        securityGroupId: taskGroup.id,
        description: "Kalshi, ECR and Secrets Manager over HTTPS",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: "0.0.0.0/0",
      },
      { parent: this },
    );
    this.websocketBaseUrl = domainName
      ? pulumi.output(`wss://${domainName}`)
      : pulumi.interpolate`ws://${this.loadBalancer.dnsName}`;

    // ---- the API ----
    const tableAccess = (actions: string[]): PolicyStatement => ({
      Sid: "Sessions",
      Effect: "Allow",
      Action: actions.map((a) => `dynamodb:${a}`),
      Resource: this.table.arn,
    });
    const sessionWrites = ["GetItem", "PutItem", "UpdateItem", "DeleteItem"];
    const clusterTasks = pulumi.interpolate`arn:aws:ecs:${region}:${account}:task/${this.cluster.name}/*`;
    this.api = new SignedApiLambda(
      name,
      {
        routes: {
          events: {
            method: "GET",
            path: "/events",
            handler: "functions/quickbets/events.ts",
            keyAccess: "none",
            environment: functionEnvironment(EVENTS_ENV, {
              KALSHI_SERIES: settings.series.join(","),
            }),
            timeout: 25,
            description: "Open sports events from Kalshi",
          },
          launch: {
            method: "POST",
            path: "/launch",
            handler: "functions/quickbets/launch.ts",
            keyAccess: "describe",
            timeout: 20,
            description: "Start the caller's trading session for an event",
            environment: functionEnvironment(LAUNCH_ENV, {
              SESSIONS_TABLE: this.table.name,
              CLUSTER_ARN: this.cluster.arn,
              TASK_DEFINITION_ARN: this.taskDefinition.arn,
              CONTAINER_NAME: SESSION_CONTAINER,
              SUBNET_IDS: pulumi.all(network.privateSubnetIds).apply((ids) => ids.join(",")),
              SECURITY_GROUP_IDS: taskGroup.id,
              MAX_SESSIONS_PER_USER: String(sessions.maxPerUser),
              MAX_SESSIONS_TOTAL: String(sessions.maxTotal),
              WEBSOCKET_BASE_URL: this.websocketBaseUrl,
              SESSION_MAX_HOURS: String(sessions.maxHours),
            }),
            statements: [
              tableAccess(sessionWrites),
              {
                Sid: "RunSession",
                Effect: "Allow",
                Action: "ecs:RunTask",
                Resource: pulumi.interpolate`arn:aws:ecs:${region}:${account}:task-definition/${this.taskDefinition.family}:*`,
                Condition: { ArnEquals: { "ecs:cluster": this.cluster.arn } },
              },
              {
                Sid: "PassSessionRoles",
                Effect: "Allow",
                Action: "iam:PassRole",
                Resource: [executionRole.arn, taskRole.arn],
                Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
              },
            ],
          },
          sessions: {
            method: "GET",
            path: "/sessions",
            handler: "functions/quickbets/sessions.ts",
            keyAccess: "none",
            description: "The caller's sessions, newest first",
            environment: functionEnvironment(SESSIONS_ENV, {
              SESSIONS_TABLE: this.table.name,
              WEBSOCKET_BASE_URL: this.websocketBaseUrl,
            }),
            statements: [tableAccess(["Query"])],
          },
          sign: {
            method: "POST",
            path: "/sign",
            handler: "functions/quickbets/sign.ts",
            keyAccess: "sign",
            description: "KALSHI-ACCESS-* headers signed with the caller's key",
          },
        },
        auth: { threatProtection: settings.threatProtection, deletionProtection: isProd },
        signing: {
          secretPrefix,
          upstreamUrl: settings.kalshiBaseUrl,
          upstreamTimeoutMs: settings.upstreamTimeoutMs,
        },
        corsOrigins: [...settings.corsOrigins],
        throttle: { rateLimit: settings.rateLimit, burstLimit: settings.burstLimit },
        logRetentionInDays: args.logRetentionInDays,
      },
      { parent: this },
    );

    // ---- session lifecycle: ECS task state → table, target group, listener rule ----
    const listenerRules = this.listener.arn.apply(
      (arn) => `${arn.replace(":listener/", ":listener-rule/")}/*`,
    );
    const targetGroups = pulumi.interpolate`arn:aws:elasticloadbalancing:${region}:${account}:targetgroup/${targetGroupPrefix}*/*`;
    this.lifecycle = new BundledFunction(
      `${name}-lifecycle`,
      {
        entry: "functions/quickbets/lifecycle.ts",
        description: "Marks sessions RUNNING/ENDED and routes their WebSockets",
        timeout: 30,
        // One at a time: a task's RUNNING and STOPPED never race on its rule and target group.
        reservedConcurrency: 1,
        logRetentionInDays: args.logRetentionInDays,
        environment: functionEnvironment(LIFECYCLE_ENV, {
          SESSIONS_TABLE: this.table.name,
          CLUSTER_ARN: this.cluster.arn,
          LISTENER_ARN: this.listener.arn,
          VPC_ID: network.vpcId,
          SESSION_PORT: String(sessions.port),
          TARGET_GROUP_PREFIX: targetGroupPrefix,
          SESSION_RETENTION_DAYS: String(sessions.retentionDays),
        }),
        statements: [
          tableAccess(["GetItem", "UpdateItem", "DeleteItem"]),
          {
            // A task that started although launch gave up on it (RunTask failed late) is stopped.
            Sid: "StopOrphanedSessions",
            Effect: "Allow",
            Action: "ecs:StopTask",
            Resource: clusterTasks,
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
            Resource: targetGroups,
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
            Action: [
              "elasticloadbalancing:DescribeRules",
              "elasticloadbalancing:DescribeTargetGroups",
            ],
            Resource: "*",
          },
        ],
      },
      { parent: this },
    );
    const taskStates = new aws.cloudwatch.EventRule(
      `${name}-task-states`,
      {
        description: "Trading-session tasks reaching RUNNING or STOPPED",
        eventPattern: pulumi.jsonStringify({
          source: ["aws.ecs"],
          "detail-type": ["ECS Task State Change"],
          detail: { clusterArn: [this.cluster.arn], lastStatus: ["RUNNING", "STOPPED"] },
        }),
      },
      { parent: this },
    );
    const deadLetters = new aws.sqs.Queue(
      `${name}-lifecycle-dlq`,
      { messageRetentionSeconds: 14 * 24 * 3600, sqsManagedSseEnabled: true },
      { parent: this },
    );
    new aws.sqs.QueuePolicy(
      `${name}-lifecycle-dlq-policy`,
      {
        queueUrl: deadLetters.url,
        policy: pulumi.jsonStringify(
          policyDocument({
            Sid: "EventBridgeDeadLetters",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: "sqs:SendMessage",
            Resource: deadLetters.arn,
            Condition: { ArnEquals: { "aws:SourceArn": taskStates.arn } },
          }),
        ),
      },
      { parent: this },
    );
    new aws.lambda.Permission(
      `${name}-lifecycle-invoke`,
      {
        function: this.lifecycle.functionName,
        action: "lambda:InvokeFunction",
        principal: "events.amazonaws.com",
        sourceArn: taskStates.arn,
      },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(
      `${name}-lifecycle-target`,
      {
        rule: taskStates.name,
        arn: this.lifecycle.arn,
        retryPolicy: { maximumRetryAttempts: 20, maximumEventAgeInSeconds: 3600 },
        deadLetterConfig: { arn: deadLetters.arn },
      },
      { parent: this },
    );

    this.registerOutputs({ url: this.api.url, websocketBaseUrl: this.websocketBaseUrl });
  }

  /** A role a service assumes, with one inline policy of exactly `statements`. */
  private role(name: string, service: string, statements: PolicyStatement[]): aws.iam.Role {
    const role = new aws.iam.Role(
      name,
      { assumeRolePolicy: pulumi.jsonStringify(serviceTrustPolicy(service)) },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-policy`,
      { role: role.name, policy: pulumi.jsonStringify(policyDocument(...statements)) },
      { parent: this },
    );
    return role;
  }
}

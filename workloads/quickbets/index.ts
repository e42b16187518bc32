/**
 * The QuickBets workload in the home region: the Cognito-protected API (SignedApiLambda) with its
 * four routes, the sessions table, and the Fargate trading sessions reached over WebSockets
 * through a public load balancer, each session routed by a listener rule of its own.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BundledFunction } from "../../components/bundled-function";
import { policyDocument, type PolicyStatement } from "../../components/iam";
import { SessionFleet } from "../../components/session-fleet";
import { SignedApiLambda } from "../../components/signed-api-lambda";
import type { WorkloadContext } from "../context";
import type { QuickBetsSettings } from "./settings";
import { EVENTS_ENV, LAUNCH_ENV, LIFECYCLE_ENV, SESSIONS_ENV } from "../../functions/quickbets/env";
import { functionEnvironment } from "../../functions/shared/env";

export interface QuickBetsArgs {
  /** In the home region: sessions in its private subnets, the load balancer in its public ones. */
  context: WorkloadContext;
  settings: QuickBetsSettings;
}

/** The session container's name in the task definition (launch overrides it by name). */
export const SESSION_CONTAINER = "session";

/**
 * Where the sessions go on the region's shared load balancer: their own listener on 8080 without
 * TLS (Arbees serves 80), rule priorities 1001-1998 (block 1) on the shared HTTPS listener.
 */
export const SHARED_LOAD_BALANCER = { port: 8080, priorityBlock: 1 } as const;

/** Route path of a session's WebSocket on the load balancer, as the lifecycle function writes it. */
export const SESSION_PATH_PREFIX = "/sessions/";

export class QuickBets extends pulumi.ComponentResource {
  public readonly api: SignedApiLambda;
  public readonly table: aws.dynamodb.Table;
  /** The trading sessions: their image, cluster, task definition and WebSocket load balancer. */
  public readonly sessions: SessionFleet;
  public readonly cluster: aws.ecs.Cluster;
  public readonly taskDefinition: aws.ecs.TaskDefinition;
  public readonly repository: aws.ecr.Repository;
  public readonly loadBalancer: aws.lb.LoadBalancer;
  public readonly listener: aws.lb.Listener;
  public readonly lifecycle: BundledFunction;
  /** `wss://host` (or `ws://<alb dns>` without TLS): a session's socket is `<base>/sessions/<id>`. */
  public readonly websocketBaseUrl: pulumi.Output<string>;

  constructor(name: string, args: QuickBetsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "platform:workload:QuickBets",
      name,
      {},
      { provider: args.context.home.provider, ...opts },
    );
    const { environment } = args.context;
    const secretPrefix = `${name}/${environment}/users/`;

    this.table = this.sessionsTable(name, args);
    this.sessions = this.tradingSessions(name, args, secretPrefix);
    this.cluster = this.sessions.cluster;
    this.taskDefinition = this.sessions.taskDefinition;
    this.repository = this.sessions.repository;
    this.loadBalancer = this.sessions.loadBalancer;
    this.listener = this.sessions.listener;
    this.websocketBaseUrl = this.sessions.websocketBaseUrl;
    this.api = this.signedApi(name, args, secretPrefix);
    this.lifecycle = this.sessionLifecycle(name, args);
    this.routeTaskStates(name);

    this.registerOutputs({ url: this.api.url, websocketBaseUrl: this.websocketBaseUrl });
  }

  /** Sessions per user (`pk`) and id (`sk`), expiring by TTL; PITR and protection in prod. */
  private sessionsTable(name: string, args: QuickBetsArgs): aws.dynamodb.Table {
    const { isProd } = args.context;
    return new aws.dynamodb.Table(
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
  }

  /**
   * The Fargate trading sessions reached over WebSockets through a public load balancer. A session
   * reads no secret itself: launch runs it from a revision of its own that has ECS inject the
   * user's key (KALSHI_PRIVATE_KEY), so only the execution role may read keys under the prefix.
   */
  private tradingSessions(name: string, args: QuickBetsArgs, secretPrefix: string): SessionFleet {
    const { settings } = args;
    const { environment, logRetentionInDays, containerInsights, partition, accountId } =
      args.context;
    const { network, region, accessLogs, sharedLoadBalancer } = args.context.home;
    const sessions = settings.sessions;
    const websocket = settings.websocket;
    return new SessionFleet(
      name,
      {
        network,
        environment,
        description: "QuickBets trading-session tasks",
        session: {
          imageTag: sessions.imageTag,
          cpu: sessions.cpu,
          memory: sessions.memory,
          port: sessions.port,
          cpuArchitecture: sessions.cpuArchitecture,
          environment: { KALSHI_BASE_URL: settings.kalshiBaseUrl },
        },
        containerName: SESSION_CONTAINER,
        // User keys use Secrets Manager's AWS managed key: no kms:Decrypt needed (a CMK would).
        injectedSecretArns: [
          pulumi.interpolate`arn:${partition}:secretsmanager:${region}:${accountId}:secret:${secretPrefix}*`,
        ],
        logRetentionInDays,
        containerInsights,
        ...(sharedLoadBalancer
          ? {
              sharedLoadBalancer: {
                loadBalancer: sharedLoadBalancer(),
                ...SHARED_LOAD_BALANCER,
              },
            }
          : { accessLogs: accessLogs?.forLoadBalancer(`${name}-ws`) }),
        maxSessions: sessions.maxTotal,
        tls:
          websocket.domainName && websocket.certificateArn
            ? {
                domainName: websocket.domainName,
                certificateArn: websocket.certificateArn,
                hostedZoneId: websocket.hostedZoneId,
              }
            : undefined,
        // Target group names hold 32 characters: prefix + a 22-character session id.
        targetGroupPrefix: `qb-${environment}-`,
        httpsEgressDescription: "Kalshi, ECR and Secrets Manager over HTTPS",
        // The workload created the fleet's resources itself before the fleet existed.
        formerParent: this,
      },
      { parent: this },
    );
  }

  /** The Cognito-protected API: events, launch, sessions and sign. */
  private signedApi(name: string, args: QuickBetsArgs, secretPrefix: string): SignedApiLambda {
    const { settings } = args;
    const { isProd, logRetentionInDays } = args.context;
    const { network } = args.context.home;
    const sessions = settings.sessions;
    const sessionWrites = ["GetItem", "PutItem", "UpdateItem", "DeleteItem"];
    return new SignedApiLambda(
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
              SECURITY_GROUP_IDS: this.sessions.securityGroup.id,
              MAX_SESSIONS_PER_USER: String(sessions.maxPerUser),
              MAX_SESSIONS_TOTAL: String(sessions.maxTotal),
              WEBSOCKET_BASE_URL: this.websocketBaseUrl,
              SESSION_MAX_HOURS: String(sessions.maxHours),
            }),
            statements: [this.tableAccess(sessionWrites), ...this.sessions.launchStatements()],
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
            statements: [this.tableAccess(["Query"])],
          },
          sign: {
            method: "POST",
            path: "/sign",
            handler: "functions/quickbets/sign.ts",
            keyAccess: "sign",
            description: "KALSHI-ACCESS-* headers signed with the caller's key",
          },
        },
        auth: {
          threatProtection: settings.threatProtection,
          userPoolTier: settings.userPoolTier,
          deletionProtection: isProd,
        },
        signing: {
          secretPrefix,
          upstreamUrl: settings.kalshiBaseUrl,
          upstreamTimeoutMs: settings.upstreamTimeoutMs,
        },
        corsOrigins: [...settings.corsOrigins],
        throttle: { rateLimit: settings.rateLimit, burstLimit: settings.burstLimit },
        logRetentionInDays,
      },
      { parent: this },
    );
  }

  /** Session lifecycle: ECS task state → table, target group, listener rule. */
  private sessionLifecycle(name: string, args: QuickBetsArgs): BundledFunction {
    const { settings } = args;
    const { logRetentionInDays } = args.context;
    const { network } = args.context.home;
    const sessions = settings.sessions;
    return new BundledFunction(
      `${name}-lifecycle`,
      {
        entry: "functions/quickbets/lifecycle.ts",
        description: "Marks sessions RUNNING/ENDED and routes their WebSockets",
        timeout: 30,
        // One at a time: a task's RUNNING and STOPPED never race on its rule and target group.
        reservedConcurrency: 1,
        logRetentionInDays,
        environment: functionEnvironment(LIFECYCLE_ENV, {
          SESSIONS_TABLE: this.table.name,
          CLUSTER_ARN: this.cluster.arn,
          LISTENER_ARN: this.listener.arn,
          RULE_PRIORITY_FIRST: String(this.sessions.rulePriorities.first),
          RULE_PRIORITY_LAST: String(this.sessions.rulePriorities.last),
          ...(this.sessions.host ? { SESSION_HOST: this.sessions.host } : {}),
          VPC_ID: network.vpcId,
          SESSION_PORT: String(sessions.port),
          TARGET_GROUP_PREFIX: this.sessions.targetGroupPrefix,
          SESSION_RETENTION_DAYS: String(sessions.retentionDays),
        }),
        statements: [
          this.tableAccess(["GetItem", "UpdateItem", "DeleteItem"]),
          ...this.sessions.routingStatements(),
        ],
      },
      { parent: this },
    );
  }

  /**
   * The sessions' tasks reaching RUNNING or STOPPED invoke the lifecycle function; events it
   * could not take after EventBridge's retries land in a dead-letter queue.
   */
  private routeTaskStates(name: string): void {
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
  }

  /** The table's `actions` on the sessions table, as one statement. */
  private tableAccess(actions: string[]): PolicyStatement {
    return {
      Sid: "Sessions",
      Effect: "Allow",
      Action: actions.map((a) => `dynamodb:${a}`),
      Resource: this.table.arn,
    };
  }
}

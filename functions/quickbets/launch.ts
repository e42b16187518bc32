/**
 * POST /launch `{ eventTicker }`: starts one trading session task for the caller and event.
 *
 * Order matters: the caller's key secret and the event are checked before anything is written;
 * the reservation (lock + both caps + session) is one transaction; a task that fails to start
 * has its reservation undone, so a failed launch leaves nothing behind.
 *
 * The session reads only its own user's key: its task role may read no secret at all, and ECS
 * injects the key into the container from a task-definition revision registered for this session
 * that names only the caller's secret (lib/session-revision.ts). The revision is deregistered as
 * soon as RunTask has answered, whether the task started or not.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import * as z from "zod/mini";
import { envLoader } from "../shared/env";
import { onFirstUse } from "../shared/lazy";
import { apiHandler, callerId, HttpError, parseJsonBody } from "../shared/http";
import { LAUNCH_ENV } from "./env";
import { parseLaunchConfig, type LaunchConfig } from "./lib/config";
import { newSessionId, TICKER } from "./lib/ids";
import { getEvent } from "./lib/kalshi";
import { SessionRevisionError, sessionRevision } from "./lib/session-revision";
import type { Session } from "./lib/store";
import { userKeySecretArn, userKeySecretName } from "./lib/user-keys";
import { sessionView } from "./lib/view";

const logger = new Logger();
// Loaded by the first launch, not at cold start: each client package is 100+ ms to load. The
// session store comes with the DynamoDB client (lib/store imports the package's commands).
const storeSdk = onFirstUse(async () => {
  const [{ DynamoDBClient }, lib] = await Promise.all([
    import("@aws-sdk/client-dynamodb"),
    import("./lib/store"),
  ]);
  return { lib, dynamo: new DynamoDBClient({}) };
});
const ecsSdk = onFirstUse(() => import("@aws-sdk/client-ecs"));
const ecs = onFirstUse(async () => new (await ecsSdk()).ECSClient({}));
const secrets = onFirstUse(
  async () => new (await import("@aws-sdk/client-secrets-manager")).SecretsManagerClient({}),
);
const config = envLoader(LAUNCH_ENV, parseLaunchConfig);

const Body = z.strictObject({
  eventTicker: z
    .string()
    .check(z.regex(TICKER, "must be 1-64 uppercase letters, digits, '-', '.' or '_'")),
});

/** The environment the session container starts with; its key arrives as a secret, not here. */
export function sessionEnvironment(session: Session): { name: string; value: string }[] {
  return [
    { name: "QUICKBETS_SESSION_ID", value: session.sessionId },
    { name: "QUICKBETS_USER_ID", value: session.userId },
    { name: "QUICKBETS_EVENT_TICKER", value: session.eventTicker },
  ];
}

/** Attempts at registering a revision while other launches register theirs in the same family. */
const REGISTER_ATTEMPTS = 4;

/** ECS refuses a revision while another registration of the family is in flight (a ClientException). */
function isConcurrentRegistration(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === "ClientException" &&
    /too many concurrent attempts/i.test(error.message)
  );
}

/** The session's own revision of the base task definition, naming only `keySecretArn`. */
async function registerRevision(cfg: LaunchConfig, keySecretArn: string): Promise<string> {
  const { DescribeTaskDefinitionCommand, RegisterTaskDefinitionCommand } = await ecsSdk();
  const client = await ecs();
  const { taskDefinition: base } = await client.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: cfg.taskDefinitionArn }),
  );
  if (!base) throw new SessionRevisionError(`ECS described no ${cfg.taskDefinitionArn}`);
  const input = sessionRevision(base, cfg.containerName, keySecretArn);
  for (let attempt = 1; ; attempt++) {
    try {
      const { taskDefinition } = await client.send(new RegisterTaskDefinitionCommand(input));
      if (!taskDefinition?.taskDefinitionArn) {
        throw new SessionRevisionError("ECS registered no revision");
      }
      return taskDefinition.taskDefinitionArn;
    } catch (error) {
      // The SDK retries throttling itself; this refusal is a ClientException it does not retry.
      if (attempt >= REGISTER_ATTEMPTS || !isConcurrentRegistration(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt * (1 + Math.random())));
    }
  }
}

/**
 * Deregisters the session's revision once RunTask has answered: no task can start from it again,
 * and per the DeregisterTaskDefinition API reference "existing tasks and services that reference
 * an INACTIVE task definition continue to run without disruption". A failure is logged with the
 * ARN to deregister by hand, not thrown: the task has started (or not) either way.
 */
async function deregisterRevision(revisionArn: string): Promise<void> {
  const { DeregisterTaskDefinitionCommand } = await ecsSdk();
  try {
    await (await ecs()).send(new DeregisterTaskDefinitionCommand({ taskDefinition: revisionArn }));
  } catch (error) {
    logger.error("the session's task definition revision is still ACTIVE; deregister it", {
      taskDefinitionArn: revisionArn,
      error: error as Error,
    });
  }
}

/** ECS answered RunTask without starting the task; `message` is ECS's reason. */
class TaskNotStarted extends Error {
  override readonly name = "TaskNotStarted";
}

/** Starts the session's task from `revisionArn`; throws with the reason ECS gave when it does not. */
async function runTask(cfg: LaunchConfig, session: Session, revisionArn: string): Promise<string> {
  const { RunTaskCommand } = await ecsSdk();
  const result = await (
    await ecs()
  ).send(
    new RunTaskCommand({
      cluster: cfg.clusterArn,
      taskDefinition: revisionArn,
      launchType: "FARGATE",
      count: 1,
      startedBy: session.sessionId,
      // RunTask retried by the SDK must not start a second task.
      clientToken: session.sessionId,
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: [...cfg.subnetIds],
          securityGroups: [...cfg.securityGroupIds],
          assignPublicIp: "DISABLED",
        },
      },
      overrides: {
        containerOverrides: [{ name: cfg.containerName, environment: sessionEnvironment(session) }],
      },
    }),
  );
  const taskArn = result.tasks?.[0]?.taskArn;
  const failure = result.failures?.[0];
  if (failure || !taskArn) {
    const reason = failure
      ? [failure.reason, failure.detail].filter(Boolean).join(": ") || "unknown reason"
      : "ECS started no task";
    throw new TaskNotStarted(reason);
  }
  return taskArn;
}

/** Registers the session's revision, runs its task, and deregisters the revision in any case. */
async function startTask(
  cfg: LaunchConfig,
  session: Session,
  keySecretArn: string,
): Promise<string> {
  const revisionArn = await registerRevision(cfg, keySecretArn);
  try {
    return await runTask(cfg, session, revisionArn);
  } finally {
    await deregisterRevision(revisionArn);
  }
}

export const handler = apiHandler(
  { logger, allowedOrigins: () => config().allowedOrigins },
  async (event) => {
    const cfg = config();
    const userId = callerId(event);
    const { eventTicker } = parseJsonBody(event, Body);

    const keySecretArn = await userKeySecretArn(
      await secrets(),
      userKeySecretName(cfg.userKeySecretPrefix, userId),
    );
    await getEvent(cfg, eventTicker);

    const { lib, dynamo } = await storeSdk();
    const now = new Date();
    const store = new lib.SessionStore(dynamo, cfg.sessionsTable);
    const session: Session = {
      sessionId: newSessionId(now.getTime()),
      userId,
      eventTicker,
      status: "PENDING",
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      expiresAt: lib.epochSeconds(now) + cfg.sessionMaxHours * 3600,
    };
    const reservation = await store.reserve(session, {
      perUser: cfg.maxSessionsPerUser,
      total: cfg.maxSessionsTotal,
    });
    if (!reservation.reserved) {
      logger.info("session already live for this event", {
        sessionId: reservation.existing.sessionId,
      });
      return { status: 200, body: sessionView(reservation.existing, cfg.websocketBaseUrl) };
    }

    let taskArn: string;
    try {
      taskArn = await startTask(cfg, session, keySecretArn);
    } catch (error) {
      logger.warn("the task did not start; releasing the reservation", error as Error);
      await store.release(session);
      // ECS's own reasons are safe to show; an SDK error is named, its details only logged.
      const reason =
        error instanceof TaskNotStarted
          ? error.message
          : error instanceof Error
            ? error.name
            : "unknown error";
      throw new HttpError(
        503,
        "launch_failed",
        `the session task did not start: ${reason}`,
        undefined,
        { cause: error },
      );
    }
    const started = await store.markStarting(userId, session.sessionId, taskArn, new Date());
    logger.info("session launched", { sessionId: session.sessionId, taskArn });
    return { status: 201, body: sessionView(started, cfg.websocketBaseUrl) };
  },
);

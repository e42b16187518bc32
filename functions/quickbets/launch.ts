/**
 * POST /launch `{ eventTicker }`: starts one trading session task for the caller and event.
 *
 * Order matters: the caller's key secret and the event are checked before anything is written;
 * the reservation (lock + both caps + session) is one transaction; a task that fails to start
 * has its reservation undone, so a failed launch leaves nothing behind.
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

/** The environment the session container starts with. */
export function sessionEnvironment(
  session: Session,
  keySecretArn: string,
): { name: string; value: string }[] {
  return [
    { name: "QUICKBETS_SESSION_ID", value: session.sessionId },
    { name: "QUICKBETS_USER_ID", value: session.userId },
    { name: "QUICKBETS_EVENT_TICKER", value: session.eventTicker },
    { name: "KALSHI_KEY_SECRET_ARN", value: keySecretArn },
  ];
}

/** ECS answered RunTask without starting the task; `message` is ECS's reason. */
class TaskNotStarted extends Error {
  override readonly name = "TaskNotStarted";
}

/** Starts the session's task; throws with the reason ECS gave when it does not. */
async function runTask(cfg: LaunchConfig, session: Session, keySecretArn: string): Promise<string> {
  const { RunTaskCommand } = await ecsSdk();
  const result = await (
    await ecs()
  ).send(
    new RunTaskCommand({
      cluster: cfg.clusterArn,
      taskDefinition: cfg.taskDefinitionArn,
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
        containerOverrides: [
          { name: cfg.containerName, environment: sessionEnvironment(session, keySecretArn) },
        ],
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
      taskArn = await runTask(cfg, session, keySecretArn);
    } catch (error) {
      logger.warn("RunTask failed; releasing the reservation", error as Error);
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

/**
 * EventBridge "ECS Task State Change" for the session cluster. RUNNING routes the session through
 * the ALB (target group + listener rule) and marks it RUNNING; STOPPED removes that routing and
 * ends the session, releasing its lock and counter slots in one transaction. Every step tolerates
 * redelivery, reordering and a concurrent twin, so nothing is leaked or counted twice.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Context, EventBridgeEvent } from "aws-lambda";
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { envLoader } from "../shared/env";
import { onFirstUse } from "../shared/lazy";
import { LIFECYCLE_ENV } from "./env";
import { parseLifecycleConfig, type LifecycleConfig } from "./lib/config";
import type { SessionRouting } from "./lib/routing";
import { SessionStore } from "./lib/store";

z.config(en());

const logger = new Logger();
const dynamo = new DynamoDBClient({});
// Loaded by the first event that needs them, not at cold start (100+ ms per client package).
const ecsSdk = onFirstUse(() => import("@aws-sdk/client-ecs"));
const ecs = onFirstUse(async () => new (await ecsSdk()).ECSClient({}));
const elb = onFirstUse(
  async () =>
    new (await import("@aws-sdk/client-elastic-load-balancing-v2")).ElasticLoadBalancingV2Client(
      {},
    ),
);
/** The session's routing, with the ELB client (and the module that uses it) loaded on first use. */
async function routingFor(cfg: LifecycleConfig): Promise<SessionRouting> {
  const { SessionRouting } = await import("./lib/routing");
  return new SessionRouting(await elb(), cfg);
}
const config = envLoader(LIFECYCLE_ENV, parseLifecycleConfig);

/** Read–release–end rounds for STOPPED when a concurrent RUNNING keeps changing the session. */
const END_ATTEMPTS = 3;

const NameValue = z.looseObject({ name: z.optional(z.string()), value: z.optional(z.string()) });

export const TaskStateDetail = z.looseObject({
  clusterArn: z.string(),
  taskArn: z.string(),
  lastStatus: z.string(),
  desiredStatus: z.optional(z.string()),
  stoppedReason: z.optional(z.string()),
  stopCode: z.optional(z.string()),
  startedBy: z.optional(z.string()),
  attachments: z.optional(
    z.array(
      z.looseObject({ type: z.optional(z.string()), details: z.optional(z.array(NameValue)) }),
    ),
  ),
  containers: z.optional(
    z.array(
      z.looseObject({
        networkInterfaces: z.optional(
          z.array(z.looseObject({ privateIpv4Address: z.optional(z.string()) })),
        ),
      }),
    ),
  ),
  overrides: z.optional(
    z.looseObject({
      containerOverrides: z.optional(
        z.array(z.looseObject({ environment: z.optional(z.array(NameValue)) })),
      ),
    }),
  ),
});
export type TaskStateDetail = z.infer<typeof TaskStateDetail>;

export type TaskStateChange = EventBridgeEvent<"ECS Task State Change", unknown>;

/** The session a task belongs to, from the environment launch gave its container. */
export function sessionOfTask(
  detail: TaskStateDetail,
): { sessionId: string; userId: string } | undefined {
  const environment = (detail.overrides?.containerOverrides ?? []).flatMap(
    (c) => c.environment ?? [],
  );
  const value = (name: string): string | undefined =>
    environment.find((e) => e.name === name)?.value;
  const sessionId = value("QUICKBETS_SESSION_ID");
  const userId = value("QUICKBETS_USER_ID");
  return sessionId && userId ? { sessionId, userId } : undefined;
}

/** The task's private IPv4 address (awsvpc ENI attachment, else the container's interface). */
export function privateIpOfTask(detail: TaskStateDetail): string | undefined {
  for (const attachment of detail.attachments ?? []) {
    const ip = attachment.details?.find((d) => d.name === "privateIPv4Address")?.value;
    if (ip) return ip;
  }
  for (const container of detail.containers ?? []) {
    const ip = container.networkInterfaces?.find((n) => n.privateIpv4Address)?.privateIpv4Address;
    if (ip) return ip;
  }
  return undefined;
}

async function onRunning(
  cfg: LifecycleConfig,
  detail: TaskStateDetail,
  ids: { sessionId: string; userId: string },
): Promise<void> {
  const store = new SessionStore(dynamo, cfg.sessionsTable);
  const session = await store.get(ids.userId, ids.sessionId);
  if (!session) {
    // Launch gave up on this task (its reservation is gone): nothing may run unaccounted for.
    logger.warn("task runs without a session; stopping it", { ...ids, taskArn: detail.taskArn });
    const { StopTaskCommand } = await ecsSdk();
    await (
      await ecs()
    ).send(
      new StopTaskCommand({
        cluster: cfg.clusterArn,
        task: detail.taskArn,
        reason: "QuickBets session no longer exists",
      }),
    );
    return;
  }
  if (session.taskArn && session.taskArn !== detail.taskArn) {
    logger.warn("task is not the session's task; ignored", { ...ids, taskArn: detail.taskArn });
    return;
  }
  if (session.status === "RUNNING" || session.status === "ENDED") {
    logger.info("session already past RUNNING; event ignored", { ...ids, status: session.status });
    return;
  }
  const ip = privateIpOfTask(detail);
  if (!ip) throw new Error(`task ${detail.taskArn} is RUNNING without a private IPv4 address`);

  const routing = await routingFor(cfg);
  const { targetGroupArn, ruleArn } = await routing.ensure(ids.sessionId, ip);
  const marked = await store.markRunning(
    ids.userId,
    ids.sessionId,
    { privateIp: ip, targetGroupArn, ruleArn, taskArn: detail.taskArn },
    new Date(),
  );
  if (marked) {
    logger.info("session running", { ...ids, privateIp: ip, ruleArn });
    return;
  }
  // The session ended while we were routing it: the routing just made is ours to remove.
  logger.info("session ended during routing; removing it", ids);
  await routing.release(ids.sessionId, { targetGroupArn, ruleArn });
}

async function onStopped(
  cfg: LifecycleConfig,
  detail: TaskStateDetail,
  ids: { sessionId: string; userId: string },
): Promise<void> {
  const store = new SessionStore(dynamo, cfg.sessionsTable);
  const routing = await routingFor(cfg);
  const stopReason = detail.stoppedReason ?? detail.stopCode ?? "task stopped";
  for (let attempt = 1; attempt <= END_ATTEMPTS; attempt++) {
    const session = await store.get(ids.userId, ids.sessionId);
    if (!session) {
      // Launch's compensation removed it, or TTL did; routing may still linger under the name.
      await routing.release(ids.sessionId, {});
      logger.info("stopped task has no session", ids);
      return;
    }
    if (session.taskArn && session.taskArn !== detail.taskArn) {
      logger.warn("task is not the session's task; ignored", { ...ids, taskArn: detail.taskArn });
      return;
    }
    if (session.status === "ENDED") {
      logger.info("session already ended", ids);
      return;
    }
    await routing.release(ids.sessionId, session);
    const outcome = await store.end(session, {
      stopReason,
      now: new Date(),
      retentionDays: cfg.sessionRetentionDays,
    });
    if (outcome !== "changed") {
      logger.info("session ended", { ...ids, outcome, stopReason });
      return;
    }
  }
  throw new Error(
    `session ${ids.sessionId} kept changing while being ended; EventBridge will retry`,
  );
}

export const handler = async (event: TaskStateChange, context?: Context): Promise<void> => {
  if (context) logger.addContext(context);
  const cfg = config();
  const parsed = TaskStateDetail.safeParse(event.detail);
  if (!parsed.success) {
    logger.warn("not an ECS task state change; ignored", { issues: parsed.error.issues.length });
    return;
  }
  const detail = parsed.data;
  if (detail.clusterArn !== cfg.clusterArn) {
    logger.info("task of another cluster; ignored", { clusterArn: detail.clusterArn });
    return;
  }
  const ids = sessionOfTask(detail);
  if (!ids) {
    logger.info("task is not a QuickBets session; ignored", { taskArn: detail.taskArn });
    return;
  }
  if (detail.lastStatus === "STOPPED") return onStopped(cfg, detail, ids);
  if (detail.lastStatus === "RUNNING" && detail.desiredStatus !== "STOPPED") {
    return onRunning(cfg, detail, ids);
  }
  logger.debug("transitional task state; ignored", { ...ids, lastStatus: detail.lastStatus });
};

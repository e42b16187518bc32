/**
 * The sessions table (keys `pk`, `sk`; TTL on `expiresAt`):
 *
 *   USER#<sub>  SESSION#<sessionId>  the session (ids sort by creation time)
 *   USER#<sub>  EVENT#<ticker>       lock: one live session per user and event
 *   USER#<sub>  COUNTER              { active } live sessions of the user
 *   GLOBAL      COUNTER              { active } live sessions of everybody
 *
 * A session is reserved (lock, both counters, session) and ended (session, lock, both counters)
 * by one transaction each, so the counters move exactly once per session whatever is retried.
 */
import {
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type CancellationReason,
  type DynamoDBClient,
  type TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
import { HttpError } from "../../shared/http";

export type SessionStatus = "PENDING" | "STARTING" | "RUNNING" | "ENDED";

export interface Session {
  sessionId: string;
  userId: string;
  eventTicker: string;
  status: SessionStatus;
  createdAt: string;
  updatedAt: string;
  /** Epoch seconds after which DynamoDB's TTL may delete the item. */
  expiresAt: number;
  taskArn?: string;
  privateIp?: string;
  targetGroupArn?: string;
  ruleArn?: string;
  endedAt?: string;
  stopReason?: string;
}

type Item = Record<string, AttributeValue>;

export const COUNTER_SK = "COUNTER";
export const GLOBAL_PK = "GLOBAL";

export const userPk = (userId: string): string => `USER#${userId}`;
export const sessionSk = (sessionId: string): string => `SESSION#${sessionId}`;
export const lockSk = (eventTicker: string): string => `EVENT#${eventTicker}`;

const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });

const OPTIONAL_STRINGS = [
  "taskArn",
  "privateIp",
  "targetGroupArn",
  "ruleArn",
  "endedAt",
  "stopReason",
] as const;

const STATUSES: readonly string[] = ["PENDING", "STARTING", "RUNNING", "ENDED"];

export function sessionToItem(session: Session): Item {
  const item: Item = {
    pk: S(userPk(session.userId)),
    sk: S(sessionSk(session.sessionId)),
    sessionId: S(session.sessionId),
    userId: S(session.userId),
    eventTicker: S(session.eventTicker),
    status: S(session.status),
    createdAt: S(session.createdAt),
    updatedAt: S(session.updatedAt),
    expiresAt: N(session.expiresAt),
  };
  for (const name of OPTIONAL_STRINGS) {
    const value = session[name];
    if (value !== undefined) item[name] = S(value);
  }
  return item;
}

export function sessionFromItem(item: Item): Session {
  const text = (name: string): string => {
    const value = item[name]?.S;
    if (value === undefined) throw new Error(`session item lacks ${name}`);
    return value;
  };
  const status = text("status");
  if (!STATUSES.includes(status)) throw new Error(`session item has unknown status ${status}`);
  const session: Session = {
    sessionId: text("sessionId"),
    userId: text("userId"),
    eventTicker: text("eventTicker"),
    status: status as SessionStatus,
    createdAt: text("createdAt"),
    updatedAt: text("updatedAt"),
    expiresAt: Number(item.expiresAt?.N ?? 0),
  };
  for (const name of OPTIONAL_STRINGS) {
    const value = item[name]?.S;
    if (value !== undefined) session[name] = value;
  }
  return session;
}

export const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (error instanceof Error && error.name === "TransactionCanceledException") {
    return (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
  }
  return undefined;
}

const failedCheck = (reason: CancellationReason | undefined): boolean =>
  reason?.Code === "ConditionalCheckFailed";

function conflict(cause: unknown): HttpError {
  return new HttpError(
    409,
    "conflict",
    "another request changed your sessions at the same time; retry",
    undefined,
    { cause },
  );
}

export class SessionStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async get(userId: string, sessionId: string): Promise<Session | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: { pk: S(userPk(userId)), sk: S(sessionSk(sessionId)) },
        ConsistentRead: true,
      }),
    );
    return Item ? sessionFromItem(Item) : undefined;
  }

  /**
   * Reserves `session` (status PENDING): its event lock and a slot under both caps. When the user
   * already has a live session for the event, that session is returned instead (a double click).
   */
  async reserve(
    session: Session,
    caps: { perUser: number; total: number },
  ): Promise<{ reserved: true } | { reserved: false; existing: Session }> {
    const counter = (pk: string, cap: number): TransactWriteItem => ({
      Update: {
        TableName: this.table,
        Key: { pk: S(pk), sk: S(COUNTER_SK) },
        UpdateExpression: "ADD active :one",
        ConditionExpression: "attribute_not_exists(active) OR active < :cap",
        ExpressionAttributeValues: { ":one": N(1), ":cap": N(cap) },
      },
    });
    const pk = userPk(session.userId);
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          // The SDK's retries of this very request are then no-ops, not false "lock exists".
          ClientRequestToken: session.sessionId,
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: {
                  pk: S(pk),
                  sk: S(lockSk(session.eventTicker)),
                  sessionId: S(session.sessionId),
                  expiresAt: N(session.expiresAt),
                },
                ConditionExpression: "attribute_not_exists(pk)",
                ReturnValuesOnConditionCheckFailure: "ALL_OLD",
              },
            },
            counter(pk, caps.perUser),
            counter(GLOBAL_PK, caps.total),
            {
              Put: {
                TableName: this.table,
                Item: sessionToItem(session),
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
          ],
        }),
      );
      return { reserved: true };
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      const [lock, user, total] = reasons;
      if (failedCheck(lock)) {
        const existingId = lock?.Item?.sessionId?.S;
        const existing = existingId ? await this.get(session.userId, existingId) : undefined;
        if (!existing) throw conflict(error);
        return { reserved: false, existing };
      }
      if (failedCheck(user)) {
        throw new HttpError(
          429,
          "too_many_sessions",
          `you already have the maximum of ${caps.perUser} active session${caps.perUser === 1 ? "" : "s"}; end one first`,
          undefined,
          { cause: error },
        );
      }
      if (failedCheck(total)) {
        throw new HttpError(
          429,
          "capacity_reached",
          `all ${caps.total} session slots are in use; try again later`,
          undefined,
          { cause: error },
        );
      }
      if (reasons.some((reason) => reason.Code === "TransactionConflict")) throw conflict(error);
      throw error;
    }
  }

  /** Undoes `reserve` for a session whose task never started: nothing of it remains. */
  async release(session: Session): Promise<void> {
    const pk = userPk(session.userId);
    await this.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Delete: {
              TableName: this.table,
              Key: { pk: S(pk), sk: S(lockSk(session.eventTicker)) },
              ConditionExpression: "sessionId = :id",
              ExpressionAttributeValues: { ":id": S(session.sessionId) },
            },
          },
          {
            Delete: {
              TableName: this.table,
              Key: { pk: S(pk), sk: S(sessionSk(session.sessionId)) },
              ConditionExpression: "attribute_exists(pk)",
            },
          },
          this.decrement(pk),
          this.decrement(GLOBAL_PK),
        ],
      }),
    );
  }

  /**
   * PENDING → STARTING with the task's ARN. When the lifecycle function got there first (the task
   * already runs or stopped), the session is returned as it is.
   */
  async markStarting(
    userId: string,
    sessionId: string,
    taskArn: string,
    now: Date,
  ): Promise<Session> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: S(userPk(userId)), sk: S(sessionSk(sessionId)) },
          UpdateExpression: "SET #status = :starting, taskArn = :task, updatedAt = :now",
          ConditionExpression: "#status = :pending",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":starting": S("STARTING"),
            ":pending": S("PENDING"),
            ":task": S(taskArn),
            ":now": S(now.toISOString()),
          },
          ReturnValues: "ALL_NEW",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      if (!Attributes) throw new Error("UpdateItem returned no attributes");
      return sessionFromItem(Attributes);
    } catch (error) {
      const item = (error as { name?: string; Item?: Item }).Item;
      if ((error as Error).name === "ConditionalCheckFailedException" && item) {
        return sessionFromItem(item);
      }
      throw error;
    }
  }

  /** PENDING/STARTING → RUNNING with its routing; false when the session moved on meanwhile. */
  async markRunning(
    userId: string,
    sessionId: string,
    routing: { privateIp: string; targetGroupArn: string; ruleArn: string; taskArn: string },
    now: Date,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: S(userPk(userId)), sk: S(sessionSk(sessionId)) },
          UpdateExpression:
            "SET #status = :running, privateIp = :ip, targetGroupArn = :tg, ruleArn = :rule, taskArn = :task, updatedAt = :now",
          ConditionExpression: "#status IN (:pending, :starting)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":running": S("RUNNING"),
            ":pending": S("PENDING"),
            ":starting": S("STARTING"),
            ":ip": S(routing.privateIp),
            ":tg": S(routing.targetGroupArn),
            ":rule": S(routing.ruleArn),
            ":task": S(routing.taskArn),
            ":now": S(now.toISOString()),
          },
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === "ConditionalCheckFailedException") return false;
      throw error;
    }
  }

  /**
   * Ends `seen` (as read, routing already released): ENDED, its lock deleted, both counters down
   * by one, all in one transaction that holds only while the session is not ENDED and still
   * records the routing that was released. "changed" means: read again and retry.
   */
  async end(
    seen: Session,
    outcome: { stopReason: string; now: Date; retentionDays: number },
  ): Promise<"ended" | "already_ended" | "changed"> {
    const pk = userPk(seen.userId);
    const names: Record<string, string> = { "#status": "status" };
    const values: Item = {
      ":ended": S("ENDED"),
      ":now": S(outcome.now.toISOString()),
      ":reason": S(outcome.stopReason),
      ":expires": N(epochSeconds(outcome.now) + outcome.retentionDays * 86_400),
    };
    const same = (attribute: "targetGroupArn" | "ruleArn", placeholder: string): string => {
      const value = seen[attribute];
      if (value === undefined) return `attribute_not_exists(${attribute})`;
      values[placeholder] = S(value);
      return `${attribute} = ${placeholder}`;
    };
    const condition = `#status <> :ended AND ${same("targetGroupArn", ":tg")} AND ${same("ruleArn", ":rule")}`;
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: { pk: S(pk), sk: S(sessionSk(seen.sessionId)) },
                UpdateExpression:
                  "SET #status = :ended, endedAt = :now, updatedAt = :now, stopReason = :reason, expiresAt = :expires",
                ConditionExpression: condition,
                ExpressionAttributeNames: names,
                ExpressionAttributeValues: values,
                ReturnValuesOnConditionCheckFailure: "ALL_OLD",
              },
            },
            {
              // Another session's lock for the same event is never this one's to delete.
              Delete: {
                TableName: this.table,
                Key: { pk: S(pk), sk: S(lockSk(seen.eventTicker)) },
                ConditionExpression: "attribute_not_exists(pk) OR sessionId = :id",
                ExpressionAttributeValues: { ":id": S(seen.sessionId) },
              },
            },
            this.decrement(pk),
            this.decrement(GLOBAL_PK),
          ],
        }),
      );
      return "ended";
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      const [session] = reasons;
      if (failedCheck(session)) {
        return session?.Item?.status?.S === "ENDED" || !session?.Item ? "already_ended" : "changed";
      }
      if (reasons.some((reason) => reason.Code === "TransactionConflict")) return "changed";
      throw error;
    }
  }

  /** One page of the user's sessions, newest first. */
  async list(
    userId: string,
    limit: number,
    startKey?: { pk: string; sk: string },
  ): Promise<{ sessions: Session[]; lastKey?: { pk: string; sk: string } }> {
    const { Items = [], LastEvaluatedKey } = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": S(userPk(userId)), ":prefix": S(sessionSk("")) },
        ScanIndexForward: false,
        Limit: limit,
        ...(startKey ? { ExclusiveStartKey: { pk: S(startKey.pk), sk: S(startKey.sk) } } : {}),
      }),
    );
    const pk = LastEvaluatedKey?.pk?.S;
    const sk = LastEvaluatedKey?.sk?.S;
    return {
      sessions: Items.map(sessionFromItem),
      ...(pk !== undefined && sk !== undefined ? { lastKey: { pk, sk } } : {}),
    };
  }

  private decrement(pk: string): TransactWriteItem {
    return {
      Update: {
        TableName: this.table,
        Key: { pk: S(pk), sk: S(COUNTER_SK) },
        UpdateExpression: "ADD active :minus",
        ExpressionAttributeValues: { ":minus": N(-1) },
      },
    };
  }
}

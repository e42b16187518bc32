/**
 * The sessions store against an in-memory table that enforces its conditions (and a scripted
 * client for the failures a table cannot produce): each transaction's items, each cap at its
 * boundary, each cancellation reason, and what is left behind.
 */
import { expect } from "chai";
import {
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type CancellationReason,
} from "@aws-sdk/client-dynamodb";
import {
  epochSeconds,
  SessionStore,
  sessionFromItem,
  sessionToItem,
  type Session,
  type SessionStatus,
} from "../../../functions/quickbets/lib/store";
import { HttpError } from "../../../functions/shared/http";
import { rejection, thrown } from "../../helpers/errors";
import { FakeTable, mockDynamo } from "../helpers/fake-dynamodb";

const TABLE = "sessions";
const NOW = new Date("2025-11-27T18:00:00.000Z");

const pending = (overrides: Partial<Session> = {}): Session => ({
  sessionId: "00mi0abcd0123456789ab",
  userId: "user-a",
  eventTicker: "KXNFLGAME-A",
  status: "PENDING",
  createdAt: NOW.toISOString(),
  updatedAt: NOW.toISOString(),
  expiresAt: 1764300000,
  ...overrides,
});

const named = (name: string, extra: object = {}): Error =>
  Object.assign(new Error(name), { name }, extra);
const cancelled = (reasons?: CancellationReason[]) =>
  new TransactionCanceledException({
    message: "Transaction cancelled",
    $metadata: {},
    ...(reasons ? { CancellationReasons: reasons } : {}),
  });

/** A client whose every send fails with `error` (what a table cannot be made to do). */
function failing(error: unknown): DynamoDBClient {
  return {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- some are no Error on purpose
    send: () => Promise.reject(error),
  } as unknown as DynamoDBClient;
}

/** The HttpError `error` is, as the client sees it. */
function answered(error: Error) {
  expect(error).to.be.instanceOf(HttpError);
  return { status: (error as HttpError).status, body: (error as HttpError).toJSON() };
}

const CONFLICT = {
  status: 409,
  body: {
    error: "conflict",
    message: "another request changed your sessions at the same time; retry",
  },
};

describe("quickbets sessions store", () => {
  describe("session items", () => {
    const full: Session = {
      ...pending({ status: "ENDED" }),
      taskArn: "arn:task",
      privateIp: "10.0.0.1",
      targetGroupArn: "arn:tg",
      ruleArn: "arn:rule",
      endedAt: "2025-11-27T19:00:00.000Z",
      stopReason: "Essential container exited",
    };

    it("hold exactly the session's attributes, optional ones only when set", () => {
      expect(sessionToItem(pending())).to.deep.equal({
        pk: { S: "USER#user-a" },
        sk: { S: "SESSION#00mi0abcd0123456789ab" },
        sessionId: { S: "00mi0abcd0123456789ab" },
        userId: { S: "user-a" },
        eventTicker: { S: "KXNFLGAME-A" },
        status: { S: "PENDING" },
        createdAt: { S: NOW.toISOString() },
        updatedAt: { S: NOW.toISOString() },
        expiresAt: { N: "1764300000" },
      });
      expect(sessionToItem(full)).to.deep.include({
        taskArn: { S: "arn:task" },
        privateIp: { S: "10.0.0.1" },
        targetGroupArn: { S: "arn:tg" },
        ruleArn: { S: "arn:rule" },
        endedAt: { S: "2025-11-27T19:00:00.000Z" },
        stopReason: { S: "Essential container exited" },
      });
    });

    for (const status of ["PENDING", "STARTING", "RUNNING", "ENDED"] as SessionStatus[]) {
      it(`round-trip a ${status} session`, () => {
        const session = { ...full, status };
        expect(sessionFromItem(sessionToItem(session))).to.deep.equal(session);
        expect(sessionFromItem(sessionToItem(pending({ status })))).to.deep.equal(
          pending({ status }),
        );
      });
    }

    it("read a missing expiresAt as 0", () => {
      const item = sessionToItem(pending());
      delete item.expiresAt;
      expect(sessionFromItem(item).expiresAt).to.equal(0);
    });

    for (const name of ["sessionId", "userId", "eventTicker", "status", "createdAt", "updatedAt"]) {
      it(`refuse an item without ${name}, naming it`, () => {
        const item = sessionToItem(pending());
        delete item[name];
        expect(thrown(() => sessionFromItem(item)).message).to.equal(`session item lacks ${name}`);
        // A number where a string belongs is missing too.
        expect(
          thrown(() => sessionFromItem({ ...sessionToItem(pending()), [name]: { N: "1" } }))
            .message,
        ).to.equal(`session item lacks ${name}`);
      });
    }

    it("refuse an unknown status, naming it", () => {
      const item = { ...sessionToItem(pending()), status: { S: "LOST" } };
      expect(thrown(() => sessionFromItem(item)).message).to.equal(
        "session item has unknown status LOST",
      );
    });
  });

  it("epochSeconds rounds down", () => {
    expect(epochSeconds(new Date(1_700_000_000_999))).to.equal(1_700_000_000);
  });

  describe("against the table", () => {
    let table: FakeTable;
    let dynamo: ReturnType<typeof mockDynamo>;
    let store: SessionStore;
    beforeEach(() => {
      table = new FakeTable();
      dynamo = mockDynamo(table);
      store = new SessionStore(new DynamoDBClient({ region: "us-east-1" }), TABLE);
    });
    afterEach(() => dynamo.restore());

    const caps = { perUser: 2, total: 3 };
    const counters = () => ({
      user: table.counter("USER#user-a"),
      global: table.counter("GLOBAL"),
    });

    describe("get", () => {
      it("reads the session consistently, by user and id", async () => {
        await store.reserve(pending(), caps);
        expect(await store.get("user-a", "00mi0abcd0123456789ab")).to.deep.equal(pending());
        expect(dynamo.commandCalls(GetItemCommand)[0]!.args[0].input).to.deep.equal({
          TableName: TABLE,
          Key: { pk: { S: "USER#user-a" }, sk: { S: "SESSION#00mi0abcd0123456789ab" } },
          ConsistentRead: true,
        });
      });

      it("answers undefined for another user's session or an unknown id", async () => {
        await store.reserve(pending(), caps);
        expect(await store.get("user-b", "00mi0abcd0123456789ab")).to.equal(undefined);
        expect(await store.get("user-a", "00mi0zzzz0123456789ab")).to.equal(undefined);
      });
    });

    describe("reserve", () => {
      it("writes the lock, both counters and the session in one idempotent transaction", async () => {
        expect(await store.reserve(pending(), caps)).to.deep.equal({ reserved: true });
        expect(table.dump()).to.deep.equal([
          { pk: "GLOBAL", sk: "COUNTER", active: 1 },
          { pk: "USER#user-a", sk: "COUNTER", active: 1 },
          {
            pk: "USER#user-a",
            sk: "EVENT#KXNFLGAME-A",
            sessionId: "00mi0abcd0123456789ab",
            expiresAt: 1764300000,
          },
          {
            pk: "USER#user-a",
            sk: "SESSION#00mi0abcd0123456789ab",
            sessionId: "00mi0abcd0123456789ab",
            userId: "user-a",
            eventTicker: "KXNFLGAME-A",
            status: "PENDING",
            createdAt: NOW.toISOString(),
            updatedAt: NOW.toISOString(),
            expiresAt: 1764300000,
          },
        ]);
        const input = dynamo.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input;
        expect(input.ClientRequestToken).to.equal("00mi0abcd0123456789ab");
        expect(input.TransactItems![0]!.Put!.ReturnValuesOnConditionCheckFailure).to.equal(
          "ALL_OLD",
        );
      });

      it("returns the live session of a double click, reserving nothing more", async () => {
        await store.reserve(pending(), caps);
        const before = table.dump();
        const twin = pending({ sessionId: "00mi0abce0123456789ab" });
        expect(await store.reserve(twin, caps)).to.deep.equal({
          reserved: false,
          existing: pending(),
        });
        expect(table.dump()).to.deep.equal(before);
      });

      it("a lock whose session is gone → 409 conflict", async () => {
        await store.reserve(pending(), caps);
        table.items.delete(`USER#user-a\u0000SESSION#00mi0abcd0123456789ab`);
        const error = await rejection(
          store.reserve(pending({ sessionId: "00mi0abce0123456789ab" }), caps),
        );
        expect(answered(error)).to.deep.equal(CONFLICT);
        expect(error.cause).to.be.instanceOf(TransactionCanceledException);
      });

      it("never overwrites a session item with the same id", async () => {
        table.put(sessionToItem(pending({ status: "RUNNING" })));
        const before = table.dump();
        expect(await rejection(store.reserve(pending(), caps))).to.be.instanceOf(
          TransactionCanceledException,
        );
        expect(table.dump()).to.deep.equal(before);
      });

      it("a lock without a session id → 409 conflict", async () => {
        table.put({ pk: { S: "USER#user-a" }, sk: { S: "EVENT#KXNFLGAME-A" } });
        expect(answered(await rejection(store.reserve(pending(), caps)))).to.deep.equal(CONFLICT);
      });

      it("admits the user's sessions up to the cap and refuses one more, writing nothing", async () => {
        await store.reserve(
          pending({ sessionId: "00mi0aaaa0123456789ab", eventTicker: "E1" }),
          caps,
        );
        await store.reserve(
          pending({ sessionId: "00mi0aaab0123456789ab", eventTicker: "E2" }),
          caps,
        );
        expect(counters()).to.deep.equal({ user: 2, global: 2 });
        const before = table.dump();
        const error = await rejection(
          store.reserve(pending({ sessionId: "00mi0aaac0123456789ab", eventTicker: "E3" }), caps),
        );
        expect(answered(error)).to.deep.equal({
          status: 429,
          body: {
            error: "too_many_sessions",
            message: "you already have the maximum of 2 active sessions; end one first",
          },
        });
        expect(error.cause).to.be.instanceOf(TransactionCanceledException);
        expect(table.dump()).to.deep.equal(before);
      });

      it("says 'session' for a cap of one", async () => {
        const one = { perUser: 1, total: 3 };
        await store.reserve(pending({ eventTicker: "E1" }), one);
        const error = await rejection(
          store.reserve(pending({ sessionId: "00mi0aaac0123456789ab", eventTicker: "E2" }), one),
        );
        expect(error.message).to.equal(
          "you already have the maximum of 1 active session; end one first",
        );
      });

      it("admits everybody's sessions up to the total and refuses one more", async () => {
        for (const [i, userId] of ["user-a", "user-b", "user-c"].entries()) {
          await store.reserve(pending({ userId, sessionId: `00mi0aaa${i}0123456789ab` }), caps);
        }
        expect(table.counter("GLOBAL")).to.equal(3);
        const before = table.dump();
        const error = await rejection(store.reserve(pending({ userId: "user-d" }), caps));
        expect(answered(error)).to.deep.equal({
          status: 429,
          body: {
            error: "capacity_reached",
            message: "all 3 session slots are in use; try again later",
          },
        });
        expect(error.cause).to.be.instanceOf(TransactionCanceledException);
        expect(table.dump()).to.deep.equal(before);
      });

      const none = { Code: "None" };
      const failures: [string, unknown, object | "same"][] = [
        [
          "a concurrent transaction",
          cancelled([none, { Code: "TransactionConflict" }, none, none]),
          CONFLICT,
        ],
        ["a conflict on the lock only", cancelled([{ Code: "TransactionConflict" }]), CONFLICT],
        [
          "another cancellation reason",
          cancelled([none, none, { Code: "ThrottlingError" }, none]),
          "same",
        ],
        [
          "a failed lock check without the lock",
          cancelled([{ Code: "ConditionalCheckFailed" }]),
          CONFLICT,
        ],
        ["a cancellation without reasons", cancelled(), "same"],
        [
          "another error carrying cancellation reasons",
          named("InternalServerError", { CancellationReasons: [{ Code: "TransactionConflict" }] }),
          "same",
        ],
        ["a cancellation with empty reasons", cancelled([]), "same"],
        ["any other failure", named("ProvisionedThroughputExceededException"), "same"],
        [
          "a failure named like a cancellation that is no Error",
          {
            name: "TransactionCanceledException",
            CancellationReasons: [{ Code: "TransactionConflict" }],
          },
          "same",
        ],
      ];
      for (const [what, failure, expected] of failures) {
        it(`${what} → ${expected === "same" ? "the failure itself" : "409 conflict"}`, async () => {
          const reason = await new SessionStore(failing(failure), TABLE)
            .reserve(pending(), caps)
            .then(
              () => expect.fail("reserved"),
              (error: unknown) => error,
            );
          if (expected === "same") expect(reason).to.equal(failure);
          else expect(answered(reason as Error)).to.deep.equal(expected);
        });
      }
    });

    describe("release", () => {
      it("removes the lock and the session and frees both slots", async () => {
        await store.reserve(pending(), caps);
        await store.release(pending());
        expect(table.dump()).to.deep.equal([
          { pk: "GLOBAL", sk: "COUNTER", active: 0 },
          { pk: "USER#user-a", sk: "COUNTER", active: 0 },
        ]);
      });

      it("refuses, changing nothing, when the event's lock is another session's", async () => {
        await store.reserve(pending(), caps);
        const other = pending({ sessionId: "00mi0abce0123456789ab" });
        table.put(sessionToItem(other));
        const before = table.dump();
        expect(await rejection(store.release(other))).to.be.instanceOf(
          TransactionCanceledException,
        );
        expect(table.dump()).to.deep.equal(before);
      });

      it("refuses, changing nothing, when the session is already gone", async () => {
        await store.reserve(pending(), caps);
        table.items.delete(`USER#user-a\u0000SESSION#00mi0abcd0123456789ab`);
        const before = table.dump();
        expect(await rejection(store.release(pending()))).to.be.instanceOf(
          TransactionCanceledException,
        );
        expect(table.dump()).to.deep.equal(before);
      });
    });

    describe("markStarting", () => {
      it("moves PENDING to STARTING with the task and the time", async () => {
        await store.reserve(pending(), caps);
        const later = new Date(NOW.getTime() + 5000);
        const starting = pending({
          status: "STARTING",
          taskArn: "arn:task",
          updatedAt: later.toISOString(),
        });
        expect(
          await store.markStarting("user-a", pending().sessionId, "arn:task", later),
        ).to.deep.equal(starting);
        expect(await store.get("user-a", pending().sessionId)).to.deep.equal(starting);
      });

      for (const status of ["STARTING", "RUNNING", "ENDED"] as SessionStatus[]) {
        it(`returns a ${status} session as it is`, async () => {
          const current = pending({ status, taskArn: "arn:first" });
          table.put(sessionToItem(current));
          expect(
            await store.markStarting("user-a", current.sessionId, "arn:second", NOW),
          ).to.deep.equal(current);
          expect(await store.get("user-a", current.sessionId)).to.deep.equal(current);
        });
      }

      it("lets a missing session's failed check through", async () => {
        const error = await rejection(store.markStarting("user-a", "nope", "arn:task", NOW));
        expect(error.name).to.equal("ConditionalCheckFailedException");
      });

      it("lets other failures through, even with an item attached", async () => {
        const failure = named("InternalServerError", { Item: sessionToItem(pending()) });
        expect(
          await rejection(
            new SessionStore(failing(failure), TABLE).markStarting("user-a", "x", "t", NOW),
          ),
        ).to.equal(failure);
      });

      it("refuses an update that answers no attributes", async () => {
        const empty = { send: () => Promise.resolve({}) } as unknown as DynamoDBClient;
        expect(
          (await rejection(new SessionStore(empty, TABLE).markStarting("user-a", "x", "t", NOW)))
            .message,
        ).to.equal("UpdateItem returned no attributes");
      });
    });

    describe("markRunning", () => {
      const routing = {
        privateIp: "10.0.1.23",
        targetGroupArn: "arn:tg",
        ruleArn: "arn:rule",
        taskArn: "arn:task",
      };
      for (const status of ["PENDING", "STARTING"] as SessionStatus[]) {
        it(`moves ${status} to RUNNING with its routing`, async () => {
          table.put(sessionToItem(pending({ status })));
          const later = new Date(NOW.getTime() + 5000);
          expect(await store.markRunning("user-a", pending().sessionId, routing, later)).to.equal(
            true,
          );
          expect(await store.get("user-a", pending().sessionId)).to.deep.equal(
            pending({ status: "RUNNING", ...routing, updatedAt: later.toISOString() }),
          );
        });
      }
      for (const status of ["RUNNING", "ENDED"] as SessionStatus[]) {
        it(`answers false for a ${status} session, changing nothing`, async () => {
          table.put(sessionToItem(pending({ status })));
          const before = table.dump();
          expect(await store.markRunning("user-a", pending().sessionId, routing, NOW)).to.equal(
            false,
          );
          expect(table.dump()).to.deep.equal(before);
        });
      }
      it("lets other failures through", async () => {
        const failure = named("InternalServerError");
        expect(
          await rejection(
            new SessionStore(failing(failure), TABLE).markRunning("user-a", "x", routing, NOW),
          ),
        ).to.equal(failure);
      });
    });

    describe("end", () => {
      const outcome = { stopReason: "Essential container exited", now: NOW, retentionDays: 30 };
      const running = pending({
        status: "RUNNING",
        taskArn: "arn:task",
        privateIp: "10.0.1.23",
        targetGroupArn: "arn:tg",
        ruleArn: "arn:rule",
      });
      async function reserved(session: Session): Promise<void> {
        await store.reserve(pending({ sessionId: session.sessionId }), caps);
        table.put(sessionToItem(session));
      }

      it("ends the session, keeping it for the retention, and frees its lock and slots", async () => {
        await reserved(running);
        expect(await store.end(running, outcome)).to.equal("ended");
        expect(await store.get("user-a", running.sessionId)).to.deep.equal({
          ...running,
          status: "ENDED",
          endedAt: NOW.toISOString(),
          updatedAt: NOW.toISOString(),
          stopReason: "Essential container exited",
          expiresAt: epochSeconds(NOW) + 30 * 86_400,
        });
        expect(table.get("USER#user-a", "EVENT#KXNFLGAME-A")).to.equal(undefined);
        expect(counters()).to.deep.equal({ user: 0, global: 0 });
      });

      it("ends a session that never got routing", async () => {
        const starting = pending({ status: "STARTING", taskArn: "arn:task" });
        await reserved(starting);
        expect(await store.end(starting, outcome)).to.equal("ended");
        expect(counters()).to.deep.equal({ user: 0, global: 0 });
      });

      it("keeps a newer session's lock for the same event", async () => {
        await reserved(running);
        table.put({
          pk: { S: "USER#user-a" },
          sk: { S: "EVENT#KXNFLGAME-A" },
          sessionId: { S: "00mi0newer0123456789" },
        });
        expect(await rejection(store.end(running, outcome))).to.be.instanceOf(
          TransactionCanceledException,
        );
        expect(table.get("USER#user-a", "EVENT#KXNFLGAME-A")?.sessionId?.S).to.equal(
          "00mi0newer0123456789",
        );
      });

      it("already ENDED → already_ended, nothing counted twice", async () => {
        await reserved(running);
        await store.end(running, outcome);
        const before = table.dump();
        expect(await store.end(running, outcome)).to.equal("already_ended");
        expect(table.dump()).to.deep.equal(before);
      });

      it("a session that is gone → already_ended", async () => {
        expect(await store.end(running, outcome)).to.equal("already_ended");
        expect(table.dump()).to.deep.equal([]);
      });

      const changes: [string, Partial<Session>][] = [
        ["routed since it was read", { targetGroupArn: "arn:tg2" }],
        ["given another rule", { ruleArn: "arn:rule2" }],
        ["unrouted since it was read", { targetGroupArn: undefined, ruleArn: undefined }],
      ];
      for (const [what, change] of changes) {
        it(`a session ${what} → changed, nothing written`, async () => {
          await reserved({ ...running, ...change });
          const before = table.dump();
          expect(await store.end(running, outcome)).to.equal("changed");
          expect(table.dump()).to.deep.equal(before);
        });
      }

      it("a session routed since it was read without routing → changed", async () => {
        const unrouted = pending({ status: "STARTING", taskArn: "arn:task" });
        await reserved(running);
        expect(await store.end(unrouted, outcome)).to.equal("changed");
      });

      const none = { Code: "None" };
      const failures: [string, unknown, string][] = [
        [
          "a concurrent transaction",
          cancelled([none, { Code: "TransactionConflict" }, none, none]),
          "changed",
        ],
        [
          "a failed check with no item",
          cancelled([{ Code: "ConditionalCheckFailed" }]),
          "already_ended",
        ],
        [
          "a failed check on an item without a status",
          cancelled([{ Code: "ConditionalCheckFailed", Item: { pk: { S: "USER#user-a" } } }]),
          "changed",
        ],
        [
          "a failed check on a live item",
          cancelled([{ Code: "ConditionalCheckFailed", Item: sessionToItem(running) }]),
          "changed",
        ],
      ];
      for (const [what, failure, expected] of failures) {
        it(`${what} → ${expected}`, async () => {
          expect(await new SessionStore(failing(failure), TABLE).end(running, outcome)).to.equal(
            expected,
          );
        });
      }

      const passedOn: [string, unknown][] = [
        ["another cancellation reason", cancelled([none, { Code: "ThrottlingError" }, none, none])],
        ["a cancellation with empty reasons", cancelled([])],
        ["any other failure", named("InternalServerError")],
      ];
      for (const [what, failure] of passedOn) {
        it(`${what} → the failure itself`, async () => {
          expect(
            await rejection(new SessionStore(failing(failure), TABLE).end(running, outcome)),
          ).to.equal(failure);
        });
      }
    });

    describe("list", () => {
      const ids = ["00mi0aaaa0123456789ab", "00mi0aaab0123456789ab", "00mi0aaac0123456789ab"];
      beforeEach(() => {
        for (const sessionId of ids) table.put(sessionToItem(pending({ sessionId })));
        table.put(sessionToItem(pending({ userId: "user-b", sessionId: "00mi0bbbb0123456789ab" })));
        // The user's lock and counter share the partition but are no sessions.
        table.put({ pk: { S: "USER#user-a" }, sk: { S: "COUNTER" }, active: { N: "3" } });
        table.put({ pk: { S: "USER#user-a" }, sk: { S: "EVENT#X" }, sessionId: { S: ids[0]! } });
      });

      it("lists the user's sessions only, newest first, with no key when the page is short", async () => {
        const page = await store.list("user-a", 10);
        expect(page).to.deep.equal({
          sessions: [...ids].reverse().map((sessionId) => pending({ sessionId })),
        });
        expect(dynamo.commandCalls(QueryCommand)[0]!.args[0].input).to.deep.equal({
          TableName: TABLE,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
          ExpressionAttributeValues: { ":pk": { S: "USER#user-a" }, ":prefix": { S: "SESSION#" } },
          ScanIndexForward: false,
          Limit: 10,
        });
      });

      it("pages by the last key", async () => {
        const first = await store.list("user-a", 2);
        expect(first.sessions.map((s) => s.sessionId)).to.deep.equal([ids[2], ids[1]]);
        expect(first.lastKey).to.deep.equal({ pk: "USER#user-a", sk: `SESSION#${ids[1]}` });
        const second = await store.list("user-a", 2, first.lastKey);
        expect(second.sessions.map((s) => s.sessionId)).to.deep.equal([ids[0]]);
        expect(second).not.to.have.property("lastKey");
      });

      it("answers no key for a last key without both parts", async () => {
        for (const LastEvaluatedKey of [{ pk: { S: "USER#user-a" } }, { sk: { S: "SESSION#x" } }]) {
          const client = {
            send: () => Promise.resolve({ Items: [], LastEvaluatedKey }),
          } as unknown as DynamoDBClient;
          expect(await new SessionStore(client, TABLE).list("user-a", 2)).to.deep.equal({
            sessions: [],
          });
        }
      });

      it("answers an empty page when the query returns no items", async () => {
        const client = { send: () => Promise.resolve({}) } as unknown as DynamoDBClient;
        expect(await new SessionStore(client, TABLE).list("user-a", 2)).to.deep.equal({
          sessions: [],
        });
      });
    });
  });
});

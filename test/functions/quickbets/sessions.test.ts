import { expect } from "chai";
// The helpers first: they quiet the Logger the handler builds at import.
import {
  answer,
  apiEvent,
  expectError,
  quickbetsEnv,
  withEnv,
  type ApiEventInput,
} from "../helpers/api";
import { FakeTable, mockDynamo } from "../helpers/fake-dynamodb";
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { decodeNextToken, encodeNextToken, handler } from "../../../functions/quickbets/sessions";
import { newSessionId } from "../../../functions/quickbets/lib/ids";
import { sessionToItem, type Session } from "../../../functions/quickbets/lib/store";
import type { SessionView } from "../../../functions/quickbets/lib/view";

function seed(
  table: FakeTable,
  userId: string,
  count: number,
  start = Date.UTC(2025, 10, 1),
): Session[] {
  const sessions: Session[] = [];
  for (let i = 0; i < count; i++) {
    const created = new Date(start + i * 60_000);
    const session: Session = {
      sessionId: newSessionId(created.getTime()),
      userId,
      eventTicker: `KXNFLGAME-E${i}`,
      status: i === 0 ? "ENDED" : "RUNNING",
      createdAt: created.toISOString(),
      updatedAt: created.toISOString(),
      expiresAt: 2_000_000_000,
      taskArn: "arn:aws:ecs:us-east-1:111111111111:task/quickbets/t",
      privateIp: "10.0.0.9",
      ...(i === 0
        ? { endedAt: created.toISOString(), stopReason: "Essential container exited" }
        : {}),
    };
    table.put(sessionToItem(session));
    sessions.push(session);
  }
  // Neighbours in the same partition that are not sessions.
  table.put({
    pk: { S: `USER#${userId}` },
    sk: { S: "COUNTER" },
    active: { N: String(count - 1) },
  });
  table.put({
    pk: { S: `USER#${userId}` },
    sk: { S: "EVENT#KXNFLGAME-E1" },
    sessionId: { S: "x" },
  });
  return sessions;
}

describe("GET /sessions", () => {
  let table: FakeTable;
  let dynamo: ReturnType<typeof mockDynamo>;
  let restore: () => void;
  let alice: Session[];

  before(() => {
    restore = withEnv(quickbetsEnv("https://kalshi.invalid"));
  });
  after(() => restore());
  beforeEach(() => {
    table = new FakeTable();
    dynamo = mockDynamo(table);
    alice = seed(table, "user-a", 5);
    seed(table, "user-b", 3);
  });
  afterEach(() => dynamo.restore());

  const list = async (input: ApiEventInput = {}) =>
    answer(await handler(apiEvent({ method: "GET", path: "/sessions", ...input })));

  it("lists the caller's sessions newest first, with WebSocket URLs only while live", async () => {
    const result = await list();
    expect(result.status).to.equal(200);
    expect(result.json.nextToken).to.equal(undefined);
    const ids = (result.json.sessions as SessionView[]).map((s: SessionView) => s.sessionId);
    expect(ids).to.deep.equal(alice.map((s) => s.sessionId).reverse());
    const newest = alice[4]!;
    expect(result.json.sessions[0]).to.deep.equal({
      sessionId: newest.sessionId,
      eventTicker: newest.eventTicker,
      status: "RUNNING",
      createdAt: newest.createdAt,
      updatedAt: newest.updatedAt,
      websocketUrl: `wss://ws.example.com/sessions/${newest.sessionId}`,
    });
    const ended = result.json.sessions[4];
    expect(ended.status).to.equal("ENDED");
    expect(ended.endedAt).to.equal(alice[0]!.endedAt);
    expect(ended).not.to.have.property("websocketUrl");
    // Internal fields stay internal.
    expect(JSON.stringify(result.json)).not.to.match(/privateIp|taskArn|10\.0\.0\.9|user-a/);
    const query = dynamo.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(query.ExpressionAttributeValues?.[":pk"]).to.deep.equal({ S: "USER#user-a" });
    expect(query.ScanIndexForward).to.equal(false);
    expect(query.Limit).to.equal(20);
  });

  it("pages with limit and nextToken until the listing ends", async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const result = await list({ query: { limit: "2", ...(token ? { nextToken: token } : {}) } });
      expect(result.status).to.equal(200);
      expect(result.json.sessions.length).to.be.at.most(2);
      seen.push(...(result.json.sessions as SessionView[]).map((s: SessionView) => s.sessionId));
      token = result.json.nextToken;
      pages++;
    } while (token && pages < 10);
    expect(seen).to.deep.equal(alice.map((s) => s.sessionId).reverse());
  });

  it("never shows another user's sessions", async () => {
    const bob = await list({ sub: "user-b" });
    expect(bob.json.sessions).to.have.length(3);
    expect(
      (bob.json.sessions as SessionView[]).map((s: SessionView) => s.sessionId),
    ).to.not.include.members(alice.map((s) => s.sessionId));
  });

  describe("refuses bad queries with 400 naming the parameter", () => {
    const otherUsersToken = encodeNextToken({ pk: "USER#user-b", sk: "SESSION#zzzz" });
    const refusals: [string, ApiEventInput, number, string, RegExp][] = [
      [
        "limit 0",
        { query: { limit: "0" } },
        400,
        "invalid_request",
        /^limit: must be an integer from 1 to 50/,
      ],
      [
        "limit 51",
        { query: { limit: "51" } },
        400,
        "invalid_request",
        /limit must be an integer from 1 to 50; got 51/,
      ],
      ["limit -1", { query: { limit: "-1" } }, 400, "invalid_request", /^limit: /],
      ["limit abc", { query: { limit: "abc" } }, 400, "invalid_request", /^limit: /],
      ["limit 2.5", { query: { limit: "2.5" } }, 400, "invalid_request", /^limit: /],
      [
        "a repeated limit",
        { multiQuery: { limit: ["1", "2"] } },
        400,
        "invalid_request",
        /limit is given more than once/,
      ],
      [
        "an unknown parameter",
        { query: { userId: "user-b" } },
        400,
        "invalid_request",
        /unknown query parameter "userId"/,
      ],
      [
        "a nextToken that is not base64url",
        { query: { nextToken: "***" } },
        400,
        "invalid_request",
        /nextToken is malformed/,
      ],
      [
        "a nextToken that is not JSON",
        { query: { nextToken: Buffer.from("nope").toString("base64url") } },
        400,
        "invalid_request",
        /nextToken is malformed/,
      ],
      [
        "another user's nextToken",
        { query: { nextToken: otherUsersToken } },
        400,
        "invalid_request",
        /not from your listing/,
      ],
      [
        "a nextToken outside the sessions",
        { query: { nextToken: encodeNextToken({ pk: "USER#user-a", sk: "COUNTER" }) } },
        400,
        "invalid_request",
        /nextToken/,
      ],
      [
        "a nextToken with extra keys",
        {
          query: {
            nextToken: Buffer.from(
              JSON.stringify({ pk: "USER#user-a", sk: "SESSION#a", gsi: 1 }),
            ).toString("base64url"),
          },
        },
        400,
        "invalid_request",
        /nextToken/,
      ],
      [
        "a 2 KB nextToken",
        { query: { nextToken: "a".repeat(2048) } },
        400,
        "invalid_request",
        /^nextToken: is too long/,
      ],
      ["no claims", { sub: null }, 401, "unauthorized", /claim sub/],
    ];
    for (const [label, input, status, code, message] of refusals) {
      it(`${label} → ${status}`, async () => {
        const result = await list(input);
        expectError(result, status, code, message);
        if (status === 400 && String(result.json.message).includes("limit"))
          expect(result.json.field).to.equal("limit");
        expect(dynamo.commandCalls(QueryCommand)).to.have.length(0);
      });
    }
  });

  it("nextToken round-trips only for its owner", () => {
    const key = { pk: "USER#user-a", sk: "SESSION#0000abc" };
    expect(decodeNextToken(encodeNextToken(key), "user-a")).to.deep.equal(key);
    expect(() => decodeNextToken(encodeNextToken(key), "user-b")).to.throw(/not from your listing/);
  });
});

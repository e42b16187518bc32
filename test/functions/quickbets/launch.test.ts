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
import { FakeKalshi } from "../helpers/kalshi-server";
import { ECSClient, RunTaskCommand } from "@aws-sdk/client-ecs";
import {
  DescribeSecretCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { handler } from "../../../functions/quickbets/launch";
import { SESSION_ID } from "../../../functions/quickbets/lib/ids";

const PREFIX = "quickbets/test/users/";
const TICKER = "KXNFLGAME-25NOV27KCDAL";
const TASK_ARN = "arn:aws:ecs:us-east-1:111111111111:task/quickbets/0123456789abcdef";

const secretArn = (sub: string): string =>
  `arn:aws:secretsmanager:us-east-1:111111111111:secret:${PREFIX}${sub}-AbCdEf`;

describe("POST /launch", () => {
  const kalshi = new FakeKalshi();
  const secrets = mockClient(SecretsManagerClient);
  const ecs = mockClient(ECSClient);
  let dynamo: ReturnType<typeof mockDynamo>;
  let table: FakeTable;
  let restore: () => void;

  before(async () => {
    await kalshi.start();
    restore = withEnv(quickbetsEnv(kalshi.baseUrl));
  });
  after(async () => {
    restore();
    secrets.restore();
    ecs.restore();
    await kalshi.stop();
  });
  beforeEach(() => {
    kalshi.reset();
    for (const ticker of [TICKER, "KXNFLGAME-B", "KXNFLGAME-C", "KXNBAGAME-D"]) {
      kalshi.on(`/trade-api/v2/events/${ticker}`, {
        status: 200,
        json: { event: { event_ticker: ticker, title: "t" }, markets: [] },
      });
    }
    secrets.reset();
    secrets.on(DescribeSecretCommand).rejects(
      new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret.",
        $metadata: {},
      }),
    );
    for (const sub of ["user-a", "user-b", "user-c"]) {
      secrets
        .on(DescribeSecretCommand, { SecretId: `${PREFIX}${sub}` })
        .resolves({ ARN: secretArn(sub), Name: `${PREFIX}${sub}` });
    }
    ecs.reset();
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN }], failures: [] });
    table = new FakeTable();
    dynamo = mockDynamo(table);
  });
  afterEach(() => dynamo.restore());

  const launch = async (body: unknown, input: ApiEventInput = {}) =>
    answer(await handler(apiEvent({ method: "POST", path: "/launch", body, ...input })));

  it("reserves, starts the task and answers 201 with the WebSocket URL", async () => {
    const result = await launch({ eventTicker: TICKER });
    expect(result.status).to.equal(201);
    const { sessionId } = result.json;
    expect(sessionId).to.match(SESSION_ID);
    expect(result.json).to.deep.equal({
      sessionId,
      eventTicker: TICKER,
      status: "STARTING",
      createdAt: result.json.createdAt,
      updatedAt: result.json.updatedAt,
      websocketUrl: `wss://ws.example.com/sessions/${sessionId}`,
    });
    expect(Date.parse(result.json.createdAt)).to.be.closeTo(Date.now(), 5000);

    expect(secrets.commandCalls(DescribeSecretCommand)[0]?.args[0].input).to.deep.equal({
      SecretId: `${PREFIX}user-a`,
    });
    expect(kalshi.requests.map((r) => `${r.method} ${r.path}`)).to.deep.equal([
      `GET /trade-api/v2/events/${TICKER}`,
    ]);

    const runs = ecs.commandCalls(RunTaskCommand);
    expect(runs).to.have.length(1);
    const input = runs[0]!.args[0].input;
    expect(input).to.deep.include({
      cluster: "arn:aws:ecs:us-east-1:111111111111:cluster/quickbets",
      taskDefinition: "arn:aws:ecs:us-east-1:111111111111:task-definition/session:3",
      launchType: "FARGATE",
      count: 1,
      startedBy: sessionId,
    });
    expect(input.networkConfiguration).to.deep.equal({
      awsvpcConfiguration: {
        subnets: ["subnet-a", "subnet-b"],
        securityGroups: ["sg-1"],
        assignPublicIp: "DISABLED",
      },
    });
    expect(input.overrides?.containerOverrides).to.deep.equal([
      {
        name: "session",
        environment: [
          { name: "QUICKBETS_SESSION_ID", value: sessionId },
          { name: "QUICKBETS_USER_ID", value: "user-a" },
          { name: "QUICKBETS_EVENT_TICKER", value: TICKER },
          { name: "KALSHI_KEY_SECRET_ARN", value: secretArn("user-a") },
        ],
      },
    ]);

    const session = table.get("USER#user-a", `SESSION#${sessionId}`);
    expect(session?.status?.S).to.equal("STARTING");
    expect(session?.taskArn?.S).to.equal(TASK_ARN);
    const expiresAt = Number(session?.expiresAt?.N);
    expect(expiresAt - Math.floor(Date.now() / 1000)).to.be.within(12 * 3600 - 5, 12 * 3600 + 5);
    expect(table.get("USER#user-a", `EVENT#${TICKER}`)?.sessionId?.S).to.equal(sessionId);
    expect(table.counter("USER#user-a")).to.equal(1);
    expect(table.counter("GLOBAL")).to.equal(1);
  });

  it("answers a double click with the existing session and starts no second task", async () => {
    const first = await launch({ eventTicker: TICKER });
    const second = await launch({ eventTicker: TICKER });
    expect(second.status).to.equal(200);
    expect(second.json.sessionId).to.equal(first.json.sessionId);
    expect(second.json.websocketUrl).to.equal(first.json.websocketUrl);
    expect(ecs.commandCalls(RunTaskCommand)).to.have.length(1);
    expect(table.counter("USER#user-a")).to.equal(1);
    expect(table.counter("GLOBAL")).to.equal(1);
  });

  it("refuses a user over MAX_SESSIONS_PER_USER with 429 too_many_sessions, writing nothing", async () => {
    expect((await launch({ eventTicker: TICKER })).status).to.equal(201);
    expect((await launch({ eventTicker: "KXNFLGAME-B" })).status).to.equal(201);
    const before = table.dump();
    expectError(
      await launch({ eventTicker: "KXNFLGAME-C" }),
      429,
      "too_many_sessions",
      /maximum of 2 active sessions/,
    );
    expect(table.dump()).to.deep.equal(before);
    expect(ecs.commandCalls(RunTaskCommand)).to.have.length(2);
  });

  it("refuses anyone over MAX_SESSIONS_TOTAL with 429 capacity_reached", async () => {
    await launch({ eventTicker: TICKER });
    await launch({ eventTicker: "KXNFLGAME-B" });
    await launch({ eventTicker: TICKER }, { sub: "user-b" });
    expect(table.counter("GLOBAL")).to.equal(3);
    const before = table.dump();
    expectError(
      await launch({ eventTicker: TICKER }, { sub: "user-c" }),
      429,
      "capacity_reached",
      /all 3 session slots/,
    );
    expect(table.dump()).to.deep.equal(before);
  });

  it("keeps users apart: locks, counters and secrets are per caller; body userId is refused", async () => {
    const a = await launch({ eventTicker: TICKER });
    const b = await launch({ eventTicker: TICKER }, { sub: "user-b" });
    expect(b.status).to.equal(201);
    expect(b.json.sessionId).not.to.equal(a.json.sessionId);
    expect(table.get("USER#user-b", `SESSION#${b.json.sessionId}`)?.userId?.S).to.equal("user-b");
    expect(table.get("USER#user-a", `SESSION#${b.json.sessionId}`)).to.equal(undefined);
    const env =
      ecs.commandCalls(RunTaskCommand)[1]!.args[0].input.overrides!.containerOverrides![0]!
        .environment!;
    expect(env).to.deep.include({ name: "KALSHI_KEY_SECRET_ARN", value: secretArn("user-b") });
    expect(env).to.deep.include({ name: "QUICKBETS_USER_ID", value: "user-b" });

    const writes = table.writes;
    expectError(
      await launch({ eventTicker: "KXNFLGAME-B", userId: "user-a" }, { sub: "user-b" }),
      400,
      "invalid_request",
      /unknown field "userId"/,
    );
    expect(table.writes).to.equal(writes);
  });

  describe("a task that does not start is fully compensated", () => {
    it("RunTask failures[] → 503 launch_failed with ECS's reason", async () => {
      ecs.on(RunTaskCommand).resolves({
        tasks: [],
        failures: [{ arn: "x", reason: "RESOURCE:ENI", detail: "no ENI capacity" }],
      });
      expectError(
        await launch({ eventTicker: TICKER }),
        503,
        "launch_failed",
        /did not start: RESOURCE:ENI: no ENI capacity/,
      );
      expect(table.dump()).to.deep.equal([
        { pk: "GLOBAL", sk: "COUNTER", active: 0 },
        { pk: "USER#user-a", sk: "COUNTER", active: 0 },
      ]);
      // The slot is free again: the next launch succeeds.
      ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN }] });
      expect((await launch({ eventTicker: TICKER })).status).to.equal(201);
    });

    it("RunTask throwing → 503 naming the error, nothing left", async () => {
      const denied = Object.assign(
        new Error("User arn:aws:sts::111111111111:assumed-role/x is not authorized"),
        {
          name: "AccessDeniedException",
        },
      );
      ecs.on(RunTaskCommand).rejects(denied);
      const result = await launch({ eventTicker: TICKER });
      expectError(result, 503, "launch_failed", /did not start: AccessDeniedException$/);
      expect(result.json.message).not.to.include("111111111111");
      expect(table.counter("USER#user-a")).to.equal(0);
      expect(table.counter("GLOBAL")).to.equal(0);
      expect(table.dump().filter((item) => item.sk !== "COUNTER")).to.deep.equal([]);
    });
  });

  describe("refuses bad requests with 4xx/502/504 and writes nothing", () => {
    const refusals: [string, unknown, ApiEventInput, number, string, RegExp, (() => void)?][] = [
      [
        "malformed JSON",
        undefined,
        { rawBody: "{eventTicker}" },
        400,
        "invalid_json",
        /not valid JSON/,
      ],
      ["a missing eventTicker", {}, {}, 400, "invalid_request", /^eventTicker is required$/],
      [
        "a numeric eventTicker",
        { eventTicker: 7 },
        {},
        400,
        "invalid_request",
        /^eventTicker: .*expected string/,
      ],
      [
        "a lowercase ticker",
        { eventTicker: "kxnflgame-a" },
        {},
        400,
        "invalid_request",
        /eventTicker: must be 1-64 uppercase/,
      ],
      [
        "a ticker with a slash",
        { eventTicker: "KX/../ADMIN" },
        {},
        400,
        "invalid_request",
        /eventTicker: must be 1-64 uppercase/,
      ],
      [
        "a 65-character ticker",
        { eventTicker: "K".repeat(65) },
        {},
        400,
        "invalid_request",
        /eventTicker: must be 1-64/,
      ],
      [
        "an empty ticker",
        { eventTicker: "" },
        {},
        400,
        "invalid_request",
        /eventTicker: must be 1-64/,
      ],
      [
        "an unknown field",
        { eventTicker: TICKER, taskDefinition: "evil" },
        {},
        400,
        "invalid_request",
        /unknown field "taskDefinition"/,
      ],
      [
        "a text body",
        { eventTicker: TICKER },
        { headers: { "Content-Type": "text/plain" } },
        415,
        "unsupported_media_type",
        /Content-Type must be application\/json/,
      ],
      [
        "an oversized body",
        { eventTicker: TICKER, pad: "x".repeat(20_000) },
        {},
        413,
        "payload_too_large",
        /limit is 16384/,
      ],
      ["no claims", { eventTicker: TICKER }, { sub: null }, 401, "unauthorized", /claim sub/],
      [
        "a user without a key secret",
        { eventTicker: TICKER },
        { sub: "user-nokey" },
        404,
        "signing_key_not_found",
        /no Kalshi API key/,
      ],
      [
        "an unknown event",
        { eventTicker: "KXNFLGAME-NOPE" },
        {},
        404,
        "unknown_event",
        /Kalshi has no event "KXNFLGAME-NOPE"/,
      ],
      [
        "Kalshi answering 500",
        { eventTicker: TICKER },
        {},
        502,
        "upstream_error",
        /answered HTTP 500/,
        () => kalshi.on(`/trade-api/v2/events/${TICKER}`, { status: 500, json: {} }),
      ],
      [
        "Kalshi answering invalid JSON",
        { eventTicker: TICKER },
        {},
        502,
        "upstream_error",
        /invalid JSON/,
        () => kalshi.on(`/trade-api/v2/events/${TICKER}`, { status: 200, text: "{" }),
      ],
      [
        "Kalshi answering without event",
        { eventTicker: TICKER },
        {},
        502,
        "upstream_error",
        /unexpected shape at event/,
        () => kalshi.on(`/trade-api/v2/events/${TICKER}`, { status: 200, json: { markets: [] } }),
      ],
    ];
    for (const [label, body, input, status, code, message, arrange] of refusals) {
      it(`${label} → ${status} ${code}`, async () => {
        arrange?.();
        expectError(await launch(body, input), status, code, message);
        expect(table.writes).to.equal(0);
        expect(ecs.commandCalls(RunTaskCommand)).to.have.length(0);
      });
    }

    it("a key secret scheduled for deletion → 404", async () => {
      secrets
        .on(DescribeSecretCommand, { SecretId: `${PREFIX}user-a` })
        .resolves({ ARN: secretArn("user-a"), DeletedDate: new Date() });
      expectError(
        await launch({ eventTicker: TICKER }),
        404,
        "signing_key_not_found",
        /no Kalshi API key/,
      );
      expect(table.writes).to.equal(0);
    });

    it("Kalshi hanging → 504 upstream_timeout", async () => {
      kalshi.on(`/trade-api/v2/events/${TICKER}`, { hang: true });
      const restoreTimeout = withEnv({ UPSTREAM_TIMEOUT_MS: "150" });
      try {
        expectError(
          await launch({ eventTicker: TICKER }),
          504,
          "upstream_timeout",
          /did not answer within 150 ms/,
        );
      } finally {
        restoreTimeout();
      }
      expect(table.writes).to.equal(0);
      expect(ecs.commandCalls(RunTaskCommand)).to.have.length(0);
    });
  });
});

import { expect } from "chai";
import { Logger } from "@aws-lambda-powertools/logger";
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
import {
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  type RegisterTaskDefinitionCommandInput,
  type TaskDefinition,
} from "@aws-sdk/client-ecs";
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
const BASE_ARN = "arn:aws:ecs:us-east-1:111111111111:task-definition/session:3";
const REVISION_ARN = "arn:aws:ecs:us-east-1:111111111111:task-definition/session:4";

const secretArn = (sub: string): string =>
  `arn:aws:secretsmanager:us-east-1:111111111111:secret:${PREFIX}${sub}-AbCdEf`;

const SESSION_CONTAINER = {
  name: "session",
  image: "111111111111.dkr.ecr.us-east-1.amazonaws.com/session:1.0.0",
  essential: true,
  readonlyRootFilesystem: true,
  environment: [{ name: "PORT", value: "8080" }],
  secrets: [{ name: "OTHER_SECRET", valueFrom: "arn:aws:ssm:us-east-1:111111111111:x" }],
};
const SIDECAR_CONTAINER = {
  name: "sidecar",
  image: "public.ecr.aws/x/sidecar:1",
  essential: false,
  secrets: [{ name: "SIDECAR_TOKEN", valueFrom: "arn:aws:ssm:us-east-1:111111111111:y" }],
};

/** The fields RegisterTaskDefinition takes, each set, as the base revision carries them. */
const REGISTRABLE = {
  family: "session",
  taskRoleArn: "arn:aws:iam::111111111111:role/session-task",
  executionRoleArn: "arn:aws:iam::111111111111:role/session-execution",
  networkMode: "awsvpc",
  containerDefinitions: [SESSION_CONTAINER, SIDECAR_CONTAINER],
  volumes: [{ name: "scratch" }],
  placementConstraints: [{ type: "memberOf", expression: "attribute:x == y" }],
  requiresCompatibilities: ["FARGATE"],
  cpu: "256",
  memory: "512",
  pidMode: "task",
  ipcMode: "none",
  proxyConfiguration: { type: "APPMESH", containerName: "sidecar", properties: [] },
  inferenceAccelerators: [{ deviceName: "d", deviceType: "t" }],
  ephemeralStorage: { sizeInGiB: 30 },
  runtimePlatform: { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" },
  enableFaultInjection: false,
} satisfies Required<Omit<RegisterTaskDefinitionCommandInput, "tags">>;

/** The base revision as DescribeTaskDefinition answers: the registrable fields and ECS's own. */
const BASE: TaskDefinition = {
  ...REGISTRABLE,
  taskDefinitionArn: BASE_ARN,
  revision: 3,
  status: "ACTIVE",
  compatibilities: ["EC2", "FARGATE"],
  requiresAttributes: [{ name: "com.amazonaws.ecs.capability.task-iam-role" }],
  registeredAt: new Date("2026-01-01T00:00:00Z"),
  registeredBy: "arn:aws:sts::111111111111:assumed-role/deploy/x",
};

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
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: structuredClone(BASE) });
    ecs
      .on(RegisterTaskDefinitionCommand)
      .resolves({ taskDefinition: { taskDefinitionArn: REVISION_ARN, revision: 4 } });
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN }], failures: [] });
    ecs.on(DeregisterTaskDefinitionCommand).resolves({});
    table = new FakeTable();
    dynamo = mockDynamo(table);
  });
  afterEach(() => dynamo.restore());

  const launch = async (body: unknown, input: ApiEventInput = {}) =>
    answer(await handler(apiEvent({ method: "POST", path: "/launch", body, ...input })));

  /** The ECS calls made, in order, as `Command target`. */
  const ecsCalls = () =>
    ecs.calls().map((call) => {
      const command = call.args[0] as { constructor: { name: string }; input: any };
      const target = command.input.taskDefinition ?? command.input.family;
      return `${command.constructor.name.replace(/Command$/, "")} ${target}`;
    });
  /** The secrets each registered revision gives its containers, by container. */
  const registeredSecrets = () =>
    ecs
      .commandCalls(RegisterTaskDefinitionCommand)
      .map((call) =>
        Object.fromEntries(
          (call.args[0].input.containerDefinitions ?? []).map((c) => [c.name, c.secrets]),
        ),
      );

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

    // The session's own revision: registered, run, then deregistered.
    expect(ecsCalls()).to.deep.equal([
      `DescribeTaskDefinition ${BASE_ARN}`,
      "RegisterTaskDefinition session",
      `RunTask ${REVISION_ARN}`,
      `DeregisterTaskDefinition ${REVISION_ARN}`,
    ]);
    expect(registeredSecrets()).to.deep.equal([
      {
        session: [
          ...SESSION_CONTAINER.secrets,
          { name: "KALSHI_PRIVATE_KEY", valueFrom: secretArn("user-a") },
        ],
        sidecar: SIDECAR_CONTAINER.secrets,
      },
    ]);

    const runs = ecs.commandCalls(RunTaskCommand);
    expect(runs).to.have.length(1);
    const input = runs[0]!.args[0].input;
    expect(input).to.deep.include({
      cluster: "arn:aws:ecs:us-east-1:111111111111:cluster/quickbets",
      taskDefinition: REVISION_ARN,
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
        ],
      },
    ]);
    // The key's ARN reaches the container only through the revision's secret.
    expect(JSON.stringify(input)).not.to.include("secretsmanager");

    const session = table.get("USER#user-a", `SESSION#${sessionId}`);
    expect(session?.status?.S).to.equal("STARTING");
    expect(session?.taskArn?.S).to.equal(TASK_ARN);
    const expiresAt = Number(session?.expiresAt?.N);
    expect(expiresAt - Math.floor(Date.now() / 1000)).to.be.within(12 * 3600 - 5, 12 * 3600 + 5);
    expect(table.get("USER#user-a", `EVENT#${TICKER}`)?.sessionId?.S).to.equal(sessionId);
    expect(table.counter("USER#user-a")).to.equal(1);
    expect(table.counter("GLOBAL")).to.equal(1);
  });

  it("registers a copy of every field of the base revision, only the session container's secrets changed", async () => {
    expect((await launch({ eventTicker: TICKER })).status).to.equal(201);
    const registered = ecs.commandCalls(RegisterTaskDefinitionCommand)[0]!.args[0].input;
    expect(registered).to.deep.equal({
      ...REGISTRABLE,
      containerDefinitions: [
        {
          ...SESSION_CONTAINER,
          secrets: [
            ...SESSION_CONTAINER.secrets,
            { name: "KALSHI_PRIVATE_KEY", valueFrom: secretArn("user-a") },
          ],
        },
        SIDECAR_CONTAINER,
      ],
    });
  });

  it("replaces a KALSHI_PRIVATE_KEY the base revision names, so the revision names one key", async () => {
    const base = structuredClone(BASE);
    base.containerDefinitions![0]!.secrets = [
      { name: "KALSHI_PRIVATE_KEY", valueFrom: secretArn("user-b") },
    ];
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: base });
    expect((await launch({ eventTicker: TICKER })).status).to.equal(201);
    expect(registeredSecrets()[0]!.session).to.deep.equal([
      { name: "KALSHI_PRIVATE_KEY", valueFrom: secretArn("user-a") },
    ]);
  });

  it("retries a registration ECS refuses while another launch registers in the family", async () => {
    const concurrent = Object.assign(
      new Error("Too many concurrent attempts to create a new revision of the specified family."),
      { name: "ClientException" },
    );
    ecs
      .on(RegisterTaskDefinitionCommand)
      .rejectsOnce(concurrent)
      .resolves({ taskDefinition: { taskDefinitionArn: REVISION_ARN } });
    expect((await launch({ eventTicker: TICKER })).status).to.equal(201);
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).to.have.length(2);
    expect(ecs.commandCalls(RunTaskCommand)).to.have.length(1);
  });

  it("keeps a started session when deregistering its revision fails (logged for an operator)", async () => {
    const throttled = new Error("throttled");
    ecs.on(DeregisterTaskDefinitionCommand).rejects(throttled);
    const errors: unknown[][] = [];
    // launch's Logger is silent in tests: record what it is given instead.
    const logError = Object.getOwnPropertyDescriptor(Logger.prototype, "error")!;
    Logger.prototype.error = (...args: unknown[]) => void errors.push(args);
    let result: Awaited<ReturnType<typeof launch>>;
    try {
      result = await launch({ eventTicker: TICKER });
    } finally {
      Object.defineProperty(Logger.prototype, "error", logError);
    }
    expect(result.status).to.equal(201);
    expect(table.get("USER#user-a", `SESSION#${result.json.sessionId}`)?.status?.S).to.equal(
      "STARTING",
    );
    expect(errors).to.deep.equal([
      [
        "the session's task definition revision is still ACTIVE; deregister it",
        { taskDefinitionArn: REVISION_ARN, error: throttled },
      ],
    ]);
  });

  it("answers a double click with the existing session and starts no second task", async () => {
    const first = await launch({ eventTicker: TICKER });
    const second = await launch({ eventTicker: TICKER });
    expect(second.status).to.equal(200);
    expect(second.json.sessionId).to.equal(first.json.sessionId);
    expect(second.json.websocketUrl).to.equal(first.json.websocketUrl);
    expect(ecs.commandCalls(RunTaskCommand)).to.have.length(1);
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).to.have.length(1);
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
    expect(env).to.deep.include({ name: "QUICKBETS_USER_ID", value: "user-b" });
    // Each revision names its own caller's key and no other user's.
    const [revisionA, revisionB] = ecs
      .commandCalls(RegisterTaskDefinitionCommand)
      .map((call) => JSON.stringify(call.args[0].input));
    expect(revisionA).to.include(secretArn("user-a")).and.not.include(secretArn("user-b"));
    expect(revisionB).to.include(secretArn("user-b")).and.not.include(secretArn("user-a"));

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
      expect(ecsCalls().at(-1)).to.equal(`DeregisterTaskDefinition ${REVISION_ARN}`);
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
      expect(ecsCalls().slice(-2)).to.deep.equal([
        `RunTask ${REVISION_ARN}`,
        `DeregisterTaskDefinition ${REVISION_ARN}`,
      ]);
    });

    const unregistered: [string, () => void, RegExp][] = [
      [
        "RegisterTaskDefinition failing",
        () =>
          ecs
            .on(RegisterTaskDefinitionCommand)
            .rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" })),
        /did not start: AccessDeniedException$/,
      ],
      [
        "RegisterTaskDefinition refused as concurrent on every attempt",
        () =>
          ecs.on(RegisterTaskDefinitionCommand).rejects(
            Object.assign(new Error("Too many concurrent attempts to create a new revision"), {
              name: "ClientException",
            }),
          ),
        /did not start: ClientException$/,
      ],
      [
        "DescribeTaskDefinition failing",
        () =>
          ecs
            .on(DescribeTaskDefinitionCommand)
            .rejects(Object.assign(new Error("no such revision"), { name: "ClientException" })),
        /did not start: ClientException$/,
      ],
      [
        "a base revision without the session container",
        () =>
          ecs.on(DescribeTaskDefinitionCommand).resolves({
            taskDefinition: { ...structuredClone(BASE), containerDefinitions: [] },
          }),
        /did not start: SessionRevisionError$/,
      ],
    ];
    for (const [label, arrange, message] of unregistered) {
      it(`${label} → 503, no reservation, no task, nothing to deregister`, async () => {
        arrange();
        const result = await launch({ eventTicker: TICKER });
        expectError(result, 503, "launch_failed", message);
        expect(result.json.message).not.to.include("111111111111");
        expect(table.dump()).to.deep.equal([
          { pk: "GLOBAL", sk: "COUNTER", active: 0 },
          { pk: "USER#user-a", sk: "COUNTER", active: 0 },
        ]);
        expect(ecs.commandCalls(RunTaskCommand)).to.have.length(0);
        expect(ecs.commandCalls(DeregisterTaskDefinitionCommand)).to.have.length(0);
      });
    }
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
        expect(ecs.calls()).to.have.length(0);
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

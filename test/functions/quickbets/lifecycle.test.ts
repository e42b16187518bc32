import { expect } from "chai";
// The helpers first: they quiet the Logger the handler builds at import.
import { quickbetsEnv, withEnv } from "../helpers/api";
import { FakeTable, mockDynamo } from "../helpers/fake-dynamodb";
import { FakeListener, mockElb } from "../helpers/fake-elb";
import { rejection } from "../../helpers/errors";
import { Logger } from "@aws-lambda-powertools/logger";
import {
  DynamoDBClient,
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { ECSClient, StopTaskCommand } from "@aws-sdk/client-ecs";
import {
  CreateRuleCommand,
  CreateTargetGroupCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import {
  handler,
  privateIpOfTask,
  sessionOfTask,
  type TaskStateChange,
  type TaskStateDetail,
} from "../../../functions/quickbets/lifecycle";
import { newSessionId } from "../../../functions/quickbets/lib/ids";
import { SessionStore, type Session } from "../../../functions/quickbets/lib/store";

const env = quickbetsEnv("https://kalshi.invalid");
const CLUSTER = env.CLUSTER_ARN!;
const LISTENER = env.LISTENER_ARN!;

interface TaskOptions {
  session?: Session;
  taskArn?: string;
  ip?: string;
  cluster?: string;
  desiredStatus?: string;
  stoppedReason?: string;
  stopCode?: string;
  environment?: { name: string; value: string }[];
}

function taskEvent(lastStatus: string, options: TaskOptions = {}): TaskStateChange {
  const { session } = options;
  return {
    version: "0",
    id: "evt",
    "detail-type": "ECS Task State Change",
    source: "aws.ecs",
    account: "111111111111",
    time: new Date().toISOString(),
    region: "us-east-1",
    resources: [],
    detail: {
      clusterArn: options.cluster ?? CLUSTER,
      taskArn:
        options.taskArn ??
        `arn:aws:ecs:us-east-1:111111111111:task/quickbets/${session?.sessionId ?? "none"}`,
      lastStatus,
      desiredStatus: options.desiredStatus ?? (lastStatus === "STOPPED" ? "STOPPED" : "RUNNING"),
      ...(options.stoppedReason ? { stoppedReason: options.stoppedReason } : {}),
      ...(options.stopCode ? { stopCode: options.stopCode } : {}),
      startedBy: session?.sessionId,
      attachments: [
        {
          type: "eni",
          status: "ATTACHED",
          details: [
            { name: "subnetId", value: "subnet-a" },
            { name: "privateIPv4Address", value: options.ip ?? "10.0.1.23" },
          ],
        },
      ],
      overrides: {
        containerOverrides: [
          {
            name: "session",
            environment: options.environment ?? [
              { name: "QUICKBETS_SESSION_ID", value: session?.sessionId ?? "" },
              { name: "QUICKBETS_USER_ID", value: session?.userId ?? "" },
              { name: "QUICKBETS_EVENT_TICKER", value: session?.eventTicker ?? "" },
            ],
          },
        ],
      },
    },
  };
}

type LogLine = [level: "debug" | "info" | "warn", message: string, fields?: unknown];

/**
 * Records what the handler logs (its Logger is silent in tests): the log is the operator's only
 * account of why an event was ignored or a task stopped.
 */
function recordLogs(): { lines: LogLine[]; contexts: unknown[]; restore: () => void } {
  const lines: LogLine[] = [];
  const contexts: unknown[] = [];
  const proto = Logger.prototype;
  const saved = (["debug", "info", "warn", "addContext"] as const).map(
    (name) => [name, Object.getOwnPropertyDescriptor(proto, name)!] as const,
  );
  for (const level of ["debug", "info", "warn"] as const) {
    proto[level] = (message: unknown, ...fields: unknown[]) =>
      void lines.push([level, String(message), ...fields] as LogLine);
  }
  proto.addContext = (context) => void contexts.push(context);
  return {
    lines,
    contexts,
    restore: () => {
      for (const [name, descriptor] of saved) Object.defineProperty(proto, name, descriptor);
    },
  };
}

describe("session lifecycle: which task and address an event names", () => {
  const detail = (extra: Partial<TaskStateDetail>): TaskStateDetail => ({
    clusterArn: "c",
    taskArn: "t",
    lastStatus: "RUNNING",
    ...extra,
  });
  const env = (...pairs: [string, string][]) => ({
    environment: pairs.map(([name, value]) => ({ name, value })),
  });

  const sessions: [string, Partial<TaskStateDetail>, object | undefined][] = [
    [
      "both variables",
      {
        overrides: {
          containerOverrides: [env(["QUICKBETS_SESSION_ID", "s"], ["QUICKBETS_USER_ID", "u"])],
        },
      },
      { sessionId: "s", userId: "u" },
    ],
    [
      "the variables in two containers",
      {
        overrides: {
          containerOverrides: [
            {},
            env(["QUICKBETS_SESSION_ID", "s"]),
            env(["QUICKBETS_USER_ID", "u"]),
          ],
        },
      },
      { sessionId: "s", userId: "u" },
    ],
    ["no overrides", {}, undefined],
    ["no container overrides", { overrides: {} }, undefined],
    [
      "only the user",
      { overrides: { containerOverrides: [env(["QUICKBETS_USER_ID", "u"])] } },
      undefined,
    ],
    [
      "an empty session id",
      {
        overrides: {
          containerOverrides: [env(["QUICKBETS_SESSION_ID", ""], ["QUICKBETS_USER_ID", "u"])],
        },
      },
      undefined,
    ],
    [
      "an empty user id",
      {
        overrides: {
          containerOverrides: [env(["QUICKBETS_SESSION_ID", "s"], ["QUICKBETS_USER_ID", ""])],
        },
      },
      undefined,
    ],
  ];
  for (const [what, extra, expected] of sessions) {
    it(`sessionOfTask: ${what} → ${JSON.stringify(expected)}`, () => {
      expect(sessionOfTask(detail(extra))).to.deep.equal(expected);
    });
  }

  const ips: [string, Partial<TaskStateDetail>, string | undefined][] = [
    [
      "the ENI attachment's address",
      {
        attachments: [
          {
            details: [
              { name: "subnetId", value: "subnet-a" },
              { name: "privateIPv4Address", value: "10.0.1.1" },
            ],
          },
        ],
        containers: [{ networkInterfaces: [{ privateIpv4Address: "10.0.9.9" }] }],
      },
      "10.0.1.1",
    ],
    [
      "the second attachment's address",
      {
        attachments: [
          {},
          { details: [{ name: "privateIPv4Address", value: "" }] },
          { details: [{ name: "privateIPv4Address", value: "10.0.1.2" }] },
        ],
      },
      "10.0.1.2",
    ],
    [
      "the container's address when no attachment has one",
      {
        attachments: [{ details: [{ name: "subnetId", value: "subnet-a" }] }],
        containers: [{}, { networkInterfaces: [{}, { privateIpv4Address: "10.0.1.3" }] }],
      },
      "10.0.1.3",
    ],
    ["nothing", { attachments: [], containers: [{ networkInterfaces: [] }] }, undefined],
    ["no attachments or containers", {}, undefined],
  ];
  for (const [what, extra, expected] of ips) {
    it(`privateIpOfTask: ${what} → ${expected}`, () => {
      expect(privateIpOfTask(detail(extra))).to.equal(expected);
    });
  }
});

describe("session lifecycle (ECS task state changes)", () => {
  const ecs = mockClient(ECSClient);
  let table: FakeTable;
  let listener: FakeListener;
  let dynamo: ReturnType<typeof mockDynamo>;
  let elb: ReturnType<typeof mockElb>;
  let store: SessionStore;
  let restore: () => void;
  let clock = Date.UTC(2025, 10, 27, 18);

  before(() => {
    restore = withEnv(env);
  });
  after(() => {
    restore();
    ecs.restore();
  });
  let logs: ReturnType<typeof recordLogs>;
  beforeEach(() => {
    logs = recordLogs();
    table = new FakeTable();
    listener = new FakeListener(LISTENER);
    dynamo = mockDynamo(table);
    elb = mockElb(listener);
    ecs.reset();
    ecs.on(StopTaskCommand).resolves({});
    store = new SessionStore(new DynamoDBClient({}), env.SESSIONS_TABLE!);
  });
  afterEach(() => {
    logs.restore();
    dynamo.restore();
    elb.restore();
  });

  /** A session as launch leaves it: reserved, then STARTING with its task. */
  async function launched(userId = "user-a", eventTicker = "KXNFLGAME-A"): Promise<Session> {
    const now = new Date((clock += 1000));
    const session: Session = {
      sessionId: newSessionId(now.getTime()),
      userId,
      eventTicker,
      status: "PENDING",
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      expiresAt: Math.floor(now.getTime() / 1000) + 12 * 3600,
    };
    const reservation = await store.reserve(session, { perUser: 5, total: 10 });
    expect(reservation.reserved).to.equal(true);
    return store.markStarting(
      userId,
      session.sessionId,
      `arn:aws:ecs:us-east-1:111111111111:task/quickbets/${session.sessionId}`,
      now,
    );
  }

  const item = (s: Session) => table.get(`USER#${s.userId}`, `SESSION#${s.sessionId}`);

  function expectNothingLeaked(userIds: string[] = ["user-a"]): void {
    expect(listener.sessionRules(), "listener rules").to.deep.equal([]);
    expect([...listener.targetGroups.keys()], "target groups").to.deep.equal([]);
    expect(
      table.dump().filter((i) => String(i.sk).startsWith("EVENT#")),
      "locks",
    ).to.deep.equal([]);
    for (const userId of userIds)
      expect(table.counter(`USER#${userId}`), `${userId} counter`).to.equal(0);
    expect(table.counter("GLOBAL"), "global counter").to.equal(0);
  }

  it("routes on RUNNING, ends on STOPPED, and tolerates every redelivery", async () => {
    const session = await launched();
    listener.addForeignRule(1);
    listener.addForeignRule(2);
    listener.addForeignRule(4);
    expect(table.counter("USER#user-a")).to.equal(1);

    await handler(taskEvent("PROVISIONING", { session }));
    await handler(taskEvent("PENDING", { session }));
    expect(listener.targetGroups.size).to.equal(0);

    await handler(taskEvent("RUNNING", { session }));
    const [tg] = [...listener.targetGroups.values()];
    expect(tg).to.deep.include({
      name: `qbtest-${session.sessionId}`,
      port: 8080,
      vpcId: "vpc-123",
      healthCheckPath: "/health",
    });
    expect(tg!.name.length).to.be.at.most(32);
    expect([...tg!.targets]).to.deep.equal(["10.0.1.23"]);
    const rules = listener.sessionRules();
    expect(rules).to.have.length(1);
    expect(rules[0]!.Priority).to.equal("3");
    expect(rules[0]!.Conditions).to.deep.equal([
      {
        Field: "path-pattern",
        PathPatternConfig: {
          Values: [`/sessions/${session.sessionId}`, `/sessions/${session.sessionId}/*`],
        },
      },
    ]);
    expect(rules[0]!.Actions).to.deep.equal([{ Type: "forward", TargetGroupArn: tg!.arn }]);
    expect(item(session)).to.deep.include({
      status: { S: "RUNNING" },
      privateIp: { S: "10.0.1.23" },
      targetGroupArn: { S: tg!.arn },
      ruleArn: { S: rules[0]!.RuleArn! },
    });

    await handler(taskEvent("RUNNING", { session }));
    expect(listener.sessionRules()).to.have.length(1);
    expect(listener.targetGroups.size).to.equal(1);

    await handler(
      taskEvent("STOPPED", { session, stoppedReason: "Essential container in task exited" }),
    );
    const ended = item(session)!;
    expect(ended.status?.S).to.equal("ENDED");
    expect(ended.stopReason?.S).to.equal("Essential container in task exited");
    expect(Date.parse(ended.endedAt!.S!)).to.be.closeTo(Date.now(), 5000);
    expect(Number(ended.expiresAt!.N) - Math.floor(Date.now() / 1000)).to.be.within(
      30 * 86400 - 5,
      30 * 86400 + 5,
    );
    expectNothingLeaked();

    await handler(taskEvent("STOPPED", { session }));
    await handler(taskEvent("RUNNING", { session }));
    expectNothingLeaked();
    expect(item(session)?.status?.S).to.equal("ENDED");
    expect(listener.rules.size).to.equal(4); // the default rule and the three foreign ones

    const ids = { sessionId: session.sessionId, userId: "user-a" };
    expect(logs.lines).to.deep.equal([
      ["debug", "transitional task state; ignored", { ...ids, lastStatus: "PROVISIONING" }],
      ["debug", "transitional task state; ignored", { ...ids, lastStatus: "PENDING" }],
      ["info", "session running", { ...ids, privateIp: "10.0.1.23", ruleArn: rules[0]!.RuleArn }],
      ["info", "session already past RUNNING; event ignored", { ...ids, status: "RUNNING" }],
      [
        "info",
        "session ended",
        { ...ids, outcome: "ended", stopReason: "Essential container in task exited" },
      ],
      ["info", "session already ended", ids],
      ["info", "session already past RUNNING; event ignored", { ...ids, status: "ENDED" }],
    ]);
  });

  it("routes a RUNNING task whose session does not record it yet (launch not done)", async () => {
    const session = await launched();
    const pendingItem: Parameters<FakeTable["put"]>[0] = {
      ...item(session)!,
      status: { S: "PENDING" },
    };
    delete pendingItem.taskArn;
    table.put(pendingItem);
    await handler(taskEvent("RUNNING", { session }));
    expect(item(session)?.status?.S).to.equal("RUNNING");
    expect(item(session)?.taskArn?.S).to.equal(
      `arn:aws:ecs:us-east-1:111111111111:task/quickbets/${session.sessionId}`,
    );
    expect(listener.sessionRules()).to.have.length(1);
  });

  it("a RUNNING task without an address fails (EventBridge retries), routing nothing", async () => {
    const session = await launched();
    const event = taskEvent("RUNNING", { session });
    (event.detail as { attachments: unknown[] }).attachments = [];
    expect((await rejection(handler(event))).message).to.equal(
      `task arn:aws:ecs:us-east-1:111111111111:task/quickbets/${session.sessionId} is RUNNING without a private IPv4 address`,
    );
    expect(elb.calls()).to.have.length(0);
    expect(item(session)?.status?.S).to.equal("STARTING");
  });

  const reasons: [string, TaskOptions, string][] = [
    [
      "the stopped reason",
      { stoppedReason: "OutOfMemoryError", stopCode: "EssentialContainerExited" },
      "OutOfMemoryError",
    ],
    [
      "the stop code without a reason",
      { stopCode: "EssentialContainerExited" },
      "EssentialContainerExited",
    ],
    ["a plain reason without either", {}, "task stopped"],
  ];
  for (const [what, options, expected] of reasons) {
    it(`records ${what} as the stop reason`, async () => {
      const session = await launched();
      await handler(taskEvent("STOPPED", { session, ...options }));
      expect(item(session)?.stopReason?.S).to.equal(expected);
    });
  }

  it("a STOPPED task without a session removes the routing left under its name", async () => {
    const session = await launched();
    await handler(taskEvent("RUNNING", { session }));
    expect(listener.sessionRules()).to.have.length(1);
    table.items.delete(`USER#user-a\u0000SESSION#${session.sessionId}`);
    await handler(taskEvent("STOPPED", { session }));
    expect(listener.sessionRules()).to.deep.equal([]);
    expect(listener.targetGroups.size).to.equal(0);
    expect(logs.lines.at(-1)).to.deep.equal([
      "info",
      "stopped task has no session",
      { sessionId: session.sessionId, userId: "user-a" },
    ]);
  });

  describe("a session that keeps changing while being ended", () => {
    /** The next `n` end transactions fail as conflicting; later ones reach the table. */
    function conflicts(n: number): void {
      let left = n;
      dynamo.on(TransactWriteItemsCommand).callsFake((input) => {
        if (left-- > 0) {
          throw new TransactionCanceledException({
            message: "Transaction cancelled",
            $metadata: {},
            CancellationReasons: [{ Code: "None" }, { Code: "TransactionConflict" }],
          });
        }
        return table.transactWrite(input);
      });
    }
    const sessionReads = (s: Session) =>
      dynamo
        .commandCalls(GetItemCommand)
        .filter((c) => c.args[0].input.Key?.sk?.S === `SESSION#${s.sessionId}`).length;

    it("is read again and ended on the third round", async () => {
      const session = await launched();
      const reads = sessionReads(session);
      conflicts(2);
      await handler(taskEvent("STOPPED", { session }));
      expect(item(session)?.status?.S).to.equal("ENDED");
      expect(sessionReads(session) - reads).to.equal(3);
      expectNothingLeaked();
    });

    it("fails after three rounds, for EventBridge to retry", async () => {
      const session = await launched();
      const reads = sessionReads(session);
      conflicts(3);
      expect((await rejection(handler(taskEvent("STOPPED", { session })))).message).to.equal(
        `session ${session.sessionId} kept changing while being ended; EventBridge will retry`,
      );
      expect(sessionReads(session) - reads).to.equal(3);
      expect(item(session)?.status?.S).to.equal("STARTING");
    });
  });

  it("adds the invocation's context to its logs", async () => {
    const context = { awsRequestId: "req-1", functionName: "lifecycle" } as Context;
    await handler(taskEvent("PENDING"), context);
    expect(logs.contexts).to.deep.equal([context]);
    await handler(taskEvent("PENDING"));
    expect(logs.contexts).to.have.length(1);
  });

  it("ends a session whose task stopped before running, creating nothing", async () => {
    const session = await launched();
    await handler(taskEvent("STOPPED", { session, stoppedReason: "CannotPullContainerError" }));
    expect(item(session)?.status?.S).to.equal("ENDED");
    expect(elb.commandCalls(CreateTargetGroupCommand)).to.have.length(0);
    expectNothingLeaked();
  });

  it("releases exactly one slot per session, even for two concurrent STOPPED deliveries", async () => {
    const first = await launched("user-a", "KXNFLGAME-A");
    const second = await launched("user-a", "KXNFLGAME-B");
    await handler(taskEvent("RUNNING", { session: first }));
    await handler(taskEvent("RUNNING", { session: second, ip: "10.0.1.24" }));
    expect(table.counter("GLOBAL")).to.equal(2);

    await Promise.all([
      handler(taskEvent("STOPPED", { session: first })),
      handler(taskEvent("STOPPED", { session: first })),
    ]);
    expect(table.counter("USER#user-a")).to.equal(1);
    expect(table.counter("GLOBAL")).to.equal(1);
    expect(table.get("USER#user-a", "EVENT#KXNFLGAME-B")?.sessionId?.S).to.equal(second.sessionId);
    expect(listener.sessionRules()).to.have.length(1);

    await handler(taskEvent("STOPPED", { session: second }));
    expectNothingLeaked();
  });

  it("retries CreateRule on a priority taken concurrently", async () => {
    const session = await launched();
    let raced = false;
    listener.beforeCreateRule = () => {
      if (!raced) {
        raced = true;
        listener.addForeignRule(1);
      }
    };
    await handler(taskEvent("RUNNING", { session }));
    expect(elb.commandCalls(CreateRuleCommand).map((c) => c.args[0].input.Priority)).to.deep.equal([
      1, 2,
    ]);
    expect(item(session)?.status?.S).to.equal("RUNNING");
  });

  it("recovers from a crash between routing and recording it: no duplicate rule, nothing leaked", async () => {
    const session = await launched();
    table.failNextUpdate = new Error("connection reset");
    expect((await rejection(handler(taskEvent("RUNNING", { session })))).message).to.equal(
      "connection reset",
    );
    expect(listener.sessionRules()).to.have.length(1);
    expect(item(session)?.status?.S).to.equal("STARTING");

    // A STOPPED now finds the unrecorded target group by name and its rule by its action.
    await handler(taskEvent("STOPPED", { session }));
    expectNothingLeaked();
  });

  it("a redelivered RUNNING after such a crash reuses the rule it made", async () => {
    const session = await launched();
    table.failNextUpdate = new Error("connection reset");
    await rejection(handler(taskEvent("RUNNING", { session })));
    await handler(taskEvent("RUNNING", { session }));
    expect(listener.sessionRules()).to.have.length(1);
    expect(listener.targetGroups.size).to.equal(1);
    expect(item(session)?.ruleArn?.S).to.equal(listener.sessionRules()[0]!.RuleArn);
    await handler(taskEvent("STOPPED", { session }));
    expectNothingLeaked();
  });

  it("removes the routing it made when the session ended meanwhile", async () => {
    const session = await launched();
    listener.beforeCreateRule = () => {
      const current = item(session)!;
      table.put({ ...current, status: { S: "ENDED" } });
    };
    await handler(taskEvent("RUNNING", { session }));
    expect(listener.sessionRules()).to.deep.equal([]);
    expect(listener.targetGroups.size).to.equal(0);
    // It deletes what it made by ARN, without looking anything up again.
    expect(elb.calls().map((c) => c.args[0].constructor.name)).to.deep.equal([
      "CreateTargetGroupCommand",
      "RegisterTargetsCommand",
      "DescribeRulesCommand",
      "CreateRuleCommand",
      "DeleteRuleCommand",
      "DeleteTargetGroupCommand",
    ]);
    expect(logs.lines).to.deep.equal([
      [
        "info",
        "session ended during routing; removing it",
        { sessionId: session.sessionId, userId: "user-a" },
      ],
    ]);
  });

  it("stops a running task whose session no longer exists", async () => {
    const ghost: Session = { ...(await launched()), sessionId: newSessionId(clock) };
    await handler(
      taskEvent("RUNNING", {
        session: ghost,
        taskArn: "arn:aws:ecs:us-east-1:111111111111:task/quickbets/ghost",
      }),
    );
    expect(ecs.commandCalls(StopTaskCommand).map((c) => c.args[0].input)).to.deep.equal([
      {
        cluster: CLUSTER,
        task: "arn:aws:ecs:us-east-1:111111111111:task/quickbets/ghost",
        reason: "QuickBets session no longer exists",
      },
    ]);
    expect(listener.targetGroups.size).to.equal(0);
    expect(logs.lines).to.deep.equal([
      [
        "warn",
        "task runs without a session; stopping it",
        {
          sessionId: ghost.sessionId,
          userId: "user-a",
          taskArn: "arn:aws:ecs:us-east-1:111111111111:task/quickbets/ghost",
        },
      ],
    ]);
  });

  describe("ignores events that are not its own, saying why", () => {
    const ids = (s: Session) => ({ sessionId: s.sessionId, userId: s.userId });
    /** An event for `s` with `change` applied to its detail (to make it malformed). */
    const altered = (s: Session, change: (detail: any) => void): TaskStateChange => {
      const event = taskEvent("RUNNING", { session: s });
      change(event.detail);
      return event;
    };
    const malformed = (issues: number): LogLine => [
      "warn",
      "not an ECS task state change; ignored",
      { issues },
    ];
    const OTHER_TASK = "arn:aws:ecs:us-east-1:111111111111:task/quickbets/other";
    const cases: [string, (s: Session) => TaskStateChange, (s: Session) => LogLine][] = [
      [
        "another cluster",
        (s) =>
          taskEvent("RUNNING", {
            session: s,
            cluster: "arn:aws:ecs:us-east-1:111111111111:cluster/other",
          }),
        () => [
          "info",
          "task of another cluster; ignored",
          { clusterArn: "arn:aws:ecs:us-east-1:111111111111:cluster/other" },
        ],
      ],
      [
        "a task without session variables",
        (s) => taskEvent("RUNNING", { session: s, environment: [{ name: "FOO", value: "bar" }] }),
        (s) => [
          "info",
          "task is not a QuickBets session; ignored",
          { taskArn: `arn:aws:ecs:us-east-1:111111111111:task/quickbets/${s.sessionId}` },
        ],
      ],
      [
        "a task with only the session id",
        (s) =>
          taskEvent("STOPPED", {
            session: s,
            environment: [{ name: "QUICKBETS_SESSION_ID", value: s.sessionId }],
          }),
        (s) => [
          "info",
          "task is not a QuickBets session; ignored",
          { taskArn: `arn:aws:ecs:us-east-1:111111111111:task/quickbets/${s.sessionId}` },
        ],
      ],
      [
        "a malformed detail",
        () => ({ ...taskEvent("RUNNING"), detail: { lastStatus: 5 } }),
        () => malformed(3),
      ],
      [
        "a numeric session id",
        (s) => altered(s, (d) => (d.overrides.containerOverrides[0].environment[0].value = 7)),
        () => malformed(1),
      ],
      [
        "a numeric variable name",
        (s) => altered(s, (d) => (d.overrides.containerOverrides[0].environment[0].name = 7)),
        () => malformed(1),
      ],
      [
        "overrides that are not an object",
        (s) => altered(s, (d) => (d.overrides = "all")),
        () => malformed(1),
      ],
      [
        "an environment that is not a list",
        (s) => altered(s, (d) => (d.overrides.containerOverrides[0].environment = "x")),
        () => malformed(1),
      ],
      [
        "an attachment detail with a numeric address",
        (s) => altered(s, (d) => (d.attachments[0].details[1].value = 10)),
        () => malformed(1),
      ],
      [
        "an attachment of a numeric type",
        (s) => altered(s, (d) => (d.attachments[0].type = 1)),
        () => malformed(1),
      ],
      [
        "a container interface with a numeric address",
        (s) =>
          altered(s, (d) => (d.containers = [{ networkInterfaces: [{ privateIpv4Address: 1 }] }])),
        () => malformed(1),
      ],
      [
        "container interfaces that are not a list",
        (s) => altered(s, (d) => (d.containers = [{ networkInterfaces: "eth0" }])),
        () => malformed(1),
      ],
      [
        "a numeric stop reason",
        (s) => altered(s, (d) => (d.stoppedReason = 1)),
        () => malformed(1),
      ],
      [
        "a RUNNING task asked to stop",
        (s) => taskEvent("RUNNING", { session: s, desiredStatus: "STOPPED" }),
        (s) => ["debug", "transitional task state; ignored", { ...ids(s), lastStatus: "RUNNING" }],
      ],
      [
        "a transitional state",
        (s) => taskEvent("DEPROVISIONING", { session: s }),
        (s) => [
          "debug",
          "transitional task state; ignored",
          { ...ids(s), lastStatus: "DEPROVISIONING" },
        ],
      ],
      [
        "another task of the session stopping",
        (s) => taskEvent("STOPPED", { session: s, taskArn: OTHER_TASK }),
        (s) => [
          "warn",
          "task is not the session's task; ignored",
          { ...ids(s), taskArn: OTHER_TASK },
        ],
      ],
      [
        "another task of the session running",
        (s) => taskEvent("RUNNING", { session: s, taskArn: OTHER_TASK }),
        (s) => [
          "warn",
          "task is not the session's task; ignored",
          { ...ids(s), taskArn: OTHER_TASK },
        ],
      ],
    ];
    for (const [label, build, log] of cases) {
      it(label, async () => {
        const session = await launched();
        const writes = table.writes;
        await handler(build(session));
        expect(table.writes).to.equal(writes);
        expect(elb.calls()).to.have.length(0);
        expect(ecs.calls()).to.have.length(0);
        expect(item(session)?.status?.S).to.equal("STARTING");
        expect(logs.lines).to.deep.equal([log(session)]);
      });
    }
  });
});

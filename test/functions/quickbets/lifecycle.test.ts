import { expect } from "chai";
// The helpers first: they quiet the Logger the handler builds at import.
import { quickbetsEnv, withEnv } from "../helpers/api";
import { FakeTable, mockDynamo } from "../helpers/fake-dynamodb";
import { FakeListener, mockElb } from "../helpers/fake-elb";
import { rejection } from "../../helpers/errors";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ECSClient, StopTaskCommand } from "@aws-sdk/client-ecs";
import {
  CreateRuleCommand,
  CreateTargetGroupCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { mockClient } from "aws-sdk-client-mock";
import { handler, type TaskStateChange } from "../../../functions/quickbets/lifecycle";
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
  beforeEach(() => {
    table = new FakeTable();
    listener = new FakeListener(LISTENER);
    dynamo = mockDynamo(table);
    elb = mockElb(listener);
    ecs.reset();
    ecs.on(StopTaskCommand).resolves({});
    store = new SessionStore(new DynamoDBClient({}), env.SESSIONS_TABLE!);
  });
  afterEach(() => {
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
  });

  it("stops a running task whose session no longer exists", async () => {
    const ghost: Session = { ...(await launched()), sessionId: newSessionId(clock) };
    await handler(
      taskEvent("RUNNING", {
        session: ghost,
        taskArn: "arn:aws:ecs:us-east-1:111111111111:task/quickbets/ghost",
      }),
    );
    const stops = ecs.commandCalls(StopTaskCommand);
    expect(stops).to.have.length(1);
    expect(stops[0]!.args[0].input).to.deep.include({
      cluster: CLUSTER,
      task: "arn:aws:ecs:us-east-1:111111111111:task/quickbets/ghost",
    });
    expect(listener.targetGroups.size).to.equal(0);
  });

  describe("ignores events that are not its own", () => {
    const cases: [string, (s: Session) => TaskStateChange][] = [
      [
        "another cluster",
        (s) =>
          taskEvent("RUNNING", {
            session: s,
            cluster: "arn:aws:ecs:us-east-1:111111111111:cluster/other",
          }),
      ],
      [
        "a task without session variables",
        (s) => taskEvent("RUNNING", { session: s, environment: [{ name: "FOO", value: "bar" }] }),
      ],
      [
        "a task with only the session id",
        (s) =>
          taskEvent("STOPPED", {
            session: s,
            environment: [{ name: "QUICKBETS_SESSION_ID", value: s.sessionId }],
          }),
      ],
      ["a malformed detail", () => ({ ...taskEvent("RUNNING"), detail: { lastStatus: 5 } })],
      [
        "a RUNNING task asked to stop",
        (s) => taskEvent("RUNNING", { session: s, desiredStatus: "STOPPED" }),
      ],
      ["a transitional state", (s) => taskEvent("DEPROVISIONING", { session: s })],
      [
        "another task of the session",
        (s) =>
          taskEvent("STOPPED", {
            session: s,
            taskArn: "arn:aws:ecs:us-east-1:111111111111:task/quickbets/other",
          }),
      ],
    ];
    for (const [label, build] of cases) {
      it(label, async () => {
        const session = await launched();
        const writes = table.writes;
        await handler(build(session));
        expect(table.writes).to.equal(writes);
        expect(elb.calls()).to.have.length(0);
        expect(ecs.calls()).to.have.length(0);
        expect(item(session)?.status?.S).to.equal("STARTING");
      });
    }
  });
});

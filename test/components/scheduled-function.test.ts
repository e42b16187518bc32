import { expect } from "chai";
import {
  builtInAlarmArgs,
  customAlarmArgs,
  ScheduledFunction,
  secretStatements,
  type ScheduledFunctionAlarm,
  type ScheduledFunctionArgs,
} from "../../components/scheduled-function";
import {
  failureOf,
  finder,
  inHomeRegion,
  runWithMocks,
  statementsOf,
} from "../helpers/mock-runtime";

const TOKEN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ak/token-AbCdEf";
const APP = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ak/app-AbCdEf";

function args(overrides: Partial<ScheduledFunctionArgs> = {}): ScheduledFunctionArgs {
  return {
    handler: "test/fixtures/handlers/hello.ts",
    schedule: "usEquityRegularHours",
    metricsNamespace: "AlphaKite",
    environment: { TOKEN_SECRET_ARN: TOKEN },
    secrets: { read: [APP], write: [TOKEN] },
    alarms: [
      {
        name: "no-data",
        description: "no candles",
        metricName: "DataPointsFetched",
        statistic: "Sum",
        comparison: "LessThanOrEqualToThreshold",
        threshold: 0,
        periods: 3,
      },
      {
        name: "refresh-token",
        description: "log in again",
        metricName: "Errors",
        dimensions: { ErrorType: "RefreshTokenExpired" },
        statistic: "Sum",
        comparison: "GreaterThanOrEqualToThreshold",
        threshold: 1,
      },
    ],
    alarmTopicArn: "arn:aws:sns:us-east-1:123456789012:alarms",
    logRetentionInDays: 30,
    ...overrides,
  };
}

const build = (a: ScheduledFunctionArgs = args()) =>
  inHomeRegion((provider) => new ScheduledFunction("ak", a, { provider }));

describe("ScheduledFunction", () => {
  let find: ReturnType<typeof finder>;
  before(async () => {
    find = finder(await runWithMocks(build(), { home: "us-east-1" }));
  });

  it("creates one Scheduler schedule per window, in New York time, flexible window off", () => {
    const schedules = find.ofType("aws:scheduler/schedule:Schedule");
    expect(schedules.map((s) => s.inputs.scheduleExpression).sort()).to.deep.equal([
      "cron(* 10-15 ? * MON-FRI *)",
      "cron(0 16 ? * MON-FRI *)",
      "cron(30-59 9 ? * MON-FRI *)",
    ]);
    const group = find.named("ak-schedules");
    for (const s of schedules) {
      expect(s.inputs).to.include({
        scheduleExpressionTimezone: "America/New_York",
        groupName: group.state.name,
        state: "ENABLED",
      });
      expect(s.inputs.flexibleTimeWindow).to.deep.equal({ mode: "OFF" });
      expect(s.inputs.target.arn).to.equal(find.named("ak-fn").state.arn);
      expect(s.inputs.target.deadLetterConfig.arn).to.equal(find.named("ak-dlq").state.arn);
      expect(s.inputs.target.retryPolicy).to.deep.equal({
        maximumRetryAttempts: 0,
        maximumEventAgeInSeconds: 60,
      });
    }
  });

  it("gives the scheduler a role that may invoke only this function", () => {
    const role = find.named("ak-scheduler");
    const trust = JSON.parse(role.inputs.assumeRolePolicy as string);
    expect(trust.Statement[0].Principal).to.deep.equal({ Service: "scheduler.amazonaws.com" });
    expect(trust.Statement[0].Condition).to.deep.equal({
      StringEquals: { "aws:SourceAccount": "123456789012" },
      ArnLike: { "aws:SourceArn": find.named("ak-schedules").state.arn },
    });
    const fnArn = find.named("ak-fn").state.arn as string;
    expect(statementsOf(find.named("ak-scheduler-policy"))).to.deep.equal([
      {
        Sid: "InvokeOnlyThisFunction",
        Effect: "Allow",
        Action: "lambda:InvokeFunction",
        Resource: [fnArn, `${fnArn}:*`],
      },
      {
        Sid: "UndeliveredRuns",
        Effect: "Allow",
        Action: "sqs:SendMessage",
        Resource: find.named("ak-dlq").state.arn,
      },
    ]);
  });

  it("runs one at a time, with a bundled function, its own logs and no late retries", () => {
    const fn = find.named("ak-fn");
    expect(fn.inputs).to.include({ reservedConcurrentExecutions: 1, memorySize: 256, timeout: 60 });
    expect(find.named("ak-logs").inputs.retentionInDays).to.equal(30);
    const invokeConfig = find.named("ak-async");
    expect(invokeConfig.inputs).to.include({
      maximumRetryAttempts: 0,
      maximumEventAgeInSeconds: 60,
    });
    expect(invokeConfig.inputs.destinationConfig.onFailure.destination).to.equal(
      find.named("ak-dlq").state.arn,
    );
    expect(find.named("ak-dlq").inputs.sqsManagedSseEnabled).to.be.true;
  });

  it("lets the function read its secrets and write only the writable ones, by ARN", () => {
    const statements = statementsOf(find.named("ak-policy"));
    expect(statements.find((s) => s.Sid === "ReadSecrets")).to.deep.include({
      Action: "secretsmanager:GetSecretValue",
      Resource: [APP, TOKEN],
    });
    expect(statements.find((s) => s.Sid === "WriteSecrets")).to.deep.include({
      Action: "secretsmanager:PutSecretValue",
      Resource: [TOKEN],
    });
  });

  it("names the metrics namespace and service, and holds no secret value in its environment", () => {
    const variables = find.named("ak-fn").inputs.environment.variables as Record<string, string>;
    expect(variables).to.include({
      POWERTOOLS_METRICS_NAMESPACE: "AlphaKite",
      POWERTOOLS_SERVICE_NAME: "ak",
      TOKEN_SECRET_ARN: TOKEN,
    });
  });

  it("alarms on function errors, dead letters and each given metric, to the topic", () => {
    const alarms = find.ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(alarms.map((a) => a.name).sort()).to.deep.equal([
      "ak-dead-letters",
      "ak-errors",
      "ak-no-data",
      "ak-refresh-token",
    ]);
    for (const a of alarms) {
      expect(a.inputs.alarmActions, a.name).to.deep.equal([
        "arn:aws:sns:us-east-1:123456789012:alarms",
      ]);
    }
    expect(find.named("ak-errors").inputs).to.include({
      namespace: "AWS/Lambda",
      metricName: "Errors",
    });
    expect(find.named("ak-no-data").inputs).to.deep.include({
      namespace: "AlphaKite",
      metricName: "DataPointsFetched",
      dimensions: { service: "ak" },
      comparisonOperator: "LessThanOrEqualToThreshold",
      threshold: 0,
      evaluationPeriods: 3,
      treatMissingData: "notBreaching",
    });
    expect(find.named("ak-refresh-token").inputs.dimensions).to.deep.equal({
      service: "ak",
      ErrorType: "RefreshTokenExpired",
    });
  });

  it("takes custom windows in another time zone", async () => {
    const f = finder(
      await runWithMocks(
        build(
          args({
            schedule: {
              timeZone: "Europe/Berlin",
              windows: { morning: "cron(0/5 8-11 ? * MON-FRI *)" },
            },
          }),
        ),
        { home: "us-east-1" },
      ),
    );
    const schedules = f.ofType("aws:scheduler/schedule:Schedule");
    expect(schedules).to.have.length(1);
    expect(schedules[0]!.inputs).to.include({
      scheduleExpression: "cron(0/5 8-11 ? * MON-FRI *)",
      scheduleExpressionTimezone: "Europe/Berlin",
    });
  });

  describe("rejects bad args, naming each", () => {
    const cases: [string, Partial<ScheduledFunctionArgs>, string][] = [
      [
        "an unknown preset",
        { schedule: "nyseHours" as "usEquityRegularHours" },
        "schedule: unknown preset",
      ],
      [
        "a rate expression",
        { schedule: { windows: { all: "rate(1 minute)" } } },
        "schedule.windows.all",
      ],
      [
        "an unknown time zone",
        { schedule: { timeZone: "EST5", windows: { a: "cron(0 9 ? * MON *)" } } },
        "schedule.timeZone",
      ],
      ["no windows", { schedule: { windows: {} } }, "schedule.windows: at least one"],
      ["an AWS namespace", { metricsNamespace: "AWS/Lambda" }, "metricsNamespace"],
      ["zero concurrency", { reservedConcurrency: 0 }, "reservedConcurrency"],
      [
        "too many retries",
        { retry: { maximumRetryAttempts: 5, maximumEventAgeInSeconds: 60 } },
        "retry.maximumRetryAttempts",
      ],
      ["dead letters kept too long", { deadLetterRetentionDays: 15 }, "deadLetterRetentionDays"],
    ];
    for (const [title, overrides, fragment] of cases) {
      it(title, async () => {
        expect((await failureOf(build(args(overrides))))?.message).to.include(fragment);
      });
    }
  });

  describe("secretStatements", () => {
    const cases: [string, ScheduledFunctionArgs["secrets"], Record<string, string[]>][] = [
      ["none", undefined, {}],
      ["read only", { read: ["a"] }, { ReadSecrets: ["a"] }],
      [
        "written ones are read too",
        { read: ["a"], write: ["t"] },
        {
          ReadSecrets: ["a", "t"],
          WriteSecrets: ["t"],
        },
      ],
    ];
    for (const [title, secrets, expected] of cases) {
      it(title, () => {
        const statements = secretStatements(secrets);
        expect(Object.fromEntries(statements.map((s) => [s.Sid, s.Resource]))).to.deep.equal(
          expected,
        );
      });
    }
  });

  describe("builtInAlarmArgs", () => {
    const defaults = { threshold: 1, periodSeconds: 60, periods: 1 };
    const cases: [string, Parameters<typeof builtInAlarmArgs>[0], Record<string, unknown>][] = [
      ["the defaults", undefined, { threshold: 1, period: 60, evaluationPeriods: 1 }],
      ["a threshold of its own", { threshold: 5 }, { threshold: 5, period: 60 }],
      ["longer periods", { periodSeconds: 300, periods: 3 }, { period: 300, evaluationPeriods: 3 }],
    ];
    for (const [title, alarm, expected] of cases) {
      it(title, () => {
        expect(builtInAlarmArgs(alarm, defaults)).to.include({
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          treatMissingData: "notBreaching",
          ...expected,
        });
      });
    }
  });

  describe("customAlarmArgs", () => {
    const base = {
      name: "no-data",
      description: "d",
      metricName: "M",
      statistic: "Sum" as const,
      comparison: "LessThanThreshold" as const,
      threshold: 1,
    };
    const cases: [string, Partial<ScheduledFunctionAlarm>, Record<string, unknown>][] = [
      [
        "a minute, once, quiet when missing",
        {},
        {
          period: 60,
          evaluationPeriods: 1,
          datapointsToAlarm: 1,
          treatMissingData: "notBreaching",
        },
      ],
      ["consecutive periods", { periods: 3 }, { evaluationPeriods: 3, datapointsToAlarm: 3 }],
      ["its own period", { periodSeconds: 300 }, { period: 300 }],
    ];
    for (const [title, alarm, expected] of cases) {
      it(title, () => {
        const result = customAlarmArgs({ ...base, ...alarm }, "NS", "svc");
        expect(result).to.include({ namespace: "NS", ...expected });
        expect(result.dimensions).to.deep.equal({ service: "svc" });
      });
    }
  });

  it("takes its tunables and runs each hook over its children's args", async () => {
    const tuned = finder(
      await runWithMocks(
        build(
          args({
            errorAlarm: { threshold: 3, periodSeconds: 300, periods: 2 },
            deadLetterAlarm: { periodSeconds: 60 },
            deadLetterRetentionDays: 4,
            transform: {
              function: (a) => ({ ...a, memorySize: 512 }),
              deadLetterQueue: { visibilityTimeoutSeconds: 120 },
              invokeConfig: { qualifier: "$LATEST" },
              scheduleGroup: { tags: { team: "ak" } },
              schedulerRole: { description: "scheduler" },
              schedule: (a, _o, name) => {
                if (name === "ak-close") a.state = "DISABLED";
              },
              alarm: { actionsEnabled: false },
            },
          }),
        ),
        { home: "us-east-1" },
      ),
    );
    expect(tuned.named("ak-errors").inputs).to.include({
      threshold: 3,
      period: 300,
      evaluationPeriods: 2,
      actionsEnabled: false,
    });
    expect(tuned.named("ak-dead-letters").inputs.period).to.equal(60);
    expect(tuned.named("ak-dlq").inputs).to.include({
      messageRetentionSeconds: 4 * 24 * 3600,
      visibilityTimeoutSeconds: 120,
    });
    expect(tuned.named("ak-fn").inputs.memorySize).to.equal(512);
    expect(tuned.named("ak-async").inputs.qualifier).to.equal("$LATEST");
    expect(tuned.named("ak-schedules").inputs.tags).to.deep.equal({ team: "ak" });
    expect(tuned.named("ak-scheduler").inputs.description).to.equal("scheduler");
    const states = Object.fromEntries(
      tuned.ofType("aws:scheduler/schedule:Schedule").map((s) => [s.name, s.inputs.state]),
    );
    expect(Object.values(states).filter((v) => v === "DISABLED")).to.have.length(1);
    expect(states["ak-close"]).to.equal("DISABLED");
  });
});

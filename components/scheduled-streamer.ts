import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { functionEnvironment } from "../functions/shared/env";
import { SCHEDULED_STREAMER_ENV } from "../functions/shared/hosts";
import { BundledFunction } from "./bundled-function";
import { policyDocument, serviceTrustPolicy, type PolicyStatement } from "./iam";
import {
  cronProblems,
  SCHEDULE_PRESETS,
  timeZoneProblem,
  type SchedulePreset,
  type ScheduleWindows,
} from "./schedules";
import type { LogRetentionDays } from "./profile";

/** An alarm on one of the function's own metrics (in `metricsNamespace`). */
export interface StreamerAlarm {
  /**
   * Short name, part of the alarm's name.
   * @example "no-data"
   */
  name: string;
  /** What the alarm means and what to do, shown in the notification. */
  description: string;
  /**
   * Metric name in the namespace.
   * @example "DataPointsFetched"
   */
  metricName: string;
  /**
   * Dimensions beyond `service` (which every metric of the function carries).
   * @default {}
   */
  dimensions?: Record<string, string>;
  /** How the period's data points are combined. */
  statistic: "Sum" | "Average" | "Minimum" | "Maximum" | "SampleCount";
  comparison:
    | "GreaterThanOrEqualToThreshold"
    | "GreaterThanThreshold"
    | "LessThanThreshold"
    | "LessThanOrEqualToThreshold";
  threshold: number;
  /**
   * Consecutive breaching periods before the alarm fires.
   * @default 1
   */
  periods?: number;
  /**
   * Period length in seconds.
   * @default 60
   */
  periodSeconds?: number;
  /**
   * How periods without data count. Scheduled functions are silent outside their windows, so the
   * default keeps nights and holidays quiet.
   * @default "notBreaching"
   */
  treatMissingData?: "breaching" | "notBreaching" | "ignore" | "missing";
}

export interface ScheduledStreamerArgs {
  /**
   * The handler's entry file, relative to the project root.
   * @example "functions/alpha-kite/streamer.ts"
   */
  handler: string;
  /**
   * When to run: a preset name, or windows (name → Scheduler cron) in a time zone.
   * @example "usEquityRegularHours"
   * @example { timeZone: "Europe/Berlin", windows: { morning: "cron(0/5 8-11 ? * MON-FRI *)" } }
   */
  schedule: SchedulePreset | { windows: Record<string, string>; timeZone?: string };
  /**
   * Environment variables: names, URLs and ARNs only (the policy pack refuses secret values).
   * @default {}
   */
  environment?: Record<string, pulumi.Input<string>>;
  /**
   * Secrets Manager secrets by ARN: `read` may be read, `write` read and given new values.
   * @default {}
   */
  secrets?: { read?: pulumi.Input<string>[]; write?: pulumi.Input<string>[] };
  /**
   * Memory in MB.
   * @default 256
   */
  memorySize?: number;
  /**
   * Timeout in seconds.
   * @default 60
   */
  timeout?: number;
  /**
   * Reserved concurrency. One, so two runs never race on shared state (a refreshed token).
   * @default 1
   */
  reservedConcurrency?: number;
  /**
   * Retries of a failed run, by Scheduler (delivery) and Lambda (errors). A run superseded by
   * the next window gains nothing from late retries, so both are bounded by the event age.
   * @default { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 }
   */
  retry?: { maximumRetryAttempts: number; maximumEventAgeInSeconds: number };
  /**
   * CloudWatch namespace of the function's EMF metrics (`POWERTOOLS_METRICS_NAMESPACE`).
   * @example "AlphaKite"
   */
  metricsNamespace: string;
  /**
   * Alarms on the function's own metrics; a function-errors alarm and a dead-letter alarm are
   * always added.
   * @default []
   */
  alarms?: StreamerAlarm[];
  /**
   * Errors per period (AWS/Lambda `Errors`, Sum) at which the function-errors alarm fires.
   * @default 1
   */
  errorThreshold?: number;
  /**
   * SNS topic the alarms notify (alarm and OK).
   * @default undefined (alarms without actions)
   */
  alarmTopicArn?: pulumi.Input<string>;
  /**
   * Retention of the function's log group, in days.
   * @default 14
   */
  logRetentionInDays?: LogRetentionDays;
}

/**
 * A bundled Lambda run on a wall-clock schedule in a time zone by EventBridge Scheduler: one
 * schedule per window in a group of its own, flexible window off, a role that may invoke only this
 * function, one dead-letter queue for undeliverable and failed runs, and alarms.
 */
export class ScheduledStreamer extends pulumi.ComponentResource {
  public readonly function: BundledFunction;
  public readonly scheduleGroup: aws.scheduler.ScheduleGroup;
  public readonly schedules: Readonly<Record<string, aws.scheduler.Schedule>>;
  public readonly deadLetterQueue: aws.sqs.Queue;
  public readonly alarms: readonly aws.cloudwatch.MetricAlarm[];
  /** The resolved windows and time zone. */
  public readonly windows: ScheduleWindows;
  public readonly functionName: pulumi.Output<string>;
  public readonly functionArn: pulumi.Output<string>;
  public readonly scheduleNames: pulumi.Output<string[]>;
  public readonly logGroupName: pulumi.Output<string>;
  public readonly alarmNames: pulumi.Output<string[]>;

  constructor(name: string, args: ScheduledStreamerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:schedule:ScheduledStreamer", name, {}, opts);

    // ---- normalize ----
    if (typeof args.schedule === "string" && !(args.schedule in SCHEDULE_PRESETS)) {
      throw new Error(
        `ScheduledStreamer ${name}:\n  schedule: unknown preset ${String(args.schedule)} (${Object.keys(SCHEDULE_PRESETS).join(", ")})`,
      );
    }
    const windows: ScheduleWindows =
      typeof args.schedule === "string"
        ? SCHEDULE_PRESETS[args.schedule]
        : {
            timeZone: args.schedule.timeZone ?? "America/New_York",
            windows: args.schedule.windows,
          };
    const retry = args.retry ?? { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 };
    const reservedConcurrency = args.reservedConcurrency ?? 1;
    const problems = [
      ...Object.entries(windows.windows).flatMap(([window, cron]) =>
        cronProblems(cron).map((p) => `schedule.windows.${window}: ${p}`),
      ),
      ...(Object.keys(windows.windows).length === 0
        ? ["schedule.windows: at least one window"]
        : []),
      ...Object.keys(windows.windows)
        .filter((w) => !/^[a-z][a-z0-9-]{0,15}$/.test(w))
        .map((w) => `schedule.windows.${w}: window names are lowercase, 1-16 characters`),
      ...[timeZoneProblem(windows.timeZone)].filter((p) => p).map((p) => `schedule.timeZone: ${p}`),
      ...(retry.maximumRetryAttempts >= 0 && retry.maximumRetryAttempts <= 2
        ? []
        : ["retry.maximumRetryAttempts: must be 0 to 2 (Lambda's limit for asynchronous runs)"]),
      ...(retry.maximumEventAgeInSeconds >= 60 && retry.maximumEventAgeInSeconds <= 21600
        ? []
        : ["retry.maximumEventAgeInSeconds: must be 60 to 21600"]),
      ...(Number.isInteger(reservedConcurrency) && reservedConcurrency >= 1
        ? []
        : ["reservedConcurrency: must be a whole number of at least 1"]),
      ...(/^(?!AWS\/)[A-Za-z0-9._/#:-]{1,255}$/.test(args.metricsNamespace)
        ? []
        : [`metricsNamespace: ${args.metricsNamespace} is not a custom CloudWatch namespace`]),
      ...(args.alarms ?? [])
        .filter((a) => !/^[a-z][a-z0-9-]{0,31}$/.test(a.name))
        .map((a) => `alarms.${a.name}: alarm names are lowercase, 1-32 characters`),
    ];
    if (problems.length > 0) {
      throw new Error(`ScheduledStreamer ${name}:\n  ${problems.join("\n  ")}`);
    }
    this.windows = windows;
    const readable = [...(args.secrets?.read ?? []), ...(args.secrets?.write ?? [])];
    const writable = args.secrets?.write ?? [];

    // ---- create: dead letters, function ----
    this.deadLetterQueue = new aws.sqs.Queue(
      `${name}-dlq`,
      { messageRetentionSeconds: 14 * 24 * 3600, sqsManagedSseEnabled: true },
      { parent: this },
    );
    const secretStatements: PolicyStatement[] = [
      ...(readable.length > 0
        ? [
            {
              Sid: "ReadSecrets",
              Effect: "Allow" as const,
              Action: "secretsmanager:GetSecretValue",
              Resource: readable,
            },
          ]
        : []),
      ...(writable.length > 0
        ? [
            {
              Sid: "WriteSecrets",
              Effect: "Allow" as const,
              Action: "secretsmanager:PutSecretValue",
              Resource: writable,
            },
          ]
        : []),
    ];
    this.function = new BundledFunction(
      name,
      {
        entry: args.handler,
        description: `${name}: runs ${Object.keys(windows.windows).join(", ")} (${windows.timeZone})`,
        memorySize: args.memorySize ?? 256,
        timeout: args.timeout ?? 60,
        reservedConcurrency,
        logRetentionInDays: args.logRetentionInDays ?? 14,
        environment: {
          ...functionEnvironment(SCHEDULED_STREAMER_ENV, {
            POWERTOOLS_METRICS_NAMESPACE: args.metricsNamespace,
          }),
          // Alarms select metrics by this dimension, so it is the component's name, fixed.
          POWERTOOLS_SERVICE_NAME: name,
          ...args.environment,
        },
        statements: [
          ...secretStatements,
          {
            Sid: "FailedRuns",
            Effect: "Allow",
            Action: "sqs:SendMessage",
            Resource: this.deadLetterQueue.arn,
          },
        ],
      },
      { parent: this },
    );
    // Errors of asynchronous runs: no late retries, then the dead-letter queue.
    new aws.lambda.FunctionEventInvokeConfig(
      `${name}-async`,
      {
        functionName: this.function.functionName,
        maximumRetryAttempts: retry.maximumRetryAttempts,
        maximumEventAgeInSeconds: retry.maximumEventAgeInSeconds,
        destinationConfig: { onFailure: { destination: this.deadLetterQueue.arn } },
      },
      { parent: this, dependsOn: [this.function] },
    );

    // ---- create: schedules ----
    this.scheduleGroup = new aws.scheduler.ScheduleGroup(`${name}-schedules`, {}, { parent: this });
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const schedulerRole = new aws.iam.Role(
      `${name}-scheduler`,
      {
        assumeRolePolicy: pulumi.jsonStringify(
          serviceTrustPolicy("scheduler.amazonaws.com", {
            sourceAccount: account,
            sourceArn: this.scheduleGroup.arn,
          }),
        ),
      },
      { parent: this },
    );
    const schedulerPolicy = new aws.iam.RolePolicy(
      `${name}-scheduler-policy`,
      {
        role: schedulerRole.name,
        policy: pulumi.jsonStringify(
          policyDocument(
            {
              Sid: "InvokeOnlyThisFunction",
              Effect: "Allow",
              Action: "lambda:InvokeFunction",
              Resource: [this.function.arn, pulumi.interpolate`${this.function.arn}:*`],
            },
            {
              Sid: "UndeliveredRuns",
              Effect: "Allow",
              Action: "sqs:SendMessage",
              Resource: this.deadLetterQueue.arn,
            },
          ),
        ),
      },
      { parent: this },
    );
    const schedules: Record<string, aws.scheduler.Schedule> = {};
    for (const [window, cron] of Object.entries(windows.windows)) {
      schedules[window] = new aws.scheduler.Schedule(
        `${name}-${window}`,
        {
          groupName: this.scheduleGroup.name,
          description: `${name} ${window}: ${cron} ${windows.timeZone}`,
          scheduleExpression: cron,
          scheduleExpressionTimezone: windows.timeZone,
          flexibleTimeWindow: { mode: "OFF" },
          state: "ENABLED",
          target: {
            arn: this.function.arn,
            roleArn: schedulerRole.arn,
            input: JSON.stringify({}),
            retryPolicy: {
              maximumRetryAttempts: retry.maximumRetryAttempts,
              maximumEventAgeInSeconds: retry.maximumEventAgeInSeconds,
            },
            deadLetterConfig: { arn: this.deadLetterQueue.arn },
          },
        },
        { parent: this, dependsOn: [schedulerPolicy] },
      );
    }
    this.schedules = schedules;

    // ---- create: alarms ----
    const actions = args.alarmTopicArn ? [args.alarmTopicArn] : [];
    const alarm = (suffix: string, alarmArgs: aws.cloudwatch.MetricAlarmArgs) =>
      new aws.cloudwatch.MetricAlarm(
        `${name}-${suffix}`,
        { alarmActions: actions, okActions: actions, ...alarmArgs },
        { parent: this },
      );
    this.alarms = [
      alarm("errors", {
        alarmDescription: `${name} failed a run: see its log group`,
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: this.function.functionName },
        statistic: "Sum",
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: args.errorThreshold ?? 1,
        period: 60,
        evaluationPeriods: 1,
        treatMissingData: "notBreaching",
      }),
      alarm("dead-letters", {
        alarmDescription: `${name} has runs in its dead-letter queue that were never delivered or kept failing`,
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: this.deadLetterQueue.name },
        statistic: "Maximum",
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: 1,
        period: 300,
        evaluationPeriods: 1,
        treatMissingData: "notBreaching",
      }),
      ...(args.alarms ?? []).map((a) =>
        alarm(a.name, {
          alarmDescription: a.description,
          namespace: args.metricsNamespace,
          metricName: a.metricName,
          dimensions: { service: name, ...a.dimensions },
          statistic: a.statistic,
          comparisonOperator: a.comparison,
          threshold: a.threshold,
          period: a.periodSeconds ?? 60,
          evaluationPeriods: a.periods ?? 1,
          datapointsToAlarm: a.periods ?? 1,
          treatMissingData: a.treatMissingData ?? "notBreaching",
        }),
      ),
    ];

    // ---- expose ----
    this.functionName = this.function.functionName;
    this.functionArn = this.function.arn;
    this.scheduleNames = pulumi.all(Object.values(schedules).map((s) => s.name));
    this.logGroupName = this.function.logGroup.name;
    this.alarmNames = pulumi.all(this.alarms.map((a) => a.name));
    this.registerOutputs({
      functionName: this.functionName,
      functionArn: this.functionArn,
      scheduleNames: this.scheduleNames,
      logGroupName: this.logGroupName,
      alarmNames: this.alarmNames,
    });
  }
}

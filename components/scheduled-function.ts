import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BundledFunction, type BundledFunctionArgs } from "./bundled-function";
import { policyDocument, serviceTrustPolicy, type PolicyStatement } from "./iam";
import {
  cronProblems,
  SCHEDULE_PRESETS,
  timeZoneProblem,
  type SchedulePreset,
  type ScheduleWindows,
} from "./schedules";
import { transform, type Transform } from "./transform";
import { functionEnvironment } from "../functions/shared/env";
import { SCHEDULED_FUNCTION_ENV } from "../functions/shared/hosts";
import type { LogRetentionDays } from "./profile";

/** An alarm on one of the function's own metrics (in `metricsNamespace`). */
export interface ScheduledFunctionAlarm {
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

export interface ScheduledFunctionArgs {
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
  alarms?: ScheduledFunctionAlarm[];
  /**
   * The function-errors alarm (AWS/Lambda `Errors`, Sum): errors per period at which it fires,
   * the period, and how many consecutive periods.
   * @default { threshold: 1, periodSeconds: 60, periods: 1 }
   */
  errorAlarm?: BuiltInAlarm;
  /**
   * The dead-letter alarm (visible messages, Maximum): messages at which it fires, the period,
   * and how many consecutive periods.
   * @default { threshold: 1, periodSeconds: 300, periods: 1 }
   */
  deadLetterAlarm?: BuiltInAlarm;
  /**
   * How long the dead-letter queue keeps a failed run, in days (SQS's most is 14).
   * @default 14
   */
  deadLetterRetentionDays?: number;
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
  /** Hooks over the children's args, run after the component's own (see transform.ts). */
  transform?: ScheduledFunctionTransforms;
}

/** A threshold, period and number of periods of an alarm the component always adds. */
export interface BuiltInAlarm {
  threshold?: number;
  periodSeconds?: number;
  periods?: number;
}

/** Escape hatches: one hook per kind of child of a `ScheduledFunction`. */
export interface ScheduledFunctionTransforms {
  /** The function; its own `transform` reaches the Lambda, role and log group. */
  function?: Transform<BundledFunctionArgs>;
  /** The dead-letter queue of undeliverable and failed runs. */
  deadLetterQueue?: Transform<aws.sqs.QueueArgs>;
  /** How Lambda retries asynchronous runs and where failures go. */
  invokeConfig?: Transform<aws.lambda.FunctionEventInvokeConfigArgs>;
  /** The schedule group. */
  scheduleGroup?: Transform<aws.scheduler.ScheduleGroupArgs>;
  /** The role Scheduler invokes the function with. */
  schedulerRole?: Transform<aws.iam.RoleArgs>;
  /** Each window's schedule (the name tells which). */
  schedule?: Transform<aws.scheduler.ScheduleArgs>;
  /** Each alarm, built-in or from `alarms` (the name tells which). */
  alarm?: Transform<aws.cloudwatch.MetricAlarmArgs>;
}

/** No retries, and a run older than a minute is superseded by the next window's. */
const DEFAULT_RETRY = { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 };

/** The windows and time zone of a schedule: a preset's, or the given ones (New York by default). */
export function resolveSchedule(schedule: ScheduledFunctionArgs["schedule"]): ScheduleWindows {
  if (typeof schedule === "string") return SCHEDULE_PRESETS[schedule];
  return { timeZone: schedule.timeZone ?? "America/New_York", windows: schedule.windows };
}

/** Problems with the args, each naming the arg (empty when valid). */
export function scheduledFunctionProblems(args: ScheduledFunctionArgs): string[] {
  if (typeof args.schedule === "string" && !(args.schedule in SCHEDULE_PRESETS)) {
    return [
      `schedule: unknown preset ${args.schedule} (${Object.keys(SCHEDULE_PRESETS).join(", ")})`,
    ];
  }
  const windows = resolveSchedule(args.schedule);
  const retry = args.retry ?? DEFAULT_RETRY;
  const reservedConcurrency = args.reservedConcurrency ?? 1;
  const retentionDays = args.deadLetterRetentionDays ?? 14;
  return [
    ...Object.entries(windows.windows).flatMap(([window, cron]) =>
      cronProblems(cron).map((p) => `schedule.windows.${window}: ${p}`),
    ),
    ...(Object.keys(windows.windows).length === 0 ? ["schedule.windows: at least one window"] : []),
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
    ...(Number.isInteger(retentionDays) && retentionDays >= 1 && retentionDays <= 14
      ? []
      : ["deadLetterRetentionDays: must be 1 to 14"]),
    ...(/^(?!AWS\/)[A-Za-z0-9._/#:-]{1,255}$/.test(args.metricsNamespace)
      ? []
      : [`metricsNamespace: ${args.metricsNamespace} is not a custom CloudWatch namespace`]),
    ...(args.alarms ?? [])
      .filter((a) => !/^[a-z][a-z0-9-]{0,31}$/.test(a.name))
      .map((a) => `alarms.${a.name}: alarm names are lowercase, 1-32 characters`),
  ];
}

/** What the function may do with its secrets: read them all, and give the `write` ones values. */
export function secretStatements(secrets: ScheduledFunctionArgs["secrets"]): PolicyStatement[] {
  const readable = [...(secrets?.read ?? []), ...(secrets?.write ?? [])];
  const writable = secrets?.write ?? [];
  return [
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
}

/** A built-in alarm's threshold and periods (`alarm` over `defaults`): it fires at or above. */
export function builtInAlarmArgs(
  alarm: BuiltInAlarm | undefined,
  defaults: Required<BuiltInAlarm>,
): Partial<aws.cloudwatch.MetricAlarmArgs> {
  return {
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    threshold: alarm?.threshold ?? defaults.threshold,
    period: alarm?.periodSeconds ?? defaults.periodSeconds,
    evaluationPeriods: alarm?.periods ?? defaults.periods,
    treatMissingData: "notBreaching",
  };
}

/** The args of an alarm on one of the function's own metrics (dimension `service` = `service`). */
export function customAlarmArgs(
  alarm: ScheduledFunctionAlarm,
  namespace: string,
  service: string,
): aws.cloudwatch.MetricAlarmArgs {
  return {
    alarmDescription: alarm.description,
    namespace,
    metricName: alarm.metricName,
    dimensions: { service, ...alarm.dimensions },
    statistic: alarm.statistic,
    comparisonOperator: alarm.comparison,
    threshold: alarm.threshold,
    period: alarm.periodSeconds ?? 60,
    evaluationPeriods: alarm.periods ?? 1,
    datapointsToAlarm: alarm.periods ?? 1,
    treatMissingData: alarm.treatMissingData ?? "notBreaching",
  };
}

/**
 * A bundled Lambda run on a wall-clock schedule in a time zone by EventBridge Scheduler: one
 * schedule per window in a group of its own, flexible window off, a role that may invoke only this
 * function, one dead-letter queue for undeliverable and failed runs, and alarms.
 */
export class ScheduledFunction extends pulumi.ComponentResource {
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

  private readonly name: string;
  private readonly hooks: ScheduledFunctionTransforms;

  constructor(name: string, args: ScheduledFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    // Was ScheduledStreamer: the alias keeps the URNs of what it created.
    super(
      "platform:schedule:ScheduledFunction",
      name,
      {},
      {
        ...opts,
        aliases: [...(opts?.aliases ?? []), { type: "platform:schedule:ScheduledStreamer" }],
      },
    );
    this.name = name;
    this.hooks = args.transform ?? {};

    // ---- normalize ----
    const problems = scheduledFunctionProblems(args);
    if (problems.length > 0) {
      throw new Error(`ScheduledFunction ${name}:\n  ${problems.join("\n  ")}`);
    }
    this.windows = resolveSchedule(args.schedule);
    const retry = args.retry ?? DEFAULT_RETRY;

    // ---- create ----
    this.deadLetterQueue = this.createDeadLetterQueue(args.deadLetterRetentionDays ?? 14);
    this.function = this.createFunction(args);
    this.createInvokeConfig(retry);
    this.scheduleGroup = this.createScheduleGroup();
    this.schedules = this.createSchedules(retry);
    this.alarms = this.createAlarms(args);

    // ---- expose ----
    this.functionName = this.function.functionName;
    this.functionArn = this.function.arn;
    this.scheduleNames = pulumi.all(Object.values(this.schedules).map((s) => s.name));
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

  private createDeadLetterQueue(retentionDays: number): aws.sqs.Queue {
    return new aws.sqs.Queue(
      ...transform(
        this.hooks.deadLetterQueue,
        `${this.name}-dlq`,
        { messageRetentionSeconds: retentionDays * 24 * 3600, sqsManagedSseEnabled: true },
        { parent: this },
      ),
    );
  }

  private createFunction(args: ScheduledFunctionArgs): BundledFunction {
    const { windows, timeZone } = this.windows;
    return new BundledFunction(
      ...transform(
        this.hooks.function,
        this.name,
        {
          entry: args.handler,
          description: `${this.name}: runs ${Object.keys(windows).join(", ")} (${timeZone})`,
          memorySize: args.memorySize ?? 256,
          timeout: args.timeout ?? 60,
          reservedConcurrency: args.reservedConcurrency ?? 1,
          logRetentionInDays: args.logRetentionInDays ?? 14,
          environment: {
            ...functionEnvironment(SCHEDULED_FUNCTION_ENV, {
              POWERTOOLS_METRICS_NAMESPACE: args.metricsNamespace,
            }),
            // Alarms select metrics by this dimension, so it is the component's name, fixed.
            POWERTOOLS_SERVICE_NAME: this.name,
            ...args.environment,
          },
          statements: [
            ...secretStatements(args.secrets),
            {
              Sid: "FailedRuns",
              Effect: "Allow",
              Action: "sqs:SendMessage",
              Resource: this.deadLetterQueue.arn,
            },
          ],
        },
        { parent: this },
      ),
    );
  }

  /** Errors of asynchronous runs: no late retries, then the dead-letter queue. */
  private createInvokeConfig(retry: typeof DEFAULT_RETRY): aws.lambda.FunctionEventInvokeConfig {
    return new aws.lambda.FunctionEventInvokeConfig(
      ...transform(
        this.hooks.invokeConfig,
        `${this.name}-async`,
        {
          functionName: this.function.functionName,
          maximumRetryAttempts: retry.maximumRetryAttempts,
          maximumEventAgeInSeconds: retry.maximumEventAgeInSeconds,
          destinationConfig: { onFailure: { destination: this.deadLetterQueue.arn } },
        },
        { parent: this, dependsOn: [this.function] },
      ),
    );
  }

  private createScheduleGroup(): aws.scheduler.ScheduleGroup {
    return new aws.scheduler.ScheduleGroup(
      ...transform(this.hooks.scheduleGroup, `${this.name}-schedules`, {}, { parent: this }),
    );
  }

  /** A role that may invoke only this function and dead-letter its runs, for this group only. */
  private createSchedulerRole(): { role: aws.iam.Role; policy: aws.iam.RolePolicy } {
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const role = new aws.iam.Role(
      ...transform(
        this.hooks.schedulerRole,
        `${this.name}-scheduler`,
        {
          assumeRolePolicy: pulumi.jsonStringify(
            serviceTrustPolicy("scheduler.amazonaws.com", {
              sourceAccount: account,
              sourceArn: this.scheduleGroup.arn,
            }),
          ),
        },
        { parent: this },
      ),
    );
    const policy = new aws.iam.RolePolicy(
      `${this.name}-scheduler-policy`,
      {
        role: role.name,
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
    return { role, policy };
  }

  /** One schedule per window, in the time zone, flexible window off. */
  private createSchedules(
    retry: typeof DEFAULT_RETRY,
  ): Readonly<Record<string, aws.scheduler.Schedule>> {
    const { role, policy } = this.createSchedulerRole();
    const { windows, timeZone } = this.windows;
    return Object.fromEntries(
      Object.entries(windows).map(([window, cron]) => [
        window,
        new aws.scheduler.Schedule(
          ...transform(
            this.hooks.schedule,
            `${this.name}-${window}`,
            {
              groupName: this.scheduleGroup.name,
              description: `${this.name} ${window}: ${cron} ${timeZone}`,
              scheduleExpression: cron,
              scheduleExpressionTimezone: timeZone,
              flexibleTimeWindow: { mode: "OFF" },
              state: "ENABLED",
              target: {
                arn: this.function.arn,
                roleArn: role.arn,
                input: JSON.stringify({}),
                retryPolicy: {
                  maximumRetryAttempts: retry.maximumRetryAttempts,
                  maximumEventAgeInSeconds: retry.maximumEventAgeInSeconds,
                },
                deadLetterConfig: { arn: this.deadLetterQueue.arn },
              },
            },
            { parent: this, dependsOn: [policy] },
          ),
        ),
      ]),
    );
  }

  /** The function-errors and dead-letter alarms, then those on the function's own metrics. */
  private createAlarms(args: ScheduledFunctionArgs): aws.cloudwatch.MetricAlarm[] {
    const actions = args.alarmTopicArn ? [args.alarmTopicArn] : [];
    const alarm = (suffix: string, alarmArgs: aws.cloudwatch.MetricAlarmArgs) =>
      new aws.cloudwatch.MetricAlarm(
        ...transform(
          this.hooks.alarm,
          `${this.name}-${suffix}`,
          { alarmActions: actions, okActions: actions, ...alarmArgs },
          { parent: this },
        ),
      );
    return [
      alarm("errors", {
        alarmDescription: `${this.name} failed a run: see its log group`,
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: this.function.functionName },
        statistic: "Sum",
        ...builtInAlarmArgs(args.errorAlarm, { threshold: 1, periodSeconds: 60, periods: 1 }),
      }),
      alarm("dead-letters", {
        alarmDescription: `${this.name} has runs in its dead-letter queue that were never delivered or kept failing`,
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: this.deadLetterQueue.name },
        statistic: "Maximum",
        ...builtInAlarmArgs(args.deadLetterAlarm, { threshold: 1, periodSeconds: 300, periods: 1 }),
      }),
      ...(args.alarms ?? []).map((a) =>
        alarm(a.name, customAlarmArgs(a, args.metricsNamespace, this.name)),
      ),
    ];
  }
}

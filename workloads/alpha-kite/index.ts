/**
 * The Alpha-Kite streamer in the home region: every US market minute (New York time, DST-proof),
 * Schwab minute candles → SMA9 and VWAP → Supabase. The Schwab app credentials and the Supabase key
 * come from Pulumi config secrets into Secrets Manager; the OAuth token secret is the program's,
 * filled by `npm run schwab-login` and kept fresh by the function.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { alarmTopic } from "../../components/alarm-topic";
import {
  ScheduledFunction,
  type ScheduledFunctionAlarm,
} from "../../components/scheduled-function";
import { SECRET_RECOVERY_DAYS } from "../../components/profile";
import { STREAMER_ENV } from "../../functions/alpha-kite/env";
import { functionEnvironment } from "../../functions/shared/env";
import type { WorkloadContext } from "../context";
import type { AlphaKiteSettings } from "./settings";

export interface AlphaKiteArgs {
  /** In the home region. */
  context: WorkloadContext;
  settings: AlphaKiteSettings;
  /** From Pulumi config secrets; they stay secret Outputs end to end. */
  secrets: {
    schwabAppKey: pulumi.Input<string>;
    schwabAppSecret: pulumi.Input<string>;
    supabaseServiceKey: pulumi.Input<string>;
  };
}

/** The alarms on the handler's metrics (names and dimensions as functions/alpha-kite emits them). */
export function streamerAlarms(loginCommand: string): ScheduledFunctionAlarm[] {
  return [
    {
      name: "no-data",
      description:
        "No candles fetched for 3 minutes while the streamer ran: Schwab returns nothing or the run fails before fetching",
      metricName: "DataPointsFetched",
      statistic: "Sum",
      comparison: "LessThanOrEqualToThreshold",
      threshold: 0,
      periods: 3,
    },
    {
      name: "upload-success",
      description: "Fewer than 80% of Supabase upserts succeeded for 2 minutes",
      metricName: "SupabaseUploadSuccess",
      statistic: "Average",
      comparison: "LessThanThreshold",
      threshold: 0.8,
      periods: 2,
    },
    {
      name: "refresh-token",
      description: `The Schwab refresh token has expired (7 days after login) or is missing: run ${loginCommand}`,
      metricName: "Errors",
      dimensions: { ErrorType: "RefreshTokenExpired" },
      statistic: "Sum",
      comparison: "GreaterThanOrEqualToThreshold",
      threshold: 1,
    },
    {
      name: "token-missing",
      description: `The Schwab token secret has no token yet: run ${loginCommand}`,
      metricName: "Errors",
      dimensions: { ErrorType: "TokenMissing" },
      statistic: "Sum",
      comparison: "GreaterThanOrEqualToThreshold",
      threshold: 1,
    },
  ];
}

export class AlphaKite extends pulumi.ComponentResource {
  public readonly streamer: ScheduledFunction;
  /** The OAuth token (access + refresh) the function reads and refreshes. */
  public readonly tokenSecret: aws.secretsmanager.Secret;
  /** `{ appKey, appSecret }` of the Schwab app. */
  public readonly appSecret: aws.secretsmanager.Secret;
  public readonly supabaseKeySecret: aws.secretsmanager.Secret;
  public readonly alarmTopic: aws.sns.Topic;

  constructor(name: string, args: AlphaKiteArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "platform:workload:AlphaKite",
      name,
      {},
      { provider: args.context.home.provider, ...opts },
    );
    const { context, settings } = args;
    const { environment } = context;
    const loginCommand = `npm run schwab-login -- --stack ${environment}`;

    // ---- secrets ----
    const secret = (role: string, description: string) =>
      new aws.secretsmanager.Secret(
        `${name}-${role}`,
        {
          namePrefix: `${name}/${environment}/${role}-`,
          description,
          recoveryWindowInDays: SECRET_RECOVERY_DAYS[environment],
        },
        { parent: this },
      );
    this.appSecret = secret("schwab-app", "Schwab app key and secret ({ appKey, appSecret })");
    new aws.secretsmanager.SecretVersion(
      `${name}-schwab-app-value`,
      {
        secretId: this.appSecret.id,
        secretString: pulumi.jsonStringify({
          appKey: args.secrets.schwabAppKey,
          appSecret: args.secrets.schwabAppSecret,
        }),
      },
      { parent: this },
    );
    this.supabaseKeySecret = secret("supabase-key", "Supabase service-role key");
    new aws.secretsmanager.SecretVersion(
      `${name}-supabase-key-value`,
      { secretId: this.supabaseKeySecret.id, secretString: args.secrets.supabaseServiceKey },
      { parent: this },
    );
    // No version: the first one comes from `npm run schwab-login`, later ones from the function.
    this.tokenSecret = secret(
      "schwab-token",
      `Schwab OAuth token ({ accessToken, refreshToken, ...ExpiresAt }); first written by ${loginCommand}`,
    );

    // ---- alarms go to a topic ----
    this.alarmTopic = alarmTopic(name, settings.alertEmail, this);

    // ---- the streamer ----
    this.streamer = new ScheduledFunction(
      `${name}-streamer`,
      {
        handler: "functions/alpha-kite/streamer.ts",
        // Worst case: refresh, fetch, one retry after a 401, upload, each up to the upstream
        // timeout; well under the minute, so a run never overlaps the next one.
        timeout: 45,
        schedule: "usEquityRegularHours",
        metricsNamespace: settings.metricsNamespace,
        environment: functionEnvironment(STREAMER_ENV, {
          TICKERS: settings.tickers.join(","),
          SCHWAB_BASE_URL: settings.schwabBaseUrl,
          SUPABASE_URL: settings.supabaseUrl,
          SUPABASE_TABLE: settings.supabaseTable,
          UPSTREAM_TIMEOUT_MS: String(settings.upstreamTimeoutMs),
          TOKEN_SECRET_ARN: this.tokenSecret.arn,
          SCHWAB_APP_SECRET_ARN: this.appSecret.arn,
          SUPABASE_KEY_SECRET_ARN: this.supabaseKeySecret.arn,
          LOGIN_COMMAND: loginCommand,
        }),
        secrets: {
          read: [this.appSecret.arn, this.supabaseKeySecret.arn],
          write: [this.tokenSecret.arn],
        },
        alarms: streamerAlarms(loginCommand),
        alarmTopicArn: this.alarmTopic.arn,
        logRetentionInDays: context.logRetentionInDays,
      },
      { parent: this },
    );

    this.registerOutputs({ functionName: this.streamer.functionName });
  }
}

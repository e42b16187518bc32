/**
 * The finance API in the home region: the team's FastAPI app, unchanged, packaged from the
 * directory `financeApi.appDir` names as a zip (wheels vendored for Lambda arm64) and run by the
 * Lambda Web Adapter behind a REST API. What the old SAM template did through Mangum, plus what its
 * guide listed as missing: credentials in Secrets Manager, CORS limited to listed origins, a
 * verified caller identity instead of a trusted `X-User-ID`, and in prod a WAF and alarms; an
 * optional custom domain.
 *
 * Without `appDir` the offline plan still plans everything (the archive then holds only the
 * platform's start script and launcher) and lists `platform:financeApi.appDir` as a setting to set
 * before `pulumi up`; a real preview or up stops with an error naming it.
 */
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT_ROOT } from "../../components/bundle";
import {
  packagePythonApp,
  platformFiles,
  START_SCRIPT,
  type PythonAppArgs,
  type PythonPackage,
} from "../../components/python-app";
import { alarmTopic } from "../../components/alarm-topic";
import {
  WebAdapterApi,
  type WebAdapterRoute,
  type WebAdapterZip,
} from "../../components/web-adapter-api";
import { writeZip } from "../../components/zip-archive";
import { SECRET_RECOVERY_DAYS, type EnvironmentProfile } from "../../components/profile";
import { deploySetting } from "../../config/pending";
import { functionEnvironment } from "../../functions/shared/env";
import type { WorkloadContext } from "../context";
import { FINANCE_API_ENV } from "./env";
import type { FinanceApiSettings } from "./settings";

/** Where uvicorn listens and what the adapter polls before the first request. */

/** Where the workflows' checkout of the finance app is named when the stack file names none. */
export const FINANCE_APP_DIR_ENV = "PLATFORM_FINANCE_APP_DIR";

export const FINANCE_API_PORT = 8080;
export const FINANCE_API_READINESS_PATH = "/health";
/** The header the app identifies users by; the launcher fills it with the verified caller only. */
export const FINANCE_USER_HEADER = "X-User-ID";
/** The app's secrets, as the environment variables it reads. */
export const FINANCE_SECRETS = ["MONGODB_URL", "GOOGLE_API_KEY"] as const;

/** `/health` is open (the adapter's readiness check and uptime probes); the app answers the rest. */
export const FINANCE_API_ROUTES: Record<string, WebAdapterRoute> = {
  health: { method: "GET", path: "/health", authorization: "none" },
};

/** The p95 duration above which the function is alarmed on, ms (the API gives up at 29 s). */
export const FINANCE_P95_DURATION_MS = 10_000;

export interface FinanceApiArgs {
  /** In the home region. */
  context: WorkloadContext;
  settings: FinanceApiSettings;
  /** From Pulumi config secrets; they stay secret Outputs end to end. */
  secrets: { mongodbUrl: pulumi.Input<string>; googleApiKey: pulumi.Input<string> };
  /**
   * Where wheels come from (tests: a local directory of wheels).
   * @default pip's configured index
   */
  wheels?: PythonAppArgs["wheels"];
}

/** The app's non-secret settings, as the environment variables it reads. */
export function financeEnvironment(
  settings: FinanceApiSettings,
  environment: EnvironmentProfile,
): Record<string, string> {
  return functionEnvironment(FINANCE_API_ENV, {
    APP_ENV: environment,
    MONGODB_DATABASE: settings.mongodbDatabase,
    GENAI_MODEL: settings.genaiModel,
    ALLOWED_HOSTS: settings.allowedHosts,
    ENFORCE_HTTPS: String(settings.enforceHttps),
    // For the launcher (components/python/_platform_launch.py):
    PLATFORM_APP_SECRETS: FINANCE_SECRETS.join(","),
    PLATFORM_IDENTITY_HEADER: FINANCE_USER_HEADER,
  });
}

export class FinanceApi extends pulumi.ComponentResource {
  public readonly api: WebAdapterApi;
  /** What was packaged; undefined when the offline plan ran without `appDir`. */
  public readonly package?: PythonPackage;
  public readonly secrets: Record<(typeof FINANCE_SECRETS)[number], aws.secretsmanager.Secret>;
  public readonly webAcl?: aws.wafv2.WebAcl;
  public readonly alarmTopic?: aws.sns.Topic;
  public readonly alarms: aws.cloudwatch.MetricAlarm[] = [];
  public readonly domain?: aws.apigateway.DomainName;
  /** The URL clients use: the custom domain's when there is one, else the stage's. */
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: FinanceApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "platform:workload:FinanceApi",
      name,
      {},
      { provider: args.context.home.provider, ...opts },
    );
    const { settings } = args;
    const { environment, isProd } = args.context;

    // ---- the package ----
    const { archive, packaged } = this.packageApp(args);
    this.package = packaged;

    // ---- secrets: config secrets into Secrets Manager; the function gets ARNs only ----
    this.secrets = this.createSecrets(name, args);

    // ---- the app behind the adapter ----
    this.api = new WebAdapterApi(
      name,
      {
        packaging: { zip: { archive } },
        port: FINANCE_API_PORT,
        readinessPath: FINANCE_API_READINESS_PATH,
        memorySize: settings.memorySize,
        timeout: settings.timeout,
        routes: FINANCE_API_ROUTES,
        catchAll: true,
        authorization: settings.authorization,
        cognitoUserPoolArn: settings.cognitoUserPoolArn,
        corsOrigins: [...settings.corsOrigins],
        throttle: { rateLimit: settings.rateLimit, burstLimit: settings.burstLimit },
        binaryMediaTypes: [...settings.binaryMediaTypes],
        tracing: true,
        logRetentionInDays: settings.logRetentionDays,
        stageName: "v1",
        secrets: Object.fromEntries(Object.entries(this.secrets).map(([n, s]) => [n, s.arn])),
        environment: financeEnvironment(settings, environment),
      },
      { parent: this },
    );

    // ---- prod: WAF and alarms ----
    if (isProd) {
      this.webAcl = this.firewall(name, settings.wafRateLimit);
      this.alarmTopic = alarmTopic(name, settings.alertEmail, this);
      this.alarms.push(...this.alarmsOn(name, this.alarmTopic));
    }

    // ---- optional custom domain ----
    if (settings.domainName && settings.certificateArn) {
      this.domain = this.customDomain(name, {
        domainName: settings.domainName,
        certificateArn: settings.certificateArn,
        hostedZoneId: settings.hostedZoneId,
      });
    }

    this.url = this.domain ? pulumi.interpolate`https://${this.domain.domainName}` : this.api.url;
    this.registerOutputs({ url: this.url, functionName: this.api.functionName });
  }

  /**
   * The app's zip: packaged from its directory, or offline without `appDir` only the platform's
   * part of the archive.
   */
  private packageApp(args: FinanceApiArgs): { archive: WebAdapterZip; packaged?: PythonPackage } {
    const { settings } = args;
    // The app lives in the team's own repository: a stack setting, or where CI checked it out.
    const appDir = deploySetting(
      "platform:financeApi.appDir",
      settings.appDir ?? (process.env[FINANCE_APP_DIR_ENV] || undefined),
      `the directory of the finance FastAPI app (CI names its checkout in ${FINANCE_APP_DIR_ENV}): pulumi config set --path financeApi.appDir <dir>`,
    );
    if (appDir !== undefined) {
      const packaged = packagePythonApp({
        dir: appDir,
        app: settings.app,
        requirementsFile: settings.requirementsFile,
        pythonVersion: settings.pythonVersion,
        architecture: "arm64",
        wheels: args.wheels,
      });
      return { archive: packaged, packaged };
    }
    // Offline only (deploySetting throws otherwise): the platform's part of the archive.
    const written = writeZip(
      path.join(PROJECT_ROOT, ".build", "python", "archives"),
      platformFiles(settings.app),
      "platform-only",
    );
    return {
      archive: { ...written, runtime: `python${settings.pythonVersion}`, handler: START_SCRIPT },
    };
  }

  /** The app's secrets from config, each in Secrets Manager (protected in prod). */
  private createSecrets(name: string, args: FinanceApiArgs): FinanceApi["secrets"] {
    const { environment, isProd } = args.context;
    const secret = (envName: string, value: pulumi.Input<string>, description: string) => {
      const slug = envName.toLowerCase().replace(/_/g, "-");
      const created = new aws.secretsmanager.Secret(
        `${name}-${slug}`,
        {
          namePrefix: `${name}/${environment}/${slug}-`,
          description,
          recoveryWindowInDays: SECRET_RECOVERY_DAYS[environment],
        },
        { parent: this, protect: isProd },
      );
      new aws.secretsmanager.SecretVersion(
        `${name}-${slug}-value`,
        { secretId: created.id, secretString: value },
        // Not protected: a new value from config replaces the version; the secret is protected.
        { parent: this },
      );
      return created;
    };
    return {
      MONGODB_URL: secret(
        "MONGODB_URL",
        args.secrets.mongodbUrl,
        "MongoDB Atlas connection string of the finance API (MONGODB_URL)",
      ),
      GOOGLE_API_KEY: secret(
        "GOOGLE_API_KEY",
        args.secrets.googleApiKey,
        "Google Generative AI key of the finance API (GOOGLE_API_KEY)",
      ),
    };
  }

  /** The domain on the stage, and its alias record when the zone is given. */
  private customDomain(
    name: string,
    domain: { domainName: string; certificateArn: string; hostedZoneId?: string },
  ): aws.apigateway.DomainName {
    const created = new aws.apigateway.DomainName(
      `${name}-domain`,
      {
        domainName: domain.domainName,
        regionalCertificateArn: domain.certificateArn,
        endpointConfiguration: { types: "REGIONAL" },
        securityPolicy: "TLS_1_2",
      },
      { parent: this },
    );
    new aws.apigateway.BasePathMapping(
      `${name}-domain-mapping`,
      {
        restApi: this.api.api.apiId,
        stageName: this.api.api.stage.stageName,
        domainName: created.domainName,
      },
      { parent: this },
    );
    if (domain.hostedZoneId) {
      new aws.route53.Record(
        `${name}-domain-alias`,
        {
          zoneId: domain.hostedZoneId,
          name: domain.domainName,
          type: "A",
          aliases: [
            {
              name: created.regionalDomainName,
              zoneId: created.regionalZoneId,
              evaluateTargetHealth: false,
            },
          ],
        },
        { parent: this },
      );
    }
    return created;
  }

  /**
   * A regional web ACL on the stage: a per-IP rate limit, then AWS's IP reputation list, common
   * rule set and known bad inputs. The common set's 8 KB body limit is counted, not enforced:
   * the app takes file uploads, and API Gateway caps bodies at 10 MB anyway.
   */
  private firewall(name: string, rateLimit: number): aws.wafv2.WebAcl {
    const visibility = (metricName: string) => ({
      cloudwatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    const managed = (priority: number, group: string, excluded: string[] = []) => ({
      name: group,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: "AWS",
          name: group,
          ruleActionOverrides: excluded.map((rule) => ({
            name: rule,
            actionToUse: { count: {} },
          })),
        },
      },
      visibilityConfig: visibility(`${name}-${group}`),
    });
    const acl = new aws.wafv2.WebAcl(
      `${name}-waf`,
      {
        description: `${name}: rate limit and AWS managed rules on the API stage`,
        scope: "REGIONAL",
        defaultAction: { allow: {} },
        rules: [
          {
            name: "rate-limit-per-ip",
            priority: 0,
            action: { block: {} },
            statement: { rateBasedStatement: { limit: rateLimit, aggregateKeyType: "IP" } },
            visibilityConfig: visibility(`${name}-rate-limit`),
          },
          managed(1, "AWSManagedRulesAmazonIpReputationList"),
          managed(2, "AWSManagedRulesCommonRuleSet", ["SizeRestrictions_BODY"]),
          managed(3, "AWSManagedRulesKnownBadInputsRuleSet"),
        ],
        visibilityConfig: visibility(`${name}-waf`),
      },
      { parent: this },
    );
    new aws.wafv2.WebAclAssociation(
      `${name}-waf-stage`,
      { resourceArn: this.api.api.stage.arn, webAclArn: acl.arn },
      { parent: this },
    );
    return acl;
  }

  /** 5XX answers, throttled invocations, p95 duration and function errors, each to the topic. */
  private alarmsOn(name: string, topic: aws.sns.Topic): aws.cloudwatch.MetricAlarm[] {
    const api = { ApiName: this.api.api.api.name, Stage: this.api.api.stage.stageName };
    const fn = { FunctionName: this.api.functionName };
    const alarm = (
      suffix: string,
      description: string,
      spec: Partial<aws.cloudwatch.MetricAlarmArgs> & { threshold: number },
    ) =>
      new aws.cloudwatch.MetricAlarm(
        `${name}-${suffix}`,
        {
          alarmDescription: description,
          period: 300,
          evaluationPeriods: 1,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          treatMissingData: "notBreaching",
          alarmActions: [topic.arn],
          okActions: [topic.arn],
          ...spec,
        },
        { parent: this },
      );
    return [
      alarm(
        "5xx",
        "The API answered 5 or more 5XX in 5 minutes (the function failed or timed out)",
        {
          namespace: "AWS/ApiGateway",
          metricName: "5XXError",
          dimensions: api,
          statistic: "Sum",
          threshold: 5,
        },
      ),
      alarm("throttles", "Invocations of the function were throttled (concurrency exhausted)", {
        namespace: "AWS/Lambda",
        metricName: "Throttles",
        dimensions: fn,
        statistic: "Sum",
        threshold: 1,
      }),
      alarm(
        "p95-duration",
        `p95 duration over ${FINANCE_P95_DURATION_MS / 1000} s for 15 minutes (MongoDB or the model slow)`,
        {
          namespace: "AWS/Lambda",
          metricName: "Duration",
          dimensions: fn,
          extendedStatistic: "p95",
          evaluationPeriods: 3,
          threshold: FINANCE_P95_DURATION_MS,
        },
      ),
      alarm("errors", "The function failed (crashed, timed out, or the app did not start)", {
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: fn,
        statistic: "Sum",
        threshold: 1,
      }),
    ];
  }
}

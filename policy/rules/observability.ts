/**
 * Observability: every log kept for a bounded, sufficient time; every function with its own log
 * group; in prod, every load balancer and bucket logging access to a log bucket that expires its
 * logs and takes TLS only.
 */
import type { PolicyResource } from "@pulumi/policy";
import {
  asArray,
  asRecord,
  deniesInsecureTransport,
  dependenciesOf,
  isTrue,
  ofType,
  refersTo,
  resourceRule,
  stackRule,
  statements,
  strings,
  text,
  type Finding,
  type Props,
} from "./common";
import { BUCKET, LOAD_BALANCERS } from "./types";
import { dependsOn } from "./deploy";

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const BUCKET_LOGGING = [
  "aws:s3/bucketLogging:BucketLogging",
  "aws:s3/bucketLoggingV2:BucketLoggingV2",
];
const LIFECYCLE = [
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
];
/** Services that deliver access logs into a bucket when its policy lets them. */
const LOG_DELIVERY_SERVICES = [
  "logging.s3.amazonaws.com",
  "logdelivery.elasticloadbalancing.amazonaws.com",
  "delivery.logs.amazonaws.com",
];

export const logRetention = resourceRule({
  name: "logs-retention",
  description:
    "Every log group has a retention of at least the configured minimum (14 days; 30 in prod).",
  controls: ["CloudWatch.16"],
  severity: "medium",
  remediation: "Set retentionInDays from platform:logRetentionDays (14 in dev, 90 in prod).",
  configSchema: { properties: { minimumDays: { type: "integer", default: 14 } } },
  checks: {
    [LOG_GROUP]: (props, args) => {
      const minimum = args.getConfig<{ minimumDays?: number }>().minimumDays ?? 14;
      const days = Number(props.retentionInDays ?? 0);
      if (days === 0) return ["keeps logs forever (no retention)"];
      return days >= minimum ? [] : [`keeps logs ${days} days, below ${minimum}`];
    },
  },
});

export const lambdaLogGroup = stackRule({
  name: "lambda-own-log-group",
  description:
    "Every Lambda function has a log group of its own, created by the program with a retention (not one Lambda makes on first run, kept forever).",
  controls: [],
  severity: "medium",
  remediation:
    "Create an aws.cloudwatch.LogGroup for the function and point loggingConfig.logGroup at it (or name it /aws/lambda/<function name>).",
  check: (resources) => {
    const groups = ofType(resources, LOG_GROUP);
    return ofType(resources, "aws:lambda/function:Function").flatMap((fn) => {
      const group = groups.find((g) => refersTo(fn, "loggingConfig", g) || refersTo(g, "name", fn));
      if (!group) return [{ resource: fn, message: "has no log group of its own" }];
      return group.props.retentionInDays
        ? []
        : [{ resource: fn, message: `log group ${group.name} has no retention` }];
    });
  },
});

// ---- access logs ------------------------------------------------------------------------------

/**
 * URNs of the buckets that receive access logs: the target of a bucket's server access logging or
 * of a load balancer's access logs, or a bucket whose policy lets a log delivery service write.
 */
export function accessLogBuckets(resources: PolicyResource[]): Set<string> {
  const buckets = ofType(resources, BUCKET);
  const writers = [
    ...ofType(resources, ...BUCKET_LOGGING).map((l) => [l, "targetBucket"] as const),
    ...ofType(resources, ...LOAD_BALANCERS).map((lb) => [lb, "accessLogs"] as const),
  ];
  const deliveredTo = ofType(resources, BUCKET_POLICY).filter((p) =>
    statements(p.props.policy).some(
      (s) =>
        s.Effect === "Allow" &&
        strings(asRecord(s.Principal).Service).some((service) =>
          LOG_DELIVERY_SERVICES.includes(service),
        ),
    ),
  );
  return new Set(
    buckets
      .filter(
        (b) =>
          writers.some(([writer, property]) => refersTo(writer, property, b)) ||
          deliveredTo.some((p) => refersTo(p, "bucket", b)),
      )
      .map((b) => b.urn),
  );
}

export const loadBalancerAccessLogs = stackRule({
  name: "elb-prod-access-logs",
  description:
    "In prod, application and network load balancers log access to a bucket, configured after the bucket's policy lets ELB write.",
  controls: ["ELB.5"],
  only: "prod",
  severity: "medium",
  remediation:
    "Pass the region's access log target (context.<side>.accessLogs.forLoadBalancer(name)) as the load balancer's accessLogs: it sets accessLogs { bucket, prefix, enabled: true } and dependsOn the log bucket's policy.",
  check: (resources) => {
    const buckets = ofType(resources, BUCKET);
    const policies = ofType(resources, BUCKET_POLICY);
    return ofType(resources, ...LOAD_BALANCERS)
      .filter((lb) =>
        ["application", "network"].includes(text(lb.props.loadBalancerType, "application")),
      )
      .flatMap((lb): Finding[] => {
        const logs = asRecord(lb.props.accessLogs);
        // At preview a new bucket's name is unknown: its dependency still names it.
        const named = text(logs.bucket) !== "" || dependenciesOf(lb, "accessLogs").length > 0;
        if (!isTrue(logs.enabled) || !named) {
          return [
            { resource: lb, message: "does not log access (accessLogs.enabled with a bucket)" },
          ];
        }
        const bucket = buckets.find((b) => refersTo(lb, "accessLogs", b));
        const policy = bucket && policies.find((p) => refersTo(p, "bucket", bucket));
        if (!bucket || (policy && dependsOn(lb, policy))) return [];
        return [
          {
            resource: lb,
            message: policy
              ? `does not wait for ${policy.name}: ELB tests its write access when logging is turned on`
              : `logs to ${bucket.name}, which has no policy letting ELB write`,
          },
        ];
      });
  },
});

export const bucketServerAccessLogs = stackRule({
  name: "s3-prod-server-access-logs",
  description:
    "In prod, every bucket logs its server access to a log bucket; a bucket receiving access logs is exempt (logging it would log its own logs in a loop).",
  controls: ["S3.9"],
  only: "prod",
  severity: "medium",
  remediation:
    "Add an aws.s3.BucketLogging for the bucket with the region's access log target (context.<side>.accessLogs.forBucket(name)): targetBucket and a targetPrefix of its own.",
  check: (resources) => {
    const logTargets = accessLogBuckets(resources);
    const loggings = ofType(resources, ...BUCKET_LOGGING);
    return ofType(resources, BUCKET)
      .filter((b) => !logTargets.has(b.urn) && !loggings.some((l) => refersTo(l, "bucket", b)))
      .map((resource) => ({ resource, message: "does not log its server access" }));
  },
});

/** True when a lifecycle rule of the configuration is enabled and expires objects. */
function expires(lifecycle: PolicyResource): boolean {
  return asArray<Props>(lifecycle.props.rules).some((rule) => {
    const expiration = asRecord(rule.expiration);
    return (
      rule.status === "Enabled" &&
      (Number(expiration.days ?? 0) > 0 || text(expiration.date) !== "")
    );
  });
}

export const accessLogBucketRetention = stackRule({
  name: "s3-access-log-bucket-retention",
  description:
    "A bucket receiving access logs expires them (an enabled lifecycle rule with an expiration) and denies requests without TLS.",
  controls: ["S3.13", "S3.5"],
  severity: "medium",
  remediation:
    "Create log buckets with the AccessLogBucket component (components/access-log-bucket.ts): a lifecycle rule expiring logs after platform:accessLogRetentionDays, and a policy denying aws:SecureTransport false.",
  check: (resources) => {
    const logTargets = accessLogBuckets(resources);
    const lifecycles = ofType(resources, ...LIFECYCLE);
    const policies = ofType(resources, BUCKET_POLICY);
    return ofType(resources, BUCKET)
      .filter((b) => logTargets.has(b.urn))
      .flatMap((bucket): Finding[] => [
        ...(lifecycles.some((l) => refersTo(l, "bucket", bucket) && expires(l))
          ? []
          : [{ resource: bucket, message: "keeps access logs forever (no lifecycle expiration)" }]),
        ...(policies.some(
          (p) => refersTo(p, "bucket", bucket) && deniesInsecureTransport(p.props.policy),
        )
          ? []
          : [
              {
                resource: bucket,
                message: "receives access logs but does not deny non-TLS requests",
              },
            ]),
      ]);
  },
});

export const observabilityRules = [
  logRetention,
  lambdaLogGroup,
  loadBalancerAccessLogs,
  bucketServerAccessLogs,
  accessLogBucketRetention,
];

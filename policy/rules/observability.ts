/** Observability: every log kept for a bounded, sufficient time; every function with its own log group. */
import { ofType, refersTo, resourceRule, stackRule } from "./common";

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

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

export const observabilityRules = [logRetention, lambdaLogGroup];

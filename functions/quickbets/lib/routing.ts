/**
 * ALB routing of one session: a target group `${prefix}${sessionId}` holding the task's IP and a
 * listener rule sending `/sessions/<id>` and `/sessions/<id>/*` (on the fleet's host, where the
 * listener is shared) to it, at the first free priority of the fleet's range. Creating is safe to repeat
 * (the target group and rule are found again by name and path), releasing too (not-found = done).
 */
import {
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  RegisterTargetsCommand,
  type ElasticLoadBalancingV2Client,
  type Rule,
  type RuleCondition,
} from "@aws-sdk/client-elastic-load-balancing-v2";

/** ALB listener rule priorities run from 1 to 50000. */
export const MAX_PRIORITY = 50_000;

/** CreateRule attempts when other sessions take the chosen priority first. */
const PRIORITY_ATTEMPTS = 5;

export interface RoutingConfig {
  listenerArn: string;
  /** The priorities sessions' rules may take (the listener may be shared with other workloads). */
  rulePriorities: { first: number; last: number };
  /** The host sessions' rules also match, on a shared HTTPS listener. */
  sessionHost?: string;
  vpcId: string;
  sessionPort: number;
  targetGroupPrefix: string;
}

export function targetGroupName(prefix: string, sessionId: string): string {
  return `${prefix}${sessionId}`;
}

export function sessionPathPatterns(sessionId: string): [string, string] {
  return [`/sessions/${sessionId}`, `/sessions/${sessionId}/*`];
}

/** A session's rule matches its paths, and the fleet's host on a listener shared by host. */
export function sessionConditions(sessionId: string, host?: string): RuleCondition[] {
  return [
    { Field: "path-pattern", PathPatternConfig: { Values: sessionPathPatterns(sessionId) } },
    ...(host ? [{ Field: "host-header", HostHeaderConfig: { Values: [host] } }] : []),
  ];
}

/** The smallest priority in `range` (default 1..MAX_PRIORITY) not in `used`; undefined when all are taken. */
export function smallestFreePriority(
  used: Iterable<number>,
  range: { first: number; last: number } = { first: 1, last: MAX_PRIORITY },
): number | undefined {
  const taken = new Set(used);
  for (let priority = range.first; priority <= range.last; priority++) {
    if (!taken.has(priority)) return priority;
  }
  return undefined;
}

/** Numeric priorities of `rules` (the listener's default rule has none). */
export function usedPriorities(rules: readonly Rule[]): number[] {
  return rules
    .map((rule) => Number(rule.Priority))
    .filter((priority) => Number.isInteger(priority) && priority > 0);
}

/** True when `rule` forwards to `targetGroupArn` (plain or weighted forward). */
export function forwardsTo(rule: Rule, targetGroupArn: string): boolean {
  return (rule.Actions ?? []).some(
    (action) =>
      action.TargetGroupArn === targetGroupArn ||
      (action.ForwardConfig?.TargetGroups ?? []).some((t) => t.TargetGroupArn === targetGroupArn),
  );
}

const isNamed = (error: unknown, name: string): boolean =>
  error instanceof Error && error.name === name;

export class SessionRouting {
  constructor(
    private readonly elb: ElasticLoadBalancingV2Client,
    private readonly config: RoutingConfig,
  ) {}

  /** Creates (or finds) the session's target group and rule, and registers `ip` in it. */
  async ensure(
    sessionId: string,
    ip: string,
  ): Promise<{ targetGroupArn: string; ruleArn: string }> {
    const { config } = this;
    const created = await this.elb.send(
      new CreateTargetGroupCommand({
        Name: targetGroupName(config.targetGroupPrefix, sessionId),
        Protocol: "HTTP",
        Port: config.sessionPort,
        VpcId: config.vpcId,
        TargetType: "ip",
        HealthCheckProtocol: "HTTP",
        HealthCheckPath: "/health",
      }),
    );
    const targetGroupArn = created.TargetGroups?.[0]?.TargetGroupArn;
    if (!targetGroupArn) throw new Error("CreateTargetGroup returned no target group");
    await this.elb.send(
      new RegisterTargetsCommand({
        TargetGroupArn: targetGroupArn,
        Targets: [{ Id: ip, Port: config.sessionPort }],
      }),
    );

    for (let attempt = 1; ; attempt++) {
      const rules = await this.rules();
      const existing = rules.find((rule) => rule.RuleArn && forwardsTo(rule, targetGroupArn));
      if (existing?.RuleArn) return { targetGroupArn, ruleArn: existing.RuleArn };
      const priority = smallestFreePriority(usedPriorities(rules), config.rulePriorities);
      if (priority === undefined) {
        const { first, last } = config.rulePriorities;
        throw new Error(
          `listener ${config.listenerArn} has no free rule priority in ${first}-${last}`,
        );
      }
      try {
        const rule = await this.elb.send(
          new CreateRuleCommand({
            ListenerArn: config.listenerArn,
            Priority: priority,
            Conditions: sessionConditions(sessionId, config.sessionHost),
            Actions: [{ Type: "forward", TargetGroupArn: targetGroupArn }],
          }),
        );
        const ruleArn = rule.Rules?.[0]?.RuleArn;
        if (!ruleArn) throw new Error("CreateRule returned no rule");
        return { targetGroupArn, ruleArn };
      } catch (error) {
        // Another session's function took the priority between DescribeRules and CreateRule.
        if (!isNamed(error, "PriorityInUseException") || attempt >= PRIORITY_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Deletes the session's rule and target group. Recorded ARNs are used as they are; otherwise the
   * target group is looked up by name and its rules by their forward action, so routing created
   * by an invocation that failed before recording it is not leaked either.
   */
  async release(
    sessionId: string,
    recorded: { targetGroupArn?: string; ruleArn?: string },
  ): Promise<void> {
    const targetGroupArn = recorded.targetGroupArn ?? (await this.findTargetGroup(sessionId));
    const ruleArns = new Set<string>(recorded.ruleArn ? [recorded.ruleArn] : []);
    if (targetGroupArn && !recorded.ruleArn) {
      for (const rule of await this.rules()) {
        if (rule.RuleArn && forwardsTo(rule, targetGroupArn)) ruleArns.add(rule.RuleArn);
      }
    }
    for (const ruleArn of ruleArns) await this.deleteRule(ruleArn);
    if (!targetGroupArn) return;
    try {
      await this.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: targetGroupArn }));
    } catch (error) {
      if (isNamed(error, "TargetGroupNotFoundException")) return;
      if (!isNamed(error, "ResourceInUseException")) throw error;
      // A rule we did not know of still forwards to it: remove those and try once more.
      for (const rule of await this.rules()) {
        if (rule.RuleArn && forwardsTo(rule, targetGroupArn)) await this.deleteRule(rule.RuleArn);
      }
      await this.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: targetGroupArn }));
    }
  }

  private async deleteRule(ruleArn: string): Promise<void> {
    try {
      await this.elb.send(new DeleteRuleCommand({ RuleArn: ruleArn }));
    } catch (error) {
      if (!isNamed(error, "RuleNotFoundException")) throw error;
    }
  }

  private async findTargetGroup(sessionId: string): Promise<string | undefined> {
    try {
      const { TargetGroups = [] } = await this.elb.send(
        new DescribeTargetGroupsCommand({
          Names: [targetGroupName(this.config.targetGroupPrefix, sessionId)],
        }),
      );
      return TargetGroups[0]?.TargetGroupArn;
    } catch (error) {
      if (isNamed(error, "TargetGroupNotFoundException")) return undefined;
      throw error;
    }
  }

  /** Every rule of the listener, across DescribeRules pages. */
  private async rules(): Promise<Rule[]> {
    const rules: Rule[] = [];
    let marker: string | undefined;
    do {
      const page = await this.elb.send(
        new DescribeRulesCommand({
          ListenerArn: this.config.listenerArn,
          PageSize: 400,
          ...(marker ? { Marker: marker } : {}),
        }),
      );
      rules.push(...(page.Rules ?? []));
      marker = page.NextMarker;
    } while (marker);
    return rules;
  }
}

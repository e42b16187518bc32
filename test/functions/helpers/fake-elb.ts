/**
 * An in-memory ALB listener and its target groups, with the errors the real API raises
 * (PriorityInUse, ResourceInUse, TargetGroupNotFound, RuleNotFound), wired into
 * aws-sdk-client-mock.
 */
import {
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  PriorityInUseException,
  RegisterTargetsCommand,
  ResourceInUseException,
  RuleNotFoundException,
  TargetGroupNotFoundException,
  type Rule,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";

export interface FakeTargetGroup {
  arn: string;
  name: string;
  port: number;
  vpcId: string;
  healthCheckPath?: string;
  targets: Set<string>;
}

export class FakeListener {
  readonly targetGroups = new Map<string, FakeTargetGroup>();
  readonly rules = new Map<string, Rule>();
  /** Runs just before CreateRule (to script a concurrent writer). */
  beforeCreateRule?: () => void;
  private serial = 0;

  constructor(readonly listenerArn: string) {
    this.rules.set(`${listenerArn}/default`, {
      RuleArn: `${listenerArn}/default`,
      Priority: "default",
      IsDefault: true,
      Actions: [{ Type: "fixed-response" }],
    });
  }

  /** A rule someone else owns, at `priority`. */
  addForeignRule(priority: number): string {
    const arn = `${this.listenerArn}/rule/foreign-${++this.serial}`;
    this.rules.set(arn, {
      RuleArn: arn,
      Priority: String(priority),
      Actions: [{ Type: "fixed-response" }],
    });
    return arn;
  }

  /** Rules other than the default one. */
  sessionRules(): Rule[] {
    return [...this.rules.values()].filter(
      (rule) => !rule.IsDefault && !rule.RuleArn?.includes("foreign"),
    );
  }

  createTargetGroup(input: {
    Name: string;
    Port: number;
    VpcId: string;
    HealthCheckPath?: string;
  }): object {
    const existing = [...this.targetGroups.values()].find((tg) => tg.name === input.Name);
    const tg = existing ?? {
      arn: `arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/${input.Name}/${++this.serial}`,
      name: input.Name,
      port: input.Port,
      vpcId: input.VpcId,
      ...(input.HealthCheckPath ? { healthCheckPath: input.HealthCheckPath } : {}),
      targets: new Set<string>(),
    };
    this.targetGroups.set(tg.arn, tg);
    return { TargetGroups: [{ TargetGroupArn: tg.arn, TargetGroupName: tg.name }] };
  }

  registerTargets(input: { TargetGroupArn: string; Targets: { Id: string }[] }): object {
    const tg = this.targetGroups.get(input.TargetGroupArn);
    if (!tg) throw notFoundTg();
    for (const target of input.Targets) tg.targets.add(target.Id);
    return {};
  }

  describeTargetGroups(input: { Names?: string[] }): object {
    const found = [...this.targetGroups.values()].filter((tg) => input.Names?.includes(tg.name));
    if (found.length === 0) throw notFoundTg();
    return {
      TargetGroups: found.map((tg) => ({ TargetGroupArn: tg.arn, TargetGroupName: tg.name })),
    };
  }

  describeRules(input: { ListenerArn: string; PageSize?: number; Marker?: string }): object {
    // Pages of at most 2 rules, whatever is asked, so callers must follow NextMarker.
    const all = [...this.rules.values()];
    const start = Number(input.Marker ?? 0);
    const page = all.slice(start, start + 2);
    return { Rules: page, ...(start + 2 < all.length ? { NextMarker: String(start + 2) } : {}) };
  }

  createRule(input: Omit<Rule, "Priority"> & { Priority: number }): object {
    this.beforeCreateRule?.();
    if ([...this.rules.values()].some((rule) => rule.Priority === String(input.Priority))) {
      throw new PriorityInUseException({ message: "Priority already in use", $metadata: {} });
    }
    for (const action of input.Actions ?? []) {
      if (action.TargetGroupArn && !this.targetGroups.has(action.TargetGroupArn))
        throw notFoundTg();
    }
    const arn = `${this.listenerArn}/rule/${++this.serial}`;
    const rule: Rule = {
      RuleArn: arn,
      Priority: String(input.Priority),
      Conditions: input.Conditions ?? [],
      Actions: input.Actions ?? [],
    };
    this.rules.set(arn, rule);
    return { Rules: [rule] };
  }

  deleteRule(input: { RuleArn: string }): object {
    if (!this.rules.delete(input.RuleArn)) {
      throw new RuleNotFoundException({ message: "One or more rules not found", $metadata: {} });
    }
    return {};
  }

  deleteTargetGroup(input: { TargetGroupArn: string }): object {
    if (!this.targetGroups.has(input.TargetGroupArn)) throw notFoundTg();
    const inUse = [...this.rules.values()].some((rule) =>
      rule.Actions?.some((action) => action.TargetGroupArn === input.TargetGroupArn),
    );
    if (inUse) {
      throw new ResourceInUseException({
        message: "Target group is currently in use by a listener or a rule",
        $metadata: {},
      });
    }
    this.targetGroups.delete(input.TargetGroupArn);
    return {};
  }
}

function notFoundTg(): TargetGroupNotFoundException {
  return new TargetGroupNotFoundException({
    message: "One or more target groups not found",
    $metadata: {},
  });
}

export function mockElb(listener: FakeListener): AwsClientStub<ElasticLoadBalancingV2Client> {
  const mock = mockClient(ElasticLoadBalancingV2Client);
  mock.on(CreateTargetGroupCommand).callsFake((input) => listener.createTargetGroup(input));
  mock.on(RegisterTargetsCommand).callsFake((input) => listener.registerTargets(input));
  mock.on(DescribeTargetGroupsCommand).callsFake((input) => listener.describeTargetGroups(input));
  mock.on(DescribeRulesCommand).callsFake((input) => listener.describeRules(input));
  mock.on(CreateRuleCommand).callsFake((input) => listener.createRule(input));
  mock.on(DeleteRuleCommand).callsFake((input) => listener.deleteRule(input));
  mock.on(DeleteTargetGroupCommand).callsFake((input) => listener.deleteTargetGroup(input));
  return mock;
}

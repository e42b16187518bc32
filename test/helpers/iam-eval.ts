/**
 * A small evaluator of IAM identity policies, enough to ask "may this role call this action on
 * this resource?" of the documents a plan holds. It follows the IAM policy evaluation logic for
 * one account: an explicit Deny wins, otherwise any Allow allows, otherwise the request is
 * implicitly denied; with a permissions boundary, both must allow. Actions match case-insensitively
 * and resources case-sensitively, `*` and `?` being wildcards (which span `:` and `/` in an ARN).
 *
 * Conditions: StringEquals, StringLike, ArnEquals, ArnLike and Bool against the request's context
 * (a key the context lacks fails the condition, as in IAM). A statement with any other operator
 * (negations, IfExists, ForAnyValue, ...) is refused with an error, never guessed at.
 */
import type { Plan, PlannedResource } from "../../engine/engine";

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
  Principal?: unknown;
}

export interface IamRequest {
  /** `service:Action`, e.g. `secretsmanager:GetSecretValue`. */
  action: string;
  /** The ARN the action is called on (`*` for actions without resource types). */
  resource: string;
  /** Condition keys the request carries, e.g. `{ "iam:PassedToService": "ecs-tasks.amazonaws.com" }`. */
  context?: Record<string, string | string[]>;
}

export type Decision = "Allow" | "ExplicitDeny" | "ImplicitDeny";

/** A statement uses a condition this evaluator does not model. */
export class UnsupportedCondition extends Error {
  override readonly name = "UnsupportedCondition";
}

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** An IAM wildcard pattern as a regular expression over the whole value. */
function wildcard(pattern: string, flags = ""): RegExp {
  const body = pattern
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`, flags);
}

const matchesAction = (patterns: string[], action: string) =>
  patterns.some((p) => wildcard(p, "i").test(action));
const matchesResource = (patterns: string[], resource: string) =>
  patterns.some((p) => wildcard(p).test(resource));

type Operator = (wanted: string, actual: string) => boolean;
const OPERATORS: Record<string, Operator> = {
  StringEquals: (wanted, actual) => wanted === actual,
  StringLike: (wanted, actual) => wildcard(wanted).test(actual),
  ArnEquals: (wanted, actual) => wanted === actual,
  ArnLike: (wanted, actual) => wildcard(wanted).test(actual),
  Bool: (wanted, actual) => wanted.toLowerCase() === actual.toLowerCase(),
};

/** True when every operator's every key matches one of its values (AND of keys, OR of values). */
function conditionHolds(
  condition: NonNullable<PolicyStatement["Condition"]>,
  context: Record<string, string | string[]>,
  sid: string,
): boolean {
  return Object.entries(condition).every(([operator, keys]) => {
    const test = OPERATORS[operator];
    if (!test) throw new UnsupportedCondition(`statement ${sid}: ${operator} is not modelled`);
    return Object.entries(keys).every(([key, values]) => {
      const actual = context[key];
      if (actual === undefined) return false;
      const wanted = list(values).map(String);
      return list(actual).some((a) => wanted.some((w) => test(w, a)));
    });
  });
}

/** Whether `statement` applies to `request`. */
export function statementMatches(statement: PolicyStatement, request: IamRequest): boolean {
  const sid = statement.Sid ?? "(no Sid)";
  if (statement.Principal !== undefined) {
    throw new UnsupportedCondition(`statement ${sid}: a Principal belongs to a resource policy`);
  }
  const action =
    statement.Action !== undefined
      ? matchesAction(list(statement.Action), request.action)
      : !matchesAction(list(statement.NotAction), request.action);
  const resource =
    statement.Resource !== undefined
      ? matchesResource(list(statement.Resource), request.resource)
      : !matchesResource(list(statement.NotResource), request.resource);
  if (!action || !resource) return false;
  return statement.Condition === undefined
    ? true
    : conditionHolds(statement.Condition, request.context ?? {}, sid);
}

/** The decision of identity `policies` on `request`. */
export function evaluate(policies: PolicyDocument[], request: IamRequest): Decision {
  const matching = policies
    .flatMap((p) => list(p.Statement))
    .filter((s) => statementMatches(s, request));
  if (matching.some((s) => s.Effect === "Deny")) return "ExplicitDeny";
  return matching.some((s) => s.Effect === "Allow") ? "Allow" : "ImplicitDeny";
}

/** A role's identity policies and, when it has one, its permissions boundary. */
export interface RolePermissions {
  policies: PolicyDocument[];
  boundary?: PolicyDocument;
}

/** True when the role's policies allow `request` and its boundary (if any) does too. */
export function allows(role: RolePermissions, request: IamRequest): boolean {
  return (
    evaluate(role.policies, request) === "Allow" &&
    (role.boundary === undefined || evaluate([role.boundary], request) === "Allow")
  );
}

const parse = (value: unknown): PolicyDocument =>
  (typeof value === "string" ? JSON.parse(value) : value) as PolicyDocument;

/**
 * The identity policies of the plan's role `name` (a logical name): its inline policies and every
 * RolePolicy on it. A managed policy attached to it cannot be read from a plan, so it throws.
 */
export function rolePolicies(plan: Plan, name: string): PolicyDocument[] {
  const role = plan.resources.find((r) => r.type === "aws:iam/role:Role" && r.name === name);
  if (!role) throw new Error(`the plan has no role ${name}`);
  const on = (type: string) =>
    plan.resources.filter((r: PlannedResource) => r.type === type && r.inputs.role === role.id);
  if (on("aws:iam/rolePolicyAttachment:RolePolicyAttachment").length > 0) {
    throw new Error(`role ${name} has managed policies attached, which a plan does not hold`);
  }
  const inline = (role.inputs.inlinePolicies as { policy?: unknown }[] | undefined) ?? [];
  return [
    ...inline.filter((p) => p.policy !== undefined).map((p) => parse(p.policy)),
    ...on("aws:iam/rolePolicy:RolePolicy").map((r) => parse(r.inputs.policy)),
  ];
}

/**
 * The plan's role `name` with its permissions boundary, found by policy name in `boundaries`
 * (the documents a template outside the plan creates). A boundary not given there throws.
 */
export function rolePermissions(
  plan: Plan,
  name: string,
  boundaries: Record<string, PolicyDocument> = {},
): RolePermissions {
  const role = plan.resources.find((r) => r.type === "aws:iam/role:Role" && r.name === name);
  const boundaryArn = role?.inputs.permissionsBoundary;
  if (typeof boundaryArn !== "string") return { policies: rolePolicies(plan, name) };
  const boundary = boundaries[boundaryArn.slice(boundaryArn.lastIndexOf("/") + 1)];
  if (!boundary) throw new Error(`role ${name} has boundary ${boundaryArn}, which was not given`);
  return { policies: rolePolicies(plan, name), boundary };
}

/** The ARN the plan gives role `name`. */
export function roleArn(plan: Plan, name: string): string {
  const role = plan.resources.find((r) => r.type === "aws:iam/role:Role" && r.name === name);
  const arn = role?.outputs?.arn;
  if (typeof arn !== "string") throw new Error(`the plan has no ARN for role ${name}`);
  return arn;
}

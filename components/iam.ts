/**
 * IAM policy documents as typed objects. Serialized with `pulumi.jsonStringify` rather than built by
 * `getPolicyDocument` invokes, so policies, tests and the policy pack can read them as data.
 */
import type * as pulumi from "@pulumi/pulumi";

export type Strings = pulumi.Input<string> | pulumi.Input<string>[];

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action?: Strings;
  NotAction?: Strings;
  Resource?: Strings;
  Principal?: { Service?: Strings; AWS?: Strings; Federated?: Strings } | "*";
  Condition?: Record<string, Record<string, Strings>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** A document from statements. */
export function policyDocument(...statements: PolicyStatement[]): PolicyDocument {
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * A trust policy letting one AWS service assume the role, limited to the calling account (and, when
 * given, to source ARNs matching `sourceArn`) against the confused-deputy problem.
 */
export function serviceTrustPolicy(
  service: string,
  conditions: { sourceAccount?: pulumi.Input<string>; sourceArn?: pulumi.Input<string> } = {},
): PolicyDocument {
  const condition: Record<string, Record<string, Strings>> = {};
  if (conditions.sourceAccount) {
    condition.StringEquals = { "aws:SourceAccount": conditions.sourceAccount };
  }
  if (conditions.sourceArn) condition.ArnLike = { "aws:SourceArn": conditions.sourceArn };
  return policyDocument({
    Effect: "Allow",
    Principal: { Service: service },
    Action: "sts:AssumeRole",
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  });
}

import { expect } from "chai";
import {
  allows,
  evaluate,
  UnsupportedCondition,
  type Decision,
  type IamRequest,
  type PolicyStatement,
} from "./helpers/iam-eval";

const KEYS = "arn:aws:secretsmanager:us-east-1:111111111111:secret:qb/dev/users/*";
const KEY_A = "arn:aws:secretsmanager:us-east-1:111111111111:secret:qb/dev/users/a-AbCdEf";
const OTHER = "arn:aws:secretsmanager:us-east-1:111111111111:secret:qb/prod/users/a-AbCdEf";
const get = (resource: string, context?: IamRequest["context"]): IamRequest => ({
  action: "secretsmanager:GetSecretValue",
  resource,
  context,
});
const allow = (s: Omit<PolicyStatement, "Effect">): PolicyStatement => ({ Effect: "Allow", ...s });
const deny = (s: Omit<PolicyStatement, "Effect">): PolicyStatement => ({ Effect: "Deny", ...s });

describe("iam-eval", () => {
  const cases: [string, PolicyStatement[], IamRequest, Decision][] = [
    ["no statement", [], get(KEY_A), "ImplicitDeny"],
    [
      "an exact action and a resource wildcard",
      [allow({ Action: "secretsmanager:GetSecretValue", Resource: KEYS })],
      get(KEY_A),
      "Allow",
    ],
    [
      "a wildcard outside the prefix",
      [allow({ Action: "secretsmanager:GetSecretValue", Resource: KEYS })],
      get(OTHER),
      "ImplicitDeny",
    ],
    [
      "resources are case-sensitive",
      [allow({ Action: "secretsmanager:GetSecretValue", Resource: KEYS.toUpperCase() })],
      get(KEY_A),
      "ImplicitDeny",
    ],
    [
      "actions are case-insensitive, with wildcards",
      [allow({ Action: "SecretsManager:Get*", Resource: "*" })],
      get(KEY_A),
      "Allow",
    ],
    [
      "`?` matches one character",
      [allow({ Action: "secretsmanager:GetSecretValu?", Resource: "arn:aws:secretsmanager:*" })],
      get(KEY_A),
      "Allow",
    ],
    [
      "another action",
      [allow({ Action: ["secretsmanager:DescribeSecret"], Resource: "*" })],
      get(KEY_A),
      "ImplicitDeny",
    ],
    [
      "an explicit Deny wins over an Allow",
      [
        allow({ Action: "*", Resource: "*" }),
        deny({ Action: "secretsmanager:*", Resource: KEY_A }),
      ],
      get(KEY_A),
      "ExplicitDeny",
    ],
    [
      "NotAction allows all but the named actions",
      [allow({ NotAction: "secretsmanager:GetSecretValue", Resource: "*" })],
      get(KEY_A),
      "ImplicitDeny",
    ],
    [
      "NotResource allows all but the named resources",
      [allow({ Action: "secretsmanager:GetSecretValue", NotResource: KEYS })],
      get(OTHER),
      "Allow",
    ],
    [
      "a StringEquals condition the request meets",
      [
        allow({
          Action: "iam:PassRole",
          Resource: "*",
          Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
        }),
      ],
      {
        action: "iam:PassRole",
        resource: "arn:aws:iam::111111111111:role/x",
        context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
      },
      "Allow",
    ],
    [
      "a StringEquals condition the request fails",
      [
        allow({
          Action: "iam:PassRole",
          Resource: "*",
          Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
        }),
      ],
      {
        action: "iam:PassRole",
        resource: "arn:aws:iam::111111111111:role/x",
        context: { "iam:PassedToService": "lambda.amazonaws.com" },
      },
      "ImplicitDeny",
    ],
    [
      "a condition key the request lacks",
      [
        allow({
          Action: "ecs:RunTask",
          Resource: "*",
          Condition: { ArnEquals: { "ecs:cluster": "arn:aws:ecs:us-east-1:1:cluster/c" } },
        }),
      ],
      { action: "ecs:RunTask", resource: "arn:aws:ecs:us-east-1:1:task-definition/f:1" },
      "ImplicitDeny",
    ],
    [
      "ArnLike and a list of values (any one matches)",
      [
        allow({
          Action: "ecs:RunTask",
          Resource: "*",
          Condition: { ArnLike: { "ecs:cluster": ["arn:aws:ecs:*:1:cluster/a", "*/b"] } },
        }),
      ],
      {
        action: "ecs:RunTask",
        resource: "arn:aws:ecs:us-east-1:1:task-definition/f:1",
        context: { "ecs:cluster": "arn:aws:ecs:us-east-1:1:cluster/b" },
      },
      "Allow",
    ],
  ];
  for (const [label, statements, request, decision] of cases) {
    it(`${label} → ${decision}`, () => {
      expect(evaluate([{ Statement: statements }], request)).to.equal(decision);
    });
  }

  it("refuses a condition operator it does not model, and a Principal", () => {
    const negated = allow({
      Action: "*",
      Resource: "*",
      Condition: { StringNotEquals: { "aws:PrincipalTag/team": "x" } },
    });
    expect(() => evaluate([{ Statement: [negated] }], get(KEY_A))).to.throw(
      UnsupportedCondition,
      /StringNotEquals is not modelled/,
    );
    const principal = allow({ Action: "*", Resource: "*", Principal: "*" });
    expect(() => evaluate([{ Statement: principal }], get(KEY_A))).to.throw(UnsupportedCondition);
  });

  it("allows only what both the role's policies and its boundary allow", () => {
    const policies = [
      { Statement: allow({ Action: "secretsmanager:GetSecretValue", Resource: KEYS }) },
    ];
    const boundary = { Statement: allow({ Action: "ecs:*", Resource: "*" }) };
    expect(allows({ policies }, get(KEY_A))).to.equal(true);
    expect(allows({ policies, boundary }, get(KEY_A))).to.equal(false);
    expect(allows({ policies: [], boundary }, { action: "ecs:RunTask", resource: "*" })).to.equal(
      false,
    );
  });
});

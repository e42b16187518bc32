/** IAM: least privilege, no administrators among workload roles, trust only expected services. */
import {
  asArray,
  asRecord,
  dependenciesOf,
  json,
  ofType,
  refersTo,
  resourceRule,
  stackRule,
  statements,
  strings,
  type Check,
  type Finding,
  type Props,
  type Statement,
} from "./common";
import { TASK_DEFINITION } from "./types";

const ROLE = "aws:iam/role:Role";
const POLICY = "aws:iam/policy:Policy";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";

const allows = (s: Statement) => s.Effect === "Allow";
const matchesAll = (values: string[], wildcard: RegExp) => values.some((v) => wildcard.test(v));

/** The identity-policy statements a resource carries: its own document and a role's inline ones. */
function identityStatements(type: string, props: Props): Statement[] {
  if (type === ROLE) {
    return asArray(props.inlinePolicies).flatMap((p) => statements(asRecord(p).policy));
  }
  return statements(props.policy);
}

/** One check per resource type carrying identity policies. */
function onIdentityPolicies(check: (s: Statement[]) => string[]): Record<string, Check> {
  return Object.fromEntries(
    [ROLE, POLICY, ROLE_POLICY].map((type) => [
      type,
      (props: Props) => check(identityStatements(type, props)),
    ]),
  );
}

export const noAdminStatements = resourceRule({
  name: "iam-no-admin-statements",
  description: "No IAM policy statement allows every action (`*`) on every resource (`*`).",
  controls: ["IAM.1"],
  severity: "critical",
  remediation:
    "List the actions the workload calls and the ARNs it calls them on; build the statement with components/iam.ts.",
  checks: onIdentityPolicies((all) =>
    all
      .filter(allows)
      .filter(
        (s) => matchesAll(strings(s.Action), /^\*$/) && matchesAll(strings(s.Resource), /^\*$/),
      )
      .map(() => 'a statement allows "*" on "*"'),
  ),
});

export const noServiceWildcards = resourceRule({
  name: "iam-no-service-wildcard-actions",
  description: "IAM statements name actions, not whole services (`s3:*`).",
  controls: ["IAM.21"],
  severity: "medium",
  remediation: "Replace `service:*` with the actions the code calls, e.g. `s3:GetObject`.",
  checks: onIdentityPolicies((all) =>
    all
      .filter(allows)
      .flatMap((s) => strings(s.Action).filter((a) => /^[a-z0-9-]+:\*$/.test(a)))
      .map((action) => `the action ${action} grants a whole service`),
  ),
});

export const noPassRoleOnStar = resourceRule({
  name: "iam-no-passrole-on-any-role",
  description: "`iam:PassRole` names the roles it passes, never `*`.",
  controls: [],
  severity: "critical",
  remediation:
    "Scope iam:PassRole to the ARNs of the task or execution roles the caller launches with.",
  checks: onIdentityPolicies((all) =>
    all
      .filter(allows)
      .filter((s) => matchesAll(strings(s.Action), /^(iam:PassRole|iam:\*|iam:Pass\*|\*)$/i))
      .filter((s) => matchesAll(strings(s.Resource), /^\*$/))
      .map(() => "iam:PassRole is allowed on every role"),
  ),
});

const ADMIN_POLICIES = /:policy\/(AdministratorAccess|PowerUserAccess|IAMFullAccess)$/;

export const noAdminManagedPolicies = resourceRule({
  name: "iam-no-admin-managed-policies",
  description:
    "No workload role has AdministratorAccess, PowerUserAccess or IAMFullAccess attached.",
  controls: [],
  severity: "critical",
  remediation: "Detach the managed policy and give the role a scoped inline policy.",
  checks: {
    [ATTACHMENT]: (props) =>
      strings(props.policyArn)
        .filter((arn) => ADMIN_POLICIES.test(arn))
        .map((arn) => `attaches ${arn}`),
    [ROLE]: (props) =>
      strings(props.managedPolicyArns)
        .filter((arn) => ADMIN_POLICIES.test(arn))
        .map((arn) => `attaches ${arn}`),
  },
});

/** Service principals the platform's roles may trust. */
export const DEFAULT_TRUSTED_SERVICES = [
  "lambda.amazonaws.com",
  "ecs-tasks.amazonaws.com",
  "ec2.amazonaws.com",
  "vpc-flow-logs.amazonaws.com",
  "scheduler.amazonaws.com",
  "apigateway.amazonaws.com",
  "monitoring.rds.amazonaws.com",
  "events.amazonaws.com",
];

export const trustedServicePrincipals = resourceRule({
  name: "iam-trust-expected-services-only",
  description:
    "Role trust policies name only expected AWS service principals: no accounts, users, federated or wildcard principals.",
  controls: [],
  severity: "critical",
  remediation:
    "Trust only the service that assumes the role (serviceTrustPolicy in components/iam.ts); add a service to the pack config's allowedServices if the platform needs it.",
  configSchema: {
    properties: {
      allowedServices: {
        type: "array",
        items: { type: "string" },
        default: DEFAULT_TRUSTED_SERVICES,
      },
    },
  },
  checks: {
    [ROLE]: (props, args) => {
      const allowed =
        args.getConfig<{ allowedServices?: string[] }>().allowedServices ??
        DEFAULT_TRUSTED_SERVICES;
      const problems: string[] = [];
      for (const s of statements(json(props.assumeRolePolicy)).filter(allows)) {
        const principal = s.Principal;
        if (principal === "*") {
          problems.push("trusts any principal (*)");
          continue;
        }
        const p = asRecord(principal);
        for (const kind of Object.keys(p).filter((k) => k !== "Service")) {
          problems.push(`trusts ${kind} principals (${strings(p[kind]).join(", ")})`);
        }
        for (const service of strings(p.Service).filter((svc) => !allowed.includes(svc))) {
          problems.push(`trusts ${service}, which is not in allowedServices`);
        }
      }
      return problems;
    },
  },
});

export const noIamUsers = resourceRule({
  name: "iam-no-users",
  description: "The program creates no IAM users or user policies: workloads and people use roles.",
  controls: ["IAM.2"],
  severity: "high",
  remediation: "Use a role (for CI, an OIDC role) instead of an IAM user with keys.",
  checks: Object.fromEntries(
    [
      "aws:iam/user:User",
      "aws:iam/userPolicy:UserPolicy",
      "aws:iam/userPolicyAttachment:UserPolicyAttachment",
      "aws:iam/accessKey:AccessKey",
    ].map((type) => [type, () => [`${type.split(":").pop()} resources are not allowed`]]),
  ),
});

export const rolesHaveBoundary = resourceRule({
  name: "iam-roles-have-permissions-boundary",
  description:
    "Every IAM role carries the bootstrap's permissions boundary, so no role the deploy role creates can exceed it.",
  controls: [],
  severity: "high",
  remediation:
    "Roles get the boundary from components/permissions-boundary.ts (a stack transformation in index.ts); create roles after it is registered.",
  checks: {
    [ROLE]: (props) =>
      typeof props.permissionsBoundary === "string" &&
      /^arn:aws[a-z-]*:iam::\d{12}:policy\/.+/.test(props.permissionsBoundary)
        ? []
        : ["has no permissions boundary"],
  },
});

/** True when the IAM action pattern `pattern` (wildcards `*`, `?`) covers `action`. */
function coversAction(pattern: string, action: string): boolean {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "i").test(action);
}

// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html
export const taskRoleNoSecretPatterns = stackRule({
  name: "iam-ecs-task-role-no-secret-patterns",
  description:
    "An ECS task's own role reads no Secrets Manager secret by a wildcard ARN: ECS injects secrets with the execution role, or the app reads named ones.",
  controls: [],
  severity: "high",
  remediation:
    "Name the secrets in the container's `secrets` (`valueFrom`) and let the execution role read them; for per-user secrets, register a task-definition revision per task that names the one secret (as QuickBets' launch does).",
  check: (resources) => {
    const policies = ofType(resources, ROLE_POLICY);
    return ofType(resources, TASK_DEFINITION).flatMap((task) =>
      dependenciesOf(task, "taskRoleArn")
        .filter((role) => role.type === ROLE)
        .flatMap((role): Finding[] => {
          const documents = [
            ...asArray(role.props.inlinePolicies).map((p) => ({
              resource: role,
              statements: statements(asRecord(p).policy),
            })),
            ...policies
              .filter((p) => refersTo(p, "role", role))
              .map((p) => ({ resource: p, statements: statements(p.props.policy) })),
          ];
          return documents.flatMap(({ resource, statements: all }) =>
            all
              .filter(allows)
              .filter((s) =>
                strings(s.Action).some((a) => coversAction(a, "secretsmanager:GetSecretValue")),
              )
              .flatMap((s) => strings(s.Resource).filter((arn) => arn.includes("*")))
              .map((arn) => ({
                resource,
                message: `lets ${role.name}, the task role of ${task.name}, read secrets matching ${arn}`,
              })),
          );
        }),
    );
  },
});

export const identityRules = [
  rolesHaveBoundary,
  noAdminStatements,
  noServiceWildcards,
  noPassRoleOnStar,
  noAdminManagedPolicies,
  trustedServicePrincipals,
  noIamUsers,
  taskRoleNoSecretPatterns,
];

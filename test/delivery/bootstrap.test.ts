import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { TEMPLATE_FILE } from "../../tools/bootstrap/render";
import {
  APIGATEWAY_LOGS_ROLE_NAME,
  BOOTSTRAP_ROLE_PREFIX,
  ENVIRONMENTS,
  REGIONAL_SERVICES,
  renderTemplate,
} from "../../tools/bootstrap/template";
import { WORKLOAD_BOUNDARY_NAME } from "../../components/permissions-boundary";
import { cachedPlan, root } from "../helpers/plan-cli";

interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Principal?: unknown;
}
interface PolicyDocument {
  Statement: Statement[];
}
interface RoleResource {
  Type: "AWS::IAM::Role";
  DeletionPolicy?: string;
  Properties: {
    RoleName: string;
    AssumeRolePolicyDocument: PolicyDocument;
    Policies?: { PolicyName: string; PolicyDocument: PolicyDocument }[];
    ManagedPolicyArns?: unknown[];
  };
}

const actions = (s: Statement) => [s.Action ?? []].flat();
const template = JSON.parse(fs.readFileSync(TEMPLATE_FILE, "utf8")) as {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  Outputs: Record<string, { Value: unknown }>;
};
const roles = Object.values(template.Resources).filter(
  (r): r is RoleResource => r.Type === "AWS::IAM::Role",
);
const role = (name: string) => {
  const found = roles.find((r) => r.Properties.RoleName === `${BOOTSTRAP_ROLE_PREFIX}${name}`);
  if (!found) throw new Error(`no role ${name}`);
  return found;
};
const statements = (name: string) =>
  (role(name).Properties.Policies ?? []).flatMap((p) => p.PolicyDocument.Statement);
/** The logical id of the one resource of `type`, failing when there is not exactly one. */
function logicalIdOf(type: string): string {
  const ids = Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id]) => id);
  expect(ids, type).to.have.length(1);
  return ids[0]!;
}
/** Whether an IAM action pattern (`service:Prefix*`) covers `action`, as IAM matches them. */
function covers(pattern: string, action: string): boolean {
  const escaped = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join(".*")}$`, "i").test(action);
}
/** Every policy document of the template: role policies, the bucket policy, key policies. */
function documents(): PolicyDocument[] {
  const found: PolicyDocument[] = [];
  const visit = (value: unknown) => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== "object") return;
    const record = value as Record<string, unknown>;
    if (Array.isArray(record.Statement)) found.push(record as unknown as PolicyDocument);
    Object.values(record).forEach(visit);
  };
  visit(template);
  return found;
}

/** The IAM service prefix of a resource type the program creates; null for no AWS resource. */
function serviceOf(type: string): string | null | undefined {
  if (/^(pulumi|platform|random):/.test(type)) return null;
  if (type.startsWith("docker-build:")) return "ecr"; // builds locally, pushes to ECR
  const [pkg, module, resource] = type.split(/[:/]/);
  if (pkg !== "aws") return undefined;
  if (module === "cloudwatch") {
    if (/^log/.test(resource ?? "")) return "logs";
    if (/^event/.test(resource ?? "")) return "events";
    return "cloudwatch";
  }
  const renamed: Record<string, string> = {
    vpc: "ec2",
    lb: "elasticloadbalancing",
    alb: "elasticloadbalancing",
    cognito: "cognito-idp",
    appautoscaling: "application-autoscaling",
  };
  return renamed[module!] ?? module;
}

describe("bootstrap (tools/bootstrap)", function () {
  it("is committed as rendered from template.ts, valid JSON", async function () {
    expect(fs.readFileSync(TEMPLATE_FILE, "utf8")).to.equal(await renderTemplate(TEMPLATE_FILE));
  });

  it("creates GitHub's OIDC provider for STS, a preview role and a deploy role per environment", function () {
    const provider = template.Resources.GitHubOidcProvider!;
    expect(provider.Properties).to.deep.equal({
      Url: "https://token.actions.githubusercontent.com",
      ClientIdList: ["sts.amazonaws.com"],
    });
    expect(roles.map((r) => r.Properties.RoleName).sort()).to.deep.equal([
      APIGATEWAY_LOGS_ROLE_NAME,
      ...["deploy-dev", "deploy-prod", "preview"].map((n) => `${BOOTSTRAP_ROLE_PREFIX}${n}`),
    ]);
  });

  it("has no wildcard-everything action and no NotAction allow anywhere", function () {
    for (const document of documents()) {
      for (const s of document.Statement) {
        for (const a of actions(s)) {
          expect(a, s.Sid).to.not.match(/^\*(:\*)?$/);
          expect(a, s.Sid).to.match(/^[a-z0-9-]+:[A-Za-z*]+$/);
        }
        if (s.Effect === "Allow") expect(s.NotAction, s.Sid).to.be.undefined;
      }
    }
  });

  it("trusts only this repository's tokens, each role one exact subject", function () {
    const subjects = {
      preview: "pull_request",
      "deploy-dev": "environment:dev",
      "deploy-prod": "environment:prod",
    };
    for (const [name, subject] of Object.entries(subjects)) {
      const [trust, ...others] = role(name).Properties.AssumeRolePolicyDocument.Statement;
      expect(others, name).to.deep.equal([]);
      expect(trust!.Action).to.equal("sts:AssumeRoleWithWebIdentity");
      expect(Object.keys(trust!.Condition!)).to.deep.equal(["StringEquals"]);
      expect(trust!.Condition!.StringEquals).to.deep.equal({
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": {
          "Fn::Sub": `repo:\${GitHubRepository}:${subject}`,
        },
      });
    }
    const parameter = (template as any).Parameters.GitHubRepository;
    expect(parameter.AllowedPattern).to.equal("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$");
  });

  it("matches the workflows: each deploy job runs in the environment its role trusts", function () {
    const deploy = parse(
      fs.readFileSync(path.join(root, ".github", "workflows", "deploy.yml"), "utf8"),
    ) as { jobs: Record<string, { environment?: string; steps?: { with?: any }[] }> };
    for (const env of ENVIRONMENTS) {
      const job = Object.values(deploy.jobs).find((j) =>
        (j.steps ?? []).some((s) => s.with?.command === "up" && s.with?.["stack-name"] === env),
      );
      expect(job?.environment, env).to.equal(env);
    }
  });

  it("lets a preview read, never write (but its lock)", function () {
    for (const s of statements("preview")) {
      expect(s.Effect).to.equal("Allow");
      for (const a of actions(s)) {
        if (/^(s3:PutObject|s3:DeleteObject)$/.test(a)) {
          expect(s.Resource).to.deep.equal({
            "Fn::Sub": "arn:${AWS::Partition}:s3:::${StateBucket}/.pulumi/locks/*",
          });
        } else {
          expect(a, s.Sid).to.match(/:(Get|List|Describe|Decrypt)/);
        }
      }
    }
  });

  it("scopes IAM by the stack's tags and keeps deploy roles off the bootstrap", function () {
    for (const env of ENVIRONMENTS) {
      const all = statements(`deploy-${env}`);
      for (const s of all.filter((s) => s.Effect === "Allow")) {
        if (!actions(s).some((a) => a.startsWith("iam:"))) continue;
        const conditions = JSON.stringify(s.Condition ?? {});
        expect(conditions, s.Sid).to.match(
          /(aws:RequestTag|iam:ResourceTag)\/environment|iam:AWSServiceName/,
        );
        if (conditions.includes("/environment")) expect(conditions, s.Sid).to.include(`"${env}"`);
      }
      const denied = all.filter((s) => s.Effect === "Deny");
      expect(JSON.stringify(denied)).to.include(`role/${BOOTSTRAP_ROLE_PREFIX}*`);
      expect(denied.flatMap(actions)).to.include.members(["iam:CreateUser", "iam:CreateAccessKey"]);
      // The other environment's secrets key is out of reach.
      const other = ENVIRONMENTS.find((e) => e !== env)!;
      const otherKey = `SecretsKey${other === "dev" ? "Dev" : "Prod"}`;
      expect(
        denied.some(
          (s) => actions(s).includes("kms:*") && JSON.stringify(s.Resource).includes(otherKey),
        ),
      ).to.be.true;
    }
  });

  it("gives API Gateway a logging role of its own: trusted by apigateway.amazonaws.com only, with the AWS managed push policy, retained", function () {
    const logsRole = roles.find((r) => r.Properties.RoleName === APIGATEWAY_LOGS_ROLE_NAME);
    expect(logsRole, APIGATEWAY_LOGS_ROLE_NAME).to.not.be.undefined;
    expect(logsRole!.Properties.AssumeRolePolicyDocument.Statement).to.deep.equal([
      {
        Effect: "Allow",
        Principal: { Service: "apigateway.amazonaws.com" },
        Action: "sts:AssumeRole",
      },
    ]);
    expect(logsRole!.Properties.ManagedPolicyArns).to.deep.equal([
      {
        "Fn::Sub":
          "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
      },
    ]);
    expect(logsRole!.Properties.Policies, "no inline policy beside the managed one").to.be
      .undefined;
    // The account setting outlives the stack; the role it names must too.
    expect(logsRole!.DeletionPolicy).to.equal("Retain");
  });

  it("sets API Gateway's account setting of its region to that role and outputs both", function () {
    const roleId = Object.entries(template.Resources).find(
      ([, r]) => r.Type === "AWS::IAM::Role" && r.Properties.RoleName === APIGATEWAY_LOGS_ROLE_NAME,
    )![0];
    const account = template.Resources[logicalIdOf("AWS::ApiGateway::Account")]!;
    expect(account.Properties).to.deep.equal({
      CloudWatchRoleArn: { "Fn::GetAtt": [roleId, "Arn"] },
    });
    expect(template.Outputs.ApiGatewayCloudWatchRoleArn?.Value).to.deep.equal({
      "Fn::GetAtt": [roleId, "Arn"],
    });
    expect(template.Outputs.ApiGatewayLoggingRegion?.Value).to.deep.equal({ Ref: "AWS::Region" });
  });

  it("keeps the deploy roles off API Gateway's account setting and its role", function () {
    const accountArn = { "Fn::Sub": "arn:${AWS::Partition}:apigateway:*::/account" };
    for (const env of ENVIRONMENTS) {
      const all = statements(`deploy-${env}`);
      // apigateway:* is allowed in the stack's regions, so only an explicit deny takes PATCH back.
      expect(
        all.some(
          (s) => s.Effect === "Allow" && actions(s).some((a) => covers(a, "apigateway:PATCH")),
        ),
        env,
      ).to.be.true;
      expect(
        all.some(
          (s) =>
            s.Effect === "Deny" &&
            actions(s).some((a) => covers(a, "apigateway:PATCH")) &&
            JSON.stringify([s.Resource].flat()).includes(JSON.stringify(accountArn)),
        ),
        `${env}: no deny of apigateway:PATCH on /account`,
      ).to.be.true;
      // Setting the account's role needs iam:PassRole to API Gateway: no deploy role may.
      for (const s of all.filter((s) => s.Effect === "Allow")) {
        if (!actions(s).some((a) => covers(a, "iam:PassRole"))) continue;
        const passedTo = [s.Condition?.StringEquals?.["iam:PassedToService"] ?? []].flat();
        expect(passedTo, s.Sid).to.not.be.empty;
        expect(passedTo, s.Sid).to.not.include("apigateway.amazonaws.com");
      }
      const iamDenied = all.filter(
        (s) => s.Effect === "Deny" && actions(s).some((a) => covers(a, "iam:DeleteRole")),
      );
      expect(JSON.stringify(iamDenied), env).to.include(`:role/${APIGATEWAY_LOGS_ROLE_NAME}`);
    }
  });

  it("lets previews and deploys read the quotas the program checks at preview", function () {
    for (const name of ["preview", "deploy-dev", "deploy-prod"]) {
      const allowed = statements(name)
        .filter((s) => s.Effect === "Allow")
        .flatMap(actions);
      for (const action of [
        "servicequotas:GetServiceQuota",
        "servicequotas:GetAWSDefaultServiceQuota",
      ]) {
        expect(
          allowed.some((a) => covers(a, action)),
          `${name}: ${action}`,
        ).to.be.true;
      }
      expect(
        allowed.some((a) => covers(a, "servicequotas:RequestServiceQuotaIncrease")),
        name,
      ).to.be.false;
    }
  });

  it("lets deploy roles create and empower only roles bounded by the bootstrap's boundary", function () {
    const boundary = template.Resources.WorkloadBoundary!;
    expect(boundary.Type).to.equal("AWS::IAM::ManagedPolicy");
    expect(boundary.Properties.ManagedPolicyName).to.equal(WORKLOAD_BOUNDARY_NAME);
    // The boundary has no IAM write: a bounded role cannot grant itself or any role more.
    const ceiling = (boundary.Properties.PolicyDocument as PolicyDocument).Statement;
    const iamActions = ceiling.flatMap(actions).filter((a) => a.startsWith("iam:"));
    expect(iamActions).to.deep.equal(["iam:PassRole"]);
    expect(ceiling.flatMap(actions)).not.to.include("iam:*");
    for (const env of ENVIRONMENTS) {
      const all = statements(`deploy-${env}`);
      const boundedBy = (s: Statement) =>
        JSON.stringify(s.Condition?.StringEquals?.["iam:PermissionsBoundary"] ?? "").includes(
          `policy/${WORKLOAD_BOUNDARY_NAME}`,
        );
      for (const action of [
        "iam:CreateRole",
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:PutRolePermissionsBoundary",
      ]) {
        const granting = all.filter((s) => s.Effect === "Allow" && actions(s).includes(action));
        expect(granting, `${env} ${action}`).to.have.length.greaterThan(0);
        for (const s of granting) expect(boundedBy(s), `${env} ${s.Sid} ${action}`).to.equal(true);
      }
      const denied = all.filter((s) => s.Effect === "Deny").flatMap(actions);
      expect(denied).to.include.members([
        "iam:DeleteRolePermissionsBoundary",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
      ]);
    }
  });

  it("lets deploy roles attach every managed policy the program attaches, and the boundary allow its actions", async function () {
    const attach = statements("deploy-dev").find((s) => s.Sid === "AttachPoliciesToOwnRoles")!;
    const patterns = (attach.Condition!.ArnLike!["iam:PolicyARN"] as { "Fn::Sub": string }[]).map(
      (p) =>
        p["Fn::Sub"]
          .replace("${AWS::Partition}", "aws")
          .replace("${AWS::AccountId}", "123456789012"),
    );
    const plans = await Promise.all(ENVIRONMENTS.map((stack) => cachedPlan(stack)));
    const attached = plans.flatMap((run) =>
      run
        .plan!.resources.filter(
          (r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        )
        .map((r) => String(r.inputs.policyArn)),
    );
    expect(attached).to.include("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore");
    for (const arn of attached) {
      expect(
        patterns.some((p) => covers(p, arn)),
        arn,
      ).to.equal(true);
    }
    // Session Manager's agent talks to ssmmessages and ec2messages: a boundary without them
    // would silently cap AmazonSSMManagedInstanceCore.
    const ceiling = (
      template.Resources.WorkloadBoundary!.Properties.PolicyDocument as PolicyDocument
    ).Statement.flatMap(actions);
    for (const action of [
      "ssm:UpdateInstanceInformation",
      "ssmmessages:OpenDataChannel",
      "ec2messages:GetMessages",
    ]) {
      expect(
        ceiling.some((p) => covers(p, action)),
        action,
      ).to.equal(true);
    }
  });

  it("allows every AWS service the program creates resources in, for both stacks", async function () {
    const plans = await Promise.all(ENVIRONMENTS.map((stack) => cachedPlan(stack)));
    const allowed = new Set([
      ...REGIONAL_SERVICES,
      ...statements("deploy-dev")
        .filter((s) => s.Effect === "Allow")
        .flatMap(actions)
        .map((a) => a.split(":")[0]!),
    ]);
    const missing = new Set<string>();
    for (const run of plans) {
      expect(run.plan, run.stderr).to.not.be.undefined;
      for (const r of run.plan!.resources) {
        const service = serviceOf(r.type);
        if (service === null) continue;
        if (service === undefined || !allowed.has(service)) missing.add(`${r.type} (${service})`);
      }
    }
    expect(
      [...missing],
      "add these services to the deploy policy in tools/bootstrap/template.ts",
    ).to.deep.equal([]);
  });
});

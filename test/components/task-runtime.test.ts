import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { executionStatements, taskRuntime } from "../../components/task-runtime";
import { finder, runWithMocks, statementsOf } from "../helpers/mock-runtime";

/** The statements as JSON, with every input resolved. */
function resolved(statements: ReturnType<typeof executionStatements>) {
  return new Promise<Record<string, any>[]>((resolve) =>
    pulumi.jsonStringify(statements).apply((json) => resolve(JSON.parse(json))),
  );
}

describe("task-runtime", () => {
  describe("executionStatements", () => {
    const logGroupArn = "arn:aws:logs:us-east-1:123456789012:log-group:/platform/ecs/a-1";
    const cases: [string, Parameters<typeof executionStatements>[0], string[], unknown][] = [
      [
        "one repository, no secrets",
        { images: { repositoryArn: "arn:repo" }, logGroupArn },
        ["EcrAuth", "PullImage", "Logs"],
        "arn:repo",
      ],
      [
        "any repository of the account, with secrets",
        {
          images: { account: "123456789012", partition: "aws" },
          logGroupArn,
          secretArns: ["arn:secret"],
        },
        ["EcrAuth", "PullImages", "Logs", "Secrets"],
        "arn:aws:ecr:*:123456789012:repository/*",
      ],
      [
        "an empty secret list adds no statement",
        { images: { account: "123456789012", partition: "aws" }, logGroupArn, secretArns: [] },
        ["EcrAuth", "PullImages", "Logs"],
        "arn:aws:ecr:*:123456789012:repository/*",
      ],
    ];
    it("grants exactly ECR login and pull, the log group's streams and the secrets", async () => {
      expect(
        await resolved(
          executionStatements({
            images: { repositoryArn: "arn:repo" },
            logGroupArn,
            secretArns: ["arn:a", "arn:b"],
          }),
        ),
      ).to.deep.equal([
        { Sid: "EcrAuth", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
          Sid: "PullImage",
          Effect: "Allow",
          Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
          Resource: "arn:repo",
        },
        {
          Sid: "Logs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: `${logGroupArn}:*`,
        },
        {
          Sid: "Secrets",
          Effect: "Allow",
          Action: "secretsmanager:GetSecretValue",
          Resource: ["arn:a", "arn:b"],
        },
      ]);
    });
    for (const [title, args, sids, pull] of cases) {
      it(title, async () => {
        const statements = await resolved(executionStatements(args));
        expect(statements.map((s) => s.Sid)).to.deep.equal(sids);
        expect(statements[1]!.Resource).to.equal(pull);
        expect(statements[2]!.Resource).to.equal(`${logGroupArn}:*`);
      });
    }
  });

  describe("taskRuntime", () => {
    async function run(args: Partial<Parameters<typeof taskRuntime>[1]> = {}) {
      return finder(
        await runWithMocks(() => {
          taskRuntime(
            "app",
            {
              images: { account: "123456789012", partition: "aws" },
              logRetentionInDays: 14,
              ...args,
            },
            {},
          );
        }),
      );
    }

    it("names the log group and roles after the task, and gives the task role no policy by default", async () => {
      const find = await run();
      expect(find.named("app-logs").inputs).to.include({
        namePrefix: "/platform/ecs/app-",
        retentionInDays: 14,
      });
      expect(find.ofType("aws:iam/role:Role").map((r) => r.name)).to.deep.equal([
        "app-execution",
        "app-task",
      ]);
      expect(find.ofType("aws:iam/rolePolicy:RolePolicy").map((r) => r.name)).to.deep.equal([
        "app-execution-policy",
      ]);
      // Only ECS tasks assume either role.
      for (const role of ["app-execution", "app-task"]) {
        expect(JSON.parse(find.named(role).inputs.assumeRolePolicy as string)).to.deep.equal({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "ecs-tasks.amazonaws.com" },
              Action: "sts:AssumeRole",
            },
          ],
        });
      }
      const executionRole = find.named("app-execution").state.name as unknown;
      expect(executionRole).to.be.a("string");
      expect(find.named("app-execution-policy").inputs.role).to.equal(executionRole);
      expect(statementsOf(find.named("app-execution-policy")).map((s) => s.Sid)).to.deep.equal([
        "EcrAuth",
        "PullImages",
        "Logs",
      ]);
    });

    it("takes the task's statements, a log group prefix and transform hooks", async () => {
      const find = await run({
        logGroupPrefix: "/custom/app-",
        taskStatements: [{ Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
        transform: { logGroup: { kmsKeyId: "arn:key" }, taskRole: { maxSessionDuration: 7200 } },
      });
      expect(find.named("app-logs").inputs).to.include({
        namePrefix: "/custom/app-",
        kmsKeyId: "arn:key",
      });
      expect(find.named("app-task").inputs.maxSessionDuration).to.equal(7200);
      expect(statementsOf(find.named("app-task-policy")).map((s) => s.Sid)).to.deep.equal(["Read"]);
    });
  });
});

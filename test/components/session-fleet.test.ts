import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { Network } from "../../components/network";
import {
  SessionFleet,
  sessionContainerDefinitions,
  type SessionFleetArgs,
} from "../../components/session-fleet";
import { finder, inHomeRegion, runWithMocks, statementsOf } from "../helpers/mock-runtime";

/** A fleet named `qb` in a fresh home network, with `overrides`. */
async function fleet(
  overrides: Partial<SessionFleetArgs> = {},
  inspect: (fleet: SessionFleet) => void = () => {},
) {
  return finder(
    await runWithMocks(
      inHomeRegion((provider) => {
        const network = new Network(
          "home",
          { cidrBlock: "10.10.0.0/16", availabilityZones: ["us-east-1a", "us-east-1b"] },
          { provider },
        );
        const sessions = new SessionFleet(
          "qb",
          {
            network,
            environment: "dev",
            description: "Trading sessions",
            session: { imageTag: "1.0.0", cpu: 256, memory: 512, port: 8080 },
            logRetentionInDays: 7,
            targetGroupPrefix: "qb-dev-",
            ...overrides,
          },
          { provider },
        );
        inspect(sessions);
      }),
      { home: "us-east-1" },
    ),
  );
}

type Find = Awaited<ReturnType<typeof fleet>>;
const named = (find: Find, type: string, name: string) =>
  find.ofType(type).find((r) => r.name === name)!;
const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";

describe("SessionFleet", () => {
  it("runs sessions on Fargate, pulling only from its own repository", async () => {
    const find = await fleet();
    const task = named(find, TASK_DEFINITION, "qb-session").inputs;
    expect(task).to.include({ family: "qb-dev-session", networkMode: "awsvpc", cpu: "256" });
    expect(task.requiresCompatibilities).to.deep.equal(["FARGATE"]);
    const [container] = JSON.parse(task.containerDefinitions as string) as Record<string, any>[];
    expect(container!.name).to.equal("session");
    expect(container!.image).to.match(/\/qb-session-image-\w+:1\.0\.0$/);
    const execution = statementsOf(
      named(find, "aws:iam/rolePolicy:RolePolicy", "qb-session-execution-policy"),
    );
    expect(execution.map((s) => s.Sid)).to.deep.equal(["EcrAuth", "PullImage", "Logs"]);
    expect(execution[1]!.Resource).to.equal(find.named("qb-session-image").state.arn);
    // No task statements: the session's role has no policy at all.
    const policies = find.ofType("aws:iam/rolePolicy:RolePolicy").map((r) => r.name);
    expect(policies.filter((name) => name.startsWith("qb-"))).to.deep.equal([
      "qb-session-execution-policy",
    ]);
    expect(find.named("qb-session-logs").inputs.namePrefix).to.equal("/platform/ecs/qb-sessions-");
    expect(find.named("qb-ws").inputs).to.include({ idleTimeout: 3600 });
  });

  it("turns Container Insights on its cluster by default, off when asked", async () => {
    const setting = async (overrides: Partial<SessionFleetArgs>) =>
      (await fleet(overrides)).named("qb-sessions").inputs.settings;
    expect(await setting({})).to.deep.equal([{ name: "containerInsights", value: "enabled" }]);
    expect(await setting({ containerInsights: false })).to.deep.equal([
      { name: "containerInsights", value: "disabled" },
    ]);
  });

  it("lets only the execution role read the secrets a launch injects", async () => {
    const keys = "arn:aws:secretsmanager:us-east-1:111111111111:secret:qb/dev/users/*";
    const find = await fleet({ injectedSecretArns: [keys] });
    const execution = statementsOf(
      named(find, "aws:iam/rolePolicy:RolePolicy", "qb-session-execution-policy"),
    );
    expect(execution.at(-1)).to.deep.equal({
      Sid: "Secrets",
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: [keys],
    });
    expect(find.ofType("aws:iam/rolePolicy:RolePolicy").map((r) => r.name)).not.to.include(
      "qb-session-task-policy",
    );
  });

  it("admits the load balancer only, on the session port", async () => {
    const find = await fleet();
    expect(find.named("qb-session-from-alb").inputs).to.include({ fromPort: 8080, toPort: 8080 });
    expect(find.named("qb-ws-to-sessions").inputs).to.include({ fromPort: 8080 });
    expect(find.named("qb-session-https-out").inputs).to.include({ fromPort: 443 });
  });

  it("takes tunables and transform hooks for its children", async () => {
    const find = await fleet({
      idleTimeout: 900,
      containerName: "trader",
      transform: {
        taskDefinition: { ephemeralStorage: { sizeInGib: 30 } },
        cluster: (args) => {
          args.tags = { team: "trading" };
        },
        loadBalancer: { listener: { tags: { edge: "ws" } } },
        repository: { repository: { imageTagMutability: "IMMUTABLE" } },
      },
    });
    const task = named(find, TASK_DEFINITION, "qb-session").inputs;
    expect(task.ephemeralStorage).to.deep.equal({ sizeInGib: 30 });
    expect(JSON.parse(task.containerDefinitions as string)[0].name).to.equal("trader");
    expect(named(find, "aws:ecs/cluster:Cluster", "qb-sessions").inputs.tags).to.deep.equal({
      team: "trading",
    });
    expect(find.named("qb-ws").inputs.idleTimeout).to.equal(900);
    expect(find.named("qb-ws-http").inputs.tags).to.deep.equal({ edge: "ws" });
    expect(find.named("qb-session-image").inputs.imageTagMutability).to.equal("IMMUTABLE");
  });

  it("grants launching and routing on its own task definition, cluster, listener and target groups", async () => {
    let statements: pulumi.Output<string>[] = [];
    await fleet({}, (sessions) => {
      statements = [sessions.launchStatements(), sessions.routingStatements()].map((s) =>
        pulumi.jsonStringify(s),
      );
    });
    const [launch, routing] = await Promise.all(
      statements.map(
        (s) =>
          new Promise<Record<string, any>[]>((resolve) => s.apply((j) => resolve(JSON.parse(j)))),
      ),
    );
    const bySid = (statements: Record<string, any>[]) =>
      Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(Object.keys(bySid(launch!))).to.deep.equal([
      "RegisterSessionRevision",
      "ReadAndRetireRevisions",
      "RunSession",
      "PassSessionRoles",
    ]);
    const run = bySid(launch!).RunSession;
    expect(run.Resource).to.match(/:task-definition\/qb-dev-session:\*$/);
    expect(run.Condition.ArnEquals["ecs:cluster"]).to.match(/:cluster\/qb-sessions-/);
    expect(bySid(launch!).RegisterSessionRevision.Resource).to.equal(run.Resource);
    expect(bySid(launch!).ReadAndRetireRevisions).to.deep.include({
      Action: ["ecs:DescribeTaskDefinition", "ecs:DeregisterTaskDefinition"],
      Resource: "*",
    });
    expect(bySid(launch!).PassSessionRoles.Resource).to.have.length(2);
    const route = bySid(routing!);
    expect(Object.keys(route)).to.deep.equal([
      "StopOrphanedSessions",
      "SessionTargets",
      "SessionRules",
      "RemoveSessionRules",
      "FindFreePriority",
    ]);
    expect(route.SessionTargets.Resource).to.match(/:targetgroup\/qb-dev-\*\/\*$/);
    expect(route.RemoveSessionRules.Resource).to.match(/:listener-rule\/app\/qb-ws-.+\/\*$/);
  });
});

describe("sessionContainerDefinitions", () => {
  it("puts PORT first, then the environment in the order given", () => {
    const [container] = sessionContainerDefinitions({
      name: "session",
      image: "repo:1",
      port: 8080,
      environment: { Z_LAST: "z", A_FIRST: "a" },
      logGroup: "/platform/ecs/x",
      region: "us-east-1",
    });
    expect(container!.environment).to.deep.equal([
      { name: "PORT", value: "8080" },
      { name: "Z_LAST", value: "z" },
      { name: "A_FIRST", value: "a" },
    ]);
    expect(container).to.include({ readonlyRootFilesystem: true, essential: true });
  });
});

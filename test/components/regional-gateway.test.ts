import { expect } from "chai";
import { Network } from "../../components/network";
import {
  RegionalGateway,
  spokenDuration,
  type GatewayArgs,
  type GatewayService,
} from "../../components/regional-gateway";
import {
  failureOf,
  finder,
  inHomeRegion,
  runWithMocks,
  statementsOf,
} from "../helpers/mock-runtime";

const web: GatewayService = {
  name: "web",
  image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1",
  cpu: 256,
  memory: 512,
  port: 8080,
  ingress: { pathPatterns: ["/*"] },
  autoscaling: { min: 1, max: 4, cpuTarget: 60 },
};

const tunnel: GatewayService = {
  name: "tunnel",
  image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/tunnel:1",
  cpu: 512,
  memory: 1024,
  vpn: {
    image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/gluetun:1",
    provider: "mullvad",
    secretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:vpn-AbCdEf",
    secretKeys: ["WIREGUARD_PRIVATE_KEY"],
  },
};

/** A dev gateway named `gw` with a routed, autoscaled service and a VPN service on EC2. */
async function gateway(overrides: Partial<GatewayArgs> = {}) {
  return finder(
    await runWithMocks(
      inHomeRegion((provider) => {
        const network = new Network(
          "home",
          { cidrBlock: "10.10.0.0/16", availabilityZones: ["us-east-1a", "us-east-1b"] },
          { provider },
        );
        new RegionalGateway(
          "gw",
          {
            network,
            environment: "dev",
            loadBalancer: { allowHttp: true },
            services: [web, tunnel],
            ...overrides,
          },
          { provider },
        );
      }),
      { home: "us-east-1" },
    ),
  );
}

type Find = Awaited<ReturnType<typeof gateway>>;
const template = (find: Find) => find.ofType("aws:ec2/launchTemplate:LaunchTemplate")[0]!.inputs;
const taskDefinition = (find: Find, name: string) =>
  find.ofType("aws:ecs/taskDefinition:TaskDefinition").find((r) => r.name === name)!.inputs;

describe("RegionalGateway", () => {
  it("keeps today's tunables by default", async () => {
    const find = await gateway();
    expect(find.named("gw-web-tg").inputs).to.deep.include({
      deregistrationDelay: 30,
      healthCheck: {
        path: "/health",
        matcher: "200-399",
        interval: 15,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
    });
    expect(find.named("gw-alb-5xx").inputs).to.include({
      threshold: 10,
      period: 300,
      alarmDescription: "gw: services answered 10 or more 5xx in 5 minutes",
    });
    expect(find.named("gw-web-unhealthy").inputs).to.include({ period: 60, evaluationPeriods: 3 });
    expect(find.named("gw-web-running").inputs).to.include({ period: 60, evaluationPeriods: 5 });
    const scaling = find.named("gw-web-cpu").inputs.targetTrackingScalingPolicyConfiguration;
    expect(scaling).to.include({ scaleInCooldown: 120, scaleOutCooldown: 60, targetValue: 60 });
    expect(template(find).blockDeviceMappings[0].ebs.volumeSize).to.equal(30);
  });

  it("takes alarm, health check, scaling and volume tunables", async () => {
    const find = await gateway({
      alarms: {
        serverErrors: { threshold: 25, period: 600 },
        runningTasks: { period: 30, evaluationPeriods: 3 },
      },
      ec2: { instanceType: "t4g.small", min: 1, max: 2, volumeSize: 50 },
      services: [
        {
          ...web,
          ingress: {
            pathPatterns: ["/*"],
            healthCheck: { interval: 30 },
            deregistrationDelay: 5,
          },
          autoscaling: { ...web.autoscaling!, scaleInCooldown: 300 },
        },
        tunnel,
      ],
    });
    expect(find.named("gw-alb-5xx").inputs).to.include({
      threshold: 25,
      period: 600,
      alarmDescription: "gw: services answered 25 or more 5xx in 10 minutes",
    });
    expect(find.named("gw-web-running").inputs).to.include({ period: 30, evaluationPeriods: 3 });
    expect(find.named("gw-web-running").inputs.alarmDescription).to.match(/for 90 seconds$/);
    const tg = find.named("gw-web-tg").inputs;
    expect(tg.deregistrationDelay).to.equal(5);
    expect(tg.healthCheck).to.include({ interval: 30, healthyThreshold: 2 });
    expect(
      find.named("gw-web-cpu").inputs.targetTrackingScalingPolicyConfiguration.scaleInCooldown,
    ).to.equal(300);
    expect(template(find).blockDeviceMappings[0].ebs.volumeSize).to.equal(50);
  });

  it("runs each transform hook on its children, after its own args", async () => {
    const find = await gateway({
      transform: {
        taskDefinition: (args, _opts, name) => {
          args.pidMode = name === "gw-web-task" ? "task" : undefined;
        },
        targetGroup: { slowStart: 30 },
        cluster: { tags: { team: "trading" } },
        ec2: { launchTemplate: { instanceType: "t4g.large" } },
        loadBalancer: { loadBalancer: { idleTimeout: 120 } },
        executionRole: { description: "pulls and logs" },
      },
    });
    expect(taskDefinition(find, "gw-web-task").pidMode).to.equal("task");
    expect(taskDefinition(find, "gw-tunnel-task").pidMode).to.equal(undefined);
    expect(find.named("gw-web-tg").inputs).to.include({ slowStart: 30, deregistrationDelay: 30 });
    expect(find.named("gw-cluster").inputs.tags).to.deep.equal({ team: "trading" });
    expect(template(find).instanceType).to.equal("t4g.large");
    expect(find.named("gw-alb").inputs.idleTimeout).to.equal(120);
    expect(find.named("gw-web-execution").inputs.description).to.equal("pulls and logs");
  });

  it("lets execution roles pull from any repository of the account, and read the VPN secret", async () => {
    const find = await gateway();
    const policy = find
      .ofType("aws:iam/rolePolicy:RolePolicy")
      .find((r) => r.name === "gw-tunnel-execution-policy")!;
    const sids = statementsOf(policy).map((s) => s.Sid);
    expect(sids).to.deep.equal(["EcrAuth", "PullImages", "Logs", "Secrets"]);
    expect(statementsOf(policy)[1]!.Resource).to.equal("arn:aws:ecr:*:123456789012:repository/*");
    // No task policy: the apps call no AWS API.
    expect(find.ofType("aws:iam/rolePolicy:RolePolicy").map((r) => r.name)).to.not.include(
      "gw-web-task-policy",
    );
  });
});

describe("RegionalGateway levers", () => {
  const containersOf = (find: Find, name: string) =>
    JSON.parse(String(taskDefinition(find, name).containerDefinitions)) as Record<string, any>[];

  it("turns Container Insights on by default, its running-task alarms on RunningTaskCount", async () => {
    const find = await gateway();
    expect(find.named("gw-cluster").inputs.settings).to.deep.equal([
      { name: "containerInsights", value: "enabled" },
    ]);
    expect(find.named("gw-web-running").inputs).to.include({
      namespace: "ECS/ContainerInsights",
      metricName: "RunningTaskCount",
      statistic: "Minimum",
      comparisonOperator: "LessThanThreshold",
      threshold: 1,
      treatMissingData: "breaching",
    });
  });

  it("without Container Insights, alarms when a service sends no free CPUUtilization sample", async () => {
    const find = await gateway({ containerInsights: false });
    expect(find.named("gw-cluster").inputs.settings).to.deep.equal([
      { name: "containerInsights", value: "disabled" },
    ]);
    for (const service of ["web", "tunnel"]) {
      const alarm = find.named(`gw-${service}-running`).inputs;
      expect(alarm, service).to.include({
        namespace: "AWS/ECS",
        metricName: "CPUUtilization",
        statistic: "SampleCount",
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
        treatMissingData: "breaching",
        alarmDescription: `gw-${service}: no task running (no CPUUtilization sample), for 5 minutes`,
      });
      expect(Object.keys(alarm.dimensions).sort()).to.deep.equal(["ClusterName", "ServiceName"]);
    }
    expect(
      find.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs.namespace),
    ).not.to.include("ECS/ContainerInsights");
  });

  it("runs a fargateSpot service on FARGATE_SPOT with two minutes to stop; others on FARGATE", async () => {
    const find = await gateway({ services: [{ ...web, launch: "fargateSpot" }, tunnel] });
    expect(find.named("gw-web-service").inputs.capacityProviderStrategies).to.deep.equal([
      { capacityProvider: "FARGATE_SPOT", weight: 1 },
    ]);
    expect(containersOf(find, "gw-web-task")[0]).to.include({ stopTimeout: 120 });
    expect(find.named("gw-capacity").inputs.capacityProviders).to.include.members([
      "FARGATE",
      "FARGATE_SPOT",
    ]);
    const onDemand = await gateway();
    expect(onDemand.named("gw-web-service").inputs.capacityProviderStrategies).to.deep.equal([
      { capacityProvider: "FARGATE", weight: 1 },
    ]);
    expect(containersOf(onDemand, "gw-web-task")[0]).not.to.have.property("stopTimeout");
  });

  it("turns EC2 detailed monitoring on by default, off when asked", async () => {
    expect(template(await gateway()).monitoring).to.deep.equal({ enabled: true });
    const off = await gateway({
      ec2: { instanceType: "t4g.micro", min: 1, max: 2, detailedMonitoring: false },
    });
    expect(template(off).monitoring).to.deep.equal({ enabled: false });
    expect(template(off).instanceType).to.equal("t4g.micro");
  });

  it("refuses a Fargate service of a size Fargate does not run, naming it; EC2 ones are free", async () => {
    const error = await failureOf(
      inHomeRegion((provider) => {
        const network = new Network(
          "home",
          { cidrBlock: "10.10.0.0/16", availabilityZones: ["us-east-1a", "us-east-1b"] },
          { provider },
        );
        new RegionalGateway(
          "gw",
          {
            network,
            environment: "dev",
            loadBalancer: { allowHttp: true },
            services: [
              { ...web, memory: 1536 },
              { ...tunnel, memory: 768 },
            ],
          },
          { provider },
        );
      }),
    );
    expect(error?.message).to.equal(
      "RegionalGateway gw:\n  services.web.memory: 1536 MiB does not fit 256 CPU units (Fargate allows 512, 1024, 2048)",
    );
  });
});

describe("spokenDuration", () => {
  const cases: [number, string][] = [
    [300, "5 minutes"],
    [60, "1 minute"],
    [90, "90 seconds"],
    [3600, "60 minutes"],
  ];
  for (const [seconds, words] of cases) {
    it(`${seconds} s → ${words}`, () => expect(spokenDuration(seconds)).to.equal(words));
  }
});

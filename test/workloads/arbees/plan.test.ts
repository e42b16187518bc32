/**
 * Arbees in the whole program: both stacks through the offline engine, as `npm run plan` runs
 * them (test/plan.test.ts covers what the platform itself creates).
 */
import { expect } from "chai";
import type { PlannedResource } from "../../../engine/engine";
import { byId, describeEachStack, ofType } from "../../helpers/plan-queries";

describeEachStack(
  (stack) => `Arbees in the ${stack} stack, planned offline`,
  (s) => {
    const { stack } = s;

    const within =
      (name: string) =>
      (r: PlannedResource): boolean => {
        const parent = s.p.resources.find((c) => c.urn === r.parent);
        return parent !== undefined && (parent.name === name || within(name)(parent));
      };
    const containersOf = (task: PlannedResource) =>
      JSON.parse(String(task.inputs.containerDefinitions)) as Record<string, any>[];

    it("puts every resource of the remote gateway in eu-central-1, and the home one in us-east-1", () => {
      const remote = s.p.resources.filter((r) => r.custom && within("arbees-remote")(r));
      const home = s.p.resources.filter((r) => r.custom && within("arbees-home")(r));
      expect(remote.length).to.be.greaterThan(20);
      expect(new Set(remote.map((r) => r.region))).to.deep.equal(new Set(["eu-central-1"]));
      expect(new Set(home.map((r) => r.region))).to.deep.equal(new Set(["us-east-1"]));
    });

    it("runs the Polymarket gateway on EC2, awsvpc, behind a VPN sidecar with only NET_ADMIN and the tun device", () => {
      const task = ofType(s.p, "aws:ecs/taskDefinition:TaskDefinition").find(
        (t) => t.name === "arbees-remote-market-gateway-polymarket-task",
      )!;
      expect(task.inputs).to.deep.include({
        networkMode: "awsvpc",
        requiresCompatibilities: ["EC2"],
      });
      const [vpn, gateway] = containersOf(task);
      expect(vpn!.name).to.equal("vpn");
      expect(vpn!.linuxParameters.capabilities).to.deep.equal({ add: ["NET_ADMIN"] });
      expect(vpn!.linuxParameters.devices.map((d: any) => d.hostPath)).to.deep.equal([
        "/dev/net/tun",
      ]);
      expect(vpn!.image).to.match(
        new RegExp(
          `\\.dkr\\.ecr\\.eu-central-1\\.amazonaws\\.com/platform-${stack}/arbees/gluetun:v3\\.40\\.0$`,
        ),
      );
      expect(gateway!.dependsOn).to.deep.equal([{ containerName: "vpn", condition: "HEALTHY" }]);
      const outbound = vpn!.environment.find(
        (e: any) => e.name === "FIREWALL_OUTBOUND_SUBNETS",
      ).value;
      expect(outbound.split(",")).to.have.members([s.want.remote, s.want.home]);
      const service = ofType(s.p, "aws:ecs/service:Service").find(
        (x) => x.name === "arbees-remote-market-gateway-polymarket-service",
      )!;
      const provider = ofType(s.p, "aws:ecs/capacityProvider:CapacityProvider").find(
        within("arbees-remote"),
      )!;
      // A strategy names its capacity provider; the provider's id is its ARN.
      const named = (service.inputs.capacityProviderStrategies as any[])[0].capacityProvider;
      expect(provider.id).to.equal(
        `arn:aws:ecs:eu-central-1:123456789012:capacity-provider/${named as string}`,
      );
    });

    it("runs the EC2 capacity with IMDSv2 only and encrypted volumes, in private subnets", () => {
      const template = ofType(s.p, "aws:ec2/launchTemplate:LaunchTemplate").find(
        within("arbees-remote"),
      )!;
      expect(template.inputs.metadataOptions).to.include({ httpTokens: "required" });
      expect((template.inputs.blockDeviceMappings as any[])[0].ebs.encrypted).to.equal("true");
      const group = ofType(s.p, "aws:autoscaling/group:Group").find(within("arbees-remote"))!;
      for (const id of group.inputs.vpcZoneIdentifiers as string[]) {
        expect(byId(s.p, id)?.name, id).to.match(/^remote-private-/);
      }
    });

    it("lets Redis (6379) and PostgreSQL (5432) in from exactly the home services' group and the remote VPC", () => {
      const redisGroup = ofType(s.p, "aws:ec2/securityGroup:SecurityGroup").find(
        (g) => g.name === "arbees-redis-sg",
      )!;
      const rules = [
        ...ofType(s.p, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"),
        ...ofType(s.p, "aws:ec2/securityGroupRule:SecurityGroupRule"),
      ].filter((r) => r.inputs.securityGroupId === redisGroup.id);
      const servicesGroup = ofType(s.p, "aws:ec2/securityGroup:SecurityGroup").find(
        (g) => g.name === "arbees-home-services",
      )!;
      expect(
        rules.map((r) => [
          r.inputs.referencedSecurityGroupId ?? r.inputs.cidrIpv4,
          r.inputs.fromPort,
          r.inputs.toPort,
        ]),
      ).to.have.deep.members([
        [servicesGroup.id, 6379, 6379],
        [s.want.remote, 6379, 6379],
      ]);
      // prod: Arbees's own instance; dev: the shared one.
      const dbGroup = ofType(s.p, "aws:ec2/securityGroup:SecurityGroup").find(
        (g) => g.name === (s.stack === "prod" ? "arbees-db-sg" : "shared-db-sg"),
      )!;
      const dbRules = ofType(
        s.p,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      ).filter(
        (r) =>
          r.inputs.securityGroupId === dbGroup.id &&
          // The shared instance also admits the other workloads and its bootstrap.
          (s.stack === "prod" || r.name.startsWith("shared-db-from-arbees-db-")),
      );
      // The Polymarket gateway reads DATABASE_URL from the remote region, over the peering.
      expect(
        dbRules.map((r) => [
          r.inputs.referencedSecurityGroupId ?? r.inputs.cidrIpv4,
          r.inputs.fromPort,
          r.inputs.toPort,
        ]),
      ).to.have.deep.members([
        [servicesGroup.id, 5432, 5432],
        [s.want.remote, 5432, 5432],
      ]);
    });

    it("routes /api/* to the api on 8000 before /* to the frontend on 80", () => {
      const rule = (service: string) =>
        ofType(s.p, "aws:lb/listenerRule:ListenerRule").find(
          (r) => r.name === `arbees-home-${service}-rule`,
        )!;
      expect(rule("api").inputs.priority).to.be.below(rule("frontend").inputs.priority as number);
      expect((rule("api").inputs.conditions as any[])[0].pathPattern.values).to.deep.equal([
        "/api/*",
      ]);
      expect((rule("frontend").inputs.conditions as any[])[0].pathPattern.values).to.deep.equal([
        "/*",
      ]);
      const port = (service: string) =>
        ofType(s.p, "aws:lb/targetGroup:TargetGroup").find(
          (t) => t.name === `arbees-home-${service}-tg`,
        )!.inputs.port;
      expect([port("api"), port("frontend")]).to.deep.equal([8000, 80]);
    });

    it(
      stack === "prod"
        ? "serves HTTPS for its domain with a validated certificate on the shared listener, and redirects HTTP"
        : "serves plain HTTP on port 80 of the shared load balancer in dev",
      () => {
        const rule = ofType(s.p, "aws:lb/listenerRule:ListenerRule").find(
          (r) => r.name === "arbees-home-api-rule",
        )!;
        const listener = byId(s.p, rule.inputs.listenerArn)!;
        const lb = byId(s.p, listener.inputs.loadBalancerArn)!;
        expect(lb.name).to.equal("home-alb");
        if (stack === "prod") {
          expect(listener.inputs).to.include({ protocol: "HTTPS", port: 443 });
          const validation = ofType(
            s.p,
            "aws:acm/certificateValidation:CertificateValidation",
          ).find((v) => v.name === "home-alb-arbees-home-cert-validation")!;
          const sni = ofType(s.p, "aws:lb/listenerCertificate:ListenerCertificate").find(
            (c) => c.inputs.listenerArn === listener.id,
          )!;
          expect(sni.inputs.certificateArn).to.equal(validation.inputs.certificateArn);
          const http = ofType(s.p, "aws:lb/listener:Listener").find(
            (l) => l.inputs.loadBalancerArn === lb.id && l.inputs.protocol === "HTTP",
          )!;
          expect((http.inputs.defaultActions as any[])[0].redirect).to.include({
            protocol: "HTTPS",
            port: "443",
          });
          expect((rule.inputs.conditions as any[])[1].hostHeader.values).to.deep.equal([
            "arbees.example.com",
          ]);
        } else {
          expect(listener.inputs).to.include({ protocol: "HTTP", port: 80 });
        }
      },
    );

    it("gives every service DATABASE_URL and REDIS_URL as secrets (replicas in the remote region), never values", () => {
      const tasks = ofType(s.p, "aws:ecs/taskDefinition:TaskDefinition").filter(within("arbees"));
      expect(tasks).to.have.length(6);
      for (const task of tasks) {
        const app = containersOf(task).find((c) => c.name !== "vpn")!;
        const secrets = Object.fromEntries(app.secrets.map((x: any) => [x.name, x.valueFrom]));
        expect(Object.keys(secrets).sort(), task.name).to.deep.equal(["DATABASE_URL", "REDIS_URL"]);
        for (const arn of Object.values(secrets)) {
          expect(arn, task.name).to.match(
            new RegExp(`^arn:aws:secretsmanager:${task.region}:123456789012:secret:`),
          );
        }
        const env = JSON.stringify(app.environment);
        expect(env, task.name).not.to.match(
          /rediss?:\/\/|postgres(ql)?:\/\/|offline-random|\[secret\]/,
        );
        expect(app.environment.map((e: any) => e.name)).to.include.members([
          "POLL_INTERVAL",
          "CRUNCH_TIME_INTERVAL",
          "MARKET_DATA_TTL",
          "SYNC_DELTA_TOLERANCE",
        ]);
      }
      for (const name of ["arbees-redis-url", "arbees-db-url"]) {
        const secret = ofType(s.p, "aws:secretsmanager/secret:Secret").find(
          (x) => x.name === name,
        )!;
        expect(secret.inputs.replicas).to.deep.equal([{ region: "eu-central-1" }]);
      }
    });

    it("autoscales the strategy engine on CPU and memory", () => {
      const policies = ofType(s.p, "aws:appautoscaling/policy:Policy").filter(
        within("arbees-home"),
      );
      expect(
        policies
          .map(
            (x) =>
              (x.inputs.targetTrackingScalingPolicyConfiguration as any)
                .predefinedMetricSpecification.predefinedMetricType,
          )
          .sort(),
      ).to.deep.equal(["ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization"]);
      const target = ofType(s.p, "aws:appautoscaling/target:Target").find(within("arbees-home"))!;
      expect(target.inputs).to.include({ minCapacity: 1, maxCapacity: stack === "prod" ? 6 : 2 });
    });

    it(
      stack === "prod"
        ? "has Multi-AZ Redis with failover and a protected database"
        : "has a one-node Redis in dev",
      () => {
        const redis = ofType(s.p, "aws:elasticache/replicationGroup:ReplicationGroup").find(
          within("arbees"),
        )!;
        expect(redis.inputs).to.include({
          atRestEncryptionEnabled: true,
          transitEncryptionEnabled: true,
        });
        expect(redis.inputs.authToken).to.equal("[secret]");
        if (stack === "prod") {
          expect(redis.inputs).to.include({
            automaticFailoverEnabled: true,
            multiAzEnabled: true,
            numCacheClusters: 2,
          });
          const db = ofType(s.p, "aws:rds/instance:Instance").find(within("arbees"))!;
          expect(db.inputs.multiAz).to.be.true;
          expect((db as PlannedResource & { options: { protect: boolean } }).options.protect).to.be
            .true;
        } else {
          expect(redis.inputs).to.include({
            numCacheClusters: 1,
            automaticFailoverEnabled: false,
          });
        }
      },
    );

    it(
      stack === "prod"
        ? "runs the home services on demand, sized as sized, with Container Insights"
        : "runs the home services on Fargate Spot at 0.25 vCPU / 0.5 GB, without Container Insights",
      () => {
        const services = ofType(s.p, "aws:ecs/service:Service").filter(within("arbees-home"));
        expect(services).to.have.length(5);
        for (const service of services) {
          expect(service.inputs.capacityProviderStrategies, service.name).to.deep.equal([
            { capacityProvider: stack === "prod" ? "FARGATE" : "FARGATE_SPOT", weight: 1 },
          ]);
        }
        const sizes = Object.fromEntries(
          ofType(s.p, "aws:ecs/taskDefinition:TaskDefinition")
            .filter(within("arbees"))
            .map((t) => [
              t.name.replace(/^arbees-(home|remote)-|-task$/g, ""),
              `${String(t.inputs.cpu)}/${String(t.inputs.memory)}`,
            ]),
        );
        expect(sizes).to.deep.equal(
          stack === "prod"
            ? {
                frontend: "256/512",
                api: "512/1024",
                orchestrator: "256/512",
                "strategy-engine": "1024/2048",
                "market-gateway-kalshi": "256/512",
                "market-gateway-polymarket": "512/1024",
              }
            : {
                frontend: "256/512",
                api: "256/512",
                orchestrator: "256/512",
                "strategy-engine": "256/512",
                "market-gateway-kalshi": "256/512",
                "market-gateway-polymarket": "256/512",
              },
        );
        const spotStop = ofType(s.p, "aws:ecs/taskDefinition:TaskDefinition")
          .filter(within("arbees-home"))
          .map((t) => containersOf(t)[0]!.stopTimeout);
        expect(new Set(spotStop)).to.deep.equal(new Set([stack === "prod" ? undefined : 120]));
        for (const cluster of ofType(s.p, "aws:ecs/cluster:Cluster").filter(within("arbees"))) {
          expect(cluster.inputs.settings, cluster.name).to.deep.equal([
            { name: "containerInsights", value: stack === "prod" ? "enabled" : "disabled" },
          ]);
        }
        const running = ofType(s.p, "aws:cloudwatch/metricAlarm:MetricAlarm").filter(
          (a) => within("arbees")(a) && a.name.endsWith("-running"),
        );
        expect(running).to.have.length(6);
        for (const alarm of running) {
          expect(alarm.inputs, alarm.name).to.include(
            stack === "prod"
              ? { namespace: "ECS/ContainerInsights", metricName: "RunningTaskCount" }
              : { namespace: "AWS/ECS", metricName: "CPUUtilization", statistic: "SampleCount" },
          );
        }
      },
    );

    it(`puts the VPN host on a ${stack === "prod" ? "t4g.small, detailed monitoring on" : "t4g.micro, detailed monitoring off"}`, () => {
      const template = ofType(s.p, "aws:ec2/launchTemplate:LaunchTemplate").find(
        within("arbees-remote"),
      )!;
      expect(template.inputs).to.deep.include(
        stack === "prod"
          ? { instanceType: "t4g.small", monitoring: { enabled: true } }
          : { instanceType: "t4g.micro", monitoring: { enabled: false } },
      );
    });

    it(`runs the VPN host ${stack === "prod" ? "on demand" : "on Spot, draining on the warning"} (platform:ec2Spot)`, () => {
      const group = ofType(s.p, "aws:autoscaling/group:Group").find(within("arbees-remote"))!;
      const template = ofType(s.p, "aws:ec2/launchTemplate:LaunchTemplate").find(
        within("arbees-remote"),
      )!;
      const userData = Buffer.from(String(template.inputs.userData), "base64").toString("utf8");
      if (stack === "prod") {
        expect(group.inputs.mixedInstancesPolicy).to.equal(undefined);
        expect(group.inputs.launchTemplate).to.not.equal(undefined);
        expect(userData).to.not.include("ECS_ENABLE_SPOT_INSTANCE_DRAINING");
      } else {
        const policy = group.inputs.mixedInstancesPolicy as Record<string, any>;
        expect(group.inputs.launchTemplate).to.equal(undefined);
        expect(group.inputs.capacityRebalance).to.equal(true);
        expect(policy.instancesDistribution).to.deep.equal({
          onDemandBaseCapacity: 0,
          onDemandPercentageAboveBaseCapacity: 0,
          spotAllocationStrategy: "price-capacity-optimized",
        });
        expect(policy.launchTemplate.overrides).to.deep.equal([
          { instanceType: "t4g.micro" },
          { instanceType: "t4g.small" },
        ]);
        expect(userData).to.include("ECS_ENABLE_SPOT_INSTANCE_DRAINING=true");
      }
    });

    it("shows both clusters, the services, Redis and the VPN gateway in the summary", () => {
      expect(s.result.stdout).to.include("Cluster arbees-home-cluster (us-east-1)");
      expect(s.result.stdout).to.include("Cluster arbees-remote-cluster (eu-central-1)");
      expect(s.result.stdout).to.match(
        /arbees-remote-market-gateway-polymarket-service \(eu-central-1\): EC2 \(arbees-remote-ec2\), 1 task\(s\), sidecars: vpn/,
      );
      expect(s.result.stdout).to.match(
        stack === "prod"
          ? /arbees-home-api-service \(us-east-1\): FARGATE, \d task\(s\), ALB \/api\/\* \(priority 2010\)/
          : /arbees-home-api-service \(us-east-1\): FARGATE_SPOT, \d task\(s\), ALB \/api\/\* \(priority 2010\)/,
      );
      expect(s.result.stdout).to.match(/ReplicationGroup arbees-redis \(us-east-1\): valkey 8\.0/);
    });
  },
);

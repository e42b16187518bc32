import { expect } from "chai";
import {
  capacityFor,
  containerDefinitions,
  fargateMemoryOptions,
  fargateSizeProblem,
  rulePriorities,
  taskDefinitionArgs,
  VPN_PROXY_PORT,
  type ContainerSpec,
} from "../../components/ecs-tasks";

const base: ContainerSpec = {
  name: "api",
  image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1",
  cpu: 256,
  memory: 512,
  port: 8000,
  environment: { POLL_INTERVAL: "1.0" },
  secrets: { REDIS_URL: "arn:aws:secretsmanager:us-east-1:123456789012:secret:redis-url-AbCdEf" },
  logGroup: "/platform/ecs/api",
  region: "us-east-1",
};

const vpn = {
  image: "123456789012.dkr.ecr.eu-central-1.amazonaws.com/gluetun:v3.40.0",
  provider: "mullvad",
  serverCountries: "Netherlands",
  secretArn: "arn:aws:secretsmanager:eu-central-1:123456789012:secret:vpn-AbCdEf",
  secretKeys: ["WIREGUARD_PRIVATE_KEY", "WIREGUARD_ADDRESSES"],
  outboundSubnets: ["10.20.0.0/16", "10.10.0.0/16"],
};

describe("ecs-tasks", () => {
  describe("fargateMemoryOptions", () => {
    const cases: [number, number[]][] = [
      [256, [512, 1024, 2048]],
      [512, [1024, 2048, 3072, 4096]],
      [1024, [2048, 3072, 4096, 5120, 6144, 7168, 8192]],
      [300, []],
    ];
    for (const [cpu, want] of cases) {
      it(`${cpu} CPU units: ${want.join(", ") || "none"}`, () =>
        expect(fargateMemoryOptions(cpu)).to.deep.equal(want));
    }
    it("16 vCPU: 32 to 120 GB in steps of 8 GB", () => {
      const options = fargateMemoryOptions(16384);
      expect([options[0], options[1], options.at(-1), options.length]).to.deep.equal([
        32768, 40960, 122880, 12,
      ]);
    });
  });

  describe("fargateSizeProblem", () => {
    const cases: [number, number, string | undefined][] = [
      [256, 512, undefined],
      [256, 2048, undefined],
      [256, 1536, "1536 MiB does not fit 256 CPU units (Fargate allows 512, 1024, 2048)"],
      [256, 4096, "4096 MiB does not fit 256 CPU units (Fargate allows 512, 1024, 2048)"],
      [512, 1024, undefined],
      [512, 512, "512 MiB does not fit 512 CPU units (Fargate allows 1024, 2048, 3072, 4096)"],
      [512, 3000, "3000 MiB does not fit 512 CPU units (Fargate allows 1024, 2048, 3072, 4096)"],
      [1024, 2048, undefined],
      [1024, 8192, undefined],
      [
        1024,
        9216,
        "9216 MiB does not fit 1024 CPU units (Fargate allows 2048 to 8192 in steps of 1024)",
      ],
      [4096, 30720, undefined],
      [384, 1024, "384 CPU units is not a Fargate size (256, 512, 1024, 2048, 4096, 8192, 16384)"],
    ];
    for (const [cpu, memory, want] of cases) {
      it(`${cpu}/${memory}: ${want ?? "runs"}`, () =>
        expect(fargateSizeProblem(cpu, memory)).to.equal(want));
    }
  });

  describe("capacityFor", () => {
    const cases: [string, Parameters<typeof capacityFor>[0], string][] = [
      ["a plain service on Fargate by default", { name: "a" }, "fargate"],
      ["an explicit Fargate Spot", { name: "a", launch: "fargateSpot" }, "fargateSpot"],
      ["a VPN service on EC2", { name: "a", vpn: {} }, "ec2"],
      ["a VPN service asked on EC2", { name: "a", vpn: {}, launch: "ec2" }, "ec2"],
    ];
    for (const [title, service, want] of cases) {
      it(title, () => expect(capacityFor(service)).to.equal(want));
    }
    it("refuses a VPN service on Fargate, saying why", () => {
      expect(() => capacityFor({ name: "gw", vpn: {}, launch: "fargate" })).to.throw(
        "services.gw.launch: fargate cannot run the VPN sidecar (Fargate allows no NET_ADMIN or devices); use ec2",
      );
    });
  });

  describe("containerDefinitions", () => {
    it("gives the app the stop timeout it is given (a Spot task's two minutes), else ECS's own", () => {
      expect(containerDefinitions({ ...base, stopTimeout: 120 })[0]).to.include({
        stopTimeout: 120,
      });
      expect(containerDefinitions(base)[0]).not.to.have.property("stopTimeout");
    });
    it("gives a plain service one essential container with its port, env, secrets by reference and logs", () => {
      const [app, ...rest] = containerDefinitions(base);
      expect(rest).to.deep.equal([]);
      expect(app).to.deep.include({
        name: "api",
        essential: true,
        portMappings: [{ containerPort: 8000, protocol: "tcp" }],
        environment: [{ name: "POLL_INTERVAL", value: "1.0" }],
        secrets: [{ name: "REDIS_URL", valueFrom: base.secrets!.REDIS_URL }],
      });
      expect(app!.logConfiguration).to.deep.equal({
        logDriver: "awslogs",
        options: {
          "awslogs-group": "/platform/ecs/api",
          "awslogs-region": "us-east-1",
          "awslogs-stream-prefix": "api",
        },
      });
      expect(app).not.to.have.property("dependsOn");
      expect(JSON.stringify(app)).not.to.include("NET_ADMIN");
    });

    describe("with the VPN sidecar", () => {
      const [sidecar, app] = containerDefinitions({ ...base, vpn });

      it("adds gluetun with only NET_ADMIN and /dev/net/tun", () => {
        expect(sidecar).to.deep.include({ name: "vpn", image: vpn.image, essential: true });
        const linux = sidecar!.linuxParameters as Record<string, any>;
        expect(linux.capabilities).to.deep.equal({ add: ["NET_ADMIN"] });
        expect(linux.devices).to.deep.equal([
          {
            hostPath: "/dev/net/tun",
            containerPath: "/dev/net/tun",
            permissions: ["read", "write"],
          },
        ]);
        expect(sidecar).not.to.have.property("privileged");
      });

      it("keeps the local and home VPCs off the tunnel and serves its HTTP proxy", () => {
        expect(sidecar!.environment).to.deep.include.members([
          { name: "FIREWALL_OUTBOUND_SUBNETS", value: "10.20.0.0/16,10.10.0.0/16" },
          { name: "HTTPPROXY", value: "on" },
          { name: "HTTPPROXY_LISTENING_ADDRESS", value: `:${VPN_PROXY_PORT}` },
          { name: "VPN_SERVICE_PROVIDER", value: "mullvad" },
          { name: "VPN_TYPE", value: "wireguard" },
        ]);
      });

      it("takes the provider credentials from Secrets Manager by JSON key", () => {
        expect(sidecar!.secrets).to.deep.equal([
          { name: "WIREGUARD_ADDRESSES", valueFrom: `${vpn.secretArn}:WIREGUARD_ADDRESSES::` },
          { name: "WIREGUARD_PRIVATE_KEY", valueFrom: `${vpn.secretArn}:WIREGUARD_PRIVATE_KEY::` },
        ]);
      });

      it("has a container health check, and the gateway waits for it to be HEALTHY", () => {
        expect((sidecar!.healthCheck as { command: string[] }).command).to.deep.equal([
          "CMD",
          "/gluetun-entrypoint",
          "healthcheck",
        ]);
        expect(app!.dependsOn).to.deep.equal([{ containerName: "vpn", condition: "HEALTHY" }]);
        expect(app!.environment).to.deep.include({
          name: "HTTPS_PROXY",
          value: `http://127.0.0.1:${VPN_PROXY_PORT}`,
        });
        const noProxy = (app!.environment as { name: string; value: string }[]).find(
          (e) => e.name === "NO_PROXY",
        )!.value;
        expect(noProxy.split(",")).to.include.members(["10.20.0.0/16", "10.10.0.0/16"]);
      });
    });
  });

  describe("rulePriorities", () => {
    it("puts /api/* before the /* catch-all", () => {
      expect(
        rulePriorities([
          { service: "frontend", pathPatterns: ["/*"] },
          { service: "api", pathPatterns: ["/api/*"] },
        ]),
      ).to.deep.equal({ api: 10, frontend: 20 });
    });
    it("keeps explicit priorities and fills around them", () => {
      expect(
        rulePriorities([
          { service: "frontend", pathPatterns: ["/*"] },
          { service: "admin", pathPatterns: ["/admin/*"], priority: 10 },
          { service: "api", pathPatterns: ["/api/v1/*", "/api/*"] },
        ]),
      ).to.deep.equal({ admin: 10, api: 20, frontend: 30 });
    });
    it("orders exact paths before prefixes", () => {
      expect(
        rulePriorities([
          { service: "b", pathPatterns: ["/health*"] },
          { service: "a", pathPatterns: ["/health"] },
        ]),
      ).to.deep.equal({ a: 10, b: 20 });
    });
    it("refuses two services on one priority, naming both", () => {
      expect(() =>
        rulePriorities([
          { service: "a", pathPatterns: ["/a/*"], priority: 5 },
          { service: "b", pathPatterns: ["/b/*"], priority: 5 },
        ]),
      ).to.throw("services.b.ingress.priority 5 is also a's");
    });
    it("refuses a priority out of range", () => {
      expect(() => rulePriorities([{ service: "a", pathPatterns: ["/*"], priority: 0 }])).to.throw(
        "1 to 50000",
      );
    });
  });

  describe("taskDefinitionArgs", () => {
    const spec = {
      family: "app-dev",
      cpu: 256,
      memory: 512,
      executionRoleArn: "arn:execution",
      taskRoleArn: "arn:task",
      containerDefinitions: "[]",
    };
    const cases: [string, Parameters<typeof taskDefinitionArgs>[0], string, string][] = [
      ["Fargate on arm64 by default", { ...spec, launch: "fargate" }, "FARGATE", "ARM64"],
      [
        "Fargate Spot runs Fargate task definitions",
        { ...spec, launch: "fargateSpot" },
        "FARGATE",
        "ARM64",
      ],
      ["EC2", { ...spec, launch: "ec2" }, "EC2", "ARM64"],
      [
        "an x86 image",
        { ...spec, launch: "fargate", cpuArchitecture: "X86_64" },
        "FARGATE",
        "X86_64",
      ],
    ];
    for (const [title, given, compatibility, architecture] of cases) {
      it(title, () => {
        const args = taskDefinitionArgs(given);
        expect(args.requiresCompatibilities).to.deep.equal([compatibility]);
        expect(args.runtimePlatform).to.deep.equal({
          operatingSystemFamily: "LINUX",
          cpuArchitecture: architecture,
        });
        expect(args).to.include({ networkMode: "awsvpc", cpu: "256", memory: "512" });
      });
    }
  });
});

import { expect } from "chai";
import { Network } from "../../components/network";
import { Redis, redisProblems, type RedisArgs } from "../../components/redis";
import { RegionalGateway, type GatewayArgs } from "../../components/regional-gateway";
import { failureOf, finder, inHomeRegion, runWithMocks } from "../helpers/mock-runtime";

/** The value of an input Pulumi marked secret; fails when it is not marked. */
function secretValue(input: unknown): string {
  const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
  const wrapped = input as Record<string, unknown>;
  expect(Object.values(wrapped), "marked secret").to.include(SECRET_SIG);
  return String(wrapped.value);
}

function build(profile: "dev" | "prod", overrides: Partial<RedisArgs> = {}) {
  return inHomeRegion((provider) => {
    const network = new Network(
      "home",
      { cidrBlock: "10.10.0.0/16", availabilityZones: ["us-east-1a", "us-east-1b"] },
      { provider },
    );
    const redis = new Redis(
      "bus",
      { network, profile, secretReplicaRegions: ["eu-central-1"], ...overrides },
      { provider },
    );
    redis.allowFrom("services", "sg-0123456789abcdef0");
    redis.allowFromCidr("remote", "10.20.0.0/16");
  });
}

describe("Redis", () => {
  for (const profile of ["dev", "prod"] as const) {
    it(`${profile}: encrypted, authenticated, in isolated subnets, ${profile === "prod" ? "two nodes with failover across AZs" : "one node"}`, async () => {
      const find = finder(await runWithMocks(build(profile), { home: "us-east-1" }));
      const group = find.named("bus");
      expect(group.inputs).to.include({
        engine: "valkey",
        atRestEncryptionEnabled: true,
        transitEncryptionEnabled: true,
        port: 6379,
        nodeType: profile === "prod" ? "cache.t4g.small" : "cache.t4g.micro",
        numCacheClusters: profile === "prod" ? 2 : 1,
        automaticFailoverEnabled: profile === "prod",
        multiAzEnabled: profile === "prod",
      });
      // The token is the generated password: 48 letters and digits, which ElastiCache accepts.
      const token = find.named("bus-auth-token").state.result as string;
      expect(token).to.match(/^[A-Za-z0-9]{48}$/);
      expect(secretValue(group.inputs.authToken)).to.equal(token);
      const isolated = find
        .ofType("aws:ec2/subnet:Subnet")
        .filter((s) => s.name.includes("-isolated-"))
        .map((s) => s.id);
      expect(find.named("bus-subnets").inputs.subnetIds).to.have.members(isolated);
      expect(find.named("bus-params").inputs.family).to.equal("valkey8");
      // The URL is the one secret (it holds the token): TLS (rediss://), replicated where remote
      // services read it.
      expect(find.ofType("aws:secretsmanager/secret:Secret").map((x) => x.name)).to.deep.equal([
        "bus-url",
      ]);
      expect(find.named("bus-url").inputs.replicas).to.deep.equal([{ region: "eu-central-1" }]);
      expect(secretValue(find.named("bus-url-value").inputs.secretString)).to.equal(
        `rediss://:${token}@${group.state.primaryEndpointAddress as string}:6379`,
      );
      expect(group.state.primaryEndpointAddress).to.match(
        /^master\..+\.use1\.cache\.amazonaws\.com$/,
      );
    });
  }

  it("admits exactly the allowed group and CIDR, on 6379", async () => {
    const find = finder(await runWithMocks(build("dev"), { home: "us-east-1" }));
    const rules = find.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    expect(
      rules.map((r) => [
        r.name,
        r.inputs.referencedSecurityGroupId ?? r.inputs.cidrIpv4,
        r.inputs.fromPort,
        r.inputs.toPort,
      ]),
    ).to.deep.equal([
      ["bus-from-services", "sg-0123456789abcdef0", 6379, 6379],
      ["bus-from-remote", "10.20.0.0/16", 6379, 6379],
    ]);
  });

  it("refuses seven nodes", async () => {
    expect((await failureOf(build("dev", { nodes: 7 })))?.message).to.include(
      "nodes: must be 1 to 6",
    );
  });
});

/** A gateway of prod in a fresh home network, with `overrides`. */
function gateway(overrides: Partial<GatewayArgs>) {
  return inHomeRegion((provider) => {
    const network = new Network(
      "home",
      { cidrBlock: "10.10.0.0/16", availabilityZones: ["us-east-1a", "us-east-1b"] },
      { provider },
    );
    new RegionalGateway(
      "gw",
      { network, environment: "prod", services: [], ...overrides },
      { provider },
    );
  });
}

describe("RegionalGateway rejects bad args, naming each", () => {
  const service = { name: "api", image: "x:1", cpu: 256, memory: 512, port: 8000 };
  const cases: [string, Partial<GatewayArgs>, string][] = [
    [
      "ingress without a load balancer",
      { services: [{ ...service, ingress: { pathPatterns: ["/*"] } }] },
      "loadBalancer: required",
    ],
    [
      "plain HTTP outside dev",
      { loadBalancer: {}, services: [service] },
      "loadBalancer.domainName: required unless allowHttp",
    ],
    [
      "a domain without its zone",
      { loadBalancer: { domainName: "a.example.com" }, services: [service] },
      "loadBalancer.hostedZoneId",
    ],
    [
      "ingress without a port",
      {
        loadBalancer: { allowHttp: true },
        services: [{ ...service, port: undefined, ingress: { pathPatterns: ["/*"] } }],
      },
      "services.api.port",
    ],
    ["a service listed twice", { services: [service, service] }, "services.api: listed twice"],
    [
      "a VPN service on Fargate",
      {
        services: [
          {
            ...service,
            launch: "fargate",
            vpn: { image: "g", provider: "p", secretArn: "s", secretKeys: [] },
          },
        ],
      },
      "cannot run the VPN sidecar",
    ],
    [
      "a routed service whose target group name would pass ELB's 32 characters",
      {
        loadBalancer: { allowHttp: true },
        services: [
          { ...service, name: "market-gateway-kals", ingress: { pathPatterns: ["/api/*"] } },
        ],
      },
      'services.market-gateway-kals: with ingress, "gw-market-gateway-kals" must be at most 21',
    ],
    [
      "autoscaling with max below min",
      { services: [{ ...service, autoscaling: { min: 3, max: 2 } }] },
      "services.api.autoscaling",
    ],
  ];
  it("takes a routed service whose target group name fits exactly (24 + the 8-character suffix)", async () => {
    const fits = { ...service, name: "market-gateway-kal", ingress: { pathPatterns: ["/*"] } };
    expect(
      await failureOf(gateway({ loadBalancer: { allowHttp: true }, services: [fits] })),
    ).to.equal(undefined);
  });
  for (const [title, overrides, fragment] of cases) {
    it(title, async () => {
      expect((await failureOf(gateway(overrides)))?.message).to.include(fragment);
    });
  }
});

describe("Redis: tunables and hooks", () => {
  const cases: [string, Partial<RedisArgs>, string[]][] = [
    ["the profile's nodes", {}, []],
    ["seven nodes", { nodes: 7 }, ["nodes: must be 1 to 6"]],
    ["a fractional node", { nodes: 1.5 }, ["nodes"]],
    ["a major-only engine version", { engineVersion: "8" }, ["engineVersion"]],
  ];
  for (const [title, overrides, expected] of cases) {
    it(`redisProblems: ${title}`, () => {
      const problems = redisProblems({ network: undefined as never, ...overrides });
      expect(problems).to.have.length(expected.length);
      expected.forEach((fragment, i) => expect(problems[i]).to.include(fragment));
    });
  }

  it("takes its tunables and runs each hook over its children's args", async () => {
    const find = finder(
      await runWithMocks(
        build("dev", {
          engineVersion: "7.2",
          snapshotWindow: "03:00-04:00",
          maintenanceWindow: "sat:05:00-sat:06:00",
          transform: {
            replicationGroup: { dataTieringEnabled: true },
            parameterGroup: (a) => ({
              ...a,
              parameters: [{ name: "maxmemory-policy", value: "allkeys-lru" }],
            }),
            subnetGroup: { tags: { tier: "isolated" } },
            securityGroup: { description: "mine" },
          },
        }),
        { home: "us-east-1" },
      ),
    );
    expect(find.named("bus").inputs).to.include({
      engineVersion: "7.2",
      snapshotWindow: "03:00-04:00",
      maintenanceWindow: "sat:05:00-sat:06:00",
      dataTieringEnabled: true,
    });
    expect(find.named("bus-params").inputs.family).to.equal("valkey7");
    expect(find.named("bus-params").inputs.parameters).to.deep.equal([
      { name: "maxmemory-policy", value: "allkeys-lru" },
    ]);
    expect(find.named("bus-subnets").inputs.tags).to.deep.equal({ tier: "isolated" });
    expect(find.named("bus-sg").inputs.description).to.equal("mine");
  });
});

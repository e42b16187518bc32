import { expect } from "chai";
import * as aws from "@pulumi/aws";
import {
  Network,
  natGatewayCount,
  natGatewayIndexFor,
  natRoutes,
  resolveNetworkArgs,
  type NatTarget,
  type NatStrategy,
  type NetworkArgs,
} from "../../components/network";
import { thrown } from "../helpers/errors";
import { finder, runWithMocks, type Registered } from "../helpers/mock-runtime";

const SUBNET = "aws:ec2/subnet:Subnet";
const ROUTE = "aws:ec2/route:Route";
const ROUTE_TABLE = "aws:ec2/routeTable:RouteTable";
const NAT = "aws:ec2/natGateway:NatGateway";
const ENI = "aws:ec2/networkInterface:NetworkInterface";
const ASG = "aws:autoscaling/group:Group";

function plan(natStrategy: NatStrategy, azs = ["us-east-1a", "us-east-1b"]): Promise<Registered[]> {
  return runWithMocks(
    () => {
      const provider = new aws.Provider("home", { region: "us-east-1" });
      new Network(
        "home",
        { cidrBlock: "10.10.0.0/16", availabilityZones: azs, natStrategy },
        { provider },
      );
    },
    { home: "us-east-1" },
  );
}

describe("Network", () => {
  describe("NAT helpers", () => {
    const counts: [NatStrategy, number, number][] = [
      ["none", 3, 0],
      ["single", 3, 1],
      ["perAz", 2, 2],
      ["perAz", 4, 4],
      ["instance", 3, 0],
    ];
    for (const [strategy, azs, expected] of counts) {
      it(`${strategy} over ${azs} AZs makes ${expected} NAT gateways`, () =>
        expect(natGatewayCount(strategy, azs)).to.equal(expected));
    }
    const routes: [NatStrategy, number, number | undefined][] = [
      ["none", 1, undefined],
      ["single", 2, 0],
      ["perAz", 2, 2],
      ["instance", 1, undefined],
    ];
    for (const [strategy, az, expected] of routes) {
      it(`${strategy}: AZ ${az} routes through NAT ${String(expected)}`, () =>
        expect(natGatewayIndexFor(strategy, az)).to.equal(expected));
    }
    const gateway = (index: number): NatTarget => ({ kind: "gateway", index });
    const instance: NatTarget = { kind: "instance", index: 0 };
    const plans: [NatStrategy, number, (NatTarget | undefined)[]][] = [
      ["none", 2, [undefined, undefined]],
      ["single", 3, [gateway(0), gateway(0), gateway(0)]],
      ["perAz", 3, [gateway(0), gateway(1), gateway(2)]],
      ["instance", 2, [instance, instance]],
      ["instance", 4, [instance, instance, instance, instance]],
    ];
    for (const [strategy, azs, expected] of plans) {
      it(`${strategy} over ${azs} AZs: each private subnet's default route`, () =>
        expect(natRoutes(strategy, azs)).to.deep.equal(expected));
    }
  });

  describe("with one NAT gateway (dev)", () => {
    let resources: Registered[];
    before(async () => {
      resources = await plan("single");
    });

    it("creates a VPC with DNS support and hostnames", () => {
      expect(finder(resources).named("home-vpc").inputs).to.deep.equal({
        cidrBlock: "10.10.0.0/16",
        enableDnsSupport: true,
        enableDnsHostnames: true,
        tags: { Name: "home-vpc" },
      });
    });

    it("puts every resource on the region's provider", () => {
      expect(resources.every((r) => r.provider === "home")).to.be.true;
    });

    it("lays out public, private and isolated subnets per AZ, none mapping public IPs", () => {
      const subnets = finder(resources)
        .ofType(SUBNET)
        .map((s) => [
          s.name,
          s.inputs.cidrBlock,
          s.inputs.availabilityZone,
          s.inputs.mapPublicIpOnLaunch,
        ]);
      expect(subnets).to.have.deep.members([
        ["home-public-0", "10.10.128.0/21", "us-east-1a", false],
        ["home-public-1", "10.10.136.0/21", "us-east-1b", false],
        ["home-private-0", "10.10.0.0/19", "us-east-1a", false],
        ["home-private-1", "10.10.32.0/19", "us-east-1b", false],
        ["home-isolated-0", "10.10.160.0/21", "us-east-1a", false],
        ["home-isolated-1", "10.10.168.0/21", "us-east-1b", false],
      ]);
    });

    it("associates each subnet with its own route table", () => {
      const { named, ofType } = finder(resources);
      const associations = ofType("aws:ec2/routeTableAssociation:RouteTableAssociation");
      expect(associations).to.have.length(6);
      for (const tier of ["public", "private", "isolated"]) {
        for (const i of [0, 1]) {
          const assoc = named(`home-${tier}-rta-${i}`);
          expect(assoc.inputs.subnetId).to.equal(named(`home-${tier}-${i}`).id);
          expect(assoc.inputs.routeTableId).to.equal(named(`home-${tier}-rt-${i}`).id);
        }
      }
    });

    it("routes public subnets to the internet gateway", () => {
      const { named } = finder(resources);
      for (const i of [0, 1]) {
        expect(named(`home-public-internet-${i}`).inputs).to.deep.equal({
          routeTableId: named(`home-public-rt-${i}`).id,
          destinationCidrBlock: "0.0.0.0/0",
          gatewayId: named("home-igw").id,
        });
      }
    });

    it("makes one NAT gateway, in the first public subnet, for both private subnets", () => {
      const { named, ofType } = finder(resources);
      const nats = ofType(NAT);
      expect(nats).to.have.length(1);
      expect(nats[0]!.inputs.subnetId).to.equal(named("home-public-0").id);
      expect(nats[0]!.inputs.allocationId).to.equal(named("home-nat-eip-0").id);
      expect(named("home-nat-eip-0").inputs.domain).to.equal("vpc");
      for (const i of [0, 1]) {
        expect(named(`home-private-nat-${i}`).inputs).to.deep.equal({
          routeTableId: named(`home-private-rt-${i}`).id,
          destinationCidrBlock: "0.0.0.0/0",
          natGatewayId: nats[0]!.id,
        });
      }
    });

    it("gives isolated subnets no route out", () => {
      const { named, ofType } = finder(resources);
      const isolatedTables = [0, 1].map((i) => named(`home-isolated-rt-${i}`).id);
      expect(ofType(ROUTE).filter((r) => isolatedTables.includes(r.inputs.routeTableId))).to.be
        .empty;
    });

    it("attaches S3 and DynamoDB gateway endpoints to every private and isolated route table", () => {
      const { named, ofType } = finder(resources);
      const internal = ["private", "isolated"].flatMap((t) =>
        [0, 1].map((i) => named(`home-${t}-rt-${i}`).id),
      );
      const endpoints = ofType("aws:ec2/vpcEndpoint:VpcEndpoint");
      expect(endpoints.map((e) => e.inputs.serviceName)).to.have.members([
        "com.amazonaws.us-east-1.s3",
        "com.amazonaws.us-east-1.dynamodb",
      ]);
      for (const e of endpoints) {
        expect(e.inputs.vpcEndpointType).to.equal("Gateway");
        expect(e.inputs.vpcId).to.equal(named("home-vpc").id);
        expect(e.inputs.routeTableIds).to.have.members(internal);
      }
    });

    it("sends flow logs of all traffic to a log group with retention, through a scoped role", () => {
      const { named } = finder(resources);
      const group = named("home-flow-logs");
      const role = named("home-flow-logs-role");
      expect(group.inputs.retentionInDays).to.equal(14);
      expect(named("home-flow-log").inputs).to.deep.include({
        vpcId: named("home-vpc").id,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: group.state.arn,
        iamRoleArn: role.state.arn,
        maxAggregationInterval: 600,
      });
      expect(JSON.parse(role.inputs.assumeRolePolicy)).to.deep.equal({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "vpc-flow-logs.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: {
              StringEquals: { "aws:SourceAccount": "123456789012" },
              ArnLike: { "aws:SourceArn": "arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/*" },
            },
          },
        ],
      });
      const policy = JSON.parse(named("home-flow-logs-policy").inputs.policy);
      expect(policy.Statement).to.have.length(1);
      expect(policy.Statement[0].Resource).to.deep.equal([group.state.arn, `${group.state.arn}:*`]);
      expect(policy.Statement[0].Action).to.not.include("logs:*");
    });

    it("strips every rule from the default security group", () => {
      const sg = finder(resources).named("home-default-sg");
      expect(sg.inputs.ingress).to.deep.equal([]);
      expect(sg.inputs.egress).to.deep.equal([]);
    });
  });

  it("makes one NAT gateway per AZ with perAz, each AZ routing through its own", async () => {
    const resources = await plan("perAz", ["us-east-1a", "us-east-1b", "us-east-1c"]);
    const { named, ofType } = finder(resources);
    expect(ofType(NAT)).to.have.length(3);
    expect(ofType(ROUTE_TABLE)).to.have.length(9);
    for (const i of [0, 1, 2]) {
      expect(named(`home-nat-${i}`).inputs.subnetId).to.equal(named(`home-public-${i}`).id);
      expect(named(`home-private-nat-${i}`).inputs.natGatewayId).to.equal(
        named(`home-nat-${i}`).id,
      );
    }
  });

  it("makes no NAT gateway and no private default route with none", async () => {
    const resources = await plan("none");
    const { ofType } = finder(resources);
    expect(ofType(NAT)).to.be.empty;
    expect(ofType("aws:ec2/eip:Eip")).to.be.empty;
    expect(ofType(ROUTE).map((r) => r.name)).to.have.members([
      "home-public-internet-0",
      "home-public-internet-1",
    ]);
  });

  describe("validates its args before creating anything", () => {
    const cases: [string, () => void, RegExp][] = [
      [
        "a CIDR outside the layout",
        () =>
          new Network("n", {
            cidrBlock: "10.0.0.0/26",
            availabilityZones: ["us-east-1a", "us-east-1b"],
          }),
        /Network n: cidrBlock 10\.0\.0\.0\/26 is a \/26/,
      ],
      [
        "one AZ",
        () => new Network("n", { cidrBlock: "10.0.0.0/16", availabilityZones: ["us-east-1a"] }),
        /Network n: availabilityZones must list 2 to 4 AZs, got 1/,
      ],
      [
        "an unknown NAT strategy",
        () =>
          new Network("n", {
            cidrBlock: "10.0.0.0/16",
            availabilityZones: ["us-east-1a", "us-east-1b"],
            natStrategy: "perRegion" as NatStrategy,
          }),
        /Network n: natStrategy must be none, single, perAz, instance, not perRegion/,
      ],
    ];
    for (const [what, build, message] of cases) {
      it(`refuses ${what}`, async () => {
        let error: Error | undefined;
        const resources = await runWithMocks(() => {
          error = thrown(build);
        });
        expect(error?.message).to.match(message);
        expect(resources).to.be.empty;
      });
    }
  });

  describe("with a NAT instance (natStrategy instance)", () => {
    // Planned in each test, not in a before hook: Stryker's per-test coverage credits a hook's
    // code to no test of this block, and its mutants would run against other tests only.
    const planned = () => plan("instance", ["us-east-1a", "us-east-1b", "us-east-1c"]);

    it("makes no NAT gateway and no Elastic IP", async () => {
      const { ofType } = finder(await planned());
      expect(ofType(NAT)).to.be.empty;
      expect(ofType("aws:ec2/eip:Eip")).to.be.empty;
    });

    it("names the instance's resources after the network, in the network's region", async () => {
      const resources = await planned();
      const { named } = finder(resources);
      expect(named("home-nat-eni").type).to.equal(ENI);
      expect(resources.filter((r) => r.type === ASG).map((r) => r.name)).to.deep.equal([
        "home-nat",
      ]);
      // Every child, the NAT instance's included, is created with the network's provider.
      expect(resources.filter((r) => r.provider !== "home").map((r) => r.name)).to.deep.equal([]);
    });

    it("puts one forwarding interface and a group of one in the first public subnet", async () => {
      const { named, ofType } = finder(await planned());
      const [eni, ...more] = ofType(ENI);
      expect(more).to.be.empty;
      expect(eni!.inputs).to.include({
        subnetId: named("home-public-0").id,
        sourceDestCheck: false,
      });
      const [group] = ofType(ASG);
      expect(group!.inputs).to.include({ minSize: 1, maxSize: 1 });
      expect(group!.inputs.vpcZoneIdentifiers).to.deep.equal([named("home-public-0").id]);
    });

    it("points every private subnet's default route at the interface", async () => {
      const { named, ofType } = finder(await planned());
      const eni = ofType(ENI)[0]!;
      for (const i of [0, 1, 2]) {
        expect(named(`home-private-nat-${i}`).inputs).to.deep.equal({
          routeTableId: named(`home-private-rt-${i}`).id,
          destinationCidrBlock: "0.0.0.0/0",
          networkInterfaceId: eni.id,
        });
      }
    });
  });

  describe("resolveNetworkArgs", () => {
    const base = { cidrBlock: "10.10.0.0/16", availabilityZones: ["us-east-1a", "us-east-1b"] };
    const cases: [string, Partial<NetworkArgs>, Record<string, unknown> | string][] = [
      ["defaults", {}, { natStrategy: "single" }],
      ["one AZ", { availabilityZones: ["us-east-1a"] }, "availabilityZones must list 2 to 4"],
      ["a block too small", { cidrBlock: "10.10.0.0/28" }, "cidrBlock"],
      ["an unknown strategy", { natStrategy: "two" as NatStrategy }, "natStrategy"],
      ["a NAT instance", { natStrategy: "instance" }, { natStrategy: "instance" }],
    ];
    for (const [title, overrides, expected] of cases) {
      it(title, () => {
        const resolved = resolveNetworkArgs({ ...base, ...overrides });
        if (typeof expected === "string") {
          expect(resolved).to.have.property("problem").that.includes(expected);
        } else {
          expect(resolved).to.include(expected);
        }
      });
    }
    it("keeps today's flow log and endpoint defaults", () => {
      const resolved = resolveNetworkArgs(base);
      expect(resolved).to.deep.include({
        flowLogs: { retentionInDays: 14, trafficType: "ALL", maxAggregationInterval: 600 },
        gatewayEndpoints: ["s3", "dynamodb"],
      });
    });
  });

  describe("privateEgress: what a call out of a private subnet waits for", () => {
    const kinds: [NatStrategy, string[]][] = [
      ["single", ["NatGateway", "Route", "Route"]],
      ["perAz", ["NatGateway", "NatGateway", "Route", "Route"]],
      ["instance", ["Group", "Route", "Route"]],
      ["none", []],
    ];
    for (const [strategy, expected] of kinds) {
      it(`${strategy}: ${expected.length > 0 ? expected.join(", ") : "nothing"}`, async () => {
        let network: Network | undefined;
        await runWithMocks(() => {
          network = new Network("n", {
            cidrBlock: "10.10.0.0/16",
            availabilityZones: ["us-east-1a", "us-east-1b"],
            natStrategy: strategy,
          });
        });
        const kind = (r: object) =>
          aws.ec2.NatGateway.isInstance(r)
            ? "NatGateway"
            : aws.ec2.Route.isInstance(r)
              ? "Route"
              : aws.autoscaling.Group.isInstance(r)
                ? "Group"
                : "other";
        expect(network!.privateEgress.map(kind)).to.deep.equal(expected);
        if (strategy === "instance")
          expect(network!.privateEgress[0]).to.equal(network!.natInstance!.autoScalingGroup);
      });
    }
  });

  it("takes its tunables and runs each hook over its children's args", async () => {
    const find = finder(
      await runWithMocks(() => {
        new Network("net", {
          cidrBlock: "10.30.0.0/16",
          availabilityZones: ["us-east-1a", "us-east-1b"],
          flowLogs: { retentionInDays: 90, trafficType: "REJECT", maxAggregationInterval: 60 },
          gatewayEndpoints: ["s3"],
          transform: {
            vpc: { instanceTenancy: "default" },
            subnet: (a, _o, name) => {
              if (name === "net-isolated-1") a.tags = { custom: "yes" };
            },
            routeTable: { propagatingVgws: [] },
            natGateway: { connectivityType: "public" },
            gatewayEndpoint: { policy: "{}" },
            flowLog: { logFormat: "${srcaddr} ${dstaddr}" },
            flowLogGroup: { logGroupClass: "INFREQUENT_ACCESS" },
          },
        });
      }),
    );
    expect(find.named("net-vpc").inputs.instanceTenancy).to.equal("default");
    expect(find.named("net-isolated-1").inputs.tags).to.deep.equal({ custom: "yes" });
    expect(find.named("net-isolated-0").inputs.tags).to.include({ "platform:tier": "isolated" });
    expect(find.named("net-private-rt-0").inputs.propagatingVgws).to.deep.equal([]);
    expect(find.named("net-nat-0").inputs.connectivityType).to.equal("public");
    expect(find.ofType("aws:ec2/vpcEndpoint:VpcEndpoint").map((e) => e.name)).to.deep.equal([
      "net-s3-endpoint",
    ]);
    expect(find.named("net-s3-endpoint").inputs.policy).to.equal("{}");
    expect(find.named("net-flow-log").inputs).to.include({
      trafficType: "REJECT",
      maxAggregationInterval: 60,
      logFormat: "${srcaddr} ${dstaddr}",
    });
    expect(find.named("net-flow-logs").inputs).to.include({
      retentionInDays: 90,
      logGroupClass: "INFREQUENT_ACCESS",
    });
  });
});

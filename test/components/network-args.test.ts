import { expect } from "chai";
import {
  NAT_STRATEGIES,
  natGatewayCount,
  natGatewayIndexFor,
  resolveNetworkArgs,
  type NatStrategy,
  type NetworkArgs,
} from "../../components/network";

const base: NetworkArgs = {
  cidrBlock: "10.10.0.0/16",
  availabilityZones: ["us-east-1a", "us-east-1b"],
};

describe("Network args", () => {
  describe("resolveNetworkArgs", () => {
    it("fills every default and plans the subnets", () => {
      expect(resolveNetworkArgs(base)).to.deep.equal({
        layout: [
          {
            index: 0,
            private: "10.10.0.0/19",
            public: "10.10.128.0/21",
            isolated: "10.10.160.0/21",
          },
          {
            index: 1,
            private: "10.10.32.0/19",
            public: "10.10.136.0/21",
            isolated: "10.10.168.0/21",
          },
        ],
        natStrategy: "single",
        flowLogs: { retentionInDays: 14, trafficType: "ALL", maxAggregationInterval: 600 },
        gatewayEndpoints: ["s3", "dynamodb"],
      });
    });

    it("keeps what the caller sets", () => {
      const resolved = resolveNetworkArgs({
        ...base,
        natStrategy: "none",
        flowLogs: { retentionInDays: 90, trafficType: "REJECT", maxAggregationInterval: 60 },
        gatewayEndpoints: [],
      });
      expect(resolved).to.deep.include({
        natStrategy: "none",
        flowLogs: { retentionInDays: 90, trafficType: "REJECT", maxAggregationInterval: 60 },
        gatewayEndpoints: [],
      });
    });

    it("fills each flow log setting the caller leaves out", () => {
      expect(resolveNetworkArgs({ ...base, flowLogs: { trafficType: "ACCEPT" } })).to.deep.include({
        flowLogs: { retentionInDays: 14, trafficType: "ACCEPT", maxAggregationInterval: 600 },
      });
    });

    for (const strategy of NAT_STRATEGIES) {
      it(`accepts natStrategy ${strategy}`, () =>
        expect(resolveNetworkArgs({ ...base, natStrategy: strategy })).to.include({
          natStrategy: strategy,
        }));
    }

    const azs = (n: number) => ["a", "b", "c", "d", "e"].slice(0, n).map((l) => `us-east-1${l}`);
    for (const n of [2, 3, 4]) {
      it(`lays out ${n} AZs`, () => {
        const resolved = resolveNetworkArgs({ ...base, availabilityZones: azs(n) });
        expect(resolved).to.have.property("layout").with.length(n);
      });
    }

    const problems: [string, Partial<NetworkArgs>, string | RegExp][] = [
      ["one AZ", { availabilityZones: azs(1) }, "availabilityZones must list 2 to 4 AZs, got 1"],
      ["five AZs", { availabilityZones: azs(5) }, "availabilityZones must list 2 to 4 AZs, got 5"],
      ["no AZ", { availabilityZones: [] }, "availabilityZones must list 2 to 4 AZs, got 0"],
      [
        "a /24",
        { cidrBlock: "10.10.0.0/24" },
        "cidrBlock 10.10.0.0/24 is a /24; the VPC prefix must be /16 to /23",
      ],
      [
        "a malformed block",
        { cidrBlock: "10.10.0.0" },
        'cidrBlock "10.10.0.0" is not an IPv4 CIDR block like 10.0.0.0/16',
      ],
      [
        "an unknown NAT strategy",
        { natStrategy: "two" as NatStrategy },
        /^natStrategy must be [a-zA-Z, ]+, not two$/,
      ],
    ];
    for (const [what, overrides, expected] of problems) {
      it(`names the arg for ${what}`, () => {
        const resolved = resolveNetworkArgs({ ...base, ...overrides });
        expect(resolved).to.have.all.keys("problem");
        const { problem } = resolved as { problem: string };
        if (typeof expected === "string") expect(problem).to.equal(expected);
        else expect(problem).to.match(expected);
      });
    }
  });

  describe("NAT helpers", () => {
    const cases: [NatStrategy, number, number, (number | undefined)[]][] = [
      // strategy, AZs, gateways, the gateway each AZ's private subnet routes through
      ["none", 2, 0, [undefined, undefined]],
      ["single", 2, 1, [0, 0]],
      ["single", 4, 1, [0, 0, 0, 0]],
      ["perAz", 2, 2, [0, 1]],
      ["perAz", 4, 4, [0, 1, 2, 3]],
    ];
    for (const [strategy, azs, count, routes] of cases) {
      it(`${strategy} over ${azs} AZs: ${count} gateways, routes ${JSON.stringify(routes)}`, () => {
        expect(natGatewayCount(strategy, azs)).to.equal(count);
        expect(routes.map((_, az) => natGatewayIndexFor(strategy, az))).to.deep.equal(routes);
      });
    }
  });
});

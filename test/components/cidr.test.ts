import { expect } from "chai";
import fc from "fast-check";
import {
  MAX_AZS,
  MAX_VPC_PREFIX,
  MIN_AZS,
  MIN_VPC_PREFIX,
  cidrContains,
  cidrsOverlap,
  formatCidr,
  isPrivateCidr,
  parseCidr,
  planSubnets,
  subBlock,
} from "../../components/cidr";

describe("cidr", () => {
  describe("parseCidr", () => {
    const valid: [string, number, number][] = [
      ["10.0.0.0/16", 10 * 2 ** 24, 16],
      ["192.168.4.0/22", 192 * 2 ** 24 + 168 * 2 ** 16 + 4 * 256, 22],
      ["0.0.0.0/0", 0, 0],
      ["255.255.255.255/32", 2 ** 32 - 1, 32],
      ["172.31.255.0/24", 172 * 2 ** 24 + 31 * 2 ** 16 + 255 * 256, 24],
    ];
    for (const [text, network, prefix] of valid) {
      it(`parses ${text}`, () => {
        expect(parseCidr(text)).to.deep.equal({ network, prefix });
        expect(formatCidr(parseCidr(text))).to.equal(text);
      });
    }

    const invalid: [string, RegExp][] = [
      ["10.0.0/16", /not an IPv4 CIDR/],
      ["10.0.0.0", /not an IPv4 CIDR/],
      ["10.0.0.256/24", /octet above 255/],
      ["10.0.0.0/33", /prefix above \/32/],
      ["10.0.1.0/16", /host bits set; the block starting there is 10\.0\.0\.0\/16/],
      ["ten.0.0.0/8", /not an IPv4 CIDR/],
      ["1000.0.0.0/8", /not an IPv4 CIDR/],
      ["10.0.0.0/100", /not an IPv4 CIDR/],
      ["x10.0.0.0/8", /not an IPv4 CIDR/],
      ["10.0.0.0/8x", /not an IPv4 CIDR/],
      ["256.0.0.0/8", /octet above 255/],
    ];
    for (const [text, message] of invalid) {
      it(`rejects ${text}`, () => expect(() => parseCidr(text)).to.throw(message));
    }

    it("quotes the text it rejects, and the block a host address belongs to", () => {
      expect(() => parseCidr("10.0.0/16")).to.throw(
        '"10.0.0/16" is not an IPv4 CIDR block like 10.0.0.0/16',
      );
      expect(() => parseCidr("10.0.0.256/24")).to.throw('"10.0.0.256/24" has an octet above 255');
      expect(() => parseCidr("10.0.0.0/33")).to.throw('"10.0.0.0/33" has a prefix above /32');
      expect(() => parseCidr("10.0.1.7/24")).to.throw(
        '"10.0.1.7/24" has host bits set; the block starting there is 10.0.1.0/24',
      );
    });

    it("ignores surrounding whitespace", () => {
      expect(parseCidr(" 10.0.0.0/16\n")).to.deep.equal({ network: 10 * 2 ** 24, prefix: 16 });
    });
  });

  describe("relations", () => {
    const cases: [string, string, boolean, boolean][] = [
      // a, b, overlap, a contains b
      ["10.0.0.0/16", "10.0.128.0/17", true, true],
      ["10.0.0.0/16", "10.1.0.0/16", false, false],
      ["10.0.0.0/8", "10.200.0.0/16", true, true],
      ["10.0.128.0/17", "10.0.0.0/16", true, false],
      ["10.0.0.0/24", "10.0.1.0/24", false, false],
      ["10.0.0.0/24", "10.0.0.255/32", true, true],
      ["10.0.0.0/24", "10.0.0.0/24", true, true],
      ["10.0.0.0/24", "10.0.0.0/23", true, false],
      ["10.0.1.0/24", "10.0.0.255/32", false, false],
      ["10.0.1.0/24", "10.0.2.0/32", false, false],
      ["10.0.2.0/23", "10.0.1.0/24", false, false],
    ];
    for (const [a, b, overlap, contains] of cases) {
      it(`${a} vs ${b}: overlap ${overlap}, contains ${contains}`, () => {
        expect(cidrsOverlap(parseCidr(a), parseCidr(b))).to.equal(overlap);
        expect(cidrsOverlap(parseCidr(b), parseCidr(a))).to.equal(overlap);
        expect(cidrContains(parseCidr(a), parseCidr(b))).to.equal(contains);
      });
    }

    const privacy: [string, boolean][] = [
      ["10.20.0.0/16", true],
      ["172.16.0.0/12", true],
      ["172.32.0.0/16", false],
      ["192.168.10.0/24", true],
      ["100.64.0.0/16", false],
      ["8.8.8.0/24", false],
      ["10.0.0.0/8", true],
      ["10.0.0.0/7", false],
      ["11.0.0.0/16", false],
      ["172.31.255.0/24", true],
      ["172.15.0.0/16", false],
      ["192.168.0.0/15", false],
      ["192.169.0.0/16", false],
    ];
    for (const [cidr, expected] of privacy) {
      it(`${cidr} is ${expected ? "" : "not "}RFC 1918`, () =>
        expect(isPrivateCidr(parseCidr(cidr))).to.equal(expected));
    }

    it("subBlock counts from the parent's start and refuses out-of-range indexes", () => {
      const vpc = parseCidr("10.0.0.0/16");
      expect(formatCidr(subBlock(vpc, 20, 0))).to.equal("10.0.0.0/20");
      expect(formatCidr(subBlock(vpc, 20, 15))).to.equal("10.0.240.0/20");
      expect(() => subBlock(vpc, 20, 16)).to.throw(/has 16 \/20 blocks; index 16 is out of range/);
      expect(() => subBlock(vpc, 8, 0)).to.throw(/does not fit/);
    });

    it("subBlock takes the parent's own prefix and /32, and nothing beyond", () => {
      const vpc = parseCidr("10.0.0.0/16");
      expect(formatCidr(subBlock(vpc, 16, 0))).to.equal("10.0.0.0/16");
      expect(formatCidr(subBlock(vpc, 32, 2 ** 16 - 1))).to.equal("10.0.255.255/32");
      expect(() => subBlock(vpc, 15, 0)).to.throw("a /15 block does not fit in 10.0.0.0/16");
      expect(() => subBlock(vpc, 33, 0)).to.throw("a /33 block does not fit in 10.0.0.0/16");
    });

    it("subBlock refuses an index below 0 or not whole", () => {
      const vpc = parseCidr("10.0.0.0/16");
      expect(() => subBlock(vpc, 20, -1)).to.throw(
        "10.0.0.0/16 has 16 /20 blocks; index -1 is out of range",
      );
      expect(() => subBlock(vpc, 20, 1.5)).to.throw(
        "10.0.0.0/16 has 16 /20 blocks; index 1.5 is out of range",
      );
    });
  });

  describe("planSubnets", () => {
    it("lays out a /16 over two AZs", () => {
      expect(planSubnets("10.10.0.0/16", 2)).to.deep.equal([
        { index: 0, private: "10.10.0.0/19", public: "10.10.128.0/21", isolated: "10.10.160.0/21" },
        {
          index: 1,
          private: "10.10.32.0/19",
          public: "10.10.136.0/21",
          isolated: "10.10.168.0/21",
        },
      ]);
    });

    it("lays out a /20 over three AZs", () => {
      expect(planSubnets("172.16.16.0/20", 3)).to.deep.equal([
        {
          index: 0,
          private: "172.16.16.0/23",
          public: "172.16.24.0/25",
          isolated: "172.16.26.0/25",
        },
        {
          index: 1,
          private: "172.16.18.0/23",
          public: "172.16.24.128/25",
          isolated: "172.16.26.128/25",
        },
        {
          index: 2,
          private: "172.16.20.0/23",
          public: "172.16.25.0/25",
          isolated: "172.16.27.0/25",
        },
      ]);
    });

    it("lays out a /23 over four AZs, down to /28 subnets", () => {
      expect(planSubnets("10.0.2.0/23", 4)).to.deep.equal([
        { index: 0, private: "10.0.2.0/26", public: "10.0.3.0/28", isolated: "10.0.3.64/28" },
        { index: 1, private: "10.0.2.64/26", public: "10.0.3.16/28", isolated: "10.0.3.80/28" },
        { index: 2, private: "10.0.2.128/26", public: "10.0.3.32/28", isolated: "10.0.3.96/28" },
        { index: 3, private: "10.0.2.192/26", public: "10.0.3.48/28", isolated: "10.0.3.112/28" },
      ]);
    });

    it("keeps existing subnets when an AZ is added", () => {
      const two = planSubnets("10.0.0.0/16", 2);
      const three = planSubnets("10.0.0.0/16", 3);
      expect(three.slice(0, 2)).to.deep.equal(two);
    });

    const refused: [string, number, RegExp][] = [
      ["10.0.0.0/15", 2, /must be \/16 to \/23/],
      ["10.0.0.0/24", 2, /must be \/16 to \/23/],
      ["10.0.0.0/16", 1, /AZ count must be a whole number from 2 to 4, not 1/],
      ["10.0.0.0/16", 5, /AZ count must be a whole number from 2 to 4, not 5/],
      ["10.0.0.0/16", 2.5, /AZ count/],
      ["10.0.0.0/15", 2, /^10\.0\.0\.0\/15 is a \/15; the VPC prefix must be \/16 to \/23$/],
      ["10.0.0.0/16", 0, /^the AZ count must be a whole number from 2 to 4, not 0$/],
    ];
    for (const [cidr, azs, message] of refused) {
      it(`refuses ${cidr} with ${azs} AZs`, () =>
        expect(() => planSubnets(cidr, azs)).to.throw(message));
    }

    it("never overlaps and stays inside the VPC (property)", () => {
      const vpcCidr = fc
        .tuple(
          fc.integer({ min: MIN_VPC_PREFIX, max: MAX_VPC_PREFIX }),
          fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        )
        .map(([prefix, address]) => {
          const size = 2 ** (32 - prefix);
          return formatCidr({ network: address - (address % size), prefix });
        });
      fc.assert(
        fc.property(vpcCidr, fc.integer({ min: MIN_AZS, max: MAX_AZS }), (cidr, azs) => {
          const vpc = parseCidr(cidr);
          const subnets = planSubnets(cidr, azs)
            .flatMap((s) => [s.public, s.private, s.isolated])
            .map(parseCidr);
          expect(subnets).to.have.length(azs * 3);
          for (const s of subnets) {
            expect(cidrContains(vpc, s), `${formatCidr(s)} inside ${cidr}`).to.be.true;
            expect(s.prefix).to.be.at.most(28, "AWS's smallest subnet is a /28");
          }
          subnets.forEach((a, i) =>
            subnets.slice(i + 1).forEach((b) => {
              expect(cidrsOverlap(a, b), `${formatCidr(a)} and ${formatCidr(b)}`).to.be.false;
            }),
          );
        }),
        { numRuns: 500 },
      );
    });
  });
});

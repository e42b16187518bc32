import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadPrices, parsePrices, PRICES_FILE, PriceTableError } from "../../engine/cost/prices";
import { thrown } from "../helpers/errors";

const minimal = () => ({
  asOf: "2026-11-25",
  currency: "USD",
  hoursPerMonth: 730,
  regions: ["us-east-1", "eu-central-1"],
  sources: ["test"],
  items: { "nat.hour": { unit: "gateway-hour", description: "NAT Gateway" } },
  prices: [
    { item: "nat.hour", region: "us-east-1", price: 0.045, confidence: "high" },
    { item: "nat.hour", region: "eu-central-1", price: 0.052, confidence: "high" },
  ],
});

/** The problems parsing `json` reports; fails the test when it parses. */
const problemsOf = (json: unknown): string[] => {
  const error = thrown(() => parsePrices(json));
  expect(error).to.be.instanceOf(PriceTableError);
  return (error as PriceTableError).problems;
};

describe("cost: the price table", () => {
  const table = loadPrices();

  it("carries its as-of date, sources and both regions", () => {
    expect(table.asOf).to.match(/^\d{4}-\d{2}-\d{2}$/);
    expect(table.sources).to.not.be.empty;
    expect(table.regions).to.deep.equal(["us-east-1", "eu-central-1"]);
    expect(table.hoursPerMonth).to.equal(730);
  });

  // Spot checks against the reference price facts.
  const facts: [string, string, number][] = [
    ["nat.hour", "us-east-1", 0.045],
    ["nat.hour", "eu-central-1", 0.052],
    ["ipv4.hour", "eu-central-1", 0.005],
    ["alb.hour", "eu-central-1", 0.027],
    ["fargate.arm64.vcpu-hour", "us-east-1", 0.03238],
    ["fargate.x86.gb-hour", "eu-central-1", 0.00511],
    ["rds:postgres:db.t4g.micro:single-az", "us-east-1", 0.016],
    ["rds:postgres:db.t4g.medium:multi-az", "eu-central-1", 0.149],
    ["elasticache:valkey:cache.t4g.micro", "us-east-1", 0.0128],
    ["elasticache:redis:cache.t4g.small", "eu-central-1", 0.036],
    ["lambda.arm64.gb-second", "us-east-1", 0.0000133334],
    ["apigw.rest.million", "eu-central-1", 3.7],
    ["dynamodb.pitr.gb-month", "eu-central-1", 0.2448],
    ["logs.ingest.gb", "eu-central-1", 0.63],
    ["ec2:t4g.small", "eu-central-1", 0.0192],
  ];
  for (const [item, region, price] of facts) {
    it(`prices ${item} in ${region} at $${price}`, () => {
      expect(table.get(item, region)?.price).to.equal(price);
    });
  }

  it("keeps the reference's not-confirmed marks", () => {
    for (const [item, region] of [
      ["alb.lcu-hour", "eu-central-1"],
      ["rds.gp3.gb-month", "eu-central-1"],
      ["rds.backup.gb-month", "eu-central-1"],
      ["scheduler.million", "eu-central-1"],
      ["fargate-spot.arm64.vcpu-hour", "eu-central-1"],
    ] as const) {
      expect(table.get(item, region)?.notConfirmed, `${item} ${region}`).to.equal(true);
    }
    expect(table.get("alb.lcu-hour", "us-east-1")?.notConfirmed).to.equal(false);
  });

  it("holds no free tier to apply: an item declaring one is refused", () => {
    const withFreeTier = minimal();
    const items = withFreeTier.items as Record<string, Record<string, unknown>>;
    items["nat.hour"] = { ...items["nat.hour"], freePerMonth: 750 };
    expect(problemsOf(withFreeTier).join("\n")).to.match(/freePerMonth/);
  });

  it("answers undefined for an item or region it does not price", () => {
    expect(table.get("nat.hour", "ap-south-1")).to.equal(undefined);
    expect(table.get("ec2:m7g.24xlarge", "us-east-1")).to.equal(undefined);
  });

  it("accepts a minimal valid table", () => {
    expect(parsePrices(minimal()).get("nat.hour", "eu-central-1")?.price).to.equal(0.052);
  });

  const broken: [string, (t: ReturnType<typeof minimal>) => unknown, RegExp][] = [
    [
      "a region without a price",
      (t) => ({ ...t, prices: t.prices.slice(0, 1) }),
      /nat.hour: no price in eu-central-1/,
    ],
    [
      "a row priced twice",
      (t) => ({ ...t, prices: [...t.prices, t.prices[0]] }),
      /prices\[2\].*priced twice/,
    ],
    [
      "a row of an undeclared item",
      (t) => ({ ...t, prices: [...t.prices, { ...t.prices[0]!, item: "nat.gb" }] }),
      /nat.gb in us-east-1\): unknown item/,
    ],
    [
      "a row of an unlisted region",
      (t) => ({ ...t, prices: [...t.prices, { ...t.prices[0]!, region: "ap-south-1" }] }),
      /region not in regions/,
    ],
    [
      "a low-confidence price without a mark",
      (t) => ({ ...t, prices: [t.prices[0], { ...t.prices[1]!, confidence: "low" }] }),
      /needs notConfirmed/,
    ],
    [
      "a negative price",
      (t) => ({ ...t, prices: [t.prices[0], { ...t.prices[1]!, price: -1 }] }),
      /prices.1.price/,
    ],
    ["a missing as-of date", (t) => ({ ...t, asOf: undefined }), /asOf/],
    ["an unknown field", (t) => ({ ...t, extra: 1 }), /extra/],
  ];
  for (const [what, breakIt, message] of broken) {
    it(`refuses ${what}, naming the row`, () => {
      const problems = problemsOf(breakIt(minimal()));
      expect(problems.join("\n")).to.match(message);
    });
  }

  it("lists every problem in its message, one a line, under its own name", () => {
    const error = thrown(() => parsePrices({ ...minimal(), prices: [] }));
    expect(error.name).to.equal("PriceTableError");
    expect(error.message).to.equal(
      "Invalid price table (2 problem(s)):\n" +
        "  - items.nat.hour: no price in us-east-1\n" +
        "  - items.nat.hour: no price in eu-central-1",
    );
  });

  it("names a problem with the whole table (not an object) (root)", () => {
    for (const notATable of [null, "prices", 42]) {
      const problems = problemsOf(notATable);
      expect(problems, String(notATable)).to.have.length(1);
      expect(problems[0], String(notATable)).to.match(/^\(root\): \S/);
    }
  });

  const lowConfidence: [string, Record<string, unknown>, boolean][] = [
    // the low-confidence row's marks, accepted
    ["a note saying why", { note: "from the console" }, true],
    ["notConfirmed", { notConfirmed: true }, true],
    ["notConfirmed and a note", { notConfirmed: true, note: "guess" }, true],
    ["notConfirmed: false and no note", { notConfirmed: false }, false],
    ["no mark", {}, false],
  ];
  for (const [marks, extra, accepted] of lowConfidence) {
    it(`${accepted ? "accepts" : "refuses"} a low-confidence price with ${marks}`, () => {
      const t = minimal();
      const json = {
        ...t,
        prices: [t.prices[0], { ...t.prices[1]!, confidence: "low", ...extra }],
      };
      if (accepted) {
        expect(parsePrices(json).get("nat.hour", "eu-central-1")?.price).to.equal(0.052);
      } else {
        expect(problemsOf(json)).to.deep.equal([
          "prices[1] (nat.hour in eu-central-1): a low-confidence price needs notConfirmed or a note saying why",
        ]);
      }
    });
  }

  it("reads another file afresh, and the project's file once", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "prices-")), "prices.json");
    const t = minimal();
    fs.writeFileSync(
      file,
      JSON.stringify({
        ...t,
        asOf: "2020-01-31",
        prices: [t.prices[0], { ...t.prices[1]!, price: 0.5 }],
      }),
    );
    const other = loadPrices(file);
    expect(other.asOf).to.equal("2020-01-31");
    expect(other.get("nat.hour", "eu-central-1")?.price).to.equal(0.5);
    expect(loadPrices(file)).to.not.equal(other);
    expect(loadPrices()).to.equal(loadPrices(PRICES_FILE));
    expect(loadPrices().asOf).to.not.equal("2020-01-31");
    fs.rmSync(path.dirname(file), { recursive: true });
  });
});

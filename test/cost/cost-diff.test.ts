/** The cost change of a pull request: two estimates of one stack in, the changed rows out. */
import { expect } from "chai";
import { costDiff, HALF_A_CENT, type EstimateTotals } from "../../engine/cost-diff";

type Item = EstimateTotals["items"][number];

const item = (name: string, monthly: number, over: Partial<Item> = {}): Item => ({
  name,
  type: "aws:ec2/natGateway:NatGateway",
  region: "us-east-1",
  workload: "home",
  monthly,
  ...over,
});

/** An estimate of these items, its totals summed from them as estimateCost sums them. */
function estimate(...items: Item[]): EstimateTotals {
  const byWorkload: Record<string, number> = {};
  for (const i of items) byWorkload[i.workload] = (byWorkload[i.workload] ?? 0) + i.monthly;
  return { total: items.reduce((sum, i) => sum + i.monthly, 0), byWorkload, items };
}

describe("cost: the change between two estimates", () => {
  const nat = item("home-nat-0", 33.3);
  const alb = item("arbees-alb", 26.65, {
    type: "aws:lb/loadBalancer:LoadBalancer",
    workload: "arbees",
  });

  const cases: [string, EstimateTotals, EstimateTotals, [string, string, number, number][]][] = [
    ["a resource added", estimate(nat), estimate(nat, alb), [["added", "arbees-alb", 0, 26.65]]],
    [
      "a resource removed",
      estimate(nat, alb),
      estimate(nat),
      [["removed", "arbees-alb", 26.65, 0]],
    ],
    [
      "a resource whose price changed",
      estimate(nat),
      estimate({ ...nat, monthly: 38.48 }),
      [["changed", "home-nat-0", 33.3, 38.48]],
    ],
    ["nothing changed", estimate(nat, alb), estimate(nat, alb), []],
    [
      "a change under half a cent rounds to $0.00: not a change",
      estimate(nat),
      estimate({ ...nat, monthly: 33.304 }),
      [],
    ],
    [
      "float noise from summing in another order is not a change",
      estimate(item("a", 0.1), item("b", 0.2)),
      estimate(item("a", 0.1 + 0.2 - 0.2), item("b", 0.2)),
      [],
    ],
    [
      "a resource moved to another component (same type, name, region) is the same resource",
      estimate(nat),
      estimate({ ...nat, workload: "network" }),
      [],
    ],
    [
      "the same name in another region is another resource",
      estimate(nat),
      estimate({ ...nat, region: "eu-central-1", monthly: 38.48 }),
      [
        ["added", "home-nat-0", 0, 38.48],
        ["removed", "home-nat-0", 33.3, 0],
      ],
    ],
  ];
  for (const [what, base, head, rows] of cases) {
    it(what, () => {
      const diff = costDiff(base, head);
      expect(diff.resources.map((r) => [r.change, r.name, r.base, r.head])).to.deep.equal(rows);
      for (const r of diff.resources) expect(r.delta).to.be.closeTo(r.head - r.base, 1e-12);
    });
  }

  it("sorts resources by the size of their change, additions and removals alike", () => {
    const diff = costDiff(
      estimate(nat, alb, item("small", 1)),
      estimate({ ...nat, monthly: 3.3 }, item("small", 2), item("big", 50)),
    );
    expect(diff.resources.map((r) => [r.name, Math.round(r.delta * 100) / 100])).to.deep.equal([
      ["big", 50],
      ["home-nat-0", -30],
      ["arbees-alb", -26.65],
      ["small", 1],
    ]);
  });

  it("totals and workloads: base, head and the difference, changed workloads only", () => {
    const cluster = item("cluster", 41.53, { type: "aws:ecs/cluster:Cluster", workload: "arbees" });
    const diff = costDiff(
      estimate(nat, alb, cluster),
      estimate(nat, alb, item("quickbets-alb", 26.65, { workload: "quickbets" })),
    );
    expect(diff.base).to.be.closeTo(33.3 + 26.65 + 41.53, 1e-9);
    expect(diff.head).to.be.closeTo(33.3 + 26.65 + 26.65, 1e-9);
    expect(diff.delta).to.be.closeTo(26.65 - 41.53, 1e-9);
    expect(diff.workloads.map((w) => [w.workload, w.base, w.head])).to.deep.equal([
      ["arbees", 26.65 + 41.53, 26.65],
      ["quickbets", 0, 26.65],
    ]);
    expect(diff.workloads[0]!.delta).to.be.closeTo(-41.53, 1e-9);
  });

  describe("half a cent, the smallest change (it prints as $0.01)", () => {
    it("is 0.005 USD a month", () => expect(HALF_A_CENT).to.equal(0.005));
    const cases: [string, number, boolean][] = [
      ["exactly half a cent more", 0.005, true],
      ["exactly half a cent less", -0.005, true],
      ["just under half a cent", 0.0049, false],
      ["just under half a cent less", -0.0049, false],
    ];
    for (const [what, delta, counted] of cases) {
      it(`${what}: ${counted ? "a change" : "no change"}, for a resource and its workload`, () => {
        // From or to nothing, so the difference is exactly `delta` (1.005 - 1 is not).
        const [from, to] = delta > 0 ? [0, delta] : [-delta, 0];
        const diff = costDiff(estimate(item("a", from)), estimate(item("a", to)));
        expect(diff.resources.map((r) => r.name)).to.deep.equal(counted ? ["a"] : []);
        expect(diff.workloads.map((w) => w.workload)).to.deep.equal(counted ? ["home"] : []);
      });
    }
    it("an added or removed resource under half a cent is no change", () => {
      expect(costDiff(estimate(), estimate(item("tiny", 0.004))).resources).to.deep.equal([]);
      expect(costDiff(estimate(item("tiny", 0.004)), estimate()).resources).to.deep.equal([]);
    });
  });

  it("gives every field of a row: head's workload, base's for a removal", () => {
    const moved = item("moved", 10, { workload: "old" });
    const gone = item("gone", 4, { type: "aws:ec2/eip:Eip", region: "eu-central-1" });
    const diff = costDiff(
      estimate(moved, gone),
      estimate({ ...moved, workload: "new", monthly: 12 }),
    );
    expect(diff.resources).to.deep.equal([
      {
        change: "removed",
        name: "gone",
        type: "aws:ec2/eip:Eip",
        region: "eu-central-1",
        workload: "home",
        base: 4,
        head: 0,
        delta: -4,
      },
      {
        change: "changed",
        name: "moved",
        type: "aws:ec2/natGateway:NatGateway",
        region: "us-east-1",
        workload: "new",
        base: 10,
        head: 12,
        delta: 2,
      },
    ]);
    expect(diff.workloads).to.deep.equal([
      { workload: "new", base: 0, head: 12, delta: 12 },
      { workload: "old", base: 10, head: 0, delta: -10 },
      { workload: "home", base: 4, head: 0, delta: -4 },
    ]);
  });

  it("orders equal changes by type, name and region, and workloads by name", () => {
    const diff = costDiff(
      estimate(),
      estimate(
        item("b", 5, { workload: "y" }),
        item("a", 5, { region: "us-west-2", workload: "x" }),
        item("a", 5, { workload: "z" }),
        item("c", 5, { type: "aws:ec2/eip:Eip", workload: "w" }),
      ),
    );
    expect(
      diff.resources.map((r) => `${r.type.split(":")[1]} ${r.name}@${r.region}`),
    ).to.deep.equal([
      "ec2/eip c@us-east-1",
      "ec2/natGateway a@us-east-1",
      "ec2/natGateway a@us-west-2",
      "ec2/natGateway b@us-east-1",
    ]);
    expect(diff.workloads.map((w) => w.workload)).to.deep.equal(["w", "x", "y", "z"]);
  });
});

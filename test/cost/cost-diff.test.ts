/** The cost change of a pull request: two estimates of one stack in, the changed rows out. */
import { expect } from "chai";
import { costDiff, type EstimateTotals } from "../../engine/cost-diff";

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
});

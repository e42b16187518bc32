import { expect } from "chai";
import {
  figure,
  figuresTable,
  interleaved,
  median,
  meets,
  parseOpensslSpeed,
  percentile,
} from "../tools/bench";

describe("bench helpers", () => {
  it("median of odd and even counts", () => {
    expect(median([3, 1, 2])).to.equal(2);
    expect(median([4, 1, 3, 2])).to.equal(2.5);
  });

  it("percentile by nearest rank", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 99)).to.equal(99);
    expect(percentile(values, 50)).to.equal(50);
    expect(percentile([5], 99)).to.equal(5);
  });

  it("alternates the two sides of a comparison and pairs them run by run", () => {
    const calls: string[] = [];
    let n = 0;
    const result = interleaved(
      3,
      () => (calls.push("a"), ++n),
      () => (calls.push("b"), 10 * n),
      (a, b) => b / a,
    );
    expect(calls.join("")).to.equal("ababab");
    expect(result.a).to.deep.equal([1, 2, 3]);
    expect(result.b).to.deep.equal([10, 20, 30]);
    expect(result.ratios).to.deep.equal([10, 10, 10]);
  });

  it("reads sign/s from openssl speed's rsa 2048 row", () => {
    const output = [
      "                  sign    verify    sign/s verify/s",
      "rsa 2048 bits 0.000245s 0.000007s   4081.6 142857.1",
    ].join("\n");
    expect(parseOpensslSpeed(output)).to.equal(4081.6);
    expect(() => parseOpensslSpeed("nothing")).to.throw("rsa 2048 row");
  });

  it("judges targets both ways", () => {
    const fast = figure("f", "load", "ms", [10, 20, 30], { target: { op: "<", limit: 150 } });
    expect(fast).to.include({ median: 20, min: 10, max: 30, runs: 3 });
    expect(meets(fast)).to.be.true;
    expect(meets(figure("f", "load", "ms", [200], { target: { op: "<", limit: 150 } }))).to.be
      .false;
    expect(meets(figure("s", "ratio", "%", [79.9], { target: { op: ">=", limit: 80 } }))).to.be
      .false;
    expect(meets(figure("s", "ratio", "%", [80], { target: { op: ">=", limit: 80 } }))).to.be.true;
    expect(meets(figure("p", "plan", "s", [5]))).to.be.true;
  });

  it("prints one Markdown row per figure, marking a missed target", () => {
    const table = figuresTable([
      figure("sign.ts", "bundle size", "KB", [55.1], { target: { op: "<", limit: 150 } }),
      figure("plan", "dev", "s", [7, 6, 8]),
      figure("sign.ts", "load", "ms", [151], { target: { op: "<", limit: 150 } }),
    ]);
    const rows = table.split("\n");
    expect(rows).to.have.length(5);
    expect(rows[2]).to.equal(
      "| sign.ts | bundle size | 55.10 KB | 55.10–55.10 |  | 1 | < 150 KB | yes |  |",
    );
    expect(rows[3]).to.include("| 7.00 s | 6.00–8.00 |");
    expect(rows[4]).to.include("| **no** |");
  });
});

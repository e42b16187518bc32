import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stackCostAssumptions as costAssumptions } from "../../engine/cost";
import { StackFileError } from "../../engine/stack-files";
import { comparePlans } from "../../tools/plan-compare";

const bucket = (name: string, inputs: object, custom = true) => ({
  type: "aws:s3/bucket:Bucket",
  name,
  custom,
  region: "us-east-1",
  inputs,
  options: { protect: false },
});

describe("tools: plan:compare tells a refactor from a change", () => {
  const before = { resources: [bucket("logs", { acl: "private" })], outputs: { a: 1 } };

  const cases: [string, object, Record<string, string>, string[]][] = [
    ["the same plan", before, {}, []],
    [
      "a component regrouped (not custom): ignored",
      { ...before, resources: [...before.resources, bucket("group", {}, false)] },
      {},
      [],
    ],
    [
      "an input changed",
      { ...before, resources: [bucket("logs", { acl: "public-read" })] },
      {},
      ['~ aws:s3/bucket:Bucket::logs inputs: acl "private" → "public-read"'],
    ],
    [
      "a resource renamed without saying so",
      { ...before, resources: [bucket("access-logs", { acl: "private" })] },
      {},
      ["- aws:s3/bucket:Bucket::logs is gone", "+ aws:s3/bucket:Bucket::access-logs is new"],
    ],
    [
      "a resource renamed on purpose",
      { ...before, resources: [bucket("access-logs", { acl: "private" })] },
      { "aws:s3/bucket:Bucket::logs": "aws:s3/bucket:Bucket::access-logs" },
      [],
    ],
    ["an output dropped", { ...before, outputs: {} }, {}, ["~ outputs: gone [a], new []"]],
  ];
  for (const [title, after, renames, expected] of cases) {
    it(title, () => {
      expect(comparePlans(before, after as never, renames)).to.deep.equal(expected);
    });
  }
});

describe("tools: the cost assumptions are the engine's own stack-file key", () => {
  function project(stackConfig: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cost-key-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: platform\nruntime: nodejs\n");
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), `config:\n${stackConfig}`);
    return dir;
  }

  it("reads cost:assumptions and fills in the defaults", () => {
    const dir = project("  cost:assumptions:\n    apiRequestsPerMonth:\n      default: 5\n");
    const assumptions = costAssumptions(dir, "dev");
    expect(assumptions?.apiRequestsPerMonth).to.deep.equal({ default: 5, byName: {} });
  });

  it("is undefined when the stack sets none", () => {
    expect(costAssumptions(project("  aws:region: us-east-1\n"), "dev")).to.equal(undefined);
  });

  it("names the key of a bad value", () => {
    const dir = project("  cost:assumptions:\n    apiRequestsPerMonth:\n      default: -1\n");
    expect(() => costAssumptions(dir, "dev"))
      .to.throw(StackFileError)
      .with.property("message")
      .that.matches(/cost:assumptions\.apiRequestsPerMonth\.default/);
  });
});

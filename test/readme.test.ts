import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { SECTION as COST, costTable } from "../tools/cost-docs";
import type { CostEstimate } from "../engine/cost";
import { section, tableCells } from "../tools/generated-docs";
import { linkTargets } from "./helpers/docs";
import { cachedPlan } from "./helpers/plan-cli";

const root = path.resolve(__dirname, "..");
const read = (...parts: string[]) => fs.readFileSync(path.join(root, ...parts), "utf8");
const readme = read("README.md");

describe("README", () => {
  it("gives the two commands that work on a fresh machine", () => {
    expect(readme).to.include("npm ci && npm run plan -- --stack dev");
    expect(readme).to.include("npm ci && npm test");
  });

  it("documents the policy pack command for each stack", () => {
    for (const stack of ["dev", "prod"]) {
      expect(readme).to.include(
        `pulumi preview --policy-pack policy --policy-pack-config policy/${stack}.json`,
      );
    }
  });

  it("lists every workload once, linked to its runbook", () => {
    const workloads = fs
      .readdirSync(path.join(root, "workloads"), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    const rows = readme.split("\n").filter((line) => /^\| \[[^\]]+\]\(workloads\//.test(line));
    const linked = rows.map((row) => /\(workloads\/([^/]+)\/README\.md\)/.exec(row)?.[1]).sort();
    expect(linked).to.deep.equal(workloads);
  });

  it("stays an entry page: at most 150 lines, linking the docs index", () => {
    expect(readme.trimEnd().split("\n")).to.have.length.of.at.most(150);
    expect(linkTargets(readme)).to.include("docs/README.md");
  });
});

describe("generated docs", () => {
  it("docs/cost.md publishes the dev and prod estimates the plans compute", async () => {
    const [dev, prod] = await Promise.all([cachedPlan("dev"), cachedPlan("prod")]);
    const cost = (run: typeof dev) => (run.plan as unknown as { cost: CostEstimate }).cost;
    expect(tableCells(section(read("docs", "cost.md"), COST)), "run `npm run docs`").to.deep.equal(
      tableCells(costTable(cost(dev), cost(prod))),
    );
  });
});

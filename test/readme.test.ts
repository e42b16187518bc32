import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { rules } from "../policy/rules";
import { SECTION as CONFIG, configReference } from "../tools/config-docs";
import { SECTION as COST, costTable } from "../tools/cost-docs";
import type { CostEstimate } from "../engine/cost";
import { section, tableCells } from "../tools/generated-docs";
import { SECTION as POLICY, policyTable } from "../tools/policy-docs";
import { cachedPlan } from "./helpers/plan-cli";

const root = path.resolve(__dirname, "..");
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
const policyReadme = fs.readFileSync(path.join(root, "policy", "README.md"), "utf8");

describe("README", () => {
  it("holds the configuration reference the schema generates", () => {
    expect(tableCells(section(readme, CONFIG)), "run `npm run docs`").to.deep.equal(
      tableCells(configReference()),
    );
  });

  it("publishes the dev and prod cost estimates the plans compute", async () => {
    const [dev, prod] = await Promise.all([cachedPlan("dev"), cachedPlan("prod")]);
    const cost = (run: typeof dev) => (run.plan as unknown as { cost: CostEstimate }).cost;
    expect(tableCells(section(readme, COST)), "run `npm run docs`").to.deep.equal(
      tableCells(costTable(cost(dev), cost(prod))),
    );
  });

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
});

describe("policy/README.md", () => {
  it("holds the table of rules the rule modules generate", () => {
    expect(tableCells(section(policyReadme, POLICY)), "run `npm run docs`").to.deep.equal(
      tableCells(policyTable()),
    );
  });

  it("lists every rule", () => {
    for (const rule of rules) expect(policyReadme).to.include(`\`${rule.name}\``);
  });
});

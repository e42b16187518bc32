/**
 * The finance API at the old guide's three traffic levels (10K, 100K, 1M requests a month), from the
 * real prod plan: the function, API and WAF charges hand-computed from the price table, and the
 * table the finance API's runbook (workloads/finance-api/README.md) publishes beside the old guide's $0.75 / $4.35 / $31.50.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import type { Plan } from "../../engine/engine";
import { estimateCost, loadPrices } from "../../engine/cost";
import { section, tableCells } from "../../tools/generated-docs";
import {
  financeCostRows,
  financeCostTable,
  financeTraffic,
  OLD_GUIDE_COST,
  PER_REQUEST,
  SECTION,
} from "../../tools/finance-cost-docs";
import { cachedPlan, root } from "../helpers/plan-cli";

describe("cost: the finance API at the old guide's traffic levels", function () {
  this.timeout(300_000);
  let plan: Plan;
  const prices = loadPrices();
  const price = (item: string) => prices.get(item, "us-east-1")!.price;

  before(async () => {
    const run = await cachedPlan("prod");
    expect(run.code, run.stderr).to.equal(0);
    plan = run.plan!;
  });

  for (const [requests, published] of OLD_GUIDE_COST) {
    it(`prices ${requests.toLocaleString("en-US")} requests by hand (old guide: $${published})`, () => {
      const items = estimateCost(plan, financeTraffic(requests)).items;
      const monthly = (name: string) => items.find((i) => i.name === name)!.monthly;
      const seconds = PER_REQUEST.durationMs / 1000;
      // 1024 MB arm64: requests plus GB-seconds.
      expect(monthly("finance-api-fn")).to.be.closeTo(
        (requests / 1e6) * price("lambda.requests.million") +
          requests * 1 * seconds * price("lambda.arm64.gb-second"),
        1e-9,
      );
      expect(monthly("finance-api-api")).to.be.closeTo(
        (requests / 1e6) * price("apigw.rest.million"),
        1e-9,
      );
      // The web ACL, its four rules, and every request the API gets.
      expect(monthly("finance-api-waf")).to.be.closeTo(
        price("waf.web-acl-month") +
          4 * price("waf.rule-month") +
          (requests / 1e6) * price("waf.requests.million"),
        1e-9,
      );
    });
  }

  it("publishes the table npm run docs writes into workloads/finance-api/README.md", () => {
    const rows = financeCostRows(plan);
    const doc = fs.readFileSync(path.join(root, "workloads", "finance-api", "README.md"), "utf8");
    expect(tableCells(section(doc, SECTION))).to.deep.equal(tableCells(financeCostTable(rows)));
    // Cheaper than published where it matches the old system (arm64, 1 s), never cheaper as built
    // than its own parts.
    for (const row of rows) {
      expect(row.comparable).to.be.below(row.published);
      expect(row.asBuilt).to.be.above(row.comparable);
    }
  });
});

import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { architectureDiagram } from "../engine/diagram";
import type { Plan } from "../engine/engine";
import { cachedPlan, root } from "./helpers/plan-cli";

describe("the architecture diagram", () => {
  let diagram: string;
  before(async () => {
    const run = await cachedPlan("prod");
    expect(run.code, run.stderr).to.equal(0);
    diagram = architectureDiagram(run.plan as Plan);
  });

  it("docs/architecture.md is the prod plan's diagram (regenerate with npm run docs)", () => {
    const committed = fs.readFileSync(path.join(root, "docs", "architecture.md"), "utf8");
    expect(committed, "docs/architecture.md is stale: run npm run docs").to.equal(diagram);
  });

  it("draws both regions with their VPCs, joined by the peering", () => {
    expect(diagram).to.include('subgraph us_east_1["us-east-1 · VPC 10.110.0.0/16"]');
    expect(diagram).to.include('subgraph eu_central_1["eu-central-1 · VPC 10.120.0.0/16"]');
    expect(diagram).to.include('us_east_1 <-. "VPC peering" .-> eu_central_1');
  });

  it("groups every workload's entry points, compute and data", () => {
    for (const workload of ["quickbets", "alpha-kite", "fred-jobs", "arbees"]) {
      expect(diagram).to.include(`["${workload}"]`);
    }
    expect(diagram).to.include('quickbets_api(["REST API quickbets"])');
    expect(diagram).to.include(
      'alpha_kite_streamer_schedules(["Scheduler: 3 schedule(s), America/New_York"])',
    );
    expect(diagram).to.include('fred_jobs_db[("RDS PostgreSQL fred-jobs-db")]');
    expect(diagram).to.include('arbees_redis_url{{"secret arbees-redis-url"}}');
  });

  it("draws the flows the resources' inputs say exist", () => {
    for (const edge of [
      'alpha_kite_streamer_schedules -->|"every minute"| alpha_kite_streamer_fn',
      "quickbets_api --> quickbets_sign_fn",
      "quickbets_launch_fn --> quickbets_sessions",
      'quickbets_task_states -->|"task state"| quickbets_lifecycle_fn',
      'home_alb -->|"/api/*"| arbees_home_api_service',
      'home_alb -->|"/*"| arbees_home_frontend_service',
      'arbees_home_api_service -->|"6379"| arbees_redis',
      'arbees_remote_market_gateway_polymarket_service -->|"6379 over the peering"| arbees_redis',
      "fred_jobs_fn --> fred_jobs_uploads",
      "alpha_kite_streamer_fn --> alpha_kite_schwab_token",
    ]) {
      expect(diagram).to.include(edge);
    }
  });

  it("only links nodes it declares", () => {
    const body = diagram.slice(diagram.indexOf("```mermaid"), diagram.lastIndexOf("```"));
    const declared = new Set([...body.matchAll(/^\s+(\w+)[[({]/gm)].map((m) => m[1]));
    const edges = [...body.matchAll(/^\s+(\w+) --> (?:\|"[^"]*"\| )?(\w+)$/gm)];
    const labelled = [...body.matchAll(/^\s+(\w+) -->\|"[^"]*"\| (\w+)$/gm)];
    expect(edges.length + labelled.length).to.be.greaterThan(30);
    for (const [, from, to] of [...edges, ...labelled]) {
      expect(declared.has(from), from).to.be.true;
      expect(declared.has(to), to).to.be.true;
    }
  });
});

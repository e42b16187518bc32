import { expect } from "chai";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { estimateCost, usd } from "../../engine/cost";
import { MARKER, run, signedUsd, upsertComment } from "../../tools/pr-comment";
import { rejection } from "../helpers/errors";
import { planOf, type Spec } from "../helpers/plan-builder";

interface Call {
  method: string;
  url: string;
  auth: string | undefined;
  body?: { body: string };
}

/** GitHub's issue comments API, in memory: what a pull request's comments are. */
async function fakeGitHub(comments: { id: number; body: string }[]) {
  const calls: Call[] = [];
  let nextId = 1000;
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      const call: Call = { method: req.method!, url: req.url!, auth: req.headers.authorization };
      if (raw) call.body = JSON.parse(raw) as { body: string };
      calls.push(call);
      res.setHeader("Content-Type", "application/json");
      const list = /^\/repos\/acme\/platform\/issues\/7\/comments\?per_page=100&page=(\d+)$/.exec(
        req.url!,
      );
      const one = /^\/repos\/acme\/platform\/issues\/comments\/(\d+)$/.exec(req.url!);
      if (req.method === "GET" && list) {
        const page = Number(list[1]);
        res.end(JSON.stringify(comments.slice((page - 1) * 100, page * 100)));
      } else if (req.method === "POST" && req.url === "/repos/acme/platform/issues/7/comments") {
        const created = { id: nextId++, body: call.body!.body };
        comments.push(created);
        res.writeHead(201).end(JSON.stringify(created));
      } else if (req.method === "PATCH" && one) {
        const comment = comments.find((c) => c.id === Number(one[1]));
        if (!comment) return void res.writeHead(404).end("{}");
        comment.body = call.body!.body;
        res.end(JSON.stringify(comment));
      } else {
        res.writeHead(403).end(JSON.stringify({ message: "forbidden" }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, calls, comments, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe("pr-comment", () => {
  const options = (apiUrl: string, body: string) => ({
    apiUrl,
    repository: "acme/platform",
    token: "test-token",
    pr: 7,
    body,
  });

  it("creates the report comment once, then updates it on the next push", async () => {
    const gh = await fakeGitHub([
      { id: 1, body: "a reviewer's comment" },
      { id: 2, body: "<!-- pulumi -->preview" },
    ]);
    try {
      const first = await upsertComment(options(gh.url, "cost $292"));
      expect(first.action).to.equal("created");
      const second = await upsertComment(options(gh.url, "cost $300"));
      expect(second).to.deep.equal({ action: "updated", id: first.id });
      expect(gh.comments.map((c) => c.body)).to.deep.equal([
        "a reviewer's comment",
        "<!-- pulumi -->preview",
        `${MARKER}\ncost $300`,
      ]);
      expect(gh.calls.every((c) => c.auth === "Bearer test-token")).to.be.true;
    } finally {
      await gh.close();
    }
  });

  it("finds its comment beyond the first page", async () => {
    const many = Array.from({ length: 150 }, (_, i) => ({ id: i + 1, body: `comment ${i}` }));
    many[120] = { id: 121, body: `${MARKER}\nold` };
    const gh = await fakeGitHub(many);
    try {
      expect(await upsertComment(options(gh.url, "new"))).to.deep.equal({
        action: "updated",
        id: 121,
      });
    } finally {
      await gh.close();
    }
  });

  it("names GitHub's answer when it refuses", async () => {
    const gh = await fakeGitHub([]);
    try {
      const failure = await rejection(
        upsertComment({
          ...options(gh.url, "x"),
          repository: "other/repo",
        }),
      );
      expect(failure.message).to.match(
        /GitHub answered 403 to GET \/repos\/other\/repo\/issues\/7\/comments/,
      );
    } finally {
      await gh.close();
    }
  });

  describe("the cost change of each stack", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "pr-comment-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const nat: Spec = { type: "aws:ec2/natGateway:NatGateway", name: "home-nat-0" };
    const alb = (name: string): Spec => ({
      type: "aws:lb/loadBalancer:LoadBalancer",
      name,
      inputs: { loadBalancerType: "application", subnets: ["a", "b"] },
    });
    const cluster = (insights: string): Spec => ({
      type: "aws:ecs/cluster:Cluster",
      name: "arbees-cluster",
      inputs: { settings: [{ name: "containerInsights", value: insights }] },
    });
    const services: Spec[] = [
      {
        type: "aws:ecs/taskDefinition:TaskDefinition",
        name: "api-task",
        inputs: { family: "api", cpu: "256", memory: "512", requiresCompatibilities: ["FARGATE"] },
      },
      {
        type: "aws:ecs/service:Service",
        name: "api-service",
        inputs: { desiredCount: 1, launchType: "FARGATE" },
        deps: { cluster: ["arbees-cluster"], taskDefinition: ["api-task"] },
      },
    ];
    /** A plan file as `npm run plan -- --json` writes it: the plan, then its estimate. */
    const planFile = (name: string, specs: Spec[] | "no-cost") => {
      const file = path.join(dir, name);
      const plan = planOf(specs === "no-cost" ? [nat] : specs);
      const json = specs === "no-cost" ? plan : { ...plan, cost: estimateCost(plan) };
      fs.writeFileSync(file, JSON.stringify(json));
      return file;
    };
    const report = (name: string, text: string) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      return file;
    };
    const env = (apiUrl: string) => ({
      GITHUB_TOKEN: "test-token",
      GITHUB_REPOSITORY: "acme/platform",
      GITHUB_API_URL: apiUrl,
      GITHUB_BASE_REF: "main",
    });
    const quiet = { log: () => {}, error: () => {} };

    it("posts each stack's totals, workload changes and resources by size of change, then the reports", async () => {
      const devBase = [nat, alb("arbees-alb"), cluster("enabled"), ...services];
      const devHead = [
        nat,
        alb("arbees-alb"),
        cluster("disabled"),
        ...services,
        alb("quickbets-alb"),
      ];
      const files = {
        devBase: planFile("plan-dev-base.json", devBase),
        devHead: planFile("plan-dev.json", devHead),
        prodBase: planFile("plan-prod-base.json", [nat]),
        prodHead: planFile("plan-prod.json", [nat]),
      };
      const gh = await fakeGitHub([]);
      try {
        const code = await run(
          [
            "--pr",
            "7",
            "--file",
            report("plan-dev.md", "## Offline plan of `dev`"),
            "--file",
            report("plan-prod.md", "## Offline plan of `prod`"),
            "--cost",
            `dev:${files.devBase}:${files.devHead}`,
            "--cost",
            `prod:${files.prodBase}:${files.prodHead}`,
          ],
          env(gh.url),
          quiet,
        );
        expect(code).to.equal(0);
        const body = gh.comments[0]!.body;
        const base = estimateCost(planOf(devBase));
        const head = estimateCost(planOf(devHead));
        const clusterCost = base.items.find((i) => i.name === "arbees-cluster")!.monthly;
        const albCost = head.items.find((i) => i.name === "quickbets-alb")!.monthly;
        const [costs, devReport, prodReport] = body.split("\n\n---\n\n");
        expect(costs).to.include(MARKER);
        expect(devReport).to.equal("## Offline plan of `dev`");
        expect(prodReport).to.equal("## Offline plan of `prod`");
        const lines = costs!.split("\n");
        const heading = (stack: string) =>
          lines.find((l) => l.startsWith(`### Cost of \`${stack}\``));
        expect(heading("dev")).to.include(
          `${usd(base.total)} → ${usd(head.total)} a month, ${signedUsd(head.total - base.total)}`,
        );
        expect(heading("prod")).to.include("$33.30 → $33.30 a month, $0.00");
        expect(costs).to.include("No change to the monthly cost against `main`.");
        // Workloads: planOf's resources belong to the stack itself.
        expect(lines).to.include(
          `| stack | ${usd(base.total)} | ${usd(head.total)} | ${signedUsd(head.total - base.total)} |`,
        );
        // Resources: the larger change first, each with its amounts; unchanged ones left out.
        const rows = lines.filter((l) => l.startsWith("| `"));
        expect(rows).to.deep.equal(
          [
            [
              `| \`arbees-cluster\` | \`Cluster\` | us-east-1 | stack | ${usd(clusterCost)} | — | ${signedUsd(-clusterCost)} removed |`,
              clusterCost,
            ],
            [
              `| \`quickbets-alb\` | \`LoadBalancer\` | us-east-1 | stack | — | ${usd(albCost)} | ${signedUsd(albCost)} added |`,
              albCost,
            ],
          ]
            .sort((a, b) => (b[1] as number) - (a[1] as number))
            .map(([row]) => row),
        );
        expect(costs).to.not.include("home-nat-0");
      } finally {
        await gh.close();
      }
    });

    const baseFailures: [string, (head: string) => string, RegExp][] = [
      [
        "the base's plan did not run",
        () => path.join(dir, "missing.json"),
        /No comparison with `main`: its plan did not run to the end\./,
      ],
      [
        "the base predates the estimate in --json",
        () => planFile("old.json", "no-cost"),
        /No comparison with `main`: its plan has no cost estimate/,
      ],
    ];
    for (const [what, baseFile, message] of baseFailures) {
      it(`says so and shows the head's estimate alone when ${what}`, async () => {
        const head = planFile("plan-dev.json", [nat, alb("arbees-alb")]);
        const gh = await fakeGitHub([]);
        try {
          const code = await run(
            [
              "--pr",
              "7",
              "--file",
              report("r.md", "report"),
              "--cost",
              `dev:${baseFile(head)}:${head}`,
            ],
            env(gh.url),
            quiet,
          );
          expect(code).to.equal(0);
          const body = gh.comments[0]!.body;
          const total = estimateCost(planOf([nat, alb("arbees-alb")])).total;
          expect(body).to.include(`### Cost of \`dev\`: ${usd(total)} a month\n`);
          expect(body).to.match(message);
          expect(body).to.include(`| **total** | **${usd(total)}** |`);
        } finally {
          await gh.close();
        }
      });
    }

    it("refuses a malformed --cost without calling GitHub", async () => {
      const gh = await fakeGitHub([]);
      const errors: string[] = [];
      try {
        const code = await run(
          ["--pr", "7", "--file", report("r.md", "report"), "--cost", "dev:only-one.json"],
          env(gh.url),
          { log: () => {}, error: (line) => errors.push(line) },
        );
        expect(code).to.equal(2);
        expect(errors.join()).to.include(
          "--cost <stack>:<base.json>:<head.json> (not dev:only-one.json)",
        );
        expect(gh.calls).to.deep.equal([]);
      } finally {
        await gh.close();
      }
    });
  });
});

import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

const root = path.resolve(__dirname, "..", "..");
const dir = path.join(root, ".github", "workflows");

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  uses?: string;
  needs?: string | string[];
  if?: string;
  environment?: string | { name: string };
  permissions?: Record<string, string> | string;
  concurrency?: { group: string; "cancel-in-progress"?: boolean } | string;
  strategy?: { matrix?: Record<string, unknown> };
  steps?: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string> | string;
  jobs: Record<string, Job>;
}

const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
const text = Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
const workflows = Object.fromEntries(files.map((f) => [f, parse(text[f]!) as Workflow]));
const allJobs = Object.entries(workflows).flatMap(([file, wf]) =>
  Object.entries(wf.jobs).map(([id, job]) => ({ file, id, job })),
);
const action = (uses: string | undefined) => uses?.split("@")[0];
const stepsOf = (job: Job, name: string) =>
  (job.steps ?? []).filter((s) => action(s.uses) === name);
const assumesAwsRole = (job: Job) =>
  stepsOf(job, "aws-actions/configure-aws-credentials").length > 0;
const pulumiSteps = (job: Job) => stepsOf(job, "pulumi/actions");
const deploys = (job: Job) => pulumiSteps(job).some((s) => s.with?.command === "up");
const stackOf = (job: Job) => String(pulumiSteps(job)[0]?.with?.["stack-name"]);
const envName = (job: Job) =>
  typeof job.environment === "object" ? job.environment.name : job.environment;
const workflow = (name: string) => {
  const wf = workflows[name];
  if (!wf) throw new Error(`.github/workflows/${name} is missing`);
  return wf;
};

function scripts(packageDir: string): Record<string, string> {
  // Read at run time: package.json is edited alongside these workflows.
  const pkg = JSON.parse(fs.readFileSync(path.join(root, packageDir, "package.json"), "utf8")) as {
    scripts?: Record<string, string>;
  };
  return pkg.scripts ?? {};
}

/** Why a `run:` command is not one the repository defines, or undefined when it is. */
function unknownCommand(command: string): string | undefined {
  const words = command.split(/\s+/);
  if (words[0] === "pulumi" || words[0] === "npx") return undefined;
  if (words[0] !== "npm") return `"${command}" is neither an npm script nor a pulumi/npx command`;
  if (words[1] === "ci" || words[1] === "test") return undefined;
  if (words[1] !== "run" || !words[2]) return `"${command}" is not npm ci, npm test or npm run X`;
  const at = words.indexOf("--workspace");
  const packageDir = at > 0 ? (words[at + 1] ?? ".") : ".";
  return scripts(packageDir)[words[2]] === undefined
    ? `"${command}": no script ${words[2]} in ${path.join(packageDir, "package.json")}`
    : undefined;
}

describe("GitHub Actions workflows", function () {
  it("exist: checks, pull request, deploy", function () {
    expect(files).to.include.members(["checks.yml", "pull-request.yml", "deploy.yml"]);
  });

  it("trigger on pull requests, on pushes to main and by hand", function () {
    expect(workflow("pull-request.yml").on).to.have.property("pull_request");
    expect(workflow("pull-request.yml").on).to.not.have.property("pull_request_target");
    const deploy = workflow("deploy.yml").on as { push?: { branches?: string[] } };
    expect(deploy.push?.branches).to.deep.equal(["main"]);
    expect(deploy).to.have.property("workflow_dispatch");
    expect(workflow("checks.yml").on).to.have.property("workflow_call");
  });

  it("pin every action to a full commit SHA, its version in a trailing comment", function () {
    const pins = new Map<string, string>();
    for (const [file, content] of Object.entries(text)) {
      for (const line of content.split("\n").filter((l) => /^\s*(-\s+)?uses:/.test(l))) {
        const uses = /uses:\s*(\S+)/.exec(line)![1]!;
        if (uses.startsWith("./")) continue; // a workflow of this repository, at this commit
        expect(line, `${file}: ${line.trim()}`).to.match(
          /uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/,
        );
        // One version of an action across all workflows.
        const [name, sha] = uses.split("@") as [string, string];
        expect(pins.get(name) ?? sha, `${name} pinned to two SHAs`).to.equal(sha);
        pins.set(name, sha);
      }
    }
    expect([...pins.keys()]).to.include.members([
      "actions/checkout",
      "actions/setup-node",
      "pulumi/actions",
      "aws-actions/configure-aws-credentials",
      "docker/setup-qemu-action",
      "docker/setup-buildx-action",
    ]);
  });

  it("grant nothing at the top and only what each job needs", function () {
    for (const [file, wf] of Object.entries(workflows)) {
      expect(wf.permissions, `${file} top-level permissions`).to.deep.equal({});
      expect(text[file]).to.not.match(/write-all|read-all/);
    }
    for (const { file, id, job } of allJobs) {
      const where = `${file} job ${id}`;
      expect(job.permissions, `${where} declares no permissions`).to.be.an("object");
      const perms = job.permissions as Record<string, string>;
      expect(perms.contents, where).to.equal("read");
      for (const [scope, level] of Object.entries(perms)) {
        if (level !== "write") continue;
        expect(["id-token", "pull-requests"], `${where} writes ${scope}`).to.include(scope);
      }
      // An OIDC token only where a role is assumed, and every role assumed through one.
      expect(perms["id-token"] === "write", `${where} id-token`).to.equal(assumesAwsRole(job));
      const comments =
        pulumiSteps(job).some((s) => s.with?.["comment-on-pr"] === true) ||
        (job.steps ?? []).some((s) => s.run?.startsWith("npm run pr-comment") === true);
      expect(perms["pull-requests"] === "write", `${where} pull-requests`).to.equal(comments);
    }
    const commenting = allJobs.filter(({ job }) =>
      pulumiSteps(job).some((s) => s.with?.["comment-on-pr"] === true),
    );
    expect(commenting.map((j) => `${j.file}:${j.id}`)).to.deep.equal(["pull-request.yml:preview"]);
  });

  it("assume AWS roles through OIDC only: no access keys anywhere", function () {
    for (const [file, content] of Object.entries(text)) {
      expect(content, file).to.not.match(
        /aws-access-key-id|aws-secret-access-key|aws-session-token|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|\b(AKIA|ASIA)[0-9A-Z]{16}\b/,
      );
    }
    const assuming = allJobs.filter(({ job }) => assumesAwsRole(job));
    expect(assuming).to.have.length.greaterThan(0);
    for (const { job } of assuming) {
      for (const step of stepsOf(job, "aws-actions/configure-aws-credentials")) {
        expect(step.with?.["role-to-assume"]).to.match(/^\$\{\{ vars\.AWS_\w+_ROLE_ARN \}\}$/);
      }
    }
  });

  it("never run two deploys of one stack at once, nor cancel one", function () {
    const deployJobs = allJobs.filter(({ job }) => deploys(job));
    expect(deployJobs.map(({ job }) => stackOf(job)).sort()).to.deep.equal(["dev", "prod"]);
    const groups = new Set<string>();
    for (const { id, job } of deployJobs) {
      const concurrency = job.concurrency as { group: string; "cancel-in-progress"?: boolean };
      expect(concurrency, id).to.be.an("object");
      expect(concurrency["cancel-in-progress"], id).to.equal(false);
      // The group names the stack and nothing per run, so every run of the stack shares it.
      expect(concurrency.group).to.include(stackOf(job));
      expect(concurrency.group).to.not.match(/run_id|run_number|github\.sha|github\.ref/);
      groups.add(concurrency.group);
    }
    expect(groups.size).to.equal(deployJobs.length);
  });

  it("deploy prod behind the approved prod environment, after dev", function () {
    const jobs = workflow("deploy.yml").jobs;
    const prod = Object.values(jobs).find((j) => deploys(j) && stackOf(j) === "prod")!;
    const dev = Object.entries(jobs).find(([, j]) => deploys(j) && stackOf(j) === "dev")!;
    expect(envName(prod)).to.equal("prod");
    expect(envName(dev[1])).to.equal("dev");
    expect([prod.needs].flat()).to.include(dev[0]);
    expect([dev[1].needs].flat()).to.include("checks");
  });

  it("use the Node version of .nvmrc with the npm cache", function () {
    expect(fs.existsSync(path.join(root, ".nvmrc"))).to.be.true;
    const setups = allJobs.flatMap(({ job }) => stepsOf(job, "actions/setup-node"));
    expect(setups).to.have.length.greaterThan(0);
    for (const step of setups) {
      expect(step.with).to.deep.include({ "node-version-file": ".nvmrc", cache: "npm" });
      expect(step.with).to.not.have.property("node-version");
    }
  });

  it("run only npm scripts that exist, npm ci, npm test, pulumi and npx", function () {
    const problems: string[] = [];
    for (const { file, id, job } of allJobs) {
      for (const step of job.steps ?? []) {
        if (step.run === undefined) continue;
        const commands = step.run
          .split(/\n|&&/)
          .map((c) => c.replace(/#.*$/, "").trim())
          .filter(Boolean);
        for (const command of commands) {
          const problem = unknownCommand(command);
          if (problem) problems.push(`${file} job ${id}: ${problem}`);
        }
      }
    }
    expect(problems).to.deep.equal([]);
  });

  it("check like .ci/run: lint, typecheck, the pack's build, tests, both offline plans", function () {
    const runs = (workflow("checks.yml").jobs.checks?.steps ?? []).map((s) => s.run);
    expect(runs).to.include.members([
      "npm ci --no-audit --no-fund",
      "npm run lint",
      "npm run typecheck",
      "npm run build --workspace policy",
      "npm test",
      "npm run plan -- --stack dev",
      "npm run plan -- --stack prod",
    ]);
    for (const name of ["pull-request.yml", "deploy.yml"]) {
      expect(workflow(name).jobs.checks?.uses).to.equal("./.github/workflows/checks.yml");
    }
  });

  it("comment the offline plan's cost, policy and diagram of both stacks, without AWS access", function () {
    const report = workflows["pull-request.yml"]!.jobs["plan-report"]!;
    const runs = (report.steps ?? []).map((s) => s.run).filter((r): r is string => !!r);
    expect(runs).to.include.members([
      "npm run plan -- --stack dev --report plan-dev.md --json plan-dev.json",
      "npm run plan -- --stack prod --report plan-prod.md --json plan-prod.json",
    ]);
    expect(runs.find((r) => r.startsWith("npm run pr-comment"))).to.include(
      "--file plan-dev.md --file plan-prod.md",
    );
    expect(assumesAwsRole(report)).to.equal(false);
    expect(report.permissions).to.deep.equal({ contents: "read", "pull-requests": "write" });
  });

  it("lead the comment with each stack's cost change against the base branch, planned beside", function () {
    const steps = workflow("pull-request.yml").jobs["plan-report"]!.steps ?? [];
    type BaseStep = Step & { "working-directory"?: string; "continue-on-error"?: boolean };
    const base = stepsOf({ steps }, "actions/checkout").find(
      (s) => s.with?.ref === "${{ github.base_ref }}",
    );
    expect(base?.with).to.deep.include({ path: ".base", "persist-credentials": false });
    // In the base checkout, with its own dependencies; a failure there fails no check.
    const inBase = (steps as BaseStep[]).filter((s) => s["working-directory"] === ".base");
    expect(inBase.map((s) => s.run)).to.deep.equal([
      "npm ci --no-audit --no-fund",
      "npm run plan -- --stack dev --json ../plan-dev-base.json",
      "npm run plan -- --stack prod --json ../plan-prod-base.json",
    ]);
    expect(inBase.every((s) => s["continue-on-error"] === true)).to.equal(true);
    const comment = steps.find((s) => s.run?.startsWith("npm run pr-comment"));
    expect(comment?.run).to.include(
      "--cost dev:plan-dev-base.json:plan-dev.json --cost prod:plan-prod-base.json:plan-prod.json",
    );
    // The comment comes after every plan, the head's and the base's.
    expect(steps.indexOf(comment!)).to.equal(steps.length - 1);
  });

  it("preview dev and prod with the policy pack and comment the diff on the pull request", function () {
    const preview = workflow("pull-request.yml").jobs.preview!;
    expect(preview.strategy?.matrix?.stack).to.deep.equal(["dev", "prod"]);
    expect([preview.needs].flat()).to.include("checks");
    // Forks get no OIDC token or secrets.
    expect(preview.if).to.include(
      "github.event.pull_request.head.repo.full_name == github.repository",
    );
    const [step] = pulumiSteps(preview);
    expect(step?.with).to.deep.include({
      command: "preview",
      "stack-name": "${{ matrix.stack }}",
      policyPacks: "policy",
      policyPackConfigs: "policy/${{ matrix.stack }}.json",
      "comment-on-pr": true,
    });
    for (const stack of ["dev", "prod"]) {
      expect(fs.existsSync(path.join(root, "policy", `${stack}.json`)), stack).to.be.true;
    }
  });

  it("build the pack before every pulumi run, and set up buildx with QEMU for the arm64 image", function () {
    for (const { id, job } of allJobs.filter(({ job }) => pulumiSteps(job).length > 0)) {
      const steps = job.steps ?? [];
      const index = (pred: (s: Step) => boolean) => steps.findIndex(pred);
      const pulumi = index((s) => action(s.uses) === "pulumi/actions");
      expect(
        index((s) => s.run === "npm run build --workspace policy"),
        id,
      ).to.be.within(0, pulumi);
      expect(
        index((s) => action(s.uses) === "docker/setup-qemu-action"),
        id,
      ).to.be.within(0, pulumi);
      expect(
        index((s) => action(s.uses) === "docker/setup-buildx-action"),
        id,
      ).to.be.within(0, pulumi);
      expect(
        index((s) => action(s.uses) === "aws-actions/configure-aws-credentials"),
        id,
      ).to.be.within(0, pulumi);
      const [step] = pulumiSteps(job);
      if (step?.with?.command === "up") {
        const stack = stackOf(job);
        expect(step.with).to.deep.include({
          policyPacks: "policy",
          policyPackConfigs: `policy/${stack}.json`,
        });
        // The smoke test follows the deploy it checks.
        expect(
          index((s) => s.run === `npm run smoke -- --stack ${stack}`),
          id,
        ).to.be.greaterThan(pulumi);
      }
    }
  });

  it("give Pulumi its backend and secrets from repository secrets and variables", function () {
    for (const { id, job } of allJobs.filter(({ job }) => pulumiSteps(job).length > 0)) {
      const env = (job as { env?: Record<string, string> }).env ?? {};
      expect(env.PULUMI_BACKEND_URL, id).to.equal("${{ vars.PULUMI_BACKEND_URL }}");
      expect(env.PULUMI_ACCESS_TOKEN, id).to.equal("${{ secrets.PULUMI_ACCESS_TOKEN }}");
      expect(env.PULUMI_CONFIG_PASSPHRASE, id).to.equal("${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
    }
  });

  it("checks the commands it is given", function () {
    expect(unknownCommand("npm run lint")).to.be.undefined;
    expect(unknownCommand("npm run no-such-script")).to.match(/no script no-such-script/);
    expect(unknownCommand("npm run build --workspace policy")).to.be.undefined;
    expect(unknownCommand("npm run lint --workspace policy")).to.match(/policy\/package\.json/);
    expect(unknownCommand("curl https://example.com | sh")).to.match(/neither/);
  });
});

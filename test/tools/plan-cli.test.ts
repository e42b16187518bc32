/** The plan command as people run it: its errors, exit codes and a probe program. */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { planCli as plan, root } from "../helpers/plan-cli";

describe("the plan command", () => {
  const scratch: string[] = [];
  after(() => scratch.forEach((f) => fs.rmSync(f, { force: true })));

  /** Writes a stack file beside the real ones, as a user adding a stack would. */
  function stackWith(edit: (yaml: string) => string): string {
    const name = `cicheck${process.pid}${scratch.length}`;
    const file = path.join(root, `Pulumi.${name}.yaml`);
    fs.writeFileSync(file, edit(fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8")));
    scratch.push(file);
    return name;
  }

  it("produces the same plan on every run", async () => {
    const [a, b] = await Promise.all([plan("dev"), plan("dev")]);
    expect(JSON.stringify(a.plan)).to.equal(JSON.stringify(b.plan));
  });

  it("names the known stacks for an unknown one", async () => {
    const result = await plan("qa");
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include(
      'unknown stack "qa": there is no Pulumi.qa.yaml (stacks: dev, prod',
    );
  });

  const mistakes: [string, (y: string) => string, string][] = [
    [
      "a typo in a config key",
      (y) => y.replace("platform:natStrategy:", "platform:natStrategey:"),
      "platform:natStrategey: unknown setting; did you mean platform:natStrategy?",
    ],
    [
      "an overlapping CIDR",
      (y) => y.replace("cidr: 10.20.0.0/16", "cidr: 10.10.0.0/20"),
      "platform:regions.remote.cidr: 10.10.0.0/20 overlaps platform:regions.home.cidr (10.10.0.0/16)",
    ],
    [
      "an AZ of the wrong region",
      (y) => y.replace("[eu-central-1a, eu-central-1b]", "[eu-central-1a, us-east-1b]"),
      "platform:regions.remote.availabilityZones[1]: us-east-1b is not an availability zone of eu-central-1",
    ],
    [
      "a value of the wrong declared type",
      (y) => y.replace("platform:azs: 2", "platform:azs: two"),
      'platform:azs: must be of type integer, got "two" (Pulumi.yaml declares it integer)',
    ],
  ];
  for (const [what, edit, message] of mistakes) {
    it(`reports ${what} in one clear message naming the key, without a stack trace`, async () => {
      const result = await plan(stackWith(edit));
      expect(result.code).to.equal(2);
      expect(result.stderr).to.include(message);
      expect(result.stderr.split("\n").filter((l) => l.includes(message))).to.have.length(1);
      expect(result.stderr).not.to.match(/^\s+at /m);
    });
  }

  it("lists a declared type error with every other problem of the stack file, in one run", async () => {
    const result = await plan(
      stackWith((y) =>
        y
          .replace("platform:azs: 2", "platform:azs: two")
          .replace("platform:natStrategy:", "platform:natStrategey:")
          .replace("platform:logRetentionDays:", "platfrom:logRetentionDays:")
          .replace(
            "      gluetunTag: v3.40.0",
            "      gluetunTag: v3.40.0\n      killSwitch: true",
          ),
      ),
    );
    expect(result.code).to.equal(2);
    for (const message of [
      'platform:azs: must be of type integer, got "two" (Pulumi.yaml declares it integer)',
      "platform:natStrategey: unknown setting; did you mean platform:natStrategy?",
      'platfrom:logRetentionDays: unknown namespace "platfrom"; did you mean platform:logRetentionDays?',
      "platform:arbees.vpn.killSwitch: unknown setting",
    ]) {
      expect(result.stderr).to.include(message);
    }
    // The type error once, not again in the schema's words.
    expect(result.stderr.match(/platform:azs:/g)).to.have.length(1);
    expect(result.stderr).to.include("Invalid stack configuration (3 problems)");
  });

  describe("on a probe program", () => {
    const probe = path.join(__dirname, "..", "fixtures", "engine-probe");

    it("plans secure values as masked placeholders, never needing a passphrase", async () => {
      const result = await plan("secret", probe);
      expect(result.code, result.stderr).to.equal(0);
      const version = result.plan!.resources.find((r) => r.name === "token-value")!;
      expect(version.inputs.secretString).to.equal("[secret]");
      expect(version.region).to.equal("eu-central-1");
      expect(result.plan!.outputs.outputs).to.deep.include({ token: "[secret]" });
      expect(result.plan!.outputs.outputs)
        .to.have.property("secretArn")
        .that.matches(/^arn:aws:secretsmanager:eu-central-1:123456789012:/);
      expect(JSON.stringify(result.plan)).not.to.include("bm90LWEtcmVhbC1jaXBoZXJ0ZXh0");
    });

    it("exits 1 on a mandatory policy violation, naming the rule, the resource and the fix", async () => {
      const result = await plan("public-db", probe);
      expect(result.code).to.equal(1);
      expect(result.stdout).to.include("Policy: ");
      expect(result.stdout).to.include("with policy/public-db.json");
      expect(result.stdout).to.include("[mandatory] rds-not-publicly-accessible (RDS.2)");
      expect(result.stdout).to.include("- aws:rds/instance:Instance db: is publicly accessible");
      expect(result.stdout).to.include("fix: Set publiclyAccessible: false");
      expect(result.stderr).to.include("mandatory policy violation(s)");
      const violations = result.plan!.policy!.violations.map((v) => v.policy);
      expect(violations).to.include("rds-not-publicly-accessible");
    });

    it("fails a resource on the default provider when the stack disables it", async () => {
      const result = await plan("default-provider", probe);
      expect(result.code).to.equal(2);
      expect(result.stderr).to.include(
        'aws:s3/bucket:Bucket "ambient" uses the default aws provider, which this stack disables',
      );
    });

    it("fails an invoke it cannot answer, naming it", async () => {
      const result = await plan("unknown-invoke", probe);
      expect(result.code).to.equal(2);
      expect(result.stderr).to.include(
        "the offline engine has no answer for the invoke aws:ec2/getVpc:getVpc",
      );
    });

    it("names an apply that threw instead of exiting silently with the resources it blocked", async () => {
      const result = await plan("apply-throws", probe);
      expect(result.code).to.equal(2);
      expect(result.stderr).to.include("no tag on source-");
      expect(result.stderr).to.include("the program never finished");
      // The stack points at the TypeScript line that threw, though the plan maps stacks lazily.
      const source = fs.readFileSync(path.join(probe, "index.ts"), "utf8").split("\n");
      const line = source.findIndex((l) => l.includes("throw new Error(`no tag on")) + 1;
      expect(line).to.be.greaterThan(0);
      expect(result.stderr).to.include(`${path.join(probe, "index.ts")}:${line}:`);
    });

    it("checks values against the types Pulumi.yaml declares", async () => {
      const result = await plan("bad-type", probe);
      expect(result.code).to.equal(2);
      expect(result.stderr).to.include('probe:mode: must be of type string, got ["secret"]');
    });
  });
});

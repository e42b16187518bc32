/**
 * The first `pulumi up` of each stack: what AWS would refuse or break that the mocks accepted.
 * Each block is one defect found in review before the first deploy, checked on both stacks' plans
 * (the released account, and the fresh one the first update meets) and on the pure helpers.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import {
  ConfigError,
  documentationPlaceholders,
  placeholderReason,
  reportPending,
} from "../config";
import { concurrencyShortfall, STATEFUL_TYPES } from "../components/guards";
import { parkedTag } from "../components/regional-gateway";
import { parkedReasonOf, repositoryNameOf } from "../workloads/arbees";
import type { Plan, PlannedResource } from "../engine/engine";
import { cachedPlan, planCli, root } from "./helpers/plan-cli";

const SERVICE = "aws:ecs/service:Service";
const ofType = (p: Plan, type: string) => p.resources.filter((r) => r.type === type);
const byUrn = (p: Plan, urn: string) => p.resources.find((r) => r.urn === urn);
const propertyDeps = (r: PlannedResource, property: string) =>
  r.propertyDependencies[property] ?? [];

/** EC2's character set for security group and rule descriptions (CreateSecurityGroup). */
const EC2_DESCRIPTION = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]{0,255}$/;

const plans: Record<"dev" | "prod", Plan> = {} as Record<"dev" | "prod", Plan>;
let fresh: Plan;
let freshOutput: string;

before(async function () {
  this.timeout(240_000);
  const [dev, prod, first] = await Promise.all([
    cachedPlan("dev"),
    cachedPlan("prod"),
    planCli("dev", undefined, ["--fresh-account"]),
  ]);
  for (const [name, run] of [
    ["dev", dev],
    ["prod", prod],
    ["dev --fresh-account", first],
  ] as const) {
    expect(run.code, `${name}: ${run.stderr}`).to.equal(0);
  }
  plans.dev = dev.plan!;
  plans.prod = prod.plan!;
  fresh = first.plan!;
  freshOutput = first.stdout + first.stderr;
});

describe("the first deploy", () => {
  for (const stack of ["dev", "prod"] as const) {
    describe(`${stack}: what AWS refuses at create`, () => {
      it("runs the jobs API's image as repo@digest, never docker-build's repo:tag@digest", () => {
        const p = plans[stack];
        const fn = ofType(p, "aws:lambda/function:Function").find(
          (f) => f.name === "fred-jobs-fn",
        )!;
        const image = ofType(p, "docker-build:index:Image")[0]!;
        const repository = ofType(p, "aws:ecr/repository:Repository").find(
          (r) => r.name === "fred-jobs-image",
        )!;
        const digest = /@(sha256:[0-9a-f]{64})$/.exec(String(fn.inputs.imageUri))?.[1];
        expect(digest, String(fn.inputs.imageUri)).to.be.a("string");
        expect(fn.inputs.imageUri).to.equal(
          `${String(repository.outputs?.repositoryUrl)}@${digest}`,
        );
        // The fake cloud answers docker-build as the provider does: the ref carries the tag too.
        expect(String(image.outputs?.ref)).to.match(/:build-[0-9a-f]{16}@sha256:[0-9a-f]{64}$/);
      });

      it("gives every security group and rule a description EC2 accepts", () => {
        const groups = plans[stack].resources.filter((r) =>
          /^aws:(ec2\/securityGroup:|vpc\/securityGroup(Ingress|Egress)Rule:)/.test(r.type),
        );
        expect(groups.length).to.be.greaterThan(20);
        const refused = groups
          .map((r) => [r.name, r.inputs.description] as const)
          .filter(([, d]) => typeof d !== "string" || !EC2_DESCRIPTION.test(d));
        expect(refused).to.deep.equal([]);
      });

      it("gives every task definition a family of its own stack (dev and prod share the account)", () => {
        const families = ofType(plans[stack], "aws:ecs/taskDefinition:TaskDefinition").map((t) =>
          String(t.inputs.family),
        );
        expect(families).to.have.length.greaterThan(3);
        for (const family of families) expect(family).to.match(new RegExp(`(^|-)${stack}(-|$)`));
      });
    });

    describe(`${stack}: what must exist before each ECS service`, () => {
      it("creates every service after its cluster's capacity providers", () => {
        const p = plans[stack];
        const services = ofType(p, SERVICE);
        expect(services).to.have.length.greaterThan(2);
        for (const service of services) {
          const cluster = propertyDeps(service, "cluster")[0]!;
          const capacity = ofType(
            p,
            "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
          ).find((c) => propertyDeps(c, "clusterName").includes(cluster))!;
          expect(capacity, service.name).to.exist;
          expect(service.dependencies, service.name).to.include(capacity.urn);
        }
      });

      it("creates every load-balanced service after the listener rule that attaches its target group", () => {
        const p = plans[stack];
        const balanced = ofType(p, SERVICE).filter(
          (s) => propertyDeps(s, "loadBalancers").length > 0,
        );
        expect(balanced.length).to.be.greaterThan(1);
        for (const service of balanced) {
          const targetGroups = propertyDeps(service, "loadBalancers");
          const rules = ofType(p, "aws:lb/listenerRule:ListenerRule").filter((r) =>
            propertyDeps(r, "actions").some((u) => targetGroups.includes(u)),
          );
          expect(rules, service.name).to.have.length(1);
          expect(service.dependencies, service.name).to.include(rules[0]!.urn);
        }
      });

      it("creates every service after the secret versions its tasks read at start", () => {
        const p = plans[stack];
        for (const service of ofType(p, SERVICE)) {
          const task = byUrn(p, propertyDeps(service, "taskDefinition")[0]!)!;
          const secrets = propertyDeps(task, "containerDefinitions").filter(
            (u) => byUrn(p, u)?.type === "aws:secretsmanager/secret:Secret",
          );
          expect(secrets, service.name).to.not.be.empty;
          for (const secret of secrets) {
            const versions = ofType(p, "aws:secretsmanager/secretVersion:SecretVersion").filter(
              (v) => propertyDeps(v, "secretId").includes(secret),
            );
            expect(versions, `${service.name} reads ${secret}`).to.have.length(1);
            expect(service.dependencies, `${service.name} waits for ${secret}`).to.include(
              versions[0]!.urn,
            );
          }
        }
      });

      it("writes the VPN secret from the stack's config secrets, never leaving it empty", () => {
        const p = plans[stack];
        const vpn = ofType(p, "aws:secretsmanager/secret:Secret").find(
          (s) => s.name === "arbees-vpn",
        )!;
        const version = ofType(p, "aws:secretsmanager/secretVersion:SecretVersion").find((v) =>
          propertyDeps(v, "secretId").includes(vpn.urn),
        )!;
        expect(version.inputs.secretString).to.equal("[secret]");
        expect(p.unsetSecrets.filter((k) => k.startsWith("platform:arbeesVpn"))).to.satisfy(
          (keys: string[]) => keys.length === 0 || keys.length === 2,
        );
      });
    });

    it(`${stack}: lets the remote Polymarket gateway reach PostgreSQL across the peering`, () => {
      const p = plans[stack];
      const remoteCidr = String(p.outputs.remoteVpcCidr);
      const gateway = ofType(p, "aws:ecs/taskDefinition:TaskDefinition").find((t) =>
        String(t.inputs.family).startsWith("arbees-remote-market-gateway-polymarket"),
      )!;
      expect(String(gateway.inputs.containerDefinitions)).to.include("DATABASE_URL");
      const db = ofType(p, "aws:rds/instance:Instance").find(
        (i) => i.name === (stack === "prod" ? "arbees-db" : "shared-db"),
      )!;
      const dbGroup = propertyDeps(db, "vpcSecurityGroupIds")[0]!;
      const fromRemote = ofType(
        p,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      ).filter(
        (r) =>
          propertyDeps(r, "securityGroupId").includes(dbGroup) && r.inputs.cidrIpv4 === remoteCidr,
      );
      expect(
        fromRemote.map((r) => [r.inputs.fromPort, r.inputs.toPort, r.inputs.ipProtocol]),
      ).to.deep.equal([[5432, 5432, "tcp"]]);
    });

    it(`${stack}: lets the EC2 capacity group be destroyed despite ECS's scale-in protection`, () => {
      // The other groups are the NAT instances' (dev), which protect nothing.
      const groups = ofType(plans[stack], "aws:autoscaling/group:Group").filter(
        (g) => g.inputs.protectFromScaleIn === true,
      );
      expect(groups.map((g) => g.name)).to.deep.equal(["arbees-remote-instances"]);
      expect(groups[0]!.inputs).to.include({ forceDelete: true });
    });

    it(`${stack}: checks Lambda's concurrency quota against every reservation of the stack`, () => {
      const p = plans[stack];
      const reserved = ofType(p, "aws:lambda/function:Function")
        .map((f) => Number(f.inputs.reservedConcurrentExecutions ?? 0))
        .filter((n) => n > 0)
        .reduce((a, b) => a + b, 0);
      expect(reserved).to.be.greaterThan(0);
      expect(p.outputs.lambdaReservedConcurrency).to.equal(reserved);
      expect(p.outputs.lambdaConcurrencyQuota).to.equal(1000);
    });
  }

  it("counts each stack's reservations in the other's quota check (they share the account)", () => {
    const elsewhere = (stack: "dev" | "prod") =>
      Number(
        /platform:reservedConcurrencyElsewhere: (\d+)/.exec(
          fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8"),
        )?.[1],
      );
    expect(elsewhere("dev")).to.equal(plans.prod.outputs.lambdaReservedConcurrency);
    expect(elsewhere("prod")).to.equal(plans.dev.outputs.lambdaReservedConcurrency);
  });

  it("keeps dev's and prod's task families apart", () => {
    const families = (p: Plan) =>
      ofType(p, "aws:ecs/taskDefinition:TaskDefinition").map((t) => String(t.inputs.family));
    const dev = families(plans.dev);
    expect(families(plans.prod).filter((f) => dev.includes(f))).to.deep.equal([]);
  });

  it("protects every stateful resource in prod, and none is left out", () => {
    const stateful = plans.prod.resources.filter((r) =>
      (STATEFUL_TYPES as readonly string[]).includes(r.type),
    );
    const types = new Set(stateful.map((r) => r.type));
    for (const t of [
      "aws:rds/instance:Instance",
      "aws:elasticache/replicationGroup:ReplicationGroup",
      "aws:s3/bucket:Bucket",
      "aws:secretsmanager/secret:Secret",
    ]) {
      expect(types, t).to.include(t);
    }
    expect(stateful.filter((r) => !r.options.protect).map((r) => r.name)).to.deep.equal([]);
    expect(plans.dev.resources.filter((r) => r.options.protect).map((r) => r.name)).to.deep.equal(
      [],
    );
  });

  describe("what instances and invocations need when they start", () => {
    const ASG = "aws:autoscaling/group:Group";
    const named = (p: Plan, type: string, name: string) =>
      p.resources.find((r) => r.type === type && r.name === name);

    for (const stack of ["dev", "prod"] as const) {
      it(`${stack}: launches every Auto Scaling group after the policies of its instances' role`, () => {
        const p = plans[stack];
        const groups = ofType(p, ASG);
        expect(groups.length, stack).to.be.greaterThan(0);
        for (const group of groups) {
          const templates = [
            ...propertyDeps(group, "launchTemplate"),
            ...propertyDeps(group, "mixedInstancesPolicy"),
          ].filter((u) => byUrn(p, u)?.type === "aws:ec2/launchTemplate:LaunchTemplate");
          const roles = templates
            .flatMap((t) => propertyDeps(byUrn(p, t)!, "iamInstanceProfile"))
            .flatMap((profile) => propertyDeps(byUrn(p, profile)!, "role"));
          expect(roles, group.name).to.have.length(1);
          const grants = p.resources.filter(
            (r) =>
              /^aws:iam\/rolePolicy(Attachment)?:/.test(r.type) &&
              propertyDeps(r, "role").includes(roles[0]!),
          );
          expect(grants, group.name).to.not.be.empty;
          for (const grant of grants) expect(group.dependencies, group.name).to.include(grant.urn);
        }
      });
    }

    it("dev: starts each NAT instance after its public subnet's way to the internet", () => {
      for (const side of ["home", "remote"]) {
        const group = named(plans.dev, ASG, `${side}-nat`)!;
        for (const [type, name] of [
          ["aws:ec2/internetGateway:InternetGateway", `${side}-igw`],
          ["aws:ec2/route:Route", `${side}-public-internet-0`],
          ["aws:ec2/routeTableAssociation:RouteTableAssociation", `${side}-public-rta-0`],
        ] as const) {
          expect(group.dependencies, `${side}-nat after ${name}`).to.include(
            named(plans.dev, type, name)!.urn,
          );
        }
      }
      expect(ofType(plans.prod, ASG).map((g) => g.name)).to.deep.equal(["arbees-remote-instances"]);
    });

    it("dev: runs the database bootstrap after the private subnets' routes to the NAT instance", () => {
      const invocations = ofType(plans.dev, "aws:lambda/invocation:Invocation");
      expect(invocations.map((i) => i.name).sort()).to.deep.equal([
        "arbees-db-bootstrap",
        "fred-jobs-db-bootstrap",
      ]);
      const egress = [
        named(plans.dev, ASG, "home-nat")!,
        ...ofType(plans.dev, "aws:ec2/route:Route").filter((r) =>
          /^home-private-nat-\d$/.test(r.name),
        ),
      ];
      expect(egress).to.have.length(3);
      for (const invocation of invocations) {
        expect(invocation.dependencies, invocation.name).to.include.members(
          egress.map((e) => e.urn),
        );
      }
    });
  });

  describe("services whose images are not pushed yet", () => {
    it("are created parked (0 tasks) on a fresh account, each saying which image it waits for", () => {
      const services = ofType(fresh, SERVICE);
      expect(services).to.have.length(6);
      for (const service of services) {
        expect(service.inputs.desiredCount, service.name).to.equal(0);
        expect(service.inputs.waitForSteadyState, service.name).to.equal(false);
        expect(String((service.inputs.tags as Record<string, string>).parked)).to.match(
          /^not pushed yet: platform-dev\/arbees\//,
        );
      }
      expect(freshOutput).to.include(
        "arbees-remote-market-gateway-polymarket: parked with 0 tasks: not pushed yet: platform-dev/arbees/market-gateway-polymarket:2026.11.4, platform-dev/arbees/gluetun:v3.40.0",
      );
      expect(freshOutput).to.match(
        /arbees-home-api-service .*0 task\(s\).*PARKED \(not pushed yet/,
      );
      const scaling = ofType(fresh, "aws:appautoscaling/target:Target");
      expect(scaling.map((t) => t.inputs.minCapacity)).to.deep.equal([0]);
    });

    it("run, wait for steady state and carry no parked tag once the stack's tags are pushed", () => {
      for (const service of ofType(plans.dev, SERVICE)) {
        expect(service.inputs.desiredCount, service.name).to.equal(1);
        expect(service.inputs.waitForSteadyState, service.name).to.equal(true);
        expect(service.inputs.tags ?? {}).to.not.have.property("parked");
      }
      expect(
        ofType(plans.prod, SERVICE)
          .map((s) => s.inputs.desiredCount)
          .sort(),
      ).to.deep.equal([1, 1, 1, 1, 2, 2]);
    });

    it("live in fixed per-stack repositories in the region that runs them", () => {
      const repositories = ofType(plans.dev, "aws:ecr/repository:Repository").filter((r) =>
        r.name.startsWith("arbees-"),
      );
      expect(
        repositories
          .map((r) => [r.inputs.name, r.region])
          .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      ).to.deep.equal([
        ["platform-dev/arbees/api", "us-east-1"],
        ["platform-dev/arbees/frontend", "us-east-1"],
        ["platform-dev/arbees/gluetun", "eu-central-1"],
        ["platform-dev/arbees/market-gateway-kalshi", "us-east-1"],
        ["platform-dev/arbees/market-gateway-polymarket", "eu-central-1"],
        ["platform-dev/arbees/orchestrator", "us-east-1"],
        ["platform-dev/arbees/strategy-engine", "us-east-1"],
      ]);
    });

    it("name the missing images, or nothing once all are there", () => {
      expect(parkedReasonOf([])).to.equal(undefined);
      expect(
        parkedReasonOf([
          { repository: repositoryNameOf("platform", "prod", "api"), tag: "1.2.3" },
          { repository: repositoryNameOf("platform", "prod", "gluetun"), tag: "v3.40.0" },
        ]),
      ).to.equal(
        "not pushed yet: platform-prod/arbees/api:1.2.3, platform-prod/arbees/gluetun:v3.40.0",
      );
    });

    it("keep the reason within what an EC2 tag value may hold", () => {
      expect(parkedTag("not pushed yet: a/b:1.0, c/d:v2")).to.equal(
        "not pushed yet: a/b:1.0 c/d:v2",
      );
      expect(parkedTag("x'\"<>".repeat(100))).to.match(/^[A-Za-z0-9 +\-=._:/@]{0,256}$/);
      expect(parkedTag("y".repeat(300))).to.have.length(256);
    });
  });

  describe("Lambda's concurrency quota", () => {
    const cases: [string, number, number, number, boolean][] = [
      ["a new account's 10", 10, 2, 2, false],
      ["exactly 100 + both stacks", 104, 2, 2, true],
      ["one short", 103, 2, 2, false],
      ["the default 1,000", 1000, 2, 2, true],
      ["no reservations at 100", 100, 0, 0, true],
      ["no reservations at 99", 99, 0, 0, false],
    ];
    for (const [title, quota, reserved, elsewhere, fits] of cases) {
      it(`${fits ? "fits" : "refuses"} ${title}`, () => {
        const problem = concurrencyShortfall({ quota, reserved, elsewhere, region: "us-east-1" });
        if (fits) expect(problem).to.equal(undefined);
        else {
          expect(problem).to.include(`(L-B99A9384) in us-east-1 is ${quota}`);
          expect(problem).to.include(`at least ${100 + reserved + elsewhere} is needed`);
          expect(problem).to.include("request-service-quota-increase");
        }
      });
    }
  });

  describe("documentation placeholders", () => {
    it("are listed by the offline plan of prod, key by key, and dev has none", () => {
      expect(plans.prod.placeholders.map((p) => p.key)).to.deep.equal([
        "platform:alphaKite.alertEmail",
        "platform:arbees.domainName",
        "platform:arbees.hostedZoneId",
        "platform:arbees.alertEmail",
        "platform:financeApi.corsOrigins[0]",
        "platform:financeApi.alertEmail",
        "platform:financeApi.domainName",
        "platform:financeApi.certificateArn",
        "platform:financeApi.hostedZoneId",
        "platform:quickbets.corsOrigins[0]",
        "platform:quickbets.websocket.domainName",
        "platform:quickbets.websocket.certificateArn",
      ]);
      expect(plans.dev.placeholders).to.deep.equal([]);
    });

    it("stop a real update before anything is created, naming every key", () => {
      const found = documentationPlaceholders({
        "platform:arbees": JSON.stringify({
          domainName: "arbees.example.com",
          hostedZoneId: "Z0EXAMPLE1",
        }),
        "platform:environment": "prod",
      });
      expect(() => reportPending(found, "update"))
        .to.throw(ConfigError)
        .with.property("message")
        .that.includes("platform:arbees.domainName")
        .and.includes("platform:arbees.hostedZoneId");
      expect(reportPending(found, "preview")).to.have.length(2);
      expect(reportPending([], "update")).to.deep.equal([]);
    });

    const values: [string, boolean][] = [
      ["arbees.example.com", true],
      ["https://quickbets.example.com", true],
      ["oncall@example.org", true],
      ["api.example.net", true],
      ["host.test", true],
      ["x.invalid", true],
      ["arn:aws:acm:us-east-1:123456789012:certificate/abc", true],
      ["arn:aws:iam::111122223333:role/x", true],
      ["Z0EXAMPLE12345", true],
      ["arbees.trading.io", false],
      ["https://alpha-kite.supabase.co", false],
      ["myexample.com", false],
      ["arn:aws:acm:us-east-1:210987654321:certificate/abc", false],
      ["http://localhost:5173", false],
      ["Z1D633PJN98FT9", false],
    ];
    for (const [value, placeholder] of values) {
      it(`${placeholder ? "flags" : "accepts"} ${value}`, () => {
        expect(placeholderReason(value) !== undefined).to.equal(placeholder);
      });
    }
  });
});

/**
 * The platform in the whole program: both stacks through the offline engine, one child process
 * per stack (Pulumi's runtime state is global), exactly as `npm run plan` runs it. Each workload's
 * part of the plan is tested in test/workloads/<name>/plan.test.ts; the command's own behaviour
 * in test/tools/plan-cli.test.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import type { Plan } from "../engine/engine";
import type { PolicyReport } from "../engine/policy";
import { cachedPlan, root, type PlanRun } from "./helpers/plan-cli";
import { byId, child, expected, ofType } from "./helpers/plan-queries";

for (const stack of ["dev", "prod"] as const) {
  describe(`the ${stack} stack, planned offline`, () => {
    let result: PlanRun;
    let p: Plan;
    const want = expected[stack];

    before(async () => {
      result = await cachedPlan(stack);
      expect(result.code, result.stderr).to.equal(0);
      p = result.plan!;
    });

    it("writes the JSON contract", () => {
      expect(p.project).to.equal("platform");
      expect(p.stack).to.equal(stack);
      for (const r of p.resources) {
        expect(r).to.include.keys("urn", "type", "name", "parent", "region", "inputs");
      }
      expect(p.outputs).to.include({
        homeVpcCidr: want.home,
        remoteVpcCidr: want.remote,
        environment: stack,
      });
      expect(p.outputs.homeVpcId).to.match(/^vpc-[0-9a-f]{17}$/);
      expect(p.outputs.peeringConnectionId).to.match(/^pcx-[0-9a-f]{17}$/);
    });

    it("prints both regions with their key facts", () => {
      expect(result.stdout).to.include(`us-east-1 (provider home)`);
      expect(result.stdout).to.include(`eu-central-1 (provider remote)`);
      expect(result.stdout).to.include(`VPC home-vpc ${want.home}`);
      expect(result.stdout).to.include(`VPC remote-vpc ${want.remote}`);
      for (const side of ["home", "remote"] as const) {
        const { gateways, instances } = want.nat[side];
        expect(result.stdout).to.match(
          new RegExp(
            `VPC ${side}-vpc [^\\n]*\\n[^\\n]*\\n    NAT gateways: ${gateways}; NAT instances: ${instances};`,
          ),
        );
      }
      expect(result.stdout).to.include(
        "Peering peering-connection: us-east-1 requests, eu-central-1 accepts",
      );
    });

    it("puts the home network in us-east-1 and the remote one in eu-central-1", () => {
      // The regions may differ in NAT (prod: a gateway per AZ at home, one remote); the rest matches.
      const nat = ["aws:ec2/natGateway:NatGateway", "aws:ec2/eip:Eip"];
      const side = (name: string) =>
        p.resources.filter(child(p, name)).filter((r) => r.custom && !nat.includes(r.type));
      const [home, remote] = [side("home"), side("remote")];
      expect(home).to.have.length.greaterThan(30);
      expect(remote).to.have.length(home.length);
      expect(new Set(home.map((r) => r.region))).to.deep.equal(new Set(["us-east-1"]));
      expect(new Set(remote.map((r) => r.region))).to.deep.equal(new Set(["eu-central-1"]));
    });

    it("gives every AWS resource an explicit regional provider", () => {
      const aws = p.resources.filter((r) => r.custom && r.type.startsWith("aws:"));
      expect(aws.filter((r) => r.provider === null).map((r) => r.name)).to.be.empty;
    });

    it(`makes ${want.nat.home.gateways} NAT gateway(s) at home and ${want.nat.remote.gateways} in the remote region`, () => {
      const nats = ofType(p, "aws:ec2/natGateway:NatGateway");
      expect(nats.filter((n) => n.region === "us-east-1")).to.have.length(want.nat.home.gateways);
      expect(nats.filter((n) => n.region === "eu-central-1")).to.have.length(
        want.nat.remote.gateways,
      );
    });

    it(`makes ${want.nat.home.instances} NAT instance(s) per region, each private route table's default route through the region's NAT`, () => {
      const enis = ofType(p, "aws:ec2/networkInterface:NetworkInterface").filter(
        (e) => e.inputs.sourceDestCheck === false,
      );
      const groups = ofType(p, "aws:autoscaling/group:Group").filter((g) =>
        g.name.endsWith("-nat"),
      );
      for (const [side, region] of [
        ["home", "us-east-1"],
        ["remote", "eu-central-1"],
      ] as const) {
        const { gateways, instances } = want.nat[side];
        expect(enis.filter((e) => e.region === region)).to.have.length(instances);
        expect(groups.filter((g) => g.region === region)).to.have.length(instances);
        const targets = ofType(p, "aws:ec2/route:Route")
          .filter((r) => r.region === region && r.inputs.destinationCidrBlock === "0.0.0.0/0")
          .filter((r) => r.name.startsWith(`${side}-private-nat-`))
          .map((r) => String(r.inputs.natGatewayId ?? r.inputs.networkInterfaceId));
        expect(targets).to.have.length(want.azs);
        expect(new Set(targets).size).to.equal(instances > 0 ? 1 : gateways);
        expect(targets.every((t) => t.startsWith(instances > 0 ? "eni-" : "nat-"))).to.equal(true);
      }
    });

    it(`runs every Auto Scaling group ${stack === "dev" ? "on Spot" : "on demand"} (platform:ec2Spot)`, () => {
      const groups = ofType(p, "aws:autoscaling/group:Group");
      expect(groups.map((g) => g.name)).to.include.members(
        stack === "dev"
          ? ["home-nat", "remote-nat", "arbees-remote-instances"]
          : ["arbees-remote-instances"],
      );
      for (const group of groups) {
        const policy = group.inputs.mixedInstancesPolicy as
          { instancesDistribution: { onDemandPercentageAboveBaseCapacity: number } } | undefined;
        const share = policy?.instancesDistribution.onDemandPercentageAboveBaseCapacity;
        expect(share, group.name).to.equal(stack === "dev" ? 0 : undefined);
        expect(group.inputs.capacityRebalance, group.name).to.equal(
          stack === "dev" ? true : undefined,
        );
      }
    });

    it("routes to the peer CIDR from every private and isolated route table on both sides", () => {
      const pcx = ofType(p, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection");
      expect(pcx).to.have.length(1);
      const peeringRoutes = ofType(p, "aws:ec2/route:Route").filter(
        (r) => r.inputs.vpcPeeringConnectionId === pcx[0]!.id,
      );
      for (const [side, peerCidr] of [
        ["home", want.remote],
        ["remote", want.home],
      ] as const) {
        const internal = ofType(p, "aws:ec2/routeTable:RouteTable")
          .filter(child(p, side))
          .filter((t) => /-(private|isolated)-rt-/.test(t.name));
        expect(internal).to.have.length(want.azs * 2);
        for (const table of internal) {
          const routes = peeringRoutes.filter((r) => r.inputs.routeTableId === table.id);
          expect(
            routes.map((r) => r.inputs.destinationCidrBlock),
            table.name,
          ).to.deep.equal([peerCidr]);
          expect(routes[0]!.region).to.equal(table.region);
        }
      }
    });

    it("turns on flow logs on both VPCs, to log groups with the stack's retention", () => {
      for (const vpc of ofType(p, "aws:ec2/vpc:Vpc")) {
        const logs = ofType(p, "aws:ec2/flowLog:FlowLog").filter((f) => f.inputs.vpcId === vpc.id);
        expect(logs, vpc.name).to.have.length(1);
        expect(logs[0]!.inputs.trafficType).to.equal("ALL");
        const group = ofType(p, "aws:cloudwatch/logGroup:LogGroup").find((g) =>
          String(logs[0]!.inputs.logDestination).endsWith(`:log-group:${g.id}`),
        );
        expect(group, `log group of ${vpc.name}`).to.exist;
        expect(group!.region).to.equal(vpc.region);
        expect(group!.inputs.retentionInDays).to.equal(want.retention);
      }
    });

    it("carries the default tags over to both regional providers", () => {
      for (const provider of ofType(p, "pulumi:providers:aws")) {
        expect(JSON.parse(String(provider.inputs.defaultTags))).to.deep.equal({
          tags: { project: "platform", environment: stack, "managed-by": "pulumi" },
        });
      }
    });

    it("passes the policy pack with its stack config: no mandatory violation", () => {
      const policy = (p as Plan & { policy?: PolicyReport }).policy!;
      expect(policy.config).to.equal(`policy/${stack}.json`);
      expect(policy.policies).to.be.at.least(40);
      const mandatory = policy.violations.filter((v) => v.enforcementLevel === "mandatory");
      expect(
        mandatory.map((v) => `${v.policy} on ${v.resource?.name}: ${v.message}`),
      ).to.deep.equal([]);
      expect(result.stdout).to.match(
        /^Policy: \d+ rules with policy\/(dev|prod)\.json: 0 mandatory/m,
      );
    });

    it("explains every advisory finding in policy/README.md", () => {
      const policy = (p as Plan & { policy?: PolicyReport }).policy!;
      const readme = fs.readFileSync(path.join(root, "policy", "README.md"), "utf8");
      const explained = readme.slice(readme.indexOf("## Advisory rules and findings"));
      for (const v of policy.violations.filter((x) => x.enforcementLevel === "advisory")) {
        expect(explained, v.policy).to.include(`\`${v.policy}\``);
      }
    });

    it("prints the monthly cost per region and workload, with no unpriced type", () => {
      expect(result.stdout).to.match(
        /^Monthly cost estimate: \$[\d,]+\.\d\d \(USD list prices as of /m,
      );
      expect(result.stdout).to.match(/by region: +us-east-1 \$[\d,.]+, eu-central-1 \$[\d,.]+/);
      for (const workload of ["quickbets", "alpha-kite", "fred-jobs", "arbees"]) {
        expect(result.stdout).to.match(new RegExp(`by workload: .*${workload} \\$`));
      }
      expect(result.stdout).to.include("Unpriced resource types: none");
      const cost = (p as Plan & { cost?: { total: number; unpriced: string[] } }).cost!;
      expect(cost.unpriced).to.deep.equal([]);
      // Issue 15's targets, around the clock: dev at most $105, prod at most $560 with its redundancy.
      const [least, most] = stack === "prod" ? [400, 560] : [60, 105];
      expect(cost.total).to.be.within(least, most);
    });

    it("gives ARNs and ids the shapes AWS uses", () => {
      const subnet = ofType(p, "aws:ec2/subnet:Subnet")[0]!;
      expect(subnet.id).to.match(/^subnet-[0-9a-f]{17}$/);
      // A NAT gateway's allocation is its EIP's id; a NAT route's target is an interface's id.
      for (const nat of ofType(p, "aws:ec2/natGateway:NatGateway")) {
        expect(byId(p, nat.inputs.allocationId)?.type).to.equal("aws:ec2/eip:Eip");
      }
      const natRoutes = ofType(p, "aws:ec2/route:Route").filter((r) => r.inputs.networkInterfaceId);
      expect(natRoutes).to.have.length(stack === "dev" ? 2 * want.azs : 0);
      for (const route of natRoutes) {
        expect(byId(p, route.inputs.networkInterfaceId)?.type).to.equal(
          "aws:ec2/networkInterface:NetworkInterface",
        );
      }
      const flowLog = ofType(p, "aws:ec2/flowLog:FlowLog").find(
        (f) => f.region === "eu-central-1",
      )!;
      expect(flowLog.inputs.logDestination).to.match(
        /^arn:aws:logs:eu-central-1:123456789012:log-group:remote-flow-logs-[0-9a-f]{7}$/,
      );
    });
  });
}

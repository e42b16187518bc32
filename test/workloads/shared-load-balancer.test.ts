/**
 * `platform:sharedLoadBalancer` in the whole program: QuickBets' sessions and Arbees' home gateway
 * behind the home region's one load balancer (the default), or each behind its own (false).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import type { PlannedResource } from "../../engine/engine";
import { planCli, root, type PlanRun } from "../helpers/plan-cli";
import { byId, describeEachStack, ofType } from "../helpers/plan-queries";

const LB = "aws:lb/loadBalancer:LoadBalancer";

/** A priced item of the plan's estimate (`--json` writes it under `cost`), by resource name. */
function costOf(plan: object, name: string): { workload: string; monthly: number } | undefined {
  const { cost } = plan as {
    cost: { items: { name: string; workload: string; monthly: number }[] };
  };
  return cost.items.find((i) => i.name === name);
}

describeEachStack(
  (stack) => `The shared load balancer in the ${stack} stack, planned offline`,
  (s) => {
    const { stack } = s;
    const env = (fn: string) =>
      (
        ofType(s.p, "aws:lambda/function:Function").find((f) => f.name === fn)!.inputs
          .environment as { variables: Record<string, string> }
      ).variables;

    it("is the stack's one load balancer, in the home region, counted as the region's", () => {
      const lbs = ofType(s.p, LB);
      expect(lbs.map((l) => [l.name, l.region])).to.deep.equal([["home-alb", "us-east-1"]]);
      // The network's child: the estimate puts it in the `home` bucket.
      expect(costOf(s.p, "home-alb")).to.include({ workload: "home" });
      // The sessions' WebSockets ask an hour: the one idle timeout.
      expect(lbs[0]!.inputs).to.include({
        idleTimeout: 3600,
        enableDeletionProtection: stack === "prod",
      });
    });

    it(
      stack === "prod"
        ? "serves both hosts on one HTTPS listener: the sessions' certificate the default, Arbees' by SNI"
        : "gives Arbees port 80 and the sessions 8080, the group open on exactly those",
      () => {
        const listeners = ofType(s.p, "aws:lb/listener:Listener");
        const lifecycle = env("quickbets-lifecycle-fn");
        const listener = byId(s.p, lifecycle.LISTENER_ARN)!;
        const open = ofType(s.p, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
          .filter((r) => r.inputs.cidrIpv4 === "0.0.0.0/0")
          .map((r) => r.inputs.fromPort)
          .sort();
        if (stack === "prod") {
          expect(
            listeners.map((l) => `${String(l.inputs.protocol)}:${String(l.inputs.port)}`).sort(),
          ).to.deep.equal(["HTTP:80", "HTTPS:443"]);
          expect(listener.inputs).to.include({ port: 443, protocol: "HTTPS" });
          expect(String(listener.inputs.certificateArn)).to.match(/:certificate\/0d6f3c1e-/);
          const sni = ofType(s.p, "aws:lb/listenerCertificate:ListenerCertificate");
          expect(sni.map((c) => c.inputs.listenerArn)).to.deep.equal([listener.id]);
          const validation = ofType(
            s.p,
            "aws:acm/certificateValidation:CertificateValidation",
          ).find((v) => v.name === "home-alb-arbees-home-cert-validation")!;
          expect(sni[0]!.inputs.certificateArn).to.equal(validation.inputs.certificateArn);
          expect(lifecycle).to.include({
            SESSION_HOST: "sessions.quickbets.example.com",
            RULE_PRIORITY_FIRST: "1001",
            RULE_PRIORITY_LAST: "1998",
          });
          expect(open).to.deep.equal([443, 80]);
          // Arbees' domain is aliased to the shared load balancer.
          const alias = ofType(s.p, "aws:route53/record:Record").find(
            (r) => r.inputs.name === "arbees.example.com",
          )!;
          const lb = ofType(s.p, LB)[0]!;
          expect((alias.inputs.aliases as { name: string }[])[0]!.name).to.equal(
            lb.outputs!.dnsName,
          );
        } else {
          expect(listeners.map((l) => [l.name, l.inputs.port])).to.have.deep.members([
            ["home-alb-quickbets-http", 8080],
            ["home-alb-arbees-home-http", 80],
          ]);
          expect(listener.name).to.equal("home-alb-quickbets-http");
          expect(lifecycle).not.to.have.property("SESSION_HOST");
          expect(open).to.deep.equal([80, 8080]);
        }
      },
    );

    it("puts every static rule in its workload's priority block, with its host in prod", () => {
      const rules = ofType(s.p, "aws:lb/listenerRule:ListenerRule").map((r) => [
        r.name,
        r.inputs.priority,
        (r.inputs.conditions as { hostHeader?: { values: string[] } }[]).find((c) => c.hostHeader)
          ?.hostHeader!.values[0],
      ]);
      const arbees = stack === "prod" ? "arbees.example.com" : undefined;
      expect(rules).to.have.deep.members([
        ["arbees-home-api-rule", 2010, arbees],
        ["arbees-home-frontend-rule", 2020, arbees],
        ...(stack === "prod"
          ? [
              ["home-alb-quickbets-not-found", 1999, "sessions.quickbets.example.com"],
              ["home-alb-arbees-home-not-found", 2999, "arbees.example.com"],
            ]
          : []),
      ]);
    });

    it("alarms on each Arbees route's own 5xx, and exports URLs on the shared load balancer", () => {
      const alarms = ofType(s.p, "aws:cloudwatch/metricAlarm:MetricAlarm").filter(
        (a) => a.inputs.metricName === "HTTPCode_Target_5XX_Count",
      );
      expect(alarms.map((a) => a.name).sort()).to.deep.equal([
        "arbees-home-api-5xx",
        "arbees-home-frontend-5xx",
      ]);
      for (const alarm of alarms) {
        expect(alarm.inputs.dimensions).to.have.keys(["TargetGroup", "LoadBalancer"]);
      }
      if (stack === "prod") {
        expect(s.p.outputs.arbeesUrl).to.equal("https://arbees.example.com");
        expect(s.p.outputs.quickbetsWebsocketBaseUrl).to.equal(
          "wss://sessions.quickbets.example.com",
        );
      } else {
        expect(s.p.outputs.arbeesUrl).to.match(/^http:\/\/home-alb-.+\.elb\.amazonaws\.com$/);
        expect(s.p.outputs.quickbetsWebsocketBaseUrl).to.match(
          /^ws:\/\/home-alb-.+\.elb\.amazonaws\.com:8080$/,
        );
      }
    });
  },
);

/** The plan of `stack` with `platform:sharedLoadBalancer: false`, from a copy of its stack file. */
async function planUnshared(stack: string): Promise<PlanRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "unshared-"));
  fs.copyFileSync(path.join(root, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  const stackFile = fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8");
  fs.writeFileSync(
    path.join(dir, `Pulumi.${stack}.yaml`),
    `${stackFile.trimEnd()}\n  platform:sharedLoadBalancer: false\n`,
  );
  fs.writeFileSync(
    path.join(dir, "index.ts"),
    `export * from ${JSON.stringify(path.join(root, "index"))};\n`,
  );
  return planCli(stack, dir);
}

for (const stack of ["dev", "prod"] as const) {
  describe(`platform:sharedLoadBalancer false in the ${stack} stack`, () => {
    let run: PlanRun;
    before(async () => {
      run = await planUnshared(stack);
      expect(run.code, run.stderr).to.equal(0);
    });

    it("gives the sessions and Arbees' home gateway a load balancer each, billed to each", () => {
      const lbs = ofType(run.plan!, LB);
      expect(lbs.map((l: PlannedResource) => l.name).sort()).to.deep.equal([
        "arbees-home-alb",
        "quickbets-ws",
      ]);
      expect(costOf(run.plan!, "quickbets-ws")).to.include({ workload: "quickbets" });
      expect(costOf(run.plan!, "arbees-home-alb")).to.include({ workload: "arbees" });
      const lifecycle = ofType(run.plan!, "aws:lambda/function:Function").find(
        (f) => f.name === "quickbets-lifecycle-fn",
      )!.inputs.environment as { variables: Record<string, string> };
      // The sessions' own listener: every priority theirs, no host to match.
      expect(lifecycle.variables).to.include({
        RULE_PRIORITY_FIRST: "1",
        RULE_PRIORITY_LAST: "50000",
      });
      expect(lifecycle.variables).not.to.have.property("SESSION_HOST");
    });
  });
}

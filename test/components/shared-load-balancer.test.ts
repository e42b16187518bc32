import { expect } from "chai";
import { thrown } from "../helpers/errors";
import { Network } from "../../components/network";
import { RegionalGateway } from "../../components/regional-gateway";
import { SessionFleet } from "../../components/session-fleet";
import {
  attachmentProblems,
  listenerPorts,
  priorityBlock,
  SharedLoadBalancer,
  sharedIdleTimeout,
  type AttachmentSpec,
} from "../../components/shared-load-balancer";
import { failureOf, finder, inHomeRegion, runWithMocks } from "../helpers/mock-runtime";

const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0d6f3c1e-7a52-4b8e-9f1d-2c4a6b8e0f13";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const LISTENER = "aws:lb/listener:Listener";
const RULE = "aws:lb/listenerRule:ListenerRule";

const spec = (workload: string, rest: Partial<AttachmentSpec> = {}): AttachmentSpec => ({
  workload,
  priorityBlock: 1,
  idleTimeout: 60,
  rules: 0,
  targetGroups: 0,
  ...rest,
});
const https = (workload: string, host: string, rest: Partial<AttachmentSpec> = {}) =>
  spec(workload, { host, certificate: true, ...rest });

describe("SharedLoadBalancer", () => {
  describe("attachmentProblems", () => {
    const cases: [string, AttachmentSpec[], AttachmentSpec, boolean, RegExp | undefined][] = [
      [
        "a port of its own in dev",
        [spec("a", { port: 80 })],
        spec("b", { port: 8080 }),
        true,
        undefined,
      ],
      [
        "hosts in their own blocks",
        [https("a", "a.example.com")],
        https("b", "b.example.com", { priorityBlock: 2 }),
        false,
        undefined,
      ],
      [
        "the same block on another listener (dev ports)",
        [spec("a", { port: 80 })],
        spec("b", { port: 8080 }),
        true,
        undefined,
      ],
      [
        "a port taken",
        [spec("a", { port: 8080 })],
        spec("b", { port: 8080 }),
        true,
        /b: port 8080 is a's listener/,
      ],
      [
        "a priority block taken on the HTTPS listener",
        [https("a", "a.example.com")],
        https("b", "b.example.com"),
        false,
        /b: rule priorities 1001-1999 \(priorityBlock 1\) are a's on the HTTPS listener/,
      ],
      [
        "a host taken",
        [https("a", "a.example.com")],
        https("b", "a.example.com", { priorityBlock: 2 }),
        false,
        /b: host a\.example\.com is a's/,
      ],
      [
        "port 80 beside TLS",
        [spec("a", { port: 80 })],
        https("b", "b.example.com", { priorityBlock: 2 }),
        true,
        /a: ports 80 and 443 are the HTTPS listeners'/,
      ],
      ["plain HTTP where not allowed", [], spec("a", { port: 80 }), false, /a: tls is required/],
      ["no port without TLS", [], spec("a"), true, /a: port is required without tls/],
      [
        "TLS without a certificate",
        [],
        spec("a", { host: "a.example.com", certificate: false }),
        false,
        /certificateArn, or hostedZoneId/,
      ],
      [
        "the same workload twice",
        [spec("a", { port: 80 })],
        spec("a", { port: 81 }),
        true,
        /a: attached twice/,
      ],
      ["block 49, the last", [], spec("a", { port: 80, priorityBlock: 49 }), true, undefined],
      [
        "block 50",
        [],
        spec("a", { port: 80, priorityBlock: 50 }),
        true,
        /priorityBlock must be a whole number from 0 to 49/,
      ],
      [
        "idle timeout 4000, the most",
        [],
        spec("a", { port: 80, idleTimeout: 4000 }),
        true,
        undefined,
      ],
      [
        "idle timeout 4001",
        [],
        spec("a", { port: 80, idleTimeout: 4001 }),
        true,
        /idleTimeout must be 1 to 4000/,
      ],
      [
        "100 rules with the hosts' 404s",
        [https("a", "a.example.com", { rules: 60 })],
        https("b", "b.example.com", { priorityBlock: 2, rules: 38 }),
        false,
        undefined,
      ],
      [
        "101 rules with the hosts' 404s",
        [https("a", "a.example.com", { rules: 60 })],
        https("b", "b.example.com", { priorityBlock: 2, rules: 39 }),
        false,
        /reserve 99 listener rules and their hosts take 2, more than the 100/,
      ],
      [
        "101 target groups",
        [spec("a", { port: 80, targetGroups: 90 })],
        spec("b", { port: 81, targetGroups: 11 }),
        true,
        /reserve 101 target groups/,
      ],
    ];
    for (const [title, attached, next, allowHttp, problem] of cases) {
      it(`${problem ? "refuses" : "accepts"} ${title}`, () => {
        const found = attachmentProblems(attached, next, allowHttp);
        if (problem) expect(found.join("\n")).to.match(problem);
        else expect(found).to.deep.equal([]);
      });
    }

    it("refuses a 27th host: 25 certificates besides the default one", () => {
      const hosts = Array.from({ length: 26 }, (_, i) =>
        https(`w${i}`, `w${i}.example.com`, { priorityBlock: i }),
      );
      expect(attachmentProblems(hosts.slice(0, 25), hosts[25]!, false)).to.deep.equal([]);
      expect(
        attachmentProblems(hosts, https("w26", "w26.example.com", { priorityBlock: 26 }), false),
      ).to.deep.equal([
        "w26: more than 25 certificates besides the default one on one load balancer (ELB's quota)",
      ]);
    });
  });

  it("gives each block its rules' priorities and its host's 404 last", () => {
    expect(priorityBlock(0)).to.deep.equal({ first: 1, last: 998, notFound: 999 });
    expect(priorityBlock(2)).to.deep.equal({ first: 2001, last: 2998, notFound: 2999 });
    expect(priorityBlock(49)).to.deep.equal({ first: 49001, last: 49998, notFound: 49999 });
  });

  it("takes the largest idle timeout asked, AWS's 60 s when none asks more", () => {
    expect(sharedIdleTimeout([])).to.equal(60);
    expect(sharedIdleTimeout([spec("a", { idleTimeout: 30 })])).to.equal(60);
    expect(
      sharedIdleTimeout([
        spec("a"),
        spec("b", { idleTimeout: 3600 }),
        spec("c", { idleTimeout: 120 }),
      ]),
    ).to.equal(3600);
  });

  it("listens on each plain port, and on 80 and 443 once a workload has TLS", () => {
    expect(listenerPorts([spec("a", { port: 8080 }), spec("b", { port: 80 })])).to.deep.equal([
      80, 8080,
    ]);
    expect(listenerPorts([https("a", "a.example.com"), spec("b", { port: 8080 })])).to.deep.equal([
      80, 443, 8080,
    ]);
  });

  /** QuickBets-like sessions and an Arbees-like gateway on one shared load balancer. */
  function twoWorkloads(prod: boolean, blocks = { sessions: 1, gateway: 2 }) {
    return inHomeRegion((provider) => {
      const network = new Network(
        "home",
        { cidrBlock: "10.10.0.0/16", availabilityZones: ["us-east-1a", "us-east-1b"] },
        { provider },
      );
      const shared = new SharedLoadBalancer(
        "home-alb",
        { network, deletionProtection: prod, allowHttp: !prod },
        { provider },
      );
      new SessionFleet(
        "qb",
        {
          network,
          environment: prod ? "prod" : "dev",
          description: "Trading sessions",
          session: { imageTag: "1.0.0", cpu: 256, memory: 512, port: 8080 },
          logRetentionInDays: 7,
          targetGroupPrefix: "qb-dev-",
          maxSessions: 20,
          ...(prod ? { tls: { domainName: "sessions.example.com", certificateArn: CERT } } : {}),
          sharedLoadBalancer: { loadBalancer: shared, port: 8080, priorityBlock: blocks.sessions },
        },
        { provider },
      );
      new RegionalGateway(
        "gw",
        {
          network,
          environment: prod ? "prod" : "dev",
          loadBalancer: {
            ...(prod
              ? { domainName: "app.example.com", hostedZoneId: "Z0EXAMPLE1" }
              : { allowHttp: true }),
            shared: { loadBalancer: shared, port: 80, priorityBlock: blocks.gateway },
          },
          services: [
            {
              name: "web",
              image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1",
              cpu: 256,
              memory: 512,
              port: 3000,
              ingress: { pathPatterns: ["/*"] },
            },
          ],
        },
        { provider },
      );
    });
  }

  it("in dev: one load balancer, a listener per workload on its port, the group open on exactly those", async () => {
    const find = finder(await runWithMocks(twoWorkloads(false), { home: "us-east-1" }));
    const [lb, ...others] = find.ofType("aws:lb/loadBalancer:LoadBalancer");
    expect(others).to.have.length(0);
    expect(lb!.name).to.equal("home-alb");
    // The sessions' WebSockets ask an hour; the gateway AWS's default.
    expect(lb!.inputs).to.include({ idleTimeout: 3600, dropInvalidHeaderFields: true });
    const listeners = find.ofType(LISTENER).map((l) => [l.name, l.inputs.port, l.inputs.protocol]);
    expect(listeners).to.have.deep.members([
      ["home-alb-qb-http", 8080, "HTTP"],
      ["home-alb-gw-http", 80, "HTTP"],
    ]);
    expect(
      find.named("home-alb-qb-http").inputs.defaultActions[0].fixedResponse.messageBody,
    ).to.equal('{"error":"unknown_session"}');
    expect(
      find
        .ofType(INGRESS)
        .filter((r) => r.inputs.cidrIpv4 === "0.0.0.0/0")
        .map((r) => r.inputs.fromPort)
        .sort(),
    ).to.deep.equal([80, 8080]);
    const rule = find.named("gw-web-rule").inputs;
    expect(rule.listenerArn).to.equal(find.named("home-alb-gw-http").state.arn);
    expect(rule.priority).to.equal(2010);
    expect(rule.conditions).to.deep.equal([{ pathPattern: { values: ["/*"] } }]);
    // Per target group: the load balancer's own count holds the sessions' answers too.
    const alarm = find.named("gw-web-5xx").inputs;
    expect(alarm.dimensions).to.have.keys(["TargetGroup", "LoadBalancer"]);
    expect(alarm.metricName).to.equal("HTTPCode_Target_5XX_Count");
    expect(find.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.name)).not.to.include(
      "gw-alb-5xx",
    );
  });

  it("in prod: one HTTPS listener, the first certificate its default and the next by SNI, host rules in each block", async () => {
    const find = finder(await runWithMocks(twoWorkloads(true), { home: "us-east-1" }));
    expect(find.ofType("aws:lb/loadBalancer:LoadBalancer")).to.have.length(1);
    const listeners = find.ofType(LISTENER);
    expect(listeners.map((l) => `${l.inputs.protocol}:${l.inputs.port}`).sort()).to.deep.equal([
      "HTTP:80",
      "HTTPS:443",
    ]);
    const httpsListener = find.named("home-alb-https");
    expect(httpsListener.inputs.certificateArn).to.equal(CERT);
    expect(find.named("home-alb-http-redirect").inputs.defaultActions[0].redirect).to.include({
      protocol: "HTTPS",
      port: "443",
    });
    const sni = find.ofType("aws:lb/listenerCertificate:ListenerCertificate");
    expect(sni.map((c) => c.name)).to.deep.equal(["home-alb-gw-certificate"]);
    expect(sni[0]!.inputs.certificateArn).to.equal(find.named("home-alb-gw-cert").state.arn);
    expect(find.named("home-alb-gw-dns").inputs).to.include({
      name: "app.example.com",
      zoneId: "Z0EXAMPLE1",
    });
    const rules = find
      .ofType(RULE)
      .map((r) => [
        r.name,
        r.inputs.priority,
        r.inputs.conditions.find((c: any) => c.hostHeader)?.hostHeader.values[0],
      ]);
    expect(rules).to.have.deep.members([
      ["home-alb-qb-not-found", 1999, "sessions.example.com"],
      ["home-alb-gw-not-found", 2999, "app.example.com"],
      ["gw-web-rule", 2010, "app.example.com"],
    ]);
    expect(
      find
        .ofType(INGRESS)
        .filter((r) => r.inputs.cidrIpv4 === "0.0.0.0/0")
        .map((r) => r.inputs.fromPort)
        .sort(),
    ).to.deep.equal([443, 80]);
  });

  it("refuses two workloads in one priority block on the HTTPS listener", async () => {
    const failure = await failureOf(twoWorkloads(true, { sessions: 2, gateway: 2 }));
    expect(failure?.message).to.match(
      /SharedLoadBalancer home-alb:\n {2}gw: rule priorities 2001-2999 \(priorityBlock 2\) are qb's/,
    );
  });

  it("refuses a workload attaching after the idle timeout is settled", async () => {
    let attempt: Promise<Error | undefined> = Promise.resolve(undefined);
    await runWithMocks(
      inHomeRegion((provider) => {
        const network = new Network(
          "home",
          { cidrBlock: "10.10.0.0/16", availabilityZones: ["us-east-1a", "us-east-1b"] },
          { provider },
        );
        const shared = new SharedLoadBalancer(
          "alb",
          { network, deletionProtection: false, allowHttp: true },
          { provider },
        );
        // After the program's turn, as from inside an apply.
        attempt = new Promise((resolve) =>
          setImmediate(() =>
            resolve(thrown(() => shared.attach("late", { port: 80, priorityBlock: 1 }))),
          ),
        );
      }),
      { home: "us-east-1" },
    );
    expect((await attempt)?.message).to.match(/late: attached after the load balancer was settled/);
  });
});

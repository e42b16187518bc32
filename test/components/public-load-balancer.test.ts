import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { Network } from "../../components/network";
import {
  PublicLoadBalancer,
  ruleConditions,
  TLS_POLICY,
  type PublicLoadBalancerArgs,
} from "../../components/public-load-balancer";
import { failureOf, finder, inHomeRegion, runWithMocks } from "../helpers/mock-runtime";

/**
 * The load balancer `web` (with `allowTo` its `app` target) on the `home` provider; `then` gets
 * it and the provider, `opts` adds to its options.
 */
function build(
  overrides:
    Partial<PublicLoadBalancerArgs> | ((provider: aws.Provider) => Partial<PublicLoadBalancerArgs>),
  then?: (alb: PublicLoadBalancer) => void,
  opts: pulumi.ComponentResourceOptions = {},
) {
  return inHomeRegion((provider) => {
    const network = new Network(
      "home",
      { cidrBlock: "10.10.0.0/16", availabilityZones: ["us-east-1a", "us-east-1b"] },
      { provider },
    );
    const more = typeof overrides === "function" ? overrides(provider) : overrides;
    const alb = new PublicLoadBalancer(
      "web",
      { network, deletionProtection: false, ...more },
      { provider, ...opts },
    );
    alb.allowTo("app", 8080, "sg-0123456789abcdef0");
    then?.(alb);
  });
}

/** The value of an output of a mocked run (known: the mocks run an update, not a preview). */
const valueOf = <T>(output: pulumi.Output<T>): Promise<T> =>
  (output as unknown as { promise(): Promise<T> }).promise();

describe("PublicLoadBalancer", () => {
  it("with a zone: validates a certificate there, serves TLS 1.3, redirects HTTP, aliases the domain", async () => {
    const find = finder(
      await runWithMocks(
        build({ tls: { domainName: "app.example.com", hostedZoneId: "Z0EXAMPLE1" } }),
        {
          home: "us-east-1",
        },
      ),
    );
    const https = find.named("web-https");
    expect(https.inputs).to.include({ protocol: "HTTPS", port: 443, sslPolicy: TLS_POLICY });
    // The listener waits for the validation, which passes the certificate's ARN on.
    const validation = find.ofType("aws:acm/certificateValidation:CertificateValidation")[0]!;
    expect(validation.inputs.certificateArn).to.equal(find.named("web-cert").state.arn);
    expect(https.inputs.certificateArn).to.equal(find.named("web-cert").state.arn);
    expect(find.named("web-http-redirect").inputs.defaultActions[0].redirect).to.include({
      protocol: "HTTPS",
    });
    expect(find.named("web-dns").inputs).to.include({
      name: "app.example.com",
      type: "A",
      zoneId: "Z0EXAMPLE1",
    });
    const ingress = find.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    expect(ingress.map((r) => r.inputs.fromPort).sort()).to.deep.equal([443, 80]);
    expect(find.named("web").inputs).to.include({ internal: false, dropInvalidHeaderFields: true });
    expect(find.named("web-to-app").inputs).to.include({
      fromPort: 8080,
      referencedSecurityGroupId: "sg-0123456789abcdef0",
    });
  });

  it("with a certificate ARN: uses it and creates no certificate", async () => {
    const arn = "arn:aws:acm:us-east-1:123456789012:certificate/abc";
    const find = finder(
      await runWithMocks(build({ tls: { domainName: "app.example.com", certificateArn: arn } }), {
        home: "us-east-1",
      }),
    );
    expect(find.named("web-https").inputs.certificateArn).to.equal(arn);
    expect(find.ofType("aws:acm/certificate:Certificate")).to.have.length(0);
    expect(find.ofType("aws:route53/record:Record")).to.have.length(0);
  });

  it("without TLS: plain HTTP on 80 only, where allowed", async () => {
    const find = finder(await runWithMocks(build({ allowHttp: true }), { home: "us-east-1" }));
    expect(
      find.ofType("aws:lb/listener:Listener").map((l) => `${l.inputs.protocol}:${l.inputs.port}`),
    ).to.deep.equal(["HTTP:80"]);
    expect(
      find
        .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        .map((r) => r.inputs.fromPort),
    ).to.deep.equal([80]);
  });

  it("refuses plain HTTP unless allowed, and TLS without a certificate or a zone", async () => {
    expect((await failureOf(build({})))?.message).to.include("tls: required unless allowHttp");
    expect((await failureOf(build({ tls: { domainName: "a.example.com" } })))?.message).to.include(
      "tls: give certificateArn, or hostedZoneId",
    );
  });

  it("takes the TLS policy and the validation record's TTL, and transform hooks for its children", async () => {
    const find = finder(
      await runWithMocks(
        build({
          tls: { domainName: "app.example.com", hostedZoneId: "Z0EXAMPLE1" },
          sslPolicy: "ELBSecurityPolicy-TLS13-1-3-2021-06",
          validationRecordTtl: 60,
          transform: {
            loadBalancer: { idleTimeout: 300 },
            listener: (args) => {
              args.tags = { edge: "public" };
            },
            certificate: { keyAlgorithm: "EC_prime256v1" },
            securityGroup: { tags: { tier: "edge" } },
          },
        }),
        { home: "us-east-1" },
      ),
    );
    expect(find.named("web-https").inputs).to.include({
      sslPolicy: "ELBSecurityPolicy-TLS13-1-3-2021-06",
    });
    expect(find.named("web-https").inputs.tags).to.deep.equal({ edge: "public" });
    expect(find.named("web-http-redirect").inputs.tags).to.equal(undefined);
    expect(find.named("web").inputs).to.include({
      idleTimeout: 300,
      dropInvalidHeaderFields: true,
    });
    expect(find.named("web-cert").inputs).to.include({ keyAlgorithm: "EC_prime256v1" });
    expect(find.named("web-sg").inputs.tags).to.deep.equal({ tier: "edge" });
    const validation = find
      .ofType("aws:route53/record:Record")
      .find((r) => r.name === "web-cert-validation")!;
    expect(validation.inputs.ttl).to.equal(60);
  });
});

describe("PublicLoadBalancer: what it lets in and out, exactly", () => {
  const ingressOf = (find: ReturnType<typeof finder>) =>
    find
      .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
      .map(({ name, inputs }) => ({ name, ...inputs }));

  it("with TLS: 80 (redirected) and 443 from anywhere; out only to its targets' port", async () => {
    const find = finder(
      await runWithMocks(
        build({ tls: { domainName: "a.example.com", certificateArn: "arn:cert" } }),
      ),
    );
    const group = find.named("web-sg");
    expect(group.inputs.description).to.equal("web: public load balancer, 80/443 only");
    const rule = { securityGroupId: group.id, ipProtocol: "tcp", cidrIpv4: "0.0.0.0/0" };
    expect(ingressOf(find)).to.deep.equal([
      {
        name: "web-in-80",
        ...rule,
        description: "HTTP, redirected to HTTPS",
        fromPort: 80,
        toPort: 80,
      },
      { name: "web-in-443", ...rule, description: "HTTPS", fromPort: 443, toPort: 443 },
    ]);
    expect(find.named("web-to-app").inputs).to.deep.equal({
      securityGroupId: group.id,
      description: "To app",
      ipProtocol: "tcp",
      fromPort: 8080,
      toPort: 8080,
      referencedSecurityGroupId: "sg-0123456789abcdef0",
    });
    expect(find.named("web").inputs).to.deep.include({
      loadBalancerType: "application",
      internal: false,
      securityGroups: [group.id],
      dropInvalidHeaderFields: true,
      idleTimeout: 60,
      enableDeletionProtection: false,
    });
    expect(find.named("web").inputs).to.not.have.property("accessLogs");
    expect(find.named("web-http-redirect").inputs).to.deep.include({
      port: 80,
      protocol: "HTTP",
      defaultActions: [
        { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
      ],
    });
    expect(find.named("web-https").inputs).to.deep.include({
      certificateArn: "arn:cert",
      defaultActions: [
        {
          type: "fixed-response",
          fixedResponse: {
            contentType: "application/json",
            statusCode: "404",
            messageBody: '{"error":"not_found"}',
          },
        },
      ],
    });
    // A certificate given: none validated, and no zone to write a record in.
    expect(find.ofType("aws:acm/certificate:Certificate")).to.deep.equal([]);
    expect(find.ofType("aws:route53/record:Record")).to.deep.equal([]);
  });

  it("without TLS (dev): 80 only; deletion protection as asked", async () => {
    const find = finder(
      await runWithMocks(build({ allowHttp: true, deletionProtection: true, idleTimeout: 300 })),
    );
    expect(ingressOf(find)).to.deep.equal([
      {
        name: "web-in-80",
        securityGroupId: find.named("web-sg").id,
        description: "HTTP (dev)",
        ipProtocol: "tcp",
        fromPort: 80,
        toPort: 80,
        cidrIpv4: "0.0.0.0/0",
      },
    ]);
    expect(find.named("web").inputs).to.deep.include({
      enableDeletionProtection: true,
      idleTimeout: 300,
    });
  });

  it("TLS given both a certificate and a zone: uses the certificate, aliases the domain", async () => {
    const find = finder(
      await runWithMocks(
        build({
          tls: { domainName: "a.example.com", certificateArn: "arn:cert", hostedZoneId: "Z1" },
        }),
      ),
    );
    expect(find.ofType("aws:acm/certificate:Certificate")).to.deep.equal([]);
    expect(find.named("web-https").inputs.certificateArn).to.equal("arn:cert");
    expect(find.named("web-dns").inputs).to.deep.include({ zoneId: "Z1", name: "a.example.com" });
  });
});

describe("PublicLoadBalancer: rule conditions", () => {
  const cases: [string, string | undefined, string[], unknown[]][] = [
    [
      "its own listener: paths only",
      undefined,
      ["/api/*"],
      [{ pathPattern: { values: ["/api/*"] } }],
    ],
    [
      "a shared listener: paths and the workload's host",
      "app.example.com",
      ["/api/*", "/health"],
      [
        { pathPattern: { values: ["/api/*", "/health"] } },
        { hostHeader: { values: ["app.example.com"] } },
      ],
    ],
    ["an empty host: paths only", "", ["/"], [{ pathPattern: { values: ["/"] } }]],
  ];
  for (const [title, host, paths, expected] of cases) {
    it(title, () => expect(ruleConditions({ host }, paths)).to.deep.equal(expected));
  }
});

describe("PublicLoadBalancer: what it exposes, and where its children go", () => {
  const ZONED = { tls: { domainName: "app.example.com", hostedZoneId: "Z0EXAMPLE1" } };

  it("TLS 1.3 (with 1.2) by default: ELBSecurityPolicy-TLS13-1-2-2021-06", async () => {
    expect(TLS_POLICY).to.equal("ELBSecurityPolicy-TLS13-1-2-2021-06");
    const find = finder(await runWithMocks(build(ZONED)));
    expect(find.named("web-https").inputs.sslPolicy).to.equal(
      "ELBSecurityPolicy-TLS13-1-2-2021-06",
    );
  });

  const exposed: [string, Partial<PublicLoadBalancerArgs>, boolean, (dnsName: string) => string][] =
    [
      ["with TLS: https://<domain>", ZONED, true, () => "https://app.example.com"],
      [
        "with a certificate ARN: https://<domain>",
        { tls: { domainName: "b.example.com", certificateArn: "arn:cert" } },
        true,
        () => "https://b.example.com",
      ],
      ["without TLS: http://<dns name>", { allowHttp: true }, false, (dns) => `http://${dns}`],
    ];
  for (const [title, overrides, tls, url] of exposed) {
    it(`tls and url ${title}`, async () => {
      let alb: PublicLoadBalancer | undefined;
      const find = finder(await runWithMocks(build(overrides, (lb) => (alb = lb))));
      const dnsName = find.named("web").state.dnsName as string;
      expect(dnsName).to.match(/\.elb\.amazonaws\.com$/);
      expect(alb!.tls).to.equal(tls);
      expect(await valueOf(alb!.dnsName)).to.equal(dnsName);
      expect(await valueOf(alb!.url)).to.equal(url(dnsName));
    });
  }

  const everything: [string, Partial<PublicLoadBalancerArgs>, string[]][] = [
    [
      "with TLS and a zone",
      ZONED,
      [
        "web-sg",
        "web-in-80",
        "web-in-443",
        "web",
        "web-cert",
        "web-cert-validation",
        "web-cert-validation",
        "web-https",
        "web-http-redirect",
        "web-dns",
        "web-to-app",
      ],
    ],
    ["without TLS", { allowHttp: true }, ["web-sg", "web-in-80", "web", "web-http", "web-to-app"]],
  ];
  for (const [title, overrides, names] of everything) {
    it(`${title}: every child is on the component's provider`, async () => {
      const mine = (await runWithMocks(build(overrides))).filter((r) => r.name.startsWith("web"));
      expect(mine.map((r) => r.name).sort()).to.deep.equal([...names].sort());
      expect(mine.map((r) => [r.name, r.provider])).to.deep.equal(
        mine.map((r) => [r.name, "home"]),
      );
    });
  }

  it("with access logs: logs to the bucket's prefix, after the bucket's policy, on its provider", async () => {
    const seen = new Map<string, pulumi.ResourceOptions>();
    let policy: pulumi.Resource | undefined;
    const find = finder(
      await runWithMocks(
        build(
          (provider) => {
            policy = new aws.s3.BucketPolicy(
              "logs-policy",
              { bucket: "logs", policy: "{}" },
              { provider },
            );
            return { allowHttp: true, accessLogs: { bucket: "logs", prefix: "elb/web", policy } };
          },
          undefined,
          {
            transformations: [
              ({ name, opts }) => {
                seen.set(name, opts);
                return undefined;
              },
            ],
          },
        ),
      ),
    );
    expect(find.named("web").inputs.accessLogs).to.deep.equal({
      bucket: "logs",
      prefix: "elb/web",
      enabled: true,
    });
    expect(find.named("web").provider).to.equal("home");
    expect(seen.get("web")?.dependsOn).to.have.ordered.members([policy]);
    expect(seen.get("web-sg")).to.not.have.property("dependsOn");
  });

  it("without access logs: waits for nothing", async () => {
    const seen = new Map<string, pulumi.ResourceOptions>();
    await runWithMocks(
      build({ allowHttp: true }, undefined, {
        transformations: [
          ({ name, opts }) => {
            seen.set(name, opts);
            return undefined;
          },
        ],
      }),
    );
    expect(seen.get("web")).to.not.have.property("dependsOn");
  });

  it("validates its certificate by DNS in the zone, and aliases the domain there", async () => {
    const find = finder(await runWithMocks(build(ZONED)));
    const certificate = find.named("web-cert");
    expect(certificate.inputs).to.deep.equal({
      domainName: "app.example.com",
      validationMethod: "DNS",
    });
    const [option] = certificate.state.domainValidationOptions as Record<string, string>[];
    const record = find
      .ofType("aws:route53/record:Record")
      .find((r) => r.name === "web-cert-validation")!;
    expect(record.inputs).to.deep.equal({
      zoneId: "Z0EXAMPLE1",
      name: option!.resourceRecordName,
      type: "CNAME",
      records: [option!.resourceRecordValue],
      ttl: 300,
      allowOverwrite: true,
    });
    const lb = find.named("web");
    expect(find.named("web-dns").inputs).to.deep.equal({
      zoneId: "Z0EXAMPLE1",
      name: "app.example.com",
      type: "A",
      aliases: [{ name: lb.state.dnsName, zoneId: lb.state.zoneId, evaluateTargetHealth: true }],
    });
  });
});

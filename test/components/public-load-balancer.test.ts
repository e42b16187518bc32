import { expect } from "chai";
import { Network } from "../../components/network";
import {
  PublicLoadBalancer,
  TLS_POLICY,
  type PublicLoadBalancerArgs,
} from "../../components/public-load-balancer";
import { failureOf, finder, inHomeRegion, runWithMocks } from "../helpers/mock-runtime";

function build(overrides: Partial<PublicLoadBalancerArgs>) {
  return inHomeRegion((provider) => {
    const network = new Network(
      "home",
      { cidrBlock: "10.10.0.0/16", availabilityZones: ["us-east-1a", "us-east-1b"] },
      { provider },
    );
    const alb = new PublicLoadBalancer(
      "web",
      { network, deletionProtection: false, ...overrides },
      { provider },
    );
    alb.allowTo("app", 8080, "sg-0123456789abcdef0");
  });
}

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

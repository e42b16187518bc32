import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Network } from "./network";

/** The TLS policy of HTTPS listeners: TLS 1.3 with 1.2 for older clients. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

export interface PublicLoadBalancerArgs {
  /** The network whose public subnets hold the load balancer. */
  network: Network;
  /**
   * HTTPS: a host name, with either an existing ACM certificate for it or a Route 53 zone to
   * validate a new one in (the zone also gets an alias record). HTTP then only redirects.
   * @default undefined (plain HTTP, which only `allowHttp` permits)
   */
  tls?: { domainName: string; certificateArn?: pulumi.Input<string>; hostedZoneId?: string };
  /**
   * Serve plain HTTP when there is no TLS (dev only; the policy pack refuses it in prod).
   * @default false
   */
  allowHttp?: boolean;
  /**
   * Seconds an idle connection stays open (WebSockets need long ones).
   * @default 60
   */
  idleTimeout?: number;
  /** Deletion protection (prod). */
  deletionProtection: boolean;
  /**
   * JSON body of the default 404, for paths no rule routes.
   * @default '{"error":"not_found"}'
   */
  notFoundBody?: string;
}

/**
 * An internet-facing application load balancer in the public subnets: a security group admitting
 * only 80/443 from anywhere, invalid headers dropped, HTTPS with a TLS 1.3 policy and an ACM
 * certificate (given, or validated in a Route 53 zone) with HTTP redirected, or plain HTTP where
 * allowed; a default 404 for what no rule routes; `allowTo` opens its way to a target group.
 */
export class PublicLoadBalancer extends pulumi.ComponentResource {
  public readonly loadBalancer: aws.lb.LoadBalancer;
  public readonly securityGroup: aws.ec2.SecurityGroup;
  /** The listener rules attach to: HTTPS with TLS, HTTP without. */
  public readonly listener: aws.lb.Listener;
  public readonly dnsName: pulumi.Output<string>;
  /** `https://<domain>` with TLS, `http://<dns name>` without. */
  public readonly url: pulumi.Output<string>;
  public readonly tls: boolean;
  private readonly name: string;

  constructor(name: string, args: PublicLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:network:PublicLoadBalancer", name, {}, opts);
    this.name = name;

    // ---- normalize ----
    const tls = args.tls;
    this.tls = tls !== undefined;
    const problems = [
      ...(tls || args.allowHttp
        ? []
        : ["tls: required unless allowHttp (plain HTTP is for dev only)"]),
      ...(tls && !tls.certificateArn && !tls.hostedZoneId
        ? ["tls: give certificateArn, or hostedZoneId to validate a certificate in"]
        : []),
    ];
    if (problems.length > 0)
      throw new Error(`PublicLoadBalancer ${name}:\n  ${problems.join("\n  ")}`);

    // ---- create ----
    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      { vpcId: args.network.vpcId, description: `${name}: public load balancer, 80/443 only` },
      { parent: this },
    );
    for (const port of tls ? [80, 443] : [80]) {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-in-${port}`,
        {
          securityGroupId: this.securityGroup.id,
          description: port === 443 ? "HTTPS" : tls ? "HTTP, redirected to HTTPS" : "HTTP (dev)",
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          cidrIpv4: "0.0.0.0/0",
        },
        { parent: this },
      );
    }
    this.loadBalancer = new aws.lb.LoadBalancer(
      name,
      {
        loadBalancerType: "application",
        internal: false,
        subnets: args.network.publicSubnetIds,
        securityGroups: [this.securityGroup.id],
        dropInvalidHeaderFields: true,
        idleTimeout: args.idleTimeout ?? 60,
        enableDeletionProtection: args.deletionProtection,
      },
      { parent: this },
    );
    const notFound = {
      type: "fixed-response",
      fixedResponse: {
        contentType: "application/json",
        statusCode: "404",
        messageBody: args.notFoundBody ?? '{"error":"not_found"}',
      },
    };
    if (tls) {
      const certificateArn =
        tls.certificateArn ?? this.validatedCertificate(tls.domainName, tls.hostedZoneId!);
      this.listener = new aws.lb.Listener(
        `${name}-https`,
        {
          loadBalancerArn: this.loadBalancer.arn,
          port: 443,
          protocol: "HTTPS",
          sslPolicy: TLS_POLICY,
          certificateArn,
          defaultActions: [notFound],
        },
        { parent: this },
      );
      new aws.lb.Listener(
        `${name}-http-redirect`,
        {
          loadBalancerArn: this.loadBalancer.arn,
          port: 80,
          protocol: "HTTP",
          defaultActions: [
            {
              type: "redirect",
              redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" },
            },
          ],
        },
        { parent: this },
      );
      if (tls.hostedZoneId) {
        new aws.route53.Record(
          `${name}-dns`,
          {
            zoneId: tls.hostedZoneId,
            name: tls.domainName,
            type: "A",
            aliases: [
              {
                name: this.loadBalancer.dnsName,
                zoneId: this.loadBalancer.zoneId,
                evaluateTargetHealth: true,
              },
            ],
          },
          { parent: this },
        );
      }
    } else {
      this.listener = new aws.lb.Listener(
        `${name}-http`,
        {
          loadBalancerArn: this.loadBalancer.arn,
          port: 80,
          protocol: "HTTP",
          defaultActions: [notFound],
        },
        { parent: this },
      );
    }

    // ---- expose ----
    this.dnsName = this.loadBalancer.dnsName;
    this.url = tls
      ? pulumi.output(`https://${tls.domainName}`)
      : pulumi.interpolate`http://${this.loadBalancer.dnsName}`;
    this.registerOutputs({ dnsName: this.dnsName, url: this.url });
  }

  /** Lets the load balancer reach a target's security group on its port. */
  allowTo(
    target: string,
    port: number,
    securityGroupId: pulumi.Input<string>,
  ): aws.vpc.SecurityGroupEgressRule {
    return new aws.vpc.SecurityGroupEgressRule(
      `${this.name}-to-${target}`,
      {
        securityGroupId: this.securityGroup.id,
        description: `To ${target}`,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        referencedSecurityGroupId: securityGroupId,
      },
      { parent: this },
    );
  }

  /** An ACM certificate for the domain, validated through a record in the zone. */
  private validatedCertificate(domainName: string, zoneId: string): pulumi.Output<string> {
    const certificate = new aws.acm.Certificate(
      `${this.name}-cert`,
      { domainName, validationMethod: "DNS" },
      { parent: this },
    );
    // One domain, so exactly one validation record: no resource created inside an apply.
    const option = certificate.domainValidationOptions.apply((options) => options[0]!);
    const record = new aws.route53.Record(
      `${this.name}-cert-validation`,
      {
        zoneId,
        name: option.resourceRecordName,
        type: option.resourceRecordType,
        records: [option.resourceRecordValue],
        ttl: 300,
        allowOverwrite: true,
      },
      { parent: this },
    );
    return new aws.acm.CertificateValidation(
      `${this.name}-cert-validation`,
      { certificateArn: certificate.arn, validationRecordFqdns: [record.fqdn] },
      { parent: this },
    ).certificateArn;
  }
}

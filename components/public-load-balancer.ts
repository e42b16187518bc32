import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AccessLogDestination } from "./access-log-bucket";
import type { Network } from "./network";
import { transform, type Transform } from "./transform";

/** The TLS policy of HTTPS listeners: TLS 1.3 with 1.2 for older clients. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** Listener rule priorities run from 1 to 50000, unique per listener. */
// https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateRule.html
export const MAX_RULE_PRIORITY = 50_000;

/** The listener rule priorities one workload's rules may take, both ends included. */
export interface PriorityRange {
  readonly first: number;
  readonly last: number;
}

/**
 * Where one workload's routes go on a load balancer, its own (PublicLoadBalancer) or a region's
 * shared one (SharedLoadBalancer.attach): the listener its rules attach to, the host they must
 * also match, and the priorities they may take.
 */
export interface LoadBalancerAttachment {
  readonly loadBalancer: aws.lb.LoadBalancer;
  /** The load balancer's group: what the workload's targets admit. */
  readonly securityGroup: aws.ec2.SecurityGroup;
  /** The listener the workload's rules attach to. */
  readonly listener: aws.lb.Listener;
  /**
   * The host every rule of the workload also matches, on a listener it shares with others.
   * Undefined when the listener is the workload's alone.
   */
  readonly host?: string;
  /** The priorities the workload's rules may take on the listener. */
  readonly priorities: PriorityRange;
  /** `https://<domain>` with TLS, `http://<dns name>[:port]` without. */
  readonly url: pulumi.Output<string>;
  /** Lets the load balancer reach a target's security group on its port. */
  allowTo(
    target: string,
    port: number,
    securityGroupId: pulumi.Input<string>,
  ): aws.vpc.SecurityGroupEgressRule;
}

/** A rule's conditions on an attachment: its paths, and the workload's host on a shared listener. */
export function ruleConditions(
  attachment: Pick<LoadBalancerAttachment, "host">,
  pathPatterns: string[],
): aws.types.input.lb.ListenerRuleCondition[] {
  return [
    { pathPattern: { values: pathPatterns } },
    ...(attachment.host ? [{ hostHeader: { values: [attachment.host] } }] : []),
  ];
}

/** HTTPS: a host name, with an existing ACM certificate or a Route 53 zone to validate one in. */
export interface LoadBalancerTls {
  domainName: string;
  certificateArn?: pulumi.Input<string>;
  hostedZoneId?: string;
}

export interface PublicLoadBalancerArgs {
  /** The network whose public subnets hold the load balancer. */
  network: Network;
  /**
   * HTTPS: a host name, with either an existing ACM certificate for it or a Route 53 zone to
   * validate a new one in (the zone also gets an alias record). HTTP then only redirects.
   * @default undefined (plain HTTP, which only `allowHttp` permits)
   */
  tls?: LoadBalancerTls;
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
   * Access logs to a log bucket under the destination's prefix; the load balancer waits for the
   * bucket's policy, since ELB tests its write access when logging is turned on.
   * @default undefined (no access logs; the policy pack requires them in prod)
   */
  accessLogs?: AccessLogDestination;
  /**
   * JSON body of the default 404, for paths no rule routes.
   * @default '{"error":"not_found"}'
   */
  notFoundBody?: string;
  /**
   * Security policy of the HTTPS listener.
   * @default TLS_POLICY (TLS 1.3, with 1.2 for older clients)
   */
  sslPolicy?: string;
  /**
   * TTL of the certificate's DNS validation record, in seconds.
   * @default 300
   */
  validationRecordTtl?: number;
  /** Escape hatches: each hook edits one child's args after the component has set them. */
  transform?: PublicLoadBalancerTransforms;
}

export interface PublicLoadBalancerTransforms {
  /** The load balancer's security group (its 80/443 ingress rules are separate resources). */
  securityGroup?: Transform<aws.ec2.SecurityGroupArgs>;
  /** The load balancer (subnets, idle timeout, access logs, deletion protection…). */
  loadBalancer?: Transform<aws.lb.LoadBalancerArgs>;
  /** The listener rules attach to: HTTPS with TLS, HTTP without. */
  listener?: Transform<aws.lb.ListenerArgs>;
  /** The HTTP listener that redirects to HTTPS (with TLS only). */
  redirectListener?: Transform<aws.lb.ListenerArgs>;
  /** The ACM certificate validated in the zone (with `tls.hostedZoneId` and no `certificateArn`). */
  certificate?: Transform<aws.acm.CertificateArgs>;
  /** The alias record of the domain in the zone (with `tls.hostedZoneId`). */
  dnsRecord?: Transform<aws.route53.RecordArgs>;
}

/** The body of the 404 for what no rule routes, unless a workload gives its own. */
export const NOT_FOUND_BODY = '{"error":"not_found"}';

/** A JSON 404: the default action of a listener, or a rule's for a host's unrouted paths. */
export function notFoundAction(
  body: string = NOT_FOUND_BODY,
): aws.types.input.lb.ListenerDefaultAction {
  return {
    type: "fixed-response",
    fixedResponse: { contentType: "application/json", statusCode: "404", messageBody: body },
  };
}

/** What is wrong with the args, one line each (empty when nothing is). */
export function loadBalancerProblems(args: PublicLoadBalancerArgs): string[] {
  const tls = args.tls;
  return [
    ...(tls || args.allowHttp
      ? []
      : ["tls: required unless allowHttp (plain HTTP is for dev only)"]),
    ...(tls && !tls.certificateArn && !tls.hostedZoneId
      ? ["tls: give certificateArn, or hostedZoneId to validate a certificate in"]
      : []),
  ];
}

/**
 * An internet-facing application load balancer in the public subnets: a security group admitting
 * only 80/443 from anywhere, invalid headers dropped, HTTPS with a TLS 1.3 policy and an ACM
 * certificate (given, or validated in a Route 53 zone) with HTTP redirected, or plain HTTP where
 * allowed; a default 404 for what no rule routes; `allowTo` opens its way to a target group.
 */
export class PublicLoadBalancer extends pulumi.ComponentResource implements LoadBalancerAttachment {
  public readonly loadBalancer: aws.lb.LoadBalancer;
  public readonly securityGroup: aws.ec2.SecurityGroup;
  /** The listener rules attach to: HTTPS with TLS, HTTP without. */
  public readonly listener: aws.lb.Listener;
  public readonly dnsName: pulumi.Output<string>;
  /** `https://<domain>` with TLS, `http://<dns name>` without. */
  public readonly url: pulumi.Output<string>;
  public readonly tls: boolean;
  /** The listener is this load balancer's alone: no host to match, every priority free. */
  public readonly host = undefined;
  public readonly priorities: PriorityRange = { first: 1, last: MAX_RULE_PRIORITY };
  private readonly name: string;
  private readonly hooks: PublicLoadBalancerTransforms;

  constructor(name: string, args: PublicLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:network:PublicLoadBalancer", name, {}, opts);
    this.name = name;
    this.hooks = args.transform ?? {};

    // ---- normalize ----
    const problems = loadBalancerProblems(args);
    if (problems.length > 0)
      throw new Error(`PublicLoadBalancer ${name}:\n  ${problems.join("\n  ")}`);
    const tls = args.tls;
    this.tls = tls !== undefined;

    // ---- create ----
    this.securityGroup = this.publicSecurityGroup(args);
    this.loadBalancer = this.applicationLoadBalancer(args);
    this.listener = tls ? this.httpsListeners(args, tls) : this.httpListener(args);

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

  /** The group admitting 80 (and 443 with TLS) from anywhere. */
  private publicSecurityGroup(args: PublicLoadBalancerArgs): aws.ec2.SecurityGroup {
    const name = this.name;
    const group = new aws.ec2.SecurityGroup(
      ...transform(
        this.hooks.securityGroup,
        `${name}-sg`,
        { vpcId: args.network.vpcId, description: `${name}: public load balancer, 80/443 only` },
        { parent: this },
      ),
    );
    for (const port of args.tls ? [80, 443] : [80]) {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-in-${port}`,
        {
          securityGroupId: group.id,
          description:
            port === 443 ? "HTTPS" : args.tls ? "HTTP, redirected to HTTPS" : "HTTP (dev)",
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          cidrIpv4: "0.0.0.0/0",
        },
        { parent: this },
      );
    }
    return group;
  }

  private applicationLoadBalancer(args: PublicLoadBalancerArgs): aws.lb.LoadBalancer {
    const logs = args.accessLogs;
    return new aws.lb.LoadBalancer(
      ...transform(
        this.hooks.loadBalancer,
        this.name,
        {
          loadBalancerType: "application",
          internal: false,
          subnets: args.network.publicSubnetIds,
          securityGroups: [this.securityGroup.id],
          dropInvalidHeaderFields: true,
          idleTimeout: args.idleTimeout ?? 60,
          enableDeletionProtection: args.deletionProtection,
          ...(logs
            ? { accessLogs: { bucket: logs.bucket, prefix: logs.prefix, enabled: true } }
            : {}),
        },
        { parent: this, ...(logs ? { dependsOn: [logs.policy] } : {}) },
      ),
    );
  }

  /** The default action of the listener rules attach to: a JSON 404. */
  private notFound(args: PublicLoadBalancerArgs): aws.types.input.lb.ListenerDefaultAction {
    return notFoundAction(args.notFoundBody);
  }

  /** HTTPS on 443 (returned: rules attach to it), HTTP on 80 redirecting, the domain's alias. */
  private httpsListeners(args: PublicLoadBalancerArgs, tls: LoadBalancerTls): aws.lb.Listener {
    const name = this.name;
    const listener = new aws.lb.Listener(
      ...transform(
        this.hooks.listener,
        `${name}-https`,
        {
          loadBalancerArn: this.loadBalancer.arn,
          port: 443,
          protocol: "HTTPS",
          sslPolicy: args.sslPolicy ?? TLS_POLICY,
          certificateArn:
            tls.certificateArn ??
            validatedCertificate(
              name,
              {
                domainName: tls.domainName,
                zoneId: tls.hostedZoneId!,
                recordTtl: args.validationRecordTtl,
                transform: this.hooks.certificate,
              },
              { parent: this },
            ),
          defaultActions: [this.notFound(args)],
        },
        { parent: this },
      ),
    );
    new aws.lb.Listener(
      ...transform(
        this.hooks.redirectListener,
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
      ),
    );
    if (tls.hostedZoneId) {
      aliasRecord(
        name,
        { zoneId: tls.hostedZoneId, domainName: tls.domainName, loadBalancer: this.loadBalancer },
        { parent: this },
        this.hooks.dnsRecord,
      );
    }
    return listener;
  }

  /** Plain HTTP on 80 (dev). */
  private httpListener(args: PublicLoadBalancerArgs): aws.lb.Listener {
    return new aws.lb.Listener(
      ...transform(
        this.hooks.listener,
        `${this.name}-http`,
        {
          loadBalancerArn: this.loadBalancer.arn,
          port: 80,
          protocol: "HTTP",
          defaultActions: [this.notFound(args)],
        },
        { parent: this },
      ),
    );
  }
}

/**
 * An ACM certificate for one domain (`<name>-cert`), validated through a DNS record in the zone:
 * the validation's ARN, which a listener may use once the certificate is issued.
 */
export function validatedCertificate(
  name: string,
  args: {
    domainName: string;
    zoneId: string;
    /** @default 300 */
    recordTtl?: number;
    transform?: Transform<aws.acm.CertificateArgs>;
  },
  opts: pulumi.CustomResourceOptions,
): pulumi.Output<string> {
  const certificate = new aws.acm.Certificate(
    ...transform(
      args.transform,
      `${name}-cert`,
      { domainName: args.domainName, validationMethod: "DNS" },
      opts,
    ),
  );
  // One domain, so exactly one validation record: no resource created inside an apply.
  const option = certificate.domainValidationOptions.apply((options) => options[0]!);
  const record = new aws.route53.Record(
    `${name}-cert-validation`,
    {
      zoneId: args.zoneId,
      name: option.resourceRecordName,
      type: option.resourceRecordType,
      records: [option.resourceRecordValue],
      ttl: args.recordTtl ?? 300,
      allowOverwrite: true,
    },
    opts,
  );
  return new aws.acm.CertificateValidation(
    `${name}-cert-validation`,
    { certificateArn: certificate.arn, validationRecordFqdns: [record.fqdn] },
    opts,
  ).certificateArn;
}

/** The alias record (`<name>-dns`) of a domain in its zone, to a load balancer. */
export function aliasRecord(
  name: string,
  args: { zoneId: string; domainName: string; loadBalancer: aws.lb.LoadBalancer },
  opts: pulumi.CustomResourceOptions,
  hook?: Transform<aws.route53.RecordArgs>,
): aws.route53.Record {
  return new aws.route53.Record(
    ...transform(
      hook,
      `${name}-dns`,
      {
        zoneId: args.zoneId,
        name: args.domainName,
        type: "A",
        aliases: [
          {
            name: args.loadBalancer.dnsName,
            zoneId: args.loadBalancer.zoneId,
            evaluateTargetHealth: true,
          },
        ],
      },
      opts,
    ),
  );
}

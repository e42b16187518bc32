import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AccessLogDestination } from "./access-log-bucket";
import type { Network } from "./network";
import {
  aliasRecord,
  notFoundAction,
  TLS_POLICY,
  validatedCertificate,
  type LoadBalancerAttachment,
  type LoadBalancerTls,
  type PriorityRange,
  type PublicLoadBalancerTransforms,
} from "./public-load-balancer";
import { transform } from "./transform";

/**
 * What one Application Load Balancer holds at most by default (adjustable ones can be raised):
 * rules and certificates exclude the listeners' default ones.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
 */
export const ALB_QUOTAS = { rules: 100, certificates: 25, listeners: 50, targetGroups: 100 };

/** An ALB closes connections idle this long, in seconds: 1 to 4000. @default 60 (AWS's) */
// https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerAttribute.html
export const IDLE_TIMEOUT = { min: 1, max: 4000, default: 60 };

/** Rule priorities come in blocks of 1000 (block 0 starts at 1); 50000 is the last priority. */
const BLOCK_SIZE = 1000;
export const MAX_PRIORITY_BLOCK = 49;

/** A block's priorities: the workload's rules take all but the last, its host's 404 the last. */
export function priorityBlock(block: number): PriorityRange & { notFound: number } {
  const base = block * BLOCK_SIZE;
  return { first: base + 1, last: base + BLOCK_SIZE - 2, notFound: base + BLOCK_SIZE - 1 };
}

export interface AttachmentArgs {
  /**
   * HTTPS for this host on the shared 443 listener: its rules also match the host, and its
   * certificate joins the listener's (the first workload's is the default one, the others are
   * served by SNI). The certificate is given, or validated in `hostedZoneId`, where the host also
   * gets an alias to the load balancer.
   * @default undefined (plain HTTP on `port`, which only the load balancer's `allowHttp` permits)
   */
  tls?: LoadBalancerTls;
  /**
   * Port of the workload's own plain-HTTP listener, without `tls`. With TLS in use, 80 is the
   * listener redirecting to HTTPS and 443 the HTTPS one.
   */
  port?: number;
  /**
   * The block of listener rule priorities the workload's rules take: block k is k*1000+1 to
   * k*1000+998, and k*1000+999 is its host's 404. Fixed per workload, not by the order workloads
   * attach in, so rules a workload creates at run time keep theirs when others come and go; two
   * workloads on one listener with the same block are refused. 0 to 49.
   */
  priorityBlock: number;
  /**
   * Seconds an idle connection stays open: the load balancer takes the largest any workload asks.
   * @default 60
   */
  idleTimeout?: number;
  /**
   * JSON body of the 404 for the workload's paths no rule routes.
   * @default '{"error":"not_found"}'
   */
  notFoundBody?: string;
  /**
   * Listener rules and target groups the workload creates, those its code creates at run time
   * included: ELB counts them per load balancer, so the shared one checks their sum.
   * @default { rules: 0, targetGroups: 0 }
   */
  reserve?: { rules?: number; targetGroups?: number };
}

/** An attachment as the checks see it: plain data. */
export interface AttachmentSpec {
  workload: string;
  host?: string;
  /** With `host`: its certificate is given or validated in a zone. */
  certificate?: boolean;
  port?: number;
  priorityBlock: number;
  idleTimeout: number;
  rules: number;
  targetGroups: number;
}

/** The spec of an attachment's args. */
export function attachmentSpec(workload: string, args: AttachmentArgs): AttachmentSpec {
  const tls = args.tls;
  return {
    workload,
    ...(tls
      ? {
          host: tls.domainName,
          certificate: tls.certificateArn !== undefined || tls.hostedZoneId !== undefined,
        }
      : {}),
    ...(args.port !== undefined ? { port: args.port } : {}),
    priorityBlock: args.priorityBlock,
    idleTimeout: args.idleTimeout ?? IDLE_TIMEOUT.default,
    rules: args.reserve?.rules ?? 0,
    targetGroups: args.reserve?.targetGroups ?? 0,
  };
}

/** The load balancer's listeners for these attachments: one per plain port, 80 and 443 with TLS. */
export function listenerPorts(specs: readonly AttachmentSpec[]): number[] {
  const tls = specs.some((s) => s.host !== undefined);
  const plain = specs.filter((s) => s.host === undefined).map((s) => s.port!);
  return [...new Set([...(tls ? [80, 443] : []), ...plain])].sort((a, b) => a - b);
}

/** The idle timeout of the load balancer: the largest its workloads ask. */
export function sharedIdleTimeout(specs: readonly AttachmentSpec[]): number {
  return Math.max(IDLE_TIMEOUT.default, ...specs.map((s) => s.idleTimeout));
}

/**
 * What is wrong with attaching `next` after `attached`, one line each (empty when nothing is):
 * its own settings, what it would share with an attached workload (name, port, host, priority
 * block on the HTTPS listener), and ELB's quotas over all of them.
 */
export function attachmentProblems(
  attached: readonly AttachmentSpec[],
  next: AttachmentSpec,
  allowHttp: boolean,
): string[] {
  const w = next.workload;
  const tls = next.host !== undefined;
  const all = [...attached, ...(attached.some((a) => a.workload === w) ? [] : [next])];
  const withTls = all.filter((a) => a.host !== undefined);
  const hostRules = withTls.length;
  const sum = (key: "rules" | "targetGroups") => all.reduce((n, a) => n + a[key], 0);
  const clash = (a: AttachmentSpec) => a.workload !== w;
  const sameHost = attached.find((a) => clash(a) && tls && a.host === next.host);
  const sameBlock = attached.find(
    (a) => clash(a) && tls && a.host !== undefined && a.priorityBlock === next.priorityBlock,
  );
  const samePort = attached.find(
    (a) => clash(a) && !tls && a.host === undefined && a.port === next.port,
  );
  const range = priorityBlock(next.priorityBlock);
  return [
    ...(attached.some((a) => a.workload === w) ? [`${w}: attached twice`] : []),
    ...(!Number.isInteger(next.priorityBlock) ||
    next.priorityBlock < 0 ||
    next.priorityBlock > MAX_PRIORITY_BLOCK
      ? [`${w}: priorityBlock must be a whole number from 0 to ${MAX_PRIORITY_BLOCK}`]
      : []),
    ...(!Number.isInteger(next.idleTimeout) ||
    next.idleTimeout < IDLE_TIMEOUT.min ||
    next.idleTimeout > IDLE_TIMEOUT.max
      ? [`${w}: idleTimeout must be ${IDLE_TIMEOUT.min} to ${IDLE_TIMEOUT.max} seconds`]
      : []),
    ...(tls && !next.certificate
      ? [`${w}: tls needs certificateArn, or hostedZoneId to validate a certificate in`]
      : []),
    ...(!tls && !allowHttp ? [`${w}: tls is required (plain HTTP is for dev only)`] : []),
    ...(!tls && next.port === undefined ? [`${w}: port is required without tls`] : []),
    ...(!tls &&
    next.port !== undefined &&
    (!Number.isInteger(next.port) || next.port < 1 || next.port > 65535)
      ? [`${w}: port must be 1 to 65535`]
      : []),
    ...(samePort ? [`${w}: port ${next.port} is ${samePort.workload}'s listener`] : []),
    ...(withTls.length > 0 &&
    all.some((a) => a.host === undefined && (a.port === 80 || a.port === 443))
      ? [
          `${all.find((a) => a.host === undefined && (a.port === 80 || a.port === 443))!.workload}: ports 80 and 443 are the HTTPS listeners' once a workload has tls; choose another port`,
        ]
      : []),
    ...(sameHost ? [`${w}: host ${next.host} is ${sameHost.workload}'s`] : []),
    ...(sameBlock
      ? [
          `${w}: rule priorities ${range.first}-${range.notFound} (priorityBlock ${next.priorityBlock}) are ${sameBlock.workload}'s on the HTTPS listener; give each workload its own block`,
        ]
      : []),
    ...(listenerPorts(all).length > ALB_QUOTAS.listeners
      ? [`${w}: more than ${ALB_QUOTAS.listeners} listeners on one load balancer (ELB's quota)`]
      : []),
    ...(withTls.length - 1 > ALB_QUOTAS.certificates
      ? [
          `${w}: more than ${ALB_QUOTAS.certificates} certificates besides the default one on one load balancer (ELB's quota)`,
        ]
      : []),
    ...(sum("rules") + hostRules > ALB_QUOTAS.rules
      ? [
          `${w}: the workloads reserve ${sum("rules")} listener rules and their hosts take ${hostRules}, more than the ${ALB_QUOTAS.rules} ELB allows per load balancer`,
        ]
      : []),
    ...(sum("targetGroups") > ALB_QUOTAS.targetGroups
      ? [
          `${w}: the workloads reserve ${sum("targetGroups")} target groups, more than the ${ALB_QUOTAS.targetGroups} ELB allows per load balancer`,
        ]
      : []),
  ];
}

export interface SharedLoadBalancerArgs {
  /** The network whose public subnets hold the load balancer. */
  network: Network;
  /** Deletion protection (prod). */
  deletionProtection: boolean;
  /**
   * Let workloads without TLS attach with a plain-HTTP listener of their own (dev only; the
   * policy pack refuses plain HTTP in prod).
   * @default false
   */
  allowHttp?: boolean;
  /**
   * Access logs of every workload's traffic, under one prefix (ELB has one per load balancer).
   * @default undefined (no access logs; the policy pack requires them in prod)
   */
  accessLogs?: AccessLogDestination;
  /**
   * JSON body of the 404 for a host no workload serves.
   * @default '{"error":"not_found"}'
   */
  notFoundBody?: string;
  /**
   * Security policy of the HTTPS listener.
   * @default TLS_POLICY (TLS 1.3, with 1.2 for older clients)
   */
  sslPolicy?: string;
  /**
   * TTL of certificates' DNS validation records, in seconds.
   * @default 300
   */
  validationRecordTtl?: number;
  /** Escape hatches: each hook edits one child's args after the component has set them. */
  transform?: Pick<
    PublicLoadBalancerTransforms,
    "securityGroup" | "loadBalancer" | "listener" | "redirectListener" | "certificate" | "dnsRecord"
  >;
}

/**
 * One internet-facing application load balancer that several workloads attach to, instead of one
 * each: per workload a plain-HTTP listener on its own port (dev), or its host on one HTTPS
 * listener with its certificate (SNI) and host-matched rules in its own priority block, HTTP
 * redirected (prod). The security group opens exactly the listeners' ports; invalid headers are
 * dropped; unknown hosts get a 404. Workloads attach while the program is built: the idle timeout,
 * one per load balancer, is settled after that as the largest any of them asks.
 */
export class SharedLoadBalancer extends pulumi.ComponentResource {
  public readonly loadBalancer: aws.lb.LoadBalancer;
  public readonly securityGroup: aws.ec2.SecurityGroup;
  public readonly dnsName: pulumi.Output<string>;
  /** The idle timeout the load balancer gets, once every workload has attached. */
  public readonly idleTimeout: pulumi.Output<number>;
  private readonly name: string;
  private readonly args: SharedLoadBalancerArgs;
  private readonly specs: AttachmentSpec[] = [];
  private https?: aws.lb.Listener;
  private settled = false;

  constructor(name: string, args: SharedLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:network:SharedLoadBalancer", name, {}, opts);
    this.name = name;
    this.args = args;
    const hooks = args.transform ?? {};

    // ---- normalize: the idle timeout waits for the attachments made while the program builds ----
    this.idleTimeout = pulumi.output(
      new Promise<number>((resolve) =>
        setImmediate(() => {
          this.settled = true;
          resolve(sharedIdleTimeout(this.specs));
        }),
      ),
    );

    // ---- create ----
    this.securityGroup = new aws.ec2.SecurityGroup(
      ...transform(
        hooks.securityGroup,
        `${name}-sg`,
        {
          vpcId: args.network.vpcId,
          description: `${name}: shared public load balancer, listener ports only`,
        },
        { parent: this },
      ),
    );
    const logs = args.accessLogs;
    this.loadBalancer = new aws.lb.LoadBalancer(
      ...transform(
        hooks.loadBalancer,
        name,
        {
          loadBalancerType: "application",
          internal: false,
          subnets: args.network.publicSubnetIds,
          securityGroups: [this.securityGroup.id],
          dropInvalidHeaderFields: true,
          idleTimeout: this.idleTimeout,
          enableDeletionProtection: args.deletionProtection,
          ...(logs
            ? { accessLogs: { bucket: logs.bucket, prefix: logs.prefix, enabled: true } }
            : {}),
        },
        { parent: this, ...(logs ? { dependsOn: [logs.policy] } : {}) },
      ),
    );

    // ---- expose ----
    this.dnsName = this.loadBalancer.dnsName;
    this.registerOutputs({ dnsName: this.dnsName, idleTimeout: this.idleTimeout });
  }

  /**
   * Attaches a workload: its listener (a port of its own, or the shared HTTPS one with its host's
   * certificate, alias and 404 rule) and where its rules go.
   * @throws Error naming the workload when the attachment conflicts or exceeds ELB's quotas
   */
  attach(workload: string, args: AttachmentArgs): LoadBalancerAttachment {
    // ---- normalize ----
    const spec = attachmentSpec(workload, args);
    const problems = this.settled
      ? [
          `${workload}: attached after the load balancer was settled (attach while the program builds, not in an apply)`,
        ]
      : attachmentProblems(this.specs, spec, this.args.allowHttp ?? false);
    if (problems.length > 0)
      throw new Error(`SharedLoadBalancer ${this.name}:\n  ${problems.join("\n  ")}`);
    this.specs.push(spec);
    const block = priorityBlock(args.priorityBlock);

    // ---- create ----
    const tls = args.tls;
    const listener = tls
      ? this.hostOnHttps(workload, tls, args.notFoundBody, block.notFound)
      : this.plainListener(workload, args.port!, args.notFoundBody);

    // ---- expose ----
    const name = this.name;
    const group = this.securityGroup;
    return {
      loadBalancer: this.loadBalancer,
      securityGroup: group,
      listener,
      ...(tls ? { host: tls.domainName } : {}),
      priorities: { first: block.first, last: block.last },
      url: tls
        ? pulumi.output(`https://${tls.domainName}`)
        : pulumi.interpolate`http://${this.loadBalancer.dnsName}${args.port === 80 ? "" : `:${args.port}`}`,
      allowTo: (target, port, securityGroupId) =>
        new aws.vpc.SecurityGroupEgressRule(
          `${name}-to-${workload}-${target}`,
          {
            securityGroupId: group.id,
            description: `To ${workload} ${target}`,
            ipProtocol: "tcp",
            fromPort: port,
            toPort: port,
            referencedSecurityGroupId: securityGroupId,
          },
          { parent: this },
        ),
    };
  }

  /** The internet on one port of the load balancer's group. */
  private openPort(port: number, description: string): void {
    new aws.vpc.SecurityGroupIngressRule(
      `${this.name}-in-${port}`,
      {
        securityGroupId: this.securityGroup.id,
        description,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        cidrIpv4: "0.0.0.0/0",
      },
      { parent: this },
    );
  }

  /** A workload's own plain-HTTP listener (dev), answering its 404 for what its rules miss. */
  private plainListener(workload: string, port: number, notFoundBody?: string): aws.lb.Listener {
    this.openPort(port, `HTTP for ${workload} (dev)`);
    return new aws.lb.Listener(
      ...transform(
        this.args.transform?.listener,
        `${this.name}-${workload}-http`,
        {
          loadBalancerArn: this.loadBalancer.arn,
          port,
          protocol: "HTTP",
          defaultActions: [notFoundAction(notFoundBody)],
        },
        { parent: this },
      ),
    );
  }

  /**
   * The workload's host on the HTTPS listener, which the first such workload creates with its
   * certificate as the default one (HTTP on 80 redirecting); later ones add theirs for SNI. The
   * host's 404 rule takes the last priority of its block, after every rule of the workload.
   */
  private hostOnHttps(
    workload: string,
    tls: LoadBalancerTls,
    notFoundBody: string | undefined,
    notFoundPriority: number,
  ): aws.lb.Listener {
    const id = `${this.name}-${workload}`;
    const hooks = this.args.transform ?? {};
    const certificateArn =
      tls.certificateArn ??
      validatedCertificate(
        id,
        {
          domainName: tls.domainName,
          zoneId: tls.hostedZoneId!,
          recordTtl: this.args.validationRecordTtl,
          transform: hooks.certificate,
        },
        { parent: this },
      );
    const first = this.https === undefined;
    const https = (this.https ??= this.httpsListener(certificateArn));
    if (!first) {
      // ACM certificates besides the default one are served by SNI.
      // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/https-listener-certificates.html
      new aws.lb.ListenerCertificate(
        `${id}-certificate`,
        { listenerArn: https.arn, certificateArn },
        { parent: this },
      );
    }
    if (tls.hostedZoneId) {
      aliasRecord(
        id,
        { zoneId: tls.hostedZoneId, domainName: tls.domainName, loadBalancer: this.loadBalancer },
        { parent: this },
        hooks.dnsRecord,
      );
    }
    new aws.lb.ListenerRule(
      `${id}-not-found`,
      {
        listenerArn: https.arn,
        priority: notFoundPriority,
        conditions: [{ hostHeader: { values: [tls.domainName] } }],
        actions: [notFoundAction(notFoundBody)],
      },
      { parent: this },
    );
    return https;
  }

  /** HTTPS on 443 with the first workload's certificate, HTTP on 80 redirecting to it. */
  private httpsListener(certificateArn: pulumi.Input<string>): aws.lb.Listener {
    const hooks = this.args.transform ?? {};
    this.openPort(443, "HTTPS");
    this.openPort(80, "HTTP, redirected to HTTPS");
    const listener = new aws.lb.Listener(
      ...transform(
        hooks.listener,
        `${this.name}-https`,
        {
          loadBalancerArn: this.loadBalancer.arn,
          port: 443,
          protocol: "HTTPS",
          sslPolicy: this.args.sslPolicy ?? TLS_POLICY,
          certificateArn,
          // Hosts no workload serves.
          defaultActions: [notFoundAction(this.args.notFoundBody)],
        },
        { parent: this },
      ),
    );
    new aws.lb.Listener(
      ...transform(
        hooks.redirectListener,
        `${this.name}-http-redirect`,
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
    return listener;
  }
}

/** Where a component attaches on a region's shared load balancer. */
export interface SharedLoadBalancerSlot {
  loadBalancer: SharedLoadBalancer;
  /** Port of its plain-HTTP listener, without TLS (AttachmentArgs.port). */
  port: number;
  /** Its block of listener rule priorities (AttachmentArgs.priorityBlock). */
  priorityBlock: number;
}

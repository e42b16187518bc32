/**
 * Network: no open ingress but web ports on load balancers, flow logs, locked defaults, IMDSv2,
 * and NAT instances that are locked down and routed to the way AWS forwards.
 */
import type { PolicyResource } from "@pulumi/policy";
import {
  asArray,
  asRecord,
  dependenciesOf,
  isTrue,
  ofType,
  publicSubnets,
  refersTo,
  resourceRule,
  stackRule,
  strings,
  text,
  withoutCompanion,
  type Finding,
  type Props,
} from "./common";
import { INGRESS_RULE, LISTENERS, LOAD_BALANCERS, SG, SG_RULE } from "./types";

const ANYWHERE = ["0.0.0.0/0", "::/0"];
const VPC = "aws:ec2/vpc:Vpc";

interface Ingress {
  from: number;
  to: number;
  protocol: string;
  sources: string[];
}

/** Ingress permissions a resource grants, from whichever of the three shapes AWS offers. */
function ingressOf(resource: { type: string; props: Props }): Ingress[] {
  const { props } = resource;
  const one = (p: Props): Ingress => ({
    from: Number(p.fromPort ?? 0),
    to: Number(p.toPort ?? 65535),
    protocol: text(p.protocol ?? p.ipProtocol, "-1"),
    sources: [
      ...strings(p.cidrBlocks),
      ...strings(p.ipv6CidrBlocks),
      ...strings(p.cidrIpv4),
      ...strings(p.cidrIpv6),
    ],
  });
  switch (resource.type) {
    case SG:
      return asArray<Props>(props.ingress).map(one);
    case SG_RULE:
      return props.type === "ingress" ? [one(props)] : [];
    case INGRESS_RULE:
      return [one(props)];
    // Stryker disable next-line ConditionalExpression: every caller passes one of the three types
    default:
      // Stryker disable next-line ArrayDeclaration: every caller passes one of the three types
      return [];
  }
}

const allPorts = (i: Ingress) => i.protocol === "-1" || i.protocol === "all";
const covers = (i: Ingress, port: number) => allPorts(i) || (i.from <= port && port <= i.to);
const fromAnywhere = (i: Ingress) => i.sources.some((s) => ANYWHERE.includes(s));

export const noOpenAdminPorts = resourceRule({
  name: "sg-no-ssh-rdp-from-anywhere",
  description: "No security group admits SSH (22) or RDP (3389) from 0.0.0.0/0 or ::/0.",
  controls: ["EC2.13", "EC2.14"],
  severity: "critical",
  remediation: "Reach instances with SSM Session Manager; remove the rule.",
  checks: Object.fromEntries(
    [SG, SG_RULE, INGRESS_RULE].map((type) => [
      type,
      (props: Props) =>
        ingressOf({ type, props })
          .filter(fromAnywhere)
          .flatMap((i) => [22, 3389].filter((port) => covers(i, port)))
          .map((port) => `port ${port} is open to the internet`),
    ]),
  ),
});

/** The security group a rule belongs to, found through its property dependencies. */
function groupOf(rule: PolicyResource, groups: PolicyResource[]): PolicyResource | undefined {
  return groups.find((g) => refersTo(rule, "securityGroupId", g));
}

export const noPublicIngress = stackRule({
  name: "sg-no-public-ingress",
  description:
    "Security groups admit 0.0.0.0/0 or ::/0 only on a load balancer's group, on ports 80 and 443 or another port one of its listeners serves.",
  controls: ["EC2.18", "EC2.19"],
  severity: "high",
  remediation:
    "Admit traffic from the load balancer's security group (or a peer CIDR) instead of the internet; only the public ALB listens to the internet, on 80/443 or a listener's own port.",
  check: (resources) => {
    const groups = ofType(resources, SG);
    const listeners = ofType(resources, ...LISTENERS);
    // Per load balancer group, the ports its load balancers listen on.
    const lbGroups = new Map<string, Set<number>>();
    for (const lb of ofType(resources, ...LOAD_BALANCERS)) {
      const ports = listeners
        .filter((l) => refersTo(l, "loadBalancerArn", lb))
        .map((l) => Number(l.props.port));
      for (const g of groups.filter((x) => refersTo(lb, "securityGroups", x))) {
        lbGroups.set(g.urn, new Set([...(lbGroups.get(g.urn) ?? []), ...ports]));
      }
    }
    const findings: Finding[] = [];
    for (const r of ofType(resources, SG, SG_RULE, INGRESS_RULE)) {
      const group = r.type === SG ? r : groupOf(r, groups);
      const listened = group === undefined ? undefined : lbGroups.get(group.urn);
      const onLoadBalancer = listened !== undefined;
      for (const i of ingressOf(r).filter(fromAnywhere)) {
        const webOnly =
          !allPorts(i) && i.from === i.to && ([80, 443].includes(i.from) || listened?.has(i.from));
        if (!webOnly || !onLoadBalancer) {
          findings.push({
            resource: r,
            message: `admits the internet on ${allPorts(i) ? "all ports" : `${i.from}-${i.to}`}${onLoadBalancer ? "" : " on a group no load balancer uses"}`,
          });
        }
      }
    }
    return findings;
  },
});

export const vpcFlowLogs = stackRule({
  name: "vpc-flow-logs",
  description: "Every VPC has flow logs.",
  controls: ["EC2.6"],
  severity: "medium",
  remediation: "Create VPCs with the Network component, which always turns flow logs on.",
  check: (resources) =>
    withoutCompanion(resources, VPC, "aws:ec2/flowLog:FlowLog", "vpcId", "has no flow log"),
});

export const defaultSecurityGroupClosed = resourceRule({
  name: "vpc-default-sg-no-rules",
  description: "The default security group of a VPC has no rules.",
  controls: ["EC2.2"],
  severity: "high",
  remediation:
    "Adopt the default group with aws.ec2.DefaultSecurityGroup and no ingress or egress.",
  checks: {
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": (props) => [
      ...(asArray(props.ingress).length > 0 ? ["has ingress rules"] : []),
      ...(asArray(props.egress).length > 0 ? ["has egress rules"] : []),
    ],
  },
});

export const defaultSecurityGroupAdopted = stackRule({
  name: "vpc-default-sg-adopted",
  description:
    "Every VPC adopts its default security group with a DefaultSecurityGroup resource, so AWS's allow-all rules are removed.",
  controls: ["EC2.2"],
  severity: "high",
  remediation: "Create VPCs with the Network component, which strips the default group.",
  check: (resources) =>
    withoutCompanion(
      resources,
      VPC,
      "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
      "vpcId",
      "leaves its default security group with AWS's allow-all rules",
    ),
});

export const subnetsNoAutoPublicIp = resourceRule({
  name: "subnet-no-auto-public-ip",
  description: "No subnet gives instances a public IPv4 address on launch.",
  controls: ["EC2.15"],
  severity: "medium",
  remediation:
    "Set mapPublicIpOnLaunch: false; NAT gateways and load balancers need no launch-time address.",
  checks: {
    "aws:ec2/subnet:Subnet": (props) =>
      isTrue(props.mapPublicIpOnLaunch) ? ["maps public IPs on launch"] : [],
  },
});

const INSTANCE = "aws:ec2/instance:Instance";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const ENI = "aws:ec2/networkInterface:NetworkInterface";
const ROUTE = "aws:ec2/route:Route";

/** Network interfaces that forward traffic not addressed to them: source/destination check off. */
function forwardingInterfaces(resources: PolicyResource[]): PolicyResource[] {
  return ofType(resources, ENI).filter((e) => e.props.sourceDestCheck === false);
}

/**
 * NAT instances, as the plan shows them: instances with the source/destination check off, and
 * instances or launch templates computed from a forwarding interface (attached at launch or by
 * their user data, the fck-nat pattern).
 */
export function natHosts(resources: PolicyResource[]): PolicyResource[] {
  const forwarding = new Set(forwardingInterfaces(resources).map((e) => e.urn));
  return ofType(resources, INSTANCE, LAUNCH_TEMPLATE).filter(
    (r) =>
      r.props.sourceDestCheck === false ||
      Object.keys(r.propertyDependencies ?? {}).some((property) =>
        dependenciesOf(r, property).some((d) => forwarding.has(d.urn)),
      ),
  );
}

export const imdsV2 = resourceRule({
  name: "ec2-imdsv2-required",
  description: "Instances and launch templates require IMDSv2 (session tokens).",
  controls: ["EC2.8", "EC2.170", "AutoScaling.3"],
  severity: "high",
  remediation:
    'Set metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 } (2 for containers on the host).',
  checks: Object.fromEntries(
    [INSTANCE, LAUNCH_TEMPLATE].map((type) => [
      type,
      (props: Props) =>
        asRecord(props.metadataOptions).httpTokens === "required"
          ? []
          : ["does not require IMDSv2"],
    ]),
  ),
});

export const encryptedVolumes = resourceRule({
  name: "ec2-encrypted-volumes",
  description: "EBS volumes of instances, launch templates and standalone volumes are encrypted.",
  controls: ["EC2.3", "EC2.7"],
  severity: "high",
  remediation:
    'Set encrypted: true on every block device (launch templates: ebs.encrypted "true").',
  checks: {
    [INSTANCE]: (props) => [
      ...(isTrue(asRecord(props.rootBlockDevice).encrypted)
        ? []
        : ["root volume is not encrypted"]),
      ...asArray<Props>(props.ebsBlockDevices)
        .filter((d) => !isTrue(d.encrypted))
        .map((d) => `volume ${String(d.deviceName)} is not encrypted`),
    ],
    [LAUNCH_TEMPLATE]: (props) => {
      const mappings = asArray<Props>(props.blockDeviceMappings);
      if (mappings.length === 0)
        return ["declares no block device, so the AMI's unencrypted default applies"];
      return mappings
        .filter((m) => !isTrue(asRecord(m.ebs).encrypted))
        .map((m) => `volume ${String(m.deviceName)} is not encrypted`);
    },
    "aws:ebs/volume:Volume": (props) => (isTrue(props.encrypted) ? [] : ["is not encrypted"]),
  },
});

/** Why an instance or launch template takes a public IPv4 address, or undefined. */
function publicIpOf(r: PolicyResource): string | undefined {
  if (r.type === INSTANCE)
    return isTrue(r.props.associatePublicIpAddress) ? "takes a public IP" : undefined;
  return asArray<Props>(r.props.networkInterfaces).some((n) => isTrue(n.associatePublicIpAddress))
    ? "gives instances a public IP"
    : undefined;
}

// A NAT instance needs a public address to reach the internet
// (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html); nat-instance-locked-down
// holds it to IMDSv2, no key pair and no ingress from the internet instead.
export const noPublicInstanceIps = stackRule({
  name: "ec2-no-public-ip",
  description:
    "Instances and launch templates do not take public IPv4 addresses, except NAT instances (source/destination check off).",
  controls: ["EC2.9", "AutoScaling.5"],
  severity: "high",
  remediation:
    "Launch into private subnets without associatePublicIpAddress; reach the internet through NAT.",
  check: (resources) => {
    const nat = new Set(natHosts(resources).map((r) => r.urn));
    return ofType(resources, INSTANCE, LAUNCH_TEMPLATE)
      .filter((r) => !nat.has(r.urn))
      .flatMap((r) => {
        const message = publicIpOf(r);
        return message === undefined ? [] : [{ resource: r, message }];
      });
  },
});

/** The security groups an instance or launch template puts on its interfaces. */
function groupsOf(host: PolicyResource, resources: PolicyResource[]): PolicyResource[] {
  const groups = ofType(resources, SG);
  const interfaces = ofType(resources, ENI).filter((e) =>
    Object.keys(host.propertyDependencies ?? {}).some((p) => refersTo(host, p, e)),
  );
  return groups.filter(
    (g) =>
      ["vpcSecurityGroupIds", "securityGroups", "networkInterfaces"].some((p) =>
        refersTo(host, p, g),
      ) || interfaces.some((e) => refersTo(e, "securityGroups", g)),
  );
}

export const natInstanceLockedDown = stackRule({
  name: "nat-instance-locked-down",
  description:
    "NAT instances (source/destination check off) require IMDSv2, have no key pair, and their security groups admit nothing from 0.0.0.0/0 or ::/0.",
  controls: ["EC2.8", "EC2.13"],
  severity: "critical",
  remediation:
    'Set metadataOptions.httpTokens "required", drop keyName (reach the instance with SSM Session Manager), and admit only the VPC CIDR.',
  check: (resources) =>
    natHosts(resources).flatMap((host) => {
      const problems: string[] = [];
      if (asRecord(host.props.metadataOptions).httpTokens !== "required") {
        problems.push("NAT instance does not require IMDSv2");
      }
      if (text(host.props.keyName) !== "") problems.push("NAT instance has a key pair (SSH)");
      const rules = ofType(resources, SG, SG_RULE, INGRESS_RULE);
      for (const group of groupsOf(host, resources)) {
        const open = rules
          .filter((r) => r.urn === group.urn || refersTo(r, "securityGroupId", group))
          .flatMap((r) => ingressOf(r))
          .filter(fromAnywhere);
        if (open.length > 0) {
          const ssh = open.some((i) => covers(i, 22));
          problems.push(
            `NAT instance group ${group.name} admits the internet${ssh ? ", SSH included" : ""}`,
          );
        }
      }
      return problems.map((message) => ({ resource: host, message }));
    }),
});

// https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html (source/destination
// check) and https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html (a default
// route to a NAT device from a private subnet; the device in a public subnet).
export const routeToForwardingInterface = stackRule({
  name: "vpc-route-to-nat-interface",
  description:
    "Routes to a network interface target one with the source/destination check off (EC2 drops traffic not addressed to it otherwise), and a default route to one sits in a private route table and reaches an interface in a public subnet.",
  controls: [],
  remediation:
    "Point the route at the NAT instance's static interface (sourceDestCheck: false, in a public subnet), from the private subnets' route tables only.",
  check: (resources) => {
    const pub = publicSubnets(resources);
    const associations = ofType(resources, "aws:ec2/routeTableAssociation:RouteTableAssociation");
    const publicTables = new Set(
      associations
        .filter((a) => dependenciesOf(a, "subnetId").some((s) => pub.has(s.urn)))
        .flatMap((a) => dependenciesOf(a, "routeTableId").map((t) => t.urn)),
    );
    return ofType(resources, ROUTE).flatMap((route) => {
      const targets = dependenciesOf(route, "networkInterfaceId").filter((d) => d.type === ENI);
      const findings: Finding[] = [];
      const isDefault = text(route.props.destinationCidrBlock) === "0.0.0.0/0";
      for (const eni of targets) {
        if (eni.props.sourceDestCheck !== false) {
          findings.push({
            resource: route,
            message: `targets ${eni.name}, whose source/destination check is on: forwarded traffic is dropped`,
          });
        }
        if (isDefault && !dependenciesOf(eni, "subnetId").some((s) => pub.has(s.urn))) {
          findings.push({
            resource: route,
            message: `sends 0.0.0.0/0 to ${eni.name}, which is not in a public subnet`,
          });
        }
      }
      if (
        isDefault &&
        targets.length > 0 &&
        dependenciesOf(route, "routeTableId").some((t) => publicTables.has(t.urn))
      ) {
        findings.push({
          resource: route,
          message:
            "sends a public subnet's 0.0.0.0/0 to a NAT interface instead of the internet gateway",
        });
      }
      return findings;
    });
  },
});

/** The architecture an AMI given as AWS's public SSM parameter names, or undefined. */
export function amiArchitecture(imageId: unknown): "arm64" | "x86_64" | undefined {
  const id = text(imageId);
  if (!id.startsWith("resolve:ssm:/aws/service/")) return undefined;
  if (/arm64/.test(id)) return "arm64";
  if (/x86_64|amd64/.test(id)) return "x86_64";
  return undefined;
}

/**
 * True for Graviton (arm64) instance types: a `g` among the letters after the generation digit
 * (t4g, m7gd, c6gn, x2gd, im4gn), not the GPU family's leading `g` (g5, g4dn).
 * https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-type-names.html
 */
export function isGravitonType(instanceType: string): boolean {
  return /^[a-z]+\d+[a-z]*g[a-z]*(-[a-z]+)?\./.test(instanceType);
}

// RunInstances fails when the AMI's architecture is not the instance type's
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/troubleshooting-launch.html).
export const amiMatchesInstanceType = resourceRule({
  name: "ec2-ami-architecture-matches-type",
  description:
    "Instances and launch templates that take AWS's public AMI parameter pair an arm64 AMI with a Graviton instance type, and an x86_64 one with any other.",
  controls: [],
  remediation:
    "Use a Graviton type (t4g, m7g, ...) with an arm64 AMI parameter, or the x86_64 parameter with an Intel or AMD type.",
  checks: Object.fromEntries(
    [INSTANCE, LAUNCH_TEMPLATE].map((type) => [
      type,
      (props: Props) => {
        const arch = amiArchitecture(type === INSTANCE ? props.ami : props.imageId);
        const instanceType = text(props.instanceType);
        if (arch === undefined || instanceType === "") return [];
        return (arch === "arm64") === isGravitonType(instanceType)
          ? []
          : [`instance type ${instanceType} cannot boot the ${arch} AMI`];
      },
    ]),
  ),
});

export const networkRules = [
  noOpenAdminPorts,
  noPublicIngress,
  vpcFlowLogs,
  defaultSecurityGroupClosed,
  defaultSecurityGroupAdopted,
  subnetsNoAutoPublicIp,
  imdsV2,
  encryptedVolumes,
  noPublicInstanceIps,
  natInstanceLockedDown,
  routeToForwardingInterface,
  amiMatchesInstanceType,
];

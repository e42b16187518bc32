/** Network: no open ingress but web ports on load balancers, flow logs, locked defaults, IMDSv2. */
import type { PolicyResource } from "@pulumi/policy";
import {
  asArray,
  asRecord,
  isTrue,
  ofType,
  refersTo,
  resourceRule,
  stackRule,
  strings,
  text,
  withoutCompanion,
  type Finding,
  type Props,
} from "./common";
import { INGRESS_RULE, LOAD_BALANCERS, SG, SG_RULE } from "./types";

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
    "Security groups admit 0.0.0.0/0 or ::/0 only on ports 80 and 443, and only on a load balancer's group.",
  controls: ["EC2.18", "EC2.19"],
  severity: "high",
  remediation:
    "Admit traffic from the load balancer's security group (or a peer CIDR) instead of the internet; only the public ALB listens on 80/443.",
  check: (resources) => {
    const groups = ofType(resources, SG);
    const lbGroups = new Set(
      ofType(resources, ...LOAD_BALANCERS).flatMap((lb) =>
        groups.filter((g) => refersTo(lb, "securityGroups", g)).map((g) => g.urn),
      ),
    );
    const findings: Finding[] = [];
    for (const r of ofType(resources, SG, SG_RULE, INGRESS_RULE)) {
      const group = r.type === SG ? r : groupOf(r, groups);
      const onLoadBalancer = group !== undefined && lbGroups.has(group.urn);
      for (const i of ingressOf(r).filter(fromAnywhere)) {
        const webOnly = !allPorts(i) && i.from === i.to && [80, 443].includes(i.from);
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

export const noPublicInstanceIps = resourceRule({
  name: "ec2-no-public-ip",
  description: "Instances and launch templates do not take public IPv4 addresses.",
  controls: ["EC2.9", "AutoScaling.5"],
  severity: "high",
  remediation:
    "Launch into private subnets without associatePublicIpAddress; reach the internet through NAT.",
  checks: {
    [INSTANCE]: (props) => (isTrue(props.associatePublicIpAddress) ? ["takes a public IP"] : []),
    [LAUNCH_TEMPLATE]: (props) =>
      asArray<Props>(props.networkInterfaces).some((n) => isTrue(n.associatePublicIpAddress))
        ? ["gives instances a public IP"]
        : [],
  },
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
];

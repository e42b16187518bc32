/** Cost guards for dev: small instance sizes only, and one NAT gateway per VPC. */
import { ofType, refersTo, resourceRule, stackRule, text, type Props } from "./common";

export const DEFAULT_SIZES = {
  dbInstanceClasses: ["db.t4g.micro", "db.t4g.small", "db.t4g.medium"],
  cacheNodeTypes: ["cache.t4g.micro", "cache.t4g.small"],
  ec2InstanceTypes: [
    "t4g.nano",
    "t4g.micro",
    "t4g.small",
    "t4g.medium",
    "t3.micro",
    "t3.small",
    "t3.medium",
  ],
};
type Sizes = Partial<typeof DEFAULT_SIZES>;

const sized =
  (key: keyof typeof DEFAULT_SIZES, property: string, what: string) =>
  (props: Props, args: { getConfig<T extends object>(): T }) => {
    const allowed = args.getConfig<Sizes>()[key] ?? DEFAULT_SIZES[key];
    const size = props[property];
    return size === undefined || allowed.includes(text(size))
      ? []
      : [`${what} ${text(size)} is not in the dev allow-list (${allowed.join(", ")})`];
  };

export const instanceSizes = resourceRule({
  name: "cost-dev-instance-sizes",
  description:
    "In dev, database instance classes, cache node types and EC2 instance types stay in the allow-list.",
  controls: [],
  only: "dev",
  severity: "low",
  remediation:
    "Pick a size from the allow-list in policy/dev.json, or extend the list there with a reason.",
  configSchema: {
    properties: Object.fromEntries(
      Object.entries(DEFAULT_SIZES).map(([k, v]) => [
        k,
        { type: "array", items: { type: "string" }, default: v },
      ]),
    ),
  },
  checks: {
    "aws:rds/instance:Instance": sized("dbInstanceClasses", "instanceClass", "instance class"),
    "aws:elasticache/replicationGroup:ReplicationGroup": sized(
      "cacheNodeTypes",
      "nodeType",
      "node type",
    ),
    "aws:elasticache/cluster:Cluster": sized("cacheNodeTypes", "nodeType", "node type"),
    "aws:ec2/instance:Instance": sized("ec2InstanceTypes", "instanceType", "instance type"),
    "aws:ec2/launchTemplate:LaunchTemplate": sized(
      "ec2InstanceTypes",
      "instanceType",
      "instance type",
    ),
  },
});

export const singleNatInDev = stackRule({
  name: "cost-dev-single-nat",
  description: "In dev, each VPC has at most one NAT gateway ($33 a month each before traffic).",
  controls: [],
  only: "dev",
  severity: "low",
  enforcementLevel: "advisory",
  remediation: 'Set platform:natStrategy to "instance" (or "single") in the dev stack.',
  check: (resources) => {
    const subnets = ofType(resources, "aws:ec2/subnet:Subnet");
    const nats = ofType(resources, "aws:ec2/natGateway:NatGateway");
    return ofType(resources, "aws:ec2/vpc:Vpc").flatMap((vpc) => {
      const inVpc = subnets.filter((s) => refersTo(s, "vpcId", vpc));
      const count = nats.filter((n) => inVpc.some((s) => refersTo(n, "subnetId", s))).length;
      return count > 1 ? [{ resource: vpc, message: `has ${count} NAT gateways` }] : [];
    });
  },
});

export const costRules = [instanceSizes, singleNatInDev];

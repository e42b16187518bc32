/**
 * What the offline engine answers in AWS's place: realistic ids (with AWS prefixes), ARNs with the
 * resource's region and a fixed fake account, auto-names, and the invokes the program uses. All
 * deterministic: the same program gives the same plan, byte for byte.
 */
import { createHash } from "node:crypto";

/** The account every offline ARN carries. Reserved-looking on purpose: it is no one's. */
export const FAKE_ACCOUNT_ID = "123456789012";

/** Deterministic hex of `length` characters from the seed. */
export function fakeHex(seed: string, length: number): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

/** A documentation-range address (RFC 5737) derived from the seed. */
function fakePublicIp(seed: string): string {
  return `203.0.113.${(parseInt(fakeHex(seed, 2), 16) % 254) + 1}`;
}

interface TypeRule {
  /** Prefix of the id AWS gives this type (`vpc-`), or "name" when the id is the physical name. */
  id?: string;
  /** Length of the generated id's hex part. */
  idLength?: number;
  /** ARN after `arn:aws:`, with {region}, {account}, {id}, {name} placeholders. */
  arn?: string;
  /** Extra outputs AWS computes. */
  extra?: (ctx: RuleContext) => Record<string, unknown>;
}

interface RuleContext {
  readonly id: string;
  readonly seed: string;
  readonly region: string;
  readonly inputs: Record<string, unknown>;
  /** The physical name: the `name` input, or the auto-name. */
  readonly physicalName: string;
}

const ec2Arn = (kind: string) => `ec2:{region}:{account}:${kind}/{id}`;

/** Per type token. A type not listed gets a generic id and ARN (see `fakeResource`). */
const RULES: Record<string, TypeRule> = {
  "aws:ec2/vpc:Vpc": {
    id: "vpc-",
    arn: ec2Arn("vpc"),
    extra: ({ seed }) => ({
      defaultSecurityGroupId: `sg-${fakeHex(`${seed}/sg`, 17)}`,
      defaultNetworkAclId: `acl-${fakeHex(`${seed}/acl`, 17)}`,
      defaultRouteTableId: `rtb-${fakeHex(`${seed}/rtb`, 17)}`,
      mainRouteTableId: `rtb-${fakeHex(`${seed}/rtb`, 17)}`,
      ownerId: FAKE_ACCOUNT_ID,
    }),
  },
  "aws:ec2/subnet:Subnet": { id: "subnet-", arn: ec2Arn("subnet") },
  "aws:ec2/internetGateway:InternetGateway": { id: "igw-", arn: ec2Arn("internet-gateway") },
  "aws:ec2/eip:Eip": {
    id: "eipalloc-",
    arn: ec2Arn("elastic-ip"),
    extra: ({ id, seed }) => ({ allocationId: id, publicIp: fakePublicIp(seed) }),
  },
  "aws:ec2/natGateway:NatGateway": {
    id: "nat-",
    arn: ec2Arn("natgateway"),
    extra: ({ seed }) => ({ publicIp: fakePublicIp(`${seed}/eip`) }),
  },
  "aws:ec2/routeTable:RouteTable": { id: "rtb-", arn: ec2Arn("route-table") },
  "aws:ec2/routeTableAssociation:RouteTableAssociation": { id: "rtbassoc-" },
  "aws:ec2/route:Route": { id: "r-rtb-" },
  "aws:ec2/vpcEndpoint:VpcEndpoint": {
    id: "vpce-",
    arn: ec2Arn("vpc-endpoint"),
    extra: ({ seed }) => ({ prefixListId: `pl-${fakeHex(seed, 8)}`, state: "available" }),
  },
  "aws:ec2/securityGroup:SecurityGroup": { id: "sg-", arn: ec2Arn("security-group") },
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": { id: "sg-", arn: ec2Arn("security-group") },
  "aws:ec2/flowLog:FlowLog": { id: "fl-", arn: ec2Arn("vpc-flow-log") },
  "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": {
    id: "pcx-",
    arn: ec2Arn("vpc-peering-connection"),
    extra: () => ({ acceptStatus: "pending-acceptance" }),
  },
  "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": {
    extra: ({ inputs }) => ({ acceptStatus: "active", id: inputs.vpcPeeringConnectionId }),
  },
  "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions": {},
  "aws:iam/role:Role": {
    id: "name",
    arn: "iam::{account}:role/{name}",
    extra: ({ seed }) => ({ uniqueId: `AROA${fakeHex(seed, 17).toUpperCase()}` }),
  },
  "aws:iam/policy:Policy": { arn: "iam::{account}:policy/{name}" },
  "aws:iam/rolePolicy:RolePolicy": {},
  "aws:cloudwatch/logGroup:LogGroup": {
    id: "name",
    arn: "logs:{region}:{account}:log-group:{name}",
  },
  "aws:lambda/function:Function": {
    id: "name",
    arn: "lambda:{region}:{account}:function:{name}",
    extra: ({ region, id }) => {
      const arn = `arn:aws:lambda:${region}:${FAKE_ACCOUNT_ID}:function:${id}`;
      return {
        invokeArn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`,
        qualifiedArn: `${arn}:$LATEST`,
        version: "$LATEST",
      };
    },
  },
  "aws:apigateway/restApi:RestApi": {
    id: "",
    idLength: 10,
    arn: "apigateway:{region}::/restapis/{id}",
    extra: ({ id, seed, region }) => ({
      rootResourceId: fakeHex(`${seed}/root`, 10),
      executionArn: `arn:aws:execute-api:${region}:${FAKE_ACCOUNT_ID}:${id}`,
    }),
  },
  "aws:apigateway/resource:Resource": { id: "" },
  "aws:apigateway/deployment:Deployment": { id: "" },
  "aws:apigateway/stage:Stage": {
    extra: ({ inputs, region }) => ({
      invokeUrl: `https://${String(inputs.restApi)}.execute-api.${region}.amazonaws.com/${String(inputs.stageName)}`,
      // What a WAF association takes: the stage's ARN, as AWS forms it.
      arn: `arn:aws:apigateway:${region}::/restapis/${String(inputs.restApi)}/stages/${String(inputs.stageName)}`,
    }),
  },
  "aws:apigateway/domainName:DomainName": {
    id: "name",
    extra: ({ inputs, seed, region }) => ({
      id: String(inputs.domainName),
      regionalDomainName: `d-${fakeHex(`${seed}/domain`, 10)}.execute-api.${region}.amazonaws.com`,
      regionalZoneId: "Z1UJRXOUMOOFQ8",
    }),
  },
  "aws:wafv2/webAcl:WebAcl": {
    id: "",
    idLength: 32,
    arn: "wafv2:{region}:{account}:regional/webacl/{name}/{id}",
    extra: ({ seed }) => ({ capacity: 0, lockToken: fakeHex(`${seed}/lock`, 32) }),
  },
  "aws:cognito/userPool:UserPool": {
    arn: "cognito-idp:{region}:{account}:userpool/{id}",
    extra: ({ id, region }) => ({ endpoint: `cognito-idp.${region}.amazonaws.com/${id}` }),
  },
  "aws:dynamodb/table:Table": { id: "name", arn: "dynamodb:{region}:{account}:table/{name}" },
  "aws:ecs/cluster:Cluster": { id: "name", arn: "ecs:{region}:{account}:cluster/{name}" },
  "aws:ecs/taskDefinition:TaskDefinition": {
    arn: "ecs:{region}:{account}:task-definition/{family}:1",
    extra: () => ({ revision: 1 }),
  },
  "aws:ecr/repository:Repository": {
    id: "name",
    arn: "ecr:{region}:{account}:repository/{name}",
    extra: ({ region, id }) => ({
      repositoryUrl: `${FAKE_ACCOUNT_ID}.dkr.ecr.${region}.amazonaws.com/${id}`,
      registryId: FAKE_ACCOUNT_ID,
    }),
  },
  "aws:lb/loadBalancer:LoadBalancer": {
    arn: "elasticloadbalancing:{region}:{account}:loadbalancer/app/{name}/{hex}",
    extra: ({ seed, region, physicalName }) => ({
      arnSuffix: `app/${physicalName}/${fakeHex(`${seed}/arn`, 16)}`,
      dnsName: `${physicalName}-${parseInt(fakeHex(seed, 8), 16)}.${region}.elb.amazonaws.com`,
      zoneId: "Z35SXDOTRQ7X7K",
    }),
  },
  "aws:lb/listener:Listener": {
    arn: "elasticloadbalancing:{region}:{account}:listener/app/{name}/{hex}/{hex2}",
  },
  "aws:sqs/queue:Queue": {
    arn: "sqs:{region}:{account}:{name}",
    extra: ({ region, physicalName }) => ({
      url: `https://sqs.${region}.amazonaws.com/${FAKE_ACCOUNT_ID}/${physicalName}`,
    }),
  },
  "aws:rds/instance:Instance": {
    extra: ({ region, seed, inputs }) => {
      const identifier = typeof inputs.identifier === "string" ? inputs.identifier : "db";
      const host = `${identifier}.c${fakeHex(seed, 12)}.${region}.rds.amazonaws.com`;
      return {
        arn: `arn:aws:rds:${region}:${FAKE_ACCOUNT_ID}:db:${identifier}`,
        address: host,
        endpoint: `${host}:5432`,
        port: 5432,
        resourceId: `db-${fakeHex(`${seed}/resource`, 26).toUpperCase()}`,
        masterUserSecrets: [
          {
            secretArn: `arn:aws:secretsmanager:${region}:${FAKE_ACCOUNT_ID}:secret:rds!db-${fakeHex(`${seed}/secret`, 8)}-${fakeHex(`${seed}/secret-suffix`, 6)}`,
            kmsKeyId: `arn:aws:kms:${region}:${FAKE_ACCOUNT_ID}:key/${fakeHex(`${seed}/kms`, 32)}`,
            secretStatus: "active",
          },
        ],
      };
    },
  },
  "aws:rds/subnetGroup:SubnetGroup": { id: "name", arn: "rds:{region}:{account}:subgrp:{name}" },
  "aws:rds/parameterGroup:ParameterGroup": { id: "name", arn: "rds:{region}:{account}:pg:{name}" },
  "aws:s3/bucketV2:BucketV2": {
    id: "name",
    arn: "s3:::{name}",
    extra: ({ physicalName }) => ({
      bucket: physicalName,
      bucketDomainName: `${physicalName}.s3.amazonaws.com`,
    }),
  },
  "aws:s3/bucket:Bucket": {
    id: "name",
    arn: "s3:::{name}",
    extra: ({ physicalName }) => ({
      bucket: physicalName,
      bucketDomainName: `${physicalName}.s3.amazonaws.com`,
    }),
  },
  "docker-build:index:Image": {
    extra: ({ seed, inputs }) => {
      const tag = String((inputs.tags as string[] | undefined)?.[0] ?? "image:latest");
      const digest = `sha256:${fakeHex(`${seed}/digest`, 64)}`;
      return { digest, ref: `${tag.replace(/:[^:/]+$/, "")}@${digest}` };
    },
  },
  "aws:elasticache/replicationGroup:ReplicationGroup": {
    id: "name",
    arn: "elasticache:{region}:{account}:replicationgroup:{name}",
    extra: ({ physicalName, region, seed }) => ({
      primaryEndpointAddress:
        `master.${physicalName}.${fakeHex(seed, 6)}.use1.cache.amazonaws.com`.replace(
          "use1",
          region.replace(/^(\w)\w*-(\w)\w*-(\d)$/, "$1$2$3"),
        ),
      readerEndpointAddress: `replica.${physicalName}.${fakeHex(seed, 6)}.cache.amazonaws.com`,
    }),
  },
  "aws:elasticache/subnetGroup:SubnetGroup": { id: "name" },
  "aws:elasticache/parameterGroup:ParameterGroup": { id: "name" },
  "aws:acm/certificate:Certificate": {
    arn: "acm:{region}:{account}:certificate/{hex}",
    extra: ({ inputs, seed }) => {
      const domain = String(inputs.domainName);
      const token = fakeHex(`${seed}/validation`, 32);
      return {
        domainValidationOptions: [
          {
            domainName: domain,
            resourceRecordName: `_${token}.${domain}.`,
            resourceRecordType: "CNAME",
            resourceRecordValue: `_${fakeHex(`${seed}/value`, 32)}.acm-validations.aws.`,
          },
        ],
        status: "PENDING_VALIDATION",
      };
    },
  },
  "aws:acm/certificateValidation:CertificateValidation": {
    extra: ({ inputs }) => ({ certificateArn: inputs.certificateArn }),
  },
  "aws:route53/record:Record": {
    extra: ({ inputs }) => ({ fqdn: String(inputs.name).replace(/\.$/, "") }),
  },
  "aws:lb/targetGroup:TargetGroup": {
    arn: "elasticloadbalancing:{region}:{account}:targetgroup/{name}/{hex}",
    extra: ({ physicalName, seed }) => ({
      arnSuffix: `targetgroup/${physicalName}/${fakeHex(`${seed}/arn`, 16)}`,
    }),
  },
  "aws:ecs/service:Service": { id: "name", arn: "ecs:{region}:{account}:service/{name}" },
  "aws:ecs/capacityProvider:CapacityProvider": {
    id: "name",
    arn: "ecs:{region}:{account}:capacity-provider/{name}",
  },
  "aws:ec2/launchTemplate:LaunchTemplate": {
    id: "lt-",
    arn: ec2Arn("launch-template"),
    extra: () => ({ latestVersion: 1 }),
  },
  "aws:autoscaling/group:Group": {
    id: "name",
    arn: "autoscaling:{region}:{account}:autoScalingGroup:{hex}:autoScalingGroupName/{name}",
  },
  "aws:iam/instanceProfile:InstanceProfile": {
    id: "name",
    arn: "iam::{account}:instance-profile/{name}",
  },
  "random:index/randomPassword:RandomPassword": {
    extra: ({ seed }) => ({ result: `offline-random-${fakeHex(seed, 24)}` }),
  },
  "aws:scheduler/scheduleGroup:ScheduleGroup": {
    id: "name",
    arn: "scheduler:{region}:{account}:schedule-group/{name}",
  },
  "aws:scheduler/schedule:Schedule": {
    id: "name",
    arn: "scheduler:{region}:{account}:schedule/{group}/{name}",
  },
  "aws:secretsmanager/secret:Secret": {
    arn: "secretsmanager:{region}:{account}:secret:{name}-{suffix}",
  },
  "aws:sns/topic:Topic": { arn: "sns:{region}:{account}:{name}" },
  "aws:cloudwatch/metricAlarm:MetricAlarm": {
    id: "name",
    arn: "cloudwatch:{region}:{account}:alarm:{name}",
  },
  "aws:cloudwatch/eventRule:EventRule": {
    id: "name",
    arn: "events:{region}:{account}:rule/{name}",
  },
};

/** Ids some types take from an input rather than a fresh one. */
const ID_FROM_INPUT: Record<string, string> = {
  "aws:rds/instance:Instance": "identifier",
  "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": "vpcPeeringConnectionId",
  "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions": "vpcPeeringConnectionId",
};

export interface FakeResourceArgs {
  readonly type: string;
  readonly name: string;
  readonly region: string;
  readonly inputs: Record<string, unknown>;
  /** The provider's default tags, merged into `tagsAll` as AWS would. */
  readonly defaultTags?: Record<string, string>;
}

/**
 * The id and output state AWS would give a new resource: inputs echoed, plus computed outputs.
 * Resources that take a `name` get one auto-named as Pulumi does (`<logical>-<7 hex>`) when unset.
 */
export function fakeResource(args: FakeResourceArgs): {
  id: string;
  state: Record<string, unknown>;
} {
  const { type, name, region, inputs } = args;
  const seed = `${type}::${name}`;
  const rule = RULES[type] ?? {};
  const physicalName =
    typeof inputs.name === "string"
      ? inputs.name
      : typeof inputs.namePrefix === "string"
        ? `${inputs.namePrefix}${fakeHex(seed, 26)}`
        : `${name}-${fakeHex(seed, 7)}`;
  const fromInput = ID_FROM_INPUT[type];
  const id =
    fromInput && typeof inputs[fromInput] === "string"
      ? inputs[fromInput]
      : rule.id === "name"
        ? physicalName
        : `${rule.id ?? ""}${fakeHex(seed, rule.idLength ?? 17)}`;
  const arn = (rule.arn ?? genericArnPattern(type))
    .replace("{region}", region)
    .replace("{account}", FAKE_ACCOUNT_ID)
    .replace("{id}", id)
    .replace("{name}", physicalName)
    .replace("{family}", typeof inputs.family === "string" ? inputs.family : physicalName)
    .replace("{group}", typeof inputs.groupName === "string" ? inputs.groupName : "default")
    .replace("{suffix}", fakeHex(`${seed}/suffix`, 6))
    .replace("{hex}", fakeHex(`${seed}/arn`, 16))
    .replace("{hex2}", fakeHex(`${seed}/arn2`, 16));
  const tags = (inputs.tags ?? {}) as Record<string, string>;
  const state: Record<string, unknown> = {
    ...inputs,
    name: physicalName,
    arn: `arn:aws:${arn}`,
    tagsAll: { ...args.defaultTags, ...tags },
    ...rule.extra?.({ id, seed, region, inputs, physicalName }),
  };
  return { id, state };
}

/** `aws:ecs/cluster:Cluster` → `ecs:{region}:{account}:cluster/{name}`. */
function genericArnPattern(type: string): string {
  const [, mod = "unknown", kind = "resource"] = /^aws:([^/]+)\/([^:]+):/.exec(type) ?? [];
  return `${mod.toLowerCase()}:{region}:{account}:${kind.toLowerCase()}/{name}`;
}

/** Invokes the program may call, by token. Any other token fails the plan with its name. */
const INVOKES: Record<
  string,
  (region: string, inputs: Record<string, unknown>) => Record<string, unknown>
> = {
  "aws:index/getRegion:getRegion": (region) => ({
    id: region,
    region,
    name: region,
    endpoint: `ec2.${region}.amazonaws.com`,
    description: region,
  }),
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    id: FAKE_ACCOUNT_ID,
    accountId: FAKE_ACCOUNT_ID,
    arn: `arn:aws:sts::${FAKE_ACCOUNT_ID}:assumed-role/offline-plan/offline`,
    userId: "AROAOFFLINEPLAN:offline",
  }),
  "aws:index/getPartition:getPartition": () => ({
    id: "aws",
    partition: "aws",
    dnsSuffix: "amazonaws.com",
    reverseDnsPrefix: "com.amazonaws",
  }),
  "aws:ecr/getAuthorizationToken:getAuthorizationToken": (region, inputs) => ({
    id: region,
    registryId: inputs.registryId ?? FAKE_ACCOUNT_ID,
    userName: "AWS",
    password: "offline-ecr-token",
    authorizationToken: Buffer.from("AWS:offline-ecr-token").toString("base64"),
    proxyEndpoint: `https://${FAKE_ACCOUNT_ID}.dkr.ecr.${region}.amazonaws.com`,
    expiresAt: "2099-01-01T00:00:00Z",
  }),
  "aws:index/getAvailabilityZones:getAvailabilityZones": (region) => {
    const names = ["a", "b", "c", "d"].map((s) => `${region}${s}`);
    return {
      id: region,
      names,
      zoneIds: names.map((_, i) => `${region}-az${i + 1}`),
      groupNames: [region],
    };
  },
};

/** Thrown for an invoke the engine cannot answer. */
export class UnknownInvokeError extends Error {
  constructor(token: string) {
    super(
      `the offline engine has no answer for the invoke ${token}; add one to INVOKES in tools/engine/fake-cloud.ts ` +
        `(answered: ${Object.keys(INVOKES).join(", ")})`,
    );
    this.name = "UnknownInvokeError";
  }
}

export function fakeInvoke(
  token: string,
  region: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const answer = INVOKES[token];
  if (!answer) throw new UnknownInvokeError(token);
  return answer(region, inputs);
}

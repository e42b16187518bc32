/**
 * What the offline engine answers in AWS's place: the ids, ARNs, endpoints and generated values the
 * real providers return, in their exact shapes (each rule names its source; test/fake-cloud.test.ts
 * holds the cases). Only the random parts are made up, from a hash of the resource's type and name,
 * so the same program gives the same plan, byte for byte. A fake that answers more kindly than AWS
 * hides defects: when the shape is unknown (a region not in REGIONS), it fails and says so.
 */
import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";

/** The account every offline ARN carries. Reserved-looking on purpose: it is no one's. */
export const FAKE_ACCOUNT_ID = "123456789012";

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const UPPER = LOWER.toUpperCase();
const DIGITS = "0123456789";

/** `length` deterministic bytes from the seed (sha256 in counter mode). */
function fakeBytes(seed: string, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let i = 0; blocks.length * 32 < length; i++) {
    blocks.push(
      createHash("sha256")
        .update(i === 0 ? seed : `${seed}#${i}`)
        .digest(),
    );
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** Deterministic hex of `length` characters from the seed. */
export function fakeHex(seed: string, length: number): string {
  return fakeBytes(seed, Math.ceil(length / 2))
    .toString("hex")
    .slice(0, length);
}

/** Deterministic string of `length` characters drawn from `alphabet`. */
export function fakeChars(seed: string, length: number, alphabet: string): string {
  return [...fakeBytes(seed, length)].map((b) => alphabet[b % alphabet.length]).join("");
}

/** A deterministic version-4 UUID (8-4-4-4-12 lowercase hex). */
export function fakeUuid(seed: string): string {
  const h = fakeHex(seed, 32);
  const variant = "89ab"[parseInt(h[16]!, 16) % 4];
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A documentation-range address (RFC 5737) derived from the seed. */
function fakePublicIp(seed: string): string {
  return `203.0.113.${(parseInt(fakeHex(seed, 2), 16) % 254) + 1}`;
}

/** Per-region facts AWS publishes; a region not listed fails the plan instead of being guessed. */
interface RegionFacts {
  /** The short code in ElastiCache endpoints and AZ ids (`use1`). */
  readonly code: string;
  /** getRegion's description. */
  readonly description: string;
  /** Canonical hosted zone of Application Load Balancers (docs.aws.amazon.com/general/latest/gr/elb.html). */
  readonly albZoneId: string;
  /** Hosted zone of the S3 website/REST endpoints (docs.aws.amazon.com/general/latest/gr/s3.html). */
  readonly s3ZoneId: string;
  /** Hosted zone of regional API Gateway endpoints (docs.aws.amazon.com/general/latest/gr/apigateway.html). */
  readonly apiGatewayZoneId: string;
  /** Availability zones an account sees (letters). */
  readonly zones: string;
  /**
   * The Elastic Load Balancing account that writes access logs in this region (regions available
   * before August 2022; later ones name a service principal instead):
   * docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
   */
  readonly elbAccountId: string;
}

export const REGIONS: Record<string, RegionFacts> = {
  "us-east-1": {
    code: "use1",
    description: "US East (N. Virginia)",
    albZoneId: "Z35SXDOTRQ7X7K",
    s3ZoneId: "Z3AQBSTGFYJSTF",
    apiGatewayZoneId: "Z1UJRXOUMOOFQ8",
    zones: "abcdef",
    elbAccountId: "127311923021",
  },
  "us-east-2": {
    code: "use2",
    description: "US East (Ohio)",
    albZoneId: "Z3AADJGX6KTTL2",
    s3ZoneId: "Z2O1EMRO9K5GLX",
    apiGatewayZoneId: "ZOJJZC49E0EPZ",
    zones: "abc",
    elbAccountId: "033677994240",
  },
  "us-west-2": {
    code: "usw2",
    description: "US West (Oregon)",
    albZoneId: "Z1H1FL5HABSF5",
    s3ZoneId: "Z3BJ6K6RIION7M",
    apiGatewayZoneId: "Z2OJLYMUO9EFXC",
    zones: "abcd",
    elbAccountId: "797873946194",
  },
  "eu-central-1": {
    code: "euc1",
    description: "Europe (Frankfurt)",
    albZoneId: "Z215JYRZR1TBD5",
    s3ZoneId: "Z21DNDUVLTQW6Q",
    apiGatewayZoneId: "Z1U9ULNL0V5AJ3",
    zones: "abc",
    elbAccountId: "054676820928",
  },
  "eu-west-1": {
    code: "euw1",
    description: "Europe (Ireland)",
    albZoneId: "Z32O12XQLNTSW2",
    s3ZoneId: "Z1BKCTXD74EZPE",
    apiGatewayZoneId: "ZLY8HYME6SFDD",
    zones: "abc",
    elbAccountId: "156460612806",
  },
};

/** The facts of `region`, or an error naming the table to extend. */
export function regionFacts(region: string): RegionFacts {
  const facts = REGIONS[region];
  if (!facts) {
    throw new Error(
      `the offline engine knows no facts of region ${region} (endpoint codes, hosted zones); ` +
        `add it to REGIONS in engine/fake-cloud.ts (known: ${Object.keys(REGIONS).join(", ")})`,
    );
  }
  return facts;
}

interface RuleContext {
  readonly type: string;
  readonly seed: string;
  readonly region: string;
  readonly inputs: Record<string, unknown>;
  /** The physical name: the name input, its prefix plus a unique suffix, or the auto-name. */
  readonly physicalName: string;
}

interface TypeRule {
  /**
   * How the provider forms the resource id: a prefix for a fresh id (`vpc-`), "name" (the
   * physical name), "arn" (the ARN), or a function of the context and the ARN.
   */
  id?: string | ((ctx: RuleContext) => string);
  /** Length of a fresh id after its prefix. @default 17 */
  idLength?: number;
  /** Characters of a fresh id. @default lowercase hex */
  idAlphabet?: string;
  /** ARN after `arn:aws:`, with {region}, {account}, {id}, {name} placeholders, or a function. */
  arn?: string | ((ctx: RuleContext & { id: string }) => string);
  /** The input holding the physical name, and its prefix input. @default "name", "namePrefix" */
  nameInput?: string;
  /**
   * Names the service stores lowercased ("store": RDS, ElastiCache) or refuses with capitals
   * ("require": S3, ECR). Auto-names are lowercase either way.
   */
  lowercaseName?: "store" | "require";
  /**
   * The longest name the service accepts (its Create API's documented limit): a longer one,
   * given or auto-named, fails the plan as it would fail the deployment.
   */
  maxNameLength?: number;
  /** Extra outputs the provider computes. */
  extra?: (ctx: RuleContext & { id: string; arn: string }) => Record<string, unknown>;
}

const ec2Arn = (kind: string) => `ec2:{region}:{account}:${kind}/{id}`;
const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** Default port of each RDS engine (AWS CreateDBInstance, `Port`). */
const RDS_DEFAULT_PORTS: Record<string, number> = {
  postgres: 5432,
  "aurora-postgresql": 5432,
  mysql: 3306,
  mariadb: 3306,
  "aurora-mysql": 3306,
  "oracle-ee": 1521,
  "oracle-se2": 1521,
  "sqlserver-ex": 1433,
  "sqlserver-se": 1433,
  "sqlserver-ee": 1433,
  "sqlserver-web": 1433,
};

/** `<bus>/` for a rule on a custom event bus, "" on the default one. */
const eventBusPath = (inputs: Record<string, unknown>): string => {
  const bus = str(inputs.eventBusName);
  return bus === undefined || bus === "default" ? "" : `${bus}/`;
};

/** The name or ARN after the last `/` of an ARN (or the value itself). */
const lastSegment = (value: unknown): string =>
  String(value).slice(String(value).lastIndexOf("/") + 1);

/**
 * Per type token, with its source. A type not listed gets a generic fresh id and ARN (see
 * `fakeResource`): only types whose outputs nothing reads may stay unlisted.
 */
const RULES: Record<string, TypeRule> = {
  // ---- EC2 / VPC: ids are a prefix plus 17 hex (AWS "longer format" resource ids) ----
  // https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html
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
  // terraform-provider-aws route: `r-<route table id><hashcode(destination)>` (crc32).
  "aws:ec2/route:Route": {
    id: ({ inputs, seed }) => {
      const destination =
        str(inputs.destinationCidrBlock) ??
        str(inputs.destinationIpv6CidrBlock) ??
        str(inputs.destinationPrefixListId) ??
        "";
      const table = str(inputs.routeTableId) ?? `rtb-${fakeHex(`${seed}/rtb`, 17)}`;
      return `r-${table}${crc32(destination)}`;
    },
  },
  "aws:ec2/vpcEndpoint:VpcEndpoint": {
    id: "vpce-",
    arn: ec2Arn("vpc-endpoint"),
    extra: ({ seed, inputs }) => ({
      ...(inputs.vpcEndpointType === undefined || inputs.vpcEndpointType === "Gateway"
        ? { prefixListId: `pl-${fakeHex(seed, 8)}` }
        : {}),
      state: "available",
    }),
  },
  "aws:ec2/securityGroup:SecurityGroup": { id: "sg-", arn: ec2Arn("security-group") },
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": { id: "sg-", arn: ec2Arn("security-group") },
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
    id: "sgr-",
    arn: ec2Arn("security-group-rule"),
    extra: ({ id }) => ({ securityGroupRuleId: id }),
  },
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {
    id: "sgr-",
    arn: ec2Arn("security-group-rule"),
    extra: ({ id }) => ({ securityGroupRuleId: id }),
  },
  "aws:ec2/flowLog:FlowLog": { id: "fl-", arn: ec2Arn("vpc-flow-log") },
  "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": {
    id: "pcx-",
    arn: ec2Arn("vpc-peering-connection"),
    extra: () => ({ acceptStatus: "pending-acceptance" }),
  },
  "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": {
    id: ({ inputs }) => String(inputs.vpcPeeringConnectionId),
    arn: ({ region, inputs }) =>
      `ec2:${region}:${FAKE_ACCOUNT_ID}:vpc-peering-connection/${String(inputs.vpcPeeringConnectionId)}`,
    extra: () => ({ acceptStatus: "active" }),
  },
  "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions": {
    id: ({ inputs }) => String(inputs.vpcPeeringConnectionId),
  },
  "aws:ec2/networkInterface:NetworkInterface": {
    id: "eni-",
    arn: ec2Arn("network-interface"),
    extra: () => ({ ownerId: FAKE_ACCOUNT_ID }),
  },
  "aws:ec2/launchTemplate:LaunchTemplate": {
    id: "lt-",
    arn: ec2Arn("launch-template"),
    extra: () => ({ latestVersion: 1, defaultVersion: 1 }),
  },

  // ---- IAM: id is the name; unique ids are a 4-letter type prefix plus 17 uppercase ----
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html
  "aws:iam/role:Role": {
    maxNameLength: 64,
    id: "name",
    arn: ({ inputs, physicalName }) =>
      `iam::${FAKE_ACCOUNT_ID}:role${str(inputs.path) ?? "/"}${physicalName}`,
    extra: ({ seed }) => ({ uniqueId: `AROA${fakeChars(seed, 17, UPPER + DIGITS)}` }),
  },
  "aws:iam/policy:Policy": {
    arn: ({ inputs, physicalName }) =>
      `iam::${FAKE_ACCOUNT_ID}:policy${str(inputs.path) ?? "/"}${physicalName}`,
    id: "arn",
    extra: ({ seed }) => ({ policyId: `ANPA${fakeChars(seed, 17, UPPER + DIGITS)}` }),
  },
  // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_role_policy
  "aws:iam/rolePolicy:RolePolicy": {
    id: ({ inputs, physicalName }) => `${String(inputs.role)}:${physicalName}`,
  },
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
    id: ({ inputs, seed }) => `${String(inputs.role)}-${fakeChars(seed, 26, DIGITS)}`,
  },
  "aws:iam/instanceProfile:InstanceProfile": {
    id: "name",
    arn: ({ inputs, physicalName }) =>
      `iam::${FAKE_ACCOUNT_ID}:instance-profile${str(inputs.path) ?? "/"}${physicalName}`,
    extra: ({ seed }) => ({ uniqueId: `AIPA${fakeChars(seed, 17, UPPER + DIGITS)}` }),
  },

  // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/cloudwatch_log_group
  // (the ARN without the trailing `:*`)
  "aws:cloudwatch/logGroup:LogGroup": {
    id: "name",
    arn: "logs:{region}:{account}:log-group:{name}",
  },

  // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lambda_function
  "aws:lambda/function:Function": {
    maxNameLength: 64,
    id: "name",
    arn: "lambda:{region}:{account}:function:{name}",
    extra: ({ region, arn, inputs }) => {
      // Unpublished functions have only $LATEST; publish creates version 1.
      const version = inputs.publish === true ? "1" : "$LATEST";
      const invoke = (target: string) =>
        `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${target}/invocations`;
      return {
        invokeArn: invoke(arn),
        qualifiedArn: `${arn}:${version}`,
        qualifiedInvokeArn: invoke(`${arn}:${version}`),
        version,
      };
    },
  },
  "aws:lambda/permission:Permission": {
    id: ({ inputs, seed }) =>
      str(inputs.statementId) ??
      `${str(inputs.statementIdPrefix) ?? "terraform-"}${fakeChars(seed, 26, DIGITS)}`,
  },
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": {
    id: ({ inputs }) => String(inputs.functionName),
  },
  // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lambda_invocation
  // id `<function>,<qualifier>,<md5 of the payload>`; `result` is the function's answer, which
  // only the function knows: an empty JSON object stands for it.
  "aws:lambda/invocation:Invocation": {
    id: ({ inputs }) =>
      [
        String(inputs.functionName),
        str(inputs.qualifier) ?? "$LATEST",
        createHash("md5")
          .update(str(inputs.input) ?? "")
          .digest("hex"),
      ].join(","),
    extra: ({ inputs }) => ({
      qualifier: str(inputs.qualifier) ?? "$LATEST",
      lifecycleScope: str(inputs.lifecycleScope) ?? "CREATE_ONLY",
      terraformKey: str(inputs.terraformKey) ?? "tf",
      result: "{}",
    }),
  },

  // ---- API Gateway (REST) ----
  // Ids: https://docs.aws.amazon.com/apigateway/latest/api/API_GetResource.html (e.g. `fugvjdxtri`,
  // `3kzxbg5sa2`); deployment and authorizer ids are 6 characters (API_CreateDeployment examples).
  "aws:apigateway/restApi:RestApi": {
    id: "",
    idLength: 10,
    idAlphabet: LOWER + DIGITS,
    arn: "apigateway:{region}::/restapis/{id}",
    extra: ({ id, seed, region }) => ({
      rootResourceId: fakeChars(`${seed}/root`, 10, LOWER + DIGITS),
      executionArn: `arn:aws:execute-api:${region}:${FAKE_ACCOUNT_ID}:${id}`,
    }),
  },
  "aws:apigateway/resource:Resource": {
    id: "",
    idLength: 10,
    idAlphabet: LOWER + DIGITS,
  },
  "aws:apigateway/deployment:Deployment": { id: "", idLength: 6, idAlphabet: LOWER + DIGITS },
  "aws:apigateway/authorizer:Authorizer": {
    id: "",
    idLength: 6,
    idAlphabet: LOWER + DIGITS,
    arn: ({ region, inputs, id }) =>
      `apigateway:${region}::/restapis/${String(inputs.restApi)}/authorizers/${id}`,
  },
  // terraform-provider-aws ids of the method-level resources (agm-, agi-, agmr-, agir-, aggr-).
  "aws:apigateway/method:Method": {
    id: ({ inputs }) =>
      `agm-${String(inputs.restApi)}-${String(inputs.resourceId)}-${String(inputs.httpMethod)}`,
  },
  "aws:apigateway/integration:Integration": {
    id: ({ inputs }) =>
      `agi-${String(inputs.restApi)}-${String(inputs.resourceId)}-${String(inputs.httpMethod)}`,
  },
  "aws:apigateway/methodResponse:MethodResponse": {
    id: ({ inputs }) =>
      `agmr-${String(inputs.restApi)}-${String(inputs.resourceId)}-${String(inputs.httpMethod)}-${String(inputs.statusCode)}`,
  },
  "aws:apigateway/integrationResponse:IntegrationResponse": {
    id: ({ inputs }) =>
      `agir-${String(inputs.restApi)}-${String(inputs.resourceId)}-${String(inputs.httpMethod)}-${String(inputs.statusCode)}`,
  },
  "aws:apigateway/response:Response": {
    id: ({ inputs }) => `aggr-${String(inputs.restApiId)}-${String(inputs.responseType)}`,
  },
  "aws:apigateway/methodSettings:MethodSettings": {
    id: ({ inputs }) =>
      `${String(inputs.restApi)}-${String(inputs.stageName)}-${String(inputs.methodPath)}`,
  },
  // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/api_gateway_stage
  // (id `ags-<rest api id>-<stage name>`)
  "aws:apigateway/stage:Stage": {
    id: ({ inputs }) => `ags-${String(inputs.restApi)}-${String(inputs.stageName)}`,
    arn: ({ inputs, region }) =>
      `apigateway:${region}::/restapis/${String(inputs.restApi)}/stages/${String(inputs.stageName)}`,
    extra: ({ inputs, region }) => {
      const api = String(inputs.restApi);
      const stage = String(inputs.stageName);
      return {
        invokeUrl: `https://${api}.execute-api.${region}.amazonaws.com/${stage}`,
        executionArn: `arn:aws:execute-api:${region}:${FAKE_ACCOUNT_ID}:${api}/${stage}`,
      };
    },
  },
  // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/api_gateway_domain_name
  // (id: the domain name; a regional endpoint's `d-<10>.execute-api.<region>.amazonaws.com` and zone)
  "aws:apigateway/domainName:DomainName": {
    id: ({ inputs }) => String(inputs.domainName),
    arn: ({ inputs, region }) => `apigateway:${region}::/domainnames/${String(inputs.domainName)}`,
    extra: ({ seed, region }) => ({
      regionalDomainName: `d-${fakeChars(`${seed}/domain`, 10, LOWER + DIGITS)}.execute-api.${region}.amazonaws.com`,
      regionalZoneId: regionFacts(region).apiGatewayZoneId,
    }),
  },
  // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/api_gateway_base_path_mapping
  // (id `<domain name>/<base path>`)
  "aws:apigateway/basePathMapping:BasePathMapping": {
    id: ({ inputs }) => `${String(inputs.domainName)}/${str(inputs.basePath) ?? ""}`,
  },
  // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/wafv2_web_acl
  // (id: a UUID; ARN `arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>`)
  "aws:wafv2/webAcl:WebAcl": {
    id: ({ seed }) => fakeUuid(seed),
    arn: "wafv2:{region}:{account}:regional/webacl/{name}/{id}",
    maxNameLength: 128,
    extra: ({ seed }) => ({ capacity: 0, lockToken: fakeUuid(`${seed}/lock`) }),
  },
  // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/wafv2_web_acl_association
  // (id `<web acl arn>,<resource arn>`)
  "aws:wafv2/webAclAssociation:WebAclAssociation": {
    id: ({ inputs }) => `${String(inputs.webAclArn)},${String(inputs.resourceArn)}`,
  },

  // ---- Cognito ----
  // Pool ids `<region>_<9 alphanumerics>`; client ids 26 lowercase alphanumerics:
  // https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UserPoolType.html
  // https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UserPoolClientType.html
  "aws:cognito/userPool:UserPool": {
    id: ({ region, seed }) => `${region}_${fakeChars(seed, 9, UPPER + LOWER + DIGITS)}`,
    arn: "cognito-idp:{region}:{account}:userpool/{id}",
    extra: ({ id, region }) => ({ endpoint: `cognito-idp.${region}.amazonaws.com/${id}` }),
  },
  "aws:cognito/userPoolClient:UserPoolClient": {
    id: "",
    idLength: 26,
    idAlphabet: LOWER + DIGITS,
  },

  "aws:dynamodb/table:Table": { id: "name", arn: "dynamodb:{region}:{account}:table/{name}" },

  // ---- ECS: cluster, service and capacity provider ids are their ARNs ----
  // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/ecs_cluster
  // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/ecs_service
  // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-account-settings.html#ecs-resource-ids
  "aws:ecs/cluster:Cluster": { id: "arn", arn: "ecs:{region}:{account}:cluster/{name}" },
  "aws:ecs/service:Service": {
    id: "arn",
    arn: ({ region, inputs, physicalName }) =>
      `ecs:${region}:${FAKE_ACCOUNT_ID}:service/${lastSegment(inputs.cluster ?? "default")}/${physicalName}`,
  },
  "aws:ecs/capacityProvider:CapacityProvider": {
    id: "arn",
    arn: "ecs:{region}:{account}:capacity-provider/{name}",
  },
  "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": {
    id: ({ inputs }) => String(inputs.clusterName),
  },
  // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/ecs_task_definition
  // (id is the family; the ARN ends `<family>:<revision>`)
  "aws:ecs/taskDefinition:TaskDefinition": {
    id: ({ inputs }) => String(inputs.family),
    arn: ({ region, inputs }) =>
      `ecs:${region}:${FAKE_ACCOUNT_ID}:task-definition/${String(inputs.family)}:1`,
    extra: ({ arn }) => ({ revision: 1, arnWithoutRevision: arn.replace(/:\d+$/, "") }),
  },

  // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/ecr_repository
  "aws:ecr/repository:Repository": {
    id: "name",
    arn: "ecr:{region}:{account}:repository/{name}",
    lowercaseName: "require",
    extra: ({ region, physicalName }) => ({
      repositoryUrl: `${FAKE_ACCOUNT_ID}.dkr.ecr.${region}.amazonaws.com/${physicalName}`,
      registryId: FAKE_ACCOUNT_ID,
    }),
  },
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": {
    id: ({ inputs }) => String(inputs.repository),
    extra: () => ({ registryId: FAKE_ACCOUNT_ID }),
  },

  // ---- Elastic Load Balancing v2: ids are ARNs ----
  // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancer.html
  // https://docs.aws.amazon.com/general/latest/gr/elb.html (canonical hosted zone per region)
  "aws:lb/loadBalancer:LoadBalancer": {
    maxNameLength: 32,
    id: "arn",
    arn: "elasticloadbalancing:{region}:{account}:loadbalancer/app/{name}/{hex}",
    extra: ({ seed, region, physicalName, arn, inputs }) => ({
      arnSuffix: arn.slice(arn.indexOf(":loadbalancer/") + ":loadbalancer/".length),
      dnsName:
        `${inputs.internal === true ? "internal-" : ""}${physicalName}-${parseInt(fakeHex(`${seed}/dns`, 8), 16) % 2_000_000_000}.${region}.elb.amazonaws.com`.toLowerCase(),
      zoneId: regionFacts(region).albZoneId,
    }),
  },
  // A listener's ARN extends its load balancer's: listener/app/<lb name>/<lb id>/<listener id>.
  "aws:lb/listener:Listener": {
    id: "arn",
    arn: ({ inputs, seed }) =>
      `${String(inputs.loadBalancerArn)
        .replace(/^arn:aws:/, "")
        .replace(":loadbalancer/", ":listener/")}/${fakeHex(`${seed}/arn`, 16)}`,
  },
  "aws:lb/listenerRule:ListenerRule": {
    id: "arn",
    arn: ({ inputs, seed }) =>
      `${String(inputs.listenerArn)
        .replace(/^arn:aws:/, "")
        .replace(":listener/", ":listener-rule/")}/${fakeHex(`${seed}/arn`, 16)}`,
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/lb/listenercertificate/#import
  // (the id is the listener's ARN and the certificate's, joined by `_`)
  "aws:lb/listenerCertificate:ListenerCertificate": {
    id: ({ inputs }) => `${String(inputs.listenerArn)}_${String(inputs.certificateArn)}`,
  },
  "aws:lb/targetGroup:TargetGroup": {
    maxNameLength: 32,
    id: "arn",
    arn: "elasticloadbalancing:{region}:{account}:targetgroup/{name}/{hex}",
    extra: ({ arn }) => ({ arnSuffix: arn.slice(arn.indexOf(":targetgroup/") + 1) }),
  },

  // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/sqs_queue (id is the URL)
  "aws:sqs/queue:Queue": {
    maxNameLength: 80,
    id: ({ region, physicalName }) =>
      `https://sqs.${region}.amazonaws.com/${FAKE_ACCOUNT_ID}/${physicalName}`,
    arn: "sqs:{region}:{account}:{name}",
    extra: ({ id }) => ({ url: id }),
  },
  "aws:sqs/queuePolicy:QueuePolicy": { id: ({ inputs }) => String(inputs.queueUrl) },

  // ---- RDS ----
  // id is the DBI resource id since provider v5 (hashicorp/terraform-provider-aws#31232);
  // `endpoint` is `address:port`. https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Endpoints.html
  "aws:rds/instance:Instance": {
    maxNameLength: 63,
    nameInput: "identifier",
    lowercaseName: "store",
    id: ({ seed }) => `db-${fakeChars(`${seed}/resource`, 26, UPPER + DIGITS)}`,
    arn: "rds:{region}:{account}:db:{name}",
    extra: ({ region, seed, inputs, physicalName, id }) => {
      const engine = str(inputs.engine) ?? "postgres";
      const port = typeof inputs.port === "number" ? inputs.port : RDS_DEFAULT_PORTS[engine];
      if (port === undefined) {
        throw new Error(
          `the offline engine knows no default port of RDS engine ${engine}; set port or add it to RDS_DEFAULT_PORTS`,
        );
      }
      // The host's middle label is fixed per account and region, not per instance.
      const host = `${physicalName}.${fakeChars(`${FAKE_ACCOUNT_ID}/${region}/rds`, 12, LOWER + DIGITS)}.${region}.rds.amazonaws.com`;
      // A managed master password lives in a secret named `rds!db-<uuid>`, ARN suffix `-` + 6.
      const managed = inputs.manageMasterUserPassword === true;
      return {
        identifier: physicalName,
        resourceId: id,
        address: host,
        endpoint: `${host}:${port}`,
        port,
        masterUserSecrets: managed
          ? [
              {
                secretArn: `arn:aws:secretsmanager:${region}:${FAKE_ACCOUNT_ID}:secret:rds!db-${fakeUuid(`${seed}/secret`)}-${fakeChars(`${seed}/secret-suffix`, 6, UPPER + LOWER + DIGITS)}`,
                kmsKeyId: `arn:aws:kms:${region}:${FAKE_ACCOUNT_ID}:key/${fakeUuid(`${seed}/kms`)}`,
                secretStatus: "active",
              },
            ]
          : [],
      };
    },
  },
  "aws:rds/subnetGroup:SubnetGroup": {
    id: "name",
    lowercaseName: "store",
    arn: "rds:{region}:{account}:subgrp:{name}",
  },
  "aws:rds/parameterGroup:ParameterGroup": {
    id: "name",
    lowercaseName: "store",
    arn: "rds:{region}:{account}:pg:{name}",
  },

  // ---- S3: the bucket name is the id (input `bucket`/`bucketPrefix`, lowercase) ----
  // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket
  "aws:s3/bucket:Bucket": {
    maxNameLength: 63,
    id: "name",
    nameInput: "bucket",
    lowercaseName: "require",
    arn: "s3:::{name}",
    extra: ({ physicalName, region }) => ({
      bucket: physicalName,
      bucketDomainName: `${physicalName}.s3.amazonaws.com`,
      bucketRegionalDomainName: `${physicalName}.s3.${region}.amazonaws.com`,
      hostedZoneId: regionFacts(region).s3ZoneId,
      region,
    }),
  },
  ...Object.fromEntries(
    [
      "aws:s3/bucketPolicy:BucketPolicy",
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "aws:s3/bucketLogging:BucketLogging",
    ].map((type): [string, TypeRule] => [type, { id: ({ inputs }) => String(inputs.bucket) }]),
  ),

  // pulumi-docker-build Image: `digest` is `sha256:<64 hex>` when exported (pushed); `ref` is the
  // first tag, fully qualified, plus `@<digest>`; unexported, a tag; neither, empty.
  // https://www.pulumi.com/registry/packages/docker-build/api-docs/image/#outputs
  "docker-build:index:Image": {
    extra: ({ seed, inputs }) => {
      const tags = ((inputs.tags as unknown[] | undefined) ?? []).map(String);
      const exports = (inputs.exports as Record<string, unknown>[] | undefined) ?? [];
      const exported = inputs.push === true || exports.some((e) => e.registry !== undefined);
      const digest = exported ? `sha256:${fakeHex(`${seed}/digest`, 64)}` : "";
      const first = tags[0] === undefined ? undefined : qualifiedImageName(tags[0]);
      return {
        digest,
        ref: first === undefined ? "" : exported ? `${first}@${digest}` : first,
        contextHash: fakeHex(`${seed}/context`, 64),
      };
    },
  },

  // ---- ElastiCache ----
  // Endpoints with in-transit encryption: master.<id>.<6>.<region code>.cache.amazonaws.com and
  // replica.<id>...; without: <id>.<6>.ng.0001.<code>.cache.amazonaws.com and <id>-ro.<6>...;
  // cluster mode: clustercfg.<id>... https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Endpoints.html
  "aws:elasticache/replicationGroup:ReplicationGroup": {
    maxNameLength: 40,
    id: "name",
    nameInput: "replicationGroupId",
    lowercaseName: "store",
    arn: "elasticache:{region}:{account}:replicationgroup:{name}",
    extra: ({ physicalName, region, seed, inputs }) => {
      const code = regionFacts(region).code;
      const cluster = fakeChars(seed, 6, LOWER + DIGITS);
      const host = (label: string, tail = "") =>
        `${label}.${cluster}${tail}.${code}.cache.amazonaws.com`;
      const clusterMode =
        inputs.clusterMode === "enabled" ||
        (typeof inputs.numNodeGroups === "number" && inputs.numNodeGroups > 1);
      const tls = inputs.transitEncryptionEnabled === true;
      const members = typeof inputs.numCacheClusters === "number" ? inputs.numCacheClusters : 1;
      return {
        replicationGroupId: physicalName,
        port: typeof inputs.port === "number" ? inputs.port : 6379,
        memberClusters: Array.from(
          { length: members },
          (_, i) => `${physicalName}-${String(i + 1).padStart(3, "0")}`,
        ),
        ...(clusterMode
          ? { configurationEndpointAddress: host(`clustercfg.${physicalName}`) }
          : tls
            ? {
                primaryEndpointAddress: host(`master.${physicalName}`),
                readerEndpointAddress: host(`replica.${physicalName}`),
              }
            : {
                primaryEndpointAddress: host(physicalName, ".ng.0001"),
                readerEndpointAddress: host(`${physicalName}-ro`, ".ng.0001"),
              }),
      };
    },
  },
  "aws:elasticache/subnetGroup:SubnetGroup": {
    id: "name",
    lowercaseName: "store",
    arn: "elasticache:{region}:{account}:subnetgroup:{name}",
  },
  "aws:elasticache/parameterGroup:ParameterGroup": {
    id: "name",
    lowercaseName: "store",
    arn: "elasticache:{region}:{account}:parametergroup:{name}",
  },

  // ---- ACM: certificate ARNs end in a UUID; DNS validation is a CNAME ----
  // https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html
  "aws:acm/certificate:Certificate": {
    id: "arn",
    arn: ({ region, seed }) => `acm:${region}:${FAKE_ACCOUNT_ID}:certificate/${fakeUuid(seed)}`,
    extra: ({ inputs, seed }) => {
      const domains = [
        str(inputs.domainName),
        ...((inputs.subjectAlternativeNames as string[]) ?? []),
      ]
        .filter((d): d is string => d !== undefined)
        .filter((d, i, all) => all.indexOf(d) === i);
      return {
        domainValidationOptions: domains.map((domain) => ({
          domainName: domain,
          resourceRecordName: `_${fakeHex(`${seed}/${domain}/name`, 32)}.${domain.replace(/^\*\./, "")}.`,
          resourceRecordType: "CNAME",
          resourceRecordValue: `_${fakeHex(`${seed}/${domain}/value`, 32)}.${fakeChars(`${seed}/${domain}/zone`, 10, LOWER)}.acm-validations.aws.`,
        })),
        status: "PENDING_VALIDATION",
      };
    },
  },
  "aws:acm/certificateValidation:CertificateValidation": {
    id: () => "2026-01-01 00:00:00 +0000 UTC",
    extra: ({ inputs }) => ({ certificateArn: inputs.certificateArn }),
  },
  // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/route53_record
  "aws:route53/record:Record": {
    id: ({ inputs }) =>
      `${String(inputs.zoneId)}_${String(inputs.name).replace(/\.$/, "")}_${String(inputs.type)}`,
    extra: ({ inputs }) => ({ fqdn: String(inputs.name).replace(/\.$/, "").toLowerCase() }),
  },

  // https://docs.aws.amazon.com/autoscaling/ec2/userguide/control-access-using-iam.html (ARN format)
  "aws:autoscaling/group:Group": {
    id: "name",
    arn: ({ region, seed, physicalName }) =>
      `autoscaling:${region}:${FAKE_ACCOUNT_ID}:autoScalingGroup:${fakeUuid(seed)}:autoScalingGroupName/${physicalName}`,
  },
  "aws:appautoscaling/target:Target": {
    id: ({ inputs }) => String(inputs.resourceId),
    arn: ({ region, seed }) =>
      `application-autoscaling:${region}:${FAKE_ACCOUNT_ID}:scalable-target/${fakeChars(seed, 36, LOWER + DIGITS)}`,
  },
  "aws:appautoscaling/policy:Policy": {
    id: "name",
    arn: ({ region, seed, inputs, physicalName }) =>
      `autoscaling:${region}:${FAKE_ACCOUNT_ID}:scalingPolicy:${fakeUuid(seed)}:resource/${String(inputs.serviceNamespace)}/${String(inputs.resourceId)}:policyName/${physicalName}`,
  },

  // https://www.pulumi.com/registry/packages/random/api-docs/randompassword/
  "random:index/randomPassword:RandomPassword": {
    id: () => "none",
    extra: ({ seed, inputs }) => ({
      result: fakePassword(seed, inputs),
      bcryptHash: `$2a$10$${fakeChars(`${seed}/bcrypt`, 53, `./${UPPER}${LOWER}${DIGITS}`)}`,
    }),
  },

  // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/scheduler_schedule
  // (id `<group>/<name>`)
  "aws:scheduler/scheduleGroup:ScheduleGroup": {
    id: "name",
    arn: "scheduler:{region}:{account}:schedule-group/{name}",
  },
  "aws:scheduler/schedule:Schedule": {
    maxNameLength: 64,
    id: ({ inputs, physicalName }) => `${str(inputs.groupName) ?? "default"}/${physicalName}`,
    arn: ({ region, inputs, physicalName }) =>
      `scheduler:${region}:${FAKE_ACCOUNT_ID}:schedule/${str(inputs.groupName) ?? "default"}/${physicalName}`,
  },

  // Secrets Manager: id is the ARN, which ends `-` plus 6 random alphanumerics.
  // https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html#iam-resources
  "aws:secretsmanager/secret:Secret": {
    id: "arn",
    arn: ({ region, seed, physicalName }) =>
      `secretsmanager:${region}:${FAKE_ACCOUNT_ID}:secret:${physicalName}-${fakeChars(`${seed}/suffix`, 6, UPPER + LOWER + DIGITS)}`,
  },
  "aws:secretsmanager/secretVersion:SecretVersion": {
    id: ({ inputs, seed }) => `${String(inputs.secretId)}|${fakeUuid(seed)}`,
    extra: ({ inputs, seed }) => ({
      arn: inputs.secretId,
      versionId: fakeUuid(seed),
      versionStages: ["AWSCURRENT"],
    }),
  },

  // SNS: topic id is its ARN; a subscription's ARN is the topic's plus a UUID.
  // https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html
  "aws:sns/topic:Topic": { id: "arn", arn: "sns:{region}:{account}:{name}" },
  "aws:sns/topicSubscription:TopicSubscription": {
    id: "arn",
    arn: ({ inputs, seed }) => `${String(inputs.topic).replace(/^arn:aws:/, "")}:${fakeUuid(seed)}`,
    extra: ({ inputs }) => ({
      pendingConfirmation: inputs.protocol === "email" || inputs.protocol === "email-json",
    }),
  },

  "aws:cloudwatch/metricAlarm:MetricAlarm": {
    id: "name",
    arn: "cloudwatch:{region}:{account}:alarm:{name}",
  },
  // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/cloudwatch_event_rule
  // (id is the name on the default bus, `<bus>/<name>` otherwise)
  "aws:cloudwatch/eventRule:EventRule": {
    maxNameLength: 64,
    id: ({ inputs, physicalName }) => `${eventBusPath(inputs)}${physicalName}`,
    arn: ({ region, inputs, physicalName }) =>
      `events:${region}:${FAKE_ACCOUNT_ID}:rule/${eventBusPath(inputs)}${physicalName}`,
  },
  "aws:cloudwatch/eventTarget:EventTarget": {
    id: ({ inputs, seed }) =>
      `${String(inputs.rule)}-${str(inputs.targetId) ?? `terraform-${fakeChars(seed, 26, DIGITS)}`}`,
  },
};

/**
 * A tag as Docker qualifies it: no registry host means Docker Hub, and an official image gets
 * `library/` (github.com/distribution/reference, ParseNormalizedNamed).
 */
function qualifiedImageName(tag: string): string {
  const slash = tag.indexOf("/");
  const first = slash < 0 ? "" : tag.slice(0, slash);
  const hasHost = first.includes(".") || first.includes(":") || first === "localhost";
  if (hasHost) return tag;
  return slash < 0 ? `docker.io/library/${tag}` : `docker.io/${tag}`;
}

/**
 * What pulumi-random's RandomPassword gives for these inputs: `length` characters from the
 * enabled sets (lower, upper, numeric, special: `!@#$%&*()-_=+[]{}<>:?` or overrideSpecial), with
 * at least min* of each. Invalid inputs fail as the provider does.
 */
export function fakePassword(seed: string, inputs: Record<string, unknown>): string {
  const flag = (key: string, fallback = true): boolean => {
    const value = inputs[key];
    return typeof value === "boolean" ? value : fallback;
  };
  const count = (key: string): number => {
    const value = inputs[key];
    return typeof value === "number" ? value : 0;
  };
  const length = inputs.length;
  if (typeof length !== "number" || !Number.isInteger(length) || length < 1) {
    throw new Error(`RandomPassword: length must be an integer >= 1, got ${String(length)}`);
  }
  const special = str(inputs.overrideSpecial) ?? "!@#$%&*()-_=+[]{}<>:?";
  const sets = [
    { key: "lower", chars: LOWER, on: flag("lower"), min: count("minLower") },
    { key: "upper", chars: UPPER, on: flag("upper"), min: count("minUpper") },
    {
      key: "numeric",
      chars: DIGITS,
      on: flag("numeric", flag("number")),
      min: count("minNumeric"),
    },
    { key: "special", chars: special, on: flag("special"), min: count("minSpecial") },
  ];
  const enabled = sets.filter((s) => s.on && s.chars.length > 0);
  if (enabled.length === 0) {
    throw new Error(
      "RandomPassword: at least one of lower, upper, numeric and special must be true",
    );
  }
  const minimum = enabled.reduce((sum, s) => sum + s.min, 0);
  if (minimum > length) {
    throw new Error(
      `RandomPassword: length (${length}) must be >= the sum of minLower, minUpper, minNumeric and minSpecial (${minimum})`,
    );
  }
  const chars: string[] = enabled.flatMap((s) => [
    ...fakeChars(`${seed}/${s.key}`, s.min, s.chars),
  ]);
  const all = enabled.map((s) => s.chars).join("");
  chars.push(...fakeChars(`${seed}/rest`, length - chars.length, all));
  // Shuffle (Fisher-Yates) so the required characters are not all in front.
  const order = fakeBytes(`${seed}/shuffle`, length * 2);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = order.readUInt16BE((i % length) * 2) % (i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join("");
}

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
 * Resources that take a name get one auto-named as Pulumi does (`<logical>-<7 hex>`) when unset;
 * a name prefix gets the provider's 26-character unique suffix.
 */
export function fakeResource(args: FakeResourceArgs): {
  id: string;
  state: Record<string, unknown>;
} {
  const { type, name, region, inputs } = args;
  const seed = `${type}::${name}`;
  const rule = RULES[type] ?? {};
  const nameInput = rule.nameInput ?? "name";
  const given =
    str(inputs[nameInput]) ??
    (str(inputs[`${nameInput}Prefix`]) === undefined
      ? undefined
      : `${str(inputs[`${nameInput}Prefix`])}${fakeHex(seed, 26)}`);
  const auto = `${name}-${fakeHex(seed, 7)}`;
  if (given !== undefined && rule.lowercaseName === "require" && given !== given.toLowerCase()) {
    throw new Error(`${type} "${name}": ${nameInput} ${given} must be lowercase`);
  }
  const physicalName = rule.lowercaseName ? (given ?? auto).toLowerCase() : (given ?? auto);
  if (rule.maxNameLength !== undefined && physicalName.length > rule.maxNameLength) {
    throw new Error(
      `${type} "${name}": ${nameInput} ${physicalName} is ${physicalName.length} characters; ` +
        `AWS accepts at most ${rule.maxNameLength}` +
        (given === undefined ? " (auto-named: shorten the logical name or set one)" : ""),
    );
  }
  const ctx: RuleContext = { type, seed, region, inputs, physicalName };

  // The id, unless it is the ARN (computed next, from the id where its pattern uses one).
  const id0 =
    typeof rule.id === "function"
      ? rule.id(ctx)
      : rule.id === "name"
        ? physicalName
        : rule.id === "arn"
          ? ""
          : `${rule.id ?? ""}${fakeChars(`${seed}/id`, rule.idLength ?? 17, rule.idAlphabet ?? "0123456789abcdef")}`;
  const arnBody =
    typeof rule.arn === "function"
      ? rule.arn({ ...ctx, id: id0 })
      : (rule.arn ?? genericArnPattern(type))
          .replace("{region}", region)
          .replace("{account}", FAKE_ACCOUNT_ID)
          .replace("{id}", id0)
          .replace("{name}", physicalName)
          .replace("{hex}", fakeHex(`${seed}/arn`, 16));
  const arn = `arn:aws:${arnBody}`;
  const id = rule.id === "arn" ? arn : id0;

  const tags = (inputs.tags ?? {}) as Record<string, string>;
  const isAws = type.startsWith("aws:");
  const state: Record<string, unknown> = {
    ...inputs,
    ...(isAws ? { [nameInput]: physicalName, arn, tagsAll: { ...args.defaultTags, ...tags } } : {}),
    ...rule.extra?.({ ...ctx, id, arn }),
  };
  return { id, state };
}

/** `aws:sns/topic:Topic` → `sns:{region}:{account}:topic/{name}`. */
function genericArnPattern(type: string): string {
  const [, mod = "unknown", kind = "resource"] = /^aws:([^/]+)\/([^:]+):/.exec(type) ?? [];
  return `${mod.toLowerCase()}:{region}:{account}:${kind.toLowerCase()}/{name}`;
}

/**
 * What the account already holds when the plan runs, for the invokes that read it. The engine
 * models either an account where the stack's pinned images are pushed (the steady state the cost
 * and diagram describe) or a fresh one (the first deploy).
 */
export interface FakeAccount {
  /** ECR repositories that exist, by region; null: every repository the plan creates. */
  readonly repositories: Readonly<Record<string, readonly string[]>> | null;
  /** Tags every existing repository holds. */
  readonly pushedTags: readonly string[];
  /** Lambda's concurrent executions quota (L-B99A9384). */
  readonly lambdaConcurrencyQuota: number;
}

/** An account where nothing is pushed yet: every repository is empty or still to be created. */
export const FRESH_ACCOUNT: FakeAccount = {
  repositories: {},
  pushedTags: [],
  // AWS's documented default; new accounts can start lower (Lambda quotas page), which the
  // program's own check reports.
  lambdaConcurrencyQuota: 1000,
};

/** Service Quotas' code for Lambda's concurrent executions. */
export const LAMBDA_CONCURRENCY_QUOTA_CODE = "L-B99A9384";

type InvokeAnswer = (
  region: string,
  inputs: Record<string, unknown>,
  account: FakeAccount & { created: (region: string) => string[] },
) => Record<string, unknown>;

/** Invokes the program may call, by token, with their sources. Any other token fails the plan. */
const INVOKES: Record<string, InvokeAnswer> = {
  // https://www.pulumi.com/registry/packages/aws/api-docs/getregion/
  "aws:index/getRegion:getRegion": (region) => ({
    id: region,
    region,
    name: region,
    endpoint: `ec2.${region}.amazonaws.com`,
    description: regionFacts(region).description,
  }),
  // https://www.pulumi.com/registry/packages/aws/api-docs/getcalleridentity/
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    id: FAKE_ACCOUNT_ID,
    accountId: FAKE_ACCOUNT_ID,
    arn: `arn:aws:sts::${FAKE_ACCOUNT_ID}:assumed-role/offline-plan/offline`,
    userId: "AROAOFFLINEPLAN0000000:offline",
  }),
  // https://www.pulumi.com/registry/packages/aws/api-docs/elb/getserviceaccount/ (terraform-provider-aws
  // internal/service/elb/service_account_data_source.go: id the account, arn its root)
  "aws:elb/getServiceAccount:getServiceAccount": (providerRegion, inputs) => {
    const region = str(inputs.region) ?? providerRegion;
    const account = REGIONS[region]?.elbAccountId;
    if (!account) throw new Error(`Unknown region (${JSON.stringify(region)})`);
    return { id: account, arn: `arn:aws:iam::${account}:root`, region };
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/getpartition/
  "aws:index/getPartition:getPartition": () => ({
    id: "aws",
    partition: "aws",
    dnsSuffix: "amazonaws.com",
    reverseDnsPrefix: "com.amazonaws",
  }),
  // https://www.pulumi.com/registry/packages/aws/api-docs/ecr/getauthorizationtoken/
  // https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_AuthorizationData.html
  "aws:ecr/getAuthorizationToken:getAuthorizationToken": (region, inputs) => {
    const registryId = str(inputs.registryId) ?? FAKE_ACCOUNT_ID;
    const password = fakeChars(`${region}/${registryId}/ecr-token`, 64, UPPER + LOWER + DIGITS);
    return {
      id: region,
      registryId,
      userName: "AWS",
      password,
      authorizationToken: Buffer.from(`AWS:${password}`).toString("base64"),
      proxyEndpoint: `https://${registryId}.dkr.ecr.${region}.amazonaws.com`,
      expiresAt: "2099-01-01T00:00:00Z",
    };
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/ecr/getrepositories/ (ecr:DescribeRepositories)
  "aws:ecr/getRepositories:getRepositories": (region, _inputs, account) => {
    const names = account.repositories
      ? [...(account.repositories[region] ?? [])]
      : account.created(region);
    return { id: region, region, names: names.sort() };
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/ecr/getimages/ (ecr:ListImages: one entry per tag)
  "aws:ecr/getImages:getImages": (region, inputs, account) => {
    const repositoryName = String(inputs.repositoryName);
    const exists = account.repositories
      ? (account.repositories[region] ?? []).includes(repositoryName)
      : account.created(region).includes(repositoryName);
    if (!exists) {
      throw new Error(
        `RepositoryNotFoundException: The repository with name '${repositoryName}' does not exist in the registry with id '${FAKE_ACCOUNT_ID}'`,
      );
    }
    return {
      id: repositoryName,
      region,
      repositoryName,
      registryId: FAKE_ACCOUNT_ID,
      imageIds: account.pushedTags.map((tag) => ({
        imageTag: tag,
        imageDigest: `sha256:${fakeHex(`${region}/${repositoryName}:${tag}`, 64)}`,
      })),
    };
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/servicequotas/getservicequota/
  "aws:servicequotas/getServiceQuota:getServiceQuota": (region, inputs, account) => {
    const known =
      inputs.serviceCode === "lambda" && inputs.quotaCode === LAMBDA_CONCURRENCY_QUOTA_CODE;
    if (!known) {
      throw new Error(
        `the offline engine answers only Lambda's concurrency quota (lambda/${LAMBDA_CONCURRENCY_QUOTA_CODE}), not ${String(inputs.serviceCode)}/${String(inputs.quotaCode)}`,
      );
    }
    return {
      id: `lambda/${LAMBDA_CONCURRENCY_QUOTA_CODE}`,
      region,
      serviceCode: "lambda",
      quotaCode: LAMBDA_CONCURRENCY_QUOTA_CODE,
      quotaName: "Concurrent executions",
      serviceName: "AWS Lambda",
      value: account.lambdaConcurrencyQuota,
      defaultValue: 1000,
      adjustable: true,
      global: false,
      arn: `arn:aws:servicequotas:${region}:${FAKE_ACCOUNT_ID}:lambda/${LAMBDA_CONCURRENCY_QUOTA_CODE}`,
      usageMetrics: [],
    };
  },
  // https://www.pulumi.com/registry/packages/aws/api-docs/getavailabilityzones/
  // Zone ids are `<region code>-az<n>`: https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html
  "aws:index/getAvailabilityZones:getAvailabilityZones": (region) => {
    const facts = regionFacts(region);
    const names = [...facts.zones].map((s) => `${region}${s}`);
    return {
      id: region,
      names,
      zoneIds: names.map((_, i) => `${facts.code}-az${i + 1}`),
      groupNames: [region],
    };
  },
};

/** Thrown for an invoke the engine cannot answer. */
export class UnknownInvokeError extends Error {
  constructor(token: string) {
    super(
      `the offline engine has no answer for the invoke ${token}; add one to INVOKES in engine/fake-cloud.ts ` +
        `(answered: ${Object.keys(INVOKES).join(", ")})`,
    );
    this.name = "UnknownInvokeError";
  }
}

/** The invokes the engine answers. */
export const ANSWERED_INVOKES: readonly string[] = Object.keys(INVOKES);
/** The resource types the engine answers with their provider's shapes. */
export const ANSWERED_TYPES: readonly string[] = Object.keys(RULES);

/**
 * The invoke's answer in `account`; `created(region)` names the ECR repositories the plan has
 * created so far, which an account with `repositories: null` holds.
 */
export function fakeInvoke(
  token: string,
  region: string,
  inputs: Record<string, unknown>,
  account: FakeAccount = FRESH_ACCOUNT,
  created: (region: string) => string[] = () => [],
): Record<string, unknown> {
  const answer = INVOKES[token];
  if (!answer) throw new UnknownInvokeError(token);
  return answer(region, inputs, { ...account, created });
}

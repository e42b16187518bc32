/**
 * The offline engine's fake cloud answers as the real providers do: each case names the document
 * that fixes the shape (`source`) and asserts it exactly (regexes only for the random parts). A
 * fake that answers more kindly than AWS hides defects (an image `ref` without its tag once passed
 * for a Lambda imageUri), so every type the program registers must have a case here.
 */
import { crc32 } from "node:zlib";
import { expect } from "chai";
import {
  ANSWERED_INVOKES,
  ANSWERED_TYPES,
  FAKE_ACCOUNT_ID,
  FRESH_ACCOUNT,
  fakeInvoke,
  fakeResource,
  REGIONS,
  type FakeAccount,
} from "../engine/fake-cloud";
import { cachedPlan } from "./helpers/plan-cli";

const ACCOUNT = FAKE_ACCOUNT_ID;
const HEX17 = "[0-9a-f]{17}";
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

type Expected = RegExp | string | number | boolean | unknown[] | Record<string, unknown>;

interface Case {
  readonly title: string;
  /** The document that fixes the shape. */
  readonly source: string;
  readonly name?: string;
  readonly region?: string;
  readonly inputs?: Record<string, unknown>;
  readonly id?: RegExp | string;
  /** Outputs: a regex matches, anything else is compared deeply; `undefined` means absent. */
  readonly outputs?: Record<string, Expected | undefined>;
  /** Relations between the answers (suffix of an ARN equals the id, ...). */
  readonly also?: (id: string, state: Record<string, any>) => void;
  /** The provider refuses these inputs: the error must match. */
  readonly fails?: RegExp;
}

const EC2_IDS = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html";
const EC2_ARNS =
  "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html#amazonec2-resources-for-iam-policies";
const IAM_IDS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html";
const TF = "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources";
const PULUMI = "https://www.pulumi.com/registry/packages/aws/api-docs";
const ELB_ZONES = "https://docs.aws.amazon.com/general/latest/gr/elb.html";
const ELB_ACCESS_LOGS =
  "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html";

/** A fresh EC2 resource: `<prefix><17 hex>`, and the ARN `arn:aws:ec2:<region>:<account>:<kind>/<id>`. */
const ec2 = (prefix: string, kind: string): Case[] => [
  {
    title: `id is ${prefix} plus 17 hex; ARN ${kind}/<id>`,
    source: `${EC2_IDS} ; ${EC2_ARNS}`,
    id: new RegExp(`^${prefix}${HEX17}$`),
    outputs: { arn: new RegExp(`^arn:aws:ec2:us-east-1:${ACCOUNT}:${kind}/${prefix}${HEX17}$`) },
    also: (id, s) => expect(s.arn).to.equal(`arn:aws:ec2:us-east-1:${ACCOUNT}:${kind}/${id}`),
  },
];

const LB_ARN = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/app/web-1234567/50dc6c495c0c9188`;
const LISTENER_ARN = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:listener/app/web-1234567/50dc6c495c0c9188/f2f7dc8efc522ab2`;

const CASES: Record<string, Case[]> = {
  "aws:ec2/vpc:Vpc": [
    ...ec2("vpc-", "vpc"),
    {
      title: "computes its default security group, ACL and main route table ids",
      source: `${PULUMI}/ec2/vpc/#outputs`,
      outputs: {
        defaultSecurityGroupId: new RegExp(`^sg-${HEX17}$`),
        defaultNetworkAclId: new RegExp(`^acl-${HEX17}$`),
        mainRouteTableId: new RegExp(`^rtb-${HEX17}$`),
        ownerId: ACCOUNT,
      },
    },
  ],
  "aws:ec2/subnet:Subnet": ec2("subnet-", "subnet"),
  "aws:ec2/internetGateway:InternetGateway": ec2("igw-", "internet-gateway"),
  "aws:ec2/eip:Eip": [
    ...ec2("eipalloc-", "elastic-ip"),
    {
      title: "allocationId is the id; the public IP is an address",
      source: `${PULUMI}/ec2/eip/#outputs`,
      outputs: { publicIp: /^203\.0\.113\.\d{1,3}$/ },
      also: (id, s) => expect(s.allocationId).to.equal(id),
    },
  ],
  "aws:ec2/natGateway:NatGateway": ec2("nat-", "natgateway"),
  "aws:ec2/routeTable:RouteTable": ec2("rtb-", "route-table"),
  "aws:ec2/routeTableAssociation:RouteTableAssociation": [
    {
      title: "id is rtbassoc- plus 17 hex",
      source: EC2_IDS,
      id: new RegExp(`^rtbassoc-${HEX17}$`),
    },
  ],
  "aws:ec2/route:Route": [
    {
      // 1080289494 = crc32("0.0.0.0/0"), the suffix every default route's id carries.
      title: "id is r-<route table id><hashcode of the destination>",
      source: `${TF}/route#attribute-reference (terraform-provider-aws routeCreateID)`,
      inputs: { routeTableId: "rtb-0123456789abcdef0", destinationCidrBlock: "0.0.0.0/0" },
      id: `r-rtb-0123456789abcdef0${crc32("0.0.0.0/0")}`,
      also: (id) => expect(id).to.equal("r-rtb-0123456789abcdef01080289494"),
    },
  ],
  "aws:ec2/vpcEndpoint:VpcEndpoint": [
    ...ec2("vpce-", "vpc-endpoint"),
    {
      title: "a gateway endpoint has its service's prefix list",
      source: `${PULUMI}/ec2/vpcendpoint/#outputs`,
      inputs: { vpcEndpointType: "Gateway" },
      outputs: { prefixListId: /^pl-[0-9a-f]{8}$/ },
    },
    {
      title: "an interface endpoint has none",
      source: `${PULUMI}/ec2/vpcendpoint/#outputs`,
      inputs: { vpcEndpointType: "Interface" },
      outputs: { prefixListId: undefined },
    },
  ],
  "aws:ec2/securityGroup:SecurityGroup": ec2("sg-", "security-group"),
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": ec2("sg-", "security-group"),
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": [
    ...ec2("sgr-", "security-group-rule").map((c) => ({
      ...c,
      source: `${TF}/vpc_security_group_ingress_rule#attribute-reference`,
    })),
  ],
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": [
    ...ec2("sgr-", "security-group-rule").map((c) => ({
      ...c,
      source: `${TF}/vpc_security_group_egress_rule#attribute-reference`,
      also: (id: string, s: Record<string, any>) => expect(s.securityGroupRuleId).to.equal(id),
    })),
  ],
  "aws:ec2/flowLog:FlowLog": ec2("fl-", "vpc-flow-log"),
  "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": [
    ...ec2("pcx-", "vpc-peering-connection"),
    {
      title: "a cross-region request waits for acceptance",
      source: `${PULUMI}/ec2/vpcpeeringconnection/#outputs`,
      outputs: { acceptStatus: "pending-acceptance" },
    },
  ],
  "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": [
    {
      title: "id is the peering connection's; accepted",
      source: `${TF}/vpc_peering_connection_accepter#attribute-reference`,
      region: "eu-central-1",
      inputs: { vpcPeeringConnectionId: "pcx-0123456789abcdef0" },
      id: "pcx-0123456789abcdef0",
      outputs: {
        acceptStatus: "active",
        arn: `arn:aws:ec2:eu-central-1:${ACCOUNT}:vpc-peering-connection/pcx-0123456789abcdef0`,
      },
    },
  ],
  "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions": [
    {
      title: "id is the peering connection's",
      source: `${TF}/vpc_peering_connection_options#attribute-reference`,
      inputs: { vpcPeeringConnectionId: "pcx-0123456789abcdef0" },
      id: "pcx-0123456789abcdef0",
    },
  ],
  "aws:ec2/networkInterface:NetworkInterface": [
    ...ec2("eni-", "network-interface"),
    {
      title: "owned by the account",
      source: `${TF}/network_interface#attribute-reference`,
      outputs: { ownerId: ACCOUNT },
    },
  ],
  "aws:ec2/launchTemplate:LaunchTemplate": [
    ...ec2("lt-", "launch-template"),
    {
      title: "a new template is at version 1",
      source: `${PULUMI}/ec2/launchtemplate/#outputs`,
      outputs: { latestVersion: 1, defaultVersion: 1 },
    },
  ],
  "aws:iam/role:Role": [
    {
      title: "id is the name; ARN role/<name>; unique id AROA plus 17",
      source: IAM_IDS,
      inputs: { name: "app-role" },
      id: "app-role",
      outputs: { arn: `arn:aws:iam::${ACCOUNT}:role/app-role`, uniqueId: /^AROA[A-Z0-9]{17}$/ },
    },
    {
      title: "the path is part of the ARN",
      source: IAM_IDS,
      inputs: { name: "app-role", path: "/service/" },
      outputs: { arn: `arn:aws:iam::${ACCOUNT}:role/service/app-role` },
    },
    {
      title: "unnamed, it is auto-named <logical name>-<7 hex>",
      source: "https://www.pulumi.com/docs/iac/concepts/resources/names/#autonaming",
      name: "worker",
      id: /^worker-[0-9a-f]{7}$/,
      also: (id, s) => expect(s.arn).to.equal(`arn:aws:iam::${ACCOUNT}:role/${id}`),
    },
  ],
  "aws:iam/policy:Policy": [
    {
      title: "id is the ARN policy/<name>",
      source: `${TF}/iam_policy#attribute-reference ; ${IAM_IDS}`,
      inputs: { name: "read-things" },
      id: `arn:aws:iam::${ACCOUNT}:policy/read-things`,
      outputs: { policyId: /^ANPA[A-Z0-9]{17}$/ },
    },
  ],
  "aws:iam/rolePolicy:RolePolicy": [
    {
      title: "id is <role>:<policy name>",
      source: `${TF}/iam_role_policy#attribute-reference`,
      inputs: { role: "app-role", name: "inline" },
      id: "app-role:inline",
    },
  ],
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": [
    {
      title: "id is <role>-<unique suffix>",
      source: `${TF}/iam_role_policy_attachment#attribute-reference`,
      inputs: { role: "app-role", policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" },
      id: /^app-role-\d{26}$/,
    },
  ],
  "aws:iam/instanceProfile:InstanceProfile": [
    {
      title: "id is the name; ARN instance-profile/<name>; unique id AIPA plus 17",
      source: `${IAM_IDS} ; ${TF}/iam_instance_profile#attribute-reference`,
      inputs: { name: "ecs-hosts" },
      id: "ecs-hosts",
      outputs: {
        arn: `arn:aws:iam::${ACCOUNT}:instance-profile/ecs-hosts`,
        uniqueId: /^AIPA[A-Z0-9]{17}$/,
      },
    },
  ],
  "aws:cloudwatch/logGroup:LogGroup": [
    {
      title: "id is the name; the ARN has no trailing :*",
      source: `${TF}/cloudwatch_log_group#attribute-reference`,
      inputs: { name: "/platform/app" },
      id: "/platform/app",
      outputs: { arn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/platform/app` },
    },
    {
      title: "a name prefix gets a 26-character unique suffix",
      source: `${TF}/cloudwatch_log_group#name_prefix-1`,
      inputs: { namePrefix: "/platform/lambda/app-" },
      id: /^\/platform\/lambda\/app-[0-9a-f]{26}$/,
      also: (id, s) => expect(s.name).to.equal(id),
    },
  ],
  "aws:lambda/function:Function": [
    {
      title: "ARN function:<name>; invokeArn the API Gateway path; $LATEST when unpublished",
      source: `${PULUMI}/lambda/function/#outputs`,
      inputs: { name: "fn" },
      id: "fn",
      outputs: {
        arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:fn`,
        invokeArn: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:${ACCOUNT}:function:fn/invocations`,
        qualifiedArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:fn:$LATEST`,
        version: "$LATEST",
      },
    },
    {
      title: "published, the first version is 1",
      source: `${PULUMI}/lambda/function/#outputs`,
      inputs: { name: "fn", publish: true },
      outputs: {
        qualifiedArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:fn:1`,
        qualifiedInvokeArn: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:${ACCOUNT}:function:fn:1/invocations`,
        version: "1",
      },
    },
  ],
  "aws:lambda/permission:Permission": [
    {
      title: "id is the statement id",
      source: `${TF}/lambda_permission#attribute-reference`,
      inputs: { statementId: "AllowApiGateway", function: "fn" },
      id: "AllowApiGateway",
    },
  ],
  "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": [
    {
      title: "id is the function name",
      source: `${TF}/lambda_function_event_invoke_config#attribute-reference`,
      inputs: { functionName: "fn" },
      id: "fn",
    },
  ],
  "aws:lambda/invocation:Invocation": [
    {
      title: "id is function, qualifier and the payload's MD5; the defaults are echoed",
      source: `${TF}/lambda_invocation#import`,
      inputs: { functionName: "fn", input: '{"operation":"ensure"}' },
      // md5('{"operation":"ensure"}')
      id: "fn,$LATEST,9bd9877a7f3698f136e4444b62e8db9c",
      outputs: { qualifier: "$LATEST", lifecycleScope: "CREATE_ONLY", terraformKey: "tf" },
    },
  ],
  "aws:apigateway/restApi:RestApi": [
    {
      title: "id and root resource id are 10 lowercase alphanumerics; executionArn",
      source: "https://docs.aws.amazon.com/apigateway/latest/api/API_GetResource.html",
      region: "eu-central-1",
      id: /^[a-z0-9]{10}$/,
      outputs: { rootResourceId: /^[a-z0-9]{10}$/ },
      also: (id, s) => {
        expect(s.executionArn).to.equal(`arn:aws:execute-api:eu-central-1:${ACCOUNT}:${id}`);
        expect(s.arn).to.equal(`arn:aws:apigateway:eu-central-1::/restapis/${id}`);
      },
    },
  ],
  "aws:apigateway/resource:Resource": [
    {
      title: "id is 10 lowercase alphanumerics",
      source: "https://docs.aws.amazon.com/apigateway/latest/api/API_GetResource.html",
      inputs: { restApi: "a1b2c3d4e5", pathPart: "items" },
      id: /^[a-z0-9]{10}$/,
    },
  ],
  "aws:apigateway/deployment:Deployment": [
    {
      title: "id is 6 lowercase alphanumerics",
      source: "https://docs.aws.amazon.com/cli/latest/reference/apigateway/create-deployment.html",
      inputs: { restApi: "a1b2c3d4e5" },
      id: /^[a-z0-9]{6}$/,
    },
  ],
  "aws:apigateway/authorizer:Authorizer": [
    {
      title: "id is 6 lowercase alphanumerics; ARN under its API",
      source: "https://docs.aws.amazon.com/cli/latest/reference/apigateway/create-authorizer.html",
      inputs: { restApi: "a1b2c3d4e5", type: "COGNITO_USER_POOLS" },
      id: /^[a-z0-9]{6}$/,
      also: (id, s) =>
        expect(s.arn).to.equal(
          `arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/authorizers/${id}`,
        ),
    },
  ],
  "aws:apigateway/method:Method": [
    {
      title: "id is agm-<api>-<resource>-<method>",
      source: `${TF}/api_gateway_method#attribute-reference`,
      inputs: { restApi: "a1b2c3d4e5", resourceId: "abc123", httpMethod: "GET" },
      id: "agm-a1b2c3d4e5-abc123-GET",
    },
  ],
  "aws:apigateway/integration:Integration": [
    {
      title: "id is agi-<api>-<resource>-<method>",
      source: `${TF}/api_gateway_integration#attribute-reference`,
      inputs: { restApi: "a1b2c3d4e5", resourceId: "abc123", httpMethod: "GET" },
      id: "agi-a1b2c3d4e5-abc123-GET",
    },
  ],
  "aws:apigateway/methodResponse:MethodResponse": [
    {
      title: "id is agmr-<api>-<resource>-<method>-<status>",
      source: `${TF}/api_gateway_method_response#attribute-reference`,
      inputs: { restApi: "a1b2c3d4e5", resourceId: "abc123", httpMethod: "GET", statusCode: "200" },
      id: "agmr-a1b2c3d4e5-abc123-GET-200",
    },
  ],
  "aws:apigateway/integrationResponse:IntegrationResponse": [
    {
      title: "id is agir-<api>-<resource>-<method>-<status>",
      source: `${TF}/api_gateway_integration_response#attribute-reference`,
      inputs: { restApi: "a1b2c3d4e5", resourceId: "abc123", httpMethod: "GET", statusCode: "200" },
      id: "agir-a1b2c3d4e5-abc123-GET-200",
    },
  ],
  "aws:apigateway/response:Response": [
    {
      title: "id is aggr-<api>-<response type>",
      source: `${TF}/api_gateway_gateway_response#attribute-reference`,
      inputs: { restApiId: "a1b2c3d4e5", responseType: "DEFAULT_4XX" },
      id: "aggr-a1b2c3d4e5-DEFAULT_4XX",
    },
  ],
  "aws:apigateway/methodSettings:MethodSettings": [
    {
      title: "id is <api>-<stage>-<method path>",
      source: `${TF}/api_gateway_method_settings#attribute-reference`,
      inputs: { restApi: "a1b2c3d4e5", stageName: "v1", methodPath: "*/*" },
      id: "a1b2c3d4e5-v1-*/*",
    },
  ],
  "aws:apigateway/stage:Stage": [
    {
      title: "id is ags-<api>-<stage>; invoke URL and execution ARN name both",
      source: `${TF}/api_gateway_stage#attribute-reference`,
      inputs: { restApi: "a1b2c3d4e5", stageName: "v1", deployment: "abc123" },
      id: "ags-a1b2c3d4e5-v1",
      outputs: {
        arn: "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/v1",
        invokeUrl: "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/v1",
        executionArn: `arn:aws:execute-api:us-east-1:${ACCOUNT}:a1b2c3d4e5/v1`,
      },
    },
  ],
  "aws:apigateway/domainName:DomainName": [
    {
      title: "id is the domain name; a regional d-<10> endpoint in the region's API Gateway zone",
      source: `${TF}/api_gateway_domain_name#attribute-reference ; https://docs.aws.amazon.com/general/latest/gr/apigateway.html`,
      inputs: { domainName: "finance.example.org" },
      id: "finance.example.org",
      outputs: {
        arn: "arn:aws:apigateway:us-east-1::/domainnames/finance.example.org",
        regionalDomainName: /^d-[a-z0-9]{10}\.execute-api\.us-east-1\.amazonaws\.com$/,
        regionalZoneId: "Z1UJRXOUMOOFQ8",
      },
    },
    {
      title: "in eu-central-1, that region's zone",
      source: "https://docs.aws.amazon.com/general/latest/gr/apigateway.html",
      region: "eu-central-1",
      inputs: { domainName: "finance.example.org" },
      outputs: { regionalZoneId: "Z1U9ULNL0V5AJ3" },
    },
  ],
  "aws:apigateway/basePathMapping:BasePathMapping": [
    {
      title: "id is <domain name>/<base path>",
      source: `${TF}/api_gateway_base_path_mapping#import`,
      inputs: { domainName: "finance.example.org", basePath: "v1", restApi: "a1b2c3d4e5" },
      id: "finance.example.org/v1",
    },
  ],
  "aws:wafv2/webAcl:WebAcl": [
    {
      title: "id is a UUID; ARN regional/webacl/<name>/<id>",
      source: `${TF}/wafv2_web_acl#attribute-reference ; https://docs.aws.amazon.com/waf/latest/APIReference/API_WebACL.html`,
      inputs: { name: "finance-waf", scope: "REGIONAL" },
      id: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      also: (id, st) =>
        expect(st.arn).to.equal(
          `arn:aws:wafv2:us-east-1:${ACCOUNT}:regional/webacl/finance-waf/${id}`,
        ),
    },
  ],
  "aws:wafv2/webAclAssociation:WebAclAssociation": [
    {
      title: "id is <web acl arn>,<resource arn>",
      source: `${TF}/wafv2_web_acl_association#import`,
      inputs: { webAclArn: "arn:acl", resourceArn: "arn:stage" },
      id: "arn:acl,arn:stage",
    },
  ],
  "aws:cognito/userPool:UserPool": [
    {
      title: "id is <region>_<9 alphanumerics>; ARN userpool/<id>; endpoint",
      source:
        "https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UserPoolType.html",
      id: /^us-east-1_[A-Za-z0-9]{9}$/,
      also: (id, s) => {
        expect(s.arn).to.equal(`arn:aws:cognito-idp:us-east-1:${ACCOUNT}:userpool/${id}`);
        expect(s.endpoint).to.equal(`cognito-idp.us-east-1.amazonaws.com/${id}`);
      },
    },
    {
      title: "in eu-central-1, the id carries that region",
      source:
        "https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UserPoolType.html",
      region: "eu-central-1",
      id: /^eu-central-1_[A-Za-z0-9]{9}$/,
    },
  ],
  "aws:cognito/userPoolClient:UserPoolClient": [
    {
      title: "id is 26 lowercase alphanumerics",
      source:
        "https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UserPoolClientType.html",
      inputs: { userPoolId: "us-east-1_AbCdEf123" },
      id: /^[a-z0-9]{26}$/,
    },
  ],
  "aws:dynamodb/table:Table": [
    {
      title: "id is the name; ARN table/<name>",
      source: `${TF}/dynamodb_table#attribute-reference`,
      inputs: { name: "sessions" },
      id: "sessions",
      outputs: { arn: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/sessions` },
    },
  ],
  "aws:ecs/cluster:Cluster": [
    {
      title: "id is the ARN cluster/<name>",
      source: `${TF}/ecs_cluster#attribute-reference`,
      inputs: { name: "apps" },
      id: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/apps`,
      outputs: { name: "apps" },
    },
  ],
  "aws:ecs/service:Service": [
    {
      title: "id is the ARN service/<cluster name>/<service name>",
      source: `${TF}/ecs_service#attribute-reference ; https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-account-settings.html#ecs-resource-ids`,
      inputs: { name: "api", cluster: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/apps` },
      id: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/apps/api`,
      also: (id, s) => expect(s.arn).to.equal(id),
    },
  ],
  "aws:ecs/capacityProvider:CapacityProvider": [
    {
      title: "id is the ARN capacity-provider/<name>",
      source: `${TF}/ecs_capacity_provider#attribute-reference`,
      inputs: { name: "hosts" },
      id: `arn:aws:ecs:us-east-1:${ACCOUNT}:capacity-provider/hosts`,
    },
  ],
  "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": [
    {
      title: "id is the cluster name",
      source: `${TF}/ecs_cluster_capacity_providers#attribute-reference`,
      inputs: { clusterName: "apps" },
      id: "apps",
    },
  ],
  "aws:ecs/taskDefinition:TaskDefinition": [
    {
      title: "id is the family; ARN task-definition/<family>:<revision>",
      source: `${TF}/ecs_task_definition#attribute-reference`,
      inputs: { family: "api" },
      id: "api",
      outputs: {
        arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/api:1`,
        arnWithoutRevision: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/api`,
        revision: 1,
      },
    },
  ],
  "aws:ecr/repository:Repository": [
    {
      title: "id is the name; repositoryUrl <account>.dkr.ecr.<region>.amazonaws.com/<name>",
      source: `${TF}/ecr_repository#attribute-reference`,
      region: "eu-central-1",
      inputs: { name: "team/app" },
      id: "team/app",
      outputs: {
        arn: `arn:aws:ecr:eu-central-1:${ACCOUNT}:repository/team/app`,
        repositoryUrl: `${ACCOUNT}.dkr.ecr.eu-central-1.amazonaws.com/team/app`,
        registryId: ACCOUNT,
      },
    },
    {
      title: "names are lowercase: ECR refuses capitals",
      source: "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html",
      inputs: { name: "Team/App" },
      fails: /name Team\/App must be lowercase/,
    },
  ],
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": [
    {
      title: "id is the repository name",
      source: `${TF}/ecr_lifecycle_policy#attribute-reference`,
      inputs: { repository: "team/app", policy: "{}" },
      id: "team/app",
      outputs: { registryId: ACCOUNT },
    },
  ],
  "aws:lb/loadBalancer:LoadBalancer": [
    {
      title: "id is the ARN; arnSuffix, DNS name and us-east-1's canonical zone",
      source: `${PULUMI}/lb/loadbalancer/#outputs ; ${ELB_ZONES}`,
      inputs: { name: "web", loadBalancerType: "application" },
      id: new RegExp(
        `^arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/app/web/[0-9a-f]{16}$`,
      ),
      outputs: {
        dnsName: /^web-\d{1,10}\.us-east-1\.elb\.amazonaws\.com$/,
        zoneId: "Z35SXDOTRQ7X7K",
      },
      also: (id, s) => {
        expect(s.arn).to.equal(id);
        expect(id.endsWith(`:loadbalancer/${s.arnSuffix as string}`)).to.equal(true);
        expect(s.arnSuffix).to.match(/^app\/web\/[0-9a-f]{16}$/);
      },
    },
    {
      title: "in eu-central-1 the canonical zone is Z215JYRZR1TBD5",
      source: ELB_ZONES,
      region: "eu-central-1",
      inputs: { name: "web" },
      outputs: {
        zoneId: "Z215JYRZR1TBD5",
        dnsName: /^web-\d{1,10}\.eu-central-1\.elb\.amazonaws\.com$/,
      },
    },
    {
      title: "an internal balancer's DNS name starts internal-",
      source:
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#load-balancer-scheme",
      inputs: { name: "web", internal: true },
      outputs: { dnsName: /^internal-web-\d{1,10}\.us-east-1\.elb\.amazonaws\.com$/ },
    },
    {
      title: "a region whose zone the engine does not know fails instead of being guessed",
      source: ELB_ZONES,
      region: "ap-south-1",
      inputs: { name: "web" },
      fails: /knows no facts of region ap-south-1/,
    },
  ],
  "aws:lb/listener:Listener": [
    {
      title: "id is the ARN listener/app/<lb name>/<lb id>/<listener id>",
      source:
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Listener.html",
      inputs: { loadBalancerArn: LB_ARN, port: 443 },
      id: new RegExp(
        `^arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:listener/app/web-1234567/50dc6c495c0c9188/[0-9a-f]{16}$`,
      ),
      also: (id, s) => expect(s.arn).to.equal(id),
    },
  ],
  "aws:lb/listenerRule:ListenerRule": [
    {
      title: "id is the ARN listener-rule/app/<lb>/<lb id>/<listener id>/<rule id>",
      source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Rule.html",
      inputs: { listenerArn: LISTENER_ARN, priority: 10 },
      id: new RegExp(
        `^arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:listener-rule/app/web-1234567/50dc6c495c0c9188/f2f7dc8efc522ab2/[0-9a-f]{16}$`,
      ),
    },
  ],
  "aws:lb/listenerCertificate:ListenerCertificate": [
    {
      title: "id is the listener's ARN and the certificate's, joined by _",
      source: `${PULUMI}/lb/listenercertificate/#import`,
      inputs: {
        listenerArn: LISTENER_ARN,
        certificateArn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/abc`,
      },
      id: `${LISTENER_ARN}_arn:aws:acm:us-east-1:${ACCOUNT}:certificate/abc`,
    },
  ],
  "aws:lb/targetGroup:TargetGroup": [
    {
      title: "id is the ARN targetgroup/<name>/<id>; arnSuffix its tail",
      source: `${PULUMI}/lb/targetgroup/#outputs`,
      inputs: { name: "api-tg", port: 8080 },
      id: new RegExp(
        `^arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/api-tg/[0-9a-f]{16}$`,
      ),
      also: (id, s) => {
        expect(s.arnSuffix).to.match(/^targetgroup\/api-tg\/[0-9a-f]{16}$/);
        expect(id.endsWith(`:${s.arnSuffix as string}`)).to.equal(true);
      },
    },
  ],
  "aws:sqs/queue:Queue": [
    {
      title: "id is the queue URL; ARN sqs:<region>:<account>:<name>",
      source: `${TF}/sqs_queue#attribute-reference`,
      inputs: { name: "dlq" },
      id: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/dlq`,
      outputs: {
        url: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/dlq`,
        arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:dlq`,
      },
    },
  ],
  "aws:sqs/queuePolicy:QueuePolicy": [
    {
      title: "id is the queue URL",
      source: `${TF}/sqs_queue_policy#attribute-reference`,
      inputs: { queueUrl: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/dlq`, policy: "{}" },
      id: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/dlq`,
    },
  ],
  "aws:rds/instance:Instance": [
    {
      title: "id is the DBI resource id; address is the host, endpoint address:port",
      source:
        "https://github.com/hashicorp/terraform-provider-aws/pull/31232 ; https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Endpoints.html",
      inputs: { identifier: "orders-prod", engine: "postgres", password: "x" },
      id: /^db-[A-Z0-9]{26}$/,
      outputs: {
        identifier: "orders-prod",
        arn: `arn:aws:rds:us-east-1:${ACCOUNT}:db:orders-prod`,
        address: /^orders-prod\.[a-z0-9]{12}\.us-east-1\.rds\.amazonaws\.com$/,
        port: 5432,
        masterUserSecrets: [],
      },
      also: (id, s) => {
        expect(s.endpoint).to.equal(`${s.address as string}:5432`);
        expect(s.resourceId).to.equal(id);
      },
    },
    {
      title: "MySQL listens on 3306 by default",
      source: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html",
      inputs: { identifier: "shop", engine: "mysql" },
      outputs: {
        port: 3306,
        endpoint: /^shop\.[a-z0-9]{12}\.us-east-1\.rds\.amazonaws\.com:3306$/,
      },
    },
    {
      title: "a managed master password lives in the secret rds!db-<uuid>-<6 alphanumerics>",
      source: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html",
      region: "eu-central-1",
      inputs: { identifier: "Orders", engine: "postgres", manageMasterUserPassword: true },
      outputs: {
        identifier: "orders",
        masterUserSecrets: [
          {
            secretArn: new RegExp(
              `^arn:aws:secretsmanager:eu-central-1:${ACCOUNT}:secret:rds!db-${UUID}-[A-Za-z0-9]{6}$`,
            ),
            kmsKeyId: new RegExp(`^arn:aws:kms:eu-central-1:${ACCOUNT}:key/${UUID}$`),
            secretStatus: "active",
          },
        ],
      },
    },
  ],
  "aws:rds/subnetGroup:SubnetGroup": [
    {
      title: "id is the name, stored lowercase; ARN subgrp:<name>",
      source:
        "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSubnetGroup.html",
      inputs: { name: "Orders-Subnets" },
      id: "orders-subnets",
      outputs: { arn: `arn:aws:rds:us-east-1:${ACCOUNT}:subgrp:orders-subnets` },
    },
  ],
  "aws:rds/parameterGroup:ParameterGroup": [
    {
      title: "id is the name, stored lowercase; ARN pg:<name>",
      source:
        "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBParameterGroup.html",
      inputs: { name: "pg17" },
      id: "pg17",
      outputs: { arn: `arn:aws:rds:us-east-1:${ACCOUNT}:pg:pg17` },
    },
  ],
  "aws:s3/bucket:Bucket": [
    {
      title: "id is the bucket name; domain names; the region's hosted zone",
      source: `${TF}/s3_bucket#attribute-reference ; https://docs.aws.amazon.com/general/latest/gr/s3.html`,
      region: "eu-central-1",
      inputs: { bucket: "uploads-example" },
      id: "uploads-example",
      outputs: {
        bucket: "uploads-example",
        arn: "arn:aws:s3:::uploads-example",
        bucketDomainName: "uploads-example.s3.amazonaws.com",
        bucketRegionalDomainName: "uploads-example.s3.eu-central-1.amazonaws.com",
        hostedZoneId: "Z21DNDUVLTQW6Q",
        region: "eu-central-1",
      },
    },
    {
      title: "unnamed, it is auto-named in lowercase",
      source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
      name: "Uploads",
      id: /^uploads-[0-9a-f]{7}$/,
    },
    {
      title: "S3 refuses capitals",
      source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
      inputs: { bucket: "Uploads" },
      fails: /bucket Uploads must be lowercase/,
    },
  ],
  ...Object.fromEntries(
    [
      "bucketPolicy:BucketPolicy",
      "bucketPublicAccessBlock:BucketPublicAccessBlock",
      "bucketOwnershipControls:BucketOwnershipControls",
      "bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "bucketLogging:BucketLogging",
    ].map((t): [string, Case[]] => [
      `aws:s3/${t}`,
      [
        {
          title: "id is the bucket name",
          source: `${PULUMI}/s3/${t.split(":")[0]!.toLowerCase()}/`,
          inputs: { bucket: "uploads-example" },
          id: "uploads-example",
        },
      ],
    ]),
  ),
  "docker-build:index:Image": [
    {
      title: "pushed: ref is the first tag AND the digest, digest sha256:<64 hex>",
      source:
        "https://www.pulumi.com/registry/packages/docker-build/api-docs/image/#outputs ; pulumi/pulumi-docker-build#571 ; pulumi/pulumi-awsx#1467",
      inputs: {
        push: true,
        tags: [
          `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/app:ctx-0123456789abcdef`,
          `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/app:latest`,
        ],
      },
      outputs: {
        digest: /^sha256:[0-9a-f]{64}$/,
        ref: new RegExp(
          `^${ACCOUNT}\\.dkr\\.ecr\\.us-east-1\\.amazonaws\\.com/app:ctx-0123456789abcdef@sha256:[0-9a-f]{64}$`,
        ),
      },
      also: (_id, s) => {
        // Both parts: the tag (which Lambda's imageUri refuses beside a digest) and the digest.
        expect(s.ref).to.equal(
          `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/app:ctx-0123456789abcdef@${s.digest as string}`,
        );
      },
    },
    {
      title: "exported to a registry through exports, the same",
      source: "https://www.pulumi.com/registry/packages/docker-build/api-docs/image/#outputs",
      inputs: { tags: ["registry.example.com/app:v1"], exports: [{ registry: {} }] },
      outputs: { ref: /^registry\.example\.com\/app:v1@sha256:[0-9a-f]{64}$/ },
    },
    {
      title: "a Docker Hub tag is fully qualified",
      source:
        "https://www.pulumi.com/registry/packages/docker-build/api-docs/image/#outputs ; https://pkg.go.dev/github.com/distribution/reference#ParseNormalizedNamed",
      inputs: { push: true, tags: ["nginx:1.27"] },
      outputs: { ref: /^docker\.io\/library\/nginx:1\.27@sha256:[0-9a-f]{64}$/ },
    },
    {
      title: "not exported: ref is a tag and there is no digest",
      source: "https://www.pulumi.com/registry/packages/docker-build/api-docs/image/#outputs",
      inputs: { push: false, tags: ["registry.example.com/app:v1"] },
      outputs: { ref: "registry.example.com/app:v1", digest: "" },
    },
    {
      title: "no exports and no tags: both empty",
      source: "https://www.pulumi.com/registry/packages/docker-build/api-docs/image/#outputs",
      inputs: { push: false },
      outputs: { ref: "", digest: "" },
    },
  ],
  "aws:elasticache/replicationGroup:ReplicationGroup": [
    {
      title: "with TLS: master.<id>.<6>.use1.cache.amazonaws.com and replica.",
      source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Endpoints.html",
      inputs: { replicationGroupId: "bus", transitEncryptionEnabled: true, numCacheClusters: 2 },
      id: "bus",
      outputs: {
        arn: `arn:aws:elasticache:us-east-1:${ACCOUNT}:replicationgroup:bus`,
        primaryEndpointAddress: /^master\.bus\.[a-z0-9]{6}\.use1\.cache\.amazonaws\.com$/,
        readerEndpointAddress: /^replica\.bus\.[a-z0-9]{6}\.use1\.cache\.amazonaws\.com$/,
        memberClusters: ["bus-001", "bus-002"],
        port: 6379,
      },
    },
    {
      title: "in eu-central-1 the code is euc1",
      source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Endpoints.html",
      region: "eu-central-1",
      inputs: { replicationGroupId: "bus", transitEncryptionEnabled: true },
      outputs: {
        primaryEndpointAddress: /^master\.bus\.[a-z0-9]{6}\.euc1\.cache\.amazonaws\.com$/,
      },
    },
    {
      title: "without TLS: <id>.<6>.ng.0001.use1... and <id>-ro",
      source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Endpoints.html",
      inputs: { replicationGroupId: "bus" },
      outputs: {
        primaryEndpointAddress: /^bus\.[a-z0-9]{6}\.ng\.0001\.use1\.cache\.amazonaws\.com$/,
        readerEndpointAddress: /^bus-ro\.[a-z0-9]{6}\.ng\.0001\.use1\.cache\.amazonaws\.com$/,
      },
    },
    {
      title: "cluster mode: only a configuration endpoint",
      source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Endpoints.html",
      inputs: { replicationGroupId: "bus", clusterMode: "enabled", transitEncryptionEnabled: true },
      outputs: {
        configurationEndpointAddress: /^clustercfg\.bus\.[a-z0-9]{6}\.use1\.cache\.amazonaws\.com$/,
        primaryEndpointAddress: undefined,
      },
    },
    {
      title: "unnamed, the id is auto-named and stored lowercase",
      source:
        "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html",
      name: "Bus",
      id: /^bus-[0-9a-f]{7}$/,
      also: (id, s) => expect(s.replicationGroupId).to.equal(id),
    },
  ],
  "aws:elasticache/subnetGroup:SubnetGroup": [
    {
      title: "id is the name, stored lowercase",
      source:
        "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheSubnetGroup.html",
      inputs: { name: "Bus-Subnets" },
      id: "bus-subnets",
      outputs: { arn: `arn:aws:elasticache:us-east-1:${ACCOUNT}:subnetgroup:bus-subnets` },
    },
  ],
  "aws:elasticache/parameterGroup:ParameterGroup": [
    {
      title: "id is the name, stored lowercase",
      source:
        "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheParameterGroup.html",
      inputs: { name: "valkey8", family: "valkey8" },
      id: "valkey8",
      outputs: { arn: `arn:aws:elasticache:us-east-1:${ACCOUNT}:parametergroup:valkey8` },
    },
  ],
  "aws:acm/certificate:Certificate": [
    {
      title: "id is the ARN certificate/<uuid>; one CNAME per domain to *.acm-validations.aws.",
      source: "https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html",
      inputs: { domainName: "api.example.com", validationMethod: "DNS" },
      id: new RegExp(`^arn:aws:acm:us-east-1:${ACCOUNT}:certificate/${UUID}$`),
      outputs: {
        status: "PENDING_VALIDATION",
        domainValidationOptions: [
          {
            domainName: "api.example.com",
            resourceRecordName: /^_[0-9a-f]{32}\.api\.example\.com\.$/,
            resourceRecordType: "CNAME",
            resourceRecordValue: /^_[0-9a-f]{32}\.[a-z]{10}\.acm-validations\.aws\.$/,
          },
        ],
      },
    },
  ],
  "aws:acm/certificateValidation:CertificateValidation": [
    {
      title: "echoes the certificate ARN",
      source: `${TF}/acm_certificate_validation#attribute-reference`,
      inputs: { certificateArn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/x` },
      outputs: { certificateArn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/x` },
    },
  ],
  "aws:route53/record:Record": [
    {
      title: "id is <zone>_<name>_<type>; fqdn without the trailing dot",
      source: `${TF}/route53_record#attribute-reference`,
      inputs: { zoneId: "Z0123456789ABC", name: "_abc.API.example.com.", type: "CNAME" },
      id: "Z0123456789ABC__abc.API.example.com_CNAME",
      outputs: { fqdn: "_abc.api.example.com" },
    },
  ],
  "aws:autoscaling/group:Group": [
    {
      title: "id is the name; ARN autoScalingGroup:<uuid>:autoScalingGroupName/<name>",
      source:
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2autoscaling.html#amazonec2autoscaling-resources-for-iam-policies",
      region: "eu-central-1",
      inputs: { name: "hosts" },
      id: "hosts",
      outputs: {
        arn: new RegExp(
          `^arn:aws:autoscaling:eu-central-1:${ACCOUNT}:autoScalingGroup:${UUID}:autoScalingGroupName/hosts$`,
        ),
      },
    },
  ],
  "aws:appautoscaling/target:Target": [
    {
      title: "id is the resource id",
      source: `${TF}/appautoscaling_target#attribute-reference`,
      inputs: { resourceId: "service/apps/api", serviceNamespace: "ecs" },
      id: "service/apps/api",
    },
  ],
  "aws:appautoscaling/policy:Policy": [
    {
      title:
        "id is the name; ARN scalingPolicy:<uuid>:resource/<namespace>/<resource>:policyName/<name>",
      source: `${TF}/appautoscaling_policy#attribute-reference`,
      inputs: { name: "cpu", resourceId: "service/apps/api", serviceNamespace: "ecs" },
      id: "cpu",
      outputs: {
        arn: new RegExp(
          `^arn:aws:autoscaling:us-east-1:${ACCOUNT}:scalingPolicy:${UUID}:resource/ecs/service/apps/api:policyName/cpu$`,
        ),
      },
    },
  ],
  "random:index/randomPassword:RandomPassword": [
    {
      title: "special: false gives letters and digits only, of the length asked",
      source: "https://www.pulumi.com/registry/packages/random/api-docs/randompassword/",
      inputs: { length: 48, special: false },
      id: "none",
      outputs: {
        result: /^[A-Za-z0-9]{48}$/,
        bcryptHash: /^\$2a\$10\$[./A-Za-z0-9]{53}$/,
      },
    },
    {
      title: "by default, special characters come from !@#$%&*()-_=+[]{}<>:?",
      source: "https://www.pulumi.com/registry/packages/random/api-docs/randompassword/",
      inputs: { length: 64, minSpecial: 4 },
      outputs: { result: /^[A-Za-z0-9!@#$%&*()\-_=+[\]{}<>:?]{64}$/ },
      also: (_id, s) => expect((s.result as string).match(/[^A-Za-z0-9]/g)).to.have.length.gte(4),
    },
    {
      title: "overrideSpecial replaces the special set; min* are honoured",
      source: "https://www.pulumi.com/registry/packages/random/api-docs/randompassword/",
      inputs: {
        length: 20,
        overrideSpecial: "_%",
        minSpecial: 3,
        minUpper: 2,
        minNumeric: 5,
        lower: false,
      },
      outputs: { result: /^[A-Z0-9_%]{20}$/ },
      also: (_id, s) => {
        const result = s.result as string;
        expect(result.match(/[_%]/g)).to.have.length.gte(3);
        expect(result.match(/[A-Z]/g)).to.have.length.gte(2);
        expect(result.match(/[0-9]/g)).to.have.length.gte(5);
      },
    },
    {
      title: "length below the sum of the minimums fails",
      source: "https://www.pulumi.com/registry/packages/random/api-docs/randompassword/",
      inputs: { length: 3, minUpper: 2, minNumeric: 2 },
      fails:
        /length \(3\) must be >= the sum of minLower, minUpper, minNumeric and minSpecial \(4\)/,
    },
    {
      title: "no character set at all fails",
      source: "https://www.pulumi.com/registry/packages/random/api-docs/randompassword/",
      inputs: { length: 8, lower: false, upper: false, numeric: false, special: false },
      fails: /at least one of lower, upper, numeric and special must be true/,
    },
  ],
  "aws:scheduler/scheduleGroup:ScheduleGroup": [
    {
      title: "id is the name; ARN schedule-group/<name>",
      source: `${TF}/scheduler_schedule_group#attribute-reference`,
      inputs: { name: "jobs" },
      id: "jobs",
      outputs: { arn: `arn:aws:scheduler:us-east-1:${ACCOUNT}:schedule-group/jobs` },
    },
  ],
  "aws:scheduler/schedule:Schedule": [
    {
      title: "id is <group>/<name>; ARN schedule/<group>/<name>",
      source: `${TF}/scheduler_schedule#attribute-reference`,
      inputs: { name: "open", groupName: "jobs" },
      id: "jobs/open",
      outputs: { arn: `arn:aws:scheduler:us-east-1:${ACCOUNT}:schedule/jobs/open` },
    },
    {
      title: "without a group, the default one",
      source: `${TF}/scheduler_schedule#attribute-reference`,
      inputs: { name: "open" },
      id: "default/open",
    },
  ],
  "aws:secretsmanager/secret:Secret": [
    {
      title: "id is the ARN, which ends - plus 6 random alphanumerics",
      source: `${TF}/secretsmanager_secret#attribute-reference ; https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html#iam-resources`,
      inputs: { name: "app/token" },
      id: new RegExp(
        `^arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:app/token-[A-Za-z0-9]{6}$`,
      ),
      also: (id, s) => expect(s.arn).to.equal(id),
    },
    {
      title: "a name prefix gets a 26-character unique suffix",
      source: `${TF}/secretsmanager_secret#name_prefix-1`,
      inputs: { namePrefix: "db/url-" },
      id: new RegExp(
        `^arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:db/url-[0-9a-f]{26}-[A-Za-z0-9]{6}$`,
      ),
    },
  ],
  "aws:secretsmanager/secretVersion:SecretVersion": [
    {
      title: "id is <secret ARN>|<version uuid>",
      source: `${TF}/secretsmanager_secret_version#attribute-reference`,
      inputs: { secretId: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:a-AbCdEf` },
      id: new RegExp(`^arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:a-AbCdEf\\|${UUID}$`),
      outputs: {
        arn: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:a-AbCdEf`,
        versionId: new RegExp(`^${UUID}$`),
        versionStages: ["AWSCURRENT"],
      },
    },
  ],
  "aws:sns/topic:Topic": [
    {
      title: "id is the ARN sns:<region>:<account>:<name>",
      source: `${TF}/sns_topic#attribute-reference`,
      inputs: { name: "alarms" },
      id: `arn:aws:sns:us-east-1:${ACCOUNT}:alarms`,
    },
  ],
  "aws:sns/topicSubscription:TopicSubscription": [
    {
      title: "id is the subscription ARN <topic ARN>:<uuid>; email waits for confirmation",
      source: "https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html",
      inputs: {
        topic: `arn:aws:sns:us-east-1:${ACCOUNT}:alarms`,
        protocol: "email",
        endpoint: "ops@example.com",
      },
      id: new RegExp(`^arn:aws:sns:us-east-1:${ACCOUNT}:alarms:${UUID}$`),
      outputs: { pendingConfirmation: true },
    },
  ],
  "aws:cloudwatch/metricAlarm:MetricAlarm": [
    {
      title: "id is the name; ARN alarm:<name>",
      source: `${TF}/cloudwatch_metric_alarm#attribute-reference`,
      inputs: { name: "errors" },
      id: "errors",
      outputs: { arn: `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:errors` },
    },
  ],
  "aws:cloudwatch/eventRule:EventRule": [
    {
      title: "on the default bus, id is the name; ARN rule/<name>",
      source: `${TF}/cloudwatch_event_rule#attribute-reference`,
      inputs: { name: "task-states" },
      id: "task-states",
      outputs: { arn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/task-states` },
    },
    {
      title: "on a custom bus, <bus>/<name>",
      source: `${TF}/cloudwatch_event_rule#attribute-reference`,
      inputs: { name: "task-states", eventBusName: "ops" },
      id: "ops/task-states",
      outputs: { arn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/ops/task-states` },
    },
  ],
  "aws:cloudwatch/eventTarget:EventTarget": [
    {
      title: "id is <rule>-<target id>",
      source: `${TF}/cloudwatch_event_target#attribute-reference`,
      inputs: { rule: "task-states", targetId: "lifecycle" },
      id: "task-states-lifecycle",
    },
  ],
};

/** Name limits of the services' Create APIs: a longer name fails the plan as it fails AWS. */
const NAME_LIMITS: [type: string, input: string, max: number, source: string][] = [
  [
    "aws:iam/role:Role",
    "name",
    64,
    "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html",
  ],
  [
    "aws:lambda/function:Function",
    "name",
    64,
    "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html",
  ],
  [
    "aws:lb/loadBalancer:LoadBalancer",
    "name",
    32,
    "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html",
  ],
  [
    "aws:lb/targetGroup:TargetGroup",
    "name",
    32,
    "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html",
  ],
  [
    "aws:sqs/queue:Queue",
    "name",
    80,
    "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html",
  ],
  [
    "aws:rds/instance:Instance",
    "identifier",
    63,
    "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html",
  ],
  [
    "aws:s3/bucket:Bucket",
    "bucket",
    63,
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
  ],
  [
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "replicationGroupId",
    40,
    "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html",
  ],
  [
    "aws:scheduler/schedule:Schedule",
    "name",
    64,
    "https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html",
  ],
  [
    "aws:cloudwatch/eventRule:EventRule",
    "name",
    64,
    "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html",
  ],
];
for (const [type, input, max, source] of NAME_LIMITS) {
  CASES[type]!.push(
    {
      title: `a ${input} of ${max} characters is accepted`,
      source,
      inputs: { [input]: "a".repeat(max) },
      also: (_id, s) => expect(s[input]).to.equal("a".repeat(max)),
    },
    {
      title: `a ${input} of ${max + 1} characters fails`,
      source,
      inputs: { [input]: "a".repeat(max + 1) },
      fails: new RegExp(`is ${max + 1} characters; AWS accepts at most ${max}$`),
    },
    {
      title: `an auto-name past ${max} characters fails, naming the cause`,
      source,
      name: "a".repeat(max - 7),
      fails: /auto-named: shorten the logical name or set one/,
    },
  );
}

function expectOutputs(state: Record<string, unknown>, want: Record<string, unknown>, at = "") {
  for (const [key, expected] of Object.entries(want)) {
    const actual = state[key];
    const where = `${at}${key}`;
    if (expected === undefined) expect(actual, where).to.equal(undefined);
    else if (expected instanceof RegExp)
      expect(actual, where).to.be.a("string").and.match(expected);
    else if (Array.isArray(expected)) {
      expect(actual, where).to.be.an("array").with.length(expected.length);
      expected.forEach((item, i) => {
        const got = (actual as unknown[])[i];
        if (item !== null && typeof item === "object" && !(item instanceof RegExp)) {
          expectOutputs(
            got as Record<string, unknown>,
            item as Record<string, unknown>,
            `${where}[${i}].`,
          );
        } else expectOutputs({ v: got }, { v: item }, `${where}[${i}]`);
      });
    } else expect(actual, where).to.deep.equal(expected);
  }
}

describe("the fake cloud answers as the providers do", () => {
  for (const [type, cases] of Object.entries(CASES)) {
    describe(type, () => {
      for (const c of cases) {
        it(`${c.title} (source: ${c.source})`, () => {
          const args = {
            type,
            name: c.name ?? "res",
            region: c.region ?? "us-east-1",
            inputs: c.inputs ?? {},
          };
          if (c.fails) {
            expect(() => fakeResource(args)).to.throw(c.fails);
            return;
          }
          const { id, state } = fakeResource(args);
          if (typeof c.id === "string") expect(id).to.equal(c.id);
          else if (c.id) expect(id).to.match(c.id);
          expectOutputs(state, c.outputs ?? {});
          c.also?.(id, state);
          // Deterministic: the same resource gives the same answer.
          expect(fakeResource(args)).to.deep.equal({ id, state });
        });
      }
    });
  }

  it("has a sourced case for every type it answers", () => {
    expect([...ANSWERED_TYPES].sort()).to.deep.equal(Object.keys(CASES).sort());
  });

  it("merges the provider's default tags into tagsAll, the resource's own winning", () => {
    const { state } = fakeResource({
      type: "aws:sns/topic:Topic",
      name: "t",
      region: "us-east-1",
      inputs: { tags: { team: "data" } },
      defaultTags: { team: "platform", stack: "dev" },
    });
    expect(state.tagsAll).to.deep.equal({ team: "data", stack: "dev" });
  });
});

interface InvokeCase {
  readonly title: string;
  readonly source: string;
  readonly region?: string;
  readonly inputs?: Record<string, unknown>;
  readonly outputs?: Record<string, Expected | undefined>;
  readonly also?: (result: Record<string, any>) => void;
  readonly fails?: RegExp;
  /** What the account holds; a fresh one unless given. */
  readonly account?: FakeAccount;
  /** Repositories the plan has created so far, for an account that holds them. */
  readonly created?: string[];
}

/** An account where the plan's repositories exist and hold two tags. */
const RELEASED: FakeAccount = { ...FRESH_ACCOUNT, repositories: null, pushedTags: ["1.0", "v3"] };

const INVOKE_CASES: Record<string, InvokeCase[]> = {
  "aws:index/getRegion:getRegion": [
    {
      title: "the provider's region, its EC2 endpoint and description",
      source: `${PULUMI}/getregion/`,
      region: "eu-central-1",
      outputs: {
        region: "eu-central-1",
        id: "eu-central-1",
        endpoint: "ec2.eu-central-1.amazonaws.com",
        description: "Europe (Frankfurt)",
      },
    },
  ],
  "aws:index/getCallerIdentity:getCallerIdentity": [
    {
      title: "the 12-digit account and an STS ARN",
      source: `${PULUMI}/getcalleridentity/`,
      outputs: {
        accountId: /^\d{12}$/,
        id: ACCOUNT,
        arn: new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/[^/]+/[^/]+$`),
        userId: /^AROA[A-Z0-9]+:.+$/,
      },
    },
  ],
  "aws:elb/getServiceAccount:getServiceAccount": [
    {
      title: "us-east-1: ELB's log-writing account 127311923021 and its root ARN",
      source: `${PULUMI}/elb/getserviceaccount/ ; ${ELB_ACCESS_LOGS}`,
      outputs: {
        id: "127311923021",
        arn: "arn:aws:iam::127311923021:root",
        region: "us-east-1",
      },
    },
    {
      title: "the provider's region: eu-central-1's 054676820928",
      source: ELB_ACCESS_LOGS,
      region: "eu-central-1",
      outputs: { id: "054676820928", arn: "arn:aws:iam::054676820928:root" },
    },
    {
      title: "the region input wins over the provider's",
      source: `${PULUMI}/elb/getserviceaccount/`,
      inputs: { region: "eu-central-1" },
      outputs: { id: "054676820928", region: "eu-central-1" },
    },
    {
      title: "a region it knows no account of fails as the provider does",
      source:
        "terraform-provider-aws internal/service/elb/service_account_data_source.go (Unknown region)",
      region: "ap-south-1",
      fails: /Unknown region \("ap-south-1"\)/,
    },
  ],
  "aws:index/getPartition:getPartition": [
    {
      title: "the aws partition",
      source: `${PULUMI}/getpartition/`,
      outputs: {
        partition: "aws",
        dnsSuffix: "amazonaws.com",
        reverseDnsPrefix: "com.amazonaws",
      },
    },
  ],
  "aws:ecr/getAuthorizationToken:getAuthorizationToken": [
    {
      title: "user AWS; the token is base64 of AWS:<password>; the registry's endpoint",
      source: `${PULUMI}/ecr/getauthorizationtoken/ ; https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_AuthorizationData.html`,
      region: "eu-central-1",
      inputs: { registryId: ACCOUNT },
      outputs: {
        userName: "AWS",
        registryId: ACCOUNT,
        proxyEndpoint: `https://${ACCOUNT}.dkr.ecr.eu-central-1.amazonaws.com`,
        expiresAt: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/,
      },
      also: (r) =>
        expect(Buffer.from(r.authorizationToken as string, "base64").toString()).to.equal(
          `AWS:${r.password as string}`,
        ),
    },
  ],
  "aws:ecr/getRepositories:getRepositories": [
    {
      title: "a fresh account has no repositories",
      source: `${PULUMI}/ecr/getrepositories/ ; https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeRepositories.html`,
      outputs: { names: [], id: "us-east-1" },
    },
    {
      title: "a released account holds the plan's repositories, by name, sorted",
      source: `${PULUMI}/ecr/getrepositories/ ; https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeRepositories.html`,
      account: RELEASED,
      created: ["platform-dev/arbees/b", "platform-dev/arbees/a"],
      outputs: { names: ["platform-dev/arbees/a", "platform-dev/arbees/b"] },
    },
  ],
  "aws:ecr/getImages:getImages": [
    {
      title: "one image id per pushed tag, digest sha256 of 64 hex",
      source: `${PULUMI}/ecr/getimages/ ; https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageIdentifier.html`,
      account: RELEASED,
      created: ["platform-dev/arbees/api"],
      inputs: { repositoryName: "platform-dev/arbees/api" },
      outputs: { repositoryName: "platform-dev/arbees/api", registryId: ACCOUNT },
      also: (r) => {
        expect(r.imageIds.map((i: { imageTag: string }) => i.imageTag)).to.deep.equal([
          "1.0",
          "v3",
        ]);
        for (const i of r.imageIds) expect(i.imageDigest).to.match(/^sha256:[0-9a-f]{64}$/);
      },
    },
    {
      title: "a repository that does not exist fails as ListImages does",
      source: "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ListImages.html",
      inputs: { repositoryName: "platform-dev/arbees/api" },
      fails: /RepositoryNotFoundException/,
    },
  ],
  "aws:servicequotas/getServiceQuota:getServiceQuota": [
    {
      title: "Lambda's concurrent executions: the default 1,000",
      source: `${PULUMI}/servicequotas/getservicequota/ ; https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html`,
      inputs: { serviceCode: "lambda", quotaCode: "L-B99A9384" },
      outputs: { value: 1000, quotaName: "Concurrent executions", region: "us-east-1" },
    },
    {
      title: "what the account holds, e.g. a new account's 10",
      source: "https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-deployment.html",
      account: { ...FRESH_ACCOUNT, lambdaConcurrencyQuota: 10 },
      inputs: { serviceCode: "lambda", quotaCode: "L-B99A9384" },
      outputs: { value: 10 },
    },
    {
      title: "another quota is not answered",
      source: `${PULUMI}/servicequotas/getservicequota/`,
      inputs: { serviceCode: "ec2", quotaCode: "L-0263D0A3" },
      fails: /answers only Lambda's concurrency quota/,
    },
  ],
  "aws:index/getAvailabilityZones:getAvailabilityZones": [
    {
      title: "us-east-1's six zones, zone ids use1-az<n>",
      source: `${PULUMI}/getavailabilityzones/ ; https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html`,
      outputs: {
        names: ["a", "b", "c", "d", "e", "f"].map((z) => `us-east-1${z}`),
        zoneIds: [1, 2, 3, 4, 5, 6].map((n) => `use1-az${n}`),
      },
    },
    {
      title: "eu-central-1's three, euc1-az<n>",
      source: `${PULUMI}/getavailabilityzones/ ; https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html`,
      region: "eu-central-1",
      outputs: {
        names: ["eu-central-1a", "eu-central-1b", "eu-central-1c"],
        zoneIds: ["euc1-az1", "euc1-az2", "euc1-az3"],
      },
    },
    {
      title: "a region it knows no facts of fails",
      source: "https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html",
      region: "ap-south-1",
      fails: /knows no facts of region ap-south-1/,
    },
  ],
};

describe("the fake cloud answers invokes as the provider does", () => {
  for (const [token, cases] of Object.entries(INVOKE_CASES)) {
    describe(token, () => {
      for (const c of cases) {
        it(`${c.title} (source: ${c.source})`, () => {
          const call = () =>
            fakeInvoke(
              token,
              c.region ?? "us-east-1",
              c.inputs ?? {},
              c.account,
              () => c.created ?? [],
            );
          if (c.fails) {
            expect(call).to.throw(c.fails);
            return;
          }
          const result = call();
          expectOutputs(result, c.outputs ?? {});
          c.also?.(result);
          expect(call()).to.deep.equal(result);
        });
      }
    });
  }

  it("has a sourced case for every invoke it answers", () => {
    expect([...ANSWERED_INVOKES].sort()).to.deep.equal(Object.keys(INVOKE_CASES).sort());
  });

  it("fails an invoke it cannot answer, naming it", () => {
    expect(() => fakeInvoke("aws:ec2/getAmi:getAmi", "us-east-1", {})).to.throw(
      /no answer for the invoke aws:ec2\/getAmi:getAmi/,
    );
  });

  it("knows the regions the program deploys to", () => {
    expect(REGIONS).to.include.keys("us-east-1", "eu-central-1");
  });
});

describe("the program registers only types the fake cloud answers", () => {
  for (const stack of ["dev", "prod"]) {
    it(`${stack}: every custom resource type has a sourced rule`, async () => {
      const run = await cachedPlan(stack);
      expect(run.code, run.stderr).to.equal(0);
      const types = new Set(
        run
          .plan!.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"))
          .map((r) => r.type),
      );
      expect([...types].filter((t) => !ANSWERED_TYPES.includes(t))).to.deep.equal([]);
    });
  }
});

/** Tagging: every taggable resource ends up with the platform's tags, provider default tags included. */
import { asRecord, json, resourceRule, type Check, type Props } from "./common";

export const DEFAULT_REQUIRED_TAGS = ["project", "environment", "managed-by"];

/** Types the platform creates (or will) that take tags. Others are not applicable. */
export const TAGGABLE_TYPES = [
  "aws:apigateway/restApi:RestApi",
  "aws:apigateway/stage:Stage",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:cloudwatch/metricAlarm:MetricAlarm",
  "aws:cognito/userPool:UserPool",
  "aws:dynamodb/table:Table",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  "aws:ec2/eip:Eip",
  "aws:ec2/flowLog:FlowLog",
  "aws:ec2/instance:Instance",
  "aws:ec2/internetGateway:InternetGateway",
  "aws:ec2/launchTemplate:LaunchTemplate",
  "aws:ec2/natGateway:NatGateway",
  "aws:ec2/routeTable:RouteTable",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:ec2/subnet:Subnet",
  "aws:ec2/vpc:Vpc",
  "aws:ec2/vpcEndpoint:VpcEndpoint",
  "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
  "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter",
  "aws:ecr/repository:Repository",
  "aws:ecs/cluster:Cluster",
  "aws:ecs/service:Service",
  "aws:ecs/taskDefinition:TaskDefinition",
  "aws:elasticache/replicationGroup:ReplicationGroup",
  "aws:elasticache/subnetGroup:SubnetGroup",
  "aws:iam/policy:Policy",
  "aws:iam/role:Role",
  "aws:kms/key:Key",
  "aws:lambda/function:Function",
  "aws:lb/listener:Listener",
  "aws:lb/loadBalancer:LoadBalancer",
  "aws:lb/targetGroup:TargetGroup",
  "aws:rds/instance:Instance",
  "aws:rds/parameterGroup:ParameterGroup",
  "aws:rds/subnetGroup:SubnetGroup",
  "aws:s3/bucket:Bucket",
  "aws:scheduler/scheduleGroup:ScheduleGroup",
  "aws:secretsmanager/secret:Secret",
  "aws:sns/topic:Topic",
  "aws:sqs/queue:Queue",
];

/** The provider's default tags: providers receive nested objects as JSON strings. */
function providerTags(provider: { props: Props } | undefined): Props {
  return asRecord(asRecord(json(provider?.props.defaultTags)).tags);
}

const check: Check = (props, args) => {
  const required =
    args.getConfig<{ requiredTags?: string[] }>().requiredTags ?? DEFAULT_REQUIRED_TAGS;
  const effective = { ...providerTags(args.provider), ...asRecord(props.tags) };
  const missing = required.filter((tag) => !effective[tag]);
  return missing.length > 0 ? [`ends up without the tags ${missing.join(", ")}`] : [];
};

export const requiredTags = resourceRule({
  name: "tags-required",
  description:
    "Every taggable resource ends up with the project, environment and managed-by tags (the provider's default tags count).",
  controls: [],
  severity: "low",
  remediation:
    "Create resources with one of index.ts's regional providers, which carry aws:defaultTags, or set the tags on the resource.",
  configSchema: {
    properties: {
      requiredTags: { type: "array", items: { type: "string" }, default: DEFAULT_REQUIRED_TAGS },
    },
  },
  checks: Object.fromEntries(TAGGABLE_TYPES.map((type) => [type, check])),
});

export const taggingRules = [requiredTags];

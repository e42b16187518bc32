/** Resource type tokens that more than one domain of the pack checks. */

/** S3 buckets. */
export const BUCKET = "aws:s3/bucket:Bucket";
/** Lambda functions. */
export const FUNCTION = "aws:lambda/function:Function";
/** Security group ingress rules. */
export const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
/** Load balancer listeners, under both modules. */
export const LISTENERS = ["aws:lb/listener:Listener", "aws:alb/listener:Listener"];
/** Load balancers, under both of the provider's modules. */
export const LOAD_BALANCERS = [
  "aws:lb/loadBalancer:LoadBalancer",
  "aws:alb/loadBalancer:LoadBalancer",
];
/** ElastiCache replication groups. */
export const REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";
/** Security groups. */
export const SG = "aws:ec2/securityGroup:SecurityGroup";
/** Security group rules of the older, combined kind. */
export const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
/** ECS task definitions. */
export const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";

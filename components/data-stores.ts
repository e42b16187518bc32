/**
 * What the data stores (`Postgres`, `Redis`) share: the secrets services read their credentials
 * from, and the ingress rules that admit a caller on the store's port.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Who a store admits: a security group of the same region, or a CIDR (a peer region's VPC). */
export type StoreCaller =
  { referencedSecurityGroupId: pulumi.Input<string> } | { cidrIpv4: string };

/**
 * Admits `source` into the store's group on its port: `<store>-from-<caller>`. Rules are made by
 * the store, from the groups themselves, so no id is ever copied between stacks by hand.
 */
export function admitCaller(
  store: { name: string; securityGroupId: pulumi.Input<string>; port: number },
  caller: string,
  description: string,
  source: StoreCaller,
  opts: pulumi.CustomResourceOptions,
): aws.vpc.SecurityGroupIngressRule {
  return new aws.vpc.SecurityGroupIngressRule(
    `${store.name}-from-${caller}`,
    {
      securityGroupId: store.securityGroupId,
      description,
      ipProtocol: "tcp",
      fromPort: store.port,
      toPort: store.port,
      ...source,
    },
    opts,
  );
}

/**
 * A secret `<store>-<role>` (named `<store>/<role>-…`, or `namePrefix`) holding `value`,
 * replicated to `replicaRegions` (services in other regions read it there: ECS reads secrets in
 * the task's region). Only what other regions read is replicated; credentials stay at home.
 */
export function storeSecret(
  store: string,
  role: string,
  spec: {
    description: string;
    value: pulumi.Input<string>;
    replicaRegions?: string[];
    namePrefix?: string;
  },
  parent: pulumi.Resource,
): { secret: aws.secretsmanager.Secret; version: aws.secretsmanager.SecretVersion } {
  const secret = new aws.secretsmanager.Secret(
    `${store}-${role}`,
    {
      namePrefix: spec.namePrefix ?? `${store}/${role}-`,
      description: spec.description,
      ...(spec.replicaRegions
        ? { replicas: spec.replicaRegions.map((region) => ({ region })) }
        : {}),
    },
    { parent },
  );
  const version = new aws.secretsmanager.SecretVersion(
    `${store}-${role}-value`,
    { secretId: secret.id, secretString: pulumi.secret(spec.value) },
    { parent },
  );
  return { secret, version };
}

/** Data stores: private, encrypted, TLS-only, and in prod highly available and recoverable. */
import {
  asArray,
  asRecord,
  deniesInsecureTransport,
  isTrue,
  ofType,
  publicSubnets,
  publicSubnetsIn,
  json,
  refersTo,
  resourceRule,
  secretLooking,
  stackRule,
  strings,
  text,
  withoutCompanion,
  type Props,
} from "./common";
import { regionOf } from "./deploy";
import { BUCKET, FUNCTION, REPLICATION_GROUP, TASK_DEFINITION } from "./types";

const RDS_INSTANCE = "aws:rds/instance:Instance";
const RDS_CLUSTER = "aws:rds/cluster:Cluster";
const PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup";
const CLUSTER_PARAMETER_GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup";
const SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup";
const CACHE_CLUSTER = "aws:elasticache/cluster:Cluster";
const TABLE = "aws:dynamodb/table:Table";
const SECRET = "aws:secretsmanager/secret:Secret";
const INVOCATION = "aws:lambda/invocation:Invocation";

// ---- S3 -------------------------------------------------------------------------------------

export const s3BlockPublicAccess = stackRule({
  name: "s3-block-public-access",
  description: "Every bucket has a public access block with all four settings on.",
  controls: ["S3.8"],
  severity: "critical",
  remediation:
    "Add aws.s3.BucketPublicAccessBlock for the bucket with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets true.",
  check: (resources) => {
    const blocks = ofType(resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
    const settings = [
      "blockPublicAcls",
      "blockPublicPolicy",
      "ignorePublicAcls",
      "restrictPublicBuckets",
    ];
    return ofType(resources, BUCKET).flatMap((bucket) => {
      const block = blocks.find((b) => refersTo(b, "bucket", bucket));
      if (!block) return [{ resource: bucket, message: "has no public access block" }];
      const off = settings.filter((s) => !isTrue(block.props[s]));
      return off.length > 0
        ? [{ resource: bucket, message: `public access block leaves ${off.join(", ")} off` }]
        : [];
    });
  },
});

export const s3Encryption = stackRule({
  name: "s3-encryption-configured",
  description: "Every bucket declares server-side encryption (SSE-S3 or SSE-KMS).",
  controls: [],
  severity: "medium",
  remediation:
    "Add aws.s3.BucketServerSideEncryptionConfiguration for the bucket (AES256 or aws:kms).",
  check: (resources) =>
    withoutCompanion(
      resources,
      BUCKET,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "bucket",
      "declares no server-side encryption",
    ),
});

export const s3DenyInsecureTransport = stackRule({
  name: "s3-deny-insecure-transport",
  description: "Every bucket's policy denies requests that do not use TLS.",
  controls: ["S3.5"],
  severity: "high",
  remediation:
    'Add a bucket policy statement: Effect Deny, Principal "*", Action "s3:*", the bucket and its objects, Condition {"Bool": {"aws:SecureTransport": "false"}}.',
  check: (resources) => {
    const policies = ofType(resources, "aws:s3/bucketPolicy:BucketPolicy");
    return ofType(resources, BUCKET)
      .filter(
        (bucket) =>
          !policies.some(
            (p) => refersTo(p, "bucket", bucket) && deniesInsecureTransport(p.props.policy),
          ),
      )
      .map((bucket) => ({ resource: bucket, message: "does not deny non-TLS requests" }));
  },
});

export const s3NoPublicAcl = resourceRule({
  name: "s3-no-public-acl",
  description: "No bucket grants public read or write through an ACL.",
  controls: ["S3.2", "S3.3"],
  severity: "critical",
  remediation:
    "Remove the ACL; serve public content through CloudFront, and presign URLs for uploads.",
  checks: {
    "aws:s3/bucketAcl:BucketAcl": (props) =>
      ["public-read", "public-read-write", "authenticated-read"].includes(String(props.acl))
        ? [`grants ${String(props.acl)}`]
        : [],
  },
});

// ---- RDS ------------------------------------------------------------------------------------

export const rdsEncrypted = resourceRule({
  name: "rds-encrypted",
  description: "RDS instances and clusters encrypt their storage.",
  controls: ["RDS.3", "RDS.27"],
  severity: "high",
  remediation:
    "Set storageEncrypted: true (it cannot be changed later: restore from an encrypted snapshot).",
  checks: Object.fromEntries(
    [RDS_INSTANCE, RDS_CLUSTER].map((type) => [
      type,
      (props: Props) => (isTrue(props.storageEncrypted) ? [] : ["storage is not encrypted"]),
    ]),
  ),
});

export const rdsNotPublic = resourceRule({
  name: "rds-not-publicly-accessible",
  description: "RDS instances are not publicly accessible.",
  controls: ["RDS.2"],
  severity: "critical",
  remediation:
    "Set publiclyAccessible: false; reach the database from the VPC or over the peering.",
  checks: {
    [RDS_INSTANCE]: (props) => (isTrue(props.publiclyAccessible) ? ["is publicly accessible"] : []),
  },
});

export const rdsNotInPublicSubnets = stackRule({
  name: "rds-not-in-public-subnets",
  description: "DB subnet groups use only subnets without a route to an internet gateway.",
  controls: [],
  severity: "high",
  remediation: "Build the subnet group from the Network's isolatedSubnetIds.",
  check: (resources) => {
    const pub = publicSubnets(resources);
    return ofType(resources, SUBNET_GROUP).flatMap((group) => {
      const exposed = publicSubnetsIn(group, "subnetIds", pub);
      return exposed.length > 0
        ? [
            {
              resource: group,
              message: `includes public subnets ${exposed.map((s) => s.name).join(", ")}`,
            },
          ]
        : [];
    });
  },
});

/** The parameters of a (cluster) parameter group, by name. */
function parameters(props: Props): Map<string, string> {
  return new Map(asArray<Props>(props.parameters).map((p) => [String(p.name), String(p.value)]));
}

export const rdsForceSsl = stackRule({
  name: "rds-force-ssl",
  description: "PostgreSQL instances use a parameter group with rds.force_ssl = 1.",
  controls: [],
  severity: "high",
  remediation:
    'Give the instance a parameter group of its family with { name: "rds.force_ssl", value: "1" }.',
  check: (resources) => {
    const groups = ofType(resources, PARAMETER_GROUP, CLUSTER_PARAMETER_GROUP);
    return ofType(resources, RDS_INSTANCE, RDS_CLUSTER)
      .filter((db) => text(db.props.engine, "").includes("postgres"))
      .flatMap((db) => {
        const property =
          db.type === RDS_INSTANCE ? "parameterGroupName" : "dbClusterParameterGroupName";
        const group = groups.find((g) => refersTo(db, property, g));
        if (!group) return [{ resource: db, message: "uses the default parameter group" }];
        return parameters(group.props).get("rds.force_ssl") === "1"
          ? []
          : [
              {
                resource: db,
                message: `parameter group ${group.name} does not set rds.force_ssl = 1`,
              },
            ];
      });
  },
});

export const rdsNoTimescale = resourceRule({
  name: "rds-no-timescaledb",
  description: "No RDS parameter group asks for TimescaleDB, which Amazon RDS does not offer.",
  controls: [],
  severity: "high",
  remediation:
    "Use native PostgreSQL partitioning; drop timescaledb from shared_preload_libraries.",
  checks: Object.fromEntries(
    [PARAMETER_GROUP, CLUSTER_PARAMETER_GROUP].map((type) => [
      type,
      (props: Props) =>
        /timescaledb/i.test(parameters(props).get("shared_preload_libraries") ?? "")
          ? ["shared_preload_libraries asks for timescaledb"]
          : [],
    ]),
  ),
});

export const rdsLogExports = resourceRule({
  name: "rds-log-exports",
  description: "PostgreSQL instances export their logs to CloudWatch Logs.",
  controls: ["RDS.9"],
  severity: "medium",
  remediation: 'Set enabledCloudwatchLogsExports: ["postgresql", "upgrade"].',
  checks: {
    [RDS_INSTANCE]: (props) =>
      text(props.engine, "").includes("postgres") &&
      !strings(props.enabledCloudwatchLogsExports).includes("postgresql")
        ? ["does not export the postgresql log"]
        : [],
  },
});

export const rdsMultiAz = resourceRule({
  name: "rds-prod-multi-az",
  description: "In prod, RDS instances are Multi-AZ.",
  controls: ["RDS.5"],
  only: "prod",
  remediation: "Set multiAz: true (the Postgres component does in prod).",
  checks: { [RDS_INSTANCE]: (props) => (isTrue(props.multiAz) ? [] : ["is single-AZ"]) },
});

export const rdsDeletionProtection = resourceRule({
  name: "rds-prod-deletion-protection",
  description: "In prod, RDS instances and clusters have deletion protection.",
  controls: ["RDS.7", "RDS.8"],
  only: "prod",
  remediation: "Set deletionProtection: true.",
  checks: Object.fromEntries(
    [RDS_INSTANCE, RDS_CLUSTER].map((type) => [
      type,
      (props: Props) => (isTrue(props.deletionProtection) ? [] : ["has no deletion protection"]),
    ]),
  ),
});

export const rdsBackups = resourceRule({
  name: "rds-prod-backups",
  description:
    "In prod, RDS keeps automated backups for at least the configured number of days (7).",
  controls: ["RDS.11"],
  only: "prod",
  remediation: "Set backupRetentionPeriod to 7 or more (14 in this platform's prod).",
  configSchema: { properties: { minimumDays: { type: "integer", default: 7 } } },
  checks: Object.fromEntries(
    [RDS_INSTANCE, RDS_CLUSTER].map((type) => [
      type,
      (props: Props, args) => {
        const minimum = args.getConfig<{ minimumDays?: number }>().minimumDays ?? 7;
        const days = Number(props.backupRetentionPeriod ?? 1);
        return days >= minimum ? [] : [`keeps backups ${days} day(s), below ${minimum}`];
      },
    ]),
  ),
});

export const rdsFinalSnapshot = resourceRule({
  name: "rds-prod-final-snapshot",
  description: "In prod, deleting an RDS instance or cluster takes a final snapshot.",
  controls: [],
  only: "prod",
  remediation: "Set skipFinalSnapshot: false and a finalSnapshotIdentifier.",
  checks: Object.fromEntries(
    [RDS_INSTANCE, RDS_CLUSTER].map((type) => [
      type,
      (props: Props) =>
        isTrue(props.skipFinalSnapshot) || !props.finalSnapshotIdentifier
          ? ["would be deleted without a final snapshot"]
          : [],
    ]),
  ),
});

export const lambdaDatabaseClientsInVpc = stackRule({
  name: "lambda-database-clients-in-vpc",
  description:
    "Lambda functions that connect to an RDS instance (an environment value from its address) run in the VPC, with a security group: the instances are in isolated subnets.",
  controls: [],
  severity: "high",
  remediation:
    "Give the function vpcConfig with the network's private subnets and a security group the database admits (WebAdapterApi and SharedPostgres do).",
  check: (resources) => {
    const instances = ofType(resources, RDS_INSTANCE, RDS_CLUSTER);
    return ofType(resources, FUNCTION)
      .filter((fn) => instances.some((db) => refersTo(fn, "environment", db)))
      .filter((fn) => {
        const vpc = asRecord(fn.props.vpcConfig);
        return strings(vpc.subnetIds).length === 0 || strings(vpc.securityGroupIds).length === 0;
      })
      .map((fn) => ({
        resource: fn,
        message: "connects to a database but runs outside the VPC (or without a security group)",
      }));
  },
});

export const rdsProdNoSharedInstance = stackRule({
  name: "rds-prod-no-shared-instance",
  description:
    "In prod, each workload has an RDS instance of its own: no instance holds databases its bootstrap invocations make for workloads (platform:sharedDatabase is for dev).",
  controls: [],
  only: "prod",
  severity: "medium",
  remediation:
    "Leave platform:sharedDatabase unset (off in prod): one workload's load, maintenance or restore then never reaches another's.",
  check: (resources) => {
    const invocations = ofType(resources, INVOCATION);
    return ofType(resources, RDS_INSTANCE).flatMap((db) => {
      const tenants = invocations.filter((i) => refersTo(i, "triggers", db));
      return tenants.length > 0
        ? [
            {
              resource: db,
              message: `holds the databases of ${tenants.map((t) => t.name).join(", ")}`,
            },
          ]
        : [];
    });
  },
});

export const lambdaInvocationNoSecrets = resourceRule({
  name: "lambda-invocation-input-no-secrets",
  description:
    "Lambda invocations the program makes carry names and ARNs, never secret values: the input is kept in the state and sent as the event.",
  controls: [],
  severity: "high",
  remediation:
    "Put the value in a Secrets Manager secret and pass its ARN; the function reads it with GetSecretValue.",
  checks: {
    [INVOCATION]: (props) => {
      const leaves = (value: unknown, path: string): [string, unknown][] =>
        value !== null && typeof value === "object"
          ? Object.entries(value).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k))
          : [[path, value]];
      const input = typeof props.input === "string" ? json(props.input) : props.input;
      return leaves(input ?? props.input, "input")
        .map(([path, value]) => secretLooking(path.split(".").pop() ?? path, value))
        .filter((problem): problem is string => problem !== undefined);
    },
  },
});

// ---- ElastiCache ----------------------------------------------------------------------------

export const cacheEncryptedAtRest = resourceRule({
  name: "elasticache-encrypted-at-rest",
  description:
    "Redis replication groups encrypt data at rest; bare cache clusters (which cannot) are not used.",
  controls: ["ElastiCache.4"],
  remediation:
    "Create Redis with the Redis component (a replication group with atRestEncryptionEnabled: true).",
  checks: {
    [REPLICATION_GROUP]: (props) =>
      isTrue(props.atRestEncryptionEnabled) ? [] : ["does not encrypt at rest"],
    [CACHE_CLUSTER]: (props) =>
      props.replicationGroupId ? [] : ["is a standalone cache cluster without encryption"],
  },
});

export const cacheEncryptedInTransit = resourceRule({
  name: "elasticache-encrypted-in-transit",
  description: "Redis replication groups require TLS.",
  controls: ["ElastiCache.5"],
  remediation: "Set transitEncryptionEnabled: true and connect with rediss://.",
  checks: {
    [REPLICATION_GROUP]: (props) =>
      isTrue(props.transitEncryptionEnabled) ? [] : ["does not require TLS"],
  },
});

export const cacheAuth = resourceRule({
  name: "elasticache-authentication",
  description:
    "Redis replication groups require authentication (an AUTH token or RBAC user groups).",
  controls: ["ElastiCache.6"],
  remediation:
    "Set authToken from a Secrets Manager secret, or userGroupIds with an RBAC user group.",
  checks: {
    [REPLICATION_GROUP]: (props) =>
      props.authToken || strings(props.userGroupIds).length > 0
        ? []
        : ["accepts unauthenticated clients"],
  },
});

export const cacheFailover = resourceRule({
  name: "elasticache-prod-failover",
  description: "In prod, Redis has a replica, automatic failover and Multi-AZ.",
  controls: ["ElastiCache.3"],
  only: "prod",
  remediation:
    "Set numCacheClusters: 2 or more, automaticFailoverEnabled: true and multiAzEnabled: true.",
  checks: {
    [REPLICATION_GROUP]: (props) => [
      ...(isTrue(props.automaticFailoverEnabled) ? [] : ["has no automatic failover"]),
      ...(isTrue(props.multiAzEnabled) ? [] : ["is not Multi-AZ"]),
      ...(Number(props.numCacheClusters ?? 1) >= 2 ? [] : ["has no replica"]),
    ],
  },
});

// ---- DynamoDB -------------------------------------------------------------------------------

export const dynamoPitr = resourceRule({
  name: "dynamodb-prod-pitr",
  description: "In prod, DynamoDB tables have point-in-time recovery.",
  controls: ["DynamoDB.2"],
  only: "prod",
  remediation: "Set pointInTimeRecovery: { enabled: true }.",
  checks: {
    [TABLE]: (props) =>
      isTrue(asRecord(props.pointInTimeRecovery).enabled) ? [] : ["has no point-in-time recovery"],
  },
});

export const dynamoDeletionProtection = resourceRule({
  name: "dynamodb-prod-deletion-protection",
  description: "In prod, DynamoDB tables have deletion protection.",
  controls: ["DynamoDB.6"],
  only: "prod",
  remediation: "Set deletionProtectionEnabled: true.",
  checks: {
    [TABLE]: (props) =>
      isTrue(props.deletionProtectionEnabled) ? [] : ["has no deletion protection"],
  },
});

// ---- KMS and Secrets Manager ----------------------------------------------------------------

export const kmsRotation = resourceRule({
  name: "kms-key-rotation",
  description: "Customer managed symmetric KMS keys rotate yearly.",
  controls: ["KMS.4"],
  severity: "medium",
  remediation: "Set enableKeyRotation: true.",
  checks: {
    "aws:kms/key:Key": (props) =>
      (props.customerMasterKeySpec ?? props.keySpec ?? "SYMMETRIC_DEFAULT") ===
        "SYMMETRIC_DEFAULT" && !isTrue(props.enableKeyRotation)
        ? ["does not rotate"]
        : [],
  },
});

export const secretRecoveryWindow = resourceRule({
  name: "secretsmanager-prod-recovery-window",
  description: "In prod, deleted secrets stay recoverable for at least 7 days.",
  controls: [],
  only: "prod",
  severity: "medium",
  remediation: "Leave recoveryWindowInDays unset (30) or at 7 or more; 0 deletes at once.",
  checks: {
    "aws:secretsmanager/secret:Secret": (props) =>
      props.recoveryWindowInDays !== undefined && Number(props.recoveryWindowInDays) < 7
        ? [`recovery window is ${text(props.recoveryWindowInDays)} days`]
        : [],
  },
});

/** What reads a secret when it runs, in its own region, and through which property. */
const SECRET_READERS: Record<string, string> = {
  // ECS reads a task's secrets in the task's region, at start.
  [TASK_DEFINITION]: "containerDefinitions",
  // A function is given the ARN and reads it itself.
  [FUNCTION]: "environment",
  // The bootstrap function reads the ARNs of its invocation's input.
  [INVOCATION]: "input",
};

export const secretsWhereRead = stackRule({
  name: "secretsmanager-stored-where-read",
  description:
    "A secret the stack's tasks or functions read is created and replicated only in the regions where they read it.",
  controls: [],
  severity: "low",
  remediation:
    "Create the secret where its readers run and replicate it only to regions whose tasks or functions read it (each replica is $0.40 a month); a secret nothing in the stack reads (an operator's) is not judged.",
  check: (resources) => {
    const readers = resources.filter((r) => SECRET_READERS[r.type] !== undefined);
    return ofType(resources, SECRET).flatMap((secret) => {
      const readIn = new Set(
        readers
          .filter((r) => refersTo(r, SECRET_READERS[r.type]!, secret))
          .map((r) => regionOf(r))
          .filter((region): region is string => region !== undefined),
      );
      const home = regionOf(secret);
      if (readIn.size === 0 || home === undefined) return [];
      const replicas = asArray<Props>(secret.props.replicas).map((r) => text(r.region));
      const where = [...readIn].join(", ");
      return [
        ...(readIn.has(home)
          ? []
          : [{ resource: secret, message: `is created in ${home}, but read only in ${where}` }]),
        ...replicas
          .filter((region) => !readIn.has(region))
          .map((region) => ({
            resource: secret,
            message: `is replicated to ${region}, where no task or function reads it (read in ${where})`,
          })),
      ];
    });
  },
});

export const dataRules = [
  s3BlockPublicAccess,
  s3Encryption,
  s3DenyInsecureTransport,
  s3NoPublicAcl,
  rdsEncrypted,
  rdsNotPublic,
  rdsNotInPublicSubnets,
  rdsForceSsl,
  rdsNoTimescale,
  rdsLogExports,
  rdsMultiAz,
  rdsDeletionProtection,
  rdsBackups,
  rdsFinalSnapshot,
  lambdaDatabaseClientsInVpc,
  rdsProdNoSharedInstance,
  lambdaInvocationNoSecrets,
  cacheEncryptedAtRest,
  cacheEncryptedInTransit,
  cacheAuth,
  cacheFailover,
  dynamoPitr,
  dynamoDeletionProtection,
  kmsRotation,
  secretRecoveryWindow,
  secretsWhereRead,
];

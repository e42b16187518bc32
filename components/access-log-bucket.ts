import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, type PolicyDocument } from "./iam";
import { transform, type Transform } from "./transform";

/** Key prefix of load balancer logs; each load balancer writes under `elb/<name>/AWSLogs/...`. */
export const LOAD_BALANCER_LOG_PREFIX = "elb";
/** Key prefix of S3 server access logs; each source bucket writes under `s3/<name>/`. */
export const BUCKET_LOG_PREFIX = "s3";

/** Where one writer sends its access logs. */
export interface AccessLogDestination {
  /** The log bucket's name. */
  readonly bucket: pulumi.Input<string>;
  /**
   * Key prefix of this writer's logs: `elb/<name>` for a load balancer (ELB appends
   * `/AWSLogs/<account>/...`), `s3/<name>/` for a bucket.
   */
  readonly prefix: string;
  /**
   * The log bucket's policy: a writer is configured only after it exists, since ELB tests its
   * write access when access logs are turned on.
   */
  readonly policy: pulumi.Resource;
}

/** A region's log bucket as writers see it: a destination of their own, by name. */
export interface AccessLogTarget {
  /** The destination of a load balancer's access logs. */
  forLoadBalancer(name: string): AccessLogDestination;
  /** The destination of a bucket's server access logs. */
  forBucket(name: string): AccessLogDestination;
}

export interface AccessLogBucketArgs {
  /** Days a log is kept before the lifecycle rule deletes it. */
  retentionInDays: number;
  /**
   * Let `pulumi destroy` delete the bucket with the logs it holds; otherwise a destroy stops at
   * the first log.
   * @default false
   */
  forceDestroy?: boolean;
  /** Escape hatches: each hook edits one child's args after the component has set them. */
  transform?: {
    bucket?: Transform<aws.s3.BucketArgs>;
    lifecycle?: Transform<aws.s3.BucketLifecycleConfigurationArgs>;
    policy?: Transform<aws.s3.BucketPolicyArgs>;
  };
}

/** What the log bucket's policy is built from. */
export interface AccessLogPolicyInputs {
  bucketArn: pulumi.Input<string>;
  /** The account whose load balancers and buckets write here. */
  accountId: pulumi.Input<string>;
  /** The region's Elastic Load Balancing account, `arn:aws:iam::<elb account>:root`. */
  elbAccountArn: pulumi.Input<string>;
}

/**
 * The log bucket's policy: no request without TLS; the region's ELB account may put load balancer
 * logs of this account under `elb/`, S3's logging service server access logs of this account's
 * buckets under `s3/`. Nothing else is granted: the account's own roles read the logs.
 */
export function accessLogPolicy(inputs: AccessLogPolicyInputs): PolicyDocument {
  const { bucketArn, accountId } = inputs;
  return policyDocument(
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
    {
      // Regions available before August 2022 name the region's ELB account, not a service.
      Sid: "LoadBalancerAccessLogs",
      Effect: "Allow",
      Principal: { AWS: inputs.elbAccountArn },
      Action: "s3:PutObject",
      Resource: pulumi.interpolate`${bucketArn}/${LOAD_BALANCER_LOG_PREFIX}/*/AWSLogs/${accountId}/*`,
    },
    {
      Sid: "BucketServerAccessLogs",
      Effect: "Allow",
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: pulumi.interpolate`${bucketArn}/${BUCKET_LOG_PREFIX}/*`,
      Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    },
  );
}

/** A writer's name, as it appears in its log prefix. */
function checkedName(name: string): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name) || name.includes("AWSLogs")) {
    throw new Error(
      `AccessLogBucket: ${JSON.stringify(name)} is not a writer name (lowercase letters, digits, hyphens)`,
    );
  }
  return name;
}

/**
 * One region's access log bucket: private, SSE-S3 encrypted (the only encryption ELB access logs
 * and S3 server access logs accept on their target), owner-enforced, TLS only, logs expiring after
 * `retentionInDays`; load balancers and buckets of the account write to it, each under its own
 * prefix. It does not log its own access: that would log its logs in a loop.
 *
 * AWS: docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
 * (SSE-S3 only, the ELB account per region) and
 * docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html (SSE-S3 only,
 * `logging.s3.amazonaws.com` through the bucket policy when ACLs are disabled).
 */
export class AccessLogBucket extends pulumi.ComponentResource implements AccessLogTarget {
  public readonly bucket: aws.s3.Bucket;
  public readonly policy: aws.s3.BucketPolicy;
  public readonly bucketName: pulumi.Output<string>;

  constructor(name: string, args: AccessLogBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:logs:AccessLogBucket", name, {}, opts);

    // ---- normalize ----
    const days = args.retentionInDays;
    if (!Number.isInteger(days) || days < 1) {
      throw new Error(
        `AccessLogBucket ${name}: retentionInDays ${days} must be a whole number of 1 or more`,
      );
    }
    const hooks = args.transform ?? {};
    const opt = { parent: this };

    // ---- create ----
    this.bucket = new aws.s3.Bucket(
      ...transform(hooks.bucket, name, { forceDestroy: args.forceDestroy ?? false }, opt),
    );
    const bucket = this.bucket.id;
    const privateAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-private`,
      {
        bucket,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      opt,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      { bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
      opt,
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
      opt,
    );
    new aws.s3.BucketLifecycleConfiguration(
      ...transform(
        hooks.lifecycle,
        `${name}-lifecycle`,
        {
          bucket,
          rules: [{ id: "expire-logs", status: "Enabled", filter: {}, expiration: { days } }],
        },
        opt,
      ),
    );
    const policy = accessLogPolicy({
      bucketArn: this.bucket.arn,
      accountId: aws.getCallerIdentityOutput({}, opt).accountId,
      elbAccountArn: aws.elb.getServiceAccountOutput({}, opt).arn,
    });
    // After the public access block: S3 may refuse one bucket's policy and block changed at once
    // (OperationAborted, hashicorp/terraform-provider-aws#7628).
    this.policy = new aws.s3.BucketPolicy(
      ...transform(
        hooks.policy,
        `${name}-policy`,
        { bucket, policy: pulumi.jsonStringify(policy) },
        { ...opt, dependsOn: [privateAccess] },
      ),
    );

    // ---- expose ----
    this.bucketName = this.bucket.bucket;
    this.registerOutputs({ bucketName: this.bucketName });
  }

  forLoadBalancer(name: string): AccessLogDestination {
    return {
      bucket: this.bucketName,
      prefix: `${LOAD_BALANCER_LOG_PREFIX}/${checkedName(name)}`,
      policy: this.policy,
    };
  }

  forBucket(name: string): AccessLogDestination {
    return {
      bucket: this.bucketName,
      prefix: `${BUCKET_LOG_PREFIX}/${checkedName(name)}/`,
      policy: this.policy,
    };
  }
}

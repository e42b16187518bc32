/**
 * A bucket browsers upload into through presigned PUT URLs: private, encrypted, TLS-only, owned by
 * the bucket owner, with CORS for the listed origins and stale multipart uploads removed.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument } from "./iam";
import { transform, type Transform } from "./transform";

export interface UploadsBucketArgs {
  /** The key prefix uploads go under, ending in `/`. */
  prefix: string;
  /**
   * Days after which uploads under the prefix expire.
   * @default undefined (kept)
   */
  expireAfterDays?: number;
  /**
   * Days after which an unfinished multipart upload is removed.
   * @default 1
   */
  abortIncompleteAfterDays?: number;
  /**
   * Browser origins that may PUT; none means no CORS configuration.
   * @default []
   */
  corsOrigins?: string[];
  /**
   * How long browsers may cache the bucket's preflight answer, in seconds.
   * @default 600
   */
  corsMaxAgeSeconds?: number;
  /**
   * Let a destroy delete the bucket with what it holds.
   * @default false
   */
  forceDestroy?: boolean;
  /** Hooks over the children's args (see transform.ts). */
  transform?: UploadsBucketTransforms;
}

/** Escape hatches: one hook per child of an uploads bucket. */
export interface UploadsBucketTransforms {
  /** The bucket (object lock, tags). */
  bucket?: Transform<aws.s3.BucketArgs>;
  /** The lifecycle rules (expiry, multipart cleanup; add rules of your own). */
  bucketLifecycle?: Transform<aws.s3.BucketLifecycleConfigurationArgs>;
  /** The CORS rules browsers' PUTs need. */
  bucketCors?: Transform<aws.s3.BucketCorsConfigurationArgs>;
}

/** The lifecycle rule of the uploads prefix: multipart cleanup, and expiry when asked. */
export function uploadsLifecycleRule(
  args: Pick<UploadsBucketArgs, "prefix" | "expireAfterDays" | "abortIncompleteAfterDays">,
): aws.types.input.s3.BucketLifecycleConfigurationRule {
  return {
    id: "abort-incomplete-multipart",
    status: "Enabled",
    filter: { prefix: args.prefix },
    abortIncompleteMultipartUpload: { daysAfterInitiation: args.abortIncompleteAfterDays ?? 1 },
    ...(args.expireAfterDays ? { expiration: { days: args.expireAfterDays } } : {}),
  };
}

/**
 * Creates the bucket `<name>` and its settings as children of `parent` (the component that owns
 * the uploads, so their URNs stay that component's).
 */
export function uploadsBucket(
  name: string,
  args: UploadsBucketArgs,
  parent: pulumi.Resource,
): aws.s3.Bucket {
  const hooks = args.transform ?? {};
  const bucket = new aws.s3.Bucket(
    ...transform(hooks.bucket, name, { forceDestroy: args.forceDestroy ?? false }, { parent }),
  );
  new aws.s3.BucketPublicAccessBlock(
    `${name}-private`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    { parent },
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-encryption`,
    {
      bucket: bucket.id,
      rules: [
        { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true },
      ],
    },
    { parent },
  );
  new aws.s3.BucketOwnershipControls(
    `${name}-ownership`,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    { parent },
  );
  new aws.s3.BucketPolicy(
    `${name}-tls-only`,
    {
      bucket: bucket.id,
      policy: pulumi.jsonStringify(
        policyDocument({
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
      ),
    },
    { parent },
  );
  new aws.s3.BucketLifecycleConfiguration(
    ...transform(
      hooks.bucketLifecycle,
      `${name}-lifecycle`,
      { bucket: bucket.id, rules: [uploadsLifecycleRule(args)] },
      { parent },
    ),
  );
  const corsOrigins = args.corsOrigins ?? [];
  if (corsOrigins.length > 0) {
    new aws.s3.BucketCorsConfiguration(
      ...transform(
        hooks.bucketCors,
        `${name}-cors`,
        {
          bucket: bucket.id,
          corsRules: [
            {
              allowedMethods: ["PUT"],
              allowedOrigins: corsOrigins,
              allowedHeaders: ["Content-Type", "Content-MD5"],
              maxAgeSeconds: args.corsMaxAgeSeconds ?? 600,
            },
          ],
        },
        { parent },
      ),
    );
  }
  return bucket;
}

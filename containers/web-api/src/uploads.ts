/**
 * Presigned S3 PUT URLs for a run's input. The client uploads straight to S3 with the URL; the
 * app never sees the bytes. A run's input lives at `<UPLOAD_PREFIX><run id>/input`, so the
 * prefix scopes the IAM grant (s3:PutObject on `<bucket>/<prefix>*`) and the run id scopes the key.
 */
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

/** How long an upload URL stays valid: 15 minutes. */
export const UPLOAD_URL_TTL_SECONDS = 15 * 60;

export interface UploadTarget {
  s3: S3Client;
  bucket: string;
  /** Empty or ending in "/" (see config.ts). */
  prefix: string;
}

export interface UploadUrl {
  url: string;
  bucket: string;
  key: string;
  expiresAt: string;
}

/**
 * The S3 client to presign with. By default the SDK adds a CRC32 of the (empty) body it sees at
 * signing time to presigned PutObject URLs, and S3 then rejects every real upload with BadDigest:
 * checksums only when an operation requires them keeps the URL body-agnostic.
 */
export function uploadClient(region: string): S3Client {
  return new S3Client({ region, requestChecksumCalculation: "WHEN_REQUIRED" });
}

/** The S3 key of run `runId`'s input. */
export function uploadKey(prefix: string, runId: string): string {
  return `${prefix}${runId}/input`;
}

/** A presigned PUT URL for run `runId`'s input, valid for UPLOAD_URL_TTL_SECONDS from `now`. */
export async function presignUpload(
  target: UploadTarget,
  runId: string,
  now: Date = new Date(),
): Promise<UploadUrl> {
  const key = uploadKey(target.prefix, runId);
  const url = await getSignedUrl(
    target.s3,
    new PutObjectCommand({ Bucket: target.bucket, Key: key }),
    {
      expiresIn: UPLOAD_URL_TTL_SECONDS,
      signingDate: now,
    },
  );
  return {
    url,
    bucket: target.bucket,
    key,
    // Whole seconds: SigV4 signs the date to the second, so this is exactly when S3 stops accepting it.
    expiresAt: new Date(
      Math.floor(now.getTime() / 1000) * 1000 + UPLOAD_URL_TTL_SECONDS * 1000,
    ).toISOString(),
  };
}

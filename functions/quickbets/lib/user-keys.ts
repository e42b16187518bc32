/**
 * Each user's Kalshi API key lives in Secrets Manager as `${prefix}${sub}` holding
 * `{ "keyId": "...", "privateKeyPem": "-----BEGIN ..." }`. The name is derived from the caller's
 * verified identity only, so nobody can reach another user's key.
 */
import { createHash, type KeyObject } from "node:crypto";
import type { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { HttpError } from "../../shared/http";
import { parsePrivateKey, SigningKeyError } from "./signer";

/** How long a secret value is reused before Secrets Manager is asked again (key rotation lag). */
export const SECRET_MAX_AGE_SECONDS = 300;

/** Parsed keys kept across warm invocations; a handful of users share one warm instance. */
const KEY_CACHE_SIZE = 100;

export function userKeySecretName(prefix: string, userId: string): string {
  return `${prefix}${userId}`;
}

function notFound(): HttpError {
  return new HttpError(
    404,
    "signing_key_not_found",
    "no Kalshi API key is stored for this user; add one before signing or launching",
  );
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && error.name === "ResourceNotFoundException";
}

const THROTTLING = new Set([
  "ThrottlingException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
]);

/** True when Secrets Manager refused for its request rate (after the SDK's own retries). */
export function isThrottled(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (THROTTLING.has(error.name)) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === 429 || isThrottled((error as { cause?: unknown }).cause);
}

/** Secrets Manager kept throttling: the caller may retry in a second, as with any 503. */
function keyStoreBusy(cause: unknown): HttpError {
  return new HttpError(
    503,
    "key_store_busy",
    "the key store is throttling requests; retry shortly",
    undefined,
    { cause, headers: { "Retry-After": "1" } },
  );
}

/** The ARN of the user's key secret (for the session task to read), without reading its value. */
export async function userKeySecretArn(
  client: SecretsManagerClient,
  secretName: string,
): Promise<string> {
  // The package loads with the first call: sign.ts shares this module and never calls it.
  const { DescribeSecretCommand } = await import("@aws-sdk/client-secrets-manager");
  try {
    const secret = await client.send(new DescribeSecretCommand({ SecretId: secretName }));
    // A secret scheduled for deletion cannot be read by the task either.
    if (!secret.ARN || secret.DeletedDate) throw notFound();
    return secret.ARN;
  } catch (error) {
    if (isNotFound(error)) throw notFound();
    throw error;
  }
}

export interface SigningKey {
  keyId: string;
  key: KeyObject;
}

function invalid(reason: string): HttpError {
  return new HttpError(
    422,
    "signing_key_invalid",
    `the stored Kalshi API key is unusable: ${reason}`,
  );
}

/** Validates a secret's value into a signing key; errors say what is wrong, never what it holds. */
export function parseSigningKey(value: string): SigningKey {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    throw invalid("the secret is not JSON");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw invalid("the secret is not a JSON object");
  }
  const { keyId, privateKeyPem } = json as Record<string, unknown>;
  if (typeof keyId !== "string" || keyId.trim() === "") throw invalid("keyId is missing");
  if (keyId.length > 256 || /[\s\x00-\x1f\x7f]/.test(keyId)) throw invalid("keyId is malformed");
  if (typeof privateKeyPem !== "string" || privateKeyPem.trim() === "") {
    throw invalid("privateKeyPem is missing");
  }
  try {
    return { keyId, key: parsePrivateKey(privateKeyPem) };
  } catch (error) {
    if (error instanceof SigningKeyError) throw invalid(error.message);
    throw error;
  }
}

/**
 * Signing keys read through Powertools' SecretsProvider (values cached SECRET_MAX_AGE_SECONDS);
 * the parsed KeyObject is reused until the secret's value changes, since PEM parsing is the costly
 * part of a warm invocation.
 */
export class SigningKeys {
  private readonly parsed = new Map<string, { digest: string; signingKey: SigningKey }>();

  constructor(private readonly secrets: SecretsProvider) {}

  async get(secretName: string): Promise<SigningKey> {
    let value: string | Uint8Array | undefined;
    try {
      value = await this.secrets.get(secretName, { maxAge: SECRET_MAX_AGE_SECONDS });
    } catch (error) {
      if (isNotFound(error) || isNotFound((error as { cause?: unknown }).cause)) throw notFound();
      // The SDK has retried a throttle with backoff (its standard 3 attempts) before this.
      if (isThrottled(error)) throw keyStoreBusy(error);
      throw error;
    }
    if (value === undefined) throw notFound();
    const text = typeof value === "string" ? value : Buffer.from(value).toString("utf8");
    const digest = createHash("sha256").update(text).digest("hex");
    const cached = this.parsed.get(secretName);
    if (cached?.digest === digest) return cached.signingKey;

    this.parsed.delete(secretName);
    const signingKey = parseSigningKey(text);
    if (this.parsed.size >= KEY_CACHE_SIZE) {
      const oldest = this.parsed.keys().next();
      if (!oldest.done) this.parsed.delete(oldest.value);
    }
    this.parsed.set(secretName, { digest, signingKey });
    return signingKey;
  }
}

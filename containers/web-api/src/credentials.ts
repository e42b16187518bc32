/**
 * The database password, from the RDS-managed master user secret in Secrets Manager
 * (`{ "username": ..., "password": ... }`). Fetched at start and cached for a few minutes rather
 * than forever: RDS rotates that secret (every 7 days by default), and new connections made after
 * a rotation must pick the new password up without a restart.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

export interface Credentials {
  username: string;
  password: string;
}

/** How long a fetched secret is reused. */
export const SECRET_TTL_MS = 5 * 60 * 1000;

/** The `{ username, password }` in a secret's SecretString; throws without echoing the value. */
export function parseCredentials(secretString: string | undefined): Credentials {
  let value: unknown;
  try {
    value = JSON.parse(secretString ?? "");
  } catch {
    throw new Error("the database secret is not JSON (expected { username, password })");
  }
  const { username, password } = (typeof value === "object" && value !== null ? value : {}) as {
    username?: unknown;
    password?: unknown;
  };
  if (typeof username !== "string" || username === "") {
    throw new Error("the database secret has no username");
  }
  if (typeof password !== "string" || password === "") {
    throw new Error("the database secret has no password");
  }
  return { username, password };
}

/**
 * `load` memoized for `ttlMs`; concurrent callers share one request, and a failed request is not
 * cached (the next caller tries again).
 */
export function cached<T>(
  load: () => Promise<T>,
  ttlMs: number,
  now: () => number = Date.now,
): () => Promise<T> {
  let entry: { value: Promise<T>; until: number } | undefined;
  return () => {
    if (entry === undefined || now() >= entry.until) {
      const value = load();
      const current = { value, until: now() + ttlMs };
      entry = current;
      value.catch(() => {
        if (entry === current) entry = undefined;
      });
    }
    return entry.value;
  };
}

/** The credentials in secret `secretArn`, cached for SECRET_TTL_MS. */
export function secretCredentials(
  client: Pick<SecretsManagerClient, "send">,
  secretArn: string,
  ttlMs = SECRET_TTL_MS,
): () => Promise<Credentials> {
  return cached(async () => {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    return parseCredentials(SecretString);
  }, ttlMs);
}

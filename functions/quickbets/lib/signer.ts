/**
 * Kalshi request signing (pure). Kalshi authenticates a request by an RSA-PSS signature over
 * `timestampMs + METHOD + path`, where the path includes `/trade-api/v2` but not the query string;
 * SHA-256 with MGF1-SHA-256 and a salt as long as the digest (32 bytes), base64-encoded.
 */
import { constants, createPrivateKey, sign, type KeyObject } from "node:crypto";

export const KALSHI_ACCESS_KEY = "KALSHI-ACCESS-KEY";
export const KALSHI_ACCESS_SIGNATURE = "KALSHI-ACCESS-SIGNATURE";
export const KALSHI_ACCESS_TIMESTAMP = "KALSHI-ACCESS-TIMESTAMP";

/** SHA-256's digest length: the salt length Kalshi verifies with. */
export const PSS_SALT_LENGTH = 32;

/** Smallest RSA modulus accepted, in bits. */
export const MIN_MODULUS_BITS = 2048;

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

export interface SignedHeaders {
  [KALSHI_ACCESS_KEY]: string;
  [KALSHI_ACCESS_SIGNATURE]: string;
  [KALSHI_ACCESS_TIMESTAMP]: string;
}

export interface SignedRequest {
  method: HttpMethod;
  /** The path that was signed: query string and fragment removed. */
  path: string;
  headers: SignedHeaders;
}

/** Raised for a key that cannot sign; the message never contains key material. */
export class SigningKeyError extends Error {
  override readonly name = "SigningKeyError";
}

/** The path Kalshi signs: everything before the first `?` or `#`. */
export function signablePath(path: string): string {
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
}

/** The exact bytes Kalshi expects to be signed. */
export function signingMessage(timestampMs: number, method: HttpMethod, path: string): string {
  return `${timestampMs}${method}${signablePath(path)}`;
}

/** Parses an RSA private key from PEM (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`). */
export function parsePrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch {
    // The parser's message can quote the input: say only what kind of thing is wrong.
    throw new SigningKeyError("privateKeyPem is not an unencrypted PEM private key");
  }
  if (key.asymmetricKeyType !== "rsa") {
    throw new SigningKeyError(
      `privateKeyPem is a ${key.asymmetricKeyType ?? "non-asymmetric"} key; Kalshi needs RSA`,
    );
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_MODULUS_BITS) {
    throw new SigningKeyError(
      `privateKeyPem is a ${bits}-bit RSA key; at least ${MIN_MODULUS_BITS} bits are required`,
    );
  }
  return key;
}

/** Base64 RSA-PSS (SHA-256, MGF1-SHA-256, 32-byte salt) signature of `message`. */
export function pssSign(key: KeyObject, message: string): string {
  return sign("sha256", Buffer.from(message, "utf8"), {
    key,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: PSS_SALT_LENGTH,
  }).toString("base64");
}

/** Signs one Kalshi request at `timestampMs` (the server's clock, injectable for tests). */
export function signRequest(input: {
  key: KeyObject;
  keyId: string;
  method: HttpMethod;
  path: string;
  timestampMs: number;
}): SignedRequest {
  const path = signablePath(input.path);
  const timestamp = String(input.timestampMs);
  return {
    method: input.method,
    path,
    headers: {
      [KALSHI_ACCESS_KEY]: input.keyId,
      [KALSHI_ACCESS_SIGNATURE]: pssSign(
        input.key,
        signingMessage(input.timestampMs, input.method, path),
      ),
      [KALSHI_ACCESS_TIMESTAMP]: timestamp,
    },
  };
}

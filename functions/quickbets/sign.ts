/**
 * POST /sign `{ method, path }`: Kalshi authentication headers for one request, signed with the
 * caller's own key (secret `${USER_KEY_SECRET_PREFIX}${sub}`). Neither key nor signature is logged.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import * as z from "zod/mini";
import { envLoader } from "../shared/env";
import { apiHandler, callerId, parseJsonBody } from "../shared/http";
import { SIGN_ENV } from "./env";
import { parseSignConfig } from "./lib/config";
import { signRequest } from "./lib/signer";
import { SigningKeys, userKeySecretName } from "./lib/user-keys";

const logger = new Logger();
const secrets = new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({}) });
const keys = new SigningKeys(secrets);
const config = envLoader(SIGN_ENV, parseSignConfig);

export const MAX_PATH_LENGTH = 512;

/** Problems of a path to sign, or undefined when it is acceptable. */
export function pathProblem(path: string): string | undefined {
  if (!path.startsWith("/trade-api/")) return "must start with /trade-api/";
  if (/[\s\x00-\x1f\x7f]/.test(path)) return "must not contain whitespace or control characters";
  const bare = path.split(/[?#]/, 1)[0] ?? "";
  if (bare.includes("//")) return "must not contain empty segments (//)";
  const dotSegment = bare.split("/").some((segment) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return true;
    }
    return decoded === "." || decoded === "..";
  });
  if (dotSegment) return "must not contain . or .. segments (or bad percent-escapes)";
  return undefined;
}

const Body = z.strictObject({
  method: z.enum(["GET", "POST", "PUT", "DELETE"], "must be one of GET, POST, PUT, DELETE"),
  path: z.string().check(
    z.maxLength(MAX_PATH_LENGTH, `must be at most ${MAX_PATH_LENGTH} characters`),
    z.refine((path) => pathProblem(path) === undefined, {
      error: (issue) => pathProblem(String(issue.input)) ?? "is invalid",
    }),
  ),
});

export const handler = apiHandler(
  { logger, allowedOrigins: () => config().allowedOrigins },
  async (event) => {
    const { userKeySecretPrefix } = config();
    const userId = callerId(event);
    const request = parseJsonBody(event, Body);
    const { keyId, key } = await keys.get(userKeySecretName(userKeySecretPrefix, userId));
    const signed = signRequest({ key, keyId, ...request, timestampMs: Date.now() });
    logger.info("signed a Kalshi request", { method: signed.method, path: signed.path });
    return { status: 200, body: signed };
  },
);

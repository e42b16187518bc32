/**
 * The user key store's own rules, without a handler in front: which failures are "no key",
 * which are throttling, what a stored key must look like (each limit at its boundary), and the
 * parsed-key cache (reuse, re-parse on change, eviction of the oldest).
 */
import { expect } from "chai";
import { generateKeyPairSync } from "node:crypto";
import type { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import {
  DescribeSecretCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import {
  isThrottled,
  parseSigningKey,
  SECRET_MAX_AGE_SECONDS,
  SigningKeys,
  userKeySecretArn,
  userKeySecretName,
} from "../../../functions/quickbets/lib/user-keys";
import { HttpError } from "../../../functions/shared/http";
import { rejection, thrown } from "../../helpers/errors";

const pem = (): string =>
  generateKeyPairSync("rsa", { modulusLength: 2048 })
    .privateKey.export({ type: "pkcs8", format: "pem" })
    .toString();
const alice = pem();
const bob = pem();

const named = (name: string, extra: object = {}): Error =>
  Object.assign(new Error(name), { name }, extra);
const notFoundError = () =>
  new ResourceNotFoundException({ message: "Secrets Manager can't find it", $metadata: {} });

/** The HttpError `error` is, as the client sees it (status, body, headers). */
function answered(error: Error) {
  expect(error).to.be.instanceOf(HttpError);
  const http = error as HttpError;
  return { status: http.status, body: http.toJSON(), headers: http.headers };
}

const NOT_FOUND = {
  status: 404,
  body: {
    error: "signing_key_not_found",
    message: "no Kalshi API key is stored for this user; add one before signing or launching",
  },
  headers: {},
};

describe("quickbets user keys", () => {
  it("names a user's secret by prefix and user id", () => {
    expect(userKeySecretName("quickbets/prod/users/", "abc-123")).to.equal(
      "quickbets/prod/users/abc-123",
    );
  });

  describe("isThrottled", () => {
    const cases: [string, unknown, boolean][] = [
      ["ThrottlingException", named("ThrottlingException"), true],
      ["TooManyRequestsException", named("TooManyRequestsException"), true],
      ["RequestLimitExceeded", named("RequestLimitExceeded"), true],
      [
        "HTTP 429 under another name",
        named("Unknown", { $metadata: { httpStatusCode: 429 } }),
        true,
      ],
      [
        "a throttle as the cause",
        new Error("wrapped", { cause: named("ThrottlingException") }),
        true,
      ],
      [
        "a throttle two causes down",
        new Error("a", { cause: new Error("b", { cause: named("RequestLimitExceeded") }) }),
        true,
      ],
      ["HTTP 500", named("InternalServiceError", { $metadata: { httpStatusCode: 500 } }), false],
      ["no metadata", named("AccessDeniedException"), false],
      ["metadata without a status", named("AccessDeniedException", { $metadata: {} }), false],
      [
        "a cause that is not throttling",
        new Error("wrapped", { cause: named("AccessDeniedException") }),
        false,
      ],
      ["a string", "ThrottlingException", false],
      ["an object with the name", { name: "ThrottlingException" }, false],
    ];
    for (const [what, error, expected] of cases) {
      it(`${what}: ${expected}`, () => expect(isThrottled(error)).to.equal(expected));
    }
  });

  describe("parseSigningKey", () => {
    it("returns the key id and the parsed RSA key", () => {
      const parsed = parseSigningKey(JSON.stringify({ keyId: "key-1", privateKeyPem: alice }));
      expect(parsed.keyId).to.equal("key-1");
      expect(parsed.key.asymmetricKeyType).to.equal("rsa");
      expect(parsed.key.type).to.equal("private");
    });

    it("accepts a 256-character key id", () => {
      const keyId = "k".repeat(256);
      expect(parseSigningKey(JSON.stringify({ keyId, privateKeyPem: alice })).keyId).to.equal(
        keyId,
      );
    });

    const refused: [string, string, string][] = [
      ["not JSON", "{keyId:", "the secret is not JSON"],
      ["JSON null", "null", "the secret is not a JSON object"],
      ["a JSON array", JSON.stringify([alice]), "the secret is not a JSON object"],
      ["a JSON number", "42", "the secret is not a JSON object"],
      ["no keyId", JSON.stringify({ privateKeyPem: alice }), "keyId is missing"],
      ["a numeric keyId", JSON.stringify({ keyId: 7, privateKeyPem: alice }), "keyId is missing"],
      ["a blank keyId", JSON.stringify({ keyId: "  ", privateKeyPem: alice }), "keyId is missing"],
      [
        "a 257-character keyId",
        JSON.stringify({ keyId: "k".repeat(257), privateKeyPem: alice }),
        "keyId is malformed",
      ],
      [
        "a keyId with a space",
        JSON.stringify({ keyId: "a b", privateKeyPem: alice }),
        "keyId is malformed",
      ],
      [
        "a keyId with a newline",
        JSON.stringify({ keyId: "a\nb", privateKeyPem: alice }),
        "keyId is malformed",
      ],
      [
        "a keyId with a NUL",
        JSON.stringify({ keyId: "a\u0000b", privateKeyPem: alice }),
        "keyId is malformed",
      ],
      [
        "a keyId with DEL",
        JSON.stringify({ keyId: "a\u007fb", privateKeyPem: alice }),
        "keyId is malformed",
      ],
      ["no privateKeyPem", JSON.stringify({ keyId: "k" }), "privateKeyPem is missing"],
      [
        "a numeric privateKeyPem",
        JSON.stringify({ keyId: "k", privateKeyPem: 1 }),
        "privateKeyPem is missing",
      ],
      [
        "a blank privateKeyPem",
        JSON.stringify({ keyId: "k", privateKeyPem: " \n" }),
        "privateKeyPem is missing",
      ],
      [
        "a PEM that is no key",
        JSON.stringify({
          keyId: "k",
          privateKeyPem: "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----",
        }),
        "privateKeyPem is not an unencrypted PEM private key",
      ],
    ];
    for (const [what, value, reason] of refused) {
      it(`${what} → 422 signing_key_invalid: ${reason}`, () => {
        expect(answered(thrown(() => parseSigningKey(value)))).to.deep.equal({
          status: 422,
          body: {
            error: "signing_key_invalid",
            message: `the stored Kalshi API key is unusable: ${reason}`,
          },
          headers: {},
        });
      });
    }
  });

  describe("userKeySecretArn", () => {
    const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:users/u-AbCdEf";
    /** A client answering DescribeSecret with `answer` (or failing with it), recording each call. */
    function describing(answer: object | Error) {
      const calls: unknown[] = [];
      const client = {
        send: (command: unknown) => {
          expect(command).to.be.instanceOf(DescribeSecretCommand);
          calls.push((command as DescribeSecretCommand).input);
          return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
        },
      } as unknown as SecretsManagerClient;
      return { client, calls };
    }

    it("answers the secret's ARN, asking only for that secret", async () => {
      const { client, calls } = describing({ ARN, Name: "users/u" });
      expect(await userKeySecretArn(client, "users/u")).to.equal(ARN);
      expect(calls).to.deep.equal([{ SecretId: "users/u" }]);
    });

    const missing: [string, object | Error][] = [
      ["a missing secret", notFoundError()],
      ["an answer without an ARN", { Name: "users/u" }],
      ["a secret scheduled for deletion", { ARN, DeletedDate: new Date() }],
    ];
    for (const [what, answer] of missing) {
      it(`${what} → 404 signing_key_not_found`, async () => {
        const { client } = describing(answer);
        expect(answered(await rejection(userKeySecretArn(client, "users/u")))).to.deep.equal(
          NOT_FOUND,
        );
      });
    }

    it("lets any other failure through unchanged", async () => {
      const denied = named("AccessDeniedException");
      expect(await rejection(userKeySecretArn(describing(denied).client, "users/u"))).to.equal(
        denied,
      );
    });
  });

  describe("SigningKeys", () => {
    /** A SecretsProvider over `values` that records each read and fails with `failure` if set. */
    function provider(values: Record<string, string | Uint8Array>) {
      const reads: [string, unknown][] = [];
      const state: { failure?: Error } = {};
      const secrets = {
        get: (name: string, options: unknown) => {
          reads.push([name, options]);
          return state.failure === undefined
            ? Promise.resolve(values[name])
            : Promise.reject(state.failure);
        },
      } as unknown as SecretsProvider;
      return { keys: new SigningKeys(secrets), reads, state };
    }
    const value = (keyId: string, privateKeyPem = alice) =>
      JSON.stringify({ keyId, privateKeyPem });

    it(`reads with a ${SECRET_MAX_AGE_SECONDS}-second cache`, async () => {
      const { keys, reads } = provider({ s: value("k") });
      await keys.get("s");
      expect(SECRET_MAX_AGE_SECONDS).to.equal(300);
      expect(reads).to.deep.equal([["s", { maxAge: 300 }]]);
    });

    it("reads a binary secret as UTF-8", async () => {
      const { keys } = provider({ s: new TextEncoder().encode(value("binary-key")) });
      expect((await keys.get("s")).keyId).to.equal("binary-key");
    });

    it("re-parses a changed value", async () => {
      const values: Record<string, string> = { s: value("k1") };
      const { keys } = provider(values);
      const first = await keys.get("s");
      expect(await keys.get("s")).to.equal(first);
      values.s = value("k2", bob);
      const rotated = await keys.get("s");
      expect(rotated.keyId).to.equal("k2");
      expect(rotated.key.equals(first.key)).to.equal(false);
    });

    it("drops the cached key when the value becomes unusable", async () => {
      const values: Record<string, string> = { s: value("k1") };
      const { keys } = provider(values);
      const first = await keys.get("s");
      values.s = "not json";
      expect(answered(await rejection(keys.get("s"))).status).to.equal(422);
      // Back to the first value: parsed anew, not served from the entry of before.
      values.s = value("k1");
      const again = await keys.get("s");
      expect(again).not.to.equal(first);
      expect(again.keyId).to.equal("k1");
    });

    it("keeps 100 parsed keys, evicting the oldest for the 101st", async () => {
      const values: Record<string, string> = {};
      for (let i = 0; i <= 100; i++) values[`s${i}`] = value(`k${i}`);
      const { keys } = provider(values);
      const first: unknown[] = [];
      for (let i = 0; i < 100; i++) first.push(await keys.get(`s${i}`));
      // All 100 are still cached (a hit does not reorder them).
      expect(await keys.get("s0")).to.equal(first[0]);
      expect(await keys.get("s99")).to.equal(first[99]);
      // The 101st evicts the oldest, s0, and only it.
      await keys.get("s100");
      expect(await keys.get("s1")).to.equal(first[1]);
      expect(await keys.get("s0")).not.to.equal(first[0]);
    });

    const failures: [string, () => Error, object][] = [
      ["a missing secret", notFoundError, NOT_FOUND],
      [
        "a missing secret, wrapped by the provider",
        () => new Error("failed to get", { cause: notFoundError() }),
        NOT_FOUND,
      ],
      [
        "a lasting throttle",
        () => named("ThrottlingException"),
        {
          status: 503,
          body: {
            error: "key_store_busy",
            message: "the key store is throttling requests; retry shortly",
          },
          headers: { "Retry-After": "1" },
        },
      ],
    ];
    for (const [what, failure, expected] of failures) {
      it(`${what} → ${(expected as { status: number }).status}`, async () => {
        const { keys, state } = provider({});
        state.failure = failure();
        const error = await rejection(keys.get("s"));
        expect(answered(error)).to.deep.equal(expected);
        if ((expected as { status: number }).status === 503) {
          expect(error.cause).to.equal(state.failure);
        }
      });
    }

    it("a secret with no value → 404", async () => {
      expect(answered(await rejection(provider({}).keys.get("s")))).to.deep.equal(NOT_FOUND);
    });

    it("lets any other failure through unchanged", async () => {
      const { keys, state } = provider({});
      state.failure = named("AccessDeniedException");
      expect(await rejection(keys.get("s"))).to.equal(state.failure);
    });
  });
});

import { expect } from "chai";
// The helpers first: they quiet the Logger the handler builds at import.
import {
  answer,
  apiEvent,
  expectError,
  quickbetsEnv,
  withEnv,
  type ApiEventInput,
} from "../helpers/api";
import { constants, generateKeyPairSync, verify, type KeyObject } from "node:crypto";
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import type { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { mockClient } from "aws-sdk-client-mock";
import { handler, pathProblem } from "../../../functions/quickbets/sign";
import { SigningKeys } from "../../../functions/quickbets/lib/user-keys";
import { HttpError } from "../../../functions/shared/http";
import { rejection } from "../../helpers/errors";

const PREFIX = "quickbets/test/users/";

function rsa(): { publicKey: KeyObject; pkcs8: string; pkcs1: string } {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    publicKey,
    pkcs8: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    pkcs1: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
  };
}

const alice = rsa();
const bob = rsa();

function verifies(publicKey: KeyObject, message: string, signature: string): boolean {
  return verify(
    "sha256",
    Buffer.from(message),
    { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
    Buffer.from(signature, "base64"),
  );
}

describe("POST /sign", () => {
  const secrets = mockClient(SecretsManagerClient);
  let restore: () => void;
  let serial = 0;
  /** A fresh user per test: the SecretsProvider caches values for minutes. */
  let user: string;

  const storeKey = (sub: string, value: unknown): void => {
    secrets
      .on(GetSecretValueCommand, { SecretId: `${PREFIX}${sub}` })
      .resolves({ SecretString: typeof value === "string" ? value : JSON.stringify(value) });
  };

  before(() => {
    restore = withEnv(quickbetsEnv("https://kalshi.invalid"));
  });
  after(() => {
    restore();
    secrets.restore();
  });
  beforeEach(() => {
    secrets.reset();
    secrets.on(GetSecretValueCommand).rejects(
      new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret.",
        $metadata: {},
      }),
    );
    user = `user-${++serial}`;
  });

  const sign = async (body: unknown, input: ApiEventInput = {}) =>
    answer(await handler(apiEvent({ method: "POST", path: "/sign", sub: user, body, ...input })));
  const secretReads = (): string[] =>
    secrets.commandCalls(GetSecretValueCommand).map((c) => String(c.args[0].input.SecretId));

  it("signs with the caller's key: headers verify, query stripped, server timestamp", async () => {
    storeKey(user, { keyId: "key-alice", privateKeyPem: alice.pkcs8 });
    const before = Date.now();
    const result = await sign({ method: "GET", path: "/trade-api/v2/portfolio/balance?limit=5" });
    const after = Date.now();
    expect(result.status).to.equal(200);
    expect(result.json.method).to.equal("GET");
    expect(result.json.path).to.equal("/trade-api/v2/portfolio/balance");
    const headers = result.json.headers;
    expect(Object.keys(headers).sort()).to.deep.equal([
      "KALSHI-ACCESS-KEY",
      "KALSHI-ACCESS-SIGNATURE",
      "KALSHI-ACCESS-TIMESTAMP",
    ]);
    expect(headers["KALSHI-ACCESS-KEY"]).to.equal("key-alice");
    const timestamp = Number(headers["KALSHI-ACCESS-TIMESTAMP"]);
    expect(timestamp).to.be.within(before, after);
    expect(
      verifies(
        alice.publicKey,
        `${timestamp}GET/trade-api/v2/portfolio/balance`,
        headers["KALSHI-ACCESS-SIGNATURE"],
      ),
    ).to.equal(true);
    expect(secretReads()).to.deep.equal([`${PREFIX}${user}`]);
    expect(JSON.stringify(result.json)).not.to.include("PRIVATE KEY");
  });

  it("signs with a PKCS#1 key too, and reuses the cached secret on the next call", async () => {
    storeKey(user, { keyId: "k1", privateKeyPem: alice.pkcs1 });
    for (const method of ["POST", "DELETE"]) {
      const result = await sign({ method, path: "/trade-api/v2/portfolio/orders" });
      expect(result.status).to.equal(200);
      const h = result.json.headers;
      expect(
        verifies(
          alice.publicKey,
          `${h["KALSHI-ACCESS-TIMESTAMP"]}${method}/trade-api/v2/portfolio/orders`,
          h["KALSHI-ACCESS-SIGNATURE"],
        ),
      ).to.equal(true);
    }
    expect(secretReads()).to.have.length(1);
  });

  it("only ever uses the caller's own key (identity from the claims, never the body)", async () => {
    const other = `${user}-other`;
    storeKey(user, { keyId: "key-alice", privateKeyPem: alice.pkcs8 });
    storeKey(other, { keyId: "key-bob", privateKeyPem: bob.pkcs8 });
    const asOther = await sign(
      { method: "GET", path: "/trade-api/v2/portfolio/balance" },
      { sub: other },
    );
    expect(asOther.json.headers["KALSHI-ACCESS-KEY"]).to.equal("key-bob");
    const h = asOther.json.headers;
    const message = `${h["KALSHI-ACCESS-TIMESTAMP"]}GET/trade-api/v2/portfolio/balance`;
    expect(verifies(bob.publicKey, message, h["KALSHI-ACCESS-SIGNATURE"])).to.equal(true);
    expect(verifies(alice.publicKey, message, h["KALSHI-ACCESS-SIGNATURE"])).to.equal(false);

    const smuggled = await sign(
      { method: "GET", path: "/trade-api/v2/portfolio/balance", userId: user },
      { sub: other },
    );
    expectError(smuggled, 400, "invalid_request", /unknown field "userId"/);
    expect(secretReads()).to.deep.equal([`${PREFIX}${other}`]);
  });

  describe("refuses bad requests before reading any secret", () => {
    const refusals: [string, unknown, ApiEventInput, number, string, RegExp][] = [
      [
        "malformed JSON",
        undefined,
        { rawBody: '{"method":' },
        400,
        "invalid_json",
        /not valid JSON/,
      ],
      [
        "a missing method",
        { path: "/trade-api/v2/x" },
        {},
        400,
        "invalid_request",
        /^method is required$/,
      ],
      ["a missing path", { method: "GET" }, {}, 400, "invalid_request", /^path is required$/],
      [
        "PATCH",
        { method: "PATCH", path: "/trade-api/v2/x" },
        {},
        400,
        "invalid_request",
        /method: must be one of GET, POST, PUT, DELETE/,
      ],
      [
        "a lowercase method",
        { method: "get", path: "/trade-api/v2/x" },
        {},
        400,
        "invalid_request",
        /^method: /,
      ],
      [
        "a numeric path",
        { method: "GET", path: 42 },
        {},
        400,
        "invalid_request",
        /^path: .*expected string/,
      ],
      [
        "a path outside /trade-api/",
        { method: "GET", path: "/admin/keys" },
        {},
        400,
        "invalid_request",
        /path: must start with \/trade-api\//,
      ],
      [
        "a relative path",
        { method: "GET", path: "trade-api/v2/x" },
        {},
        400,
        "invalid_request",
        /must start with \/trade-api\//,
      ],
      [
        "a .. segment",
        { method: "GET", path: "/trade-api/v2/../../admin" },
        {},
        400,
        "invalid_request",
        /\.\. segments/,
      ],
      [
        "an encoded .. segment",
        { method: "GET", path: "/trade-api/v2/%2e%2e/admin" },
        {},
        400,
        "invalid_request",
        /\.\. segments/,
      ],
      [
        "an empty segment",
        { method: "GET", path: "/trade-api//v2/x" },
        {},
        400,
        "invalid_request",
        /\/\//,
      ],
      [
        "whitespace",
        { method: "GET", path: "/trade-api/v2/x y" },
        {},
        400,
        "invalid_request",
        /whitespace/,
      ],
      [
        "a control character",
        { method: "GET", path: "/trade-api/v2/x\r\nHost: evil" },
        {},
        400,
        "invalid_request",
        /control characters/,
      ],
      [
        "a 513-character path",
        { method: "GET", path: `/trade-api/v2/${"a".repeat(499)}` },
        {},
        400,
        "invalid_request",
        /at most 512 characters/,
      ],
      [
        "an unknown field",
        { method: "GET", path: "/trade-api/v2/x", keyId: "mine" },
        {},
        400,
        "invalid_request",
        /unknown field "keyId"/,
      ],
      [
        "a form body",
        { method: "GET", path: "/trade-api/v2/x" },
        { headers: { "Content-Type": "application/x-www-form-urlencoded" } },
        415,
        "unsupported_media_type",
        /application\/json/,
      ],
      [
        "an oversized body",
        { method: "GET", path: "/trade-api/v2/x", pad: "x".repeat(17_000) },
        {},
        413,
        "payload_too_large",
        /limit is 16384/,
      ],
      [
        "no claims",
        { method: "GET", path: "/trade-api/v2/x" },
        { sub: null },
        401,
        "unauthorized",
        /claim sub/,
      ],
    ];
    for (const [label, body, input, status, code, message] of refusals) {
      it(`${label} → ${status} ${code}`, async () => {
        storeKey(user, { keyId: "k", privateKeyPem: alice.pkcs8 });
        expectError(await sign(body, input), status, code, message);
        expect(secretReads()).to.deep.equal([]);
      });
    }

    it("accepts a 512-character path and base64 bodies", async () => {
      storeKey(user, { keyId: "k", privateKeyPem: alice.pkcs8 });
      const path = `/trade-api/v2/${"a".repeat(498)}`;
      expect(path).to.have.length(512);
      const result = await sign({ method: "PUT", path }, { base64: true });
      expect(result.status).to.equal(200);
      expect(result.json.path).to.equal(path);
    });
  });

  describe("refuses unusable key secrets without echoing them", () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    const stored: [string, unknown, RegExp][] = [
      ["not JSON", "-----BEGIN PRIVATE KEY-----\nMIIE", /the secret is not JSON/],
      ["a JSON string", '"just a string"', /not a JSON object/],
      ["no keyId", { privateKeyPem: alice.pkcs8 }, /keyId is missing/],
      ["no privateKeyPem", { keyId: "k" }, /privateKeyPem is missing/],
      [
        "a garbage PEM",
        {
          keyId: "k",
          privateKeyPem: "-----BEGIN PRIVATE KEY-----\nMIIEnotakey\n-----END PRIVATE KEY-----",
        },
        /not an unencrypted PEM private key/,
      ],
      ["an EC key", { keyId: "k", privateKeyPem: ec }, /ec key; Kalshi needs RSA/],
    ];
    for (const [label, value, message] of stored) {
      it(`${label} → 422 signing_key_invalid`, async () => {
        storeKey(user, value);
        const result = await sign({ method: "GET", path: "/trade-api/v2/x" });
        expectError(result, 422, "signing_key_invalid", message);
        expect(result.json.message).not.to.match(/MII|BEGIN/);
      });
    }

    it("a missing secret → 404 signing_key_not_found", async () => {
      expectError(
        await sign({ method: "GET", path: "/trade-api/v2/x" }),
        404,
        "signing_key_not_found",
        /no Kalshi API key/,
      );
    });
  });

  describe("pathProblem", () => {
    const cases: [string, string | undefined][] = [
      ["/trade-api/v2/portfolio/balance", undefined],
      ["/trade-api/v2/markets?status=open&cursor=a//b", undefined],
      ["/trade-api/v2/x#frag", undefined],
      ["/trade-api", "must start with /trade-api/"],
      ["/trade-api/./v2", "must not contain . or .. segments (or bad percent-escapes)"],
      ["/trade-api/v2/%E0%A4%A", "must not contain . or .. segments (or bad percent-escapes)"],
      ["/trade-api/v2/x\ty", "must not contain whitespace or control characters"],
    ];
    for (const [path, problem] of cases) {
      it(JSON.stringify(path), () => expect(pathProblem(path)).to.equal(problem));
    }
  });
});

describe("SigningKeys", () => {
  function provider(values: Record<string, string>): SecretsProvider {
    return { get: (name: string) => Promise.resolve(values[name]) } as unknown as SecretsProvider;
  }

  it("keeps the parsed key while the secret is unchanged and re-parses when it changes", async () => {
    const values: Record<string, string> = {
      s: JSON.stringify({ keyId: "k1", privateKeyPem: alice.pkcs8 }),
    };
    const keys = new SigningKeys(provider(values));
    const first = await keys.get("s");
    expect(await keys.get("s")).to.equal(first);
    values.s = JSON.stringify({ keyId: "k2", privateKeyPem: bob.pkcs8 });
    const rotated = await keys.get("s");
    expect(rotated).not.to.equal(first);
    expect(rotated.keyId).to.equal("k2");
    expect(rotated.key.equals(first.key)).to.equal(false);
  });

  it("maps a missing value to 404", async () => {
    const error = await rejection(new SigningKeys(provider({})).get("nope"));
    expect(error).to.be.instanceOf(HttpError).with.property("status", 404);
  });
});

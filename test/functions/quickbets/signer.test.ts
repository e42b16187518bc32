import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { constants, generateKeyPairSync, verify, type KeyObject } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  KALSHI_ACCESS_KEY,
  KALSHI_ACCESS_SIGNATURE,
  KALSHI_ACCESS_TIMESTAMP,
  parsePrivateKey,
  signablePath,
  signingMessage,
  signRequest,
  SigningKeyError,
} from "../../../functions/quickbets/lib/signer";
import { thrown } from "../../helpers/errors";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pkcs8 = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const pkcs1 = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();

function verifyPss(
  message: string,
  signature: string,
  saltLength: number,
  key: KeyObject = publicKey,
): boolean {
  return verify(
    "sha256",
    Buffer.from(message),
    { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength },
    Buffer.from(signature, "base64"),
  );
}

describe("quickbets signer", () => {
  describe("signablePath", () => {
    const cases: [string, string][] = [
      ["/trade-api/v2/portfolio/balance", "/trade-api/v2/portfolio/balance"],
      ["/trade-api/v2/portfolio/orders?limit=5&cursor=x", "/trade-api/v2/portfolio/orders"],
      ["/trade-api/v2/markets#frag", "/trade-api/v2/markets"],
      ["/trade-api/v2/markets?x=1#frag", "/trade-api/v2/markets"],
      ["/trade-api/v2/markets#a?b", "/trade-api/v2/markets"],
      ["/trade-api/v2/", "/trade-api/v2/"],
    ];
    for (const [input, expected] of cases) {
      it(`${input} → ${expected}`, () => expect(signablePath(input)).to.equal(expected));
    }
  });

  it("signs timestamp + METHOD + path without the query", () => {
    expect(
      signingMessage(1700000000123, "GET", "/trade-api/v2/portfolio/balance?limit=5"),
    ).to.equal("1700000000123GET/trade-api/v2/portfolio/balance");
  });

  it("answers the three Kalshi headers and the stripped path", () => {
    const signed = signRequest({
      key: parsePrivateKey(pkcs8),
      keyId: "key-123",
      method: "POST",
      path: "/trade-api/v2/portfolio/orders?dry=1",
      timestampMs: 1700000000123,
    });
    expect(signed.method).to.equal("POST");
    expect(signed.path).to.equal("/trade-api/v2/portfolio/orders");
    expect(Object.keys(signed.headers).sort()).to.deep.equal(
      [KALSHI_ACCESS_KEY, KALSHI_ACCESS_SIGNATURE, KALSHI_ACCESS_TIMESTAMP].sort(),
    );
    expect(signed.headers["KALSHI-ACCESS-KEY"]).to.equal("key-123");
    expect(signed.headers["KALSHI-ACCESS-TIMESTAMP"]).to.equal("1700000000123");
    const message = "1700000000123POST/trade-api/v2/portfolio/orders";
    expect(verifyPss(message, signed.headers["KALSHI-ACCESS-SIGNATURE"], 32)).to.equal(true);
    // The query is not part of what was signed.
    expect(verifyPss(`${message}?dry=1`, signed.headers["KALSHI-ACCESS-SIGNATURE"], 32)).to.equal(
      false,
    );
  });

  it("uses salt length 32: verification with salt 20 or the maximum fails", () => {
    const { headers } = signRequest({
      key: parsePrivateKey(pkcs8),
      keyId: "k",
      method: "GET",
      path: "/trade-api/v2/x",
      timestampMs: 1,
    });
    const message = "1GET/trade-api/v2/x";
    expect(verifyPss(message, headers["KALSHI-ACCESS-SIGNATURE"], 32)).to.equal(true);
    expect(verifyPss(message, headers["KALSHI-ACCESS-SIGNATURE"], 20)).to.equal(false);
    // The largest salt a 2048-bit key allows: 256 - 32 - 2 bytes.
    expect(verifyPss(message, headers["KALSHI-ACCESS-SIGNATURE"], 222)).to.equal(false);
  });

  it("PKCS#1 and PKCS#8 PEMs of one key produce signatures that verify under its public key", () => {
    for (const pem of [pkcs1, pkcs8]) {
      const { headers } = signRequest({
        key: parsePrivateKey(pem),
        keyId: "k",
        method: "DELETE",
        path: "/trade-api/v2/portfolio/orders/abc",
        timestampMs: 42,
      });
      expect(
        verifyPss(
          "42DELETE/trade-api/v2/portfolio/orders/abc",
          headers["KALSHI-ACCESS-SIGNATURE"],
          32,
        ),
      ).to.equal(true);
    }
  });

  describe("verified by the openssl CLI", () => {
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "signer-"));
      fs.writeFileSync(path.join(dir, "pub.pem"), publicPem);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    function opensslVerify(message: string, signature: string, saltLength: string): boolean {
      fs.writeFileSync(path.join(dir, "msg.txt"), message);
      fs.writeFileSync(path.join(dir, "sig.bin"), Buffer.from(signature, "base64"));
      // openssl exits 0 when the signature verifies, 1 when it does not.
      const verified = spawnSync(
        "openssl",
        [
          "dgst",
          "-sha256",
          "-sigopt",
          "rsa_padding_mode:pss",
          "-sigopt",
          `rsa_pss_saltlen:${saltLength}`,
          "-sigopt",
          "rsa_mgf1_md:sha256",
          "-verify",
          "pub.pem",
          "-signature",
          "sig.bin",
          "msg.txt",
        ],
        { cwd: dir, stdio: "pipe" },
      );
      expect(verified.error).to.equal(undefined);
      return verified.status === 0;
    }

    for (const [label, pem] of [
      ["PKCS#8", pkcs8],
      ["PKCS#1", pkcs1],
    ] as const) {
      it(`accepts a ${label} signature with salt 32 and rejects salt 20 and max`, () => {
        const { headers, path: signed } = signRequest({
          key: parsePrivateKey(pem),
          keyId: "k",
          method: "GET",
          path: "/trade-api/v2/portfolio/balance?limit=5",
          timestampMs: 1731000000000,
        });
        const message = `1731000000000GET${signed}`;
        expect(opensslVerify(message, headers["KALSHI-ACCESS-SIGNATURE"], "32")).to.equal(true);
        expect(opensslVerify(message, headers["KALSHI-ACCESS-SIGNATURE"], "20")).to.equal(false);
        expect(opensslVerify(message, headers["KALSHI-ACCESS-SIGNATURE"], "max")).to.equal(false);
        expect(
          opensslVerify(`${message}?limit=5`, headers["KALSHI-ACCESS-SIGNATURE"], "32"),
        ).to.equal(false);
      });
    }
  });

  describe("parsePrivateKey refuses unusable keys without echoing them", () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    const small = generateKeyPairSync("rsa", { modulusLength: 1024 })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    const encrypted = privateKey
      .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "secret" })
      .toString();
    const notPem = "privateKeyPem is not an unencrypted PEM private key";
    const cases: [string, string, string][] = [
      ["garbage", "not a key at all", notPem],
      ["a public key", publicPem, notPem],
      ["a truncated PEM", pkcs8.slice(0, 200), notPem],
      ["an encrypted PEM", encrypted, notPem],
      ["an EC key", ec, "privateKeyPem is a ec key; Kalshi needs RSA"],
      [
        "a 1024-bit RSA key",
        small,
        "privateKeyPem is a 1024-bit RSA key; at least 2048 bits are required",
      ],
    ];
    for (const [label, pem, message] of cases) {
      it(`${label}: ${message}`, () => {
        const error = thrown(() => parsePrivateKey(pem));
        expect(error).to.be.instanceOf(SigningKeyError).with.property("name", "SigningKeyError");
        expect(error.message).to.equal(message);
        expect(error.message).not.to.include("MII");
      });
    }
  });
});

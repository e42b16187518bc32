/**
 * The deployed artifact end to end: the minified sign bundle, in a fresh process that can resolve
 * only the AWS SDK, reads the caller's key from Secrets Manager (a local HTTP server speaking its
 * JSON protocol) and signs; its logs, at INFO, never hold the key or the signature.
 */
import { expect } from "chai";
import { constants, generateKeyPairSync, verify } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { bundleHandler } from "../../../components/bundle";
import { apiEvent } from "../helpers/api";
import { RuntimeDir } from "../helpers/lambda-runtime";

const PREFIX = "quickbets/test/users/";

interface FakeSecretsManager {
  url: string;
  /** Secret ids asked for, in order. */
  asked: string[];
  close(): Promise<void>;
}

/** Secrets Manager's JSON 1.1 protocol, for GetSecretValue only. */
async function fakeSecretsManager(secrets: Record<string, string>): Promise<FakeSecretsManager> {
  const asked: string[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"]);
      const { SecretId } = JSON.parse(body) as { SecretId: string };
      asked.push(SecretId);
      const value = secrets[SecretId];
      res.setHeader("Content-Type", "application/x-amz-json-1.1");
      if (target !== "secretsmanager.GetSecretValue") {
        res
          .writeHead(400)
          .end(JSON.stringify({ __type: "InvalidRequestException", message: target }));
      } else if (value === undefined) {
        res.writeHead(400).end(
          JSON.stringify({
            __type: "ResourceNotFoundException",
            message: "Secrets Manager can't find the specified secret.",
          }),
        );
      } else {
        res.writeHead(200).end(
          JSON.stringify({
            ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SecretId}-AbCdEf`,
            Name: SecretId,
            SecretString: value,
            VersionId: "v1",
          }),
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    asked,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("the sign bundle, deployed as built", () => {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const pemBody = pem.split("\n")[1]!;
  let runtime: RuntimeDir;
  let aws: FakeSecretsManager;
  let env: Record<string, string>;

  before(async () => {
    runtime = RuntimeDir.create(bundleHandler("functions/quickbets/sign.ts").code);
    aws = await fakeSecretsManager({
      [`${PREFIX}alice`]: JSON.stringify({ keyId: "key-alice", privateKeyPem: pem }),
    });
    env = {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.url,
      AWS_ACCESS_KEY_ID: "AKIDTESTONLY",
      AWS_SECRET_ACCESS_KEY: "test-only-secret",
      USER_KEY_SECRET_PREFIX: PREFIX,
      ALLOWED_ORIGINS: "https://app.example.com",
      POWERTOOLS_SERVICE_NAME: "quickbets-sign",
      POWERTOOLS_LOG_LEVEL: "DEBUG",
    };
  });
  after(async () => {
    runtime.dispose();
    await aws.close();
  });

  it("signs with the caller's key, and logs neither key nor signature", async () => {
    const event = apiEvent({
      sub: "alice",
      body: { method: "GET", path: "/trade-api/v2/portfolio/balance?limit=5" },
    });
    const { result, logs } = await runtime.invoke(event, env);
    const answer = result as { statusCode: number; body: string };
    expect(answer.statusCode, answer.body).to.equal(200);
    const body = JSON.parse(answer.body) as { path: string; headers: Record<string, string> };
    expect(body.path).to.equal("/trade-api/v2/portfolio/balance");
    const signature = body.headers["KALSHI-ACCESS-SIGNATURE"]!;
    const message = `${body.headers["KALSHI-ACCESS-TIMESTAMP"]}GET/trade-api/v2/portfolio/balance`;
    const ok = verify(
      "sha256",
      Buffer.from(message),
      { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
      Buffer.from(signature, "base64"),
    );
    expect(ok).to.equal(true);
    expect(aws.asked).to.deep.equal([`${PREFIX}alice`]);
    expect(logs).to.include("signed a Kalshi request");
    expect(logs).not.to.include(pemBody);
    expect(logs).not.to.include(signature);
  });

  it("answers 404 naming the missing key for a user without one, and logs no key", async () => {
    const { result, logs } = await runtime.invoke(
      apiEvent({ sub: "mallory", body: { method: "GET", path: "/trade-api/v2/markets" } }),
      env,
    );
    const answer = result as { statusCode: number; body: string };
    expect(answer.statusCode).to.equal(404);
    expect(JSON.parse(answer.body)).to.include({ error: "signing_key_not_found" });
    expect(aws.asked.at(-1)).to.equal(`${PREFIX}mallory`);
    expect(logs).not.to.include(pemBody);
  });
});

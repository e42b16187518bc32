/**
 * The signer against a Secrets Manager that throttles, for real: the SDK client talks HTTP to a
 * local server speaking Secrets Manager's JSON protocol, which answers ThrottlingException as
 * many times as scripted. A passing throttle is absorbed by the SDK's bounded retries; one that
 * lasts is a 503 with Retry-After (and CORS), after exactly the SDK's three attempts.
 */
import { generateKeyPairSync } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { Logger } from "@aws-lambda-powertools/logger";
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { APIGatewayProxyEvent } from "aws-lambda";
import { expect } from "chai";
import { isThrottled, SigningKeys } from "../../../functions/quickbets/lib/user-keys";
import { apiHandler } from "../../../functions/shared/http";

const ORIGIN = "https://app.example.com";
const SECRET = "quickbets/user-keys/user-1";

describe("QuickBets signer: Secrets Manager throttling (a real HTTP endpoint)", () => {
  let server: http.Server;
  let endpoint: string;
  let throttles = 0;
  let requests = 0;
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const value = JSON.stringify({
    keyId: "kalshi-key-1",
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }),
  });

  before(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        requests++;
        expect(req.headers["x-amz-target"]).to.equal("secretsmanager.GetSecretValue");
        if (throttles > 0) {
          throttles--;
          res.writeHead(400, {
            "content-type": "application/x-amz-json-1.1",
            "x-amzn-errortype": "ThrottlingException",
          });
          res.end(JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" }));
          return;
        }
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
        res.end(
          JSON.stringify({
            ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SECRET}-AbCdEf`,
            Name: SECRET,
            SecretString: value,
            VersionId: "v1",
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    requests = 0;
    throttles = 0;
  });

  /** A fresh signer (no cached secret), its SDK client with the default retry settings. */
  const keys = () =>
    new SigningKeys(
      new SecretsProvider({
        awsSdkV3Client: new SecretsManagerClient({
          endpoint,
          region: "us-east-1",
          credentials: { accessKeyId: "AKIAFAKE", secretAccessKey: "fake" },
        }),
      }),
    );

  it("absorbs two throttles with the SDK's retries: the key arrives on the third attempt", async () => {
    throttles = 2;
    const key = await keys().get(SECRET);
    expect(key.keyId).to.equal("kalshi-key-1");
    expect(requests).to.equal(3);
  });

  it("a lasting throttle is a 503 with Retry-After and CORS, after exactly three attempts", async () => {
    throttles = 100;
    const signer = keys();
    const handler = apiHandler(
      { logger: new Logger({ logLevel: "SILENT" }), allowedOrigins: () => [ORIGIN] },
      async () => {
        await signer.get(SECRET);
        return { status: 200, body: {} };
      },
    );
    const result = await handler({
      headers: { Origin: ORIGIN },
      requestContext: { requestId: "r-1" },
    } as unknown as APIGatewayProxyEvent);
    expect(result.statusCode).to.equal(503);
    expect(result.headers).to.include({
      "Retry-After": "1",
      "Access-Control-Allow-Origin": ORIGIN,
    });
    expect(JSON.parse(result.body)).to.include({ error: "key_store_busy" });
    expect(requests).to.equal(3);
  });

  it("tells throttling from other failures", () => {
    const named = (name: string) => Object.assign(new Error(name), { name });
    expect(isThrottled(named("ThrottlingException"))).to.equal(true);
    expect(isThrottled(new Error("wrapped", { cause: named("ThrottlingException") }))).to.equal(
      true,
    );
    expect(isThrottled(named("AccessDeniedException"))).to.equal(false);
    expect(isThrottled("ThrottlingException")).to.equal(false);
  });
});

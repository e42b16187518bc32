/**
 * `npm run schwab-login` end to end, in process: a local Schwab token endpoint, Secrets Manager
 * mocked in memory, the pasted redirect URL on a stream for stdin.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { REFRESH_TOKEN_LIFETIME_MS } from "../../../functions/alpha-kite/lib/oauth";
import { extractCode, LoginError, main, regionOfArn } from "../../../tools/schwab-login";
import { fakeSchwab, FakeSecrets, type FakeSchwab } from "./fakes";

const APP = { appKey: "app-key-login", appSecret: "app-secret-login-4e9" };
const TOKEN_ARN =
  "arn:aws:secretsmanager:us-east-2:111111111111:secret:alpha-kite/dev/schwab-token-Ab";
const APP_ARN = "arn:aws:secretsmanager:us-east-2:111111111111:secret:alpha-kite/dev/schwab-app-Ab";
const NOW = Date.parse("2026-11-24T15:00:00Z");

describe("npm run schwab-login", () => {
  let schwab: FakeSchwab;
  let secrets: FakeSecrets;
  let dir: string;

  before(async () => {
    schwab = await fakeSchwab(APP.appKey, APP.appSecret);
    secrets = new FakeSecrets();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "schwab-login-"));
  });
  after(async () => {
    secrets.restore();
    await schwab.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    secrets.install();
    secrets.values.clear();
    secrets.values.set(APP_ARN, JSON.stringify(APP));
    schwab.requests.length = 0;
    schwab.tokenScript.length = 0;
    schwab.issued = 0;
  });

  const outputsFile = (outputs: Record<string, unknown>): string => {
    const file = path.join(dir, `outputs-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(file, JSON.stringify(outputs));
    return file;
  };
  const allOutputs = () => ({
    alphaKiteTokenSecretArn: TOKEN_ARN,
    alphaKiteAppSecretArn: APP_ARN,
    alphaKiteSchwabBaseUrl: schwab.url,
    otherOutput: 1,
  });

  const login = async (argv: string[], pasted: string, stackOutputs?: (s: string) => string) => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = "";
    let err = "";
    stdout.on("data", (c: Buffer) => (out += c.toString()));
    stderr.on("data", (c: Buffer) => (err += c.toString()));
    const code = await main(argv, {
      stdin: Readable.from([pasted]),
      stdout,
      stderr,
      now: () => NOW,
      ...(stackOutputs ? { stackOutputs } : {}),
    });
    for (const secret of [APP.appSecret, "access-token-", "refresh-token-", "id-token"]) {
      expect(out + err, `printed ${secret}`).not.to.include(secret);
    }
    return { code, out, err };
  };

  it("prints the authorize URL, exchanges the pasted code, stores the token record", async () => {
    const result = await login(
      ["--outputs", outputsFile(allOutputs())],
      "https://127.0.0.1/?code=C0.b2F1dGg%40&session=5d1e\n",
    );
    expect(result.err).to.equal("");
    expect(result.code).to.equal(0);
    expect(result.out).to.include(
      `${schwab.url}/v1/oauth/authorize?client_id=app-key-login&redirect_uri=https%3A%2F%2F127.0.0.1`,
    );
    const [exchange, ...more] = schwab.tokenRequests();
    expect(more).to.have.length(0);
    expect(exchange!.headers.authorization).to.equal(schwab.basic);
    expect(Object.fromEntries(exchange!.form)).to.deep.equal({
      grant_type: "authorization_code",
      code: "C0.b2F1dGg@",
      redirect_uri: "https://127.0.0.1",
    });
    const writes = secrets.writes();
    expect(writes.map((w) => w.SecretId)).to.deep.equal([TOKEN_ARN]);
    expect(JSON.parse(writes[0]!.SecretString!)).to.deep.equal({
      accessToken: "access-token-1",
      refreshToken: "refresh-token-1",
      accessTokenExpiresAt: NOW + 1800_000,
      refreshTokenExpiresAt: NOW + REFRESH_TOKEN_LIFETIME_MS,
    });
    expect(result.out).to.include("2026-11-24T15:30:00.000Z");
    expect(result.out).to.include("2026-12-01T15:00:00.000Z");
  });

  it("reads the stack's outputs with the Pulumi CLI, and takes a bare code and --redirect-uri", async () => {
    const stacks: string[] = [];
    const result = await login(
      ["--stack", "dev", "--redirect-uri", "https://127.0.0.1:8182/callback"],
      "C0.bare-code%40\n",
      (stack) => {
        stacks.push(stack);
        return JSON.stringify(allOutputs());
      },
    );
    expect(result.err).to.equal("");
    expect(result.code).to.equal(0);
    expect(stacks).to.deep.equal(["dev"]);
    expect(Object.fromEntries(schwab.tokenRequests()[0]!.form)).to.include({
      code: "C0.bare-code@",
      redirect_uri: "https://127.0.0.1:8182/callback",
    });
    expect(result.out).to.include("redirect_uri=https%3A%2F%2F127.0.0.1%3A8182%2Fcallback");
  });

  it("flags override the outputs entirely", async () => {
    const result = await login(
      ["--token-secret", TOKEN_ARN, "--app-secret", APP_ARN, "--schwab-url", `${schwab.url}/`],
      "https://127.0.0.1/?code=abc\n",
    );
    expect(result.err).to.equal("");
    expect(result.code).to.equal(0);
    expect(secrets.writes()).to.have.length(1);
  });

  const failures: [string, () => string[], string, RegExp, () => void][] = [
    [
      "a missing output",
      () => ["--outputs", outputsFile({ ...allOutputs(), alphaKiteTokenSecretArn: undefined })],
      "https://127.0.0.1/?code=abc",
      /have no alphaKiteTokenSecretArn.*--token-secret/,
      () => {},
    ],
    ["no stack at all", () => [], "", /say which stack/, () => {}],
    ["an unknown flag", () => ["--stak", "dev"], "", /Unknown option '--stak'/, () => {}],
    [
      "a redirect URL without a code",
      () => ["--outputs", outputsFile(allOutputs())],
      "https://127.0.0.1/?session=5d1e",
      /carries no code parameter/,
      () => {},
    ],
    [
      "a redirect carrying an error",
      () => ["--outputs", outputsFile(allOutputs())],
      "https://127.0.0.1/?error=access_denied",
      /redirected with error "access_denied"/,
      () => {},
    ],
    ["nothing pasted", () => ["--outputs", outputsFile(allOutputs())], "", /no input/, () => {}],
    [
      "a refused exchange",
      () => ["--outputs", outputsFile(allOutputs())],
      "https://127.0.0.1/?code=stale",
      /code exchange failed: .*HTTP 400 invalid_grant.*single-use/,
      () => schwab.tokenScript.push({ status: 400, body: { error: "invalid_grant" } }),
    ],
    [
      "an unusable app secret",
      () => ["--outputs", outputsFile(allOutputs())],
      "https://127.0.0.1/?code=abc",
      /must be JSON \{ "appKey", "appSecret" \}/,
      () => secrets.values.set(APP_ARN, JSON.stringify({ appKey: "k" })),
    ],
  ];
  for (const [title, argv, pasted, message, arrange] of failures) {
    it(`fails clearly on ${title}, writing nothing`, async () => {
      arrange();
      const result = await login(argv(), pasted);
      expect(result.code).to.equal(1);
      expect(result.err).to.match(message);
      expect(result.err.startsWith("schwab-login: ")).to.equal(true);
      expect(secrets.writes()).to.have.length(0);
    });
  }

  describe("extractCode", () => {
    const cases: [string, string | RegExp][] = [
      ["https://127.0.0.1/?code=C0.x%40&session=s", "C0.x@"],
      ["  https://127.0.0.1/cb?session=s&code=abc  ", "abc"],
      ["C0.x%40", "C0.x@"],
      ["C0.x@", "C0.x@"],
      ["https://127.0.0.1/?session=s", /no code parameter/],
      ["two words", /whitespace/],
      ["   ", /nothing was pasted/],
    ];
    for (const [input, want] of cases) {
      it(JSON.stringify(input), () => {
        if (typeof want === "string") expect(extractCode(input)).to.equal(want);
        else expect(() => extractCode(input)).to.throw(LoginError, want);
      });
    }
  });

  it("regionOfArn", () => {
    expect(regionOfArn(TOKEN_ARN)).to.equal("us-east-2");
    expect(regionOfArn("alpha-kite/dev/token")).to.equal(undefined);
  });
});

import { expect } from "chai";
import {
  ConfigError,
  LOCAL_ENVIRONMENTS,
  loadConfig,
  uploadPrefix,
  type Env,
} from "../../../containers/web-api/src/config";
import { thrown } from "../../helpers/errors";

const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1234-AbCdEf";
const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

const base: Env = {
  APP_ENV: "prod",
  AWS_REGION: "us-east-1",
  DB_HOST: "db.example.internal",
  DB_NAME: "fred",
  DB_SECRET_ARN: ARN,
  UPLOAD_BUCKET: "fred-uploads",
};

const files: Record<string, string> = { "/ca.pem": PEM, "/empty.pem": "" };
const readFile = (path: string): string => {
  const content = files[path];
  if (content === undefined) throw new Error(`ENOENT: ${path}`);
  return content;
};

describe("web API configuration", () => {
  it("reads a production environment, with defaults", () => {
    expect(loadConfig(base, readFile)).to.deep.equal({
      port: 8080,
      corsOrigins: [],
      environment: "prod",
      region: "us-east-1",
      db: {
        host: "db.example.internal",
        port: 5432,
        database: "fred",
        user: undefined,
        password: { kind: "secret", secretArn: ARN },
        ssl: { rejectUnauthorized: true },
        poolMax: 1,
      },
      uploads: { bucket: "fred-uploads", prefix: "uploads/" },
    });
  });

  const ok: {
    what: string;
    env: Env;
    pick: (c: ReturnType<typeof loadConfig>) => unknown;
    want: unknown;
  }[] = [
    {
      what: "PORT and DB_PORT",
      env: { PORT: "9000", DB_PORT: "6432" },
      pick: (c) => [c.port, c.db.port],
      want: [9000, 6432],
    },
    { what: "PORT 0 (a free port)", env: { PORT: "0" }, pick: (c) => c.port, want: 0 },
    { what: "DB_USER", env: { DB_USER: "app" }, pick: (c) => c.db.user, want: "app" },
    {
      what: "the CA bundle",
      env: { DB_SSL_CA_FILE: "/ca.pem" },
      pick: (c) => c.db.ssl,
      want: { rejectUnauthorized: true, ca: PEM },
    },
    {
      what: "DB_SSL=require",
      env: { DB_SSL: "require" },
      pick: (c) => c.db.ssl,
      want: { rejectUnauthorized: true },
    },
    {
      what: "DB_SSL=disable in test",
      env: { APP_ENV: "test", DB_SSL: "disable" },
      pick: (c) => c.db.ssl,
      want: false,
    },
    {
      what: "DB_PASSWORD in local without a secret",
      env: { APP_ENV: "local", DB_SECRET_ARN: undefined, DB_PASSWORD: " pw " },
      pick: (c) => c.db.password,
      want: { kind: "plain", password: " pw " },
    },
    {
      what: "no password at all in test (trust auth)",
      env: { APP_ENV: "test", DB_SECRET_ARN: undefined },
      pick: (c) => c.db.password,
      want: { kind: "plain", password: undefined },
    },
    {
      what: "the secret wins over DB_PASSWORD",
      env: { APP_ENV: "test", DB_PASSWORD: "pw" },
      pick: (c) => c.db.password.kind,
      want: "secret",
    },
    {
      what: "a prefix without its slash",
      env: { UPLOAD_PREFIX: "in/fred" },
      pick: (c) => c.uploads.prefix,
      want: "in/fred/",
    },
    {
      what: "an empty prefix",
      env: { UPLOAD_PREFIX: "" },
      pick: (c) => c.uploads.prefix,
      want: "",
    },
    {
      what: "a GovCloud secret ARN",
      env: { DB_SECRET_ARN: "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:x" },
      pick: (c) => c.db.password.kind,
      want: "secret",
    },
  ];
  for (const c of ok) {
    it(`reads ${c.what}`, () => {
      expect(c.pick(loadConfig({ ...base, ...c.env }, readFile))).to.deep.equal(c.want);
    });
  }

  const bad: { what: string; env: Env; error: RegExp }[] = [
    { what: "APP_ENV missing", env: { APP_ENV: undefined }, error: /APP_ENV is not set/ },
    { what: "AWS_REGION blank", env: { AWS_REGION: "  " }, error: /AWS_REGION is not set/ },
    { what: "DB_HOST missing", env: { DB_HOST: undefined }, error: /DB_HOST is not set/ },
    { what: "DB_NAME missing", env: { DB_NAME: undefined }, error: /DB_NAME is not set/ },
    {
      what: "UPLOAD_BUCKET missing",
      env: { UPLOAD_BUCKET: undefined },
      error: /UPLOAD_BUCKET is not set/,
    },
    {
      what: "an invalid bucket name",
      env: { UPLOAD_BUCKET: "Fred_Uploads" },
      error: /UPLOAD_BUCKET must be an S3 bucket name/,
    },
    {
      what: "a port out of range",
      env: { PORT: "70000" },
      error: /PORT must be an integer from 0 to 65535/,
    },
    {
      what: "a port that is not a number",
      env: { DB_PORT: "5432abc" },
      error: /DB_PORT must be an integer/,
    },
    { what: "a pool of 0", env: { DB_POOL_MAX: "0" }, error: /DB_POOL_MAX/ },
    {
      what: "no secret outside test/local",
      env: { DB_SECRET_ARN: undefined, DB_PASSWORD: "pw" },
      error: /DB_SECRET_ARN is not set; a plaintext DB_PASSWORD is accepted only/,
    },
    {
      what: "a secret that is not an ARN",
      env: { DB_SECRET_ARN: "rds-master" },
      error: /DB_SECRET_ARN must be a Secrets Manager secret ARN/,
    },
    {
      what: "DB_SSL=disable in prod",
      env: { DB_SSL: "disable" },
      error: /DB_SSL=disable is accepted only when APP_ENV is test or local/,
    },
    {
      what: "an unknown DB_SSL",
      env: { DB_SSL: "prefer" },
      error: /DB_SSL must be "require" or "disable"/,
    },
    {
      what: "an unreadable CA file",
      env: { DB_SSL_CA_FILE: "/missing.pem" },
      error: /DB_SSL_CA_FILE cannot be read \(\/missing.pem\): ENOENT/,
    },
    {
      what: "a CA file without a certificate",
      env: { DB_SSL_CA_FILE: "/empty.pem" },
      error: /holds no PEM certificate/,
    },
    {
      what: "a CORS origin with a path",
      env: { CORS_ORIGINS: "https://app.example.com/x" },
      error:
        /CORS_ORIGINS must list origins like https:\/\/app.example.com, got "https:\/\/app.example.com\/x"/,
    },
    {
      what: "a wildcard CORS origin",
      env: { CORS_ORIGINS: "https://a.example.com, *" },
      error: /got "\*"/,
    },
    {
      what: "an absolute prefix",
      env: { UPLOAD_PREFIX: "/uploads/" },
      error: /UPLOAD_PREFIX must be a relative key prefix/,
    },
  ];
  for (const c of bad) {
    it(`refuses ${c.what}`, () => {
      expect(() => loadConfig({ ...base, ...c.env }, readFile)).to.throw(ConfigError, c.error);
    });
  }

  describe("each limit at its boundary, with the exact message", () => {
    const accepted: [string, Env, (c: ReturnType<typeof loadConfig>) => unknown, unknown][] = [
      ["PORT 65535", { PORT: "65535" }, (c) => c.port, 65535],
      ["DB_PORT 1", { DB_PORT: "1" }, (c) => c.db.port, 1],
      ["DB_PORT 65535", { DB_PORT: "65535" }, (c) => c.db.port, 65535],
      ["DB_POOL_MAX 1", { DB_POOL_MAX: "1" }, (c) => c.db.poolMax, 1],
      ["DB_POOL_MAX 100", { DB_POOL_MAX: "100" }, (c) => c.db.poolMax, 100],
      ["a padded port", { PORT: " 9000 " }, (c) => c.port, 9000],
      ["a blank port (the default)", { PORT: " " }, (c) => c.port, 8080],
      ["a 3-character bucket", { UPLOAD_BUCKET: "abc" }, (c) => c.uploads.bucket, "abc"],
      [
        "a 63-character bucket",
        { UPLOAD_BUCKET: "a".repeat(63) },
        (c) => c.uploads.bucket,
        "a".repeat(63),
      ],
      [
        "a dotted bucket",
        { UPLOAD_BUCKET: "fred.uploads-1" },
        (c) => c.uploads.bucket,
        "fred.uploads-1",
      ],
      [
        "DB_SSL=DISABLE in local, any case",
        { APP_ENV: "local", DB_SSL: "DISABLE" },
        (c) => c.db.ssl,
        false,
      ],
      ["DB_SSL=Require", { DB_SSL: "Require" }, (c) => c.db.ssl, { rejectUnauthorized: true }],
      [
        "an empty DB_PASSWORD as none",
        { APP_ENV: "test", DB_SECRET_ARN: undefined, DB_PASSWORD: "" },
        (c) => c.db.password,
        { kind: "plain", password: undefined },
      ],
      [
        "an http origin with a port",
        { CORS_ORIGINS: "http://localhost:5173" },
        (c) => c.corsOrigins,
        ["http://localhost:5173"],
      ],
      [
        "a prefix with dots in a name",
        { UPLOAD_PREFIX: "v1.2/in" },
        (c) => c.uploads.prefix,
        "v1.2/in/",
      ],
      ["a blank origin list", { CORS_ORIGINS: " , " }, (c) => c.corsOrigins, []],
      ["the local environments", {}, () => LOCAL_ENVIRONMENTS, ["test", "local"]],
    ];
    for (const [what, env, pick, want] of accepted) {
      it(`reads ${what}`, () =>
        expect(pick(loadConfig({ ...base, ...env }, readFile))).to.deep.equal(want));
    }

    const refused: [string, Env, string][] = [
      ["PORT 65536", { PORT: "65536" }, 'PORT must be an integer from 0 to 65535, got "65536"'],
      ["a negative PORT", { PORT: "-1" }, 'PORT must be an integer from 0 to 65535, got "-1"'],
      ["DB_PORT 0", { DB_PORT: "0" }, 'DB_PORT must be an integer from 1 to 65535, got "0"'],
      [
        "DB_PORT 65536",
        { DB_PORT: "65536" },
        'DB_PORT must be an integer from 1 to 65535, got "65536"',
      ],
      [
        "a decimal DB_PORT",
        { DB_PORT: "5432.0" },
        'DB_PORT must be an integer from 1 to 65535, got "5432.0"',
      ],
      [
        "a PORT in exponent notation",
        { PORT: "1e3" },
        'PORT must be an integer from 0 to 65535, got "1e3"',
      ],
      ["a signed PORT", { PORT: "+80" }, 'PORT must be an integer from 0 to 65535, got "+80"'],
      [
        "a hexadecimal PORT",
        { PORT: "0x50" },
        'PORT must be an integer from 0 to 65535, got "0x50"',
      ],
      [
        "DB_POOL_MAX 0",
        { DB_POOL_MAX: "0" },
        'DB_POOL_MAX must be an integer from 1 to 100, got "0"',
      ],
      [
        "DB_POOL_MAX 101",
        { DB_POOL_MAX: "101" },
        'DB_POOL_MAX must be an integer from 1 to 100, got "101"',
      ],
      ["APP_ENV blank", { APP_ENV: " " }, "environment variable APP_ENV is not set"],
      ["DB_HOST missing", { DB_HOST: undefined }, "environment variable DB_HOST is not set"],
      [
        "a 2-character bucket",
        { UPLOAD_BUCKET: "ab" },
        'UPLOAD_BUCKET must be an S3 bucket name, got "ab"',
      ],
      [
        "a 64-character bucket",
        { UPLOAD_BUCKET: "a".repeat(64) },
        `UPLOAD_BUCKET must be an S3 bucket name, got "${"a".repeat(64)}"`,
      ],
      [
        "a bucket with two dots in a row",
        { UPLOAD_BUCKET: "fred..uploads" },
        'UPLOAD_BUCKET must be an S3 bucket name, got "fred..uploads"',
      ],
      [
        "a bucket starting with a dash",
        { UPLOAD_BUCKET: "-fred" },
        'UPLOAD_BUCKET must be an S3 bucket name, got "-fred"',
      ],
      [
        "a bucket ending with a dot",
        { UPLOAD_BUCKET: "fred." },
        'UPLOAD_BUCKET must be an S3 bucket name, got "fred."',
      ],
      [
        "an ARN of another service",
        { DB_SECRET_ARN: "arn:aws:ssm:us-east-1:123456789012:parameter/x" },
        'DB_SECRET_ARN must be a Secrets Manager secret ARN, got "arn:aws:ssm:us-east-1:123456789012:parameter/x"',
      ],
      [
        "a secret ARN with a short account",
        { DB_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:12345:secret:x" },
        'DB_SECRET_ARN must be a Secrets Manager secret ARN, got "arn:aws:secretsmanager:us-east-1:12345:secret:x"',
      ],
      [
        "a secret ARN without a name",
        { DB_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:" },
        'DB_SECRET_ARN must be a Secrets Manager secret ARN, got "arn:aws:secretsmanager:us-east-1:123456789012:secret:"',
      ],
      [
        "a secret ARN with a second line",
        { DB_SECRET_ARN: `${ARN}\nx` },
        `DB_SECRET_ARN must be a Secrets Manager secret ARN, got "${ARN}\nx"`,
      ],
      [
        "a secret ARN inside other text",
        { DB_SECRET_ARN: `x${ARN}` },
        `DB_SECRET_ARN must be a Secrets Manager secret ARN, got "x${ARN}"`,
      ],
      [
        "no secret in prod",
        { DB_SECRET_ARN: undefined },
        'DB_SECRET_ARN is not set; a plaintext DB_PASSWORD is accepted only when APP_ENV is test or local (APP_ENV is "prod")',
      ],
      [
        "DB_SSL=disable in staging",
        { APP_ENV: "staging", DB_SSL: "disable" },
        'DB_SSL=disable is accepted only when APP_ENV is test or local (APP_ENV is "staging")',
      ],
      [
        "DB_SSL=prefer",
        { DB_SSL: "Prefer" },
        'DB_SSL must be "require" or "disable", got "prefer"',
      ],
      [
        "an unreadable CA file",
        { DB_SSL_CA_FILE: "/missing.pem" },
        "DB_SSL_CA_FILE cannot be read (/missing.pem): ENOENT: /missing.pem",
      ],
      [
        "a CA file without a certificate",
        { DB_SSL_CA_FILE: "/empty.pem" },
        "DB_SSL_CA_FILE (/empty.pem) holds no PEM certificate",
      ],
      [
        "an origin with a trailing slash",
        { CORS_ORIGINS: "https://app.example.com/" },
        'CORS_ORIGINS must list origins like https://app.example.com, got "https://app.example.com/"',
      ],
      [
        "an origin of another scheme",
        { CORS_ORIGINS: "ftp://files.example.com" },
        'CORS_ORIGINS must list origins like https://app.example.com, got "ftp://files.example.com"',
      ],
      [
        "a host without a scheme",
        { CORS_ORIGINS: "app.example.com" },
        'CORS_ORIGINS must list origins like https://app.example.com, got "app.example.com"',
      ],
      [
        "a prefix with a . segment",
        { UPLOAD_PREFIX: "a/./b" },
        'UPLOAD_PREFIX must be a relative key prefix such as "uploads/", got "a/./b"',
      ],
    ];
    for (const [what, env, message] of refused) {
      it(`refuses ${what}`, () => {
        const error = thrown(() => loadConfig({ ...base, ...env }, readFile));
        expect(error).to.be.instanceOf(ConfigError).with.property("name", "ConfigError");
        expect(error.message).to.equal(message);
      });
    }

    it("says why a CA file that throws no Error cannot be read", () => {
      const error = thrown(() =>
        loadConfig({ ...base, DB_SSL_CA_FILE: "/x.pem" }, () => {
          throw "EACCES"; // eslint-disable-line @typescript-eslint/only-throw-error -- a thrown string, on purpose
        }),
      );
      expect(error.message).to.equal("DB_SSL_CA_FILE cannot be read (/x.pem): EACCES");
    });
  });

  it("reads CORS_ORIGINS as a list of exact origins", () => {
    const env = { ...base, CORS_ORIGINS: " https://app.example.com,http://localhost:5173 ," };
    expect(loadConfig(env, readFile).corsOrigins).to.deep.equal([
      "https://app.example.com",
      "http://localhost:5173",
    ]);
  });

  it("never echoes DB_PASSWORD in an error", () => {
    const env = { ...base, DB_SECRET_ARN: undefined, DB_PASSWORD: "hunter2-secret" };
    expect(() => loadConfig(env, readFile))
      .to.throw(ConfigError)
      .that.satisfies((error: Error) => !error.message.includes("hunter2"));
  });

  for (const [raw, want] of [
    ["uploads/", "uploads/"],
    ["a/b", "a/b/"],
    ["  x/ ", "x/"],
    ["", ""],
  ] as const) {
    it(`uploadPrefix(${JSON.stringify(raw)}) is ${JSON.stringify(want)}`, () => {
      expect(uploadPrefix(raw)).to.equal(want);
    });
  }
  for (const raw of ["/abs", "a/../b", "./x"]) {
    it(`uploadPrefix refuses ${JSON.stringify(raw)}`, () => {
      expect(() => uploadPrefix(raw)).to.throw(ConfigError);
    });
  }
});

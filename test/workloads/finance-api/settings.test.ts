import { expect } from "chai";
import { parseStackConfig } from "../../../config";
import { problem, settingCases, type SettingCase } from "../../helpers/setting-cases";
import { validRaw, withSetting } from "../../helpers/stack-config";

const CERTIFICATE = "arn:aws:acm:us-east-1:210987654321:certificate/0d6f3c1e-7a52-4b8e-9f1d";
const POOL = "arn:aws:cognito-idp:us-east-1:210987654321:userpool/us-east-1_AbC123";

const DEFAULTS = {
  app: "main:app",
  requirementsFile: "requirements.txt",
  pythonVersion: "3.13",
  memorySize: 1024,
  timeout: 30,
  corsOrigins: [],
  rateLimit: 500,
  burstLimit: 1000,
  binaryMediaTypes: [
    "multipart/form-data",
    "application/octet-stream",
    "image/*",
    "application/pdf",
  ],
  logRetentionDays: 30,
  authorization: "iam",
  mongodbDatabase: "financial_tracker",
  genaiModel: "models/gemini-2.5-flash",
  allowedHosts: "*",
  enforceHttps: false,
  wafRateLimit: 2000,
};

describe("financeApi settings", () => {
  it("fills every default when the stack sets none", () => {
    const { financeApi } = parseStackConfig(validRaw());
    expect(financeApi).to.deep.include(DEFAULTS);
    for (const optional of [
      "appDir",
      "cognitoUserPoolArn",
      "domainName",
      "certificateArn",
      "hostedZoneId",
      "alertEmail",
    ]) {
      expect(financeApi, optional).not.to.have.property(optional);
    }
  });

  it("fills the other defaults when the stack sets some", () => {
    const raw = withSetting("financeApi", (f) =>
      Object.assign(f, { appDir: "../app", memorySize: 2048 }),
    );
    expect(parseStackConfig(raw).financeApi).to.deep.include({
      ...DEFAULTS,
      appDir: "../app",
      memorySize: 2048,
    });
  });

  const together = "is required with domainName and certificateArn together";
  const number = (key: string, low: number, high: number): SettingCase[] => {
    const message = `must be ${low} to ${high}`;
    return [
      [`${key} ${low}`, (f) => (f[key] = low), "ok"],
      [`${key} ${high}`, (f) => (f[key] = high), "ok"],
      [`${key} ${low - 1}`, (f) => (f[key] = low - 1), problem(`financeApi.${key}`, message)],
      [`${key} ${high + 1}`, (f) => (f[key] = high + 1), problem(`financeApi.${key}`, message)],
    ];
  };
  settingCases("financeApi", [
    [
      "a domain with its certificate",
      (f) => Object.assign(f, { domainName: "api.trading.io", certificateArn: CERTIFICATE }),
      "ok",
    ],
    [
      "a domain, certificate and hosted zone",
      (f) =>
        Object.assign(f, {
          domainName: "api.trading.io",
          certificateArn: CERTIFICATE,
          hostedZoneId: "Z1D633PJN98FT9",
        }),
      "ok",
    ],
    [
      "a domain without a certificate",
      (f) => (f.domainName = "api.trading.io"),
      problem("financeApi.certificateArn", together),
    ],
    [
      "a certificate without a domain",
      (f) => (f.certificateArn = CERTIFICATE),
      problem("financeApi.domainName", together),
    ],
    [
      "a hosted zone without a domain",
      (f) => (f.hostedZoneId = "Z1D633PJN98FT9"),
      problem("financeApi.hostedZoneId", "needs domainName"),
    ],
    [
      "cognito with a user pool",
      (f) => Object.assign(f, { authorization: "cognito", cognitoUserPoolArn: POOL }),
      "ok",
    ],
    ["iam with a user pool set", (f) => (f.cognitoUserPoolArn = POOL), "ok"],
    [
      "cognito without a user pool",
      (f) => (f.authorization = "cognito"),
      problem("financeApi.cognitoUserPoolArn", "is required with authorization cognito"),
    ],
    [
      "an authorization it does not know",
      (f) => (f.authorization = "apiKey"),
      problem("financeApi.authorization", "must be iam or cognito"),
    ],
    [
      "a user pool ARN of another service",
      (f) => (f.cognitoUserPoolArn = "arn:aws:iam::210987654321:userpool/x"),
      problem("financeApi.cognitoUserPoolArn", "must be a Cognito user pool ARN"),
    ],
    [
      "a GovCloud user pool",
      (f) =>
        (f.cognitoUserPoolArn =
          "arn:aws-us-gov:cognito-idp:us-gov-west-1:210987654321:userpool/us-gov-west-1_AbC123"),
      "ok",
    ],
    ...[` ${POOL}`, `x${POOL}`, `${POOL} `, `${POOL}/clients`].map((arn): SettingCase => [
      `the user pool ARN ${JSON.stringify(arn)}`,
      (f) => (f.cognitoUserPoolArn = arn),
      problem("financeApi.cognitoUserPoolArn", "must be a Cognito user pool ARN"),
    ]),
    [
      "a user pool ARN without its id",
      (f) => (f.cognitoUserPoolArn = "arn:aws:cognito-idp:us-east-1:210987654321:userpool/"),
      problem("financeApi.cognitoUserPoolArn", "must be a Cognito user pool ARN"),
    ],
    ["app pkg.main:create_app", (f) => (f.app = "pkg.main:create_app"), "ok"],
    ...["main", "main:", ":app", "1main:app", "main:app:x", "main-x:app"].map(
      (app): SettingCase => [
        `app ${app}`,
        (f) => (f.app = app),
        problem("financeApi.app", "must be module:attribute, e.g. main:app"),
      ],
    ),
    [
      "Python 3.12",
      (f) => (f.pythonVersion = "3.12"),
      problem("financeApi.pythonVersion", "must be 3.13"),
    ],
    [
      "an empty appDir",
      (f) => (f.appDir = ""),
      problem("financeApi.appDir", "must be a directory"),
    ],
    ...number("memorySize", 128, 10240),
    ...number("timeout", 1, 900),
    ...number("rateLimit", 1, 10000),
    ...number("burstLimit", 1, 5000),
    ...number("wafRateLimit", 100, 2000000000),
    [
      "a retention CloudWatch does not offer",
      (f) => (f.logRetentionDays = 10),
      problem("financeApi.logRetentionDays", "must be a CloudWatch Logs retention"),
    ],
    [
      "media types like image/* and application/vnd.ms-excel",
      (f) => (f.binaryMediaTypes = ["image/*", "application/vnd.ms-excel", "*/*"]),
      "ok",
    ],
    ...["Image/png", "image", "image/", "image/png; q=1"].map((type): SettingCase => [
      `the media type ${type}`,
      (f) => (f.binaryMediaTypes = ["image/png", type]),
      problem("financeApi.binaryMediaTypes[1]", "must be a media type"),
    ]),
    ["a database name of 63 characters", (f) => (f.mongodbDatabase = "d".repeat(63)), "ok"],
    ...["", "d".repeat(64), "a/b", "a\\b", "a.b", "a b", 'a"b', "a$b"].map((name): SettingCase => [
      `the database name ${JSON.stringify(name)}`,
      (f) => (f.mongodbDatabase = name),
      problem("financeApi.mongodbDatabase", "must be a MongoDB database name"),
    ]),
    [
      "an empty model name",
      (f) => (f.genaiModel = ""),
      problem("financeApi.genaiModel", "Too small: expected string to have >=1 characters"),
    ],
    [
      "enforceHttps that is not a boolean",
      (f) => (f.enforceHttps = "yes"),
      problem("financeApi.enforceHttps", "must be true or false"),
    ],
  ]);
});

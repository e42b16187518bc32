import { expect } from "chai";
import { parseStackConfig } from "../../../config";
import { problem, settingCases, type SettingCase } from "../../helpers/setting-cases";
import { asProd, validRaw, withSetting } from "../../helpers/stack-config";

describe("fredJobs settings", () => {
  it("fills every default when the stack sets none", () => {
    expect(parseStackConfig(validRaw()).fredJobs).to.deep.equal({
      corsOrigins: [],
      rateLimit: 500,
      burstLimit: 1000,
      memorySize: 1024,
      uploadRetentionDays: 90,
      instanceClass: "db.t4g.micro",
    });
  });

  it("sizes the database by profile unless the stack names a class", () => {
    const prod = asProd(
      withSetting("quickbets", (q) => {
        q.websocket = {
          domainName: "ws.quickbets.io",
          certificateArn: "arn:aws:acm:us-east-1:210987654321:certificate/0d6f3c1e",
        };
      }),
    );
    const prodWithDomain = withSetting(
      "arbees",
      (a) => Object.assign(a, { domainName: "arbees.trading.io", hostedZoneId: "Z1D633PJN98FT9" }),
      prod,
    );
    expect(parseStackConfig(prodWithDomain).fredJobs.instanceClass).to.equal("db.t4g.small");
    const named = withSetting(
      "fredJobs",
      (f) => (f.instanceClass = "db.r7g.large"),
      prodWithDomain,
    );
    expect(parseStackConfig(named).fredJobs.instanceClass).to.equal("db.r7g.large");
  });
});

describe("fredJobs settings: each field's bounds", () => {
  it("fills the other defaults when the stack sets some", () => {
    const raw = withSetting("fredJobs", (f) => (f.rateLimit = 50));
    expect(parseStackConfig(raw).fredJobs).to.deep.include({
      corsOrigins: [],
      rateLimit: 50,
      burstLimit: 1000,
      memorySize: 1024,
      uploadRetentionDays: 90,
      instanceClass: "db.t4g.micro",
    });
  });

  const number = (key: string, low: number, high: number): SettingCase[] => {
    const message = `must be ${low} to ${high}`;
    return [
      [`${key} ${low}`, (f) => (f[key] = low), "ok"],
      [`${key} ${high}`, (f) => (f[key] = high), "ok"],
      [`${key} ${low - 1}`, (f) => (f[key] = low - 1), problem(`fredJobs.${key}`, message)],
      [`${key} ${high + 1}`, (f) => (f[key] = high + 1), problem(`fredJobs.${key}`, message)],
    ];
  };
  const instanceClass = "must be an RDS instance class like db.t4g.micro";
  settingCases("fredJobs", [
    ...number("rateLimit", 1, 10000),
    ...number("burstLimit", 1, 5000),
    ...number("memorySize", 128, 10240),
    ...number("uploadRetentionDays", 1, 3650),
    ["the class db.r7g.2xlarge", (f) => (f.instanceClass = "db.r7g.2xlarge"), "ok"],
    ...["t4g.micro", "db.t4g", "db.T4G.micro", "db.t4g.micro.x", "xdb.t4g.micro"].map(
      (value): SettingCase => [
        `the class ${value}`,
        (f) => (f.instanceClass = value),
        problem("fredJobs.instanceClass", instanceClass),
      ],
    ),
    [
      "a wildcard origin",
      (f) => (f.corsOrigins = ["https://*.trading.io"]),
      problem(
        "fredJobs.corsOrigins[0]",
        "must be an exact origin like https://app.example.com (no path, no wildcard)",
      ),
    ],
  ]);
});

import { expect } from "chai";
import { parseStackConfig } from "../../../config";
import { problem, settingCases, type SettingCase } from "../../helpers/setting-cases";
import { asProd, problemsOf, validRaw, withSetting } from "../../helpers/stack-config";

const CERTIFICATE = "arn:aws:acm:us-east-1:210987654321:certificate/0d6f3c1e-7a52-4b8e-9f1d";

describe("arbees settings", () => {
  it("fills its latency defaults", () => {
    expect(parseStackConfig(validRaw()).arbees).to.include({
      pollInterval: "1.0",
      crunchTimeInterval: "0.25",
      marketDataTtl: "5",
      syncDeltaTolerance: "0.5",
    });
  });

  it("sizes services by profile unless the stack sets them", () => {
    expect(parseStackConfig(validRaw()).arbees).to.include({
      replicas: 1,
      strategyEngineMaxTasks: 2,
    });
    const prod = withSetting(
      "quickbets",
      (q) => (q.websocket = { domainName: "ws.quickbets.io", certificateArn: CERTIFICATE }),
      asProd(),
    );
    const domain = (a: Record<string, any>) =>
      Object.assign(a, { domainName: "arbees.trading.io", hostedZoneId: "Z1D633PJN98FT9" });
    expect(parseStackConfig(withSetting("arbees", domain, prod)).arbees).to.include({
      replicas: 2,
      strategyEngineMaxTasks: 6,
    });
    const three = withSetting("arbees", (a) => Object.assign(domain(a), { replicas: 3 }), prod);
    expect(parseStackConfig(three).arbees).to.include({ replicas: 3, strategyEngineMaxTasks: 6 });
  });

  it("requires a domain (HTTPS) in prod, not in dev", () => {
    const problem = {
      key: "platform:arbees.domainName",
      message: "is required in prod: prod load balancers serve TLS only",
    };
    expect(problemsOf(asProd())).to.deep.include(problem);
    const domain = withSetting("arbees", (a) => {
      a.domainName = "arbees.trading.io";
      a.hostedZoneId = "Z1D633PJN98FT9";
    });
    expect(problemsOf(asProd(domain))).not.to.deep.include(problem);
  });

  it("needs domainName and hostedZoneId together", () => {
    const raw = withSetting("arbees", (a) => (a.domainName = "arbees.trading.io"));
    expect(problemsOf(raw)).to.deep.equal([
      {
        key: "platform:arbees.hostedZoneId",
        message: "is required with domainName and hostedZoneId together",
      },
    ]);
  });
});

describe("arbees settings: each field's bounds", () => {
  const seconds = (key: string, example: string) =>
    [
      [`${key} 2`, (a: Record<string, any>) => (a[key] = "2"), "ok"],
      [`${key} 0.125`, (a: Record<string, any>) => (a[key] = "0.125"), "ok"],
      ...["1.", ".5", "1.5.5", "1s", " 1", "-1"].map((value) => [
        `${key} ${JSON.stringify(value)}`,
        (a: Record<string, any>) => (a[key] = value),
        problem(`arbees.${key}`, `must be seconds, e.g. ${example}`),
      ]),
    ] as SettingCase[];
  const count = (key: string, high: number) => {
    const message = `must be 1 to ${high}`;
    return [
      [`${key} 1`, (a: Record<string, any>) => (a[key] = 1), "ok"],
      [`${key} ${high}`, (a: Record<string, any>) => (a[key] = high), "ok"],
      [`${key} 0`, (a: Record<string, any>) => (a[key] = 0), problem(`arbees.${key}`, message)],
      [
        `${key} ${high + 1}`,
        (a: Record<string, any>) => (a[key] = high + 1),
        problem(`arbees.${key}`, message),
      ],
    ] as SettingCase[];
  };
  const provider = "must be a gluetun VPN_SERVICE_PROVIDER";
  const tag = "must be a gluetun release tag like v3.40.0";
  settingCases("arbees", [
    ...seconds("pollInterval", "1.0"),
    ...seconds("crunchTimeInterval", "0.25"),
    ...seconds("syncDeltaTolerance", "0.5"),
    ["marketDataTtl 30", (a) => (a.marketDataTtl = "30"), "ok"],
    [
      "marketDataTtl 5.5",
      (a) => (a.marketDataTtl = "5.5"),
      problem("arbees.marketDataTtl", "must be whole seconds"),
    ],
    [
      "marketDataTtl 5s",
      (a) => (a.marketDataTtl = "5s"),
      problem("arbees.marketDataTtl", "must be whole seconds"),
    ],
    ...count("replicas", 10),
    ...count("strategyEngineMaxTasks", 20),
    [
      "a hosted zone without a domain",
      (a) => (a.hostedZoneId = "Z1D633PJN98FT9"),
      problem("arbees.domainName", "is required with domainName and hostedZoneId together"),
    ],
    ["a VPN provider with spaces", (a) => (a.vpn.provider = "private internet access"), "ok"],
    [
      "an upper-case VPN provider",
      (a) => (a.vpn.provider = "Mullvad"),
      problem("arbees.vpn.provider", provider),
    ],
    [
      "a VPN provider with a dash",
      (a) => (a.vpn.provider = "proton-vpn"),
      problem("arbees.vpn.provider", provider),
    ],
    ["server countries", (a) => (a.vpn.serverCountries = "Netherlands,Sweden"), "ok"],
    ["gluetun v3.40.10", (a) => (a.vpn.gluetunTag = "v3.40.10"), "ok"],
    ...["3.40.0", "v3.40", "v3.40.0-rc1", "latest", "xv3.40.0"].map((value): SettingCase => [
      `the gluetun tag ${value}`,
      (a) => (a.vpn.gluetunTag = value),
      problem("arbees.vpn.gluetunTag", tag),
    ]),
    ["no VPN", (a) => delete a.vpn, problem("arbees.vpn", "is required")],
    ["no image tag", (a) => delete a.imageTag, problem("arbees.imageTag", "is required")],
    [
      "an image tag that is not one",
      (a) => (a.imageTag = "2026 11"),
      problem("arbees.imageTag", "must be an image tag"),
    ],
  ]);
});

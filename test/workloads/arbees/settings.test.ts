import { expect } from "chai";
import { parseStackConfig } from "../../../config";
import { taskSizesOf, vpnHostTypeOf } from "../../../workloads/arbees/settings";
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

  describe("compute levers", () => {
    const prodRaw = () =>
      withSetting(
        "arbees",
        (a) =>
          Object.assign(a, { domainName: "arbees.trading.io", hostedZoneId: "Z1D633PJN98FT9" }),
        withSetting(
          "quickbets",
          (q) => (q.websocket = { domainName: "ws.quickbets.io", certificateArn: CERTIFICATE }),
          asProd(),
        ),
      );

    it("runs the home services on Fargate Spot in dev and on demand in prod, unless the stack says", () => {
      expect(parseStackConfig(validRaw()).arbees.capacity).to.equal("fargateSpot");
      expect(parseStackConfig(prodRaw()).arbees.capacity).to.equal("fargate");
      const onDemand = withSetting("arbees", (a) => (a.capacity = "fargate"));
      expect(parseStackConfig(onDemand).arbees.capacity).to.equal("fargate");
      expect(problemsOf(withSetting("arbees", (a) => (a.capacity = "spot")))).to.deep.equal([
        { key: "platform:arbees.capacity", message: "must be one of fargate, fargateSpot" },
      ]);
    });

    it("sizes every task 0.25 vCPU / 0.5 GB in dev and as sized in prod, a service at a time", () => {
      const dev = parseStackConfig(validRaw()).arbees;
      expect(
        new Set(Object.values(taskSizesOf(dev, "dev")).map((t) => `${t.cpu}/${t.memory}`)),
      ).to.deep.equal(new Set(["256/512"]));
      expect(taskSizesOf(parseStackConfig(prodRaw()).arbees, "prod")).to.deep.include({
        api: { cpu: 512, memory: 1024 },
        "strategy-engine": { cpu: 1024, memory: 2048 },
        "market-gateway-polymarket": { cpu: 512, memory: 1024 },
      });
      const bigger = withSetting("arbees", (a) => {
        a.taskSizes = { "strategy-engine": { cpu: 512, memory: 2048 } };
      });
      const sizes = taskSizesOf(parseStackConfig(bigger).arbees, "dev");
      expect(sizes["strategy-engine"]).to.deep.equal({ cpu: 512, memory: 2048 });
      expect(sizes.api).to.deep.equal({ cpu: 256, memory: 512 });
    });

    it("refuses a home task size Fargate does not run, naming the setting", () => {
      const raw = withSetting("arbees", (a) => {
        a.taskSizes = { api: { cpu: 512, memory: 512 }, orchestrator: { cpu: 384, memory: 1024 } };
      });
      expect(problemsOf(raw)).to.deep.equal([
        {
          key: "platform:arbees.taskSizes.api.memory",
          message: "512 MiB does not fit 512 CPU units (Fargate allows 1024, 2048, 3072, 4096)",
        },
        {
          key: "platform:arbees.taskSizes.orchestrator.cpu",
          message: "384 CPU units is not a Fargate size (256, 512, 1024, 2048, 4096, 8192, 16384)",
        },
      ]);
      // The Polymarket gateway runs on EC2: any size that leaves room beside the VPN sidecar.
      const remote = (memory: number) =>
        withSetting("arbees", (a) => {
          a.taskSizes = { "market-gateway-polymarket": { cpu: 384, memory } };
        });
      expect(() => parseStackConfig(remote(768))).not.to.throw();
      expect(() => parseStackConfig(remote(256))).not.to.throw();
      expect(problemsOf(remote(128))).to.deep.equal([
        {
          key: "platform:arbees.taskSizes.market-gateway-polymarket.memory",
          message: "must be 256 to 122880",
        },
      ]);
    });

    it("puts the VPN host on the smallest Graviton type its tasks fit, unless the stack names one", () => {
      expect(vpnHostTypeOf(parseStackConfig(validRaw()).arbees, "dev")).to.equal("t4g.micro");
      expect(vpnHostTypeOf(parseStackConfig(prodRaw()).arbees, "prod")).to.equal("t4g.small");
      const named = withSetting("arbees", (a) => (a.vpnHost = { instanceType: "t4g.medium" }));
      expect(vpnHostTypeOf(parseStackConfig(named).arbees, "dev")).to.equal("t4g.medium");
      const grown = withSetting("arbees", (a) => {
        a.taskSizes = { "market-gateway-polymarket": { cpu: 512, memory: 1536 } };
      });
      expect(vpnHostTypeOf(parseStackConfig(grown).arbees, "dev")).to.equal("t4g.small");
    });

    it("refuses a VPN host its tasks do not fit, or one that is not Graviton", () => {
      const raw = (instanceType: string) =>
        withSetting("arbees", (a) => (a.vpnHost = { instanceType }));
      const host = (instanceType: string) => problemsOf(raw(instanceType));
      expect(() => parseStackConfig(raw("t4g.micro"))).not.to.throw();
      expect(() => parseStackConfig(raw("m7g.large"))).not.to.throw();
      expect(host("t4g.nano")).to.deep.equal([
        {
          key: "platform:arbees.vpnHost.instanceType",
          message:
            "t4g.nano offers tasks 2048 CPU units and 460 MiB; the Polymarket gateway's task needs 256 and 512",
        },
      ]);
      expect(host("t3.micro")).to.deep.equal([
        {
          key: "platform:arbees.vpnHost.instanceType",
          message: "must be a Graviton (arm64) instance type like t4g.micro",
        },
      ]);
    });

    // t4g.micro offers tasks 2048 CPU units and 921 MiB (1 GiB less ECS's reserve).
    const fits: [what: string, task: { cpu: number; memory: number }, fits: boolean][] = [
      ["exactly the CPU and memory it offers", { cpu: 2048, memory: 921 }, true],
      ["all its CPU", { cpu: 2048, memory: 512 }, true],
      ["all its memory", { cpu: 256, memory: 921 }, true],
      ["one CPU unit more than it offers", { cpu: 2049, memory: 512 }, false],
      ["one MiB more than it offers", { cpu: 256, memory: 922 }, false],
    ];
    for (const [what, task, fitting] of fits) {
      it(`${fitting ? "takes" : "refuses"} a t4g.micro VPN host for a gateway task of ${what}`, () => {
        const raw = withSetting("arbees", (a) => {
          a.vpnHost = { instanceType: "t4g.micro" };
          a.taskSizes = { "market-gateway-polymarket": task };
        });
        if (fitting) expect(() => parseStackConfig(raw)).not.to.throw();
        else {
          expect(problemsOf(raw)).to.deep.equal([
            {
              key: "platform:arbees.vpnHost.instanceType",
              message: `t4g.micro offers tasks 2048 CPU units and 921 MiB; the Polymarket gateway's task needs ${task.cpu} and ${task.memory}`,
            },
          ]);
        }
      });
    }
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
      [`${key} 10`, (a: Record<string, any>) => (a[key] = "10"), "ok"],
      [`${key} 12.5`, (a: Record<string, any>) => (a[key] = "12.5"), "ok"],
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
  /** An instance class setting: each value accepted, or refused with `message`. */
  const instanceClass = (key: string, message: string, ok: string[], refused: string[]) =>
    [
      ...ok.map((value): SettingCase => [`${key} ${value}`, (a) => (a[key] = value), "ok"]),
      ...refused.map((value): SettingCase => [
        `${key} ${JSON.stringify(value)}`,
        (a) => (a[key] = value),
        problem(`arbees.${key}`, message),
      ]),
    ] as SettingCase[];
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
    ...instanceClass(
      "databaseInstanceClass",
      "must be an RDS instance class like db.t4g.small",
      ["db.t4g.small", "db.r6g.2xlarge", "db.m5.large"],
      [
        "db.t4g",
        "db..small",
        "db.t4g.",
        "db.T4G.small",
        "cache.t4g.small",
        " db.t4g.small",
        "db.t4g.small ",
        "db.t4g.small.x",
      ],
    ),
    ...instanceClass(
      "redisNodeType",
      "must be an ElastiCache node type like cache.t4g.small",
      ["cache.t4g.small", "cache.r7g.xlarge", "cache.m5.large"],
      [
        "cache.t4g",
        "cache..small",
        "cache.t4g.",
        "cache.T4G.small",
        "db.t4g.small",
        " cache.t4g.small",
        "cache.t4g.small ",
        "cache.t4g.small.x",
      ],
    ),
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
    ["gluetun v10.0.0", (a) => (a.vpn.gluetunTag = "v10.0.0"), "ok"],
    ...["3.40.0", "v3.40", "v3.40.0-rc1", "latest", "xv3.40.0"].map((value): SettingCase => [
      `the gluetun tag ${value}`,
      (a) => (a.vpn.gluetunTag = value),
      problem("arbees.vpn.gluetunTag", tag),
    ]),
    ...["t4g.micro", "m7g.large", "c7gd.large", "im4gn.large", "m10g.large"].map(
      (type): SettingCase => [
        `the VPN host ${type}`,
        (a) => (a.vpnHost = { instanceType: type }),
        "ok",
      ],
    ),
    ...[
      "t3.micro",
      "t4g",
      "t4g.",
      "4g.micro",
      "db.t4g.micro",
      " t4g.micro",
      "t4g.micro ",
      "t4g.micro.x",
      "T4G.micro",
    ].map((type): SettingCase => [
      `the VPN host ${JSON.stringify(type)}`,
      (a) => (a.vpnHost = { instanceType: type }),
      problem(
        "arbees.vpnHost.instanceType",
        "must be a Graviton (arm64) instance type like t4g.micro",
      ),
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

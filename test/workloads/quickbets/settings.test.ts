import { expect } from "chai";
import { parseStackConfig } from "../../../config";
import { MAX_TOTAL_SESSIONS, quickbetsSettings } from "../../../workloads/quickbets/settings";
import { problem, settingCases, type SettingCase } from "../../helpers/setting-cases";
import { asProd, problemsOf, validRaw, withSetting } from "../../helpers/stack-config";

const CERTIFICATE = "arn:aws:acm:us-east-1:210987654321:certificate/0d6f3c1e-7a52-4b8e-9f1d";

describe("quickbets settings", () => {
  it("fills its defaults", () => {
    const { quickbets } = parseStackConfig(validRaw());
    expect(quickbets.kalshiBaseUrl).to.equal("https://api.elections.kalshi.com");
    expect(quickbets.sessions).to.include({ cpu: 256, memory: 512, port: 8080, maxPerUser: 2 });
    expect(quickbets.websocket).to.deep.equal({});
  });

  const bad: [string, (q: Record<string, any>) => void, string, string][] = [
    ["no series", (q) => (q.series = []), "platform:quickbets.series", "at least one"],
    [
      "a lower-case series",
      (q) => (q.series = ["kxnfl"]),
      "platform:quickbets.series[0]",
      "series ticker",
    ],
    [
      "an http Kalshi URL",
      (q) => (q.kalshiBaseUrl = "http://api.kalshi.com"),
      "platform:quickbets.kalshiBaseUrl",
      "https://",
    ],
    [
      "a wildcard origin",
      (q) => (q.corsOrigins = ["https://*.example.com"]),
      "platform:quickbets.corsOrigins[0]",
      "exact origin",
    ],
    [
      "an origin with a path",
      (q) => (q.corsOrigins = ["https://a.example.com/app"]),
      "platform:quickbets.corsOrigins[0]",
      "no path",
    ],
    [
      "no image tag",
      (q) => delete q.sessions.imageTag,
      "platform:quickbets.sessions.imageTag",
      "is required",
    ],
    [
      "a CPU Fargate lacks",
      (q) => (q.sessions.cpu = 300),
      "platform:quickbets.sessions.cpu",
      "256, 512",
    ],
    [
      "memory that does not fit the CPU",
      (q) => Object.assign(q.sessions, { cpu: 256, memory: 4096 }),
      "platform:quickbets.sessions.memory",
      "4096 MiB does not fit 256 CPU units (Fargate allows 512, 1024, 2048)",
    ],
    [
      "more sessions than the ALB has rules",
      (q) => (q.sessions.maxTotal = 150),
      "platform:quickbets.sessions.maxTotal",
      "1 to 90",
    ],
    [
      "a per-user cap above the total",
      (q) => Object.assign(q.sessions, { maxPerUser: 5, maxTotal: 3 }),
      "platform:quickbets.sessions.maxPerUser",
      "more than maxTotal",
    ],
    [
      "a domain without a certificate",
      (q) => (q.websocket = { domainName: "ws.example.com" }),
      "platform:quickbets.websocket.certificateArn",
      "together",
    ],
    [
      "a malformed certificate ARN",
      (q) => (q.websocket = { domainName: "ws.example.com", certificateArn: "arn:aws:iam::1:x" }),
      "platform:quickbets.websocket.certificateArn",
      "ACM certificate ARN",
    ],
    [
      "a misspelled setting",
      (q) => (q.sesions = {}),
      "platform:quickbets.sesions",
      "did you mean platform:quickbets.sessions?",
    ],
  ];
  for (const [title, edit, key, fragment] of bad) {
    it(`rejects ${title}, naming ${key}`, () => {
      const problems = problemsOf(withSetting("quickbets", edit));
      const problem = problems.find((p) => p.key === key);
      expect(problem, JSON.stringify(problems)).to.exist;
      expect(problem!.message).to.include(fragment);
    });
  }

  it("sets the user pool's feature plan per profile: LITE in dev, ESSENTIALS in prod", () => {
    expect(parseStackConfig(validRaw()).quickbets.userPoolTier).to.equal("LITE");
    // A full prod config needs other workloads' prod settings: read the declared defaults.
    expect(quickbetsSettings.profileDefaults?.prod).to.deep.equal({ userPoolTier: "ESSENTIALS" });
    const own = withSetting("quickbets", (q) => (q.userPoolTier = "ESSENTIALS"));
    expect(parseStackConfig(own).quickbets.userPoolTier).to.equal("ESSENTIALS");
  });

  it("requires PLUS with threat protection, naming userPoolTier", () => {
    const key = "platform:quickbets.userPoolTier";
    const on = (tier?: string) =>
      withSetting("quickbets", (q) => {
        q.threatProtection = true;
        if (tier) q.userPoolTier = tier;
      });
    // Unset: dev's default (LITE) has no threat protection.
    expect(problemsOf(on())).to.deep.include({
      key,
      message:
        "must be PLUS when platform:quickbets.threatProtection is true (threat protection exists on the Plus plan only), not the dev default LITE",
    });
    expect(problemsOf(on("ESSENTIALS")).map((p) => p.key)).to.include(key);
    expect(() => parseStackConfig(on("PLUS"))).not.to.throw();
    // PLUS without threat protection is allowed (a pool may pay for Plus's other features).
    expect(() =>
      parseStackConfig(withSetting("quickbets", (q) => (q.userPoolTier = "PLUS"))),
    ).not.to.throw();
    expect(problemsOf(withSetting("quickbets", (q) => (q.userPoolTier = "BASIC")))).to.deep.include(
      { key, message: "must be one of LITE, ESSENTIALS, PLUS" },
    );
  });

  it("requires TLS for the session load balancer in prod, not in dev", () => {
    const problem = {
      key: "platform:quickbets.websocket.certificateArn",
      message: "is required in prod: prod load balancers serve TLS only",
    };
    expect(problemsOf(asProd())).to.deep.include(problem);
    const tls = withSetting("quickbets", (q) => {
      q.websocket = { domainName: "ws.quickbets.io", certificateArn: CERTIFICATE };
    });
    expect(problemsOf(asProd(tls))).not.to.deep.include(problem);
    expect(() => parseStackConfig(validRaw())).not.to.throw();
  });

  it("caps sessions at the load balancer's rule budget", () => {
    expect(MAX_TOTAL_SESSIONS).to.be.lessThan(100);
    const raw = withSetting("quickbets", (q) => (q.sessions.maxTotal = MAX_TOTAL_SESSIONS));
    expect(parseStackConfig(raw).quickbets.sessions.maxTotal).to.equal(MAX_TOTAL_SESSIONS);
  });
});

describe("quickbets settings: each field's bounds", () => {
  it("fills every default of the API and its sessions", () => {
    const { quickbets } = parseStackConfig(validRaw());
    expect(quickbets).to.deep.include({
      kalshiBaseUrl: "https://api.elections.kalshi.com",
      corsOrigins: [],
      rateLimit: 20,
      burstLimit: 40,
      upstreamTimeoutMs: 5000,
      threatProtection: false,
    });
    expect(quickbets.sessions).to.deep.include({
      cpuArchitecture: "ARM64",
      cpu: 256,
      memory: 512,
      port: 8080,
      maxPerUser: 2,
      maxTotal: 20,
      maxHours: 12,
      retentionDays: 30,
    });
  });

  const number = (key: string, low: number, high: number, at = ""): SettingCase[] => {
    const message = `must be ${low} to ${high}`;
    const target = (q: Record<string, any>) => (at ? q[at] : q);
    const path = `quickbets.${at ? `${at}.` : ""}${key}`;
    return [
      [`${path} ${low}`, (q) => (target(q)[key] = low), "ok"],
      [`${path} ${high}`, (q) => (target(q)[key] = high), "ok"],
      [`${path} ${low - 1}`, (q) => (target(q)[key] = low - 1), problem(path, message)],
      [`${path} ${high + 1}`, (q) => (target(q)[key] = high + 1), problem(path, message)],
    ];
  };
  const together = "is required with domainName and certificateArn together";
  settingCases("quickbets", [
    ...number("rateLimit", 1, 10000),
    ...number("burstLimit", 1, 5000),
    ...number("upstreamTimeoutMs", 100, 25000),
    ...number("port", 1024, 65535, "sessions"),
    ...number("maxHours", 1, 24, "sessions"),
    ...number("retentionDays", 1, 365, "sessions"),
    ["sessions.maxTotal 1", (q) => Object.assign(q.sessions, { maxPerUser: 1, maxTotal: 1 }), "ok"],
    ["sessions.maxTotal 90", (q) => (q.sessions.maxTotal = 90), "ok"],
    [
      "sessions.maxTotal 91",
      (q) => (q.sessions.maxTotal = 91),
      problem("quickbets.sessions.maxTotal", "must be 1 to 90"),
    ],
    [
      "sessions.maxPerUser 10 of 10",
      (q) => Object.assign(q.sessions, { maxPerUser: 10, maxTotal: 10 }),
      "ok",
    ],
    [
      "sessions.maxPerUser 11",
      (q) => Object.assign(q.sessions, { maxPerUser: 11, maxTotal: 20 }),
      problem("quickbets.sessions.maxPerUser", "must be 1 to 10"),
    ],
    [
      "sessions.maxPerUser one above maxTotal",
      (q) => Object.assign(q.sessions, { maxPerUser: 4, maxTotal: 3 }),
      problem("quickbets.sessions.maxPerUser", "is 4, more than maxTotal (3)"),
    ],
    [
      "sessions.maxPerUser equal to maxTotal",
      (q) => Object.assign(q.sessions, { maxPerUser: 3, maxTotal: 3 }),
      "ok",
    ],
    ["X86_64 sessions", (q) => (q.sessions.cpuArchitecture = "X86_64"), "ok"],
    [
      "an architecture Fargate does not name so",
      (q) => (q.sessions.cpuArchitecture = "arm64"),
      problem("quickbets.sessions.cpuArchitecture", "must be ARM64 or X86_64"),
    ],
    [
      "the most memory 256 CPU units take",
      (q) => Object.assign(q.sessions, { cpu: 256, memory: 2048 }),
      "ok",
    ],
    [
      "the least memory 512 CPU units take",
      (q) => Object.assign(q.sessions, { cpu: 512, memory: 1024 }),
      "ok",
    ],
    ["the largest session", (q) => Object.assign(q.sessions, { cpu: 4096, memory: 30720 }), "ok"],
    [
      "session CPU units given as a string",
      (q) => (q.sessions.cpu = "256"),
      problem("quickbets.sessions.cpu", "must be Fargate CPU units"),
    ],
    [
      "threat protection on the Plus plan",
      (q) => Object.assign(q, { threatProtection: true, userPoolTier: "PLUS" }),
      "ok",
    ],
    [
      "threat protection that is not a boolean",
      (q) => (q.threatProtection = "on"),
      problem("quickbets.threatProtection", "must be true or false"),
    ],
    ["series like KX.NFL_GAME-2", (q) => (q.series = ["KX.NFL_GAME-2", "9X"]), "ok"],
    [
      "a series of 65 characters",
      (q) => (q.series = [`K${"X".repeat(64)}`]),
      problem(
        "quickbets.series[0]",
        "must be a Kalshi series ticker (upper-case letters, digits, . _ -)",
      ),
    ],
    ["no websocket TLS in dev", (q) => (q.websocket = {}), "ok"],
    [
      "a websocket domain, certificate and zone",
      (q) =>
        (q.websocket = {
          domainName: "ws.quickbets.io",
          certificateArn: CERTIFICATE,
          hostedZoneId: "Z1D633PJN98FT9",
        }),
      "ok",
    ],
    [
      "a websocket certificate without a domain",
      (q) => (q.websocket = { certificateArn: CERTIFICATE }),
      problem("quickbets.websocket.domainName", together),
    ],
    [
      "a websocket zone without a domain",
      (q) => (q.websocket = { hostedZoneId: "Z1D633PJN98FT9" }),
      problem("quickbets.websocket.hostedZoneId", "needs domainName"),
    ],
  ]);

  it("names memory that does not fit the CPU, above and below", () => {
    for (const sessions of [
      { cpu: 256, memory: 4096 },
      { cpu: 512, memory: 512 },
    ]) {
      const raw = withSetting("quickbets", (q) => Object.assign(q.sessions, sessions));
      expect(
        problemsOf(raw).map((p) => p.key),
        JSON.stringify(sessions),
      ).to.deep.equal(["platform:quickbets.sessions.memory"]);
    }
  });

  it("requires only the certificate in prod, not the zone", () => {
    const prod = asProd(
      withSetting("quickbets", (q) => (q.websocket = { certificateArn: CERTIFICATE })),
    );
    expect(problemsOf(prod)).not.to.deep.include({
      key: "platform:quickbets.websocket.certificateArn",
      message: "is required in prod: prod load balancers serve TLS only",
    });
  });
});

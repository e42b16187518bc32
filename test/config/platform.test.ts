import { expect } from "chai";
import { NAT_STRATEGIES } from "../../components/network";
import { parseStackConfig, REQUIRED_TAGS, type RawConfig } from "../../config";
import { PLATFORM_PROFILE_DEFAULTS } from "../../config/platform";
import { asProd, problemsOf, validRaw, withSetting } from "../helpers/stack-config";

const CERTIFICATE = "arn:aws:acm:us-east-1:210987654321:certificate/0d6f3c1e-7a52-4b8e-9f1d";

const withRegions = (edit: (r: Record<string, any>) => void, raw?: Record<string, string>) =>
  withSetting("regions", edit, raw);

/** A valid prod config: prod's TLS settings on top of `validRaw()`. */
function validProd(): Record<string, string> {
  const tls = withSetting("quickbets", (q) => {
    q.websocket = { domainName: "ws.quickbets.io", certificateArn: CERTIFICATE };
  });
  const domain = withSetting(
    "arbees",
    (a) => Object.assign(a, { domainName: "arbees.trading.io", hostedZoneId: "Z1D633PJN98FT9" }),
    tls,
  );
  return asProd(domain);
}

/** `validRaw()` with `azs` AZs on both sides (a, b, c, ... of each region). */
function withAzs(azs: number): Record<string, string> {
  const letters = "abcdefgh".slice(0, azs).split("");
  return withRegions(
    (r) => {
      r.home.availabilityZones = letters.map((l) => `us-east-1${l}`);
      r.remote.availabilityZones = letters.map((l) => `eu-central-1${l}`);
    },
    { ...validRaw(), "platform:azs": String(azs) },
  );
}

/** Each raw config accepted, or refused with exactly these problems. */
function table(cases: [string, () => RawConfig, "ok" | { key: string; message: string }[]][]) {
  for (const [what, raw, expected] of cases) {
    it(`${expected === "ok" ? "accepts" : "refuses"} ${what}`, () => {
      if (expected === "ok") expect(() => parseStackConfig(raw())).not.to.throw();
      else expect(problemsOf(raw())).to.deep.equal(expected);
    });
  }
}

describe("platform settings", () => {
  describe("defaults, when the stack sets none", () => {
    const bare = () => {
      const raw = validRaw();
      for (const key of ["azs", "natStrategy", "logRetentionDays"]) delete raw[`platform:${key}`];
      return raw;
    };

    it("reads every default of the platform's own settings", () => {
      const config = parseStackConfig(bare());
      expect({
        azs: config.azs,
        natStrategy: config.natStrategy,
        logRetentionDays: config.logRetentionDays,
        accessLogs: config.accessLogs,
        accessLogRetentionDays: config.accessLogRetentionDays,
        reservedConcurrencyElsewhere: config.reservedConcurrencyElsewhere,
      }).to.deep.equal({
        azs: 2,
        natStrategy: "single",
        logRetentionDays: 14,
        accessLogs: false,
        accessLogRetentionDays: 90,
        reservedConcurrencyElsewhere: 0,
      });
    });

    it("turns access logs on by default in prod only", () => {
      expect(PLATFORM_PROFILE_DEFAULTS.dev.accessLogs).to.equal(false);
      expect(PLATFORM_PROFILE_DEFAULTS.prod.accessLogs).to.equal(true);
      expect(parseStackConfig(validProd()).accessLogs).to.equal(true);
      expect(parseStackConfig(validRaw()).accessLogs).to.equal(false);
      const off = { ...validProd(), "platform:accessLogs": "false" };
      expect(parseStackConfig(off).accessLogs).to.equal(false);
    });

    it("marks prod, and only prod, as isProd", () => {
      expect(parseStackConfig(validProd())).to.include({ environment: "prod", isProd: true });
      expect(parseStackConfig(validRaw())).to.include({ environment: "dev", isProd: false });
    });
  });

  describe("azs and the AZs each region lists", () => {
    table([
      ["2 AZs", () => withAzs(2), "ok"],
      ["3 AZs", () => withAzs(3), "ok"],
      ["4 AZs", () => withAzs(4), "ok"],
      ["5 AZs", () => withAzs(5), [{ key: "platform:azs", message: "must be 2 to 4" }]],
      ["1 AZ", () => withAzs(1), [{ key: "platform:azs", message: "must be 2 to 4" }]],
      [
        "a fractional azs",
        () => ({ ...validRaw(), "platform:azs": "2.5" }),
        [{ key: "platform:azs", message: "must be a whole number" }],
      ],
      [
        "azs as a word",
        () => ({ ...validRaw(), "platform:azs": "two" }),
        [{ key: "platform:azs", message: "must be a whole number" }],
      ],
      [
        "azs above the AZs listed, on both sides",
        () => ({ ...validRaw(), "platform:azs": "3" }),
        [
          {
            key: "platform:regions.home.availabilityZones",
            message: "lists 2 AZs but platform:azs is 3",
          },
          {
            key: "platform:regions.remote.availabilityZones",
            message: "lists 2 AZs but platform:azs is 3",
          },
        ],
      ],
      [
        "one more AZ than azs at home only",
        () => withRegions((r) => r.home.availabilityZones.push("us-east-1c")),
        [
          {
            key: "platform:regions.home.availabilityZones",
            message: "lists 3 AZs but platform:azs is 2",
          },
        ],
      ],
      [
        "one AZ fewer than azs remotely only",
        () => withRegions((r) => r.remote.availabilityZones.pop()),
        [
          {
            key: "platform:regions.remote.availabilityZones",
            message: "lists 1 AZs but platform:azs is 2",
          },
        ],
      ],
      [
        "an AZ listed twice, naming the second",
        () =>
          withRegions(
            (r) => (r.home.availabilityZones = ["us-east-1b", "us-east-1c", "us-east-1b"]),
            {
              ...validRaw(),
              "platform:azs": "3",
            },
          ),
        [
          {
            key: "platform:regions.home.availabilityZones[2]",
            message: "us-east-1b is listed twice",
          },
          {
            key: "platform:regions.remote.availabilityZones",
            message: "lists 2 AZs but platform:azs is 3",
          },
        ],
      ],
      [
        "an AZ of another region",
        () => withRegions((r) => (r.remote.availabilityZones = ["us-east-1a", "eu-central-1b"])),
        [
          {
            key: "platform:regions.remote.availabilityZones[0]",
            message:
              "us-east-1a is not an availability zone of eu-central-1 (expected eu-central-1a, eu-central-1b, ...)",
          },
        ],
      ],
      [
        "a region name as an AZ",
        () => withRegions((r) => (r.home.availabilityZones = ["us-east-1", "us-east-1b"])),
        [
          {
            key: "platform:regions.home.availabilityZones[0]",
            message:
              "us-east-1 is not an availability zone of us-east-1 (expected us-east-1a, us-east-1b, ...)",
          },
        ],
      ],
      [
        "an AZ with two letters",
        () => withRegions((r) => (r.home.availabilityZones = ["us-east-1a", "us-east-1bb"])),
        [
          {
            key: "platform:regions.home.availabilityZones[1]",
            message:
              "us-east-1bb is not an availability zone of us-east-1 (expected us-east-1a, us-east-1b, ...)",
          },
        ],
      ],
      [
        "an AZ with a prefix",
        () => withRegions((r) => (r.home.availabilityZones = ["xus-east-1a", "us-east-1b"])),
        [
          {
            key: "platform:regions.home.availabilityZones[0]",
            message:
              "xus-east-1a is not an availability zone of us-east-1 (expected us-east-1a, us-east-1b, ...)",
          },
        ],
      ],
      [
        "AZs that are not strings",
        () => withRegions((r) => (r.home.availabilityZones = [1, "us-east-1b"])),
        [
          {
            key: "platform:regions.home.availabilityZones[0]",
            message: "Invalid input: expected string, received number",
          },
        ],
      ],
    ]);
  });

  describe("regions", () => {
    const region = "must be an AWS region name like us-east-1";
    const remoteRegion = (name: string) =>
      withRegions((r) => {
        r.remote.region = name;
        r.remote.availabilityZones = [`${name}a`, `${name}b`];
      });
    table([
      ["us-gov-west-1", () => remoteRegion("us-gov-west-1"), "ok"],
      ["ap-southeast-2", () => remoteRegion("ap-southeast-2"), "ok"],
      ...[
        "frankfurt",
        "EU-CENTRAL-1",
        "xeu-central-1",
        "eu-central-1x",
        "eu-central-12",
        "e-central-1",
        "eu-central",
      ].map((name): [string, () => RawConfig, { key: string; message: string }[]] => [
        `the region name ${name}`,
        () => remoteRegion(name),
        [{ key: "platform:regions.remote.region", message: region }],
      ]),
      [
        "the same region on both sides",
        () => remoteRegion("us-east-1"),
        [
          {
            key: "platform:regions.remote.region",
            message: "must differ from platform:regions.home.region (us-east-1)",
          },
        ],
      ],
      [
        "a missing side",
        () => withRegions((r) => delete r.remote),
        [{ key: "platform:regions.remote", message: "is required" }],
      ],
      [
        "a missing CIDR",
        () => withRegions((r) => delete r.home.cidr),
        [{ key: "platform:regions.home.cidr", message: "is required" }],
      ],
      [
        "a side that is null",
        () => withRegions((r) => (r.home = null)),
        [
          {
            key: "platform:regions.home",
            message: "Invalid input: expected object, received null",
          },
        ],
      ],
    ]);
  });

  describe("VPC CIDRs", () => {
    const home = (cidr: string) => withRegions((r) => (r.home.cidr = cidr));
    const both = (homeCidr: string, remoteCidr: string) =>
      withRegions((r) => {
        r.home.cidr = homeCidr;
        r.remote.cidr = remoteCidr;
      });
    const problem = (message: string) => [{ key: "platform:regions.home.cidr", message }];
    const overlap = (remote: string, homeCidr: string) => [
      {
        key: "platform:regions.remote.cidr",
        message: `${remote} overlaps platform:regions.home.cidr (${homeCidr}); peered VPCs need disjoint CIDRs`,
      },
    ];
    table([
      ["a /16", () => home("10.10.0.0/16"), "ok"],
      ["a /23", () => home("10.10.0.0/23"), "ok"],
      ["172.16.0.0/16", () => home("172.16.0.0/16"), "ok"],
      ["192.168.0.0/16", () => home("192.168.0.0/16"), "ok"],
      [
        "a /15",
        () => home("10.10.0.0/15"),
        problem("10.10.0.0/15 is a /15; the VPC prefix must be /16 to /23"),
      ],
      [
        "a /24",
        () => home("10.10.0.0/24"),
        problem("10.10.0.0/24 is a /24; the VPC prefix must be /16 to /23"),
      ],
      [
        "a public /16",
        () => home("54.10.0.0/16"),
        problem("54.10.0.0/16 is not inside an RFC 1918 private range"),
      ],
      [
        "a public /24, with one problem only",
        () => home("54.10.0.0/24"),
        problem("54.10.0.0/24 is not inside an RFC 1918 private range"),
      ],
      [
        "172.32.0.0/16, just past 172.16.0.0/12",
        () => home("172.32.0.0/16"),
        problem("172.32.0.0/16 is not inside an RFC 1918 private range"),
      ],
      [
        "host bits",
        () => home("10.10.1.0/16"),
        problem('"10.10.1.0/16" has host bits set; the block starting there is 10.10.0.0/16'),
      ],
      [
        "a malformed CIDR, without an overlap check",
        () => both("10.10.0.0/16", "10.10.0"),
        [
          {
            key: "platform:regions.remote.cidr",
            message: '"10.10.0" is not an IPv4 CIDR block like 10.0.0.0/16',
          },
        ],
      ],
      ["a /16 right after home's", () => both("10.10.0.0/16", "10.11.0.0/16"), "ok"],
      ["a /16 right before home's", () => both("10.10.0.0/16", "10.9.0.0/16"), "ok"],
      ["a /23 right after home's /23", () => both("10.10.0.0/23", "10.10.2.0/23"), "ok"],
      ["a /23 right before home's /23", () => both("10.10.2.0/23", "10.10.0.0/23"), "ok"],
      [
        "a /23 at the end of home's /16",
        () => both("10.10.0.0/16", "10.10.254.0/23"),
        overlap("10.10.254.0/23", "10.10.0.0/16"),
      ],
      [
        "a /23 at the start of home's /16",
        () => both("10.10.0.0/16", "10.10.0.0/23"),
        overlap("10.10.0.0/23", "10.10.0.0/16"),
      ],
      [
        "a /16 around home's /23",
        () => both("10.10.254.0/23", "10.10.0.0/16"),
        overlap("10.10.0.0/16", "10.10.254.0/23"),
      ],
      [
        "the same CIDR twice",
        () => both("10.10.0.0/16", "10.10.0.0/16"),
        overlap("10.10.0.0/16", "10.10.0.0/16"),
      ],
    ]);
  });

  describe("scalars", () => {
    const set = (key: string, value: string) => () => ({
      ...validRaw(),
      [`platform:${key}`]: value,
    });
    table([
      // none is refused (both regions' tasks need egress): parse.test.ts holds its messages.
      ...NAT_STRATEGIES.filter((s) => s !== "none").map((s): [string, () => RawConfig, "ok"] => [
        `natStrategy ${s}`,
        set("natStrategy", s),
        "ok",
      ]),
      [
        "an unknown natStrategy",
        set("natStrategy", "perRegion"),
        [{ key: "platform:natStrategy", message: `must be one of ${NAT_STRATEGIES.join(", ")}` }],
      ],
      [
        "an unknown environment",
        set("environment", "staging"),
        [{ key: "platform:environment", message: "must be one of dev, prod" }],
      ],
      ["accessLogRetentionDays 1", set("accessLogRetentionDays", "1"), "ok"],
      ["accessLogRetentionDays 3650", set("accessLogRetentionDays", "3650"), "ok"],
      [
        "accessLogRetentionDays 3651",
        set("accessLogRetentionDays", "3651"),
        [{ key: "platform:accessLogRetentionDays", message: "must be 1 to 3650" }],
      ],
      [
        "accessLogs that is not a boolean",
        set("accessLogs", "yes"),
        [{ key: "platform:accessLogs", message: "must be true or false" }],
      ],
      ["reservedConcurrencyElsewhere 0", set("reservedConcurrencyElsewhere", "0"), "ok"],
      [
        "reservedConcurrencyElsewhere -1",
        set("reservedConcurrencyElsewhere", "-1"),
        [{ key: "platform:reservedConcurrencyElsewhere", message: "must be 0 or more" }],
      ],
      [
        "a fractional reservedConcurrencyElsewhere",
        set("reservedConcurrencyElsewhere", "1.5"),
        [{ key: "platform:reservedConcurrencyElsewhere", message: "must be a whole number" }],
      ],
      [
        "reservedConcurrencyElsewhere as a word",
        set("reservedConcurrencyElsewhere", "many"),
        [{ key: "platform:reservedConcurrencyElsewhere", message: "must be a whole number" }],
      ],
      [
        "logRetentionDays as a word",
        set("logRetentionDays", "forever"),
        [{ key: "platform:logRetentionDays", message: "must be a number of days" }],
      ],
    ]);

    it("reads the values the stack sets", () => {
      const raw = {
        ...withAzs(3),
        "platform:natStrategy": "perAz",
        "platform:logRetentionDays": "30",
        "platform:accessLogRetentionDays": "365",
        "platform:reservedConcurrencyElsewhere": "100",
      };
      expect(parseStackConfig(raw)).to.include({
        azs: 3,
        natStrategy: "perAz",
        logRetentionDays: 30,
        accessLogRetentionDays: 365,
        reservedConcurrencyElsewhere: 100,
      });
    });
  });

  describe("aws: settings", () => {
    const tags = (t: Record<string, string>) => JSON.stringify({ tags: t });
    const all = { project: "platform", environment: "dev", "managed-by": "pulumi" };
    table([
      [
        "no aws:region",
        () => {
          const raw = validRaw();
          delete raw["aws:region"];
          return raw;
        },
        "ok",
      ],
      [
        "aws:region other than the home region",
        () => ({ ...validRaw(), "aws:region": "eu-central-1" }),
        [
          {
            key: "aws:region",
            message:
              "is eu-central-1 but platform:regions.home.region is us-east-1; they must match",
          },
        ],
      ],
      [
        "extra tags",
        () => ({ ...validRaw(), "aws:defaultTags": tags({ ...all, team: "x" }) }),
        "ok",
      ],
      ...REQUIRED_TAGS.map((tag): [string, () => RawConfig, { key: string; message: string }[]] => [
        `the ${tag} tag missing`,
        () => {
          const some: Record<string, string> = { ...all };
          delete some[tag];
          return { ...validRaw(), "aws:defaultTags": tags(some) };
        },
        [{ key: `aws:defaultTags.tags.${tag}`, message: "is required" }],
      ]),
      [
        "an empty project tag",
        () => ({ ...validRaw(), "aws:defaultTags": tags({ ...all, project: "" }) }),
        [{ key: "aws:defaultTags.tags.project", message: "is required" }],
      ],
      [
        "no aws:defaultTags",
        () => {
          const raw = validRaw();
          delete raw["aws:defaultTags"];
          return raw;
        },
        [{ key: "aws:defaultTags", message: "is required" }],
      ],
      [
        "aws:defaultTags that is not an object",
        () => ({ ...validRaw(), "aws:defaultTags": "project=platform" }),
        [{ key: "aws:defaultTags", message: "Invalid input: expected object, received string" }],
      ],
      [
        "an environment tag other than platform:environment",
        () => ({ ...validRaw(), "aws:defaultTags": tags({ ...all, environment: "prod" }) }),
        [
          {
            key: "aws:defaultTags.tags.environment",
            message: "is prod but platform:environment is dev",
          },
        ],
      ],
      [
        "an invalid platform: setting, without comparing aws: settings to it",
        () => ({
          ...validRaw(),
          "platform:environment": "staging",
          "aws:region": "eu-central-1",
          "aws:defaultTags": tags({ ...all, environment: "prod" }),
        }),
        [{ key: "platform:environment", message: "must be one of dev, prod" }],
      ],
    ]);
  });
});

import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { z } from "zod";
import {
  configKey,
  natStrategyOf,
  loadConfig,
  parseStackConfig,
  platformSchema,
  SECRET_DESCRIPTIONS,
  SECRET_SETTINGS,
  type RawConfig,
} from "../../config";
import { loadStackFiles } from "../../engine/stack-files";
import { problemsOf, validRaw, withSetting } from "../helpers/stack-config";

const root = path.resolve(__dirname, "..", "..");

const withRegions = (edit: (r: Record<string, any>) => void) => withSetting("regions", edit);

describe("stack config", () => {
  it("accepts a valid config and returns a typed, frozen object", () => {
    const config = parseStackConfig(validRaw());
    expect(config.environment).to.equal("dev");
    expect(config.azs).to.equal(2);
    expect(config.natStrategy).to.equal("single");
    expect(config.regions.remote.cidr).to.equal("10.20.0.0/16");
    expect(config.defaultTags).to.deep.equal({
      project: "platform",
      environment: "dev",
      "managed-by": "pulumi",
    });
    expect(config.isProd).to.be.false;
    expect(Object.isFrozen(config)).to.be.true;
    expect(Object.isFrozen(config.regions.home.availabilityZones)).to.be.true;
  });

  it("shares one database instance in dev and not in prod, unless the stack says otherwise", () => {
    const of = (stack: string, extra: Record<string, string> = {}) => {
      const files = loadStackFiles(root, stack);
      return parseStackConfig({ ...files.config, ...extra }, files.secretKeys).sharedDatabase;
    };
    expect(of("dev")).to.equal(true);
    expect(of("prod")).to.equal(false);
    expect(of("dev", { "platform:sharedDatabase": "false" })).to.equal(false);
    expect(of("prod", { "platform:sharedDatabase": "true" })).to.equal(true);
  });

  it("turns Container Insights on in prod and off in dev, unless the stack says otherwise", () => {
    const of = (stack: string, extra: Record<string, string> = {}) => {
      const files = loadStackFiles(root, stack);
      return parseStackConfig({ ...files.config, ...extra }, files.secretKeys).containerInsights;
    };
    expect([of("prod"), of("dev")]).to.deep.equal([true, false]);
    expect(of("prod", { "platform:containerInsights": "false" })).to.equal(false);
    expect(of("dev", { "platform:containerInsights": "true" })).to.equal(true);
    expect(problemsOf({ ...validRaw(), "platform:containerInsights": "sometimes" })).to.deep.equal([
      { key: "platform:containerInsights", message: "must be true or false" },
    ]);
  });

  it("turns access logs on in prod and off in dev, unless the stack says otherwise", () => {
    const of = (stack: string, extra: Record<string, string> = {}) => {
      const files = loadStackFiles(root, stack);
      return parseStackConfig({ ...files.config, ...extra }, files.secretKeys);
    };
    expect(of("prod")).to.include({ accessLogs: true, accessLogRetentionDays: 90 });
    expect(of("dev")).to.include({ accessLogs: false });
    expect(of("prod", { "platform:accessLogs": "false" }).accessLogs).to.equal(false);
    expect(of("dev", { "platform:accessLogs": "true" }).accessLogs).to.equal(true);
    expect(problemsOf({ ...validRaw(), "platform:accessLogRetentionDays": "0" })).to.deep.equal([
      { key: "platform:accessLogRetentionDays", message: "must be 1 to 3650" },
    ]);
  });

  it("lets a region override platform:natStrategy", () => {
    const config = parseStackConfig(withRegions((r) => (r.remote.natStrategy = "instance")));
    expect(config.natStrategy).to.equal("single");
    expect([natStrategyOf(config, "home"), natStrategyOf(config, "remote")]).to.deep.equal([
      "single",
      "instance",
    ]);
    const of = (stack: string) => {
      const files = loadStackFiles(root, stack);
      const c = parseStackConfig(files.config, files.secretKeys);
      return [natStrategyOf(c, "home"), natStrategyOf(c, "remote")];
    };
    expect(of("dev")).to.deep.equal(["instance", "instance"]);
    expect(of("prod")).to.deep.equal(["perAz", "single"]);
  });

  it("shares one load balancer per region in both profiles, unless the stack says otherwise", () => {
    const of = (stack: string, extra: Record<string, string> = {}) => {
      const files = loadStackFiles(root, stack);
      return parseStackConfig({ ...files.config, ...extra }, files.secretKeys);
    };
    expect(of("dev").sharedLoadBalancer).to.equal(true);
    expect(of("prod").sharedLoadBalancer).to.equal(true);
    expect(of("prod", { "platform:sharedLoadBalancer": "false" }).sharedLoadBalancer).to.equal(
      false,
    );
    expect(problemsOf({ ...validRaw(), "platform:sharedLoadBalancer": "yes" })).to.deep.equal([
      { key: "platform:sharedLoadBalancer", message: "must be true or false" },
    ]);
  });

  it("fills the defaults Pulumi.yaml declares when a setting is absent", () => {
    const raw = validRaw();
    delete raw["platform:natStrategy"];
    delete raw["platform:logRetentionDays"];
    const config = parseStackConfig(raw);
    expect(config.natStrategy).to.equal("single");
    expect(config.logRetentionDays).to.equal(14);
  });

  const bad: { what: string; raw: () => RawConfig; key: string; message: RegExp }[] = [
    {
      what: "a typo in a top-level key",
      raw: () => {
        const raw = validRaw();
        raw["platform:natStrategey"] = raw["platform:natStrategy"]!;
        return raw;
      },
      key: "platform:natStrategey",
      message: /unknown setting; did you mean platform:natStrategy\?/,
    },
    {
      what: "a typo in a nested key",
      raw: () => withRegions((r) => (r.remote.cidrs = "10.30.0.0/16")),
      key: "platform:regions.remote.cidrs",
      message: /unknown setting; did you mean platform:regions.remote.cidr\?/,
    },
    {
      what: "a CIDR that is not one",
      raw: () => withRegions((r) => (r.remote.cidr = "10.20.0/16")),
      key: "platform:regions.remote.cidr",
      message: /not an IPv4 CIDR block/,
    },
    {
      what: "a CIDR prefix too large for the layout",
      raw: () => withRegions((r) => (r.home.cidr = "10.10.0.0/24")),
      key: "platform:regions.home.cidr",
      message: /VPC prefix must be \/16 to \/23/,
    },
    {
      what: "a CIDR with host bits set",
      raw: () => withRegions((r) => (r.home.cidr = "10.10.1.0/16")),
      key: "platform:regions.home.cidr",
      message: /host bits set/,
    },
    {
      what: "a public CIDR",
      raw: () => withRegions((r) => (r.home.cidr = "54.10.0.0/16")),
      key: "platform:regions.home.cidr",
      message: /not inside an RFC 1918 private range/,
    },
    {
      what: "overlapping CIDRs",
      raw: () => withRegions((r) => (r.remote.cidr = "10.10.128.0/17")),
      key: "platform:regions.remote.cidr",
      message: /overlaps platform:regions.home.cidr \(10.10.0.0\/16\)/,
    },
    {
      what: "an AZ of the wrong region",
      raw: () => withRegions((r) => (r.remote.availabilityZones = ["eu-central-1a", "us-east-1b"])),
      key: "platform:regions.remote.availabilityZones[1]",
      message: /us-east-1b is not an availability zone of eu-central-1/,
    },
    {
      what: "fewer AZs than azs",
      raw: () => withRegions((r) => (r.home.availabilityZones = ["us-east-1a"])),
      key: "platform:regions.home.availabilityZones",
      message: /lists 1 AZs but platform:azs is 2/,
    },
    {
      what: "an AZ listed twice",
      raw: () => withRegions((r) => (r.home.availabilityZones = ["us-east-1a", "us-east-1a"])),
      key: "platform:regions.home.availabilityZones[1]",
      message: /listed twice/,
    },
    {
      what: "an unknown NAT strategy",
      raw: () => ({ ...validRaw(), "platform:natStrategy": "perRegion" }),
      key: "platform:natStrategy",
      message: /must be one of none, single, perAz/,
    },
    {
      what: "an unknown NAT strategy for one region",
      raw: () => withRegions((r) => (r.remote.natStrategy = "nat-instance")),
      key: "platform:regions.remote.natStrategy",
      message: /must be one of none, single, perAz, instance/,
    },
    {
      what: "no NAT in either region",
      raw: () => ({ ...validRaw(), "platform:natStrategy": "none" }),
      key: "platform:natStrategy",
      message: /none leaves the home region's private subnets without internet egress/,
    },
    {
      what: "no NAT in the remote region",
      raw: () => withRegions((r) => (r.remote.natStrategy = "none")),
      key: "platform:regions.remote.natStrategy",
      message: /none leaves the remote region's private subnets without internet egress/,
    },
    {
      what: "an unknown environment",
      raw: () => ({ ...validRaw(), "platform:environment": "production" }),
      key: "platform:environment",
      message: /must be one of dev, prod/,
    },
    {
      what: "a missing environment",
      raw: () => {
        const raw = validRaw();
        delete raw["platform:environment"];
        return raw;
      },
      key: "platform:environment",
      message: /is required/,
    },
    {
      what: "azs out of range",
      raw: () => ({ ...validRaw(), "platform:azs": "5" }),
      key: "platform:azs",
      message: /must be 2 to 4/,
    },
    {
      what: "a retention CloudWatch does not offer",
      raw: () => ({ ...validRaw(), "platform:logRetentionDays": "10" }),
      key: "platform:logRetentionDays",
      message: /must be a CloudWatch Logs retention: 1, 3, 5, 7, 14/,
    },
    {
      what: "the same region twice",
      raw: () =>
        withRegions((r) => {
          r.remote.region = "us-east-1";
          r.remote.availabilityZones = ["us-east-1c", "us-east-1d"];
        }),
      key: "platform:regions.remote.region",
      message: /must differ from platform:regions.home.region/,
    },
    {
      what: "a region name that is not one",
      raw: () => withRegions((r) => (r.remote.region = "frankfurt")),
      key: "platform:regions.remote.region",
      message: /must be an AWS region name like us-east-1/,
    },
    {
      what: "aws:region not the home region",
      raw: () => ({ ...validRaw(), "aws:region": "eu-west-1" }),
      key: "aws:region",
      message: /is eu-west-1 but platform:regions.home.region is us-east-1/,
    },
    {
      what: "a required default tag missing",
      raw: () => ({
        ...validRaw(),
        "aws:defaultTags": JSON.stringify({ tags: { project: "platform", environment: "dev" } }),
      }),
      key: "aws:defaultTags.tags.managed-by",
      message: /is required/,
    },
    {
      what: "an environment tag that disagrees",
      raw: () => ({
        ...validRaw(),
        "aws:defaultTags": JSON.stringify({
          tags: { project: "platform", environment: "prod", "managed-by": "pulumi" },
        }),
      }),
      key: "aws:defaultTags.tags.environment",
      message: /is prod but platform:environment is dev/,
    },
    {
      what: "regions missing",
      raw: () => {
        const raw = validRaw();
        delete raw["platform:regions"];
        return raw;
      },
      key: "platform:regions",
      message: /is required/,
    },
  ];

  for (const c of bad) {
    it(`rejects ${c.what}, naming ${c.key}`, () => {
      const problems = problemsOf(c.raw());
      const problem = problems.find((p) => p.key === c.key);
      expect(problem, `problems: ${JSON.stringify(problems)}`).to.exist;
      expect(problem!.message).to.match(c.message);
    });
  }

  it("lists every problem at once, each with its key", () => {
    const raw = withRegions((r) => {
      r.remote.cidr = "10.10.0.0/16";
      r.remote.availabilityZones = ["eu-central-1a", "us-east-1b"];
    });
    raw["platform:natStrategey"] = "single";
    const problems = problemsOf(raw);
    expect(problems.map((p) => p.key)).to.have.members([
      "platform:regions.remote.cidr",
      "platform:regions.remote.availabilityZones[1]",
      "platform:natStrategey",
    ]);
    expect(() => parseStackConfig(raw)).to.throw(
      /^Invalid stack configuration \(3 problems\):\n  - platform:/,
    );
  });

  const hints: [string, (raw: Record<string, string>) => Record<string, string>, string][] = [
    [
      "inside a settings object with a default",
      () => withSetting("fredJobs", (f) => (f.rateLimt = 1)),
      "platform:fredJobs.rateLimt: unknown setting; did you mean platform:fredJobs.rateLimit?",
    ],
    [
      "inside a settings object prefaulted with {}",
      () => withSetting("financeApi", (f) => (f.apDir = "app")),
      "platform:financeApi.apDir: unknown setting; did you mean platform:financeApi.appDir?",
    ],
    [
      "two levels down, under a default",
      () => withSetting("quickbets", (q) => (q.websocket = { domainNme: "ws.quickbets.io" })),
      "platform:quickbets.websocket.domainNme: unknown setting; did you mean platform:quickbets.websocket.domainName?",
    ],
    [
      "inside an optional settings object",
      () =>
        withSetting(
          "arbees",
          (a) => (a.taskSizes = { api: { cpu: 256, memory: 512, memroy: 1024 } }),
        ),
      "platform:arbees.taskSizes.api.memroy: unknown setting; did you mean platform:arbees.taskSizes.api.memory?",
    ],
    [
      "with nothing near it",
      () => withSetting("arbees", (a) => (a.vpn.zzzzzzzz = "x")),
      "platform:arbees.vpn.zzzzzzzz: unknown setting",
    ],
  ];
  for (const [where, raw, problem] of hints) {
    it(`hints at the setting meant for a misspelled key ${where}`, () => {
      expect(problemsOf(raw(validRaw())).map((p) => `${p.key}: ${p.message}`)).to.deep.equal([
        problem,
      ]);
    });
  }

  describe("secrets", () => {
    it("refuses a declared secret stored in plaintext, saying how to store it", () => {
      const problems = problemsOf({ ...validRaw(), "platform:schwabAppKey": "abc123" });
      expect(problems).to.deep.include({
        key: "platform:schwabAppKey",
        message:
          "is stored in plaintext; set it with `pulumi config set --secret schwabAppKey <value>`",
      });
      expect(JSON.stringify(problems)).not.to.include("abc123");
    });

    it("accepts declared secrets stored as secrets, and keeps them out of the config object", () => {
      const raw = { ...validRaw(), "platform:supabaseServiceKey": "offline-secret:x" };
      const config = parseStackConfig(raw, ["platform:supabaseServiceKey"]);
      expect(JSON.stringify(config)).not.to.include("offline-secret");
    });

    it("suggests the declared secret for a misspelled one", () => {
      const raw = { ...validRaw(), "platform:schwabAppKye": "offline-secret:x" };
      expect(problemsOf(raw, ["platform:schwabAppKye"])).to.deep.include({
        key: "platform:schwabAppKye",
        message: "unknown secret setting; did you mean platform:schwabAppKey?",
      });
    });

    it("are declared in Pulumi.yaml as secret strings without defaults", () => {
      const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as {
        config: Record<string, Record<string, unknown>>;
      };
      for (const name of SECRET_SETTINGS) {
        expect(project.config[name], name).to.deep.include({ type: "string", secret: true });
        expect(project.config[name], name).not.to.have.property("default");
      }
    });

    it("are described in Pulumi.yaml as the workload that reads them declares", () => {
      const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as {
        config: Record<string, { description?: string }>;
      };
      expect(SECRET_SETTINGS).to.include.members(["schwabAppKey", "financeMongodbUrl"]);
      for (const name of SECRET_SETTINGS) {
        expect(project.config[name]?.description, name).to.equal(SECRET_DESCRIPTIONS[name]);
      }
    });
  });

  it("refuses a secret value for a setting that is not a declared secret", () => {
    const raw = { ...validRaw(), "platform:apiKey": "offline-secret:platform:apiKey" };
    const problems = problemsOf(raw, ["platform:apiKey"]);
    expect(problems).to.deep.include({ key: "platform:apiKey", message: "unknown secret setting" });
    expect(SECRET_SETTINGS).not.to.include("apiKey");
  });

  it("loads the runtime's config once: later calls return the same frozen object", () => {
    const saved = pulumi.runtime.allConfig();
    pulumi.runtime.setAllConfig(validRaw(), []);
    const first = loadConfig();
    pulumi.runtime.setAllConfig({}, []);
    const second = loadConfig();
    pulumi.runtime.setAllConfig(saved, []);
    expect(second).to.equal(first);
    expect(Object.isFrozen(first)).to.be.true;
  });

  it("formats zod paths as config keys", () => {
    expect(configKey("platform", ["regions", "home", "availabilityZones", 1])).to.equal(
      "platform:regions.home.availabilityZones[1]",
    );
    expect(configKey("platform", ["azs"])).to.equal("platform:azs");
  });

  it("accepts both stack files", () => {
    for (const stack of ["dev", "prod"]) {
      const files = loadStackFiles(root, stack);
      const config = parseStackConfig(files.config, files.secretKeys);
      expect(config.environment).to.equal(stack);
    }
  });

  describe("Pulumi.yaml", () => {
    const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as {
      name: string;
      config: Record<string, { type: string; default?: unknown; description?: string }>;
    };
    const shape = platformSchema.shape;

    it("declares only the types Pulumi's project schema allows", () => {
      for (const [key, decl] of Object.entries(project.config)) {
        expect(["string", "integer", "boolean", "array"], key).to.include(decl.type);
        expect(
          Object.keys(decl).every((k) =>
            ["type", "items", "description", "secret", "default"].includes(k),
          ),
          key,
        ).to.be.true;
      }
    });

    it("declares every scalar setting of the schema, with the schema's type and default", () => {
      const scalars = Object.entries(shape).filter(([, schema]) => {
        let inner: z.ZodType = schema;
        while (
          inner instanceof z.ZodDefault ||
          inner instanceof z.ZodOptional ||
          inner instanceof z.ZodPrefault
        ) {
          inner = inner.def.innerType as z.ZodType;
        }
        return !(inner instanceof z.ZodObject);
      });
      const declared = Object.keys(project.config).filter(
        (k) => !(SECRET_SETTINGS as readonly string[]).includes(k),
      );
      expect(declared.sort()).to.deep.equal(scalars.map(([k]) => k).sort());
      for (const [key, schema] of scalars) {
        const decl = project.config[key]!;
        const isDefault = schema instanceof z.ZodDefault;
        const inner = isDefault || schema instanceof z.ZodOptional ? schema.def.innerType : schema;
        expect(decl.type, key).to.equal(
          inner instanceof z.ZodNumber
            ? "integer"
            : inner instanceof z.ZodBoolean
              ? "boolean"
              : "string",
        );
        const schemaDefault = isDefault ? (schema.parse(undefined) as unknown) : undefined;
        expect(decl.default, key).to.deep.equal(schemaDefault);
        expect(decl.description, key).to.equal(schema.description);
      }
    });
  });
});

describe("stack config: every key is known", () => {
  const namespaces: [string, string][] = [
    ["platfrom:azs", 'unknown namespace "platfrom"; did you mean platform:azs?'],
    ["platfom:regions", 'unknown namespace "platfom"; did you mean platform:regions?'],
    [
      "pulumni:disable-default-providers",
      'unknown namespace "pulumni"; did you mean pulumi:disable-default-providers?',
    ],
    ["mycompany:owner", 'unknown namespace "mycompany"'],
    ["platform", 'unknown namespace ""'],
  ];
  for (const [key, message] of namespaces) {
    it(`refuses ${key}: ${message}`, () => {
      expect(problemsOf({ ...validRaw(), [key]: "3" })).to.deep.equal([{ key, message }]);
    });
  }

  it("accepts the namespaces of Pulumi and the providers the program uses", () => {
    const raw = { ...validRaw(), "aws:skipMetadataApiCheck": "false", "pulumi:tags": "{}" };
    expect(() => parseStackConfig(raw)).not.to.throw();
  });

  it("refuses an unknown key in aws:defaultTags, beside the tags", () => {
    const raw = validRaw();
    const tags = JSON.parse(raw["aws:defaultTags"]!) as Record<string, unknown>;
    raw["aws:defaultTags"] = JSON.stringify({ ...tags, tagz: { team: "x" } });
    expect(problemsOf(raw)).to.deep.include({
      key: "aws:defaultTags.tagz",
      message: "unknown setting",
    });
  });

  /** Every object inside `value`, as a path from it (arrays included). */
  function objectPaths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
    if (Array.isArray(value)) return value.flatMap((item, i) => objectPaths(item, [...at, i]));
    if (value === null || typeof value !== "object") return [];
    return [at, ...Object.entries(value).flatMap(([key, item]) => objectPaths(item, [...at, key]))];
  }

  for (const stack of ["dev", "prod"]) {
    it(`refuses an unknown key at every level of every structured setting of ${stack}`, () => {
      const files = loadStackFiles(root, stack);
      let checked = 0;
      for (const [key, text] of Object.entries(files.config)) {
        if (!key.startsWith("platform:") || !text.startsWith("{")) continue;
        for (const at of objectPaths(JSON.parse(text))) {
          const value = JSON.parse(text) as Record<string, unknown>;
          const target = at.reduce<any>((node, part) => node[part], value);
          target.bogusSetting = 1;
          const problems = problemsOf(
            { ...files.config, [key]: JSON.stringify(value) },
            files.secretKeys,
          );
          const name = key.slice("platform:".length);
          expect(
            problems.map((p) => p.key),
            `${key} at ${at.join(".")}`,
          ).to.deep.equal([configKey("platform", [name, ...at, "bogusSetting"])]);
          expect(problems[0]!.message).to.match(/^unknown setting/);
          checked++;
        }
      }
      expect(checked).to.be.greaterThan(stack === "prod" ? 8 : 5);
    });
  }
});

import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, readSecret, type SecretSetting } from "../../config";
import { secretConfigKeys } from "../../config/secrets";

/** What an Output holds and whether it is secret (Outputs keep both as internal promises). */
async function unwrap(output: pulumi.Output<string>): Promise<{ value: string; secret: boolean }> {
  const internal = output as unknown as { promise(): Promise<string>; isSecret: Promise<boolean> };
  return { value: await internal.promise(), secret: await internal.isSecret };
}

describe("config secrets", () => {
  let saved: Record<string, string>;
  beforeEach(() => (saved = pulumi.runtime.allConfig()));
  afterEach(() => pulumi.runtime.setAllConfig(saved, []));

  it("reads a declared secret as a secret Output", async () => {
    pulumi.runtime.setAllConfig({ "platform:schwabAppKey": "key-1" }, ["platform:schwabAppKey"]);
    expect(await unwrap(readSecret("schwabAppKey"))).to.deep.equal({
      value: "key-1",
      secret: true,
    });
  });

  it("names the key and how to set it when the secret is missing", () => {
    pulumi.runtime.setAllConfig({ "platform:azs": "2" }, []);
    expect(() => readSecret("schwabAppKey"))
      .to.throw(ConfigError)
      .with.property("problems")
      .that.deep.equals([
        {
          key: "platform:schwabAppKey",
          message: "is required; set it with `pulumi config set --secret schwabAppKey <value>`",
        },
      ]);
  });

  it("refuses a name no workload declares", () => {
    pulumi.runtime.setAllConfig({ "platform:apiKey": "x" }, ["platform:apiKey"]);
    expect(() => readSecret("apiKey" as SecretSetting)).to.throw(
      Error,
      /^platform:apiKey is not a declared secret setting$/,
    );
  });

  it("lists the keys stored as secrets, and only those", () => {
    pulumi.runtime.setAllConfig(
      { "platform:schwabAppKey": "k", "platform:azs": "2", "aws:region": "us-east-1" },
      ["platform:schwabAppKey"],
    );
    expect(secretConfigKeys()).to.deep.equal(["platform:schwabAppKey"]);
  });

  describe("with an SDK that no longer exposes runtime.isConfigSecret", () => {
    const runtime = pulumi.runtime as { isConfigSecret?: unknown };
    const real = runtime.isConfigSecret;
    beforeEach(() => delete runtime.isConfigSecret);
    afterEach(() => (runtime.isConfigSecret = real));

    it("says where to update rather than listing no secrets", () => {
      pulumi.runtime.setAllConfig({ "platform:schwabAppKey": "k" }, ["platform:schwabAppKey"]);
      expect(() => secretConfigKeys()).to.throw(
        Error,
        /^@pulumi\/pulumi no longer exposes runtime\.isConfigSecret; update config\/secrets\.ts$/,
      );
    });
  });
});

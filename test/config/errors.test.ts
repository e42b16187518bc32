import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { closest, ConfigError, configKey } from "../../config";

describe("config errors", () => {
  describe("ConfigError", () => {
    it("counts one problem in the singular and lists it with its key", () => {
      const err = new ConfigError([{ key: "platform:azs", message: "must be 2 to 4" }]);
      expect(err.message).to.equal(
        "Invalid stack configuration (1 problem):\n  - platform:azs: must be 2 to 4",
      );
      expect(err.name).to.equal("ConfigError");
      expect(err).to.be.instanceOf(pulumi.RunError);
      expect(err.problems).to.deep.equal([{ key: "platform:azs", message: "must be 2 to 4" }]);
    });

    it("counts several problems in the plural, one line each in order", () => {
      const err = new ConfigError([
        { key: "platform:azs", message: "must be 2 to 4" },
        { key: "aws:region", message: "is required" },
      ]);
      expect(err.message).to.equal(
        "Invalid stack configuration (2 problems):\n" +
          "  - platform:azs: must be 2 to 4\n" +
          "  - aws:region: is required",
      );
    });
  });

  describe("configKey", () => {
    const cases: [string, PropertyKey[], string][] = [
      ["platform", [], "platform:"],
      ["platform", ["azs"], "platform:azs"],
      ["platform", ["regions", "home", "cidr"], "platform:regions.home.cidr"],
      [
        "platform",
        ["regions", "home", "availabilityZones", 1],
        "platform:regions.home.availabilityZones[1]",
      ],
      ["platform", ["quickbets", "series", 0, "x"], "platform:quickbets.series[0].x"],
      ["aws", ["defaultTags", "tags", "managed-by"], "aws:defaultTags.tags.managed-by"],
      ["platform", [0], "platform:[0]"],
    ];
    for (const [namespace, path, key] of cases) {
      it(`${JSON.stringify(path)} in ${namespace} is ${key}`, () =>
        expect(configKey(namespace, path)).to.equal(key));
    }
  });

  describe("closest", () => {
    // The hint is given up to max(2, floor(length / 3)) edits away.
    const cases: [string, string[], string | undefined][] = [
      ["natStrategey", ["azs", "natStrategy", "regions"], "natStrategy"],
      ["NATSTRATEGY", ["natStrategy"], "natStrategy"],
      ["abc", ["abd"], "abd"],
      ["ab", ["xy"], "xy"], // 2 substitutions: the floor of 2 applies to short keys
      ["abc", ["xyz"], undefined], // 3 > max(2, 1)
      ["abcdefghi", ["abcdefxyz"], "abcdefxyz"], // 3 substitutions, threshold 9 / 3 = 3
      ["abcdefghi", ["abcdewxyz"], undefined], // 4 > 3
      ["abcdefghijkl", ["abcdefgh"], "abcdefgh"], // 4 deletions, threshold 12 / 3 = 4
      ["abcdefghijkl", ["abcdefg"], undefined], // 5 deletions
      ["abcdef", ["abcdefgh"], "abcdefgh"], // 2 insertions
      ["abcdef", ["abcdefghi"], undefined], // 3 insertions > max(2, 2)
      ["abcdefghijklmno", ["bacdefghijklmno"], "bacdefghijklmno"], // a swap: 2 edits
      ["regions", [], undefined],
      ["", ["aws"], undefined],
      ["", ["ab"], "ab"],
      ["cost", ["cosy", "cost", "coat"], "cost"], // the nearest wins over earlier ones
      ["abcd", ["abxx", "abyy"], "abxx"], // a tie: the first listed wins
    ];
    for (const [key, candidates, expected] of cases) {
      it(`${JSON.stringify(key)} among ${JSON.stringify(candidates)}: ${String(expected)}`, () =>
        expect(closest(key, candidates)).to.equal(expected));
    }
  });
});

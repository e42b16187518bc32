import { expect } from "chai";
import {
  EnvError,
  envLoader,
  integer,
  optionalString,
  requiredList,
  requiredString,
  url,
} from "../../../functions/shared/env";
import { withEnv } from "../helpers/api";

describe("shared env", () => {
  it("requiredString trims and names a missing variable", () => {
    expect(requiredString({ A: " x " }, "A")).to.equal("x");
    expect(() => requiredString({}, "A")).to.throw(EnvError, "environment variable A is not set");
    expect(() => requiredString({ A: "  " }, "A")).to.throw(EnvError, "A is not set");
    expect(optionalString({ A: " " }, "A")).to.equal(undefined);
  });

  it("requiredList splits commas and drops blanks", () => {
    expect(requiredList({ L: "a, b,,c " }, "L")).to.deep.equal(["a", "b", "c"]);
    expect(() => requiredList({ L: " , " }, "L")).to.throw(EnvError, "L lists no values");
  });

  const integers: [string | undefined, number | undefined, number | RegExp][] = [
    ["5", undefined, 5],
    [undefined, 7, 7],
    [undefined, undefined, /N is not set/],
    ["1.5", undefined, /N must be an integer, got "1.5"/],
    ["abc", undefined, /N must be an integer/],
    ["0", undefined, /N must be between 1 and 10, got 0/],
    ["11", 3, /between 1 and 10/],
  ];
  for (const [raw, fallback, expected] of integers) {
    it(`integer(${String(raw)}, fallback ${String(fallback)})`, () => {
      const read = (): number =>
        integer({ N: raw }, "N", {
          min: 1,
          max: 10,
          ...(fallback === undefined ? {} : { fallback }),
        });
      if (typeof expected === "number") expect(read()).to.equal(expected);
      else expect(read).to.throw(EnvError, expected);
    });
  }

  const urls: [string, string[], string | RegExp][] = [
    ["https://api.elections.kalshi.com", ["https:"], "https://api.elections.kalshi.com"],
    ["https://x.example.com/", ["https:"], "https://x.example.com"],
    ["wss://ws.example.com", ["wss:", "ws:"], "wss://ws.example.com"],
    ["ftp://x", ["https:"], /U must use https:, got "ftp:"/],
    ["not a url", ["https:"], /U must be an absolute URL/],
    ["https://x?y=1", ["https:"], /must not carry a query/],
  ];
  for (const [raw, protocols, expected] of urls) {
    it(`url(${raw})`, () => {
      if (typeof expected === "string") expect(url({ U: raw }, "U", protocols)).to.equal(expected);
      else expect(() => url({ U: raw }, "U", protocols)).to.throw(EnvError, expected);
    });
  }

  it("envLoader parses once until a watched variable changes", () => {
    let parses = 0;
    const restore = withEnv({ QB_TEST_A: "1" });
    try {
      const load = envLoader(["QB_TEST_A"], (env) => {
        parses++;
        return requiredString(env, "QB_TEST_A");
      });
      expect(load()).to.equal("1");
      expect(load()).to.equal("1");
      expect(parses).to.equal(1);
      process.env.QB_TEST_A = "2";
      expect(load()).to.equal("2");
      expect(parses).to.equal(2);
      delete process.env.QB_TEST_A;
      expect(load).to.throw(EnvError, "QB_TEST_A is not set");
    } finally {
      restore();
    }
  });
});

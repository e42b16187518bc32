import { expect } from "chai";
import {
  envContract,
  EnvError,
  envLoader,
  functionEnvironment,
  integer,
  optionalString,
  requiredList,
  requiredString,
  url,
  type Env,
} from "../../../functions/shared/env";
import { withEnv } from "../helpers/api";

describe("shared env", () => {
  it("requiredString trims and names a missing variable", () => {
    expect(requiredString({ A: " x " }, "A")).to.equal("x");
    const unset: Env<"A"> = {};
    expect(() => requiredString(unset, "A")).to.throw(
      EnvError,
      "environment variable A is not set",
    );
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
      const load = envLoader(envContract({ QB_TEST_A: "required" }), (env) => {
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

  describe("contracts", () => {
    const host = envContract({ NODE_OPTIONS: "required" });
    const contract = envContract({ TABLE: "required", TIMEOUT_MS: "optional" }, host);

    it("a contract's variables are its host's and its own", () => {
      expect(contract.host).to.deep.equal({ NODE_OPTIONS: "required" });
      expect(contract.own).to.deep.equal({ TABLE: "required", TIMEOUT_MS: "optional" });
      expect(Object.keys(contract.variables)).to.deep.equal([
        "NODE_OPTIONS",
        "TABLE",
        "TIMEOUT_MS",
      ]);
    });

    it("refuses a variable its host already sets", () => {
      // @ts-expect-error NODE_OPTIONS is the host's
      expect(() => envContract({ NODE_OPTIONS: "optional" }, host)).to.throw(
        "NODE_OPTIONS already set by the host",
      );
    });

    it("functionEnvironment takes the own variables, leaving out unset optional ones", () => {
      expect(functionEnvironment(contract, { TABLE: "t", TIMEOUT_MS: undefined })).to.deep.equal({
        TABLE: "t",
      });
      // @ts-expect-error TABLE is required
      functionEnvironment(contract, { TIMEOUT_MS: "5" });
      // The compiler refuses a name outside the contract; so does the function, for plain JS.
      const renamed = { TABLE: "t", TABLE_NAME: "t" } as { TABLE: string };
      expect(() => functionEnvironment(contract, renamed)).to.throw(
        "TABLE_NAME not in the contract",
      );
      // @ts-expect-error NODE_OPTIONS is the host's to set
      expect(() => functionEnvironment(contract, { TABLE: "t", NODE_OPTIONS: "" })).to.throw();
    });

    it("envLoader's parser sees only the contract's names", () => {
      envLoader(contract, (env) => {
        // @ts-expect-error not in the contract
        void env.TABLE_NAME;
        return env.TABLE;
      });
    });
  });
});

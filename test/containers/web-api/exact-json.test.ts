import { expect } from "chai";
import { decimal, numberProblem, textProblem } from "../../../containers/web-api/src/exact-json";

describe("web API exact JSON", () => {
  describe("decimal", () => {
    const same = ["100", "1e2", "1E+2", "100.0", "0.1e3", "1000e-1"];
    for (const token of same) {
      it(`${token} is 1 at exponent 3`, () =>
        expect(decimal(token)).to.deep.equal({ negative: false, digits: "1", exponent: 3 }));
    }
    it("zero has no digits, whatever its spelling", () => {
      for (const token of ["0", "0.000", "0e99"])
        expect(decimal(token)).to.deep.equal({ negative: false, digits: "", exponent: 0 });
      expect(decimal("-0.0").negative).to.equal(true);
    });
    it("keeps the sign and the significant digits", () =>
      expect(decimal("-0.00250")).to.deep.equal({ negative: true, digits: "25", exponent: -2 }));
    it("keeps zeros between significant digits", () =>
      expect(decimal("1.0010")).to.deep.equal({ negative: false, digits: "1001", exponent: 1 }));
    for (const token of ["x1", "1x", "1.", "+1", ""]) {
      it(`refuses ${JSON.stringify(token)}, naming it`, () =>
        expect(() => decimal(token)).to.throw(`not a decimal number: ${token}`));
    }
  });

  describe("numberProblem", () => {
    const exact = [
      "0",
      "0.1",
      "-2.5",
      "1e21",
      "1e-7",
      "9007199254740992",
      "5e-324",
      "1.7976931348623157e308",
    ];
    for (const token of exact)
      it(`${token} is kept`, () => expect(numberProblem(token)).to.equal(undefined));
    const refused: [string, string][] = [
      ["-0", "negative zero"],
      ["-0e5", "negative zero"],
      ["9007199254740993", "stored as 9007199254740992"],
      ["1152921504606846976", "stored as 1152921504606847000"],
      ["1e400", "beyond the range"],
      ["1e-400", "stored as 0"],
      ["0.30000000000000001", "stored as 0.3"],
    ];
    for (const [token, reason] of refused) {
      it(`${token} is refused: ${reason}`, () => expect(numberProblem(token)).to.include(reason));
    }
    it("quotes a token of up to 40 characters whole, a longer one cut at 40", () => {
      const forty = `0.${"1".repeat(38)}`;
      expect(numberProblem(forty)).to.equal(
        `${forty} has no exact 64-bit float (it would be stored as ${Number(forty)}); send it as a string`,
      );
      const long = `${forty}1`;
      expect(numberProblem(long)).to.equal(
        `${forty}... has no exact 64-bit float (it would be stored as ${Number(long)}); send it as a string`,
      );
      expect(numberProblem("-0")).to.equal("-0 is a negative zero, which cannot be stored; send 0");
      expect(numberProblem("1e400")).to.equal(
        "1e400 is beyond the range of a 64-bit float; send it as a string",
      );
    });
  });

  describe("textProblem", () => {
    const cases: [string, string[] | undefined][] = [
      ['{"a":1,"b":[1,2,{"c":"x,\\"y\\":1"}]}', undefined],
      ['{"a":{"x":1},"b":{"x":1}}', undefined],
      ['{"a":1,"a":1}', ["a"]],
      ['{"a":[0,{"k":1," k":2,"k":3}]}', ["a", "1", "k"]],
      ['{"a\\u0062":1,"ab":2}', ["ab"]],
      ["[1, 2, 1e999]", ["2"]],
      ['{"s":"-0","n":-0}', ["n"]],
      ["-0", []],
      ["[1e999]", ["0"]],
      ["[1e+400]", ["0"]],
      ["[0.30000000000000001]", ["0"]],
      ["[9007199254740993]", ["0"]],
      [`[0.${"0".repeat(399)}1]`, ["0"]],
      ['["a","a"]', undefined],
      ['{"a":"a","b":"a"}', undefined],
      ['{"a":{"x":1},"b":-0}', ["b"]],
      ["[[1],2,-0]", ["2"]],
      ['{"a":[1],"a":2}', ["a"]],
    ];
    for (const [text, path] of cases) {
      it(`${text} → ${path ? path.join(".") || "(root)" : "exact"}`, () =>
        expect(textProblem(text)?.path).to.deep.equal(path));
    }
    it("scans 100 000 levels of nesting without a stack overflow", () => {
      const deep = `${"[".repeat(100_000)}-0${"]".repeat(100_000)}`;
      expect(textProblem(deep)?.path).to.have.length(100_000);
    });
  });
});

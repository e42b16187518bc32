import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { configReference, referenceSection, tableCells } from "../tools/config-docs";

const readme = fs.readFileSync(path.resolve(__dirname, "..", "README.md"), "utf8");

describe("README", () => {
  it("holds the configuration reference the schema generates", () => {
    expect(tableCells(referenceSection(readme)), "run `npm run docs:config`").to.deep.equal(
      tableCells(configReference()),
    );
  });

  it("documents every platform setting of the schema", () => {
    for (const line of configReference().split("\n").slice(2)) {
      const key = /^\| `([^`]+)`/.exec(line)?.[1];
      expect(key).to.be.a("string");
      expect(readme).to.include(`\`${key}\``);
    }
  });

  it("gives the two commands that work on a fresh machine", () => {
    expect(readme).to.include("npm ci && npm run plan -- --stack dev");
    expect(readme).to.include("npm ci && npm test");
  });
});

import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { SECTION, configReference } from "../../tools/config-docs";
import { section, tableCells } from "../../tools/generated-docs";

// Every description, default and type of the schemas is published here: a change to one that the
// page does not carry fails (run `npm run docs`).
describe("configuration reference", () => {
  it("docs/configuration.md holds the reference the schema generates", () => {
    const page = fs.readFileSync(
      path.resolve(__dirname, "..", "..", "docs", "configuration.md"),
      "utf8",
    );
    expect(tableCells(section(page, SECTION)), "run `npm run docs`").to.deep.equal(
      tableCells(configReference()),
    );
  });
});

import { expect } from "chai";
import * as os from "node:os";
import * as path from "node:path";
import { bundleHandler } from "../../components/bundle";
import {
  MAX_BUNDLE_BYTES,
  QUICKBETS_ENTRIES,
  RuntimeDir,
  sdkClosure,
} from "./helpers/lambda-runtime";

describe("QuickBets bundles load where only the AWS SDK exists", () => {
  const dirs: RuntimeDir[] = [];
  const runtime = (code: string): RuntimeDir => {
    const dir = RuntimeDir.create(code);
    dirs.push(dir);
    return dir;
  };
  after(() => dirs.forEach((dir) => dir.dispose()));

  it("the runtime directory is outside the repository and holds only AWS SDK packages", () => {
    const dir = runtime("exports.handler = async () => 1;");
    expect(path.relative(os.tmpdir(), dir.dir).startsWith("..")).to.equal(false);
    expect(dir.dir.startsWith(path.resolve(__dirname, "..", ".."))).to.equal(false);
    const packages = dir.packages();
    expect(packages).to.include.members([
      "@aws-sdk/client-dynamodb",
      "@aws-sdk/client-ecs",
      "@smithy/core",
    ]);
    for (const absent of ["zod", "@aws-lambda-powertools/logger", "esbuild", "@pulumi/pulumi"]) {
      expect(packages).not.to.include(absent);
    }
    // Everything linked is the SDK or one of its own small dependencies.
    const sdk =
      /^(@aws-sdk\/|@smithy\/|@aws-crypto\/|@aws\/lambda-invoke-store$|tslib$|bowser$|mnemonist$|obliterator$|fast-xml-parser$|strnum$|uuid$)/;
    expect([...sdkClosure().keys()].filter((name) => !sdk.test(name))).to.deep.equal([]);
  });

  for (const entry of QUICKBETS_ENTRIES) {
    it(`${entry}: bundles under 150 KB and exports a handler in a fresh node`, () => {
      const bundle = bundleHandler(entry);
      expect(bundle.bytes, `${entry} is ${bundle.bytes} bytes`).to.be.below(MAX_BUNDLE_BYTES);
      expect(
        bundle.externals.every((e) => e.startsWith("@aws-sdk/") || e.startsWith("node:")),
      ).to.equal(true);
      const result = runtime(bundle.code).load();
      expect(result, JSON.stringify(result)).to.deep.include({ ok: true, handlerType: "function" });
    });
  }

  it("negative control: a bundle needing a non-SDK package fails to load", () => {
    const result = runtime('const z = require("zod"); exports.handler = async () => z;').load();
    expect(result.ok).to.equal(false);
    expect(result.error).to.match(/Cannot find module 'zod'/);
  });

  it("negative control: a bundle without a handler export is reported", () => {
    const result = runtime("exports.main = async () => 1;").load();
    expect(result).to.deep.include({ ok: false, handlerType: "undefined" });
  });

  it("positive control: the SDK resolves from the directory", () => {
    const result = runtime(
      'const { DynamoDBClient } = require("@aws-sdk/client-dynamodb"); new DynamoDBClient({}); exports.handler = async () => 1;',
    ).load();
    expect(result.ok, JSON.stringify(result)).to.equal(true);
  });
});

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import {
  BundleError,
  bundleArchive,
  bundleHandler,
  bundleStats,
  isRuntimeProvided,
  refreshBundles,
} from "../../components/bundle";

describe("bundleHandler", () => {
  it("inlines our modules and leaves only the AWS SDK and Node built-ins to the runtime", () => {
    const bundle = bundleHandler("test/fixtures/handlers/hello.ts");
    expect(bundle.entry).to.equal("test/fixtures/handlers/hello.ts");
    expect(bundle.externals).to.deep.equal(["@aws-sdk/client-secrets-manager"]);
    expect(bundle.code).to.include("hello, ");
    expect(bundle.code).not.to.match(/require\(["']\.\/greeting/);
    expect(bundle.bytes).to.equal(Buffer.byteLength(bundle.code));
    expect(bundle.code).to.match(/\/\/# sourceMappingURL=index\.js\.map\s*$/);
    expect(JSON.parse(bundle.sourceMap!).sources).to.include(
      "../test/fixtures/handlers/greeting.ts",
    );
  });

  it("is deterministic, so an unchanged handler never redeploys", () => {
    const a = bundleHandler("test/fixtures/handlers/hello.ts", { minify: true, target: "node22" });
    const b = bundleHandler("test/fixtures/handlers/hello.ts", { target: "node22", minify: true });
    const c = bundleHandler("test/fixtures/handlers/hello.ts", { minify: false });
    expect(a.sha256)
      .to.equal(b.sha256)
      .and.to.match(/^[0-9a-f]{64}$/);
    expect(c.sha256).not.to.equal(a.sha256);
  });

  describe("cached by content", () => {
    let dir: string;
    let entry: string;
    const write = (greeting: string) =>
      fs.writeFileSync(path.join(dir, "greeting.ts"), `export const greeting = "${greeting}";\n`);
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-cache-"));
      entry = path.join(dir, "handler.ts");
      fs.writeFileSync(
        entry,
        'import { greeting } from "./greeting";\nexport const handler = async () => greeting;\n',
      );
      write("hello");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("builds an unchanged handler once, and again when any file it imports changes", () => {
      const before = { ...bundleStats };
      const first = bundleHandler(entry);
      const again = bundleHandler(entry);
      expect(bundleStats.built - before.built).to.equal(1);
      expect(bundleStats.cached - before.cached).to.equal(1);
      expect(again.sha256).to.equal(first.sha256);

      write("hello again");
      const changed = bundleHandler(entry);
      expect(bundleStats.built - before.built).to.equal(2);
      expect(changed.code).to.include("hello again");
      expect(changed.sha256).not.to.equal(first.sha256);
    });

    it("checks an input's content when its size or mtime changed: a touch keeps the bundle, an edit of the same size rebuilds it", () => {
      const before = { ...bundleStats };
      bundleHandler(entry);
      const greeting = path.join(dir, "greeting.ts");
      const later = new Date(Date.now() + 5000);
      fs.utimesSync(greeting, later, later);
      bundleHandler(entry);
      expect(bundleStats.built - before.built).to.equal(1);
      expect(bundleStats.cached - before.cached).to.equal(1);

      write("HELLO");
      expect(bundleHandler(entry).code).to.include("HELLO");
      expect(bundleStats.built - before.built).to.equal(2);
    });

    it("rebuilds every stale bundle at once before the program asks for it", async () => {
      bundleHandler(entry);
      write("rebuilt ahead");
      expect(await refreshBundles()).to.be.greaterThanOrEqual(1);
      const before = { ...bundleStats };
      expect(bundleHandler(entry).code).to.include("rebuilt ahead");
      expect(bundleStats.built).to.equal(before.built);
      expect(bundleStats.cached - before.cached).to.equal(1);
    });
  });

  it("fails at preview, naming the entry and the module, when an import cannot be resolved", () => {
    expect(() => bundleHandler("test/fixtures/handlers/unresolvable.ts"))
      .to.throw(BundleError)
      .with.property("message")
      .that.includes("test/fixtures/handlers/unresolvable.ts")
      .and.includes("kalshi-signing-layer");
  });

  it("fails for a missing entry file", () => {
    expect(() => bundleHandler("functions/nowhere/handler.ts")).to.throw(BundleError, /nowhere/);
  });

  const provided: [string, boolean][] = [
    ["@aws-sdk/client-dynamodb", true],
    ["node:crypto", true],
    ["crypto", true],
    ["fs/promises", true],
    ["@aws-lambda-powertools/logger", false],
    ["aws-sdk", false],
    ["@smithy/types", false],
  ];
  for (const [specifier, expected] of provided) {
    it(`isRuntimeProvided(${specifier}) is ${expected}`, () =>
      expect(isRuntimeProvided(specifier)).to.equal(expected));
  }

  it("archives the bundle as index.js with its source map, plus any extra files", async () => {
    const bundle = bundleHandler("test/fixtures/handlers/hello.ts");
    const text = async (asset: unknown) => (asset as pulumi.asset.StringAsset).text;
    const assets = await bundleArchive(bundle).assets;
    expect(Object.keys(assets).sort()).to.deep.equal(["index.js", "index.js.map"]);
    expect(await text(assets["index.js"])).to.equal(bundle.code);
    expect(await text(assets["index.js.map"])).to.equal(bundle.sourceMap);

    const withExtra = await bundleArchive(bundle, { "config.json": "{}" }).assets;
    expect(Object.keys(withExtra).sort()).to.deep.equal([
      "config.json",
      "index.js",
      "index.js.map",
    ]);
    expect(await text(withExtra["config.json"])).to.equal("{}");
  });
});

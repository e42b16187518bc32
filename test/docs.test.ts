/**
 * The documentation lives in the repository and stays true to it: every page is reachable from the
 * index, every link and every file path a page names resolves, nothing points outside the
 * checkout, every installed package is explained, and the project's description names the
 * workloads that exist.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { anchors, linkTargets, repoFiles, root, textOf } from "./helpers/docs";

const files = repoFiles();
const markdown = files.filter((f) => f.endsWith(".md"));
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");
const exists = (file: string) => fs.existsSync(path.join(root, file));
const workloads = fs
  .readdirSync(path.join(root, "workloads"), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

/** A path relative to the page that names it, as a repository path (`..` resolved). */
const fromPage = (page: string, target: string) =>
  path.posix.normalize(path.posix.join(path.posix.dirname(page), target));

describe("docs", () => {
  it("finds the pages it checks", () => {
    expect(markdown).to.include.members(["README.md", "docs/README.md", "policy/README.md"]);
    expect(workloads).to.have.length.of.at.least(5);
  });

  it("index every page of docs/ and every workload's runbook in docs/README.md", () => {
    const linked = new Set(
      linkTargets(read("docs/README.md")).map((t) => fromPage("docs/README.md", t.split("#")[0]!)),
    );
    const pages = [
      ...markdown.filter((f) => f.startsWith("docs/") && f !== "docs/README.md"),
      ...workloads.map((w) => `workloads/${w}/README.md`),
    ];
    expect(
      pages.filter((p) => !linked.has(p)),
      "pages docs/README.md does not link",
    ).to.deep.equal([]);
  });

  it("give every workload a runbook", () => {
    expect(workloads.filter((w) => !exists(`workloads/${w}/README.md`))).to.deep.equal([]);
  });

  it("link only to files that exist, and to headings that exist", () => {
    const broken: string[] = [];
    for (const page of markdown) {
      for (const target of linkTargets(read(page))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        const [file, anchor] = target.split("#") as [string, string | undefined];
        const resolved = file ? fromPage(page, decodeURIComponent(file)) : page;
        if (resolved.startsWith("../") || !exists(resolved)) {
          broken.push(`${page}: ${target} (no such file)`);
        } else if (anchor && resolved.endsWith(".md") && !anchors(read(resolved)).has(anchor)) {
          broken.push(`${page}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).to.deep.equal([]);
  });

  it("name only files that exist (paths in backticks)", () => {
    const missing: string[] = [];
    for (const page of markdown) {
      const text = read(page).replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
      for (const [, p] of text.matchAll(/`([\w.-]+(?:\/[\w.-]+)+\.[a-z]{1,4})`/g)) {
        if (!exists(p!) && !exists(fromPage(page, p!))) missing.push(`${page}: ${p}`);
      }
    }
    expect(missing).to.deep.equal([]);
  });

  it("are named by their real paths wherever a file mentions one", () => {
    const topLevel = new Set(files.map((f) => f.split("/")[0]));
    const missing: string[] = [];
    for (const file of files) {
      const text = textOf(file);
      if (text === undefined || file.endsWith("package-lock.json")) continue;
      for (const [, p] of text.matchAll(/(?<![\w./<>-])((?:[\w.-]+\/)+[\w.-]+\.md)\b/g)) {
        if (!topLevel.has(p!.split("/")[0]) || exists(p!) || exists(fromPage(file, p!))) continue;
        missing.push(`${file}: ${p}`);
      }
    }
    expect(missing).to.deep.equal([]);
  });
});

describe("the repository", () => {
  // The team's finance app is a separate repository, checked out beside this one on purpose:
  // `financeApi.appDir` names it (workloads/finance-api/README.md).
  const OUTSIDE_ON_PURPOSE = new Set(["../finance-api"]);

  it("refers to nothing outside itself: no design document, no sibling folder, no absolute path", () => {
    const found: string[] = [];
    for (const file of files) {
      const text = textOf(file);
      if (text === undefined || file.endsWith("package-lock.json") || file === "test/docs.test.ts")
        continue;
      for (const m of text.matchAll(/ARCHITECTURE\.md|\/work\/[\w.-]/g))
        found.push(`${file}: ${m[0]}`);
      for (const [p] of text.matchAll(/(?<![\w./-])(?:\.\.\/)+[\w.-]+/g)) {
        const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), p));
        if (resolved.startsWith("../") && !OUTSIDE_ON_PURPOSE.has(p)) found.push(`${file}: ${p}`);
        // `../shared` is functions/shared to the handlers; anywhere else it was a folder beside the
        // repository.
        else if (
          /(^|\/)shared$/.test(p) &&
          !fs.statSync(path.join(root, resolved), { throwIfNoEntry: false })?.isDirectory()
        )
          found.push(`${file}: ${p}`);
      }
    }
    expect(found).to.deep.equal([]);
  });

  it("explains every package it installs in docs/dependencies.md", () => {
    const explained = read("docs/dependencies.md");
    const manifests = ["package.json", "policy/package.json", "containers/web-api/package.json"];
    const unexplained = manifests.flatMap((manifest) => {
      const pkg = JSON.parse(read(manifest)) as Record<string, Record<string, string> | undefined>;
      return [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]
        .filter((name) => !explained.includes(`\`${name}\``))
        .map((name) => `${manifest}: ${name}`);
    });
    expect(unexplained).to.deep.equal([]);
  });

  it("describes the project by the workloads that exist", () => {
    const { description } = parse(read("Pulumi.yaml")) as { description: string };
    const listed = /\(([^)]*)\)/.exec(description)?.[1]?.split(",") ?? [];
    expect(listed, `Pulumi.yaml description: ${description}`).to.have.length(workloads.length);
    for (const workload of workloads) {
      const title = /^# (.+?) runbook$/m.exec(read(`workloads/${workload}/README.md`))?.[1];
      expect(title, `workloads/${workload}/README.md: "# <workload> runbook"`).to.be.a("string");
      expect(description.toLowerCase()).to.include(title!.toLowerCase());
    }
  });
});

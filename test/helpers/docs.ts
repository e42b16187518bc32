/**
 * The repository's files and Markdown as the docs tests read them: every file a checkout holds
 * (what .gitignore keeps out is skipped), Markdown without its code, its links and its headings'
 * anchors as GitHub computes them.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export const root = path.resolve(__dirname, "..", "..");

/** Generated or installed trees, never part of a checkout (see .gitignore). */
const SKIPPED = new Set([
  ".git",
  "node_modules",
  ".build",
  "bin",
  ".plan",
  ".finance-app",
  "containers/web-api/dist",
]);

/** Every file of the checkout, relative to the root with `/` separators. */
export function repoFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (SKIPPED.has(rel)) continue;
      if (entry.isDirectory()) walk(rel);
      else if (entry.isFile()) out.push(rel);
    }
  };
  walk("");
  return out.sort();
}

/** A file's text, or undefined for a binary file. */
export function textOf(file: string): string | undefined {
  const buffer = fs.readFileSync(path.join(root, file));
  return buffer.includes(0) ? undefined : buffer.toString("utf8");
}

/** Markdown without fenced code blocks and inline code: what is left are prose, tables and links. */
export function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** The targets of a page's links and images, as written (`page.md#anchor`, `https://...`). */
export function linkTargets(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(
    (m) => m[1]!,
  );
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The anchors of a page's headings, with GitHub's -1, -2 suffixes for repeated ones. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  for (const [, heading] of withoutFences.matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const base = slug(heading!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    out.add(count ? `${base}-${count}` : base);
  }
  return out;
}

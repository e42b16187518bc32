/**
 * Markdown sections generated from code (the config reference, the cost tables, the policy rules):
 * written between `<!-- NAME:start -->` and `<!-- NAME:end -->` markers and compared cell by cell in
 * tests, so a page never drifts from what it documents.
 */
import * as fs from "node:fs";
import * as prettier from "prettier";

const markers = (name: string) => [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`] as const;

/** A Markdown table's cells, whitespace and alignment aside. */
export function tableCells(markdown: string): string[][] {
  return markdown
    .split("\n")
    .filter((line) => line.startsWith("|") && !/^\|[\s|:-]+\|$/.test(line))
    .map((line) =>
      line
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

/** The text between a section's markers. */
export function section(document: string, name: string): string {
  const [start, end] = markers(name);
  const from = document.indexOf(start);
  const to = document.indexOf(end);
  if (from < 0 || to < from) throw new Error(`no ${start} ... ${end} section`);
  return document.slice(from + start.length, to);
}

/** The document with a section replaced. */
export function withSection(document: string, name: string, content: string): string {
  const [start, end] = markers(name);
  const before = document.slice(0, document.indexOf(start) + start.length);
  section(document, name); // throws when the markers are missing
  return `${before}\n${content}\n${document.slice(document.indexOf(end))}`;
}

/** Rewrites a section of a file, formatted as Prettier formats the repository's Markdown. */
export async function writeSection(file: string, name: string, content: string): Promise<void> {
  const updated = withSection(fs.readFileSync(file, "utf8"), name, content);
  fs.writeFileSync(file, await prettier.format(updated, { parser: "markdown", printWidth: 100 }));
  console.log(`${name} written to ${file}`);
}

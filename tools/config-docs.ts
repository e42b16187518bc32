/**
 * The README's configuration reference, generated from the zod schema in config.ts so the two never
 * drift: `npm run docs:config` rewrites the table between the markers, and a test fails when the
 * README's table differs from what the schema generates.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as prettier from "prettier";
import { z } from "zod";
import { platformSchema, REQUIRED_TAGS } from "../config";

export const START = "<!-- config-reference:start -->";
export const END = "<!-- config-reference:end -->";

interface Row {
  key: string;
  type: string;
  default: string;
  description: string;
}

function typeOf(schema: z.ZodType): string {
  if (schema instanceof z.ZodEnum)
    return (schema.options as string[]).map((o) => `\`${o}\``).join(" \\| ");
  if (schema instanceof z.ZodNumber) return "integer";
  if (schema instanceof z.ZodString) return "string";
  if (schema instanceof z.ZodArray) return `list of ${typeOf(schema.element as z.ZodType)}`;
  if (schema instanceof z.ZodObject) return "object";
  return "value";
}

function rows(schema: z.ZodType, key: string, description?: string): Row[] {
  const isDefault = schema instanceof z.ZodDefault;
  const inner = isDefault ? (schema.def.innerType as z.ZodType) : schema;
  const text = (description ?? schema.description ?? inner.description ?? "").replace(/\|/g, "\\|");
  const own: Row = {
    key: `\`${key}\``,
    type: typeOf(inner),
    default: isDefault ? `\`${JSON.stringify(schema.parse(undefined))}\`` : "required",
    description: text,
  };
  if (!(inner instanceof z.ZodObject)) return [own];
  const shape = inner.shape as Record<string, z.ZodType>;
  return [own, ...Object.entries(shape).flatMap(([k, child]) => rows(child, `${key}.${k}`))];
}

/** The reference table, as Markdown. */
export function configReference(): string {
  const all: Row[] = [
    {
      key: "`aws:region`",
      type: "string",
      default: "required",
      description: "Region of the ambient provider; must equal `platform:regions.home.region`",
    },
    {
      key: "`aws:defaultTags.tags`",
      type: "object",
      default: "required",
      description: `Tags on every resource, carried to both regional providers; must include ${REQUIRED_TAGS.map((t) => `\`${t}\``).join(", ")} (environment = \`platform:environment\`)`,
    },
    {
      key: "`pulumi:disable-default-providers`",
      type: "list of string",
      default: '`["aws"]` in both stacks',
      description: "Nothing may use the ambient AWS provider; the offline plan enforces it too",
    },
    ...Object.entries(platformSchema.shape).flatMap(([k, schema]) =>
      rows(schema as z.ZodType, `platform:${k}`),
    ),
  ];
  const header = "| key | type | default | description |\n|---|---|---|---|";
  return [
    header,
    ...all.map((r) => `| ${r.key} | ${r.type} | ${r.default} | ${r.description} |`),
  ].join("\n");
}

/** A Markdown table's cells, whitespace and alignment aside, for comparing tables. */
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

/** The table between the markers of a README. */
export function referenceSection(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} ... ${END} section`);
  return readme.slice(start + START.length, end);
}

/** The README with its reference section replaced by the generated one. */
export function withReference(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} ... ${END} section`);
  return `${readme.slice(0, start + START.length)}\n${configReference()}\n${readme.slice(end)}`;
}

if (require.main === module) {
  const file = path.resolve(__dirname, "..", "README.md");
  const updated = withReference(fs.readFileSync(file, "utf8"));
  void prettier.format(updated, { parser: "markdown", printWidth: 100 }).then((formatted) => {
    fs.writeFileSync(file, formatted);
    console.log(`config reference written to ${file}`);
  });
}

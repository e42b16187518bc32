/**
 * The configuration reference (docs/configuration.md), generated from the zod schemas (config/ and
 * each workload's settings.ts) so the two never drift: `npm run docs` rewrites the table between the
 * markers, and a test fails when the page's table differs from what the schemas generate.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { ENVIRONMENT_PROFILES } from "../components/profile";
import { platformSchema, REQUIRED_TAGS, SECRET_SETTINGS } from "../config";
import { PLATFORM_PROFILE_DEFAULTS } from "../config/platform";
import { writeSection } from "./generated-docs";

/** The docs/configuration.md section this file generates. */
export const SECTION = "config-reference";

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
  if (schema instanceof z.ZodBoolean) return "boolean";
  if (schema instanceof z.ZodString || schema instanceof z.ZodStringFormat) return "string";
  if (schema instanceof z.ZodArray) return `list of ${typeOf(schema.element as z.ZodType)}`;
  if (schema instanceof z.ZodObject) return "object";
  return "value";
}

function rows(schema: z.ZodType, key: string, description?: string): Row[] {
  const isDefault = schema instanceof z.ZodDefault;
  const isOptional = schema instanceof z.ZodOptional;
  // An object prefaulted with {}: absent means every key's own default.
  const isPrefault = schema instanceof z.ZodPrefault;
  let inner = isDefault || isOptional || isPrefault ? (schema.def.innerType as z.ZodType) : schema;
  if (inner instanceof z.ZodPrefault) inner = inner.def.innerType as z.ZodType;
  const text = (description ?? schema.description ?? inner.description ?? "").replace(/\|/g, "\\|");
  const own: Row = {
    key: `\`${key}\``,
    type: typeOf(inner),
    default: isDefault
      ? `\`${JSON.stringify(schema.parse(undefined))}\``
      : isOptional
        ? "optional"
        : isPrefault
          ? "`{}` (each key's default)"
          : "required",
    description: text,
  };
  if (!(inner instanceof z.ZodObject)) return [own];
  const shape = inner.shape as Record<string, z.ZodType>;
  return [own, ...Object.entries(shape).flatMap(([k, child]) => rows(child, `${key}.${k}`))];
}

/** Descriptions of the declared secrets, from Pulumi.yaml (they have no schema of their own). */
function secretDescriptions(): Record<string, string> {
  const project = parse(fs.readFileSync(path.resolve(__dirname, "..", "Pulumi.yaml"), "utf8")) as {
    config: Record<string, { description?: string }>;
  };
  return Object.fromEntries(
    Object.entries(project.config).map(([k, v]) => [k, v.description ?? ""]),
  );
}

/** A platform setting's default per profile (`` `false` in dev, `true` in prod ``), if it has one. */
function profileDefault(key: string): string | undefined {
  const per = ENVIRONMENT_PROFILES.flatMap((profile) => {
    const defaults: Readonly<Record<string, unknown>> = PLATFORM_PROFILE_DEFAULTS[profile];
    return key in defaults ? [`\`${JSON.stringify(defaults[key])}\` in ${profile}`] : [];
  });
  return per.length > 0 ? per.join(", ") : undefined;
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
      rows(schema as z.ZodType, `platform:${k}`).map((row) => ({
        ...row,
        default: profileDefault(k) ?? row.default,
      })),
    ),
    ...SECRET_SETTINGS.map((name) => ({
      key: `\`platform:${name}\``,
      type: "secret string",
      default: "required by `pulumi up`",
      description: `${secretDescriptions()[name] ?? ""}; \`pulumi config set --secret ${name}\``,
    })),
  ];
  const header = "| key | type | default | description |\n|---|---|---|---|";
  return [
    header,
    ...all.map((r) => `| ${r.key} | ${r.type} | ${r.default} | ${r.description} |`),
  ].join("\n");
}

if (require.main === module) {
  void writeSection(
    path.resolve(__dirname, "..", "docs", "configuration.md"),
    SECTION,
    configReference(),
  );
}

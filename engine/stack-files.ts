/**
 * Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI hands config to a program: every
 * value a string (objects as JSON), project defaults filled in, declared types checked (and
 * returned, for the plan to report beside the program's own problems). Secure values
 * become marked placeholders, so the offline plan never needs a passphrase or a KMS key.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

/** What a secure value reads as offline. Never a real secret: the ciphertext is not even kept. */
export const SECRET_PLACEHOLDER_PREFIX = "offline-secret:";

export interface StackFiles {
  readonly project: string;
  readonly stack: string;
  /** `namespace:key` → value, as the runtime receives it. */
  readonly config: Record<string, string>;
  /** Keys whose value is (or contains) a secure value. */
  readonly secretKeys: string[];
  /**
   * Values of the wrong type for what Pulumi.yaml declares, as `namespace:key: problem`. Not
   * thrown here: the plan lists them with every problem the program finds, in one run.
   */
  readonly typeProblems: { key: string; message: string }[];
  /**
   * Secrets Pulumi.yaml declares that this stack has not set yet. Planned as placeholders so the
   * offline plan needs no secret; `pulumi up` needs them set (`pulumi config set --secret`).
   */
  readonly unsetSecrets: string[];
}

/** A problem with the stack's files: thrown before the program runs. */
export class StackFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackFileError";
  }
}

interface Declaration {
  type?: string;
  default?: unknown;
  value?: unknown;
  secret?: boolean;
}

/** The stacks a project directory defines, from its `Pulumi.<stack>.yaml` files. */
export function listStacks(root: string): string[] {
  return fs
    .readdirSync(root)
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

export function loadStackFiles(root: string, stack: string): StackFiles {
  const projectFile = path.join(root, "Pulumi.yaml");
  const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(projectFile)) throw new StackFileError(`no Pulumi.yaml in ${root}`);
  if (!fs.existsSync(stackFile)) {
    throw new StackFileError(
      `unknown stack "${stack}": there is no Pulumi.${stack}.yaml (stacks: ${listStacks(root).join(", ")})`,
    );
  }
  const project = readYaml(projectFile) as { name?: string; config?: Record<string, Declaration> };
  if (!project.name) throw new StackFileError("Pulumi.yaml has no name");
  const stackDoc = (readYaml(stackFile) ?? {}) as { config?: Record<string, unknown> };

  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const declared = new Map<string, Declaration>();
  for (const [key, declaration] of Object.entries(project.config ?? {})) {
    const fullKey = key.includes(":") ? key : `${project.name}:${key}`;
    const decl: Declaration =
      declaration !== null && typeof declaration === "object"
        ? declaration
        : { value: declaration };
    declared.set(fullKey, decl);
    const initial = decl.value ?? decl.default;
    if (initial !== undefined) config[fullKey] = encode(initial, fullKey, secretKeys);
  }

  const typeProblems: { key: string; message: string }[] = [];
  for (const [key, value] of Object.entries(stackDoc.config ?? {})) {
    const fullKey = key.includes(":") ? key : `${project.name}:${key}`;
    const type = declared.get(fullKey)?.type;
    const problem = type ? typeProblem(type, value) : undefined;
    if (problem) {
      typeProblems.push({ key: fullKey, message: `${problem} (Pulumi.yaml declares it ${type})` });
    }
    config[fullKey] = encode(value, fullKey, secretKeys);
  }
  const unsetSecrets = [...declared]
    .filter(([key, decl]) => decl.secret === true && config[key] === undefined)
    .map(([key]) => key);
  for (const key of unsetSecrets) {
    config[key] = `${SECRET_PLACEHOLDER_PREFIX}${key}`;
    secretKeys.push(key);
  }
  return {
    project: project.name,
    stack,
    config,
    secretKeys: [...new Set(secretKeys)],
    typeProblems,
    unsetSecrets,
  };
}

function readYaml(file: string): unknown {
  try {
    return parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new StackFileError(`${path.basename(file)} is not valid YAML: ${(err as Error).message}`);
  }
}

function isSecure(value: unknown): value is { secure: string } {
  return (
    value !== null &&
    typeof value === "object" &&
    Object.keys(value).length === 1 &&
    typeof (value as { secure?: unknown }).secure === "string"
  );
}

/** Encodes a YAML value as the CLI would: strings as-is, everything else as JSON. */
function encode(value: unknown, key: string, secretKeys: string[]): string {
  const replaced = replaceSecure(value, key, secretKeys);
  return typeof replaced === "string" ? replaced : JSON.stringify(replaced);
}

function replaceSecure(value: unknown, key: string, secretKeys: string[]): unknown {
  if (isSecure(value)) {
    secretKeys.push(key);
    return `${SECRET_PLACEHOLDER_PREFIX}${key}`;
  }
  if (Array.isArray(value)) return value.map((v) => replaceSecure(v, key, secretKeys));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, replaceSecure(v, key, secretKeys)]),
    );
  }
  return value;
}

function typeProblem(type: string, value: unknown): string | undefined {
  const ok = {
    string: typeof value === "string" || isSecure(value),
    integer: Number.isInteger(value),
    boolean: typeof value === "boolean",
    array: Array.isArray(value),
  }[type];
  if (ok === undefined) return `Pulumi.yaml declares an unsupported type "${type}"`;
  return ok ? undefined : `must be of type ${type}, got ${JSON.stringify(value)}`;
}

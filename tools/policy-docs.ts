/** policy/README.md's table of rules, generated from the rule modules (`npm run docs`). */
import * as path from "node:path";
import { rules } from "../policy/rules";
import { writeSection } from "./generated-docs";

export const SECTION = "policy-rules";

/** One row per rule: name, FSBP controls, level, severity, where it holds, what it checks. */
export function policyTable(): string {
  const header = "| rule | FSBP | level | severity | stacks | checks |\n|---|---|---|---|---|---|";
  const rows = rules.map((rule) => {
    const where = rule.tags?.includes("prod-only")
      ? "prod"
      : rule.tags?.includes("dev-only")
        ? "dev"
        : "all";
    const kind = "validateStack" in rule ? " (stack)" : "";
    return `| \`${rule.name}\`${kind} | ${rule.framework?.reference ?? "—"} | ${rule.enforcementLevel ?? "mandatory"} | ${rule.severity} | ${where} | ${rule.description.replace(/\|/g, "\\|")} |`;
  });
  return [header, ...rows].join("\n");
}

if (require.main === module) {
  void writeSection(path.resolve(__dirname, "..", "policy", "README.md"), SECTION, policyTable());
}

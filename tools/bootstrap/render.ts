/**
 * Writes github-oidc.template.json from template.ts (`--check`: exits 1 when the file is stale).
 * `npx ts-node --transpile-only tools/bootstrap/render.ts [--check]`
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { renderTemplate } from "./template";
import { runCli } from "../cli";

export const TEMPLATE_FILE = path.join(__dirname, "github-oidc.template.json");

async function main(): Promise<number> {
  const rendered = await renderTemplate(TEMPLATE_FILE);
  if (process.argv.includes("--check")) {
    const current = fs.existsSync(TEMPLATE_FILE) ? fs.readFileSync(TEMPLATE_FILE, "utf8") : "";
    if (current === rendered) return 0;
    console.error(`${TEMPLATE_FILE} is stale: run tools/bootstrap/render.ts`);
    return 1;
  }
  fs.writeFileSync(TEMPLATE_FILE, rendered);
  console.log(`wrote ${TEMPLATE_FILE}`);
  return 0;
}

if (require.main === module) {
  runCli(main);
}

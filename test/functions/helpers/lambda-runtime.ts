/**
 * A stand-in for the Lambda Node.js runtime's module environment: a fresh directory outside the
 * repository whose `node_modules` holds only the AWS SDK v3 (the transitive dependency closure of
 * the installed `@aws-sdk/client-*` packages, symlinked), and a fresh `node` that requires a
 * bundle from it. Shared by the bundle tests and `npm run bench`.
 */
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const PROJECT_ROOT = path.resolve(__dirname, "..", "..", "..");
const MODULES = path.join(PROJECT_ROOT, "node_modules");

interface PackageJson {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** Where Node would resolve package `name` from inside the package directory `from`. */
function resolvePackage(name: string, from: string): string | undefined {
  for (let dir = from; dir.startsWith(PROJECT_ROOT); dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name);
    if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
    if (dir === PROJECT_ROOT) break;
  }
  return undefined;
}

let closure: Map<string, string> | undefined;

/**
 * The packages the runtime provides, as `name → directory` for those installed at the top of
 * `node_modules` (nested ones are reached through their parent's own `node_modules`).
 */
export function sdkClosure(): ReadonlyMap<string, string> {
  if (closure) return closure;
  const clients = fs
    .readdirSync(path.join(MODULES, "@aws-sdk"))
    .filter((name) => name.startsWith("client-"))
    .map((name) => `@aws-sdk/${name}`);
  const topLevel = new Map<string, string>();
  const seen = new Set<string>();
  const queue = clients.map((name) => path.join(MODULES, name));
  for (let dir = queue.shift(); dir !== undefined; dir = queue.shift()) {
    if (seen.has(dir)) continue;
    seen.add(dir);
    const relative = path.relative(MODULES, dir);
    if (!relative.includes(`${path.sep}node_modules${path.sep}`)) topLevel.set(relative, dir);
    const manifest = JSON.parse(
      fs.readFileSync(path.join(dir, "package.json"), "utf8"),
    ) as PackageJson;
    const required = Object.keys(manifest.dependencies ?? {});
    const optional = Object.keys(manifest.optionalDependencies ?? {});
    for (const name of [...required, ...optional]) {
      const resolved = resolvePackage(name, dir);
      if (resolved) queue.push(resolved);
      else if (required.includes(name))
        throw new Error(`${relative} needs ${name}, which is not installed`);
    }
  }
  closure = topLevel;
  return closure;
}

export interface LoadResult {
  ok: boolean;
  /** Milliseconds from just before `require("./index.js")` until it returned a handler. */
  ms?: number;
  handlerType?: string;
  error?: string;
}

const LOADER = `
const start = process.hrtime.bigint();
try {
  const mod = require("./index.js");
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  process.stdout.write(JSON.stringify({ ok: typeof mod.handler === "function", ms, handlerType: typeof mod.handler }));
} catch (error) {
  process.stdout.write(JSON.stringify({ ok: false, error: String(error && error.message || error) }));
}
`;

const RESULT_MARKER = "\n@@result@@";

const INVOKER = `
require("./index.js").handler(JSON.parse(process.argv[2]), { awsRequestId: "bundle-test" }).then(
  (result) => process.stdout.write(${JSON.stringify(RESULT_MARKER)} + JSON.stringify(result ?? null)),
  (error) => { process.stderr.write(String(error && error.stack || error)); process.exitCode = 1; },
);
`;

export interface InvokeResult {
  /** What the handler resolved with. */
  result: unknown;
  /** Everything else the process wrote, stdout then stderr (the function's logs). */
  logs: string;
}

export class RuntimeDir {
  private constructor(readonly dir: string) {}

  /** A new directory under the OS temp dir holding `code` as `index.js` and the SDK-only modules. */
  static create(code: string): RuntimeDir {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lambda-runtime-"));
    fs.writeFileSync(path.join(dir, "index.js"), code);
    fs.writeFileSync(path.join(dir, "load.js"), LOADER);
    for (const [name, target] of sdkClosure()) {
      const link = path.join(dir, "node_modules", name);
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(target, link, "dir");
    }
    return new RuntimeDir(dir);
  }

  /** Package names resolvable from the directory's `node_modules`. */
  packages(): string[] {
    const root = path.join(this.dir, "node_modules");
    return fs
      .readdirSync(root)
      .flatMap((entry) =>
        entry.startsWith("@")
          ? fs.readdirSync(path.join(root, entry)).map((n) => `${entry}/${n}`)
          : [entry],
      );
  }

  /**
   * Requires `index.js` in a fresh `node` (cwd = the directory, no NODE_PATH or NODE_OPTIONS).
   * `--preserve-symlinks` keeps resolution inside this directory's `node_modules`, so a package
   * outside the SDK closure cannot be found through the repository's own `node_modules`.
   */
  load(): LoadResult {
    const env: NodeJS.ProcessEnv = { ...process.env, AWS_REGION: "us-east-1" };
    delete env.NODE_PATH;
    delete env.NODE_OPTIONS;
    const stdout = execFileSync(
      process.execPath,
      ["--preserve-symlinks", "--no-warnings", "load.js"],
      {
        cwd: this.dir,
        env,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    return JSON.parse(stdout) as LoadResult;
  }

  /**
   * Invokes the bundle's handler once with `event` in a fresh `node`, as `load` does, with the
   * given environment added; resolves with the handler's result and everything the process printed.
   * Asynchronous, so servers the test runs (fake AWS endpoints) can answer meanwhile.
   */
  invoke(event: unknown, env: Record<string, string>): Promise<InvokeResult> {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, AWS_REGION: "us-east-1", ...env };
    delete childEnv.NODE_PATH;
    delete childEnv.NODE_OPTIONS;
    fs.writeFileSync(path.join(this.dir, "invoke.js"), INVOKER);
    return new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        ["--preserve-symlinks", "--no-warnings", "invoke.js", JSON.stringify(event)],
        { cwd: this.dir, env: childEnv, encoding: "utf8", timeout: 20_000 },
        (error, stdout, stderr) => {
          const marker = stdout.lastIndexOf(RESULT_MARKER);
          if (marker === -1) {
            reject(new Error(`no result from the handler: ${error?.message ?? ""}\n${stderr}`));
            return;
          }
          resolve({
            result: JSON.parse(stdout.slice(marker + RESULT_MARKER.length)) as unknown,
            logs: stdout.slice(0, marker) + stderr,
          });
        },
      );
    });
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The five QuickBets handler entries, relative to the project root. */
export const QUICKBETS_ENTRIES = ["events", "launch", "sessions", "sign", "lifecycle"].map(
  (name) => `functions/quickbets/${name}.ts`,
);

/** The Alpha-Kite streamer's handler entry. */
export const ALPHA_KITE_ENTRIES = ["functions/alpha-kite/streamer.ts"];

/** Bundle size target, in bytes. */
export const MAX_BUNDLE_BYTES = 150 * 1024;

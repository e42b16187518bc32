/**
 * Packages a Python web app (FastAPI, Starlette, any ASGI app) as a Lambda zip for the Lambda Web
 * Adapter: the app's files as they are, its `requirements.txt` vendored under `vendor/` as wheels
 * for the Lambda platform (CPython of the runtime, manylinux, the function's architecture), a
 * generated `run.sh` (mode 0755) and the platform's launcher. Runs at program evaluation, so a
 * dependency without a wheel for Lambda fails `pulumi preview`, naming the package.
 *
 * Reproducible: requirements must pin every package they name (`==`); vendoring never compiles
 * bytecode; the zip is sorted with one fixed timestamp (`zip-archive.ts`). The same app and wheels
 * give the same archive hash, which is what redeploys the function. Vendored trees are cached under
 * `.build/python/`, keyed by the requirements and the target platform.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "./bundle";
import { writeZip, type WrittenZip, type ZipEntry } from "./zip-archive";

/** Python versions the packaging targets: Lambda runtimes the policy pack allows (compute.ts). */
export const PYTHON_VERSIONS = ["3.13"] as const;
export type PythonVersion = (typeof PYTHON_VERSIONS)[number];

/**
 * Platform tags of wheels the Lambda Python runtimes load: Amazon Linux 2023 has glibc 2.34, so
 * manylinux wheels up to 2_34 (manylinux2014 is 2_17). Pure-Python wheels always match.
 */
export function lambdaPlatformTags(architecture: "arm64" | "x86_64"): string[] {
  const machine = architecture === "arm64" ? "aarch64" : "x86_64";
  return [`manylinux2014_${machine}`, `manylinux_2_28_${machine}`, `manylinux_2_34_${machine}`];
}

/** The launcher run.sh starts (components/python/_platform_launch.py). */
export const LAUNCHER_FILE = "_platform_launch.py";
/** Where vendored dependencies go inside the archive. */
export const VENDOR_DIR = "vendor";
/** The function's handler: the adapter's bootstrap executes it. */
export const START_SCRIPT = "run.sh";

/** Never packaged from the app's directory: local state, caches, and secrets (`.env`). */
const EXCLUDED_DIRS = new Set([
  ".git",
  ".venv",
  "venv",
  "__pycache__",
  ".aws-sam",
  ".pytest_cache",
  ".mypy_cache",
  ".ruff_cache",
  "node_modules",
]);
const excludedFile = (name: string) =>
  name === ".env" || name.startsWith(".env.") || /\.py[co]$/.test(name) || name === ".DS_Store";

export interface PythonAppArgs {
  /** The app's directory: absolute, or relative to the project root. */
  dir: string;
  /**
   * The ASGI app, `module:attribute`, as uvicorn takes it.
   * @example "main:app"
   */
  app: string;
  /**
   * Requirements file, relative to `dir` (or absolute: a lock kept outside the app).
   * @default "requirements.txt"
   */
  requirementsFile?: string;
  /**
   * CPython version of the Lambda runtime.
   * @default "3.13"
   */
  pythonVersion?: PythonVersion;
  /**
   * The function's architecture: the wheels' platform.
   * @default "arm64"
   */
  architecture?: "arm64" | "x86_64";
  /**
   * Where wheels come from: a package index (pip's default, PyPI) or only a local directory of
   * wheels (`--no-index --find-links`), for offline builds and tests.
   * @default { index: undefined } (pip's configured index)
   */
  wheels?: { index?: string } | { findLinks: string };
  /**
   * The Python that runs pip on the machine that packages (any version: it downloads wheels for
   * `pythonVersion`, it does not build them).
   * @default "python3"
   */
  python?: string;
  /**
   * Cache of vendored trees and written archives.
   * @default "<project>/.build/python"
   */
  cacheDir?: string;
}

export interface PythonPackage extends WrittenZip {
  /** The Lambda runtime identifier, e.g. `python3.13`. */
  readonly runtime: string;
  /** The function's handler (the start script). */
  readonly handler: string;
  /** Vendored distributions, `name==version`, sorted. */
  readonly packages: readonly string[];
  /** Files taken from the app's directory. */
  readonly appFiles: number;
}

export class PythonPackagingError extends Error {
  override readonly name = "PythonPackagingError";
}

export interface Requirement {
  /** Normalized name (PEP 503). */
  readonly name: string;
  /** The line as written, without comments. */
  readonly line: string;
  readonly pinned: boolean;
}

/** PEP 503 normalization: `Foo_Bar.baz` → `foo-bar-baz`. */
export const normalizeName = (name: string) => name.toLowerCase().replace(/[-_.]+/g, "-");

/**
 * Parses a requirements file: one requirement per line (`name[extras]==version`, optional
 * `; markers` and `--hash=` options), comments and blank lines ignored. Throws naming each line it
 * cannot take: references to other files, editable or URL installs, index options (the wheel source
 * is the packaging's, not the file's).
 */
export function parseRequirements(text: string, file: string): Requirement[] {
  const problems: string[] = [];
  const requirements: Requirement[] = [];
  const lines = text.replace(/\\\r?\n/g, " ").split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (line === "") return;
    const at = `${file}:${i + 1}`;
    if (line.startsWith("-")) {
      problems.push(`${at}: "${line}" is not supported (list the packages themselves)`);
      return;
    }
    const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;]*?)\s*(;.*)?$/.exec(
      line.replace(/\s+--hash=\S+/g, ""),
    );
    if (!match || match[3]!.includes("@") || match[3]!.includes("://")) {
      problems.push(`${at}: "${line}" is not a name[extras]==version requirement`);
      return;
    }
    const spec = match[3]!;
    requirements.push({
      name: normalizeName(match[1]!),
      line,
      pinned: /^===?\s*[A-Za-z0-9.+!_-]+$/.test(spec) && !spec.includes("*"),
    });
  });
  if (problems.length > 0) throw new PythonPackagingError(problems.join("\n"));
  return requirements;
}

/**
 * The package pip could not find a wheel for, and what asked for it, from pip's error output;
 * undefined when the failure is something else.
 */
export function missingDistribution(
  stderr: string,
): { requirement: string; from?: string } | undefined {
  const found =
    /Could not find a version that satisfies the requirement (\S+)(?: \(from (?!versions:)([^)]+)\))?/.exec(
      stderr,
    ) ?? /No matching distribution found for (\S+)/.exec(stderr);
  if (!found) return undefined;
  return { requirement: found[1]!, ...(found[2] ? { from: found[2] } : {}) };
}

const LAUNCHER_SOURCE = path.join(__dirname, "python", LAUNCHER_FILE);

/** The start script: puts the vendored tree on the path and starts the app through the launcher. */
export function startScript(app: string): string {
  return [
    "#!/bin/sh",
    "# The function's handler: the Lambda Web Adapter's bootstrap (AWS_LAMBDA_EXEC_WRAPPER) runs it.",
    "# Generated by the platform's packaging (components/python-app.ts); the app is unchanged.",
    "set -eu",
    'cd "$(dirname "$0")"',
    `export PYTHONPATH="$PWD/${VENDOR_DIR}:$PWD\${PYTHONPATH:+:$PYTHONPATH}"`,
    `exec python3 -m ${LAUNCHER_FILE.replace(/\.py$/, "")} '${app}'`,
    "",
  ].join("\n");
}

/** The files the platform adds to every Python app's archive (the start script and launcher). */
export function platformFiles(app: string): ZipEntry[] {
  return [
    { path: START_SCRIPT, data: startScript(app), mode: 0o755 },
    { path: LAUNCHER_FILE, data: fs.readFileSync(LAUNCHER_SOURCE) },
  ];
}

/** Every file under `root` (relative `/` paths, sorted) with its mode, minus `skip`ped ones. */
function walk(
  root: string,
  skipDir: (name: string) => boolean,
  skipFile: (name: string) => boolean,
): ZipEntry[] {
  const entries: ZipEntry[] = [];
  const visit = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      const full = path.join(root, child);
      if (entry.isDirectory()) {
        if (!skipDir(entry.name)) visit(child);
      } else if (entry.isFile() || (entry.isSymbolicLink() && fs.statSync(full).isFile())) {
        if (skipFile(entry.name)) continue;
        const executable = (fs.statSync(full).mode & 0o100) !== 0;
        entries.push({
          path: child,
          data: fs.readFileSync(full),
          mode: executable ? 0o755 : 0o644,
        });
      }
    }
  };
  visit("");
  return entries.sort((a, b) => (a.path < b.path ? -1 : 1));
}

interface Vendored {
  readonly dir: string;
  readonly packages: string[];
}

/** Installs the requirements' wheels for the Lambda platform into a cached tree. */
function vendor(
  requirementsPath: string,
  requirementsText: string,
  args: Required<Pick<PythonAppArgs, "pythonVersion" | "architecture" | "python" | "cacheDir">> &
    Pick<PythonAppArgs, "wheels">,
  label: string,
): Vendored {
  const platforms = lambdaPlatformTags(args.architecture);
  const source =
    args.wheels && "findLinks" in args.wheels
      ? ["--no-index", "--find-links", path.resolve(PROJECT_ROOT, args.wheels.findLinks)]
      : args.wheels?.index
        ? ["--index-url", args.wheels.index]
        : [];
  const key = createHash("sha256")
    .update(JSON.stringify([requirementsText, platforms, args.pythonVersion, source]))
    .digest("hex")
    .slice(0, 24);
  const dir = path.join(args.cacheDir, `vendor-${key}`);
  const done = path.join(dir, ".platform-vendored");
  if (!fs.existsSync(done)) {
    const staging = `${dir}.${process.pid}.tmp`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(staging, { recursive: true });
    const pip = [
      "-m",
      "pip",
      "install",
      "--no-input",
      "--disable-pip-version-check",
      "--no-compile",
      "--only-binary=:all:",
      "--implementation",
      "cp",
      "--python-version",
      args.pythonVersion,
      ...platforms.flatMap((p) => ["--platform", p]),
      "--target",
      staging,
      ...source,
      "-r",
      requirementsPath,
    ];
    const result = spawnSync(args.python, pip, { encoding: "utf8", env: { ...process.env } });
    if (result.error) {
      throw new PythonPackagingError(
        `${label}: cannot run ${args.python} -m pip (${result.error.message}): packaging needs Python 3 with pip`,
      );
    }
    if (result.status !== 0) {
      fs.rmSync(staging, { recursive: true, force: true });
      const missing = missingDistribution(result.stderr);
      const where =
        source.length > 0 && source[0] === "--no-index"
          ? `in ${source[2]}`
          : `on ${args.wheels && "index" in args.wheels && args.wheels.index ? args.wheels.index : "the package index"}`;
      if (missing) {
        throw new PythonPackagingError(
          `${label}: no wheel of ${missing.requirement}${missing.from ? ` (required by ${missing.from})` : ""} ` +
            `for CPython ${args.pythonVersion} on Linux ${args.architecture} (${platforms.join(", ")} or pure Python) ${where}. ` +
            `A Lambda zip takes prebuilt wheels only: pick a version that publishes one, or replace the package.`,
        );
      }
      const tail = result.stderr.trim().split("\n").slice(-6).join("\n  ");
      throw new PythonPackagingError(`${label}: pip could not vendor the requirements:\n  ${tail}`);
    }
    fs.writeFileSync(path.join(staging, ".platform-vendored"), requirementsText);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
  }
  const packages = fs
    .readdirSync(dir)
    .map((n) => /^(.+)-([^-]+)\.dist-info$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${normalizeName(m[1]!)}==${m[2]}`)
    .sort();
  return { dir, packages };
}

/**
 * Packages the app: validates the directory and requirements, vendors the wheels, writes the zip.
 * @throws PythonPackagingError naming the directory, file, line or package at fault.
 */
export function packagePythonApp(args: PythonAppArgs): PythonPackage {
  const pythonVersion = args.pythonVersion ?? "3.13";
  const architecture = args.architecture ?? "arm64";
  const cacheDir = args.cacheDir ?? path.join(PROJECT_ROOT, ".build", "python");
  const dir = path.resolve(PROJECT_ROOT, args.dir);
  const label = `Python app ${dir}`;

  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new PythonPackagingError(`${label}: no such directory`);
  }
  if (!/^[A-Za-z_][A-Za-z0-9_.]*:[A-Za-z_][A-Za-z0-9_.]*$/.test(args.app)) {
    throw new PythonPackagingError(`${label}: app "${args.app}" is not module:attribute`);
  }
  const moduleFile = args.app.split(":")[0]!.replace(/\./g, "/");
  if (
    !fs.existsSync(path.join(dir, `${moduleFile}.py`)) &&
    !fs.existsSync(path.join(dir, moduleFile, "__init__.py"))
  ) {
    throw new PythonPackagingError(
      `${label}: app "${args.app}" names module ${moduleFile}.py, which the directory does not have`,
    );
  }
  const requirementsPath = path.resolve(dir, args.requirementsFile ?? "requirements.txt");
  if (!fs.existsSync(requirementsPath)) {
    throw new PythonPackagingError(`${label}: no requirements file ${requirementsPath}`);
  }
  const requirementsText = fs.readFileSync(requirementsPath, "utf8");
  const requirements = parseRequirements(requirementsText, requirementsPath);
  const unpinned = requirements.filter((r) => !r.pinned);
  if (unpinned.length > 0) {
    throw new PythonPackagingError(
      `${label}: ${requirementsPath} must pin every package with == for a reproducible archive; not pinned: ${unpinned.map((r) => r.line).join(", ")}`,
    );
  }
  if (!requirements.some((r) => r.name === "uvicorn")) {
    throw new PythonPackagingError(
      `${label}: ${requirementsPath} does not list uvicorn, which serves the app behind the adapter (add e.g. uvicorn==0.34.0)`,
    );
  }

  const app = walk(
    dir,
    (name) => EXCLUDED_DIRS.has(name),
    (name) => excludedFile(name),
  );
  const reserved = [START_SCRIPT, LAUNCHER_FILE, VENDOR_DIR];
  const clashes = app.filter((f) => reserved.includes(f.path.split("/")[0]!));
  if (clashes.length > 0) {
    throw new PythonPackagingError(
      `${label}: ${clashes.map((f) => f.path).join(", ")} clash with what the packaging adds (${reserved.join(", ")})`,
    );
  }

  const vendored = vendor(
    requirementsPath,
    requirementsText,
    {
      pythonVersion,
      architecture,
      python: args.python ?? "python3",
      cacheDir,
      wheels: args.wheels,
    },
    label,
  );
  const deps = walk(
    vendored.dir,
    (name) => name === "__pycache__",
    (name) => /\.py[co]$/.test(name) || name === ".platform-vendored",
  ).map((e) => ({ ...e, path: `${VENDOR_DIR}/${e.path}` }));

  const zip = writeZip(
    path.join(cacheDir, "archives"),
    [...platformFiles(args.app), ...app, ...deps],
    path.basename(dir).replace(/[^A-Za-z0-9_-]/g, "-") || "app",
  );
  // Function code and layers share 250 MB unzipped; the adapter's layer is a few MB.
  if (zip.unzippedBytes > 240 * 1024 * 1024) {
    throw new PythonPackagingError(
      `${label}: ${(zip.unzippedBytes / 1048576).toFixed(0)} MB unzipped, over Lambda's 250 MB with the adapter layer: use the container image packaging`,
    );
  }
  return {
    ...zip,
    runtime: `python${pythonVersion}`,
    handler: START_SCRIPT,
    packages: vendored.packages,
    appFiles: app.length,
  };
}

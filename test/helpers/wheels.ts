/**
 * Wheels made in the test, so vendoring runs against a local directory (no package index): small
 * made-up packages, and real pure-Python packages rebuilt from the machine's Debian install
 * (python3-fastapi, python3-uvicorn), so the packaged app runs the vendored copies.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { zipBytes, type ZipEntry } from "../../components/zip-archive";

/** Debian's interpreter, with python3-fastapi and python3-uvicorn (.ci/run installs them). */
export const DEBIAN_PYTHON = "/usr/bin/python3";

export interface WheelSpec {
  name: string;
  version: string;
  /** Compatibility tag, e.g. `py3-none-any` or `cp313-cp313-manylinux2014_aarch64`. */
  tag: string;
  /** Path inside the wheel → content. */
  files: Record<string, string | Uint8Array>;
  requires?: string[];
}

/** Writes a wheel (a zip with its .dist-info) into `dir` and returns its path. */
export function makeWheel(dir: string, spec: WheelSpec): string {
  const distInfo = `${spec.name}-${spec.version}.dist-info`;
  const entries: ZipEntry[] = [
    ...Object.entries(spec.files).map(([p, data]) => ({ path: p, data })),
    {
      path: `${distInfo}/METADATA`,
      data:
        `Metadata-Version: 2.1\nName: ${spec.name}\nVersion: ${spec.version}\n` +
        (spec.requires ?? []).map((r) => `Requires-Dist: ${r}\n`).join(""),
    },
    {
      path: `${distInfo}/WHEEL`,
      data: `Wheel-Version: 1.0\nGenerator: platform-tests\nRoot-Is-Purelib: true\nTag: ${spec.tag}\n`,
    },
    { path: `${distInfo}/RECORD`, data: "" },
  ];
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${spec.name}-${spec.version}-${spec.tag}.whl`);
  fs.writeFileSync(file, zipBytes(entries));
  return file;
}

/**
 * A pure-Python wheel of a package the machine has installed for Debian's Python, without its
 * dependencies' metadata (they stay Debian's, on the interpreter's own path).
 */
export function wheelOfInstalled(dir: string, module: string): string {
  const [location, version] = execFileSync(
    DEBIAN_PYTHON,
    [
      "-c",
      `import ${module}, os; print(os.path.dirname(${module}.__file__)); print(${module}.__version__)`,
    ],
    { encoding: "utf8" },
  )
    .trim()
    .split("\n");
  const files: Record<string, Uint8Array> = {};
  const walk = (relative: string) => {
    for (const e of fs.readdirSync(path.join(location!, relative), { withFileTypes: true })) {
      const child = path.posix.join(relative, e.name);
      if (e.isDirectory() && e.name !== "__pycache__") walk(child);
      else if (e.isFile() && !e.name.endsWith(".pyc")) {
        files[`${module}/${child}`] = fs.readFileSync(path.join(location!, child));
      }
    }
  };
  walk("");
  return makeWheel(dir, { name: module, version: version!, tag: "py3-none-any", files });
}

/**
 * The wheels the finance fixture app needs, made in `dir`: Debian's fastapi and uvicorn rebuilt
 * as wheels, and a pure-Python helper package.
 */
export function financeFixtureWheels(dir: string): string {
  wheelOfInstalled(dir, "fastapi");
  wheelOfInstalled(dir, "uvicorn");
  makeWheel(dir, {
    name: "finhelper",
    version: "1.0.0",
    tag: "py3-none-any",
    files: { "finhelper/__init__.py": 'ARCH = "any"\n' },
  });
  return dir;
}

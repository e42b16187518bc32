/**
 * esbuild bundling of Lambda handlers at program evaluation (preview and up alike).
 *
 * Everything a handler imports is inlined except the AWS SDK v3 (the Node.js Lambda runtime ships
 * it) and Node built-ins. A module that cannot be resolved, or anything else left external, fails
 * the preview here instead of the function at its first cold start: no layer can be forgotten.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { builtinModules } from "node:module";
import * as path from "node:path";
import * as esbuild from "esbuild";
import * as pulumi from "@pulumi/pulumi";

/** The project root: bundles' source maps name files relative to it. */
export const PROJECT_ROOT = path.resolve(__dirname, "..");

/** Packages the Lambda Node.js runtime provides; every other import is bundled. */
export const RUNTIME_PROVIDED_PACKAGES = ["@aws-sdk/*"];

/** The file name of the bundle inside the function's archive (handler `index.handler`). */
export const BUNDLE_FILE = "index.js";

export interface BundleOptions {
  /**
   * esbuild target.
   * @default "node22"
   */
  target?: string;
  /**
   * Minify the bundle.
   * @default true
   */
  minify?: boolean;
  /**
   * Emit a linked source map beside the bundle (`index.js.map`); the function runs with
   * `NODE_OPTIONS=--enable-source-maps` so stack traces name our TypeScript.
   * @default true
   */
  sourcemap?: boolean;
}

export interface Bundle {
  /** The entry file, relative to the project root. */
  readonly entry: string;
  /** The bundled CommonJS code. */
  readonly code: string;
  /** The source map, when asked for. */
  readonly sourceMap?: string;
  /** Size of `code` in bytes (what the runtime loads). */
  readonly bytes: number;
  /** SHA-256 of code and source map: changes exactly when the deployed archive would. */
  readonly sha256: string;
  /** Imports left to the runtime (AWS SDK packages and Node built-ins), sorted. */
  readonly externals: readonly string[];
}

export class BundleError extends Error {
  override readonly name = "BundleError";
}

const builtins = new Set(builtinModules);

/** True when the runtime itself resolves `specifier`: a Node built-in or an AWS SDK v3 package. */
export function isRuntimeProvided(specifier: string): boolean {
  if (specifier.startsWith("node:")) return true;
  if (builtins.has(specifier.split("/")[0] ?? "")) return true;
  return specifier.startsWith("@aws-sdk/");
}

/**
 * Where bundles are kept between runs, by content: an unchanged function is not rebuilt. Each entry
 * records the hash of every file esbuild read, so a change anywhere in a handler's imports (ours or
 * a bundled package's) rebuilds it; esbuild's version, the options and the lockfile are in the key.
 */
export const BUNDLE_CACHE_DIR = path.join(
  PROJECT_ROOT,
  "node_modules",
  ".cache",
  "platform-bundles",
);

/** How many bundles this process built with esbuild and how many it took from the cache. */
export const bundleStats = { built: 0, cached: 0 };

/** A file's content hash, and the size and mtime it had when hashed. */
interface FileVersion {
  readonly sha256: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** A cached bundle: the files it was built from, as they were. */
interface CacheEntry {
  readonly options: BundleOptions;
  readonly inputs: Record<string, FileVersion>;
  readonly bundle: Bundle;
}

/** The cache entries' layout: part of their key, so entries of another layout are never read. */
const CACHE_FORMAT = 2;

const fileHashes = new Map<string, FileVersion>();

/**
 * A file's version, or null when it is gone. A file whose size and mtime match `known` (or an
 * earlier read in this process) is not read again: checking a bundle's 100-odd inputs costs a stat
 * each, as `make` and Git's index do, and a hash only where the stat changed.
 */
function fileVersion(file: string, known?: FileVersion): FileVersion | null {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return null;
  }
  const same = (v: FileVersion | undefined) =>
    v !== undefined && v.mtimeMs === stat.mtimeMs && v.size === stat.size;
  if (same(known)) return known!;
  const remembered = fileHashes.get(file);
  if (same(remembered)) return remembered!;
  const version = {
    sha256: createHash("sha256").update(fs.readFileSync(file)).digest("hex"),
    size: stat.size,
    mtimeMs: stat.mtimeMs,
  };
  fileHashes.set(file, version);
  return version;
}

/** esbuild's options for an entry: everything that shapes the bundle besides the files it reads. */
function buildOptions(absolute: string, options: BundleOptions) {
  const sourcemap = options.sourcemap ?? true;
  return {
    entryPoints: [absolute],
    absWorkingDir: PROJECT_ROOT,
    outfile: path.join(PROJECT_ROOT, ".build", BUNDLE_FILE),
    write: false,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: options.target ?? "node22",
    // ESM builds of dependencies tree-shake far better than their CommonJS ones.
    mainFields: ["module", "main"],
    // `import(x)` as `require(x)` on first use: handlers defer SDK clients that way, and the
    // CommonJS build of a package is the one every other import of it loads.
    supported: { "dynamic-import": false },
    minify: options.minify ?? true,
    sourcemap: sourcemap ? "linked" : false,
    sourcesContent: false,
    legalComments: "none",
    external: RUNTIME_PROVIDED_PACKAGES,
    metafile: true,
    logLevel: "silent",
  } satisfies esbuild.BuildOptions;
}

/** The cache file of an entry built with `options`. */
function cacheFile(absolute: string, options: BundleOptions): string {
  const key = createHash("sha256")
    .update(
      JSON.stringify([
        CACHE_FORMAT,
        esbuild.version,
        buildOptions(absolute, options),
        fileVersion(path.join(PROJECT_ROOT, "package-lock.json"))?.sha256 ?? null,
      ]),
    )
    .digest("hex");
  return path.join(BUNDLE_CACHE_DIR, `${key}.json`);
}

/** Cache entries read in this process, with the mtime of their file: read once, checked each time. */
const entries = new Map<string, { mtimeMs: number; entry: CacheEntry }>();

/** The cache entry in `file`, or undefined when there is none (or not a readable one). */
function readEntry(file: string): CacheEntry | undefined {
  try {
    const { mtimeMs } = fs.statSync(file);
    const read = entries.get(file);
    if (read?.mtimeMs === mtimeMs) return read.entry;
    const entry = JSON.parse(fs.readFileSync(file, "utf8")) as CacheEntry;
    entries.set(file, { mtimeMs, entry });
    return entry;
  } catch {
    return undefined;
  }
}

/** The cached bundle of an entry, if every file it was built from is unchanged. */
function fromCache(file: string): Bundle | undefined {
  const entry = readEntry(file);
  if (!entry) return undefined;
  const unchanged = Object.entries(entry.inputs).every(
    ([input, known]) =>
      fileVersion(path.resolve(PROJECT_ROOT, input), known)?.sha256 === known.sha256,
  );
  return unchanged ? entry.bundle : undefined;
}

function toCache(
  file: string,
  options: BundleOptions,
  bundle: Bundle,
  metafile: esbuild.Metafile,
): void {
  const inputs: Record<string, FileVersion> = {};
  for (const input of Object.keys(metafile.inputs)) {
    const version = fileVersion(path.resolve(PROJECT_ROOT, input));
    if (version === null) return; // Not a file on disk: never reuse.
    inputs[input] = version;
  }
  try {
    fs.mkdirSync(BUNDLE_CACHE_DIR, { recursive: true });
    // Write then rename: a concurrent run never reads half an entry.
    const tmp = `${file}.${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify({ options, inputs, bundle } satisfies CacheEntry));
    fs.renameSync(tmp, file);
  } catch {
    // A read-only checkout bundles every time.
  }
}

/** The bundle from esbuild's result, or the BundleError it amounts to. */
function bundleFrom(
  relative: string,
  result: esbuild.BuildResult<{ write: false; metafile: true }>,
): Bundle {
  const externals = [
    ...new Set(
      Object.values(result.metafile.inputs).flatMap((input) =>
        input.imports.filter((i) => i.external).map((i) => i.path),
      ),
    ),
  ].sort();
  const forbidden = externals.filter((e) => !isRuntimeProvided(e));
  if (forbidden.length > 0) {
    throw new BundleError(
      `${relative} leaves ${forbidden.join(", ")} to the runtime, which does not provide it`,
    );
  }

  const js = result.outputFiles.find((f) => f.path.endsWith(".js"));
  const map = result.outputFiles.find((f) => f.path.endsWith(".map"));
  if (!js) throw new BundleError(`esbuild wrote no JavaScript for ${relative}`);
  return {
    entry: relative,
    code: js.text,
    ...(map ? { sourceMap: map.text } : {}),
    bytes: js.contents.byteLength,
    sha256: createHash("sha256")
      .update(js.text)
      .update(map?.text ?? "")
      .digest("hex"),
    externals,
  };
}

function bundleError(relative: string, error: unknown): BundleError {
  if (error instanceof BundleError) return error;
  const failure = error as esbuild.BuildFailure;
  const problems = (failure.errors ?? []).map(
    (e) => `  ${e.location ? `${e.location.file}:${e.location.line}: ` : ""}${e.text}`,
  );
  return new BundleError(`cannot bundle ${relative}:\n${problems.join("\n") || String(error)}`, {
    cause: error,
  });
}

/**
 * Bundles one handler entry (a path relative to the project root or absolute) into a single
 * CommonJS file. Throws `BundleError` naming the entry and every unresolvable or forbidden import.
 * Cached by content across runs (BUNDLE_CACHE_DIR): esbuild runs only when an input changed.
 */
export function bundleHandler(entry: string, options: BundleOptions = {}): Bundle {
  const absolute = path.resolve(PROJECT_ROOT, entry);
  const relative = path.relative(PROJECT_ROOT, absolute);
  const file = cacheFile(absolute, options);
  const cached = fromCache(file);
  if (cached) {
    bundleStats.cached++;
    return { ...cached, entry: relative };
  }
  try {
    const result = esbuild.buildSync(buildOptions(absolute, options));
    const bundle = bundleFrom(relative, result);
    bundleStats.built++;
    toCache(file, options, bundle, result.metafile);
    return bundle;
  } catch (error) {
    throw bundleError(relative, error);
  }
}

/**
 * Rebuilds, all at once, every cached bundle whose files changed since (esbuild's service runs
 * them concurrently), so that the program's `bundleHandler` calls that follow find them cached
 * instead of running esbuild one after another. A bundle that no longer builds is left to
 * `bundleHandler`, which reports it where the program asks for it.
 */
export async function refreshBundles(): Promise<number> {
  let files: string[];
  try {
    files = fs.readdirSync(BUNDLE_CACHE_DIR).filter((f) => f.endsWith(".json"));
  } catch {
    return 0;
  }
  const stale: { file: string; entry: Bundle["entry"]; options: BundleOptions }[] = [];
  for (const name of files) {
    const file = path.join(BUNDLE_CACHE_DIR, name);
    if (fromCache(file)) continue;
    const cached = readEntry(file);
    if (!cached) continue;
    const { options, bundle } = cached;
    if (cacheFile(path.resolve(PROJECT_ROOT, bundle.entry), options) === file) {
      stale.push({ file, entry: bundle.entry, options });
    } else {
      // Keyed by an older esbuild or lockfile: never hit again.
      fs.rmSync(file, { force: true });
    }
  }
  await Promise.all(
    stale.map(async ({ file, entry, options }) => {
      const absolute = path.resolve(PROJECT_ROOT, entry);
      try {
        const result = await esbuild.build(buildOptions(absolute, options));
        toCache(file, options, bundleFrom(entry, result), result.metafile);
      } catch {
        // Gone or broken: forgotten here, and reported by bundleHandler if the program asks for it.
        fs.rmSync(file, { force: true });
      }
    }),
  );
  return stale.length;
}

/** The Lambda deployment archive for a bundle: `index.js` (+ `index.js.map`) and any extra files. */
export function bundleArchive(
  bundle: Bundle,
  extraFiles: Record<string, string> = {},
): pulumi.asset.AssetArchive {
  return new pulumi.asset.AssetArchive({
    ...Object.fromEntries(
      Object.entries(extraFiles).map(([file, text]) => [file, new pulumi.asset.StringAsset(text)]),
    ),
    [BUNDLE_FILE]: new pulumi.asset.StringAsset(bundle.code),
    ...(bundle.sourceMap
      ? { [`${BUNDLE_FILE}.map`]: new pulumi.asset.StringAsset(bundle.sourceMap) }
      : {}),
  });
}

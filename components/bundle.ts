/**
 * esbuild bundling of Lambda handlers at program evaluation (preview and up alike).
 *
 * Everything a handler imports is inlined except the AWS SDK v3 (the Node.js Lambda runtime ships
 * it) and Node built-ins. A module that cannot be resolved, or anything else left external, fails
 * the preview here instead of the function at its first cold start: no layer can be forgotten.
 */
import { createHash } from "node:crypto";
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

const cache = new Map<string, Bundle>();

/**
 * Bundles one handler entry (a path relative to the project root or absolute) into a single
 * CommonJS file. Throws `BundleError` naming the entry and every unresolvable or forbidden import.
 * Memoized per entry and options within a process.
 */
export function bundleHandler(entry: string, options: BundleOptions = {}): Bundle {
  const absolute = path.resolve(PROJECT_ROOT, entry);
  const relative = path.relative(PROJECT_ROOT, absolute);
  const key = JSON.stringify([absolute, options]);
  const cached = cache.get(key);
  if (cached) return cached;

  const sourcemap = options.sourcemap ?? true;
  let result: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    result = esbuild.buildSync({
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
      minify: options.minify ?? true,
      sourcemap: sourcemap ? "linked" : false,
      sourcesContent: false,
      legalComments: "none",
      external: RUNTIME_PROVIDED_PACKAGES,
      metafile: true,
      logLevel: "silent",
    });
  } catch (error) {
    const failure = error as esbuild.BuildFailure;
    const problems = (failure.errors ?? []).map(
      (e) => `  ${e.location ? `${e.location.file}:${e.location.line}: ` : ""}${e.text}`,
    );
    throw new BundleError(`cannot bundle ${relative}:\n${problems.join("\n") || String(error)}`, {
      cause: error,
    });
  }

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
  const bundle: Bundle = {
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
  cache.set(key, bundle);
  return bundle;
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

// @ts-check
/**
 * `node -r ./tools/register.js tools/plan.ts`: runs the repository's TypeScript fast. The tools'
 * loader (what `npm run plan` and `npm run bench` start with) instead of ts-node, for two reasons
 * a CPU profile of the plan showed:
 *
 * - Transpiling: esbuild strips the types of a file in about a millisecond, and the result is
 *   cached on disk by content (node_modules/.cache/platform-ts), so an unchanged file is read, not
 *   transpiled again.
 * - Stack traces: Pulumi reads `new Error().stack` for every resource it registers and every
 *   promise it tracks (thousands per plan). ts-node's source-map support maps every frame of every
 *   one of those stacks, which alone took a third of the plan. Here stacks are formatted by V8 as
 *   they are (positions in the transpiled code) and mapped back to TypeScript lines only when an
 *   error is shown: `readableStack(err)` (engine/stack-trace.ts) and uncaught exceptions.
 *
 * Type checking stays with `npm run typecheck`, as with ts-node's transpile-only mode.
 */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const esbuild = require("esbuild");

/** Everything that changes the transpiled output is part of each file's cache key. */
const OPTIONS = {
  loader: "ts",
  format: "cjs",
  target: "node20",
  sourcemap: "external",
  // `import(x)` becomes `require(x)`, as TypeScript's commonjs output does (ESM would not load .ts).
  supported: { "dynamic-import": false },
  // As tsconfig.json's ES2022 target (useDefineForClassFields) and esModuleInterop.
  tsconfigRaw: { compilerOptions: { target: "ES2022", esModuleInterop: true } },
};
const CACHE = path.join(__dirname, "..", "node_modules", ".cache", "platform-ts");
const SALT = `${esbuild.version}\0${process.version}\0${JSON.stringify(OPTIONS)}`;

/** Transpiled file → its source map, parsed when a stack is first mapped. */
const maps = new Map();

/**
 * @param {string} source
 * @param {string} filename
 * @returns {{ code: string, map: string }}
 */
function transpile(source, filename) {
  const key = crypto.createHash("sha256").update(`${SALT}\0${filename}\0${source}`).digest("hex");
  const file = path.join(CACHE, key);
  try {
    return {
      code: fs.readFileSync(`${file}.js`, "utf8"),
      map: fs.readFileSync(`${file}.map`, "utf8"),
    };
  } catch {
    // Not cached yet.
  }
  const out = esbuild.transformSync(source, { ...OPTIONS, sourcefile: filename });
  try {
    fs.mkdirSync(CACHE, { recursive: true });
    // Write then rename: concurrent runs never read half a file.
    const tmp = `${file}.${process.pid}`;
    fs.writeFileSync(`${tmp}.map`, out.map);
    fs.renameSync(`${tmp}.map`, `${file}.map`);
    fs.writeFileSync(`${tmp}.js`, out.code);
    fs.renameSync(`${tmp}.js`, `${file}.js`);
  } catch {
    // A read-only checkout still runs, uncached.
  }
  return out;
}

// @ts-expect-error Module._extensions is Node's (stable, undocumented) hook for require().
Module._extensions[".ts"] = function loadTypeScript(module, filename) {
  const { code, map } = transpile(fs.readFileSync(filename, "utf8"), filename);
  maps.set(filename, map);
  module._compile(code, filename);
};

/**
 * Modules Pulumi's SDK loads at import that the offline plan never uses; each is a stand-in that
 * loads the real module at its first use, so anything that does use one still works.
 *
 * - Closure serialization (a JavaScript function turned into Lambda code; this program bundles
 *   handlers with esbuild instead): TypeScript's 9 MB compiler, npm's arborist and package readers.
 * - The Automation API, and gRPC with its service stubs and tracing: the mock runtime talks to no
 *   engine.
 */
const PULUMI_SDK = /@pulumi[\\/]pulumi[\\/]/;
const DEFERRED = [
  { request: /^typescript$/, from: /@pulumi[\\/]pulumi[\\/]typescript-shim\.js$/ },
  {
    request: /^(@npmcli\/arborist|normalize-package-data|fdir)$/,
    from: /@pulumi[\\/]pulumi[\\/]runtime[\\/]closure[\\/]/,
  },
  { request: /^\.\/automation$/, from: /@pulumi[\\/]pulumi[\\/]index\.js$/ },
  { request: /^(@grpc\/grpc-js|\.\.\/proto\/\w+_grpc_pb|@opentelemetry\/api)$/, from: PULUMI_SDK },
];
// @ts-expect-error Module._load is Node's (stable, undocumented) require() entry point.
const load = Module._load;
// @ts-expect-error See above.
Module._load = function loadDeferred(request, parent, isMain) {
  const deferred =
    parent?.filename &&
    DEFERRED.some((d) => d.request.test(request) && d.from.test(parent.filename));
  if (!deferred) return load.call(this, request, parent, isMain);
  /** @type {any} */
  let real;
  const target = () => (real ??= load.call(this, request, parent, isMain));
  return new Proxy(
    {},
    {
      // `__esModule` keeps TypeScript's import helpers from copying (and so loading) it at import;
      // `default` is then what `__importDefault` would have made of a CommonJS module.
      get: (_, key) =>
        key === "__esModule"
          ? true
          : key === "default" && !target().__esModule
            ? target()
            : Reflect.get(target(), key),
      has: (_, key) => Reflect.has(target(), key),
      ownKeys: () => Reflect.ownKeys(target()),
      getOwnPropertyDescriptor: (_, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(target(), key);
        return descriptor && { ...descriptor, configurable: true };
      },
    },
  );
};

/**
 * `@pulumi/aws` loads all of its 238 service modules (`aws.ec2`, `aws.s3`, ...) at import, about
 * 250 files, though each defers its resource classes; the program uses about 25. Here each service
 * module loads when the program first reads it. A service module registers its resource types for
 * deserializing references, and references can only name resources the program created, whose
 * modules it has read by then.
 */
const AWS_INDEX = /@pulumi[\\/]aws[\\/]index\.js$/;
const SERVICE_IMPORT =
  /^const (\w+) = __importStar\(require\("(\.\/\w+)"\)\);\nexports\.\1 = \1;$/gm;
// @ts-expect-error See Module._extensions above.
const loadJs = Module._extensions[".js"];
// @ts-expect-error See above.
Module._extensions[".js"] = function loadLazyServices(module, filename) {
  if (!AWS_INDEX.test(filename)) return loadJs(module, filename);
  const source = fs
    .readFileSync(filename, "utf8")
    .replace(
      SERVICE_IMPORT,
      (_, name, request) =>
        `Object.defineProperty(exports, "${name}", { enumerable: true, configurable: true, get: () => __importStar(require("${request}")) });`,
    );
  module._compile(source, filename);
};

/**
 * A stack with every frame in a transpiled file pointing at its TypeScript line instead.
 * @param {string} stack
 * @returns {string}
 */
function mapStack(stack) {
  return stack.replace(/([^\s(]+\.ts):(\d+):(\d+)/g, (whole, file, line, column) => {
    let map = maps.get(file);
    if (map === undefined) return whole;
    if (typeof map === "string") {
      map = new Module.SourceMap(JSON.parse(map));
      maps.set(file, map);
    }
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1);
    if (!entry || entry.originalLine === undefined) return whole;
    return `${file}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}

// engine/stack-trace.ts finds the mapper here (it also runs under ts-node, whose stacks are mapped already).
Object.defineProperty(globalThis, Symbol.for("platform.mapStack"), { value: mapStack });

// An exception nothing catches: print it with TypeScript lines, as Node would print it otherwise.
process.setUncaughtExceptionCaptureCallback((err) => {
  const text = err instanceof Error && err.stack ? mapStack(err.stack) : String(err);
  process.stderr.write(`${text}\n`);
  process.exit(1);
});

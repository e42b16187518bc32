/**
 * `npm run mutate [-- --area policy,cost] [--mutate file,file] [--no-typecheck] [--concurrency N]
 * [--report FILE] [--from-reports] [--survivors]`: runs StrykerJS (mocha runner; TypeScript
 * checker, or a type check of the survivors only with --no-typecheck) over each area of
 * tools/mutate/areas.ts with that area's tests, prints each area's score and survivors, and with
 * every area run writes the dated report (docs/mutation-report.md). `--from-reports` runs nothing:
 * it reads the areas' last Stryker reports (.build/mutate/<area>.json), so areas run one at a time
 * make one report. `--survivors` re-runs only the survivors of each area's last run
 * (tools/mutate/recheck.ts), after tests were added for them. Exits 1 when an area scores under
 * the threshold or has no report.
 *
 * Stryker's core is an ES module and this project is CommonJS, so each area runs Stryker's own
 * command line with a generated config rather than its API.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as prettier from "prettier";
import { runCli } from "./cli";
import { fileChecker, markUncompilableSurvivors } from "./mutate/compiles";
import { applyRecheck, changedSince, survivorRanges, type FullReport } from "./mutate/recheck";
import { selectAreas, MUTATION_AREAS, type MutationArea } from "./mutate/areas";
import {
  failing,
  formatScore,
  renderReport,
  scoreTable,
  summarize,
  survivorKey,
  type AreaResult,
  type RunInfo,
  type StrykerReport,
} from "./mutate/report";

/** The score every area must reach (issue: at least 80% where a silent change would hurt). */
export const THRESHOLD = 80;
const ROOT = path.resolve(__dirname, "..");
const WORK = path.join(ROOT, ".build", "mutate");
const EXPLANATIONS = path.join(ROOT, "tools", "mutate", "explanations.json");

interface Options {
  areas: string[];
  typecheck: boolean;
  concurrency: number;
  report?: string;
  /** Narrow an area to some of its files while working on its tests (`--mutate glob,glob`). */
  mutate?: string[];
  /** Read each area's last Stryker report instead of running Stryker. */
  fromReports: boolean;
  /** Re-run only the survivors of each area's last run (after tests were added for them). */
  survivors: boolean;
}

export function parseArgs(argv: readonly string[]): Options {
  const options: Options = {
    areas: [],
    typecheck: true,
    concurrency: 0, // set below, once --no-typecheck is known
    fromReports: false,
    survivors: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined || next.startsWith("--")) throw new Error(`${arg}: needs a value`);
      return next;
    };
    if (arg === "--area") options.areas.push(...value().split(",").filter(Boolean));
    else if (arg === "--no-typecheck") options.typecheck = false;
    else if (arg === "--concurrency") {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1)
        throw new Error("--concurrency: must be a whole number ≥ 1");
      options.concurrency = n;
    } else if (arg === "--report") options.report = value();
    else if (arg === "--mutate") options.mutate = value().split(",").filter(Boolean);
    else if (arg === "--from-reports") options.fromReports = true;
    else if (arg === "--survivors") options.survivors = true;
    else
      throw new Error(
        `${arg}: unknown option (--area, --mutate, --no-typecheck, --concurrency, --report, --from-reports, --survivors)`,
      );
  }
  // Stryker gives half its processes to the checker: twice the cores keeps a runner on every core.
  if (options.concurrency === 0)
    options.concurrency = defaultConcurrency(os.availableParallelism(), options.typecheck);
  if (options.fromReports && options.mutate)
    throw new Error("--from-reports: reads whole areas' reports, not --mutate");
  if (options.survivors && (options.mutate || options.fromReports))
    throw new Error(
      "--survivors: re-runs whole areas' survivors, not with --mutate or --from-reports",
    );
  return options;
}

/** Stryker's processes: a test runner per core (at most 4), and as many checkers to type-check. */
export function defaultConcurrency(cores: number, typecheck: boolean): number {
  const runners = Math.max(1, Math.min(4, cores));
  return typecheck ? 2 * runners : runners;
}

/** Stryker's options for one area: its files, its tests, a type check scoped to its files. */
export function strykerConfig(
  area: MutationArea,
  options: { typecheck: boolean; concurrency: number; tsconfig: string; jsonReport: string },
): Record<string, unknown> {
  return {
    testRunner: "mocha",
    mutate: area.mutate,
    mochaOptions: {
      spec: area.tests,
      // The tools' loader (esbuild, cached on disk by content), not ts-node: Stryker restarts the
      // test process for every static mutant, and each start transpiles the area's files again.
      require: ["./tools/register.js"],
      extension: ["ts"],
    },
    // Mutants that do not type-check are discarded, not scored: the compiler would catch them.
    checkers: options.typecheck ? ["typescript"] : [],
    ...(options.typecheck
      ? {
          tsconfigFile: options.tsconfig,
          typescriptChecker: { prioritizePerformanceOverAccuracy: true },
        }
      : {}),
    coverageAnalysis: "perTest",
    concurrency: options.concurrency,
    timeoutMS: 30_000,
    // The first run of every test of an area (for per-test coverage) takes minutes on a loaded
    // machine: the security area's plans of whole stacks alone take over a minute.
    dryRunTimeoutMinutes: 30,
    reporters: ["progress-append-only", "json"],
    jsonReporter: { fileName: options.jsonReport },
    // docs/configuration.md stays: the config area's tests compare the reference to it.
    ignorePatterns: [
      ".build",
      "bin",
      ".plan",
      "/docs/*",
      "!/docs/configuration.md",
      "policy/node_modules",
      ".finance-app",
    ],
    tempDirName: ".build/stryker-tmp",
    cleanTempDir: "always",
  };
}

/** Stryker's command line (its package exports no subpaths but package.json). */
function strykerBin(): string {
  const manifest = require.resolve("@stryker-mutator/core/package.json");
  const { bin } = JSON.parse(fs.readFileSync(manifest, "utf8")) as { bin: { stryker: string } };
  return path.join(path.dirname(manifest), bin.stryker);
}

/** When and on what a Stryker run measured. */
type Stamp = Pick<RunInfo, "commit" | "started" | "seconds">;

/**
 * Runs Stryker over `mutate` (an area's files, or ranges of them) with the area's tests, into
 * `jsonReport`. Without the checker, `checkSurvivors` type-checks the survivors afterwards.
 */
function runStryker(
  area: MutationArea,
  options: Options,
  run: { name: string; mutate: string[]; jsonReport: string; checkSurvivors: boolean },
): Stamp {
  fs.mkdirSync(WORK, { recursive: true });
  // The checker type-checks the project its tsconfig names: only this area's files (and what they
  // import), not every test, or each mutant costs a whole-project check.
  const tsconfig = "tsconfig.mutate.json";
  const files = area.mutate.filter((glob) => !glob.startsWith("!"));
  fs.writeFileSync(
    path.join(ROOT, tsconfig),
    JSON.stringify({ extends: "./tsconfig.json", include: files, files: [] }, null, 2),
  );
  const configFile = path.join(WORK, `${run.name}.stryker.json`);
  const config = strykerConfig(
    { ...area, mutate: run.mutate },
    { ...options, tsconfig, jsonReport: run.jsonReport },
  );
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  fs.rmSync(run.jsonReport, { force: true });
  // Read now: Stryker copies the work tree when it starts, and it may move on during the run.
  const started = new Date();
  const commit = gitHead();
  // Plans of the stacks, made once per run instead of once per restarted test process.
  const plans = path.join(WORK, `${area.name}-plans`);
  fs.rmSync(plans, { recursive: true, force: true });
  try {
    const result = spawnSync(process.execPath, [strykerBin(), "run", configFile], {
      cwd: ROOT,
      stdio: "inherit",
      env: { ...process.env, PLAN_CACHE_DIR: plans },
    });
    if (!fs.existsSync(run.jsonReport))
      throw new Error(`area ${area.name}: Stryker wrote no report (exit ${result.status})`);
    if (!options.typecheck && run.checkSurvivors) {
      const report = JSON.parse(fs.readFileSync(run.jsonReport, "utf8")) as FullReport;
      const marked = markUncompilableSurvivors(report, fileChecker(path.join(ROOT, tsconfig)));
      fs.writeFileSync(run.jsonReport, JSON.stringify(report));
      console.log(`${area.name}: ${marked} survivor(s) do not compile: marked CompileError`);
    }
  } finally {
    fs.rmSync(path.join(ROOT, tsconfig), { force: true });
  }
  return {
    commit,
    started: started.toISOString(),
    seconds: Math.round((Date.now() - started.getTime()) / 1000),
  };
}

function runArea(area: MutationArea, options: Options): AreaResult {
  console.log(`\n== ${area.name}: ${area.why}`);
  const jsonReport = reportFile(area.name);
  const stamp = runStryker(area, options, {
    name: area.name,
    mutate: area.mutate,
    jsonReport,
    checkSurvivors: true,
  });
  // What the run measured and when: areas run one at a time may measure different commits.
  const info: RunInfo = { ...stamp, typecheck: options.typecheck ? "every mutant" : "survivors" };
  fs.writeFileSync(runInfoFile(area.name), `${JSON.stringify(info, null, 2)}\n`);
  return {
    ...summarize(area.name, JSON.parse(fs.readFileSync(jsonReport, "utf8")) as StrykerReport),
    run: info,
  };
}

/** `--survivors`: the area's last run with its survivors re-run against today's tests. */
function recheckArea(area: MutationArea, options: Options): AreaResult {
  const file = reportFile(area.name);
  if (!fs.existsSync(file))
    throw new Error(`--survivors: area ${area.name} has no run to re-check; run it first`);
  const last = JSON.parse(fs.readFileSync(file, "utf8")) as FullReport;
  const read = (f: string) => {
    try {
      return fs.readFileSync(path.join(ROOT, f), "utf8");
    } catch {
      return undefined;
    }
  };
  // A file changed since the run: its mutants' positions no longer hold, so its survivors stay.
  const changed = changedSince(last, read);
  for (const f of changed)
    console.warn(`${f} changed since the ${area.name} run: its survivors are not re-run`);
  const ranges = survivorRanges(last, changed);
  console.log(`\n== ${area.name}: re-running its ${ranges.length} survivor(s)`);
  if (ranges.length > 0) {
    const jsonReport = path.join(WORK, `${area.name}.recheck.json`);
    const stamp = runStryker(area, options, {
      name: `${area.name}.recheck`,
      mutate: ranges,
      jsonReport,
      checkSurvivors: false,
    });
    const recheck = JSON.parse(fs.readFileSync(jsonReport, "utf8")) as FullReport;
    const killed = applyRecheck(last, recheck, stamp.commit);
    fs.writeFileSync(file, JSON.stringify(last));
    const infoFile = runInfoFile(area.name);
    if (fs.existsSync(infoFile)) {
      const info = JSON.parse(fs.readFileSync(infoFile, "utf8")) as RunInfo;
      info.rechecked = { commit: stamp.commit, started: stamp.started, killed };
      fs.writeFileSync(infoFile, `${JSON.stringify(info, null, 2)}\n`);
    }
    console.log(`${area.name}: ${killed} of ${ranges.length} survivor(s) killed now`);
  }
  return lastResult(area)[0]!;
}

const reportFile = (area: string) => path.join(WORK, `${area}.json`);
const runInfoFile = (area: string) => path.join(WORK, `${area}.run.json`);

/** The commit checked out, with "+changes" when the work tree differs from it. */
function gitHead(): string {
  const git = (...args: string[]) =>
    spawnSync("git", args, { cwd: ROOT, encoding: "utf8" }).stdout.trim();
  const head = git("rev-parse", "--short", "HEAD") || "unknown";
  return git("status", "--porcelain", "--untracked-files=no") ? `${head}+changes` : head;
}

/** An area's score from its last Stryker report, or none when it has not run. */
function lastResult(area: MutationArea): AreaResult[] {
  const file = reportFile(area.name);
  if (!fs.existsSync(file)) return [];
  const result = summarize(area.name, JSON.parse(fs.readFileSync(file, "utf8")) as StrykerReport);
  const info = runInfoFile(area.name);
  return [
    fs.existsSync(info)
      ? { ...result, run: JSON.parse(fs.readFileSync(info, "utf8")) as RunInfo }
      : result,
  ];
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const areas = selectAreas(options.areas);
  const explanations = fs.existsSync(EXPLANATIONS)
    ? (JSON.parse(fs.readFileSync(EXPLANATIONS, "utf8")) as Record<string, string>)
    : {};
  if (options.mutate && areas.length !== 1) throw new Error("--mutate: give exactly one --area");
  const results = options.fromReports
    ? areas.flatMap((area) => lastResult(area))
    : options.survivors
      ? areas.map((area) => recheckArea(area, options))
      : areas.map((area) =>
          runArea(options.mutate ? { ...area, mutate: options.mutate } : area, options),
        );
  const unmeasured = areas
    .map((a) => a.name)
    .filter((name) => !results.some((r) => r.area === name));

  console.log(`\n${scoreTable(results, THRESHOLD)}\n`);
  for (const r of results) {
    for (const s of r.survivors) {
      const why = explanations[survivorKey(s)];
      console.log(
        `  ${r.area} survivor ${s.file}:${s.line} ${s.mutator}: ${s.replacement}${why ? `  (${why})` : ""}`,
      );
    }
  }
  const report =
    options.report ??
    (areas.length === MUTATION_AREAS.length && !options.mutate
      ? path.join(ROOT, "docs", "mutation-report.md")
      : undefined);
  if (report) {
    const date = new Date().toISOString().slice(0, 10);
    const text = renderReport(results, { date, threshold: THRESHOLD, explanations, unmeasured });
    // Formatted as the repository's Markdown is, so `prettier --check` passes on the committed file.
    fs.writeFileSync(report, await prettier.format(text, { parser: "markdown", printWidth: 100 }));
    console.log(`report: ${path.relative(ROOT, report)}`);
  }
  const low = failing(results, THRESHOLD);
  for (const r of low)
    console.error(`area ${r.area}: ${formatScore(r.score)}% is under ${THRESHOLD}%`);
  for (const name of unmeasured) console.error(`area ${name}: no report in ${WORK}`);
  return low.length > 0 || unmeasured.length > 0 ? 1 : 0;
}

if (require.main === module) runCli(main, { messageOnly: true });

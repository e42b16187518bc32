/**
 * What a Stryker run means for one area: its score and the mutants that survived, read from
 * Stryker's JSON report (the mutation-testing-report-schema), and the Markdown report of all areas.
 */

/** The statuses Stryker gives a mutant (mutation-testing-report-schema). */
export type MutantStatus =
  | "Killed"
  | "Survived"
  | "NoCoverage"
  | "CompileError"
  | "RuntimeError"
  | "Timeout"
  | "Ignored"
  | "Pending";

interface Position {
  line: number;
  column: number;
}

/** The part of Stryker's JSON report this reads. */
export interface StrykerReport {
  files: Record<
    string,
    {
      mutants: {
        id: string;
        mutatorName: string;
        replacement?: string;
        status: MutantStatus;
        statusReason?: string;
        location: { start: Position; end: Position };
      }[];
    }
  >;
}

/** A mutant no test killed: where, what changed. */
export interface Survivor {
  file: string;
  line: number;
  mutator: string;
  replacement: string;
  /** NoCoverage: no test even runs the line. */
  uncovered: boolean;
}

/** An equivalent mutant excluded with a `// Stryker disable` comment and its reason. */
export interface Exclusion {
  file: string;
  line: number;
  mutator: string;
  reason: string;
}

/** When and on what an area's run measured (written beside Stryker's report). */
export interface RunInfo {
  /** The commit checked out, `+changes` when the work tree differed. */
  commit: string;
  /** ISO time the run started. */
  started: string;
  seconds: number;
  /**
   * Which mutants were type-checked: "every mutant" (Stryker's checker, before testing) or
   * "survivors" (`--no-typecheck`: every mutant tested, the survivors type-checked afterwards).
   */
  typecheck: "every mutant" | "survivors";
  /** The last `--survivors` re-run: its commit, start, and how many survivors it found killed. */
  rechecked?: { commit: string; started: string; killed: number };
}

export interface AreaResult {
  area: string;
  /** The run behind the figures, when known. */
  run?: RunInfo;
  killed: number;
  survived: number;
  /** Mutants that do not compile (the TypeScript checker) or crash the runner: not scored. */
  invalid: number;
  score: number;
  survivors: Survivor[];
  exclusions: Exclusion[];
}

/**
 * Stryker's mutation score: detected (killed or timed out) over all valid mutants (detected,
 * survived, or not covered by any test). Ignored and invalid mutants do not count.
 */
export function summarize(area: string, report: StrykerReport): AreaResult {
  const result: AreaResult = {
    area,
    killed: 0,
    survived: 0,
    invalid: 0,
    score: 0,
    survivors: [],
    exclusions: [],
  };
  for (const [file, { mutants }] of Object.entries(report.files).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    for (const m of [...mutants].sort((a, b) => a.location.start.line - b.location.start.line)) {
      const line = m.location.start.line;
      switch (m.status) {
        case "Killed":
        case "Timeout":
          result.killed++;
          break;
        case "Survived":
        case "NoCoverage":
          result.survived++;
          result.survivors.push({
            file,
            line,
            mutator: m.mutatorName,
            replacement: oneLine(m.replacement ?? ""),
            uncovered: m.status === "NoCoverage",
          });
          break;
        case "Ignored":
          result.exclusions.push({
            file,
            line,
            mutator: m.mutatorName,
            reason: (m.statusReason ?? "").replace(/^Ignored because of excluded mutation /, ""),
          });
          break;
        case "CompileError":
        case "RuntimeError":
          result.invalid++;
          break;
        case "Pending":
          throw new Error(`${file}:${line}: mutant ${m.id} was never run (status Pending)`);
      }
    }
  }
  const valid = result.killed + result.survived;
  result.score = valid === 0 ? 100 : (100 * result.killed) / valid;
  return result;
}

/** A survivor's key in the explanations file: stable when lines above it move. */
export function survivorKey(s: Pick<Survivor, "file" | "mutator" | "replacement">): string {
  return `${s.file} ${s.mutator} ${s.replacement}`;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}

/** One line per area whose run is known: the commit it measured, when, and how long it took. */
function runLines(results: readonly AreaResult[]): string[] {
  const known = results.filter((r) => r.run);
  if (known.length === 0) return [];
  return [
    "Runs (each area is measured on its own; the code they measured):",
    "",
    ...known.map(
      (r) =>
        `- ${r.area}: commit \`${r.run!.commit}\`, ${r.run!.started.slice(0, 16).replace("T", " ")} UTC, ${formatDuration(r.run!.seconds)}, type-checked: ${r.run!.typecheck}${recheckNote(r.run!)}`,
    ),
    "",
  ];
}

function recheckNote(run: RunInfo): string {
  const r = run.rechecked;
  if (!r) return "";
  return `; survivors re-run on commit \`${r.commit}\` (${r.started.slice(0, 16).replace("T", " ")} UTC): ${r.killed} killed`;
}

/** "4 min 49 s", "1 h 2 min". */
export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h} h ${m} min` : `${m} min ${s} s`;
}

/** Scores are floored to one decimal: 79.96 must not print as a passing 80.0. */
export function formatScore(score: number): string {
  return (Math.floor(score * 10) / 10).toFixed(1);
}

/** Areas under the threshold, in the order given. */
export function failing(results: readonly AreaResult[], threshold: number): AreaResult[] {
  return results.filter((r) => r.score < threshold);
}

/** The score table, one row per area, for the terminal and the report. */
export function scoreTable(
  results: readonly AreaResult[],
  threshold: number,
  unmeasured: readonly string[] = [],
): string {
  const rows = results.map(
    (r) =>
      `| ${r.area} | ${formatScore(r.score)}% | ${r.killed} | ${r.survived} | ${r.exclusions.length} | ${r.invalid} | ${r.score >= threshold ? "yes" : "**no**"} |`,
  );
  for (const area of unmeasured) rows.push(`| ${area} | not measured | | | | | **no** |`);
  return [
    `| area | score | killed | survived | excluded (equivalent) | invalid (not scored) | ≥ ${threshold}% |`,
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

/**
 * The Markdown report: the date, the table, then each area's survivors with the explanation
 * given for them (`explanations`, keyed by `survivorKey`), and the exclusions with their reasons.
 */
export function renderReport(
  results: readonly AreaResult[],
  options: {
    date: string;
    threshold: number;
    explanations?: Record<string, string>;
    /** Areas with no run behind this report: listed, never scored. */
    unmeasured?: readonly string[];
  },
): string {
  const explain = options.explanations ?? {};
  const sections = results.map((r) => {
    const survivors = r.survivors.map((s) => {
      const why = explain[survivorKey(s)];
      return `- \`${s.file}:${s.line}\` ${s.mutator}${s.uncovered ? " (no test runs it)" : ""}: \`${s.replacement}\`${why ? ` — ${why}` : ""}`;
    });
    const exclusions = r.exclusions.map(
      (e) => `- \`${e.file}:${e.line}\` ${e.mutator}: ${e.reason}`,
    );
    return [
      `### ${r.area}`,
      "",
      survivors.length > 0
        ? `Survivors (${survivors.length}):\n\n${survivors.join("\n")}`
        : "No survivors.",
      ...(exclusions.length > 0 ? ["", `Excluded as equivalent:\n\n${exclusions.join("\n")}`] : []),
    ].join("\n");
  });
  return [
    `# Mutation testing report, ${options.date}`,
    "",
    "Written by `npm run mutate` (StrykerJS, mocha runner, TypeScript checker). Score: killed over " +
      'killed + survived; mutants that do not compile are not scored. A run type-checked "every ' +
      'mutant" discards those before testing; a run that type-checked only its "survivors" ' +
      "(faster on a small machine) counts a mutant that would not compile but that a test kills as " +
      "killed. How to run it and what each area covers: [testing](testing.md#mutation-testing).",
    "",
    scoreTable(results, options.threshold, options.unmeasured),
    "",
    ...runLines(results),
    "## Survivors and exclusions per area",
    "",
    sections.join("\n\n"),
    "",
  ].join("\n");
}

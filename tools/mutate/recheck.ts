/**
 * Re-running an area's survivors only (`npm run mutate -- --area cost --survivors`): after tests
 * are added for them, Stryker mutates just the survivors' ranges of the last run, and each survivor
 * a test now kills is marked killed in that run's report. Minutes instead of the hour a whole
 * area can take, and the report still says which commit measured the rest.
 */
import type { MutantStatus, StrykerReport } from "./report";

/** Stryker's JSON report with each file's source, as it writes it. */
export type FullReport = StrykerReport & { files: Record<string, { source: string }> };

type Mutant = FullReport["files"][string]["mutants"][number];

const isSurvivor = (m: Mutant) => m.status === "Survived" || m.status === "NoCoverage";

/**
 * Stryker `mutate` patterns that cover exactly the survivors of `report` outside `skip`:
 * `file:line:col-line:col`, lines 1-based as in the report, columns 0-based as Stryker's ranges
 * read them (the report's columns are 1-based).
 */
export function survivorRanges(report: FullReport, skip: readonly string[] = []): string[] {
  return Object.entries(report.files)
    .filter(([file]) => !skip.includes(file))
    .flatMap(([file, { mutants }]) =>
      mutants
        .filter(isSurvivor)
        .map(
          ({ location: { start, end } }) =>
            `${file}:${start.line}:${start.column - 1}-${end.line}:${end.column - 1}`,
        ),
    );
}

/** The files holding survivors whose source is no longer `read(file)`: their positions moved. */
export function changedSince(
  report: FullReport,
  read: (file: string) => string | undefined,
): string[] {
  return Object.entries(report.files)
    .filter(([file, { source, mutants }]) => mutants.some(isSurvivor) && read(file) !== source)
    .map(([file]) => file);
}

/**
 * Marks each survivor of `last` that the re-run (`recheck`, same sources) detected: the same
 * mutant (file, mutator, replacement, location) now Killed or Timeout. Returns how many.
 */
export function applyRecheck(last: FullReport, recheck: FullReport, commit: string): number {
  const key = (file: string, m: Mutant) =>
    `${file}\0${m.mutatorName}\0${m.replacement ?? ""}\0${m.location.start.line}:${m.location.start.column}-${m.location.end.line}:${m.location.end.column}`;
  const now = new Map<string, MutantStatus>();
  for (const [file, { mutants }] of Object.entries(recheck.files))
    for (const m of mutants) now.set(key(file, m), m.status);
  let killed = 0;
  for (const [file, { mutants }] of Object.entries(last.files)) {
    for (const m of mutants.filter(isSurvivor)) {
      const status = now.get(key(file, m));
      if (status === "Killed" || status === "Timeout") {
        m.status = status;
        m.statusReason = `detected when the survivors were re-run on ${commit}`;
        killed++;
      }
    }
  }
  return killed;
}

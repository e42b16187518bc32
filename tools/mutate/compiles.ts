/**
 * Type-checking survivors after a run without Stryker's checker (`--no-typecheck`).
 *
 * On a two-core machine the checker takes more CPU than the tests: it type-checks every mutant of
 * the instrumented files, most of which the tests kill anyway. Without it, every mutant is run, and
 * only the survivors need the compiler's word: a survivor `tsc` refuses cannot reach a deploy (CI
 * type-checks), so it is marked CompileError, as the checker would have marked it. A killed mutant
 * that would not compile stays killed: the score then counts it as detected, which it is, twice.
 */
import * as path from "node:path";
import * as ts from "typescript";
import type { FullReport } from "./recheck";

type Location = FullReport["files"][string]["mutants"][number]["location"];

/** `source` with the mutant applied: Stryker's lines and columns are 1-based, the end exclusive. */
export function applyMutant(source: string, location: Location, replacement: string): string {
  const lineStarts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === "\n") lineStarts.push(i + 1);
  const offset = ({ line, column }: { line: number; column: number }) => {
    const start = lineStarts[line - 1];
    if (start === undefined) throw new Error(`line ${line} is past the end of the file`);
    return start + column - 1;
  };
  return source.slice(0, offset(location.start)) + replacement + source.slice(offset(location.end));
}

/**
 * A checker for one file's text against the project of `tsconfig`: the first type or syntax
 * error in that file, or undefined when it compiles. Errors the change causes in other files are
 * not looked for, so a mutant can only be kept as a survivor wrongly, never discarded wrongly.
 */
export function fileChecker(tsconfig: string): (file: string, text: string) => string | undefined {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    tsconfig,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(`${tsconfig}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
      },
    },
  );
  if (!parsed) throw new Error(`${tsconfig}: not a TypeScript project`);
  const texts = new Map<string, string>();
  const versions = new Map<string, number>();
  const service = ts.createLanguageService(
    {
      getScriptFileNames: () => parsed.fileNames,
      getScriptVersion: (f) => String(versions.get(f) ?? 0),
      getScriptSnapshot: (f) => {
        const text = texts.get(f) ?? ts.sys.readFile(f);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => path.dirname(tsconfig),
      getCompilationSettings: () => parsed.options,
      getDefaultLibFileName: ts.getDefaultLibFilePath,
      fileExists: (f) => ts.sys.fileExists(f),
      readFile: (f) => ts.sys.readFile(f),
      readDirectory: (...args) => ts.sys.readDirectory(...args),
      directoryExists: (d) => ts.sys.directoryExists(d),
      getDirectories: (d) => ts.sys.getDirectories(d),
    },
    ts.createDocumentRegistry(),
  );
  return (file, text) => {
    const name = path.resolve(path.dirname(tsconfig), file);
    texts.set(name, text);
    versions.set(name, (versions.get(name) ?? 0) + 1);
    const [first] = [
      ...service.getSyntacticDiagnostics(name),
      ...service.getSemanticDiagnostics(name),
    ];
    if (!first) return undefined;
    const line = first.file ? first.file.getLineAndCharacterOfPosition(first.start ?? 0).line : 0;
    return `line ${line + 1}: ${ts.flattenDiagnosticMessageText(first.messageText, " ")}`;
  };
}

/**
 * The report with each survivor (Survived or NoCoverage) that `check` finds a compile error in
 * marked CompileError, with the error as its reason; how many were. Refuses a file whose own
 * text does not compile: every one of its mutants would look invalid.
 */
export function markUncompilableSurvivors(
  report: FullReport,
  check: (file: string, text: string) => string | undefined,
): number {
  let marked = 0;
  for (const [file, { source, mutants }] of Object.entries(report.files)) {
    const survivors = mutants.filter((m) => m.status === "Survived" || m.status === "NoCoverage");
    if (survivors.length === 0) continue;
    const own = check(file, source);
    if (own) throw new Error(`${file} does not compile as it is (${own})`);
    for (const m of survivors) {
      const error = check(file, applyMutant(source, m.location, m.replacement ?? ""));
      if (error) {
        m.status = "CompileError";
        m.statusReason = `does not compile (checked after the run): ${error}`;
        marked++;
      }
    }
    check(file, source);
  }
  return marked;
}

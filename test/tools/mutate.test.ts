import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { MUTATION_AREAS, selectAreas } from "../../tools/mutate/areas";
import {
  failing,
  formatDuration,
  formatScore,
  renderReport,
  summarize,
  survivorKey,
  type MutantStatus,
  type StrykerReport,
} from "../../tools/mutate/report";
import { defaultConcurrency, parseArgs, strykerConfig } from "../../tools/mutate";
import { applyMutant, fileChecker, markUncompilableSurvivors } from "../../tools/mutate/compiles";
import { applyRecheck, changedSince, survivorRanges } from "../../tools/mutate/recheck";

const mutant = (id: number, status: MutantStatus, line = id, extra: object = {}) => ({
  id: String(id),
  mutatorName: "ConditionalExpression",
  replacement: "false",
  status,
  location: { start: { line, column: 1 }, end: { line, column: 9 } },
  ...extra,
});
const reportOf = (...mutants: ReturnType<typeof mutant>[]): StrykerReport => ({
  files: { "policy/rules/network.ts": { mutants } },
});

describe("tools: mutate scores an area as Stryker does", () => {
  const cases: [
    string,
    StrykerReport,
    { score: number; killed: number; survived: number; invalid: number },
  ][] = [
    [
      "all killed",
      reportOf(mutant(1, "Killed"), mutant(2, "Killed")),
      { score: 100, killed: 2, survived: 0, invalid: 0 },
    ],
    [
      "a timeout counts as detected",
      reportOf(mutant(1, "Timeout"), mutant(2, "Survived")),
      { score: 50, killed: 1, survived: 1, invalid: 0 },
    ],
    [
      "no coverage counts as survived",
      reportOf(
        mutant(1, "Killed"),
        mutant(2, "NoCoverage"),
        mutant(3, "Killed"),
        mutant(4, "Killed"),
      ),
      { score: 75, killed: 3, survived: 1, invalid: 0 },
    ],
    [
      "compile and runtime errors are not scored",
      reportOf(mutant(1, "Killed"), mutant(2, "CompileError"), mutant(3, "RuntimeError")),
      { score: 100, killed: 1, survived: 0, invalid: 2 },
    ],
    [
      "ignored mutants are not scored",
      reportOf(mutant(1, "Survived"), mutant(2, "Ignored")),
      { score: 0, killed: 0, survived: 1, invalid: 0 },
    ],
    [
      "no valid mutant scores 100",
      reportOf(mutant(1, "CompileError")),
      { score: 100, killed: 0, survived: 0, invalid: 1 },
    ],
  ];
  for (const [title, report, expected] of cases) {
    it(title, () => {
      const r = summarize("policy", report);
      expect({
        score: r.score,
        killed: r.killed,
        survived: r.survived,
        invalid: r.invalid,
      }).to.deep.equal(expected);
    });
  }

  it("lists survivors by file and line, marking the uncovered, and exclusions with their reason", () => {
    const r = summarize(
      "policy",
      reportOf(
        mutant(1, "Survived", 30, { replacement: "a\n   || b" }),
        mutant(2, "NoCoverage", 10),
        mutant(3, "Ignored", 20, {
          statusReason:
            'Ignored because of excluded mutation "EqualityOperator": same for whole numbers',
        }),
      ),
    );
    expect(r.survivors).to.deep.equal([
      {
        file: "policy/rules/network.ts",
        line: 10,
        mutator: "ConditionalExpression",
        replacement: "false",
        uncovered: true,
      },
      {
        file: "policy/rules/network.ts",
        line: 30,
        mutator: "ConditionalExpression",
        replacement: "a || b",
        uncovered: false,
      },
    ]);
    expect(r.exclusions).to.deep.equal([
      {
        file: "policy/rules/network.ts",
        line: 20,
        mutator: "ConditionalExpression",
        reason: '"EqualityOperator": same for whole numbers',
      },
    ]);
  });

  it("refuses a report with a mutant never run", () => {
    expect(() => summarize("policy", reportOf(mutant(7, "Pending", 12)))).to.throw(
      "policy/rules/network.ts:12: mutant 7 was never run",
    );
  });

  it("floors scores so 79.96 does not print as 80.0, and fails areas under the threshold", () => {
    expect(formatScore(79.96)).to.equal("79.9");
    expect(formatScore(80)).to.equal("80.0");
    const low = { ...summarize("a", reportOf(mutant(1, "Killed"))), score: 79.99 };
    const ok = { ...summarize("b", reportOf(mutant(1, "Killed"))), score: 80 };
    expect(failing([low, ok], 80).map((r) => r.area)).to.deep.equal(["a"]);
  });

  it("renders the dated report with each survivor's explanation", () => {
    const r = summarize("policy", reportOf(mutant(1, "Survived", 5), mutant(2, "Killed")));
    const key = survivorKey(r.survivors[0]!);
    const text = renderReport([r], {
      date: "2026-11-30",
      threshold: 80,
      explanations: { [key]: "equivalent: x" },
    });
    expect(text).to.contain("# Mutation testing report, 2026-11-30");
    expect(text).to.contain("| policy | 50.0% | 1 | 1 | 0 | 0 | **no** |");
    expect(text).to.contain(
      "- `policy/rules/network.ts:5` ConditionalExpression: `false` — equivalent: x",
    );
  });

  it("says which commit each area's run measured, when, and how long it took", () => {
    const r = {
      ...summarize("cost", reportOf(mutant(1, "Killed"))),
      run: {
        commit: "abc1234+changes",
        started: "2026-12-01T01:02:03.000Z",
        seconds: 3725,
        typecheck: "survivors" as const,
      },
    };
    const unknown = summarize("policy", reportOf(mutant(1, "Killed")));
    const text = renderReport([r, unknown], { date: "2026-12-01", threshold: 80 });
    expect(text).to.contain(
      "- cost: commit `abc1234+changes`, 2026-12-01 01:02 UTC, 1 h 2 min, type-checked: survivors\n",
    );
    expect(text).not.to.match(/- policy: commit/);
    expect(formatDuration(289)).to.equal("4 min 49 s");
    expect(formatDuration(60)).to.equal("1 min 0 s");
    expect(formatDuration(3600)).to.equal("1 h 0 min");
  });

  it("lists an area with no run as not measured, never as passing", () => {
    const r = summarize("policy", reportOf(mutant(1, "Killed")));
    const text = renderReport([r], { date: "2026-12-01", threshold: 80, unmeasured: ["cost"] });
    expect(text).to.contain("| policy | 100.0% | 1 | 0 | 0 | 0 | yes |");
    expect(text).to.contain("| cost | not measured | | | | | **no** |");
  });
});

describe("tools: mutate's command line and Stryker config", () => {
  it("parses areas, the type check switch and concurrency, naming a bad option", () => {
    expect(
      parseArgs(["--area", "policy,cost", "--no-typecheck", "--concurrency", "2"]),
    ).to.deep.include({
      areas: ["policy", "cost"],
      typecheck: false,
      concurrency: 2,
    });
    expect(parseArgs(["--area", "signer", "--mutate", "a.ts,b.ts"]).mutate).to.deep.equal([
      "a.ts",
      "b.ts",
    ]);
    expect(() => parseArgs(["--concurrency", "0"])).to.throw(
      "--concurrency: must be a whole number ≥ 1",
    );
    expect(parseArgs(["--area", "policy", "--mutate", "policy/rules/a.ts,policy/rules/b.ts"]))
      .to.have.property("mutate")
      .that.deep.equals(["policy/rules/a.ts", "policy/rules/b.ts"]);
    expect(() => parseArgs(["--area"])).to.throw("--area: needs a value");
    expect(() => parseArgs(["--fast"])).to.throw("--fast: unknown option");
    expect(parseArgs([]).fromReports).to.equal(false);
    expect(parseArgs(["--concurrency", "3", "--no-typecheck"]).concurrency).to.equal(3);
    expect(parseArgs(["--from-reports", "--area", "cost"])).to.deep.include({
      fromReports: true,
      areas: ["cost"],
    });
    expect(() => parseArgs(["--from-reports", "--area", "cost", "--mutate", "a.ts"])).to.throw(
      "--from-reports: reads whole areas' reports, not --mutate",
    );
    expect(parseArgs([]).survivors).to.equal(false);
    expect(parseArgs(["--area", "cost", "--survivors"])).to.deep.include({
      survivors: true,
      areas: ["cost"],
    });
    for (const other of [["--mutate", "a.ts"], ["--from-reports"]])
      expect(() => parseArgs(["--survivors", "--area", "cost", ...other])).to.throw(
        "--survivors: re-runs whole areas' survivors, not with --mutate or --from-reports",
      );
  });

  it("runs a test runner per core by default, doubled for the checker's processes", () => {
    const table: [number, boolean, number][] = [
      [1, true, 2],
      [2, true, 4],
      [2, false, 2],
      [8, true, 8],
      [8, false, 4],
    ];
    for (const [cores, typecheck, expected] of table)
      expect(defaultConcurrency(cores, typecheck), `${cores} cores`).to.equal(expected);
    expect(parseArgs([]).concurrency).to.equal(defaultConcurrency(os.availableParallelism(), true));
    expect(parseArgs(["--no-typecheck"]).concurrency).to.equal(
      defaultConcurrency(os.availableParallelism(), false),
    );
  });

  it("narrows an area to the files given with --mutate", () => {
    expect(
      parseArgs(["--area", "cost", "--mutate", "engine/cost.ts,engine/cost-diff.ts"]).mutate,
    ).to.deep.equal(["engine/cost.ts", "engine/cost-diff.ts"]);
    expect(parseArgs(["--area", "cost"]).mutate).to.equal(undefined);
    expect(() => parseArgs(["--mutate"])).to.throw("--mutate: needs a value");
  });

  it("selects areas by name and refuses an unknown one", () => {
    expect(selectAreas([]).length).to.equal(MUTATION_AREAS.length);
    expect(selectAreas(["cost"]).map((a) => a.name)).to.deep.equal(["cost"]);
    expect(() => selectAreas(["nope"])).to.throw("--area nope: not an area");
  });

  it("runs an area's tests only, with the checker scoped to its tsconfig when type checking", () => {
    const area = selectAreas(["signer"])[0]!;
    const base = { concurrency: 2, tsconfig: "tsconfig.mutate.json", jsonReport: "/tmp/r.json" };
    const checked = strykerConfig(area, { ...base, typecheck: true });
    expect(checked).to.deep.include({
      mutate: area.mutate,
      checkers: ["typescript"],
      tsconfigFile: "tsconfig.mutate.json",
      coverageAnalysis: "perTest",
    });
    expect((checked.mochaOptions as { spec: string[] }).spec).to.deep.equal(area.tests);
    const unchecked = strykerConfig(area, { ...base, typecheck: false });
    expect(unchecked.checkers).to.deep.equal([]);
    expect(unchecked).not.to.have.property("tsconfigFile");
  });

  it("names areas uniquely, each with files and tests", () => {
    const names = MUTATION_AREAS.map((a) => a.name);
    expect(new Set(names).size).to.equal(names.length);
    for (const a of MUTATION_AREAS) {
      expect(a.mutate, a.name).to.not.be.empty;
      expect(a.tests, a.name).to.not.be.empty;
    }
  });
});

describe("tools: mutate type-checks the survivors of a run without the checker", () => {
  const at = (line: number, column: number, endLine: number, endColumn: number) => ({
    start: { line, column },
    end: { line: endLine, column: endColumn },
  });
  const source = 'const a = 1;\nexport const b: string = "x" + a;\n';
  for (const [what, location, replacement, expected] of [
    ["a literal", at(1, 11, 1, 12), "2", 'const a = 2;\nexport const b: string = "x" + a;\n'],
    [
      "an expression on the second line",
      at(2, 26, 2, 33),
      '""',
      'const a = 1;\nexport const b: string = "";\n',
    ],
    ["across lines", at(1, 11, 2, 33), "0", "const a = 0;\n"],
    [
      "at the start of the file",
      at(1, 1, 1, 6),
      "let",
      'let a = 1;\nexport const b: string = "x" + a;\n',
    ],
  ] as const) {
    it(`applies a mutant: ${what} (1-based columns, end exclusive)`, () => {
      expect(applyMutant(source, location, replacement)).to.equal(expected);
    });
  }

  it("refuses a location past the end of the file", () => {
    expect(() => applyMutant(source, at(9, 1, 9, 2), "x")).to.throw("line 9 is past the end");
  });

  describe("on a small project", () => {
    let dir: string;
    let check: (file: string, text: string) => string | undefined;
    const file = "rules.ts";
    const text =
      'export const port: number = 443;\nexport const open = port === 443 ? "yes" : "no";\n';
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "mutate-compiles-"));
      fs.writeFileSync(
        path.join(dir, "tsconfig.json"),
        JSON.stringify({ compilerOptions: { strict: true, noEmit: true }, include: ["*.ts"] }),
      );
      fs.writeFileSync(path.join(dir, file), text);
      check = fileChecker(path.join(dir, "tsconfig.json"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("a file that compiles: no error; a type error: its line and message", () => {
      expect(check(file, text)).to.equal(undefined);
      expect(check(file, text.replace("443;", '"443";'))).to.equal(
        "line 1: Type 'string' is not assignable to type 'number'.",
      );
      expect(check(file, text.replace("? ", "?? "))).to.match(/^line 2: /);
    });

    it("marks survivors that do not compile, and only them", () => {
      const m = (id: string, status: MutantStatus, location: ReturnType<typeof at>, r: string) => ({
        id,
        mutatorName: "StringLiteral",
        replacement: r,
        status,
        location,
      });
      const report = {
        files: {
          [file]: {
            source: text,
            mutants: [
              m("1", "Survived", at(1, 29, 1, 32), '""'), // a string for a number
              m("2", "Survived", at(2, 36, 2, 41), '""'), // still a string
              m("3", "NoCoverage", at(1, 29, 1, 32), "[]"), // an array for a number
              m("4", "Killed", at(1, 29, 1, 32), '""'), // killed: not checked, stays killed
            ],
          },
        },
      };
      expect(markUncompilableSurvivors(report, check)).to.equal(2);
      const statuses = report.files[file].mutants.map((x) => x.status);
      expect(statuses).to.deep.equal(["CompileError", "Survived", "CompileError", "Killed"]);
      expect(report.files[file].mutants[0]).to.have.property(
        "statusReason",
        "does not compile (checked after the run): line 1: Type 'string' is not assignable to type 'number'.",
      );
      // The checker is left on the file's own text: a later check sees no leftover mutant.
      expect(check(file, text)).to.equal(undefined);
    });

    it("refuses a file that does not compile as it is", () => {
      const broken = {
        files: {
          [file]: {
            source: 'export const port: number = "443";\n',
            mutants: [
              {
                id: "1",
                mutatorName: "StringLiteral",
                replacement: '""',
                status: "Survived" as MutantStatus,
                location: at(1, 29, 1, 34),
              },
            ],
          },
        },
      };
      expect(() => markUncompilableSurvivors(broken, check)).to.throw(
        "rules.ts does not compile as it is (line 1: Type 'string' is not assignable",
      );
    });
  });
});

describe("tools: mutate re-runs an area's survivors only", () => {
  const m = (
    id: string,
    status: MutantStatus,
    line: number,
    column: number,
    replacement = "false",
  ) => ({
    id,
    mutatorName: "ConditionalExpression",
    replacement,
    status,
    location: { start: { line, column }, end: { line, column: column + 4 } },
  });
  const report = () => ({
    files: {
      "a.ts": {
        source: "A",
        mutants: [
          m("1", "Survived", 3, 7),
          m("2", "Killed", 4, 1),
          m("3", "NoCoverage", 9, 1),
          m("4", "CompileError", 10, 2),
        ],
      },
      "b.ts": { source: "B", mutants: [m("5", "Killed", 1, 1)] },
      "c.ts": { source: "C", mutants: [m("6", "Survived", 2, 3, "true")] },
    },
  });

  it("asks Stryker for the survivors' ranges only, columns made 0-based", () => {
    expect(survivorRanges(report())).to.deep.equal([
      "a.ts:3:6-3:10",
      "a.ts:9:0-9:4",
      "c.ts:2:2-2:6",
    ]);
  });

  it("leaves out the survivors of files given to skip", () => {
    expect(survivorRanges(report(), ["a.ts"])).to.deep.equal(["c.ts:2:2-2:6"]);
  });

  it("finds the files with survivors whose source changed since the run, only those", () => {
    const now: Record<string, string> = { "a.ts": "A", "b.ts": "B changed", "c.ts": "C changed" };
    expect(changedSince(report(), (f) => now[f])).to.deep.equal(["c.ts"]);
    expect(changedSince(report(), () => undefined)).to.deep.equal(["a.ts", "c.ts"]);
    expect(changedSince(report(), (f) => f.toUpperCase()[0])).to.deep.equal([]);
  });

  it("marks a survivor killed only when the same mutant is detected now", () => {
    const last = report();
    const recheck = {
      files: {
        "a.ts": {
          source: "A",
          mutants: [
            { ...m("9", "Killed", 3, 7), id: "other ids" }, // the same mutant: killed now
            m("10", "Timeout", 9, 1, "true"), // another replacement on 9:1: not the survivor
            m("11", "Killed", 4, 1), // was killed already
          ],
        },
        "c.ts": { source: "C", mutants: [m("12", "Survived", 2, 3, "true")] },
      },
    };
    expect(applyRecheck(last, recheck, "abc1234")).to.equal(1);
    const a = last.files["a.ts"].mutants;
    expect(a.map((x) => x.status)).to.deep.equal([
      "Killed",
      "Killed",
      "NoCoverage",
      "CompileError",
    ]);
    expect(a[0]).to.have.property(
      "statusReason",
      "detected when the survivors were re-run on abc1234",
    );
    expect(last.files["c.ts"].mutants[0]!.status).to.equal("Survived");
    const timedOut = report();
    const late = { files: { "a.ts": { source: "A", mutants: [m("1", "Timeout", 9, 1)] } } };
    expect(applyRecheck(timedOut, late, "x")).to.equal(1);
    expect(timedOut.files["a.ts"].mutants[2]!.status).to.equal("Timeout");
  });

  it("says in the report when survivors were re-run, and how many it killed", () => {
    const r = {
      ...summarize("cost", reportOf(mutant(1, "Killed"))),
      run: {
        commit: "abc1234",
        started: "2026-12-01T03:30:00.000Z",
        seconds: 2400,
        typecheck: "survivors" as const,
        rechecked: { commit: "def5678", started: "2026-12-01T05:00:00.000Z", killed: 41 },
      },
    };
    expect(renderReport([r], { date: "2026-12-01", threshold: 80 })).to.contain(
      "- cost: commit `abc1234`, 2026-12-01 03:30 UTC, 40 min 0 s, type-checked: survivors; " +
        "survivors re-run on commit `def5678` (2026-12-01 05:00 UTC): 41 killed\n",
    );
  });
});

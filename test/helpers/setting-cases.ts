/** Table tests of one `platform:<name>` settings object: each edit accepted or refused exactly. */
import { expect } from "chai";
import { parseStackConfig, type ConfigProblem } from "../../config";
import { problemsOf, validRaw, withSetting } from "./stack-config";

/** An edit of the settings object, and "ok" or exactly the problems it gives. */
export type SettingCase = [
  what: string,
  edit: (value: Record<string, any>) => void,
  expected: "ok" | ConfigProblem[],
];

/** One test per case, editing `platform:<name>` of `base` (a valid dev config by default). */
export function settingCases(
  name: string,
  cases: readonly SettingCase[],
  base: () => Record<string, string> = validRaw,
): void {
  for (const [what, edit, expected] of cases) {
    it(`${expected === "ok" ? "accepts" : "refuses"} ${what}`, () => {
      const raw = withSetting(name, edit, base());
      if (expected === "ok") expect(() => parseStackConfig(raw)).not.to.throw();
      else expect(problemsOf(raw)).to.deep.equal(expected);
    });
  }
}

/** The problem `message` at `platform:<path>`. */
export const problem = (path: string, message: string): ConfigProblem[] => [
  { key: `platform:${path}`, message },
];

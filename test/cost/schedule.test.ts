import { expect } from "chai";
import { firesPerMonth } from "../../engine/cost/schedule";
import { thrown } from "../helpers/errors";

describe("cost: schedule fires a month", () => {
  const cases: [string, number, number | null][] = [
    // expression, fires a month, fires a day
    ["cron(30-59 9 ? * MON-FRI *)", 30 * 21.75, 30],
    ["cron(* 10-15 ? * MON-FRI *)", 360 * 21.75, 360],
    ["cron(0 16 ? * MON-FRI *)", 21.75, 1],
    ["cron(0/15 * ? * MON-FRI *)", 96 * 21.75, 96],
    ["cron(0 12 * * ? *)", 730 / 24, 1],
    ["cron(0 8 1 * ? *)", 1, 1],
    ["cron(0 8 1,15 * ? *)", 2, 1],
    ["cron(0 8 ? * SAT,SUN *)", 2 * 4.35, 1],
    ["cron(0 8 ? * FRI-MON *)", 4 * 4.35, 1],
    ["cron(0 8 ? * 2-6 *)", 5 * 4.35, 1],
    ["cron(0 8 ? JAN,JUL MON *)", (4.35 * 2) / 12, 1],
    ["cron(0 8 L * ? *)", 1, 1],
    ["cron(0 8 ? * 6L *)", 1, 1],
    ["cron(0 8 ? * 2#1 *)", 1, 1],
    ["rate(5 minutes)", 8760, null],
    ["rate(1 hour)", 730, null],
    ["rate(1 day)", 730 / 24, null],
    ["at(2026-12-01T09:00:00)", 1, null],
    // Day of week with a day of month of `*` (not `?`): the day of week counts.
    ["cron(0 8 * * MON *)", 4.35, 1],
    ["cron(0 8 * * MON-FRI *)", 5 * 4.35, 1],
    // Both `*`, or `?` with `*` or `?`: every day.
    ["cron(0 8 * * * *)", 730 / 24, 1],
    ["cron(0 8 ? * * *)", 730 / 24, 1],
    ["cron(0 8 ? * ? *)", 730 / 24, 1],
    // Both a day of month and a day of week (AWS refuses it): the day of month counts.
    ["cron(0 8 1 * MON *)", 1, 1],
    ["cron(0 8 1 * * *)", 1, 1],
    // Day-of-month ranges, steps and the nearest weekday.
    ["cron(0 8 1-7 * ? *)", 7, 1],
    ["cron(0 8 */10 * ? *)", 4, 1],
    ["cron(0 8 15W * ? *)", 1, 1],
    ["cron(0 8 LW * ? *)", 1, 1],
    // A wrapping range plus a day inside it: the days are counted once.
    ["cron(0 8 ? * FRI-MON,MON *)", 4 * 4.35, 1],
    ["cron(0 8 ? * FRI-MON,2,SAT *)", 4 * 4.35, 1],
    ["cron(0 8 ? * TUE-SUN,SUN *)", 6 * 4.35, 1],
    ["cron(0 8 1 NOV-FEB,JAN ? *)", 4 / 12, 1],
    ["cron(0 22-1,23 * * ? *)", 4 * (730 / 24), 4],
    ["cron(50-9,0 8 * * ? *)", 20 * (730 / 24), 20],
    // Whitespace: around the expression, inside rate(), between cron fields.
    ["  rate(5 minutes)  ", 8760, null],
    ["rate( 5 minutes )", 8760, null],
    ["rate(5  minutes)", 8760, null],
    ["rate(10 minutes)", 4380, null],
    ["RATE(2 Hours)", 365, null],
    ["cron( 0  8\t* * ? * )", 730 / 24, 1],
  ];
  for (const [expression, perMonth, perDay] of cases) {
    it(`${expression} fires ${perMonth.toFixed(2)} times`, () => {
      const fires = firesPerMonth(expression);
      expect(fires.perMonth).to.be.closeTo(perMonth, 1e-9);
      expect(fires.perDay).to.equal(perDay);
    });
  }

  it("gives the streamer's three windows 391 fires a weekday, 8,504.25 a month", () => {
    const windows = [
      "cron(30-59 9 ? * MON-FRI *)",
      "cron(* 10-15 ? * MON-FRI *)",
      "cron(0 16 ? * MON-FRI *)",
    ].map(firesPerMonth);
    expect(windows.reduce((sum, f) => sum + (f.perDay ?? 0), 0)).to.equal(391);
    expect(windows.reduce((sum, f) => sum + f.perMonth, 0)).to.be.closeTo(391 * 21.75, 1e-9);
  });

  // Each month and day name is its number: `FEB,2` is one month, `TUE,3` one day.
  const months = [
    "JAN",
    "FEB",
    "MAR",
    "APR",
    "MAY",
    "JUN",
    "JUL",
    "AUG",
    "SEP",
    "OCT",
    "NOV",
    "DEC",
  ];
  months.forEach((name, index) => {
    it(`reads ${name} (and ${name.toLowerCase()}) as month ${index + 1}`, () => {
      const expression = `cron(0 8 1 ${name},${name.toLowerCase()},${index + 1} ? *)`;
      expect(firesPerMonth(expression).perMonth).to.be.closeTo(1 / 12, 1e-9);
    });
  });
  const days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
  days.forEach((name, index) => {
    it(`reads ${name} (and ${name.toLowerCase()}) as day of week ${index + 1}`, () => {
      const expression = `cron(0 8 ? * ${name},${name.toLowerCase()},${index + 1} *)`;
      expect(firesPerMonth(expression).perMonth).to.be.closeTo(4.35, 1e-9);
    });
  });

  const refused: [string, string][] = [
    // expression, the reason the message gives after naming it
    ["cron(0 8 * *)", ""],
    ["cron(0 8 * * ?)", ""],
    ["cron(0 8 * * ? * 2026)", ""],
    ["rate(often)", ""],
    ["every minute", ""],
    ["rate(5 minutes) later", ""],
    ["every rate(5 minutes)", ""],
    ["at(2026-12-01T09:00:00) and again", ""],
    ["not at(2026-12-01T09:00:00)", ""],
    ["cron(0 8 * * ? *) daily", ""],
    ["xcron(0 8 * * ? *)", ""],
    ["cron(61 8 * * ? *)", `: "61" is not a value between 0 and 59`],
    ["cron(0 24 * * ? *)", `: "24" is not a value between 0 and 23`],
    ["cron(0 8 0 * ? *)", `: "0" is not a value between 1 and 31`],
    ["cron(0 8 32 * ? *)", `: "32" is not a value between 1 and 31`],
    ["cron(0 8 1 0 ? *)", `: "0" is not a value between 1 and 12`],
    ["cron(0 8 ? * 0 *)", `: "0" is not a value between 1 and 7`],
    ["cron(0 8 ? * 8 *)", `: "8" is not a value between 1 and 7`],
    ["cron(1.5 8 * * ? *)", `: "1.5" is not a value between 0 and 59`],
    ["cron(x 8 * * ? *)", `: "x" is not a value between 0 and 59`],
    ["cron(0/1.5 8 * * ? *)", `: bad step in "0/1.5"`],
    ["cron(0/0 8 * * ? *)", `: bad step in "0/0"`],
    ["cron(0 8/-1 * * ? *)", `: bad step in "8/-1"`],
  ];
  for (const [bad, reason] of refused) {
    it(`refuses ${bad}, naming it${reason}`, () => {
      expect(thrown(() => firesPerMonth(bad)).message).to.equal(
        `cannot read the schedule expression "${bad}"${reason}`,
      );
    });
  }
});

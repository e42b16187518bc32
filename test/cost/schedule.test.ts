import { expect } from "chai";
import { firesPerMonth } from "../../engine/cost/schedule";

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

  for (const bad of ["cron(0 8 * *)", "cron(61 8 * * ? *)", "rate(often)", "every minute"]) {
    it(`refuses ${bad}, naming it`, () => {
      expect(() => firesPerMonth(bad)).to.throw(bad);
    });
  }
});

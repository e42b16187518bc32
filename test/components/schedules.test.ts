import { expect } from "chai";
import { CronExpressionParser } from "cron-parser";
import { DateTime } from "luxon";
import { cronProblems, SCHEDULE_PRESETS, timeZoneProblem } from "../../components/schedules";

/**
 * A Scheduler cron (`cron(m h dom mon dow year)`) as the 5-field crontab cron-parser reads. Only
 * year `*` is convertible; `?` means "any" there.
 */
function toCrontab(expression: string): string {
  const fields = /^cron\((.*)\)$/.exec(expression)![1]!.trim().split(/\s+/);
  expect(fields[5], `${expression}: year`).to.equal("*");
  return fields
    .slice(0, 5)
    .map((f) => (f === "?" ? "*" : f))
    .join(" ");
}

/** Every fire of `expression` in `timeZone` from `start` (inclusive) to `end` (exclusive), as epoch ms. */
function fires(expression: string, timeZone: string, start: DateTime, end: DateTime): number[] {
  const it = CronExpressionParser.parse(toCrontab(expression), {
    currentDate: start.minus({ milliseconds: 1 }).toJSDate(),
    endDate: end.minus({ milliseconds: 1 }).toJSDate(),
    tz: timeZone,
  });
  const out: number[] = [];
  while (it.hasNext()) out.push(it.next().getTime());
  return out;
}

describe("schedules", () => {
  describe("usEquityRegularHours, evaluated by cron-parser over two full years", () => {
    const { timeZone, windows } = SCHEDULE_PRESETS.usEquityRegularHours;
    const start = DateTime.fromObject({ year: 2026, month: 1, day: 1 }, { zone: timeZone });
    const end = start.plus({ years: 2 });
    let fired: number[];
    let expected: Set<number>;

    before(function () {
      // About 200,000 minutes through cron-parser: 30 s of CPU, more on a busy machine.
      this.timeout(240_000);
      fired = Object.values(windows).flatMap((cron) => fires(cron, timeZone, start, end));
      expected = new Set();
      for (let day = start; day < end; day = day.plus({ days: 1 })) {
        if (day.weekday > 5) continue;
        // Minutes by arithmetic (luxon per minute was a third of this test): New York changes
        // its clocks at 02:00, never between the open and the close.
        const open = day.set({ hour: 9, minute: 30 }).toMillis();
        for (let m = 0; m <= 390; m++) expected.add(open + m * 60_000);
      }
    });

    it("runs in New York time", () => expect(timeZone).to.equal("America/New_York"));

    it("fires every weekday minute from 09:30 to 16:00 inclusive exactly once", () => {
      expect(expected.size).to.equal(522 * 391); // 2026 and 2027 have 261 weekdays each
      expect(fired).to.have.length(new Set(fired).size, "a minute fired twice");
      const firedSet = new Set(fired);
      const missing = [...expected].filter((t) => !firedSet.has(t));
      expect(missing.slice(0, 3).map((t) => new Date(t).toISOString())).to.deep.equal([]);
    });

    it("fires at no other minute", () => {
      const extra = fired.filter((t) => !expected.has(t));
      expect(extra.slice(0, 3).map((t) => new Date(t).toISOString())).to.deep.equal([]);
    });

    const dstDays: [string, string, string][] = [
      // Local 09:30 and 16:00 on both sides of each change, in UTC.
      ["2026-03-06", "14:30", "21:00"],
      ["2026-03-09", "13:30", "20:00"],
      ["2026-10-30", "13:30", "20:00"],
      ["2026-11-02", "14:30", "21:00"],
      ["2027-03-15", "13:30", "20:00"],
      ["2027-11-08", "14:30", "21:00"],
    ];
    for (const [day, first, last] of dstDays) {
      it(`opens at ${first} and closes at ${last} UTC on ${day}`, () => {
        const ofDay = fired
          .map((t) => new Date(t).toISOString())
          .filter((iso) => iso.startsWith(day))
          .sort();
        expect(ofDay[0]).to.equal(`${day}T${first}:00.000Z`);
        expect(ofDay.at(-1)).to.equal(`${day}T${last}:00.000Z`);
        expect(ofDay).to.have.length(391);
      });
    }
  });

  describe("cronProblems", () => {
    const valid = [
      ...Object.values(SCHEDULE_PRESETS.usEquityRegularHours.windows),
      "cron(0/5 8-11 ? * MON-FRI *)",
      "cron(0 12 1 * ? 2027)",
      "cron(15 10 ? * 6L *)",
    ];
    for (const expression of valid) {
      it(`accepts ${expression}`, () => expect(cronProblems(expression)).to.deep.equal([]));
    }
    const invalid: [string, string][] = [
      ["rate(1 minute)", "is not cron("],
      ["cron(* * * * *)", "has 5 fields"],
      ["cron(* 9-16 * * MON-FRI *)", "exactly one of day-of-month and day-of-week"],
      ["cron(* 9-16 ? * ? *)", "exactly one of day-of-month and day-of-week"],
      ["cron(30-59 9 ? * MONDAY *)", 'day-of-week "MONDAY"'],
      ["cron(x 9 ? * MON *)", 'minutes "x"'],
    ];
    for (const [expression, fragment] of invalid) {
      it(`rejects ${expression}`, () =>
        expect(cronProblems(expression).join("; ")).to.include(fragment));
    }
  });

  it("timeZoneProblem knows IANA zones and names a wrong one", () => {
    expect(timeZoneProblem("America/New_York")).to.equal(undefined);
    expect(timeZoneProblem("Europe/Berlin")).to.equal(undefined);
    expect(timeZoneProblem("Eastern")).to.include("Eastern is not an IANA time zone");
  });
});

import { expect } from "chai";
import { DateTime } from "luxon";
import {
  coveredYears,
  marketStatus,
  newYorkEpochMs,
  newYorkTime,
  session,
  tradingDay,
} from "../../../functions/alpha-kite/lib/calendar";

/** The instant of a New York wall-clock time, by luxon (an independent implementation). */
const ny = (date: string, time: string): number =>
  DateTime.fromISO(`${date}T${time}`, { zone: "America/New_York" }).toMillis();

describe("Alpha-Kite market calendar", () => {
  it("covers this year and the next: extend lib/calendar.ts when this fails", () => {
    const year = new Date().getUTCFullYear();
    expect(coveredYears, `the NYSE calendar must list ${year} and ${year + 1}`).to.include.members([
      year,
      year + 1,
    ]);
  });

  it("every covered year lists its 10 holidays and falls on weekdays", () => {
    for (const year of coveredYears) {
      let holidays = 0;
      for (let d = Date.UTC(year, 0, 1); new Date(d).getUTCFullYear() === year; d += 86_400_000) {
        const date = new Date(d).toISOString().slice(0, 10);
        if (tradingDay(date).kind === "holiday") holidays++;
      }
      expect(holidays, String(year)).to.equal(10);
    }
  });

  const days: [string, ReturnType<typeof session> | "weekend" | "holiday"][] = [
    ["2026-01-01", "holiday"],
    ["2026-01-19", "holiday"],
    ["2026-02-16", "holiday"],
    ["2026-04-03", "holiday"],
    ["2026-05-25", "holiday"],
    ["2026-06-19", "holiday"],
    ["2026-07-03", "holiday"],
    ["2026-09-07", "holiday"],
    ["2026-11-26", "holiday"],
    ["2026-12-25", "holiday"],
    ["2027-01-01", "holiday"],
    ["2027-01-18", "holiday"],
    ["2027-02-15", "holiday"],
    ["2027-03-26", "holiday"],
    ["2027-05-31", "holiday"],
    ["2027-06-18", "holiday"],
    ["2027-07-05", "holiday"],
    ["2027-09-06", "holiday"],
    ["2027-11-25", "holiday"],
    ["2027-12-24", "holiday"],
    ["2026-11-27", { open: "09:30", close: "13:00" }],
    ["2026-12-24", { open: "09:30", close: "13:00" }],
    ["2027-11-26", { open: "09:30", close: "13:00" }],
    ["2026-11-24", { open: "09:30", close: "16:00" }],
    ["2026-07-02", { open: "09:30", close: "16:00" }],
    ["2026-12-31", { open: "09:30", close: "16:00" }],
    ["2027-12-23", { open: "09:30", close: "16:00" }],
    ["2026-11-28", "weekend"],
    ["2026-11-29", "weekend"],
    ["2027-07-04", "weekend"],
  ];
  for (const [date, want] of days) {
    it(`${date} is ${typeof want === "string" ? want : `a session to ${want?.close}`}`, () => {
      const day = tradingDay(date);
      if (want === "weekend" || want === "holiday") {
        expect(day.kind).to.equal(want);
        expect(session(date)).to.equal(undefined);
      } else {
        expect(day).to.deep.equal({ kind: "trading", session: want, covered: true });
        expect(session(date)).to.deep.equal(want);
      }
    });
  }

  it("an uncovered year's weekdays are regular sessions, marked uncovered", () => {
    expect(tradingDay("2031-03-04")).to.deep.equal({
      kind: "trading",
      session: { open: "09:30", close: "16:00" },
      covered: false,
    });
  });

  it("rejects what is not a date", () => {
    for (const bad of ["2026-02-30", "2026-13-01", "26-11-24", ""]) {
      expect(() => tradingDay(bad), bad).to.throw(RangeError);
    }
  });

  const minutes: [string, string, string, boolean | string][] = [
    ["regular open", "2026-11-24", "09:30", true],
    ["one minute before", "2026-11-24", "09:29", "before-open"],
    ["the close minute", "2026-11-24", "16:00", true],
    ["one minute after", "2026-11-24", "16:01", "after-close"],
    ["early close minute", "2026-11-27", "13:00", true],
    ["after an early close", "2026-11-27", "13:01", "after-close"],
    ["midnight", "2026-11-24", "00:00", "before-open"],
    ["a holiday at noon", "2026-11-26", "12:00", "holiday"],
    ["a Sunday at noon", "2026-11-29", "12:00", "weekend"],
    // DST starts 2026-03-08 (a Sunday) at 02:00; the Monday opens at 13:30 UTC.
    ["the DST-start Sunday", "2026-03-08", "10:00", "weekend"],
    ["Monday after DST starts, open", "2026-03-09", "09:30", true],
    ["Monday after DST starts, 09:29", "2026-03-09", "09:29", "before-open"],
    // DST ends 2026-11-01 (a Sunday) at 02:00; the Monday opens at 14:30 UTC.
    ["the DST-end Sunday", "2026-11-01", "10:00", "weekend"],
    ["Monday after DST ends, close", "2026-11-02", "16:00", true],
    ["Monday after DST ends, 16:01", "2026-11-02", "16:01", "after-close"],
  ];
  for (const [title, date, time, want] of minutes) {
    it(`${title}: ${date} ${time} → ${String(want)}`, () => {
      for (const seconds of [0, 59_999]) {
        const status = marketStatus(ny(date, time) + seconds);
        expect(status.date).to.equal(date);
        expect(status.time).to.equal(time);
        if (want === true) expect(status.open).to.equal(true);
        else expect(status).to.deep.include({ open: false, reason: want });
      }
    });
  }

  it("converts New York wall time to instants across both 2026 DST switches", () => {
    expect(new Date(newYorkEpochMs("2026-03-06", "09:30")).toISOString()).to.equal(
      "2026-03-06T14:30:00.000Z",
    );
    expect(new Date(newYorkEpochMs("2026-03-09", "09:30")).toISOString()).to.equal(
      "2026-03-09T13:30:00.000Z",
    );
    expect(new Date(newYorkEpochMs("2026-10-30", "16:00")).toISOString()).to.equal(
      "2026-10-30T20:00:00.000Z",
    );
    expect(new Date(newYorkEpochMs("2026-11-02", "16:00")).toISOString()).to.equal(
      "2026-11-02T21:00:00.000Z",
    );
    // Every day of the covered years (switch days included) against luxon; times in the hour a
    // switch skips or repeats (01:00–02:59) are never market times and are left out.
    for (const year of coveredYears) {
      for (let d = Date.UTC(year, 0, 1); new Date(d).getUTCFullYear() === year; d += 86_400_000) {
        const date = new Date(d).toISOString().slice(0, 10);
        for (const time of ["00:00", "03:00", "09:30", "13:00", "16:00", "23:59"]) {
          expect(newYorkEpochMs(date, time), `${date} ${time}`).to.equal(ny(date, time));
          expect(newYorkTime(ny(date, time))).to.deep.equal({ date, time });
        }
      }
    }
  });
});

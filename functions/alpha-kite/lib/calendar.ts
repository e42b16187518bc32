/**
 * The NYSE calendar and New York wall-clock time. Pure: embedded data and `Intl` only, so the
 * schedule's edge cases (holidays, 13:00 early closes, both DST switches) are table-tested.
 *
 * The data runs out: a test fails when it does not cover this year and the next, so it is
 * extended in time. Should it run out anyway, an uncovered weekday counts as a regular session
 * (`covered: false`) and the handler warns: streaming on an unknown holiday fetches nothing, while
 * skipping would silently lose a whole trading day.
 */

export const TIME_ZONE = "America/New_York";

export const REGULAR_OPEN = "09:30";
export const REGULAR_CLOSE = "16:00";
export const EARLY_CLOSE = "13:00";

/** Full-day closures, by New York date. Source: NYSE holiday calendar. */
const HOLIDAYS: Readonly<Record<string, string>> = {
  "2026-01-01": "New Year's Day",
  "2026-01-19": "Martin Luther King Jr. Day",
  "2026-02-16": "Washington's Birthday",
  "2026-04-03": "Good Friday",
  "2026-05-25": "Memorial Day",
  "2026-06-19": "Juneteenth",
  "2026-07-03": "Independence Day (observed)",
  "2026-09-07": "Labor Day",
  "2026-11-26": "Thanksgiving Day",
  "2026-12-25": "Christmas Day",
  "2027-01-01": "New Year's Day",
  "2027-01-18": "Martin Luther King Jr. Day",
  "2027-02-15": "Washington's Birthday",
  "2027-03-26": "Good Friday",
  "2027-05-31": "Memorial Day",
  "2027-06-18": "Juneteenth (observed)",
  "2027-07-05": "Independence Day (observed)",
  "2027-09-06": "Labor Day",
  "2027-11-25": "Thanksgiving Day",
  "2027-12-24": "Christmas Day (observed)",
};

/** Sessions ending at 13:00 ET. */
const EARLY_CLOSES: ReadonlySet<string> = new Set(["2026-11-27", "2026-12-24", "2027-11-26"]);

/** Years whose holidays and early closes are all listed above. */
export const coveredYears: readonly number[] = [2026, 2027];

export interface Session {
  open: typeof REGULAR_OPEN;
  close: typeof REGULAR_CLOSE | typeof EARLY_CLOSE;
}

export type TradingDay =
  | { kind: "weekend" }
  | { kind: "holiday"; holiday: string }
  | { kind: "trading"; session: Session; covered: boolean };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function dateParts(date: string): [number, number, number] {
  const match = DATE.exec(date);
  const parts = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [];
  const [year, month, day] = parts as [number, number, number];
  const check = match ? new Date(Date.UTC(year, month - 1, day)) : undefined;
  if (!check || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw new RangeError(`not a calendar date (YYYY-MM-DD): "${date}"`);
  }
  return [year, month, day];
}

/** What kind of day a New York date (`YYYY-MM-DD`) is on the NYSE. */
export function tradingDay(date: string): TradingDay {
  const [year, month, day] = dateParts(date);
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  if (weekday === 0 || weekday === 6) return { kind: "weekend" };
  const holiday = HOLIDAYS[date];
  if (holiday !== undefined) return { kind: "holiday", holiday };
  const close = EARLY_CLOSES.has(date) ? EARLY_CLOSE : REGULAR_CLOSE;
  return {
    kind: "trading",
    session: { open: REGULAR_OPEN, close },
    covered: coveredYears.includes(year),
  };
}

/** The regular session of a New York date, or undefined when the market is closed all day. */
export function session(date: string): Session | undefined {
  const day = tradingDay(date);
  return day.kind === "trading" ? day.session : undefined;
}

export interface NewYorkTime {
  /** `YYYY-MM-DD` */
  date: string;
  /** `HH:MM`, 00:00–23:59 */
  time: string;
}

const formatter = new Intl.DateTimeFormat("en-US", {
  timeZone: TIME_ZONE,
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

function wallClock(epochMs: number): Record<string, number> {
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(epochMs)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return parts;
}

const pad = (n: number | undefined): string => String(n ?? 0).padStart(2, "0");

/** New York's date and minute at an instant. */
export function newYorkTime(epochMs: number): NewYorkTime {
  const p = wallClock(epochMs);
  return {
    date: `${p.year}-${pad(p.month)}-${pad(p.day)}`,
    time: `${pad(p.hour)}:${pad(p.minute)}`,
  };
}

/** New York's offset from UTC at an instant, in ms (-5 h in winter, -4 h in summer). */
function offsetMs(epochMs: number): number {
  const p = wallClock(epochMs);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - (epochMs - (epochMs % 1000));
}

/**
 * The instant a New York wall-clock time (`HH:MM` on `YYYY-MM-DD`) happens. Market times are never
 * inside a DST switch (02:00–03:00), so the answer is unique; the second pass settles a guess
 * that landed on the other side of a switch.
 */
export function newYorkEpochMs(date: string, time: string): number {
  const [year, month, day] = dateParts(date);
  const match = /^(\d{2}):(\d{2})$/.exec(time);
  if (!match) throw new RangeError(`not a time (HH:MM): "${time}"`);
  const local = Date.UTC(year, month - 1, day, Number(match[1]), Number(match[2]));
  const first = local - offsetMs(local);
  return local - offsetMs(first);
}

export type MarketStatus =
  | { open: true; date: string; time: string; session: Session; covered: boolean }
  | {
      open: false;
      date: string;
      time: string;
      reason: "weekend" | "holiday" | "before-open" | "after-close";
      holiday?: string;
    };

/**
 * Whether a run at `epochMs` falls in a regular session. The open and the close minute both count
 * (09:30 and 16:00 or 13:00): the run at the close fetches the session's last bar.
 */
export function marketStatus(epochMs: number): MarketStatus {
  const { date, time } = newYorkTime(epochMs);
  const day = tradingDay(date);
  if (day.kind === "weekend") return { open: false, date, time, reason: "weekend" };
  if (day.kind === "holiday") {
    return { open: false, date, time, reason: "holiday", holiday: day.holiday };
  }
  // HH:MM strings compare in time order.
  if (time < day.session.open) return { open: false, date, time, reason: "before-open" };
  if (time > day.session.close) return { open: false, date, time, reason: "after-close" };
  return { open: true, date, time, session: day.session, covered: day.covered };
}

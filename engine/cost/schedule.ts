/**
 * How often an EventBridge Scheduler expression fires in an average month, from the expression
 * itself: `cron(min hour day-of-month month day-of-week year)`, `rate(n unit)` or `at(...)`.
 *
 * An average month has 730 hours (the billing convention) and 4.35 weeks (52.2 / 12), so a
 * Monday-to-Friday schedule runs on 21.75 days. The time zone does not change the count.
 */

export const HOURS_PER_MONTH = 730;
export const WEEKS_PER_MONTH = 4.35;
const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;

export interface Fires {
  /** Fires on each day the expression runs (cron), or null for rate and at expressions. */
  readonly perDay: number | null;
  /** Days a month it runs on (cron), or null. */
  readonly daysPerMonth: number | null;
  readonly perMonth: number;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** The values a cron field matches, within [min, max]; names map to numbers from `base`. */
function expandField(
  field: string,
  min: number,
  max: number,
  names: string[] = [],
  base = 1,
): Set<number> {
  const value = (token: string): number => {
    const named = names.indexOf(token.toUpperCase());
    const n = named >= 0 ? named + base : Number(token);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(`"${token}" is not a value between ${min} and ${max}`);
    }
    return n;
  };
  const out = new Set<number>();
  for (const part of field.split(",")) {
    const [range = "", stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad step in "${part}"`);
    let from: number;
    let to: number;
    if (range === "*") [from, to] = [min, max];
    else if (range.includes("-")) {
      const [a = "", b = ""] = range.split("-");
      [from, to] = [value(a), value(b)];
    } else {
      from = value(range);
      to = stepText === undefined ? from : max;
    }
    // Wrapping ranges (FRI-MON) run to the end and start again.
    const span = to >= from ? to - from : max - from + (to - min) + 1;
    for (let i = 0; i <= span; i += step) out.add(((from - min + i) % (max - min + 1)) + min);
  }
  return out;
}

/** Days a month a cron expression runs, from its day-of-month, month and day-of-week fields. */
function daysPerMonth(dom: string, month: string, dow: string): number {
  const monthShare = expandField(month, 1, 12, MONTHS).size / 12;
  let days: number;
  if (dom === "?" || (dom === "*" && dow !== "*" && dow !== "?")) {
    if (dow === "*" || dow === "?") days = DAYS_PER_MONTH;
    // `6L` (last Friday) and `2#1` (first Monday) run once a month each.
    else if (/[L#]/i.test(dow)) days = dow.split(",").length;
    else days = expandField(dow, 1, 7, DAYS).size * WEEKS_PER_MONTH;
  } else if (dom === "*") days = DAYS_PER_MONTH;
  else if (/[LW]/i.test(dom)) days = dom.split(",").length;
  else days = expandField(dom, 1, 31).size;
  return days * monthShare;
}

const RATE_MINUTES: Record<string, number> = { minute: 1, hour: 60, day: 24 * 60 };

/** Fires a month of a Scheduler (or EventBridge rule) expression; throws naming what it cannot read. */
export function firesPerMonth(expression: string): Fires {
  const text = expression.trim();
  const rate = /^rate\(\s*(\d+)\s+(minute|hour|day)s?\s*\)$/i.exec(text);
  if (rate) {
    const every = Number(rate[1]) * RATE_MINUTES[rate[2]!.toLowerCase()]!;
    return { perDay: null, daysPerMonth: null, perMonth: (HOURS_PER_MONTH * 60) / every };
  }
  // A one-time schedule: one invocation, counted in the month it runs.
  if (/^at\(.+\)$/i.test(text)) return { perDay: null, daysPerMonth: null, perMonth: 1 };
  const cron = /^cron\((.+)\)$/i.exec(text);
  const fields = cron?.[1]?.trim().split(/\s+/);
  if (!fields || fields.length !== 6) {
    throw new Error(`cannot read the schedule expression "${expression}"`);
  }
  const [minutes = "", hours = "", dom = "", month = "", dow = ""] = fields;
  try {
    const perDay = expandField(minutes, 0, 59).size * expandField(hours, 0, 23).size;
    const days = daysPerMonth(dom, month, dow);
    return { perDay, daysPerMonth: days, perMonth: perDay * days };
  } catch (err) {
    throw new Error(
      `cannot read the schedule expression "${expression}": ${(err as Error).message}`,
    );
  }
}

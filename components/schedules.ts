/**
 * Wall-clock schedules for EventBridge Scheduler: presets and validation of its cron expressions.
 * Scheduler evaluates cron in a named time zone, so "09:30 New York" stays 09:30 across daylight
 * saving time; plain EventBridge rules are UTC only and drift by an hour half the year.
 */

export interface ScheduleWindows {
  /** IANA time zone the expressions are evaluated in. */
  readonly timeZone: string;
  /** Window name → Scheduler cron expression; one schedule each. */
  readonly windows: Readonly<Record<string, string>>;
}

/**
 * Presets by name. `usEquityRegularHours`: every minute from 09:30 to 16:00 inclusive, Monday to
 * Friday, New York time. Three windows because one cron cannot say "from :30 of the first hour":
 * 09:30–09:59, 10:00–15:59, and 16:00 (the closing bar). Holidays are the handler's business.
 */
export const SCHEDULE_PRESETS = {
  usEquityRegularHours: {
    timeZone: "America/New_York",
    windows: {
      open: "cron(30-59 9 ? * MON-FRI *)",
      day: "cron(* 10-15 ? * MON-FRI *)",
      close: "cron(0 16 ? * MON-FRI *)",
    },
  },
} as const satisfies Record<string, ScheduleWindows>;

export type SchedulePreset = keyof typeof SCHEDULE_PRESETS;

/** Allowed characters per field of a Scheduler cron: minutes hours day-of-month month day-of-week year. */
const FIELDS: readonly [string, RegExp][] = [
  ["minutes", /^[0-9,*/-]+$/],
  ["hours", /^[0-9,*/-]+$/],
  ["day-of-month", /^[0-9,*/?LW-]+$/],
  ["month", /^([0-9,*/-]|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)+$/],
  ["day-of-week", /^([0-9,*/?L#-]|SUN|MON|TUE|WED|THU|FRI|SAT)+$/],
  ["year", /^[0-9,*/-]+$/],
];

/** Problems with a Scheduler cron expression, each naming the field; empty when valid. */
export function cronProblems(expression: string): string[] {
  const match = /^cron\((.*)\)$/.exec(expression.trim());
  if (!match)
    return [`${expression} is not cron(minutes hours day-of-month month day-of-week year)`];
  const fields = match[1]!.trim().split(/\s+/);
  if (fields.length !== 6)
    return [`${expression} has ${fields.length} fields; Scheduler cron has 6`];
  const problems = fields.flatMap((field, i) => {
    const [name, allowed] = FIELDS[i]!;
    return allowed.test(field) ? [] : [`${expression}: ${name} "${field}" is not valid`];
  });
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
    problems.push(`${expression}: exactly one of day-of-month and day-of-week must be ?`);
  }
  return problems;
}

/** A problem with an IANA time zone name, or undefined when Node knows it. */
export function timeZoneProblem(timeZone: string): string | undefined {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return undefined;
  } catch {
    return `${timeZone} is not an IANA time zone like America/New_York`;
  }
}

/**
 * Local wall-clock times of patient records, which carry no time zone:
 * `YYYY-MM-DDTHH:MM` text and minutes since 1970-01-01T00:00 of the same wall
 * clock, computed with Date.UTC so that no daylight-saving jump or host time
 * zone enters (a record at 02:30 on a spring-forward night exists, and a day
 * is always 1440 minutes).
 */

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Whether year-month-day (month 1–12) is a day of the Gregorian calendar, years 1–9999: 06-31 is not. */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  return day <= DAYS_IN_MONTH[month - 1]! + (month === 2 && isLeapYear(year) ? 1 : 0);
}

/** Minutes since 1970-01-01T00:00 of a wall-clock date and time (month 1–12; hour 0–23, minute 0–59 not checked here). */
export function wallClockMinute(year: number, month: number, day: number, hour: number, minute: number): number {
  // Not Date.UTC(year, …), which reads years 0–99 as 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, 0, 0);
  return date.getTime() / 60_000;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** The parts of a wall-clock minute. */
export function wallClockParts(minute: number): { year: number; month: number; day: number; hour: number; minute: number } {
  const date = new Date(minute * 60_000);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
  };
}

/** `YYYY-MM-DDTHH:MM` of a wall-clock minute. */
export function formatWallClock(minute: number): string {
  const p = wallClockParts(minute);
  return `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)}T${pad(p.hour, 2)}:${pad(p.minute, 2)}`;
}

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/** The minute of a `YYYY-MM-DDTHH:MM` text, or undefined if it is not one (or not a real date and time). */
export function parseWallClock(text: string): number | undefined {
  const m = WALL_CLOCK.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (!isCalendarDate(year, month, day) || hour > 23 || minute > 59) return undefined;
  return wallClockMinute(year, month, day, hour, minute);
}

/**
 * Clock times in input files: "HH:MM" strings, minutes after midnight inside.
 * Shared by scenario files and controller options (dose times), so both say
 * the same thing about a bad time.
 */
import { InputError } from './errors.js';

/** "HH:MM", 00:00–23:59: a start time of day. */
export const TIME_OF_DAY_PATTERN = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
/** "HH:MM", 00:00–24:00: the end of a time window, where 24:00 is the midnight that ends the day. */
export const END_TIME_OF_DAY_PATTERN = '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$';

const TIME_OF_DAY = new RegExp(TIME_OF_DAY_PATTERN);
const END_TIME_OF_DAY = new RegExp(END_TIME_OF_DAY_PATTERN);

/** Why `text` is not a time of day. */
export function timeOfDayReason(text: unknown, allowEndOfDay: boolean): string {
  const last = allowEndOfDay ? '24:00' : '23:59';
  return `must be a time of day "HH:MM" from 00:00 to ${last} (got ${JSON.stringify(text)})`;
}

/**
 * "HH:MM" → minutes after midnight. `allowEndOfDay` admits "24:00" (1440),
 * the midnight that ends a day, for the end of a time window.
 */
export function parseTimeOfDay(text: string, file: string, field: string, allowEndOfDay = false): number {
  const pattern = allowEndOfDay ? END_TIME_OF_DAY : TIME_OF_DAY;
  if (typeof text !== 'string' || !pattern.test(text)) throw new InputError(file, field, timeOfDayReason(text, allowEndOfDay));
  return Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));
}

/** "HH:MM" of minutes after midnight (whole minutes in [0, 1440)). */
export function formatTimeOfDay(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

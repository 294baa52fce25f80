/**
 * CVGA points per patient-day: one point per subject and day instead of one
 * per subject over the whole observation window.
 *
 * Magni et al. 2008 (J Diabetes Sci Technol 2(4):630–635; see ./cvga.ts)
 * define one CVGA point per subject over an observation window. Studies that
 * observe several days may instead take the percentiles within each day and
 * plot one point per subject and day. The actor-critic study (Daskalaki,
 * Diem & Mougiakakou 2014, §3.3) must have done so. It reports 89, 78 and
 * 73 % in A+B over 28 patients and their last 5 days. With one point per
 * patient, 73 % cannot come out (k/28 is 71.4 % for k = 20 and 75 % for
 * k = 21). With one per patient-day (28 × 5 = 140 points) it can
 * (102/140 = 72.9 %). That is our inference from the counts; we have not
 * seen the paper say which it used. Both ways are offered: `CvgaPoints`.
 *
 * Each day's point is `cvgaPoint` of that day's readings (2.5th/97.5th
 * percentile, the same clamps and zones). So a day with no valid reading has
 * zone null, as an empty series does, and `cvgaSummary` counts it in
 * `excluded`, not in n.
 */
import { type CvgaPoint, cvgaPoint } from './cvga.js';
import type { GlucoseSeries } from './series.js';

/** Minutes in a day. */
const MINUTES_PER_DAY = 1440;

/**
 * What one CVGA point stands for.
 * - `patient`: one point per subject over the whole observation window, as
 *   Magni et al. 2008 define it (the default everywhere).
 * - `patient-day`: one point per subject and day, the percentiles taken
 *   within each day. This is how the actor-critic study of Daskalaki et al.
 *   2014 (§3.3) reports its percentages (see this module's comment).
 */
export type CvgaPoints = 'patient' | 'patient-day';

/** The values of `CvgaPoints`, default first (for option checks and messages). */
export const CVGA_POINTS: readonly CvgaPoints[] = ['patient', 'patient-day'];

export const DEFAULT_CVGA_POINTS: CvgaPoints = 'patient';

/** Whether a text as given (a flag's value) is one of `CVGA_POINTS`, exactly as written. */
export function isCvgaPoints(text: string): text is CvgaPoints {
  return (CVGA_POINTS as readonly string[]).includes(text);
}

export interface CvgaDayPoint extends CvgaPoint {
  /** Which day, 0-based: the series' first day (which may be partial, see `cvgaPointsPerDay`) is 0. */
  readonly dayIndex: number;
}

export interface CvgaPerDayOptions {
  /**
   * Minute of the day of the first sample, 0 … 1439 (default 0). With the
   * default, day k is samples [1440·k, 1440·(k + 1)). Otherwise day 0 is the
   * first sample's day up to its end, and later days start at that day's end.
   */
  readonly firstSampleMinuteOfDay?: number;
}

/** Samples [from, to) of a series without copying a typed array. */
function slice(values: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  const v = values as ArrayLike<number> & { subarray?: (a: number, b: number) => ArrayLike<number> };
  if (typeof v.subarray === 'function') return v.subarray(from, to);
  return Array.prototype.slice.call(values, from, to) as number[];
}

/**
 * One CVGA point per day of a BG series sampled every minute, mg/dL (NaN,
 * ±Infinity, zero and negative = no reading, as `cvgaPoint`), in day order.
 *
 * Days are blocks of 1440 samples. Index 0 starts a day unless
 * `firstSampleMinuteOfDay` says otherwise. A glucosim trace (src/sim/trace.ts)
 * has one sample per minute from the scenario's start, and its days (the
 * `day` column, the run's window, daily.csv) are these blocks. So
 * `cvgaPointsPerDay(trace.bgMgDl)` gives scenario day k + 1 as `dayIndex` k.
 * A part-day at either end gets a point over the minutes it has.
 * `bgMgDl.length` 0 gives no days.
 *
 * `cvgaPointsPerDay(oneDay)[0]` is `cvgaPoint(oneDay)`, and each day's point
 * depends only on that day's samples.
 */
export function cvgaPointsPerDay(bgMgDl: ArrayLike<number>, options: CvgaPerDayOptions = {}): CvgaDayPoint[] {
  const offset = options.firstSampleMinuteOfDay ?? 0;
  if (!(Number.isInteger(offset) && offset >= 0 && offset < MINUTES_PER_DAY)) {
    throw new RangeError(`firstSampleMinuteOfDay must be a whole number of minutes from 0 to ${MINUTES_PER_DAY - 1}, got ${offset}`);
  }
  const n = bgMgDl.length;
  const days = Math.ceil((n + offset) / MINUTES_PER_DAY);
  const out: CvgaDayPoint[] = [];
  for (let d = 0; d < days; d++) {
    const from = Math.max(0, d * MINUTES_PER_DAY - offset);
    const to = Math.min(n, (d + 1) * MINUTES_PER_DAY - offset);
    out.push({ ...cvgaPoint(slice(bgMgDl, from, to)), dayIndex: d });
  }
  return out;
}

export interface CvgaWallClockDayPoint extends CvgaPoint {
  /** The wall-clock day, `floor(t / 1440)` of its times: days since 1970-01-01 (see ./series.ts). */
  readonly epochDay: number;
}

/**
 * One CVGA point per wall-clock day of a timestamped series (a CGM export),
 * in day order. Days are cut at wall-clock midnight, as the day-based metrics
 * of this library cut them (./series.ts). Only days on which the series has a
 * timestamp get a point, so a day missing from a file is not a point. A day
 * whose readings are all missing gets zone null, as in `cvgaPointsPerDay`.
 */
export function cvgaPointsPerWallClockDay(series: GlucoseSeries): CvgaWallClockDayPoint[] {
  const t = series.timesMin;
  const g = series.glucoseMgDl;
  const out: CvgaWallClockDayPoint[] = [];
  let i = 0;
  while (i < t.length) {
    const epochDay = Math.floor(t[i] / MINUTES_PER_DAY);
    const from = i;
    // Times are increasing (GlucoseSeries), so a day's readings are consecutive.
    while (i < t.length && Math.floor(t[i] / MINUTES_PER_DAY) === epochDay) i++;
    out.push({ ...cvgaPoint(g.subarray(from, i)), epochDay });
  }
  return out;
}

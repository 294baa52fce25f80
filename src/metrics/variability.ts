/**
 * Variability and quality-of-control scores: M-value, GRADE (per reading,
 * averaged), MODD and CONGA (on iglu's day-by-day interpolation grid, see
 * grid.ts). MAGE is in mage.ts.
 */
import { roundHalfEven, dayByDayGrid, type DayGrid, type GridOptions } from './grid.js';
import { logsOf } from './risk.js';
import { type GlucoseSeries, validReadings } from './series.js';

/** iglu's default M-value reference glucose, mg/dL. */
export const DEFAULT_M_VALUE_REFERENCE = 90;

/**
 * M-value = mean of |10 · log10(BG / r)|³ = mean of 1000 · |log10(BG / r)|³.
 * Schlichtkrull J, Munck O, Jersild M 1965, "The M-value, an index of
 * blood-sugar control in diabetics", Acta Med Scand 177:95–102 (the original
 * uses r = 120 mg/dL and adds (max − min)/20 for fewer than 24 readings;
 * like iglu 4.2.2 `m_value` we use r = 90 mg/dL by default and no range term).
 */
export function mValueOf(g: Float64Array, reference: number = DEFAULT_M_VALUE_REFERENCE): number {
  return mValueFromLogs(logsOf(g), reference);
}

/** M-value from the natural logs of the valid readings. */
export function mValueFromLogs(lnG: Float64Array, reference: number = DEFAULT_M_VALUE_REFERENCE): number {
  const n = lnG.length;
  if (n === 0) return NaN;
  const lnRef = Math.log(reference);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const x = Math.abs((lnG[i] - lnRef) / Math.LN10);
    s += 1000 * x * x * x;
  }
  return s / n;
}

export function mValue(series: GlucoseSeries, reference: number = DEFAULT_M_VALUE_REFERENCE): number {
  return mValueOf(validReadings(series).g, reference);
}

const LN_18 = Math.log(18);

/** GRADE of one reading from ln BG (see {@link gradeScore}). */
function gradeFromLn(lnBg: number): number {
  if (!(lnBg > LN_18)) return 50;
  const a = Math.log(((lnBg - LN_18) / Math.LN10)) / Math.LN10 + 0.16;
  const v = 425 * a * a;
  return v > 50 ? 50 : v;
}

/**
 * GRADE of one reading: 425 · (log10(log10(BG_mmol)) + 0.16)², capped at 50,
 * with BG_mmol = BG / 18 (iglu's factor). Hill NR, Hindmarsh PC, Stevens RJ,
 * Stratton IM, Levy JC, Matthews DR 2007, "A method for assessing quality of
 * control from glucose profiles", Diabet Med 24:753–758 (the formula and the
 * cap of 50 per value).
 *
 * Edge: at or below 18 mg/dL (1 mmol/L) the double log is −∞ or undefined;
 * the score is the cap, 50 (the formula tends to +∞ as BG ↓ 18 mg/dL). iglu
 * gives 50 at exactly 18 and drops values below it (`NaN`, `na.rm`).
 */
export function gradeScore(bg: number): number {
  return gradeFromLn(Math.log(bg));
}

/** Mean GRADE over valid readings (iglu `grade`). */
export function gradeOf(g: Float64Array): number {
  return gradeFromLogs(logsOf(g));
}

/** Mean GRADE from the natural logs of the valid readings. */
export function gradeFromLogs(lnG: Float64Array): number {
  const n = lnG.length;
  if (n === 0) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += gradeFromLn(lnG[i]);
  return s / n;
}

export function grade(series: GlucoseSeries): number {
  return gradeOf(validReadings(series).g);
}

/**
 * MODD, mean of daily differences: the mean of |G(d + lag, c) − G(d, c)| over
 * grid columns c (same time of day) and days d where both grid values exist.
 * Molnar GD, Taylor WF, Ho MM 1972, "Day-to-day variation of continuously
 * monitored glycaemia: a further measure of diabetic instability",
 * Diabetologia 8:342–348 (iglu 4.2.2 `modd`, which cites Service & Nelson
 * 1980, computes it on the `CGMS2DayByDay` grid, default lag 1 day).
 * `NaN` with less than two days of overlapping grid values.
 */
export function moddOfGrid(grid: DayGrid, lagDays: number = 1): number {
  const { values, ndays, perDay } = grid;
  let s = 0;
  let c = 0;
  for (let d = 0; d + lagDays < ndays; d++) {
    const a = d * perDay;
    const b = (d + lagDays) * perDay;
    for (let k = 0; k < perDay; k++) {
      const diff = values[b + k] - values[a + k];
      if (Number.isNaN(diff)) continue;
      s += Math.abs(diff);
      c++;
    }
  }
  return c === 0 ? NaN : s / c;
}

export function modd(series: GlucoseSeries, lagDays = 1, gridOptions: GridOptions = {}): number {
  return moddOfGrid(dayByDayGrid(validReadings(series), gridOptions), lagDays);
}

/** iglu's default CONGA lag, hours. */
export const DEFAULT_CONGA_HOURS = 24;

/**
 * CONGA(n): the SD (n − 1 denominator) of the differences between grid
 * values n hours apart. McDonnell CM, Donath SM, Vidmar SI, Werther GA,
 * Cameron FJ 2005, "A novel approach to continuous glucose analysis utilizing
 * glycemic variation", Diabetes Technol Ther 7:253–263. As iglu 4.2.2
 * `conga`: on the flattened `CGMS2DayByDay` grid, lag = round(60 / dt0) · n
 * grid steps, missing differences skipped; `NaN` with fewer than two.
 */
export function congaOfGrid(grid: DayGrid, hours: number = DEFAULT_CONGA_HOURS): number {
  const { values, dt0 } = grid;
  const lag = roundHalfEven(60 / dt0) * hours;
  const n = values.length;
  if (!(lag > 0) || lag >= n) return NaN;
  // Two passes (mean, then squared deviations) without storing the differences.
  let s = 0;
  let c = 0;
  for (let k = lag; k < n; k++) {
    const d = values[k] - values[k - lag];
    if (Number.isNaN(d)) continue;
    s += d;
    c++;
  }
  if (c < 2) return NaN;
  const mean = s / c;
  let ss = 0;
  for (let k = lag; k < n; k++) {
    const d = values[k] - values[k - lag];
    if (Number.isNaN(d)) continue;
    ss += (d - mean) * (d - mean);
  }
  return Math.sqrt(ss / (c - 1));
}

export function conga(series: GlucoseSeries, hours: number = DEFAULT_CONGA_HOURS, gridOptions: GridOptions = {}): number {
  return congaOfGrid(dayByDayGrid(validReadings(series), gridOptions), hours);
}

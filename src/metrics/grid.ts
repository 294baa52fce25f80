/**
 * The day-by-day regular grid that iglu interpolates CGM data onto before it
 * computes MODD, CONGA and MAGE (iglu 4.2.2, `CGMS2DayByDay` in R/utils.R).
 * Reimplemented from its documented behaviour; the conventions that decide
 * iglu's numbers are reproduced exactly:
 *
 * - only valid readings take part (iglu drops `NA` rows first); repeated
 *   timestamps were already reduced to one reading by `buildSeries`;
 * - grid step `dt0`: if not given, the median of the gaps between consecutive
 *   readings in minutes, rounded half-to-even as R's `round()` does; if 1440 is
 *   not a multiple of it, steps above 20 min become 20 and smaller ones are
 *   rounded to a multiple of 5 (remainder > 2 rounds up);
 * - the grid starts at wall-clock midnight of the first reading's day and its
 *   first point is one step *after* midnight: points `midnight + k·dt0`,
 *   k = 1 … ndays·1440/dt0 (so each row ends at the next midnight);
 * - `ndays = ceil((last − first) / 1 day + 1)`;
 * - values are linear interpolation between the neighbouring readings (R's
 *   `approx`, rule 1: `NaN` before the first and after the last reading);
 * - no interpolation across a gap longer than `interGap` (default 45 min):
 *   grid points strictly inside such a gap are `NaN`.
 *
 * Deviations, where R would stop with an error: fewer than two gaps to take a
 * median from (one reading) use `dt0 = 5`; a median step that rounds to 0 (sub-
 * 30-second sampling) uses 1 min; a step above `interGap` gives an all-`NaN`
 * grid (iglu: "measurements frequency above the maximal interpolation gap"),
 * so the metrics built on it are `NaN`.
 *
 * Time differences are compared at 1 ms resolution (see {@link snapMinutes})
 * so that, e.g., readings exactly 45 min apart are not a gap even though
 * minutes-since-1970 are not exact binary fractions.
 */
import { MINUTES_PER_DAY, type ValidReadings } from './series.js';

export interface DayGrid {
  /** Grid values, day after day: `values[d * perDay + c]`, `NaN` = no value. */
  readonly values: Float64Array;
  readonly ndays: number;
  /** Points per day, `1440 / dt0`. */
  readonly perDay: number;
  /** Grid step in minutes. */
  readonly dt0: number;
  /** Wall-clock midnight of the first day; point `k` (0-based) is at `startMin + (k + 1) * dt0`. */
  readonly startMin: number;
}

export interface GridOptions {
  /** Grid step in minutes; default: from the data (median gap). */
  readonly dt0?: number;
  /** Longest gap, in minutes, that is interpolated across; default 45. */
  readonly interGap?: number;
}

/** Default longest interpolated gap, as iglu's `inter_gap = 45`. */
export const DEFAULT_INTER_GAP_MIN = 45;

/** A duration in minutes rounded to whole milliseconds (undoes binary rounding of minutes-since-1970). */
export function snapMinutes(minutes: number): number {
  return Math.round(minutes * 60000) / 60000;
}

/** R's `round(x)` (digits = 0): nearest integer, halves to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Median of the gaps between consecutive readings, in minutes (`NaN` with fewer than two readings). */
export function medianGapMinutes(t: Float64Array): number {
  const n = t.length - 1;
  if (n < 1) return NaN;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = snapMinutes(t[i + 1] - t[i]);
  const h = n >> 1;
  const upper = selectKth(d, h);
  if (n % 2 === 1) return upper;
  // Even count: the lower middle is the largest value left of position h.
  let lower = d[0];
  for (let i = 1; i < h; i++) if (d[i] > lower) lower = d[i];
  return (lower + upper) / 2;
}

/**
 * Rearrange `a` so that `a[k]` holds the k-th smallest value, smaller or equal
 * values before it and larger or equal after it (Hoare's quickselect, linear
 * on average; the median gap without a full sort).
 */
function selectKth(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const tmp = a[i];
        a[i] = a[j];
        a[j] = tmp;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k];
}

/** The grid step iglu would use for these readings (`dt0` given or from the median gap), after its 1440-divisibility fix. */
export function gridStep(t: Float64Array, dt0?: number): number {
  let step = dt0 ?? roundHalfEven(medianGapMinutes(t));
  if (!Number.isFinite(step)) step = 5;
  if (step < 1) step = 1;
  step = Math.round(step);
  if (MINUTES_PER_DAY % step !== 0) {
    if (step > 20) step = 20;
    else {
      const rem = step % 5;
      step = rem > 2 ? step + 5 - rem : step - rem;
    }
  }
  return step;
}

/** Interpolate valid readings (sorted, unique times) onto iglu's day-by-day grid. */
export function dayByDayGrid(readings: ValidReadings, options: GridOptions = {}): DayGrid {
  const { t, g } = readings;
  const n = t.length;
  const interGap = options.interGap ?? DEFAULT_INTER_GAP_MIN;
  if (n === 0) return { values: new Float64Array(0), ndays: 0, perDay: 0, dt0: options.dt0 ?? NaN, startMin: NaN };
  const dt0 = gridStep(t, options.dt0);
  const perDay = MINUTES_PER_DAY / dt0;
  const ndays = Math.ceil(snapMinutes(t[n - 1] - t[0]) / MINUTES_PER_DAY + 1);
  const startMin = Math.floor(t[0] / MINUTES_PER_DAY) * MINUTES_PER_DAY;
  const total = ndays * perDay;
  const values = new Float64Array(total);
  if (dt0 > interGap) {
    values.fill(NaN);
    return { values, ndays, perDay, dt0, startMin };
  }
  const first = t[0];
  const last = t[n - 1];
  let i = 0; // t[i] <= x < t[i + 1], or i = n - 2 when x = last
  for (let k = 0; k < total; k++) {
    const x = startMin + (k + 1) * dt0;
    if (x < first || x > last) {
      values[k] = NaN;
      continue;
    }
    if (n === 1) {
      values[k] = g[0];
      continue;
    }
    while (i < n - 2 && t[i + 1] <= x) i++;
    const j = i + 1;
    if (x === t[j]) values[k] = g[j];
    else if (x === t[i]) values[k] = g[i];
    else if (snapMinutes(t[j] - t[i]) > interGap) values[k] = NaN;
    else values[k] = g[i] + (g[j] - g[i]) * ((x - t[i]) / (t[j] - t[i]));
  }
  return { values, ndays, perDay, dt0, startMin };
}

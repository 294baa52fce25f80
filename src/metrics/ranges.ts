/**
 * Time in ranges, in percent, with the consensus thresholds of Battelino T et
 * al. 2019, "Clinical targets for continuous glucose monitoring data
 * interpretation: recommendations from the international consensus on time in
 * range", Diabetes Care 42:1593–1603 (Table 2: TIR 70–180 mg/dL, TBR < 70 and
 * < 54, TAR > 180 and > 250).
 *
 * Count-based by default, exactly as iglu 4.2.2 (`in_range_percent`,
 * `below_percent`, `above_percent`): the share of valid readings with
 * `70 ≤ BG ≤ 180`, `BG < 70`, `BG < 54`, `BG > 180`, `BG > 250`. So TIR +
 * below_70 + above_180 = 100 and the "below"/"above" figures are cumulative
 * (below_70 includes below_54).
 *
 * Time-weighted variant (`weighting: 'time'`): each valid reading stands for
 * the time until the next valid reading (sample-and-hold), capped at
 * `maxGapMin` (default 45 min, iglu's interpolation limit) so a sensor gap is
 * not credited to the reading before it; the last reading stands for the
 * median sampling interval (same cap). On a regularly sampled series the two
 * variants agree exactly.
 */
import { DEFAULT_INTER_GAP_MIN, medianGapMinutes, snapMinutes } from './grid.js';
import { type GlucoseSeries, type ValidReadings, validReadings } from './series.js';

export type RangeWeighting = 'count' | 'time';

export interface RangeOptions {
  /** `count` (default, iglu) or `time` (sample-and-hold durations). */
  readonly weighting?: RangeWeighting;
  /** Time weighting only: longest duration one reading can stand for, minutes (default 45). */
  readonly maxGapMin?: number;
}

export interface RangePercents {
  /** % with 70 ≤ BG ≤ 180 mg/dL. */
  readonly tir: number;
  /** % with BG < 70. */
  readonly below_70: number;
  /** % with BG < 54. */
  readonly below_54: number;
  /** % with BG > 180. */
  readonly above_180: number;
  /** % with BG > 250. */
  readonly above_250: number;
}

/**
 * Weights of the valid readings for time weighting (minutes each), or
 * `undefined` for count weighting. Reused by every threshold.
 */
export function readingWeights(readings: ValidReadings, options: RangeOptions = {}): Float64Array | undefined {
  if ((options.weighting ?? 'count') === 'count') return undefined;
  const cap = options.maxGapMin ?? DEFAULT_INTER_GAP_MIN;
  const { t } = readings;
  const n = t.length;
  const w = new Float64Array(n);
  if (n === 0) return w;
  for (let i = 0; i < n - 1; i++) w[i] = Math.min(snapMinutes(t[i + 1] - t[i]), cap);
  const typical = n > 1 ? medianGapMinutes(t) : 1;
  w[n - 1] = Math.min(typical, cap);
  return w;
}

function share(g: Float64Array, w: Float64Array | undefined, test: (v: number) => boolean): number {
  const n = g.length;
  if (n === 0) return NaN;
  if (!w) {
    let c = 0;
    for (let i = 0; i < n; i++) if (test(g[i])) c++;
    return (100 * c) / n;
  }
  let hit = 0;
  let all = 0;
  for (let i = 0; i < n; i++) {
    all += w[i];
    if (test(g[i])) hit += w[i];
  }
  return (100 * hit) / all;
}

/** % of readings (or time) with BG strictly below `target` mg/dL. */
export function percentBelow(series: GlucoseSeries, target: number, options: RangeOptions = {}): number {
  const r = validReadings(series);
  return share(r.g, readingWeights(r, options), (v) => v < target);
}

/** % of readings (or time) with BG strictly above `target` mg/dL. */
export function percentAbove(series: GlucoseSeries, target: number, options: RangeOptions = {}): number {
  const r = validReadings(series);
  return share(r.g, readingWeights(r, options), (v) => v > target);
}

/** % of readings (or time) with `low ≤ BG ≤ high` mg/dL (both ends included, as iglu). */
export function percentInRange(series: GlucoseSeries, low: number, high: number, options: RangeOptions = {}): number {
  const r = validReadings(series);
  const lo = Math.min(low, high);
  const hi = Math.max(low, high);
  return share(r.g, readingWeights(r, options), (v) => v >= lo && v <= hi);
}

/** The five consensus percentages in one pass. `NaN` each when there is no valid reading. */
export function rangePercentsOf(readings: ValidReadings, options: RangeOptions = {}): RangePercents {
  const { g } = readings;
  const w = readingWeights(readings, options);
  const n = g.length;
  if (n === 0) return { tir: NaN, below_70: NaN, below_54: NaN, above_180: NaN, above_250: NaN };
  let inR = 0;
  let b70 = 0;
  let b54 = 0;
  let a180 = 0;
  let a250 = 0;
  let all = 0;
  for (let i = 0; i < n; i++) {
    const v = g[i];
    const wi = w ? w[i] : 1;
    all += wi;
    if (v < 70) {
      b70 += wi;
      if (v < 54) b54 += wi;
    } else if (v > 180) {
      a180 += wi;
      if (v > 250) a250 += wi;
    } else inR += wi;
  }
  const pct = (x: number) => (100 * x) / all;
  return { tir: pct(inR), below_70: pct(b70), below_54: pct(b54), above_180: pct(a180), above_250: pct(a250) };
}

export function rangePercents(series: GlucoseSeries, options: RangeOptions = {}): RangePercents {
  return rangePercentsOf(validReadings(series), options);
}

/**
 * MAGE, mean amplitude of glycemic excursions.
 *
 * Definition: Service FJ, Molnar GD, Rosevear JW, Ackerman E, Gatewood LC,
 * Taylor WF 1970, "Mean amplitude of glycemic excursions, a measure of
 * diabetic instability", Diabetes 19:644–655 — the mean height of the
 * excursions (nadir→peak or peak→nadir) that exceed one SD of the glucose.
 *
 * Algorithm: the moving-average ("ma") method of Fernandes NJ, Nguyen N, Chun
 * E, Punjabi N, Gaynanova I 2022, "Open-source algorithm to calculate mean
 * amplitude of glycemic excursions using short and long moving averages",
 * J Diabetes Sci Technol 16(2):576–577, as iglu 4.2.2 (`mage`, default
 * `version = 'ma'`, `mage_ma_single`) runs it:
 *
 * 1. interpolate onto the day-by-day grid with a 5-min step (grid.ts,
 *    `inter_gap` 45 min), drop the empty grid before the first and after the
 *    last value;
 * 2. split the trace at runs of missing grid values longer than `max_gap`
 *    (180 min); each piece is a segment, shorter gaps stay inside segments;
 * 3. per segment (at least 7 points and at least the long window): right-
 *    aligned moving averages over 5 and 32 grid points (missing values left
 *    out of each window; the first 5 / 32 values are set to the first full
 *    window's), and their difference Δ;
 * 4. crossings where Δ changes sign between consecutive valid points, or —
 *    after a gap inside the segment — where Δ's sign differs from Δ at the
 *    last crossing; the first and last points bound the list;
 * 5. between consecutive crossings, the glucose minimum (when Δ turned
 *    negative) or maximum (when it turned positive), each interval starting at
 *    the previous extremum found;
 * 6. MAGE+ and MAGE− by iglu's left-to-right elimination of excursions smaller
 *    than the segment's SD (n − 1), with its "left-side accumulation";
 * 7. the subject's value: segment values weighted by segment duration; for the
 *    default direction `avg`, the MAGE+ and MAGE− of every segment that has
 *    them enter as separate, equally weighted rows (so one segment gives
 *    (MAGE+ + MAGE−)/2).
 *
 * Deviations from iglu (which would hang or return NA): a segment whose SD is
 * 0 (a flat trace) has no excursion (iglu loops forever); for `plus`, `minus`
 * and `max`, segments without a value are left out of the weighting instead
 * of making the whole result NA. `NaN` when no segment has an excursion.
 */
import { dayByDayGrid, DEFAULT_INTER_GAP_MIN, roundHalfEven } from './grid.js';
import { type GlucoseSeries, type ValidReadings, validReadings } from './series.js';

export type MageDirection = 'avg' | 'service' | 'max' | 'plus' | 'minus';

export interface MageOptions {
  /** Short moving-average window, in 5-min points; default 5. */
  readonly shortMa?: number;
  /** Long moving-average window, in 5-min points; default 32. */
  readonly longMa?: number;
  /** Which excursions: default `avg` (mean of MAGE+ and MAGE−). */
  readonly direction?: MageDirection;
  /** Longest gap interpolated across, minutes; default 45. */
  readonly interGap?: number;
  /** Gaps longer than this (minutes) split the trace into segments; default 180. */
  readonly maxGap?: number;
}

/** MAGE's grid step, fixed at 5 min as in iglu. */
const MAGE_DT0 = 5;
const REL_MIN = 0;
const REL_MAX = 1;

interface SegmentMage {
  readonly plus: number;
  readonly minus: number;
  readonly plusFirst: boolean;
}

/** Mean of the non-missing values of x[from..to] (inclusive), R-style two-pass; `NaN` if none. */
function windowMean(x: Float64Array, from: number, to: number): number {
  let s = 0;
  let c = 0;
  for (let i = from; i <= to; i++) {
    const v = x[i];
    if (v === v) {
      s += v;
      c++;
    }
  }
  if (c === 0) return NaN;
  const m = s / c;
  let r = 0;
  for (let i = from; i <= to; i++) {
    const v = x[i];
    if (v === v) r += v - m;
  }
  return m + r / c;
}

function movingAverage(x: Float64Array, width: number, out: Float64Array): void {
  const n = x.length;
  for (let i = width - 1; i < n; i++) out[i] = windowMean(x, i - width + 1, i);
  const head = out[width - 1];
  for (let i = 0; i < width - 1; i++) out[i] = head;
}

function sdOfPresent(x: Float64Array): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v === v) {
      s += v;
      c++;
    }
  }
  if (c < 2) return NaN;
  const m = s / c;
  let ss = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v === v) ss += (v - m) * (v - m);
  }
  return Math.sqrt(ss / (c - 1));
}

/** MAGE+ / MAGE− of one segment (iglu's `mage_atomic`), or `undefined` when it has none. */
function segmentMage(x: Float64Array, shortMa: number, longMa: number): SegmentMage | undefined {
  const m = x.length;
  if (m < 7 || m < longMa) return undefined;
  let any = false;
  for (let i = 0; i < m; i++) if (x[i] === x[i]) any = true;
  if (!any) return undefined;

  const maS = new Float64Array(m);
  const maL = new Float64Array(m);
  movingAverage(x, shortMa, maS);
  movingAverage(x, longMa, maL);
  const delta = maS; // reuse: Δ = short − long
  for (let i = 0; i < m; i++) delta[i] = maS[i] - maL[i];

  // Crossing points (ids) and their type: REL_MIN when Δ turned negative.
  const ids: number[] = [0];
  const types: number[] = [delta[0] > 0 ? REL_MAX : REL_MIN];
  for (let i = 1; i < m; i++) {
    const d = delta[i];
    const dPrev = delta[i - 1];
    if (x[i] !== x[i] || x[i - 1] !== x[i - 1] || d !== d || dPrev !== dPrev) continue;
    if (d * dPrev < 0) {
      ids.push(i);
      types.push(d < dPrev ? REL_MIN : REL_MAX);
    } else {
      const atCross = delta[ids[ids.length - 1]];
      if (d * atCross < 0) {
        ids.push(i);
        types.push(d < atCross ? REL_MIN : REL_MAX);
      }
    }
  }
  ids.push(m - 1);
  types.push(delta[m - 1] > 0 ? REL_MAX : REL_MIN);

  // One extremum between each pair of consecutive crossings.
  const nExt = ids.length - 1;
  const minmax = new Float64Array(nExt);
  let from = ids[0];
  for (let e = 0; e < nExt; e++) {
    const to = ids[e + 1];
    const wantMin = types[e] === REL_MIN;
    let best = NaN;
    let at = from;
    for (let i = from; i <= to; i++) {
      const v = x[i];
      if (v !== v) continue;
      if (best !== best || (wantMin ? v < best : v > best)) {
        best = v;
        at = i;
      }
    }
    minmax[e] = best;
    from = at;
  }

  const sd = sdOfPresent(x);
  if (!(sd > 0)) return undefined;
  const N = nExt;

  // MAGE+: nadir → peak excursions of at least one SD.
  const plus: number[] = [];
  let plusFirstPeak = -1;
  {
    let j = 0;
    let prevJ = 0;
    while (j < N) {
      let maxV = -Infinity;
      let iAt = prevJ;
      for (let i = prevJ; i <= j; i++) {
        const d = minmax[j] - minmax[i];
        if (d > maxV) {
          maxV = d;
          iAt = i;
        }
      }
      if (maxV >= sd) {
        for (let k = j; k < N; k++) {
          if (minmax[k] > minmax[j]) j = k;
          if (minmax[k] - minmax[j] < -sd || k === N - 1) {
            plus.push(minmax[j] - minmax[iAt]);
            if (plusFirstPeak < 0) plusFirstPeak = j;
            prevJ = k;
            j = k;
            break;
          }
        }
      } else j++;
    }
  }

  // MAGE−: peak → nadir excursions of at least one SD.
  const minus: number[] = [];
  let minusFirstPeak = -1;
  {
    let j = 0;
    let prevJ = 0;
    while (j < N) {
      let minV = Infinity;
      let iAt = prevJ;
      for (let i = prevJ; i <= j; i++) {
        const d = minmax[j] - minmax[i];
        if (d < minV) {
          minV = d;
          iAt = i;
        }
      }
      if (minV <= -sd) {
        for (let k = j; k < N; k++) {
          if (minmax[k] < minmax[j]) j = k;
          if (minmax[k] - minmax[j] > sd || k === N - 1) {
            minus.push(minmax[j] - minmax[iAt]);
            if (minusFirstPeak < 0) minusFirstPeak = iAt;
            prevJ = j;
            j = k;
            break;
          }
        }
      } else j++;
    }
  }

  if (plus.length === 0 && minus.length === 0) return undefined;
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  return {
    plus: plus.length > 0 ? mean(plus) : NaN,
    minus: minus.length > 0 ? Math.abs(mean(minus)) : NaN,
    plusFirst: plus.length > 0 && (minus.length === 0 || plusFirstPeak <= minusFirstPeak),
  };
}

/** MAGE of valid readings (see the module comment). */
export function mageOf(readings: ValidReadings, options: MageOptions = {}): number {
  const direction = options.direction ?? 'avg';
  const maxGap = options.maxGap ?? 180;
  for (const key of ['shortMa', 'longMa'] as const) {
    const w = options[key];
    if (w !== undefined && !(Number.isInteger(w) && w >= 1)) throw new RangeError(`MAGE ${key} must be a positive integer, got ${w}`);
  }
  const grid = dayByDayGrid(readings, { dt0: MAGE_DT0, interGap: options.interGap ?? DEFAULT_INTER_GAP_MIN });
  const dt0 = grid.dt0;
  let shortMa = roundHalfEven(((options.shortMa ?? 5) * 5) / dt0);
  let longMa = roundHalfEven(((options.longMa ?? 32) * 5) / dt0);
  if (shortMa > longMa) [shortMa, longMa] = [longMa, shortMa];

  const v = grid.values;
  let first = 0;
  while (first < v.length && Number.isNaN(v[first])) first++;
  if (first === v.length) return NaN;
  let last = v.length - 1;
  while (Number.isNaN(v[last])) last--;
  const total = last - first + 1;
  if (total < 7 || total < longMa) return NaN;

  // Segments between runs of missing grid points longer than maxGap; each
  // segment's values are weighted by its duration (iglu: end − start).
  let wSum = 0;
  let vSum = 0;
  const add = (value: number, weight: number) => {
    if (Number.isNaN(value)) return;
    vSum += value * weight;
    wSum += weight;
  };
  const segment = (from: number, to: number) => {
    const r = segmentMage(v.subarray(from, to), shortMa, longMa);
    if (!r) return;
    const duration = (to - 1 - from) * dt0;
    switch (direction) {
      case 'avg':
        add(r.plus, duration);
        add(r.minus, duration);
        break;
      case 'plus':
        add(r.plus, duration);
        break;
      case 'minus':
        add(r.minus, duration);
        break;
      case 'max':
        add(Number.isNaN(r.plus) ? r.minus : Number.isNaN(r.minus) ? r.plus : Math.max(r.plus, r.minus), duration);
        break;
      case 'service':
        add(r.plusFirst ? r.plus : r.minus, duration);
        break;
    }
  };
  let segStart = first;
  let i = first;
  while (i <= last) {
    if (!Number.isNaN(v[i])) {
      i++;
      continue;
    }
    let gapEnd = i;
    while (Number.isNaN(v[gapEnd])) gapEnd++; // stops at or before `last`, which is valid
    if ((gapEnd - i) * dt0 > maxGap) {
      segment(segStart, i);
      segStart = gapEnd;
    }
    i = gapEnd;
  }
  segment(segStart, last + 1);
  return wSum > 0 ? vSum / wSum : NaN;
}

export function mage(series: GlucoseSeries, options: MageOptions = {}): number {
  return mageOf(validReadings(series), options);
}

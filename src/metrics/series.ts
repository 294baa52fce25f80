/**
 * A glucose series: readings with wall-clock timestamps, glucose in mg/dL.
 *
 * Times are minutes since 1970-01-01 00:00 *wall clock*: a naive timestamp
 * such as `2015-06-06 16:50:27` is read as if it were UTC and no time zone or
 * daylight-saving rule is ever applied. Day-based metrics (ADRR, MODD, CONGA,
 * MAGE's grid) cut days at wall-clock midnight, `floor(t / 1440)`, which is
 * what iglu does for data whose time zone has no DST (the oracle data are EST,
 * a fixed UTC−5 offset).
 *
 * Missing readings are `NaN`. The builder also turns readings that cannot be
 * glucose (non-finite, zero or negative) into `NaN`, so every metric skips them
 * the way iglu skips `NA` (`dplyr::filter(!is.na(gl))`, `na.rm = TRUE`).
 */

/** Minutes in a day; day `d` of a series is `floor(t / MINUTES_PER_DAY)`. */
export const MINUTES_PER_DAY = 1440;

/** Glucose units accepted on input; everything inside is mg/dL. */
export type GlucoseUnit = 'mg/dL' | 'mmol/L';

/**
 * mg/dL per mmol/L used by default: 18, as iglu does (`process_data` multiplies
 * mmol/L by 18; GRADE's `gl / 18`) and as most CGM software and the consensus
 * reports round it (Battelino et al. 2019 quote 70 mg/dL = 3.9 mmol/L,
 * 180 = 10.0). The exact factor from glucose's molar mass (C6H12O6,
 * 180.156 g/mol: 1 mmol/L = 180.156 mg/L = 18.0156 mg/dL) is
 * {@link MGDL_PER_MMOLL_MOLAR}; pass it as `mmolFactor` to use it.
 */
export const MGDL_PER_MMOLL = 18;
/** mg/dL per mmol/L from the molar mass of glucose, 180.156 g/mol. */
export const MGDL_PER_MMOLL_MOLAR = 18.0156;

export interface GlucoseSeries {
  /** Wall-clock minutes since 1970-01-01 00:00, strictly increasing. */
  readonly timesMin: Float64Array;
  /** Glucose in mg/dL; `NaN` = missing. Same length as `timesMin`. */
  readonly glucoseMgDl: Float64Array;
}

export interface SeriesOptions {
  /** Unit of the glucose values given; default mg/dL. */
  readonly unit?: GlucoseUnit;
  /** mg/dL per mmol/L when `unit` is mmol/L; default {@link MGDL_PER_MMOLL} (18). */
  readonly mmolFactor?: number;
}

/** Factor that turns values in `unit` into mg/dL. */
export function unitFactor(unit: GlucoseUnit = 'mg/dL', mmolFactor: number = MGDL_PER_MMOLL): number {
  if (unit === 'mg/dL') return 1;
  if (unit === 'mmol/L') {
    if (!(mmolFactor > 0) || !Number.isFinite(mmolFactor)) throw new RangeError(`mmolFactor must be a positive number, got ${mmolFactor}`);
    return mmolFactor;
  }
  throw new RangeError(`unknown glucose unit '${String(unit)}' (expected mg/dL or mmol/L)`);
}

/**
 * Whether a unit name as given (a command-line flag) is a {@link GlucoseUnit},
 * exactly as written: a loose match would take `mg` or `mmol` for a unit the
 * user may not have meant.
 */
export function isGlucoseUnit(text: string): text is GlucoseUnit {
  return text === 'mg/dL' || text === 'mmol/L';
}

/**
 * Build a series from readings in any order.
 *
 * - glucose is converted to mg/dL (`options.unit`);
 * - readings that are not finite or are ≤ 0 become missing (`NaN`);
 * - readings are sorted by time (stable, so file order breaks ties);
 * - repeated timestamps keep one reading: the last *valid* one in input
 *   order, which is what iglu's `CGMS2DayByDay` keeps ("only the last one of
 *   repeated values is used") after it has dropped `NA` rows. (iglu's plain
 *   summaries — mean, SD, percentages — would count every duplicate; keeping
 *   one reading per instant is the better-defined choice and the one the
 *   grid-based metrics need.)
 *
 * Times must be finite numbers; a `RangeError` names the first bad index.
 */
export function buildSeries(
  timesMin: ArrayLike<number>,
  glucose: ArrayLike<number>,
  options: SeriesOptions = {},
): GlucoseSeries {
  const n = timesMin.length;
  if (glucose.length !== n) throw new RangeError(`times (${n}) and glucose (${glucose.length}) differ in length`);
  const factor = unitFactor(options.unit, options.mmolFactor);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const t = timesMin[i];
    if (!Number.isFinite(t)) throw new RangeError(`time at index ${i} is not a finite number: ${t}`);
    if (i > 0 && t <= timesMin[i - 1]) sorted = false;
  }
  if (sorted) {
    const t = Float64Array.from(timesMin);
    const g = new Float64Array(n);
    for (let i = 0; i < n; i++) g[i] = cleanGlucose(glucose[i], factor);
    return { timesMin: t, glucoseMgDl: g };
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // Stable: equal times keep input order.
  const idx = Array.from(order).sort((a, b) => timesMin[a] - timesMin[b] || a - b);
  const t: number[] = [];
  const g: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = idx[k];
    const time = timesMin[i];
    const value = cleanGlucose(glucose[i], factor);
    const last = t.length - 1;
    if (last >= 0 && t[last] === time) {
      if (!Number.isNaN(value)) g[last] = value; // later valid reading wins
      continue;
    }
    t.push(time);
    g.push(value);
  }
  return { timesMin: Float64Array.from(t), glucoseMgDl: Float64Array.from(g) };
}

function cleanGlucose(value: number, factor: number): number {
  const v = value * factor;
  return isValidGlucose(v) ? v : NaN;
}

/**
 * Whether a stored value is a usable reading: finite and positive. `NaN`
 * (missing) fails; so do zero, negative and infinite values in a series built
 * by hand instead of by {@link buildSeries}.
 */
export function isValidGlucose(v: number): boolean {
  return v > 0 && v < Infinity;
}

/** Number of valid readings. */
export function countValid(series: GlucoseSeries): number {
  const g = series.glucoseMgDl;
  let n = 0;
  for (let i = 0; i < g.length; i++) if (isValidGlucose(g[i])) n++;
  return n;
}

/** Valid readings only (the series' own arrays when every reading is valid). */
export interface ValidReadings {
  readonly t: Float64Array;
  readonly g: Float64Array;
}

export function validReadings(series: GlucoseSeries): ValidReadings {
  const { timesMin, glucoseMgDl } = series;
  const n = countValid(series);
  if (n === glucoseMgDl.length) return { t: timesMin, g: glucoseMgDl };
  const t = new Float64Array(n);
  const g = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < glucoseMgDl.length; i++) {
    const v = glucoseMgDl[i];
    if (!isValidGlucose(v)) continue;
    t[k] = timesMin[i];
    g[k] = v;
    k++;
  }
  return { t, g };
}

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;

/**
 * Wall-clock minutes since 1970 for `YYYY-MM-DD[ HH:MM[:SS[.fff]]]` (a `T`
 * may separate date and time). No zone: the text is read as if it were UTC.
 * Returns `undefined` for anything else, including impossible dates
 * (2015-02-30) and times (25:00).
 */
export function parseWallClock(text: string): number | undefined {
  const m = WALL_CLOCK.exec(text.trim());
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Math.round(Number(`0.${m[7]}`) * 1000);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const epochMs = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(epochMs);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  return epochMs / 60000;
}

/** `YYYY-MM-DD HH:MM:SS` for wall-clock minutes since 1970 (inverse of {@link parseWallClock}, to the second). */
export function formatWallClock(timeMin: number): string {
  const d = new Date(Math.round(timeMin * 60) * 1000);
  const p = (v: number) => String(v).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/**
 * The readings with `fromMin ≤ t < toMin` (views into the same arrays, no
 * copy). For report windows such as "the last 5 days".
 */
export function sliceSeries(series: GlucoseSeries, fromMin: number, toMin: number): GlucoseSeries {
  const t = series.timesMin;
  const a = lowerBound(t, fromMin);
  const b = lowerBound(t, toMin);
  return { timesMin: t.subarray(a, Math.max(a, b)), glucoseMgDl: series.glucoseMgDl.subarray(a, Math.max(a, b)) };
}

/** One wall-clock day of a series: `day` is days since 1970-01-01 (`floor(t / 1440)`). */
export interface SeriesDay {
  readonly day: number;
  readonly series: GlucoseSeries;
}

/** Split a series at wall-clock midnights (views, no copy); days without readings are absent. */
export function splitByDay(series: GlucoseSeries): SeriesDay[] {
  const t = series.timesMin;
  const out: SeriesDay[] = [];
  let a = 0;
  while (a < t.length) {
    const day = Math.floor(t[a] / MINUTES_PER_DAY);
    const b = lowerBound(t, (day + 1) * MINUTES_PER_DAY);
    out.push({ day, series: { timesMin: t.subarray(a, b), glucoseMgDl: series.glucoseMgDl.subarray(a, b) } });
    a = b;
  }
  return out;
}

/** First index with `t[i] >= x` in a sorted array. */
function lowerBound(t: Float64Array, x: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

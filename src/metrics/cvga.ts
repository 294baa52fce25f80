/**
 * Control Variability Grid Analysis (CVGA).
 *
 * Source: Magni L, Raimondo DM, Dalla Man C, Breton M, Patek S, De Nicolao G,
 * Cobelli C, Kovatchev BP. "Evaluating the efficacy of closed-loop glucose
 * regulation via control-variability grid analysis." J Diabetes Sci Technol
 * 2008;2(4):630–635, doi:10.1177/193229680800200414.
 *
 * Each subject is one point: x = a low extreme of BG (plotted reversed, from
 * 110 on the left down to 50), y = a high extreme (110 … 400). As the issue
 * specifies and simglucose does, x is the 2.5th and y the 97.5th percentile
 * rather than the raw minimum and maximum (so one outlying reading cannot
 * move a patient), both clamped to [50, 400]. The plane is cut at
 * x = 90, 70 and y = 180, 300 into a 3 × 3 grid:
 *
 *                    x: min BG  (110, 90]   (90, 70]   (70, 50]
 *   y: max BG  [300, 400]       Upper C     Upper D    E
 *              [180, 300)       Upper B     B          Lower D
 *              [110, 180)       A           Lower B    Lower C
 *
 * Zone meanings, as the paper names them: A accurate control; Lower B benign deviations into
 * hypoglycaemia; Upper B benign deviations into hyperglycaemia; B benign
 * control deviations; Lower C over-correction of hyperglycaemia; Upper C
 * over-correction of hypoglycaemia; Lower D failure to deal with
 * hypoglycaemia; Upper D failure to deal with hyperglycaemia; E erroneous
 * control. The same layout, the 2.5/97.5 percentiles and the [50, 400] clamp
 * are what simglucose (jxx123/simglucose, simglucose/analysis/report.py,
 * `CVGA_background` / `CVGA_analysis`) implements, and AGATA's CVGA
 * coordinates (gcappon/agata, src/variabilityMetrics/CVGA.m) put grid lines at
 * the same BG values (min 110/90/70/50, max 110/180/300/400).
 *
 * Closed/open sides (our choice, documented): a BG exactly on a grid line
 * belongs to the *outer* (worse) zone, i.e. A needs min > 90 and max < 180;
 * min = 70 falls in the C/D/E column; max = 300 in the top row. We could
 * consult only the paper's abstract, not the full text, and the grid as
 * usually drawn labels the lines without saying which side is closed; we
 * take simglucose's inequalities (`BG_min > 90`, `BG_max < 180`,
 * `BG_min <= 70`, `BG_max >= 300`) so that, with the same percentile
 * definition, a point inside the grid gets the zone simglucose gives it.
 * Clamping never lands on a grid line (50, 110, 400 are not cuts).
 *
 * Every subject lands in exactly one zone: before classification min is
 * clamped to ≤ 110 and max to ≥ 110 (the rule), so points with, say,
 * a 2.5th percentile of 130 (never below 110) sit on the x = 110 edge instead
 * of outside the grid, which simglucose would count in no zone.
 */

/** The nine CVGA zones, in report order. */
export const CVGA_ZONES = [
  'A',
  'Lower B',
  'Upper B',
  'B',
  'Lower C',
  'Upper C',
  'Lower D',
  'Upper D',
  'E',
] as const;

export type CvgaZone = (typeof CVGA_ZONES)[number];

/** Zones counted in "% in A + B" (the summary the actor-critic study reports). */
export const CVGA_AB_ZONES: readonly CvgaZone[] = ['A', 'Lower B', 'Upper B', 'B'];

/** Axis limits and grid lines, mg/dL. */
export const CVGA_CLAMP_LOW = 50;
export const CVGA_CLAMP_HIGH = 400;
export const CVGA_CENTRE = 110;
/** Cuts on the min-BG axis, from the A side outwards. */
export const CVGA_MIN_CUTS = [90, 70] as const;
/** Cuts on the max-BG axis, from the A side outwards. */
export const CVGA_MAX_CUTS = [180, 300] as const;
/** Percentiles used as the subject's low and high extreme. */
export const CVGA_LOW_PERCENTILE = 2.5;
export const CVGA_HIGH_PERCENTILE = 97.5;

/**
 * The zone in column `col` (0: min > 90, 1: 70 < min ≤ 90, 2: min ≤ 70) and
 * row `row` (0: max < 180, 1: 180 ≤ max < 300, 2: max ≥ 300).
 */
const GRID: readonly (readonly CvgaZone[])[] = [
  ['A', 'Lower B', 'Lower C'],
  ['Upper B', 'B', 'Lower D'],
  ['Upper C', 'Upper D', 'E'],
];

/**
 * The paper's rectangle for each zone, in mg/dL, for plotting:
 * minLo…minHi on the min-BG axis and maxLo…maxHi on the max-BG axis.
 */
export interface CvgaZoneRect {
  readonly zone: CvgaZone;
  readonly minLo: number;
  readonly minHi: number;
  readonly maxLo: number;
  readonly maxHi: number;
}

const MIN_EDGES = [CVGA_CENTRE, CVGA_MIN_CUTS[0], CVGA_MIN_CUTS[1], CVGA_CLAMP_LOW];
const MAX_EDGES = [CVGA_CENTRE, CVGA_MAX_CUTS[0], CVGA_MAX_CUTS[1], CVGA_CLAMP_HIGH];

export const CVGA_ZONE_RECTS: readonly CvgaZoneRect[] = GRID.flatMap((zones, row) =>
  zones.map((zone, col) => ({
    zone,
    minLo: MIN_EDGES[col + 1],
    minHi: MIN_EDGES[col],
    maxLo: MAX_EDGES[row],
    maxHi: MAX_EDGES[row + 1],
  })),
);

/**
 * The point actually classified and plotted: each value clamped to [50, 400],
 * then min to ≤ 110 and max to ≥ 110.
 */
export function clampCvga(minMgDl: number, maxMgDl: number): { minMgDl: number; maxMgDl: number } {
  const clamp = (v: number): number => Math.min(CVGA_CLAMP_HIGH, Math.max(CVGA_CLAMP_LOW, v));
  return {
    minMgDl: Math.min(clamp(minMgDl), CVGA_CENTRE),
    maxMgDl: Math.max(clamp(maxMgDl), CVGA_CENTRE),
  };
}

/**
 * The zone of a (min, max) pair. Inputs are clamped first (see `clampCvga`),
 * so any pair of numbers has exactly one zone; NaN has none and throws.
 */
export function classifyCvga(minMgDl: number, maxMgDl: number): CvgaZone {
  if (Number.isNaN(minMgDl) || Number.isNaN(maxMgDl)) {
    throw new RangeError(`CVGA: cannot classify min=${minMgDl}, max=${maxMgDl}`);
  }
  const p = clampCvga(minMgDl, maxMgDl);
  const col = p.minMgDl > CVGA_MIN_CUTS[0] ? 0 : p.minMgDl > CVGA_MIN_CUTS[1] ? 1 : 2;
  const row = p.maxMgDl < CVGA_MAX_CUTS[0] ? 0 : p.maxMgDl < CVGA_MAX_CUTS[1] ? 1 : 2;
  return GRID[row][col];
}

/**
 * Percentile `p` (0…100) of already sorted finite values by linear
 * interpolation between order statistics: h = (n − 1)·p/100,
 * q = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).
 *
 * This is Hyndman & Fan (1996) definition 7, the default of R's `quantile`
 * (so of iglu) and of NumPy's `percentile` (so of simglucose's CVGA). We use
 * it so our CVGA points reproduce simglucose's for the same traces; the
 * paper does not say which estimator it used. Returns NaN for no values.
 */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${p}`);
  const h = ((n - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const frac = h - lo;
  // Skip the interpolation term when frac is 0 so equal neighbours never meet 0·∞.
  return frac === 0 ? sorted[lo] : sorted[lo] + frac * (sorted[hi] - sorted[lo]);
}

/**
 * The readings of a series that can be BG values, sorted ascending: NaN,
 * ±Infinity, zero and negative values are dropped — the same "missing data"
 * rule as the rest of the metrics library (src/metrics/index.ts), so a
 * sensor's 0 error code never drags the 2.5th percentile down to 50.
 */
export function sortedReadings(values: ArrayLike<number>): Float64Array {
  const ok = (v: number) => Number.isFinite(v) && v > 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) if (ok(values[i])) count++;
  const out = new Float64Array(count);
  let j = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (ok(v)) out[j++] = v;
  }
  return out.sort();
}

/** Percentile (definition 7, see `percentileSorted`) of the valid readings of a series (see `sortedReadings`). */
export function percentile(values: ArrayLike<number>, p: number): number {
  return percentileSorted(sortedReadings(values), p);
}

export interface CvgaPoint {
  /** 2.5th percentile of BG after the clamps, mg/dL; NaN if there was no reading. */
  readonly minMgDl: number;
  /** 97.5th percentile of BG after the clamps, mg/dL; NaN if there was no reading. */
  readonly maxMgDl: number;
  /** The unclamped percentiles, for tables. */
  readonly rawMinMgDl: number;
  readonly rawMaxMgDl: number;
  /** null only when the series has no valid reading. */
  readonly zone: CvgaZone | null;
}

/**
 * One subject's CVGA point from a BG series in mg/dL. NaN (sensor gaps),
 * ±Infinity, zero and negative readings are ignored; every other value is
 * used as given (a reading of 10 counts, and clamps to 50). A series without
 * any valid reading gets NaN coordinates and zone null, and is left out of
 * `cvgaSummary`'s n.
 */
export function cvgaPoint(bgMgDl: ArrayLike<number>): CvgaPoint {
  const sorted = sortedReadings(bgMgDl);
  if (sorted.length === 0) {
    return { minMgDl: NaN, maxMgDl: NaN, rawMinMgDl: NaN, rawMaxMgDl: NaN, zone: null };
  }
  const rawMin = percentileSorted(sorted, CVGA_LOW_PERCENTILE);
  const rawMax = percentileSorted(sorted, CVGA_HIGH_PERCENTILE);
  const p = clampCvga(rawMin, rawMax);
  return { minMgDl: p.minMgDl, maxMgDl: p.maxMgDl, rawMinMgDl: rawMin, rawMaxMgDl: rawMax, zone: classifyCvga(rawMin, rawMax) };
}

export interface CvgaSummary {
  /** Subjects with a zone (those with zone null are counted in `excluded`). */
  readonly n: number;
  readonly excluded: number;
  readonly counts: Readonly<Record<CvgaZone, number>>;
  /** Percent of n per zone; all 0 when n = 0 (never NaN). */
  readonly percent: Readonly<Record<CvgaZone, number>>;
  /** Percent in A + Lower B + Upper B + B. */
  readonly percentAB: number;
  /** Percent per letter (B = Lower B + Upper B + B, and so on), for captions. */
  readonly percentByLetter: Readonly<Record<'A' | 'B' | 'C' | 'D' | 'E', number>>;
}

function zeroByZone(): Record<CvgaZone, number> {
  const r = {} as Record<CvgaZone, number>;
  for (const z of CVGA_ZONES) r[z] = 0;
  return r;
}

/** Zone counts and percentages over a cohort or any subgroup of it. */
export function cvgaSummary(points: Iterable<{ readonly zone: CvgaZone | null }>): CvgaSummary {
  const counts = zeroByZone();
  let n = 0;
  let excluded = 0;
  for (const p of points) {
    if (p.zone === null) {
      excluded++;
      continue;
    }
    counts[p.zone]++;
    n++;
  }
  const percent = zeroByZone();
  for (const z of CVGA_ZONES) percent[z] = n === 0 ? 0 : (100 * counts[z]) / n;
  const sumPct = (zones: readonly CvgaZone[]): number => {
    const c = zones.reduce((s, z) => s + counts[z], 0);
    return n === 0 ? 0 : (100 * c) / n;
  };
  return {
    n,
    excluded,
    counts,
    percent,
    percentAB: sumPct(CVGA_AB_ZONES),
    percentByLetter: {
      A: sumPct(['A']),
      B: sumPct(['Lower B', 'Upper B', 'B']),
      C: sumPct(['Lower C', 'Upper C']),
      D: sumPct(['Lower D', 'Upper D']),
      E: sumPct(['E']),
    },
  };
}

/** `cvgaSummary` per group (e.g. adults / adolescents / children, or per arm), in first-seen order. */
export function cvgaSummaryByGroup<T extends { readonly zone: CvgaZone | null }>(
  points: Iterable<T>,
  groupOf: (p: T) => string,
): Map<string, CvgaSummary> {
  const groups = new Map<string, T[]>();
  for (const p of points) {
    const g = groupOf(p);
    let list = groups.get(g);
    if (!list) groups.set(g, (list = []));
    list.push(p);
  }
  const out = new Map<string, CvgaSummary>();
  for (const [g, list] of groups) out.set(g, cvgaSummary(list));
  return out;
}

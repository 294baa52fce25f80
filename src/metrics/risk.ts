/**
 * Risk indices built on Kovatchev's symmetrised BG scale, and GRI.
 *
 * Symmetrisation (Kovatchev BP, Cox DJ, Gonder-Frederick LA, Clarke WL 1997,
 * "Symmetrization of the blood glucose measurement scale and its
 * applications", Diabetes Care 20:1655–1658):
 *     f(BG) = 1.509 · ((ln BG)^1.084 − 5.381),  BG in mg/dL,
 * chosen so that f(20) = −f(600) ≈ ∓3.16 and f(112.5) ≈ 0; the risk is
 * r(BG) = 10 · f(BG)², at most ≈ 100 on the 20–600 mg/dL range.
 *
 * LBGI, HBGI, ADRR: Kovatchev BP, Otto E, Cox D, Gonder-Frederick L, Clarke W
 * 2006, "Evaluation of a new measure of blood glucose variability in
 * diabetes", Diabetes Care 29:2433–2438: rl = r if f < 0 else 0, rh = r if
 * f > 0 else 0; LBGI = mean(rl), HBGI = mean(rh); ADRR = mean over days of
 * (max rl of the day + max rh of the day). BGRI, the BG risk index, is
 * LBGI + HBGI (Clarke W, Kovatchev B 2009, "Statistical tools to analyze
 * continuous glucose monitor data", Diabetes Technol Ther 11 Suppl 1:S45–S54).
 *
 * iglu 4.2.2 convention reproduced: the risk is computed as
 *     r(BG) = 22.77 · ((ln BG)^1.084 − 5.381)²
 * i.e. with 10 · 1.509² = 22.7708 rounded to 22.77 (iglu's `lbgi`, `hbgi`,
 * `adrr`), which makes every index 3.6e-5 (relative) smaller than with the
 * unrounded constant; matching iglu to 1e-6 needs the rounded one. LBGI and
 * HBGI average over all valid readings; ADRR groups readings by their
 * wall-clock calendar day (raw readings, no interpolation).
 *
 * Edge cases (documented behaviour, tested):
 * - `NaN`, zero, negative and infinite readings are missing (`buildSeries`
 *   stores them as `NaN`, `validReadings` skips them even in a series written
 *   by hand); they count neither in the sum nor in n.
 * - readings below 20 or above 600 mg/dL are clamped to 20 / 600, the range
 *   on which the transform was built, so one extreme value adds at most ≈ 100
 *   (the top of the risk scale) instead of growing without bound (ln of small
 *   values) or failing; the oracle data (Dexcom G4, 40–400) never reach this.
 * - with at least one valid reading LBGI, HBGI, BGRI and ADRR are finite;
 *   with none they are `NaN` (nothing to average).
 */
import { MINUTES_PER_DAY, type GlucoseSeries, type ValidReadings, validReadings } from './series.js';
import type { RangePercents } from './ranges.js';

/** Lower and upper end of the BG range the risk transform is defined on (mg/dL). */
export const RISK_BG_MIN = 20;
export const RISK_BG_MAX = 600;

const LN_MIN = Math.log(RISK_BG_MIN);
const LN_MAX = Math.log(RISK_BG_MAX);

/**
 * (ln BG)^1.084 − 5.381 from ln BG, with BG clamped to [20, 600]. The power is
 * taken as exp(1.084 · ln ln BG), twice as fast as `Math.pow` and equal to it
 * within a few ulps.
 */
function unscaledFromLn(lnBg: number): number {
  const l = lnBg < LN_MIN ? LN_MIN : lnBg > LN_MAX ? LN_MAX : lnBg;
  return Math.exp(1.084 * Math.log(l)) - 5.381;
}

/** The unscaled risk coordinate (ln BG)^1.084 − 5.381 of one reading (BG clamped to [20, 600]); its square times RISK_SCALE is r(BG). */
export function riskCoordinate(bg: number): number {
  return unscaledFromLn(Math.log(bg));
}

/** Kovatchev's symmetrised BG, f(BG) = 1.509 · ((ln BG)^1.084 − 5.381), BG clamped to [20, 600] mg/dL. */
export function riskTransform(bg: number): number {
  return 1.509 * unscaledFromLn(Math.log(bg));
}

/** iglu's risk constant, 10 · 1.509² = 22.7708 rounded to 22.77. */
export const RISK_SCALE = 22.77;

/** BG risk r(BG) = 22.77 · ((ln BG)^1.084 − 5.381)² ≈ 10 · f(BG)² (Kovatchev 2006, iglu's constant); `NaN` for `NaN`. */
export function bgRisk(bg: number): number {
  const u = unscaledFromLn(Math.log(bg));
  return RISK_SCALE * u * u;
}

/** Natural logs of the readings (shared by the risk indices, GRADE and M-value). */
export function logsOf(g: Float64Array): Float64Array {
  const out = new Float64Array(g.length);
  for (let i = 0; i < g.length; i++) out[i] = Math.log(g[i]);
  return out;
}

/** Per reading, the unscaled risk coordinate (ln BG)^1.084 − 5.381 (BG clamped), from ln BG. */
export function riskCoordinatesFromLogs(lnG: Float64Array): Float64Array {
  const out = new Float64Array(lnG.length);
  for (let i = 0; i < lnG.length; i++) out[i] = unscaledFromLn(lnG[i]);
  return out;
}

export interface BgIndices {
  readonly lbgi: number;
  readonly hbgi: number;
}

/** LBGI and HBGI from the risk coordinates of the valid readings. */
export function bgIndicesFromCoordinates(u: Float64Array): BgIndices {
  const n = u.length;
  if (n === 0) return { lbgi: NaN, hbgi: NaN };
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    const v = u[i];
    if (v < 0) lo += v * v;
    else hi += v * v;
  }
  return { lbgi: (RISK_SCALE * lo) / n, hbgi: (RISK_SCALE * hi) / n };
}

/** LBGI and HBGI of valid readings. */
export function bgIndicesOf(g: Float64Array): BgIndices {
  return bgIndicesFromCoordinates(riskCoordinatesFromLogs(logsOf(g)));
}

export function lbgi(series: GlucoseSeries): number {
  return bgIndicesOf(validReadings(series).g).lbgi;
}

export function hbgi(series: GlucoseSeries): number {
  return bgIndicesOf(validReadings(series).g).hbgi;
}

/** BGRI = LBGI + HBGI. */
export function bgri(series: GlucoseSeries): number {
  const { lbgi: l, hbgi: h } = bgIndicesOf(validReadings(series).g);
  return l + h;
}

/**
 * Average daily risk range (Kovatchev 2006): per wall-clock day, the largest
 * low-risk and the largest high-risk value of that day's readings (0 when the
 * day has none on that side), summed; ADRR is the mean over days that have at
 * least one valid reading. Raw readings, clamped to [20, 600] as above.
 * `t` are the readings' times, `u` their risk coordinates.
 */
export function adrrFromCoordinates(t: Float64Array, u: Float64Array): number {
  const n = t.length;
  if (n === 0) return NaN;
  let days = 0;
  let total = 0;
  let day = Math.floor(t[0] / MINUTES_PER_DAY);
  let fMin = Infinity;
  let fMax = -Infinity;
  for (let i = 0; i <= n; i++) {
    const d = i < n ? Math.floor(t[i] / MINUTES_PER_DAY) : NaN;
    if (d !== day) {
      const lo = Math.min(fMin, 0);
      const hi = Math.max(fMax, 0);
      total += RISK_SCALE * lo * lo + RISK_SCALE * hi * hi;
      days++;
      if (i === n) break;
      day = d;
      fMin = Infinity;
      fMax = -Infinity;
    }
    const f = u[i];
    if (f < fMin) fMin = f;
    if (f > fMax) fMax = f;
  }
  return total / days;
}

export function adrrOf(readings: ValidReadings): number {
  return adrrFromCoordinates(readings.t, riskCoordinatesFromLogs(logsOf(readings.g)));
}

export function adrr(series: GlucoseSeries): number {
  return adrrOf(validReadings(series));
}

/**
 * Glycemia Risk Index, 0–100: GRI = 3.0·VLow + 2.4·Low + 1.6·VHigh + 0.8·High
 * with VLow = % < 54, Low = % 54–70 (54 ≤ BG < 70), VHigh = % > 250,
 * High = % 180–250 (180 < BG ≤ 250), capped at 100. Klonoff DC et al. 2023,
 * "A Glycemia Risk Index (GRI) of hypoglycemia and hyperglycemia for
 * continuous glucose monitoring validated by clinician ratings", J Diabetes
 * Sci Technol 17(5):1226–1242. The bands are disjoint (iglu ≥ 4.2.0).
 */
export function griFrom(p: RangePercents): number {
  const vLow = p.below_54;
  const low = p.below_70 - p.below_54;
  const vHigh = p.above_250;
  const high = p.above_180 - p.above_250;
  const gri = 3.0 * vLow + 2.4 * low + 1.6 * vHigh + 0.8 * high;
  return gri > 100 ? 100 : gri;
}

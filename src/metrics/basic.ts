/**
 * Summary metrics over the valid readings of a series: mean, SD, CV, GMI,
 * eA1c, J-index. Each is what iglu 4.2.2 computes (`mean_glu`, `sd_glu`,
 * `cv_glu`, `gmi`, `ea1c`, `j_index`): plain count-based statistics over the
 * readings (no time weighting, no interpolation), missing values skipped.
 *
 * With no valid reading every one of these is `NaN`; with exactly one, the
 * mean-based ones (mean, GMI, eA1c) exist and the SD-based ones (SD, CV,
 * J-index) are `NaN`, as R's `sd()` of one value is `NA`.
 */
import { type GlucoseSeries, validReadings } from './series.js';

/** Mean of an array without missing values; R's two-pass refinement (`mean.default`). */
export function meanOf(g: Float64Array): number {
  const n = g.length;
  if (n === 0) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += g[i];
  const m = s / n;
  let c = 0;
  for (let i = 0; i < n; i++) c += g[i] - m;
  return m + c / n;
}

/** Sample SD (denominator n − 1, as R's `sd`) of an array without missing values; `NaN` for fewer than two. */
export function sdOf(g: Float64Array, mean: number = meanOf(g)): number {
  const n = g.length;
  if (n < 2) return NaN;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = g[i] - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / (n - 1));
}

/** Mean glucose, mg/dL. */
export function meanGlucose(series: GlucoseSeries): number {
  return meanOf(validReadings(series).g);
}

/** Standard deviation of glucose, mg/dL (n − 1 in the denominator, as iglu's `sd_glu`). */
export function sdGlucose(series: GlucoseSeries): number {
  return sdOf(validReadings(series).g);
}

/**
 * Coefficient of variation in %: 100 · SD / mean (Danne T et al. 2017,
 * "International consensus on use of continuous glucose monitoring",
 * Diabetes Care 40:1631–1640; Battelino et al. 2019; iglu `cv_glu`).
 */
export function cvFrom(mean: number, sd: number): number {
  return (100 * sd) / mean;
}

/**
 * Glucose Management Indicator, %: GMI = 3.31 + 0.02392 · mean (mg/dL).
 * Bergenstal RM et al. 2018, "Glucose Management Indicator (GMI): a new term
 * for estimating A1C from continuous glucose monitoring", Diabetes Care
 * 41:2275–2280, the mg/dL equation of the regression (Table / abstract).
 */
export function gmiFrom(mean: number): number {
  return 3.31 + 0.02392 * mean;
}

/**
 * Estimated A1c, %: eA1c = (mean + 46.7) / 28.7, inverting the ADAG
 * regression AG = 28.7 · A1C − 46.7 (mg/dL). Nathan DM et al. 2008,
 * "Translating the A1C assay into estimated average glucose values",
 * Diabetes Care 31:1473–1478.
 */
export function ea1cFrom(mean: number): number {
  return (46.7 + mean) / 28.7;
}

/**
 * J-index = 0.001 · (mean + SD)², glucose in mg/dL. Wojcicki JM 1995,
 * "'J'-index. A new proposition of the assessment of current glucose control
 * in diabetic patients", Horm Metab Res 27:41–42 (0.324 · (mean + SD)² in
 * mmol/L; 0.324 / 18² = 0.001, so both forms agree).
 */
export function jIndexFrom(mean: number, sd: number): number {
  const s = mean + sd;
  return 0.001 * s * s;
}

export function cvGlucose(series: GlucoseSeries): number {
  const g = validReadings(series).g;
  const m = meanOf(g);
  return cvFrom(m, sdOf(g, m));
}

export function gmi(series: GlucoseSeries): number {
  return gmiFrom(meanGlucose(series));
}

export function ea1c(series: GlucoseSeries): number {
  return ea1cFrom(meanGlucose(series));
}

export function jIndex(series: GlucoseSeries): number {
  const g = validReadings(series).g;
  const m = meanOf(g);
  return jIndexFrom(m, sdOf(g, m));
}

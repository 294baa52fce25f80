/**
 * Intervals over seeds: a study repeats its trial over seeds, and each seed
 * gives one value of a cohort statistic (% CVGA A+B, a slope of daily LBGI).
 * The seeds are independent replications, so the 95 % interval of the mean
 * is Student's: mean ± t(0.975, n − 1)·SD/√n. Paired differences between two
 * arms (every arm sees the same meals and sensor noise for a seed) take the
 * same interval over the per-seed differences.
 */
import { finiteMeanSd } from './finiteStats.js';

/**
 * Two-sided 95 % quantiles t(0.975, df) of Student's t for df = 1 … 30, to
 * three decimals (NIST/SEMATECH e-Handbook of Statistical Methods, §1.3.6.7.2,
 * "Critical values of the Student's t distribution").
 */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074,
  2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** z(0.975) = Φ⁻¹(0.975) of the standard normal (also the Fisher-z intervals' quantile, transferEntropyAnalysis.ts). */
export const Z_975 = 1.959963984540054;

/**
 * t(0.975, df): the table for df ≤ 30, beyond it the Cornish–Fisher expansion
 * of t in powers of 1/df (Abramowitz & Stegun 1964, 26.7.5), whose error at
 * df = 31 is below 1e-4.
 */
export function studentT975(df: number): number {
  if (!(df >= 1) || !Number.isInteger(df)) return NaN;
  if (df <= T975.length) return T975[df - 1]!;
  const z = Z_975;
  const g1 = (z ** 3 + z) / 4;
  const g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96;
  const g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3;
}

/** Mean over seeds with its sample SD and 95 % interval (NaN bounds for fewer than two finite values). */
export interface SeedInterval {
  readonly mean: number;
  readonly sd: number;
  readonly low: number;
  readonly high: number;
  readonly n: number;
}

export function seedInterval(values: readonly number[]): SeedInterval {
  const n = values.filter(Number.isFinite).length;
  const { mean, sd } = finiteMeanSd(values);
  if (n < 2) return { mean, sd: NaN, low: NaN, high: NaN, n };
  const half = (studentT975(n - 1) * sd) / Math.sqrt(n);
  return { mean, sd, low: mean - half, high: mean + half, n };
}

/** Per-seed differences a − b (paired: the same seed's meals and noise), then their interval. */
export function pairedInterval(a: readonly number[], b: readonly number[]): SeedInterval {
  if (a.length !== b.length) throw new RangeError(`paired interval: ${a.length} against ${b.length} seeds`);
  return seedInterval(a.map((v, i) => v - b[i]!));
}

/**
 * Least-squares slope of y over x = 1, 2, …, n (per day, for a daily series),
 * over the finite values; NaN with fewer than two.
 */
export function dailySlope(ys: readonly number[]): number {
  let n = 0;
  let sx = 0;
  let sy = 0;
  ys.forEach((y, i) => {
    if (!Number.isFinite(y)) return;
    n++;
    sx += i + 1;
    sy += y;
  });
  if (n < 2) return NaN;
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  ys.forEach((y, i) => {
    if (!Number.isFinite(y)) return;
    sxy += (i + 1 - mx) * (y - my);
    sxx += (i + 1 - mx) ** 2;
  });
  return sxy / sxx;
}

/**
 * Sampling error of statistics of the 15-min CGM error points, for the noise
 * statistics test. Computed independently of src/devices/cgm.ts's closed
 * forms: moments of products of the centred transform are expanded into
 * exponentials of jointly normal variables.
 *
 * With y_t = sinh(a + s·Z_t) − E[sinh(a + s·Z)] and (Z_t) a stationary
 * Gaussian AR(1) of unit variance and correlation φ^|Δt|, every product
 * Π_i y_{t_i} is a sum of terms c·exp(Σ p_i (a + s Z_{t_i})) with p_i ∈ {1, −1, 0},
 * and E[exp(Σ p_i (a + s Z_i))] = exp(a Σ p_i + s²/2 · Σ_ij p_i p_j φ^|t_i − t_j|)
 * (moment-generating function of a normal vector).
 *
 * Asymptotic variances use the standard result for a statistic that is the
 * mean of a stationary sequence g_t (e.g. Brockwell & Davis, Time Series:
 * Theory and Methods, Thm 7.1.1): N·Var(ḡ) → Σ_{k=−∞}^{∞} Cov(g_0, g_k); the
 * sum is truncated where φ^k is below 1e-15. Ratios (SD, autocorrelation) go
 * through the delta method.
 */
import type { CgmParameters } from '../../src/devices/presets.js';

export interface NoiseProcess {
  readonly a: number;
  readonly s2: number;
  readonly phi: number;
  readonly lambda: number;
  readonly xi: number;
  /** E[sinh(a + sZ)]. */
  readonly meanSinh: number;
}

export function noiseProcess(p: CgmParameters): NoiseProcess {
  const sigma2 = (p.pacf * p.pacf) / (1 - p.pacf * p.pacf);
  const a = -p.gamma / p.delta;
  const s2 = sigma2 / (p.delta * p.delta);
  return { a, s2, phi: p.pacf, lambda: p.lambda, xi: p.xi, meanSinh: Math.sinh(a) * Math.exp(s2 / 2) };
}

/** E[Π_i λ·y_{t_i}] for the given times (in 15-min steps). */
export function centredProductMoment(proc: NoiseProcess, times: readonly number[]): number {
  const k = times.length;
  // The three terms of y = ½e^{X} − ½e^{−X} − m.
  const coefs = [0.5, -0.5, -proc.meanSinh];
  const powers = [1, -1, 0];
  const p = new Array<number>(k).fill(0);
  let total = 0;
  const combos = 3 ** k;
  for (let combo = 0; combo < combos; combo++) {
    let c = 1;
    let rest = combo;
    for (let i = 0; i < k; i++) {
      const term = rest % 3;
      rest = (rest - term) / 3;
      c *= coefs[term];
      p[i] = powers[term];
    }
    let linear = 0;
    let quadratic = 0;
    for (let i = 0; i < k; i++) {
      linear += p[i];
      for (let j = 0; j < k; j++) quadratic += p[i] * p[j] * proc.phi ** Math.abs(times[i] - times[j]);
    }
    total += c * Math.exp(proc.a * linear + (proc.s2 / 2) * quadratic);
  }
  return total * proc.lambda ** k;
}

/** Lags beyond which φ^lag < 1e-15. */
function lagLimit(proc: NoiseProcess): number {
  return Math.ceil(Math.log(1e-15) / Math.log(Math.abs(proc.phi)));
}

/** Σ_{k=−K}^{K} f(k). */
function longRunSum(proc: NoiseProcess, f: (lag: number) => number): number {
  const limit = lagLimit(proc);
  let sum = 0;
  for (let lag = -limit; lag <= limit; lag++) sum += f(lag);
  return sum;
}

export interface SamplingErrors {
  /** Autocovariance γ(k) of the points, mg²/dL². */
  readonly autocovariance: (lag: number) => number;
  /** Stationary mean, SD, lag-1 autocorrelation (from the product moments). */
  readonly mean: number;
  readonly sd: number;
  readonly lag1Autocorrelation: number;
  /** N / (1 + 2 Σ_{k≥1} ρ(k)): the number of independent points worth as much for the mean. */
  readonly effectiveSampleSize: number;
  /** Standard errors of the sample mean, SD and lag-1 autocorrelation of N points. */
  readonly seMean: number;
  readonly seSd: number;
  readonly seLag1: number;
}

export function samplingErrors(params: CgmParameters, n: number): SamplingErrors {
  const proc = noiseProcess(params);
  const gamma = (lag: number) => centredProductMoment(proc, [0, lag]);
  const g0 = gamma(0);
  const rho = gamma(1) / g0;

  // Mean: g_t = y_t.
  const meanLongRun = longRunSum(proc, gamma);
  // Variance: g_t = y_t² − γ(0), Cov(g_0, g_k) = E[y_0² y_k²] − γ(0)².
  const varianceLongRun = longRunSum(proc, (k) => centredProductMoment(proc, [0, 0, k, k]) - g0 * g0);
  // Lag-1 autocorrelation r = c1/c0 ≈ ρ + (c1 − ρ c0)/γ(0): g_t = y_t y_{t+1} − ρ y_t².
  const lag1LongRun = longRunSum(
    proc,
    (k) =>
      centredProductMoment(proc, [0, 1, k, k + 1]) -
      rho * centredProductMoment(proc, [0, 1, k, k]) -
      rho * centredProductMoment(proc, [0, 0, k, k + 1]) +
      rho * rho * centredProductMoment(proc, [0, 0, k, k]),
  );
  const sd = Math.sqrt(g0);
  return {
    autocovariance: gamma,
    mean: proc.xi + proc.lambda * proc.meanSinh,
    sd,
    lag1Autocorrelation: rho,
    effectiveSampleSize: (n * g0) / meanLongRun,
    seMean: Math.sqrt(meanLongRun / n),
    // d√v/dv = 1/(2√v).
    seSd: Math.sqrt(varianceLongRun / n) / (2 * sd),
    seLag1: Math.sqrt(lag1LongRun / n) / g0,
  };
}

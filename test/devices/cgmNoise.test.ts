import { describe, it, expect } from 'vitest';
import {
  CGM_NOISE_INTERVALS_PER_BATCH,
  CGM_NOISE_KNOT_SPACING_MIN,
  CgmNoise,
  CgmNoiseKnots,
  cgmNoiseAutocovariance,
  cgmNoiseMoments,
} from '../../src/devices/cgm.js';
import { CGM_PRESETS, type CgmParameters } from '../../src/devices/presets.js';
import { NotAKnotSpline } from '../../src/devices/spline.js';
import { randomStream } from '../../src/random/streams.js';
import { centredProductMoment, noiseProcess, samplingErrors } from './noiseSampling.js';

const DEXCOM = CGM_PRESETS.Dexcom;
const KNOT_COUNT = 500_000;
/** Standard errors allowed: with a fixed seed the test is deterministic; 4 SE would be missed by chance with p ≈ 6e-5. */
const Z = 4;

function knotSequence(params: CgmParameters, seed: number, count: number): Float64Array {
  const knots = new CgmNoiseKnots(params, randomStream(seed, 'adult#001', 'cgm'));
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = knots.next();
  return out;
}

function sampleStatistics(x: Float64Array): { mean: number; sd: number; lag1: number } {
  let sum = 0;
  for (const v of x) sum += v;
  const mean = sum / x.length;
  let c0 = 0;
  let c1 = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - mean;
    c0 += d * d;
    if (i + 1 < x.length) c1 += d * (x[i + 1] - mean);
  }
  return { mean, sd: Math.sqrt(c0 / (x.length - 1)), lag1: c1 / c0 };
}

/** Trapezoid rule against the standard normal density on [−12, 12] (spectrally accurate for smooth integrands). */
function gaussNodes(step: number): { z: number[]; w: number[] } {
  const z: number[] = [];
  const w: number[] = [];
  for (let v = -12; v <= 12 + 1e-12; v += step) {
    z.push(v);
    w.push((step * Math.exp(-(v * v) / 2)) / Math.sqrt(2 * Math.PI));
  }
  return { z, w };
}

describe('cgmNoiseMoments (analytic)', () => {
  it('agrees with numerical integration over the stationary AR(1) distribution', () => {
    const p = DEXCOM;
    const sigma = Math.sqrt((p.pacf * p.pacf) / (1 - p.pacf * p.pacf));
    const eps = (e: number) => p.xi + p.lambda * Math.sinh((e - p.gamma) / p.delta);
    const { z, w } = gaussNodes(0.02);
    let m = 0;
    let m2 = 0;
    for (let i = 0; i < z.length; i++) {
      m += w[i] * eps(sigma * z[i]);
      m2 += w[i] * eps(sigma * z[i]) ** 2;
    }
    // Lag 1: e_{k+1} = φ e_k + φ w, so (e_k, e_{k+1}) = σ(Z₁, φZ₁ + √(1−φ²)Z₂).
    const rho = p.pacf;
    const root = Math.sqrt(1 - rho * rho);
    let cross = 0;
    for (let i = 0; i < z.length; i++) {
      const first = eps(sigma * z[i]);
      for (let j = 0; j < z.length; j++) cross += w[i] * w[j] * first * eps(sigma * (rho * z[i] + root * z[j]));
    }
    const variance = m2 - m * m;
    const moments = cgmNoiseMoments(p);
    expect(moments.mean).toBeCloseTo(m, 9);
    expect(moments.sd).toBeCloseTo(Math.sqrt(variance), 9);
    expect(moments.lag1Autocorrelation).toBeCloseTo((cross - m * m) / variance, 9);
    // Values for the S2008 presets, for the record (mg/dL).
    expect(moments.mean).toBeCloseTo(0.7186, 3);
    expect(moments.sd).toBeCloseTo(11.728, 3);
  });

  it('agrees with the product-moment expansion at every lag and rejects a non-stationary PACF', () => {
    const proc = noiseProcess(DEXCOM);
    for (const lag of [0, 1, 2, 5, 20]) {
      expect(cgmNoiseAutocovariance(DEXCOM, lag)).toBeCloseTo(centredProductMoment(proc, [0, lag]), 9);
    }
    expect(() => cgmNoiseMoments({ ...DEXCOM, pacf: 1 })).toThrow(/pacf/);
    expect(() => cgmNoiseAutocovariance(DEXCOM, -1)).toThrow(/lag/);
  });
});

describe('CGM noise statistics (seeded Monte Carlo vs analytic)', () => {
  const knots = knotSequence(DEXCOM, 1, KNOT_COUNT);
  const stats = sampleStatistics(knots);
  const analytic = cgmNoiseMoments(DEXCOM);
  const se = samplingErrors(DEXCOM, KNOT_COUNT);

  it('has the analytic mean, SD and lag-1 autocorrelation within 4 standard errors', () => {
    // The analytic values of the two independent derivations agree.
    expect(se.mean).toBeCloseTo(analytic.mean, 10);
    expect(se.sd).toBeCloseTo(analytic.sd, 10);
    expect(se.lag1Autocorrelation).toBeCloseTo(analytic.lag1Autocorrelation, 10);
    // The AR correlation makes the points worth ~1/5.6 as many independent ones for the mean
    // (≈ (1 − φ)/(1 + φ) for a linear AR(1)).
    expect(se.effectiveSampleSize).toBeGreaterThan(KNOT_COUNT / 6);
    expect(se.effectiveSampleSize).toBeLessThan(KNOT_COUNT / 5);
    // Tolerances are tight enough to matter (a mean off by 0.2 mg/dL or a PACF off by 0.01 fails).
    expect(Z * se.seMean).toBeLessThan(0.2);
    expect(Z * se.seLag1).toBeLessThan(0.01);

    expect(Math.abs(stats.mean - analytic.mean)).toBeLessThan(Z * se.seMean);
    expect(Math.abs(stats.sd - analytic.sd)).toBeLessThan(Z * se.seSd);
    expect(Math.abs(stats.lag1 - analytic.lag1Autocorrelation)).toBeLessThan(Z * se.seLag1);
  });

  it('detects a wrong PACF or transform with these tolerances', () => {
    // Sanity of the test itself: the moments of slightly different models lie outside the bands.
    const wrongPacf = cgmNoiseMoments({ ...DEXCOM, pacf: 0.68 });
    const wrongDelta = cgmNoiseMoments({ ...DEXCOM, delta: 1.6 });
    expect(Math.abs(stats.lag1 - wrongPacf.lag1Autocorrelation)).toBeGreaterThan(Z * se.seLag1);
    expect(Math.abs(stats.sd - wrongDelta.sd)).toBeGreaterThan(Z * se.seSd);
  });

  it('interpolates through the knots on a 3-min grid with the same mean', () => {
    const noise = new CgmNoise(DEXCOM, randomStream(1, 'adult#001', 'cgm'));
    const step = 3;
    const perKnot = CGM_NOISE_KNOT_SPACING_MIN / step;
    const intervals = KNOT_COUNT - 1;
    let sum = 0;
    let count = 0;
    let offKnot = 0;
    for (let k = 0; k < intervals; k++) {
      for (let j = 0; j < perKnot; j++) {
        const v = noise.at(k * CGM_NOISE_KNOT_SPACING_MIN + j * step);
        if (j === 0 && v !== knots[k]) offKnot++;
        sum += v;
        count++;
      }
    }
    expect(offKnot).toBe(0);
    expect(noise.at(intervals * CGM_NOISE_KNOT_SPACING_MIN)).toBe(knots[intervals]);
    const mean = sum / count;

    // Standard error of this mean. The spline is linear in the knots, so the
    // 3-min mean is Σ c_i·eps_i / count, with weights c_i that repeat every
    // batch; Var = Σ_i Σ_j c_i c_j γ(i − j) / count² ≈ (batches/count²)·Σ_{i in a batch} Σ_k c_i c_{i+k} γ(k).
    const n = CGM_NOISE_INTERVALS_PER_BATCH;
    const spline = new NotAKnotSpline(n + 1, CGM_NOISE_KNOT_SPACING_MIN);
    const batchWeight = new Float64Array(n + 1);
    const unit = new Float64Array(n + 1);
    for (let i = 0; i <= n; i++) {
      unit.fill(0);
      unit[i] = 1;
      spline.fit(unit);
      // The 3-min points of a batch are its times 0, 3, …, 147 (150 is the next batch's 0).
      for (let t = 0; t < n * CGM_NOISE_KNOT_SPACING_MIN; t += step) batchWeight[i] += spline.valueAt(t);
    }
    // Per knot position in the repeating pattern: a batch's last knot is the next one's first.
    const c = Array.from({ length: n }, (_, i) => batchWeight[i] + (i === 0 ? batchWeight[n] : 0));
    expect(c.reduce((x, y) => x + y, 0)).toBeCloseTo(n * perKnot, 9);
    const cAt = (i: number) => c[((i % n) + n) % n];
    let perBatch = 0;
    for (let i = 0; i < n; i++) {
      for (let k = -60; k <= 60; k++) perBatch += cAt(i) * cAt(i + k) * se.autocovariance(k);
    }
    const batches = intervals / n;
    const seInterpolatedMean = Math.sqrt((batches * perBatch) / (count * count));
    expect(Math.abs(mean - analytic.mean)).toBeLessThan(Z * seInterpolatedMean);
  });
});

describe('CGM noise reproducibility', () => {
  function curve(seed: number | string, patient: string, times: readonly number[]): number[] {
    const noise = new CgmNoise(DEXCOM, randomStream(seed, patient, 'cgm'));
    return times.map((t) => noise.at(t));
  }
  const grid = Array.from({ length: 2000 }, (_, i) => i * 3);

  it('is bit-identical for the same seed and differs for another seed or patient', () => {
    const a = curve(42, 'adult#001', grid);
    const b = curve(42, 'adult#001', grid);
    expect(a.every((v, i) => Object.is(v, b[i]))).toBe(true);
    const other = curve(43, 'adult#001', grid);
    const otherPatient = curve(42, 'adult#002', grid);
    expect(other.filter((v, i) => v !== a[i]).length).toBeGreaterThan(grid.length * 0.99);
    expect(otherPatient.filter((v, i) => v !== a[i]).length).toBeGreaterThan(grid.length * 0.99);
  });

  it('gives the same value at a time whatever else was sampled (1-min, 5-min or sparse queries)', () => {
    const everyMinute = curve(7, 'child#003', Array.from({ length: 1501 }, (_, i) => i));
    const everyFive = curve(7, 'child#003', Array.from({ length: 301 }, (_, i) => i * 5));
    for (let i = 0; i <= 300; i++) expect(everyFive[i]).toBe(everyMinute[i * 5]);
    const sparse = curve(7, 'child#003', [0, 149, 150, 151, 1000, 1500]);
    expect(sparse).toEqual([0, 149, 150, 151, 1000, 1500].map((t) => everyMinute[t]));
  });

  it('starts at the first knot, continues smoothly across batches and refuses to go back in time', () => {
    const knots = knotSequence(DEXCOM, 5, 31);
    const noise = new CgmNoise(DEXCOM, randomStream(5, 'adult#001', 'cgm'));
    expect(noise.at(0)).toBe(knots[0]);
    // Across the batch boundary at 150 min: continuous, and through knot 10.
    const before = noise.at(150 - 1e-6);
    expect(noise.at(150)).toBe(knots[10]);
    const after = noise.at(150 + 1e-6);
    expect(Math.abs(before - knots[10])).toBeLessThan(1e-3);
    expect(Math.abs(after - knots[10])).toBeLessThan(1e-3);
    expect(noise.at(300)).toBe(knots[20]);
    expect(noise.at(450)).toBe(knots[30]);
    expect(() => noise.at(299)).toThrow(/must not decrease/);
    expect(() => noise.at(-1)).toThrow(RangeError);
    expect(() => noise.at(Number.NaN)).toThrow(RangeError);
  });
});

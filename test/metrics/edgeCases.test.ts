/**
 * Documented edge-case behaviour: extreme, zero, negative and missing
 * readings; empty and one-reading series; and the cost of all metrics on a
 * long series.
 */
import { describe, expect, it } from 'vitest';
import {
  adrr,
  bgRisk,
  buildSeries,
  computeMetrics,
  type GlucoseSeries,
  grade,
  hbgi,
  lbgi,
  METRIC_NAMES,
  parseWallClock,
} from '../../src/metrics/index.js';

const DAY0 = parseWallClock('2024-01-01 00:00')!;
const at5 = (g: readonly number[]) => buildSeries(g.map((_, i) => DAY0 + 5 * i), g);
const R20 = 100.03794975607171; // r(20), top of the low-risk scale
const R600 = 99.94449554123524; // r(600), top of the high-risk scale
const R100 = 0.48203397795508907;

describe('LBGI / HBGI edge cases', () => {
  it('BG ≤ 20 mg/dL counts as 20 (the low end of the risk scale)', () => {
    for (const bg of [20, 19.9, 10, 1, 0.001]) {
      expect(lbgi(at5([bg])), `${bg}`).toBeCloseTo(R20, 10);
      expect(hbgi(at5([bg]))).toBe(0);
    }
    expect(lbgi(at5([10, 20]))).toBeCloseTo(R20, 10);
    expect(bgRisk(5)).toBe(bgRisk(20));
  });

  it('BG ≥ 600 mg/dL counts as 600 (the high end of the risk scale)', () => {
    for (const bg of [600, 600.1, 900, 1e6]) {
      expect(hbgi(at5([bg])), `${bg}`).toBeCloseTo(R600, 10);
      expect(lbgi(at5([bg]))).toBe(0);
    }
  });

  it('zero, negative, NaN and infinite readings are missing: skipped, not counted in n', () => {
    for (const bad of [0, -0, -5, -1e9, NaN, Infinity, -Infinity]) {
      const built = at5([bad, 100]);
      expect(lbgi(built), `${bad}`).toBeCloseTo(R100, 12);
      expect(hbgi(built)).toBe(0);
      // Also when a series is written by hand instead of built.
      const literal: GlucoseSeries = { timesMin: Float64Array.from([0, 5]), glucoseMgDl: Float64Array.from([bad, 100]) };
      expect(lbgi(literal)).toBeCloseTo(R100, 12);
      expect(computeMetrics(literal).mean).toBe(100);
    }
  });

  it('ADRR clamps the same way', () => {
    expect(adrr(at5([10, 1000]))).toBeCloseTo(R20 + R600, 10);
  });

  it('never NaN for a series with at least one valid reading, whatever the others are', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rnd() * 50);
      const g = Array.from({ length: n }, () => {
        const u = rnd();
        return u < 0.1 ? NaN : u < 0.2 ? 0 : u < 0.3 ? -rnd() * 100 : u < 0.4 ? rnd() * 20 : u < 0.5 ? 600 + rnd() * 1e4 : 20 + rnd() * 580;
      });
      g[Math.floor(rnd() * n)] = 20 + rnd() * 580; // at least one valid
      const m = computeMetrics(buildSeries(g.map((_, i) => DAY0 + i * 37), g));
      for (const k of ['lbgi', 'hbgi', 'bgri', 'adrr', 'gri', 'grade', 'm_value', 'mean', 'gmi', 'ea1c', 'tir', 'below_70', 'below_54', 'above_180', 'above_250'] as const) {
        expect(Number.isFinite(m[k]), `${k} for ${g.join(',')}`).toBe(true);
      }
      expect(m.lbgi).toBeLessThanOrEqual(R20);
      expect(m.hbgi).toBeLessThanOrEqual(R600);
    }
  });
});

describe('GRADE edge cases', () => {
  it('at or below 18 mg/dL (1 mmol/L) the score is the cap, 50', () => {
    expect(grade(at5([18]))).toBe(50);
    expect(grade(at5([5]))).toBe(50);
    expect(grade(at5([18.0001]))).toBe(50);
  });
});

describe('empty and one-reading series', () => {
  it('no valid reading: every metric is NaN (nothing to compute from)', () => {
    for (const s of [buildSeries([], []), at5([NaN, 0, -1])]) {
      const m = computeMetrics(s);
      for (const k of METRIC_NAMES) expect(Number.isNaN(m[k]), k).toBe(true);
    }
  });

  it('one valid reading: only the metrics that need a spread, days or excursions are NaN', () => {
    const m = computeMetrics(at5([NaN, 150]));
    const undefinedWithOne = new Set(['sd', 'cv', 'j_index', 'modd', 'conga', 'mage']);
    for (const k of METRIC_NAMES) expect(Number.isNaN(m[k]), k).toBe(undefinedWithOne.has(k));
    expect(m.mean).toBe(150);
    expect(m.tir).toBe(100);
  });

  it('time-weighted ranges work for one reading too', () => {
    expect(computeMetrics(at5([60]), { rangeWeighting: 'time' }).below_70).toBe(100);
  });
});

describe('cost', () => {
  it('all metrics of a 10-day, 1-min series (14,400 readings) take a few ms', () => {
    const n = 14_400;
    const t = new Float64Array(n);
    const g = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      t[i] = DAY0 + i;
      g[i] = 140 + 60 * Math.sin(i / 90) + 20 * Math.sin(i / 17) + 3 * Math.sin(i * 1.7);
    }
    const series = buildSeries(t, g);
    for (let k = 0; k < 10; k++) computeMetrics(series);
    const times: number[] = [];
    for (let k = 0; k < 21; k++) {
      const t0 = performance.now();
      computeMetrics(series);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const median = times[10];
    console.log(`computeMetrics on ${n} readings: median ${median.toFixed(2)} ms`);
    expect(median).toBeLessThan(15);
  });
});

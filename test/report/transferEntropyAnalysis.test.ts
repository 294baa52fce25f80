/**
 * The run-in TE analysis on data small enough to check by hand: ICC(1) of a
 * one-way random-effects ANOVA (Shrout & Fleiss 1979), and Pearson's and
 * Spearman's correlations with Fisher-z intervals.
 */
import { describe, expect, it } from 'vitest';
import {
  correlation,
  transferEntropyCovariateCorrelations,
  type TransferEntropyObservation,
  transferEntropyReliability,
} from '../../src/report/transferEntropyAnalysis.js';

const Z = 1.959963984540054;

function observations(byPatient: Record<string, number[]>): TransferEntropyObservation[] {
  return Object.entries(byPatient).flatMap(([patient, xs]) => xs.map((transferEntropyBits, i) => ({ patient, seed: i + 1, transferEntropyBits })));
}

describe('transferEntropyReliability', () => {
  it('seeds that agree exactly: ICC(1) = 1, no within-patient spread', () => {
    // Binary fractions, so that the means are exact and the residuals exactly 0.
    const exact = transferEntropyReliability(observations({ a: [0.125, 0.125, 0.125], b: [0.25, 0.25, 0.25], c: [0.375, 0.375, 0.375] }));
    expect(exact.icc1).toBe(1);
    expect(exact.withinPatientSdBits).toBe(0);
    expect(exact.betweenPatientSdBits).toBe(0.125);
    expect(exact.grandMeanBits).toBe(0.25);
    expect(exact.seedsPerPatient).toBe(3);
    expect(exact.patients).toBe(3);
    expect(exact.observations).toBe(9);
    // Decimal TE values: 1 up to rounding.
    const r = transferEntropyReliability(observations({ a: [0.02, 0.02, 0.02], b: [0.05, 0.05, 0.05], c: [0.08, 0.08, 0.08] }));
    expect(r.icc1).toBeCloseTo(1, 12);
    expect(r.withinPatientSdBits).toBeCloseTo(0, 12);
    expect(r.betweenPatientSdBits).toBeCloseTo(0.03, 14);
  });

  it('a hand-computed balanced case', () => {
    // Means 2, 5, 9, grand mean 16/3. BMS = 2·Σ(m_i − m)²/2 = 74/3; WMS = (2 + 2 + 8)/3 = 4.
    // ICC(1) = (74/3 − 4)/(74/3 + 4) = 62/86.
    const r = transferEntropyReliability(observations({ a: [1, 3], b: [4, 6], c: [7, 11] }));
    expect(r.betweenMeanSquare).toBeCloseTo(74 / 3, 12);
    expect(r.withinMeanSquare).toBeCloseTo(4, 12);
    expect(r.icc1).toBeCloseTo(62 / 86, 12);
    expect(r.withinPatientSdBits).toBeCloseTo(2, 12);
    expect(r.betweenPatientSdBits).toBeCloseTo(Math.sqrt(37 / 3), 12);
    expect(r.perPatient.find((p) => p.patient === 'c')).toEqual({ patient: 'c', seeds: 2, meanBits: 9, sdBits: Math.sqrt(8) });
  });

  it('no patient effect: ICC(1) ≤ 0; unbalanced seeds use k0; non-finite values are left out', () => {
    // Same values for both patients: BMS = 0, ICC(1) = −WMS/((k−1)·WMS) = −1/(k−1) = −1/2 with k = 3.
    expect(transferEntropyReliability(observations({ a: [1, 2, 3], b: [3, 2, 1] })).icc1).toBeCloseTo(-0.5, 12);
    // a: 1, 3 (mean 2); b: 4, 6, 5, NaN (mean 5). N = 5, k0 = (5 − (4 + 9)/5)/1 = 2.4.
    // BSS = 2·(2 − 3.8)² + 3·(5 − 3.8)² = 10.8 = BMS; WSS = 2 + 2 = 4, WMS = 4/3.
    const r = transferEntropyReliability(observations({ a: [1, 3], b: [4, 6, 5, NaN] }));
    expect(r.observations).toBe(5);
    expect(r.seedsPerPatient).toBeCloseTo(2.4, 12);
    expect(r.icc1).toBeCloseTo((10.8 - 4 / 3) / (10.8 + 1.4 * (4 / 3)), 12);
    // Undefined: a single patient; no replicate anywhere.
    expect(Number.isNaN(transferEntropyReliability(observations({ a: [1, 2] })).icc1)).toBe(true);
    expect(Number.isNaN(transferEntropyReliability(observations({ a: [1], b: [2] })).icc1)).toBe(true);
  });
});

describe('correlation', () => {
  it("Pearson's r and its Fisher-z interval on a textbook case", () => {
    // x = 1…5, y = 2, 4, 5, 4, 5: Sxy = 6, Sxx = 10, Syy = 6, r = 6/√60.
    const c = correlation([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]);
    const r = 6 / Math.sqrt(60);
    expect(c.n).toBe(5);
    expect(c.pearson.r).toBeCloseTo(r, 14);
    expect(c.pearson.lower95).toBeCloseTo(Math.tanh(Math.atanh(r) - Z / Math.sqrt(2)), 14);
    expect(c.pearson.upper95).toBeCloseTo(Math.tanh(Math.atanh(r) + Z / Math.sqrt(2)), 14);
    expect(c.pearson.lower95).toBeCloseTo(-0.340, 3);
    expect(c.pearson.upper95).toBeCloseTo(0.984, 3);
  });

  it("Spearman's ρ: ties at their mean rank, Fieller–Hartley–Pearson interval; monotone ⇒ ρ = 1", () => {
    // y ranks 1, 2.5, 4.5, 2.5, 4.5 against 1…5: Sxy = 7, Sxx = 10, Syy = 9, ρ = 7/√90.
    const c = correlation([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]);
    const rho = 7 / Math.sqrt(90);
    expect(c.spearman.r).toBeCloseTo(rho, 14);
    expect(c.spearman.lower95).toBeCloseTo(Math.tanh(Math.atanh(rho) - Z * Math.sqrt(1.06 / 2)), 14);
    const cubic = correlation([-2, -1, 0, 1, 3], [-8, -1, 0, 1, 27]);
    expect(cubic.spearman.r).toBe(1);
    expect(cubic.pearson.r).toBeLessThan(1);
    expect(correlation([1, 2, 3, 4], [4, 3, 2, 1]).pearson).toEqual({ r: -1, lower95: -1, upper95: -1 });
  });

  it('pairs with a non-finite member are dropped; too few pairs give NaN', () => {
    const c = correlation([1, 2, NaN, 3, 4, 5, 6], [2, 4, 7, 5, Infinity, 4, 5]);
    expect(c.n).toBe(5);
    expect(c.pearson.r).toBeCloseTo(correlation([1, 2, 3, 5, 6], [2, 4, 5, 4, 5]).pearson.r, 14);
    expect(Number.isNaN(correlation([1, 2, 3], [1, 2, 4]).pearson.lower95)).toBe(true);
    expect(Number.isNaN(correlation([1, 1, 1, 1], [1, 2, 3, 4]).pearson.r)).toBe(true);
    expect(() => correlation([1, 2], [1])).toThrow(RangeError);
  });
});

describe('transferEntropyCovariateCorrelations', () => {
  it("correlates each patient's mean TE with each covariate over the patients that have it", () => {
    const reliability = transferEntropyReliability(observations({ p1: [0.01, 0.03], p2: [0.04, 0.04], p3: [0.05, 0.07], p4: [0.08, 0.08], p5: [0.1, 0.1] }));
    // Means 0.02, 0.04, 0.06, 0.08, 0.10: linear in the patient's index.
    const covariates = {
      p1: { TDI: 50, CF: 10 },
      p2: { TDI: 40, CF: 20 },
      p3: { TDI: 30, CF: 30 },
      p4: { TDI: 20, CF: 40 },
      p5: { TDI: 10 },
    };
    const c = transferEntropyCovariateCorrelations(reliability.perPatient, covariates);
    expect(c.TDI.n).toBe(5);
    expect(c.TDI.pearson.r).toBeCloseTo(-1, 12);
    expect(c.TDI.spearman.r).toBe(-1);
    expect(c.CF.n).toBe(4);
    expect(c.CF.pearson.r).toBeCloseTo(1, 12);
  });
});

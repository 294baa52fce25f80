/**
 * Transfer entropy (Daskalaki, Diem & Mougiakakou 2014 §3.2.1) and insulin on board, checked on
 * processes whose TE is known in closed form, against a hand computation, and
 * against an independent entropy-decomposition reference.
 */
import { describe, expect, it } from 'vitest';
import { transferEntropyBits } from '../../src/control/transferEntropy.js';
import {
  insulinOnBoardFraction,
  insulinOnBoardU,
  IOB_DEFAULT_DURATION_MIN,
  IOB_DEFAULT_PEAK_MIN,
  steadyStateInsulinOnBoardU,
} from '../../src/control/insulinOnBoard.js';
import { randomStream } from '../../src/random/streams.js';

/** Binary entropy, bits. */
function h2(p: number): number {
  return -(p * Math.log2(p) + (1 - p) * Math.log2(1 - p));
}

/**
 * Reference estimator written differently on purpose: string-keyed joint
 * counts and TE = H(a,b) + H(b,c) − H(b) − H(a,b,c) (the conditional mutual
 * information I(Y_t; X_{t−d} | Y_{t−1}) as a sum of joint entropies), same
 * binning rule (equal width over the finite range, max in the last bin).
 */
function referenceTe(x: number[], y: number[], d: number, bins: number): number {
  const bin = (s: number[]) => {
    const finite = s.filter(Number.isFinite);
    const lo = Math.min(...finite);
    const hi = Math.max(...finite);
    return (v: number) => (hi === lo ? 0 : v === hi ? bins - 1 : Math.floor(((v - lo) / (hi - lo)) * bins));
  };
  const bx = bin(x);
  const by = bin(y);
  const joint = new Map<string, number>();
  const ab = new Map<string, number>();
  const bc = new Map<string, number>();
  const b1 = new Map<string, number>();
  const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  let n = 0;
  for (let t = Math.max(1, d); t < y.length; t++) {
    if ([y[t]!, y[t - 1]!, x[t - d]!].some((v) => Number.isNaN(v))) continue;
    const a = by(y[t]!);
    const b = by(y[t - 1]!);
    const c = bx(x[t - d]!);
    add(joint, `${a},${b},${c}`);
    add(ab, `${a},${b}`);
    add(bc, `${b},${c}`);
    add(b1, `${b}`);
    n++;
  }
  const entropy = (m: Map<string, number>) => [...m.values()].reduce((s, k) => s - (k / n) * Math.log2(k / n), 0);
  return entropy(ab) + entropy(bc) - entropy(b1) - entropy(joint);
}

/** Linear Gaussian coupling y_t = a·y_{t−1} + b·x_{t−d} + σ·e_t, x and e i.i.d. N(0, 1). */
function linearGaussian(n: number, a: number, b: number, sigma: number, d: number, seed: number) {
  const r = randomStream(seed, 'te', 'test');
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = r.normal();
  for (let t = 1; t < n; t++) y[t] = a * y[t - 1]! + (t >= d ? b * x[t - d]! : 0) + sigma * r.normal();
  return { x, y };
}

describe('transferEntropyBits', () => {
  it('matches a hand computation on a short binary series', () => {
    // y_t = x_{t−1}; triples (y_t, y_{t−1}, x_{t−1}) for t = 1…8:
    // (0,0,0) (0,0,0) (1,0,1) (1,1,1) (0,1,0) (1,0,1) (0,1,0) (1,0,1).
    // x_{t−1} determines y_t, so TE = H(Y_t | Y_{t−1}):
    // y_{t−1} = 0 (5 triples, y_t = 0,0,1,1,1) and y_{t−1} = 1 (3 triples, y_t = 1,0,0).
    const x = [0, 0, 1, 1, 0, 1, 0, 1, 1];
    const y = [0, 0, 0, 1, 1, 0, 1, 0, 1];
    const expected = (5 / 8) * h2(2 / 5) + (3 / 8) * h2(1 / 3);
    expect(transferEntropyBits(x, y, { delay: 1, bins: 2 })).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(0.951205, 5);
  });

  it('agrees with the entropy-decomposition reference on random data with NaN gaps', () => {
    const r = randomStream(11, 'te', 'test');
    const n = 3000;
    const x: number[] = [];
    const y: number[] = [0];
    for (let i = 0; i < n; i++) x.push(r.uniform());
    for (let t = 1; t < n; t++) y.push(0.6 * y[t - 1]! + (t >= 3 ? x[t - 3]! : 0) + 0.3 * r.normal());
    for (let i = 0; i < n; i++) {
      if (r.uniform() < 0.05) x[i] = NaN;
      if (r.uniform() < 0.05) y[i] = NaN;
    }
    for (const [d, bins] of [[3, 4], [3, 6], [1, 5], [0, 3]] as const) {
      const te = transferEntropyBits(x, y, { delay: d, bins });
      expect(Number.isFinite(te)).toBe(true);
      expect(te).toBeCloseTo(referenceTe(x, y, d, bins), 10);
    }
  });

  it('independent i.i.d. source and target: only the plug-in bias, B(B−1)²/(2N ln 2) bits', () => {
    // Under independence 2N·ln2·TE is asymptotically χ² with B(B−1)² degrees
    // of freedom (likelihood-ratio test of conditional independence), so
    // E[TE] ≈ 392/(2N ln 2) for B = 8 and its relative sd is √(2·392)/392 ≈ 7 %:
    // ±25 % is a 3.5-sd band. N/B³ ≈ 390 counts per cell keeps χ² accurate.
    const r = randomStream(1, 'te', 'test');
    const n = 200_000;
    const bins = 8;
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = r.uniform();
      y[i] = r.uniform();
    }
    const te = transferEntropyBits(x, y, { delay: 4, bins });
    const expectedBias = (bins * (bins - 1) ** 2) / (2 * (n - 4) * Math.LN2);
    expect(te).toBeGreaterThan(0.75 * expectedBias);
    expect(te).toBeLessThan(1.25 * expectedBias);
    expect(te).toBeLessThan(0.002); // ≈ 0 against the 0.5–3 bits of the coupled cases
  });

  it('deterministic coupling y_t = x_{t−d}, x uniform over B bins: TE = log2 B', () => {
    // y has no memory, and x_{t−d} fixes y_t: TE = H(Y_t | Y_{t−1}) = H(X) = log2 B.
    // The integers 0…B−1 fall one per bin only if the maximum B−1 goes in the
    // last bin (the edge rule). Residual: plug-in bias of H(Y_t|Y_{t−1}),
    // −B(B−1)/(2N ln 2) ≈ −4e-4 bits here.
    const r = randomStream(2, 'te', 'test');
    const n = 100_000;
    const d = 4;
    for (const bins of [2, 8]) {
      const x = new Float64Array(n);
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) x[i] = r.integerIn(0, bins - 1);
      for (let t = 0; t < n; t++) y[t] = t >= d ? x[t - d]! : r.integerIn(0, bins - 1);
      const te = transferEntropyBits(x, y, { delay: d, bins });
      expect(Math.abs(te - Math.log2(bins))).toBeLessThan(0.005);
      // Delay handling: at a wrong delay the source tells nothing about y_t.
      expect(transferEntropyBits(x, y, { delay: d - 1, bins })).toBeLessThan(0.01);
      expect(transferEntropyBits(x, y, { delay: d + 1, bins })).toBeLessThan(0.01);
      // NaN handling: 10 % of the source missing drops those triples and
      // leaves TE at log2 B (a NaN binned as a value would blur it).
      const xGappy = Float64Array.from(x, (v) => (r.uniform() < 0.1 ? NaN : v));
      expect(Math.abs(transferEntropyBits(xGappy, y, { delay: d, bins }) - Math.log2(bins))).toBeLessThan(0.005);
    }
  });

  it('linear Gaussian coupling: ½·log2(Var(y_t|y_{t−1}) / Var(y_t|y_{t−1},x_{t−d})) within binning error', () => {
    // y_t = 0.5·y_{t−1} + x_{t−4} + e_t, x, e ~ N(0, 1). x_{t−4} is independent
    // of y_{t−1} (which holds x up to t−5 only), so Var(y_t|y_{t−1}) = b² + σ²
    // and Var(y_t|y_{t−1}, x_{t−d}) = σ²: TE = ½·log2(2) = 0.5 bit.
    // The histogram sees binned values: coarse-graining loses information
    // (measured: 0.33 bit at B = 8, 0.44 at 16, 0.49 at 32), while the plug-in
    // bias adds ≈ B(B−1)²/(2N ln 2) = 0.011 bit at B = 32, N = 2·10⁶. Hence:
    // within 0.03 bit (6 %) at B = 32, and the error shrinks as bins grow.
    const d = 4;
    const { x, y } = linearGaussian(2_000_000, 0.5, 1, 1, d, 3);
    const analytic = 0.5 * Math.log2((1 * 1 + 1 * 1) / (1 * 1));
    const te8 = transferEntropyBits(x, y, { delay: d, bins: 8 });
    const te16 = transferEntropyBits(x, y, { delay: d, bins: 16 });
    const te32 = transferEntropyBits(x, y, { delay: d, bins: 32 });
    expect(Math.abs(te32 - analytic)).toBeLessThan(0.03);
    expect(analytic - te8).toBeGreaterThan(analytic - te16);
    expect(analytic - te16).toBeGreaterThan(Math.abs(analytic - te32));
    // Delay and direction: the true delay carries the information, others ≈ bias only.
    for (const wrong of [d - 1, d + 1, 0]) {
      expect(transferEntropyBits(x, y, { delay: wrong, bins: 16 })).toBeLessThan(0.01);
    }
    expect(transferEntropyBits(y, x, { delay: d, bins: 16 })).toBeLessThan(0.01);
  });

  it('a second linear Gaussian case (weaker coupling, more memory) within the same error budget', () => {
    // a = 0.8, b = 0.5, σ = 1: TE = ½·log2(1.25) ≈ 0.161 bit.
    const d = 4;
    const { x, y } = linearGaussian(2_000_000, 0.8, 0.5, 1, d, 4);
    const analytic = 0.5 * Math.log2(1.25);
    expect(Math.abs(transferEntropyBits(x, y, { delay: d, bins: 32 }) - analytic)).toBeLessThan(0.03);
  });

  it('constant series give TE 0; invalid input is refused', () => {
    const r = randomStream(5, 'te', 'test');
    const noise = Array.from({ length: 500 }, () => r.normal());
    const constant = new Array<number>(500).fill(120);
    expect(transferEntropyBits(constant, noise, { delay: 2, bins: 8 })).toBe(0);
    expect(transferEntropyBits(noise, constant, { delay: 2, bins: 8 })).toBe(0);
    expect(() => transferEntropyBits(noise, noise.slice(1), { delay: 2, bins: 8 })).toThrow(RangeError);
    expect(() => transferEntropyBits(noise, noise, { delay: -1, bins: 8 })).toThrow(RangeError);
    expect(() => transferEntropyBits(noise, noise, { delay: 1.5, bins: 8 })).toThrow(RangeError);
    expect(() => transferEntropyBits(noise, noise, { delay: 1, bins: 0 })).toThrow(RangeError);
    expect(() => transferEntropyBits(noise, noise, { delay: 1, bins: 4, history: 2 as unknown as 1 })).toThrow(RangeError);
    const allNaN = new Array<number>(500).fill(NaN);
    expect(() => transferEntropyBits(allNaN, noise, { delay: 1, bins: 4 })).toThrow(/no complete/);
  });
});

describe('insulinOnBoardU (exponential model, Loop/oref0)', () => {
  const td = IOB_DEFAULT_DURATION_MIN;
  const tp = IOB_DEFAULT_PEAK_MIN;

  it('a single bolus decays monotonically from its dose to 0 at the duration of action', () => {
    const record = new Float64Array(td + 60);
    record[0] = 5;
    const iob = insulinOnBoardU(record);
    expect(iob[0]).toBe(5);
    for (let k = 1; k < iob.length; k++) expect(iob[k]!).toBeLessThanOrEqual(iob[k - 1]!);
    expect(iob[td - 1]!).toBeGreaterThan(0);
    expect(iob[td - 1]!).toBeLessThan(1e-3 * 5);
    for (let k = td; k < iob.length; k++) expect(iob[k]).toBe(0);
    // Mid-course: well over half left at the activity peak, a small tail after 4 h.
    expect(iob[tp]! / 5).toBeGreaterThan(0.6);
    expect(iob[240]! / 5).toBeLessThan(0.2);
  });

  it('the fraction is 1 − ∫ activity, activity (S/τ²)·t·(1 − t/td)·e^(−t/τ) peaking at tp', () => {
    // Independent check of the closed-form IOB: Simpson integration of the activity curve.
    const tau = (tp * (1 - tp / td)) / (1 - (2 * tp) / td);
    const a = (2 * tau) / td;
    const s = 1 / (1 - a + (1 + a) * Math.exp(-td / tau));
    const activity = (t: number) => (s / tau ** 2) * t * (1 - t / td) * Math.exp(-t / tau);
    const integrate = (upper: number) => {
      const m = 2000;
      const hStep = upper / m;
      let sum = activity(0) + activity(upper);
      for (let i = 1; i < m; i++) sum += (i % 2 === 1 ? 4 : 2) * activity(i * hStep);
      return (sum * hStep) / 3;
    };
    for (const t of [30, 75, 120, 240, 359]) {
      expect(insulinOnBoardFraction(t, td, tp)).toBeCloseTo(1 - integrate(t), 9);
    }
    expect(integrate(td)).toBeCloseTo(1, 9);
    // Steepest fall of the on-board fraction (peak activity) at tp.
    const drop = (t: number) => insulinOnBoardFraction(t - 1, td, tp) - insulinOnBoardFraction(t + 1, td, tp);
    for (const t of [tp - 15, tp + 15]) expect(drop(tp)).toBeGreaterThan(drop(t));
  });

  it('doses superpose and shift in time; durationMin is honoured', () => {
    const r = randomStream(6, 'te', 'test');
    const n = 900;
    const basal = Float64Array.from({ length: n }, () => 0.015);
    const boluses = new Float64Array(n);
    for (const k of [60, 300, 305, 700]) boluses[k] = r.uniformIn(1, 8);
    const both = Float64Array.from(basal, (v, i) => v + boluses[i]!);
    const sum = insulinOnBoardU(basal);
    const iobBoluses = insulinOnBoardU(boluses);
    const iobBoth = insulinOnBoardU(both);
    for (let k = 0; k < n; k++) expect(iobBoth[k]).toBeCloseTo(sum[k]! + iobBoluses[k]!, 10);
    // A bolus at minute 60 is the minute-0 curve shifted by 60.
    const single = new Float64Array(n);
    single[60] = 3;
    const shifted = insulinOnBoardU(single);
    const atZero = new Float64Array(n);
    atZero[0] = 3;
    const base = insulinOnBoardU(atZero);
    for (let k = 60; k < n; k++) expect(shifted[k]).toBeCloseTo(base[k - 60]!, 12);
    // Steady basal: IOB settles at rate × ∫₀^td IOB(t) dt (minute sums), constant after td.
    expect(sum[n - 1]).toBeCloseTo(sum[td + 10]!, 12);
    // Shorter action: zero from 300 min on.
    const short = insulinOnBoardU(atZero, { durationMin: 300 });
    expect(short[299]!).toBeGreaterThan(0);
    expect(short[300]).toBe(0);
    expect(() => insulinOnBoardU(atZero, { durationMin: 120, peakMin: 75 })).toThrow(RangeError);
  });

  describe('warm start (priorBasalUPerMin): an infinitely long basal before minute 0', () => {
    const basal = 0.015; // U/min, 0.9 U/h

    it('an all-basal record gives a constant IOB, the closed form b·Σ_j IOB(j), from minute 0', () => {
      // Closed form computed here independently: the minute sum of the fraction curve.
      let sum = 0;
      for (let j = 0; j < td; j++) sum += insulinOnBoardFraction(j, td, tp);
      expect(steadyStateInsulinOnBoardU(basal)).toBeCloseTo(basal * sum, 14);
      const record = new Float64Array(3 * td).fill(basal);
      const warm = insulinOnBoardU(record, { priorBasalUPerMin: basal });
      for (let k = 0; k < record.length; k++) expect(warm[k]).toBeCloseTo(basal * sum, 12);
      // Cold, the same record ramps up from one minute's dose and settles at the same value after td.
      const cold = insulinOnBoardU(record);
      expect(cold[0]).toBe(basal);
      expect(cold[td - 1]).toBeCloseTo(basal * sum, 12);
      expect(cold[2 * td]).toBeCloseTo(warm[2 * td]!, 12);
      // The minute sum is ∫₀^td IOB(t) dt + ½ (Euler–Maclaurin: IOB(0) = 1, IOB(td) = 0, and
      // the slope terms vanish, the activity being 0 at 0 and td): about 2 h of basal on board.
      const m = 3600;
      const h = td / m;
      let integral = insulinOnBoardFraction(0, td, tp) + insulinOnBoardFraction(td, td, tp);
      for (let i = 1; i < m; i++) integral += (i % 2 === 1 ? 4 : 2) * insulinOnBoardFraction(i * h, td, tp);
      integral *= h / 3;
      expect(Math.abs(sum - (integral + 0.5))).toBeLessThan(0.01);
      expect(sum / 60).toBeCloseTo(2.03, 2);
    });

    it('a bolus on top adds exactly its cold-start IOB (linearity)', () => {
      const n = 2 * td;
      const record = new Float64Array(n).fill(basal);
      const bolus = new Float64Array(n);
      bolus[30] = 4;
      bolus[200] = 2.5;
      const both = Float64Array.from(record, (v, i) => v + bolus[i]!);
      const warmBoth = insulinOnBoardU(both, { priorBasalUPerMin: basal });
      const coldBolus = insulinOnBoardU(bolus);
      const ss = steadyStateInsulinOnBoardU(basal);
      for (let k = 0; k < n; k++) expect(warmBoth[k]).toBeCloseTo(ss + coldBolus[k]!, 12);
    });

    it('equals the cold start of the record prefixed with td minutes of basal (the prefix dropped)', () => {
      const r = randomStream(8, 'te', 'test');
      const n = 700;
      const record = Float64Array.from({ length: n }, (_, i) => 0.01 + (i % 97 === 5 ? r.uniformIn(1, 6) : 0));
      const prefixed = new Float64Array(td + n);
      prefixed.fill(basal, 0, td);
      prefixed.set(record, td);
      const cold = insulinOnBoardU(prefixed);
      const warm = insulinOnBoardU(record, { priorBasalUPerMin: basal });
      for (let k = 0; k < n; k++) expect(warm[k]).toBeCloseTo(cold[td + k]!, 12);
      // A shorter record than the action (the tail is cut at its end) and other curves too.
      const short = insulinOnBoardU(record.subarray(0, 50), { priorBasalUPerMin: basal, durationMin: 300, peakMin: 60 });
      const shortPrefixed = new Float64Array(300 + 50).fill(basal, 0, 300);
      shortPrefixed.set(record.subarray(0, 50), 300);
      const shortCold = insulinOnBoardU(shortPrefixed, { durationMin: 300, peakMin: 60 });
      for (let k = 0; k < 50; k++) expect(short[k]).toBeCloseTo(shortCold[300 + k]!, 12);
      expect(() => insulinOnBoardU(record, { priorBasalUPerMin: -0.01 })).toThrow(RangeError);
      expect(() => insulinOnBoardU(record, { priorBasalUPerMin: NaN })).toThrow(RangeError);
      // 0 is the cold start.
      expect(insulinOnBoardU(record, { priorBasalUPerMin: 0 })).toEqual(insulinOnBoardU(record));
    });
  });
});

/**
 * Insulin preparations (docs/model.md §4): a 10 U dose of each preparation in
 * a standard subject (adult#001, basal held by its rapid basal rate, no
 * meals) must put insulin into plasma with the published onset, peak and
 * duration (PREPARATION_WINDOWS), the same total exposure whatever the
 * preparation, and doses must add up when several are active at once.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { findPatient } from '../../src/cohort/selection.js';
import { loadUvaPadovaCohort } from '../../src/cohort/uvaPadova.js';
import { IP } from '../../src/model/insulin.js';
import {
  allDepotModels,
  bergerRodbardT50Min,
  DEPOT_PARAMETERS,
  depotModel,
  PREPARATION_WINDOWS,
  profileLandmarks,
  type ProfileLandmarks,
} from '../../src/model/insulinPreparations.js';
import { basalRateUPerMin, PMOL_PER_UNIT, type T1DParameters } from '../../src/model/parameters.js';
import { DEPOT_PREPARATIONS, type DepotPreparation, INSULIN_PREPARATIONS, type InsulinPreparation, type PatientModel } from '../../src/model/patientModel.js';
import { T1D_STATE_SIZE, t1dModel } from '../../src/model/t1d.js';
import { PatientSimulator } from '../../src/model/patientSimulator.js';

const DOSE_U = 10;
/** Long enough for all of the slowest dose to reach plasma and be cleared (≈ 0.01 % of its AUC is left out). */
const HORIZON_MIN = 72 * 60;

interface Run {
  /** Plasma insulin Ip (pmol/kg) at every minute 0 … HORIZON_MIN. */
  readonly ip: Float64Array;
  /** Smallest depot state seen, pmol/kg. */
  readonly minDepotState: number;
  /** Depot contents at the horizon, pmol/kg. */
  readonly depotLeft: number;
}

/** Injections: the preparation and the minute of a one-minute infusion of DOSE_U. */
type Doses = readonly (readonly [InsulinPreparation, number])[];

function simulate(p: T1DParameters, model: PatientModel, doses: Doses): Run {
  const sim = new PatientSimulator(model, HORIZON_MIN);
  const state = new Float64Array(model.stateSize);
  const ip = new Float64Array(HORIZON_MIN + 1);
  const basal = basalRateUPerMin(p);
  const depotRates = new Float64Array(DEPOT_PREPARATIONS.length);
  // Inputs change at an injection minute and the minute after it; minutes
  // must be begun in order, so begin each one up to the last change.
  const changes = [...new Set(doses.flatMap(([, m]) => [m, m + 1]))].sort((a, b) => a - b);
  const lastChange = changes.length > 0 ? changes[changes.length - 1] : 0;
  let minDepotState = Infinity;
  for (let t = 0; t <= HORIZON_MIN; t++) {
    sim.stateAt(t, state);
    ip[t] = state[IP];
    for (let i = T1D_STATE_SIZE; i < model.stateSize; i++) minDepotState = Math.min(minDepotState, state[i]);
    if (t > lastChange || t === HORIZON_MIN) continue;
    let rapid = basal;
    depotRates.fill(0);
    for (const [prep, m] of doses) {
      if (m !== t) continue;
      if (prep === 'rapid') rapid += DOSE_U;
      else depotRates[DEPOT_PREPARATIONS.indexOf(prep)] += DOSE_U;
    }
    const hold = changes.find((m) => m > t) ?? HORIZON_MIN;
    sim.beginMinute(t, rapid, hold, depotRates);
  }
  let depotLeft = 0;
  for (let i = T1D_STATE_SIZE; i < model.stateSize; i++) depotLeft += state[i];
  return { ip, minDepotState, depotLeft };
}

const minus = (a: Float64Array, b: Float64Array) => a.map((v, i) => v - b[i]);
const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('insulin preparations: 10 U in adult#001', () => {
  let p: T1DParameters;
  let model: PatientModel;
  let baseline: Run;
  const single = new Map<InsulinPreparation, Run>();
  const excess = new Map<InsulinPreparation, Float64Array>();
  const landmarks = new Map<InsulinPreparation, ProfileLandmarks>();

  beforeAll(() => {
    p = findPatient(loadUvaPadovaCohort(), 'adult#001', 'test').params;
    model = t1dModel(p, allDepotModels());
    baseline = simulate(p, model, []);
    for (const prep of INSULIN_PREPARATIONS) {
      const run = simulate(p, model, [[prep, 0]]);
      single.set(prep, run);
      const e = minus(run.ip, baseline.ip);
      excess.set(prep, e);
      landmarks.set(prep, profileLandmarks(e));
    }
  });

  it('the undosed run holds the basal steady state (so the excess is the dose alone)', () => {
    expect(maxAbs(baseline.ip.map((v) => v - p.x0[IP]))).toBeLessThan(1e-6 * p.x0[IP]);
  });

  for (const prep of INSULIN_PREPARATIONS) {
    it(`${prep}: onset, peak and duration in the published windows`, () => {
      const w = PREPARATION_WINDOWS[prep];
      const l = landmarks.get(prep)!;
      const report = `${prep}: onset ${l.onsetMin.toFixed(0)} min, peak ${l.peakMin} min, duration ${(l.durationMin / 60).toFixed(2)} h, peak/mean(24 h) ${l.peakToMean24h.toFixed(2)}`;
      expect(l.onsetMin, report).toBeGreaterThanOrEqual(w.onsetMin[0]);
      expect(l.onsetMin, report).toBeLessThanOrEqual(w.onsetMin[1]);
      if (w.peakMin) {
        expect(l.peakMin, report).toBeGreaterThanOrEqual(w.peakMin[0]);
        expect(l.peakMin, report).toBeLessThanOrEqual(w.peakMin[1]);
      }
      if (w.maxPeakToMean24h !== undefined) expect(l.peakToMean24h, report).toBeLessThanOrEqual(w.maxPeakToMean24h);
      expect(l.durationMin, report).toBeGreaterThanOrEqual(w.durationMin[0]);
      expect(l.durationMin, report).toBeLessThanOrEqual(w.durationMin[1]);
    });
  }

  it('the flatness criterion separates the long-acting insulin from the peaked ones', () => {
    const line = PREPARATION_WINDOWS.long.maxPeakToMean24h!;
    for (const prep of ['rapid', 'regular', 'nph'] as const) expect(landmarks.get(prep)!.peakToMean24h).toBeGreaterThan(1.5 * line);
  });

  it('the order of action is rapid < regular < NPH < long', () => {
    const l = (prep: InsulinPreparation) => landmarks.get(prep)!;
    expect(l('rapid').onsetMin).toBeLessThan(l('regular').onsetMin);
    expect(l('regular').onsetMin).toBeLessThan(l('nph').onsetMin);
    expect(l('rapid').durationMin).toBeLessThan(l('nph').durationMin);
    expect(l('regular').durationMin).toBeLessThan(l('nph').durationMin);
    expect(l('nph').durationMin).toBeLessThan(l('long').durationMin);
  });

  it('plasma-insulin AUC is the same for every preparation (all of the dose reaches plasma), within 1 %', () => {
    // Ip is linear with a steady-state gain (m1 + m30)/((m2 + m4)(m1 + m30) − m1·m2)
    // from appearance to Ip (docs/model.md §1), so ∫ΔIp dt = dose × gain.
    const dosePmolPerKg = (DOSE_U * PMOL_PER_UNIT) / p.BW;
    const gain = (p.m1 + p.m30) / ((p.m2 + p.m4) * (p.m1 + p.m30) - p.m1 * p.m2);
    const expected = dosePmolPerKg * gain;
    const areas = INSULIN_PREPARATIONS.map((prep) => landmarks.get(prep)!.area);
    for (const a of areas) expect(Math.abs(a - expected) / expected).toBeLessThan(0.01);
    expect((Math.max(...areas) - Math.min(...areas)) / Math.min(...areas)).toBeLessThan(0.01);
    // And the depots are empty by the horizon: nothing is held back.
    for (const prep of DEPOT_PREPARATIONS) expect(single.get(prep)!.depotLeft).toBeLessThan(1e-3 * dosePmolPerKg);
  });

  it('depot states never go negative', () => {
    for (const run of single.values()) expect(run.minDepotState).toBeGreaterThanOrEqual(0);
  });

  it('rapid + NPH given together: the excess is the sum of the two single-dose excesses', () => {
    const both = minus(simulate(p, model, [['rapid', 0], ['nph', 0]]).ip, baseline.ip);
    const sum = excess.get('rapid')!.map((v, i) => v + excess.get('nph')![i]);
    // Insulin kinetics are linear, so only integration error separates them:
    // odex's relative tolerance is 1e-5 (measured: ~1e-7 of the peak).
    expect(maxAbs(minus(both, sum))).toBeLessThan(1e-5 * maxAbs(sum));
  });

  it('all four preparations at staggered times add up, and a second dose of the same depot adds to the first', () => {
    const doses: Doses = [['long', 0], ['nph', 60], ['regular', 120], ['rapid', 180], ['nph', 720]];
    const run = simulate(p, model, doses);
    const together = minus(run.ip, baseline.ip);
    const sum = new Float64Array(HORIZON_MIN + 1);
    for (const [prep, m] of doses) {
      const e = excess.get(prep)!;
      for (let t = m; t <= HORIZON_MIN; t++) sum[t] += e[t - m];
    }
    expect(maxAbs(minus(together, sum))).toBeLessThan(1e-5 * maxAbs(sum));
    expect(run.minDepotState).toBeGreaterThanOrEqual(0);
  });
});

describe('depot models', () => {
  /** Fixed-step RK4 of one depot alone after a unit bolus in its first state; returns the absorbed fraction per minute. */
  function absorbedFraction(prep: DepotPreparation, minutes: number, stepsPerMin = 20): Float64Array {
    const d = depotModel(prep);
    const n = d.stateCount;
    let x = new Float64Array(n);
    x[0] = 1;
    const k = [0, 1, 2, 3].map(() => new Float64Array(n));
    const tmp = new Float64Array(n);
    const h = 1 / stepsPerMin;
    const out = new Float64Array(minutes + 1);
    let absorbed = 0;
    for (let m = 0; m < minutes; m++) {
      for (let s = 0; s < stepsPerMin; s++) {
        const a1 = d.derivatives(x, k[0], 0, 0);
        for (let i = 0; i < n; i++) tmp[i] = x[i] + (h / 2) * k[0][i];
        const a2 = d.derivatives(tmp, k[1], 0, 0);
        for (let i = 0; i < n; i++) tmp[i] = x[i] + (h / 2) * k[1][i];
        const a3 = d.derivatives(tmp, k[2], 0, 0);
        for (let i = 0; i < n; i++) tmp[i] = x[i] + h * k[2][i];
        const a4 = d.derivatives(tmp, k[3], 0, 0);
        absorbed += (h / 6) * (a1 + 2 * a2 + 2 * a3 + a4);
        x = x.map((v, i) => v + (h / 6) * (k[0][i] + 2 * k[1][i] + 2 * k[2][i] + k[3][i]));
      }
      out[m + 1] = absorbed;
    }
    return out;
  }
  const halfTime = (f: Float64Array) => {
    const m = f.findIndex((v) => v >= 0.5);
    return m - 1 + (0.5 - f[m - 1]) / (f[m] - f[m - 1]);
  };

  it('regular and NPH are half absorbed at Berger & Rodbard’s T50 for 10 U, within 1 %', () => {
    for (const prep of ['regular', 'nph'] as const) {
      const t50 = halfTime(absorbedFraction(prep, 24 * 60));
      expect(Math.abs(t50 - bergerRodbardT50Min(prep)) / bergerRodbardT50Min(prep)).toBeLessThan(0.01);
    }
  });

  it('the long-acting depot releases its dose over ~24 h: ~40 % absorbed at 12 h, ~80 % at 24 h, all by 48 h', () => {
    const f = absorbedFraction('long', 48 * 60, 4);
    // Constant release over 24 h behind the soluble path's ~2.5 h delay would
    // give 0.40 at 12 h and 0.90 at 24 h; the stages' smooth end trims the latter.
    expect(f[12 * 60]).toBeGreaterThan(0.35);
    expect(f[12 * 60]).toBeLessThan(0.45);
    expect(f[24 * 60]).toBeGreaterThan(0.7);
    expect(f[24 * 60]).toBeLessThan(0.9);
    expect(f[48 * 60]).toBeGreaterThan(0.99);
  });

  it('conserve mass: what enters is in the states or has appeared in plasma (Σdx = infusion − appearance)', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (const prep of DEPOT_PREPARATIONS) {
      const d = depotModel(prep);
      const offset = 5;
      for (let trial = 0; trial < 50; trial++) {
        const x = Array.from({ length: offset + d.stateCount }, () => 100 * rand());
        const dx: number[] = new Array(x.length).fill(Number.NaN);
        const u = trial % 2 === 0 ? 0 : 50 * rand();
        const appearance = d.derivatives(x, dx, offset, u);
        expect(appearance).toBeGreaterThan(0);
        const sum = dx.slice(offset).reduce((a, b) => a + b, 0);
        expect(Math.abs(sum - (u - appearance))).toBeLessThan(1e-12 * (u + appearance + 1));
        // Writes only its own states.
        expect(dx.slice(0, offset).every(Number.isNaN)).toBe(true);
      }
    }
  });

  it('an empty compartment can only fill (so states stay non-negative)', () => {
    for (const prep of DEPOT_PREPARATIONS) {
      const d = depotModel(prep);
      for (let empty = 0; empty < d.stateCount; empty++) {
        const x = new Array<number>(d.stateCount).fill(1);
        x[empty] = 0;
        const dx = new Array<number>(d.stateCount).fill(0);
        d.derivatives(x, dx, 0, 0);
        expect(dx[empty]).toBeGreaterThanOrEqual(0);
        // A (rounding-)negative state does not drain further either.
        x[empty] = -1e-12;
        d.derivatives(x, dx, 0, 0);
        expect(dx[empty]).toBeGreaterThanOrEqual(0);
      }
      // All empty and nothing infused: nothing moves, nothing appears.
      const dx = new Array<number>(d.stateCount).fill(1);
      expect(d.derivatives(new Array<number>(d.stateCount).fill(0), dx, 0, 0)).toBe(0);
      expect(dx.every((v) => v === 0)).toBe(true);
    }
  });

  it('factory: one depot per preparation with its documented structure; unknown names are refused', () => {
    for (const prep of DEPOT_PREPARATIONS) {
      const d = depotModel(prep);
      expect(d.preparation).toBe(prep);
      expect(d.stateCount).toBe(DEPOT_PARAMETERS[prep].undissolvedStages + DEPOT_PARAMETERS[prep].solubleCompartments);
    }
    expect(() => depotModel('lente' as DepotPreparation)).toThrow(/unknown insulin preparation 'lente'/);
  });

  it('profileLandmarks measures a known profile', () => {
    // Triangle: 0 at 0, 1 at 100 min, 0 at 300 min, sampled each 2 min.
    const tri = Float64Array.from({ length: 151 }, (_, i) => (i * 2 <= 100 ? (i * 2) / 100 : (300 - i * 2) / 200));
    const l = profileLandmarks(tri, 2);
    expect(l.onsetMin).toBeCloseTo(50, 9);
    expect(l.peakMin).toBe(100);
    expect(l.durationMin).toBeCloseTo(200, 9);
    expect(l.area).toBeCloseTo(150, 9);
    expect(l.peakToMean24h).toBeCloseTo(300 / 150, 9);
  });
});

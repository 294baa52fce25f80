import { t1dModel } from '../../src/model/t1d.js';
import { describe, expect, it } from 'vitest';
import { loadUvaPadovaCohort } from '../../src/cohort/uvaPadova.js';
import { findPatient } from '../../src/cohort/selection.js';
import { QGUT, QSTO1, QSTO2, rateOfAppearance } from '../../src/model/gastric.js';
import { basalRateUPerMin } from '../../src/model/parameters.js';
import { T1D_STATE_SIZE } from '../../src/model/t1d.js';
import { PatientSimulator } from '../../src/model/patientSimulator.js';

/**
 * The glucose that appears in plasma, ∫ Ra·BW dt (mg), must equal f × the
 * carbohydrate eaten once the gut has emptied (Dalla Man 2007: Ra = f·kabs·Qgut/BW).
 * Integrated with Simpson's rule on the exact state at every minute.
 */
function appearedGlucoseMg(name: string, carbsG: number, eatRateGPerMin: number) {
  const patient = findPatient(loadUvaPadovaCohort(), name, 'test');
  const p = patient.params;
  const sim = new PatientSimulator(t1dModel(p), 1440);
  const state = new Float64Array(T1D_STATE_SIZE);
  const raMgPerMin = new Float64Array(1441);
  const basal = basalRateUPerMin(p);
  for (let m = 0; m <= 1440; m++) {
    sim.stateAt(m, state);
    raMgPerMin[m] = rateOfAppearance(p, state[QGUT]) * p.BW;
    if (m === 1440) break;
    if (m === 60) sim.eat(carbsG, eatRateGPerMin);
    sim.beginMinute(m, basal + (m === 60 ? carbsG / 10 : 0));
  }
  let integral = raMgPerMin[0] + raMgPerMin[1440];
  for (let m = 1; m < 1440; m++) integral += (m % 2 === 1 ? 4 : 2) * raMgPerMin[m];
  integral /= 3;
  return { appeared: integral, expected: p.f * carbsG * 1000, leftInGutMg: state[QSTO1] + state[QSTO2] + state[QGUT] };
}

describe('meal mass balance over 24 h', () => {
  for (const [name, carbs, rate] of [
    ['adult#001', 50, 5],
    ['adolescent#004', 100, 5],
    ['child#007', 30, 2],
    ['adult#009', 80, 80 / 15],
  ] as const) {
    it(`${name}, ${carbs} g at ${rate.toFixed(2)} g/min: ∫Ra·BW = f × carbs within 0.5 %`, () => {
      const { appeared, expected, leftInGutMg } = appearedGlucoseMg(name, carbs, rate);
      expect(Math.abs(appeared - expected) / expected).toBeLessThan(0.005);
      // And the balance closes: what has not appeared is still in the gut.
      expect(leftInGutMg).toBeLessThan(0.005 * carbs * 1000);
    });
  }
});

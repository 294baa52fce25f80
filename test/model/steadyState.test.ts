import { t1dModel } from '../../src/model/t1d.js';
import { describe, expect, it } from 'vitest';
import { loadUvaPadovaCohort } from '../../src/cohort/uvaPadova.js';
import { basalRateUPerMin } from '../../src/model/parameters.js';
import { PatientSimulator } from '../../src/model/patientSimulator.js';

// docs/model.md §1: x0 is each subject's basal steady state, held by u2ss·BW/6000 U/min.
describe('basal steady state', () => {
  const cohort = loadUvaPadovaCohort();
  it('has the 30 subjects', () => expect(cohort.length).toBe(30));
  for (const patient of cohort) {
    it(`${patient.name}: basal only, no meals, 24 h: BG within 0.01 mg/dL of Gb`, () => {
      const sim = new PatientSimulator(t1dModel(patient.params), 1440);
      const basal = basalRateUPerMin(patient.params);
      let maxDeviation = 0;
      for (let m = 0; m < 1440; m++) {
        maxDeviation = Math.max(maxDeviation, Math.abs(sim.bloodGlucoseAt(m) - patient.params.Gb));
        sim.beginMinute(m, basal);
      }
      maxDeviation = Math.max(maxDeviation, Math.abs(sim.bloodGlucoseAt(1440) - patient.params.Gb));
      expect(maxDeviation).toBeLessThanOrEqual(0.01);
    });
  }

  it('the steady state needs its insulin: without basal, glucose rises', () => {
    const patient = cohort[10];
    const sim = new PatientSimulator(t1dModel(patient.params), 1440);
    for (let m = 0; m < 1440; m++) sim.beginMinute(m, 0);
    expect(sim.bloodGlucoseAt(1440)).toBeGreaterThan(patient.params.Gb + 50);
  });
});

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPopulation } from '../../src/cohort/population.js';
import { findPatient } from '../../src/cohort/selection.js';
import { StandardTherapy, STANDARD_THERAPY_DEFAULTS } from '../../src/control/standardTherapy.js';
import type { Controller } from '../../src/control/types.js';
import { IdealSensor } from '../../src/devices/cgm.js';
import { createPen } from '../../src/devices/pen.js';
import { IdealPump } from '../../src/devices/pump.js';
import { allDepotModels } from '../../src/model/insulinPreparations.js';
import { DEPOT_PREPARATIONS } from '../../src/model/patientModel.js';
import { runClosedLoop } from '../../src/sim/closedLoop.js';
import { therapySettings } from '../../src/sim/patientRun.js';
import { controllerIdentity } from '../../src/control/context.js';
import { PatientSimulator } from '../../src/model/patientSimulator.js';

const t1d = loadPopulation('uva-padova-s2008', 'test');
const t2dm = loadPopulation('t2dm-100', 'test');
const quiet = {
  days: 1,
  startTimeOfDayMin: 0,
  controlPeriodMin: 5,
  meals: [],
  sensor: new IdealSensor(5),
  context: controllerIdentity('test', therapySettings(t1d[0]), 1),
  timeoutMs: 10_000,
};

/** Injects `units` of `preparation` once, at 08:00, on top of a basal rate. */
function oneInjection(preparation: 'regular' | 'nph' | 'long' | 'rapid', units: number, basalUPerMin: number): Controller {
  return {
    decide: (obs) => ({ basalUPerMin, bolusU: 0, injections: obs.timeMin === 480 ? [{ preparation, units }] : [] }),
  };
}

describe('injections through the closed loop', () => {
  const adult = findPatient(t1d, 'adult#001', 'test');

  it('an NPH injection by pen gives the same glucose as the same dose infused into the depot directly', async () => {
    const model = adult.model(allDepotModels());
    const loop = await runClosedLoop({ ...quiet, model, pump: new IdealPump(), pen: createPen({ model: 'whole-unit' }), controller: oneInjection('nph', 10, adult.basalRateUPerMin) });
    expect(loop.injectionsU.nph[480]).toBe(10);
    const direct = new PatientSimulator(model, 1440);
    const depot = new Float64Array(DEPOT_PREPARATIONS.length);
    for (let m = 0; m < 1440; m++) {
      depot[DEPOT_PREPARATIONS.indexOf('nph')] = m === 480 ? 10 : 0;
      expect(Math.abs(direct.bloodGlucoseAt(m) - loop.bgMgDl[m])).toBeLessThan(1e-3);
      direct.beginMinute(m, adult.basalRateUPerMin, 1440, depot);
    }
    // And it lowers glucose within a few hours (NPH peaks 4–10 h after injection).
    expect(loop.bgMgDl[480 + 300]).toBeLessThan(loop.bgMgDl[480] - 10);
  });

  it('the pen rounds doses, and the trace and summary record them', async () => {
    const loop = await runClosedLoop({ ...quiet, model: adult.model(allDepotModels()), pump: new IdealPump(), pen: createPen({ model: 'half-unit' }), controller: oneInjection('regular', 3.3, adult.basalRateUPerMin) });
    expect(loop.injectionsU.regular[480]).toBe(3.5);
  });

  it('refuses injections without a pen and pump insulin without a pump', async () => {
    const model = adult.model(allDepotModels());
    await expect(runClosedLoop({ ...quiet, model, pump: new IdealPump(), controller: oneInjection('nph', 10, 0) })).rejects.toThrow(/no pen/);
    await expect(runClosedLoop({ ...quiet, model, pen: createPen({ model: 'whole-unit' }), controller: oneInjection('nph', 10, 0.01) })).rejects.toThrow(/no pump/);
  });

  it('a model without depots refuses a slower preparation', async () => {
    await expect(
      runClosedLoop({ ...quiet, model: adult.model([]), pump: new IdealPump(), pen: createPen({ model: 'whole-unit' }), controller: oneInjection('long', 10, adult.basalRateUPerMin) }),
    ).rejects.toThrow(/no subcutaneous depot for long/);
  });
});

describe('T2DM patients on a pump', () => {
  const patient = t2dm[0];
  it('standard therapy runs with therapy settings given in the options, and lowers glucose', async () => {
    const meals = [{ startMin: 420, carbsG: 60, estimatedCarbsG: 60, durationMin: 15, announceMin: 420, label: 'meal' }];
    const run = (controller: Controller) => runClosedLoop({ ...quiet, meals, model: patient.model([]), pump: new IdealPump(), controller });
    const treated = await run(
      new StandardTherapy(therapySettings(patient), { ...STANDARD_THERAPY_DEFAULTS, basalUPerH: 0.5, carbRatioGPerU: 10, correctionFactorMgDlPerU: 30 }),
    );
    const untreated = await run({ decide: () => ({ basalUPerMin: 0, bolusU: 0 }) });
    expect(treated.basalUPerMin[0] * 60).toBeCloseTo(0.5, 12);
    expect(treated.bolusU.reduce((s, v) => s + v, 0)).toBeGreaterThan(6);
    const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(treated.bgMgDl)).toBeLessThan(mean(untreated.bgMgDl) - 10);
  });

  it('standard therapy without a carbohydrate ratio is refused for a cohort that gives none', () => {
    expect(() => new StandardTherapy(therapySettings(patient))).toThrow(/needs carbRatioGPerU/);
  });
});

describe('populations', () => {
  it('the T2DM cohort file is a population of 100 in group t2dm', () => {
    expect(t2dm.length).toBe(100);
    expect(new Set(t2dm.map((p) => p.group))).toEqual(new Set(['t2dm']));
    expect(t2dm.every((p) => p.basalRateUPerMin === 0)).toBe(true);
  });
  it('unknown populations are refused, naming the file and field', () => {
    expect(() => loadPopulation('nope', join('scenarios', 'x.json'))).toThrow(/scenarios\/x\.json: patients: unknown population 'nope'/);
    expect(() => loadPopulation('../etc/passwd', 'x.json')).toThrow(/not a population name/);
  });
});

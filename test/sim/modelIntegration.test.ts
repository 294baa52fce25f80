/**
 * A model that cannot be integrated (parameters far outside the model's
 * range make it too stiff for any explicit step, or its state diverges) is
 * reported in one line naming the patient, the minute and the likely cause,
 * not as the integrator's stack trace.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPopulation } from '../../src/cohort/population.js';
import { findPatient } from '../../src/cohort/selection.js';
import { loadUvaPadovaCohort } from '../../src/cohort/uvaPadova.js';
import { DEFAULT_INTEGRATOR_OPTIONS, IntegratorError, StretchIntegrator } from '../../src/model/integrator.js';
import { t1dModel } from '../../src/model/t1d.js';
import { loadScenario } from '../../src/scenario/load.js';
import { ModelIntegrationError } from '../../src/sim/closedLoop.js';
import { PatientRunError } from '../../src/sim/cohortRun.js';
import { runPatient } from '../../src/sim/patientRun.js';
import { replay } from '../../src/sim/replay.js';

const adult = findPatient(loadPopulation('uva-padova-s2008', 'test'), 'adult#001', 'test');
/** kabs, the gut's absorption rate, 10^9 /min instead of ~0.1: a meal makes the model too stiff for the integrator's million steps. */
const stiffParams = { ...loadUvaPadovaCohort().find((p) => p.name === 'adult#001')!.params, kabs: 1e9 };
/**
 * The stiff model with a step limit of 20,000 instead of the default million:
 * the same failure in ~1/50 of the time (the end-to-end test in
 * test/cli/limits.test.ts keeps the default limit).
 */
const STIFF_MAX_STEPS = 20_000;
const stiffModel = () => ({ ...t1dModel(stiffParams), integratorOptions: { ...DEFAULT_INTEGRATOR_OPTIONS, maxSteps: STIFF_MAX_STEPS } });
const LIKELY = "likely cause: the model changes too fast for any step size, from patient parameters outside the model's range (a cohort file of your own?) or inputs far beyond physiology";

describe('a model that cannot be integrated', () => {
  it('replay: one line naming the patient, the minute of the meal and the likely cause', () => {
    const inputs = { minute: Int32Array.from([0, 90, 600]), carbsG: Float64Array.from([0, 50, 0]), insulinUPerMin: Float64Array.from([0.02, 0.02, 0.02]) };
    let error: unknown;
    try {
      replay(stiffModel(), inputs);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ModelIntegrationError);
    const message = (error as Error).message;
    expect(message).toMatch(/^patient adult#001 at minute 9\d \(day 1, 01:3\d\): the model could not be integrated \(maximum allowed steps exceeded: 20000\); /);
    expect(message.endsWith(LIKELY)).toBe(true);
    expect(message).not.toContain('\n');
  }, 30_000);

  it('closed loop: the patient, the scenario day and clock time of the first meal', async () => {
    const scenario = { ...loadScenario(join(__dirname, '..', '..', 'scenarios', 'randomised-10day.json')), days: 1 };
    const stiff = { ...adult, model: stiffModel };
    const error = await runPatient(scenario, stiff, 1).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ModelIntegrationError);
    // Breakfast of randomised-10day is between 07:00 and 11:00 (its eating starts the stiff stretch).
    expect((error as Error).message).toMatch(/^patient adult#001 at minute (4[2-9]\d|5\d\d|6[0-5]\d) \(day 1, (0[7-9]|10):\d\d\): the model could not be integrated \(maximum allowed steps exceeded: 20000\); /);
  }, 30_000);

  it('a diverging state: an IntegratorError at the time reached, at the blow-up', () => {
    // dx/dt = x², x(0) = 1: x = 1/(1 − t) is infinite at t = 1.
    const integrator = new StretchIntegrator((_t, x, dx) => (dx[0] = x[0] * x[0]), 1, 0);
    integrator.start(0, [1], 2);
    let error: unknown;
    try {
      integrator.valueAt(2);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(IntegratorError);
    // Approaching the blow-up the steps shrink until they no longer move t (dopri5.f's IDID = −3);
    // going on would take steps of 0 until the step limit.
    expect((error as IntegratorError).reason).toMatch(/^step size too small \(\d[\d.e+-]* min\)$/);
    expect((error as IntegratorError).timeMin).toBeGreaterThan(0.9);
    expect((error as IntegratorError).timeMin).toBeLessThan(1.01);
  });

  // The constructor only: the end-to-end path (a cohort run exiting 2) is test/cli/limits.test.ts.
  it("PatientRunError's exit code comes from its userFixable flag: 2 when set (bad input), else 1", () => {
    expect(new PatientRunError('adult#001', 'the model could not be integrated', undefined, true).exitCode).toBe(2);
    expect(new PatientRunError('adult#001', 'controller did not answer').exitCode).toBe(1);
  });
});

/**
 * Stress protocol for the integrator (issue #17): days that drive S2008
 * subjects from severe hypoglycaemia to severe hyperglycaemia (measured over
 * the 30 subjects: 0 to 786 mg/dL) with the input changes the simulator
 * restarts on, blood glucose read every minute as the closed loop does.
 * Shared by test/model/stress.test.ts.
 *
 * Each day (meals for a 70-kg adult, scaled down with body weight; CR, the
 * carb ratio, from Quest.csv):
 * - 07:00 150 g at 5 g/min, bolus missed; 08:00–10:00 pump suspended (no basal).
 * - 11:00 the missed bolus, late (150/CR).
 * - 17:00 150 g with a double bolus (2 × 150/CR); 19:30 40 g, no bolus.
 * - 23:00–24:00 1.5 × basal, a change the simulator is not told of in
 *   advance (the step that passes it is redone), as is the return at midnight.
 */
import type { IntegratorOptions } from '../../src/model/integrator.js';
import type { PatientModel } from '../../src/model/patientModel.js';
import { PatientSimulator } from '../../src/model/patientSimulator.js';
import { countedModel } from '../../bench/countedModel.js';

export interface StressRun {
  /** Blood glucose at minutes 0 … days·1440, mg/dL. */
  readonly bg: Float64Array;
  /** The full state at the end. */
  readonly finalState: Float64Array;
  /** Right-hand-side evaluations. */
  readonly evaluations: number;
}

const MEAL_RATE_G_PER_MIN = 5;

export function stressRun(model: PatientModel, carbRatioGPerU: number, options: IntegratorOptions, days: number): StressRun {
  // Meals for a 70-kg adult, scaled down with body weight (children weigh ~35 kg).
  const big = 150 * Math.min(1, model.bodyWeightKg / 70);
  const small = 40 * Math.min(1, model.bodyWeightKg / 70);
  const counter = { calls: 0 };
  const horizon = days * 1440;
  const sim = new PatientSimulator(countedModel(model, counter), horizon, options);
  const basal = model.basalInsulinUPerMin;
  const bg = new Float64Array(horizon + 1);
  // Changes the simulator is told of in advance: each day's meals, boluses and the ends of the suspension.
  const promised = [420, 480, 600, 660, 661, 1020, 1021, 1170];
  for (let m = 0; m < horizon; m++) {
    const day = Math.floor(m / 1440);
    const tod = m % 1440;
    if (tod === 420) sim.eat(big, MEAL_RATE_G_PER_MIN);
    if (tod === 1020) sim.eat(big, MEAL_RATE_G_PER_MIN);
    if (tod === 1170) sim.eat(small, MEAL_RATE_G_PER_MIN);
    let rate = tod >= 480 && tod < 600 ? 0 : tod >= 1380 ? 1.5 * basal : basal;
    if (tod === 660) rate += big / carbRatioGPerU;
    if (tod === 1020) rate += (2 * big) / carbRatioGPerU;
    bg[m] = sim.bloodGlucoseAt(m);
    const next = promised.find((p) => p > tod);
    const holdUntil = next === undefined ? horizon : Math.min(day * 1440 + next, horizon);
    sim.beginMinute(m, rate, holdUntil);
  }
  bg[horizon] = sim.bloodGlucoseAt(horizon);
  const finalState = new Float64Array(model.stateSize);
  sim.stateAt(horizon, finalState);
  return { bg, finalState, evaluations: counter.calls };
}

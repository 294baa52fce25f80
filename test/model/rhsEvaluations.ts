/**
 * Right-hand-side evaluations per simulated day of a model, as a measure of
 * integration cost that does not depend on the machine: 3 meals a day (07:00
 * 50 g, 12:00 70 g, 19:00 60 g at 5 g/min), glucose read every 5 min, inputs
 * held for 5 min. Shared by the T2DM cost tests.
 */
import type { IntegratorOptions } from '../../src/model/integrator.js';
import type { PatientModel } from '../../src/model/patientModel.js';
import { PatientSimulator } from '../../src/model/patientSimulator.js';
import { countedModel } from '../../bench/countedModel.js';

export function evaluationsPerDay(model: PatientModel, basalUPerMin: number, options: IntegratorOptions, days = 1): number {
  const counter = { calls: 0 };
  const horizon = days * 1440;
  const sim = new PatientSimulator(countedModel(model, counter), horizon, options);
  for (let m = 0; m < horizon; m++) {
    const timeOfDay = m % 1440;
    if (timeOfDay === 420) sim.eat(50, 5);
    if (timeOfDay === 720) sim.eat(70, 5);
    if (timeOfDay === 1140) sim.eat(60, 5);
    sim.beginMinute(m, basalUPerMin, m % 5 === 0 ? Math.min(m + 5, horizon) : undefined);
    if (m % 5 === 0) sim.bloodGlucoseAt(m);
  }
  return counter.calls / days;
}

/**
 * Everything one patient's run needs, built from a scenario: its meal plan
 * and sensor noise from seeded streams derived from (seed, patient, purpose),
 * the pump, and the controller with the patient's therapy settings.
 */
import { controllerEntry } from '../control/registry.js';
import type { Controller, TherapySettings } from '../control/types.js';
import type { VirtualPatient } from '../cohort/uvaPadova.js';
import { createSensor } from '../devices/cgm.js';
import { createPump } from '../devices/pump.js';
import { basalRateUPerMin } from '../model/parameters.js';
import { t1dModel } from '../model/t1d.js';
import { randomStream } from '../random/streams.js';
import { planMeals } from '../scenario/mealPlan.js';
import type { Scenario } from '../scenario/types.js';
import { runClosedLoop } from './closedLoop.js';
import type { Trace } from './trace.js';

/** What the physician knows of a patient (Quest.csv and the basal rate). */
export function therapySettings(patient: VirtualPatient): TherapySettings {
  return {
    patient: patient.name,
    basalRateUPerMin: basalRateUPerMin(patient.params),
    carbRatioGPerU: patient.therapy.carbRatioGPerU,
    correctionFactorMgDlPerU: patient.therapy.correctionFactorMgDlPerU,
    bodyWeightKg: patient.params.BW,
  };
}

/** Build the scenario's controller for a patient (options validated against the scenario file). */
export function controllerFor(scenario: Scenario, patient: VirtualPatient): Controller {
  return controllerEntry(scenario.controller.name, scenario.file).prepare(scenario.controller.options, scenario.file)(therapySettings(patient));
}

/** Run one patient through a scenario under `seed` (the scenario's own unless overridden). */
export function runPatient(scenario: Scenario, patient: VirtualPatient, seed: number | string, onDay?: (day: number) => void): Promise<Trace> {
  return runClosedLoop(
    {
      model: t1dModel(patient.params),
      days: scenario.days,
      startTimeOfDayMin: scenario.startTimeOfDayMin,
      controlPeriodMin: scenario.controlPeriodMin,
      meals: planMeals(scenario, randomStream(seed, patient.name, 'meals')),
      sensor: createSensor(scenario.sensor, randomStream(seed, patient.name, 'cgm')),
      pump: scenario.pump ? createPump(scenario.pump) : undefined,
      controller: controllerFor(scenario, patient),
    },
    onDay,
  );
}
